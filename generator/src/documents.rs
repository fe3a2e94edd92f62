//! What the site gives to the search: one plain-text document per guide, FAQ entry and news
//! article, made from the page's rendered HTML (shortcode output included, no navigation).
//!
//! The generator knows nothing of the search engine: it only produces [`ContentDoc`]s; the API
//! turns them into the engine's documents (`tremplin_api::index::documents`).

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;

use crate::content::Page;
use crate::site::Site;

/// One searchable page of the site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentDoc {
    /// Stable, from the page's path (`/guides/cv/` → `guides-cv`); only `[A-Za-z0-9_-]`.
    pub id: String,
    /// `guide`, `faq` or `actualite`.
    pub kind: &'static str,
    pub title: String,
    /// The front matter's description (empty when there is none).
    pub description: String,
    /// The text of every heading of the body, in order.
    pub headings: Vec<String>,
    /// The body as plain text: tags stripped, entities decoded, whitespace collapsed.
    pub text: String,
    pub themes: Vec<String>,
    pub publics: Vec<String>,
    /// The page's own path (`/guides/cv/`, `/faq/duree-cej/`).
    pub url: String,
    /// `updated`, else `date`, as unix seconds (midnight UTC).
    pub date: Option<i64>,
}

/// The kind of document a page makes, from its top section; `None` for pages not searched.
fn kind_of(relative_path: &str) -> Option<&'static str> {
    match relative_path.split('/').next()? {
        "guides" => Some("guide"),
        "faq" => Some("faq"),
        "actualites" => Some("actualite"),
        _ => None,
    }
}

/// The document id of a site path: `/guides/cv/` → `guides-cv`. Characters an engine refuses
/// become `-`. Lets an indexer name the document of a page that no longer exists.
pub fn document_id(path: &str) -> String {
    let mut id = String::with_capacity(path.len());
    for c in path.trim_matches('/').chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            c
        } else {
            '-'
        };
        if !(c == '-' && id.ends_with('-')) {
            id.push(c);
        }
    }
    let id = id.trim_matches('-');
    if id.is_empty() {
        "accueil".to_string()
    } else {
        id.to_string()
    }
}

fn unix(d: NaiveDate) -> i64 {
    d.and_time(NaiveTime::MIN).and_utc().timestamp()
}

/// Every searchable page of the site: guides, FAQ entries and news articles, without drafts
/// or pages with `in_search_index = false`, in path order. Call it once the site is loaded
/// (`Site::load`, `Live::new`, after `Live::apply`): it reads the HTML already rendered.
pub fn documents(site: &Site) -> Vec<ContentDoc> {
    let mut keys: Vec<&String> = site.library.pages.keys().collect();
    keys.sort();
    keys.into_iter()
        .filter_map(|rel| page_document(site, rel))
        .collect()
}

/// The document of one page (by its path under `content/`, `guides/cv.md`), for incremental
/// updates: `None` when the page does not exist or is not searched (then delete the document
/// of its old path, see [`document_id`]).
pub fn page_document(site: &Site, relative_path: &str) -> Option<ContentDoc> {
    let page = site.library.pages.get(relative_path)?;
    let kind = searchable_kind(page)?;
    let (html, _) = site.page_content(relative_path).unwrap_or_default();
    Some(document(page, kind, &html))
}

fn searchable_kind(page: &Page) -> Option<&'static str> {
    if page.meta.draft || !page.meta.in_search_index {
        return None;
    }
    kind_of(&page.relative_path)
}

fn document(page: &Page, kind: &'static str, html: &str) -> ContentDoc {
    let terms = |name: &str| page.meta.taxonomies.get(name).cloned().unwrap_or_default();
    ContentDoc {
        id: document_id(&page.path),
        kind,
        title: page.title().to_string(),
        description: page.meta.description.clone().unwrap_or_default(),
        headings: headings(html),
        text: html_to_text(html),
        themes: terms("themes"),
        publics: terms("publics"),
        url: page.path.clone(),
        date: page.meta.updated.or(page.meta.date).map(unix),
    }
}

/// Tags whose content is no text for a reader.
const SKIPPED: [&str; 5] = ["script", "style", "template", "nav", "svg"];

/// Inline tags: they do not separate words (`ré<em>su</em>mé` stays one word).
const INLINE: [&str; 20] = [
    "a", "abbr", "b", "bdi", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "s",
    "samp", "small", "span", "strong", "sub", "sup",
];

/// The name of a tag (`<h2 id="x">` → `h2`, `</p>` → `p`), lowercased, and whether it closes.
fn tag_name(tag: &str) -> (String, bool) {
    let inner = tag.trim_start_matches('<');
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, inner),
    };
    let name: String = inner
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (name.to_ascii_lowercase(), closing)
}

/// The end (exclusive) of the tag starting at `start` (a `<`), quotes respected.
fn tag_end(html: &str, start: usize) -> usize {
    let mut quote = None;
    for (i, c) in html[start..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return start + i + 1,
            _ => {}
        }
    }
    html.len()
}

