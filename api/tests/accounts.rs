//! Accounts through the router, on every database: registration, sign-in, wrong password,
//! rate limit, session expiry, sign-out, password reset through the outbox, invitations,
//! CSRF refusal, export, deletion, and who may open what.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;
use tremplin_api::domain::accounts::{self, Role};
use tremplin_api::infra::limits;

/// An account of the given role, signed in on a new client.
async fn signed_in(p: &Platform, role: Role, email: &str) -> Client {
    if role == Role::Youth {
        return youth(p, email).await.0;
    }
    staff(p, role, "lille", email).await.0
}

#[tokio::test]
async fn registration_keeps_what_was_typed_and_names_each_error() {
    for b in backends() {
        let p = platform(b).await;
        accounts::add_structure(&p.state.db, "lille", "Mission Locale de Lille", "Lille", "")
            .await
            .unwrap();
        let mut c = Client::new(&p);
        let page = c.get("/compte/inscription").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            options(&page.body)
                .contains(&("lille".into(), "Mission Locale de Lille (Lille)".into())),
            "{b}"
        );

        let a = c
            .post_form(
                "/compte/inscription",
                "/compte/inscription",
                &[
                    ("first_name", "Camille"),
                    ("email", "camille@exemple"),
                    ("password", "court"),
                    ("structure", "paris"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            field_error(&a.body, "Adresse électronique").is_some_and(
                |e| e.starts_with("Erreur : Saisissez une adresse électronique valide")
            ),
            "{b}: {}",
            a.body
        );
        assert!(a
            .body
            .contains("Le mot de passe doit avoir au moins 12 caractères (il en a 5)"));
        assert!(a
            .body
            .contains("Choisissez une Mission Locale dans la liste."));
        assert_eq!(
            field(&a.body, "Adresse électronique").unwrap().value,
            "camille@exemple",
            "the typed email is kept"
        );
        assert_eq!(
            field(&a.body, "Prénom").unwrap().value,
            "Camille",
            "the typed first name is kept"
        );
        assert_eq!(
            field(&a.body, "Mot de passe").unwrap().value,
            "",
            "a password is never sent back"
        );
        assert!(!a.body.contains("court\""), "a password is never sent back");
        assert!(
            links_to(&a.body, "#password"),
            "the summary links to the field"
        );

        let a = c
            .post_form(
                "/compte/inscription",
                "/compte/inscription",
                &[
                    ("first_name", "Camille"),
                    ("email", "Camille@Exemple.fr"),
                    ("password", PASSWORD),
                    ("structure", "lille"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        assert_eq!(a.location(), "/compte?bienvenue=1");
        let home = c.get("/compte?bienvenue=1").await;
        assert!(
            home.body.contains("Bonjour Camille")
                && home.body.contains("Bienvenue ! Votre compte est créé."),
            "{b}"
        );
        assert!(home.body.contains("Mission Locale de Lille (Lille)"));

        // The same address again: 422 on the email field, through the JSON API too.
        let mut other = Client::new(&p);
        let a = other
            .json(
                Method::POST,
                "/api/v1/accounts",
                json!({"email": "camille@exemple.fr", "password": PASSWORD, "first_name": "C"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(a.json()["fields"]["email"], "Un compte existe déjà avec cette adresse. Connectez-vous, ou utilisez « Mot de passe oublié ».");
    }
}

#[tokio::test]
async fn an_empty_sign_in_form_names_the_fields_and_counts_for_no_limit() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        register(&mut c, "lea@exemple.fr").await;
        c.forget_cookies();
        // More empty attempts than any limit allows failures.
        for _ in 0..=limits::FREE_ATTEMPTS_PER_ACCOUNT + 1 {
            let a = c
                .post_form(
                    "/compte/connexion",
                    "/compte/connexion",
                    &[("email", "lea@exemple.fr"), ("password", "")],
                )
                .await;
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
            assert!(
                a.body.contains("Indiquez votre mot de passe."),
                "{}",
                a.body
            );
            assert!(!a.body.contains("Indiquez votre adresse"), "{}", a.body);
            assert_eq!(
                field(&a.body, "Adresse électronique").map(|f| f.value),
                Some("lea@exemple.fr".to_string()),
                "what was typed stays"
            );
        }
        let a = c
            .post_form("/compte/connexion", "/compte/connexion", &[])
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(a.body.contains("Indiquez votre adresse électronique."));
        assert!(a.body.contains("Indiquez votre mot de passe."));
        let a = c
            .post_form(
                "/compte/connexion",
                "/compte/connexion",
                &[("email", "lea@exemple.fr"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{b}: not locked out");
    }
}

#[tokio::test]
async fn sign_in_wrong_password_rate_limit_and_sign_out() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        register(&mut c, "lea@exemple.fr").await;
        c.forget_cookies();

        let a = c
            .post_form(
                "/compte/connexion",
                "/compte/connexion",
                &[
                    ("email", "lea@exemple.fr"),
                    ("password", "pas le bon mot de passe"),
                    ("suite", "/compte"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{b}");
        assert!(a
            .body
            .contains("Adresse électronique ou mot de passe incorrect."));
        assert_eq!(
            field(&a.body, "Adresse électronique").map(|f| f.value),
            Some("lea@exemple.fr".to_string()),
            "what was typed stays"
        );

        let a = c
            .post_form(
                "/compte/connexion",
                "/compte/connexion",
                &[
                    ("email", "lea@exemple.fr"),
                    ("password", PASSWORD),
                    ("suite", "/compte"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        assert_eq!(a.location(), "/compte");
        let session = c.cookie("tremplin_session").unwrap();
        assert_eq!(c.get("/compte").await.status, StatusCode::OK);

        // Signing in again renews the session token.
        let a = sign_in(&mut c, "lea@exemple.fr", PASSWORD).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_ne!(c.cookie("tremplin_session").unwrap(), session);

        // Sign-out: the session is gone for good, even for someone who copied the cookie.
        let kept = c.cookie("tremplin_session").unwrap();
        let a = c.post_form("/compte", "/compte/deconnexion", &[]).await;
        assert_eq!((a.status, a.location()), (StatusCode::SEE_OTHER, "/"));
        assert!(c.cookie("tremplin_session").is_none());
        let mut thief = Client::new(&p);
        thief.set_cookie("tremplin_session", &kept);
        assert_eq!(
            thief.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "{b}"
        );
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE token_hash = $1")
            .bind(tremplin_api::infra::auth::token_hash(&kept))
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{b}");

        // Five failures, then every attempt must wait, even with the right password.
        for _ in 0..limits::FREE_ATTEMPTS_PER_ACCOUNT {
            assert_eq!(
                sign_in(&mut c, "lea@exemple.fr", "faux faux faux faux")
                    .await
                    .status,
                StatusCode::UNAUTHORIZED
            );
        }
        hold(&p, "compte:lea@exemple.fr").await;
        let a = sign_in(&mut c, "lea@exemple.fr", PASSWORD).await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{b}");
        let wait: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=20).contains(&wait), "{wait}");
        let message = a.json()["error"].as_str().unwrap().to_string();
        assert!(
            message.starts_with("Trop de tentatives de connexion. Réessayez dans ")
                && message.ends_with("secondes, ou utilisez « Mot de passe oublié »."),
            "{message}"
        );
        let page = c
            .post_form(
                "/compte/connexion",
                "/compte/connexion",
                &[("email", "lea@exemple.fr"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(page.body.contains("Trop de tentatives de connexion."));
        // Once the wait is over, the right password passes and the count starts again.
        pass_time(&p, 60).await;
        assert_eq!(
            sign_in(&mut c, "lea@exemple.fr", PASSWORD).await.status,
            StatusCode::OK,
            "{b}"
        );
        assert_eq!(throttled(&p, "compte:lea@exemple.fr").await, None);
    }
}

/// Makes the last counted attempt of `key` happen a few seconds from now, so that the next
/// attempt must wait whatever the clock does during the test.
async fn hold(p: &Platform, key: &str) {
    sqlx::query("UPDATE login_throttle SET last_at = $1 WHERE key = $2")
        .bind(tremplin_api::infra::db::now() + 5)
        .bind(key)
        .execute(&p.state.db.pool)
        .await
        .unwrap();
}

/// Moves every counted attempt `seconds` into the past.
async fn pass_time(p: &Platform, seconds: i64) {
    sqlx::query("UPDATE login_throttle SET last_at = last_at - $1")
        .bind(seconds)
        .execute(&p.state.db.pool)
        .await
        .unwrap();
}

/// The attempts counted for `key`.
async fn throttled(p: &Platform, key: &str) -> Option<i64> {
    sqlx::query_scalar("SELECT attempts FROM login_throttle WHERE key = $1")
        .bind(key)
        .fetch_optional(&p.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn rate_limit_per_address() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        for i in 0..limits::FREE_ATTEMPTS_PER_ADDRESS {
            let a = sign_in(
                &mut c,
                &format!("inconnu{i}@exemple.fr"),
                "faux faux faux faux",
            )
            .await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{b} attempt {i}");
        }
        hold(&p, "adresse:inconnue").await;
        let a = sign_in(&mut c, "encore@exemple.fr", "faux faux faux faux").await;
        assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{b}");
        // A refused attempt on the address counts nothing on the account.
        assert_eq!(throttled(&p, "compte:encore@exemple.fr").await, None);
    }
}

/// Simultaneous attempts: each is counted before its password is checked, in one atomic
/// statement, so a burst gets no more tries than the limit (a second may pass during the
/// burst and allow one or two more after their waits).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_in_limits_hold_under_concurrency() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        register(&mut c, "lea@exemple.fr").await;
        c.forget_cookies();

        // 30 wrong passwords at once on one account.
        let tries = (0..30).map(|_| {
            let mut c = Client::new(&p);
            async move {
                sign_in(&mut c, "lea@exemple.fr", "faux faux faux faux")
                    .await
                    .status
            }
        });
        let statuses = futures_join(tries).await;
        let wrong = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        let refused = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert_eq!(wrong + refused, 30, "{b}: {statuses:?}");
        assert!(
            (limits::FREE_ATTEMPTS_PER_ACCOUNT as usize
                ..=limits::FREE_ATTEMPTS_PER_ACCOUNT as usize + 3)
                .contains(&wrong),
            "{b}: {wrong} wrong passwords checked"
        );
        // The right password right after: it must wait too.
        hold(&p, "compte:lea@exemple.fr").await;
        assert_eq!(
            sign_in(&mut c, "lea@exemple.fr", PASSWORD).await.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{b}"
        );
        // Not a lock-out: a reset link ends the wait at once.
        let token = accounts::create_token(
            &p.state.db,
            accounts::user_by_email(&p.state.db, "lea@exemple.fr")
                .await
                .unwrap()
                .unwrap()
                .id,
            accounts::Purpose::Reset,
            3600,
        )
        .await
        .unwrap();
        accounts::set_password_with_token(&p.state.db, &token, "une autre phrase assez longue")
            .await
            .unwrap();
        assert_eq!(
            sign_in(&mut c, "lea@exemple.fr", "une autre phrase assez longue")
                .await
                .status,
            StatusCode::OK,
            "{b}"
        );

        // 40 wrong sign-ins at once from one address, on 40 accounts (the address's earlier
        // attempts forgotten first).
        pass_time(&p, 100_000).await;
        let tries = (0..40).map(|i| {
            let mut c = Client::new(&p);
            async move {
                sign_in(&mut c, &format!("x{i}@exemple.fr"), "faux faux faux faux")
                    .await
                    .status
            }
        });
        let statuses = futures_join(tries).await;
        let wrong = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        assert!(
            (limits::FREE_ATTEMPTS_PER_ADDRESS as usize
                ..=limits::FREE_ATTEMPTS_PER_ADDRESS as usize + 3)
                .contains(&wrong),
            "{b}: {wrong} of 40 checked"
        );
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
                .count(),
            40 - wrong,
            "{b}"
        );
    }
}

/// Runs the futures at once on the test's runtime.
async fn futures_join<F: std::future::Future<Output = StatusCode> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<StatusCode> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn sessions_expire_after_inactivity_and_at_most_after_the_maximum() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        register(&mut c, "noe@exemple.fr").await;
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK);
        let idle = p.state.config.session_idle;
        sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - $1")
            .bind(idle + 1)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        assert_eq!(
            c.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "{b}: idle session ended"
        );
        let a = c.get("/compte").await;
        assert_eq!(
            (a.status, a.location()),
            (StatusCode::SEE_OTHER, "/compte/connexion?suite=/compte")
        );

        assert_eq!(
            sign_in(&mut c, "noe@exemple.fr", PASSWORD).await.status,
            StatusCode::OK
        );
        let max = p.state.config.session_max;
        sqlx::query("UPDATE sessions SET created_at = created_at - $1")
            .bind(max + 1)
            .execute(&p.state.db.pool)
            .await
            .unwrap();
        assert_eq!(
            c.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "{b}: old session ended"
        );
    }
}

#[tokio::test]
async fn password_reset_through_the_emailed_link() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        register(&mut c, "ines@exemple.fr").await;
        let mut other_device = Client::new(&p);
        assert_eq!(
            sign_in(&mut other_device, "ines@exemple.fr", PASSWORD)
                .await
                .status,
            StatusCode::OK
        );
        c.forget_cookies();

        // Unknown address: same answer, no email.
        let a = c
            .post_form(
                "/compte/mot-de-passe-oublie",
                "/compte/mot-de-passe-oublie",
                &[("email", "personne@exemple.fr")],
            )
            .await;
        assert_eq!(a.status, StatusCode::OK);
        assert!(a.body.contains("Si un compte existe avec cette adresse"));
        let unknown = a.body;

        let a = c
            .post_form(
                "/compte/mot-de-passe-oublie",
                "/compte/mot-de-passe-oublie",
                &[("email", "Ines@exemple.fr")],
            )
            .await;
        assert_eq!(a.body, unknown, "the same answer either way");
        let mails = emails_when(&p.outbox, 1).await;
        assert_eq!(
            mails.len(),
            1,
            "{b}: one email, none for the unknown address"
        );
        assert!(
            mails[0].contains("To: ines@exemple.fr")
                && mails[0].contains("Subject: Votre nouveau mot de passe Tremplin")
        );
        let link = link_in(&mails[0]);
        assert!(
            link.starts_with("/compte/nouveau-mot-de-passe?jeton="),
            "{link}"
        );

        let form = c.get(&link).await;
        assert_eq!(form.status, StatusCode::OK);
        let token = link.split("jeton=").nth(1).unwrap();
        let a = c
            .post_form(
                &link,
                "/compte/nouveau-mot-de-passe",
                &[
                    ("token", token),
                    ("password", "court"),
                    ("password_confirm", "court"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(a.body.contains("au moins 12 caractères"));
        let a = c
            .post_form(
                &link,
                "/compte/nouveau-mot-de-passe",
                &[
                    ("token", token),
                    ("password", "une autre phrase assez longue"),
                    ("password_confirm", "pas la meme phrase du tout"),
                ],
            )
            .await;
        assert!(a
            .body
            .contains("Les deux mots de passe ne sont pas identiques."));
        let a = c
            .post_form(
                &link,
                "/compte/nouveau-mot-de-passe",
                &[
                    ("token", token),
                    ("password", "une autre phrase assez longue"),
                    ("password_confirm", "une autre phrase assez longue"),
                ],
            )
            .await;
        assert_eq!(
            (a.status, a.location()),
            (StatusCode::SEE_OTHER, "/compte/connexion?modifie=1"),
            "{b}"
        );

        assert_eq!(
            other_device.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "every session is closed"
        );
        assert_eq!(
            sign_in(&mut c, "ines@exemple.fr", PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            sign_in(&mut c, "ines@exemple.fr", "une autre phrase assez longue")
                .await
                .status,
            StatusCode::OK
        );
        // The link works once.
        let again = c.get(&link).await;
        assert_eq!(again.status, StatusCode::GONE);
        assert!(
            again.body.contains("Ce lien n&#39;est plus valable")
                || again.body.contains("Ce lien n'est plus valable")
        );
        // And not after it expired.
        let t = accounts::create_token(&p.state.db, 1, accounts::Purpose::Reset, -1)
            .await
            .unwrap();
        assert_eq!(
            c.get(&format!("/compte/nouveau-mot-de-passe?jeton={t}"))
                .await
                .status,
            StatusCode::GONE
        );
    }
}

#[tokio::test]
async fn an_invited_counsellor_sets_a_password_and_signs_in() {
    for b in backends() {
        let p = platform(b).await;
        accounts::add_structure(
            &p.state.db,
            "lille",
            "Mission Locale de Lille",
            "Lille",
            "03 20 00 00 00",
        )
        .await
        .unwrap();
        let err = accounts::invite(
            &p.state.db,
            &p.state.config,
            "x@exemple.fr",
            Role::Counsellor,
            None,
            "",
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.message(),
            "Un conseiller appartient à une structure : précisez-la."
        );
        let err = accounts::invite(
            &p.state.db,
            &p.state.config,
            "x@exemple.fr",
            Role::Counsellor,
            Some("paris"),
            "",
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.message(),
            "Structure « paris » inconnue (structures : lille)."
        );
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "a refused invitation writes nothing");

        let (user, token) = accounts::invite(
            &p.state.db,
            &p.state.config,
            "sam@ml-lille.fr",
            Role::Counsellor,
            Some("lille"),
            "Sam",
        )
        .await
        .unwrap();
        let link = tremplin_api::http::accounts::send_invitation(
            &p.state.config,
            &p.state.mailer,
            &user,
            &token,
        )
        .await
        .unwrap();
        let mail = emails(&p.outbox).pop().unwrap();
        assert!(mail.contains("pour Mission Locale de Lille"), "{mail}");
        let path = link_in(&mail);
        assert_eq!(format!("http://127.0.0.1:8080{path}"), link);
        let mut c = Client::new(&p);
        assert_eq!(
            sign_in(&mut c, "sam@ml-lille.fr", "").await.status,
            StatusCode::UNAUTHORIZED,
            "{b}: no password yet"
        );
        let page = c.get(&path).await;
        assert!(
            page.body.contains("Créer votre mot de passe") && page.body.contains("Bienvenue Sam"),
            "{b}"
        );
        let a = c
            .post_form(
                &path,
                "/compte/nouveau-mot-de-passe",
                &[
                    ("token", &token),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        let a = sign_in(&mut c, "sam@ml-lille.fr", PASSWORD).await;
        assert_eq!(a.json()["role"], "counsellor");
        assert_eq!(a.json()["structure"]["slug"], "lille");

        // Disabled: sessions closed, sign-in refused.
        accounts::set_disabled(&p.state.db, "sam@ml-lille.fr", true)
            .await
            .unwrap();
        assert_eq!(c.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        let a = sign_in(&mut c, "sam@ml-lille.fr", PASSWORD).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(
            a.json()["error"],
            "Ce compte est désactivé. Contactez votre Mission Locale."
        );
    }
}

#[tokio::test]
async fn forms_and_json_refuse_cross_site_requests() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        c.get("/compte/inscription").await;
        let fields = [
            ("first_name", "Camille"),
            ("email", "camille@exemple.fr"),
            ("password", PASSWORD),
        ];
        let a = c.post_raw("/compte/inscription", &fields).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{b}: no CSRF token");
        assert!(a.body.contains("La demande a été refusée par sécurité"));
        let a = c
            .post_raw(
                "/compte/inscription",
                &[fields[0], fields[1], fields[2], ("csrf", "un-autre-jeton")],
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "wrong CSRF token");
        c.origin = Some("https://site-malveillant.example".into());
        let a = c
            .post_form("/compte/inscription", "/compte/inscription", &fields)
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "another site's form");
        let a = c
            .json(
                Method::POST,
                "/api/v1/accounts",
                json!({"email": "camille@exemple.fr", "password": PASSWORD, "first_name": "C"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "another site's script");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&p.state.db.pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{b}: nothing was written");
        c.origin = Some("http://127.0.0.1:8080".into());
        let a = c
            .json(
                Method::POST,
                "/api/v1/accounts",
                json!({"email": "camille@exemple.fr", "password": PASSWORD, "first_name": "C"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED);
    }
}

#[tokio::test]
async fn a_youth_exports_then_deletes_everything() {
    for b in backends() {
        let p = platform(b).await;
        let mut c = Client::new(&p);
        register(&mut c, "yanis@exemple.fr").await;
        let mut other = Client::new(&p);
        sign_in(&mut other, "yanis@exemple.fr", "faux faux faux faux").await;
        assert_eq!(
            sign_in(&mut other, "yanis@exemple.fr", PASSWORD)
                .await
                .status,
            StatusCode::OK
        );
        sign_in(&mut other, "yanis@exemple.fr", "faux faux faux faux").await;

        let export = c.get("/api/v1/me/export").await;
        assert_eq!(export.status, StatusCode::OK);
        let v = export.json();
        assert_eq!(v["compte"]["adresse_electronique"], "yanis@exemple.fr");
        assert_eq!(v["compte"]["prenom"], "Camille");
        assert_eq!(v["sessions"].as_array().unwrap().len(), 2, "{b}");
        assert_eq!(v["tentatives_de_connexion_echouees"]["nombre"], 1, "{b}");
        let download = c.get("/compte/export").await;
        assert_eq!(
            download.headers["content-disposition"],
            "attachment; filename=\"tremplin-mes-donnees.json\""
        );

        // The page asks for a confirmation first.
        let a = c
            .post_form("/compte", "/compte/suppression", &[("confirmation", "oui")])
            .await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(a
            .body
            .contains("Pour confirmer, écrivez SUPPRIMER en majuscules."));
        let a = c.json(Method::DELETE, "/api/v1/me", json!({})).await;
        assert_eq!(a.status, StatusCode::NO_CONTENT, "{b}");
        for table in [
            "users",
            "sessions",
            "tokens",
            "login_throttle WHERE key LIKE 'compte:%'",
        ] {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&p.state.db.pool)
                .await
                .unwrap();
            assert_eq!(n, 0, "{b}: {table} emptied");
        }
        assert_eq!(
            other.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn who_may_open_what() {
    for b in backends() {
        let p = platform(b).await;
        let mut clients = [
            ("anonyme", Client::new(&p)),
            (
                "jeune",
                signed_in(&p, Role::Youth, "jeune@exemple.fr").await,
            ),
            (
                "conseiller",
                signed_in(&p, Role::Counsellor, "conseiller@exemple.fr").await,
            ),
            (
                "admin",
                signed_in(&p, Role::Admin, "admin@exemple.fr").await,
            ),
        ];
        // Expected status per role: anonymous, youth, counsellor, admin.
        let matrix: &[(&str, &str, [u16; 4])] = &[
            ("GET", "/compte", [303, 200, 200, 200]),
            ("GET", "/compte/export", [303, 200, 200, 200]),
            ("GET", "/admin/utilisateurs", [303, 403, 403, 200]),
            ("GET", "/api/v1/me", [401, 200, 200, 200]),
            ("GET", "/api/v1/me/export", [401, 200, 200, 200]),
            ("DELETE", "/api/v1/me", [401, 204, 403, 403]),
        ];
        for (method, path, expected) in matrix {
            for (i, (who, c)) in clients.iter_mut().enumerate() {
                let a = c
                    .send(
                        method.parse().unwrap(),
                        path,
                        Some("application/json"),
                        "{}".into(),
                    )
                    .await;
                assert_eq!(
                    a.status.as_u16(),
                    expected[i],
                    "{b}: {who} {method} {path}: {}",
                    a.body
                );
            }
        }
        // The admin page lists the accounts, with a button for each.
        let page = clients[3].1.get("/admin/utilisateurs").await;
        assert!(
            page.body.contains("conseiller@exemple.fr") && page.body.contains("Désactiver"),
            "{b}"
        );
        let a = clients[3]
            .1
            .post_form(
                "/admin/utilisateurs",
                "/admin/utilisateurs/statut",
                &[("email", "conseiller@exemple.fr"), ("action", "desactiver")],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        assert_eq!(
            clients[2].1.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED,
            "a disabled account loses its session"
        );
    }
}

#[tokio::test]
async fn every_response_has_the_security_headers() {
    let p = platform("sqlite").await;
    let mut c = Client::new(&p);
    for path in ["/", "/compte/connexion", "/api/v1/me", "/absent/"] {
        let a = c.get(path).await;
        let csp = a.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(a.headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(
            a.headers["referrer-policy"],
            "strict-origin-when-cross-origin"
        );
        assert!(a.headers.contains_key("x-request-id"));
    }
    let a = Client::new(&p).get("/compte/connexion").await;
    let cookie = a.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Secure")
    );
}

#[tokio::test]
async fn secure_cookies_over_https() {
    let p = platform_with("sqlite", |c| {
        c.base_url = "https://tremplin.example.org".into()
    })
    .await;
    let mut c = Client::new(&p);
    c.origin = Some("https://tremplin.example.org".into());
    let a = c
        .json(
            Method::POST,
            "/api/v1/accounts",
            json!({"email": "a@exemple.fr", "password": PASSWORD, "first_name": "A"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let a = sign_in(&mut c, "a@exemple.fr", PASSWORD).await;
    let cookie = a.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("tremplin_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
}

#[tokio::test]
async fn bad_json_is_a_clear_error() {
    let p = platform("sqlite").await;
    let mut c = Client::new(&p);
    let a = c
        .send(
            Method::POST,
            "/api/v1/session",
            Some("application/json"),
            "{\"email\": 3".into(),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.json()["error"]
        .as_str()
        .unwrap()
        .starts_with("Corps de la requête invalide"));
    let a = c
        .json(Method::POST, "/api/v1/session", json!({"email": "a@b.fr"}))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(
        a.json()["error"]
            .as_str()
            .unwrap()
            .contains("champ obligatoire manquant : password"),
        "{}",
        a.body
    );
}
