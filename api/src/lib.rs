//! Tremplin's dynamic side: accounts, opportunities, questions, news and search over HTTP,
//! on SQLite or PostgreSQL, beside the live preview of the static site. Four layers whose
//! dependencies point one way — `http` → `domain` → `index` → `infra` (see ARCHITECTURE.md,
//! "Layers", held by `tests/layers.rs`); this root only wires them: `state` builds what the
//! handlers share and starts the outbox worker, `app` is the router.

pub mod domain;
pub mod http;
pub mod index;
pub mod infra;

use std::sync::Arc;

use axum::Router;

pub use http::state::AppState;
pub use infra::pages::Pages;

/// Builds the shared state: settings, database (migrated), mailer and search engine, and
/// starts the worker that keeps the opportunities' index up to date. A search engine that
/// cannot be reached is not fatal: the worker retries, and the index catches up.
pub async fn state(
    config: infra::config::ApiConfig,
    pages: Arc<dyn Pages>,
) -> Result<AppState, String> {
    let db = infra::db::connect(&config.database_url).await?;
    let mailer = infra::mail::Mailer::new(&config.transport, &config.email_from)?;
    let search = index::engine::open(&config.search).await?;
    let state = AppState {
        db,
        config: Arc::new(config),
        mailer: Arc::new(mailer),
        pages,
        search,
        contents: Arc::default(),
        listings: Arc::default(),
        budget: http::security::Budget::default(),
    };
    if state.config.outbox_worker {
        tokio::spawn(index::sync::worker(
            state.db.clone(),
            state.search.clone(),
            state.config.search.synonyms.clone(),
            Arc::new(domain::opportunities::IndexSource),
            {
                let listings = state.listings.clone();
                move || listings.changed()
            },
        ));
    }
    Ok(state)
}

/// The whole platform: API routes and pages, then the site itself, all behind the security
/// headers and the request log.
pub fn app(state: AppState, site: Router) -> Router {
    http::router(state, site)
}
