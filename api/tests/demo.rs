//! The demo's loader on every database: the repository's `demo/` loaded into a new database
//! (structures, opportunities dated from today, the demo counsellor's invitation, the search
//! outbox), once only, never into a database that has structures or accounts nor for a site
//! without `demo/`, by one replica when several start together, and all or nothing.

mod common;

use std::path::Path;

use axum::http::StatusCode;
use common::*;
use sqlx::Row;
use tremplin_api::domain::accounts;
use tremplin_api::domain::demo::{self, Outcome};

/// The repository's `demo/` folder, copied into the platform's site.
fn copy_demo(p: &Platform) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo");
    let to = p.dir.path().join("demo");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

async fn count(p: &Platform, table: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(&p.state.db.pool)
        .await
        .unwrap()
        .get::<i64, _>("n")
}

/// (structures, opportunities, users).
async fn counts(p: &Platform) -> (i64, i64, i64) {
    (
        count(p, "structures").await,
        count(p, "opportunities").await,
        count(p, "users").await,
    )
}

fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn the_demo_is_loaded_once_into_a_new_database() {
    for b in backends() {
        let p = platform_with(b, |c| c.outbox_worker = false).await;
        copy_demo(&p);
        let outcome = demo::load(&p.state.db, &p.state.config, true)
            .await
            .unwrap();
        let Outcome::Loaded(loaded) = &outcome else {
            panic!("{b}: {outcome:?}");
        };
        let slugs: Vec<&str> = loaded.structures.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(slugs, ["lille", "grenoble"], "{b}");
        assert_eq!((loaded.published, loaded.drafts), (19, 1), "{b}");
        let (user, link) = loaded.counsellor.as_ref().expect("a demo counsellor");
        assert_eq!(user.email, "conseil.lille@demo.example");
        assert_eq!(user.structure.as_ref().unwrap().slug, "lille");
        assert!(!user.has_password, "no password is ever set by the demo");
        assert!(
            link.starts_with("http://127.0.0.1:8080/compte/invitation?jeton="),
            "{link}"
        );
        assert_eq!(counts(&p).await, (2, 20, 1), "{b}");
        // Every opportunity reaches the search index through the outbox.
        assert_eq!(count(&p, "search_outbox").await, 20, "{b}");
        let lines = outcome.lines();
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert_eq!(
            lines[0],
            "Démonstration : base neuve, exemples de demo/ chargés : 2 structures d'exemple (lille, grenoble), 19 opportunités publiées et 1 brouillon."
        );
        assert_eq!(lines[2], format!("  {link}"));

        // The public listing: every published one, dated after today, of every kind, for
        // both structures; events and trainings with places.
        let mut c = Client::new(&p);
        let a = c.get("/api/v1/opportunities").await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let list = a.json();
        assert_eq!(list["total"], 19, "{b}");
        // One page of 20.
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 19);
        let today = today();
        let mut kinds = std::collections::BTreeSet::new();
        let mut structures = std::collections::BTreeSet::new();
        for o in items {
            kinds.insert(o["kind"].as_str().unwrap().to_string());
            structures.insert(o["structure"]["slug"].as_str().unwrap().to_string());
            for date in ["deadline", "start_date"] {
                if let Some(d) = o[date].as_str() {
                    assert!(d > today.as_str(), "{date} {d} of {}", o["title"]);
                }
            }
            assert!(
                o["organisation"].as_str().unwrap().ends_with("(exemple)"),
                "{}",
                o["organisation"]
            );
        }
        assert_eq!(kinds.len(), 8, "every kind: {kinds:?}");
        assert_eq!(structures.len(), 2);
        assert!(
            items
                .iter()
                .filter(|o| o["kind"] == "evenement" && o["places"].as_i64().is_some())
                .count()
                >= 2
        );
        // The counsellor's link opens the page to choose a password.
        let path = link.trim_start_matches("http://127.0.0.1:8080");
        assert_eq!(c.get(path).await.status, StatusCode::OK, "{b}");

        // A second start loads nothing more.
        let again = demo::load(&p.state.db, &p.state.config, true)
            .await
            .unwrap();
        assert!(matches!(again, Outcome::NotNew), "{b}: {again:?}");
        assert!(again.lines().is_empty());
        assert_eq!(counts(&p).await, (2, 20, 1), "{b}");
    }
}

