//! Tremplin's HTTP side: the live preview of the static site (`preview`) and the API's
//! accounts, structures and sessions (`web` over `accounts`), on SQLite or PostgreSQL (`db`).
//! `app` puts them together behind the security headers.

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
    let https = state.config.secure_cookies();
    let budget = state.budget.clone();
    http::accounts::router(state.clone())
        .merge(http::opportunities::router(state.clone()))
        .merge(http::questions::router(state.clone()))
        .merge(http::newsletter::router(state.clone()))
        .merge(http::search::router(state.clone()))
        .layer(axum::middleware::from_fn_with_state(
            state,
            http::page::render_errors,
        ))
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
