//! A content file's front matter: split into header and body, the `+++` TOML or `---` YAML
//! header parsed, then every key read as a page's and as a section's would be
//! (`generator/src/content.rs`), so each typed reader and each diagnostic runs.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tremplin_fuzz::{bounded, Bound, MIB};
use tremplin_generator::front_matter::{self, Reader};

/// At most 8 MiB plus 64 bytes per input byte (a header becomes a table, key lines and
/// diagnostics, each a few times its text).
const BOUND: Bound = Bound {
    base: 8 * MIB,
    per_byte: 64,
};

fuzz_target!(|data: &[u8]| {
    // Content files are read with `read_to_string`: what is not UTF-8 never gets here.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    bounded(BOUND, data.len(), || {
        let Ok(split) = front_matter::split(text) else {
            return;
        };
        let _ = front_matter::body_line(&split, split.body.len() / 2);
        let Ok(header) = front_matter::parse_header(&split, "content/fuzz.md") else {
            return;
        };
        let mut page = Reader::new(
            &header,
            "content/fuzz.md",
            front_matter::PAGE_KEYS,
            front_matter::PAGE_IGNORED_KEYS,
            "de la page",
        );
        let _ = page.string("title");
        let _ = page.date("date");
        let _ = page.date("updated");
        let _ = page.boolean("draft");
        let _ = page.integer("weight");
        let _ = page.strings("aliases");
        let _ = page.taxonomies(&["themes", "publics"]);
        let _ = page.table("extra");
        let _ = page.line_of_key("title");
        let mut section = Reader::new(
            &header,
            "content/_index.md",
            front_matter::SECTION_KEYS,
            front_matter::SECTION_IGNORED_KEYS,
            "de la section",
        );
        let _ = section.sort_by();
        let _ = section.positive("paginate_by");
        let _ = section.string("paginate_path");
        let _ = section.boolean("generate_feeds");
        for problem in page.problems.iter().chain(&section.problems) {
            let _ = problem.to_string();
        }
    });
});
