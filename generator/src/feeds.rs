//! Built-in outputs: Atom feeds (site, sections, terms), `sitemap.xml`, alias redirects and the
//! fallback 404 page.

use std::collections::HashMap;

use crate::config::Config;
use crate::content::Page;
use crate::markdown::attr;
use crate::output::OutputFile;
use crate::site::Site;

fn xml(s: &str) -> String {
    attr(s).replace('\'', "&apos;")
}

fn rfc3339(d: chrono::NaiveDate) -> String {
    format!("{d}T00:00:00Z")
}

/// Atom feeds: the whole site, each section that wants one, each term of a taxonomy with `feed`.
/// With `only_with`, only the feeds that carry one of those pages are made.
pub(crate) fn feeds(site: &Site, only_with: Option<&[String]>) -> Vec<OutputFile> {
    // Pages by key, hashed: a term lists thousands of pages on a big site.
    let by_key: HashMap<&str, &Page> = site
        .library
        .pages
        .iter()
        .map(|(k, p)| (k.as_str(), p))
        .collect();
    // A section's or a term's feed can carry one of `only_with` only if it lists it.
    let may_carry =
        |keys: &[String]| only_with.is_none_or(|only| keys.iter().any(|k| only.contains(k)));
    let mut specs: Vec<(String, String, String, Vec<&Page>)> = Vec::new();
    specs.push((
        site.config.title.clone(),
        "/".to_string(),
        "atom.xml".to_string(),
        site.library.pages.values().collect(),
    ));
    for s in site.library.sections.values() {
        if !s.exists
            || s.relative_path == "_index.md"
            || !s.meta.generate_feeds
            || s.pages.is_empty()
            || !may_carry(&s.pages)
        {
            continue;
        }
        let pages: Vec<&Page> = s
            .pages
            .iter()
            .filter_map(|k| by_key.get(k.as_str()).copied())
            .collect();
        let file = format!("{}atom.xml", s.path.trim_start_matches('/'));
        specs.push((
            format!("{} — {}", s.title(), site.config.title),
            s.path.clone(),
            file,
            pages,
        ));
    }
    for t in site.taxonomies.iter().filter(|t| t.config.feed) {
        for term in t.terms.iter().filter(|term| may_carry(&term.pages)) {
            let pages: Vec<&Page> = term
                .pages
                .iter()
                .filter_map(|k| by_key.get(k.as_str()).copied())
                .collect();
            let path = format!("/{}/{}/", t.slug, term.slug);
            let file = format!("{}atom.xml", path.trim_start_matches('/'));
            specs.push((
                format!("{} — {}", term.name, site.config.title),
                path,
                file,
                pages,
            ));
        }
    }
    let mut out = Vec::new();
    for (title, path, file, pages) in specs {
        let entries = newest(site, pages);
        if let Some(only) = only_with {
            if !entries.iter().any(|p| only.contains(&p.relative_path)) {
                continue;
            }
        }
        out.push(OutputFile::bytes(
            file.clone(),
            atom(site, &title, &path, &file, entries),
        ));
    }
    out
}

fn when(p: &Page) -> Option<chrono::NaiveDate> {
    p.meta.updated.or(p.meta.date)
}

/// The entries of a feed: the most recently changed dated pages.
fn newest<'a>(site: &Site, mut pages: Vec<&'a Page>) -> Vec<&'a Page> {
    pages.retain(|p| when(p).is_some());
    let order = |a: &&Page, b: &&Page| {
        when(b)
            .cmp(&when(a))
            .then_with(|| a.relative_path.cmp(&b.relative_path))
    };
    // The newest first, without sorting all the others (a total order: the same entries).
    let limit = site.config.feed_limit;
    if limit == 0 {
        pages.clear();
    } else if pages.len() > limit {
        pages.select_nth_unstable_by(limit - 1, order);
        pages.truncate(limit);
    }
    pages.sort_by(order);
    pages
}

