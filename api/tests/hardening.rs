//! What a hostile visitor tries, on every database: each finding of the hardening review
//! (issue 13, rows 1 to 17) has its regression test here, except the sign-in limits under
//! concurrency (`accounts.rs`), the FAQ text written as text (`questions.rs`), raw HTML in
//! content files (the generator's tests) and the slash redirect (`tests/serve.rs`).

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::*;
use serde_json::json;
use tremplin_api::domain::accounts::{self, Purpose, Role};
use tremplin_api::infra::limits;

fn offer(title: &str) -> serde_json::Value {
    json!({
        "kind": "emploi", "title": title, "organisation": "Boulangerie Dupont",
        "description": "Vous aimez le **contact** ?", "town": "Lille",
        "level": "cap", "status": "publiee",
    })
}

/// Rows 1 and 2: pages and queries past their bounds are a clear 4xx in French, before any
/// search runs; a page past the last one is a 404 that says where the list ends.
#[tokio::test]
async fn pages_and_queries_are_bounded() {
    for b in backends() {
        let p = platform(b).await;
        let (mut lille, _) = staff(&p, Role::Counsellor, "lille", "c@lille.fr").await;
        for i in 0..3 {
            let a = lille
                .json(
                    Method::POST,
                    "/api/v1/opportunities",
                    offer(&format!("Vendeur {i}")),
                )
                .await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        }
        index_now(&p).await;
        let mut c = Client::new(&p);

        for page in ["4294967295", "4294967296", "51", "1000000"] {
            let a = c.get(&format!("/api/v1/opportunities?page={page}")).await;
            assert_eq!(
                a.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{b} {page}: {}",
                a.body
            );
            assert!(
                a.json()["fields"]["page"]
                    .as_str()
                    .unwrap()
                    .contains("page 50"),
                "{}",
                a.body
            );
            let a = c.get(&format!("/opportunites?page={page}")).await;
            assert_eq!(a.status, StatusCode::OK, "the form, with the error");
            assert!(
                a.body.contains("Les résultats s&#39;arrêtent à la page 50")
                    || a.body.contains("Les résultats s'arrêtent à la page 50"),
                "{}",
                a.body
            );
        }
        // Three results are one page: page 2 does not exist.
        let a = c.get("/api/v1/opportunities?page=2").await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{b}");
        assert_eq!(a.json()["error"], "Cette liste s'arrête à la page 1.");
        assert_eq!(
            c.get("/opportunites?page=2").await.status,
            StatusCode::NOT_FOUND
        );
        let a = c.get("/api/v1/opportunities?page=1").await;
        assert_eq!(a.json()["total"], 3, "{b}");

        // 640 words: refused at once, the same in the listing, the search and the alerts.
        let words = vec!["boulangerie"; 640].join(" ");
        let q = enc(&words);
        let a = c.get(&format!("/api/v1/opportunities?q={q}")).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(a.json()["fields"]["q"]
            .as_str()
            .unwrap()
            .contains("trop longue"));
        let a = c.get(&format!("/api/v1/search?q={q}")).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let a = c.get(&format!("/recherche?q={q}")).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            a.body.contains("Votre recherche est trop longue"),
            "{}",
            a.body
        );
        let a = c.get("/recherche?q=cv&page=9999").await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let ten = ["boulangerie"; limits::QUERY_MAX_WORDS].join(" ");
        let a = c
            .get(&format!("/api/v1/opportunities?q={}", enc(&ten)))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{b}: ten words are a query");

        let (mut jeune, _) = youth(&p, "jeune@exemple.fr").await;
        let a = jeune
            .json(
                Method::POST,
                "/api/v1/me/alerts",
                json!({"query": format!("q={q}"), "frequency": "hebdomadaire"}),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            a.body
        );
        // More kinds than exist, a long place, a radius out of range.
        let kinds = vec!["type=stage"; 50].join("&");
        for bad in [
            kinds.as_str(),
            &format!("lieu={}", "a".repeat(500)),
            "lieu=Lille&rayon=100000",
        ] {
            let a = c.get(&format!("/api/v1/opportunities?{bad}")).await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {bad}");
        }
    }
}

