//! Protections every response gets: security headers, a request id in the logs (never the
//! query string, cookies or bodies), and the cross-site checks of forms and of the JSON API.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::infra::error::ErrorBody;
use crate::{infra::auth, infra::limits};

pub const SESSION_COOKIE: &str = "tremplin_session";
pub const CSRF_COOKIE: &str = "tremplin_csrf";

/// Content Security Policy: our own files only, no inline script or style, no framing.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
     connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Adds the security headers (with HSTS when `https`, the site's address being https) and
/// a request id, and logs the request without its query string.
pub async fn headers(State(https): State<bool>, req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_string)
        .unwrap_or_else(|| auth::random_token()[..16].to_string());
    let method = req.method().clone();
    // The path only: a query may hold a one-time token.
    let path = req.uri().path().to_string();
    let span = tracing::info_span!("requête", id = %id, méthode = %method, chemin = %path);
    let started = std::time::Instant::now();
    // Instrumented, not entered: a guard held across the await would leave this span entered
    // on the thread while other requests run there, nesting their spans into each other.
    let mut res = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            statut = res.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "réponse"
        )
    });
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert(REQUEST_ID.clone(), v);
    }
    res
}

/// How many requests may run at once (`limits::MAX_IN_FLIGHT`).
#[derive(Clone)]
pub struct Budget(Arc<Semaphore>);

impl Budget {
    pub fn new(max_in_flight: usize) -> Budget {
        Budget(Arc::new(Semaphore::new(max_in_flight)))
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(limits::MAX_IN_FLIGHT)
    }
}

/// The time budgets of requests: `request`, and `import` for the import routes (from
/// `ApiConfig::request_timeout` and `import_timeout`).
#[derive(Clone, Copy, Debug)]
pub struct Deadlines {
    pub request: Duration,
    pub import: Duration,
}

/// Every request has a time budget (`limits::REQUEST_TIMEOUT`, `IMPORT_TIMEOUT` for imports,
/// as configured) and a place among `limits::MAX_IN_FLIGHT`; without one or past the other,
/// the answer is a 503 in French with `Retry-After`, never a connection left hanging or
/// memory piling up. (The budget covers the work up to the response's head: a stream, such
/// as live reload's events, goes on.)
pub async fn budget(
    State((budget, deadlines)): State<(Budget, Deadlines)>,
    req: Request,
    next: Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let Ok(_place) = budget.0.clone().try_acquire_owned() else {
        return unavailable(api, "Le service est très demandé en ce moment.");
    };
    let timeout = if req.uri().path().ends_with("/import") {
        deadlines.import
    } else {
        deadlines.request
    };
    match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!("délai de réponse dépassé");
            unavailable(api, "La réponse a pris trop de temps.")
        }
    }
}

/// A 503 with `Retry-After`: the API's JSON error, or a short page.
fn unavailable(api: bool, why: &str) -> Response {
    let message = format!("{why} Réessayez dans quelques secondes.");
    let mut res = refusal(
        api,
        StatusCode::SERVICE_UNAVAILABLE,
        "Service momentanément indisponible",
        &message,
    );
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(limits::RETRY_AFTER_SECONDS),
    );
    res
}

/// An answer made before any handler: the API's JSON error, or a short page with `title`.
fn refusal(api: bool, status: StatusCode, title: &str, message: &str) -> Response {
    if api {
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            ErrorBody::message(message).to_text(),
        )
            .into_response()
    } else {
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            format!(
                "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>{title}</title><h1>{title}</h1><p>{message}</p><p><a href=\"/\">Retour à l'accueil</a></p></html>"
            ),
        )
            .into_response()
    }
}

