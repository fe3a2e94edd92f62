//! Opportunities over HTTP: the public listing and detail pages, the youth's "Sauvegarder",
//! "Ça m'intéresse" and "Mes opportunités", the counsellor's screens (dashboard, forms,
//! follow-up, import, CSV export), the JSON API and the Atom feed. Every page works without
//! JavaScript; forms post and redirect, or show their errors next to each field.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::domain::accounts::{self, Role, User};
use crate::domain::opportunities::{
    self as opp, Draft, Filters, InterestState, Kind, Level, Opportunity, Status,
};
use crate::http::extract::{
    check_form, field, signed_in, staff, CsrfForm, JsonBody, SameOrigin, SignedIn, Viewer,
};
use crate::http::page::{form_value, page, to_sign_in, PageError};
use crate::http::state::AppState;
use crate::infra::error::AppError;
use crate::infra::html::{encode, escape};
use crate::infra::limits;
use crate::infra::time::{date_fr, iso};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/opportunites", get(list_page))
        .route("/opportunites/", get(list_page))
        .route("/opportunites/flux.xml", get(feed))
        .route("/opportunites/{id}", get(detail_page))
        .route("/opportunites/{id}/sauvegarde", post(favourite_submit))
        .route("/opportunites/{id}/interet", post(interest_submit))
        .route("/compte/opportunites", get(mine_page))
        .route("/conseil/opportunites", get(dashboard_page))
        .route("/conseil/opportunites/export.csv", get(export_csv))
        .route(
            "/conseil/opportunites/nouvelle",
            get(new_page).post(new_submit),
        )
        .route(
            "/conseil/opportunites/import",
            get(import_page)
                .post(import_submit)
                .layer(DefaultBodyLimit::max(limits::IMPORT_MAX_BYTES)),
        )
        .route("/conseil/opportunites/{id}", get(follow_page))
        .route(
            "/conseil/opportunites/{id}/modifier",
            get(edit_page).post(edit_submit),
        )
        .route("/conseil/opportunites/{id}/statut", post(status_submit))
        .route("/conseil/opportunites/{id}/suivi", post(follow_submit))
        .route("/api/v1/opportunities", get(api_list).post(api_create))
        .route(
            "/api/v1/opportunities/import",
            post(api_import).layer(DefaultBodyLimit::max(limits::IMPORT_MAX_BYTES)),
        )
        .route("/api/v1/opportunities/{id}", get(api_get).put(api_update))
        .route("/api/v1/opportunities/{id}/status", post(api_status))
        .route(
            "/api/v1/opportunities/{id}/favourite",
            axum::routing::put(api_favourite_on).delete(api_favourite_off),
        )
        .route(
            "/api/v1/opportunities/{id}/interest",
            post(api_interest).delete(api_withdraw),
        )
        .route("/api/v1/opportunities/{id}/interests", get(api_interests))
        .route(
            "/api/v1/opportunities/{id}/interests/{user_id}",
            post(api_follow_up),
        )
        .route("/api/v1/me/opportunities", get(api_mine))
        .route(
            "/api/v1/structures/{slug}/opportunities",
            get(api_structure),
        )
        .with_state(state)
}

// ---- shared pieces ----

