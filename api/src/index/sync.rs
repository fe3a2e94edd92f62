//! Keeps the search indexes in step with the database and the site.
//!
//! - "opportunites": every write to an opportunity leaves a row in `search_outbox`, in the same
//!   transaction. `drain` applies them: it asks its `Source` (the domain's opportunities) for
//!   each document as it is *now*, and puts it in the index if it is public, or takes it out. Applying a row twice does no harm, so
//!   several replicas may drain at once, and a row is deleted only once applied: an engine
//!   that is down delays the index and loses nothing (`worker` retries with a growing pause).
//! - "contenus": `ContentIndex::sync` compares the site's documents with the ones it sent
//!   last time and sends only the difference.
//! - `rebuild` starts both indexes again from the database and the site.
//!
//! Expired opportunities need no job: searches filter on the deadline.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Row;
use tokio::sync::Mutex;
use tremplin_search::{Document, Filter, SearchEngine, SearchRequest};

use crate::index::documents::{self, CONTENUS, OPPORTUNITES};
use crate::infra::db::Db;
use crate::infra::error::AppError;
use crate::infra::time::today;

/// How many outbox rows one pass reads.
const BATCH: i64 = 500;

/// The deadline given to documents without one: searches keep what is not expired with a
/// range on the deadline, and a document without the field would never match it.
pub const NO_DEADLINE: i64 = 253_402_214_400; // 9999-12-31

/// A future of the outbox's source.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + Send + 'a>>;

/// Where the outbox's documents come from, as they are now: the domain implements it (the
/// index layer knows no opportunity), and the worker, `drain` and `rebuild` read through it.
pub trait Source: Send + Sync {
    /// The documents of these ids that are public now (the others leave the index).
    fn public_documents<'a>(
        &'a self,
        db: &'a Db,
        ids: &'a [i64],
    ) -> Pending<'a, Vec<(i64, Document)>>;
    /// The ids of the public rows after `after`, in order, at most `limit` of them.
    fn public_ids<'a>(&'a self, db: &'a Db, after: i64, limit: i64) -> Pending<'a, Vec<i64>>;
}

/// Where the index stands: what `drain` did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    pub upserted: usize,
    pub deleted: usize,
}

/// Creates the indexes or updates their settings.
pub async fn configure(
    engine: &dyn SearchEngine,
    synonyms: &[Vec<String>],
) -> Result<(), AppError> {
    engine
        .configure(CONTENUS, &documents::contenus_settings(synonyms))
        .await?;
    engine
        .configure(OPPORTUNITES, &documents::opportunites_settings(synonyms))
        .await?;
    Ok(())
}

/// Applies every pending outbox row; returns what it did. On an engine error, the rows not
/// applied stay, with their attempt counted and the error kept.
pub async fn drain(
    db: &Db,
    engine: &dyn SearchEngine,
    source: &dyn Source,
) -> Result<Drained, AppError> {
    let mut done = Drained::default();
    loop {
        let rows = sqlx::query(
            "SELECT id, doc_id FROM search_outbox WHERE index_name = 'opportunites' ORDER BY id LIMIT $1",
        )
        .bind(BATCH)
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            return Ok(done);
        }
        let mut row_ids = Vec::with_capacity(rows.len());
        let mut doc_ids: Vec<i64> = Vec::with_capacity(rows.len());
        for r in &rows {
            row_ids.push(r.try_get::<i64, _>(0)?);
            let doc: String = r.try_get(1)?;
            if let Ok(id) = doc.parse::<i64>() {
                if !doc_ids.contains(&id) {
                    doc_ids.push(id);
                }
            }
        }
        let found = source.public_documents(db, &doc_ids).await?;
        let mut upserts: Vec<Document> = Vec::new();
        let mut deletes: Vec<String> = Vec::new();
        for id in &doc_ids {
            match found.iter().find(|(found, _)| found == id) {
                Some((_, doc)) => upserts.push(doc.clone()),
                None => deletes.push(documents::opportunity_id(*id)),
            }
        }
        let applied = async {
            if !upserts.is_empty() {
                engine.upsert(OPPORTUNITES, upserts.clone()).await?;
            }
            if !deletes.is_empty() {
                engine.delete(OPPORTUNITES, deletes.clone()).await?;
            }
            Ok::<(), tremplin_search::Error>(())
        }
        .await;
        let list = row_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        match applied {
            Ok(()) => {
                sqlx::query(&format!("DELETE FROM search_outbox WHERE id IN ({list})"))
                    .execute(&db.pool)
                    .await?;
                done.upserted += upserts.len();
                done.deleted += deletes.len();
            }
            Err(e) => {
                sqlx::query(&format!(
                    "UPDATE search_outbox SET attempts = attempts + 1, last_error = $1 WHERE id IN ({list})"
                ))
                .bind(e.to_string())
                .execute(&db.pool)
                .await?;
                return Err(e.into());
            }
        }
    }
}

