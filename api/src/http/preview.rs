//! The live preview: serves the site from memory, reloads open pages when a change is
//! applied, and shows the diagnostics on every page while the site has errors.

use std::sync::{Arc, RwLock};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio_stream::StreamExt;
use tremplin_generator::live::{Applied, Live};
use tremplin_generator::output::{Content, OutputFile};
use tremplin_generator::site::Change;

use crate::infra::html::escape;

/// What open pages are told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Nothing,
    /// The site changed: reload (the number only makes each notice distinct).
    Reload(u64),
    /// The site has errors: show them (HTML list).
    Errors(String),
}

/// The preview's shared state.
pub struct Preview {
    live: RwLock<Live>,
    notices: tokio::sync::watch::Sender<Notice>,
    /// Whether pages get the live-reload script.
    live_reload: bool,
    /// Makes each reload notice distinct.
    counter: std::sync::atomic::AtomicU64,
}

const SCRIPT_PATH: &str = "/__tremplin/live-reload.js";
const STYLE_PATH: &str = "/__tremplin/apercu.css";
const EVENTS_PATH: &str = "/__tremplin/events";

impl Preview {
    pub fn new(live: Live, live_reload: bool) -> Arc<Preview> {
        let (notices, _) = tokio::sync::watch::channel(Notice::Nothing);
        Arc::new(Preview {
            live: RwLock::new(live),
            notices,
            live_reload,
            counter: 0.into(),
        })
    }

    /// Applies changes and tells open pages.
    pub fn apply(&self, changes: &[Change]) -> Applied {
        let mut live = self.live.write().unwrap_or_else(|e| e.into_inner());
        let applied = live.apply(changes);
        let notice = if applied.has_errors {
            Notice::Errors(errors_html(&live))
        } else if !applied.changed.is_empty() {
            Notice::Reload(
                self.counter
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            )
        } else {
            Notice::Nothing
        };
        drop(live);
        if notice != Notice::Nothing {
            self.notices.send_replace(notice);
        }
        applied
    }

