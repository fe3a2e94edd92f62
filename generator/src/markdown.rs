//! Markdown to HTML with pulldown-cmark: heading ids and a table of contents, `@/` internal
//! links resolved, external links marked, images lazy-loaded, shortcodes rendered, the summary
//! cut at `<!-- more -->`. Every problem comes back with its line.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::editorial::Glossary;
use crate::shortcodes;
use crate::slug::{slugify, UniqueSlugs};

/// Where an `@/` link may point.
#[derive(Debug, Clone)]
pub struct LinkTarget {
    pub permalink: String,
    /// The target is a draft left out of this build.
    pub draft: bool,
}

/// Renders one shortcode call to HTML.
pub trait ShortcodeRenderer: Sync {
    /// `body` is the call's body already rendered to HTML.
    fn render(
        &self,
        name: &str,
        args: &Map<String, Value>,
        body: Option<&str>,
    ) -> Result<String, String>;
}

/// What a Markdown text is rendered against.
pub struct Context<'a> {
    /// Relative paths under `content/` (`guides/cv.md`, `guides/_index.md`) → targets.
    pub targets: &'a HashMap<String, LinkTarget>,
    /// The site's base URL, to tell internal absolute links from external ones.
    pub base_url: &'a str,
    /// The permalink of the page being rendered, for the table of contents.
    pub permalink: &'a str,
    pub shortcodes: Option<&'a dyn ShortcodeRenderer>,
    /// Whether raw HTML is allowed (`[markdown] raw_html`); when not, each tag is a problem
    /// and shows as text.
    pub raw_html: bool,
    /// The site's glossary: the first use of each of its words on the page is wrapped in
    /// `<abbr title="…">`.
    pub glossary: Option<&'a Glossary>,
    /// The glossary's page, when the theme shows one: the `<abbr>` then links to its entry.
    pub glossary_url: Option<&'a str>,
}

/// One heading in a table of contents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heading {
    pub level: u32,
    pub id: String,
    pub title: String,
    pub permalink: String,
    pub children: Vec<Heading>,
}

/// An `@/` link found in the text, for anchor checks and dependency tracking.
#[derive(Debug, Clone, PartialEq)]
pub struct InternalLink {
    pub target: String,
    pub anchor: Option<String>,
    pub line: usize,
}

/// The result of rendering one Markdown text.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub summary: Option<String>,
    pub toc: Vec<Heading>,
    /// Every id given to a heading, in order.
    pub anchors: Vec<String>,
    pub links: Vec<InternalLink>,
    /// Every `@/` target the text names, found or not (for rebuilds when one appears or goes).
    pub wanted: Vec<String>,
    pub word_count: usize,
    /// Problems, each with its line in the file.
    pub problems: Vec<(usize, String)>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders `text`, whose first line is line `first_line` of its file.
pub fn render(text: &str, first_line: usize, ctx: &Context<'_>) -> Rendered {
    let mut state = State {
        slugs: UniqueSlugs::default(),
        out: Rendered::default(),
        explained: Vec::new(),
    };
    let (html, summary, toc) = render_inner(text, first_line, ctx, &mut state, true);
    let mut out = state.out;
    out.html = html;
    out.summary = summary;
    out.toc = toc;
    out
}

struct State {
    slugs: UniqueSlugs,
    out: Rendered,
    /// The glossary's entries already wrapped on this page.
    explained: Vec<usize>,
}

struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        Lines(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }
    /// 0-based line of an offset.
    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|nl| *nl < offset)
    }
}

