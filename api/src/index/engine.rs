//! Opening the search engine the settings name: the embedded one (files under `data/`) or
//! Meilisearch.

use std::sync::Arc;

use tremplin_search::SearchEngine;

use crate::infra::config::{SearchBackend, SearchSettings};

/// Opens the search engine the settings name (its indexes are configured by the outbox
/// worker, or by `sync::configure`).
pub async fn open(settings: &SearchSettings) -> Result<Arc<dyn SearchEngine>, String> {
    match &settings.backend {
        SearchBackend::Embedded(dir) => tremplin_search::open_embedded(dir)
            .map_err(|e| format!("moteur de recherche ({}) : {e}", dir.display())),
        SearchBackend::Meilisearch { url, key } => {
            // A server that is down must not keep the platform from starting: the outbox
            // waits for it. Say it clearly, though.
            let engine = tremplin_search::MeilisearchEngine::new(url, key.as_deref())
                .and_then(|e| e.with_prefix(&settings.index_prefix))
                .map_err(|e| format!("moteur de recherche : {e}"))?;
            if let Err(e) = engine.health().await {
                tracing::warn!("{e} : la recherche attendra qu'il réponde");
            }
            Ok(Arc::new(engine))
        }
    }
}