/// Row 2, alerts: at most `MAX_ALERTS` per youth, even when asked for all at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_alert_count_holds_under_concurrency() {
    for b in backends() {
        let p = platform(b).await;
        let (jeune, _) = youth(&p, "jeune@exemple.fr").await;
        let handles: Vec<_> = (0..40)
            .map(|i| {
                let mut c = Client::new(&p);
                c.set_cookie(
                    "tremplin_session",
                    &jeune.cookie("tremplin_session").unwrap(),
                );
                tokio::spawn(async move {
                    c.json(
                        Method::POST,
                        "/api/v1/me/alerts",
                        json!({"query": format!("q=boulanger{i}"), "frequency": "quotidienne"}),
                    )
                    .await
                    .status
                })
            })
            .collect();
        let mut created = 0;
        for h in handles {
            match h.await.unwrap() {
                StatusCode::CREATED => created += 1,
                StatusCode::UNPROCESSABLE_ENTITY => {}
                other => panic!("{b}: {other}"),
            }
        }
        assert_eq!(created, limits::MAX_ALERTS, "{b}");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM saved_searches")
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();
        assert_eq!(n as usize, limits::MAX_ALERTS, "{b}");
    }
}

/// Row 5: behind the proxy, the client's address is the one the proxy appended.
#[tokio::test]
async fn the_address_behind_a_proxy_is_the_last_hop() {
    for b in backends() {
        let p = platform_with(b, |c| c.trust_proxy = true).await;
        for (forwarded, counted) in [
            ("203.0.113.9", "adresse:203.0.113.9"),
            ("1.2.3.4, 198.51.100.7", "adresse:198.51.100.7"),
            ("pas une adresse", "adresse:inconnue"),
        ] {
            let req = Request::builder()
                .method(Method::POST)
                .uri("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-forwarded-for", forwarded)
                .body(Body::from(
                    json!({"email": "x@exemple.fr", "password": "faux faux faux faux"}).to_string(),
                ))
                .unwrap();
            assert_eq!(raw(&p, req).await.status, StatusCode::UNAUTHORIZED);
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_throttle WHERE key = $1")
                .bind(counted)
                .fetch_one(&p.state.db.pool)
                .await
                .unwrap();
            assert_eq!(n, 1, "{b}: {forwarded} counted as {counted}");
        }
    }
}

/// Row 6: after signing in, only a path of this site is followed; odd characters in it are
/// no 500 (a NUL character is refused before the page, as in any address or form).
#[tokio::test]
async fn the_page_after_sign_in_is_on_this_site() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = youth(&p, "lea@exemple.fr").await;
        c.forget_cookies();
        for (next, to) in [
            ("/\t/evil.example/phish", "/compte"),
            ("//evil.example", "/compte"),
            ("/\\evil.example", "/compte"),
            ("https://evil.example", "/compte"),
            ("/\r\nSet-Cookie: x=1", "/compte"),
            (
                "/opportunites?q=boulangère",
                "/opportunites?q=boulang%C3%A8re",
            ),
        ] {
            let page = c
                .get(&format!("/compte/connexion?suite={}", enc(next)))
                .await;
            assert_eq!(page.status, StatusCode::OK, "{b}: {next:?}");
            let a = c
                .post_form(
                    "/compte/connexion",
                    "/compte/connexion",
                    &[
                        ("email", "lea@exemple.fr"),
                        ("password", PASSWORD),
                        ("suite", next),
                    ],
                )
                .await;
            assert_eq!(
                (a.status, a.location()),
                (StatusCode::SEE_OTHER, to),
                "{b}: {next:?}"
            );
        }
        let page = c.get("/compte/connexion?suite=/%00").await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{b}");
        assert!(page.body.contains("caractère nul"), "{b}: {}", page.body);
        let a = c
            .post_form(
                "/compte/connexion",
                "/compte/connexion",
                &[
                    ("email", "lea@exemple.fr"),
                    ("password", PASSWORD),
                    ("suite", "/\0"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{b}");
    }
}

/// Row 7: an import is bounded in rows and in reported errors; what is refused is said.
#[tokio::test]
async fn imports_are_bounded() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@lille.fr").await;
        // More rows than allowed: refused before any row is checked.
        let mut csv = String::from("type;titre;commune\n");
        for _ in 0..=limits::IMPORT_MAX_ROWS {
            csv.push_str("x;;\n");
        }
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import?file_name=offres.csv",
                Some("text/csv"),
                csv,
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            a.json()["fields"]["file"]
                .as_str()
                .unwrap()
                .contains("plus de 100\u{a0}000"),
            "{}",
            a.body
        );
        // The same in our JSON and in France Travail's: refused, with what to do.
        let items = vec!["{}"; limits::IMPORT_MAX_ROWS + 1].join(",");
        for (file, body) in [
            ("offres.json", format!("[{items}]")),
            ("offres.json", format!("{{\"opportunites\": [{items}]}}")),
            (
                "francetravail.json",
                format!("{{\"resultats\": [{items}]}}"),
            ),
        ] {
            let a = c
                .send(
                    Method::POST,
                    &format!("/api/v1/opportunities/import?file_name={file}"),
                    Some("application/json"),
                    body,
                )
                .await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b} {file}");
            assert_eq!(
                a.json()["fields"]["file"],
                "Le fichier contient plus de 100\u{a0}000 opportunités : découpez-le en plusieurs fichiers.",
                "{b} {file}"
            );
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM opportunities")
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{b}: nothing written");
        // 500 bad rows: the first 100 detailed, and the count.
        let mut csv = String::from("type;titre;commune\n");
        for _ in 0..500 {
            csv.push_str("fusée;;\n");
        }
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import?file_name=offres.csv",
                Some("text/csv"),
                csv,
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let v = a.json();
        assert_eq!(v["error_count"], 500, "{b}");
        assert_eq!(
            v["errors"].as_array().unwrap().len(),
            limits::IMPORT_MAX_REPORTED_ERRORS
        );
        assert_eq!(v["errors"][0]["line"], 2);
        // A body past the import's size: 413 in the API's JSON.
        let big = "x".repeat(limits::IMPORT_MAX_BYTES + 1);
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import",
                Some("text/csv"),
                big,
            )
            .await;
        assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
        assert!(a.json()["error"].as_str().unwrap().contains("trop gros"));
    }
}

