//! The demo site in a real headless Chromium: `tremplin serve` on the repository's own site (built
//! in memory, nothing written), then `tests/browser/a11y.mjs` (Playwright + axe-core) on a few
//! representative pages — public ones, then a youth's and a counsellor's signed-in pages and
//! forms — at 320 and 1280 px wide, in the light and dark colour schemes. Every page
//! must have no WCAG 2.1 A/AA violation found by axe-core, no sideways scroll, a working skip link,
//! no request to another host, no broken sub-resource and no Content-Security-Policy violation.
//! Then `tests/browser/layout.mjs` measures the opportunity listing on a small phone (360 × 640):
//! its first result above the fold, before the filters, which a tap on their summary shows.
//!
//! Needs `/usr/bin/chromium` (Debian package `chromium`), Node.js and `tests/browser/node_modules`
//! (`npm ci --prefix tests/browser`); `.ci/run` installs all three. Without them the test fails.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Home, a guide, the FAQ's list and one theme's answers, a Mission Locale's page, a taxonomy
/// term, a paginated section, a section index, the 404 page; the opportunities (listing with filters, one with an unknown town, one whose
/// keywords are corrected, one that finds nothing and offers filters to drop, a detail) and the search results.
const PAGES: &[&str] = &[
    "/",
    "/guides/cv/",
    "/faq/",
    "/faq/emploi/",
    "/missions-locales/lille/",
    "/themes/emploi/",
    "/actualites/",
    "/guides/",
    "/404-inexistante/",
    "/opportunites?lieu=Lille&rayon=30",
    "/opportunites?lieu=Lile",
    "/opportunites?q=vendaurr",
    "/opportunites?q=boulanger&type=stage&lieu=Lille&rayon=5",
    "/opportunites/1",
    "/recherche?q=cv",
];
/// Forms anyone may open, and (`#envoyer`) the page each answers when sent empty.
const FORMS: &[&str] = &[
    "/compte/connexion",
    "/compte/connexion#envoyer",
    "/compte/inscription",
    "/compte/inscription#envoyer",
    "/compte/mot-de-passe-oublie",
];
/// A youth's pages, signed in.
const YOUTH_PAGES: &[&str] = &[
    "/compte",
    "/compte/alertes",
    "/compte/opportunites",
    "/compte/questions",
    "/questions/nouvelle",
    "/questions/nouvelle#envoyer",
    "/opportunites/1",
];
/// A counsellor's pages, signed in (and the pages of the youth's question and interest).
const COUNSELLOR_PAGES: &[&str] = &[
    "/conseil/opportunites",
    "/conseil/opportunites/nouvelle",
    "/conseil/opportunites/nouvelle#envoyer",
    "/conseil/opportunites/import",
    "/conseil/questions",
    "/conseil/lettre",
];
const PASSWORD: &str = "un velo rouge sous la pluie";
const WIDTHS: &[u64] = &[320, 1280];
const SCHEMES: &[&str] = &["light", "dark"];

/// The listing measured on a small phone (360 × 640, set in `tests/browser/layout.mjs`).
const PHONE_LISTING: &str = "/opportunites?lieu=Lille&rayon=30";

const HOW_TO_INSTALL: &str = "run `.ci/run`, or install them by hand: \
    `apt-get install chromium nodejs npm` and `npm ci --prefix tests/browser`";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fails (never skips) when the browser, Node.js or the npm packages are missing.
fn check_prerequisites(root: &Path) {
    let mut missing = Vec::new();
    if !Path::new(CHROMIUM).exists() {
        missing.push(format!("{CHROMIUM} (Debian package `chromium`)"));
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => missing.push("`node` (Debian package `nodejs`)".to_string()),
    }
    for package in ["playwright-core", "axe-core"] {
        let dir = root.join("tests/browser/node_modules").join(package);
        if !dir.join("package.json").exists() {
            missing.push(format!("{} (npm package `{package}`)", dir.display()));
        }
    }
    assert!(
        missing.is_empty(),
        "the browser tests cannot run; missing:\n  - {}\nTo fix: {HOW_TO_INSTALL}.",
        missing.join("\n  - ")
    );
}

