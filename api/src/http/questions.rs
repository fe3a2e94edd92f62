//! Questions over HTTP: the youth's "Poser une question" and "Mes questions", the
//! counsellors' inbox (take, answer, publish as a FAQ entry) and the JSON API under
//! `/api/v1/questions`. Every page works without JavaScript: forms post and redirect, or
//! show their errors next to each field.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::domain::accounts::{Role, User};
use crate::domain::questions::{
    self as qs, FaqDraft, Inbox, Question, QuestionJson, QuestionStatus, Scrubbed, Took, FAQ_THEMES,
};
use crate::http::extract::{
    field, signed_in, staff, CsrfForm, JsonBody, SameOrigin, SignedIn, Viewer,
};
use crate::http::page::{form_value, message_page, page, to_sign_in, PageCx, PageError};
use crate::http::state::AppState;
use crate::infra::error::AppError;
use crate::infra::html::encode;
use crate::infra::time::{date_fr, iso};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/questions/nouvelle", get(ask_page).post(ask_submit))
        .route("/compte/questions", get(mine_page))
        .route("/conseil/questions", get(inbox_page))
        .route("/conseil/questions/{id}", get(detail_page))
        .route("/conseil/questions/{id}/prendre", post(take_submit))
        .route("/conseil/questions/{id}/reponse", post(answer_submit))
        .route(
            "/conseil/questions/{id}/faq",
            get(faq_page).post(faq_submit),
        )
        .route("/api/v1/questions", post(api_ask))
        .route("/api/v1/questions/inbox", get(api_inbox))
        .route("/api/v1/questions/{id}", get(api_get))
        .route("/api/v1/questions/{id}/take", post(api_take))
        .route("/api/v1/questions/{id}/answer", post(api_answer))
        .route(
            "/api/v1/questions/{id}/faq",
            get(api_faq_draft).post(api_publish),
        )
        .route("/api/v1/me/questions", get(api_mine))
        .with_state(state)
}

// ---- shared pieces ----

fn when(t: i64) -> String {
    date_fr(&iso(t))
}

/// A question for templates (French keys, dates ready to show).
fn view(q: &Question, viewer: &User) -> Value {
    let staff = viewer.role != Role::Youth;
    json!({
        "id": q.id,
        "url": format!("/conseil/questions/{}", q.id),
        "titre": q.title(),
        "sujet": q.subject,
        "question": q.body,
        "page": q.page,
        "statut": q.status,
        "statut_libelle": q.status.label(),
        "prise_par": q.assignee_name,
        "a_moi": q.assignee_id == Some(viewer.id),
        "reponse_html": q.answer.as_deref().map(crate::infra::markdown::safe_html),
        "repondue_par": q.answered_by_name,
        "repondue_le": q.answered_at.map(when),
        "posee_le": when(q.created_at),
        "faq": q.faq_url(),
        "structure": q.structure.name,
        "jeune": staff.then(|| json!({"prenom": q.youth_first_name, "email": q.youth_email})),
    })
}

// ---- the youth ----

#[derive(Deserialize, Default)]
struct AskQuery {
    page: Option<String>,
}

