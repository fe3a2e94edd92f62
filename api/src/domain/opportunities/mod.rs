//! Opportunities: what a structure publishes (jobs, apprenticeships, trainings, civic service,
//! events…), what youths save and say they are interested in, and what counsellors do with it.
//! Every statement about them is here; `web_opportunities` is their HTTP side and `import`
//! reads files of them.
//!
//! A change that the search index must follow writes a row to `search_outbox` in the same
//! transaction, so the index can never miss it.

pub mod document;
pub mod import;
pub mod vocabulary;

pub use document::IndexSource;
pub use vocabulary::{
    fold, parse_kind, parse_level, parse_status, InterestState, Kind, Level, Status,
};

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::domain::accounts::{Role, Structure, User};
use crate::infra::communes;
use crate::infra::db::{is_unique_violation, now, Db};
use crate::infra::error::{AppError, FieldErrors};
use crate::infra::limits;
use crate::infra::time::{iso, parse_date, today};
use crate::infra::vocabulary::slug;

// ---- what a counsellor submits ----

/// An opportunity as submitted by a form, the JSON API or an import: text as typed.
/// `validate` turns it into a `Valid` one or says, field by field, what is wrong. As JSON,
/// unknown fields are refused (a typo must not be silently dropped).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Draft {
    pub kind: String,
    pub title: String,
    pub organisation: String,
    pub description: String,
    pub town: String,
    pub postcode: String,
    #[serde(deserialize_with = "text_or_number")]
    pub latitude: String,
    #[serde(deserialize_with = "text_or_number")]
    pub longitude: String,
    pub remote: bool,
    pub contract: String,
    pub duration: String,
    pub hours: String,
    pub level: String,
    pub start_date: String,
    pub deadline: String,
    #[serde(deserialize_with = "text_or_number")]
    pub places: String,
    /// A link (https://…), an email address, or empty for "via votre conseiller".
    pub apply: String,
    pub themes: Vec<String>,
    /// Empty means "brouillon" for a new opportunity and "unchanged" for an edit.
    pub status: String,
    /// The structure's slug: required from admins, ignored for counsellors (their own).
    pub structure: String,
    pub external_id: String,
    pub source: String,
    pub source_url: String,
}

/// Accepts `"12"`, `12`, `12.5` or `null` where text is expected.
fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => String::new(),
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    })
}

/// Where an opportunity takes place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub town: String,
    pub postcode: String,
    pub insee: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub remote: bool,
}

/// A checked opportunity, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Valid {
    pub kind: Kind,
    pub title: String,
    pub organisation: String,
    pub description: String,
    pub place: Place,
    pub contract: String,
    pub duration: String,
    pub hours: String,
    pub level: Level,
    pub start_date: Option<String>,
    pub deadline: Option<String>,
    pub places: Option<i64>,
    pub apply: String,
    pub themes: Vec<String>,
    pub status: Option<Status>,
    pub structure: String,
    pub external_id: Option<String>,
    pub source: String,
    pub source_url: String,
}

fn limit(errors: &mut FieldErrors, field: &'static str, name: &str, value: &str, max: usize) {
    if value.chars().count() > max {
        errors.push((
            field,
            format!("{name} doit faire {max} caractères au plus."),
        ));
    }
}

/// Checks a draft; every wrong field is reported at once, with a message in French.
pub fn validate(d: &Draft) -> Result<Valid, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let kind = match parse_kind(&d.kind) {
        Some(k) => k,
        None => {
            let list: Vec<&str> = Kind::ALL.iter().map(|k| k.label()).collect();
            errors.push((
                "kind",
                if d.kind.trim().is_empty() {
                    format!("Choisissez le type d'opportunité : {}.", list.join(", "))
                } else {
                    format!(
                        "Type « {} » inconnu. Types possibles : {}.",
                        d.kind.trim(),
                        list.join(", ")
                    )
                },
            ));
            Kind::Job
        }
    };
    let title = d.title.trim().to_string();
    if title.is_empty() {
        errors.push(("title", "Le titre est obligatoire.".into()));
    }
    limit(&mut errors, "title", "Le titre", &title, 200);
    limit(
        &mut errors,
        "organisation",
        "Le nom de l'organisme",
        d.organisation.trim(),
        200,
    );
    limit(
        &mut errors,
        "description",
        "La description",
        &d.description,
        20_000,
    );
    for (field, name, value) in [
        ("contract", "Le type de contrat", &d.contract),
        ("duration", "La durée", &d.duration),
        ("hours", "Les horaires", &d.hours),
    ] {
        limit(&mut errors, field, name, value.trim(), 200);
    }
    let place = match place(d) {
        Ok(p) => Some(p),
        Err((field, m)) => {
            errors.push((field, m));
            None
        }
    };
    let level = match parse_level(&d.level) {
        Some(l) => l,
        None => {
            errors.push((
                "level",
                format!(
                    "Niveau « {} » inconnu. Niveaux possibles : aucun, CAP, bac, bac+2, bac+3, bac+5.",
                    d.level.trim()
                ),
            ));
            Level::None
        }
    };
    let mut date = |field: &'static str, name: &str, value: &str| -> Option<String> {
        if value.trim().is_empty() {
            return None;
        }
        match parse_date(value) {
            Some(day) => Some(day.format("%Y-%m-%d").to_string()),
            None => {
                errors.push((
                    field,
                    format!(
                        "{name} « {} » n'est pas une date : écrivez-la comme 2026-03-01 ou 01/03/2026.",
                        value.trim()
                    ),
                ));
                None
            }
        }
    };
    let start_date = date("start_date", "La date de début", &d.start_date);
    let deadline = date("deadline", "La date limite", &d.deadline);
    let places = match d.places.trim() {
        "" => None,
        p => match p.parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) => Some(n),
            _ => {
                errors.push((
                    "places",
                    "Le nombre de places est un nombre entier entre 1 et 100 000 (ou laissez vide)."
                        .into(),
                ));
                None
            }
        },
    };
    let apply = d.apply.trim();
    let apply = if apply.is_empty() || fold(apply).contains("conseill") {
        String::new()
    } else if apply.contains("://") {
        if !limits::web_link(apply) {
            errors.push((
                "apply",
                "Ce lien n'est pas valide : il commence par https:// (ou http://), sans espace."
                    .into(),
            ));
        }
        apply.to_string()
    } else {
        let email = apply.trim_start_matches("mailto:");
        if crate::domain::accounts::valid_email(email) {
            email.to_string()
        } else {
            errors.push((
                "apply",
                "Pour candidater, donnez un lien (https://…), une adresse électronique, ou laissez vide pour « via votre conseiller ».".into(),
            ));
            String::new()
        }
    };
    let mut themes: Vec<String> = d
        .themes
        .iter()
        .flat_map(|t| t.split(','))
        .map(|t| fold(t).replace(' ', "-"))
        .filter(|t| !t.is_empty())
        .collect();
    themes.dedup();
    if themes.len() > 10 || themes.iter().any(|t| t.len() > 50) {
        errors.push((
            "themes",
            "Donnez au plus 10 thèmes, de 50 caractères au plus.".into(),
        ));
    }
    let status = match d.status.trim() {
        "" => None,
        s => match parse_status(s) {
            Some(status) => Some(status),
            None => {
                errors.push((
                    "status",
                    format!(
                        "Statut « {s} » inconnu. Statuts possibles : brouillon, publiee, pourvue, expiree."
                    ),
                ));
                None
            }
        },
    };
    if let (Some(s), Some(e)) = (&start_date, &deadline) {
        if e > s && kind == Kind::Event {
            errors.push((
                "deadline",
                "La date limite d'inscription est après la date de l'événement.".into(),
            ));
        }
    }
    limit(
        &mut errors,
        "external_id",
        "L'identifiant",
        d.external_id.trim(),
        200,
    );
    let source_url = d.source_url.trim();
    if !source_url.is_empty() && !limits::web_link(source_url) {
        errors.push((
            "source_url",
            "Le lien vers l'offre d'origine commence par https:// (ou http://), sans espace."
                .into(),
        ));
    }
    limit(&mut errors, "source", "La source", d.source.trim(), 100);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Valid {
        kind,
        title,
        organisation: d.organisation.trim().into(),
        description: d.description.trim().replace("\r\n", "\n"),
        place: place.expect("no error means a place"),
        contract: d.contract.trim().into(),
        duration: d.duration.trim().into(),
        hours: d.hours.trim().into(),
        level,
        start_date,
        deadline,
        places,
        apply,
        themes,
        status,
        structure: d.structure.trim().to_lowercase(),
        external_id: Some(d.external_id.trim().to_string()).filter(|s| !s.is_empty()),
        source: d.source.trim().into(),
        source_url: d.source_url.trim().into(),
    })
}

