//! Running servers for the end-to-end tests: `tremplin serve` as a process with its console,
//! a plain HTTP/1.1 client over loopback, a PostgreSQL database of the test's own, and a
//! Meilisearch server of the test's own.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::copy_dir;

/// A running `tremplin serve` with its console, stopped when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub log: tempfile::NamedTempFile,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// What the command printed on its console.
    pub fn console(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `tremplin serve` as the README says, on `root`, with the environment variables `env`
/// (none of the caller's `TREMPLIN_DATABASE_URL`) and `extra` arguments; returns once it
/// listens.
pub fn serve_with(root: &Path, env: &[(&str, &str)], extra: &[&str]) -> Server {
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
    for (k, v) in env {
        command.env(k, v);
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

/// An HTTP answer: status, headers (names in lower case) and body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {}", self.status, self.body))
    }

    /// The `name=value` of every cookie the answer sets.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next().map(str::to_owned))
            .collect()
    }
}

/// A plain HTTP/1.1 request over loopback, with `headers` added.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

/// A plain HTTP/1.1 GET: (status, body).
pub fn get(port: u16, path: &str) -> (u16, String) {
    let a = request(port, "GET", path, &[], "");
    (a.status, a.body)
}

/// The public listing's JSON.
pub fn listing(port: u16) -> serde_json::Value {
    let (status, body) = get(port, "/api/v1/opportunities");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The repository's own site (the demo) in a fresh folder, as a new user has it.
pub fn demo_site() -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for file in ["tremplin.toml", "glossaire.toml"] {
        std::fs::copy(repo.join(file), dir.path().join(file)).unwrap();
    }
    for sub in ["content", "themes", "static", "demo"] {
        if repo.join(sub).exists() {
            copy_dir(&repo.join(sub), &dir.path().join(sub));
        }
    }
    dir
}

/// A new PostgreSQL database for one test, dropped at the end; none without a server.
pub struct PgDatabase {
    server: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn new() -> Option<PgDatabase> {
        let server = std::env::var("TREMPLIN_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))?;
        let name = format!(
            "tremplin_e2e_{}_{}",
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
    tokio_block_on(async {
        let pool = sqlx::AnyPool::connect(server)
            .await
            .expect("PostgreSQL reachable");
        sqlx::query(statement).execute(&pool).await.unwrap();
        pool.close().await;
    });
}

/// Runs `f` on a runtime of its own (the tests are plain `#[test]`s).
pub fn tokio_block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A Meilisearch server of the test's own, on a free port with its database in a temporary
/// folder, which the test may stop and start again; killed when dropped. The binary is
/// `TREMPLIN_TEST_MEILI_BIN` (`.ci/run` sets it to the workplace's Meilisearch).
pub struct Meili {
    child: Option<Child>,
    bin: PathBuf,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Meili {
    /// None, and a line saying why, without a Meilisearch binary.
    pub fn start(test: &str) -> Option<Meili> {
        let Some(bin) = std::env::var_os("TREMPLIN_TEST_MEILI_BIN").map(PathBuf::from) else {
            eprintln!(
                "{test} : ignoré (skipped) — définissez TREMPLIN_TEST_MEILI_BIN (le binaire de Meilisearch) pour le lancer ; .ci/run le fait."
            );
            return None;
        };
        let mut m = Meili {
            child: None,
            bin,
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
        };
        m.restart();
        Some(m)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the server (its data stays).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server on its port and data; returns once it is healthy.
    pub fn restart(&mut self) {
        self.stop();
        let log = std::fs::File::create(self.dir.path().join("meilisearch.log")).unwrap();
        let child = Command::new(&self.bin)
            .current_dir(self.dir.path())
            .arg("--db-path")
            .arg(self.dir.path().join("data"))
            .args(["--http-addr", &format!("127.0.0.1:{}", self.port)])
            .args(["--no-analytics", "--env", "development"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("Meilisearch starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && get(self.port, "/health").0 == 200
            {
                return;
            }
            assert!(Instant::now() < deadline, "Meilisearch did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Meili {
    fn drop(&mut self) {
        self.stop();
    }
}
