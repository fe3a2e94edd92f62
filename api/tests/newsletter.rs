//! News by email, on every database: consent at registration and in "Mon compte" (dated, in
//! the export), saved searches from the listing, the digest through the file transport and a
//! real SMTP server on loopback (aiosmtpd), the right recipients only, HTML and text parts,
//! the one-click unsubscribe link (signed; a forged one is refused), and no email sent twice
//! when a run stops halfway and is started again.

mod common;

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use tremplin_api::domain::accounts::{self, Role, User};
use tremplin_api::domain::newsletter::{self as nl, Options};
use tremplin_api::domain::opportunities::{self as opp, Draft};
use tremplin_api::infra::config::Transport;
use tremplin_generator::documents::ContentDoc;

const DAY: i64 = 86_400;

/// Registers a youth through the form, ticking (or not) the news box.
async fn youth(p: &Platform, email: &str, news: bool) -> (Client, User) {
    youth_with(p, email, if news { &[("lettre", "oui")] } else { &[] }).await
}

/// A counsellor of Lille, signed in.
async fn counsellor(p: &Platform, email: &str) -> (Client, User) {
    staff(p, Role::Counsellor, "lille", email).await
}

fn news_doc(id: &str, kind: &'static str, title: &str, date: i64) -> ContentDoc {
    ContentDoc {
        id: id.into(),
        kind,
        title: title.into(),
        description: format!("À lire : {title}"),
        headings: Vec::new(),
        text: title.into(),
        themes: Vec::new(),
        publics: Vec::new(),
        url: format!("/{}/", id.replace('-', "/")),
        date: Some(date),
    }
}

/// Two fresh pages (an article and a guide) and an old one.
async fn some_news(p: &Platform) {
    let today = tremplin_api::infra::db::now() / DAY * DAY;
    index_site(
        p,
        vec![
            news_doc(
                "actualites-salon",
                "actualite",
                "Salon de l'alternance",
                today,
            ),
            news_doc("guides-cv", "guide", "Faire son CV", today),
            news_doc(
                "actualites-vieux",
                "actualite",
                "Une vieille nouvelle",
                today - 30 * DAY,
            ),
            news_doc("faq-cej", "faq", "Durée du CEJ", today),
        ],
    )
    .await;
}

async fn publish(p: &Platform, by: &User, title: &str, kind: &str) -> i64 {
    let o = opp::create(
        &p.state.db,
        by,
        &Draft {
            kind: kind.into(),
            title: title.into(),
            organisation: "Entreprise Martin".into(),
            description: "Une belle occasion.".into(),
            town: "Lille".into(),
            status: "publiee".into(),
            ..Draft::default()
        },
    )
    .await
    .unwrap();
    o.id
}

/// The recipient (`To:`) of an email.
fn to_of(email: &str) -> String {
    email
        .lines()
        .find_map(|l| l.strip_prefix("To: "))
        .unwrap_or("")
        .trim()
        .to_string()
}

fn recipients(outbox: &Path) -> Vec<String> {
    let mut list: Vec<String> = emails(outbox).iter().map(|e| to_of(e)).collect();
    list.sort();
    list
}

/// The unsubscribe link of the email to `to`, as a path of this site, read from the raw
/// file (headers unfolded; `emails` decodes quoted-printable, which a link must not go through).
fn unsubscribe_link(outbox: &Path, to: &str) -> String {
    let raw = std::fs::read_dir(outbox)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .find(|m| m.contains(&format!("To: {to}")))
        .expect("an email to this address");
    let unfolded = raw
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ")
        .replace("\n ", " ");
    let header = unfolded
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: "))
        .expect("a List-Unsubscribe header");
    let url = header.trim().trim_start_matches('<').trim_end_matches('>');
    url.trim_start_matches("http://127.0.0.1:8080").to_string()
}