/// Configures the indexes, then drains the outbox forever: every second when all is well,
/// backing off up to a minute while the engine fails. `changed` runs after each pass that
/// changed the index.
pub async fn worker(
    db: Db,
    engine: Arc<dyn SearchEngine>,
    synonyms: Vec<Vec<String>>,
    source: Arc<dyn Source>,
    changed: impl Fn() + Send + 'static,
) {
    let mut pause = Duration::from_secs(1);
    let mut configured = false;
    loop {
        let pass = async {
            if !configured {
                configure(engine.as_ref(), &synonyms).await?;
                configured = true;
            }
            drain(&db, engine.as_ref(), source.as_ref()).await
        }
        .await;
        match pass {
            Ok(done) => {
                if done != Drained::default() {
                    changed();
                }
                pause = Duration::from_secs(1);
            }
            Err(e) => {
                tracing::warn!(erreur = ?e, "index des opportunités en retard ; nouvel essai");
                pause = (pause * 2).min(Duration::from_secs(60));
            }
        }
        tokio::time::sleep(pause).await;
    }
}

/// The site's documents as last sent to the "contenus" index.
#[derive(Default)]
pub struct ContentIndex {
    sent: Mutex<Option<HashMap<String, Document>>>,
}

impl ContentIndex {
    /// Sends what changed since the last call (everything the first time, and removes what
    /// the index holds that the site no longer has).
    pub async fn sync(
        &self,
        engine: &dyn SearchEngine,
        docs: Vec<Document>,
    ) -> Result<(usize, usize), AppError> {
        let mut sent = self.sent.lock().await;
        let previous = match sent.take() {
            Some(p) => p,
            None => {
                // First time: whatever the index holds is what was sent.
                let mut known = HashMap::new();
                for id in all_ids(engine, CONTENUS).await? {
                    known.insert(id, Document::new(""));
                }
                known
            }
        };
        let next: HashMap<String, Document> = docs.into_iter().map(|d| (d.id.clone(), d)).collect();
        let changed: Vec<Document> = next
            .values()
            .filter(|d| previous.get(&d.id) != Some(*d))
            .cloned()
            .collect();
        let gone: Vec<String> = previous
            .keys()
            .filter(|id| !next.contains_key(*id))
            .cloned()
            .collect();
        let result = async {
            if !changed.is_empty() {
                engine.upsert(CONTENUS, changed.clone()).await?;
            }
            if !gone.is_empty() {
                engine.delete(CONTENUS, gone.clone()).await?;
            }
            Ok::<(), tremplin_search::Error>(())
        }
        .await;
        match result {
            Ok(()) => {
                *sent = Some(next);
                Ok((changed.len(), gone.len()))
            }
            Err(e) => {
                // Unknown state: next time, compare with the index again.
                Err(e.into())
            }
        }
    }
}

impl ContentIndex {
    /// Sends the documents of some pages that changed, when the index's content is known
    /// (after a first `sync`); `None` otherwise, and the caller syncs the whole site. Pages
    /// neither come nor go this way: that is `sync`'s work.
    pub async fn sync_changed(
        &self,
        engine: &dyn SearchEngine,
        docs: Vec<Document>,
    ) -> Result<Option<usize>, AppError> {
        let mut sent = self.sent.lock().await;
        let Some(known) = sent.as_mut() else {
            return Ok(None);
        };
        let changed: Vec<Document> = docs
            .into_iter()
            .filter(|d| known.get(&d.id) != Some(d))
            .collect();
        if changed.is_empty() {
            return Ok(Some(0));
        }
        if let Err(e) = engine.upsert(CONTENUS, changed.clone()).await {
            // Unknown state: next time, compare with the index again.
            *sent = None;
            return Err(e.into());
        }
        let n = changed.len();
        for d in changed {
            known.insert(d.id.clone(), d);
        }
        Ok(Some(n))
    }
}