/// The place of a draft: given coordinates, or the commune resolved offline.
fn place(d: &Draft) -> Result<Place, (&'static str, String)> {
    let town = d.town.trim();
    let postcode = d.postcode.trim();
    let coords = match (d.latitude.trim(), d.longitude.trim()) {
        ("", "") => None,
        (la, lo) => match (la.parse::<f64>(), lo.parse::<f64>()) {
            (Ok(la), Ok(lo)) if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&lo) => {
                Some((la, lo))
            }
            _ => {
                return Err((
                    "latitude",
                    "Latitude et longitude sont deux nombres (par exemple 50.6292 et 3.0573), ou laissez-les vides.".into(),
                ))
            }
        },
    };
    if town.is_empty() && postcode.is_empty() {
        if d.remote {
            return Ok(Place {
                town: String::new(),
                postcode: String::new(),
                insee: String::new(),
                lat: None,
                lon: None,
                remote: true,
            });
        }
        return Err((
            "town",
            "Indiquez la commune ou le code postal, ou cochez « À distance ».".into(),
        ));
    }
    let typed = format!("{town} {postcode}");
    match communes::resolve(typed.trim()) {
        Ok(c) => Ok(Place {
            town: if town.is_empty() {
                c.name.clone()
            } else {
                town.to_string()
            },
            postcode: if postcode.is_empty() {
                c.postcodes.first().cloned().unwrap_or_default()
            } else {
                postcode.to_string()
            },
            insee: c.insee.clone(),
            lat: Some(coords.map_or(c.lat, |c| c.0)),
            lon: Some(coords.map_or(c.lon, |c| c.1)),
            remote: d.remote,
        }),
        Err(_) if coords.is_some() => Ok(Place {
            town: town.to_string(),
            postcode: postcode.to_string(),
            insee: String::new(),
            lat: coords.map(|c| c.0),
            lon: coords.map(|c| c.1),
            remote: d.remote,
        }),
        Err(unknown) => Err(("town", unknown.to_string())),
    }
}

// ---- what is read ----

/// An opportunity as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opportunity {
    pub id: i64,
    pub structure: Structure,
    pub author_id: Option<i64>,
    pub kind: Kind,
    pub title: String,
    pub organisation: String,
    pub description: String,
    pub place: Place,
    pub contract: String,
    pub duration: String,
    pub hours: String,
    pub level: Level,
    pub start_date: Option<String>,
    pub deadline: Option<String>,
    pub places: Option<i64>,
    pub taken: i64,
    pub apply: String,
    pub themes: Vec<String>,
    /// As stored.
    pub status: Status,
    pub source: String,
    pub external_id: Option<String>,
    pub source_url: String,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Opportunity {
    /// The status as it is today: a published opportunity whose deadline has passed is
    /// `expiree`, without anyone having to change it.
    pub fn effective_status(&self) -> Status {
        if self.status == Status::Published && self.expired() {
            Status::Expired
        } else {
            self.status
        }
    }

    pub fn expired(&self) -> bool {
        self.deadline
            .as_deref()
            .is_some_and(|d| d < today().as_str())
    }

    /// Visible to anyone: published and not expired.
    pub fn is_public(&self) -> bool {
        self.effective_status() == Status::Published
    }

    /// What a youth who saved it, or said it interested them, may still see of an
    /// opportunity that is no longer public: its kind, structure and status, not its text
    /// (a counsellor may have unpublished it to rewrite it).
    pub fn withdrawn(&self) -> Opportunity {
        Opportunity {
            title: "Cette opportunité n'est plus en ligne".into(),
            organisation: String::new(),
            description: String::new(),
            place: Place {
                town: String::new(),
                postcode: String::new(),
                insee: String::new(),
                lat: None,
                lon: None,
                remote: false,
            },
            contract: String::new(),
            duration: String::new(),
            hours: String::new(),
            apply: String::new(),
            themes: Vec::new(),
            external_id: None,
            source_url: String::new(),
            ..self.clone()
        }
    }

    /// Places left, for opportunities that count them.
    pub fn places_left(&self) -> Option<i64> {
        self.places.map(|p| (p - self.taken).max(0))
    }

    /// How to apply: (kind, value) with kind `lien`, `email` or `conseiller`.
    pub fn apply_how(&self) -> (&'static str, &str) {
        if limits::web_link(&self.apply) {
            ("lien", &self.apply)
        } else if crate::domain::accounts::valid_email(&self.apply) {
            ("email", &self.apply)
        } else {
            ("conseiller", "")
        }
    }

    /// The original offer's address, when it is a web link (rows stored before links were
    /// checked may hold anything).
    pub fn source_link(&self) -> Option<&str> {
        Some(self.source_url.as_str()).filter(|u| limits::web_link(u))
    }

    /// The JSON shape of the API.
    pub fn to_json(&self) -> Value {
        let (apply_kind, apply_value) = self.apply_how();
        json!({
            "id": self.id,
            "kind": self.kind,
            "kind_label": self.kind.label(),
            "title": self.title,
            "organisation": self.organisation,
            "description": self.description,
            "description_html": crate::infra::markdown::safe_html(&self.description),
            "place": {
                "town": self.place.town,
                "postcode": self.place.postcode,
                "insee": self.place.insee,
                "latitude": self.place.lat,
                "longitude": self.place.lon,
                "remote": self.place.remote,
            },
            "contract": self.contract,
            "duration": self.duration,
            "hours": self.hours,
            "level": self.level,
            "level_label": self.level.label(),
            "start_date": self.start_date,
            "deadline": self.deadline,
            "places": self.places,
            "places_left": self.places_left(),
            "apply": {"kind": apply_kind, "value": apply_value},
            "themes": self.themes,
            "status": self.effective_status(),
            "structure": {"slug": self.structure.slug, "name": self.structure.name},
            "source": if self.source.is_empty() { None } else { Some(&self.source) },
            "external_id": self.external_id,
            "source_url": self.source_link(),
            "published_at": self.published_at.map(iso),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "url": format!("/opportunites/{}", self.id),
        })
    }
}

const SELECT: &str = "SELECT o.id, o.structure_id, o.author_id, o.kind, o.title, o.organisation, \
    o.description, o.town, o.postcode, o.insee, o.lat, o.lon, o.remote, o.contract, o.duration, \
    o.hours, o.level, o.start_date, o.deadline, o.places, o.taken, o.apply, o.themes, o.status, \
    o.source, o.external_id, o.source_url, o.published_at, o.created_at, o.updated_at, \
    s.slug, s.name AS sname, s.town AS stown, s.contact \
    FROM opportunities o JOIN structures s ON s.id = o.structure_id";