fn render_inner(
    text: &str,
    first_line: usize,
    ctx: &Context<'_>,
    state: &mut State,
    top: bool,
) -> (String, Option<String>, Vec<Heading>) {
    let source = text;
    // Without `{{` or `{%` there is no shortcode call to find, and nothing to copy.
    let (text, calls, errors) = if text.contains("{{") || text.contains("{%") {
        shortcodes::extract(text)
    } else {
        (text.to_string(), Vec::new(), Vec::new())
    };
    if !errors.is_empty() {
        let source_lines = Lines::new(source);
        for e in errors {
            state
                .out
                .problems
                .push((source_lines.of(e.offset) + first_line, e.message));
        }
    }
    let original_lines = Lines::new(&text);
    let line = |offset: usize| original_lines.of(offset) + first_line;

    let mut events: Vec<Event<'_>> = Vec::new();
    let mut headings: Vec<(u32, String, String)> = Vec::new();
    let mut heading: Option<OpenHeading> = None;
    let mut in_image: Option<(String, String, String)> = None;
    let mut external_link_open = false;
    let mut more_at: Option<usize> = None;
    let mut in_comment = false;
    let mut link_depth = 0usize;

    for (event, range) in Parser::new_ext(&text, options()).into_offset_iter() {
        match &event {
            Event::Start(Tag::Link { .. }) => link_depth += 1,
            Event::End(TagEnd::Link) => link_depth = link_depth.saturating_sub(1),
            _ => {}
        }
        if let Some((_, _, alt)) = in_image.as_mut() {
            match &event {
                Event::End(TagEnd::Image) => {
                    let (src, title, alt) = in_image.take().expect("image open");
                    let title = if title.is_empty() {
                        String::new()
                    } else {
                        format!(" title=\"{}\"", attr(&title))
                    };
                    events.push(Event::InlineHtml(CowStr::from(format!(
                        "<img src=\"{}\" alt=\"{}\"{title} loading=\"lazy\" decoding=\"async\">",
                        attr(&src),
                        attr(&alt)
                    ))));
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(t),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Heading {
                level, id, classes, ..
            }) => {
                heading = Some(OpenHeading {
                    level,
                    id: id.map(|i| i.to_string()),
                    classes: classes.iter().map(|c| c.to_string()).collect(),
                    start: events.len(),
                    title: String::new(),
                });
                events.push(Event::Text(CowStr::from(""))); // replaced at the heading's end
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some(OpenHeading {
                    level: lvl,
                    id,
                    classes,
                    start,
                    title,
                }) = heading.take()
                {
                    let title = title.trim().to_string();
                    let wanted = id.unwrap_or_else(|| slugify(&title));
                    let id = state.slugs.insert(&wanted);
                    let class = if classes.is_empty() {
                        String::new()
                    } else {
                        format!(" class=\"{}\"", attr(&classes.join(" ")))
                    };
                    events[start] =
                        Event::Html(CowStr::from(format!("<{lvl} id=\"{}\"{class}>", attr(&id))));
                    events.push(Event::Html(CowStr::from(format!("</{level}>\n"))));
                    state.out.anchors.push(id.clone());
                    headings.push((lvl as u32, id, title));
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = dest_url.to_string();
                if let Some(scheme) = script_scheme(&dest) {
                    state.out.problems.push((
                        line(range.start),
                        format!(
                            "lien refusé : une adresse « {scheme} » lance un programme ; un lien mène à une page (https://…, @/…)"
                        ),
                    ));
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from("#"),
                        title,
                        id,
                    }));
                } else if let Some(target) = dest.strip_prefix("@/") {
                    let href = resolve(target, line(range.start), ctx, state);
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from(href),
                        title,
                        id,
                    }));
                } else if is_external(&dest, ctx.base_url) && link_type != LinkType::Email {
                    external_link_open = true;
                    let title = if title.is_empty() {
                        String::new()
                    } else {
                        format!(" title=\"{}\"", attr(&title))
                    };
                    events.push(Event::InlineHtml(CowStr::from(format!(
                        "<a href=\"{}\"{title} class=\"externe\" rel=\"external noopener\">",
                        attr(&dest)
                    ))));
                } else {
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                }
            }
            Event::End(TagEnd::Link) if external_link_open => {
                external_link_open = false;
                events.push(Event::InlineHtml(CowStr::from(
                    "<span class=\"sr-only\"> (site externe)</span></a>",
                )));
            }
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                let dest = dest_url.to_string();
                let src = match dest.strip_prefix("@/") {
                    Some(target) => resolve(target, line(range.start), ctx, state),
                    None => dest,
                };
                in_image = Some((src, title.to_string(), String::new()));
            }
            Event::Html(ref h) | Event::InlineHtml(ref h) if h.trim() == "<!-- more -->" => {
                if top && more_at.is_none() {
                    // Cut before the HTML block that holds the marker.
                    let mut at = events.len();
                    if matches!(events.last(), Some(Event::Start(Tag::HtmlBlock))) {
                        at -= 1;
                    }
                    more_at = Some(at);
                }
                events.push(event);
            }
            Event::Html(h) | Event::InlineHtml(h) if !ctx.raw_html => {
                // Comments (one line or several) are allowed; any tag is shown as text.
                let t = h.trim();
                let comment = in_comment || t.starts_with("<!--");
                in_comment = comment && !t.ends_with("-->");
                if !comment && !t.is_empty() {
                    state.out.problems.push((
                        line(range.start),
                        format!(
                            "HTML refusé dans cette section (« {} ») : écrivez le texte en Markdown",
                            t.chars().take(40).collect::<String>()
                        ),
                    ));
                    events.push(Event::Text(h));
                } else {
                    events.push(Event::Html(h));
                }
            }
            Event::Text(ref t) => {
                state.out.word_count += t.split_whitespace().count();
                if let Some(h) = heading.as_mut() {
                    h.title.push_str(t);
                    events.push(event);
                } else if let Some(glossary) = ctx.glossary.filter(|g| !g.is_empty()) {
                    let url = ctx.glossary_url.filter(|_| link_depth == 0);
                    explain(t, glossary, url, &mut state.explained, &mut events);
                } else {
                    events.push(event);
                }
            }
            Event::Code(ref t) => {
                state.out.word_count += t.split_whitespace().count();
                if let Some(h) = heading.as_mut() {
                    h.title.push_str(t);
                }
                events.push(event);
            }
            other => events.push(other),
        }
    }

    let mut html = String::with_capacity(text.len() * 3 / 2);
    let summary = more_at.map(|at| {
        let mut s = String::new();
        pulldown_cmark::html::push_html(&mut s, events[..at].iter().cloned());
        s
    });
    pulldown_cmark::html::push_html(&mut html, events.into_iter());

    let mut summary = summary;
    if !calls.is_empty() {
        let mut rendered = Vec::with_capacity(calls.len());
        for (n, call) in calls.iter().enumerate() {
            let call_line = text
                .find(&format!("TREMPLINSC{n}X"))
                .map(|at| original_lines.of(at) + first_line)
                .unwrap_or(first_line);
            let body_html = call
                .body
                .as_ref()
                .map(|body| render_inner(body, call_line, ctx, state, false).0);
            let out = match ctx.shortcodes {
                Some(r) => match r.render(&call.name, &call.args, body_html.as_deref()) {
                    Ok(s) if call.body.is_none() => s.trim().to_string(),
                    Ok(s) => s,
                    Err(msg) => {
                        state.out.problems.push((call_line, msg));
                        String::new()
                    }
                },
                None => body_html.unwrap_or_default(),
            };
            rendered.push(out);
        }
        html = substitute(html, &rendered, &calls);
        summary = summary.map(|s| substitute(s, &rendered, &calls));
    }

    let toc = if top {
        build_toc(&headings, ctx.permalink)
    } else {
        Vec::new()
    };
    (html, summary, toc)
}

