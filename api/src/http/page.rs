//! Pages of the theme rendered for the API: the page itself (with the CSRF token, the viewer
//! and `no-store`), a message page, the page of an error, a form's state, and the links
//! to sign in and back. A page handler returns `Result<Response, PageError>`: its error is
//! turned into the error's page by the `render_errors` layer, with the request's cookies and
//! viewer, so handlers just use `?`.

use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Map, Value};

use crate::domain::accounts::{self, User};
use crate::http::security::{self, CSRF_COOKIE};
use crate::http::state::AppState;
use crate::infra::error::AppError;
use crate::infra::html::encode;

/// A form's state for templates: what was typed, and the errors by field.
pub(crate) fn form_value(
    values: &[(&str, &str)],
    errors: &[(&'static str, String)],
    csrf: &str,
) -> Value {
    let values: Map<String, Value> = values
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let by_field: Map<String, Value> = errors
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let list: Vec<Value> = errors
        .iter()
        .map(|(k, v)| json!({"field": k, "message": v}))
        .collect();
    json!({"values": values, "errors": by_field, "error_list": list, "csrf": csrf})
}

/// The CSRF token of this browser, and the cookie to set when it had none.
pub(crate) fn csrf_for(headers: &HeaderMap, secure: bool) -> (String, Option<HeaderValue>) {
    match security::cookie(headers, CSRF_COOKIE) {
        Some(t) => (t, None),
        None => {
            let t = crate::infra::auth::random_token();
            let c = security::set_cookie(CSRF_COOKIE, &t, None, secure);
            (t, Some(c))
        }
    }
}

/// Renders a page of the theme with `vars`; `status` for pages that show a failure.
pub(crate) fn page(
    state: &AppState,
    status: StatusCode,
    (template, path, title): (&str, &str, &str),
    mut vars: Map<String, Value>,
    headers: &HeaderMap,
    viewer: Option<&User>,
) -> Response {
    let (csrf, set) = csrf_for(headers, state.config.secure_cookies());
    vars.insert("titre".into(), json!(title));
    vars.insert("csrf".into(), json!(csrf));
    vars.insert("utilisateur".into(), json!(viewer.map(user_view)));
    match state.pages.render(template, path, &vars) {
        Ok(html) => {
            let mut res = (
                status,
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                html,
            )
                .into_response();
            if let Some(c) = set {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            res
        }
        Err(e) => {
            AppError::Internal(format!("gabarit {template} : {e}")).log();
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Une erreur est survenue de notre côté. Réessayez dans un moment.",
            )
                .into_response()
        }
    }
}

/// A page with a title, a message and an optional link.
pub(crate) fn message_page(
    state: &AppState,
    status: StatusCode,
    title: &str,
    text: &str,
    link: Option<(&str, &str)>,
    headers: &HeaderMap,
    viewer: Option<&User>,
) -> Response {
    let mut vars = Map::new();
    vars.insert("message".into(), json!(text));
    if let Some((href, label)) = link {
        vars.insert("lien".into(), json!({"href": href, "texte": label}));
    }
    page(
        state,
        status,
        ("compte/message.html", "/compte/", title),
        vars,
        headers,
        viewer,
    )
}

/// What a page needs of its request: the state (templates, settings) and the headers (the
/// browser's CSRF cookie, or the one to set). Handlers take it and call `page` and `message`.
pub struct PageCx {
    pub state: AppState,
    pub headers: HeaderMap,
}

impl FromRequestParts<AppState> for PageCx {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(PageCx {
            state: state.clone(),
            headers: parts.headers.clone(),
        })
    }
}

impl PageCx {
    /// A page of the theme (see [`page`]).
    pub fn page(
        &self,
        status: StatusCode,
        place: (&str, &str, &str),
        vars: Map<String, Value>,
        viewer: Option<&User>,
    ) -> Response {
        page(&self.state, status, place, vars, &self.headers, viewer)
    }

    /// A page with a title, a message and an optional link (see [`message_page`]).
    pub fn message(
        &self,
        status: StatusCode,
        title: &str,
        text: &str,
        link: Option<(&str, &str)>,
        viewer: Option<&User>,
    ) -> Response {
        message_page(
            &self.state,
            status,
            title,
            text,
            link,
            &self.headers,
            viewer,
        )
    }
}

/// The error of a page handler: answered with the error's page (a message page with the
/// right status, or the way to sign in) by `render_errors`.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        PageError(e)
    }
}