    /// Reads the current state.
    pub fn with_live<T>(&self, f: impl FnOnce(&Live) -> T) -> T {
        f(&self.live.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl crate::infra::pages::Pages for Preview {
    fn render(
        &self,
        template: &str,
        path: &str,
        vars: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, String> {
        self.with_live(|live| {
            live.site()
                .render_template(template, path, vars)
                .map_err(|d| d.to_string())
        })
    }
}

/// The diagnostics as an HTML box (empty when there is no error).
fn errors_html(live: &Live) -> String {
    let d = live.diagnostics();
    if !d.has_errors() {
        return String::new();
    }
    let mut s = String::from("<p><strong>Le site a des erreurs.</strong> La dernière version correcte reste affichée jusqu'à leur correction :</p><ul>");
    for diag in d.iter().filter(|d| d.is_error()) {
        s.push_str("<li><code>");
        s.push_str(&escape(&diag.to_string()));
        s.push_str("</code></li>");
    }
    s.push_str("</ul>");
    s
}

/// While previewing, the editorial checks of the page shown (`output`), folded: what to
/// reread before publishing (empty when there is nothing to say).
fn advice_html(live: &Live, output: &str) -> String {
    let Some(report) = live.site().editorial_of(output) else {
        return String::new();
    };
    let n = report.diagnostics.len();
    if n == 0 {
        return String::new();
    }
    let mut s = format!(
        "<details class=\"tremplin-relecture\"><summary>Relecture de cette page : {n} conseil{}</summary><ul>",
        if n > 1 { "s" } else { "" }
    );
    for diag in &report.diagnostics {
        s.push_str("<li><code>");
        s.push_str(&escape(&diag.to_string()));
        s.push_str("</code></li>");
    }
    s.push_str("</ul></details>");
    s
}

/// The preview's routes: the site, the live-reload script and its event stream.
pub fn router(preview: Arc<Preview>) -> Router {
    Router::new()
        .route(SCRIPT_PATH, get(script))
        .route(STYLE_PATH, get(style))
        .route(EVENTS_PATH, get(events))
        .fallback(get(page))
        .with_state(preview)
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        LIVE_RELOAD_JS,
    )
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        PREVIEW_CSS,
    )
}

async fn events(State(preview): State<Arc<Preview>>) -> impl IntoResponse {
    let stream = tokio_stream::wrappers::WatchStream::from_changes(preview.notices.subscribe())
        .filter_map(|n| match n {
            Notice::Nothing => None,
            Notice::Reload(n) => Some(Ok::<_, std::convert::Infallible>(
                Event::default().event("reload").data(n.to_string()),
            )),
            Notice::Errors(html) => Some(Ok(Event::default().event("erreurs").data(html))),
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// `/guides/cv/` → `guides/cv/index.html`; `/css/site.css` → `css/site.css`.
fn output_path(path: &str) -> String {
    let p = path.trim_start_matches('/');
    if p.is_empty() || p.ends_with('/') {
        format!("{p}index.html")
    } else {
        p.to_string()
    }
}

async fn page(State(preview): State<Arc<Preview>>, uri: Uri) -> Response {
    let path = percent_decode(uri.path());
    if path.split('/').any(|c| c == "..") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let (file, errors, redirect) = preview.with_live(|live| {
        let wanted = output_path(&path);
        let file = live.get(&wanted);
        // `/guides/cv` → `/guides/cv/` when that page exists.
        let redirect = file.is_none()
            && !path.ends_with('/')
            && live
                .get(&format!("{}/index.html", path.trim_start_matches('/')))
                .is_some();
        let mut errors = errors_html(live);
        if preview.live_reload {
            errors.push_str(&advice_html(live, &wanted));
        }
        (file, errors, redirect)
    });
    if redirect {
        // `//guides` asks for `/guides/`: a `Location` of `//guides/` would name the host
        // `guides`.
        let raw = uri.path().trim_start_matches('/');
        let Some(to) = crate::infra::limits::local_path(&format!("/{raw}/"), 2000) else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        return Response::builder()
            .status(StatusCode::MOVED_PERMANENTLY)
            .header(header::LOCATION, to)
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    let (status, file) = match file {
        Some(f) => (StatusCode::OK, Some(f)),
        None => (
            StatusCode::NOT_FOUND,
            preview.with_live(|live| live.get("404.html")),
        ),
    };
    let Some(file) = file else {
        return (StatusCode::NOT_FOUND, "Page introuvable").into_response();
    };
    serve_file(&file, status, &errors, preview.live_reload).await
}

async fn serve_file(
    file: &OutputFile,
    status: StatusCode,
    errors: &str,
    live_reload: bool,
) -> Response {
    let bytes = match &file.content {
        Content::Bytes(b) => b.clone(),
        Content::Copy(p) => match tokio::fs::read(p).await {
            Ok(b) => b,
            Err(_) => return (StatusCode::NOT_FOUND, "Page introuvable").into_response(),
        },
    };
    let mime = content_type(&file.path);
    let body = if mime.starts_with("text/html") {
        inject(bytes, errors, live_reload)
    } else {
        bytes
    };
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Adds the live-reload script and, while the site has errors, the list of errors.
fn inject(html: Vec<u8>, errors: &str, live_reload: bool) -> Vec<u8> {
    let text = String::from_utf8_lossy(&html);
    let mut addition = String::new();
    if !errors.is_empty() || live_reload {
        addition.push_str(&format!("<link rel=\"stylesheet\" href=\"{STYLE_PATH}\">"));
        addition.push_str(&format!(
            "<div id=\"tremplin-erreurs\" role=\"alert\">{errors}</div>"
        ));
    }
    if live_reload && !text.contains(SCRIPT_PATH) {
        addition.push_str(&format!("<script src=\"{SCRIPT_PATH}\" defer></script>"));
    }
    if addition.is_empty() {
        return html;
    }
    match text.rfind("</body>") {
        Some(at) => format!("{}{addition}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{addition}").into_bytes(),
    }
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const LIVE_RELOAD_JS: &str = r#"// Tremplin preview: reloads the page after each change, shows errors while there are some.
(function () {
  if (!window.EventSource) return;
  var events = new EventSource("/__tremplin/events");
  events.addEventListener("reload", function () { window.location.reload(); });
  events.addEventListener("erreurs", function (e) {
    var box = document.getElementById("tremplin-erreurs");
    if (!box) {
      box = document.createElement("div");
      box.id = "tremplin-erreurs";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.innerHTML = e.data;
  });
})();
"#;

const PREVIEW_CSS: &str = "#tremplin-erreurs:empty{display:none}#tremplin-erreurs{position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;z-index:1000;background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;padding:1rem;font:16px/1.4 system-ui,sans-serif}#tremplin-erreurs code{white-space:pre-wrap;overflow-wrap:anywhere}#tremplin-erreurs .tremplin-relecture{color:#1d1d1d}#tremplin-erreurs .tremplin-relecture:only-child{margin:-1rem;padding:.5rem 1rem;background:#fffbe6;border-top:4px solid #8a6d00}\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_types() {
        assert_eq!(output_path("/"), "index.html");
        assert_eq!(output_path("/guides/cv/"), "guides/cv/index.html");
        assert_eq!(output_path("/css/site.css"), "css/site.css");
        assert_eq!(content_type("a/b.CSS"), "text/css; charset=utf-8");
        assert_eq!(percent_decode("/th%C3%A8mes/"), "/thèmes/");
    }

    #[test]
    fn injection_before_body_end() {
        let out = String::from_utf8(inject(
            b"<html><body><p>x</p></body></html>".to_vec(),
            "",
            true,
        ))
        .unwrap();
        assert_eq!(
            out,
            "<html><body><p>x</p><link rel=\"stylesheet\" href=\"/__tremplin/apercu.css\"><div id=\"tremplin-erreurs\" role=\"alert\"></div><script src=\"/__tremplin/live-reload.js\" defer></script></body></html>"
        );
        let plain = inject(b"<p>x</p>".to_vec(), "", false);
        assert_eq!(plain, b"<p>x</p>");
    }
}