/// Refuses, with a 400 in French, a request that carries the NUL character (U+0000) in its
/// address (`%00`) or in a JSON or form body. No text of Tremplin holds one, and PostgreSQL
/// cannot store or even compare one: it would otherwise be a 500 at the first query that
/// reads it (a name at registration, a structure's identifier in an address…). Bodies of
/// other types (an import file) are read by their own handler, which refuses them too.
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let title = "Requête refusée";
    let address = req.uri().path_and_query().map_or("", |p| p.as_str());
    if has_escaped_nul(address.as_bytes()) {
        let message = "L'adresse contient un caractère nul (%00), qui n'est jamais accepté.";
        return refusal(api, StatusCode::BAD_REQUEST, title, message);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let json = content_type.starts_with("application/json");
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let limit = if req.uri().path().ends_with("/import") {
        limits::IMPORT_MAX_BYTES
    } else {
        limits::BODY_MAX_BYTES
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // A body over the limit is left to the handler, which refuses it as it always has.
    if !(json || form) || declared.is_some_and(|n| n > limit) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        let message = format!(
            "Le corps de la requête est trop gros ({} Ko au plus) ou incomplet.",
            limit / 1024
        );
        return refusal(api, StatusCode::PAYLOAD_TOO_LARGE, title, &message);
    };
    if (form && has_escaped_nul(&bytes)) || (json && json_has_nul(&bytes)) {
        let message = "Le texte envoyé contient un caractère nul (U+0000), qui n'est jamais accepté : retirez-le.";
        return refusal(api, StatusCode::BAD_REQUEST, title, message);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether URL-encoded text holds `%00` (a typed `%00` is sent as `%2500`).
fn has_escaped_nul(text: &[u8]) -> bool {
    text.windows(3).any(|w| w == b"%00")
}

/// Whether a JSON text holds U+0000 in a string or a key (written `\u0000`; a raw NUL byte
/// is not JSON, and the handler says so).
fn json_has_nul(bytes: &[u8]) -> bool {
    fn walk(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(a) => a.iter().any(walk),
            serde_json::Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || walk(v)),
            _ => false,
        }
    }
    // Parsed only when the escape is there at all: most bodies never are.
    bytes.windows(6).any(|w| w == b"\\u0000")
        && serde_json::from_slice::<serde_json::Value>(bytes).is_ok_and(|v| walk(&v))
}

/// Under `/api/`, every error is the API's JSON (`{"error": "…"}` in French), including the
/// answers the framework makes on its own (an unknown method, a path parameter that is not a
/// number, a body too large or of the wrong type), which come as English plain text.
pub async fn api_errors(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    let status = res.status();
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if status.as_u16() < 400 || json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // The framework's own message names the parameter at fault: said again in French.
    let detail = if status == StatusCode::BAD_REQUEST {
        axum::body::to_bytes(body, 4096)
            .await
            .ok()
            .and_then(|b| crate::infra::error::bad_address(&String::from_utf8_lossy(&b)))
    } else {
        None
    };
    let message = match status {
        _ if detail.is_some() => detail.as_deref().unwrap_or_default(),
        StatusCode::BAD_REQUEST => "La requête est incorrecte : vérifiez l'adresse, ses paramètres (un identifiant est un nombre) et le corps envoyé.",
        StatusCode::NOT_FOUND => "Cette adresse n'existe pas dans l'API (voir /api/v1/openapi.json).",
        StatusCode::METHOD_NOT_ALLOWED => "Cette méthode n'est pas acceptée à cette adresse (voir /api/v1/openapi.json).",
        StatusCode::PAYLOAD_TOO_LARGE => "Le corps de la requête est trop gros.",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Type de contenu non accepté : envoyez du JSON (Content-Type: application/json).",
        StatusCode::UNPROCESSABLE_ENTITY => "Certains champs sont à corriger.",
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => "Le service est momentanément indisponible : réessayez dans quelques secondes.",
        _ => "La requête n'a pas pu aboutir.",
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(ErrorBody::message(message).to_text()))
}

/// A cookie's value from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name && !v.is_empty()).then(|| v.to_string())
        })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure over HTTPS. `max_age` 0 removes it.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        s.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        s.push_str("; Secure");
    }
    HeaderValue::from_str(&s).expect("cookie values are URL-safe")
}

/// Whether a state-changing request comes from our own pages: `Origin` (or `Referer`) is our
/// site when present, and `Sec-Fetch-Site` says same-origin when present.
pub fn same_origin(headers: &HeaderMap, base_url: &str) -> bool {
    let ours = origin_of(base_url);
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    // The browser sets `Host` to the server it talks to: a page of ours has that origin too
    // (this also accepts http://localhost:8080 when the site says http://127.0.0.1:8080).
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_lowercase);
    let matches = |url: &str| {
        let o = origin_of(url);
        o == ours
            || host
                .as_deref()
                .is_some_and(|h| o.split_once("://").is_some_and(|(_, oh)| oh == h))
    };
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        return matches(origin);
    }
    if let Some(referer) = headers.get(header::REFERER).and_then(|v| v.to_str().ok()) {
        return matches(referer);
    }
    true
}

