//! Opportunities as stored: reading them (who may see which), and every write, each with
//! its `search_outbox` row in the same transaction.

use super::*;

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
    /// « Permis requis ».
    pub driving_licence: bool,
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

/// A blank opportunity (a draft of no structure), for tests and fixtures: they write the
/// fields they need and `..Opportunity::default()`, so a new field does not touch them.
impl Default for Opportunity {
    fn default() -> Self {
        Opportunity {
            id: 0,
            structure: Structure {
                id: 0,
                slug: String::new(),
                name: String::new(),
                town: String::new(),
                contact: String::new(),
            },
            author_id: None,
            kind: Kind::Job,
            title: String::new(),
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
            driving_licence: false,
            level: Level::None,
            start_date: None,
            deadline: None,
            places: None,
            taken: 0,
            apply: String::new(),
            themes: Vec::new(),
            status: Status::Draft,
            source: String::new(),
            external_id: None,
            source_url: String::new(),
            published_at: None,
            created_at: 0,
            updated_at: 0,
        }
    }
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

    /// The draft a counsellor edits: the opportunity's fields as typed (coordinates left
    /// to be found again from the commune).
    pub fn to_draft(&self) -> Draft {
        Draft {
            kind: self.kind.as_str().into(),
            title: self.title.clone(),
            organisation: self.organisation.clone(),
            description: self.description.clone(),
            town: self.place.town.clone(),
            postcode: self.place.postcode.clone(),
            latitude: String::new(),
            longitude: String::new(),
            remote: self.place.remote,
            contract: self.contract.clone(),
            duration: self.duration.clone(),
            hours: self.hours.clone(),
            driving_licence: self.driving_licence,
            level: self.level.as_str().into(),
            start_date: self.start_date.clone().unwrap_or_default(),
            deadline: self.deadline.clone().unwrap_or_default(),
            places: self.places.map(|p| p.to_string()).unwrap_or_default(),
            apply: self.apply.clone(),
            themes: self.themes.clone(),
            status: self.status.as_str().into(),
            structure: self.structure.slug.clone(),
            external_id: self.external_id.clone().unwrap_or_default(),
            source: self.source.clone(),
            source_url: self.source_url.clone(),
        }
    }

    /// The JSON shape of the API.
    pub fn to_json(&self) -> OpportunityJson<'_> {
        let (apply_kind, apply_value) = self.apply_how();
        OpportunityJson {
            id: self.id,
            kind: self.kind,
            kind_label: self.kind.label(),
            title: &self.title,
            organisation: &self.organisation,
            description: &self.description,
            description_html: crate::infra::markdown::safe_html(&self.description),
            place: PlaceJson {
                town: &self.place.town,
                postcode: &self.place.postcode,
                insee: &self.place.insee,
                latitude: self.place.lat,
                longitude: self.place.lon,
                remote: self.place.remote,
            },
            contract: &self.contract,
            duration: &self.duration,
            hours: &self.hours,
            driving_licence: self.driving_licence,
            level: self.level,
            level_label: self.level.label(),
            start_date: self.start_date.as_deref(),
            deadline: self.deadline.as_deref(),
            places: self.places,
            places_left: self.places_left(),
            apply: ApplyJson {
                kind: apply_kind,
                value: apply_value,
            },
            themes: &self.themes,
            status: self.effective_status(),
            structure: self.structure.json_ref(),
            source: Some(self.source.as_str()).filter(|s| !s.is_empty()),
            external_id: self.external_id.as_deref(),
            source_url: self.source_link(),
            published_at: self.published_at.map(iso),
            created_at: iso(self.created_at),
            updated_at: iso(self.updated_at),
            url: format!("/opportunites/{}", self.id),
        }
    }
}

/// An opportunity as the JSON API gives it (`Opportunity` in the OpenAPI document).
#[derive(Debug, Serialize)]
pub struct OpportunityJson<'a> {
    pub id: i64,
    pub kind: Kind,
    pub kind_label: &'static str,
    pub title: &'a str,
    pub organisation: &'a str,
    pub description: &'a str,
    pub description_html: String,
    pub place: PlaceJson<'a>,
    pub contract: &'a str,
    pub duration: &'a str,
    pub hours: &'a str,
    pub driving_licence: bool,
    pub level: Level,
    pub level_label: &'static str,
    pub start_date: Option<&'a str>,
    pub deadline: Option<&'a str>,
    pub places: Option<i64>,
    pub places_left: Option<i64>,
    pub apply: ApplyJson<'a>,
    pub themes: &'a [String],
    pub status: Status,
    pub structure: StructureRef<'a>,
    pub source: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub source_url: Option<&'a str>,
    pub published_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub url: String,
}

/// Where an opportunity takes place, in the JSON API.
#[derive(Debug, Serialize)]
pub struct PlaceJson<'a> {
    pub town: &'a str,
    pub postcode: &'a str,
    pub insee: &'a str,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub remote: bool,
}

/// How to apply: `kind` is `lien`, `email` or `conseiller`.
#[derive(Debug, Serialize)]
pub struct ApplyJson<'a> {
    pub kind: &'static str,
    pub value: &'a str,
}

