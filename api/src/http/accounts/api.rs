//! The JSON API of accounts under `/api/v1`: registration, the session, the account, its export and deletion.

use super::*;

/// An account in the JSON API (`User` in the OpenAPI document).
#[derive(Serialize)]
struct UserJson<'a> {
    id: i64,
    email: &'a str,
    first_name: &'a str,
    role: Role,
    structure: Option<StructureJson<'a>>,
}

#[derive(Serialize)]
struct StructureJson<'a> {
    slug: &'a str,
    name: &'a str,
    town: &'a str,
}

fn user_json(u: &User) -> UserJson<'_> {
    UserJson {
        id: u.id,
        email: &u.email,
        first_name: &u.first_name,
        role: u.role,
        structure: u.structure.as_ref().map(|s| StructureJson {
            slug: &s.slug,
            name: &s.name,
            town: &s.town,
        }),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegisterBody {
    email: String,
    password: String,
    first_name: String,
    #[serde(default)]
    structure: Option<String>,
}

pub(super) async fn api_register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    _: SameOrigin,
    JsonBody(b): JsonBody<RegisterBody>,
) -> Result<Response, AppError> {
    accounts::throttle_requests(&state.db, accounts::REGISTER_ADDRESS, &ip).await?;
    let user = accounts::register(
        &state.db,
        &Registration {
            email: b.email,
            password: b.password,
            first_name: b.first_name,
            structure: b.structure,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user_json(&user))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SignInBody {
    email: String,
    password: String,
}

pub(super) async fn api_sign_in(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientIp(ip): ClientIp,
    _: SameOrigin,
    JsonBody(b): JsonBody<SignInBody>,
) -> Result<Response, AppError> {
    let user = accounts::sign_in(&state.db, &b.email, &b.password, &ip).await?;
    if let Some(old) = &viewer.token {
        accounts::delete_session(&state.db, old).await?;
    }
    let token = accounts::create_session(&state.db, user.id).await?;
    let mut res = Json(user_json(&user)).into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, Some(&token)));
    Ok(res)
}

pub(super) async fn api_sign_out(
    State(state): State<AppState>,
    viewer: Viewer,
    _: SameOrigin,
) -> Result<Response, AppError> {
    if let Some(t) = &viewer.token {
        accounts::delete_session(&state.db, t).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, None));
    Ok(res)
}

pub(super) async fn api_me(viewer: Viewer) -> Result<Response, AppError> {
    let user = viewer.user.ok_or(AppError::Unauthorized)?;
    Ok(Json(user_json(&user)).into_response())
}

pub(super) async fn api_export(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, AppError> {
    let user = viewer.user.ok_or(AppError::Unauthorized)?;
    Ok(Json(crate::domain::privacy::export(&state.db, &user).await?).into_response())
}

pub(super) async fn api_delete_me(
    State(state): State<AppState>,
    viewer: Viewer,
    _: SameOrigin,
) -> Result<Response, AppError> {
    let user = viewer.user.ok_or(AppError::Unauthorized)?;
    if user.role != Role::Youth {
        return Err(AppError::Forbidden("Les comptes des conseillers et des administrateurs sont supprimés par un administrateur.".into()));
    }
    crate::domain::privacy::delete_account(&state.db, &user).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, None));
    Ok(res)
}

pub(super) async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::http::openapi::document(),
    )
}
