//! Opportunities over HTTP: the public listing and detail pages, the youth's "Sauvegarder",
//! "Ça m'intéresse" and "Mes opportunités", the counsellor's screens (dashboard, forms,
//! follow-up, import, CSV export), the JSON API and the Atom feed. Every page works without
//! JavaScript; forms post and redirect, or show their errors next to each field.

mod api;
mod counsellor;
mod public;

use api::*;
use counsellor::*;
use public::*;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::domain::accounts::{self, Role, User};
use crate::domain::opportunities::{
    self as opp, Draft, Filters, InterestState, Kind, Level, Opportunity, OpportunityJson, Status,
};
use crate::http::extract::{
    check_form, field, signed_in, staff, CsrfForm, JsonBody, SameOrigin, SignedIn, Viewer,
};
use crate::http::listing_cache::CachedListing;
use crate::http::page::{form_value, page, to_sign_in, PageCx, PageError};
use crate::http::state::AppState;
use crate::infra::communes;
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
        "permis_requis": o.driving_licence,
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