fn origin_of(url: &str) -> String {
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            let host = rest.split('/').next().unwrap_or(rest);
            format!("{}://{}", &url[..i], host).to_lowercase()
        }
        None => url.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_origins() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; tremplin_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, "tremplin_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "absent"), None);
        assert!(same_origin(&h, "http://127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h, "http://127.0.0.1:8080/"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h, "http://127.0.0.1:8080"));
        h.insert(header::HOST, HeaderValue::from_static("localhost:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://localhost:8080"),
        );
        assert!(
            same_origin(&h, "http://127.0.0.1:8080"),
            "the origin of the host asked"
        );
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example:8080"),
        );
        assert!(!same_origin(&h, "http://127.0.0.1:8080"));
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h, "http://127.0.0.1:8080"));
        assert_eq!(
            set_cookie("x", "y", Some(0), true).to_str().unwrap(),
            "x=y; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure"
        );
    }

    /// A request past its time budget is a 503 with `Retry-After`: the API's JSON under
    /// `/api/`, a page in French elsewhere; an import has its own, longer budget.
    #[tokio::test]
    async fn a_request_past_its_budget_is_told_to_come_back() {
        use axum::routing::get;
        use tower::ServiceExt;

        async fn slow() -> &'static str {
            tokio::time::sleep(Duration::from_secs(60)).await;
            "trop tard"
        }
        async fn import() -> &'static str {
            tokio::time::sleep(Duration::from_millis(200)).await;
            "importé"
        }
        let deadlines = Deadlines {
            request: Duration::from_millis(50),
            import: Duration::from_secs(60),
        };
        let app = axum::Router::new()
            .route("/lent", get(slow))
            .route("/api/v1/lent", get(slow))
            .route("/api/v1/opportunities/import", get(import))
            .layer(axum::middleware::from_fn_with_state(
                (Budget::new(8), deadlines),
                budget,
            ));
        let call = |path: &'static str| {
            let app = app.clone();
            async move {
                let started = std::time::Instant::now();
                let res = app
                    .oneshot(Request::get(path).body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                let elapsed = started.elapsed();
                let status = res.status();
                let headers = res.headers().clone();
                let body = axum::body::to_bytes(res.into_body(), 1 << 16)
                    .await
                    .unwrap();
                (
                    status,
                    headers,
                    String::from_utf8(body.to_vec()).unwrap(),
                    elapsed,
                )
            }
        };
        for (path, content_type) in [
            ("/lent", "text/html; charset=utf-8"),
            ("/api/v1/lent", "application/json"),
        ] {
            let (status, headers, body, elapsed) = call(path).await;
            // The handler would take a minute: the budget stopped it.
            assert!(elapsed < Duration::from_secs(10), "{path}: {elapsed:?}");
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
            assert_eq!(headers[header::RETRY_AFTER], "5", "{path}");
            assert_eq!(headers[header::CONTENT_TYPE], content_type, "{path}");
            let said = "La réponse a pris trop de temps. Réessayez dans quelques secondes.";
            if path.starts_with("/api/") {
                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(v["error"], said);
            } else {
                assert!(body.contains("<html lang=\"fr\">"), "{body}");
                assert!(body.contains("<h1>Service momentanément indisponible</h1>"));
                assert!(body.contains(said), "{body}");
            }
        }
        // 200 ms is past the request budget, within the import's.
        let (status, _, body, _) = call("/api/v1/opportunities/import").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "importé"));
    }

    #[test]
    fn nul_characters_are_found() {
        assert!(has_escaped_nul(b"/api/v1/structures/%00/opportunities"));
        assert!(has_escaped_nul(b"prenom=a%00b"));
        assert!(!has_escaped_nul(b"prenom=a%2500b"), "a typed %00");
        assert!(json_has_nul(br#"{"first_name": "a\u0000b"}"#));
        assert!(json_has_nul(br#"{"a\u0000": 1}"#));
        assert!(json_has_nul(br#"[{"x": ["\u0000"]}]"#));
        assert!(
            !json_has_nul(br#"{"first_name": "a\\u0000b"}"#),
            "a typed \\u0000"
        );
        assert!(!json_has_nul(br#"{"first_name": "Camille"}"#));
    }
}
