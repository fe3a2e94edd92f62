//! Search over HTTP: the `/recherche` results page (guides, FAQ, news and opportunities from
//! one box, facets as links, highlighted matches, "did you mean"; no JavaScript needed) and
//! `/api/v1/search`, which the optional suggestion script calls while the youth types.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tremplin_search::{FieldValue, Filter, Hit, SearchRequest, SearchResults};

use crate::http::extract::Viewer;
use crate::http::page::{PageCx, PageError};
use crate::http::state::AppState;
use crate::index::documents::{CONTENUS, OPPORTUNITES};
use crate::index::sync::not_expired;
use crate::infra::error::AppError;
use crate::infra::html::escape;
use crate::infra::limits;
use crate::infra::vocabulary::vocabulary;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/recherche", get(results_page))
        .route("/recherche/", get(results_page))
        .route("/api/v1/search", get(api_search))
        .with_state(state)
}

vocabulary! {
    /// Kinds of results: the value in the URL and the index, and the label.
    enum ResultKind {
        Guide = ("guide", "Guide"),
        Faq = ("faq", "Question fréquente"),
        News = ("actualite", "Actualité"),
        Opportunity = ("opportunite", "Opportunité"),
    }
}

impl ResultKind {
    /// The label of a facet.
    fn plural(self) -> &'static str {
        match self {
            ResultKind::Guide => "Guides",
            ResultKind::Faq => "Questions fréquentes",
            ResultKind::News => "Actualités",
            ResultKind::Opportunity => "Opportunités",
        }
    }
}

const PER_PAGE: usize = 10;

/// The page's query string, read leniently: a page number that is not one is page 1.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchQuery {
    q: String,
    #[serde(rename = "type")]
    kind: String,
    page: String,
    /// Set (`exacte=1`) when the youth asked for their own words, not for a correction.
    exacte: String,
}

fn text(hit: &Hit, field: &str) -> String {
    match hit.fields.get(field) {
        Some(FieldValue::Text(t)) => t.clone(),
        Some(FieldValue::Texts(t)) => t.join(", "),
        Some(FieldValue::Int(i)) => i.to_string(),
        _ => String::new(),
    }
}

/// The best snippet of a hit: a highlighted passage of the text, else the description.
fn snippet(hit: &Hit) -> String {
    for field in ["text", "description", "headings"] {
        if let Some(h) = hit.highlights.get(field) {
            if h.contains("<mark>") {
                return h.clone();
            }
        }
    }
    hit.highlights
        .get("description")
        .cloned()
        .unwrap_or_default()
}

fn hit_view(hit: &Hit) -> Value {
    let kind = text(hit, "kind");
    let label = ResultKind::label_of(&kind);
    json!({
        "titre_html": hit.highlights.get("title").cloned().unwrap_or_else(|| escape(&text(hit, "title"))),
        "titre": text(hit, "title"),
        "url": text(hit, "url"),
        "type": kind,
        "type_libelle": label,
        "extrait_html": snippet(hit),
    })
}

fn opportunity_view(hit: &Hit) -> Value {
    json!({
        "titre_html": hit.highlights.get("title").cloned().unwrap_or_else(|| escape(&text(hit, "title"))),
        "titre": text(hit, "title"),
        "url": text(hit, "url"),
        "type_libelle": text(hit, "kind_label"),
        "organisme": text(hit, "organisation"),
        "commune": text(hit, "town"),
    })
}

/// Both searches of the page: contents (with kind counts) and public opportunities.
async fn run(
    state: &AppState,
    q: &str,
    kind: &str,
    page_number: usize,
) -> Result<(SearchResults, SearchResults), AppError> {
    let engine = state.search.as_ref();
    let mut contents = SearchRequest::new(CONTENUS, q);
    contents.facets = vec!["kind".into()];
    contents.highlight = true;
    // A few more than the page, so that equal matches can be ordered guide first (see
    // `guides_first`).
    contents.limit = if kind == "opportunite" {
        0
    } else {
        page_number * PER_PAGE + 40
    };
    contents.offset = 0;
    let content_kinds = ["guide", "faq", "actualite"];
    if content_kinds.contains(&kind) {
        // Counts per kind come from a search without the kind filter.
        let mut all = contents.clone();
        all.limit = 0;
        all.offset = 0;
        let counts = engine.search(&all).await?;
        contents.filters.push(Filter::eq("kind", kind));
        let mut found = engine.search(&contents).await?;
        guides_first(&mut found, page_number);
        found.facets = counts.facets;
        found.did_you_mean = found.did_you_mean.or(counts.did_you_mean);
        let opps = search_opportunities(state, q, 0, 0).await?;
        return Ok((found, opps));
    }
    let mut found = engine.search(&contents).await?;
    guides_first(&mut found, page_number);
    let opps = if kind == "opportunite" {
        search_opportunities(state, q, (page_number - 1) * PER_PAGE, PER_PAGE).await?
    } else {
        search_opportunities(state, q, 0, 5).await?
    };
    Ok((found, opps))
}

