//! Markdown typed in web forms or imported from files, turned into HTML that is safe to show:
//! raw HTML is shown as text, links keep only safe schemes, images become their text (a
//! youth's page makes no request to another site), headings start at level 3 (the page has
//! its own h1 and h2).

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || lower.starts_with("tel:")
        || (lower.starts_with('/') && !lower.starts_with("//"))
        || lower.starts_with('#')
}

fn shift(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// The HTML of `markdown`, sanitised.
pub fn safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    let mut in_image = 0usize;
    let mut skip_link_end = Vec::new();
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            if safe_url(&dest_url) {
                skip_link_end.push(false);
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            } else {
                skip_link_end.push(true);
                None
            }
        }
        Event::End(TagEnd::Link) => {
            if skip_link_end.pop().unwrap_or(false) {
                None
            } else {
                Some(Event::End(TagEnd::Link))
            }
        }
        Event::Start(Tag::Heading {
            level,
            id: _,
            classes: _,
            attrs: _,
        }) => Some(Event::Start(Tag::Heading {
            level: shift(level),
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(shift(level)))),
        Event::Text(t) if in_image > 0 => Some(Event::Text(CowStr::from(t.to_string()))),
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::safe_html;

    #[test]
    fn scripts_and_html_are_text() {
        let h = safe_html("Bonjour <script>alert(1)</script> et <b onclick=x>gras</b>");
        assert!(!h.contains("<script"), "{h}");
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{h}");
        assert!(!h.contains("<b "), "{h}");
    }

    #[test]
    fn only_safe_links_and_no_images() {
        let h = safe_html(
            "[a](javascript:alert(1)) [b](https://exemple.fr) ![logo](https://x.fr/l.png)",
        );
        assert!(!h.contains("javascript"), "{h}");
        assert!(h.contains("<a href=\"https://exemple.fr\">b</a>"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(h.contains("logo"), "{h}");
    }

    #[test]
    fn headings_start_at_three() {
        assert!(safe_html("# Titre").contains("<h3>Titre</h3>"));
    }
}
