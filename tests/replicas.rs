//! Several replicas, as an operator runs them: two `tremplin serve --no-watch` processes, each
//! on its own copy of the site, on one PostgreSQL database and one Meilisearch server, with
//! the same secret. A youth signed in on one is signed in on the other; an opportunity
//! published on one is listed and found through the other; the two outbox workers share the
//! work (one lease holder at a time), so every change reaches the index once, even when
//! Meilisearch is stopped during 1,000 changes and started again.
//!
//! Needs PostgreSQL (`TREMPLIN_TEST_POSTGRES_URL`) and a Meilisearch binary
//! (`TREMPLIN_TEST_MEILI_BIN`), which `.ci/run` sets; without them it says it is skipped.

mod common;

use std::time::{Duration, Instant};

use common::servers::*;
use common::*;

const SECRET: &str = "replicas-test-secret-not-for-production";
const PASSWORD: &str = "Un mot de passe assez long 2026";

/// Polls `check` every 100 ms until it holds or `limit` has passed; says what it waited for.
fn wait_for(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "not within {limit:?}: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn post_json(port: u16, path: &str, cookie: Option<&str>, body: serde_json::Value) -> Answer {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(c) = cookie {
        headers.push(("Cookie", c));
    }
    request(port, "POST", path, &headers, &body.to_string())
}

fn session_cookie(a: &Answer) -> String {
    a.cookies()
        .into_iter()
        .find(|c| !c.starts_with("csrf"))
        .unwrap_or_else(|| panic!("no session cookie: {:?}", a.headers))
}

/// Meilisearch's own account of the documents it received for the opportunities' index:
/// (documents received by successful additions, tasks not finished).
fn meili_received(meili: &Meili) -> (u64, usize) {
    let mut received = 0;
    let mut pending = 0;
    let mut from: Option<u64> = None;
    loop {
        let path = match from {
            Some(f) => format!("/tasks?indexUids=opportunites&limit=1000&from={f}"),
            None => "/tasks?indexUids=opportunites&limit=1000".to_string(),
        };
        let (status, body) = get(meili.port, &path);
        assert_eq!(status, 200, "{body}");
        let page: serde_json::Value = serde_json::from_str(&body).unwrap();
        for t in page["results"].as_array().unwrap() {
            match t["status"].as_str().unwrap_or("") {
                "enqueued" | "processing" => pending += 1,
                "succeeded" if t["type"] == "documentAdditionOrUpdate" => {
                    received += t["details"]["receivedDocuments"].as_u64().unwrap_or(0);
                }
                _ => {}
            }
        }
        match page["next"].as_u64() {
            Some(n) => from = Some(n),
            None => return (received, pending),
        }
    }
}

fn documents_in_index(meili: &Meili) -> u64 {
    let (status, body) = get(meili.port, "/indexes/opportunites/stats");
    assert_eq!(status, 200, "{body}");
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    stats["numberOfDocuments"].as_u64().unwrap()
}