/// A running `tremplin serve`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    log: tempfile::NamedTempFile,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(root: &Path) -> Server {
    let port = free_port();
    let log = tempfile::NamedTempFile::new().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_tremplin"))
        .arg("--root")
        .arg(root)
        .args(["serve", "--no-watch", "--port", &port.to_string()])
        .args(["--base-url", &format!("http://127.0.0.1:{port}")])
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .expect("tremplin serve starts");
    let mut server = Server { child, port, log };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!("tremplin serve exited ({status}):\n{}", server.log());
        }
        assert!(
            Instant::now() < deadline,
            "tremplin serve did not listen on port {port} within 60 s:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    server
}

/// Runs the audit script, with these cookies; its JSON report. Fails on a crash or after 10
/// minutes.
fn audit(root: &Path, base: &str, paths: &[&str], cookies: &[(String, String)]) -> Value {
    run_script(root, "a11y.mjs", base, paths, cookies)
}

/// Runs one of `tests/browser/*.mjs` on these paths, with these cookies; its JSON report.
fn run_script(
    root: &Path,
    script: &str,
    base: &str,
    paths: &[&str],
    cookies: &[(String, String)],
) -> Value {
    let cookies: Vec<Value> = cookies
        .iter()
        .map(|(name, value)| serde_json::json!({"name": name, "value": value}))
        .collect();
    let mut child = Command::new("node")
        .arg(root.join("tests/browser").join(script))
        .arg(base)
        .args(paths)
        .env("A11Y_COOKIES", Value::Array(cookies).to_string())
        .current_dir(root.join("tests/browser"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let read_all = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().unwrap()));
    let stderr = read_all(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{script} still running after 10 minutes; stderr:\n{}",
                stderr.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    assert!(
        status.success(),
        "{script} crashed ({status}); if the browser or the npm packages are missing, \
         {HOW_TO_INSTALL}.\nstderr:\n{stderr}\nstdout:\n{stdout}"
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{script} printed no JSON ({e}):\n{stdout}\nstderr:\n{stderr}"))
}

/// One HTTP/1.1 request over loopback: status, `Set-Cookie` name=value pairs, body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let cookies = head
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie").then(|| v.trim())
        })
        .filter_map(|v| {
            let (name, value) = v.split(';').next()?.split_once('=')?;
            Some((name.to_string(), value.to_string()))
        })
        .collect();
    (status, cookies, body.to_string())
}