fn from_row(r: &AnyRow) -> Result<Opportunity, sqlx::Error> {
    let themes: String = r.try_get("themes")?;
    Ok(Opportunity {
        id: r.try_get("id")?,
        structure: Structure {
            id: r.try_get("structure_id")?,
            slug: r.try_get("slug")?,
            name: r.try_get("sname")?,
            town: r.try_get("stown")?,
            contact: r.try_get("contact")?,
        },
        author_id: r.try_get("author_id")?,
        kind: slug(r, "kind")?,
        title: r.try_get("title")?,
        organisation: r.try_get("organisation")?,
        description: r.try_get("description")?,
        place: Place {
            town: r.try_get("town")?,
            postcode: r.try_get("postcode")?,
            insee: r.try_get("insee")?,
            lat: r.try_get("lat")?,
            lon: r.try_get("lon")?,
            remote: r.try_get::<i64, _>("remote")? != 0,
        },
        contract: r.try_get("contract")?,
        duration: r.try_get("duration")?,
        hours: r.try_get("hours")?,
        level: slug(r, "level")?,
        start_date: r.try_get("start_date")?,
        deadline: r.try_get("deadline")?,
        places: r.try_get("places")?,
        taken: r.try_get("taken")?,
        apply: r.try_get("apply")?,
        themes: themes
            .split(',')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect(),
        status: slug(r, "status")?,
        source: r.try_get("source")?,
        external_id: r.try_get("external_id")?,
        source_url: r.try_get("source_url")?,
        published_at: r.try_get("published_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Opportunity>, AppError> {
    let row = sqlx::query(&format!("{SELECT} WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| from_row(&r)).transpose()?)
}

/// An opportunity `user` may see: public ones for everyone, the others for their managers.
/// Anything else is "not found", so that nobody learns what another structure prepares.
pub async fn get_visible(db: &Db, user: Option<&User>, id: i64) -> Result<Opportunity, AppError> {
    match get(db, id).await? {
        Some(o) if o.is_public() || user.is_some_and(|u| u.manages(o.structure.id)) => Ok(o),
        _ => Err(AppError::NotFound),
    }
}

/// The opportunity, if `user` manages it; 404 when it does not exist or is another
/// structure's.
pub async fn get_managed(db: &Db, user: &User, id: i64) -> Result<Opportunity, AppError> {
    if user.role == Role::Youth {
        return Err(AppError::Forbidden(
            "Cette action est réservée aux conseillers.".into(),
        ));
    }
    match get(db, id).await? {
        Some(o) if user.manages(o.structure.id) => Ok(o),
        _ => Err(AppError::NotFound),
    }
}

// ---- writes ----

/// Records that the search index must look at this opportunity again.
async fn outbox(tx: &mut Transaction<'_, Any>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO search_outbox (index_name, doc_id, created_at) VALUES ('opportunites', $1, $2)")
        .bind(id.to_string())
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The structure a new opportunity of `user` belongs to.
async fn target_structure(db: &Db, user: &User, slug: &str) -> Result<Structure, AppError> {
    match user.role {
        Role::Counsellor => user.structure.clone().ok_or_else(|| {
            AppError::Forbidden("Votre compte n'est rattaché à aucune Mission Locale.".into())
        }),
        Role::Admin => match crate::domain::accounts::structure_by_slug(db, slug).await? {
            Some(s) => Ok(s),
            None => Err(AppError::Invalid(vec![(
                "structure",
                "Choisissez la Mission Locale qui publie cette opportunité.".into(),
            )])),
        },
        Role::Youth => Err(AppError::Forbidden(
            "Seuls les conseillers publient des opportunités.".into(),
        )),
    }
}

/// Inserts or, when an opportunity of the structure has the same source and external id,
/// updates it. Returns its id and whether it was created.
async fn write(
    tx: &mut Transaction<'_, Any>,
    structure_id: i64,
    author: Option<i64>,
    v: &Valid,
    existing: Option<i64>,
) -> Result<(i64, bool), AppError> {
    let t = now();
    let existing = match (existing, &v.external_id) {
        (Some(id), _) => Some(id),
        (None, Some(ext)) => sqlx::query(
            "SELECT id FROM opportunities WHERE structure_id = $1 AND source = $2 AND external_id = $3",
        )
        .bind(structure_id)
        .bind(&v.source)
        .bind(ext)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get::<i64, _>(0))
        .transpose()?,
        (None, None) => None,
    };
    let themes = v.themes.join(",");
    let (id, created) = match existing {
        Some(id) => {
            let status = v.status;
            sqlx::query(
                "UPDATE opportunities SET kind = $1, title = $2, organisation = $3, description = $4, \
                 town = $5, postcode = $6, insee = $7, lat = $8, lon = $9, remote = $10, contract = $11, \
                 duration = $12, hours = $13, level = $14, level_rank = $15, start_date = $16, deadline = $17, \
                 places = $18, apply = $19, themes = $20, source_url = $21, updated_at = $22, \
                 status = COALESCE($23, status), \
                 published_at = CASE WHEN $24 = 1 AND published_at IS NULL THEN $22 ELSE published_at END, \
                 external_id = COALESCE($25, external_id) \
                 WHERE id = $26",
            )
            .persistent(false)
            .bind(v.kind.as_str())
            .bind(&v.title)
            .bind(&v.organisation)
            .bind(&v.description)
            .bind(&v.place.town)
            .bind(&v.place.postcode)
            .bind(&v.place.insee)
            .bind(v.place.lat)
            .bind(v.place.lon)
            .bind(v.place.remote as i64)
            .bind(&v.contract)
            .bind(&v.duration)
            .bind(&v.hours)
            .bind(v.level.as_str())
            .bind(v.level.rank())
            .bind(&v.start_date)
            .bind(&v.deadline)
            .bind(v.places)
            .bind(&v.apply)
            .bind(&themes)
            .bind(&v.source_url)
            .bind(t)
            .bind(status.map(Status::as_str))
            .bind((status == Some(Status::Published)) as i64)
            .bind(&v.external_id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            (id, false)
        }
        None => {
            let status = v.status.unwrap_or(Status::Draft);
            let row = sqlx::query(
                "INSERT INTO opportunities (structure_id, author_id, kind, title, organisation, description, \
                 town, postcode, insee, lat, lon, remote, contract, duration, hours, level, level_rank, \
                 start_date, deadline, places, apply, themes, status, source, external_id, source_url, \
                 published_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
                 $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $28) RETURNING id",
            )
            // Not cached: through the `Any` driver, a statement first prepared with a NULL
            // coordinate keeps a parameter type PostgreSQL then refuses a number for.
            .persistent(false)
            .bind(structure_id)
            .bind(author)
            .bind(v.kind.as_str())
            .bind(&v.title)
            .bind(&v.organisation)
            .bind(&v.description)
            .bind(&v.place.town)
            .bind(&v.place.postcode)
            .bind(&v.place.insee)
            .bind(v.place.lat)
            .bind(v.place.lon)
            .bind(v.place.remote as i64)
            .bind(&v.contract)
            .bind(&v.duration)
            .bind(&v.hours)
            .bind(v.level.as_str())
            .bind(v.level.rank())
            .bind(&v.start_date)
            .bind(&v.deadline)
            .bind(v.places)
            .bind(&v.apply)
            .bind(&themes)
            .bind(status.as_str())
            .bind(&v.source)
            .bind(&v.external_id)
            .bind(&v.source_url)
            .bind((status == Status::Published).then_some(t))
            .bind(t)
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    AppError::Invalid(vec![(
                        "external_id",
                        "Une opportunité de votre structure a déjà cet identifiant.".into(),
                    )])
                } else {
                    e.into()
                }
            })?;
            (row.try_get::<i64, _>(0)?, true)
        }
    };
    outbox(tx, id).await?;
    Ok((id, created))
}

/// Publishes a new opportunity (or a draft of it) for the counsellor's structure.
pub async fn create(db: &Db, user: &User, draft: &Draft) -> Result<Opportunity, AppError> {
    let structure = target_structure(db, user, &draft.structure).await;
    let valid = validate(draft);
    let (structure, valid) = match (structure, valid) {
        (Ok(s), Ok(v)) => (s, v),
        (Err(AppError::Invalid(mut a)), Err(b)) => {
            a.extend(b);
            return Err(AppError::Invalid(a));
        }
        (Err(e), _) => return Err(e),
        (_, Err(b)) => return Err(AppError::Invalid(b)),
    };
    let mut tx = db.pool.begin().await?;
    let (id, _) = write(&mut tx, structure.id, Some(user.id), &valid, None).await?;
    tx.commit().await?;
    get(db, id)
        .await?
        .ok_or_else(|| AppError::Internal("opportunité créée introuvable".into()))
}

/// Replaces an opportunity's fields (its structure stays the same).
pub async fn update(db: &Db, user: &User, id: i64, draft: &Draft) -> Result<Opportunity, AppError> {
    let current = get_managed(db, user, id).await?;
    let mut valid = validate(draft).map_err(AppError::Invalid)?;
    if valid.external_id.is_none() {
        valid.external_id = current.external_id.clone();
    }
    valid.source = current.source.clone();
    let mut tx = db.pool.begin().await?;
    write(&mut tx, current.structure.id, None, &valid, Some(id)).await?;
    tx.commit().await?;
    get(db, id).await?.ok_or(AppError::NotFound)
}

/// Publishes, unpublishes (back to draft) or marks as filled.
pub async fn set_status(
    db: &Db,
    user: &User,
    id: i64,
    status: &str,
) -> Result<Opportunity, AppError> {
    let current = get_managed(db, user, id).await?;
    let Some(status) = Status::from_slug(status) else {
        return Err(AppError::Invalid(vec![(
            "status",
            "Statut inconnu : brouillon, publiee, pourvue ou expiree.".into(),
        )]));
    };
    if status == Status::Published && current.expired() {
        return Err(AppError::Invalid(vec![(
            "status",
            "La date limite est passée : changez-la avant de publier.".into(),
        )]));
    }
    let t = now();
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "UPDATE opportunities SET status = $1, updated_at = $2, \
         published_at = CASE WHEN $4 = 1 AND published_at IS NULL THEN $2 ELSE published_at END \
         WHERE id = $3",
    )
    .bind(status.as_str())
    .bind(t)
    .bind(id)
    .bind((status == Status::Published) as i64)
    .execute(&mut *tx)
    .await?;
    outbox(&mut tx, id).await?;
    tx.commit().await?;
    get(db, id).await?.ok_or(AppError::NotFound)
}

// ---- import ----

/// One row of an import: where it is in the file, and what it holds.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The line of the file where the row starts.
    pub line: usize,
    /// The row, or why it could not even be read.
    pub draft: Result<Draft, String>,
}

