//! `tremplin serve` on a temporary copy of a fixture site, observed through HTTP: pages served
//! from memory, edits served after a rebuild with a reload event, deleted pages gone, broken
//! changes shown on every page and then recovered.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;

/// A running `tremplin serve`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(root: &Path, extra: &[&str]) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_tremplin"))
        .arg("--root")
        .arg(root)
        .args(["serve", "--port", &port.to_string()])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "serve did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

/// A plain HTTP/1.1 GET: the whole answer, head and body.
fn get_raw(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    String::from_utf8_lossy(&raw).into_owned()
}

/// A plain HTTP/1.1 GET: (status, body).
fn get(port: u16, path: &str) -> (u16, String) {
    let text = get_raw(port, path);
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

/// Waits until `pred` holds for the page, or fails after a while.
fn wait_for(port: u16, path: &str, what: &str, pred: impl Fn(u16, &str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = get(port, path);
        if pred(status, &body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: last answer {status}\n{body}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Listens to the server-sent events; each `event:` name arrives on the channel.
fn events(port: u16) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET /__tremplin/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(s).lines() {
            let Ok(line) = line else { break };
            if let Some(name) = line.strip_prefix("event: ") {
                if tx.send(name.to_string()).is_err() {
                    break;
                }
            }
        }
    });
    // Let the subscription reach the server before anything changes.
    std::thread::sleep(Duration::from_millis(200));
    rx
}

fn next_event(rx: &mpsc::Receiver<String>) -> String {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("an event arrives")
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn edits_are_served_and_reload_the_pages() {
    let site = site("valid/basic");
    let root = site.path();
    let server = start(root, &[]);
    let (status, body) = get(server.port, "/guides/lettre/");
    assert_eq!(status, 200);
    assert!(body.contains("Par courriel."));
    assert!(
        body.contains("src=\"/__tremplin/live-reload.js\""),
        "{body}"
    );
    let (status, js) = get(server.port, "/__tremplin/live-reload.js");
    assert_eq!(status, 200);
    assert!(js.contains("new EventSource(\"/__tremplin/events\")"));

    let rx = events(server.port);
    edit(
        root,
        "content/guides/lettre.md",
        "Par courriel.",
        "Par courriel ou en main propre.",
    );
    wait_for(
        server.port,
        "/guides/lettre/",
        "the new text is served",
        |s, b| s == 200 && b.contains("en main propre"),
    );
    assert_eq!(next_event(&rx), "reload");

    // An editor that saves through a temporary file and a rename.
    let tmp = root.join("content/guides/.lettre.md.tmp");
    let text = std::fs::read_to_string(root.join("content/guides/lettre.md")).unwrap();
    std::fs::write(&tmp, text.replace("en main propre", "par pigeon voyageur")).unwrap();
    std::fs::rename(&tmp, root.join("content/guides/lettre.md")).unwrap();
    wait_for(
        server.port,
        "/guides/lettre/",
        "a save through a rename is seen",
        |s, b| s == 200 && b.contains("pigeon voyageur"),
    );
    assert_eq!(next_event(&rx), "reload");

    // A deleted page is gone; a new one appears.
    std::fs::remove_file(root.join("content/actualites/nouvelle-1.md")).unwrap();
    wait_for(
        server.port,
        "/actualites/nouvelle-1/",
        "a deleted page is gone",
        |s, _| s == 404,
    );
    std::fs::write(
        root.join("content/actualites/nouvelle-9.md"),
        "+++\ntitle = \"Nouvelle neuf\"\ndate = 2025-09-09\n+++\nNeuf.\n",
    )
    .unwrap();
    wait_for(
        server.port,
        "/actualites/",
        "a new page is listed",
        |s, b| s == 200 && b.contains("Nouvelle neuf"),
    );

    // Templates and static files are watched too.
    edit(
        root,
        "themes/mini/templates/page.html",
        "<h1>{{ page.title }}</h1>",
        "<h1 class=\"modifie\">{{ page.title }}</h1>",
    );
    wait_for(
        server.port,
        "/guides/lettre/",
        "a template change is seen",
        |s, b| s == 200 && b.contains("class=\"modifie\""),
    );
    std::fs::write(root.join("static/css/site.css"), "body { color: navy; }").unwrap();
    wait_for(
        server.port,
        "/css/site.css",
        "a static change is seen",
        |s, b| s == 200 && b.contains("navy"),
    );
}

#[test]
fn a_broken_change_is_shown_until_fixed() {
    let site = site("valid/basic");
    let root = site.path();
    let server = start(root, &[]);
    let rx = events(server.port);

    edit(
        root,
        "content/guides/lettre.md",
        "Par courriel.",
        "Par courriel, voir [ici](@/absent.md).",
    );
    let body = wait_for(
        server.port,
        "/guides/cv/",
        "every page shows the errors",
        |s, b| s == 200 && b.contains("lien interne cassé"),
    );
    assert!(
        body.contains(
            "content/guides/lettre.md:11: lien interne cassé : « @/absent.md » n&#39;existe pas"
        ) || body.contains(
            "content/guides/lettre.md:11: lien interne cassé : « @/absent.md » n'existe pas"
        ),
        "{body}"
    );
    assert_eq!(next_event(&rx), "erreurs");
    let (_, lettre) = get(server.port, "/guides/lettre/");
    assert!(
        lettre.contains("Par courriel.") && !lettre.contains("voir"),
        "the last good version is served"
    );

    edit(
        root,
        "content/guides/lettre.md",
        ", voir [ici](@/absent.md).",
        " ou par la poste.",
    );
    wait_for(
        server.port,
        "/guides/lettre/",
        "the fix is served",
        |s, b| s == 200 && b.contains("par la poste") && !b.contains("lien interne cassé"),
    );
    assert_eq!(next_event(&rx), "reload");
}

#[test]
fn the_preview_shows_the_editorial_checks_of_the_page_shown() {
    let site = site("valid/basic");
    let root = site.path();
    let server = start(root, &[]);
    let (_, lettre) = get(server.port, "/guides/lettre/");
    let advice = "<details class=\"tremplin-relecture\"><summary>Relecture de cette page : 1 conseil</summary><ul><li><code>content/guides/lettre.md:7: attention : « CV » n'est pas expliqué";
    assert!(lettre.contains(advice), "{lettre}");
    let (_, cv) = get(server.port, "/guides/cv/");
    assert!(cv.contains("Relecture de cette page : 2 conseils"), "{cv}");
    assert!(
        cv.contains("content/guides/cv/index.md:22: attention : source « service-public.fr »"),
        "{cv}"
    );
    let (_, home) = get(server.port, "/a-propos/");
    assert!(!home.contains("tremplin-relecture"), "{home}");

    // Written out on the page, the acronym is explained: the advice goes with the reload.
    edit(
        root,
        "content/guides/lettre.md",
        "CV",
        "curriculum vitae (CV)",
    );
    wait_for(
        server.port,
        "/guides/lettre/",
        "the advice goes once followed",
        |s, b| s == 200 && b.contains("curriculum vitae (CV)") && !b.contains("tremplin-relecture"),
    );
    drop(server);

    // A deployment (--no-watch) shows none.
    let server = start(root, &["--no-watch"]);
    let (_, cv) = get(server.port, "/guides/cv/");
    assert!(!cv.contains("tremplin-relecture"), "{cv}");
}

#[test]
fn drafts_only_with_the_option_and_no_script_without_watching() {
    let site = site("valid/basic");
    let server = start(site.path(), &["--drafts", "--no-watch"]);
    let (status, body) = get(server.port, "/guides/brouillon/");
    assert_eq!(status, 200);
    assert!(!body.contains("live-reload.js"), "{body}");
    let (status, _) = get(server.port, "/guides/cv");
    assert_eq!(status, 301);
    // The redirect names a path of this site, never `//guides/cv/` (the host `guides`).
    for path in ["/guides/cv", "//guides/cv", "///guides/cv"] {
        let head = get_raw(server.port, path);
        let location = head
            .lines()
            .find_map(|l| l.strip_prefix("location: "))
            .unwrap_or_else(|| panic!("{path}: {head}"));
        assert_eq!(location, "/guides/cv/", "{path}");
    }
    let (status, body) = get(server.port, "/absent/");
    assert_eq!(status, 404);
    assert!(body.contains("Page introuvable"));
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let site = site("valid/basic");
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = tremplin(site.path(), &["serve", "--port", &port.to_string()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "le port {port} est déjà utilisé : choisissez-en un autre avec --port"
        )),
        "{err}"
    );
}

#[test]
fn the_search_index_follows_the_edits() {
    let site = site("valid/basic");
    let root = site.path();
    let server = start(root, &[]);
    let port = server.port;
    wait_for(
        port,
        "/api/v1/search?q=motivation",
        "the guide is indexed at start",
        |s, b| s == 200 && b.contains("\"url\":\"/guides/lettre/\""),
    );
    std::fs::write(
        root.join("content/guides/stage.md"),
        "+++\ntitle = \"Un stage\"\n+++\nUn stage zygomatique pour découvrir un métier.\n",
    )
    .unwrap();
    wait_for(
        port,
        "/api/v1/search?q=zygomatique",
        "a new page is found",
        |s, b| s == 200 && b.contains("\"url\":\"/guides/stage/\""),
    );
    // A body edit: only that page's document is made again, and sent.
    edit(
        root,
        "content/guides/stage.md",
        "Un stage zygomatique",
        "Un stage zygomatique et hétéroclite",
    );
    wait_for(
        port,
        "/api/v1/search?q=heteroclite",
        "an edited body is found",
        |s, b| s == 200 && b.contains("\"url\":\"/guides/stage/\""),
    );
    std::fs::remove_file(root.join("content/guides/stage.md")).unwrap();
    wait_for(
        port,
        "/api/v1/search?q=zygomatique",
        "a removed page is gone",
        |s, b| s == 200 && b.contains("\"total\":0"),
    );
}
