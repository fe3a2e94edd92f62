//! Search through the router, on every database: the `/recherche` page (guides, FAQ and
//! opportunities from one box, facets, highlights, "did you mean", pagination, no JavaScript),
//! `/api/v1/search`, and the outbox that keeps the opportunities' index up to date even when
//! the engine is down.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;
use tremplin_api::domain::accounts::Role;
use tremplin_api::index::sync;
use tremplin_generator::documents::ContentDoc;

fn doc(id: &str, kind: &'static str, title: &str, text: &str) -> ContentDoc {
    ContentDoc {
        id: id.into(),
        kind,
        title: title.into(),
        description: String::new(),
        headings: Vec::new(),
        text: text.into(),
        themes: vec!["emploi".into()],
        publics: Vec::new(),
        url: format!("/{}/", id.replace('-', "/")),
        date: None,
    }
}

async fn counsellor(p: &Platform) -> Client {
    staff(p, Role::Counsellor, "lille", "c@exemple.fr").await.0
}

#[tokio::test]
async fn one_box_finds_guides_faq_and_opportunities() {
    for b in backends() {
        let p = platform(b).await;
        let mut docs = vec![
            doc(
                "guides-cv",
                "guide",
                "Écrire son CV",
                "Un CV court, clair, une page. Les formations et les expériences.",
            ),
            doc(
                "guides-lettre",
                "guide",
                "La lettre de motivation",
                "Elle accompagne le CV.",
            ),
            doc(
                "faq-cv-photo",
                "faq",
                "Faut-il une photo sur le CV ?",
                "Non, ce n'est pas obligatoire. <script>x</script>",
            ),
        ];
        for i in 0..12 {
            docs.push(doc(
                &format!("actualites-n{i}"),
                "actualite",
                &format!("Atelier CV numéro {i}"),
                "Venez avec votre CV.",
            ));
        }
        index_site(&p, docs).await;
        let mut c = counsellor(&p).await;
        let a = c
            .json(
                Method::POST,
                "/api/v1/opportunities",
                json!({"kind": "emploi", "title": "Vendeur, CV demandé", "town": "Lille", "status": "publiee"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED);
        let id = a.json()["id"].as_i64().unwrap();
        sync::configure(p.state.search.as_ref(), &[]).await.unwrap();
        sync::drain(
            &p.state.db,
            p.state.search.as_ref(),
            &tremplin_api::domain::opportunities::IndexSource,
        )
        .await
        .unwrap();

        let mut anon = Client::new(&p);
        let page = anon.get("/recherche?q=cv").await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(page.body.contains("Résultats pour « cv »"), "{}", page.body);
        assert!(page.body.contains("Guides (2)"), "{}", page.body);
        assert!(page.body.contains("Questions fréquentes (1)"));
        assert!(page.body.contains("Actualités (12)"));
        assert!(page.body.contains("Opportunités (1)"));
        assert!(
            page.body.contains("<mark>CV</mark>"),
            "highlights: {}",
            page.body
        );
        assert!(!page.body.contains("<script>x"), "snippets are escaped");
        assert!(links_to(&page.body, &format!("/opportunites/{id}")));
        // 15 contents: two pages of 10, the link keeps the query.
        assert!(
            links_to(&page.body, "/recherche?q=cv&page=2"),
            "{}",
            page.body
        );
        // A facet narrows; the counts stay.
        let faq = anon.get("/recherche?q=cv&type=faq").await;
        assert!(faq.body.contains("Faut-il une photo"), "{}", faq.body);
        assert!(!faq.body.contains("La lettre de motivation"));
        assert!(faq.body.contains("Guides (2)"));
        // Plurals and typos.
        let typo = anon.get("/recherche?q=motivaton").await;
        assert!(
            links_to(&typo.body, "/guides/lettre/"),
            "{b}: {}",
            typo.body
        );
        // Nothing found: "did you mean", and a way to ask a person.
        // (Meilisearch still finds something for « lettrre motivvvation », dropping or
        // correcting words further than the embedded engine: a word nobody wrote, there.)
        let nothing = if p.state.search.name() == "meilisearch" {
            "/recherche?q=zzzzqqq"
        } else {
            "/recherche?q=lettrre+motivvvation+zzzz"
        };
        let none = anon.get(nothing).await;
        assert!(none.body.contains("Aucun résultat"), "{}", none.body);
        assert!(none.body.contains("poser votre question"));
        // No dead end: a query that finds nothing shows its correction's results at once,
        // saying so. Only the embedded engine makes corrections ("did you mean"); on
        // Meilisearch the page above (no result, the question form) is the answer.
        if p.state.search.name() != "meilisearch" {
            let fixed = anon.get("/recherche?q=lettreee").await;
            assert!(
                fixed.body.contains(
                    "Résultats pour « <strong>lettre</strong> » — aucun résultat pour « lettreee »"
                ),
                "{}",
                fixed.body
            );
            assert!(
                fixed.body.contains("href=\"/guides/lettre/\""),
                "{}",
                fixed.body
            );
            assert!(fixed
                .body
                .contains("href=\"/recherche?q=lettreee&amp;exacte=1\""));
            let exact = anon.get("/recherche?q=lettreee&exacte=1").await;
            assert!(exact.body.contains("Aucun résultat"), "{}", exact.body);
            assert!(exact.body.contains("Vouliez-vous dire"), "{}", exact.body);
            let j = anon.get("/api/v1/search?q=lettreee").await.json();
            assert_eq!(j["corrected_query"], "lettre", "{j}");
            assert_eq!(j["hits"][0]["url"], "/guides/lettre/", "{j}");
            let j = anon.get("/api/v1/search?q=lettreee&exacte=1").await.json();
            assert_eq!(j["total"], 0, "{j}");
            assert_eq!(j["corrected_query"], serde_json::Value::Null, "{j}");
            assert_eq!(j["did_you_mean"], "lettre", "{j}");
        }
        // The JSON the suggestion script reads.
        let j = anon.get("/api/v1/search?q=lettr").await;
        assert_eq!(j.status, StatusCode::OK);
        let j = j.json();
        assert_eq!(j["hits"][0]["url"], "/guides/lettre/", "{j}");
        let o = anon
            .get("/api/v1/search?q=vendeur&index=opportunites")
            .await
            .json();
        assert_eq!(o["total"], 1);
        let bad = anon.get("/api/v1/search?q=x&index=secret").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Unpublished: the outbox takes it out of the index.
        let a = c
            .json(
                Method::POST,
                &format!("/api/v1/opportunities/{id}/status"),
                json!({"status": "brouillon"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK);
        sync::drain(
            &p.state.db,
            p.state.search.as_ref(),
            &tremplin_api::domain::opportunities::IndexSource,
        )
        .await
        .unwrap();
        let o = anon
            .get("/api/v1/search?q=vendeur&index=opportunites")
            .await
            .json();
        assert_eq!(o["total"], 0, "{b}");

        // A page that leaves the site leaves the index.
        index_site(
            &p,
            vec![doc("guides-cv", "guide", "Écrire son CV", "Un CV court.")],
        )
        .await;
        let j = anon.get("/api/v1/search?q=motivation").await.json();
        assert_eq!(j["total"], 0, "{j}");
    }
}

#[tokio::test]
async fn an_engine_that_is_down_delays_the_index_and_loses_nothing() {
    for b in backends() {
        // The test drives the outbox itself.
        let p = platform_with(b, |c| c.outbox_worker = false).await;
        let mut c = counsellor(&p).await;
        let a = c
            .json(
                Method::POST,
                "/api/v1/opportunities",
                json!({"kind": "stage", "title": "Stage en mairie", "town": "Lille", "status": "publiee"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED);
        // A real Meilisearch client, pointed at a port where nothing listens.
        let down = tremplin_search::MeilisearchEngine::new("http://127.0.0.1:9", None).unwrap();
        let err = sync::drain(
            &p.state.db,
            &down,
            &tremplin_api::domain::opportunities::IndexSource,
        )
        .await;
        assert!(err.is_err(), "{b}");
        let (rows, attempts): (i64, i64) = {
            let r = sqlx::query_as::<_, (i64, i64)>(
                "SELECT COUNT(*), COALESCE(MAX(attempts), 0) FROM search_outbox",
            )
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();
            r
        };
        assert!(rows >= 1, "the change waits in the outbox");
        assert!(attempts >= 1, "the failed attempt is counted");
        // The engine is back: the change arrives.
        sync::configure(p.state.search.as_ref(), &[]).await.unwrap();
        sync::drain(
            &p.state.db,
            p.state.search.as_ref(),
            &tremplin_api::domain::opportunities::IndexSource,
        )
        .await
        .unwrap();
        let mut anon = Client::new(&p);
        let o = anon
            .get("/api/v1/search?q=mairie&index=opportunites")
            .await
            .json();
        assert_eq!(o["total"], 1, "{b}");
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_outbox")
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
}

#[tokio::test]
async fn one_worker_at_a_time_holds_the_outbox() {
    for b in backends() {
        let p = platform_with(b, |c| c.outbox_worker = false).await;
        let db = &p.state.db;
        // The first to ask gets the lease and keeps it while it renews it.
        assert!(sync::lease(db, "replica-a").await.unwrap(), "{b}");
        assert!(!sync::lease(db, "replica-b").await.unwrap(), "{b}");
        assert!(sync::lease(db, "replica-a").await.unwrap(), "{b}");
        // Many asking at once: exactly one holds it.
        sqlx::query("UPDATE outbox_lease SET until = 0")
            .execute(&db.pool)
            .await
            .unwrap();
        let asks = (0..20).map(|i| {
            let db = db.clone();
            tokio::spawn(async move { sync::lease(&db, &format!("r{i}")).await.unwrap() })
        });
        let mut holders = 0;
        for ask in asks {
            holders += usize::from(ask.await.unwrap());
        }
        assert_eq!(holders, 1, "{b}");
        // A holder that stopped renewing (its lease ran out) is replaced.
        sqlx::query("UPDATE outbox_lease SET until = 0")
            .execute(&db.pool)
            .await
            .unwrap();
        assert!(sync::lease(db, "replica-b").await.unwrap(), "{b}");
        assert!(!sync::lease(db, "replica-a").await.unwrap(), "{b}");
        // Only the holder can give it back; then another takes it at once.
        sync::release(db, "replica-a").await.unwrap();
        assert!(!sync::lease(db, "replica-a").await.unwrap(), "{b}");
        sync::release(db, "replica-b").await.unwrap();
        assert!(sync::lease(db, "replica-a").await.unwrap(), "{b}");
    }
}

/// Both engines down: Meilisearch where nothing listens, and the embedded engine whose
/// index files cannot be read. What can be answered is: the listing without keywords as
/// usual, the listing with keywords as a plain match on the titles, marked as a simpler
/// search; `/recherche` and `/api/v1/search` have nothing to answer with, a 503 in French
/// with `Retry-After`, never a 500.
#[tokio::test]
async fn an_engine_that_is_down_degrades_the_service_never_a_500() {
    use tremplin_api::infra::config::SearchBackend;
    for b in backends() {
        for engine in ["meilisearch", "embarque"] {
            let broken = tempfile::tempdir().unwrap();
            for index in ["opportunites", "contenus"] {
                let dir = broken.path().join(index);
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join("settings.json"), "{ abîmé").unwrap();
            }
            let p = platform_with(b, |c| {
                c.outbox_worker = false;
                c.search.backend = match engine {
                    // A real Meilisearch client, pointed at a port where nothing listens.
                    "meilisearch" => SearchBackend::Meilisearch {
                        url: "http://127.0.0.1:9".into(),
                        key: None,
                    },
                    _ => SearchBackend::Embedded(broken.path().to_path_buf()),
                };
            })
            .await;
            let mut c = counsellor(&p).await;
            for (title, town) in [
                ("Boulanger H/F", "Lille"),
                ("Vendeur en boulangerie", "Roubaix"),
                ("Serveur", "Lille"),
            ] {
                let a = c
                    .json(
                        Method::POST,
                        "/api/v1/opportunities",
                        json!({"kind": "emploi", "title": title, "town": town, "status": "publiee"}),
                    )
                    .await;
                assert_eq!(a.status, StatusCode::CREATED, "{b} {engine}: {}", a.body);
            }
            let mut anon = Client::new(&p);
            for path in ["/recherche?q=boulanger", "/api/v1/search?q=boulanger"] {
                let a = anon.get(path).await;
                assert_eq!(
                    a.status,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "{b} {engine} {path}: {}",
                    a.body
                );
                assert_eq!(a.headers["retry-after"], "5", "{b} {engine} {path}");
                assert!(
                    a.body
                        .contains("La recherche est momentanément indisponible"),
                    "{b} {engine} {path}: {}",
                    a.body
                );
            }
            // Keywords: the titles that hold them, newest first, said to be a simpler search.
            let a = anon.get("/api/v1/opportunities?q=BOULANGER").await;
            assert_eq!(a.status, StatusCode::OK, "{b} {engine}: {}", a.body);
            let j = a.json();
            assert_eq!(j["simpler_search"], true, "{b} {engine}: {j}");
            let titles: Vec<&str> = j["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["title"].as_str().unwrap())
                .collect();
            assert_eq!(
                titles,
                ["Vendeur en boulangerie", "Boulanger H/F"],
                "{b} {engine}"
            );
            let a = anon
                .get("/api/v1/opportunities?q=boulanger&lieu=Lille&rayon=5")
                .await;
            assert_eq!(a.status, StatusCode::OK, "{b} {engine}: {}", a.body);
            assert_eq!(a.json()["total"], 1, "{b} {engine}: {}", a.body);
            let a = anon.get("/opportunites?q=boulanger").await;
            assert_eq!(a.status, StatusCode::OK, "{b} {engine}: {}", a.body);
            assert!(
                a.body
                    .contains("La recherche complète est momentanément indisponible"),
                "{b} {engine}: {}",
                a.body
            );
            assert!(a.body.contains("Vendeur en boulangerie"), "{b} {engine}");
            assert!(!a.body.contains("Serveur"), "{b} {engine}");
            // Without keywords, the listing as usual, not marked.
            let a = anon.get("/api/v1/opportunities").await;
            assert_eq!(a.status, StatusCode::OK, "{b} {engine}: {}", a.body);
            assert_eq!(a.json()["total"], 3, "{b} {engine}");
            assert_eq!(a.json()["simpler_search"], false, "{b} {engine}");
            let a = anon.get("/opportunites").await;
            assert_eq!(a.status, StatusCode::OK, "{b} {engine}: {}", a.body);
            assert!(
                !a.body
                    .contains("La recherche complète est momentanément indisponible"),
                "{b} {engine}"
            );
        }
    }
}
