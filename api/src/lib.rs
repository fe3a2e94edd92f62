//! Tremplin's HTTP side: the live preview of the static site (`preview`) and the API's
//! accounts, structures and sessions (`web` over `accounts`), on SQLite or PostgreSQL (`db`).
//! `app` puts them together behind the security headers.

pub mod accounts;
pub mod auth;
pub mod communes;
pub mod config;
pub mod db;
pub mod error;
pub mod import;
pub mod mail;
pub mod markdown;
pub mod openapi;
pub mod opportunities;
pub mod preview;
pub mod security;
pub mod web;
pub mod web_opportunities;

use std::sync::Arc;

use axum::Router;

pub use web::{AppState, Pages};

/// Builds the shared state: settings, database (migrated) and mailer.
pub async fn state(config: config::ApiConfig, pages: Arc<dyn Pages>) -> Result<AppState, String> {
    let db = db::connect(&config.database_url).await?;
    let mailer = mail::Mailer::new(&config.transport, &config.email_from)?;
    Ok(AppState {
        db,
        config: Arc::new(config),
        mailer: Arc::new(mailer),
        pages,
    })
}

/// The whole platform: API routes and pages, then the site itself, all behind the security
/// headers and the request log.
pub fn app(state: AppState, site: Router) -> Router {
    web::router(state.clone())
        .merge(web_opportunities::router(state))
        .merge(site)
        .layer(axum::middleware::from_fn(security::headers))
}