/// An opportunity for templates (French keys, labels and dates ready to show).
fn view(o: &Opportunity, distance: Option<f64>) -> Value {
    let (apply_kind, apply_value) = o.apply_how();
    json!({
        "id": o.id,
        "url": format!("/opportunites/{}", o.id),
        "en_ligne": o.is_public(),
        "type": o.kind,
        "type_libelle": o.kind.label(),
        "titre": o.title,
        "organisme": o.organisation,
        "description_html": crate::infra::markdown::safe_html(&o.description),
        "commune": o.place.town,
        "code_postal": o.place.postcode,
        "a_distance": o.place.remote,
        "distance_km": distance.map(|d| if d < 10.0 { format!("{:.1}", d).replace('.', ",") } else { format!("{:.0}", d) }),
        "contrat": o.contract,
        "duree": o.duration,
        "horaires": o.hours,
        "niveau": o.level,
        "niveau_libelle": o.level.label(),
        "debut": o.start_date.as_deref().map(date_fr),
        "debut_iso": o.start_date,
        "date_limite": o.deadline.as_deref().map(date_fr),
        "date_limite_iso": o.deadline,
        "places": o.places,
        "places_restantes": o.places_left(),
        "candidature": {"type": apply_kind, "valeur": apply_value},
        "themes": o.themes,
        "statut": o.effective_status(),
        "statut_libelle": o.effective_status().label(),
        "structure": {"slug": o.structure.slug, "nom": o.structure.name, "ville": o.structure.town, "contact": o.structure.contact},
        "source": o.source,
        "lien_origine": o.source_link(),
        "publiee_le": o.published_at.map(|t| date_fr(&iso(t))),
        "modifiee_le": date_fr(&iso(o.updated_at)),
    })
}