/// Pushes `text` with the first use on the page of each glossary word wrapped in `<abbr>`
/// (inside a link to the glossary's page when there is one and the text is not in a link).
fn explain<'e>(
    text: &str,
    glossary: &Glossary,
    url: Option<&str>,
    explained: &mut Vec<usize>,
    events: &mut Vec<Event<'e>>,
) {
    let mut plain_from = 0;
    let mut start = None;
    let mut check =
        |from: usize, to: usize, events: &mut Vec<Event<'e>>, plain_from: &mut usize| {
            let word = &text[from..to];
            let Some((i, entry)) = glossary.get(word) else {
                return;
            };
            if explained.contains(&i) {
                return;
            }
            explained.push(i);
            if from > *plain_from {
                events.push(Event::Text(CowStr::from(
                    text[*plain_from..from].to_string(),
                )));
            }
            let title = attr(&entry.forme_longue);
            let abbr = format!("<abbr title=\"{title}\">{}</abbr>", escape_text(word));
            let html = match url {
                Some(u) => format!(
                    "<a class=\"glossaire\" href=\"{}#{}\">{abbr}</a>",
                    attr(u),
                    attr(&entry.id)
                ),
                None => abbr,
            };
            events.push(Event::InlineHtml(CowStr::from(html)));
            *plain_from = to;
        };
    for (at, c) in text.char_indices() {
        if c.is_alphanumeric() || c == '-' {
            start.get_or_insert(at);
        } else if let Some(from) = start.take() {
            check(from, at, events, &mut plain_from);
        }
    }
    if let Some(from) = start {
        check(from, text.len(), events, &mut plain_from);
    }
    if plain_from == 0 {
        events.push(Event::Text(CowStr::from(text.to_string())));
    } else if plain_from < text.len() {
        events.push(Event::Text(CowStr::from(text[plain_from..].to_string())));
    }
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A heading being read: its text is known only at its end.
struct OpenHeading {
    level: HeadingLevel,
    id: Option<String>,
    classes: Vec<String>,
    /// Index of the event that becomes the opening tag.
    start: usize,
    title: String,
}