pub(super) const SELECT: &str =
    "SELECT o.id, o.structure_id, o.author_id, o.kind, o.title, o.organisation, \
    o.description, o.town, o.postcode, o.insee, o.lat, o.lon, o.remote, o.contract, o.duration, \
    o.hours, o.driving_licence, o.level, o.start_date, o.deadline, o.places, o.taken, o.apply, o.themes, o.status, \
    o.source, o.external_id, o.source_url, o.published_at, o.created_at, o.updated_at, \
    s.slug, s.name AS sname, s.town AS stown, s.contact \
    FROM opportunities o JOIN structures s ON s.id = o.structure_id";

pub(super) fn from_row(r: &AnyRow) -> Result<Opportunity, sqlx::Error> {
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
        driving_licence: r.try_get::<i64, _>("driving_licence")? != 0,
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
pub(super) async fn outbox(tx: &mut Transaction<'_, Any>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO search_outbox (index_name, doc_id, created_at) VALUES ('opportunites', $1, $2)")
        .bind(id.to_string())
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The structure a new opportunity of `user` belongs to.
pub(super) async fn target_structure(
    db: &Db,
    user: &User,
    slug: &str,
) -> Result<Structure, AppError> {
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

/// The columns every write of an opportunity fills from its checked fields (`Valid`), in the
/// order `bind_fields` binds them. A new field of an opportunity is added here and in
/// `bind_fields`, once for the form, the API and the import.
const FIELD_COLUMNS: [&str; 22] = [
    "kind",
    "title",
    "organisation",
    "description",
    "town",
    "postcode",
    "insee",
    "lat",
    "lon",
    "remote",
    "contract",
    "duration",
    "hours",
    "level",
    "level_rank",
    "start_date",
    "deadline",
    "places",
    "apply",
    "themes",
    "source_url",
    "driving_licence",
];

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Binds the checked fields of `v` in the order of `FIELD_COLUMNS` (`themes` is
/// `v.themes` joined, kept by the caller for the statement's lifetime).
fn bind_fields<'q>(q: AnyQuery<'q>, v: &'q Valid, themes: &'q str) -> AnyQuery<'q> {
    q.bind(v.kind.as_str())
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
        .bind(themes)
        .bind(&v.source_url)
        .bind(v.driving_licence as i64)
}

/// `$from, $from+1, …` for `n` parameters.
fn marks(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statement that changes an opportunity by id: `FIELD_COLUMNS` from `$1`, then the
/// time, the new status (NULL keeps it), whether it is published, the external id (NULL
/// keeps it) and the id.
fn update_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let n = FIELD_COLUMNS.len();
        let set: Vec<String> = FIELD_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let (t, status, published, ext, id) = (n + 1, n + 2, n + 3, n + 4, n + 5);
        format!(
            "UPDATE opportunities SET {}, updated_at = ${t}, status = COALESCE(${status}, status), \
             published_at = CASE WHEN ${published} = 1 AND published_at IS NULL THEN ${t} ELSE published_at END, \
             external_id = COALESCE(${ext}, external_id) WHERE id = ${id}",
            set.join(", ")
        )
    })
}

/// The statement that creates one opportunity: structure, author, status, source, external
/// id, publication time, the time (created and updated), then `FIELD_COLUMNS` from `$8`.
fn insert_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "INSERT INTO opportunities (structure_id, author_id, status, source, external_id, \
             published_at, created_at, updated_at, {}) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, {}) \
             RETURNING id",
            FIELD_COLUMNS.join(", "),
            marks(8, FIELD_COLUMNS.len())
        )
    })
}

