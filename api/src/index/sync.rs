//! Keeps the search indexes in step with the database and the site.
//!
//! - "opportunites": every write to an opportunity leaves a row in `search_outbox`, in the same
//!   transaction. `drain` applies them: it asks its `Source` (the domain's opportunities) for
//!   each document as it is *now*, and puts it in the index if it is public, or takes it
//!   out. A row is deleted only once applied: an engine that is down delays the index and
//!   loses nothing (`worker` retries with a growing pause). With several replicas, one
//!   worker at a time applies the outbox: it holds a lease (`outbox_lease`) that it renews at
//!   every pass and before every batch, and the others stand by until it runs out (the
//!   holder stopped). So changes reach the engine in the order they were made and none is
//!   sent twice; only a holder that stops between sending a batch and deleting its rows
//!   leaves them to be sent again, which does no harm (each row sends the document as it is
//!   now).
//! - "contenus": see `contents`.
//! - `rebuild` starts both indexes again from the database and the site.
//!
//! Expired opportunities need no job: searches filter on the deadline.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Row;
use tremplin_search::{Document, Filter, SearchEngine};

use crate::index::documents::{self, CONTENUS, OPPORTUNITES};
use crate::infra::db::Db;
use crate::infra::error::AppError;
use crate::infra::time::today;

/// How many outbox rows one pass reads.
const BATCH: i64 = 500;

/// The deadline given to documents without one: searches keep what is not expired with a
/// range on the deadline, and a document without the field would never match it.
pub const NO_DEADLINE: i64 = 253_402_214_400; // 9999-12-31

/// How long a worker's lease on the outbox lasts without being renewed: longer than one
/// batch can take, short enough that another replica takes over soon after the holder stops.
const LEASE_SECONDS: i64 = 30;

/// This process, as a holder of the outbox lease: made once, at random.
fn this_process() -> &'static str {
    static HOLDER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOLDER.get_or_init(crate::infra::auth::random_token)
}

/// Takes or renews the lease on the opportunities' outbox for `holder`: true when `holder`
/// holds it (it had it, or the last holder's ran out), in one statement, so two processes
/// never both get it.
pub async fn lease(db: &Db, holder: &str) -> Result<bool, AppError> {
    let now = crate::infra::db::now();
    let done = sqlx::query(
        "UPDATE outbox_lease SET holder = $1, until = $2 \
         WHERE index_name = 'opportunites' AND (holder = $3 OR until < $4)",
    )
    .bind(holder)
    .bind(now + LEASE_SECONDS)
    .bind(holder)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the lease back, if `holder` has it, so that another worker may take it at once.
pub async fn release(db: &Db, holder: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE outbox_lease SET until = 0 WHERE index_name = 'opportunites' AND holder = $1",
    )
    .bind(holder)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Whether any change waits in the opportunities' outbox.
async fn pending(db: &Db) -> Result<bool, AppError> {
    let row = sqlx::query("SELECT id FROM search_outbox WHERE index_name = 'opportunites' LIMIT 1")
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

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
    drain_as(db, engine, source, None).await
}

/// `drain`, by the holder of the lease when one is given: it renews the lease before each
/// batch and stops as soon as it no longer holds it.
async fn drain_as(
    db: &Db,
    engine: &dyn SearchEngine,
    source: &dyn Source,
    holder: Option<&str>,
) -> Result<Drained, AppError> {
    let mut done = Drained::default();
    loop {
        if let Some(holder) = holder {
            if !lease(db, holder).await? {
                return Ok(done);
            }
        }
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

/// Brings the opportunities' index up to date now, once: what `tremplin serve` does after
/// loading the demo, so that its examples are listed as soon as the site answers instead of
/// after the worker's next pass. Under a lease of its own, so that neither this process's
/// worker nor another replica's sends the same rows meanwhile; given back at once.
pub async fn catch_up(
    db: &Db,
    engine: &dyn SearchEngine,
    synonyms: &[Vec<String>],
    source: &dyn Source,
) -> Result<Drained, AppError> {
    configure(engine, synonyms).await?;
    let holder = format!("{}:catch-up", this_process());
    let done = drain_as(db, engine, source, Some(&holder)).await;
    release(db, &holder).await?;
    done
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
            // Nothing waiting: nothing to hold either (an idle worker writes nothing).
            // Another replica's worker holds the lease: stand by.
            if !pending(&db).await? || !lease(&db, this_process()).await? {
                return Ok(Drained::default());
            }
            drain_as(&db, engine.as_ref(), source.as_ref(), Some(this_process())).await
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

/// Opportunities read from the database and sent to the engine at once by `rebuild`: each
/// batch is one call of `upsert`, which waits until the engine has applied it (Meilisearch's
/// task done), so memory stays flat and a failure names the batch reached.
pub const REBUILD_BATCH: i64 = 2000;

/// Rebuilds both indexes from scratch: the site's documents, and every public opportunity,
/// by batches of `REBUILD_BATCH`; `progress` is told how many opportunities are in the
/// engine after each batch.
pub async fn rebuild(
    db: &Db,
    engine: &dyn SearchEngine,
    synonyms: &[Vec<String>],
    contents: Vec<Document>,
    source: &dyn Source,
    progress: &(dyn Fn(usize) + Send + Sync),
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
        let ids = source.public_ids(db, last, REBUILD_BATCH).await?;
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
        progress(n_opps);
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