/// Among equally good matches, a guide before a FAQ answer before a news article (a youth
/// typing "cv" wants the CV guide first); then the page asked for.
fn guides_first(found: &mut SearchResults, page_number: usize) {
    let rank = |h: &Hit| match text(h, "kind").as_str() {
        "guide" => 0,
        "faq" => 1,
        _ => 2,
    };
    found
        .hits
        .sort_by(|a, b| b.score.total_cmp(&a.score).then(rank(a).cmp(&rank(b))));
    found.hits = std::mem::take(&mut found.hits)
        .into_iter()
        .skip((page_number - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
}

async fn search_opportunities(
    state: &AppState,
    q: &str,
    offset: usize,
    limit: usize,
) -> Result<SearchResults, AppError> {
    let mut req = SearchRequest::new(OPPORTUNITES, q);
    req.filters.push(not_expired());
    req.highlight = true;
    req.offset = offset;
    req.limit = limit;
    Ok(state.search.search(&req).await?)
}

async fn results_page(
    State(state): State<AppState>,
    viewer: Viewer,
    cx: PageCx,
    Query(sq): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let user = viewer.user.as_ref();
    let kind = if ResultKind::from_slug(&sq.kind).is_some() {
        sq.kind.clone()
    } else {
        String::new()
    };
    let mut vars = Map::new();
    vars.insert("type".into(), json!(kind));
    let checked = limits::query("q", &sq.q).and_then(|q| {
        let page = limits::page("page", sq.page.trim().parse().ok())?;
        Ok((q, page))
    });
    let (q, page_number) = match checked {
        Ok((q, page)) => (q, page as usize),
        Err(e) => {
            // What was typed stays in the box, with what to change.
            vars.insert(
                "q".into(),
                json!(sq
                    .q
                    .chars()
                    .take(limits::QUERY_MAX_CHARS * 2)
                    .collect::<String>()),
            );
            vars.insert("erreur".into(), json!(e.message()));
            return Ok(cx.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                ("recherche.html", "/recherche", "Rechercher"),
                vars,
                user,
            ));
        }
    };
    vars.insert("q".into(), json!(q));
    vars.insert("erreur".into(), Value::Null);
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    if q.is_empty() {
        return Ok(cx.page(
            StatusCode::OK,
            ("recherche.html", "/recherche", "Rechercher"),
            vars,
            user,
        ));
    }
    let (mut contents, mut opps) = run(&state, &q, &kind, page_number).await?;
    // No dead end: when nothing matches and a correction does, its results at once, saying
    // so, with a link to the original words.
    let typed = q.clone();
    let mut q = q;
    if sq.exacte.is_empty() && contents.total + opps.total == 0 {
        if let Some(s) = contents.did_you_mean.clone().or(opps.did_you_mean.clone()) {
            let (c, o) = run(&state, &s, &kind, page_number).await?;
            if c.total + o.total > 0 {
                (contents, opps) = (c, o);
                vars.insert(
                    "correction".into(),
                    json!({
                        "texte": s,
                        "original": typed,
                        "url_original": format!("/recherche?q={}&exacte=1", enc(&typed)),
                    }),
                );
                q = s;
                vars.insert("q".into(), json!(q));
            }
        }
    }
    let counts: Vec<(String, usize)> = contents.facets.get("kind").cloned().unwrap_or_default();
    let count_of = |k: &str| {
        if k == "opportunite" {
            opps.total
        } else {
            counts
                .iter()
                .find(|(v, _)| v == k)
                .map(|(_, n)| *n)
                .unwrap_or(0)
        }
    };
    let all_total: usize = counts.iter().map(|(_, n)| n).sum::<usize>() + opps.total;
    let facets: Vec<Value> = ResultKind::ALL
        .iter()
        .map(|r| (r.as_str(), r.plural()))
        .map(|(k, plural)| {
            json!({
                "valeur": k,
                "libelle": plural,
                "nombre": count_of(k),
                "url": format!("/recherche?q={}&type={k}", enc(&q)),
                "courant": *k == kind,
            })
        })
        .collect();
    vars.insert("facettes".into(), json!(facets));
    vars.insert(
        "url_tout".into(),
        json!(format!("/recherche?q={}", enc(&q))),
    );
    vars.insert("total".into(), json!(all_total));
    vars.insert(
        "contenus".into(),
        json!(contents.hits.iter().map(hit_view).collect::<Vec<_>>()),
    );
    vars.insert(
        "opportunites".into(),
        json!(opps.hits.iter().map(opportunity_view).collect::<Vec<_>>()),
    );
    vars.insert("total_opportunites".into(), json!(opps.total));
    let shown_total = if kind == "opportunite" {
        opps.total
    } else {
        contents.total
    };
    let pages = shown_total
        .div_ceil(PER_PAGE)
        .clamp(1, limits::MAX_PAGE as usize);
    if page_number > pages {
        return Err(
            AppError::NoSuchPage(format!("Ces résultats s'arrêtent à la page {pages}.")).into(),
        );
    }
    let link = |n: usize| {
        let mut s = format!("/recherche?q={}", enc(&q));
        if !kind.is_empty() {
            s.push_str(&format!("&type={kind}"));
        }
        if n > 1 {
            s.push_str(&format!("&page={n}"));
        }
        s
    };
    vars.insert("page_courante".into(), json!(page_number));
    vars.insert("pages".into(), json!(pages));
    if page_number > 1 {
        vars.insert("precedente".into(), json!(link(page_number - 1)));
    }
    if page_number < pages {
        vars.insert("suivante".into(), json!(link(page_number + 1)));
    }
    if all_total == 0 {
        if let Some(s) = contents.did_you_mean.or(opps.did_you_mean) {
            vars.insert(
                "suggestion".into(),
                json!({"texte": s, "url": format!("/recherche?q={}", enc(&s))}),
            );
        }
    }
    let title = format!("Recherche : {q}");
    Ok(cx.page(
        StatusCode::OK,
        ("recherche.html", "/recherche", &title),
        vars,
        user,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ApiSearchQuery {
    q: String,
    /// `contenus` (default) or `opportunites`.
    index: String,
    limit: Option<usize>,
    offset: Option<usize>,
    /// `exacte=1`: the words as typed, without the correction of a query that finds nothing.
    exacte: String,
}

async fn api_search(
    State(state): State<AppState>,
    Query(sq): Query<ApiSearchQuery>,
) -> Result<Response, AppError> {
    let index = match sq.index.as_str() {
        "" | "contenus" => CONTENUS,
        "opportunites" => OPPORTUNITES,
        other => {
            return Err(AppError::Invalid(vec![(
                "index",
                format!("index « {other} » inconnu : contenus ou opportunites"),
            )]))
        }
    };
    let q = limits::query("q", &sq.q)?;
    let mut req = SearchRequest::new(index, &q);
    req.limit = sq
        .limit
        .unwrap_or(limits::SEARCH_DEFAULT_LIMIT)
        .min(limits::SEARCH_MAX_LIMIT);
    req.offset = sq.offset.unwrap_or(0).min(tremplin_search::MAX_HITS);
    req.highlight = true;
    if index == OPPORTUNITES {
        req.filters.push(not_expired());
    } else {
        req.facets = vec!["kind".into()];
    }
    let mut r = state.search.search(&req).await?;
    // No dead end: a query that finds nothing gives the results of its correction, if any,
    // and says so in `corrected_query`.
    let mut corrected_query = None;
    if r.total == 0 && sq.exacte.is_empty() {
        if let Some(s) = r.did_you_mean.clone() {
            req.query = s.clone();
            let corrected = state.search.search(&req).await?;
            if corrected.total > 0 {
                r = SearchResults {
                    did_you_mean: Some(s.clone()),
                    ..corrected
                };
                corrected_query = Some(s);
            }
        }
    }
    Ok(Json(SearchJson {
        query: &q,
        index,
        total: r.total,
        did_you_mean: r.did_you_mean.as_deref(),
        corrected_query: corrected_query.as_deref(),
        facets: r
            .facets
            .iter()
            .map(|(name, values)| {
                let counts = values
                    .iter()
                    .map(|(value, count)| FacetCount {
                        value,
                        count: *count,
                    })
                    .collect();
                (name.as_str(), counts)
            })
            .collect(),
        hits: r
            .hits
            .iter()
            .map(|h| HitJson {
                id: &h.id,
                title: text(h, "title"),
                url: text(h, "url"),
                kind: text(h, "kind"),
                title_html: h.highlights.get("title").map(String::as_str),
                snippet_html: snippet(h),
            })
            .collect(),
    })
    .into_response())
}

/// `GET /api/v1/search`: one page of hits, with the kinds' counts for the contents.
#[derive(Serialize)]
struct SearchJson<'a> {
    query: &'a str,
    index: &'static str,
    total: usize,
    did_you_mean: Option<&'a str>,
    /// The query found nothing: these are the results of its correction.
    corrected_query: Option<&'a str>,
    facets: BTreeMap<&'a str, Vec<FacetCount<'a>>>,
    hits: Vec<HitJson<'a>>,
}

#[derive(Serialize)]
struct FacetCount<'a> {
    value: &'a str,
    count: usize,
}

#[derive(Serialize)]
struct HitJson<'a> {
    id: &'a str,
    title: String,
    url: String,
    kind: String,
    title_html: Option<&'a str>,
    snippet_html: String,
}