#[tokio::test]
async fn a_site_without_demo_a_refusal_or_a_database_with_data_get_nothing() {
    for b in backends() {
        // No demo/ folder: a real Mission Locale's site.
        let p = platform(b).await;
        let outcome = demo::load(&p.state.db, &p.state.config, true)
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::NotDemo), "{b}: {outcome:?}");
        assert!(outcome.lines().is_empty());
        assert_eq!(counts(&p).await, (0, 0, 0), "{b}");

        // The demo declined: the database stays empty, and says so.
        copy_demo(&p);
        let outcome = demo::load(&p.state.db, &p.state.config, false)
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::Declined), "{b}: {outcome:?}");
        assert_eq!(outcome.lines().len(), 1);
        assert!(outcome.lines()[0].contains("--sans-demo"));
        assert_eq!(counts(&p).await, (0, 0, 0), "{b}");

        // A database with an account, even a youth's without a structure, is never touched.
        accounts::register(
            &p.state.db,
            &accounts::Registration {
                email: "ines@exemple.fr".into(),
                password: PASSWORD.into(),
                first_name: "Inès".into(),
                structure: None,
            },
        )
        .await
        .unwrap();
        let outcome = demo::load(&p.state.db, &p.state.config, true)
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::NotNew), "{b}: {outcome:?}");
        assert_eq!(counts(&p).await, (0, 0, 1), "{b}");

        // Nor is one with a structure of its own.
        let p = platform(b).await;
        copy_demo(&p);
        structure(&p, "paris", "Paris").await;
        let outcome = demo::load(&p.state.db, &p.state.config, true)
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::NotNew), "{b}: {outcome:?}");
        assert_eq!(counts(&p).await, (1, 0, 0), "{b}");
    }
}

#[tokio::test]
async fn replicas_starting_together_load_it_once() {
    for b in backends() {
        let p = platform_with(b, |c| c.outbox_worker = false).await;
        copy_demo(&p);
        // Four replicas: each its own pool on the same database.
        let mut replicas = Vec::new();
        for _ in 0..4 {
            replicas.push(
                tremplin_api::infra::db::connect(&p.state.config.database_url)
                    .await
                    .unwrap(),
            );
        }
        let config = p.state.config.clone();
        let tasks: Vec<_> = replicas
            .into_iter()
            .map(|db| {
                let config = config.clone();
                tokio::spawn(async move { demo::load(&db, &config, true).await })
            })
            .collect();
        let mut loaded = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(Outcome::Loaded(_)) => loaded += 1,
                Ok(Outcome::NotNew) => {}
                other => panic!("{b}: {other:?}"),
            }
        }
        assert_eq!(loaded, 1, "{b}");
        assert_eq!(counts(&p).await, (2, 20, 1), "{b}");
        assert_eq!(count(&p, "search_outbox").await, 20, "{b}");
    }
}

#[tokio::test]
async fn a_problem_in_the_demo_files_writes_nothing() {
    for b in backends() {
        let p = platform(b).await;
        copy_demo(&p);
        let demo_dir = p.dir.path().join("demo");
        // A fixed date in an opportunity file: refused with its file and line, before anything
        // is written.
        let grenoble = demo_dir.join("opportunites-grenoble.csv");
        let good = std::fs::read_to_string(&grenoble).unwrap();
        std::fs::write(&grenoble, good.replacen("J+45", "2027-01-04", 1)).unwrap();
        let e = demo::load(&p.state.db, &p.state.config, true)
            .await
            .unwrap_err();
        assert_eq!(
            e,
            "demo/opportunites-grenoble.csv:3: début : « 2027-01-04 » : dans les fichiers de la démonstration, une date s'écrit J+N (N jours après le chargement, par exemple J+30), pour ne jamais être dépassée",
            "{b}"
        );
        assert_eq!(counts(&p).await, (0, 0, 0), "{b}");
        std::fs::write(&grenoble, good).unwrap();

        // A problem found while writing (the counsellor's address, written last): the
        // structures and opportunities already written in the transaction are undone.
        let manifest = demo_dir.join("structures.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        std::fs::write(
            &manifest,
            text.replace("conseil.lille@demo.example", "pas une adresse"),
        )
        .unwrap();
        let e = demo::load(&p.state.db, &p.state.config, true)
            .await
            .unwrap_err();
        assert_eq!(
            e,
            "demo/structures.toml, [counsellor] : Adresse électronique invalide : « pas une adresse ».",
            "{b}"
        );
        assert_eq!(counts(&p).await, (0, 0, 0), "{b}");
        assert_eq!(count(&p, "search_outbox").await, 0, "{b}");

        // Fixed, the next start loads it.
        std::fs::write(&manifest, text).unwrap();
        let outcome = demo::load(&p.state.db, &p.state.config, true)
            .await
            .unwrap();
        assert!(matches!(outcome, Outcome::Loaded(_)), "{b}: {outcome:?}");
    }
}