fn choices<T: Copy>(all: &[T], slug: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Value {
    json!(all
        .iter()
        .map(|v| json!({"valeur": slug(*v), "libelle": label(*v)}))
        .collect::<Vec<_>>())
}

fn vocabularies(vars: &mut Map<String, Value>) {
    vars.insert(
        "types".into(),
        choices(Kind::ALL, Kind::as_str, Kind::label),
    );
    vars.insert(
        "niveaux".into(),
        choices(Level::ALL, Level::as_str, Level::label),
    );
    vars.insert(
        "statuts".into(),
        choices(Status::ALL, Status::as_str, Status::label),
    );
    vars.insert(
        "suivis".into(),
        choices(
            InterestState::ALL,
            InterestState::as_str,
            InterestState::label,
        ),
    );
}

// ---- public pages ----

async fn list_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let f = Filters::parse(query.as_deref().unwrap_or(""));
    let mut vars = Map::new();
    vocabularies(&mut vars);
    vars.insert("filtres".into(), json!({
        "types": f.kinds, "lieu": f.place, "rayon": f.radius_km.unwrap_or(opp::DEFAULT_RADIUS_KM).round() as i64,
        "debut": f.start_from, "niveau": f.level, "q": f.keywords, "tri": if f.sort.is_empty() { "date" } else { f.sort.as_str() },
    }));
    let mut anonymous_entry = None;
    let status = match state
        .listings
        .list(&state.db, state.search.as_ref(), &f)
        .await
    {
        Ok(cached) => {
            // The page of a visitor who is not signed in is the same for everyone: it is
            // rendered once per cache entry.
            if viewer.user.is_none() {
                if let Some(html) = cached.html.get() {
                    return Ok(html_response(html.clone()));
                }
                anonymous_entry = Some(cached.clone());
            }
            let listing = &cached.listing;
            vars.insert(
                "opportunites".into(),
                cached
                    .views
                    .get_or_init(|| {
                        json!(listing
                            .items
                            .iter()
                            .map(|(o, d)| view(o, *d))
                            .collect::<Vec<_>>())
                    })
                    .clone(),
            );
            vars.insert("total".into(), json!(listing.total));
            vars.insert("page_courante".into(), json!(listing.page));
            vars.insert("pages".into(), json!(listing.pages));
            vars.insert(
                "pres_de".into(),
                json!(listing
                    .near
                    .map(|c| format!("{} ({})", c.name, c.department))),
            );
            if listing.page > 1 {
                vars.insert(
                    "precedente".into(),
                    json!(format!(
                        "/opportunites?{}",
                        Filters {
                            page: Some(listing.page - 1),
                            ..f.clone()
                        }
                        .to_query()
                    )),
                );
            }
            if listing.page < listing.pages {
                vars.insert(
                    "suivante".into(),
                    json!(format!(
                        "/opportunites?{}",
                        Filters {
                            page: Some(listing.page + 1),
                            ..f.clone()
                        }
                        .to_query()
                    )),
                );
            }
            let mut feed = form_urlencoded::Serializer::new(String::new());
            if let [k] = f.kinds.as_slice() {
                feed.append_pair("type", k);
            }
            vars.insert(
                "flux".into(),
                json!(format!("/opportunites/flux.xml?{}", feed.finish())),
            );
            StatusCode::OK
        }
        Err(AppError::Invalid(errors)) => {
            vars.insert("form".into(), form_value(&[], &errors, ""));
            vars.insert("opportunites".into(), json!([]));
            StatusCode::OK
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(entry) = anonymous_entry {
        // What `page` adds, for a visitor: no account, and no form that needs a token.
        let mut vars = vars.clone();
        vars.insert("titre".into(), json!("Opportunités"));
        vars.insert("csrf".into(), json!(""));
        vars.insert("utilisateur".into(), Value::Null);
        if let Ok(html) = state
            .pages
            .render("opportunites/liste.html", "/opportunites", &vars)
        {
            return Ok(html_response(entry.html.get_or_init(|| html).clone()));
        }
    }
    Ok(page(
        &state,
        status,
        ("opportunites/liste.html", "/opportunites", "Opportunités"),
        vars,
        &headers,
        viewer.user.as_ref(),
    ))
}

fn html_response(html: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

#[derive(Deserialize, Default)]
struct DetailQuery {
    fait: Option<String>,
}

async fn detail_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let user = viewer.user.as_ref();
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let o = opp::get_visible(&state.db, user, id).await?;
    let mut vars = Map::new();
    vars.insert("o".into(), view(&o, None));
    vars.insert("form".into(), form_value(&[], &[], ""));
    if let Some(u) = user.filter(|u| u.role == Role::Youth) {
        let mine = opp::mine(&state.db, u).await?;
        vars.insert(
            "sauvegardee".into(),
            json!(mine.favourites.iter().any(|f| f.id == id)),
        );
        if let Some((_, message, state_, _)) = mine.interests.iter().find(|(i, _, _, _)| i.id == id)
        {
            vars.insert(
                "interet".into(),
                json!({"message": message, "suivi": InterestState::label_of(state_)}),
            );
        }
    }
    vars.insert(
        "gere".into(),
        json!(user.is_some_and(|u| u.manages(o.structure.id))),
    );
    vars.insert(
            "info".into(),
            json!(match q.fait.as_deref() {
                Some("sauvegardee") => Some("L'opportunité est dans « Mes opportunités »."),
                Some("retiree") => Some("L'opportunité est retirée de vos opportunités sauvegardées."),
                Some("interet") => Some("C'est noté : la Mission Locale sait que cette opportunité vous intéresse. Un conseiller ou une conseillère vous contactera."),
                Some("interet-retire") => Some("Votre intérêt est retiré."),
                _ => None,
            }),
        );
    let path = format!("/opportunites/{id}");
    Ok(page(
        &state,
        StatusCode::OK,
        ("opportunites/detail.html", &path, &o.title),
        vars,
        &headers,
        user,
    ))
}

async fn favourite_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in(&format!("/opportunites/{id}")));
    };
    let on = field(&f, "action") != "retirer";
    opp::set_favourite(&state.db, user, id, on).await?;
    let back = if field(&f, "retour") == "mes-opportunites" {
        "/compte/opportunites".to_string()
    } else {
        format!(
            "/opportunites/{id}?fait={}",
            if on { "sauvegardee" } else { "retiree" }
        )
    };
    Ok(Redirect::to(&back).into_response())
}

