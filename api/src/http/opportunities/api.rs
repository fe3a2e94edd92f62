//! The JSON API of opportunities under `/api/v1`.

use super::*;

/// `GET /api/v1/opportunities`: one page of the listing.
#[derive(Serialize)]
struct ListingJson<'a> {
    items: Vec<ListedJson<'a>>,
    total: usize,
    page: u32,
    pages: u32,
    /// The engine was down: the keywords were matched in the titles only.
    simpler_search: bool,
    near: Option<NearJson<'a>>,
    /// The keywords found nothing: these are the results of their correction.
    corrected_query: Option<&'a str>,
    /// The engine's correction of keywords that found nothing.
    did_you_mean: Option<&'a str>,
    /// When nothing is found: the filters to drop or widen, each finding something.
    alternatives: Vec<AlternativeJson<'a>>,
}

/// One way out of an empty listing.
#[derive(Serialize)]
struct AlternativeJson<'a> {
    /// The parameter dropped or widened.
    param: &'static str,
    label: &'a str,
    total: usize,
    /// The listing's query string with it.
    query: String,
}

/// An opportunity of the listing, with its distance from the place asked.
#[derive(Serialize)]
struct ListedJson<'a> {
    #[serde(flatten)]
    opportunity: OpportunityJson<'a>,
    distance_km: Option<f64>,
}

/// The commune the listing's place resolved to.
#[derive(Serialize)]
struct NearJson<'a> {
    name: &'a str,
    insee: &'a str,
    department: &'a str,
    latitude: f64,
    longitude: f64,
}

fn listing_json(found: &Shown) -> ListingJson<'_> {
    let l = &found.shown.listing;
    ListingJson {
        items: l
            .items
            .iter()
            .map(|(o, d)| ListedJson {
                opportunity: o.to_json(),
                distance_km: d.map(|d| (d * 10.0).round() / 10.0),
            })
            .collect(),
        total: l.total,
        page: l.page,
        pages: l.pages,
        simpler_search: l.simpler,
        near: l.near.map(|c| NearJson {
            name: &c.name,
            insee: &c.insee,
            department: &c.department,
            latitude: c.lat,
            longitude: c.lon,
        }),
        corrected_query: found
            .corrected_from
            .as_ref()
            .map(|_| found.filters.keywords.as_str()),
        did_you_mean: found.entry.listing.did_you_mean.as_deref(),
        alternatives: found
            .alternatives
            .iter()
            .map(|a| AlternativeJson {
                param: a.param,
                label: &a.label,
                total: a.total,
                query: a.filters.to_query(),
            })
            .collect(),
    }
}

pub(super) async fn api_list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let f = Filters::parse(query.as_deref().unwrap_or(""));
    let found = listing_for(&state, &f).await?;
    let body = found
        .entry
        .json
        .get_or_init(|| serde_json::to_string(&listing_json(&found)).expect("a listing serialises"))
        .clone();
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub(super) async fn api_get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let o = opp::get_visible(&state.db, viewer.user.as_ref(), id).await?;
    Ok(Json(o.to_json()).into_response())
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
) -> Result<Response, AppError> {
    let o = opp::update(&state.db, user, id, &draft).await?;
    Ok(Json(o.to_json()).into_response())
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
) -> Result<Response, AppError> {
    let o = opp::set_status(&state.db, user, id, &b.status).await?;
    Ok(Json(o.to_json()).into_response())
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

/// A youth interested in an opportunity, for its structure's counsellors.
#[derive(Serialize)]
struct InterestJson<'a> {
    user_id: i64,
    first_name: &'a str,
    email: &'a str,
    message: &'a str,
    state: &'a str,
    outcome: &'a str,
    created_at: String,
    updated_at: String,
}

pub(super) async fn api_interests(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let list = opp::interests(&state.db, signed_in(&viewer)?, id).await?;
    let body: Vec<InterestJson> = list
        .iter()
        .map(|i| InterestJson {
            user_id: i.user_id,
            first_name: &i.first_name,
            email: &i.email,
            message: &i.message,
            state: &i.state,
            outcome: &i.outcome,
            created_at: iso(i.created_at),
            updated_at: iso(i.updated_at),
        })
        .collect();
    Ok(Json(body).into_response())
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

/// `GET /api/v1/me/opportunities`: a youth's saved opportunities and interests.
#[derive(Serialize)]
struct MineJson<'a> {
    favourites: Vec<OpportunityJson<'a>>,
    interests: Vec<MyInterestJson<'a>>,
}

#[derive(Serialize)]
struct MyInterestJson<'a> {
    opportunity: OpportunityJson<'a>,
    message: &'a str,
    state: &'a str,
    updated_at: String,
}

pub(super) async fn api_mine(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, AppError> {
    let m = opp::mine(&state.db, signed_in(&viewer)?).await?;
    Ok(Json(MineJson {
        favourites: m.favourites.iter().map(Opportunity::to_json).collect(),
        interests: m
            .interests
            .iter()
            .map(|(o, message, state, t)| MyInterestJson {
                opportunity: o.to_json(),
                message,
                state,
                updated_at: iso(*t),
            })
            .collect(),
    })
    .into_response())
}

/// An opportunity of the structure, with its interests, for its counsellors.
#[derive(Serialize)]
struct ManagedJson<'a> {
    #[serde(flatten)]
    opportunity: OpportunityJson<'a>,
    interested: i64,
    new_interests: i64,
}

pub(super) async fn api_structure(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let user = signed_in(&viewer)?;
    let s = accounts::structure_by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.manages(s.id) {
        return Err(AppError::NotFound);
    }
    let list = opp::of_structure(&state.db, s.id).await?;
    let body: Vec<ManagedJson> = list
        .iter()
        .map(|m| ManagedJson {
            opportunity: m.opportunity.to_json(),
            interested: m.interested,
            new_interests: m.new_interests,
        })
        .collect();
    Ok(Json(body).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ImportQuery {
    structure: String,
    skip_bad: bool,
    file_name: String,
}

/// What an import did: rows created and updated, and the rows left out with their reason.
#[derive(Serialize)]
struct ImportJson<'a> {
    created: usize,
    updated: usize,
    written: bool,
    errors: Vec<LineError<'a>>,
    error_count: usize,
}

#[derive(Serialize)]
struct LineError<'a> {
    line: usize,
    message: &'a str,
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
    let body = ImportJson {
        created: report.created,
        updated: report.updated,
        written: report.written,
        errors: report
            .errors
            .iter()
            .map(|(line, message)| LineError {
                line: *line,
                message,
            })
            .collect(),
        error_count: report.error_count,
    };
    let status = if report.written {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(body)).into_response())
}
