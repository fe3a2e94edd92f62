//! News by email over HTTP: the choice in "Mon compte", "Mes alertes" (saved searches of the
//! opportunity listing), the one-click unsubscribe link (signed, no sign-in, RFC 8058), and
//! the counsellors' page that sends the digest.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use axum::Json;
use axum::Router;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::domain::accounts::Role;
use crate::domain::newsletter::{self as nl, Frequency};
use crate::domain::opportunities::Filters;
use crate::http::extract::{
    check_form, field, json_body, signed_in, staff, CsrfForm, SameOrigin, Viewer,
};
use crate::http::page::{form_value, message_page, to_sign_in, PageCx, PageError};
use crate::http::state::AppState;
use crate::infra::error::AppError;
use crate::infra::time::{date_fr, iso};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/compte/lettre", post(consent_submit))
        .route("/compte/alertes", get(alerts_page).post(alert_submit))
        .route("/compte/alertes/{id}/suppression", post(alert_delete))
        .route(
            "/lettre/desabonnement",
            get(unsubscribe_page).post(unsubscribe_submit),
        )
        .route("/conseil/lettre", get(send_page).post(send_submit))
        .route(
            "/api/v1/me/newsletter",
            get(api_consent).put(api_set_consent),
        )
        .route("/api/v1/me/alerts", get(api_alerts).post(api_add_alert))
        .route("/api/v1/me/alerts/{id}", delete(api_delete_alert))
        .with_state(state)
}

/// The fields of a urlencoded body, repeated names kept (the listing's `type`).
fn pairs(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

// ---- Mon compte ----

async fn consent_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/compte"));
    };
    if user.role != Role::Youth {
        return Err(AppError::Forbidden(
            "La lettre d'information est envoyée aux comptes des jeunes.".into(),
        )
        .into());
    }
    let on = field(&f, "lettre") == "oui";
    nl::set_consent(&state.db, user.id, on, "compte").await?;
    Ok(Redirect::to(if on {
        "/compte/alertes?fait=abonne"
    } else {
        "/compte/alertes?fait=desabonne"
    })
    .into_response())
}

/// The account page's view of the consent.
pub async fn consent_value(state: &AppState, user_id: i64) -> Result<Value, AppError> {
    let c = nl::consent(&state.db, user_id).await?;
    Ok(json!({
        "abonne": c.subscribed,
        "depuis": c.consented_at.map(|t| date_fr(&iso(t))),
        "retire_le": c.withdrawn_at.map(|t| date_fr(&iso(t))),
    }))
}

// ---- Mes alertes ----

#[derive(Deserialize, Default)]
struct DoneQuery {
    fait: Option<String>,
}

async fn alerts_vars(
    state: &AppState,
    user_id: i64,
    form: Value,
    info: Option<&str>,
) -> Result<Map<String, Value>, AppError> {
    let alerts = nl::alerts_of(&state.db, user_id).await?;
    let mut vars = Map::new();
    vars.insert(
        "alertes".into(),
        json!(alerts
            .iter()
            .map(|a| json!({
                "id": a.id,
                "nom": a.name,
                "recherche": a.description(),
                "url": a.path(),
                "frequence": a.frequency.label(),
                "creee_le": date_fr(&iso(a.created_at)),
            }))
            .collect::<Vec<_>>()),
    );
    vars.insert("lettre".into(), consent_value(state, user_id).await?);
    vars.insert("form".into(), form);
    vars.insert(
        "frequences".into(),
        json!(Frequency::ALL
            .iter()
            .map(|f| json!({"valeur": f.as_str(), "libelle": f.label()}))
            .collect::<Vec<_>>()),
    );
    if let Some(i) = info {
        vars.insert("info".into(), json!(i));
    }
    Ok(vars)
}

