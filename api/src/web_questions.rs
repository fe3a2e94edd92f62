//! (being written)

use axum::Router;

use crate::web::AppState;

pub fn router(state: AppState) -> Router {
    Router::new().with_state(state)
}