/// Inserts or, when an opportunity of the structure has the same source and external id,
/// updates it. Returns its id and whether it was created.
pub(super) async fn write(
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
    // Not cached: through the `Any` driver, a statement first prepared with a NULL
    // coordinate keeps a parameter type PostgreSQL then refuses a number for.
    let (id, created) = match existing {
        Some(id) => {
            let status = v.status;
            bind_fields(sqlx::query(update_sql()).persistent(false), v, &themes)
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
            let q = sqlx::query(insert_sql())
                .persistent(false)
                .bind(structure_id)
                .bind(author)
                .bind(status.as_str())
                .bind(&v.source)
                .bind(&v.external_id)
                .bind((status == Status::Published).then_some(t))
                .bind(t);
            let row = bind_fields(q, v, &themes)
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

/// Rows per statement of `write_many`: `ROW_PARAMS` parameters each and 3 shared, so 2,603 in all, far
/// under the bound parameters SQLite (32,766) and PostgreSQL (65,535) take in one statement.
/// Not more: binding a statement's parameters costs SQLite (through sqlx) more than linear
/// time in their number (500 rows a statement: 79 s for 100,000 rows; see BENCHMARKS.md).
pub(super) const BATCH_ROWS: usize = 100;

/// The parameters each row of `write_many` binds: status, source, external id, publication
/// time, then `FIELD_COLUMNS`.
const ROW_PARAMS: usize = 4 + FIELD_COLUMNS.len();

/// The statement head and tail of `write_many`: its columns (the 4 shared ones, then a row's
/// `ROW_PARAMS`) and what an upsert changes in an opportunity already there (same
/// structure, source and external id): everything but its author, its creation, the places
/// taken and its first publication.
fn upsert_parts() -> &'static (String, String) {
    static PARTS: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    PARTS.get_or_init(|| {
        let columns = format!(
            "structure_id, author_id, created_at, updated_at, status, source, external_id, \
             published_at, {}",
            FIELD_COLUMNS.join(", ")
        );
        let set: Vec<String> = FIELD_COLUMNS
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let update = format!(
            "{}, updated_at = excluded.updated_at, status = excluded.status, \
             published_at = CASE WHEN excluded.status = 'publiee' AND opportunities.published_at IS NULL \
             THEN excluded.updated_at ELSE opportunities.published_at END",
            set.join(", ")
        );
        (columns, update)
    })
}

/// Inserts many checked opportunities of one structure, or updates the one already there
/// with the same source and external id, by multi-row upserts of `BATCH_ROWS` rows
/// (`INSERT … ON CONFLICT (structure_id, source, external_id) DO UPDATE … RETURNING id`);
/// then their `search_outbox` rows, by batches too. Rows without a status are drafts (an
/// import always gives one). Returns how many were created and how many updated; the caller
/// commits `tx` (all or nothing).
pub(super) async fn write_many(
    tx: &mut Transaction<'_, Any>,
    structure_id: i64,
    author: Option<i64>,
    rows: &[&Valid],
) -> Result<(usize, usize), AppError> {
    // On SQLite, a write first takes the database's write lock (waiting up to the busy
    // timeout): a transaction that read first could not write once another connection (the
    // outbox worker's lease) committed in between. On PostgreSQL it changes and locks nothing.
    sqlx::query("UPDATE opportunities SET id = id WHERE id < 0")
        .execute(&mut **tx)
        .await?;
    let t = now();
    let (columns, update) = upsert_parts();
    let mut updated = 0;
    let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
    for batch in rows.chunks(BATCH_ROWS) {
        updated += known_external_ids(tx, structure_id, batch).await?;
        let values: Vec<String> = (0..batch.len())
            .map(|i| {
                format!(
                    "($1, $2, $3, $3, {})",
                    marks(4 + i * ROW_PARAMS, ROW_PARAMS)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO opportunities ({columns}) VALUES {} \
             ON CONFLICT (structure_id, source, external_id) DO UPDATE SET {update} \
             RETURNING id",
            values.join(", ")
        );
        let themes: Vec<String> = batch.iter().map(|v| v.themes.join(",")).collect();
        // Not cached: each batch's text differs in length, and through the `Any` driver a
        // statement prepared with a NULL coordinate keeps a type PostgreSQL then refuses.
        let mut q = sqlx::query(&sql)
            .persistent(false)
            .bind(structure_id)
            .bind(author)
            .bind(t);
        for (v, themes) in batch.iter().zip(&themes) {
            let status = v.status.unwrap_or(Status::Draft);
            q = q
                .bind(status.as_str())
                .bind(&v.source)
                .bind(&v.external_id)
                .bind((status == Status::Published).then_some(t));
            q = bind_fields(q, v, themes);
        }
        for row in q.fetch_all(&mut **tx).await? {
            ids.push(row.try_get::<i64, _>(0)?);
        }
    }
    outbox_many(tx, &ids).await?;
    Ok((ids.len() - updated, updated))
}

/// How many rows of `batch` have an external id that the structure already holds for the
/// same source (the rows an upsert will update).
async fn known_external_ids(
    tx: &mut Transaction<'_, Any>,
    structure_id: i64,
    batch: &[&Valid],
) -> Result<usize, AppError> {
    // By source (a file has one, usually), so that the lookup uses the unique index on
    // (structure_id, source, external_id) whole.
    let mut by_source: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for v in batch {
        if let Some(ext) = v.external_id.as_deref() {
            by_source.entry(v.source.as_str()).or_default().push(ext);
        }
    }
    let mut known = 0;
    for (source, ids) in by_source {
        let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT COUNT(*) FROM opportunities WHERE structure_id = $1 AND source = $2 \
             AND external_id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql)
            .persistent(false)
            .bind(structure_id)
            .bind(source);
        for ext in ids {
            q = q.bind(ext);
        }
        known += q.fetch_one(&mut **tx).await?.try_get::<i64, _>(0)? as usize;
    }
    Ok(known)
}

/// `outbox` for many opportunities, by multi-row inserts.
async fn outbox_many(tx: &mut Transaction<'_, Any>, ids: &[i64]) -> Result<(), sqlx::Error> {
    let t = now();
    for batch in ids.chunks(BATCH_ROWS * 10) {
        let values: Vec<String> = (0..batch.len())
            .map(|i| format!("('opportunites', ${}, $1)", i + 2))
            .collect();
        let sql = format!(
            "INSERT INTO search_outbox (index_name, doc_id, created_at) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql).persistent(false).bind(t);
        for id in batch {
            q = q.bind(id.to_string());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
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