async fn interest_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in(&format!("/opportunites/{id}")));
    };
    if field(&f, "action") == "retirer" {
        opp::withdraw_interest(&state.db, user, id).await?;
        return Ok(
            Redirect::to(&format!("/opportunites/{id}?fait=interet-retire")).into_response(),
        );
    }
    match opp::express_interest(&state.db, user, id, field(&f, "message")).await {
        Ok(()) => Ok(Redirect::to(&format!("/opportunites/{id}?fait=interet")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let o = opp::get_visible(&state.db, Some(user), id).await?;
            let mut vars = Map::new();
            vars.insert("o".into(), view(&o, None));
            vars.insert(
                "form".into(),
                form_value(&[("message", field(&f, "message"))], &errors, ""),
            );
            let path = format!("/opportunites/{id}");
            Ok(page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                ("opportunites/detail.html", &path, &o.title),
                vars,
                &headers,
                Some(user),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn mine_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(to_sign_in("/compte/opportunites"));
    };
    match opp::mine(&state.db, user).await {
        Ok(m) => {
            let mut vars = Map::new();
            vars.insert(
                "sauvegardees".into(),
                json!(m
                    .favourites
                    .iter()
                    .map(|o| view(o, None))
                    .collect::<Vec<_>>()),
            );
            vars.insert(
                "interets".into(),
                json!(m
                    .interests
                    .iter()
                    .map(|(o, msg, s, t)| json!({
                        "o": view(o, None),
                        "message": msg,
                        "suivi": s,
                        "suivi_libelle": InterestState::label_of(s),
                        "le": date_fr(&iso(*t)),
                    }))
                    .collect::<Vec<_>>()),
            );
            Ok(page(
                &state,
                StatusCode::OK,
                (
                    "opportunites/mes-opportunites.html",
                    "/compte/opportunites",
                    "Mes opportunités",
                ),
                vars,
                &headers,
                Some(user),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn feed(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let f = Filters::parse(query.as_deref().unwrap_or(""));
    let kind = f.kinds.first().and_then(|k| opp::parse_kind(k));
    let structure = Some(f.structure.trim()).filter(|s| !s.is_empty());
    match opp::newest(&state.db, structure, kind, 50).await {
        Ok(list) => {
            let base = state.config.base_url.trim_end_matches('/');
            let mut title = "Tremplin — nouvelles opportunités".to_string();
            if let Some(k) = kind {
                title.push_str(&format!(" : {}", k.label()));
            }
            if let Some(s) = list.first().filter(|_| structure.is_some()) {
                title.push_str(&format!(" — {}", s.structure.name));
            }
            let updated = list.iter().map(|o| o.updated_at).max().unwrap_or(0);
            let mut xml = format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"fr\">\n<title>{}</title>\n<id>{base}/opportunites/flux.xml?{}</id>\n<link rel=\"self\" href=\"{base}/opportunites/flux.xml?{}\"/>\n<link href=\"{base}/opportunites\"/>\n<updated>{}</updated>\n",
                escape(&title),
                escape(query.as_deref().unwrap_or("")),
                escape(query.as_deref().unwrap_or("")),
                iso(updated)
            );
            for o in &list {
                let place = if o.place.town.is_empty() {
                    "à distance".to_string()
                } else {
                    o.place.town.clone()
                };
                xml.push_str(&format!(
                    "<entry>\n<title>{}</title>\n<id>{base}/opportunites/{}</id>\n<link href=\"{base}/opportunites/{}\"/>\n<updated>{}</updated>\n<published>{}</published>\n<author><name>{}</name></author>\n<category term=\"{}\" label=\"{}\"/>\n<summary>{}</summary>\n</entry>\n",
                    escape(&o.title),
                    o.id,
                    o.id,
                    iso(o.updated_at),
                    iso(o.published_at.unwrap_or(o.created_at)),
                    escape(&o.structure.name),
                    o.kind,
                    o.kind.label(),
                    escape(&format!("{} — {} — {}", o.kind.label(), o.organisation, place)),
                ));
            }
            xml.push_str("</feed>\n");
            (
                [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
                xml,
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}

// ---- counsellor pages ----

#[derive(Deserialize, Default)]
struct DashboardQuery {
    structure: Option<String>,
    fait: Option<String>,
}

/// The structure a counsellor works on: their own; for admins, the one asked (or the first).
async fn working_structure(
    state: &AppState,
    user: &User,
    asked: Option<&str>,
) -> Result<accounts::Structure, AppError> {
    if user.role == Role::Admin {
        let all = accounts::structures(&state.db).await?;
        let found = match asked {
            Some(slug) => all.iter().find(|s| s.slug == slug).cloned(),
            None => all.first().cloned(),
        };
        return found.ok_or(AppError::NotFound);
    }
    user.structure.clone().ok_or_else(|| {
        AppError::Forbidden("Votre compte n'est rattaché à aucune Mission Locale.".into())
    })
}

async fn dashboard_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites")?;
    let s = working_structure(&state, &user, q.structure.as_deref()).await?;
    let list = opp::of_structure(&state.db, s.id).await?;
    let mut vars = Map::new();
    vars.insert(
        "structure".into(),
        json!({"slug": s.slug, "nom": s.name, "ville": s.town}),
    );
    if user.role == Role::Admin {
        let all = accounts::structures(&state.db).await?;
        vars.insert(
            "structures".into(),
            json!(all
                .iter()
                .map(|s| json!({"slug": s.slug, "nom": s.name}))
                .collect::<Vec<_>>()),
        );
    }
    vars.insert(
        "opportunites".into(),
        json!(list
            .iter()
            .map(|m| {
                let mut v = view(&m.opportunity, None);
                v["interesses"] = json!(m.interested);
                v["nouveaux"] = json!(m.new_interests);
                v
            })
            .collect::<Vec<_>>()),
    );
    vars.insert(
        "info".into(),
        json!(match q.fait.as_deref() {
            Some("creee") => Some("L'opportunité est enregistrée."),
            Some("modifiee") => Some("Les modifications sont enregistrées."),
            Some("statut") => Some("Le statut est changé."),
            _ => None,
        }),
    );
    Ok(page(
        &state,
        StatusCode::OK,
        (
            "conseil/tableau.html",
            "/conseil/opportunites",
            "Les opportunités de votre Mission Locale",
        ),
        vars,
        &headers,
        Some(&user),
    ))
}

/// The form's fields, from a draft.
fn draft_values(d: &Draft) -> Vec<(&'static str, String)> {
    vec![
        ("kind", d.kind.clone()),
        ("title", d.title.clone()),
        ("organisation", d.organisation.clone()),
        ("description", d.description.clone()),
        ("town", d.town.clone()),
        ("postcode", d.postcode.clone()),
        ("latitude", d.latitude.clone()),
        ("longitude", d.longitude.clone()),
        (
            "remote",
            if d.remote {
                "oui".into()
            } else {
                String::new()
            },
        ),
        ("contract", d.contract.clone()),
        ("duration", d.duration.clone()),
        ("hours", d.hours.clone()),
        ("level", d.level.clone()),
        ("start_date", d.start_date.clone()),
        ("deadline", d.deadline.clone()),
        ("places", d.places.clone()),
        ("apply", d.apply.clone()),
        ("themes", d.themes.join(", ")),
        ("status", d.status.clone()),
        ("structure", d.structure.clone()),
    ]
}

fn draft_from_form(f: &HashMap<String, String>) -> Draft {
    Draft {
        kind: field(f, "kind").into(),
        title: field(f, "title").into(),
        organisation: field(f, "organisation").into(),
        description: field(f, "description").into(),
        town: field(f, "town").into(),
        postcode: field(f, "postcode").into(),
        latitude: field(f, "latitude").into(),
        longitude: field(f, "longitude").into(),
        remote: !field(f, "remote").is_empty(),
        contract: field(f, "contract").into(),
        duration: field(f, "duration").into(),
        hours: field(f, "hours").into(),
        level: field(f, "level").into(),
        start_date: field(f, "start_date").into(),
        deadline: field(f, "deadline").into(),
        places: field(f, "places").into(),
        apply: field(f, "apply").into(),
        themes: vec![field(f, "themes").to_string()],
        status: field(f, "status").into(),
        structure: field(f, "structure").into(),
        ..Draft::default()
    }
}

fn draft_of(o: &Opportunity) -> Draft {
    Draft {
        kind: o.kind.as_str().into(),
        title: o.title.clone(),
        organisation: o.organisation.clone(),
        description: o.description.clone(),
        town: o.place.town.clone(),
        postcode: o.place.postcode.clone(),
        latitude: String::new(),
        longitude: String::new(),
        remote: o.place.remote,
        contract: o.contract.clone(),
        duration: o.duration.clone(),
        hours: o.hours.clone(),
        level: o.level.as_str().into(),
        start_date: o.start_date.clone().unwrap_or_default(),
        deadline: o.deadline.clone().unwrap_or_default(),
        places: o.places.map(|p| p.to_string()).unwrap_or_default(),
        apply: o.apply.clone(),
        themes: o.themes.clone(),
        status: o.status.as_str().into(),
        structure: o.structure.slug.clone(),
        external_id: o.external_id.clone().unwrap_or_default(),
        source: o.source.clone(),
        source_url: o.source_url.clone(),
    }
}

async fn form_page(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    status: StatusCode,
    editing: Option<i64>,
    draft: &Draft,
    errors: &[(&'static str, String)],
) -> Response {
    let values = draft_values(draft);
    let refs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut vars = Map::new();
    vocabularies(&mut vars);
    vars.insert("form".into(), form_value(&refs, errors, ""));
    vars.insert("edition".into(), json!(editing));
    if user.role == Role::Admin {
        if let Ok(all) = accounts::structures(&state.db).await {
            vars.insert(
                "structures".into(),
                json!(all
                    .iter()
                    .map(|s| json!({"valeur": s.slug, "libelle": s.name}))
                    .collect::<Vec<_>>()),
            );
        }
    }
    let (path, title) = match editing {
        Some(id) => (
            format!("/conseil/opportunites/{id}/modifier"),
            "Modifier l'opportunité",
        ),
        None => (
            "/conseil/opportunites/nouvelle".to_string(),
            "Nouvelle opportunité",
        ),
    };
    vars.insert("action".into(), json!(path));
    page(
        state,
        status,
        ("conseil/formulaire.html", &path, title),
        vars,
        headers,
        Some(user),
    )
}

async fn new_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites/nouvelle")?;
    Ok(form_page(
        &state,
        &user,
        &headers,
        StatusCode::OK,
        None,
        &Draft::default(),
        &[],
    )
    .await)
}

async fn new_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    form: CsrfForm,
) -> Result<Response, PageError> {
    save_submit(state, viewer, headers, form, None).await
}

/// A new opportunity (`editing` is `None`) or changes to one: back to the dashboard, or the
/// form again with each error next to its field.
async fn save_submit(
    state: AppState,
    viewer: Viewer,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm,
    editing: Option<i64>,
) -> Result<Response, PageError> {
    let here = match editing {
        Some(id) => format!("/conseil/opportunites/{id}/modifier"),
        None => "/conseil/opportunites/nouvelle".to_string(),
    };
    let user = staff(&viewer, &here)?;
    let draft = draft_from_form(&f);
    let saved = match editing {
        Some(id) => opp::update(&state.db, &user, id, &draft).await,
        None => opp::create(&state.db, &user, &draft).await,
    };
    match saved {
        Ok(o) => Ok(Redirect::to(&format!(
            "/conseil/opportunites?structure={}&fait={}",
            encode(&o.structure.slug),
            if editing.is_some() {
                "modifiee"
            } else {
                "creee"
            }
        ))
        .into_response()),
        Err(AppError::Invalid(errors)) => Ok(form_page(
            &state,
            &user,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            editing,
            &draft,
            &errors,
        )
        .await),
        Err(e) => Err(e.into()),
    }
}

async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/opportunites/{id}/modifier"))?;
    match opp::get_managed(&state.db, &user, id).await {
        Ok(o) => Ok(form_page(
            &state,
            &user,
            &headers,
            StatusCode::OK,
            Some(id),
            &draft_of(&o),
            &[],
        )
        .await),
        Err(e) => Err(e.into()),
    }
}

async fn edit_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: CsrfForm,
) -> Result<Response, PageError> {
    save_submit(state, viewer, headers, form, Some(id)).await
}

async fn status_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites")?;
    let o = opp::set_status(&state.db, &user, id, field(&f, "status")).await?;
    Ok(Redirect::to(&format!(
        "/conseil/opportunites?structure={}&fait=statut",
        encode(&o.structure.slug)
    ))
    .into_response())
}

async fn follow_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/opportunites/{id}"))?;
    let o = opp::get_managed(&state.db, &user, id).await?;
    let list = opp::interests(&state.db, &user, id).await?;
    let mut vars = Map::new();
    vocabularies(&mut vars);
    vars.insert("o".into(), view(&o, None));
    vars.insert(
        "interesses".into(),
        json!(list
            .iter()
            .map(|i| json!({
                "id": i.user_id,
                "prenom": i.first_name,
                "email": i.email,
                "message": i.message,
                "suivi": i.state,
                "suivi_libelle": InterestState::label_of(&i.state),
                "note": i.outcome,
                "le": date_fr(&iso(i.created_at)),
            }))
            .collect::<Vec<_>>()),
    );
    let path = format!("/conseil/opportunites/{id}");
    Ok(page(
        &state,
        StatusCode::OK,
        ("conseil/suivi.html", &path, &format!("Suivi : {}", o.title)),
        vars,
        &headers,
        Some(&user),
    ))
}

async fn follow_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm,
) -> Result<Response, PageError> {
    let user = staff(&viewer, &format!("/conseil/opportunites/{id}"))?;
    let youth: i64 = field(&f, "jeune").parse().map_err(|_| AppError::NotFound)?;
    opp::follow_up(
        &state.db,
        &user,
        id,
        youth,
        field(&f, "state"),
        field(&f, "outcome"),
    )
    .await?;
    Ok(Redirect::to(&format!("/conseil/opportunites/{id}")).into_response())
}

async fn export_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites")?;
    let s = working_structure(&state, &user, q.structure.as_deref()).await?;
    let csv = opp::export_csv(&state.db, s.id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"opportunites-{}.csv\"", s.slug),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        // A BOM, so that spreadsheets read the accents right.
        format!("\u{feff}{csv}"),
    )
        .into_response())
}

async fn import_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites/import")?;
    Ok(import_view(&state, &user, &headers, StatusCode::OK, None, &[]).await)
}