fn atom(site: &Site, title: &str, path: &str, file: &str, pages: Vec<&Page>) -> Vec<u8> {
    let updated = pages
        .first()
        .and_then(|p| when(p))
        .map(rfc3339)
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string());
    let mut s = String::with_capacity(4096);
    s.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"");
    s.push_str(&xml(&site.config.language));
    s.push_str("\">\n");
    s.push_str(&format!("  <title>{}</title>\n", xml(title)));
    s.push_str(&format!(
        "  <link href=\"{}\"/>\n",
        xml(&site.config.permalink(path))
    ));
    s.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        xml(&site.config.permalink(&format!("/{file}")))
    ));
    s.push_str(&format!(
        "  <id>{}</id>\n  <updated>{updated}</updated>\n",
        xml(&site.config.permalink(&format!("/{file}")))
    ));
    s.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        xml(&site.config.title)
    ));
    for p in pages {
        let link = site.config.permalink(&p.path);
        let (html, summary) = site.page_content(&p.relative_path).unwrap_or_default();
        let content = summary.as_deref().unwrap_or(&html);
        s.push_str("  <entry>\n");
        s.push_str(&format!("    <title>{}</title>\n", xml(p.title())));
        s.push_str(&format!(
            "    <link href=\"{}\"/>\n    <id>{}</id>\n",
            xml(&link),
            xml(&link)
        ));
        if let Some(d) = p.meta.date {
            s.push_str(&format!("    <published>{}</published>\n", rfc3339(d)));
        }
        s.push_str(&format!(
            "    <updated>{}</updated>\n",
            when(p).map(rfc3339).unwrap_or_default()
        ));
        if let Some(desc) = &p.meta.description {
            s.push_str(&format!("    <summary>{}</summary>\n", xml(desc)));
        }
        s.push_str(&format!(
            "    <content type=\"html\">{}</content>\n",
            xml(content)
        ));
        s.push_str("  </entry>\n");
    }
    s.push_str("</feed>\n");
    s.into_bytes()
}

/// Every page, section and taxonomy page, with the date it last changed when known.
pub(crate) fn sitemap(site: &Site) -> String {
    let mut entries: Vec<(String, Option<chrono::NaiveDate>)> = Vec::new();
    for s in site.library.sections.values() {
        entries.push((site.config.permalink(&s.path), None));
    }
    for p in site.library.pages.values() {
        entries.push((
            site.config.permalink(&p.path),
            p.meta.updated.or(p.meta.date),
        ));
    }
    for t in &site.taxonomies {
        entries.push((site.config.permalink(&format!("/{}/", t.slug)), None));
        for term in &t.terms {
            entries.push((
                site.config
                    .permalink(&format!("/{}/{}/", t.slug, term.slug)),
                None,
            ));
        }
    }
    entries.sort();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (loc, date) in entries {
        s.push_str(&format!("  <url><loc>{}</loc>", xml(&loc)));
        if let Some(d) = date {
            s.push_str(&format!("<lastmod>{d}</lastmod>"));
        }
        s.push_str("</url>\n");
    }
    s.push_str("</urlset>\n");
    s
}

/// A page that sends the browser to `target` (for `aliases`).
pub(crate) fn redirect(target: &str) -> String {
    let t = attr(target);
    format!(
        "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>Cette page a déménagé</title>\n<link rel=\"canonical\" href=\"{t}\">\n<meta name=\"robots\" content=\"noindex\">\n<meta http-equiv=\"refresh\" content=\"0; url={t}\">\n</head>\n<body>\n<p>Cette page a déménagé : <a href=\"{t}\">{t}</a>.</p>\n</body>\n</html>\n"
    )
}

/// The 404 page when the theme has no `404.html`.
pub(crate) fn plain_404(config: &Config) -> String {
    format!(
        "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Page introuvable — {}</title>\n</head>\n<body>\n<main>\n<h1>Page introuvable</h1>\n<p>Cette page n'existe pas ou a été déplacée. <a href=\"{}/\">Retour à l'accueil</a>.</p>\n</main>\n</body>\n</html>\n",
        attr(&config.title),
        attr(config.base())
    )
}