#[tokio::test]
async fn consent_is_off_by_default_dated_and_exported() {
    for b in backends() {
        let p = platform(b).await;
        let (mut no, no_user) = youth(&p, "non@exemple.fr", false).await;
        let (mut yes, yes_user) = youth(&p, "oui@exemple.fr", true).await;

        let c = nl::consent(&p.state.db, no_user.id).await.unwrap();
        assert!(!c.subscribed && c.consented_at.is_none(), "{b}: {c:?}");
        let c = nl::consent(&p.state.db, yes_user.id).await.unwrap();
        assert!(c.subscribed, "{b}");
        assert!(c.consented_at.is_some());
        assert_eq!(c.source, "inscription");

        // "Mon compte" shows the choice and changes it.
        let page = yes.get("/compte").await;
        assert!(
            page.body.contains("Vous recevez les nouveautés"),
            "{b}: {}",
            page.body
        );
        let a = yes
            .post_form("/compte", "/compte/lettre", &[("lettre", "non")])
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}: {}", a.body);
        let c = nl::consent(&p.state.db, yes_user.id).await.unwrap();
        assert!(!c.subscribed && c.withdrawn_at.is_some(), "{b}: {c:?}");
        assert!(yes.get("/compte").await.body.contains("arrêt le"));

        let a = no
            .post_form("/compte", "/compte/lettre", &[("lettre", "oui")])
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let c = nl::consent(&p.state.db, no_user.id).await.unwrap();
        assert!(c.subscribed && c.consented_at.is_some() && c.source == "compte");

        // Without the CSRF token, nothing changes.
        let a = no.post_raw("/compte/lettre", &[("lettre", "non")]).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{b}");
        assert!(
            nl::consent(&p.state.db, no_user.id)
                .await
                .unwrap()
                .subscribed
        );

        // The export has the consent and its dates.
        let export = no.get("/compte/export").await.json();
        let l = &export["lettre_et_alertes"];
        assert_eq!(l["abonne"], true, "{b}: {export}");
        assert!(l["consenti_le"].as_str().unwrap().ends_with('Z'));
        let export = yes.get("/compte/export").await.json();
        assert_eq!(export["lettre_et_alertes"]["abonne"], false);
        assert!(export["lettre_et_alertes"]["retire_le"].is_string());
    }
}

