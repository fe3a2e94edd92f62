//! One error type for the API: a clear French message and the right status for the client;
//! internal details are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A field and what is wrong with it.
pub type FieldErrors = Vec<(&'static str, String)>;

#[derive(Debug)]
pub enum AppError {
    /// The request is malformed (bad JSON, missing body).
    BadRequest(String),
    /// The body is larger than the route accepts (413).
    TooLarge(String),
    /// Some fields are wrong (422), each with its message.
    Invalid(FieldErrors),
    /// Sign-in needed.
    Unauthorized,
    /// Sign-in needed to see a page: the pages send the visitor to sign in, then back to it.
    SignIn {
        next: String,
    },
    /// Wrong email or password.
    BadCredentials,
    /// Signed in, but not allowed.
    Forbidden(String),
    NotFound,
    /// A page past the last one of a listing (404), with what to do instead.
    NoSuchPage(String),
    /// Too many attempts: what to do, and the seconds to wait (`Retry-After`).
    TooManyRequests {
        message: String,
        retry_after: i64,
    },
    /// The service cannot answer now (a search engine down, the time budget spent, too many
    /// requests at once): 503 with `Retry-After`.
    Unavailable(String),
    /// A cross-site request or a missing CSRF token.
    CrossSite,
    /// Something broke on our side: logged, and a generic message sent.
    Internal(String),
}

impl AppError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized | AppError::SignIn { .. } | AppError::BadCredentials => {
                StatusCode::UNAUTHORIZED
            }
            AppError::Forbidden(_) | AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::NoSuchPage(_) => StatusCode::NOT_FOUND,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the person.
    pub fn message(&self) -> String {
        match self {
            AppError::BadRequest(m)
            | AppError::TooLarge(m)
            | AppError::Forbidden(m)
            | AppError::TooManyRequests { message: m, .. }
            | AppError::Unavailable(m)
            | AppError::NoSuchPage(m) => m.clone(),
            AppError::Invalid(fields) => match fields.as_slice() {
                [(_, m)] => m.clone(),
                _ => "Certains champs sont à corriger.".to_string(),
            },
            AppError::Unauthorized | AppError::SignIn { .. } => {
                "Connectez-vous pour continuer.".to_string()
            }
            AppError::BadCredentials => {
                "Adresse électronique ou mot de passe incorrect.".to_string()
            }
            AppError::NotFound => "Cette page n'existe pas.".to_string(),
            AppError::CrossSite => {
                "La demande a été refusée par sécurité : rechargez la page et réessayez."
                    .to_string()
            }
            AppError::Internal(_) => {
                "Une erreur est survenue de notre côté. Réessayez dans un moment.".to_string()
            }
        }
    }

    /// The errors by field: those of `Invalid`, or the message under no field.
    pub fn fields(self) -> FieldErrors {
        match self {
            AppError::Invalid(fields) => fields,
            other => vec![("", other.message())],
        }
    }

    /// The seconds to tell the client to wait, for 429 and 503.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after, .. } => Some((*retry_after).max(1) as u64),
            AppError::Unavailable(_) => Some(crate::limits::RETRY_AFTER_SECONDS),
            _ => None,
        }
    }

    /// Logs what must be logged (internal details only here).
    pub fn log(&self) {
        if let AppError::Internal(detail) = self {
            tracing::error!(detail = %detail, "erreur interne");
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(format!("base de données : {e}"))
    }
}

impl From<tremplin_search::Error> for AppError {
    fn from(e: tremplin_search::Error) -> Self {
        AppError::Internal(format!("moteur de recherche : {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut body = json!({ "error": self.message() });
        if let AppError::Invalid(fields) = &self {
            let map: serde_json::Map<String, serde_json::Value> = fields
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            body["fields"] = serde_json::Value::Object(map);
        }
        let mut res = (self.status_code(), Json(body)).into_response();
        if let Some(wait) = self.retry_after() {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, wait.into());
        }
        res
    }
}
