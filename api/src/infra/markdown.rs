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

/// `text` as Markdown that shows exactly that text: HTML-significant characters become
/// entities and Markdown's marks are escaped, so that nothing a youth typed becomes a tag, a
/// link, an image, a heading or a list in a generated page.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let body = line.trim_start();
        out.push_str(&line[..line.len() - body.len()]);
        // A mark that only counts at the start of a line: a list, a quote, a heading, a
        // setext underline, a numbered list ("1." or "1)").
        let digits = body.bytes().take_while(u8::is_ascii_digit).count();
        let numbered = digits > 0 && matches!(body.as_bytes().get(digits), Some(b'.' | b')'));
        for (j, c) in body.char_indices() {
            let at_start = j == 0 && matches!(c, '-' | '+' | '=' | '#');
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' => {
                    out.push('\\');
                    out.push(c);
                }
                _ if at_start || (numbered && j == digits) => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
    }
    out
}

/// What makes Markdown typed in a form unfit to publish as a page of the site: raw HTML
/// (comments aside) or a link whose address is not `https://`, `http://`, `mailto:`,
/// `tel:`, a path of the site or an anchor. The message says what to change.
pub fn unsafe_markup(markdown: &str) -> Option<String> {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) if !is_comment(&h) => {
                return Some(format!(
                    "Le HTML n'est pas accepté (« {} ») : écrivez le texte en Markdown, par exemple **gras** ou [un lien](https://exemple.fr).",
                    h.trim().chars().take(40).collect::<String>()
                ));
            }
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. })
                if !safe_url(&dest_url) =>
            {
                return Some(format!(
                    "Ce lien n'est pas accepté : « {} ». Un lien commence par https://, mailto: ou /.",
                    dest_url.chars().take(40).collect::<String>()
                ));
            }
            _ => {}
        }
    }
    None
}

fn is_comment(html: &str) -> bool {
    let h = html.trim();
    h.starts_with("<!--") && h.ends_with("-->")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_text_renders_as_the_same_text() {
        for text in [
            "<meta http-equiv=refresh content=0;url=https://evil.example>",
            "<script>alert(1)</script> & <iframe src=//x>",
            "# pas un titre\n- pas une liste\n1. pas un numéro\n> pas une citation",
            "[lien](javascript:alert(1)) ![image](https://x.fr/i.png) `code` *gras* _i_",
            "a\\b | c ~~d~~ <!-- commentaire -->",
            "Titre\n===",
        ] {
            let md = escape_text(text);
            let html = safe_html(&md);
            assert!(
                !html.contains('<') || only_paragraphs(&html),
                "{text:?} → {html}"
            );
            let shown = html
                .replace("<p>", "")
                .replace("</p>\n", "\n")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            assert_eq!(shown.trim_end(), text.trim_end(), "{md:?}");
        }
    }

    fn only_paragraphs(html: &str) -> bool {
        html.replace("<p>", "")
            .replace("</p>", "")
            .find('<')
            .is_none()
    }

    #[test]
    fn raw_html_and_unsafe_links_are_named() {
        assert!(
            unsafe_markup("Bonjour **toi**, voir [ici](https://exemple.fr) ou /guides/cv/.")
                .is_none()
        );
        assert!(unsafe_markup("Un <!-- commentaire --> suffit.").is_none());
        for bad in [
            "<meta http-equiv=refresh content=0>",
            "texte <iframe src=x></iframe>",
            "<script>alert(1)</script>",
            "[clic](javascript:alert(1))",
            "![x](data:image/png;base64,AAAA)",
        ] {
            assert!(unsafe_markup(bad).is_some(), "{bad}");
        }
    }

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
