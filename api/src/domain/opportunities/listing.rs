//! The public listing: its filters as typed in its URL (`Filters::parse`, `Filters::to_query`),
//! checked against the vocabularies and `limits`, then answered by the search engine, or by
//! SQL (a bounding box, then exact distances) when the engine fails and there are no keywords.

use super::*;

/// The filters of the public listing, as typed: its URL's parameters (`type`, `lieu`,
/// `rayon`, `debut`, `niveau`, `q`, `tri`, `page`, `structure`, `exacte`), read by `parse`
/// and written by `to_query`, nowhere else.
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
    /// The keywords as typed, even when they find nothing and a correction would: `exacte=1`.
    pub exact: bool,
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
                "exacte" => f.exact = !v.trim().is_empty() && v.trim() != "0",
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
        if self.exact && !self.keywords.trim().is_empty() {
            q.append_pair("exacte", "1");
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
            exact: false,
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
    /// Keywords matched by the database on the titles only (`title_words`), because the
    /// search engine did not answer: no stems, typos or synonyms, newest first.
    pub simpler: bool,
    /// The engine's correction of keywords that found nothing ("did you mean").
    pub did_you_mean: Option<String>,
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
    // With keywords, the database matches them in the titles: a simpler search, said so.
    let simpler = match list_by_engine(db, search, c, sort).await {
        Ok(listing) => return Ok(listing),
        Err(e @ AppError::Unavailable(_)) if !c.keywords.is_empty() => {
            tracing::warn!(erreur = ?e, "mots-clés cherchés dans les titres par la base de données");
            true
        }
        Err(e) if !c.keywords.is_empty() => return Err(e),
        Err(e) => {
            tracing::warn!(erreur = ?e, "liste des opportunités par la base de données");
            false
        }
    };
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
    if simpler {
        for pattern in title_words(&c.keywords) {
            push(&mut sql, " AND LOWER(o.title) LIKE ?", Param::Text(pattern));
        }
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
        simpler,
        did_you_mean: None,
    })
}

/// The `LIKE` patterns of the simpler search: each keyword of two letters or more, in
/// lowercase, anywhere in the title (words hold only letters, digits and `+`, never a `LIKE`
/// wildcard). The keywords are already bounded (`limits::query`: 10 words, 200 characters).
fn title_words(keywords: &str) -> Vec<String> {
    keywords
        .split(|c: char| !c.is_alphanumeric() && c != '+')
        .filter(|w| w.chars().count() >= 2)
        .take(limits::QUERY_MAX_WORDS)
        .map(|w| format!("%{}%", w.to_lowercase()))
        .collect()
}

/// The listing from the engine: it finds, counts and orders; the database gives the
/// opportunities as they are now (one the index has not caught up with is left out).
async fn list_by_engine(
    db: &Db,
    search: &dyn tremplin_search::SearchEngine,
    e: &Checked,
    sort: &str,
) -> Result<Listing, AppError> {
    let mut req = super::alternatives::engine_request(e, sort);
    let page = e.page;
    req.offset = (page as usize - 1) * PAGE_SIZE;
    req.limit = PAGE_SIZE;
    // The database gives the opportunities: the engine's stored documents are not read.
    req.ids_only = true;
    let found = search.search(&req).await?;
    let did_you_mean = found.did_you_mean.clone();
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
        simpler: false,
        did_you_mean,
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

/// Opportunities by id, in the order of `ids`. Asked `PAGE_SIZE` ids a statement, always with
/// `PAGE_SIZE` parameters (the missing ones `-1`, no id): one statement text, prepared once
/// per connection and kept, whatever the ids.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Opportunity>, AppError> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let marks: Vec<String> = (1..=PAGE_SIZE).map(|i| format!("${i}")).collect();
        format!("{SELECT} WHERE o.id IN ({})", marks.join(", "))
    });
    let mut found: BTreeMap<i64, Opportunity> = BTreeMap::new();
    for chunk in ids.chunks(PAGE_SIZE) {
        let mut q = sqlx::query(sql);
        for i in 0..PAGE_SIZE {
            q = q.bind(chunk.get(i).copied().unwrap_or(-1));
        }
        for r in q.fetch_all(&db.pool).await? {
            let o = from_row(&r)?;
            found.insert(o.id, o);
        }
    }
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