/// Plain text of an HTML fragment: tags stripped (block tags separate words), comments,
/// scripts and navigation dropped, entities decoded, whitespace collapsed to single spaces.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(html.len(), |e| i + e + 3);
            out.push(' ');
        } else if rest.starts_with('<')
            && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!')
        {
            let end = tag_end(html, i);
            let (name, closing) = tag_name(&html[i..end]);
            i = end;
            if !closing && SKIPPED.contains(&name.as_str()) {
                let close = format!("</{name}");
                i = html[i..]
                    .to_ascii_lowercase()
                    .find(&close)
                    .map_or(html.len(), |e| tag_end(html, i + e));
            }
            if !INLINE.contains(&name.as_str()) {
                out.push(' ');
            }
        } else if rest.starts_with('&') {
            match decode_entity(rest) {
                Some((c, len)) => {
                    out.push(c);
                    i += len;
                }
                None => {
                    out.push('&');
                    i += 1;
                }
            }
        } else {
            let first = rest.chars().next().map_or(1, char::len_utf8);
            let next = rest[first..]
                .find(['<', '&'])
                .map_or(rest.len(), |n| n + first);
            out.push_str(&rest[..next]);
            i += next;
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The character of the entity at the start of `s` (`&amp;`, `&#39;`, `&#x27;`) and its length.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let end = s.get(..12).unwrap_or(s).find(';')?;
    let name = &s[1..end];
    let c = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
    } else if let Some(dec) = name.strip_prefix('#') {
        char::from_u32(dec.parse().ok()?)?
    } else {
        match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{a0}',
            "rsquo" => '’',
            "lsquo" => '‘',
            "laquo" => '«',
            "raquo" => '»',
            "hellip" => '…',
            "ndash" => '–',
            "mdash" => '—',
            "euro" => '€',
            _ => return None,
        }
    };
    Some((c, end + 1))
}

