//! No dead end in the public listing: when its keywords find nothing, the filters of their
//! correction (`corrected`); when nothing matches at all, the filters to drop or widen, one
//! at a time, each with the number of opportunities it would give (`alternatives`), counted
//! by the engine without reading any of them (one count-only request per filter).

use super::*;

/// The widest radius the listing's form offers: a radius is widened to it, not further.
pub const WIDEST_RADIUS_KM: f64 = 100.0;

/// One way out of an empty listing: the same filters with one dropped or widened, and what
/// they find.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// The URL parameter dropped or widened: `rayon`, `lieu`, `type`, `niveau`, `debut`, `q`
    /// or `structure`.
    pub param: &'static str,
    /// What changes, in French: « Sans le lieu », « Jusqu'à 100 km de Lille ».
    pub label: String,
    /// The listing's filters once changed (first page).
    pub filters: Filters,
    /// How many opportunities they find.
    pub total: usize,
}

/// The filters of the correction of `f`'s keywords, when they found nothing (`listing` is
/// `f`'s first page), the engine knows closer words and the visitor did not ask for their
/// words as typed (`exacte=1`).
pub fn corrected(f: &Filters, listing: &Listing) -> Option<Filters> {
    let typed = f.keywords.trim();
    if listing.total > 0 || listing.page > 1 || f.exact || typed.is_empty() {
        return None;
    }
    let s = listing.did_you_mean.as_deref()?.trim();
    if s.is_empty() || s.to_lowercase() == typed.to_lowercase() {
        return None;
    }
    Some(Filters {
        keywords: s.to_string(),
        page: None,
        ..f.clone()
    })
}

/// The changes an empty listing may try, one filter each, nearest first: the radius widened
/// to `WIDEST_RADIUS_KM`, then without the place, the kinds, the level, the start date, the
/// keywords, the structure. Only the filters `f` has; `near` is the commune its place
/// resolved to (for the radius's label).
pub fn loosenings(
    f: &Filters,
    near: Option<&communes::Commune>,
) -> Vec<(&'static str, String, Filters)> {
    let base = Filters {
        page: None,
        ..f.clone()
    };
    let mut out = Vec::new();
    if !f.place.trim().is_empty() {
        let radius = f.radius_km.unwrap_or(DEFAULT_RADIUS_KM);
        if radius < WIDEST_RADIUS_KM {
            let town = near.map_or_else(|| f.place.trim().to_string(), |c| c.name.clone());
            out.push((
                "rayon",
                format!("Jusqu'à {WIDEST_RADIUS_KM} km de {town}"),
                Filters {
                    radius_km: Some(WIDEST_RADIUS_KM),
                    ..base.clone()
                },
            ));
        }
        out.push((
            "lieu",
            "Sans le lieu".to_string(),
            Filters {
                place: String::new(),
                radius_km: None,
                ..base.clone()
            },
        ));
    }
    let drop = |param: &'static str, label: &str, g: Filters| (param, label.to_string(), g);
    if !f.kinds.is_empty() {
        out.push(drop(
            "type",
            "Sans le type d'opportunité",
            Filters {
                kinds: Vec::new(),
                ..base.clone()
            },
        ));
    }
    if !f.level.trim().is_empty() {
        out.push(drop(
            "niveau",
            "Sans le niveau d'études",
            Filters {
                level: String::new(),
                ..base.clone()
            },
        ));
    }
    if !f.start_from.trim().is_empty() {
        out.push(drop(
            "debut",
            "Sans la date de début",
            Filters {
                start_from: String::new(),
                ..base.clone()
            },
        ));
    }
    if !f.keywords.trim().is_empty() {
        out.push(drop(
            "q",
            "Sans les mots-clés",
            Filters {
                keywords: String::new(),
                exact: false,
                ..base.clone()
            },
        ));
    }
    if !f.structure.trim().is_empty() {
        out.push(drop(
            "structure",
            "Toutes les Missions Locales",
            Filters {
                structure: String::new(),
                ..base.clone()
            },
        ));
    }
    out
}

/// The loosenings of `f` that find something, with their counts: one count-only engine
/// request each (seven at most), made only for a listing that found nothing.
pub async fn alternatives(
    search: &dyn tremplin_search::SearchEngine,
    f: &Filters,
) -> Result<Vec<Alternative>, AppError> {
    let near = f.check().ok().and_then(|c| c.near);
    let mut out = Vec::new();
    for (param, label, filters) in loosenings(f, near) {
        let Ok(checked) = filters.check() else {
            continue;
        };
        let total = count(search, &checked).await?;
        if total > 0 {
            out.push(Alternative {
                param,
                label,
                filters,
                total,
            });
        }
    }
    Ok(out)
}

/// How many public opportunities the listing's checked filters find: the engine counts, no
/// hit is collected.
pub async fn count(
    search: &dyn tremplin_search::SearchEngine,
    e: &Checked,
) -> Result<usize, AppError> {
    let mut req = engine_request(e, "");
    req.offset = 0;
    req.limit = 0;
    Ok(search.search(&req).await?.total)
}

