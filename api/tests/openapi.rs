//! The OpenAPI document stays true: every documented operation and status is produced by the
//! API, and every call the API answers is documented. Also: the API over a real server on
//! loopback.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{json, Value};
use tremplin_api::domain::accounts::{self, Role};

/// (method, path, status) triples the document lists.
fn documented(doc: &Value) -> BTreeSet<(String, String, u16)> {
    let mut out = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for status in op["responses"].as_object().unwrap().keys() {
                out.insert((method.clone(), path.clone(), status.parse().unwrap()));
            }
        }
    }
    out
}

/// `/opportunities/12/interests/7` → `/opportunities/{id}/interests/{user_id}`, and the same
/// with `x` for a number;
/// `/structures/lille/opportunities` → `/structures/{slug}/opportunities`.
fn template(path: &str) -> String {
    let mut numbers = 0;
    let parts: Vec<String> = path
        .split('/')
        .enumerate()
        .map(|(i, part)| {
            // "x": an id that is not a number (see `every_operation`).
            if part == "x" || (!part.is_empty() && part.chars().all(|c| c.is_ascii_digit())) {
                numbers += 1;
                if numbers == 1 { "{id}" } else { "{user_id}" }.to_string()
            } else if i == 2 && path.starts_with("/structures/") {
                "{slug}".to_string()
            } else {
                part.to_string()
            }
        })
        .collect();
    parts.join("/")
}

/// Every documented operation called as no handler's own test would: with an id that does
/// not exist and one that is not a number, with `%00` in its address, from another site, with
/// a body that is not JSON and one that is too large, and on a server too busy to answer, by
/// each of `clients` (signed out, a youth, a counsellor). Every answer must be documented, as
/// the others are: a new operation gets these calls without anyone writing them.
async fn every_operation(p: &Platform, doc: &Value, clients: &mut [&mut Client]) {
    use tremplin_api::infra::limits::{BODY_MAX_BYTES, IMPORT_MAX_BYTES};
    let mut busy_state = p.state.clone();
    busy_state.budget = tremplin_api::http::security::Budget::new(0);
    let busy = tremplin_api::app(busy_state, axum::Router::new());
    let seen = clients[0].seen.clone();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, op) in operations.as_object().unwrap() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let at = |id: &str| {
                let concrete = path
                    .replace("{id}", id)
                    .replace("{user_id}", id)
                    .replace("{slug}", "nulle-part");
                format!("/api/v1{concrete}")
            };
            let body = op.get("requestBody").is_some();
            let (content_type, empty) = if body {
                (Some("application/json"), "{}".to_string())
            } else {
                (None, String::new())
            };
            // Signing out and deleting one's account are called on their own, above.
            let ends_session = m == Method::DELETE && (path == "/session" || path == "/me");
            for c in clients.iter_mut() {
                if ends_session && c.cookie("tremplin_session").is_some() {
                    continue;
                }
                c.send(m.clone(), &at("999999"), content_type, empty.clone())
                    .await;
                let nul = format!("{}?x=%00", at("999999"));
                let a = c.send(m.clone(), &nul, content_type, empty.clone()).await;
                assert_eq!(a.status, StatusCode::BAD_REQUEST, "{method} {nul}");
                if path.contains("{id}") {
                    c.send(m.clone(), &at("x"), content_type, empty.clone())
                        .await;
                }
                // The document's example is a body the API reads (what it does with it
                // depends on the account and the id).
                let example = &op["requestBody"]["content"]["application/json"]["example"];
                if !example.is_null() {
                    let a = c.json(m.clone(), &at("999999"), example.clone()).await;
                    assert_ne!(
                        a.status,
                        StatusCode::BAD_REQUEST,
                        "{method} {path}: {}",
                        a.body
                    );
                }
                if body {
                    let json = Some("application/json");
                    c.send(m.clone(), &at("999999"), json, "{".into()).await;
                    let limit = if path.ends_with("/import") {
                        IMPORT_MAX_BYTES
                    } else {
                        BODY_MAX_BYTES
                    };
                    c.send(m.clone(), &at("999999"), json, "x".repeat(limit + 1))
                        .await;
                }
                if m != Method::GET {
                    c.origin = Some("https://ailleurs.example".into());
                    c.send(m.clone(), &at("999999"), content_type, empty.clone())
                        .await;
                    c.origin = None;
                }
            }
            let req = axum::http::Request::builder()
                .method(m.clone())
                .uri(at("1"))
                .body(axum::body::Body::empty())
                .unwrap();
            let res = tower::ServiceExt::oneshot(busy.clone(), req).await.unwrap();
            assert!(
                res.headers().contains_key("retry-after"),
                "{method} {path}: 503 without Retry-After"
            );
            seen.lock().unwrap().insert((
                method.clone(),
                at("1")[7..].to_string(),
                res.status().as_u16(),
            ));
        }
    }
}

