//! The query string of the public listing (`/opportunites?…`, `/api/v1/opportunities?…`,
//! and the alerts, which store it): `Filters::parse`, `Filters::check` (every filter against
//! its vocabulary and `limits`: kinds, place resolved offline by `communes`, radius, level,
//! start date, keywords, page), then the engine's request as `list_by_engine` builds it, run
//! on the embedded engine's "opportunites" index (keywords with typos, stems and synonyms,
//! filters, geo radius, sort, page).
//!
//! The request is rebuilt here from `Checked` because `list` also reads the database; keep it
//! in step with `list_by_engine` in `api/src/domain/opportunities/listing.rs`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tremplin_api::domain::opportunities::{Filters, PAGE_SIZE};
use tremplin_api::{index::documents, index::sync};
use tremplin_fuzz::{bounded, engine, runtime, Bound, MIB};
use tremplin_search::{Filter, GeoRadius, SearchRequest, Sort};

/// At most 64 MiB plus 4 KiB per input byte: the engine's query (a fuzzy automaton per
/// word and field), the collector's page of hits and the stored documents it reads.
const BOUND: Bound = Bound {
    base: 64 * MIB,
    per_byte: 4096,
};

fuzz_target!(|data: &[u8]| {
    let engine = engine();
    let query = String::from_utf8_lossy(data);
    bounded(BOUND, data.len(), || {
        let f = Filters::parse(&query);
        let e = match f.check() {
            Ok(e) => e,
            Err(fields) => {
                // The listing answers 422 with each field named.
                for (_, message) in fields {
                    let _ = message.len();
                }
                return;
            }
        };
        let mut req = SearchRequest::new(documents::OPPORTUNITES, &e.keywords);
        req.filters.push(sync::not_expired());
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
                documents::day_seconds(d).map(|t| t as f64),
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
        req.sort = match f.sort.as_str() {
            "distance" if e.near.is_some() => Sort::Distance,
            "date" => newest,
            _ if e.keywords.is_empty() => newest,
            _ => Sort::Relevance,
        };
        req.offset = (e.page as usize - 1) * PAGE_SIZE;
        req.limit = PAGE_SIZE;
        // A request the listing makes from checked filters must never fail: it would be a 500.
        if let Err(err) = runtime().block_on(engine.search(&req)) {
            panic!("la recherche de la liste échoue pour {query:?} : {err}");
        }
    });
});
