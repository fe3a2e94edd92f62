//! The accounts' HTTP side: server-rendered pages (forms that work without JavaScript, keep
//! what was typed and show each error next to its field) and the JSON API under `/api/v1`.

mod api;

use api::*;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::domain::accounts::{self, Purpose, Registration, Role, User};
use crate::http::extract::{field, ClientIp, CsrfForm, JsonBody, SameOrigin, Viewer};
use crate::http::page::{
    form_value, safe_next, structures_value, to_sign_in, user_view, PageCx, PageError,
};
use crate::http::security::{self, SESSION_COOKIE};
use crate::http::state::AppState;
use crate::infra::config::ApiConfig;
use crate::infra::db::Db;
use crate::infra::error::AppError;
use crate::infra::mail::{Email, Mailer};

/// The routes of accounts: pages and JSON.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/compte", get(account_page))
        .route("/compte/", get(account_page))
        .route(
            "/compte/inscription",
            get(register_page).post(register_submit),
        )
        .route("/compte/connexion", get(sign_in_page).post(sign_in_submit))
        .route("/compte/deconnexion", post(sign_out_submit))
        .route(
            "/compte/mot-de-passe-oublie",
            get(forgot_page).post(forgot_submit),
        )
        .route(
            "/compte/nouveau-mot-de-passe",
            get(new_password_page).post(new_password_submit),
        )
        .route(
            "/compte/invitation",
            get(new_password_page).post(new_password_submit),
        )
        .route("/compte/mot-de-passe", post(change_password_submit))
        .route("/compte/mission-locale", post(structure_submit))
        .route("/compte/export", get(export_download))
        .route("/compte/suppression", post(delete_submit))
        .route("/admin/utilisateurs", get(admin_users_page))
        .route("/admin/utilisateurs/statut", post(admin_users_status))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/accounts", post(api_register))
        .route("/api/v1/session", post(api_sign_in).delete(api_sign_out))
        .route("/api/v1/me", get(api_me).delete(api_delete_me))
        .route("/api/v1/me/export", get(api_export))
        .with_state(state)
}

/// The session cookie, set or removed.
fn session_cookie(state: &AppState, token: Option<&str>) -> HeaderValue {
    let secure = state.config.secure_cookies();
    match token {
        Some(t) => security::set_cookie(SESSION_COOKIE, t, None, secure),
        None => security::set_cookie(SESSION_COOKIE, "x", Some(0), secure),
    }
}

/// Opens a new session (closing the one the browser had), then redirects.
async fn sign_in_and_redirect(
    state: &AppState,
    viewer_token: Option<&str>,
    user: &User,
    to: &str,
) -> Result<Response, AppError> {
    if let Some(old) = viewer_token {
        accounts::delete_session(&state.db, old).await?;
    }
    let token = accounts::create_session(&state.db, user.id).await?;
    let mut res = Redirect::to(to).into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(state, Some(&token)));
    Ok(res)
}

async fn register_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
) -> Result<Response, PageError> {
    let mut vars = Map::new();
    vars.insert("form".into(), form_value(&[], &[], ""));
    match structures_value(&state).await {
        Ok(s) => vars.insert("structures".into(), s),
        Err(e) => return Err(e.into()),
    };
    Ok(cx.page(
        StatusCode::OK,
        (
            "compte/inscription.html",
            "/compte/inscription",
            "Créer votre compte",
        ),
        vars,
        viewer.user.as_ref(),
    ))
}