/// The engine request of the listing for `e`, before its page: what `list_by_engine` asks
/// (the same filters, geo radius and order; `tests/opportunities.rs` follows each count's
/// link to check that they agree).
pub fn engine_request(e: &Checked, sort: &str) -> tremplin_search::SearchRequest {
    use tremplin_search::{Filter, GeoRadius, SearchRequest, Sort};
    let mut req = SearchRequest::new(crate::index::documents::OPPORTUNITES, &e.keywords);
    req.filters.push(crate::index::sync::not_expired());
    if !e.kinds.is_empty() {
        req.filters
            .push(Filter::any("kind", e.kinds.iter().map(|k| k.as_str())));
    }
    if let Some(rank) = e.level {
        req.filters
            .push(Filter::range("level_rank", None, Some(rank as f64)));
    }
    if let Some(d) = &e.start_from {
        req.filters.push(Filter::range(
            "start",
            crate::index::documents::day_seconds(d).map(|t| t as f64),
            None,
        ));
    }
    if !e.structure.is_empty() {
        req.filters
            .push(Filter::eq("structure", e.structure.as_str()));
    }
    if let Some(c) = e.near {
        req.geo = Some(GeoRadius {
            lat: c.lat,
            lon: c.lon,
            radius_m: e.radius * 1000.0,
        });
    }
    let newest = Sort::Field {
        name: "published_at".into(),
        descending: true,
    };
    req.sort = match sort {
        "distance" if e.near.is_some() => Sort::Distance,
        "date" => newest,
        _ if e.keywords.is_empty() => newest,
        _ => Sort::Relevance,
    };
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(total: usize, did_you_mean: Option<&str>) -> Listing {
        Listing {
            items: Vec::new(),
            total,
            page: 1,
            pages: 1,
            near: None,
            simpler: false,
            did_you_mean: did_you_mean.map(str::to_string),
        }
    }

    #[test]
    fn a_correction_only_for_keywords_that_found_nothing() {
        let f = Filters::parse("q=coifeuze&lieu=Lille&page=1");
        let c = corrected(&f, &listing(0, Some("coiffeur"))).unwrap();
        assert_eq!(c.to_query(), "q=coiffeur&lieu=Lille");
        assert_eq!(corrected(&f, &listing(3, Some("coiffeur"))), None);
        assert_eq!(corrected(&f, &listing(0, None)), None);
        assert_eq!(corrected(&f, &listing(0, Some("Coifeuze"))), None);
        let exact = Filters::parse("q=coifeuze&exacte=1");
        assert_eq!(corrected(&exact, &listing(0, Some("coiffeur"))), None);
        assert_eq!(exact.to_query(), "q=coifeuze&exacte=1");
        assert_eq!(
            Filters::parse("exacte=1").to_query(),
            "",
            "nothing to keep exact"
        );
    }

    #[test]
    fn one_filter_loosened_at_a_time_nearest_first() {
        let f = Filters::parse(
            "type=stage&q=coiffeur&lieu=Lille&rayon=10&niveau=cap&debut=2026-03-01&page=2",
        );
        let near = f.check().unwrap().near;
        let found: Vec<(&str, String, String)> = loosenings(&f, near)
            .into_iter()
            .map(|(p, l, g)| (p, l, g.to_query()))
            .collect();
        let q = |s: &str| s.to_string();
        assert_eq!(
            found,
            [
                (
                    "rayon",
                    q("Jusqu'à 100 km de Lille"),
                    q("type=stage&q=coiffeur&lieu=Lille&debut=2026-03-01&niveau=cap&rayon=100")
                ),
                (
                    "lieu",
                    q("Sans le lieu"),
                    q("type=stage&q=coiffeur&debut=2026-03-01&niveau=cap")
                ),
                (
                    "type",
                    q("Sans le type d'opportunité"),
                    q("q=coiffeur&lieu=Lille&debut=2026-03-01&niveau=cap&rayon=10")
                ),
                (
                    "niveau",
                    q("Sans le niveau d'études"),
                    q("type=stage&q=coiffeur&lieu=Lille&debut=2026-03-01&rayon=10")
                ),
                (
                    "debut",
                    q("Sans la date de début"),
                    q("type=stage&q=coiffeur&lieu=Lille&niveau=cap&rayon=10")
                ),
                (
                    "q",
                    q("Sans les mots-clés"),
                    q("type=stage&lieu=Lille&debut=2026-03-01&niveau=cap&rayon=10")
                ),
            ]
        );
        // At the widest radius, only the place can go; no filter, nothing to loosen.
        let wide = Filters::parse("lieu=Lille&rayon=100");
        let found: Vec<&str> = loosenings(&wide, None).iter().map(|(p, _, _)| *p).collect();
        assert_eq!(found, ["lieu"]);
        assert!(loosenings(&Filters::default(), None).is_empty());
    }
}
