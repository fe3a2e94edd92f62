//! An import file read as CSV (`api/src/domain/opportunities/import/sheet.rs`: encoding — UTF-8, UTF-16 with a BOM or
//! Windows-1252 — then the delimiter from the header or Excel's `sep=` line, columns by
//! name), then each row checked as the import checks it (`opportunities::validate`, the
//! commune resolved offline) and its description rendered as the detail page and the index
//! do. The report's lines are written as the command prints them.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tremplin_fuzz::{Bound, MIB};

/// At most 16 MiB plus 256 bytes per input byte (the decoded text, the records, one draft
/// per row, the report).
const BOUND: Bound = Bound {
    base: 16 * MIB,
    per_byte: 256,
};

fuzz_target!(|data: &[u8]| {
    tremplin_fuzz::import::check(data, "opportunites.csv", BOUND);
});