/// Row 7, CPU: a file of the most rows allowed, each with an unknown commune, is checked
/// in seconds: only the reported rows get "did you mean" suggestions (each compares the name
/// with thousands of communes; for every row, this file took minutes).
#[tokio::test]
async fn unknown_communes_in_a_large_import_are_checked_quickly() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@lille.fr").await;
        let mut csv = String::from("type;titre;organisme;commune\n");
        for i in 0..limits::IMPORT_MAX_ROWS {
            csv.push_str(&format!("emploi;Vendeur {i};Boulangerie;Saint-Etiene\n"));
        }
        let started = std::time::Instant::now();
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import?file_name=offres.csv",
                Some("text/csv"),
                csv,
            )
            .await;
        let elapsed = started.elapsed();
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            a.body
        );
        let v = a.json();
        assert_eq!(v["error_count"], limits::IMPORT_MAX_ROWS, "{b}");
        let errors = v["errors"].as_array().unwrap();
        assert_eq!(errors.len(), limits::IMPORT_MAX_REPORTED_ERRORS, "{b}");
        // Every reported row still has its suggestions.
        for (i, e) in errors.iter().enumerate() {
            assert_eq!(e["line"], i + 2);
            let m = e["message"].as_str().unwrap();
            assert!(
                m.contains("Nous ne connaissons pas la commune «\u{a0}Saint-Etiene\u{a0}»")
                    && m.contains("Vouliez-vous dire")
                    && m.contains("Saint-Étienne (42)"),
                "{b}: {m}"
            );
        }
        // A debug build on a shared machine: seconds. With suggestions on every row: minutes.
        assert!(
            elapsed < std::time::Duration::from_secs(30),
            "{b}: {elapsed:?}"
        );
    }
}

/// Row 8: stored links are `http(s)` only, and one stored before the check is not a link.
#[tokio::test]
async fn stored_links_are_web_links() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@lille.fr").await;
        for (field, value) in [
            ("source_url", "javascript:alert(1)"),
            ("source_url", "data:text/html,<script>alert(1)</script>"),
            ("apply", "javascript://alert(1)"),
            ("apply", "javascript:alert(1)"),
        ] {
            let mut o = offer("Vendeur");
            o[field] = json!(value);
            let a = c.json(Method::POST, "/api/v1/opportunities", o).await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {value}");
            assert!(a.json()["fields"][field].is_string(), "{}", a.body);
        }
        let mut o = offer("Vendeur");
        o["source_url"] = json!("https://candidat.francetravail.fr/offres/123");
        let a = c.json(Method::POST, "/api/v1/opportunities", o).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        let id = a.json()["id"].as_i64().unwrap();
        // A row written before links were checked.
        sqlx::query("UPDATE opportunities SET source_url = 'javascript:alert(1)' WHERE id = $1")
            .bind(id)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        let page = c.get(&format!("/opportunites/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("javascript:"), "{b}: {}", page.body);
        let a = c.get(&format!("/api/v1/opportunities/{id}")).await;
        assert_eq!(a.json()["source_url"], json!(null), "{b}");
    }
}