async fn register_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    cx: PageCx,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    accounts::throttle_requests(&state.db, accounts::REGISTER_ADDRESS, &ip).await?;
    let reg = Registration {
        email: field(&f, "email").into(),
        password: field(&f, "password").into(),
        first_name: field(&f, "first_name").into(),
        structure: Some(field(&f, "structure").to_string()),
    };
    match accounts::register(&state.db, &reg).await {
        Ok(user) => {
            // News by email only when the box was ticked (off by default), dated.
            if field(&f, "lettre") == "oui" {
                crate::domain::newsletter::set_consent(&state.db, user.id, true, "inscription")
                    .await?;
            }
            Ok(sign_in_and_redirect(
                &state,
                viewer.token.as_deref(),
                &user,
                "/compte?bienvenue=1",
            )
            .await?)
        }
        Err(AppError::Invalid(errors)) => {
            let mut vars = Map::new();
            vars.insert(
                "form".into(),
                form_value(
                    &[
                        ("email", &reg.email),
                        ("first_name", &reg.first_name),
                        ("structure", field(&f, "structure")),
                        ("lettre", field(&f, "lettre")),
                    ],
                    &errors,
                    "",
                ),
            );
            vars.insert("structures".into(), structures_value(&state).await?);
            Ok(cx.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                (
                    "compte/inscription.html",
                    "/compte/inscription",
                    "Créer votre compte",
                ),
                vars,
                viewer.user.as_ref(),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    suite: Option<String>,
    modifie: Option<String>,
}

async fn sign_in_page(viewer: Viewer, cx: PageCx, Query(q): Query<NextQuery>) -> Response {
    let mut vars = Map::new();
    vars.insert(
        "form".into(),
        form_value(&[("suite", &safe_next(q.suite.as_deref()))], &[], ""),
    );
    if q.modifie.is_some() {
        vars.insert(
            "info".into(),
            json!("Votre mot de passe est enregistré. Vous pouvez vous connecter."),
        );
    }
    cx.page(
        StatusCode::OK,
        ("compte/connexion.html", "/compte/connexion", "Se connecter"),
        vars,
        viewer.user.as_ref(),
    )
}

async fn sign_in_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    cx: PageCx,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let next = safe_next(Some(field(&f, "suite")));
    // An empty field is named, and is not a failed attempt (it counts for no limit).
    let mut missing = Vec::new();
    if field(&f, "email").trim().is_empty() {
        missing.push(("email", "Indiquez votre adresse électronique.".to_string()));
    }
    if field(&f, "password").is_empty() {
        missing.push(("password", "Indiquez votre mot de passe.".to_string()));
    }
    let attempt = if missing.is_empty() {
        accounts::sign_in(&state.db, field(&f, "email"), field(&f, "password"), &ip).await
    } else {
        Err(AppError::Invalid(missing))
    };
    match attempt {
        Ok(user) => Ok(sign_in_and_redirect(&state, viewer.token.as_deref(), &user, &next).await?),
        Err(
            e @ (AppError::BadCredentials
            | AppError::TooManyRequests { .. }
            | AppError::Forbidden(_)
            | AppError::Invalid(_)),
        ) => {
            let mut vars = Map::new();
            let errors = match &e {
                AppError::Invalid(fields) => fields.clone(),
                _ => vec![("email", e.message())],
            };
            vars.insert(
                "form".into(),
                form_value(
                    &[("email", field(&f, "email")), ("suite", &next)],
                    &errors,
                    "",
                ),
            );
            let mut res = cx.page(
                e.status_code(),
                ("compte/connexion.html", "/compte/connexion", "Se connecter"),
                vars,
                viewer.user.as_ref(),
            );
            if let Some(wait) = e.retry_after() {
                res.headers_mut().insert(header::RETRY_AFTER, wait.into());
            }
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

async fn sign_out_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    _: CsrfForm,
) -> Result<Response, PageError> {
    if let Some(t) = &viewer.token {
        accounts::delete_session(&state.db, t).await?;
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, None));
    Ok(res)
}

async fn forgot_page(viewer: Viewer, cx: PageCx) -> Response {
    let mut vars = Map::new();
    vars.insert("form".into(), form_value(&[], &[], ""));
    cx.page(
        StatusCode::OK,
        (
            "compte/mot-de-passe-oublie.html",
            "/compte/mot-de-passe-oublie",
            "Mot de passe oublié",
        ),
        vars,
        viewer.user.as_ref(),
    )
}

/// Sends a reset link when the account exists, is enabled and was sent fewer than
/// `RESETS_PER_ACCOUNT_PER_HOUR` links in the last hour; otherwise nothing. The visitor gets
/// the same answer either way, before this runs (see `forgot_submit`).
pub async fn send_reset_link(
    db: &Db,
    config: &ApiConfig,
    mailer: &Mailer,
    email: &str,
) -> Result<(), AppError> {
    if let Some(user) = accounts::user_by_email(db, email).await? {
        let token = if user.disabled {
            None
        } else {
            accounts::create_token_within(
                db,
                user.id,
                Purpose::Reset,
                config.reset_validity,
                Some(crate::infra::limits::RESETS_PER_ACCOUNT_PER_HOUR),
            )
            .await?
        };
        if let Some(token) = token {
            let link = format!(
                "{}/compte/nouveau-mot-de-passe?jeton={token}",
                config.base_url
            );
            let text = format!(
                "Bonjour {},\n\nVous avez demandé à changer votre mot de passe sur Tremplin.\n\nPour choisir un nouveau mot de passe, ouvrez ce lien dans l'heure qui vient :\n{link}\n\nSi vous n'avez rien demandé, ne faites rien : votre mot de passe ne change pas.\n\nL'équipe de votre Mission Locale\n",
                user.first_name
            );
            mailer
                .send(&Email {
                    to: user.email.clone(),
                    subject: "Votre nouveau mot de passe Tremplin".into(),
                    text,
                })
                .await
                .map_err(AppError::Internal)?;
        }
    }
    Ok(())
}

/// Emails an invitation link to a new counsellor or admin; returns the link.
pub async fn send_invitation(
    config: &ApiConfig,
    mailer: &Mailer,
    user: &User,
    token: &str,
) -> Result<String, AppError> {
    let link = accounts::invitation_link(config, token);
    let structure = user
        .structure
        .as_ref()
        .map(|s| format!(" pour {}", s.name))
        .unwrap_or_default();
    let text = format!(
        "Bonjour {},\n\nUn compte Tremplin vous a été ouvert ({}){structure}.\n\nPour choisir votre mot de passe, ouvrez ce lien dans les 7 jours :\n{link}\n\nÀ bientôt sur Tremplin.\n",
        user.first_name,
        user.role.label()
    );
    mailer
        .send(&Email {
            to: user.email.clone(),
            subject: "Votre compte Tremplin".into(),
            text,
        })
        .await
        .map_err(AppError::Internal)?;
    Ok(link)
}

async fn forgot_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    cx: PageCx,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let email = field(&f, "email");
    if !accounts::valid_email(&accounts::normalize_email(email)) {
        let mut vars = Map::new();
        let errors = vec![(
            "email",
            "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."
                .to_string(),
        )];
        vars.insert("form".into(), form_value(&[("email", email)], &errors, ""));
        return Ok(cx.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            (
                "compte/mot-de-passe-oublie.html",
                "/compte/mot-de-passe-oublie",
                "Mot de passe oublié",
            ),
            vars,
            viewer.user.as_ref(),
        ));
    }
    accounts::throttle_requests(&state.db, accounts::RESET_ADDRESS, &ip).await?;
    // The answer does not wait for the link: whether an account exists, is disabled or
    // was sent links already, it comes at the same time and says the same.
    let (db, config, mailer, email) = (
        state.db.clone(),
        state.config.clone(),
        state.mailer.clone(),
        email.to_string(),
    );
    tokio::spawn(async move {
        if let Err(e) = send_reset_link(&db, &config, &mailer, &email).await {
            e.log();
        }
    });
    Ok(cx.message(StatusCode::OK, "Vérifiez vos courriels", "Si un compte existe avec cette adresse, nous venons d'y envoyer un lien pour choisir un nouveau mot de passe. Le lien marche pendant une heure. Pensez à regarder dans les courriers indésirables.", Some(("/compte/connexion", "Retour à la connexion")), viewer.user.as_ref()))
}