/// A page handler's error, waiting in its response for `render_errors`.
#[derive(Clone)]
struct PendingPage(Arc<Mutex<Option<AppError>>>);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut res = self.0.status_code().into_response();
        res.extensions_mut()
            .insert(PendingPage(Arc::new(Mutex::new(Some(self.0)))));
        res
    }
}

/// Who the request's viewer turned out to be: set by the `Viewer` extractor, read by
/// `render_errors` for the error's page.
#[derive(Clone, Default)]
pub(crate) struct ViewerSlot(pub(crate) Arc<OnceLock<Option<User>>>);

/// The layer that turns a page handler's `PageError` into the error's page.
pub async fn render_errors(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let headers = req.headers().clone();
    let slot = ViewerSlot::default();
    req.extensions_mut().insert(slot.clone());
    let mut res = next.run(req).await;
    let Some(PendingPage(pending)) = res.extensions_mut().remove::<PendingPage>() else {
        return res;
    };
    let Some(e) = pending.lock().unwrap_or_else(|p| p.into_inner()).take() else {
        return res;
    };
    let viewer = slot.0.get().cloned().flatten();
    error_page(&state, e, &headers, viewer.as_ref())
}

/// An error on a page: a message page with the right status.
pub(crate) fn error_page(
    state: &AppState,
    e: AppError,
    headers: &HeaderMap,
    viewer: Option<&User>,
) -> Response {
    if let AppError::SignIn { next } = &e {
        return to_sign_in(next);
    }
    e.log();
    let title = match e.status_code() {
        StatusCode::FORBIDDEN => "Accès refusé",
        StatusCode::NOT_FOUND => "Page introuvable",
        StatusCode::TOO_MANY_REQUESTS => "Trop de tentatives",
        StatusCode::SERVICE_UNAVAILABLE => "Service momentanément indisponible",
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "Demande incorrecte",
        _ => "Une erreur est survenue",
    };
    let mut res = message_page(
        state,
        e.status_code(),
        title,
        &e.message(),
        Some(("/", "Retour à l'accueil")),
        headers,
        viewer,
    );
    if let Some(wait) = e.retry_after() {
        res.headers_mut().insert(header::RETRY_AFTER, wait.into());
    }
    res
}

pub(crate) fn user_view(u: &User) -> Value {
    json!({
        "email": u.email,
        "prenom": u.first_name,
        "role": u.role,
        "role_libelle": u.role.label(),
        "structure": u.structure.as_ref().map(|s| json!({"slug": s.slug, "nom": s.name, "ville": s.town, "contact": s.contact})),
        "desactive": u.disabled,
    })
}

pub(crate) fn to_sign_in(next: &str) -> Response {
    Redirect::to(&format!("/compte/connexion?suite={}", encode(next))).into_response()
}

/// Only our own paths are followed after sign-in (see `limits::local_path`); anything else
/// leads to the account page.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    next.and_then(|n| crate::infra::limits::local_path(n, crate::infra::limits::NEXT_MAX_CHARS))
        .unwrap_or_else(|| "/compte".to_string())
}

pub(crate) async fn structures_value(state: &AppState) -> Result<Value, AppError> {
    let list = accounts::structures(&state.db).await?;
    Ok(json!(list
        .iter()
        .map(|s| json!({"slug": s.slug, "nom": s.name, "ville": s.town}))
        .collect::<Vec<_>>()))
}