async fn alerts_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/compte/alertes"));
    };
    let info = match q.fait.as_deref() {
        Some("ajoutee") => Some("Votre alerte est enregistrée. Les nouvelles opportunités de cette recherche vous seront envoyées par courriel."),
        Some("supprimee") => Some("L'alerte est supprimée."),
        Some("abonne") => Some("C'est noté : vous recevrez les nouveautés et vos alertes par courriel."),
        Some("desabonne") => Some("C'est noté : vous ne recevrez plus de courriels d'information."),
        _ => None,
    };
    match alerts_vars(&state, user.id, form_value(&[], &[], ""), info).await {
        Ok(vars) => Ok(cx.page(
            StatusCode::OK,
            ("alertes/mes-alertes.html", "/compte/alertes", "Mes alertes"),
            vars,
            Some(user),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Saves the listing's current filters (posted as the listing's own field names).
async fn alert_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    body: Bytes,
) -> Result<Response, PageError> {
    let all = pairs(&body);
    let f: HashMap<String, String> = all.iter().cloned().collect();
    check_form(&cx.headers, &state, &f)?;
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/opportunites"));
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            all.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "nom" | "frequence")),
        )
        .finish();
    let filters = Filters::parse(&query);
    let frequency = match field(&f, "frequence") {
        "" => Frequency::Daily.as_str(),
        other => other,
    };
    match nl::add_alert(&state.db, user, field(&f, "nom"), &filters, frequency).await {
        Ok(_) => Ok(Redirect::to("/compte/alertes?fait=ajoutee").into_response()),
        Err(AppError::Invalid(errors)) => {
            let vars = alerts_vars(
                &state,
                user.id,
                form_value(
                    &[("nom", field(&f, "nom")), ("frequence", frequency)],
                    &errors,
                    "",
                ),
                None,
            )
            .await?;
            Ok(cx.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                ("alertes/mes-alertes.html", "/compte/alertes", "Mes alertes"),
                vars,
                Some(user),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn alert_delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/compte/alertes"));
    };
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    nl::delete_alert(&state.db, user, id).await?;
    Ok(Redirect::to("/compte/alertes?fait=supprimee").into_response())
}

// ---- JSON: /api/v1/me/newsletter and /api/v1/me/alerts ----

/// News and alerts are for youths' accounts.
fn youth(viewer: &Viewer) -> Result<&crate::domain::accounts::User, AppError> {
    let user = signed_in(viewer)?;
    if user.role != Role::Youth {
        return Err(AppError::Forbidden(
            "La lettre d'information et les alertes sont réservées aux comptes des jeunes.".into(),
        ));
    }
    Ok(user)
}

/// `GET` and `PUT /api/v1/me/newsletter`: the youth's consent.
#[derive(Serialize)]
struct ConsentJson {
    subscribed: bool,
    consented_at: Option<String>,
    withdrawn_at: Option<String>,
}

async fn consent_json(state: &AppState, user_id: i64) -> Result<Response, AppError> {
    let c = nl::consent(&state.db, user_id).await?;
    Ok(Json(ConsentJson {
        subscribed: c.subscribed,
        consented_at: c.consented_at.map(iso),
        withdrawn_at: c.withdrawn_at.map(iso),
    })
    .into_response())
}

async fn api_consent(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let user = youth(&viewer)?;
    consent_json(&state, user.id).await
}

#[derive(Deserialize)]
struct ConsentBody {
    subscribed: bool,
}

async fn api_set_consent(
    State(state): State<AppState>,
    viewer: Viewer,
    _: SameOrigin,
    body: Result<Json<ConsentBody>, JsonRejection>,
) -> Result<Response, AppError> {
    let user = youth(&viewer)?;
    let body = json_body(body)?;
    nl::set_consent(&state.db, user.id, body.subscribed, "api").await?;
    consent_json(&state, user.id).await
}

/// An alert in the JSON API.
#[derive(Serialize)]
struct AlertJson<'a> {
    id: i64,
    name: &'a str,
    query: &'a str,
    description: String,
    url: String,
    frequency: Frequency,
    created_at: String,
}

fn alert_json(a: &nl::Alert) -> AlertJson<'_> {
    AlertJson {
        id: a.id,
        name: &a.name,
        query: &a.query,
        description: a.description(),
        url: a.path(),
        frequency: a.frequency,
        created_at: iso(a.created_at),
    }
}