/// What an import did, or would have done.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    /// Rows left out: (line, reason), the first `limits::IMPORT_MAX_REPORTED_ERRORS` by line.
    pub errors: Vec<(usize, String)>,
    /// How many rows were left out in all.
    pub error_count: usize,
    /// Whether anything was written.
    pub written: bool,
    /// Every line left out, while the rows are checked.
    #[serde(skip)]
    bad_lines: Vec<usize>,
}

/// Imports rows for `structure`. With errors, nothing is written unless `skip_bad`; then the
/// good rows are written and the bad ones reported. Rows with an external id already known
/// (same structure and source) update that opportunity instead of adding one. Imported
/// opportunities are published unless the row gives another status.
pub async fn import(
    db: &Db,
    user: &User,
    structure_slug: &str,
    rows: Vec<ImportRow>,
    skip_bad: bool,
) -> Result<ImportReport, AppError> {
    let structure = target_structure(db, user, structure_slug).await?;
    import_into(db, &structure, Some(user.id), rows, skip_bad).await
}

/// Checks import rows: the valid ones, with their line, and the report of the others (the
/// first `IMPORT_MAX_REPORTED_ERRORS` by line, and their count).
fn check_rows(rows: Vec<ImportRow>) -> (ImportReport, Vec<(usize, Valid)>) {
    let mut report = ImportReport::default();
    let mut good = Vec::new();
    for row in rows {
        match row.draft {
            Err(m) => report.errors.push((row.line, m)),
            Ok(mut d) => {
                if d.status.trim().is_empty() {
                    d.status = Status::Published.as_str().into();
                }
                match validate(&d) {
                    Ok(v) => good.push((row.line, v)),
                    Err(fields) => report.errors.push((
                        row.line,
                        fields
                            .iter()
                            .map(|(f, m)| format!("{} : {m}", field_label(f)))
                            .collect::<Vec<_>>()
                            .join(" ; "),
                    )),
                }
            }
        }
    }
    let mut seen = BTreeMap::new();
    for (line, v) in &good {
        if let Some(ext) = &v.external_id {
            if let Some(first) = seen.insert(ext.clone(), *line) {
                report.errors.push((
                    *line,
                    format!("identifiant « {ext} » déjà utilisé ligne {first} du même fichier"),
                ));
            }
        }
    }
    report.errors.sort();
    report.error_count = report.errors.len();
    report.bad_lines = report.errors.iter().map(|e| e.0).collect();
    report.errors.truncate(limits::IMPORT_MAX_REPORTED_ERRORS);
    (report, good)
}

/// `import` for a given structure, by a given author (none from the command line).
pub async fn import_into(
    db: &Db,
    structure: &Structure,
    author: Option<i64>,
    rows: Vec<ImportRow>,
    skip_bad: bool,
) -> Result<ImportReport, AppError> {
    let checked = check_import(rows).await?;
    if checked.report.error_count > 0 && !skip_bad {
        return Ok(checked.report);
    }
    let mut tx = db.pool.begin().await?;
    let report = write_import(&mut tx, structure, author, checked, skip_bad).await?;
    if report.written {
        tx.commit().await?;
    }
    Ok(report)
}

/// Import rows once checked: the valid ones with their line, and the report of the others.
#[derive(Debug)]
pub struct CheckedImport {
    report: ImportReport,
    good: Vec<(usize, Valid)>,
}

impl CheckedImport {
    /// What is wrong with the rows (nothing written yet).
    pub fn report(&self) -> &ImportReport {
        &self.report
    }
}

/// Checks import rows (communes resolved, up to `IMPORT_MAX_ROWS`): CPU work, on a blocking
/// thread, off the async workers.
pub async fn check_import(rows: Vec<ImportRow>) -> Result<CheckedImport, AppError> {
    let (report, good) = tokio::task::spawn_blocking(move || check_rows(rows))
        .await
        .map_err(|e| AppError::Internal(format!("vérification de l'import : {e}")))?;
    Ok(CheckedImport { report, good })
}

/// Writes checked rows for `structure` inside `tx`, with their `search_outbox` rows. With
/// errors, nothing is written unless `skip_bad`. The caller commits when the report says
/// `written`, and drops the transaction otherwise (a row refused while writing abandons the
/// whole import).
pub async fn write_import(
    tx: &mut Transaction<'_, Any>,
    structure: &Structure,
    author: Option<i64>,
    checked: CheckedImport,
    skip_bad: bool,
) -> Result<ImportReport, AppError> {
    let CheckedImport { mut report, good } = checked;
    if report.error_count > 0 && !skip_bad {
        return Ok(report);
    }
    let bad: std::collections::BTreeSet<usize> = report.bad_lines.iter().copied().collect();
    report.bad_lines = Vec::new();
    for (line, v) in good.iter().filter(|(l, _)| !bad.contains(l)) {
        match write(tx, structure.id, author, v, None).await {
            Ok((_, true)) => report.created += 1,
            Ok((_, false)) => report.updated += 1,
            Err(AppError::Invalid(f)) => {
                // Nothing half-written: the whole import is abandoned.
                report.error_count += 1;
                report.errors.push((
                    *line,
                    f.into_iter()
                        .map(|(_, m)| m)
                        .collect::<Vec<_>>()
                        .join(" ; "),
                ));
                report.created = 0;
                report.updated = 0;
                return Ok(report);
            }
            Err(e) => return Err(e),
        }
    }
    report.written = true;
    Ok(report)
}

impl ImportReport {
    /// The report in French, one line per fact, for the command line.
    pub fn lines(&self, file: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .errors
            .iter()
            .map(|(line, m)| format!("{file}:{line}: {m}"))
            .collect();
        if self.written {
            out.push(format!(
                "{} opportunité(s) ajoutée(s), {} mise(s) à jour{}.",
                self.created,
                self.updated,
                if self.error_count == 0 {
                    String::new()
                } else {
                    format!(", {} ligne(s) laissée(s) de côté", self.error_count)
                }
            ));
        } else {
            out.push(format!(
                "Rien n'a été importé : {} ligne(s) à corriger (ou relancez avec --ignorer-erreurs pour importer les lignes correctes).",
                self.error_count
            ));
        }
        if self.error_count > self.errors.len() {
            out.insert(
                self.errors.len(),
                format!(
                    "… et {} autre(s) ligne(s) à corriger, non détaillées ici.",
                    self.error_count - self.errors.len()
                ),
            );
        }
        out
    }
}

