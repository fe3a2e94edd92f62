//! One error type for the API: a clear French message and the right status for the client;
//! internal details are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Seconds a client is told to wait after a 503 (`AppError::Unavailable`).
pub const RETRY_AFTER_SECONDS: u64 = 5;

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
            AppError::Unavailable(_) => Some(RETRY_AFTER_SECONDS),
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

/// A request body that is not the JSON expected, in French. `syntax` says whether it is not
/// JSON at all (else it is JSON of the wrong shape); `detail` is serde_json's or axum's
/// English message, read for the field and the place it names.
pub fn bad_json(syntax: bool, detail: &str) -> AppError {
    AppError::BadRequest(format!(
        "Corps de la requête invalide : {}.",
        json_problem(syntax, detail)
    ))
}

fn json_problem(syntax: bool, detail: &str) -> String {
    let detail = detail
        .trim_start_matches("Failed to deserialize the JSON body into the target type: ")
        .trim_start_matches("Failed to parse the request body as JSON: ");
    // axum names the field at fault first: "first_name: invalid type: …" (a path without
    // spaces; serde's own messages all start with words).
    let (field, detail) = match detail.split_once(": ") {
        Some((path, rest)) if !path.is_empty() && path != "." && !path.contains(' ') => {
            (Some(path), rest)
        }
        _ => (None, detail),
    };
    // serde_json ends its messages with "at line L column C".
    let (what, place) = match detail.rsplit_once(" at line ") {
        Some((what, at)) => match at.split_once(" column ") {
            Some((line, column)) => (what, format!(" (ligne {line}, colonne {column})")),
            None => (what, String::new()),
        },
        None => (detail, String::new()),
    };
    // The first name between backquotes: `titre` in "unknown field `titre`, expected …".
    let named = |s: &str| s.split('`').nth(1).unwrap_or("").to_string();
    if what.contains("Content-Type: application/json") {
        return "envoyez du JSON, avec l'en-tête Content-Type: application/json".into();
    }
    if syntax {
        return if what.contains("EOF while parsing") {
            format!("le JSON s'arrête avant la fin{place}")
        } else {
            format!("ce n'est pas du JSON valide{place}")
        };
    }
    if let Some(rest) = what.strip_prefix("unknown field ") {
        return match rest.split_once("expected one of ") {
            Some((_, accepted)) => format!(
                "champ inconnu « {} » (champs acceptés : {})",
                named(rest),
                accepted.replace('`', "")
            ),
            None => format!("champ inconnu « {} »", named(rest)),
        };
    }
    if let Some(rest) = what.strip_prefix("missing field ") {
        return format!("champ obligatoire manquant : {}", named(rest));
    }
    if let Some(rest) = what.strip_prefix("duplicate field ") {
        return format!("champ en double : {}", named(rest));
    }
    let expected = what.split_once(", expected ").map_or("", |(_, e)| e);
    let wanted = match expected {
        "a string" => Some("du texte"),
        "a boolean" => Some("true ou false"),
        "a sequence" => Some("une liste"),
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize" => {
            Some("un nombre entier")
        }
        "f64" | "f32" => Some("un nombre"),
        e if e.starts_with("struct ") || e == "a map" => Some("un objet JSON"),
        _ => None,
    };
    match (field, wanted) {
        (Some(f), Some(w)) => format!("le champ « {f} » n'est pas du bon type : il faut {w}"),
        (Some(f), None) => format!("la valeur du champ « {f} » est incorrecte"),
        (None, Some(w)) => format!("une valeur n'est pas du bon type{place} : il faut {w}"),
        (None, None) => format!("une valeur est incorrecte{place}"),
    }
}

/// A request the framework refused before any handler ran (a path parameter or a query string
/// of the wrong type), in French: `detail` is axum's English message, read for the name and
/// value it holds. `None` when it is none of those.
pub fn bad_address(detail: &str) -> Option<String> {
    let named = |s: &str| s.split('`').nth(1).unwrap_or("").to_string();
    if let Some(rest) = detail.strip_prefix("Invalid URL: ") {
        let value = match rest.split_once("with value `") {
            Some((_, v)) => v.split('`').next().unwrap_or(""),
            None => rest.split('`').nth(1).unwrap_or(""),
        };
        let value: String = value.chars().take(40).collect();
        return Some(if rest.starts_with("Cannot parse") {
            format!("L'adresse est incorrecte : « {value} » n'est pas un identifiant (il faut un nombre entier).")
        } else {
            "L'adresse est incorrecte.".to_string()
        });
    }
    let rest = detail.strip_prefix("Failed to deserialize query string: ")?;
    if let Some(d) = rest.strip_prefix("duplicate field ") {
        return Some(format!(
            "Le paramètre « {} » est répété : donnez-le une seule fois.",
            named(d)
        ));
    }
    let (name, problem) = rest.split_once(": ").unwrap_or(("", rest));
    let wanted = if problem.contains("digit") || problem.contains("number") {
        "il faut un nombre entier positif"
    } else if problem.contains("`true` or `false`") {
        "il faut true ou false"
    } else {
        "sa valeur n'est pas acceptée"
    };
    Some(if name.is_empty() || name.contains(' ') {
        format!("Un paramètre de l'adresse est incorrect : {wanted}.")
    } else {
        format!("Le paramètre « {name} » est incorrect : {wanted}.")
    })
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(format!("base de données : {e}"))
    }
}

