//! What a counsellor submits (a form, the JSON API or an import): the `Draft` as typed,
//! and `validate`, which checks every field at once and resolves the place offline.

use super::*;

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
    /// « Permis requis »: the driving licence is required.
    pub driving_licence: bool,
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
    pub driving_licence: bool,
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
            format!(
                "{name} doit faire {} caractères au plus.",
                limits::thousands(max)
            ),
        ));
    }
}

/// Checks a draft; every wrong field is reported at once, with a message in French (an
/// unknown commune with the nearest names).
pub fn validate(d: &Draft) -> Result<Valid, FieldErrors> {
    validate_with(d, true)
}

/// `validate`, with or without suggestions for an unknown commune (`communes::resolve`).
pub(super) fn validate_with(d: &Draft, suggest: bool) -> Result<Valid, FieldErrors> {
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
    limit(
        &mut errors,
        "title",
        "Le titre",
        &title,
        limits::OPPORTUNITY_TITLE_MAX_CHARS,
    );
    limit(
        &mut errors,
        "organisation",
        "Le nom de l'organisme",
        d.organisation.trim(),
        limits::OPPORTUNITY_SHORT_MAX_CHARS,
    );
    limit(
        &mut errors,
        "description",
        "La description",
        &d.description,
        limits::OPPORTUNITY_DESCRIPTION_MAX_CHARS,
    );
    for (field, name, value) in [
        ("contract", "Le type de contrat", &d.contract),
        ("duration", "La durée", &d.duration),
        ("hours", "Les horaires", &d.hours),
    ] {
        limit(
            &mut errors,
            field,
            name,
            value.trim(),
            limits::OPPORTUNITY_SHORT_MAX_CHARS,
        );
    }
    let place = match place(d, suggest) {
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
            Ok(n) if (1..=limits::OPPORTUNITY_MAX_PLACES).contains(&n) => Some(n),
            _ => {
                errors.push((
                    "places",
                    format!(
                        "Le nombre de places est un nombre entier entre 1 et {} (ou laissez vide).",
                        limits::thousands(limits::OPPORTUNITY_MAX_PLACES as usize)
                    ),
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
    if themes.len() > limits::OPPORTUNITY_MAX_THEMES
        || themes.iter().any(|t| t.len() > limits::THEME_MAX_CHARS)
    {
        errors.push((
            "themes",
            format!(
                "Donnez au plus {} thèmes, de {} caractères au plus.",
                limits::OPPORTUNITY_MAX_THEMES,
                limits::THEME_MAX_CHARS
            ),
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
        limits::OPPORTUNITY_SHORT_MAX_CHARS,
    );
    let source_url = d.source_url.trim();
    if !source_url.is_empty() && !limits::web_link(source_url) {
        errors.push((
            "source_url",
            "Le lien vers l'offre d'origine commence par https:// (ou http://), sans espace."
                .into(),
        ));
    }
    limit(
        &mut errors,
        "source",
        "La source",
        d.source.trim(),
        limits::OPPORTUNITY_SOURCE_MAX_CHARS,
    );
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
        driving_licence: d.driving_licence,
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

/// The place of a draft: given coordinates, or the commune resolved offline (with suggestions
/// when it is unknown, if `suggest`).
fn place(d: &Draft, suggest: bool) -> Result<Place, (&'static str, String)> {
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
    let resolved = if suggest {
        communes::resolve(typed.trim())
    } else {
        communes::resolve_without_suggestions(typed.trim())
    };
    match resolved {
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