/// A field's name in French, for import reports.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "kind" => "type",
        "title" => "titre",
        "organisation" => "organisme",
        "description" => "description",
        "town" => "commune",
        "postcode" => "code postal",
        "latitude" | "longitude" => "coordonnées",
        "contract" => "contrat",
        "duration" => "durée",
        "hours" => "horaires",
        "level" => "niveau",
        "start_date" => "début",
        "deadline" => "date limite",
        "places" => "places",
        "apply" => "candidature",
        "themes" => "thèmes",
        "status" => "statut",
        "structure" => "structure",
        "external_id" => "identifiant",
        "source_url" => "lien d'origine",
        "source" => "source",
        _ => "champ",
    }
}

// ---- listing ----

/// The filters of the public listing, as typed: its URL's parameters (`type`, `lieu`,
/// `rayon`, `debut`, `niveau`, `q`, `tri`, `page`, `structure`), read by `parse` and written
/// by `to_query`, nowhere else.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Kind slugs (any of them): `type`.
    pub kinds: Vec<String>,
    /// A commune or postcode: `lieu`.
    pub place: String,
    /// Radius around `place`, in km: `rayon`.
    pub radius_km: Option<f64>,
    /// Only what starts on or after this date: `debut`.
    pub start_from: String,
    /// The youth's level, what asks for this level or less: `niveau`.
    pub level: String,
    /// Words to find: `q`.
    pub keywords: String,
    /// `date` (newest first, the default) or `distance`: `tri`.
    pub sort: String,
    pub page: Option<u32>,
    /// Only this structure's (slug): `structure`.
    pub structure: String,
}

impl Filters {
    /// The filters of a listing's query string; `type` may repeat or hold a comma list.
    /// Unknown keys are ignored.
    pub fn parse(query: &str) -> Filters {
        let mut f = Filters::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "type" => {
                    f.kinds
                        .extend(v.split(',').map(str::to_string).filter(|s| !s.is_empty()));
                    // One more than allowed is enough for `check` to refuse them.
                    f.kinds.truncate(limits::MAX_KINDS + 1);
                }
                "lieu" => f.place = v,
                "rayon" => f.radius_km = v.trim().parse().ok().or(f.radius_km),
                "debut" => f.start_from = v,
                "niveau" => f.level = v,
                "q" => f.keywords = v,
                "tri" => f.sort = v,
                // A number too large for a page is the largest page (then refused).
                "page" => {
                    f.page = v
                        .trim()
                        .parse::<u64>()
                        .ok()
                        .map(|n| n.min(u64::from(u32::MAX)) as u32)
                }
                "structure" => f.structure = v,
                _ => {}
            }
        }
        f
    }

    /// The query string `parse` reads back: `type` once per kind, then every other filter
    /// that says something (as typed), the page past the first.
    pub fn to_query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for k in &self.kinds {
            q.append_pair("type", k);
        }
        for (k, v) in [
            ("q", self.keywords.as_str()),
            ("lieu", self.place.as_str()),
            ("debut", self.start_from.as_str()),
            ("niveau", self.level.as_str()),
            ("tri", self.sort.as_str()),
            ("structure", self.structure.as_str()),
        ] {
            if !v.trim().is_empty() {
                q.append_pair(k, v);
            }
        }
        if let Some(r) = self.radius_km {
            q.append_pair("rayon", &r.to_string());
        }
        if let Some(p) = self.page.filter(|p| *p > 1) {
            q.append_pair("page", &p.to_string());
        }
        q.finish()
    }

    /// What a saved search keeps: the filters that say something, trimmed, without page or
    /// order, and the radius only with a place.
    pub fn saved(&self) -> Filters {
        let place = self.place.trim().to_string();
        Filters {
            kinds: self.kinds.clone(),
            radius_km: self.radius_km.filter(|_| !place.is_empty()),
            place,
            start_from: self.start_from.trim().into(),
            level: self.level.trim().into(),
            keywords: self.keywords.trim().into(),
            sort: String::new(),
            page: None,
            structure: self.structure.trim().into(),
        }
    }
}

pub use crate::infra::limits::PAGE_SIZE;
pub const DEFAULT_RADIUS_KM: f64 = 30.0;

/// One page of a listing.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// Each opportunity, with its distance in km from the place asked, if any.
    pub items: Vec<(Opportunity, Option<f64>)>,
    pub total: usize,
    pub page: u32,
    pub pages: u32,
    /// The commune the place resolved to.
    pub near: Option<&'static communes::Commune>,
}

/// The listing's filters once checked: what the engine and SQL are asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub kinds: Vec<Kind>,
    /// The commune the place resolved to.
    pub near: Option<&'static communes::Commune>,
    pub radius: f64,
    /// The youth's level, as a rank: what asks for this rank or less.
    pub level: Option<i64>,
    pub start_from: Option<String>,
    /// A structure's slug, lowercase, or empty.
    pub structure: String,
    pub keywords: String,
    /// `1..=limits::MAX_PAGE`.
    pub page: u32,
}

impl Filters {
    /// Checks every filter against its vocabulary and `limits`: every wrong one is reported
    /// at once, named by its URL parameter. A place that cannot be resolved comes with
    /// suggestions. Needs no database.
    pub fn check(&self) -> Result<Checked, FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        if self.kinds.len() > limits::MAX_KINDS {
            errors.push((
                "type",
                format!(
                    "Choisissez au plus {} types d'opportunité.",
                    limits::MAX_KINDS
                ),
            ));
        }
        let kinds: Vec<Kind> = self
            .kinds
            .iter()
            .take(limits::MAX_KINDS)
            .filter(|k| !k.is_empty())
            .filter_map(|k| {
                let p = parse_kind(k);
                if p.is_none() {
                    errors.push(("type", format!("Type « {} » inconnu.", short(k))));
                }
                p
            })
            .collect();
        let near = match self.place.trim() {
            "" => None,
            p if p.chars().count() > limits::PLACE_MAX_CHARS => {
                errors.push((
                    "lieu",
                    format!(
                        "Le lieu fait {} caractères au plus : une commune ou un code postal.",
                        limits::PLACE_MAX_CHARS
                    ),
                ));
                None
            }
            p => match communes::resolve(p) {
                Ok(c) => Some(c),
                Err(unknown) => {
                    errors.push(("lieu", unknown.to_string()));
                    None
                }
            },
        };
        let radius = self.radius_km.unwrap_or(DEFAULT_RADIUS_KM);
        if !limits::RADIUS_KM.contains(&radius) {
            errors.push(("rayon", "Le rayon est entre 1 et 500 km.".into()));
        }
        for (field, value) in [
            ("niveau", &self.level),
            ("debut", &self.start_from),
            ("tri", &self.sort),
            ("structure", &self.structure),
        ] {
            if value.chars().count() > limits::FILTER_MAX_CHARS {
                errors.push((field, "Cette valeur est trop longue.".into()));
            }
        }
        let level = match self.level.trim() {
            "" => None,
            l => match parse_level(l) {
                Some(l) => Some(l.rank()),
                None => {
                    errors.push(("niveau", format!("Niveau « {} » inconnu.", short(l))));
                    None
                }
            },
        };
        let start_from = match self.start_from.trim() {
            "" => None,
            s => match parse_date(s) {
                Some(d) => Some(d.format("%Y-%m-%d").to_string()),
                None => {
                    errors.push(("debut", "La date de début s'écrit comme 2026-03-01.".into()));
                    None
                }
            },
        };
        let keywords = limits::query("q", &self.keywords).unwrap_or_else(|e| {
            errors.extend(e.fields());
            String::new()
        });
        let page = limits::page("page", self.page).unwrap_or_else(|e| {
            errors.extend(e.fields());
            1
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Checked {
            kinds,
            near,
            radius,
            level,
            start_from,
            structure: self.structure.trim().to_lowercase(),
            keywords,
            page,
        })
    }
}

/// A value typed by a visitor, cut for a message.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// The number of pages of `total` matches: the listing stops at `limits::MAX_PAGE`.
fn page_count(total: usize) -> u32 {
    total
        .div_ceil(PAGE_SIZE)
        .clamp(1, limits::MAX_PAGE as usize) as u32
}