impl From<tremplin_search::Error> for AppError {
    /// An engine that is down, restarting or cannot read its files is a 503 with
    /// `Retry-After` (the visitor may try again, the operator sees the cause in the log); a
    /// request the engine refuses is our mistake, a 500.
    fn from(e: tremplin_search::Error) -> Self {
        use tremplin_search::Error as E;
        match e {
            E::Unreachable { .. }
            | E::UnknownIndex(_)
            | E::Io { .. }
            | E::Embedded(_)
            | E::Meilisearch(_) => {
                tracing::warn!(erreur = %e, "moteur de recherche indisponible");
                AppError::Unavailable(SEARCH_DOWN.to_string())
            }
            E::InvalidRequest(_) | E::InvalidDocument(_) => {
                AppError::Internal(format!("moteur de recherche : {e}"))
            }
        }
    }
}

/// What a visitor reads while the search engine does not answer.
pub const SEARCH_DOWN: &str = "La recherche est momentanément indisponible. Réessayez dans quelques minutes : les guides et la liste des opportunités restent consultables.";

/// The JSON API's error body (`Error` in the OpenAPI document): a French message, and for a
/// 422 the message of each wrong field.
#[derive(Debug, serde::Serialize)]
pub struct ErrorBody<'a> {
    pub error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<&'static str, &'a str>>,
}

impl<'a> ErrorBody<'a> {
    /// A message alone.
    pub fn message(error: &'a str) -> Self {
        ErrorBody {
            error,
            fields: None,
        }
    }

    /// The body as text.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("an error body serialises")
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let message = self.message();
        let body = ErrorBody {
            error: &message,
            fields: match &self {
                AppError::Invalid(fields) => {
                    Some(fields.iter().map(|(k, v)| (*k, v.as_str())).collect())
                }
                _ => None,
            },
        };
        let mut res = (self.status_code(), Json(body)).into_response();
        if let Some(wait) = self.retry_after() {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, wait.into());
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(syntax: bool, english: &str, french: &str) {
        assert_eq!(bad_json(syntax, english).message(), french, "{english}");
    }

    #[test]
    fn json_bodies_are_refused_in_french() {
        check(
            false,
            "Failed to deserialize the JSON body into the target type: unknown field `titre`, expected one of `kind`, `title` at line 1 column 8",
            "Corps de la requête invalide : champ inconnu « titre » (champs acceptés : kind, title).",
        );
        check(
            false,
            "Failed to deserialize the JSON body into the target type: missing field `email` at line 1 column 2",
            "Corps de la requête invalide : champ obligatoire manquant : email.",
        );
        check(
            false,
            "Failed to deserialize the JSON body into the target type: invalid type: integer `3`, expected a string at line 1 column 12",
            "Corps de la requête invalide : une valeur n'est pas du bon type (ligne 1, colonne 12) : il faut du texte.",
        );
        check(
            false,
            "invalid type: string \"x\", expected a boolean at line 1 column 20",
            "Corps de la requête invalide : une valeur n'est pas du bon type (ligne 1, colonne 20) : il faut true ou false.",
        );
        check(
            false,
            "Failed to deserialize the JSON body into the target type: titre: unknown field `titre`, expected one of `kind`, `title` at line 1 column 60",
            "Corps de la requête invalide : champ inconnu « titre » (champs acceptés : kind, title).",
        );
        check(
            false,
            "Failed to deserialize the JSON body into the target type: subscribed: invalid type: string \"oui\", expected a boolean at line 1 column 20",
            "Corps de la requête invalide : le champ « subscribed » n'est pas du bon type : il faut true ou false.",
        );
        check(
            false,
            "Failed to deserialize the JSON body into the target type: themes[0]: invalid type: integer `1`, expected a string at line 1 column 13",
            "Corps de la requête invalide : le champ « themes[0] » n'est pas du bon type : il faut du texte.",
        );
        check(
            true,
            "Failed to parse the request body as JSON: expected value at line 1 column 1",
            "Corps de la requête invalide : ce n'est pas du JSON valide (ligne 1, colonne 1).",
        );
        check(
            true,
            "Failed to parse the request body as JSON: EOF while parsing an object at line 1 column 1",
            "Corps de la requête invalide : le JSON s'arrête avant la fin (ligne 1, colonne 1).",
        );
        check(
            false,
            "Expected request with `Content-Type: application/json`",
            "Corps de la requête invalide : envoyez du JSON, avec l'en-tête Content-Type: application/json.",
        );
    }

    #[test]
    fn addresses_are_refused_in_french() {
        for (english, french) in [
            (
                "Invalid URL: Cannot parse `abc` to a `i64`",
                "L'adresse est incorrecte : « abc » n'est pas un identifiant (il faut un nombre entier).",
            ),
            (
                "Invalid URL: Cannot parse value at index 1 with value `x` to a `i64`",
                "L'adresse est incorrecte : « x » n'est pas un identifiant (il faut un nombre entier).",
            ),
            (
                "Failed to deserialize query string: limit: invalid digit found in string",
                "Le paramètre « limit » est incorrect : il faut un nombre entier positif.",
            ),
            (
                "Failed to deserialize query string: duplicate field `q`",
                "Le paramètre « q » est répété : donnez-le une seule fois.",
            ),
            (
                "Failed to deserialize query string: skip_bad: provided string was not `true` or `false`",
                "Le paramètre « skip_bad » est incorrect : il faut true ou false.",
            ),
        ] {
            assert_eq!(bad_address(english).as_deref(), Some(french), "{english}");
        }
        assert_eq!(bad_address("Something else"), None);
    }
}
