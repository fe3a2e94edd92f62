//! The query string of the public listing (`/opportunites?…`, `/api/v1/opportunities?…`,
//! and the alerts, which store it): `Filters::parse`, `Filters::check` (every filter against
//! its vocabulary and `limits`: kinds, place resolved offline by `communes`, radius, level,
//! start date, keywords, page), then the engine's request as the listing builds it
//! (`engine_request`, which `list_by_engine` uses), run on the embedded engine's
//! "opportunites" index (keywords with typos, stems and synonyms, filters, geo radius, sort,
//! page). `list` itself also reads the database, which the fuzzer leaves out.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tremplin_api::domain::opportunities::{engine_request, Filters, PAGE_SIZE};
use tremplin_fuzz::{bounded, engine, runtime, Bound, MIB};

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
        let mut req = engine_request(&e, &f.sort);
        req.offset = (e.page as usize - 1) * PAGE_SIZE;
        req.limit = PAGE_SIZE;
        req.ids_only = true;
        // A request the listing makes from checked filters must never fail: it would be a 500.
        if let Err(err) = runtime().block_on(engine.search(&req)) {
            panic!("la recherche de la liste échoue pour {query:?} : {err}");
        }
    });
});