#[derive(Deserialize)]
struct TokenQuery {
    jeton: Option<String>,
}

async fn new_password_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let token = q.jeton.unwrap_or_default();
    match accounts::token_user(&state.db, &token).await {
        Ok(Some((user, purpose))) => {
            let mut vars = Map::new();
            vars.insert("form".into(), form_value(&[("token", &token)], &[], ""));
            vars.insert("invitation".into(), json!(purpose == Purpose::Invite));
            vars.insert("prenom".into(), json!(user.first_name));
            let title = if purpose == Purpose::Invite {
                "Créer votre mot de passe"
            } else {
                "Choisir un nouveau mot de passe"
            };
            Ok(cx.page(
                StatusCode::OK,
                (
                    "compte/nouveau-mot-de-passe.html",
                    "/compte/nouveau-mot-de-passe",
                    title,
                ),
                vars,
                viewer.user.as_ref(),
            ))
        }
        Ok(None) => Ok(cx.message(
            StatusCode::GONE,
            "Ce lien n'est plus valable",
            "Ce lien a déjà servi ou il a expiré. Vous pouvez en demander un nouveau.",
            Some(("/compte/mot-de-passe-oublie", "Demander un nouveau lien")),
            viewer.user.as_ref(),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn new_password_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let token = field(&f, "token");
    let password = field(&f, "password");
    if password != field(&f, "password_confirm") {
        let mut vars = Map::new();
        let errors = vec![(
            "password_confirm",
            "Les deux mots de passe ne sont pas identiques.".to_string(),
        )];
        vars.insert("form".into(), form_value(&[("token", token)], &errors, ""));
        return Ok(cx.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            (
                "compte/nouveau-mot-de-passe.html",
                "/compte/nouveau-mot-de-passe",
                "Choisir un nouveau mot de passe",
            ),
            vars,
            viewer.user.as_ref(),
        ));
    }
    match accounts::set_password_with_token(&state.db, token, password).await {
        Ok(_) => {
            let mut res = Redirect::to("/compte/connexion?modifie=1").into_response();
            res.headers_mut()
                .append(header::SET_COOKIE, session_cookie(&state, None));
            Ok(res)
        }
        Err(AppError::Invalid(errors)) => {
            let mut vars = Map::new();
            vars.insert("form".into(), form_value(&[("token", token)], &errors, ""));
            Ok(cx.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                (
                    "compte/nouveau-mot-de-passe.html",
                    "/compte/nouveau-mot-de-passe",
                    "Choisir un nouveau mot de passe",
                ),
                vars,
                viewer.user.as_ref(),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct AccountQuery {
    bienvenue: Option<String>,
    #[serde(rename = "mission-locale")]
    mission_locale: Option<String>,
}

fn account_vars(form: Value, info: Option<&str>) -> Map<String, Value> {
    let mut vars = Map::new();
    vars.insert("form".into(), form);
    if let Some(i) = info {
        vars.insert("info".into(), json!(i));
    }
    vars
}

async fn account_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Query(q): Query<AccountQuery>,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/compte"));
    };
    let info = match (&q.bienvenue, &q.mission_locale) {
        (Some(_), _) => Some("Bienvenue ! Votre compte est créé."),
        (_, Some(_)) => Some("Votre Mission Locale est enregistrée."),
        _ => None,
    };
    let mut vars = account_vars(form_value(&[], &[], ""), info);
    match structures_value(&state).await {
        Ok(v) => vars.insert("structures".into(), v),
        Err(e) => return Err(e.into()),
    };
    match crate::http::newsletter::consent_value(&state, user.id).await {
        Ok(v) => vars.insert("lettre".into(), v),
        Err(e) => return Err(e.into()),
    };
    Ok(cx.page(
        StatusCode::OK,
        ("compte/mon-compte.html", "/compte", "Mon compte"),
        vars,
        Some(user),
    ))
}

async fn structure_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/compte"));
    };
    accounts::set_structure(&state.db, user, field(&f, "structure")).await?;
    Ok(Redirect::to("/compte?mission-locale=1").into_response())
}

async fn change_password_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let (Some(user), Some(token)) = (&viewer.user, &viewer.token) else {
        return Ok(to_sign_in("/compte"));
    };
    match accounts::change_password(
        &state.db,
        user,
        field(&f, "current_password"),
        field(&f, "new_password"),
        token,
    )
    .await
    {
        Ok(()) => Ok(cx.page(
            StatusCode::OK,
            ("compte/mon-compte.html", "/compte", "Mon compte"),
            account_vars(
                form_value(&[], &[], ""),
                Some("Votre mot de passe est changé. Vos autres connexions sont fermées."),
            ),
            Some(user),
        )),
        Err(AppError::Invalid(errors)) => Ok(cx.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            ("compte/mon-compte.html", "/compte", "Mon compte"),
            account_vars(form_value(&[], &errors, ""), None),
            Some(user),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn export_download(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/compte"));
    };
    match crate::domain::privacy::export(&state.db, user).await {
        Ok(v) => Ok((
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"tremplin-mes-donnees.json\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            serde_json::to_string_pretty(&v).unwrap_or_default(),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn delete_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/compte"));
    };
    if user.role != Role::Youth {
        return Err(AppError::Forbidden("Les comptes des conseillers et des administrateurs sont supprimés par un administrateur.".into()).into());
    }
    if field(&f, "confirmation").trim().to_uppercase() != "SUPPRIMER" {
        let errors = vec![(
            "confirmation",
            "Pour confirmer, écrivez SUPPRIMER en majuscules.".to_string(),
        )];
        return Ok(cx.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            ("compte/mon-compte.html", "/compte", "Mon compte"),
            account_vars(form_value(&[], &errors, ""), None),
            Some(user),
        ));
    }
    crate::domain::privacy::delete_account(&state.db, user).await?;
    let mut res = cx.message(StatusCode::OK, "Votre compte est supprimé", "Votre compte et vos données personnelles sont supprimés pour de bon. Vous pouvez toujours lire les guides et chercher sans compte.", Some(("/", "Retour à l'accueil")), None);
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, None));
    Ok(res)
}

async fn admin_users_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/admin/utilisateurs"));
    };
    if user.role != Role::Admin {
        return Err(
            AppError::Forbidden("Cette page est réservée aux administrateurs.".into()).into(),
        );
    }
    match accounts::list_users(&state.db).await {
        Ok(users) => {
            let mut vars = Map::new();
            vars.insert(
                "utilisateurs".into(),
                json!(users.iter().map(user_view).collect::<Vec<_>>()),
            );
            Ok(cx.page(
                StatusCode::OK,
                ("admin/utilisateurs.html", "/admin/utilisateurs", "Comptes"),
                vars,
                Some(user),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn admin_users_status(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/admin/utilisateurs"));
    };
    if user.role != Role::Admin {
        return Err(
            AppError::Forbidden("Cette page est réservée aux administrateurs.".into()).into(),
        );
    }
    let disable = field(&f, "action") == "desactiver";
    if disable && accounts::normalize_email(field(&f, "email")) == user.email {
        return Err(AppError::Forbidden(
            "Vous ne pouvez pas désactiver votre propre compte.".into(),
        )
        .into());
    }
    accounts::set_disabled(&state.db, field(&f, "email"), disable).await?;
    Ok(Redirect::to("/admin/utilisateurs").into_response())
}
