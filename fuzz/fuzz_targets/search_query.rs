//! The query string of the search API (`/api/v1/search?q=…&index=…&limit=…&offset=…`, which
//! the suggestion script calls at each key press): the same checks as `api_search` in
//! `api/src/http/search.rs` (`limits::query`, 50 hits, offset up to `MAX_HITS`), then the embedded
//! engine's whole query path — French analysis (`search/src/text.rs`: words, folding,
//! elision, stop words, stems, typo thresholds), the query (`embedded/query.rs`: synonyms,
//! prefix of the last word, typos), facets, highlights and cropping, "did you mean", and the
//! fewer-words fallback — on the demo site's pages and the fixture opportunities.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tremplin_api::index::documents::{CONTENUS, OPPORTUNITES};
use tremplin_api::infra::limits;
use tremplin_api::index::sync::not_expired;
use tremplin_fuzz::{bounded, engine, runtime, Bound, MIB};
use tremplin_search::SearchRequest;

/// At most 64 MiB plus 4 KiB per input byte (as the listing: the query, up to 50 hits with
/// their stored documents and highlights).
const BOUND: Bound = Bound {
    base: 64 * MIB,
    per_byte: 4096,
};

fuzz_target!(|data: &[u8]| {
    let engine = engine();
    let query = String::from_utf8_lossy(data);
    bounded(BOUND, data.len(), || {
        let (mut q, mut index, mut limit, mut offset) = (String::new(), String::new(), None, None);
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "q" => q = v.into_owned(),
                "index" => index = v.into_owned(),
                "limit" => limit = v.trim().parse::<usize>().ok(),
                "offset" => offset = v.trim().parse::<usize>().ok(),
                _ => {}
            }
        }
        let index = match index.as_str() {
            "" | "contenus" => CONTENUS,
            "opportunites" => OPPORTUNITES,
            _ => return, // 422
        };
        let Ok(q) = limits::query("q", &q) else {
            return; // 422
        };
        let mut req = SearchRequest::new(index, &q);
        req.limit = limit.unwrap_or(8).min(50);
        req.offset = offset.unwrap_or(0).min(tremplin_search::MAX_HITS);
        req.highlight = true;
        if index == OPPORTUNITES {
            req.filters.push(not_expired());
        } else {
            req.facets = vec!["kind".into()];
        }
        if let Err(e) = runtime().block_on(engine.search(&req)) {
            panic!("la recherche échoue pour {query:?} : {e}");
        }
    });
});