async fn import_view(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    status: StatusCode,
    report: Option<&opp::ImportReport>,
    errors: &[(&'static str, String)],
) -> Response {
    let mut vars = Map::new();
    vars.insert("form".into(), form_value(&[], errors, ""));
    if let Some(r) = report {
        vars.insert(
            "rapport".into(),
            json!({
                "creees": r.created,
                "mises_a_jour": r.updated,
                "ecrit": r.written,
                "erreurs": r.errors.iter().map(|(l, m)| json!({"ligne": l, "message": m})).collect::<Vec<_>>(),
                "nombre_erreurs": r.error_count,
                "erreurs_non_detaillees": r.error_count - r.errors.len(),
            }),
        );
    }
    if user.role == Role::Admin {
        if let Ok(all) = accounts::structures(&state.db).await {
            vars.insert(
                "structures".into(),
                json!(all
                    .iter()
                    .map(|s| json!({"slug": s.slug, "nom": s.name}))
                    .collect::<Vec<_>>()),
            );
        }
    }
    page(
        state,
        status,
        (
            "conseil/import.html",
            "/conseil/opportunites/import",
            "Importer des opportunités",
        ),
        vars,
        headers,
        Some(user),
    )
}

async fn import_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let user = staff(&viewer, "/conseil/opportunites/import")?;
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut file: Option<(String, Bytes)> = None;
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("Envoi du fichier interrompu : {e}")))?
    {
        let name = part.name().unwrap_or("").to_string();
        if name == "fichier" {
            let file_name = part.file_name().unwrap_or("").to_string();
            let data = part
                .bytes()
                .await
                .map_err(|e| AppError::BadRequest(format!("Envoi du fichier interrompu : {e}")))?;
            file = Some((file_name, data));
        } else {
            let value = part.text().await.unwrap_or_default();
            if value.contains('\0') {
                return Err(AppError::BadRequest(
                    "Le formulaire contient un caractère nul (U+0000), qui n'est jamais accepté."
                        .into(),
                )
                .into());
            }
            fields.insert(name, value);
        }
    }
    check_form(&headers, &state, &fields)?;
    let Some((file_name, data)) = file.filter(|(_, d)| !d.is_empty()) else {
        return Ok(import_view(
            &state,
            &user,
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            &[("fichier", "Choisissez un fichier CSV ou JSON.".into())],
        )
        .await);
    };
    let rows = match parse_file(data, file_name.clone()).await {
        Ok(rows) => rows,
        Err(m) => {
            return Ok(import_view(
                &state,
                &user,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                &[("fichier", format!("{file_name} : {m}"))],
            )
            .await)
        }
    };
    let skip = !field(&fields, "ignorer_erreurs").is_empty();
    let report = opp::import(&state.db, &user, field(&fields, "structure"), rows, skip).await?;
    let status = if report.written {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(import_view(&state, &user, &headers, status, Some(&report), &[]).await)
}