/// The text of every `<h1>`…`<h6>` of an HTML fragment, in order, empty ones left out.
pub fn headings(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = html[from..].find("<h") {
        let start = from + pos;
        let bytes = html.as_bytes();
        let level = bytes.get(start + 2).copied();
        let after = bytes.get(start + 3).copied();
        from = start + 2;
        let (Some(level @ b'1'..=b'6'), Some(b'>' | b' ' | b'\t' | b'\n')) = (level, after) else {
            continue;
        };
        let open_end = tag_end(html, start);
        let close = format!("</h{}>", level as char);
        let Some(len) = html[open_end..].find(&close) else {
            break;
        };
        let text = html_to_text(&html[open_end..open_end + len]);
        if !text.is_empty() {
            found.push(text);
        }
        from = open_end + len + close.len();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BuildOptions;

    fn check_text(html: &str, expected: &str) {
        assert_eq!(html_to_text(html), expected, "html: {html}");
    }

    #[test]
    fn text_of_html() {
        check_text(
            "<p>Un <em>CV</em> clair.</p>\n<p>Une page.</p>",
            "Un CV clair. Une page.",
        );
        check_text(
            "<li>ré<strong>su</strong>mé</li><li>deux</li>",
            "résumé deux",
        );
        check_text(
            "<p>Tom &amp; Léa &lt;3 &quot;ok&quot; l&#39;offre l&#x27;an 5&nbsp;€</p>",
            "Tom & Léa <3 \"ok\" l'offre l'an 5 €",
        );
        check_text("<p>a &unknown; b & c</p>", "a &unknown; b & c");
        check_text(
            "<p>avant</p><!-- more --><script>var x = '<p>';</script><style>p{}</style><p>après</p>",
            "avant après",
        );
        check_text(
            "<a href=\"/x?a=1&b=>\" title='>'>lien</a> <nav><a>Accueil</a></nav>fin",
            "lien fin",
        );
        check_text("3 < 4 et 5 > 2", "3 < 4 et 5 > 2");
        check_text("<td>1</td><td>2</td>", "1 2");
    }

    #[test]
    fn headings_of_html() {
        assert_eq!(
            headings(
                "<h2 id=\"a\">Étape 1 : la <em>liste</em></h2><p>x</p><header>h</header>\
                 <h3>Où s&#39;inscrire ?</h3><h4 id=\"v\"></h4><hr>"
            ),
            vec!["Étape 1 : la liste", "Où s'inscrire ?"]
        );
    }

    #[test]
    fn ids_from_paths() {
        assert_eq!(document_id("/guides/cv/"), "guides-cv");
        assert_eq!(
            document_id("/faq/parler-a-quelqu-un/"),
            "faq-parler-a-quelqu-un"
        );
        assert_eq!(document_id("/actualités/été 2026/"), "actualit-s-t-2026");
        assert_eq!(document_id("/"), "accueil");
    }

    fn write(root: &std::path::Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A small site with the three kinds, a draft, a page left out of the search, other
    /// sections, and a shortcode.
    fn site() -> (tempfile::TempDir, Site) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "tremplin.toml",
            "title = \"T\"\nbase_url = \"https://ex.org\"\n\
             [[taxonomies]]\nname = \"themes\"\n[[taxonomies]]\nname = \"publics\"\n",
        );
        write(
            root,
            "templates/page.html",
            "<nav>menu</nav>{{ page.content | safe }}",
        );
        write(
            root,
            "templates/section.html",
            "{{ section.content | safe }}",
        );
        write(root, "templates/index.html", "accueil");
        write(root, "templates/taxonomy_list.html", "x");
        write(root, "templates/taxonomy_single.html", "x");
        write(
            root,
            "templates/shortcodes/encadre.html",
            "<div class=\"encadre\"><p>L'essentiel</p>{{ body | safe }}</div>",
        );
        write(
            root,
            "content/guides/_index.md",
            "+++\ntitle = \"Guides\"\n+++\n",
        );
        write(root, "content/faq/_index.md", "+++\ntitle = \"FAQ\"\n+++\n");
        write(
            root,
            "content/actualites/_index.md",
            "+++\ntitle = \"Actus\"\n+++\n",
        );
        write(
            root,
            "content/autres/_index.md",
            "+++\ntitle = \"Autres\"\n+++\n",
        );
        write(
            root,
            "content/guides/cv.md",
            "+++\ntitle = \"Écrire son CV\"\ndescription = \"Un CV clair.\"\ndate = 2026-09-01\n\
             updated = 2026-11-20\n[taxonomies]\nthemes = [\"emploi\"]\npublics = [\"18-25 ans\"]\n+++\n\n\
             {% encadre() %}\nUne **page** suffit.\n{% end %}\n\n\
             Le CV & la lettre.\n\n## Étape 1 : la liste\n\nNotez *tout*.\n\n### Et après ?\n\nRelisez.\n",
        );
        write(
            root,
            "content/faq/duree-cej.md",
            "+++\ntitle = \"Combien de temps dure le CEJ ?\"\ndate = 2026-09-01\n+++\nDe 6 à 12 mois.\n",
        );
        write(
            root,
            "content/actualites/ouverture.md",
            "+++\ntitle = \"Tremplin ouvre\"\n+++\nBienvenue.\n",
        );
        write(
            root,
            "content/guides/brouillon.md",
            "+++\ntitle = \"Pas fini\"\ndraft = true\n+++\nEn cours.\n",
        );
        write(
            root,
            "content/guides/cache.md",
            "+++\ntitle = \"Caché\"\nin_search_index = false\n+++\nNon.\n",
        );
        write(
            root,
            "content/autres/page.md",
            "+++\ntitle = \"Autre\"\n+++\nNon.\n",
        );
        write(
            root,
            "content/contact.md",
            "+++\ntitle = \"Contact\"\n+++\nNon.\n",
        );
        let site = Site::load(&BuildOptions::new(root)).unwrap();
        assert!(!site.diagnostics().has_errors(), "{}", site.diagnostics());
        (dir, site)
    }

    #[test]
    fn documents_of_a_site() {
        let (_dir, site) = site();
        let docs = documents(&site);
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["actualites-ouverture", "faq-duree-cej", "guides-cv"]);
        let cv = &docs[2];
        assert_eq!(
            cv,
            &ContentDoc {
                id: "guides-cv".into(),
                kind: "guide",
                title: "Écrire son CV".into(),
                description: "Un CV clair.".into(),
                headings: vec!["Étape 1 : la liste".into(), "Et après ?".into()],
                text: "L'essentiel Une page suffit. Le CV & la lettre. Étape 1 : la liste \
                       Notez tout. Et après ? Relisez."
                    .into(),
                themes: vec!["emploi".into()],
                publics: vec!["18-25 ans".into()],
                url: "/guides/cv/".into(),
                date: Some(1_795_132_800),
            }
        );
        assert_eq!(docs[1].kind, "faq");
        assert_eq!(docs[1].url, "/faq/duree-cej/");
        assert_eq!(docs[1].date, Some(1_788_220_800));
        assert_eq!(docs[0].kind, "actualite");
        assert_eq!(docs[0].date, None);
        assert_eq!(docs[0].description, "");

        assert_eq!(page_document(&site, "guides/cv.md").as_ref(), Some(cv));
        assert_eq!(page_document(&site, "guides/brouillon.md"), None);
        assert_eq!(page_document(&site, "guides/cache.md"), None);
        assert_eq!(page_document(&site, "autres/page.md"), None);
        assert_eq!(page_document(&site, "guides/absent.md"), None);
    }

    #[test]
    fn documents_follow_a_live_edit() {
        let (dir, _) = site();
        let mut live = crate::live::Live::new(BuildOptions::new(dir.path())).unwrap();
        write(
            dir.path(),
            "content/faq/duree-cej.md",
            "+++\ntitle = \"Combien de temps dure le CEJ ?\"\n+++\nDe 6 à 12 mois, parfois 18.\n",
        );
        live.apply(&[crate::site::Change::Content("faq/duree-cej.md".into())]);
        let doc = page_document(live.site(), "faq/duree-cej.md").unwrap();
        assert_eq!(doc.text, "De 6 à 12 mois, parfois 18.");
        assert_eq!(documents(live.site()).len(), 3);
    }
}