/// Rows 9, 10 and 11: a newer reset link, a used one or a changed password spends the older
/// links; reset requests are limited per account (silently) and per address; the answer is
/// the same for an account that exists or not.
#[tokio::test]
async fn reset_links_are_spent_and_limited() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, user) = youth(&p, "ines@exemple.fr").await;
        let first = accounts::create_token(&p.state.db, user.id, Purpose::Reset, 3600)
            .await
            .unwrap();
        let second = accounts::create_token(&p.state.db, user.id, Purpose::Reset, 3600)
            .await
            .unwrap();
        assert!(
            accounts::token_user(&p.state.db, &first)
                .await
                .unwrap()
                .is_none(),
            "{b}: a newer link spends the older"
        );
        assert!(accounts::token_user(&p.state.db, &second)
            .await
            .unwrap()
            .is_some());
        // A password change spends every link.
        let token = c.cookie("tremplin_session").unwrap();
        accounts::change_password(
            &p.state.db,
            &user,
            PASSWORD,
            "une autre phrase assez longue",
            &token,
        )
        .await
        .unwrap();
        assert!(
            accounts::token_user(&p.state.db, &second)
                .await
                .unwrap()
                .is_none(),
            "{b}"
        );
        // Using a link spends the others (an invitation too).
        let a = accounts::create_token(&p.state.db, user.id, Purpose::Invite, 3600)
            .await
            .unwrap();
        let r = accounts::create_token(&p.state.db, user.id, Purpose::Reset, 3600)
            .await
            .unwrap();
        accounts::set_password_with_token(&p.state.db, &r, PASSWORD)
            .await
            .unwrap();
        assert!(
            accounts::token_user(&p.state.db, &a)
                .await
                .unwrap()
                .is_none(),
            "{b}"
        );

        // Twenty requests for another account: three emails in the hour, the same answer
        // each time.
        youth(&p, "nour@exemple.fr").await;
        c.forget_cookies();
        let mut answers = std::collections::BTreeSet::new();
        for _ in 0..limits::FREE_RESETS_PER_ADDRESS {
            let a = c
                .post_form(
                    "/compte/mot-de-passe-oublie",
                    "/compte/mot-de-passe-oublie",
                    &[("email", "nour@exemple.fr")],
                )
                .await;
            assert_eq!(a.status, StatusCode::OK, "{b}");
            answers.insert(a.body);
        }
        assert_eq!(answers.len(), 1, "{b}");
        sqlx::query("UPDATE login_throttle SET last_at = $1 WHERE key LIKE 'reinitialisation:%'")
            .bind(tremplin_api::infra::db::now() + 5)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        let unknown = c
            .post_form(
                "/compte/mot-de-passe-oublie",
                "/compte/mot-de-passe-oublie",
                &[("email", "personne@exemple.fr")],
            )
            .await;
        assert_eq!(
            unknown.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{b}: the address is limited"
        );
        assert!(unknown
            .body
            .contains("Trop de demandes depuis cette connexion"));
        assert!(unknown.headers.contains_key(header::RETRY_AFTER));
        let mails = emails_when(&p.outbox, limits::RESETS_PER_ACCOUNT_PER_HOUR as usize).await;
        // Give the last requests' tasks their time, then count again.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let mails_after = emails(&p.outbox);
        assert_eq!(mails.len(), mails_after.len());
        let resets = mails_after
            .iter()
            .filter(|m| m.contains("To: nour@exemple.fr"))
            .count();
        assert_eq!(resets as i64, limits::RESETS_PER_ACCOUNT_PER_HOUR, "{b}");
    }
}

