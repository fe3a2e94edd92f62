//! What handlers take from a request: who is asking (`Viewer`), from where (`ClientIp`), a
//! posted form with its CSRF token and origin checked, a JSON body in the API's error shape,
//! and the signed-in account or staff member a handler needs.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::{Form, Json};
use serde::de::DeserializeOwned;

use crate::domain::accounts::{self, Role, User};
use crate::http::page::{PageError, ViewerSlot};
use crate::http::security::{self, CSRF_COOKIE, SESSION_COOKIE};
use crate::http::state::AppState;
use crate::infra::error::AppError;

/// The signed-in account, if any, and its session token.
pub struct Viewer {
    pub user: Option<User>,
    pub token: Option<String>,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = security::cookie(&parts.headers, SESSION_COOKIE) else {
            return Ok(Viewer {
                user: None,
                token: None,
            });
        };
        let user = accounts::session_user(&state.db, &state.config, &token).await?;
        if let Some(slot) = parts.extensions.get::<ViewerSlot>() {
            let _ = slot.0.set(user.clone());
        }
        Ok(Viewer {
            token: user.as_ref().map(|_| token),
            user,
        })
    }
}

/// The client's address, for the limits on sign-in attempts.
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_proxy {
            if let Some(ip) = forwarded_client(&parts.headers) {
                return Ok(ClientIp(ip.to_string()));
            }
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "inconnue".into());
        Ok(ClientIp(ip))
    }
}

/// The client's address as the trusted proxy saw it: the last `X-Forwarded-For` entry,
/// the one the proxy appended. The entries before it are whatever the client wrote. With
/// several `X-Forwarded-For` headers, the last one's last entry.
fn forwarded_client(headers: &HeaderMap) -> Option<std::net::IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    last.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()
}

/// Checks a posted form's CSRF token against the browser's cookie, and its origin.
pub(crate) fn check_form(
    headers: &HeaderMap,
    state: &AppState,
    fields: &HashMap<String, String>,
) -> Result<(), AppError> {
    let cookie = security::cookie(headers, CSRF_COOKIE).unwrap_or_default();
    let sent = fields.get("csrf").map(String::as_str).unwrap_or("");
    if cookie.is_empty()
        || !crate::infra::auth::same(&cookie, sent)
        || !security::same_origin(headers, &state.config.base_url)
    {
        return Err(AppError::CrossSite);
    }
    Ok(())
}

pub(crate) fn field<'a>(fields: &'a HashMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map(String::as_str).unwrap_or("")
}

pub(crate) type FormBody = Result<Form<HashMap<String, String>>, FormRejection>;

pub(crate) fn form_fields(body: FormBody) -> Result<HashMap<String, String>, AppError> {
    body.map(|Form(f)| f).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(too_large())
        } else {
            AppError::BadRequest("Formulaire illisible : renvoyez-le depuis la page.".into())
        }
    })
}

fn too_large() -> String {
    format!(
        "Ce que vous avez envoyé est trop long ({} Ko au plus) : raccourcissez le texte.",
        crate::infra::limits::BODY_MAX_BYTES / 1024
    )
}

/// The JSON API refuses requests from other sites.
pub(crate) fn check_api(headers: &HeaderMap, state: &AppState) -> Result<(), AppError> {
    if security::same_origin(headers, &state.config.base_url) {
        Ok(())
    } else {
        Err(AppError::CrossSite)
    }
}

pub(crate) fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    body.map(|Json(b)| b).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::TooLarge(too_large());
        }
        let syntax = matches!(e, JsonRejection::JsonSyntaxError(_));
        crate::infra::error::bad_json(syntax, &e.body_text())
    })
}

/// A counsellor's or admin's account, inside a handler that ends with `error_page`: signed
/// out, to sign in (then back to `next`); a youth, 403.
pub(crate) fn staff(viewer: &Viewer, next: &str) -> Result<User, AppError> {
    match &viewer.user {
        None => Err(AppError::SignIn {
            next: next.to_string(),
        }),
        Some(u) if u.role == Role::Youth => Err(AppError::Forbidden(
            "Cette page est réservée aux conseillers.".into(),
        )),
        Some(u) => Ok(u.clone()),
    }
}

/// The signed-in account, for the JSON API (401 otherwise).
pub(crate) fn signed_in(viewer: &Viewer) -> Result<&User, AppError> {
    viewer.user.as_ref().ok_or(AppError::Unauthorized)
}

/// A posted form, its CSRF token checked against the browser's cookie and its origin
/// against the site's; refused with the error's page.
pub struct CsrfForm(pub HashMap<String, String>);

impl FromRequest<AppState> for CsrfForm {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let body = Form::<HashMap<String, String>>::from_request(req, state).await;
        let fields = form_fields(body)?;
        check_form(&headers, state, &fields)?;
        Ok(CsrfForm(fields))
    }
}

/// A call of the JSON API from this site: the JSON API refuses other sites' requests.
pub struct SameOrigin;

impl FromRequestParts<AppState> for SameOrigin {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        check_api(&parts.headers, state).map(|()| SameOrigin)
    }
}

/// A JSON body, refused in the API's error shape (in French, the field at fault named).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        json_body(Json::<T>::from_request(req, state).await).map(JsonBody)
    }
}

/// The signed-in account, for the JSON API (401 otherwise).
pub struct SignedIn(pub User);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        viewer.user.map(SignedIn).ok_or(AppError::Unauthorized)
    }
}