/// Reads an import file on a blocking thread (decoding and parsing up to
/// `limits::IMPORT_MAX_BYTES` is CPU work).
async fn parse_file(data: Bytes, name: String) -> Result<Vec<opp::ImportRow>, String> {
    tokio::task::spawn_blocking(move || crate::domain::opportunities::import::parse(&data, &name))
        .await
        .unwrap_or_else(|e| Err(format!("lecture du fichier interrompue : {e}")))
}

// ---- JSON ----

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
        "near": l.near.map(|c| json!({"name": c.name, "insee": c.insee, "department": c.department, "latitude": c.lat, "longitude": c.lon})),
    })
}

async fn api_list(
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

async fn api_get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let o = opp::get_visible(&state.db, viewer.user.as_ref(), id).await?;
    Ok(Json(o.to_json()))
}

async fn api_create(
    State(state): State<AppState>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    JsonBody(draft): JsonBody<Draft>,
) -> Result<Response, AppError> {
    let o = opp::create(&state.db, user, &draft).await?;
    Ok((StatusCode::CREATED, Json(o.to_json())).into_response())
}

async fn api_update(
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
struct StatusBody {
    status: String,
}

async fn api_status(
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

async fn api_favourite_on(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    _: SameOrigin,
) -> Result<StatusCode, AppError> {
    opp::set_favourite(&state.db, signed_in(&viewer)?, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn api_favourite_off(
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

async fn api_interest(
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

async fn api_withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    _: SameOrigin,
) -> Result<StatusCode, AppError> {
    opp::withdraw_interest(&state.db, signed_in(&viewer)?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn api_interests(
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
struct FollowBody {
    state: String,
    #[serde(default)]
    outcome: String,
}

async fn api_follow_up(
    State(state): State<AppState>,
    Path((id, youth)): Path<(i64, i64)>,
    _: SameOrigin,
    SignedIn(ref user): SignedIn,
    JsonBody(b): JsonBody<FollowBody>,
) -> Result<StatusCode, AppError> {
    opp::follow_up(&state.db, user, id, youth, &b.state, &b.outcome).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn api_mine(State(state): State<AppState>, viewer: Viewer) -> Result<Json<Value>, AppError> {
    let m = opp::mine(&state.db, signed_in(&viewer)?).await?;
    Ok(Json(json!({
        "favourites": m.favourites.iter().map(Opportunity::to_json).collect::<Vec<_>>(),
        "interests": m.interests.iter().map(|(o, msg, s, t)| json!({
            "opportunity": o.to_json(), "message": msg, "state": s, "updated_at": iso(*t),
        })).collect::<Vec<_>>(),
    })))
}

async fn api_structure(
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
struct ImportQuery {
    structure: String,
    skip_bad: bool,
    file_name: String,
}

async fn api_import(
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
