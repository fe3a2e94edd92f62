//! Questions through the router, on every database: a youth asks from a guide page, the
//! counsellors of their structure (and only they) see it, one takes it, answers it, the youth
//! reads the answer and gets an email; the answer becomes a FAQ entry committed to the site's
//! git repository and built with the site — or, outside a git repository or when the commit
//! fails, nothing is written at all.

mod common;

use std::path::Path;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;
use tremplin_api::domain::accounts::{Role, User};
use tremplin_api::domain::questions::{self as qs, Ask};

/// A counsellor of `slug`, signed in on a new client.
async fn counsellor(p: &Platform, slug: &str, email: &str, name: &str) -> (Client, User) {
    staff_named(p, Role::Counsellor, slug, email, name).await
}

/// A youth registered through the form, following `structure` (or none).
async fn youth(p: &Platform, email: &str, name: &str, structure_slug: &str) -> (Client, User) {
    structure(p, "lille", "Lille").await;
    youth_with(
        p,
        email,
        &[("first_name", name), ("structure", structure_slug)],
    )
    .await
}

fn faq_files(site: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(site.join("content/faq"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "_index.md")
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

const QUESTION: &str = "Bonjour, je suis Léa (lea.martin@exemple.fr, 06 12 34 56 78). Comment faire un CV quand on n'a jamais travaillé ?";

#[tokio::test]
async fn a_question_from_a_guide_to_the_faq() {
    for b in backends() {
        let p = platform(b).await;
        let (mut lea, _) = youth(&p, "lea.martin@exemple.fr", "Léa", "lille").await;
        let (mut nora, _) = counsellor(&p, "lille", "nora@lille.fr", "Nora").await;
        let (mut hugo, _) = counsellor(&p, "lille", "hugo@lille.fr", "Hugo").await;
        let (mut grenoble, _) = counsellor(&p, "grenoble", "g@grenoble.fr", "Gaël").await;

        // Anonymous visitors are sent to sign in, and back.
        let mut anonymous = Client::new(&p);
        let a = anonymous.get("/questions/nouvelle?page=/guides/cv/").await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(
            a.location(),
            "/compte/connexion?suite=/questions/nouvelle%3Fpage%3D/guides/cv/"
        );

        // The form keeps the page it came from.
        let a = lea.get("/questions/nouvelle?page=/guides/cv/").await;
        assert_eq!(a.status, StatusCode::OK, "{b}: {}", a.body);
        assert!(
            elements(&a.body, "input")
                .iter()
                .any(|e| e.attr("name") == Some("page") && e.attr("value") == Some("/guides/cv/")),
            "{}",
            a.body
        );
        assert!(a.body.contains("Mission Locale de Lille"));

        // Errors next to their field; no CSRF token, no question.
        let a = lea
            .post_form(
                "/questions/nouvelle",
                "/questions/nouvelle",
                &[("subject", "CV"), ("question", ""), ("page", "/guides/cv/")],
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            field_error(&a.body, "Votre question").as_deref(),
            Some("Erreur : Écrivez votre question."),
            "{}",
            a.body
        );
        assert_eq!(
            field(&a.body, "Sujet (facultatif)").unwrap().value,
            "CV",
            "what was typed is kept"
        );
        let a = lea
            .post_raw(
                "/questions/nouvelle",
                &[("question", "Une question sans jeton de sécurité")],
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{b}");

        let a = lea
            .post_form(
                "/questions/nouvelle",
                "/questions/nouvelle",
                &[
                    ("subject", "Mon premier CV"),
                    ("question", QUESTION),
                    ("page", "/guides/cv/"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}: {}", a.body);
        let id: i64 = a
            .location()
            .rsplit("#question-")
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let detail = format!("/conseil/questions/{id}");
        let mine = lea.get("/compte/questions?fait=envoyee").await;
        assert!(mine.body.contains("Mon premier CV"));
        assert!(mine.body.contains("Pas encore de réponse"));

        // Lille sees it in its inbox, with the page it came from.
        let inbox = nora.get("/conseil/questions").await;
        assert_eq!(inbox.status, StatusCode::OK, "{b}");
        assert!(inbox.body.contains("Mon premier CV"), "{}", inbox.body);
        let page = nora.get(&detail).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(links_to(&page.body, "/guides/cv/"), "{}", page.body);
        assert!(has_button(&page.body, "Je m'en occupe"), "{}", page.body);

        // Grenoble sees none of it.
        assert_eq!(
            grenoble.get(&detail).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
        assert!(!grenoble
            .get("/conseil/questions")
            .await
            .body
            .contains("Mon premier CV"));
        let inbox = grenoble.get("/api/v1/questions/inbox").await;
        assert_eq!(inbox.json()["questions"], json!([]), "{b}");
        assert_eq!(
            grenoble
                .get(&format!("/api/v1/questions/{id}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let a = grenoble
            .json(
                Method::POST,
                &format!("/api/v1/questions/{id}/take"),
                json!({}),
            )
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        // Nor does a youth, on the counsellors' pages.
        assert_eq!(lea.get(&detail).await.status, StatusCode::FORBIDDEN);

        // Nora takes it; Hugo cannot any more.
        let a = nora
            .post_form(&detail, &format!("{detail}/prendre"), &[])
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}: {}", a.body);
        let tab = nora.get("/conseil/questions?filtre=miennes").await;
        assert!(tab.body.contains("Mon premier CV"));
        assert!(!nora
            .get("/conseil/questions")
            .await
            .body
            .contains("Mon premier CV"));
        let a = hugo
            .post_form(&detail, &format!("{detail}/prendre"), &[])
            .await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{b}");
        assert!(
            a.body.contains("Nora s&#39;occupe déjà") || a.body.contains("Nora s'occupe déjà"),
            "{}",
            a.body
        );
        let a = hugo
            .json(
                Method::POST,
                &format!("/api/v1/questions/{id}/take"),
                json!({}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{b}");
        assert_eq!(a.json()["question"]["assignee"], "Nora");
        let a = hugo
            .json(
                Method::POST,
                &format!("/api/v1/questions/{id}/answer"),
                json!({"answer": "Moi aussi je réponds"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");

        // Nora answers: an empty answer is refused next to its field.
        let a = nora
            .post_form(&detail, &format!("{detail}/reponse"), &[("answer", "  ")])
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            field_error(&a.body, "Votre réponse").is_some(),
            "{}",
            a.body
        );
        let answer = "Bonjour Léa,\n\nMettez en avant vos **stages**, votre bénévolat et vos loisirs. <script>alert(1)</script>\n\nVoir [le guide](/guides/cv/).";
        let a = nora
            .post_form(&detail, &format!("{detail}/reponse"), &[("answer", answer)])
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}: {}", a.body);

        // Léa reads it (sanitised) and got an email with a link.
        let mine = lea.get("/compte/questions").await;
        assert!(
            mine.body.contains("<strong>stages</strong>"),
            "{}",
            mine.body
        );
        assert!(!mine.body.contains("<script>alert"), "{b}");
        let emails = emails(&p.outbox);
        let email = emails
            .iter()
            .find(|e| e.contains("a répondu à votre question"))
            .expect("an email to the youth");
        assert!(email.contains("lea.martin@exemple.fr"));
        assert_eq!(link_in(email), format!("/compte/questions#question-{id}"));
        let api = lea.get("/api/v1/me/questions").await.json();
        assert_eq!(api[0]["page"], "/guides/cv/", "{b}");
        assert_eq!(api[0]["status"], "repondue");
        assert_eq!(api[0]["answered_by"], "Nora");
        assert!(api[0].get("youth").is_none());

        // The FAQ form comes with the email, the phone and the first name removed.
        make_repository(p.dir.path());
        let faq = format!("{detail}/faq");
        let form = nora.get(&faq).await;
        assert_eq!(form.status, StatusCode::OK, "{b}: {}", form.body);
        assert!(
            form.body.contains("Nous avons retiré du texte"),
            "{}",
            form.body
        );
        assert!(
            !form.body.contains("lea.martin@exemple.fr"),
            "{}",
            form.body
        );
        assert!(!form.body.contains("06 12 34 56 78"));
        assert!(form.body.contains("[adresse retirée]"));

        // What is still in the text is removed, and shown again before publishing.
        let fields = [
            ("title", "Comment faire un CV sans expérience ?"),
            ("description", "Ce qui compte quand on n'a jamais travaillé."),
            ("question", "Comment faire un CV quand on n'a jamais travaillé ? Écrivez-moi : lea.martin@exemple.fr"),
            ("answer", "Mettez en avant vos **stages**, votre bénévolat et vos loisirs."),
            ("theme", "emploi"),
            ("publics", "16-17 ans, 18-25 ans"),
        ];
        let a = nora.post_form(&faq, &faq, &fields).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            a.body.contains("Rien n&#39;est encore publié")
                || a.body.contains("Rien n'est encore publié"),
            "{}",
            a.body
        );
        assert!(!a.body.contains("lea.martin@exemple.fr"));
        assert!(faq_files(p.dir.path()).is_empty());
        let mut fields = fields;
        fields[2].1 = "Comment faire un CV quand on n'a jamais travaillé ?";
        let a = nora.post_form(&faq, &faq, &fields).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}: {}", a.body);

        // One file, committed by Tremplin with Nora as author, without the youth's details.
        let site = p.dir.path();
        assert_eq!(
            faq_files(site),
            vec!["comment-faire-un-cv-sans-experience.md".to_string()]
        );
        let text = std::fs::read_to_string(
            site.join("content/faq/comment-faire-un-cv-sans-experience.md"),
        )
        .unwrap();
        assert!(!text.contains("lea.martin"), "{text}");
        assert!(!text.contains("Léa"), "{text}");
        assert!(text.contains("themes = [\"emploi\"]"), "{text}");
        let (_, author) = git(site, &["log", "-1", "--format=%an <%ae>|%cn"]);
        assert_eq!(author.trim(), "Nora <nora@lille.fr>|Tremplin", "{b}");
        let (_, status) = git(site, &["status", "--porcelain"]);
        assert_eq!(status.trim(), "", "nothing left uncommitted");
        let page = nora.get(&detail).await;
        assert!(
            page.body
                .contains("/faq/comment-faire-un-cv-sans-experience/"),
            "{}",
            page.body
        );
        // Twice is refused.
        let a = nora.post_form(&faq, &faq, &fields).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(faq_files(site).len(), 1);

        // The next build has the page (with the link to ask a question).
        let live = tremplin_generator::live::Live::new(tremplin_generator::BuildOptions::new(site))
            .unwrap_or_else(|d| panic!("{d}"));
        assert!(!live.diagnostics().has_errors(), "{}", live.diagnostics());
        let out = live
            .get("faq/comment-faire-un-cv-sans-experience/index.html")
            .expect("the FAQ page is built");
        let html = match &out.content {
            tremplin_generator::output::Content::Bytes(b) => {
                String::from_utf8_lossy(b).into_owned()
            }
            _ => panic!("the page is not in memory"),
        };
        assert!(html.contains("Comment faire un CV sans expérience ?"));
        assert!(html.contains("<strong>stages</strong>"));
        assert!(html.contains("/questions/nouvelle?page=/faq/comment-faire-un-cv-sans-experience/"));
    }
}

/// An answered question of a Lille youth, made through the model (fast).
async fn answered(p: &Platform) -> (Client, i64) {
    let (_, y) = youth(p, "sam.durand@exemple.fr", "Sam", "lille").await;
    let (c, nora) = counsellor(p, "lille", "nora@lille.fr", "Nora").await;
    let q = qs::ask(
        &p.state.db,
        &y,
        &Ask {
            subject: String::new(),
            question: "Puis-je avoir une aide pour le permis de conduire ?".into(),
            page: "/faq/age-permis/".into(),
        },
    )
    .await
    .unwrap();
    qs::answer(
        &p.state.db,
        &p.state.config,
        &p.state.mailer,
        &nora,
        q.id,
        "Oui, plusieurs aides existent : parlez-en à votre conseillère.",
    )
    .await
    .unwrap();
    (c, q.id)
}

const FAQ_FIELDS: [(&str, &str); 6] = [
    ("title", "Une aide pour le permis ?"),
    ("description", ""),
    ("question", ""),
    ("answer", "Oui, plusieurs aides existent."),
    ("theme", "mobilité"),
    ("publics", "18-25 ans"),
];

#[tokio::test]
async fn publishing_outside_git_or_with_a_failed_commit_writes_nothing() {
    for b in backends() {
        let p = platform(b).await;
        let site = p.dir.path();
        assert!(
            !git(site, &["rev-parse", "--show-toplevel"]).0,
            "the test's site must not be in a repository"
        );
        let (mut nora, id) = answered(&p).await;
        let faq = format!("/conseil/questions/{id}/faq");

        let a = nora.post_form(&faq, &faq, &FAQ_FIELDS).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{b}: {}", a.body);
        assert!(a.body.contains("pas un dépôt git"), "{}", a.body);
        assert!(
            a.body.contains("Une aide pour le permis ?"),
            "what was typed is kept"
        );
        assert!(faq_files(site).is_empty(), "{b}");
        assert!(!site.join("content/faq").exists());
        let q = nora.get(&format!("/api/v1/questions/{id}")).await.json();
        assert_eq!(q["faq"], json!(null), "{b}");

        // A repository whose commit fails (a hook refuses it): unstaged and removed.
        make_repository(site);
        std::fs::write(site.join(".git/hooks/pre-commit"), "#!/bin/sh\nexit 1\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                site.join(".git/hooks/pre-commit"),
                std::fs::Permissions::from_mode(0o755),
            )
            .unwrap();
        }
        let a = nora.post_form(&faq, &faq, &FAQ_FIELDS).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{b}: {}", a.body);
        assert!(a.body.contains("commit"), "{}", a.body);
        assert!(faq_files(site).is_empty(), "{b}: {:?}", faq_files(site));
        let (_, status) = git(site, &["status", "--porcelain"]);
        assert_eq!(status.trim(), "", "{b}");

        // Without the hook, the same form publishes.
        std::fs::remove_file(site.join(".git/hooks/pre-commit")).unwrap();
        let a = nora
            .json(
                Method::POST,
                &format!("/api/v1/questions/{id}/faq"),
                json!({"title": "Une aide pour le permis ?", "answer": "Oui, plusieurs aides existent.", "theme": "mobilité", "publics": ["18-25 ans"]}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{b}: {}", a.body);
        assert_eq!(a.json()["url"], "/faq/une-aide-pour-le-permis/");
        assert_eq!(
            faq_files(site),
            vec!["une-aide-pour-le-permis.md".to_string()]
        );
    }
}

#[tokio::test]
async fn a_youth_without_a_mission_locale_is_told_why() {
    for b in backends() {
        let p = platform(b).await;
        let (mut c, _) = youth(&p, "seul@exemple.fr", "Alex", "").await;
        let a = c.get("/questions/nouvelle?page=/guides/cv/").await;
        assert_eq!(a.status, StatusCode::CONFLICT, "{b}");
        assert!(a.body.contains("Mission Locale"), "{}", a.body);
        assert!(links_to(&a.body, "/compte#structure"), "{}", a.body);
        let a = c
            .json(
                Method::POST,
                "/api/v1/questions",
                json!({"question": "Une question assez longue ?"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{b}");

        // "Mon compte" lets them choose one; then the question goes through.
        structure(&p, "lille", "Lille").await;
        let page = c.get("/compte").await;
        assert!(
            page.body.contains("Choisir votre Mission Locale"),
            "{}",
            page.body
        );
        let a = c
            .post_form(
                "/compte",
                "/compte/mission-locale",
                &[("structure", "nulle-part")],
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let a = c
            .post_form(
                "/compte",
                "/compte/mission-locale",
                &[("structure", "lille")],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        let page = c.get(a.location()).await;
        assert!(
            page.body.contains("Votre Mission Locale est enregistrée."),
            "{}",
            page.body
        );
        let a = c
            .json(
                Method::POST,
                "/api/v1/questions",
                json!({"question": "Une question assez longue ?"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{b}: {}", a.body);
    }
}

#[tokio::test]
async fn the_json_api() {
    for b in backends() {
        let p = platform(b).await;
        let (mut y, _) = youth(&p, "lou@exemple.fr", "Lou", "lille").await;
        let (mut nora, _) = counsellor(&p, "lille", "nora@lille.fr", "Nora").await;
        let a = y
            .json(
                Method::POST,
                "/api/v1/questions",
                json!({"question": "court"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(a.json()["fields"]["question"].is_string());
        let a = y
            .json(
                Method::POST,
                "/api/v1/questions",
                json!({"subject": "Logement", "question": "Comment avoir une aide au logement ?", "page": "https://ailleurs.example/"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{b}: {}", a.body);
        let q = a.json();
        assert_eq!(q["status"], "nouvelle");
        assert_eq!(q["page"], json!(null), "only paths of the site are kept");
        let id = q["id"].as_i64().unwrap();
        let inbox = nora
            .get("/api/v1/questions/inbox?filter=nouvelles")
            .await
            .json();
        assert_eq!(inbox["questions"][0]["id"], id, "{b}");
        assert_eq!(inbox["questions"][0]["youth"]["email"], "lou@exemple.fr");
        let a = nora
            .json(
                Method::POST,
                &format!("/api/v1/questions/{id}/take"),
                json!({}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{b}: {}", a.body);
        assert_eq!(a.json()["status"], "prise");
        let a = nora
            .json(
                Method::POST,
                &format!("/api/v1/questions/{id}/answer"),
                json!({"answer": "Voyez la **CAF**."}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{b}: {}", a.body);
        assert_eq!(
            a.json()["answer_html"],
            "<p>Voyez la <strong>CAF</strong>.</p>\n"
        );
        let d = nora.get(&format!("/api/v1/questions/{id}/faq")).await;
        assert_eq!(d.status, StatusCode::OK, "{b}: {}", d.body);
        assert_eq!(d.json()["draft"]["title"], "Logement");
        // The youth cannot use the counsellors' operations.
        let a = y
            .json(
                Method::POST,
                &format!("/api/v1/questions/{id}/take"),
                json!({}),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(
            y.get("/api/v1/questions/inbox").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

/// A youth's words reach a generated page as text: HTML or Markdown in the question is
/// written escaped into the FAQ file; HTML or a script link in the answer is refused; and a
/// FAQ file edited by hand with HTML fails the build where the site refuses raw HTML.
#[tokio::test]
async fn faq_entries_carry_no_markup_from_a_form() {
    for b in backends() {
        let p = platform(b).await;
        let site = p.dir.path();
        make_repository(site);
        let mut config = std::fs::read_to_string(site.join("tremplin.toml")).unwrap();
        config = config.replace("[extra]", "[sections.faq]\nraw_html = false\n\n[extra]");
        std::fs::write(site.join("tremplin.toml"), config).unwrap();
        let (mut nora, id) = answered(&p).await;
        let faq = format!("/api/v1/questions/{id}/faq");
        for answer in [
            "Voir <iframe src=\"https://evil.example\"></iframe>",
            "<script>alert(1)</script>",
            "[Cliquez](javascript:alert(1))",
        ] {
            let a = nora
                .json(
                    Method::POST,
                    &faq,
                    json!({"title": "Une aide ?", "answer": answer, "theme": "mobilité"}),
                )
                .await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {answer}");
            assert!(a.json()["fields"]["answer"].is_string(), "{}", a.body);
        }
        let question = "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">\n<script>alert(1)</script> # pas un titre\n[lien](javascript:alert(1)) *gras*";
        let a = nora
            .json(
                Method::POST,
                &faq,
                json!({"title": "Une aide pour le permis ?", "question": question, "answer": "Oui, **plusieurs** aides existent.", "theme": "mobilité"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{b}: {}", a.body);
        let file = site.join("content/faq/une-aide-pour-le-permis.md");
        let live = tremplin_generator::live::Live::new(tremplin_generator::BuildOptions::new(site))
            .unwrap_or_else(|d| panic!("{d}"));
        assert!(!live.diagnostics().has_errors(), "{}", live.diagnostics());
        let html = match &live
            .get("faq/une-aide-pour-le-permis/index.html")
            .unwrap()
            .content
        {
            tremplin_generator::output::Content::Bytes(b) => {
                String::from_utf8_lossy(b).into_owned()
            }
            _ => panic!("the page is not in memory"),
        };
        for markup in [
            "<meta http-equiv",
            "<script>alert",
            "href=\"javascript:",
            "<em>gras</em>",
            "<h1 id=\"pas",
        ] {
            assert!(!html.contains(markup), "{b}: {markup} in {html}");
        }
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<strong>plusieurs</strong>"),
            "the answer's Markdown stays"
        );

        // Edited by hand with HTML: the build names the file and the line.
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(
            &file,
            format!("{text}\n<iframe src=\"https://evil.example\"></iframe>\n"),
        )
        .unwrap();
        let diags = match tremplin_generator::live::Live::new(
            tremplin_generator::BuildOptions::new(site),
        ) {
            Ok(live) => live.diagnostics().to_string(),
            Err(d) => d.to_string(),
        };
        assert!(
            diags.contains("faq/une-aide-pour-le-permis.md:")
                && diags.contains("HTML refusé dans cette section"),
            "{b}: {diags}"
        );
    }
}
