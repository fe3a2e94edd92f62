//! Keeps the "contenus" index in step with the site: `ContentIndex` remembers what it sent
//! and sends only the difference; `SiteSync` is what `tremplin serve` runs after each rebuild
//! (one sync at a time, each reading the site when its turn comes, so the last one sent is
//! the newest content; after an edit of page bodies only, only those pages' documents are
//! made again); `index_built_site` is what `tremplin build` runs.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Mutex;
use tremplin_generator::site::Site;
use tremplin_search::{Document, SearchEngine, SearchRequest};

use crate::index::documents::{self, CONTENUS};
use crate::infra::error::AppError;

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

/// Reads the current site, as the preview holds it: runs the function it is given on it.
pub type ReadSite = Arc<dyn Fn(&mut dyn FnMut(&Site)) + Send + Sync>;

/// The "contenus" sync of `tremplin serve`: cheap to clone, one sync at a time.
#[derive(Clone)]
pub struct SiteSync {
    engine: Arc<dyn SearchEngine>,
    contents: Arc<ContentIndex>,
    synonyms: Arc<Vec<Vec<String>>>,
    site: ReadSite,
    turn: Arc<Mutex<()>>,
}

impl SiteSync {
    pub fn new(
        engine: Arc<dyn SearchEngine>,
        contents: Arc<ContentIndex>,
        synonyms: Vec<Vec<String>>,
        site: ReadSite,
    ) -> SiteSync {
        SiteSync {
            engine,
            contents,
            synonyms: Arc::new(synonyms),
            site,
            turn: Arc::default(),
        }
    }

    /// Brings "contenus" up to date: after an edit of these pages' bodies only (`Some`), their
    /// documents when the index's content is known, else the whole site's. The documents are
    /// made off the async threads; a failure is logged (the next sync tries again).
    pub async fn run(self, pages: Option<Vec<String>>) {
        let _turn = self.turn.lock().await;
        let engine = self.engine.as_ref();
        if let Some(pages) = pages {
            let Some(docs) = self.on_site(move |site| page_documents(site, &pages)).await else {
                return;
            };
            match self.contents.sync_changed(engine, docs).await {
                Ok(Some(n)) => {
                    tracing::debug!(documents = n, "index des pages : pages modifiées");
                    return;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(erreur = ?e, "index de recherche des pages non mis à jour");
                }
            }
        }
        let Some(docs) = self.on_site(site_documents).await else {
            return;
        };
        if let Err(e) = sync_contents(engine, &self.contents, &self.synonyms, docs).await {
            tracing::warn!(erreur = ?e, "index de recherche des pages non mis à jour");
        }
    }

    /// Runs `f` on the current site, off the async threads (`None` if it panicked).
    async fn on_site<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Site) -> T + Send + 'static,
    ) -> Option<T> {
        let site = self.site.clone();
        tokio::task::spawn_blocking(move || {
            let mut f = Some(f);
            let mut out = None;
            site(&mut |s| {
                if let Some(f) = f.take() {
                    out = Some(f(s));
                }
            });
            out
        })
        .await
        .ok()
        .flatten()
    }
}
