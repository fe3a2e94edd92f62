//! A content file's body, the way a page is rendered (`Site::render_markdown`): Markdown with
//! Zola-style shortcodes rendered by the demo theme's real shortcode templates (`attention`,
//! `essentiel`, `source`), `@/` links resolved against the demo site's content files; then
//! what the search takes from the HTML (plain text, headings); again with raw HTML refused
//! when the text has any. The same text also goes
//! through the `markdown` template filter and through the API's safe renderer of what
//! counsellors and youths type (`api/src/infra/markdown.rs`) and its plain-text form for the index.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tremplin_api::{index::documents as indexing, infra::markdown as safe};
use tremplin_fuzz::{bounded, theme, Bound, MIB};
use tremplin_generator::{documents, front_matter, markdown, templates};

/// At most 32 MiB plus 512 bytes per input byte: each renderer holds the events and the HTML
/// (escaping can grow a byte to a few), shortcode bodies are rendered once each, and Tera
/// keeps its context.
const BOUND: Bound = Bound {
    base: 32 * MIB,
    per_byte: 512,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let theme = theme();
    bounded(BOUND, data.len(), || {
        let (body, first_line) = match front_matter::split(text) {
            Ok(split) => (split.body, split.body_line),
            Err(_) => (text, 1),
        };
        let permalink = format!("{}/guides/fuzz/", theme.config.base());
        let shortcodes = templates::Shortcodes {
            templates: &theme.templates,
            page: serde_json::json!({
                "title": "Fuzz",
                "path": "/guides/fuzz/",
                "permalink": permalink,
                "relative_path": "guides/fuzz.md",
            }),
            config: &theme.config_value,
        };
        let mut ctx = markdown::Context {
            targets: &theme.targets,
            base_url: theme.config.base(),
            permalink: &permalink,
            shortcodes: Some(&shortcodes),
            raw_html: true,
            glossary: None,
            glossary_url: None,
        };
        let rendered = markdown::render(body, first_line, &ctx);
        if body.contains('<') {
            // A section that refuses raw HTML (`[markdown] raw_html = false`, as `faq/`).
            ctx.raw_html = false;
            let _ = markdown::render(body, first_line, &ctx);
        }
        let _ = documents::html_to_text(&rendered.html);
        let _ = documents::headings(&rendered.html);
        let _ = markdown::render_plain(body, true);
        let _ = markdown::render_plain(body, false);
        let _ = safe::safe_html(body);
        let _ = indexing::markdown_text(body);
    });
});
