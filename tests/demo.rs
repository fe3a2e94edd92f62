//! The demo at first start, as a new user tries it: `tremplin serve` on a copy of the
//! repository's site loads `demo/` into its new database and says so on the console (what was
//! loaded, the demo counsellor's link, how to start empty); the listing then shows the
//! opportunities, dated after today. A second start loads nothing more; a site without `demo/`
//! and `--sans-demo` start empty. On SQLite, and on PostgreSQL when
//! `TREMPLIN_TEST_POSTGRES_URL` is set.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A running `tremplin serve` with its console, stopped when dropped.
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
    /// What the command printed on its console.
    fn console(&self) -> String {
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

/// `tremplin serve` as the README says, with `database` (else the site's SQLite) and `extra`
/// arguments; returns once it listens.
fn serve(root: &Path, database: Option<&str>, extra: &[&str]) -> Server {
    let port = free_port();
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_tremplin"));
    command
        .arg("--root")
        .arg(root)
        .args(["serve", "--port", &port.to_string()])
        .args(extra)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn")
        .env_remove("TREMPLIN_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap());
    if let Some(url) = database {
        command.env("TREMPLIN_DATABASE_URL", url);
    }
    let mut server = Server {
        child: command.spawn().expect("tremplin serve starts"),
        port,
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!("tremplin serve exited ({status}):\n{}", server.console());
        }
        assert!(
            Instant::now() < deadline,
            "tremplin serve did not listen within 60 s:\n{}",
            server.console()
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    server
}

/// A plain HTTP/1.1 GET: (status, body).
fn get(port: u16, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The public listing's JSON.
fn listing(port: u16) -> serde_json::Value {
    let (status, body) = get(port, "/api/v1/opportunities");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The repository's own site (the demo) in a fresh folder, as a new user has it.
fn demo_site() -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo.join("tremplin.toml"), dir.path().join("tremplin.toml")).unwrap();
    for sub in ["content", "themes", "static", "demo"] {
        if repo.join(sub).exists() {
            copy_dir(&repo.join(sub), &dir.path().join(sub));
        }
    }
    dir
}

/// A new PostgreSQL database for one test, dropped at the end; none without a server.
struct PgDatabase {
    server: String,
    name: String,
    url: String,
}

impl PgDatabase {
    fn new() -> Option<PgDatabase> {
        let server = std::env::var("TREMPLIN_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))?;
        let name = format!(
            "tremplin_demo_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        run_pg(&server, &format!("CREATE DATABASE {name}"));
        let scheme_end = server.find("://").unwrap() + 3;
        let base = match server.rfind('/') {
            Some(i) if i >= scheme_end => &server[..i],
            _ => server.as_str(),
        };
        let url = format!("{base}/{name}");
        Some(PgDatabase { server, name, url })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        run_pg(
            &self.server,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

fn run_pg(server: &str, statement: &str) {
    sqlx::any::install_default_drivers();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let pool = sqlx::AnyPool::connect(server)
                .await
                .expect("PostgreSQL reachable");
            sqlx::query(statement).execute(&pool).await.unwrap();
            pool.close().await;
        });
}

/// Each database to try: (name, URL for `TREMPLIN_DATABASE_URL`, the database kept alive).
fn databases() -> Vec<(&'static str, Option<PgDatabase>)> {
    let mut out = vec![("sqlite", None)];
    match PgDatabase::new() {
        Some(pg) => out.push(("postgres", Some(pg))),
        None => eprintln!(
            "PostgreSQL ignoré : définissez TREMPLIN_TEST_POSTGRES_URL pour lancer aussi ce test sur PostgreSQL."
        ),
    }
    out
}

/// The console's lines from the database's line on, up to the search engine's.
fn demo_lines(console: &str) -> Vec<String> {
    console
        .lines()
        .skip_while(|l| !l.starts_with("Base de données : "))
        .skip(1)
        .take_while(|l| !l.starts_with("Recherche : "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_demo_loads_itself_at_first_start_and_only_then() {
    for (backend, pg) in databases() {
        let site = demo_site();
        let root = site.path();
        let database = pg.as_ref().map(|d| d.url.as_str());
        let server = serve(root, database, &[]);
        let port = server.port;
        let console = server.console();
        let lines = demo_lines(&console);
        assert_eq!(lines.len(), 4, "{backend}:\n{console}");
        assert_eq!(
            lines[0],
            "Démonstration : base neuve, exemples de demo/ chargés : 2 structures d'exemple (lille, grenoble), 19 opportunités publiées et 1 brouillon.",
            "{backend}"
        );
        assert_eq!(
            lines[1],
            "Côté conseiller : choisissez le mot de passe du compte de démonstration conseil.lille@demo.example (Camille, structure lille) avec ce lien, valable 7 jours, puis connectez-vous avec cette adresse :"
        );
        let link_prefix = format!("  http://127.0.0.1:{port}/compte/invitation?jeton=");
        assert!(lines[2].starts_with(&link_prefix), "{}", lines[2]);
        let start_empty = if pg.is_some() {
            "Pour démarrer sans ces exemples : arrêtez Tremplin, videz la base de données et relancez avec `tremplin serve --sans-demo` (ou retirez le dossier demo/)."
        } else {
            "Pour démarrer sans ces exemples : arrêtez Tremplin, supprimez le dossier data/ et relancez avec `tremplin serve --sans-demo` (ou retirez le dossier demo/)."
        };
        assert_eq!(lines[3], start_empty);

        // What a youth sees: the opportunities of both structures, none past its date.
        let list = listing(port);
        assert_eq!(list["total"], 19, "{backend}: {list}");
        let today = chrono::Utc::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
        for o in list["items"].as_array().unwrap() {
            let deadline = o["deadline"].as_str().unwrap_or("9999-12-31");
            assert!(deadline > today.as_str(), "{}: {deadline}", o["title"]);
        }
        let (status, page) = get(port, "/opportunites");
        assert_eq!(status, 200);
        assert!(!page.contains("Aucune opportunité"), "{page}");
        assert!(page.contains("Vendeur ou vendeuse en boulangerie"));
        // The counsellor's link opens the page that sets the password.
        let path = lines[2]
            .trim()
            .trim_start_matches(&format!("http://127.0.0.1:{port}"));
        assert_eq!(get(port, path).0, 200, "{path}");
        drop(server);

        // A second start loads nothing more and says nothing about the demo.
        let server = serve(root, database, &[]);
        let console = server.console();
        assert_eq!(demo_lines(&console), Vec::<String>::new(), "{console}");
        assert_eq!(listing(server.port)["total"], 19, "{backend}");
    }
}

#[test]
fn a_site_without_demo_and_sans_demo_start_empty() {
    for (backend, pg) in databases() {
        let database = pg.as_ref().map(|d| d.url.as_str());
        // A Mission Locale's own site: no demo/ folder, nothing loaded, nothing said.
        let site = site("valid/basic");
        let server = serve(site.path(), database, &[]);
        let console = server.console();
        assert_eq!(demo_lines(&console), Vec::<String>::new(), "{console}");
        assert_eq!(listing(server.port)["total"], 0, "{backend}");
        drop(server);
    }
    for (backend, pg) in databases() {
        let database = pg.as_ref().map(|d| d.url.as_str());
        // The demo, declined: an empty database, and the console says why.
        let site = demo_site();
        let server = serve(site.path(), database, &["--sans-demo"]);
        let console = server.console();
        assert_eq!(
            demo_lines(&console),
            ["Démonstration : base neuve laissée vide (--sans-demo). Sans cette option, les exemples de demo/ y seront chargés tant qu'elle est vide."],
            "{backend}"
        );
        assert_eq!(listing(server.port)["total"], 0, "{backend}");
    }
}