/// The public listing: published, not expired, filtered, sorted and paginated.
/// Wrong filters are an `Invalid` error naming each (see `Filters::check`); a page past the
/// last one is `NoSuchPage`.
/// The search engine answers (keywords with typos, stems and synonyms); SQL is the fallback
/// when it fails and there are no keywords.
pub async fn list(
    db: &Db,
    search: &dyn tremplin_search::SearchEngine,
    f: &Filters,
) -> Result<Listing, AppError> {
    let c = f.check().map_err(AppError::Invalid)?;
    let listing = list_checked(db, search, &c, &f.sort).await?;
    if listing.page > listing.pages {
        return Err(AppError::NoSuchPage(format!(
            "Cette liste s'arrête à la page {}.",
            listing.pages
        )));
    }
    Ok(listing)
}

async fn list_checked(
    db: &Db,
    search: &dyn tremplin_search::SearchEngine,
    c: &Checked,
    sort: &str,
) -> Result<Listing, AppError> {
    let page = c.page;
    // The engine answers every listing (filters, distance and counts from its columns, in
    // about a millisecond); the database then gives the page's opportunities as they are now.
    // Without keywords, a failing engine is not fatal: SQL answers instead.
    match list_by_engine(db, search, c, sort).await {
        Ok(listing) => return Ok(listing),
        Err(e) if !c.keywords.is_empty() => return Err(e),
        Err(e) => tracing::warn!(erreur = ?e, "liste des opportunités par la base de données"),
    }
    let (kinds, near, radius, level, start_from) =
        (&c.kinds, c.near, c.radius, c.level, &c.start_from);

    // The WHERE clause, with its parameters in order.
    let mut sql = format!(
        " WHERE o.status = '{}' AND (o.deadline IS NULL OR o.deadline >= $1)",
        Status::Published
    );
    let mut params: Vec<Param> = vec![Param::Text(today())];
    let mut push = |sql: &mut String, clause: &str, p: Param| {
        params.push(p);
        sql.push_str(&clause.replace('?', &format!("${}", params.len())));
    };
    if !kinds.is_empty() {
        sql.push_str(" AND o.kind IN (");
        for (i, k) in kinds.iter().enumerate() {
            push(
                &mut sql,
                if i == 0 { "?" } else { ", ?" },
                Param::Text(k.as_str().to_string()),
            );
        }
        sql.push(')');
    }
    if let Some(rank) = level {
        push(&mut sql, " AND o.level_rank <= ?", Param::Int(rank));
    }
    if let Some(d) = &start_from {
        push(
            &mut sql,
            " AND (o.start_date IS NULL OR o.start_date >= ?)",
            Param::Text(d.clone()),
        );
    }
    if !c.structure.is_empty() {
        push(
            &mut sql,
            " AND o.structure_id = (SELECT id FROM structures WHERE slug = ?)",
            Param::Text(c.structure.clone()),
        );
    }
    let offset = (page as usize - 1) * PAGE_SIZE;

    let (ids, total, distances): (Vec<i64>, usize, BTreeMap<i64, f64>) = match near {
        None => {
            let count_sql = format!("SELECT COUNT(*) FROM opportunities o{sql}");
            let total: i64 = bind_all(sqlx::query(&count_sql), &params)
                .fetch_one(&db.pool)
                .await?
                .try_get(0)?;
            let ids_sql = format!(
                "SELECT o.id FROM opportunities o{sql} \
                 ORDER BY o.published_at DESC, o.id DESC LIMIT {PAGE_SIZE} OFFSET {offset}"
            );
            let rows = bind_all(sqlx::query(&ids_sql), &params)
                .fetch_all(&db.pool)
                .await?;
            let ids = rows
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<_, _>>()?;
            (ids, total as usize, BTreeMap::new())
        }
        Some(c) => {
            // A box around the place in SQL, then the exact distance here.
            let (min_lat, max_lat, min_lon, max_lon) = communes::bounding_box(c.lat, c.lon, radius);
            let mut near_sql = sql.clone();
            let n = params.len();
            near_sql.push_str(&format!(
                " AND o.lat BETWEEN ${} AND ${} AND o.lon BETWEEN ${} AND ${}",
                n + 1,
                n + 2,
                n + 3,
                n + 4
            ));
            let mut near_params = params.clone();
            near_params.extend([min_lat, max_lat, min_lon, max_lon].map(Param::Float));
            let rows = bind_all(
                sqlx::query(&format!(
                    "SELECT o.id, o.lat, o.lon, o.published_at FROM opportunities o{near_sql}"
                )),
                &near_params,
            )
            .fetch_all(&db.pool)
            .await?;
            let mut found: Vec<(i64, f64, i64)> = Vec::with_capacity(rows.len());
            for r in &rows {
                let (id, lat, lon): (i64, f64, f64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                let published: Option<i64> = r.try_get(3)?;
                let d = communes::distance_km(c.lat, c.lon, lat, lon);
                if d <= radius {
                    found.push((id, d, published.unwrap_or(0)));
                }
            }
            if sort == "distance" {
                found.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)).then(b.0.cmp(&a.0)));
            } else {
                found.sort_by(|a, b| b.2.cmp(&a.2).then(b.0.cmp(&a.0)));
            }
            let total = found.len();
            let distances = found.iter().map(|(id, d, _)| (*id, *d)).collect();
            let ids = found
                .iter()
                .skip(offset)
                .take(PAGE_SIZE)
                .map(|(id, _, _)| *id)
                .collect();
            (ids, total, distances)
        }
    };
    let items = by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|o| {
            let d = distances.get(&o.id).copied();
            (o, d)
        })
        .collect();
    Ok(Listing {
        items,
        total,
        page,
        pages: page_count(total),
        near,
    })
}

/// The listing from the engine: it finds, counts and orders; the database gives the
/// opportunities as they are now (one the index has not caught up with is left out).
async fn list_by_engine(
    db: &Db,
    search: &dyn tremplin_search::SearchEngine,
    e: &Checked,
    sort: &str,
) -> Result<Listing, AppError> {
    use tremplin_search::{Filter, GeoRadius, SearchRequest, Sort};
    let mut req = SearchRequest::new(crate::index::documents::OPPORTUNITES, &e.keywords);
    req.filters.push(crate::index::sync::not_expired());
    if !e.kinds.is_empty() {
        req.filters
            .push(Filter::any("kind", e.kinds.iter().map(|k| k.as_str())));
    }
    if let Some(rank) = e.level {
        req.filters
            .push(Filter::range("level_rank", None, Some(rank as f64)));
    }
    if let Some(d) = &e.start_from {
        req.filters.push(Filter::range(
            "start",
            crate::index::documents::day_seconds(d).map(|t| t as f64),
            None,
        ));
    }
    if !e.structure.is_empty() {
        req.filters
            .push(Filter::eq("structure", e.structure.as_str()));
    }
    if let Some(c) = e.near {
        req.geo = Some(GeoRadius {
            lat: c.lat,
            lon: c.lon,
            radius_m: e.radius * 1000.0,
        });
    }
    let newest = Sort::Field {
        name: "published_at".into(),
        descending: true,
    };
    req.sort = match sort {
        "distance" if e.near.is_some() => Sort::Distance,
        "date" => newest,
        _ if e.keywords.is_empty() => newest,
        _ => Sort::Relevance,
    };
    let page = e.page;
    req.offset = (page as usize - 1) * PAGE_SIZE;
    req.limit = PAGE_SIZE;
    let found = search.search(&req).await?;
    let ids: Vec<i64> = found
        .hits
        .iter()
        .filter_map(|h| h.id.strip_prefix('o').and_then(|i| i.parse().ok()))
        .collect();
    let distances: BTreeMap<i64, f64> = found
        .hits
        .iter()
        .filter_map(|h| {
            let id = h.id.strip_prefix('o')?.parse().ok()?;
            Some((id, h.distance_m? / 1000.0))
        })
        .collect();
    let items = by_ids(db, &ids)
        .await?
        .into_iter()
        .filter(Opportunity::is_public)
        .map(|o| {
            let d = distances.get(&o.id).copied();
            (o, d)
        })
        .collect();
    Ok(Listing {
        items,
        total: found.total,
        page,
        pages: page_count(found.total),
        near: e.near,
    })
}

#[derive(Debug, Clone)]
enum Param {
    Text(String),
    Int(i64),
    Float(f64),
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    params: &'q [Param],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for p in params {
        q = match p {
            Param::Text(s) => q.bind(s.as_str()),
            Param::Int(i) => q.bind(*i),
            Param::Float(f) => q.bind(*f),
        };
    }
    q
}