/// Row 10 (registration): an address can ask for so many registrations only, so that the
/// answer « an account exists » cannot be used to sweep a list of addresses.
#[tokio::test]
async fn registrations_are_limited_per_address() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        for i in 0..limits::FREE_REGISTRATIONS_PER_ADDRESS {
            let a = c
                .json(
                    Method::POST,
                    "/api/v1/accounts",
                    json!({"email": format!("x{i}@exemple.fr"), "password": "court", "first_name": "X"}),
                )
                .await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b} {i}");
        }
        sqlx::query("UPDATE login_throttle SET last_at = $1")
            .bind(tremplin_api::infra::db::now() + 5)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        let a = c
            .json(
                Method::POST,
                "/api/v1/accounts",
                json!({"email": "y@exemple.fr", "password": PASSWORD, "first_name": "Y"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{b}");
        assert!(a.headers.contains_key(header::RETRY_AFTER));
    }
}

/// Row 12: password hashing leaves the async threads free (here a single-threaded runtime,
/// where a hash on the thread would stop every other task until it ends).
#[tokio::test(flavor = "current_thread")]
async fn hashing_does_not_hold_the_async_thread() {
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = ticks.clone();
    let ticker = tokio::spawn(async move {
        loop {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::task::yield_now().await;
        }
    });
    let hash = tremplin_api::infra::auth::hash(PASSWORD).await;
    assert!(tremplin_api::infra::auth::verify(PASSWORD, Some(&hash)).await);
    let seen = ticks.load(std::sync::atomic::Ordering::SeqCst);
    ticker.abort();
    assert!(seen > 10, "other tasks ran while hashing: {seen}");
}

/// Row 13: an opportunity unpublished (and edited) after a youth saved it shows as withdrawn,
/// not as its new draft.
#[tokio::test]
async fn a_saved_opportunity_shows_no_draft() {
    for b in backends() {
        let p = platform(b).await;
        let (mut lille, _) = staff(&p, Role::Counsellor, "lille", "c@lille.fr").await;
        let a = lille
            .json(
                Method::POST,
                "/api/v1/opportunities",
                offer("Vendeur en boulangerie"),
            )
            .await;
        let id = a.json()["id"].as_i64().unwrap();
        let (mut jeune, _) = youth(&p, "jeune@exemple.fr").await;
        for path in ["favourite", "interest"] {
            let method = if path == "favourite" {
                Method::PUT
            } else {
                Method::POST
            };
            let a = jeune
                .send(
                    method,
                    &format!("/api/v1/opportunities/{id}/{path}"),
                    None,
                    String::new(),
                )
                .await;
            assert_eq!(a.status, StatusCode::NO_CONTENT, "{b}: {}", a.body);
        }
        let a = lille
            .json(
                Method::POST,
                &format!("/api/v1/opportunities/{id}/status"),
                json!({"status": "brouillon"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK);
        let mut draft = offer("Projet confidentiel de réorganisation");
        draft["status"] = json!("brouillon");
        draft["description"] = json!("Texte de travail interne");
        let a = lille
            .json(Method::PUT, &format!("/api/v1/opportunities/{id}"), draft)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        for page in [
            "/compte/opportunites",
            "/api/v1/me/opportunities",
            "/api/v1/me/export",
        ] {
            let a = jeune.get(page).await;
            assert_eq!(a.status, StatusCode::OK, "{b} {page}");
            assert!(!a.body.contains("confidentiel"), "{b} {page}: {}", a.body);
            assert!(!a.body.contains("interne"), "{b} {page}");
        }
        let page = jeune.get("/compte/opportunites").await;
        assert!(
            page.body
                .contains("Cette opportunité n&#39;est plus en ligne")
                || page.body.contains("Cette opportunité n'est plus en ligne"),
            "{}",
            page.body
        );
        assert!(!page.body.contains(&format!("href=\"/opportunites/{id}\"")));
    }
}

/// Row 14: the listing cache keeps a bounded number of pages, whatever the distinct URLs.
#[tokio::test]
async fn the_listing_cache_is_bounded() {
    let p = platform("sqlite").await;
    let mut c = Client::new(&p);
    for i in 0..limits::LISTING_CACHE_ENTRIES + 50 {
        let a = c
            .get(&format!(
                "/api/v1/opportunities?debut=2026-01-01&structure=s{i}"
            ))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }
    assert!(
        p.state.listings.len() <= limits::LISTING_CACHE_ENTRIES,
        "{}",
        p.state.listings.len()
    );
}

/// Row 16: an address the mailer cannot read is refused at registration; one stored before is
/// no 500 on a reset.
#[tokio::test]
async fn addresses_are_ones_the_mailer_reads() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        let a = c
            .json(
                Method::POST,
                "/api/v1/accounts",
                json!({"email": "a@b.fr,c.fr", "password": PASSWORD, "first_name": "A"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(a.json()["fields"]["email"].is_string());
        youth(&p, "ok@exemple.fr").await;
        sqlx::query("UPDATE users SET email = 'a@b.fr,c.fr'")
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        let a = c
            .post_form(
                "/compte/mot-de-passe-oublie",
                "/compte/mot-de-passe-oublie",
                &[("email", "a@b.fr,c.fr")],
            )
            .await;
        assert!(
            a.status == StatusCode::OK || a.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            a.status
        );
    }
}

/// Row 17: cookies are `Secure` and HSTS is sent under https; every `/api/v1` error is the
/// API's JSON in French, the framework's own included.
#[tokio::test]
async fn https_and_api_errors() {
    let p = platform_with("sqlite", |c| c.base_url = "https://tremplin.example".into()).await;
    let mut c = Client::new(&p);
    let page = c.get("/compte/connexion").await;
    let set: Vec<&str> = page
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        set.iter()
            .any(|s| s.starts_with("tremplin_csrf=") && s.contains("; Secure")),
        "{set:?}"
    );
    assert_eq!(
        page.headers["strict-transport-security"],
        "max-age=31536000"
    );

    let p = platform("sqlite").await;
    assert!(!Client::new(&p)
        .get("/")
        .await
        .headers
        .contains_key("strict-transport-security"));
    let mut c = Client::new(&p);
    for (method, path, body, status) in [
        (
            Method::GET,
            "/api/v1/opportunities/abc",
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/nulle-part",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::PATCH,
            "/api/v1/me",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::GET,
            "/api/v1/search?limit=x",
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/v1/accounts",
            Some("x".repeat(limits::BODY_MAX_BYTES + 10)),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ] {
        let a = c
            .send(
                method.clone(),
                path,
                Some("application/json"),
                body.unwrap_or_default(),
            )
            .await;
        assert_eq!(a.status, status, "{method} {path}: {}", a.body);
        assert_eq!(
            a.headers[header::CONTENT_TYPE],
            "application/json",
            "{path}"
        );
        let e = a.json()["error"].as_str().unwrap().to_string();
        assert!(
            !e.is_empty() && !e.contains("Failed") && !e.contains("Invalid"),
            "{path}: {e}"
        );
    }
    let a = c
        .send(
            Method::POST,
            "/api/v1/session",
            Some("text/plain"),
            "{}".into(),
        )
        .await;
    assert_eq!(a.headers[header::CONTENT_TYPE], "application/json");
    assert!(a.status.is_client_error());
}

/// The platform's app made again from `state` (over the same database and site).
fn rebuild(p: &mut Platform, state: tremplin_api::AppState) {
    p.app = tremplin_api::app(
        state,
        tremplin_api::http::preview::router(tremplin_api::http::preview::Preview::new(
            tremplin_generator::live::Live::new(tremplin_generator::BuildOptions::new(
                p.dir.path(),
            ))
            .unwrap(),
            false,
        )),
    );
}

/// A client of the platform's current app with the cookies of `from`.
fn with_cookies_of(p: &Platform, from: &Client) -> Client {
    let mut c = Client::new(p);
    for name in ["tremplin_session", "tremplin_csrf"] {
        if let Some(v) = from.cookie(name) {
            c.set_cookie(name, &v);
        }
    }
    c
}

/// Past the requests a process serves at once, a 503 in French with `Retry-After`.
#[tokio::test]
async fn too_many_requests_at_once_are_told_to_come_back() {
    let mut p = platform("sqlite").await;
    let mut state = p.state.clone();
    state.budget = tremplin_api::http::security::Budget::new(0);
    rebuild(&mut p, state);
    let mut c = Client::new(&p);
    for path in ["/", "/api/v1/opportunities"] {
        let a = c.get(path).await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(a.headers.contains_key(header::RETRY_AFTER));
        assert!(
            a.body.contains("Réessayez dans quelques secondes"),
            "{}",
            a.body
        );
    }
}

/// A youth has at most `QUESTIONS_WAITING_MAX` questions waiting, even sent all at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn waiting_questions_are_bounded() {
    for b in backends() {
        let p = platform(b).await;
        structure(&p, "lille", "Lille").await;
        let (jeune, user) = youth(&p, "jeune@exemple.fr").await;
        accounts::set_structure(&p.state.db, &user, "lille")
            .await
            .unwrap();
        let handles: Vec<_> = (0..25)
            .map(|i| {
                let mut c = Client::new(&p);
                c.set_cookie(
                    "tremplin_session",
                    &jeune.cookie("tremplin_session").unwrap(),
                );
                tokio::spawn(async move {
                    c.json(
                        Method::POST,
                        "/api/v1/questions",
                        json!({"question": format!("Comment faire un CV, question {i} ?")}),
                    )
                    .await
                })
            })
            .collect();
        let mut asked = 0;
        for h in handles {
            let a = h.await.unwrap();
            match a.status {
                StatusCode::CREATED => asked += 1,
                StatusCode::UNPROCESSABLE_ENTITY => {
                    assert!(a.json()["fields"]["question"]
                        .as_str()
                        .unwrap()
                        .contains("attendent une réponse"))
                }
                other => panic!("{b}: {other} {}", a.body),
            }
        }
        assert_eq!(asked, limits::QUESTIONS_WAITING_MAX, "{b}");
    }
}

/// Past its time budget (`ApiConfig::request_timeout`, `import_timeout`), a request is
/// answered 503 with `Retry-After`, in French: the API's JSON under `/api/v1`, a page
/// elsewhere. The work is real: a sign-in hashes a password (tens of milliseconds, past a
/// budget of 1 ms), an import reads and checks 100,000 rows (past 50 ms).
#[tokio::test]
async fn a_request_past_its_time_budget_is_told_to_come_back() {
    for b in backends() {
        let mut p = platform(b).await;
        let (mut counsellor, _) = staff(&p, Role::Counsellor, "lille", "c@lille.fr").await;
        assert_eq!(
            counsellor.get("/conseil/opportunites/import").await.status,
            StatusCode::OK
        );
        youth(&p, "jeune@exemple.fr").await;
        let sign_in = json!({"email": "jeune@exemple.fr", "password": PASSWORD});
        let mut visitor = Client::new(&p);
        let a = visitor
            .json(Method::POST, "/api/v1/session", sign_in.clone())
            .await;
        assert_eq!(a.status, StatusCode::OK, "{b}: within the default budget");
        let mut visitor = Client::new(&p);
        assert_eq!(
            visitor.get("/compte/connexion").await.status,
            StatusCode::OK
        );

        let mut state = p.state.clone();
        let mut config = (*state.config).clone();
        config.request_timeout = std::time::Duration::from_millis(1);
        config.import_timeout = std::time::Duration::from_millis(50);
        state.config = std::sync::Arc::new(config);
        rebuild(&mut p, state);

        let said = "La réponse a pris trop de temps. Réessayez dans quelques secondes.";
        let unavailable = |a: &Answer, json: bool| {
            assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{b}: {}", a.body);
            assert_eq!(
                a.headers[header::RETRY_AFTER],
                limits::RETRY_AFTER_SECONDS.to_string()
            );
            if json {
                assert_eq!(a.headers[header::CONTENT_TYPE], "application/json");
                assert_eq!(a.json()["error"], said, "{b}");
            } else {
                assert_eq!(a.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
                assert!(a.body.contains("lang=\"fr\""), "{}", a.body);
                assert!(a.body.contains("Service momentanément indisponible"));
                assert!(a.body.contains(said), "{b}: {}", a.body);
            }
        };
        // The request budget: a sign-in, through the API and through the form.
        let mut c = with_cookies_of(&p, &visitor);
        let a = c
            .json(Method::POST, "/api/v1/session", sign_in.clone())
            .await;
        unavailable(&a, true);
        let a = c
            .post_form(
                "/compte/connexion",
                "/compte/connexion",
                &[("email", "jeune@exemple.fr"), ("password", PASSWORD)],
            )
            .await;
        unavailable(&a, false);

        // The import budget: 100,000 good rows, through the API and through the form.
        let mut csv = String::from("type;titre;organisme;commune\n");
        for i in 0..limits::IMPORT_MAX_ROWS {
            csv.push_str(&format!("emploi;Vendeur {i};Boulangerie;Lille\n"));
        }
        let mut c = with_cookies_of(&p, &counsellor);
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import?file_name=offres.csv",
                Some("text/csv"),
                csv.clone(),
            )
            .await;
        unavailable(&a, true);
        let csrf = c.cookie("tremplin_csrf").unwrap();
        let boundary = "XyZ";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"offres.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n\
             --{boundary}--\r\n"
        );
        let a = c
            .send(
                Method::POST,
                "/conseil/opportunites/import",
                Some(&format!("multipart/form-data; boundary={boundary}")),
                body,
            )
            .await;
        unavailable(&a, false);
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM opportunities")
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{b}: an import stopped by its budget writes nothing");
    }
}

/// A form past `BODY_MAX_BYTES` is a 413 with a page in French, whether its size is declared
/// (`Content-Length`, refused by the form's reader) or found while reading it.
#[tokio::test]
async fn a_form_too_large_gets_a_page_in_french() {
    let p = platform("sqlite").await;
    let mut c = Client::new(&p);
    assert_eq!(c.get("/compte/inscription").await.status, StatusCode::OK);
    let csrf = c.cookie("tremplin_csrf").unwrap();
    let body = format!(
        "csrf={csrf}&email=a%40exemple.fr&prenom={}",
        "a".repeat(limits::BODY_MAX_BYTES)
    );
    for declared in [true, false] {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/compte/inscription")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("tremplin_csrf={csrf}"));
        if declared {
            req = req.header(header::CONTENT_LENGTH, body.len());
        }
        let a = raw(&p, req.body(Body::from(body.clone())).unwrap()).await;
        assert_eq!(
            a.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{declared}: {}",
            a.body
        );
        assert!(
            a.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{declared}"
        );
        assert!(a.body.contains("lang=\"fr\""), "{declared}: {}", a.body);
        assert!(
            a.body.contains("trop long") || a.body.contains("trop gros"),
            "{declared}: {}",
            a.body
        );
        assert!(a.body.contains("256 Ko au plus"), "{declared}: {}", a.body);
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&p.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

/// The bounds of `limits` on the texts a youth or a counsellor sends (a first name, an
/// interest's message, a follow-up note, an answer) refuse one character more, in French,
/// naming the field, on every database.
#[tokio::test]
async fn text_fields_are_bounded_by_limits() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        let a = c
            .json(
                Method::POST,
                "/api/v1/accounts",
                json!({
                    "email": "long@exemple.fr", "password": PASSWORD,
                    "first_name": "a".repeat(limits::FIRST_NAME_MAX_CHARS + 1),
                }),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            a.json()["fields"]["first_name"],
            "Le prénom doit faire 80 caractères au plus."
        );

        let (mut lille, _) = staff(&p, Role::Counsellor, "lille", "c@lille.fr").await;
        let a = lille
            .json(Method::POST, "/api/v1/opportunities", offer("Vendeur"))
            .await;
        let one = format!("/api/v1/opportunities/{}", a.json()["id"]);
        let (mut jeune, user) = youth(&p, "jeune@exemple.fr").await;
        accounts::set_structure(&p.state.db, &user, "lille")
            .await
            .unwrap();
        let long = "m".repeat(limits::INTEREST_MESSAGE_MAX_CHARS + 1);
        let a = jeune
            .json(
                Method::POST,
                &format!("{one}/interest"),
                json!({ "message": long }),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            a.body
        );
        assert_eq!(
            a.json()["fields"]["message"],
            "Le message doit faire 2\u{a0}000 caractères au plus."
        );
        let a = jeune
            .json(
                Method::POST,
                &format!("{one}/interest"),
                json!({"message": "Bonjour"}),
            )
            .await;
        assert!(a.status.is_success(), "{b}: {}", a.body);
        let note = "n".repeat(limits::FOLLOW_UP_NOTE_MAX_CHARS + 1);
        let a = lille
            .json(
                Method::POST,
                &format!("{one}/interests/{}", user.id),
                json!({"state": "contacte", "outcome": note}),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            a.body
        );
        assert_eq!(
            a.json()["fields"]["outcome"],
            "La note de suivi doit faire 2\u{a0}000 caractères au plus."
        );

        let a = jeune
            .json(
                Method::POST,
                "/api/v1/questions",
                json!({"question": "Comment faire un CV ?"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{b}: {}", a.body);
        let id = a.json()["id"].as_i64().unwrap();
        let a = lille
            .json(
                Method::POST,
                &format!("/api/v1/questions/{id}/answer"),
                json!({"answer": "r".repeat(limits::ANSWER_MAX_CHARS + 1)}),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            a.body
        );
        assert_eq!(
            a.json()["fields"]["answer"],
            "La réponse doit faire 20\u{a0}000 caractères au plus."
        );
    }
}
