//! Protections every response gets: security headers, a request id in the logs (never the
//! query string, cookies or bodies), and the cross-site checks of forms and of the JSON API.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth;

pub const SESSION_COOKIE: &str = "tremplin_session";
pub const CSRF_COOKIE: &str = "tremplin_csrf";

/// Content Security Policy: our own files only, no inline script or style, no framing.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
     connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Adds the security headers and a request id, and logs the request without its query string.
pub async fn headers(req: Request, next: Next) -> Response {
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
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert(REQUEST_ID.clone(), v);
    }
    res
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
}