/// Opportunities by id, in the order of `ids`.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Opportunity>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let rows = sqlx::query(&format!("{SELECT} WHERE o.id IN ({list})"))
        .fetch_all(&db.pool)
        .await?;
    let mut found: BTreeMap<i64, Opportunity> = rows
        .iter()
        .map(|r| from_row(r).map(|o| (o.id, o)))
        .collect::<Result<_, _>>()?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The newest published opportunities, for feeds: all, or one structure's, or one kind's.
pub async fn newest(
    db: &Db,
    structure: Option<&str>,
    kind: Option<Kind>,
    limit: usize,
) -> Result<Vec<Opportunity>, AppError> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE o.status = '{published}' AND (o.deadline IS NULL OR o.deadline >= $1) \
         AND ($2 = '' OR s.slug = $2) AND ($3 = '' OR o.kind = $3) \
         ORDER BY o.published_at DESC, o.id DESC LIMIT {limit}",
        published = Status::Published,
    ))
    .bind(today())
    .bind(structure.unwrap_or(""))
    .bind(kind.map(Kind::as_str).unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| from_row(r).map_err(Into::into))
        .collect()
}

// ---- the structure's side ----

/// An opportunity on a structure's dashboard, with how many youths are interested.
#[derive(Debug, Clone, Serialize)]
pub struct Managed {
    pub opportunity: Opportunity,
    pub interested: i64,
    pub new_interests: i64,
}