#[tokio::test]
async fn digest_goes_to_opted_in_youths_only_with_html_text_and_unsubscribe() {
    for b in backends() {
        let p = platform(b).await;
        some_news(&p).await;
        youth(&p, "a@exemple.fr", true).await;
        youth(&p, "b@exemple.fr", true).await;
        youth(&p, "sans@exemple.fr", false).await;
        youth(&p, "desactive@exemple.fr", true).await;
        accounts::set_disabled(&p.state.db, "desactive@exemple.fr", true)
            .await
            .unwrap();
        let (_, staff) = counsellor(&p, "conseil@exemple.fr").await;
        // Even with a consent row, a counsellor gets no digest.
        nl::set_consent(&p.state.db, staff.id, true, "compte")
            .await
            .unwrap();

        let r = nl::send(&p.state.mailing(), &Options::default())
            .await
            .unwrap();
        assert!(r.finished && !r.resumed, "{b}: {r:?}");
        assert_eq!(r.news, 2, "{b}: {r:?}");
        assert_eq!(r.sent, 2, "{b}: {r:?}");
        assert_eq!(
            recipients(&p.outbox),
            ["a@exemple.fr", "b@exemple.fr"],
            "{b}"
        );

        let mail = emails(&p.outbox).remove(0);
        assert!(mail.contains("multipart/alternative"), "{b}: {mail}");
        assert!(mail.contains("Content-Type: text/plain"), "{mail}");
        assert!(mail.contains("Content-Type: text/html"), "{mail}");
        assert!(
            mail.contains("Salon de l'alternance") || mail.contains("Salon de l&#x27;alternance")
        );
        assert!(mail.contains("Faire son CV"));
        assert!(
            !mail.contains("Une vieille nouvelle"),
            "old news is not news"
        );
        assert!(
            !mail.contains("Durée du CEJ"),
            "FAQ entries are not in the digest"
        );
        assert!(mail.contains("http://127.0.0.1:8080/guides/cv/"));
        assert!(!mail.contains("<img"), "no image");
        assert!(
            mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{mail}"
        );
        let link = unsubscribe_link(&p.outbox, &to_of(&mail));
        assert!(link.starts_with("/lettre/desabonnement?u="), "{link}");

        // The link works without signing in: GET asks, POST (one-click) unsubscribes.
        let mut anonymous = Client::new(&p);
        let ask = anonymous.get(&link).await;
        assert_eq!(ask.status, StatusCode::OK, "{b}: {}", ask.body);
        assert!(ask.body.contains("Me désabonner"));
        let target = to_of(&mail);
        let user = accounts::user_by_email(&p.state.db, &target)
            .await
            .unwrap()
            .unwrap();
        assert!(
            nl::consent(&p.state.db, user.id).await.unwrap().subscribed,
            "GET changes nothing"
        );
        let done = anonymous
            .send(
                axum::http::Method::POST,
                &link,
                Some("application/x-www-form-urlencoded"),
                "List-Unsubscribe=One-Click".into(),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{b}: {}", done.body);
        let c = nl::consent(&p.state.db, user.id).await.unwrap();
        assert!(
            !c.subscribed && c.withdrawn_at.is_some() && c.source == "lien",
            "{c:?}"
        );

        // A forged signature, or another user's id with this signature, is refused.
        let other_email = if target == "a@exemple.fr" {
            "b@exemple.fr"
        } else {
            "a@exemple.fr"
        };
        let other = accounts::user_by_email(&p.state.db, other_email)
            .await
            .unwrap()
            .unwrap();
        let sig = link.split("&s=").nth(1).unwrap();
        for forged in [
            format!("/lettre/desabonnement?u={}&s={sig}", other.id),
            format!("/lettre/desabonnement?u={}&s=AAAA{}", user.id, &sig[4..]),
            format!("/lettre/desabonnement?u={}", other.id),
        ] {
            assert_eq!(
                anonymous.get(&forged).await.status,
                StatusCode::FORBIDDEN,
                "{forged}"
            );
            let a = anonymous.post_raw(&forged, &[("x", "y")]).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{forged}");
        }
        assert!(nl::consent(&p.state.db, other.id).await.unwrap().subscribed);

        // Right after: nothing new, so no email at all.
        let before = emails(&p.outbox).len();
        let r = nl::send(&p.state.mailing(), &Options::default())
            .await
            .unwrap();
        assert!(r.finished && r.sent == 0 && r.news == 0, "{b}: {r:?}");
        assert_eq!(emails(&p.outbox).len(), before);
    }
}

#[tokio::test]
async fn a_run_stopped_halfway_resumes_and_never_sends_twice() {
    for b in backends() {
        let p = platform(b).await;
        some_news(&p).await;
        for i in 0..7 {
            youth(&p, &format!("j{i}@exemple.fr"), true).await;
        }
        // Stops after 3 emails, as a crash would.
        let r = nl::send(
            &p.state.mailing(),
            &Options {
                limit: Some(3),
                parallel: 2,
                ..Options::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(r.sent, 3, "{b}: {r:?}");
        assert!(!r.finished);
        assert_eq!(emails(&p.outbox).len(), 3);
        // A crash while one email was with the mailer: its outcome is unknown.
        let uncertain = sqlx::query(
            "UPDATE digest_recipients SET state = 'envoi' WHERE user_id = \
             (SELECT MIN(user_id) FROM digest_recipients WHERE state = 'a_envoyer')",
        )
        .execute(&p.state.db.pool)
        .await
        .unwrap();
        assert_eq!(uncertain.rows_affected(), 1);

        // Started again: the same run resumes, for the others only.
        let r2 = nl::send(&p.state.mailing(), &Options::default())
            .await
            .unwrap();
        assert!(r2.resumed && r2.finished, "{b}: {r2:?}");
        assert_eq!(r2.digest_id, r.digest_id);
        assert_eq!(r2.sent, 3, "{b}: {r2:?}");
        assert_eq!(r2.states.get("envoi"), Some(&1));
        assert!(r2.summary().contains("non renvoyé"), "{}", r2.summary());
        let all = recipients(&p.outbox);
        let mut distinct = all.clone();
        distinct.dedup();
        assert_eq!(all.len(), 6, "{b}: {all:?}");
        assert_eq!(distinct, all, "{b}: someone got two emails");

        // The counsellors' page shows the runs; the button starts one (youths may not).
        let (mut staff, _) = counsellor(&p, "conseil@exemple.fr").await;
        let page = staff.get("/conseil/lettre").await;
        assert_eq!(page.status, StatusCode::OK, "{b}: {}", page.body);
        assert!(page.body.contains("Envoyer la lettre maintenant"));
        assert!(page.body.contains("Terminée"));
        let a = staff
            .post_form("/conseil/lettre", "/conseil/lettre", &[])
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}: {}", a.body);
        let mut finished = false;
        for _ in 0..100 {
            let h = nl::history(&p.state.db, 1).await.unwrap();
            if h[0].id != r.digest_id && h[0].finished_at.is_some() {
                finished = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(finished, "{b}: the button's run ends");
        assert_eq!(emails(&p.outbox).len(), 6, "nothing new since: no email");
        let (mut y, _) = youth(&p, "curieux@exemple.fr", false).await;
        assert_eq!(y.get("/conseil/lettre").await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_alert_gets_only_matching_new_opportunities() {
    for b in backends() {
        let p = platform(b).await;
        let (_, staff) = counsellor(&p, "conseil@exemple.fr").await;
        let old = publish(&p, &staff, "Stage en boulangerie (ancien)", "stage").await;
        let (mut y, yu) = youth(&p, "alerte@exemple.fr", true).await;
        let (_, other) = youth(&p, "autre@exemple.fr", true).await;

        // Saved from the listing's filters, as the listing's form posts them.
        let listing = y.get("/opportunites?type=stage&q=boulangerie").await;
        assert!(listing.body.contains("Créer une alerte"), "{b}");
        let a = y
            .post_form(
                "/opportunites",
                "/compte/alertes",
                &[
                    ("type", "stage"),
                    ("q", "boulangerie"),
                    ("nom", "Boulangerie"),
                    ("frequence", "quotidienne"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}: {}", a.body);
        let alerts = nl::alerts_of(&p.state.db, yu.id).await.unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].query, "type=stage&q=boulangerie");
        let f = tremplin_api::domain::opportunities::Filters::parse(&alerts[0].query);
        assert_eq!(
            (f.kinds.as_slice(), f.keywords.as_str()),
            (&["stage".to_string()][..], "boulangerie")
        );
        let page = y.get("/compte/alertes").await;
        assert!(
            page.body.contains("Boulangerie") && page.body.contains("Chaque jour"),
            "{b}"
        );

        // The alert starts a little earlier; the old one was published before it.
        let t = tremplin_api::infra::db::now();
        sqlx::query("UPDATE saved_searches SET last_sent_at = $1")
            .bind(t - 60)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        sqlx::query("UPDATE opportunities SET published_at = $1 WHERE id = $2")
            .bind(t - 3600)
            .bind(old)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        publish(&p, &staff, "Stage boulangerie pâtisserie", "stage").await;
        publish(&p, &staff, "Emploi en boulangerie", "emploi").await;
        publish(&p, &staff, "Stage en mécanique", "stage").await;
        index_now(&p).await;

        let r = nl::send(&p.state.mailing(), &Options::default())
            .await
            .unwrap();
        // No news: only the youth with an alert that found something gets an email.
        assert_eq!(r.sent, 1, "{b}: {r:?}");
        let mails = emails(&p.outbox);
        assert_eq!(to_of(&mails[0]), "alerte@exemple.fr");
        let m = &mails[0];
        assert!(m.contains("Stage boulangerie pâtisserie"), "{b}: {m}");
        assert!(!m.contains("(ancien)"), "published before the alert");
        assert!(!m.contains("Emploi en boulangerie"), "another kind");
        assert!(!m.contains("mécanique"), "other words");
        assert!(m.contains("1 nouvelle opportunité"));
        assert!(nl::alerts_of(&p.state.db, other.id)
            .await
            .unwrap()
            .is_empty());

        // The alert moved on: the next digest has nothing for it.
        let r = nl::send(&p.state.mailing(), &Options::default())
            .await
            .unwrap();
        assert_eq!(r.sent, 0, "{b}: {r:?}");

        // A weekly alert waits a week.
        sqlx::query("UPDATE saved_searches SET frequency = 'hebdomadaire', last_sent_at = $1")
            .bind(t - 2 * DAY)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        let r = nl::send(&p.state.mailing(), &Options::default())
            .await
            .unwrap();
        assert_eq!(r.sent, 0, "{b}: not yet a week: {r:?}");
        sqlx::query("UPDATE saved_searches SET last_sent_at = $1")
            .bind(t - 8 * DAY)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        let r = nl::send(&p.state.mailing(), &Options::default())
            .await
            .unwrap();
        assert_eq!(r.sent, 1, "{b}: a week later: {r:?}");
        assert!(
            emails(&p.outbox).iter().any(|m| m.contains("(ancien)")),
            "published during the week"
        );

        // Delete works, and only for its owner.
        let id = alerts[0].id.to_string();
        let (mut intruder, _) = youth(&p, "intrus@exemple.fr", false).await;
        let a = intruder
            .post_form(
                "/compte/alertes",
                &format!("/compte/alertes/{id}/suppression"),
                &[],
            )
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{b}");
        let a = y
            .post_form(
                "/compte/alertes",
                &format!("/compte/alertes/{id}/suppression"),
                &[],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}");
        assert!(nl::alerts_of(&p.state.db, yu.id).await.unwrap().is_empty());
    }
}

/// An alert's keywords are searched like the listing's: a job title in either gender finds
/// the other (« coiffeuse » finds « Coiffeur », « boulanger » finds « Boulangère »), on every
/// engine, since both normalise job words the same way.
#[tokio::test]
async fn an_alert_finds_job_titles_in_either_gender() {
    for b in backends() {
        let p = platform(b).await;
        let (_, staff) = counsellor(&p, "conseil@exemple.fr").await;
        let (_, yu) = youth(&p, "alerte@exemple.fr", true).await;
        for (name, query) in [
            ("Coiffure", "q=coiffeuse"),
            ("Boulangerie", "type=emploi&q=boulanger"),
        ] {
            let f = opp::Filters::parse(query);
            nl::add_alert(&p.state.db, &yu, name, &f, "quotidienne")
                .await
                .unwrap();
        }
        sqlx::query("UPDATE saved_searches SET last_sent_at = $1")
            .bind(tremplin_api::infra::db::now() - 60)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        publish(&p, &staff, "Coiffeur H/F", "emploi").await;
        publish(&p, &staff, "Boulangère en CDI", "emploi").await;
        publish(&p, &staff, "Serveur en brasserie", "emploi").await;
        index_now(&p).await;

        let r = nl::send(&p.state.mailing(), &Options::default())
            .await
            .unwrap();
        assert_eq!(r.sent, 1, "{b}: {r:?}");
        let m = &emails(&p.outbox)[0];
        assert!(
            m.contains("Coiffeur H/F"),
            "{b}: the feminine alert finds the masculine title: {m}"
        );
        assert!(
            m.contains("Boulangère en CDI"),
            "{b}: the masculine alert finds the feminine title: {m}"
        );
        assert!(!m.contains("Serveur"), "{b}: other words");
        // The alert reads as it was typed.
        let page = nl::alerts_of(&p.state.db, yu.id).await.unwrap();
        assert_eq!(page[0].description(), "« coiffeuse »");
    }
}

/// A real SMTP server on loopback (aiosmtpd) writing each message to a maildir.
struct SmtpServer {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn smtp_server() -> Option<SmtpServer> {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SMTP ignoré : python3 ou aiosmtpd manque (python3 -m pip install aiosmtpd) ; .ci/run l'installe.");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new("python3")
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        // A folder that does not exist yet: the Maildir is created with its subfolders.
        .arg(dir.path().join("maildir"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(SmtpServer { child, port, dir });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("aiosmtpd did not start on port {port}");
}

fn maildir(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("maildir/new"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect()
}

#[tokio::test]
async fn digest_through_a_real_smtp_server() {
    let Some(server) = smtp_server() else { return };
    for b in backends() {
        let url = format!("smtp://127.0.0.1:{}", server.port);
        let p = platform_with(b, |c| c.transport = Transport::Smtp(url)).await;
        some_news(&p).await;
        youth(&p, "smtp1@exemple.fr", true).await;
        youth(&p, "smtp2@exemple.fr", true).await;
        youth(&p, "smtp-non@exemple.fr", false).await;
        let r = nl::send(&p.state.mailing(), &Options::default())
            .await
            .unwrap();
        assert_eq!(r.sent, 2, "{b}: {r:?}");
        let got: Vec<String> = maildir(server.dir.path())
            .into_iter()
            .filter(|m| m.contains("@exemple.fr") && m.contains("Faire son CV"))
            .collect();
        let mut to: Vec<String> = got
            .iter()
            .filter_map(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("X-RcptTo: "))
                    .map(|s| s.trim().to_string())
            })
            .filter(|t| t.starts_with("smtp"))
            .collect();
        to.sort();
        assert_eq!(to, ["smtp1@exemple.fr", "smtp2@exemple.fr"], "{b}");
        let m = &got[0];
        assert!(m.contains("multipart/alternative"), "{m}");
        assert!(m.contains("text/html") && m.contains("text/plain"));
        assert!(m.contains("List-Unsubscribe: <http://127.0.0.1:8080/lettre/desabonnement?u="));
        assert!(m.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        // The next platform (other database) reads the same maildir: start clean.
        for f in std::fs::read_dir(server.dir.path().join("maildir/new")).unwrap() {
            std::fs::remove_file(f.unwrap().path()).unwrap();
        }
    }
}