/// Puts each shortcode's output in place of its placeholder.
/// The scheme of an address that runs code when followed (`javascript:`, `vbscript:`,
/// `data:`), ignoring case, spaces and control characters as browsers do.
fn script_scheme(dest: &str) -> Option<&'static str> {
    let cleaned: String = dest
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"]
        .into_iter()
        .find(|s| cleaned.starts_with(s))
}

fn substitute(mut s: String, rendered: &[String], calls: &[shortcodes::Call]) -> String {
    for (n, out) in rendered.iter().enumerate().rev() {
        let token = format!("TREMPLINSC{n}X");
        let para = format!("<p>{token}</p>\n");
        if calls[n].body.is_some() && s.contains(&para) {
            s = s.replacen(&para, out, 1);
        } else {
            s = s.replacen(&token, out, 1);
        }
    }
    s
}

fn resolve(target: &str, line: usize, ctx: &Context<'_>, state: &mut State) -> String {
    let (path, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(a.to_string())),
        None => (target, None),
    };
    state.out.wanted.push(path.to_string());
    match ctx.targets.get(path) {
        Some(t) if t.draft => {
            state.out.problems.push((
                line,
                format!("lien vers le brouillon « @/{path} » : publiez-le (draft = false) ou retirez le lien"),
            ));
            String::new()
        }
        Some(t) => {
            state.out.links.push(InternalLink {
                target: path.to_string(),
                anchor: anchor.clone(),
                line,
            });
            match anchor {
                Some(a) => format!("{}#{a}", t.permalink),
                None => t.permalink.clone(),
            }
        }
        None => {
            let hint = crate::diagnostics::suggestion(path, ctx.targets.keys().map(String::as_str));
            state.out.problems.push((
                line,
                format!("lien interne cassé : « @/{path} » n'existe pas{hint}"),
            ));
            String::new()
        }
    }
}

fn is_external(dest: &str, base_url: &str) -> bool {
    (dest.starts_with("http://") || dest.starts_with("https://") || dest.starts_with("//"))
        && !dest.starts_with(base_url.trim_end_matches('/'))
}

/// Escapes text for an HTML attribute value in double quotes.
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

fn build_toc(headings: &[(u32, String, String)], permalink: &str) -> Vec<Heading> {
    fn insert(list: &mut Vec<Heading>, h: Heading) {
        match list.last_mut() {
            Some(last) if h.level > last.level => insert(&mut last.children, h),
            _ => list.push(h),
        }
    }
    let mut toc = Vec::new();
    for (level, id, title) in headings {
        insert(
            &mut toc,
            Heading {
                level: *level,
                id: id.clone(),
                title: title.clone(),
                permalink: format!("{permalink}#{id}"),
                children: Vec::new(),
            },
        );
    }
    toc
}