async fn api_alerts(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let user = youth(&viewer)?;
    let alerts = nl::alerts_of(&state.db, user.id).await?;
    let body: Vec<AlertJson> = alerts.iter().map(alert_json).collect();
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertBody {
    #[serde(default)]
    name: String,
    /// The listing's query string, as in `/api/v1/opportunities?…`.
    #[serde(default)]
    query: String,
    #[serde(default = "daily")]
    frequency: String,
}

fn daily() -> String {
    Frequency::Daily.as_str().into()
}

async fn api_add_alert(
    State(state): State<AppState>,
    viewer: Viewer,
    _: SameOrigin,
    body: Result<Json<AlertBody>, JsonRejection>,
) -> Result<Response, AppError> {
    let user = youth(&viewer)?;
    let body = json_body(body)?;
    let query = body.query.trim().trim_start_matches('?');
    let alert = nl::add_alert(
        &state.db,
        user,
        &body.name,
        &Filters::parse(query),
        &body.frequency,
    )
    .await
    .map_err(|e| match e {
        // The form's field names are the JSON's.
        AppError::Invalid(errors) => AppError::Invalid(
            errors
                .into_iter()
                .map(|(f, m)| {
                    (
                        match f {
                            "frequence" => "frequency",
                            "nom" => "name",
                            // The listing's filters, read from `query`.
                            _ => "query",
                        },
                        m,
                    )
                })
                .collect(),
        ),
        e => e,
    })?;
    Ok((StatusCode::CREATED, Json(alert_json(&alert))).into_response())
}

async fn api_delete_alert(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    _: SameOrigin,
) -> Result<StatusCode, AppError> {
    let user = youth(&viewer)?;
    nl::delete_alert(&state.db, user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- unsubscribe (signed, no sign-in) ----

/// The user id of a signed link, if the signature is right.
fn signed(state: &AppState, fields: &[(String, String)]) -> Option<i64> {
    let get = |k: &str| {
        fields
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    let id: i64 = get("u")?.trim().parse().ok()?;
    nl::verify(&state.config.secret, id, get("s")?).then_some(id)
}

fn bad_link(state: &AppState, headers: &HeaderMap) -> Response {
    message_page(
        state,
        StatusCode::FORBIDDEN,
        "Lien invalide",
        "Ce lien de désabonnement n'est pas valide : il a peut-être été mal copié. Vous pouvez aussi vous désabonner dans « Mon compte ».",
        Some(("/compte", "Aller à Mon compte")),
        headers,
        None,
    )
}

async fn unsubscribe_page(
    State(state): State<AppState>,
    cx: PageCx,
    RawQuery(query): RawQuery,
) -> Response {
    let fields = pairs(&Bytes::from(query.unwrap_or_default()));
    let Some(id) = signed(&state, &fields) else {
        return bad_link(&state, &cx.headers);
    };
    let mut vars = Map::new();
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    vars.insert("u".into(), json!(id));
    vars.insert("s".into(), json!(get("s")));
    cx.page(
        StatusCode::OK,
        (
            "alertes/desabonnement.html",
            "/lettre/desabonnement",
            "Se désabonner",
        ),
        vars,
        None,
    )
}

/// One-click (RFC 8058: `List-Unsubscribe=One-Click` posted to the link) or the button of
/// the confirmation page. No CSRF token: the signature is the proof, and unsubscribing is
/// all it can do.
async fn unsubscribe_submit(
    State(state): State<AppState>,
    cx: PageCx,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, PageError> {
    let mut fields = pairs(&Bytes::from(query.unwrap_or_default()));
    fields.extend(pairs(&body));
    let Some(id) = signed(&state, &fields) else {
        return Ok(bad_link(&state, &cx.headers));
    };
    // A deleted account has nothing left to unsubscribe.
    let result = match crate::domain::accounts::user_by_id(&state.db, id).await {
        Ok(Some(_)) => nl::set_consent(&state.db, id, false, "lien")
            .await
            .map(|_| ()),
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(cx.message(StatusCode::OK, "Vous êtes désabonné", "C'est fait : vous ne recevrez plus la lettre d'information ni vos alertes par courriel. Vous pouvez changer d'avis à tout moment dans « Mon compte ».", Some(("/", "Retour à l'accueil")), None)),
        Err(e) => Err(e.into()),
    }
}

// ---- the counsellors' page ----

async fn send_vars(state: &AppState, info: Option<String>) -> Result<Map<String, Value>, AppError> {
    let mut vars = Map::new();
    vars.insert("abonnes".into(), json!(nl::subscribers(&state.db).await?));
    let history = nl::history(&state.db, 10).await?;
    vars.insert(
        "envois".into(),
        json!(history
            .iter()
            .map(|d| {
                let n = |k: &str| d.states.get(k).copied().unwrap_or(0);
                json!({
                    "id": d.id,
                    "debut": iso(d.started_at),
                    "debut_fr": date_fr(&iso(d.started_at)),
                    "par": d.started_by,
                    "termine": d.finished_at.is_some(),
                    "actualites": d.news.len(),
                    "envoyes": n("envoye"),
                    "sans_nouveaute": n("rien"),
                    "restants": n("a_envoyer"),
                    "interrompus": n("envoi"),
                    "echecs": n("echec"),
                })
            })
            .collect::<Vec<_>>()),
    );
    if let Some(i) = info {
        vars.insert("info".into(), json!(i));
    }
    Ok(vars)
}

async fn send_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/lettre")?;
    let info = match q.fait.as_deref() {
        Some("lancee") => {
            Some("L'envoi est lancé. Rechargez la page pour suivre son avancement.".to_string())
        }
        _ => None,
    };
    match send_vars(&state, info).await {
        Ok(vars) => Ok(cx.page(
            StatusCode::OK,
            (
                "alertes/envoi.html",
                "/conseil/lettre",
                "Lettre d'information",
            ),
            vars,
            Some(&user),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Starts the digest in the background (a big one takes a while) and comes back to the page.
async fn send_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    _: CsrfForm,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/lettre")?;
    let background = state.mailing();
    let options = nl::Options {
        started_by: user.email.clone(),
        ..nl::Options::default()
    };
    tokio::spawn(async move {
        match nl::send(&background, &options).await {
            Ok(r) => tracing::info!("{}", r.summary()),
            Err(e) => e.log(),
        }
    });
    Ok(Redirect::to("/conseil/lettre?fait=lancee").into_response())
}
