//! Test harness for the API: a fresh database per test (SQLite with the embedded engine
//! always; PostgreSQL when `TREMPLIN_TEST_POSTGRES_URL` or a `postgres://` `DATABASE_URL` is
//! set, with Meilisearch when `MEILI_URL` is), the real theme for pages, and a client that
//! keeps cookies and calls the router directly or over loopback.

#![allow(dead_code, unreachable_pub)]

pub mod html;
#[allow(unused_imports)]
pub use html::*;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use tower::ServiceExt;
use tremplin_api::http::preview::Preview;
use tremplin_api::infra::config::{ApiConfig, SearchBackend, Transport};
use tremplin_api::AppState;
use tremplin_generator::live::Live;
use tremplin_generator::BuildOptions;

/// The PostgreSQL server to test against, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("TREMPLIN_TEST_POSTGRES_URL")
        .ok()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

/// The Meilisearch server the PostgreSQL platforms use, if any (`MEILI_URL`, as the search
/// crate's conformance suite; `.ci/run` starts one). SQLite platforms keep the embedded
/// engine, so both pairs a deployment uses are tested.
pub fn meili_server() -> Option<String> {
    std::env::var("MEILI_URL").ok().filter(|u| !u.is_empty())
}

/// The databases every test runs on, as names for messages.
pub fn backends() -> Vec<&'static str> {
    let mut b = vec!["sqlite"];
    if postgres_server().is_some() {
        b.push("postgres");
    } else {
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            eprintln!("PostgreSQL ignoré : définissez TREMPLIN_TEST_POSTGRES_URL (ou DATABASE_URL=postgres://…) pour lancer aussi ces tests sur PostgreSQL.")
        });
    }
    b
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A platform under test: its folder, database and router.
pub struct Platform {
    pub dir: tempfile::TempDir,
    pub state: AppState,
    pub app: Router,
    pub outbox: PathBuf,
    pub backend: &'static str,
    pg_drop: Option<(String, String)>,
}

impl Drop for Platform {
    fn drop(&mut self) {
        if let Some((server, name)) = self.pg_drop.take() {
            // On a thread of its own with its own runtime: the test's runtime may be the one
            // dropping us. FORCE ends the pool's connections.
            let handle = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(admin) = sqlx::AnyPool::connect(&server).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&admin)
                                .await;
                        admin.close().await;
                    }
                });
            });
            let _ = handle.join();
        }
    }
}

/// A site with the real theme and an empty home page.
fn site_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::write(
        dir.path().join("tremplin.toml"),
        "title = \"Tremplin\"\nbase_url = \"http://127.0.0.1:8080\"\ntheme = \"tremplin\"\n[extra]\nstructure = \"Mission Locale\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(
        dir.path().join("content/_index.md"),
        "+++\ntitle = \"Accueil\"\n+++\n",
    )
    .unwrap();
    copy_dir(
        &repo.join("themes/tremplin"),
        &dir.path().join("themes/tremplin"),
    );
    dir
}

/// Starts a platform on the given backend, with `tweak` applied to its settings.
pub async fn platform_with(backend: &'static str, tweak: impl FnOnce(&mut ApiConfig)) -> Platform {
    sqlx::any::install_default_drivers();
    let dir = site_dir();
    let options = BuildOptions::new(dir.path());
    let live = Live::new(options).unwrap();
    assert!(!live.diagnostics().has_errors(), "{}", live.diagnostics());
    let site_config = live.site().config.clone();
    let preview = Preview::new(live, false);
    let mut config = ApiConfig::new(dir.path(), &site_config, |_| None).unwrap();
    let outbox = dir.path().join("data/outbox");
    config.transport = Transport::Files(outbox.clone());
    let mut pg_drop = None;
    if backend == "postgres" {
        let server = postgres_server().expect("a PostgreSQL server");
        let name = format!(
            "tremplin_test_{}",
            tremplin_api::infra::auth::random_token()[..12]
                .to_lowercase()
                .replace(['-', '_'], "x")
        );
        let admin = sqlx::AnyPool::connect(&server)
            .await
            .expect("PostgreSQL reachable");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let base = match server.rfind('/') {
            Some(i) if i > server.find("://").map(|s| s + 2).unwrap_or(0) => {
                server[..i].to_string()
            }
            _ => server.clone(),
        };
        config.database_url = format!("{base}/{name}");
        // The pair several replicas run on: PostgreSQL and, when one is given, Meilisearch,
        // with index names of this platform's own (its database's name) on the shared server.
        if let Some(url) = meili_server() {
            config.search.backend = SearchBackend::Meilisearch {
                url,
                key: std::env::var("MEILI_KEY").ok(),
            };
            config.search.index_prefix = format!("{name}_");
        }
        pg_drop = Some((server, name));
    }
    tweak(&mut config);
    let state = tremplin_api::state(config, preview.clone()).await.unwrap();
    let app = tremplin_api::app(state.clone(), tremplin_api::http::preview::router(preview));
    Platform {
        dir,
        state,
        app,
        outbox,
        backend,
        pg_drop,
    }
}