/// Signs in through the JSON API; the session cookie.
fn session(port: u16, email: &str) -> Vec<(String, String)> {
    let (status, cookies, body) = http(
        port,
        "POST",
        "/api/v1/session",
        &[("Content-Type", "application/json")],
        &serde_json::json!({"email": email, "password": PASSWORD}).to_string(),
    );
    assert_eq!(status, 200, "sign-in of {email}: {body}");
    let session: Vec<_> = cookies
        .into_iter()
        .filter(|(name, value)| name == "tremplin_session" && !value.is_empty())
        .collect();
    assert_eq!(session.len(), 1, "a session cookie for {email}");
    session
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Everything wrong with the listing on a small phone (`layout.mjs`'s report of one page),
/// one line each: its first result must show on the first screen, before the filters, which
/// stay folded until their summary is tapped.
fn phone_problems(page: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let (width, height) = (
        page["width"].clone(),
        page["height"].as_f64().unwrap_or(0.0),
    );
    if page["status"].as_u64() != Some(200) {
        out.push(format!("answered HTTP {}", page["status"]));
    }
    let first = &page["first_result"];
    let num = |v: &Value| v.as_f64().unwrap_or(f64::INFINITY);
    match first["bottom"].as_f64() {
        None => out.push("no link to an opportunity".into()),
        Some(bottom) if bottom > height || first["shown"] != Value::Bool(true) => out.push(format!(
            "the first result ({}) ends at {bottom} px, below the first screen ({height} px at {width} px wide)",
            page["first_result_text"]
        )),
        Some(_) => {}
    }
    let field = &page["filter_field"];
    if field.is_null() {
        out.push("no field labelled « Mots-clés »".into());
    } else if field["shown"] == Value::Bool(true) && num(&field["top"]) < num(&first["bottom"]) {
        out.push(format!(
            "the filters come first: the keywords field at {} px, the first result ends at {} px",
            field["top"], first["bottom"]
        ));
    }
    if page["filter_field_after_tap"]["shown"] != Value::Bool(true) {
        out.push("a tap on the filters' summary does not show the keywords field".into());
    }
    if page["sideways"] != Value::Bool(false) {
        out.push("the page scrolls sideways".into());
    }
    out
}

/// Everything wrong with one page in one configuration, one line each.
fn problems(page: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let path = page["path"].as_str().unwrap_or("?");
    let want_status = if path.starts_with("/404") {
        404
    } else if path.ends_with("#envoyer") {
        422
    } else {
        200
    };
    if page["status"].as_u64() != Some(want_status) {
        out.push(format!(
            "answered HTTP {} instead of {want_status}",
            page["status"]
        ));
    }
    let wanted_path = path.split(['?', '#']).next().unwrap_or(path);
    if page["final_path"].as_str() != Some(wanted_path) {
        out.push(format!(
            "ended at {} instead (a redirect: signed out?)",
            page["final_path"]
        ));
    }
    for v in page["violations"].as_array().into_iter().flatten() {
        out.push(format!(
            "axe `{}` ({}): {} — {}",
            v["id"].as_str().unwrap_or("?"),
            v["impact"].as_str().unwrap_or("no impact"),
            v["help"].as_str().unwrap_or(""),
            strings(&v["nodes"]).join(", ")
        ));
    }
    if page["sideways"] != Value::Bool(false) {
        out.push("the page scrolls sideways (scrollWidth > clientWidth)".into());
    }
    if page["skip_link_focus"] != Value::Bool(true) {
        out.push("the first Tab does not focus the skip link a[href=\"#contenu\"]".into());
    } else if page["main_focused"] != Value::Bool(true) {
        out.push("Enter on the skip link does not move the focus to main#contenu".into());
    }
    for url in strings(&page["third_party"]) {
        out.push(format!("request to another host: {url}"));
    }
    for url in strings(&page["broken_requests"]) {
        out.push(format!("broken sub-resource: {url}"));
    }
    for csp in strings(&page["csp_violations"]) {
        out.push(format!("Content-Security-Policy violation: {csp}"));
    }
    out
}

#[test]
fn demo_pages_are_accessible_in_chromium() {
    let root = root();
    check_prerequisites(&root);
    // The demo site, in a folder of its own (its database and index are written there); its
    // first start loads the demo's structures, opportunities and counsellor (`demo/`).
    let site = tempfile::tempdir().unwrap();
    std::fs::copy(
        root.join("tremplin.toml"),
        site.path().join("tremplin.toml"),
    )
    .unwrap();
    for dir in ["content", "themes", "static", "demo"] {
        if root.join(dir).exists() {
            common::copy_dir(&root.join(dir), &site.path().join(dir));
        }
    }

    let server = serve(site.path());
    let port = server.port;
    let base = format!("http://127.0.0.1:{port}");
    // The demo counsellor's invitation link, printed on the console at first start.
    let log = server.log();
    let token = log
        .split("jeton=")
        .nth(1)
        .map(|t| t.split_whitespace().next().unwrap_or(""))
        .unwrap_or_else(|| panic!("the demo counsellor's link on the console: {log}"))
        .to_string();
    // A youth of Lille, and the invited counsellor, each with a session.
    let (status, _, body) = http(
        port,
        "POST",
        "/api/v1/accounts",
        &[("Content-Type", "application/json")],
        &serde_json::json!({"email": "ines@exemple.fr", "password": PASSWORD,
            "first_name": "Inès", "structure": "lille"})
        .to_string(),
    );
    assert_eq!(status, 201, "registration: {body}");
    let youth = session(port, "ines@exemple.fr");
    let form = format!(
        "token={token}&password={p}&password_confirm={p}&csrf=essai",
        p = PASSWORD.replace(' ', "+")
    );
    let (status, _, body) = http(
        port,
        "POST",
        "/compte/invitation",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", "tremplin_csrf=essai"),
        ],
        &form,
    );
    assert!(
        status == 303 || status == 200,
        "invitation accepted: {status} {body}"
    );
    let counsellor = session(port, "conseil.lille@demo.example");

    // The youth asks a question and is interested in an opportunity: the counsellor's inbox,
    // the question's page and the opportunity's follow-up have something to show.
    let youth_cookie = format!("{}={}", youth[0].0, youth[0].1);
    let json = [
        ("Content-Type", "application/json"),
        ("Cookie", youth_cookie.as_str()),
    ];
    let (status, _, body) = http(
        port,
        "POST",
        "/api/v1/questions",
        &json,
        r#"{"question": "Comment préparer mon entretien d'embauche ?", "page": "/guides/entretien-embauche/"}"#,
    );
    assert_eq!(status, 201, "question: {body}");
    let question: Value = serde_json::from_str(&body).unwrap();
    let (status, _, body) = http(
        port,
        "POST",
        "/api/v1/opportunities/1/interest",
        &json,
        r#"{"message": "Je suis disponible dès lundi."}"#,
    );
    assert_eq!(status, 204, "interest: {body}");
    let counsellor_pages: Vec<String> = COUNSELLOR_PAGES
        .iter()
        .map(|p| p.to_string())
        .chain([
            format!("/conseil/questions/{}", question["id"]),
            "/conseil/opportunites/1".to_string(),
        ])
        .collect();
    let counsellor_pages: Vec<&str> = counsellor_pages.iter().map(String::as_str).collect();

    let public: Vec<&str> = PAGES.iter().chain(FORMS).copied().collect();
    let audits = [
        (public.as_slice(), Vec::new()),
        (YOUTH_PAGES, youth),
        (counsellor_pages.as_slice(), counsellor),
    ];
    let mut pages = Vec::new();
    for (paths, cookies) in &audits {
        let report = audit(&root, &base, paths, cookies);
        pages.extend(report["pages"].as_array().expect("a `pages` array").clone());
    }
    let phone = run_script(&root, "layout.mjs", &base, &[PHONE_LISTING], &[]);
    drop(server);

    let mut failures = Vec::new();
    let all: Vec<&str> = audits.iter().flat_map(|(p, _)| p.iter().copied()).collect();
    // Every page in every configuration was audited.
    for path in &all {
        for width in WIDTHS {
            for scheme in SCHEMES {
                let found = pages
                    .iter()
                    .any(|p| p["path"] == *path && p["width"] == *width && p["scheme"] == *scheme);
                if !found {
                    failures.push(format!("{path} at {width} px ({scheme}): not audited"));
                }
            }
        }
    }
    let mut violations = 0;
    for page in &pages {
        let label = format!(
            "{} at {} px ({})",
            page["path"].as_str().unwrap_or("?"),
            page["width"],
            page["scheme"].as_str().unwrap_or("?")
        );
        violations += page["violations"].as_array().map_or(0, Vec::len);
        let found = problems(page);
        println!(
            "{label:<40} {}",
            if found.is_empty() { "ok" } else { "FAILED" }
        );
        failures.extend(found.into_iter().map(|p| format!("{label}: {p}")));
    }
    for page in phone["pages"].as_array().expect("a `pages` array") {
        let label = format!(
            "{PHONE_LISTING} on a {} × {} phone",
            page["width"], page["height"]
        );
        let found = phone_problems(page);
        println!(
            "{label:<40} {} (first result: {} to {} px)",
            if found.is_empty() { "ok" } else { "FAILED" },
            page["first_result"]["top"],
            page["first_result"]["bottom"]
        );
        failures.extend(found.into_iter().map(|p| format!("{label}: {p}")));
    }
    println!(
        "{} pages × {} widths × {} schemes audited, {violations} axe violation(s)",
        all.len(),
        WIDTHS.len(),
        SCHEMES.len()
    );
    assert!(
        failures.is_empty(),
        "{} problem(s) in the browser:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