/// Every document id of an index.
async fn all_ids(engine: &dyn SearchEngine, index: &str) -> Result<Vec<String>, AppError> {
    let total = engine.count(index).await?;
    let mut ids = Vec::with_capacity(total);
    let mut offset = 0;
    while offset < total {
        let mut req = SearchRequest::new(index, "");
        req.offset = offset;
        req.limit = 1000;
        let page = engine.search(&req).await?;
        if page.hits.is_empty() {
            break;
        }
        offset += page.hits.len();
        ids.extend(page.hits.into_iter().map(|h| h.id));
    }
    Ok(ids)
}

/// Rebuilds both indexes from scratch: the site's documents, and every public opportunity.
pub async fn rebuild(
    db: &Db,
    engine: &dyn SearchEngine,
    synonyms: &[Vec<String>],
    contents: Vec<Document>,
    source: &dyn Source,
) -> Result<(usize, usize), AppError> {
    configure(engine, synonyms).await?;
    engine.clear(CONTENUS).await?;
    let n_contents = contents.len();
    for chunk in contents.chunks(1000) {
        engine.upsert(CONTENUS, chunk.to_vec()).await?;
    }
    engine.clear(OPPORTUNITES).await?;
    // The outbox is emptied first: what it holds is in the database, which is read whole.
    let max: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM search_outbox")
        .fetch_one(&db.pool)
        .await?;
    let mut n_opps = 0;
    let mut last = 0i64;
    loop {
        let ids = source.public_ids(db, last, 2000).await?;
        let Some(&end) = ids.last() else { break };
        last = end;
        let docs: Vec<Document> = source
            .public_documents(db, &ids)
            .await?
            .into_iter()
            .map(|(_, doc)| doc)
            .collect();
        n_opps += docs.len();
        engine.upsert(OPPORTUNITES, docs).await?;
    }
    if let Some(max) = max {
        sqlx::query("DELETE FROM search_outbox WHERE id <= $1")
            .bind(max)
            .execute(&db.pool)
            .await?;
    }
    Ok((n_contents, n_opps))
}

/// The filter every public search of opportunities carries: not expired today (documents
/// without a deadline carry a far one, [`NO_DEADLINE`]).
pub fn not_expired() -> Filter {
    Filter::range(
        "deadline",
        documents::day_seconds(&today()).map(|t| t as f64),
        None,
    )
}

/// The "contenus" documents of a built site.
pub fn site_documents(site: &tremplin_generator::site::Site) -> Vec<Document> {
    tremplin_generator::documents::documents(site)
        .iter()
        .map(documents::content_document)
        .collect()
}

/// The "contenus" documents of some pages of a site (paths under `content/`); pages that are
/// not searched have none.
pub fn page_documents(site: &tremplin_generator::site::Site, pages: &[String]) -> Vec<Document> {
    pages
        .iter()
        .filter_map(|rel| tremplin_generator::documents::page_document(site, rel))
        .map(|d| documents::content_document(&d))
        .collect()
}

/// Configures the "contenus" index if needed, then sends it what changed.
pub async fn sync_contents(
    engine: &dyn SearchEngine,
    index: &ContentIndex,
    synonyms: &[Vec<String>],
    docs: Vec<Document>,
) -> Result<(usize, usize), AppError> {
    let settings = documents::contenus_settings(synonyms);
    if engine.settings(CONTENUS).await? != Some(settings.clone()) {
        engine.configure(CONTENUS, &settings).await?;
    }
    index.sync(engine, docs).await
}

/// After `tremplin build`: opens the configured engine and brings "contenus" up to date.
pub async fn index_built_site(
    config: &crate::infra::config::ApiConfig,
    docs: Vec<tremplin_generator::documents::ContentDoc>,
) -> Result<(usize, usize), String> {
    let engine = crate::index::engine::open(&config.search).await?;
    let docs = docs.iter().map(documents::content_document).collect();
    sync_contents(
        engine.as_ref(),
        &ContentIndex::default(),
        &config.search.synonyms,
        docs,
    )
    .await
    .map_err(|e| match e {
        AppError::Internal(d) => d,
        e => e.message(),
    })
}