pub async fn platform(backend: &'static str) -> Platform {
    platform_with(backend, |_| {}).await
}

/// An answer: status, headers, body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Calls made to `/api/v1`, as (method, path, status), to check the OpenAPI document.
pub type Seen = Arc<Mutex<BTreeSet<(String, String, u16)>>>;

/// A browser: cookies kept between calls.
pub struct Client {
    app: Router,
    cookies: Vec<(String, String)>,
    pub origin: Option<String>,
    pub seen: Seen,
}

impl Client {
    pub fn new(p: &Platform) -> Client {
        Client {
            app: p.app.clone(),
            cookies: Vec::new(),
            origin: None,
            seen: Seen::default(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.retain(|(k, _)| k != name);
        self.cookies.push((name.to_string(), value.to_string()));
    }

    pub fn forget_cookies(&mut self) {
        self.cookies.clear();
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: String,
    ) -> Answer {
        let mut req = Request::builder().method(method.clone()).uri(path);
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        if let Some(o) = &self.origin {
            req = req.header(header::ORIGIN, o);
        }
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let s = set.to_str().unwrap();
            let (pair, attrs) = s.split_once(';').unwrap_or((s, ""));
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !attrs.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
            .await
            .unwrap();
        if let Some(api) = path.strip_prefix("/api/v1") {
            let p = api.split('?').next().unwrap_or(api).to_string();
            self.seen.lock().unwrap().insert((
                method.to_string().to_lowercase(),
                p,
                status.as_u16(),
            ));
        }
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.send(Method::GET, path, None, String::new()).await
    }

    /// Posts a form with this browser's CSRF token (fetched from `page` first when missing).
    pub async fn post_form(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        if self.cookie("tremplin_csrf").is_none() {
            let a = self.get(page).await;
            assert!(
                a.status.is_success() || a.status.is_redirection(),
                "{page}: {}",
                a.status
            );
        }
        let csrf = self.cookie("tremplin_csrf").unwrap_or_default();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post_raw(action, &all).await
    }

    /// Posts a form as given (no CSRF token added).
    pub async fn post_raw(&mut self, action: &str, fields: &[(&str, &str)]) -> Answer {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        self.send(
            Method::POST,
            action,
            Some("application/x-www-form-urlencoded"),
            body.join("&"),
        )
        .await
    }

    pub async fn json(&mut self, method: Method, path: &str, body: serde_json::Value) -> Answer {
        self.send(method, path, Some("application/json"), body.to_string())
            .await
    }
}

pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The emails written to the outbox, decoded (quoted-printable), oldest first.
pub fn emails(outbox: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(outbox) {
        Ok(d) => d
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
        .iter()
        .map(|f| decode_qp(&std::fs::read_to_string(f).unwrap()))
        .collect()
}

/// The emails of the outbox once there are at least `n` (they are sent after the answer,
/// by a task of their own): waits up to 10 s, then gives what is there.
pub async fn emails_when(outbox: &Path, n: usize) -> Vec<String> {
    for _ in 0..200 {
        let found = emails(outbox);
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    emails(outbox)
}

fn decode_qp(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
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

/// The first link to this site in a text.
pub fn link_in(text: &str) -> String {
    let at = text.find("http://127.0.0.1:8080/").expect("a link");
    let link: String = text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link.trim_start_matches("http://127.0.0.1:8080").to_string()
}

pub const PASSWORD: &str = "un velo rouge sous la pluie";

/// Registers a youth through the form and keeps the session in `c`.
pub async fn register(c: &mut Client, email: &str) -> Answer {
    register_with(c, email, &[]).await
}

/// Registers a youth through the form with `fields` over the defaults (first name Camille,
/// no Mission Locale, no news), and keeps the session in `c`.
pub async fn register_with(c: &mut Client, email: &str, fields: &[(&str, &str)]) -> Answer {
    let mut all = vec![
        ("first_name", "Camille"),
        ("email", email),
        ("password", PASSWORD),
        ("structure", ""),
    ];
    for (k, v) in fields {
        match all.iter_mut().find(|(name, _)| name == k) {
            Some(field) => field.1 = v,
            None => all.push((k, v)),
        }
    }
    let a = c
        .post_form("/compte/inscription", "/compte/inscription", &all)
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    a
}

/// Signs in through the JSON API.
pub async fn sign_in(c: &mut Client, email: &str, password: &str) -> Answer {
    c.json(
        Method::POST,
        "/api/v1/session",
        serde_json::json!({"email": email, "password": password}),
    )
    .await
}

/// Runs git in `dir`: (success, stdout and stderr).
pub fn git(dir: &Path, args: &[&str]) -> (bool, String) {
    let o = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git installed");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// Makes the platform's site a git repository with one commit, the FAQ section and the
/// taxonomies of the real site.
pub fn make_repository(site: &Path) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::create_dir_all(site.join("content/faq")).unwrap();
    std::fs::copy(
        repo.join("content/faq/_index.md"),
        site.join("content/faq/_index.md"),
    )
    .unwrap();
    let mut config = std::fs::read_to_string(site.join("tremplin.toml")).unwrap();
    config = config.replace(
        "[extra]",
        "[[taxonomies]]\nname = \"themes\"\n\n[[taxonomies]]\nname = \"publics\"\n\n[extra]",
    );
    std::fs::write(site.join("tremplin.toml"), config).unwrap();
    std::fs::write(site.join(".gitignore"), "data/\npublic/\n").unwrap();
    for args in [
        &["init", "-q"][..],
        &["config", "user.name", "Site"],
        &["config", "user.email", "site@exemple.fr"],
        &["config", "commit.gpgsign", "false"],
        &["add", "-A"],
        &["commit", "-q", "-m", "Le site"],
    ] {
        let (ok, out) = git(site, args);
        assert!(ok, "git {args:?}: {out}");
    }
}

/// Adds the structure `slug` (a Mission Locale of `town`) unless it exists.
pub async fn structure(p: &Platform, slug: &str, town: &str) {
    use tremplin_api::domain::accounts;
    if accounts::structure_by_slug(&p.state.db, slug)
        .await
        .unwrap()
        .is_none()
    {
        accounts::add_structure(
            &p.state.db,
            slug,
            &format!("Mission Locale de {town}"),
            town,
            "",
        )
        .await
        .unwrap();
    }
}

/// A staff account (counsellor of `slug`, or admin) named Sam, signed in on a new client;
/// the structures `lille` and `grenoble` exist.
pub async fn staff(
    p: &Platform,
    role: tremplin_api::domain::accounts::Role,
    slug: &str,
    email: &str,
) -> (Client, tremplin_api::domain::accounts::User) {
    staff_named(p, role, slug, email, "Sam").await
}

/// `staff`, with a first name.
pub async fn staff_named(
    p: &Platform,
    role: tremplin_api::domain::accounts::Role,
    slug: &str,
    email: &str,
    name: &str,
) -> (Client, tremplin_api::domain::accounts::User) {
    use tremplin_api::domain::accounts::{self, Role};
    structure(p, "lille", "Lille").await;
    structure(p, "grenoble", "Grenoble").await;
    let s = (role == Role::Counsellor).then_some(slug);
    let (user, token) = accounts::invite(&p.state.db, &p.state.config, email, role, s, name)
        .await
        .unwrap();
    accounts::set_password_with_token(&p.state.db, &token, PASSWORD)
        .await
        .unwrap();
    let mut c = Client::new(p);
    assert_eq!(
        sign_in(&mut c, email, PASSWORD).await.status,
        StatusCode::OK
    );
    (c, user)
}

/// A youth registered through the form, signed in on a new client.
pub async fn youth(p: &Platform, email: &str) -> (Client, tremplin_api::domain::accounts::User) {
    youth_with(p, email, &[]).await
}

/// A youth registered through the form with `fields` (see `register_with`), signed in on a
/// new client.
pub async fn youth_with(
    p: &Platform,
    email: &str,
    fields: &[(&str, &str)],
) -> (Client, tremplin_api::domain::accounts::User) {
    let mut c = Client::new(p);
    register_with(&mut c, email, fields).await;
    let u = tremplin_api::domain::accounts::user_by_email(&p.state.db, email)
        .await
        .unwrap()
        .unwrap();
    (c, u)
}

/// Applies the search outbox now (the platform's worker does it within a second).
pub async fn index_now(p: &Platform) {
    tremplin_api::index::sync::configure(p.state.search.as_ref(), &[])
        .await
        .unwrap();
    tremplin_api::index::sync::drain(
        &p.state.db,
        p.state.search.as_ref(),
        &tremplin_api::domain::opportunities::IndexSource,
    )
    .await
    .unwrap();
    p.state.listings.changed();
}

/// Gives the "contenus" index these pages, as the site's sync would.
pub async fn index_site(p: &Platform, docs: Vec<tremplin_generator::documents::ContentDoc>) {
    let docs = docs
        .iter()
        .map(tremplin_api::index::documents::content_document)
        .collect();
    tremplin_api::index::contents::sync_contents(
        p.state.search.as_ref(),
        &p.state.contents,
        &[],
        docs,
    )
    .await
    .unwrap();
}

/// Sends `req` to the platform as is (headers of the test's choosing).
pub async fn raw(p: &Platform, req: Request<Body>) -> Answer {
    let res = p.app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}
