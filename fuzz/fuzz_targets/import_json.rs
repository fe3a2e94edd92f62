//! An import file read as JSON (`api/src/domain/opportunities/import/json.rs`): our own format (a list, or an object
//! with `opportunites`) and France Travail's "Offres d'emploi v2" search (`resultats`) — the
//! reader tells them apart from the text, so one target with seeds of both covers both —
//! then each row checked and rendered as for the CSV target.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tremplin_fuzz::{Bound, MIB};

/// At most 16 MiB plus 256 bytes per input byte (the `serde_json::Value` tree is the
/// largest part, then one draft per element and the report).
const BOUND: Bound = Bound {
    base: 16 * MIB,
    per_byte: 256,
};

fuzz_target!(|data: &[u8]| {
    tremplin_fuzz::import::check(data, "opportunites.json", BOUND);
});