/// A structure's opportunities, newest change first (expired and filled ones too).
pub async fn of_structure(db: &Db, structure_id: i64) -> Result<Vec<Managed>, AppError> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE o.structure_id = $1 ORDER BY o.updated_at DESC, o.id DESC"
    ))
    .bind(structure_id)
    .fetch_all(&db.pool)
    .await?;
    let counts = sqlx::query(
        "SELECT i.opportunity_id, COUNT(*), SUM(CASE WHEN i.state = 'nouveau' THEN 1 ELSE 0 END) \
         FROM opportunity_interests i JOIN opportunities o ON o.id = i.opportunity_id \
         WHERE o.structure_id = $1 GROUP BY i.opportunity_id",
    )
    .bind(structure_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by_id = BTreeMap::new();
    for r in &counts {
        let id: i64 = r.try_get(0)?;
        let n: i64 = r.try_get(1)?;
        let new: i64 = r.try_get(2)?;
        by_id.insert(id, (n, new));
    }
    rows.iter()
        .map(|r| {
            let o = from_row(r)?;
            let (interested, new_interests) = by_id.get(&o.id).copied().unwrap_or((0, 0));
            Ok(Managed {
                opportunity: o,
                interested,
                new_interests,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// A youth who said "ça m'intéresse", as their counsellor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Interest {
    pub opportunity_id: i64,
    pub user_id: i64,
    pub first_name: String,
    pub email: String,
    pub message: String,
    pub state: String,
    pub outcome: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The youths interested in an opportunity that `user` manages.
pub async fn interests(db: &Db, user: &User, id: i64) -> Result<Vec<Interest>, AppError> {
    get_managed(db, user, id).await?;
    let rows = sqlx::query(
        "SELECT i.opportunity_id, i.user_id, u.first_name, u.email, i.message, i.state, i.outcome, \
         i.created_at, i.updated_at FROM opportunity_interests i JOIN users u ON u.id = i.user_id \
         WHERE i.opportunity_id = $1 ORDER BY i.created_at, i.user_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Interest {
                opportunity_id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                first_name: r.try_get(2)?,
                email: r.try_get(3)?,
                message: r.try_get(4)?,
                state: r.try_get(5)?,
                outcome: r.try_get(6)?,
                created_at: r.try_get(7)?,
                updated_at: r.try_get(8)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The counsellor's follow-up of an interested youth: contacted, then an outcome.
pub async fn follow_up(
    db: &Db,
    user: &User,
    id: i64,
    youth_id: i64,
    state: &str,
    outcome: &str,
) -> Result<(), AppError> {
    get_managed(db, user, id).await?;
    if InterestState::from_slug(state).is_none() {
        return Err(AppError::Invalid(vec![(
            "state",
            "Suivi inconnu : nouveau, contacte, abouti ou sans_suite.".into(),
        )]));
    }
    if outcome.chars().count() > 2000 {
        return Err(AppError::Invalid(vec![(
            "outcome",
            "La note de suivi doit faire 2 000 caractères au plus.".into(),
        )]));
    }
    let done = sqlx::query(
        "UPDATE opportunity_interests SET state = $1, outcome = $2, updated_at = $3 \
         WHERE opportunity_id = $4 AND user_id = $5",
    )
    .bind(state)
    .bind(outcome.trim())
    .bind(now())
    .bind(id)
    .bind(youth_id)
    .execute(&db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

// ---- the youth's side ----

fn youth_only(user: &User) -> Result<(), AppError> {
    if user.role == Role::Youth {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Cette action est réservée aux comptes jeunes.".into(),
        ))
    }
}

/// Saves or forgets an opportunity in the youth's favourites.
pub async fn set_favourite(db: &Db, user: &User, id: i64, on: bool) -> Result<(), AppError> {
    youth_only(user)?;
    if on {
        get_visible(db, Some(user), id).await?;
        let sql = match db.backend {
            crate::infra::db::Backend::Sqlite => "INSERT OR IGNORE INTO opportunity_favourites (opportunity_id, user_id, created_at) VALUES ($1, $2, $3)",
            crate::infra::db::Backend::Postgres => "INSERT INTO opportunity_favourites (opportunity_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        };
        sqlx::query(sql)
            .bind(id)
            .bind(user.id)
            .bind(now())
            .execute(&db.pool)
            .await?;
    } else {
        sqlx::query(
            "DELETE FROM opportunity_favourites WHERE opportunity_id = $1 AND user_id = $2",
        )
        .bind(id)
        .bind(user.id)
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

/// "Ça m'intéresse": tells the structure, with an optional message. For opportunities that
/// count places (events), a place is taken atomically: never more than there are, whatever
/// the number of simultaneous requests, on both databases (the conditional UPDATE locks the
/// row; the second writer re-reads it).
pub async fn express_interest(
    db: &Db,
    user: &User,
    id: i64,
    message: &str,
) -> Result<(), AppError> {
    youth_only(user)?;
    let o = get_visible(db, Some(user), id).await?;
    let message = message.trim();
    if message.chars().count() > 2000 {
        return Err(AppError::Invalid(vec![(
            "message",
            "Le message doit faire 2 000 caractères au plus.".into(),
        )]));
    }
    let t = now();
    let mut tx = db.pool.begin().await?;
    let taken = sqlx::query(
        "UPDATE opportunities SET taken = taken + 1 WHERE id = $1 AND (places IS NULL OR taken < places)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() == 0 {
        tx.rollback().await?;
        return Err(AppError::Invalid(vec![(
            "message",
            if o.kind == Kind::Event {
                "Désolé, il n'y a plus de place pour cet événement."
            } else {
                "Désolé, il n'y a plus de place."
            }
            .into(),
        )]));
    }
    let inserted = sqlx::query(
        "INSERT INTO opportunity_interests (opportunity_id, user_id, message, state, created_at, updated_at) \
         VALUES ($1, $2, $3, 'nouveau', $4, $4)",
    )
    .bind(id)
    .bind(user.id)
    .bind(message)
    .bind(t)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {
            tx.commit().await?;
            Ok(())
        }
        Err(e) if is_unique_violation(&e) => {
            // Already interested: the place taken above is given back; the message is updated.
            tx.rollback().await?;
            sqlx::query(
                "UPDATE opportunity_interests SET message = $1, updated_at = $2 WHERE opportunity_id = $3 AND user_id = $4",
            )
            .bind(message)
            .bind(t)
            .bind(id)
            .bind(user.id)
            .execute(&db.pool)
            .await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Withdraws "ça m'intéresse" (and gives the place back).
pub async fn withdraw_interest(db: &Db, user: &User, id: i64) -> Result<(), AppError> {
    youth_only(user)?;
    let mut tx = db.pool.begin().await?;
    let gone =
        sqlx::query("DELETE FROM opportunity_interests WHERE opportunity_id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
    if gone.rows_affected() > 0 {
        sqlx::query("UPDATE opportunities SET taken = taken - 1 WHERE id = $1 AND taken > 0")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Gives back the places a youth holds, before their account is deleted.
pub async fn release_places(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE opportunities SET taken = taken - 1 WHERE taken > 0 AND id IN \
         (SELECT opportunity_id FROM opportunity_interests WHERE user_id = $1)",
    )
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a youth saved and what they said interested them, with the counsellor's follow-up.
#[derive(Debug, Clone, Serialize)]
pub struct Mine {
    pub favourites: Vec<Opportunity>,
    /// Each opportunity, with the message left, the follow-up state and its date.
    pub interests: Vec<(Opportunity, String, String, i64)>,
}

pub async fn mine(db: &Db, user: &User) -> Result<Mine, AppError> {
    let favs = sqlx::query(
        "SELECT opportunity_id FROM opportunity_favourites WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let fav_ids: Vec<i64> = favs
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let ints = sqlx::query(
        "SELECT opportunity_id, message, state, updated_at FROM opportunity_interests WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let mut interest_rows = Vec::new();
    for r in &ints {
        interest_rows.push((
            r.try_get::<i64, _>(0)?,
            r.try_get::<String, _>(1)?,
            r.try_get::<String, _>(2)?,
            r.try_get::<i64, _>(3)?,
        ));
    }
    let ids: Vec<i64> = interest_rows.iter().map(|r| r.0).collect();
    // What is no longer public shows only as withdrawn: its text may be a new draft.
    let shown = |o: Opportunity| if o.is_public() { o } else { o.withdrawn() };
    let mut opps: BTreeMap<i64, Opportunity> = by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|o| (o.id, shown(o)))
        .collect();
    Ok(Mine {
        favourites: by_ids(db, &fav_ids).await?.into_iter().map(shown).collect(),
        interests: interest_rows
            .into_iter()
            .filter_map(|(id, m, s, t)| opps.remove(&id).map(|o| (o, m, s, t)))
            .collect(),
    })
}

/// A youth's opportunities for their data export.
pub async fn export_for(db: &Db, user: &User) -> Result<Value, AppError> {
    let m = mine(db, user).await?;
    Ok(json!({
        "opportunites_sauvegardees": m.favourites.iter().map(|o| json!({"titre": o.title, "id": o.id})).collect::<Vec<_>>(),
        "opportunites_qui_m_interessent": m.interests.iter().map(|(o, msg, state, t)| json!({
            "titre": o.title, "id": o.id, "message": msg, "suivi": InterestState::label_of(state), "le": iso(*t)
        })).collect::<Vec<_>>(),
    }))
}

/// One line of the structure's CSV export, per interested youth.
pub async fn export_csv(db: &Db, structure_id: i64) -> Result<String, AppError> {
    let rows = sqlx::query(
        "SELECT o.id, o.title, o.kind, o.status, u.first_name, u.email, i.message, i.state, i.outcome, i.created_at \
         FROM opportunities o LEFT JOIN opportunity_interests i ON i.opportunity_id = o.id \
         LEFT JOIN users u ON u.id = i.user_id WHERE o.structure_id = $1 ORDER BY o.id, i.created_at",
    )
    .bind(structure_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out =
        String::from("opportunite_id;titre;type;statut;prenom;email;message;suivi;note;date\r\n");
    for r in &rows {
        let at: Option<i64> = r.try_get(9)?;
        let cells = [
            r.try_get::<i64, _>(0)?.to_string(),
            r.try_get::<String, _>(1)?,
            Kind::label_of(&r.try_get::<String, _>(2)?).to_string(),
            Status::label_of(&r.try_get::<String, _>(3)?).to_string(),
            r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
            r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
            r.try_get::<Option<String>, _>(6)?.unwrap_or_default(),
            r.try_get::<Option<String>, _>(7)?
                .map(|s| InterestState::label_of(&s).to_string())
                .unwrap_or_default(),
            r.try_get::<Option<String>, _>(8)?.unwrap_or_default(),
            at.map(iso).unwrap_or_default(),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(";"),
        );
        out.push_str("\r\n");
    }
    Ok(out)
}

/// A CSV cell, quoted when needed; a leading `=`, `+`, `-` or `@` is neutralised so that a
/// spreadsheet never runs it as a formula.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([';', '"', '\n', '\r', ',']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Recent public listings, by their filters: the listing is read far more often than
/// opportunities change. An entry is used while the index has not changed since it was made
/// (the outbox worker calls `changed` after applying rows) and for at most `TTL` (another
/// replica may have changed the index); a new day starts afresh (expiry is by date).
pub struct ListingCache {
    entries: std::sync::Mutex<ListingEntries>,
    generation: std::sync::atomic::AtomicU64,
}

type ListingEntries =
    std::collections::HashMap<String, (std::time::Instant, u64, std::sync::Arc<CachedListing>)>;

/// A cached listing, and what the web layer made of it (its JSON, its template values), made
/// once per entry.
pub struct CachedListing {
    pub listing: Listing,
    pub json: std::sync::OnceLock<String>,
    pub views: std::sync::OnceLock<Value>,
    /// The page as a visitor who is not signed in sees it.
    pub html: std::sync::OnceLock<String>,
}

impl ListingCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);

    pub fn new() -> ListingCache {
        ListingCache {
            entries: std::sync::Mutex::new(ListingEntries::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The index changed: every entry is stale.
    pub fn changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn key(f: &Filters) -> String {
        format!("{}|{}", today(), f.to_query())
    }

    /// The listing for `f`: from the cache when fresh, else from `list`.
    pub async fn list(
        &self,
        db: &Db,
        search: &dyn tremplin_search::SearchEngine,
        f: &Filters,
    ) -> Result<std::sync::Arc<CachedListing>, AppError> {
        let key = Self::key(f);
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, g, cached)) = entries.get(&key) {
                if *g == generation && at.elapsed() < Self::TTL {
                    return Ok(cached.clone());
                }
            }
        }
        let cached = std::sync::Arc::new(CachedListing {
            listing: list(db, search, f).await?,
            json: std::sync::OnceLock::new(),
            views: std::sync::OnceLock::new(),
            html: std::sync::OnceLock::new(),
        });
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= limits::LISTING_CACHE_ENTRIES && !entries.contains_key(&key) {
            // Stale entries go first; if every entry is fresh, the oldest one.
            entries.retain(|_, (at, g, _)| *g == generation && at.elapsed() < Self::TTL);
            if entries.len() >= limits::LISTING_CACHE_ENTRIES {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, (at, _, _))| *at)
                    .map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    entries.remove(&k);
                }
            }
        }
        entries.insert(key, (std::time::Instant::now(), generation, cached.clone()));
        Ok(cached)
    }

    /// How many listings are kept now.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for ListingCache {
    fn default() -> Self {
        ListingCache::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_levels_read_as_people_write_them() {
        let kind = |s| parse_kind(s).map(Kind::as_str);
        let level = |s| parse_level(s).map(Level::as_str);
        assert_eq!(kind("Service civique"), Some("service-civique"));
        assert_eq!(kind("ÉVÉNEMENT"), Some("evenement"));
        assert_eq!(kind("apprentissage"), Some("alternance"));
        assert_eq!(kind("n'importe"), None);
        assert_eq!(level("BAC+2"), Some("bac+2"));
        assert_eq!(level("aucun"), Some(""));
        assert_eq!(level("doctorat"), None);
    }

    #[test]
    fn every_wrong_field_is_reported() {
        let d = Draft {
            kind: "fusée".into(),
            places: "-3".into(),
            deadline: "demain".into(),
            apply: "par pigeon".into(),
            ..Draft::default()
        };
        let errors = validate(&d).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.0).collect();
        for f in ["kind", "title", "town", "places", "deadline", "apply"] {
            assert!(fields.contains(&f), "{f} missing from {errors:?}");
        }
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("a;b"), "\"a;b\"");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("dit \"oui\""), "\"dit \"\"oui\"\"\"");
    }
}