/// Every documented status of the opportunities' and search's operations.
async fn opportunities_and_search(p: &Platform, c: &mut Client) {
    c.forget_cookies();
    c.get("/api/v1/opportunities").await;
    c.get("/api/v1/opportunities?lieu=Zzzzkville").await;
    c.json(
        Method::POST,
        "/api/v1/opportunities",
        json!({"kind": "emploi"}),
    )
    .await;
    c.send(
        Method::PUT,
        "/api/v1/opportunities/1/favourite",
        None,
        String::new(),
    )
    .await;
    c.get("/api/v1/me/opportunities").await;
    c.get("/api/v1/search?q=cv").await;
    c.get("/api/v1/search?q=cv&index=secret").await;
    c.get("/api/v1/search?q=cv&limit=beaucoup").await;
    c.get("/api/v1/opportunities?page=2").await;

    // A counsellor publishes.
    let (_, t) = accounts::invite(
        &p.state.db,
        &p.state.config,
        "c2@exemple.fr",
        Role::Counsellor,
        Some("lille"),
        "C",
    )
    .await
    .unwrap();
    accounts::set_password_with_token(&p.state.db, &t, PASSWORD)
        .await
        .unwrap();
    let mut staff = Client::new(p);
    staff.seen = c.seen.clone();
    sign_in(&mut staff, "c2@exemple.fr", PASSWORD).await;
    let good = json!({"kind": "evenement", "title": "Forum", "town": "Lille", "status": "publiee", "places": 5});
    staff
        .json(
            Method::POST,
            "/api/v1/opportunities",
            json!({"kind": "emploi", "titre": "x"}),
        )
        .await;
    staff
        .json(
            Method::POST,
            "/api/v1/opportunities",
            json!({"kind": "emploi"}),
        )
        .await;
    let a = staff
        .json(Method::POST, "/api/v1/opportunities", good.clone())
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.json()["id"].as_i64().unwrap();
    let one = format!("/api/v1/opportunities/{id}");
    staff.get(&one).await;
    staff.get("/api/v1/opportunities/999999").await;
    staff.json(Method::PUT, &one, good.clone()).await;
    staff.json(Method::PUT, &one, json!({"nope": 1})).await;
    staff
        .json(Method::PUT, &one, json!({"kind": "fusée"}))
        .await;
    staff
        .json(Method::PUT, "/api/v1/opportunities/999999", good.clone())
        .await;
    let status = format!("{one}/status");
    staff
        .json(Method::POST, &status, json!({"status": "publiee"}))
        .await;
    staff
        .json(Method::POST, &status, json!({"status": "perdue"}))
        .await;
    staff
        .json(
            Method::POST,
            "/api/v1/opportunities/999999/status",
            json!({"status": "publiee"}),
        )
        .await;
    staff
        .send(
            Method::POST,
            "/api/v1/opportunities/import",
            Some("text/csv"),
            "titre;type;commune\nVendeur;emploi;Lille\n".into(),
        )
        .await;
    staff
        .send(
            Method::POST,
            "/api/v1/opportunities/import",
            Some("text/csv"),
            "titre;type;commune\nVendeur;fusée;Lille\n".into(),
        )
        .await;
    let a = staff
        .send(
            Method::POST,
            "/api/v1/opportunities/import?skip_bad=peut-etre",
            Some("text/csv"),
            "titre;type;commune\nVendeur;emploi;Lille\n".into(),
        )
        .await;
    assert_eq!(
        a.json()["error"],
        "Le paramètre « skip_bad » est incorrect : il faut true ou false.",
    );
    staff.get("/api/v1/structures/lille/opportunities").await;
    staff
        .get("/api/v1/structures/nulle-part/opportunities")
        .await;
    staff.get(&format!("{one}/interests")).await;
    staff.get("/api/v1/opportunities/999999/interests").await;
    staff
        .json(Method::POST, &format!("{one}/interest"), json!({}))
        .await;

    // A youth saves it and says "ça m'intéresse".
    let reg = json!({"email": "y@exemple.fr", "password": PASSWORD, "first_name": "Y"});
    c.json(Method::POST, "/api/v1/accounts", reg).await;
    sign_in(c, "y@exemple.fr", PASSWORD).await;
    c.json(Method::POST, "/api/v1/opportunities", good.clone())
        .await;
    c.send(
        Method::PUT,
        &format!("{one}/favourite"),
        None,
        String::new(),
    )
    .await;
    c.send(
        Method::DELETE,
        &format!("{one}/favourite"),
        None,
        String::new(),
    )
    .await;
    c.json(
        Method::POST,
        &format!("{one}/interest"),
        json!({"message": "x".repeat(2001)}),
    )
    .await;
    c.json(
        Method::POST,
        &format!("{one}/interest"),
        json!({"message": "Bonjour"}),
    )
    .await;
    c.get("/api/v1/me/opportunities").await;
    let youth = accounts::user_by_email(&p.state.db, "y@exemple.fr")
        .await
        .unwrap()
        .unwrap();
    let follow = format!("{one}/interests/{}", youth.id);
    staff
        .json(
            Method::POST,
            &follow,
            json!({"state": "contacte", "outcome": "Appelé"}),
        )
        .await;
    staff
        .json(Method::POST, &follow, json!({"state": "oublie"}))
        .await;
    staff
        .json(
            Method::POST,
            "/api/v1/opportunities/999999/interests/1",
            json!({"state": "contacte"}),
        )
        .await;
    c.send(
        Method::DELETE,
        &format!("{one}/interest"),
        None,
        String::new(),
    )
    .await;
}

