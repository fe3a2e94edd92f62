//! The HTTP side, the top layer: the security layers, the pages and the JSON API of each
//! resource, the preview of the site and the OpenAPI document. `router` merges the
//! resources' routers behind the layers.

pub mod accounts;
pub mod extract;
pub mod listing_cache;
pub mod newsletter;
pub mod openapi;
pub mod opportunities;
pub mod page;
pub mod preview;
pub mod questions;
pub mod search;
pub mod security;
pub mod state;

use axum::Router;

use crate::http::state::AppState;
use crate::infra::error::AppError;
use crate::infra::limits;

/// Every route of the API and its pages, then `site` (what no route matches: the preview,
/// or a built site), all behind the security layers — from the outside in: headers and
/// request id, the budget, the API's JSON errors, NUL refused, the body limit. A page
/// handler's error becomes its page.
pub fn router(state: AppState, site: Router) -> Router {
    let https = state.config.secure_cookies();
    let budget = (
        state.budget.clone(),
        security::Deadlines {
            request: state.config.request_timeout,
            import: state.config.import_timeout,
        },
    );
    accounts::router(state.clone())
        .merge(opportunities::router(state.clone()))
        .merge(questions::router(state.clone()))
        .merge(newsletter::router(state.clone()))
        .merge(search::router(state.clone()))
        .layer(axum::middleware::from_fn_with_state(
            state,
            page::render_errors,
        ))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .merge(site)
        // Forms and JSON bodies; the import routes allow more (`limits::IMPORT_MAX_BYTES`).
        .layer(axum::extract::DefaultBodyLimit::max(limits::BODY_MAX_BYTES))
        .layer(axum::middleware::from_fn(security::refuse_nul))
        .layer(axum::middleware::from_fn(security::api_errors))
        .layer(axum::middleware::from_fn_with_state(
            budget,
            security::budget,
        ))
        .layer(axum::middleware::from_fn_with_state(
            https,
            security::headers,
        ))
}

/// An address under `/api/` that the API does not have: its JSON 404, not the site's page.
async fn api_not_found() -> AppError {
    AppError::NotFound
}
