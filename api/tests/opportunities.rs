//! Opportunities through the router, on every database: publishing with forms and JSON, who
//! may see and change what, the public listing and its filters, expiry, favourites and
//! "ça m'intéresse", places that never overflow under concurrent requests, the counsellor's
//! follow-up, the CSV export, imports and the Atom feed.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{json, Value};
use tremplin_api::domain::accounts::{self, Role, User};
use tremplin_api::domain::opportunities::{self as opp, Draft};

fn offer(title: &str, kind: &str, town: &str) -> Value {
    json!({
        "kind": kind, "title": title, "organisation": "Boulangerie Dupont",
        "description": "Vous aimez le **contact** ?", "town": town,
        "level": "cap", "status": "publiee",
    })
}

async fn create(c: &mut Client, body: Value) -> Value {
    let a = c.json(Method::POST, "/api/v1/opportunities", body).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    a.json()
}

#[tokio::test]
async fn a_counsellor_manages_only_their_structure() {
    for b in backends() {
        let p = platform(b).await;
        let (mut lille, _) = staff(&p, Role::Counsellor, "lille", "c.lille@exemple.fr").await;
        let (mut grenoble, _) =
            staff(&p, Role::Counsellor, "grenoble", "c.grenoble@exemple.fr").await;
        let (mut admin, _) = staff(&p, Role::Admin, "", "admin@exemple.fr").await;
        let (mut jeune, _) = youth(&p, "jeune@exemple.fr").await;

        let mut draft = offer("Vendeur en boulangerie", "emploi", "Lille");
        draft["status"] = json!("brouillon");
        let o = create(&mut lille, draft.clone()).await;
        let id = o["id"].as_i64().unwrap();
        assert_eq!(o["structure"]["slug"], "lille", "{b}");
        assert_eq!(o["status"], "brouillon");
        assert_eq!(o["place"]["insee"], "59350", "{b}: {o}");

        // A draft is invisible to the public and to another structure.
        for c in [&mut jeune, &mut grenoble] {
            assert_eq!(
                c.get(&format!("/api/v1/opportunities/{id}")).await.status,
                StatusCode::NOT_FOUND,
                "{b}"
            );
            assert_eq!(
                c.get(&format!("/opportunites/{id}")).await.status,
                StatusCode::NOT_FOUND
            );
        }
        // Grenoble can neither change it, nor publish it, nor see who is interested.
        let a = grenoble
            .json(
                Method::PUT,
                &format!("/api/v1/opportunities/{id}"),
                draft.clone(),
            )
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{b}");
        let a = grenoble
            .json(
                Method::POST,
                &format!("/api/v1/opportunities/{id}/status"),
                json!({"status": "publiee"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        assert_eq!(
            grenoble
                .get(&format!("/api/v1/opportunities/{id}/interests"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            grenoble
                .get("/api/v1/structures/lille/opportunities")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let page = grenoble.get(&format!("/conseil/opportunites/{id}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let dash = grenoble.get("/conseil/opportunites").await;
        assert_eq!(dash.status, StatusCode::OK);
        assert!(!dash.body.contains("Vendeur en boulangerie"), "{b}");
        // Nor export Lille's youths: the export is always their own structure's.
        let csv = grenoble
            .get("/conseil/opportunites/export.csv?structure=lille")
            .await;
        assert!(!csv.body.contains("Vendeur en boulangerie"), "{b}");

        // A youth cannot publish.
        let a = jeune
            .json(
                Method::POST,
                "/api/v1/opportunities",
                offer("X", "emploi", "Lille"),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(
            jeune.get("/conseil/opportunites").await.status,
            StatusCode::FORBIDDEN
        );

        // Lille publishes; then everyone sees it.
        let a = lille
            .json(
                Method::POST,
                &format!("/api/v1/opportunities/{id}/status"),
                json!({"status": "publiee"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(
            jeune.get(&format!("/opportunites/{id}")).await.status,
            StatusCode::OK
        );
        let dash = lille.get("/conseil/opportunites").await;
        assert!(dash.body.contains("Vendeur en boulangerie"), "{b}");

        // An admin names the structure, and may act on any.
        let a = admin
            .json(
                Method::POST,
                "/api/v1/opportunities",
                offer("Y", "emploi", "Grenoble"),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(a.json()["fields"]["structure"].is_string());
        let mut body = offer("Animateur", "service-civique", "Grenoble");
        body["structure"] = json!("grenoble");
        let g = create(&mut admin, body).await;
        assert_eq!(g["structure"]["slug"], "grenoble");
        let a = admin
            .json(
                Method::POST,
                &format!("/api/v1/opportunities/{id}/status"),
                json!({"status": "pourvue"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(a.json()["status"], "pourvue");
        // A filled opportunity leaves the public.
        assert_eq!(
            jeune.get(&format!("/opportunites/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
        // Every change reached the search index: only public ones are found.
        index_now(&p).await;
        let found = jeune.get("/api/v1/opportunities").await.json();
        let titles: Vec<&str> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Animateur"], "{b}: the filled one left the index");
    }
}

#[tokio::test]
async fn forms_name_each_wrong_field_and_keep_what_was_typed() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        let page = c.get("/conseil/opportunites/nouvelle").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            field(&page.body, "Titre").is_some(),
            "a field labelled Titre"
        );
        let a = c
            .post_form(
                "/conseil/opportunites/nouvelle",
                "/conseil/opportunites/nouvelle",
                &[
                    ("kind", "emploi"),
                    ("title", ""),
                    ("description", "Une description gardée"),
                    ("town", "Lile"),
                    ("places", "beaucoup"),
                    ("deadline", "bientôt"),
                    ("status", "publiee"),
                ],
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            a.body
        );
        assert!(a.body.contains("Le titre est obligatoire."), "{}", a.body);
        assert!(field_error(&a.body, "Commune").is_some(), "{}", a.body);
        assert!(
            a.body.contains("Lille"),
            "a suggestion for Lile: {}",
            a.body
        );
        assert!(field_error(&a.body, "Nombre de places (facultatif)").is_some());
        assert!(field_error(&a.body, "Date limite (facultatif)").is_some());
        assert_eq!(
            field(&a.body, "Description").unwrap().value,
            "Une description gardée"
        );
        assert!(field_error(&a.body, "Description").is_none());
        // Nothing was written.
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM opportunities")
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();
        assert_eq!(n, 0);

        let a = c
            .post_form(
                "/conseil/opportunites/nouvelle",
                "/conseil/opportunites/nouvelle",
                &[
                    ("kind", "alternance"),
                    ("title", "Apprenti boulanger"),
                    ("description", "Bonjour <script>alert('x')</script>"),
                    ("town", "Roubaix"),
                    ("status", "publiee"),
                    ("level", ""),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let id: i64 = sqlx::query_scalar("SELECT id FROM opportunities")
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();
        // The description's script is shown as text, never run.
        let mut anon = Client::new(&p);
        let page = anon.get(&format!("/opportunites/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("<script>alert"), "{b}");
        assert!(page.body.contains("&lt;script&gt;alert("), "{}", page.body);
        let j = anon
            .get(&format!("/api/v1/opportunities/{id}"))
            .await
            .json();
        assert_eq!(j["description"], "Bonjour <script>alert('x')</script>");
        assert!(!j["description_html"].as_str().unwrap().contains("<script"));

        // Editing keeps the structure; an unknown JSON field is named.
        let a = c
            .json(
                Method::PUT,
                &format!("/api/v1/opportunities/{id}"),
                json!({"kind": "alternance", "title": "Apprentie boulangère", "town": "Roubaix", "titre": "x"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
        assert!(
            a.json()["error"].as_str().unwrap().contains("titre"),
            "{}",
            a.body
        );
        let page = c
            .post_form(
                &format!("/conseil/opportunites/{id}/modifier"),
                &format!("/conseil/opportunites/{id}/modifier"),
                &[
                    ("kind", "alternance"),
                    ("title", "Apprentie boulangère"),
                    ("town", "Roubaix"),
                    ("status", "publiee"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let j = anon
            .get(&format!("/api/v1/opportunities/{id}"))
            .await
            .json();
        assert_eq!(j["title"], "Apprentie boulangère");
        assert_eq!(j["structure"]["slug"], "lille");
    }
}

#[tokio::test]
async fn the_listing_filters_sorts_pages_and_forgets_expired_ones() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, user) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        create(&mut c, offer("Vendeur Lille", "emploi", "Lille")).await;
        create(&mut c, offer("Vendeur Roubaix", "emploi", "Roubaix")).await;
        create(&mut c, offer("Serveur Grenoble", "emploi", "Grenoble")).await;
        create(&mut c, offer("Formation Roubaix", "formation", "59100")).await;
        let mut remote = offer("Développeur web", "stage", "");
        remote["remote"] = json!(true);
        remote["level"] = json!("bac+2");
        create(&mut c, remote).await;
        let mut old = offer("Offre expirée", "emploi", "Lille");
        old["deadline"] = json!("2020-01-01");
        // Published with a past deadline: refused for a new one? No — written, then expired.
        let expired = create(&mut c, old).await;
        assert_eq!(expired["status"], "expiree", "{b}");

        index_now(&p).await;
        let mut anon = Client::new(&p);
        let titles = |v: &Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["title"].as_str().unwrap().to_string())
                .collect()
        };
        let all = anon.get("/api/v1/opportunities").await.json();
        assert_eq!(all["total"], 5, "{b}: {all}");
        assert!(!titles(&all).contains(&"Offre expirée".to_string()));

        let near = anon
            .get("/api/v1/opportunities?lieu=Lille&rayon=30&type=emploi&tri=distance")
            .await
            .json();
        assert_eq!(titles(&near), ["Vendeur Lille", "Vendeur Roubaix"], "{b}");
        assert!(near["items"][1]["distance_km"].as_f64().unwrap() > 5.0);
        assert_eq!(near["near"]["insee"], "59350");
        let two_kinds = anon
            .get("/api/v1/opportunities?lieu=59000&type=emploi&type=formation&tri=distance")
            .await
            .json();
        assert_eq!(two_kinds["total"], 3, "{two_kinds}");
        let far = anon
            .get("/api/v1/opportunities?lieu=Grenoble&rayon=10")
            .await
            .json();
        assert_eq!(titles(&far), ["Serveur Grenoble"]);
        let level = anon.get("/api/v1/opportunities?niveau=cap").await.json();
        assert_eq!(level["total"], 4, "the bac+2 internship is left out");
        // Keywords go through the search engine, once the outbox is applied: typos and
        // plurals are forgiven, the other filters still hold.
        index_now(&p).await;
        let words = anon.get("/api/v1/opportunities?q=developpeur").await.json();
        assert_eq!(titles(&words), ["Développeur web"], "{b}");
        let typo = anon
            .get("/api/v1/opportunities?q=vendeurs&lieu=Lille&rayon=5")
            .await
            .json();
        assert_eq!(titles(&typo), ["Vendeur Lille"], "{b}: {typo}");
        let none = anon
            .get("/api/v1/opportunities?q=vendeur&type=stage")
            .await
            .json();
        assert_eq!(none["total"], 0);
        let expired_word = anon.get("/api/v1/opportunities?q=expiree").await.json();
        assert_eq!(
            expired_word["total"], 0,
            "expired ones are not found by words either"
        );

        // An unknown town: a message with suggestions, not an empty list.
        let a = anon.get("/api/v1/opportunities?lieu=Roubaixx").await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            a.json()["fields"]["lieu"]
                .as_str()
                .unwrap()
                .contains("Roubaix"),
            "{}",
            a.body
        );
        let page = anon.get("/opportunites?lieu=Roubaixx").await;
        assert_eq!(page.status, StatusCode::OK);
        let lieu = field(&page.body, "Commune ou code postal").expect("the place field");
        assert_eq!(lieu.value, "Roubaixx", "what was typed stays");
        assert!(
            field_error(&page.body, "Commune ou code postal")
                .is_some_and(|e| e.contains("Roubaix")),
            "{}",
            page.body
        );

        // The page: filters stay in the URL and the form.
        let page = anon
            .get("/opportunites?lieu=Lille&type=emploi&tri=distance")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("2 opportunités à 30 km de Lille"),
            "{}",
            page.body
        );
        assert!(
            field(&page.body, "Emploi").is_some_and(|f| f.checked),
            "{b}"
        );

        // Pagination: 25 more, 20 per page, links keep the filters. The listing seen just
        // before (and cached) is not served again once the index has changed.
        let before = anon.get("/opportunites?type=benevolat").await;
        assert!(before.body.contains("Aucune opportunité"), "{b}");
        let mut signed = Client::new(&p);
        register(&mut signed, "alerte@exemple.fr").await;
        let youth_page = signed.get("/opportunites?type=benevolat").await;
        assert!(
            youth_page.body.contains("Créer une alerte"),
            "a youth's own page"
        );
        assert!(!before.body.contains("Créer une alerte"));
        for i in 0..25 {
            let d = Draft {
                kind: "benevolat".into(),
                title: format!("Bénévole {i}"),
                town: "Tourcoing".into(),
                status: "publiee".into(),
                ..Draft::default()
            };
            opp::create(&p.state.db, &user, &d).await.unwrap();
        }
        index_now(&p).await;
        let p1 = anon
            .get("/api/v1/opportunities?type=benevolat")
            .await
            .json();
        assert_eq!(
            (p1["total"].as_i64(), p1["pages"].as_i64()),
            (Some(25), Some(2))
        );
        assert_eq!(p1["items"].as_array().unwrap().len(), 20);
        let p2 = anon
            .get("/api/v1/opportunities?type=benevolat&page=2")
            .await
            .json();
        assert_eq!(p2["items"].as_array().unwrap().len(), 5);
        let page = anon.get("/opportunites?type=benevolat").await;
        assert!(page.body.contains("25 opportunités"), "{b}: {}", page.body);
        assert!(
            links_to(&page.body, "/opportunites?type=benevolat&page=2"),
            "{}",
            page.body
        );

        // With the engine down, the database answers the same listing (without keywords).
        let down = tremplin_search::MeilisearchEngine::new("http://127.0.0.1:9", None).unwrap();
        let f = opp::Filters {
            kinds: vec!["emploi".into()],
            place: "Lille".into(),
            sort: "distance".into(),
            ..opp::Filters::default()
        };
        let sql = opp::list(&p.state.db, &down, &f).await.unwrap();
        let sql_titles: Vec<&str> = sql.items.iter().map(|(o, _)| o.title.as_str()).collect();
        assert_eq!(sql_titles, ["Vendeur Lille", "Vendeur Roubaix"], "{b}");
        let engine = opp::list(&p.state.db, p.state.search.as_ref(), &f)
            .await
            .unwrap();
        assert_eq!(engine.total, sql.total);
        let by_sql = opp::Filters {
            page: Some(2),
            kinds: vec!["benevolat".into()],
            ..opp::Filters::default()
        };
        assert_eq!(
            opp::list(&p.state.db, &down, &by_sql)
                .await
                .unwrap()
                .items
                .len(),
            5
        );
        let mut with_words = f.clone();
        with_words.keywords = "vendeur".into();
        // With keywords, the titles that hold them, marked as a simpler search.
        let simpler = opp::list(&p.state.db, &down, &with_words).await.unwrap();
        assert!(simpler.simpler, "{b}");
        let titles: Vec<&str> = simpler
            .items
            .iter()
            .map(|(o, _)| o.title.as_str())
            .collect();
        assert_eq!(titles, ["Vendeur Lille", "Vendeur Roubaix"], "{b}");
        assert!(!sql.simpler && !engine.simpler, "{b}");

        // The expired one stays on the counsellor's dashboard, marked.
        let dash = c.get("/api/v1/structures/lille/opportunities").await.json();
        let e = dash
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["title"] == "Offre expirée")
            .unwrap();
        assert_eq!(e["status"], "expiree");
        // And cannot be published again without a new deadline.
        let a = c
            .json(
                Method::POST,
                &format!("/api/v1/opportunities/{}/status", expired["id"]),
                json!({"status": "publiee"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn youths_save_say_interested_and_see_the_follow_up() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        let o = create(&mut c, offer("Vendeur", "emploi", "Lille")).await;
        let id = o["id"].as_i64().unwrap();
        let (mut j, _) = youth(&p, "jeune@exemple.fr").await;

        // Anonymous: invited to sign in.
        let mut anon = Client::new(&p);
        let page = anon.get(&format!("/opportunites/{id}")).await;
        assert!(
            visible_text(&page.body).contains("Connectez-vous pour sauvegarder")
                && !links_named(&page.body, "Connectez-vous").is_empty(),
            "{}",
            page.body
        );

        let page = j.get(&format!("/opportunites/{id}")).await;
        assert!(has_button(&page.body, "Ça m'intéresse"), "{b}");
        let a = j
            .post_form(
                &format!("/opportunites/{id}"),
                &format!("/opportunites/{id}/sauvegarde"),
                &[("action", "ajouter")],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let a = j
            .post_form(
                &format!("/opportunites/{id}"),
                &format!("/opportunites/{id}/interet"),
                &[("message", "Je suis disponible le matin")],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let page = j.get(a.location()).await;
        assert!(
            page.body.contains("est noté : la Mission Locale sait"),
            "{}",
            page.body
        );

        let mine = j.get("/compte/opportunites").await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(
            visible_text(&mine.body).contains("Suivi par la Mission Locale : Nouveau"),
            "{}",
            mine.body
        );

        // The counsellor sees the youth and the message, then follows up.
        let page = c.get(&format!("/conseil/opportunites/{id}")).await;
        assert!(
            page.body.contains("Je suis disponible le matin"),
            "{}",
            page.body
        );
        let youth_id = accounts::user_by_email(&p.state.db, "jeune@exemple.fr")
            .await
            .unwrap()
            .unwrap()
            .id;
        let a = c
            .post_form(
                &format!("/conseil/opportunites/{id}"),
                &format!("/conseil/opportunites/{id}/suivi"),
                &[
                    ("jeune", &youth_id.to_string()),
                    ("state", "contacte"),
                    ("outcome", "Entretien le 3 mars"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let mine = j.get("/api/v1/me/opportunities").await.json();
        assert_eq!(mine["interests"][0]["state"], "contacte", "{b}");
        assert_eq!(mine["favourites"][0]["id"], id);

        // The CSV export has the youth and their message, formulas neutralised.
        let csv = c.get("/conseil/opportunites/export.csv").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(csv.body.contains("jeune@exemple.fr"));
        assert!(csv.body.contains("Je suis disponible le matin"));
        assert!(csv.body.contains("Contacté"));

        // The youth's data export lists them.
        let export = j.get("/api/v1/me/export").await.json();
        assert_eq!(
            export["opportunites"]["opportunites_qui_m_interessent"][0]["message"],
            "Je suis disponible le matin",
            "{export}"
        );
    }
}

#[tokio::test]
async fn an_event_never_takes_more_registrations_than_places() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        let mut body = offer("Forum de l'alternance", "evenement", "Lille");
        body["places"] = json!(10);
        let o = create(&mut c, body).await;
        let id = o["id"].as_i64().unwrap();
        // 100 youths, written straight to the database (hashing 100 passwords would only
        // slow the test down), then 100 simultaneous requests.
        let mut youths = Vec::new();
        for i in 0..100 {
            let reg = accounts::Registration {
                email: format!("j{i}@exemple.fr"),
                password: PASSWORD.into(),
                first_name: format!("J{i}"),
                structure: None,
            };
            youths.push(reg);
        }
        let users = register_fast(&p, &youths).await;
        let mut tasks = Vec::new();
        for u in users {
            let db = p.state.db.clone();
            tasks.push(tokio::spawn(async move {
                opp::express_interest(&db, &u, id, "").await
            }));
        }
        let mut ok = 0;
        let mut full = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => ok += 1,
                Err(tremplin_api::infra::error::AppError::Invalid(f)) => {
                    assert!(f[0].1.contains("plus de place"), "{f:?}");
                    full += 1
                }
                Err(e) => panic!("{b}: {e:?}"),
            }
        }
        assert_eq!((ok, full), (10, 90), "{b}");
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM opportunity_interests WHERE opportunity_id = $1",
        )
        .bind(id)
        .fetch_one(&p.state.db.pool)
        .await
        .unwrap();
        assert_eq!(count, 10, "{b}");
        let j = c.get(&format!("/api/v1/opportunities/{id}")).await.json();
        assert_eq!(j["places_left"], 0);
    }
}

/// Creates youths with one password hash shared by all (the hash is the slow part).
async fn register_fast(p: &Platform, regs: &[accounts::Registration]) -> Vec<User> {
    let first = accounts::register(&p.state.db, &regs[0]).await.unwrap();
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(first.id)
        .fetch_one(&p.state.db.pool)
        .await
        .unwrap();
    let mut out = vec![first];
    for r in &regs[1..] {
        sqlx::query(
            "INSERT INTO users (email, password_hash, first_name, role, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, 'youth', FALSE, 0, 0)",
        )
        .bind(&r.email)
        .bind(&hash)
        .bind(&r.first_name)
        .execute(&p.state.db.pool)
        .await
        .unwrap();
        out.push(
            accounts::user_by_email(&p.state.db, &r.email)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    out
}

#[tokio::test]
async fn feeds_per_structure_and_kind() {
    for b in backends() {
        let p = platform(b).await;
        let (mut lille, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        let (mut gre, _) = staff(&p, Role::Counsellor, "grenoble", "g@exemple.fr").await;
        create(&mut lille, offer("Vendeur & caissier", "emploi", "Lille")).await;
        create(&mut lille, offer("Atelier CV", "evenement", "Lille")).await;
        create(&mut gre, offer("Serveur", "emploi", "Grenoble")).await;
        let mut anon = Client::new(&p);
        let all = anon.get("/opportunites/flux.xml").await;
        assert_eq!(all.status, StatusCode::OK);
        assert!(all.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml"));
        assert_eq!(all.body.matches("<entry>").count(), 3, "{b}");
        assert!(all.body.contains("Vendeur &amp; caissier"));
        let lille_only = anon.get("/opportunites/flux.xml?structure=lille").await;
        assert_eq!(lille_only.body.matches("<entry>").count(), 2);
        let jobs = anon
            .get("/opportunites/flux.xml?structure=lille&type=emploi")
            .await;
        assert_eq!(jobs.body.matches("<entry>").count(), 1);
        assert!(jobs.body.contains("Vendeur &amp; caissier"));
    }
}

#[tokio::test]
async fn imports_report_bad_rows_and_update_by_identifier() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        let count = |p: &Platform| {
            let pool = p.state.db.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM opportunities")
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        let good = "identifiant;type;titre;commune;niveau;date_limite\n\
                    A1;emploi;Vendeur;Lille;cap;2099-01-01\n\
                    A2;formation;Formation cariste;Roubaix;;\n";
        let bad = "identifiant;type;titre;commune;niveau;date_limite\n\
                   A1;emploi;Vendeur;Lille;cap;2099-01-01\n\
                   A3;fusée;Astronaute;Lille;;\n\
                   A4;emploi;;Lile;;\n";

        // A file with errors imports nothing, and says which lines and why.
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import",
                Some("text/csv"),
                bad.into(),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            a.body
        );
        let j = a.json();
        assert_eq!(j["written"], false);
        let errors = j["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 2, "{j}");
        assert_eq!(errors[0]["line"], 3);
        assert!(
            errors[0]["message"].as_str().unwrap().contains("fusée"),
            "{j}"
        );
        assert_eq!(errors[1]["line"], 4);
        assert!(
            errors[1]["message"].as_str().unwrap().contains("titre"),
            "{j}"
        );
        assert!(
            errors[1]["message"].as_str().unwrap().contains("Lille"),
            "{j}"
        );
        assert_eq!(count(&p).await, 0, "{b}");

        // Asked to skip them, it imports the good rows.
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import?skip_bad=true",
                Some("text/csv"),
                bad.into(),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(a.json()["created"], 1);
        assert_eq!(count(&p).await, 1);

        // Re-importing updates by identifier instead of duplicating.
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import",
                Some("text/csv"),
                good.into(),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(
            (a.json()["created"].as_i64(), a.json()["updated"].as_i64()),
            (Some(1), Some(1))
        );
        assert_eq!(count(&p).await, 2, "{b}");

        // France Travail's JSON: kept with its source and original link.
        let ft = json!({"resultats": [
            {"id": "186XKPL", "intitule": "Serveur / Serveuse (H/F)", "description": "Service en salle.",
             "dateCreation": "2026-11-20T10:00:00.000Z",
             "lieuTravail": {"libelle": "59 - LILLE", "codePostal": "59000", "latitude": 50.63, "longitude": 3.06, "commune": "59350"},
             "entreprise": {"nom": "Brasserie du Nord"}, "typeContrat": "CDD", "typeContratLibelle": "CDD - 6 Mois",
             "alternance": false, "origineOffre": {"origine": "1", "urlOrigine": "https://candidat.francetravail.fr/offres/recherche/detail/186XKPL"},
             "salaire": {"libelle": "Mensuel de 1800 Euros"}},
            {"id": "186XKPM", "intitule": "Apprenti cuisinier", "lieuTravail": {"libelle": "59 - ROUBAIX", "codePostal": "59100"},
             "alternance": true, "origineOffre": {"urlOrigine": "https://candidat.francetravail.fr/offres/recherche/detail/186XKPM"}}
        ]});
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import",
                Some("application/json"),
                serde_json::to_string_pretty(&ft).unwrap(),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{b}: {}", a.body);
        assert_eq!(a.json()["created"], 2);
        index_now(&p).await;
        let list = c.get("/api/v1/opportunities?q=serveur").await.json();
        let o = &list["items"][0];
        assert_eq!(o["source"], "France Travail", "{list}");
        assert_eq!(o["external_id"], "186XKPL");
        assert_eq!(o["organisation"], "Brasserie du Nord");
        assert_eq!(
            o["source_url"],
            "https://candidat.francetravail.fr/offres/recherche/detail/186XKPL"
        );
        let apprentice = c.get("/api/v1/opportunities?type=alternance").await.json();
        assert_eq!(
            apprentice["items"][0]["place"]["town"], "ROUBAIX",
            "{apprentice}"
        );

        // The upload form: a bad file keeps the page, with the lines to fix.
        let page = c.get("/conseil/opportunites/import").await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = c.cookie("tremplin_csrf").unwrap();
        let boundary = "XyZ";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"offres.csv\"\r\nContent-Type: text/csv\r\n\r\n{bad}\r\n\
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
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.body);
        assert!(a.body.contains("Rien n'a été importé"), "{}", a.body);
        assert!(a.body.contains("Ligne 3 :"), "{}", a.body);
    }
}

async fn import(c: &mut Client, body: String, kind: &str) -> Answer {
    c.send(
        Method::POST,
        "/api/v1/opportunities/import",
        Some(kind),
        body,
    )
    .await
}

/// « Permis requis », one field end to end: the counsellor's form (ticked, shown ticked,
/// unticked), the public page, the JSON API, and the imports (a column of the sheet,
/// France Travail's licences marked "E", exigé).
#[tokio::test]
async fn the_driving_licence_goes_from_the_form_and_imports_to_the_page_and_the_api() {
    const LABEL: &str = "Permis de conduire obligatoire";
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        let page = c.get("/conseil/opportunites/nouvelle").await;
        let licence = field(&page.body, LABEL).expect("the form has the box");
        assert!(!licence.checked, "{b}");
        let fields = [
            ("kind", "emploi"),
            ("title", "Livreur ou livreuse"),
            ("town", "Lille"),
            ("status", "publiee"),
        ];
        let ticked = [&fields[..], &[("driving_licence", "oui")]].concat();
        let new = "/conseil/opportunites/nouvelle";
        let a = c.post_form(new, new, &ticked).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}: {}", a.body);
        let id: i64 = sqlx::query_scalar("SELECT id FROM opportunities WHERE title = $1")
            .bind("Livreur ou livreuse")
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();

        let mut anon = Client::new(&p);
        let detail = format!("/opportunites/{id}");
        let page = anon.get(&detail).await;
        assert!(
            visible_text(&page.body).contains("Permis de conduire Obligatoire"),
            "{b}: {}",
            page.body
        );
        let api = format!("/api/v1/opportunities/{id}");
        assert_eq!(anon.get(&api).await.json()["driving_licence"], true);
        let edit = format!("/conseil/opportunites/{id}/modifier");
        let form = c.get(&edit).await;
        assert!(field(&form.body, LABEL).unwrap().checked, "{b}");

        // Saved again without the box: no longer required.
        let a = c.post_form(&edit, &edit, &fields).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}: {}", a.body);
        let page = anon.get(&detail).await;
        assert!(
            !visible_text(&page.body).contains("Permis de conduire"),
            "{b}"
        );
        assert_eq!(anon.get(&api).await.json()["driving_licence"], false);

        // The JSON API writes it.
        let o = create(
            &mut c,
            json!({"kind": "emploi", "title": "Chauffeur", "town": "Lille", "status": "publiee", "driving_licence": true}),
        )
        .await;
        assert_eq!(o["driving_licence"], true, "{b}: {o}");

        // Imports: the sheet's column « permis requis » (oui or non), refused otherwise.
        let sheet = "identifiant;type;titre;commune;permis requis\n\
                     P1;emploi;Ambulancier;Lille;oui\n\
                     P2;emploi;Vendeur;Lille;non\n";
        let a = import(&mut c, sheet.into(), "text/csv").await;
        assert_eq!(a.status, StatusCode::OK, "{b}: {}", a.body);
        let wrong = import(
            &mut c,
            "identifiant;type;titre;commune;permis requis\nP3;emploi;Cariste;Lille;peut-être\n"
                .into(),
            "text/csv",
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            wrong.json()["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("écrivez oui ou non"),
            "{}",
            wrong.body
        );
        // France Travail: a licence "E" (exigé) is required, "S" (souhaité) is not.
        let ft = json!({"resultats": [
            {"id": "FT1", "intitule": "Conducteur de bus", "lieuTravail": {"libelle": "59 - LILLE", "codePostal": "59000"},
             "permis": [{"libelle": "D - Bus", "exigence": "E"}]},
            {"id": "FT2", "intitule": "Commercial", "lieuTravail": {"libelle": "59 - LILLE", "codePostal": "59000"},
             "permis": [{"libelle": "B - Véhicule léger", "exigence": "S"}]}
        ]});
        let a = import(&mut c, ft.to_string(), "application/json").await;
        assert_eq!(a.status, StatusCode::OK, "{b}: {}", a.body);

        let list = c.get("/api/v1/structures/lille/opportunities").await.json();
        let required = |title: &str| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|o| o["title"] == title)
                .unwrap_or_else(|| panic!("{title} in {list}"))["driving_licence"]
                .clone()
        };
        assert_eq!(required("Ambulancier"), true, "{b}");
        assert_eq!(required("Vendeur"), false, "{b}");
        assert_eq!(required("Conducteur de bus"), true, "{b}");
        assert_eq!(required("Commercial"), false, "{b}");
    }
}

/// An import larger than one batch of the upsert (500 rows), with the labels real exports
/// use: every row written with its outbox row, a second import updates by identifier
/// (keeping the first publication), and an unknown label names its column and line.
#[tokio::test]
async fn imports_write_in_batches_and_read_the_labels_of_real_exports() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        let scalar = |sql: &'static str| {
            let pool = p.state.db.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        let kinds = [
            "CDI",
            "Contrat d'apprentissage",
            "Stages",
            "Job d'été",
            "Mission de service civique",
        ];
        let levels = [
            "CAP/BEP",
            "CAP, BEP et équivalents",
            "Bac+3 et plus",
            "sans diplôme",
            "Bac+2",
            "niveau bac",
        ];
        let file = |n: usize, title: &str| {
            let mut csv = String::from("identifiant;type;titre;commune;niveau\n");
            for i in 0..n {
                csv.push_str(&format!(
                    "R{i};{};{title} {i};Lille;{}\n",
                    kinds[i % kinds.len()],
                    levels[i % levels.len()]
                ));
            }
            csv
        };
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import",
                Some("text/csv"),
                file(1203, "Vendeur"),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{b}: {}", a.body);
        assert_eq!(
            (a.json()["created"].as_i64(), a.json()["updated"].as_i64()),
            (Some(1203), Some(0)),
            "{b}"
        );
        assert_eq!(scalar("SELECT COUNT(*) FROM opportunities").await, 1203);
        assert_eq!(scalar("SELECT COUNT(*) FROM search_outbox").await, 1203);
        assert_eq!(
            scalar("SELECT COUNT(DISTINCT doc_id) FROM search_outbox").await,
            1203
        );
        assert_eq!(
            scalar("SELECT COUNT(*) FROM opportunities WHERE level = 'cap'").await,
            402,
            "{b}: rows 0, 1, 6, 7… are CAP/BEP"
        );
        assert_eq!(
            scalar("SELECT COUNT(*) FROM opportunities WHERE kind = 'alternance' AND status = 'publiee' AND published_at IS NOT NULL").await,
            241
        );

        // Again with one more row and new titles: one created, the others updated in place.
        sqlx::query("UPDATE opportunities SET published_at = 1000")
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import",
                Some("text/csv"),
                file(1204, "Serveur"),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{b}: {}", a.body);
        assert_eq!(
            (a.json()["created"].as_i64(), a.json()["updated"].as_i64()),
            (Some(1), Some(1203)),
            "{b}"
        );
        assert_eq!(scalar("SELECT COUNT(*) FROM opportunities").await, 1204);
        assert_eq!(
            scalar("SELECT COUNT(*) FROM opportunities WHERE title LIKE 'Serveur %'").await,
            1204
        );
        assert_eq!(
            scalar("SELECT COUNT(*) FROM opportunities WHERE published_at = 1000").await,
            1203,
            "{b}: the first publication is kept"
        );
        assert_eq!(scalar("SELECT COUNT(*) FROM search_outbox").await, 2407);

        // A label nobody uses: the row's line and the column, in French; nothing written.
        let mut bad = file(600, "Caissier");
        bad.push_str("R600;CDI;Caissier 600;Lille;Bac+4\nR601;fusée;Astronaute;Lille;cap\n");
        let a = c
            .send(
                Method::POST,
                "/api/v1/opportunities/import",
                Some("text/csv"),
                bad,
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: {}",
            a.body
        );
        let j = a.json();
        assert_eq!(j["errors"][0]["line"], 602, "{j}");
        assert_eq!(
            j["errors"][0]["message"],
            "niveau : Niveau « Bac+4 » inconnu. Niveaux possibles : aucun, CAP, bac, bac+2, bac+3, bac+5.",
            "{j}"
        );
        assert_eq!(j["errors"][1]["line"], 603, "{j}");
        assert!(
            j["errors"][1]["message"]
                .as_str()
                .unwrap()
                .starts_with("type : Type « fusée » inconnu."),
            "{j}"
        );
        assert_eq!(
            scalar("SELECT COUNT(*) FROM opportunities WHERE title LIKE 'Caissier %'").await,
            0
        );
    }
}

/// The number a listing page announces in its heading (« 3 opportunités à 30 km de Lille »,
/// « Aucune opportunité »).
fn announced(html: &str) -> usize {
    let h1 = &elements(html, "h1")[0].text;
    if h1.starts_with("Aucune opportunité") {
        return 0;
    }
    h1.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count in the heading: {h1}"))
}

/// Whether the listing's filters are shown (the disclosure open) or only its summary.
fn filters_open(html: &str) -> bool {
    let details = elements(html, "details");
    assert_eq!(details.len(), 1, "one disclosure holds the filters");
    details[0].attr("open").is_some()
}

/// No dead end: keywords with a typo show their correction's results at once, saying so,
/// with a link to the words as typed; a listing that finds nothing offers each filter to drop
/// (or the radius to widen) that would find something, with its true count, and the
/// question form.
#[tokio::test]
async fn an_empty_listing_is_no_dead_end() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        let mut ids = Vec::new();
        for (title, kind, town) in [
            ("Coiffeur", "emploi", "Paris"),
            ("Coiffeur en salon", "stage", "Paris"),
            ("Apprenti coiffeur", "stage", "Valenciennes"),
            ("Coiffeuse", "alternance", "Arras"),
            ("Vendeur", "stage", "Lille"),
        ] {
            ids.push(create(&mut c, offer(title, kind, town)).await["id"].clone());
        }
        index_now(&p).await;
        let mut anon = Client::new(&p);

        // A typo: the correction's results at once, and the way back to the words as typed.
        // Only the embedded engine makes corrections; Meilisearch forgives more typos itself.
        if p.state.search.name() != "meilisearch" {
            let page = anon.get("/opportunites?q=coifeuze").await;
            assert_eq!(page.status, StatusCode::OK);
            let text = visible_text(&page.body);
            assert!(
                text.contains("Résultats pour « coiffeuse » — aucun résultat pour « coifeuze »"),
                "{b}: {text}"
            );
            assert_eq!(announced(&page.body), 4, "{b}: {text}");
            assert!(links_to(&page.body, &format!("/opportunites/{}", ids[0])));
            let exact = links_named(&page.body, "Chercher seulement « coifeuze »");
            assert_eq!(exact, ["/opportunites?q=coifeuze&exacte=1"], "{b}");
            let typed = anon.get(&exact[0]).await;
            assert_eq!(announced(&typed.body), 0, "{b}");
            let text = visible_text(&typed.body);
            assert!(
                text.contains("Vouliez-vous dire « coiffeuse » ?"),
                "{b}: {text}"
            );
            assert_eq!(
                links_named(&typed.body, "coiffeuse"),
                ["/opportunites?q=coiffeuse"]
            );
            let j = anon.get("/api/v1/opportunities?q=coifeuze").await.json();
            assert_eq!(j["corrected_query"], "coiffeuse", "{b}: {j}");
            assert_eq!(j["total"], 4, "{b}: {j}");
            let j = anon
                .get("/api/v1/opportunities?q=coifeuze&exacte=1")
                .await
                .json();
            assert_eq!(j["total"], 0, "{b}: {j}");
            assert_eq!(j["corrected_query"], Value::Null, "{b}: {j}");
            assert_eq!(j["did_you_mean"], "coiffeuse", "{b}: {j}");
        }

        // Nothing: each filter that would find something, with its count, and the question.
        let empty = "/opportunites?q=coiffeur&type=stage&lieu=Lille&rayon=10";
        let page = anon.get(empty).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(announced(&page.body), 0, "{b}");
        assert!(filters_open(&page.body), "no result to put first");
        let offered = [
            (
                "Jusqu'à 100 km de Lille : 1 opportunité",
                1,
                "Apprenti coiffeur",
            ),
            ("Sans le lieu : 2 opportunités", 2, "Coiffeur en salon"),
            ("Sans les mots-clés : 1 opportunité", 1, "Vendeur"),
        ];
        for (name, count, title) in offered {
            let link = links_named(&page.body, name);
            assert_eq!(link.len(), 1, "{b}: {name}: {}", visible_text(&page.body));
            let followed = anon.get(&link[0]).await;
            assert_eq!(followed.status, StatusCode::OK, "{b}: {name}");
            assert_eq!(announced(&followed.body), count, "{b}: {name}");
            assert!(visible_text(&followed.body).contains(title), "{b}: {name}");
        }
        // Without the kind, coiffeur within 10 km of Lille finds nothing: not offered.
        let text = visible_text(&page.body);
        assert!(!text.contains("Sans le type"), "{b}: {text}");
        assert_eq!(
            links_named(&page.body, "Poser une question à un conseiller"),
            ["/questions/nouvelle?page=/opportunites"]
        );
        let j = anon
            .get("/api/v1/opportunities?q=coiffeur&type=stage&lieu=Lille&rayon=10")
            .await
            .json();
        let alternatives: Vec<(String, u64, String)> = j["alternatives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["param"].as_str().unwrap().to_string(),
                    a["total"].as_u64().unwrap(),
                    a["query"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            alternatives,
            [
                (
                    "rayon".to_string(),
                    1,
                    "type=stage&q=coiffeur&lieu=Lille&rayon=100".to_string()
                ),
                ("lieu".to_string(), 2, "type=stage&q=coiffeur".to_string()),
                (
                    "q".to_string(),
                    1,
                    "type=stage&lieu=Lille&rayon=10".to_string()
                ),
            ],
            "{b}: {j}"
        );
        for (_, total, query) in &alternatives {
            let found = anon
                .get(&format!("/api/v1/opportunities?{query}"))
                .await
                .json();
            assert_eq!(found["total"].as_u64(), Some(*total), "{b}: {query}");
        }

        // Nothing even with one filter less: said so, with the question.
        let page = anon
            .get("/opportunites?q=coiffeur&type=evenement&lieu=Lille&rayon=10")
            .await;
        let text = visible_text(&page.body);
        assert!(
            text.contains("Aucune opportunité ne correspond, même avec un filtre de moins."),
            "{b}: {text}"
        );
        assert!(links_to(
            &page.body,
            "/questions/nouvelle?page=/opportunites"
        ));
        // A listing with results offers nothing of the kind, and its filters stay closed.
        let page = anon.get("/opportunites?q=coiffeur").await;
        assert_eq!(announced(&page.body), 4, "{b}");
        assert!(!filters_open(&page.body), "{b}: the results first");
        assert!(!links_to(
            &page.body,
            "/questions/nouvelle?page=/opportunites"
        ));
        let j = anon.get("/api/v1/opportunities?q=coiffeur").await.json();
        assert_eq!(j["alternatives"], json!([]), "{j}");
        assert_eq!(j["corrected_query"], Value::Null, "{j}");
    }
}

/// The active filters are listed above the results, each a link to the same listing without
/// it, named for what it removes; the form stays in a closed disclosure, open when a filter
/// is wrong.
#[tokio::test]
async fn the_active_filters_are_listed_each_removable_in_one_tap() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        for (title, kind, town) in [
            ("Vendeur Lille", "emploi", "Lille"),
            ("Vendeur Roubaix", "stage", "Roubaix"),
        ] {
            let mut o = offer(title, kind, town);
            o["start_date"] = json!("2030-09-01");
            create(&mut c, o).await;
        }
        index_now(&p).await;
        let mut anon = Client::new(&p);
        let page = anon
            .get("/opportunites?type=emploi&type=stage&q=vendeur&lieu=Lille&rayon=30&niveau=cap&debut=2026-03-01")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!filters_open(&page.body), "{b}: the results first");
        let summary = elements(&page.body, "summary");
        assert_eq!(summary[0].text, "Modifier les filtres");
        let remove = |name: &str| {
            let found = links_by_name(&page.body, &format!("Retirer le filtre : {name}"));
            assert_eq!(found.len(), 1, "{b}: {name}: {}", visible_text(&page.body));
            found[0].clone()
        };
        // Removing a kind keeps the others and every other filter.
        let without_job = anon.get(&remove("Emploi")).await;
        let f = |html: &str, label: &str| field(html, label).unwrap_or_else(|| panic!("{label}"));
        assert!(!f(&without_job.body, "Emploi").checked, "{b}");
        assert!(f(&without_job.body, "Stage").checked, "{b}");
        assert_eq!(f(&without_job.body, "Mots-clés").value, "vendeur");
        assert_eq!(
            f(&without_job.body, "Commune ou code postal").value,
            "Lille"
        );
        let without_place = anon.get(&remove("Lille, 30 km")).await;
        assert_eq!(f(&without_place.body, "Commune ou code postal").value, "");
        assert!(f(&without_place.body, "Emploi").checked, "{b}");
        let without_words = anon.get(&remove("« vendeur »")).await;
        assert_eq!(f(&without_words.body, "Mots-clés").value, "");
        let without_level = anon.get(&remove("Niveau : CAP, BEP")).await;
        assert_eq!(f(&without_level.body, "Votre niveau d'études").value, "");
        assert_eq!(
            f(&without_level.body, "Qui commence à partir du").value,
            "2026-03-01"
        );
        let without_start = anon.get(&remove("À partir du 1er mars 2026")).await;
        assert_eq!(f(&without_start.body, "Qui commence à partir du").value, "");
        assert_eq!(
            links_named(&page.body, "Retirer tous les filtres"),
            ["/opportunites"]
        );
        // One filter, one link; none, none.
        let one = anon.get("/opportunites?lieu=Lille").await;
        assert_eq!(
            links_by_name(&one.body, "Retirer le filtre : Lille, 30 km"),
            ["/opportunites"]
        );
        assert!(links_named(&one.body, "Retirer tous les filtres").is_empty());
        let all = anon.get("/opportunites").await;
        assert_eq!(announced(&all.body), 2, "{b}");
        assert_eq!(
            elements(&all.body, "summary")[0].text,
            "Filtrer les opportunités"
        );
        assert!(!visible_text(&all.body).contains("Retirer le filtre"));
        // A wrong place: the form open at its field, and the place removable like any filter.
        let wrong = anon.get("/opportunites?lieu=Roubaixx&type=stage").await;
        assert!(filters_open(&wrong.body), "{b}");
        assert!(field_error(&wrong.body, "Commune ou code postal").is_some());
        assert_eq!(
            links_by_name(&wrong.body, "Retirer le filtre : Roubaixx, 30 km"),
            ["/opportunites?type=stage"]
        );
    }
}

/// The engine of a platform, with every search request it is asked kept.
struct Recording {
    inner: std::sync::Arc<dyn tremplin_search::SearchEngine>,
    asked: std::sync::Mutex<Vec<tremplin_search::SearchRequest>>,
}

#[async_trait::async_trait]
impl tremplin_search::SearchEngine for Recording {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn configure(
        &self,
        index: &str,
        settings: &tremplin_search::IndexSettings,
    ) -> tremplin_search::Result<()> {
        self.inner.configure(index, settings).await
    }
    async fn settings(
        &self,
        index: &str,
    ) -> tremplin_search::Result<Option<tremplin_search::IndexSettings>> {
        self.inner.settings(index).await
    }
    async fn upsert(
        &self,
        index: &str,
        documents: Vec<tremplin_search::Document>,
    ) -> tremplin_search::Result<()> {
        self.inner.upsert(index, documents).await
    }
    async fn delete(&self, index: &str, ids: Vec<String>) -> tremplin_search::Result<()> {
        self.inner.delete(index, ids).await
    }
    async fn clear(&self, index: &str) -> tremplin_search::Result<()> {
        self.inner.clear(index).await
    }
    async fn count(&self, index: &str) -> tremplin_search::Result<usize> {
        self.inner.count(index).await
    }
    async fn search(
        &self,
        request: &tremplin_search::SearchRequest,
    ) -> tremplin_search::Result<tremplin_search::SearchResults> {
        self.asked.lock().unwrap().push(request.clone());
        self.inner.search(request).await
    }
}

/// The work of no dead end is bounded: a listing that finds something asks the engine once;
/// one that finds nothing, once more per filter it could loosen, each request counting only
/// (no hit collected), and not again while its cache entry is fresh; a typo, once more for
/// its correction.
#[tokio::test]
async fn no_dead_end_costs_one_count_per_filter_and_only_when_empty() {
    use tower::ServiceExt;
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = staff(&p, Role::Counsellor, "lille", "c@exemple.fr").await;
        create(&mut c, offer("Coiffeur en salon", "stage", "Paris")).await;
        create(&mut c, offer("Vendeur", "stage", "Lille")).await;
        index_now(&p).await;
        let engine = std::sync::Arc::new(Recording {
            inner: p.state.search.clone(),
            asked: Default::default(),
        });
        let mut state = p.state.clone();
        state.search = engine.clone();
        state.listings =
            std::sync::Arc::new(tremplin_api::http::listing_cache::ListingCache::new());
        let app = tremplin_api::http::opportunities::router(state);
        // The engine's requests for one listing: (limit, keywords) each.
        let asked_for = |path: &'static str| {
            let app = app.clone();
            let engine = engine.clone();
            async move {
                engine.asked.lock().unwrap().clear();
                let req = axum::http::Request::get(path)
                    .body(axum::body::Body::empty())
                    .unwrap();
                let res = app.oneshot(req).await.unwrap();
                assert_eq!(res.status(), StatusCode::OK, "{path}");
                let asked: Vec<(usize, String)> = engine
                    .asked
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|r| (r.limit, r.query.clone()))
                    .collect();
                asked
            }
        };
        let found = asked_for("/api/v1/opportunities?q=vendeur").await;
        assert_eq!(found, [(20, "vendeur".to_string())], "{b}");
        let found = asked_for("/opportunites?q=vendeur&lieu=Lille").await;
        assert_eq!(found.len(), 1, "{b}: {found:?}");
        // Nothing: the listing, then one count per filter (radius, place, kind, keywords).
        let empty =
            asked_for("/api/v1/opportunities?q=coiffeur&type=stage&lieu=Lille&rayon=10").await;
        assert_eq!(empty.len(), 5, "{b}: {empty:?}");
        assert_eq!(empty[0].0, 20);
        assert!(
            empty[1..].iter().all(|(limit, _)| *limit == 0),
            "{b}: {empty:?}"
        );
        let again = asked_for("/opportunites?q=coiffeur&type=stage&lieu=Lille&rayon=10").await;
        assert!(again.is_empty(), "{b}: cached with its entry: {again:?}");
        if p.state.search.name() != "meilisearch" {
            let typo = asked_for("/api/v1/opportunities?q=coifeuze").await;
            assert_eq!(
                typo.len(),
                2,
                "{b}: the listing, then its correction's: {typo:?}"
            );
            assert_eq!(typo[0].1, "coifeuze");
            assert_ne!(typo[1].1, "coifeuze");
        }
    }
}