fn outbox_rows(database: &str) -> i64 {
    sqlx::any::install_default_drivers();
    tokio_block_on(async {
        let pool = sqlx::AnyPool::connect(database).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_outbox")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    })
}

#[test]
fn two_replicas_share_sessions_listings_search_and_the_outbox() {
    let Some(pg) = PgDatabase::new() else {
        eprintln!(
            "two_replicas… : ignoré (skipped) — définissez TREMPLIN_TEST_POSTGRES_URL pour le lancer ; .ci/run le fait."
        );
        return;
    };
    let Some(mut meili) = Meili::start("two_replicas…") else {
        return;
    };
    let meili_url = meili.url();
    let env = [
        ("TREMPLIN_DATABASE_URL", pg.url.as_str()),
        ("TREMPLIN_SEARCH_ENGINE", "meilisearch"),
        ("TREMPLIN_MEILI_URL", meili_url.as_str()),
        ("TREMPLIN_SECRET", SECRET),
    ];
    // Each replica has its own copy of the site, as on its own machine.
    let (site_a, site_b) = (demo_site(), demo_site());
    let a = serve_with(site_a.path(), &env, &["--no-watch"]);
    let b = serve_with(site_b.path(), &env, &["--no-watch"]);

    // The first replica loaded the demo into the new database; the second found it there.
    let console = a.console();
    assert!(console.contains("19 opportunités publiées"), "{console}");
    assert!(!b.console().contains("Démonstration"), "{}", b.console());
    wait_for(
        "the demo's 19 opportunities listed by B",
        Duration::from_secs(30),
        || listing(b.port)["total"] == 19,
    );

    // A youth registers and signs in on A, and is signed in on B.
    let r = post_json(
        a.port,
        "/api/v1/accounts",
        None,
        serde_json::json!({"email": "lea@exemple.fr", "password": PASSWORD, "first_name": "Léa"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let s = post_json(
        a.port,
        "/api/v1/session",
        None,
        serde_json::json!({"email": "lea@exemple.fr", "password": PASSWORD}),
    );
    assert_eq!(s.status, 200, "{}", s.body);
    let youth = session_cookie(&s);
    let me = request(b.port, "GET", "/api/v1/me", &[("Cookie", &youth)], "");
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["email"], "lea@exemple.fr");
    // Signed out on B: signed out on A too.
    let out = request(
        b.port,
        "DELETE",
        "/api/v1/session",
        &[("Cookie", &youth)],
        "",
    );
    assert_eq!(out.status, 204, "{}", out.body);
    let me = request(a.port, "GET", "/api/v1/me", &[("Cookie", &youth)], "");
    assert_eq!(me.status, 401, "{}", me.body);

    // The demo's counsellor sets a password with the link A printed, and publishes on A.
    let link = console
        .lines()
        .find_map(|l| l.trim().split_once("jeton=").map(|(_, t)| t.to_owned()))
        .unwrap_or_else(|| panic!("no invitation link:\n{console}"));
    tokio_block_on(async {
        let db = tremplin_api::infra::db::connect(&pg.url).await.unwrap();
        tremplin_api::domain::accounts::set_password_with_token(&db, &link, PASSWORD)
            .await
            .unwrap();
    });
    let s = post_json(
        a.port,
        "/api/v1/session",
        None,
        serde_json::json!({"email": "conseil.lille@demo.example", "password": PASSWORD}),
    );
    assert_eq!(s.status, 200, "{}", s.body);
    let counsellor = session_cookie(&s);
    let created = post_json(
        a.port,
        "/api/v1/opportunities",
        Some(&counsellor),
        serde_json::json!({
            "kind": "emploi", "title": "Soigneur ou soigneuse animalier au zoo",
            "town": "Lille", "status": "publiee",
            "description": "Nourrir les girafes et nettoyer les enclos."
        }),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    // B lists it and finds it, within a few seconds (its listing cache lasts 5 s).
    wait_for(
        "the new opportunity in B's listing",
        Duration::from_secs(20),
        || {
            let (status, body) = get(b.port, "/api/v1/opportunities?q=girafes");
            status == 200 && body.contains("Soigneur ou soigneuse animalier")
        },
    );
    wait_for(
        "the new opportunity in B's /recherche",
        Duration::from_secs(20),
        || {
            let (status, body) = get(b.port, "/recherche?q=girafes");
            status == 200 && body.contains("Soigneur ou soigneuse animalier")
        },
    );

    // Meilisearch stops; 1,000 changes are made meanwhile (an import through the command
    // line, as a counsellor's nightly job would); it starts again and every change arrives.
    let before = documents_in_index(&meili);
    meili.stop();
    let mut csv = String::from("titre;type;commune;identifiant\n");
    for i in 0..1000 {
        csv.push_str(&format!(
            "Équipier ou équipière de nuit {i};emploi;Lille;nuit-{i}\n"
        ));
    }
    let file = site_a.path().join("import.csv");
    std::fs::write(&file, csv).unwrap();
    let import = std::process::Command::new(env!("CARGO_BIN_EXE_tremplin"))
        .arg("--root")
        .arg(site_a.path())
        .args(["import", "opportunites"])
        .arg(&file)
        .args(["--structure", "lille"])
        .envs(env)
        .output()
        .unwrap();
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(
        outbox_rows(&pg.url) >= 1000,
        "the changes wait in the outbox"
    );
    // Both workers fail meanwhile and back off; give them time to.
    std::thread::sleep(Duration::from_secs(3));
    meili.restart();
    wait_for(
        "the 1,000 changes in the index",
        Duration::from_secs(150),
        || outbox_rows(&pg.url) == 0 && documents_in_index(&meili) == before + 1000,
    );
    wait_for(
        "Meilisearch done with its tasks",
        Duration::from_secs(30),
        || meili_received(&meili).1 == 0,
    );
    // None sent twice: Meilisearch received each opportunity once (the demo's 19, the one
    // published on A, the 1,000 imported).
    let (received, _) = meili_received(&meili);
    assert_eq!(received, 19 + 1 + 1000, "documents received by Meilisearch");
    // And both replicas answer from the shared index.
    for port in [a.port, b.port] {
        wait_for(
            "the imported opportunities listed",
            Duration::from_secs(20),
            || {
                let (status, body) = get(port, "/api/v1/opportunities?q=nuit");
                status == 200
                    && serde_json::from_str::<serde_json::Value>(&body).unwrap()["total"] == 1000
            },
        );
    }
    drop((a, b));
}