/// Markdown to HTML without links checks or shortcodes, for the `markdown` filter.
pub fn render_plain(text: &str, inline: bool) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(text, options()));
    if inline {
        let t = html.trim();
        if let Some(inner) = t.strip_prefix("<p>").and_then(|t| t.strip_suffix("</p>")) {
            if !inner.contains("<p>") {
                return inner.to_string();
            }
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Boxes;
    impl ShortcodeRenderer for Boxes {
        fn render(
            &self,
            name: &str,
            args: &Map<String, Value>,
            body: Option<&str>,
        ) -> Result<String, String> {
            match name {
                "boite" => Ok(format!("<div class=\"boite\">{}</div>", body.unwrap_or(""))),
                "src" => Ok(format!(
                    "<cite>{}</cite>",
                    args["nom"].as_str().unwrap_or("")
                )),
                _ => Err(format!("shortcode inconnu « {name} »")),
            }
        }
    }

    fn targets() -> HashMap<String, LinkTarget> {
        let mut t = HashMap::new();
        t.insert(
            "guides/cv.md".to_string(),
            LinkTarget {
                permalink: "https://ex.org/guides/cv/".into(),
                draft: false,
            },
        );
        t.insert(
            "guides/brouillon.md".to_string(),
            LinkTarget {
                permalink: String::new(),
                draft: true,
            },
        );
        t
    }

    fn check(input: &str, expected_html: &str) {
        let t = targets();
        let ctx = Context {
            targets: &t,
            base_url: "https://ex.org",
            permalink: "https://ex.org/p/",
            shortcodes: Some(&Boxes),
            raw_html: true,
            glossary: None,
            glossary_url: None,
        };
        let r = render(input, 1, &ctx);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.html, expected_html);
    }

    fn problems(input: &str, first_line: usize) -> Vec<(usize, String)> {
        let t = targets();
        let ctx = Context {
            targets: &t,
            base_url: "https://ex.org",
            permalink: "https://ex.org/p/",
            shortcodes: Some(&Boxes),
            raw_html: true,
            glossary: None,
            glossary_url: None,
        };
        render(input, first_line, &ctx).problems
    }

    #[test]
    fn glossary_words_are_explained_once_per_page() {
        let t = targets();
        let (g, _) = Glossary::parse(
            "[[mot]]\nmot = \"CAF\"\nforme_longue = \"caisse d'allocations familiales\"\nexplication = \"x\"\n",
        );
        let mut ctx = Context {
            targets: &t,
            base_url: "https://ex.org",
            permalink: "https://ex.org/p/",
            shortcodes: None,
            raw_html: true,
            glossary: Some(&g),
            glossary_url: None,
        };
        let r = render("# La CAF\n\nLa CAF, la CAF et `CAF`.\n", 1, &ctx);
        assert_eq!(
            r.html,
            "<h1 id=\"la-caf\">La CAF</h1>\n<p>La <abbr title=\"caisse d'allocations familiales\">CAF</abbr>, la CAF et <code>CAF</code>.</p>\n"
        );
        ctx.glossary_url = Some("https://ex.org/glossaire/");
        let r = render("[la CAF](https://caf.fr/a) puis CAFE et CAF.\n", 1, &ctx);
        assert_eq!(
            r.html,
            "<p><a href=\"https://caf.fr/a\" class=\"externe\" rel=\"external noopener\">la <abbr title=\"caisse d'allocations familiales\">CAF</abbr><span class=\"sr-only\"> (site externe)</span></a> puis CAFE et CAF.</p>\n"
        );
        let r = render("Voir la CAF.\n", 1, &ctx);
        assert_eq!(
            r.html,
            "<p>Voir la <a class=\"glossaire\" href=\"https://ex.org/glossaire/#caf\"><abbr title=\"caisse d'allocations familiales\">CAF</abbr></a>.</p>\n"
        );
    }

    #[test]
    fn headings_get_unique_french_ids() {
        check("## Où s'inscrire ?\n## Où s'inscrire ?\n", "<h2 id=\"ou-s-inscrire\">Où s'inscrire ?</h2>\n<h2 id=\"ou-s-inscrire-1\">Où s'inscrire ?</h2>\n");
        check("# Titre {#perso}\n", "<h1 id=\"perso\">Titre</h1>\n");
    }

    #[test]
    fn links_and_images() {
        check(
            "[CV](@/guides/cv.md#rubriques)",
            "<p><a href=\"https://ex.org/guides/cv/#rubriques\">CV</a></p>\n",
        );
        check(
            "[SP](https://www.service-public.fr)",
            "<p><a href=\"https://www.service-public.fr\" class=\"externe\" rel=\"external noopener\">SP<span class=\"sr-only\"> (site externe)</span></a></p>\n",
        );
        check(
            "[ici](https://ex.org/a/)",
            "<p><a href=\"https://ex.org/a/\">ici</a></p>\n",
        );
        check(
            "![Un *chat*](chat.png)",
            "<p><img src=\"chat.png\" alt=\"Un chat\" loading=\"lazy\" decoding=\"async\"></p>\n",
        );
    }

    #[test]
    fn extensions() {
        check("~~non~~", "<p><del>non</del></p>\n");
        check(
            "- [x] fait\n",
            "<ul>\n<li><input disabled=\"\" type=\"checkbox\" checked=\"\"/>\nfait</li>\n</ul>\n",
        );
        check("|a|b|\n|-|-|\n|1|2|\n", "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n<tr><td>1</td><td>2</td></tr>\n</tbody></table>\n");
    }

    #[test]
    fn raw_html_refused_where_the_site_says_so() {
        let t = targets();
        let ctx = Context {
            targets: &t,
            base_url: "https://ex.org",
            permalink: "https://ex.org/p/",
            shortcodes: Some(&Boxes),
            raw_html: false,
            glossary: None,
            glossary_url: None,
        };
        let r = render(
            "Texte.\n\n<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">\n\nUn <b>mot</b>.\n\n<!-- tremplin: ignorer -->\n<!--\nplusieurs\nlignes\n-->\n\n<!-- more -->\n",
            4,
            &ctx,
        );
        assert_eq!(
            r.problems,
            vec![
                (6, "HTML refusé dans cette section (« <meta http-equiv=\"refresh\" content=\"0;ur ») : écrivez le texte en Markdown".to_string()),
                (8, "HTML refusé dans cette section (« <b> ») : écrivez le texte en Markdown".to_string()),
                (8, "HTML refusé dans cette section (« </b> ») : écrivez le texte en Markdown".to_string()),
            ]
        );
        assert!(
            !r.html.contains("<meta") && !r.html.contains("<b>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("&lt;meta"), "{}", r.html);
    }

    #[test]
    fn script_links_are_refused() {
        for dest in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " java\tscript:x",
            "vbscript:x",
            "data:text/html,x",
        ] {
            let p = problems(&format!("[clic](<{dest}>)"), 1);
            assert_eq!(p.len(), 1, "{dest}: {p:?}");
            assert!(p[0].1.starts_with("lien refusé"), "{p:?}");
        }
        check(
            "[clic](javascript:alert(1))"
                .replace("javascript:alert(1)", "https://ex.org/ok")
                .as_str(),
            "<p><a href=\"https://ex.org/ok\">clic</a></p>\n",
        );
    }

    #[test]
    fn broken_links_have_lines() {
        assert_eq!(
            problems("a\n\n[x](@/guides/cvv.md)\n", 5),
            vec![(7, "lien interne cassé : « @/guides/cvv.md » n'existe pas — vouliez-vous dire « guides/cv.md » ?".to_string())]
        );
        assert_eq!(
            problems("[x](@/guides/brouillon.md)", 1),
            vec![(1, "lien vers le brouillon « @/guides/brouillon.md » : publiez-le (draft = false) ou retirez le lien".to_string())]
        );
    }

    #[test]
    fn shortcodes_render_with_lines() {
        check(
            "Avant.\n\n{% boite() %}\n**gras** {{ src(nom=\"SP\") }}\n{% end %}\n\nAprès.\n",
            "<p>Avant.</p>\n<div class=\"boite\"><p><strong>gras</strong> <cite>SP</cite></p>\n</div><p>Après.</p>\n",
        );
        assert_eq!(
            problems("a\n\nb {{ inconnu() }}\n", 10),
            vec![(12, "shortcode inconnu « inconnu »".to_string())]
        );
        assert_eq!(
            problems("a\n\n{% boite() %}\nx\n{% end %}\n\n[x](@/nope.md)\n", 1)[0].0,
            7
        );
    }

    #[test]
    fn summary_toc_and_words() {
        let t = targets();
        let ctx = Context {
            targets: &t,
            base_url: "https://ex.org",
            permalink: "https://ex.org/p/",
            shortcodes: None,
            raw_html: true,
            glossary: None,
            glossary_url: None,
        };
        let r = render(
            "Intro ici.\n\n<!-- more -->\n\n## A\n### B\n## C\n",
            1,
            &ctx,
        );
        assert_eq!(r.summary.as_deref(), Some("<p>Intro ici.</p>\n"));
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[0].children[0].id, "b");
        assert_eq!(r.toc[0].permalink, "https://ex.org/p/#a");
        assert_eq!(r.word_count, 5);
        assert_eq!(r.anchors, vec!["a", "b", "c"]);
    }
}