fn ask_form(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    status: StatusCode,
    values: &[(&str, &str)],
    errors: &[(&'static str, String)],
) -> Response {
    let mut vars = Map::new();
    vars.insert("form".into(), form_value(values, errors, ""));
    let origin = values
        .iter()
        .find(|(k, _)| *k == "page")
        .map(|(_, v)| *v)
        .unwrap_or("");
    vars.insert("page_origine".into(), json!(origin));
    vars.insert(
        "structure".into(),
        json!(user.structure.as_ref().map(|s| &s.name)),
    );
    page(
        state,
        status,
        (
            "questions/nouvelle.html",
            "/questions/nouvelle",
            "Poser une question",
        ),
        vars,
        headers,
        Some(user),
    )
}

/// Who may ask: a youth attached to a structure. Others get a page saying why.
#[allow(clippy::result_large_err)]
fn asker(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    origin: &str,
) -> Result<User, Response> {
    let Some(user) = &viewer.user else {
        let next = if origin.is_empty() {
            "/questions/nouvelle".to_string()
        } else {
            format!("/questions/nouvelle?page={}", encode(origin))
        };
        return Err(to_sign_in(&next));
    };
    if user.role != Role::Youth {
        return Err(message_page(
            state,
            StatusCode::FORBIDDEN,
            "Poser une question",
            "Les questions sont posées par les jeunes depuis leur compte. Les questions reçues par votre Mission Locale sont dans votre boîte de réception.",
            Some(("/conseil/questions", "Voir les questions reçues")),
            headers,
            Some(user),
        ));
    }
    if user.structure.is_none() {
        return Err(message_page(
            state,
            StatusCode::CONFLICT,
            "Choisissez d'abord votre Mission Locale",
            qs::NO_STRUCTURE,
            Some((
                "/compte#structure",
                "Choisir ma Mission Locale dans « Mon compte »",
            )),
            headers,
            Some(user),
        ));
    }
    Ok(user.clone())
}

async fn ask_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(q): Query<AskQuery>,
) -> Response {
    let origin = qs::clean_page(q.page.as_deref().unwrap_or(""));
    let user = match asker(&state, &viewer, &headers, &origin) {
        Ok(u) => u,
        Err(r) => return r,
    };
    ask_form(
        &state,
        &user,
        &headers,
        StatusCode::OK,
        &[("page", &origin)],
        &[],
    )
}

async fn ask_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let origin = qs::clean_page(field(&f, "page"));
    let user = match asker(&state, &viewer, &headers, &origin) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let ask = qs::Ask {
        subject: field(&f, "subject").into(),
        question: field(&f, "question").into(),
        page: origin.clone(),
    };
    match qs::ask(&state.db, &user, &ask).await {
        Ok(q) => Ok(
            Redirect::to(&format!("/compte/questions?fait=envoyee#question-{}", q.id))
                .into_response(),
        ),
        Err(AppError::Invalid(errors)) => Ok(ask_form(
            &state,
            &user,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            &[
                ("subject", &ask.subject),
                ("question", &ask.question),
                ("page", &origin),
            ],
            &errors,
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    fait: Option<String>,
    filtre: Option<String>,
}

async fn mine_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/compte/questions"));
    };
    match qs::mine(&state.db, user).await {
        Ok(list) => {
            let mut vars = Map::new();
            vars.insert(
                "questions".into(),
                json!(list.iter().map(|x| view(x, user)).collect::<Vec<_>>()),
            );
            vars.insert("peut_poser".into(), json!(user.structure.is_some()));
            if q.fait.as_deref() == Some("envoyee") {
                vars.insert(
                    "info".into(),
                    json!("Votre question est envoyée à votre Mission Locale. Vous recevrez un courriel quand elle aura une réponse."),
                );
            }
            Ok(cx.page(
                StatusCode::OK,
                (
                    "questions/mes-questions.html",
                    "/compte/questions",
                    "Mes questions",
                ),
                vars,
                Some(user),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the counsellors ----

async fn inbox_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/questions")?;
    let tab = Inbox::parse(q.filtre.as_deref().unwrap_or(""));
    let list = qs::inbox(&state.db, &user, tab).await?;
    let (new, mine) = qs::counts(&state.db, &user).await?;
    let mut vars = Map::new();
    vars.insert(
        "questions".into(),
        json!(list.iter().map(|x| view(x, &user)).collect::<Vec<_>>()),
    );
    vars.insert("filtre".into(), json!(tab.slug()));
    vars.insert("nouvelles".into(), json!(new));
    vars.insert("miennes".into(), json!(mine));
    vars.insert(
        "structure".into(),
        json!(match user.role {
            Role::Admin => "toutes les Missions Locales".to_string(),
            _ => user
                .structure
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default(),
        }),
    );
    Ok(cx.page(
        StatusCode::OK,
        (
            "conseil/questions.html",
            "/conseil/questions",
            "Questions des jeunes",
        ),
        vars,
        Some(&user),
    ))
}

#[allow(clippy::too_many_arguments)]
fn detail(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    status: StatusCode,
    q: &Question,
    answer: &str,
    errors: &[(&'static str, String)],
    info: Option<String>,
) -> Response {
    let mut vars = Map::new();
    vars.insert("q".into(), view(q, user));
    vars.insert(
        "peut_prendre".into(),
        json!(q.status == QuestionStatus::New),
    );
    vars.insert(
        "peut_repondre".into(),
        json!(
            q.status == QuestionStatus::New
                || (q.status == QuestionStatus::Taken && q.assignee_id == Some(user.id))
        ),
    );
    vars.insert(
        "peut_publier".into(),
        json!(q.status == QuestionStatus::Answered && q.faq_path.is_none()),
    );
    vars.insert("form".into(), form_value(&[("answer", answer)], errors, ""));
    if q.status == QuestionStatus::Taken && q.assignee_id != Some(user.id) {
        vars.insert("prise_ailleurs".into(), json!(qs::taken_message(q)));
    }
    vars.insert("info".into(), json!(info));
    let path = format!("/conseil/questions/{}", q.id);
    page(
        state,
        status,
        ("conseil/questions-detail.html", &path, &q.title()),
        vars,
        headers,
        Some(user),
    )
}

async fn detail_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(dq): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/questions/{}", encode(&id)))?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let q = qs::get_handled(&state.db, &user, id).await?;
    let info = match dq.fait.as_deref() {
            Some("prise") => Some("Vous vous occupez de cette question.".to_string()),
            Some("repondue") => Some("Votre réponse est envoyée : le jeune la voit dans « Mes questions » et reçoit un courriel.".to_string()),
            Some("publiee") => q.faq_url().map(|u| format!("La question fréquente est publiée dans le dépôt du site ({u}). Elle apparaît sur le site à sa prochaine construction.")),
            _ => None,
        };
    Ok(detail(
        &state,
        &user,
        &headers,
        StatusCode::OK,
        &q,
        "",
        &[],
        info,
    ))
}

async fn take_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/questions/{id}"))?;
    match qs::take(&state.db, &user, id).await? {
        Took::Taken(_) => {
            Ok(Redirect::to(&format!("/conseil/questions/{id}?fait=prise")).into_response())
        }
        Took::AlreadyTaken(q) => Ok(detail(
            &state,
            &user,
            &headers,
            StatusCode::CONFLICT,
            &q,
            "",
            &[],
            None,
        )),
    }
}

async fn answer_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/questions/{id}"))?;
    let text = field(&f, "answer");
    match qs::answer(&state.db, &state.config, &state.mailer, &user, id, text).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/conseil/questions/{id}?fait=repondue")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let q = qs::get_handled(&state.db, &user, id).await?;
            Ok(detail(
                &state,
                &user,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                &q,
                text,
                &errors,
                None,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn draft_values(d: &FaqDraft) -> Vec<(&'static str, String)> {
    vec![
        ("title", d.title.clone()),
        ("description", d.description.clone()),
        ("question", d.question.clone()),
        ("answer", d.answer.clone()),
        ("theme", d.theme.clone()),
        ("publics", d.publics.join(", ")),
    ]
}

#[allow(clippy::too_many_arguments)]
fn faq_form(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    status: StatusCode,
    q: &Question,
    d: &FaqDraft,
    errors: &[(&'static str, String)],
    warning: Option<String>,
    failure: Option<String>,
) -> Response {
    let values = draft_values(d);
    let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut vars = Map::new();
    vars.insert("q".into(), view(q, user));
    vars.insert("form".into(), form_value(&refs, errors, ""));
    vars.insert(
        "themes".into(),
        json!(FAQ_THEMES
            .iter()
            .map(|t| json!({"valeur": t, "libelle": t}))
            .collect::<Vec<_>>()),
    );
    vars.insert("avertissement".into(), json!(warning));
    vars.insert("echec".into(), json!(failure));
    let path = format!("/conseil/questions/{}/faq", q.id);
    page(
        state,
        status,
        (
            "conseil/questions-faq.html",
            &path,
            "Publier en question fréquente",
        ),
        vars,
        headers,
        Some(user),
    )
}

/// An answered question not yet published, or why it cannot be.
async fn publishable(state: &AppState, user: &User, id: i64) -> Result<Question, AppError> {
    let q = qs::get_handled(&state.db, user, id).await?;
    if q.status != QuestionStatus::Answered {
        return Err(AppError::Forbidden(
            "Seule une question qui a reçu une réponse peut devenir une question fréquente.".into(),
        ));
    }
    if q.faq_path.is_some() {
        return Err(AppError::Forbidden(
            "Cette question est déjà publiée dans la FAQ.".into(),
        ));
    }
    Ok(q)
}

async fn faq_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/questions/{id}/faq"))?;
    match publishable(&state, &user, id).await {
        Ok(q) => {
            let (d, found) = qs::faq_draft(&q);
            Ok(faq_form(
                &state,
                &user,
                &headers,
                StatusCode::OK,
                &q,
                &d,
                &[],
                found.warning(),
                None,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

fn draft_from_form(f: &std::collections::HashMap<String, String>) -> FaqDraft {
    FaqDraft {
        title: field(f, "title").into(),
        description: field(f, "description").into(),
        question: field(f, "question").into(),
        answer: field(f, "answer").into(),
        theme: field(f, "theme").into(),
        publics: field(f, "publics")
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
    }
}

async fn faq_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/questions/{id}/faq"))?;
    let q = publishable(&state, &user, id).await?;
    let mut draft = draft_from_form(&f);
    // Details still in the text are removed, and the counsellor reads the result again
    // before anything is published.
    let found = draft.scrub(&[q.youth_first_name.as_str()]);
    if let Some(w) = found.warning() {
        return Ok(faq_form(
            &state,
            &user,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            &q,
            &draft,
            &[],
            Some(format!(
                "{w} Rien n'est encore publié : relisez, puis publiez."
            )),
            None,
        ));
    }
    match qs::publish(&state.db, &state.config, &user, id, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/conseil/questions/{id}?fait=publiee")).into_response()),
        Err(AppError::Invalid(errors)) => Ok(faq_form(
            &state,
            &user,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            &q,
            &draft,
            &errors,
            None,
            None,
        )),
        Err(e @ AppError::Forbidden(_)) => Ok(faq_form(
            &state,
            &user,
            &headers,
            e.status_code(),
            &q,
            &draft,
            &[],
            None,
            Some(e.message()),
        )),
        Err(e) => Err(e.into()),
    }
}

// ---- JSON ----

fn is_staff(user: &User) -> bool {
    user.role != Role::Youth
}

async fn api_ask(
    State(state): State<AppState>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    JsonBody(ask): JsonBody<qs::Ask>,
) -> Result<Response, AppError> {
    let q = qs::ask(&state.db, user, &ask).await?;
    Ok((StatusCode::CREATED, Json(q.to_json(false))).into_response())
}

async fn api_mine(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let user = signed_in(&viewer)?;
    let list = qs::mine(&state.db, user).await?;
    let body: Vec<QuestionJson> = list.iter().map(|q| q.to_json(false)).collect();
    Ok(Json(body).into_response())
}

#[derive(Deserialize, Default)]
struct InboxQuery {
    filter: Option<String>,
}

async fn api_inbox(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<InboxQuery>,
) -> Result<Response, AppError> {
    let user = signed_in(&viewer)?;
    let tab = Inbox::parse(q.filter.as_deref().unwrap_or(""));
    let list = qs::inbox(&state.db, user, tab).await?;
    Ok(Json(InboxJson {
        filter: tab.slug(),
        questions: list.iter().map(|q| q.to_json(true)).collect(),
    })
    .into_response())
}

/// `GET /api/v1/questions`: a counsellor's inbox, one tab of it.
#[derive(Serialize)]
struct InboxJson<'a> {
    filter: &'static str,
    questions: Vec<QuestionJson<'a>>,
}

/// A question another counsellor took first (409).
#[derive(Serialize)]
struct TakenJson<'a> {
    error: String,
    question: QuestionJson<'a>,
}

/// `GET /api/v1/questions/{id}/faq`: the FAQ entry proposed, with what was removed from it.
#[derive(Serialize)]
struct FaqDraftJson<'a> {
    draft: &'a FaqDraft,
    removed: Scrubbed,
    warning: Option<String>,
    themes: &'static [&'static str],
}

/// Where a published FAQ entry was written and its address.
#[derive(Serialize)]
struct PublishedJson {
    path: String,
    url: String,
}

async fn api_get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = signed_in(&viewer)?;
    let q = qs::get_for(&state.db, user, id).await?;
    Ok(Json(q.to_json(is_staff(user))).into_response())
}

async fn api_take(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
) -> Result<Response, AppError> {
    Ok(match qs::take(&state.db, user, id).await? {
        Took::Taken(q) => Json(q.to_json(true)).into_response(),
        Took::AlreadyTaken(q) => (
            StatusCode::CONFLICT,
            Json(TakenJson {
                error: qs::taken_message(&q),
                question: q.to_json(true),
            }),
        )
            .into_response(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    answer: String,
}

async fn api_answer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    JsonBody(b): JsonBody<AnswerBody>,
) -> Result<Response, AppError> {
    let q = qs::answer(&state.db, &state.config, &state.mailer, user, id, &b.answer).await?;
    Ok(Json(q.to_json(true)).into_response())
}

async fn api_faq_draft(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = signed_in(&viewer)?;
    let q = publishable(&state, user, id).await?;
    let (d, found) = qs::faq_draft(&q);
    Ok(Json(FaqDraftJson {
        draft: &d,
        removed: found,
        warning: found.warning(),
        themes: FAQ_THEMES,
    })
    .into_response())
}

async fn api_publish(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    JsonBody(d): JsonBody<FaqDraft>,
) -> Result<Response, AppError> {
    let p = qs::publish(&state.db, &state.config, user, id, &d).await?;
    Ok((
        StatusCode::CREATED,
        Json(PublishedJson {
            path: format!("content/{}", p.path),
            url: p.url,
        }),
    )
        .into_response())
}