async fn staff(p: &Platform, c: &Client, email: &str) -> Client {
    let (_, t) = accounts::invite(
        &p.state.db,
        &p.state.config,
        email,
        Role::Counsellor,
        Some("lille"),
        "C",
    )
    .await
    .unwrap();
    accounts::set_password_with_token(&p.state.db, &t, PASSWORD)
        .await
        .unwrap();
    let mut staff = Client::new(p);
    staff.seen = c.seen.clone();
    sign_in(&mut staff, email, PASSWORD).await;
    staff
}

/// Every documented status of the questions' operations.
async fn questions(p: &Platform, c: &mut Client) {
    // "y@exemple.fr" (signed in on `c`) has no Mission Locale.
    c.json(
        Method::POST,
        "/api/v1/questions",
        json!({"question": "Une vraie question ?"}),
    )
    .await;
    c.forget_cookies();
    c.json(
        Method::POST,
        "/api/v1/questions",
        json!({"question": "Une vraie question ?"}),
    )
    .await;
    c.get("/api/v1/me/questions").await;
    let reg = json!({"email": "q@exemple.fr", "password": PASSWORD, "first_name": "Q", "structure": "lille"});
    c.json(Method::POST, "/api/v1/accounts", reg).await;
    sign_in(c, "q@exemple.fr", PASSWORD).await;
    c.json(Method::POST, "/api/v1/questions", json!({"questoin": "x"}))
        .await;
    c.json(
        Method::POST,
        "/api/v1/questions",
        json!({"question": "court"}),
    )
    .await;
    let a = c
        .json(
            Method::POST,
            "/api/v1/questions",
            json!({"question": "Comment payer mon permis de conduire ?", "page": "/guides/permis/"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let id = a.json()["id"].as_i64().unwrap();
    c.get("/api/v1/me/questions").await;
    c.get("/api/v1/questions/inbox").await;

    let mut nora = staff(p, c, "nora@exemple.fr").await;
    let mut sam = staff(p, c, "sam@exemple.fr").await;
    let one = format!("/api/v1/questions/{id}");
    nora.get("/api/v1/questions/inbox?filter=nouvelles").await;
    nora.get("/api/v1/questions/inbox?filter=nouvelles&filter=miennes")
        .await;
    nora.get(&one).await;
    nora.get("/api/v1/questions/999999").await;
    nora.send(Method::POST, &format!("{one}/take"), None, String::new())
        .await;
    sam.send(Method::POST, &format!("{one}/take"), None, String::new())
        .await;
    nora.send(
        Method::POST,
        "/api/v1/questions/999999/take",
        None,
        String::new(),
    )
    .await;
    sam.json(
        Method::POST,
        &format!("{one}/answer"),
        json!({"answer": "Moi aussi"}),
    )
    .await;
    let a = nora
        .json(
            Method::POST,
            &format!("{one}/answer"),
            json!({"answer": "Il existe des aides : parlons-en."}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    nora.json(
        Method::POST,
        "/api/v1/questions/999999/answer",
        json!({"answer": "Bonjour"}),
    )
    .await;
    nora.get(&format!("{one}/faq")).await;
    nora.get("/api/v1/questions/999999/faq").await;
    let faq = json!({"title": "Des aides pour le permis ?", "description": "", "question": "",
        "answer": "Il existe des aides : parlons-en.", "theme": "mobilité", "publics": ["18-25 ans"]});
    // Not a git repository yet: refused, nothing written.
    nora.json(Method::POST, &format!("{one}/faq"), faq.clone())
        .await;
    make_repository(p.dir.path());
    nora.json(
        Method::POST,
        &format!("{one}/faq"),
        json!({"title": "", "description": "", "question": "", "answer": "", "theme": "mobilité", "publics": []}),
    )
    .await;
    let a = nora.json(Method::POST, &format!("{one}/faq"), faq).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
}

/// Every documented status of the news and alerts operations. `c` is a youth's session.
async fn newsletter(p: &Platform, c: &mut Client) {
    let a = c.get("/api/v1/me/newsletter").await;
    assert_eq!(a.json()["subscribed"], json!(false), "{}", a.body);
    c.json(
        Method::PUT,
        "/api/v1/me/newsletter",
        json!({"abonne": true}),
    )
    .await;
    let a = c
        .json(
            Method::PUT,
            "/api/v1/me/newsletter",
            json!({"subscribed": true}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.json()["subscribed"], json!(true));
    assert!(a.json()["consented_at"].is_string(), "dated: {}", a.body);

    c.get("/api/v1/me/alerts").await;
    let a = c
        .json(
            Method::POST,
            "/api/v1/me/alerts",
            json!({"query": "type=stage&lieu=Lille&rayon=30", "frequency": "hebdomadaire"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let alert = a.json();
    assert_eq!(alert["frequency"], "hebdomadaire");
    assert!(
        alert["query"].as_str().unwrap().contains("lieu=Lille"),
        "{alert}"
    );
    let a = c
        .json(
            Method::POST,
            "/api/v1/me/alerts",
            json!({"query": "type=stage", "frequency": "souvent"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.json()["fields"]["frequency"].is_string(), "{}", a.body);
    c.json(Method::POST, "/api/v1/me/alerts", json!({"requete": "x"}))
        .await;
    let a = c.get("/api/v1/me/alerts").await;
    assert_eq!(a.json().as_array().unwrap().len(), 1, "{}", a.body);
    let one = format!("/api/v1/me/alerts/{}", alert["id"]);
    let a = c.send(Method::DELETE, &one, None, String::new()).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    c.send(Method::DELETE, &one, None, String::new()).await;

    // A counsellor has neither (403); without a session, 401.
    let mut lea = staff(p, c, "lea@exemple.fr").await;
    for signed_in in [true, false] {
        if !signed_in {
            lea.forget_cookies();
        }
        lea.get("/api/v1/me/newsletter").await;
        let on = json!({"subscribed": true});
        lea.json(Method::PUT, "/api/v1/me/newsletter", on).await;
        lea.get("/api/v1/me/alerts").await;
        lea.json(Method::POST, "/api/v1/me/alerts", json!({"query": ""}))
            .await;
    }
    lea.send(Method::DELETE, &one, None, String::new()).await;
}

#[tokio::test]
async fn the_document_matches_the_api() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        let doc = c.get("/api/v1/openapi.json").await;
        assert_eq!(doc.status, StatusCode::OK);
        let doc = doc.json();
        assert_eq!(doc["openapi"], "3.0.3");
        c.seen.lock().unwrap().clear();

        // /accounts: 201, 400, 403, 422.
        let reg = json!({"email": "a@exemple.fr", "password": PASSWORD, "first_name": "A"});
        assert_eq!(
            c.json(Method::POST, "/api/v1/accounts", reg.clone())
                .await
                .status,
            StatusCode::CREATED
        );
        c.json(
            Method::POST,
            "/api/v1/accounts",
            json!({"email": "a@exemple.fr"}),
        )
        .await;
        c.json(Method::POST, "/api/v1/accounts", reg.clone()).await;
        c.origin = Some("https://ailleurs.example".into());
        c.json(Method::POST, "/api/v1/accounts", reg).await;
        c.send(Method::DELETE, "/api/v1/session", None, String::new())
            .await;
        c.origin = None;
        // /session: 200, 400, 401, 403, 429; DELETE 204.
        c.json(
            Method::POST,
            "/api/v1/session",
            json!({"email": "a@exemple.fr"}),
        )
        .await;
        c.json(
            Method::POST,
            "/api/v1/session",
            json!({"email": "a@exemple.fr", "password": "faux faux faux faux"}),
        )
        .await;
        let a = sign_in(&mut c, "a@exemple.fr", PASSWORD).await;
        let user = a.json();
        for key in ["id", "email", "first_name", "role", "structure"] {
            assert!(user.get(key).is_some(), "User has {key}");
        }
        // /me: 200 and 401; /me/export: 200 and 401.
        c.get("/api/v1/me").await;
        c.get("/api/v1/me/export").await;
        c.send(Method::DELETE, "/api/v1/session", None, String::new())
            .await;
        c.get("/api/v1/me").await;
        c.get("/api/v1/me/export").await;
        c.send(Method::DELETE, "/api/v1/me", None, String::new())
            .await;
        // A counsellor may not delete their account; a disabled one may not sign in.
        accounts::add_structure(&p.state.db, "lille", "ML Lille", "Lille", "")
            .await
            .unwrap();
        let (_, t) = accounts::invite(
            &p.state.db,
            &p.state.config,
            "c@exemple.fr",
            Role::Counsellor,
            Some("lille"),
            "C",
        )
        .await
        .unwrap();
        accounts::set_password_with_token(&p.state.db, &t, PASSWORD)
            .await
            .unwrap();
        sign_in(&mut c, "c@exemple.fr", PASSWORD).await;
        c.send(Method::DELETE, "/api/v1/me", None, String::new())
            .await;
        accounts::set_disabled(&p.state.db, "c@exemple.fr", true)
            .await
            .unwrap();
        sign_in(&mut c, "c@exemple.fr", PASSWORD).await;
        // A youth deletes their account.
        sign_in(&mut c, "a@exemple.fr", PASSWORD).await;
        c.send(Method::DELETE, "/api/v1/me", None, String::new())
            .await;
        for _ in 0..tremplin_api::infra::limits::FREE_ATTEMPTS_PER_ACCOUNT {
            sign_in(&mut c, "z@exemple.fr", "faux faux faux faux").await;
        }
        // The next attempt must wait, whatever the clock does meanwhile.
        sqlx::query("UPDATE login_throttle SET last_at = $1 WHERE key = 'compte:z@exemple.fr'")
            .bind(tremplin_api::infra::db::now() + 5)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        sign_in(&mut c, "z@exemple.fr", "faux faux faux faux").await;

        opportunities_and_search(&p, &mut c).await;
        questions(&p, &mut c).await;
        newsletter(&p, &mut c).await;
        let mut out = Client::new(&p);
        out.seen = c.seen.clone();
        let mut youth = Client::new(&p);
        youth.seen = c.seen.clone();
        let reg = json!({"email": "e@exemple.fr", "password": PASSWORD, "first_name": "E", "structure": "lille"});
        youth.json(Method::POST, "/api/v1/accounts", reg).await;
        sign_in(&mut youth, "e@exemple.fr", PASSWORD).await;
        let mut counsellor = staff(&p, &c, "f@exemple.fr").await;
        every_operation(&p, &doc, &mut [&mut out, &mut youth, &mut counsellor]).await;
        // Registrations past the limit of one address: 429, with the wait.
        sqlx::query(
            "INSERT INTO login_throttle (key, attempts, last_at) VALUES ('inscription:inconnue', $1, $2) \
             ON CONFLICT (key) DO UPDATE SET attempts = excluded.attempts, last_at = excluded.last_at",
        )
        .bind(tremplin_api::infra::limits::FREE_REGISTRATIONS_PER_ADDRESS + 5)
        .bind(tremplin_api::infra::db::now())
        .execute(&p.state.db.pool)
        .await
        .unwrap();
        let reg = json!({"email": "g@exemple.fr", "password": PASSWORD, "first_name": "G"});
        let a = out.json(Method::POST, "/api/v1/accounts", reg).await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.body);
        assert!(a.headers.contains_key("retry-after"), "{:?}", a.headers);

        // Concrete paths back to the document's templates.
        let seen: BTreeSet<(String, String, u16)> = c
            .seen
            .lock()
            .unwrap()
            .iter()
            .map(|(m, path, s)| (m.clone(), template(path), *s))
            .collect();
        let doc_ops = documented(&doc);
        let undocumented: Vec<_> = seen.difference(&doc_ops).collect();
        let unseen: Vec<_> = doc_ops.difference(&seen).collect();
        assert!(
            undocumented.is_empty(),
            "{b}: answered but not documented: {undocumented:?}"
        );
        assert!(
            unseen.is_empty(),
            "{b}: documented but never produced: {unseen:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_server_on_loopback() {
    for b in backends() {
        real_server(b).await;
    }
}

async fn real_server(b: &'static str) {
    let p = platform(b).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = p.app.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let call = move |request: String| {
        tokio::task::spawn_blocking(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            s.write_all(request.as_bytes()).unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        })
    };
    let body =
        json!({"email": "loop@exemple.fr", "password": PASSWORD, "first_name": "Lou"}).to_string();
    let res = call(format!(
        "POST /api/v1/accounts HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
    .await
    .unwrap();
    assert!(res.starts_with("HTTP/1.1 201"), "{res}");
    let body = json!({"email": "loop@exemple.fr", "password": PASSWORD}).to_string();
    let res = call(format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
    .await
    .unwrap();
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let cookie = res
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let res = call(format!(
        "GET /api/v1/me HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    ))
    .await
    .unwrap();
    assert!(
        res.starts_with("HTTP/1.1 200") && res.contains("\"first_name\":\"Lou\""),
        "{res}"
    );
    // The site itself is served beside the API, with the same headers.
    let res = call(format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    ))
    .await
    .unwrap();
    assert!(
        res.starts_with("HTTP/1.1 200") && res.contains("content-security-policy:"),
        "{res}"
    );
    // Wrong password from the same address, counted by the real client address.
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_throttle WHERE key LIKE 'adresse:%' AND attempts > 0",
    )
    .fetch_one(&p.state.db.pool)
    .await
    .unwrap();
    assert_eq!(n, 0);
    let body = json!({"email": "loop@exemple.fr", "password": "faux faux faux faux"}).to_string();
    call(format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
    .await
    .unwrap();
    let ip: String = sqlx::query_scalar(
        "SELECT key FROM login_throttle WHERE key LIKE 'adresse:%' AND attempts > 0",
    )
    .fetch_one(&p.state.db.pool)
    .await
    .unwrap();
    assert_eq!(ip, "adresse:127.0.0.1", "{b}");
}
