//! Tremplin's HTTP side: the live preview of the static site (`preview`) and the API's
//! accounts, structures and sessions (`web` over `accounts`), on SQLite or PostgreSQL (`db`).
//! `app` puts them together behind the security headers.

pub mod domain;
pub mod http;
pub mod index;
pub mod infra;

use std::sync::Arc;

use axum::Router;

pub use http::accounts::{AppState, Pages};

/// Opens the search engine the settings name (its indexes are configured by `state`).
pub async fn search_engine(
    settings: &infra::config::SearchSettings,
) -> Result<Arc<dyn tremplin_search::SearchEngine>, String> {
    match &settings.backend {
        infra::config::SearchBackend::Embedded(dir) => tremplin_search::open_embedded(dir)
            .map_err(|e| format!("moteur de recherche ({}) : {e}", dir.display())),
        infra::config::SearchBackend::Meilisearch { url, key } => {
            // A server that is down must not keep the platform from starting: the outbox
            // waits for it. Say it clearly, though.
            let engine = tremplin_search::MeilisearchEngine::new(url, key.as_deref())
                .map_err(|e| format!("moteur de recherche : {e}"))?;
            if let Err(e) = engine.health().await {
                tracing::warn!("{e} : la recherche attendra qu'il réponde");
            }
            Ok(Arc::new(engine))
        }
    }
}

/// Builds the shared state: settings, database (migrated), mailer and search engine, and
/// starts the worker that keeps the opportunities' index up to date. A search engine that
/// cannot be reached is not fatal: the worker retries, and the index catches up.
pub async fn state(
    config: infra::config::ApiConfig,
    pages: Arc<dyn Pages>,
) -> Result<AppState, String> {
    let db = infra::db::connect(&config.database_url).await?;
    let mailer = infra::mail::Mailer::new(&config.transport, &config.email_from)?;
    let search = search_engine(&config.search).await?;
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
            state.listings.clone(),
        ));
    }
    Ok(state)
}

/// The whole platform: API routes and pages, then the site itself, all behind the security
/// headers and the request log.
pub fn app(state: AppState, site: Router) -> Router {
    let https = state.config.secure_cookies();
    let budget = state.budget.clone();
    http::accounts::router(state.clone())
        .merge(http::opportunities::router(state.clone()))
        .merge(http::questions::router(state.clone()))
        .merge(http::newsletter::router(state.clone()))
        .merge(http::search::router(state))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .merge(site)
        // Forms and JSON bodies; the import routes allow more (`limits::IMPORT_MAX_BYTES`).
        .layer(axum::extract::DefaultBodyLimit::max(
            infra::limits::BODY_MAX_BYTES,
        ))
        .layer(axum::middleware::from_fn(http::security::refuse_nul))
        .layer(axum::middleware::from_fn(http::security::api_errors))
        .layer(axum::middleware::from_fn_with_state(
            budget,
            http::security::budget,
        ))
        .layer(axum::middleware::from_fn_with_state(
            https,
            http::security::headers,
        ))
}

/// An address under `/api/` that the API does not have: its JSON 404, not the site's page.
async fn api_not_found() -> infra::error::AppError {
    infra::error::AppError::NotFound
}
