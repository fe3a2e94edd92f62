//! The JSON API of opportunities under `/api/v1`.

use super::*;

fn listing_json(l: &opp::Listing) -> Value {
    json!({
        "items": l.items.iter().map(|(o, d)| {
            let mut v = o.to_json();
            v["distance_km"] = json!(d.map(|d| (d * 10.0).round() / 10.0));
            v
        }).collect::<Vec<_>>(),
        "total": l.total,
        "page": l.page,
        "pages": l.pages,
        "simpler_search": l.simpler,
        "near": l.near.map(|c| json!({"name": c.name, "insee": c.insee, "department": c.department, "latitude": c.lat, "longitude": c.lon})),
    })
}

pub(super) async fn api_list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let f = Filters::parse(query.as_deref().unwrap_or(""));
    let cached = state
        .listings
        .list(&state.db, state.search.as_ref(), &f)
        .await?;
    let body = cached
        .json
        .get_or_init(|| listing_json(&cached.listing).to_string())
        .clone();
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub(super) async fn api_get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let o = opp::get_visible(&state.db, viewer.user.as_ref(), id).await?;
    Ok(Json(o.to_json()))
}

pub(super) async fn api_create(
    State(state): State<AppState>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    JsonBody(draft): JsonBody<Draft>,
) -> Result<Response, AppError> {
    let o = opp::create(&state.db, user, &draft).await?;
    Ok((StatusCode::CREATED, Json(o.to_json())).into_response())
}

pub(super) async fn api_update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    JsonBody(draft): JsonBody<Draft>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        opp::update(&state.db, user, id, &draft).await?.to_json(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StatusBody {
    status: String,
}

pub(super) async fn api_status(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    JsonBody(b): JsonBody<StatusBody>,
) -> Result<Json<Value>, AppError> {
    Ok(Json(
        opp::set_status(&state.db, user, id, &b.status)
            .await?
            .to_json(),
    ))
}

pub(super) async fn api_favourite_on(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    _: SameOrigin,
) -> Result<StatusCode, AppError> {
    opp::set_favourite(&state.db, signed_in(&viewer)?, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn api_favourite_off(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    _: SameOrigin,
) -> Result<StatusCode, AppError> {
    opp::set_favourite(&state.db, signed_in(&viewer)?, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct InterestBody {
    message: String,
}

pub(super) async fn api_interest(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    // The body is optional; when there is one, it is read as strictly as any other.
    let message = if body.iter().all(u8::is_ascii_whitespace) {
        String::new()
    } else {
        serde_json::from_slice::<InterestBody>(&body)
            .map_err(|e| crate::infra::error::bad_json(!e.is_data(), &e.to_string()))?
            .message
    };
    opp::express_interest(&state.db, user, id, &message).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn api_withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    _: SameOrigin,
) -> Result<StatusCode, AppError> {
    opp::withdraw_interest(&state.db, signed_in(&viewer)?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn api_interests(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let list = opp::interests(&state.db, signed_in(&viewer)?, id).await?;
    Ok(Json(json!(list
        .iter()
        .map(|i| json!({
            "user_id": i.user_id, "first_name": i.first_name, "email": i.email, "message": i.message,
            "state": i.state, "outcome": i.outcome, "created_at": iso(i.created_at), "updated_at": iso(i.updated_at),
        }))
        .collect::<Vec<_>>())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FollowBody {
    state: String,
    #[serde(default)]
    outcome: String,
}

pub(super) async fn api_follow_up(
    State(state): State<AppState>,
    Path((id, youth)): Path<(i64, i64)>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    JsonBody(b): JsonBody<FollowBody>,
) -> Result<StatusCode, AppError> {
    opp::follow_up(&state.db, user, id, youth, &b.state, &b.outcome).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn api_mine(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Value>, AppError> {
    let m = opp::mine(&state.db, signed_in(&viewer)?).await?;
    Ok(Json(json!({
        "favourites": m.favourites.iter().map(Opportunity::to_json).collect::<Vec<_>>(),
        "interests": m.interests.iter().map(|(o, msg, s, t)| json!({
            "opportunity": o.to_json(), "message": msg, "state": s, "updated_at": iso(*t),
        })).collect::<Vec<_>>(),
    })))
}

pub(super) async fn api_structure(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> Result<Json<Value>, AppError> {
    let user = signed_in(&viewer)?;
    let s = accounts::structure_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.manages(s.id) {
        return Err(AppError::NotFound);
    }
    let list = opp::of_structure(&state.db, s.id).await?;
    Ok(Json(json!(list
        .iter()
        .map(|m| {
            let mut v = m.opportunity.to_json();
            v["interested"] = json!(m.interested);
            v["new_interests"] = json!(m.new_interests);
            v
        })
        .collect::<Vec<_>>())))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ImportQuery {
    structure: String,
    skip_bad: bool,
    file_name: String,
}

pub(super) async fn api_import(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ImportQuery>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    body: Bytes,
) -> Result<Response, AppError> {
    let name = if q.file_name.is_empty() {
        match headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
        {
            Some(t) if t.starts_with("text/csv") => "import.csv",
            _ => "import.json",
        }
        .to_string()
    } else {
        q.file_name.clone()
    };
    let rows = parse_file(body, name)
        .await
        .map_err(|m| AppError::Invalid(vec![("file", m)]))?;
    let report = opp::import(&state.db, user, &q.structure, rows, q.skip_bad).await?;
    let body = json!({
        "created": report.created,
        "updated": report.updated,
        "written": report.written,
        "errors": report.errors.iter().map(|(l, m)| json!({"line": l, "message": m})).collect::<Vec<_>>(),
        "error_count": report.error_count,
    });
    let status = if report.written {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(body)).into_response())
}
