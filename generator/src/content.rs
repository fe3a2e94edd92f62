//! Content: the pages and sections read from `content/`, their metadata, paths and order.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::config::{Config, SortBy};
use crate::diagnostics::Diagnostic;
use crate::front_matter::{self, Reader};
use crate::slug::slugify;

/// The content folder's name at the site's root.
pub const CONTENT_DIR: &str = "content";

/// A page's metadata, from its front matter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageMeta {
    pub title: Option<String>,
    pub description: Option<String>,
    pub date: Option<NaiveDate>,
    pub updated: Option<NaiveDate>,
    pub draft: bool,
    pub weight: Option<i64>,
    pub slug: Option<String>,
    pub path: Option<String>,
    pub aliases: Vec<String>,
    pub template: Option<String>,
    pub taxonomies: BTreeMap<String, Vec<String>>,
    pub extra: toml::Table,
    pub authors: Vec<String>,
    pub in_search_index: bool,
}

/// A section's metadata, from its `_index.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionMeta {
    pub title: Option<String>,
    pub description: Option<String>,
    pub draft: bool,
    pub sort_by: Option<SortBy>,
    pub weight: Option<i64>,
    pub template: Option<String>,
    pub page_template: Option<String>,
    pub paginate_by: Option<usize>,
    pub paginate_path: String,
    pub paginate_reversed: bool,
    pub aliases: Vec<String>,
    pub extra: toml::Table,
    pub generate_feeds: bool,
    pub in_search_index: bool,
}

impl Default for SectionMeta {
    fn default() -> Self {
        SectionMeta {
            title: None,
            description: None,
            draft: false,
            sort_by: None,
            weight: None,
            template: None,
            page_template: None,
            paginate_by: None,
            paginate_path: "page".to_string(),
            paginate_reversed: false,
            aliases: Vec::new(),
            extra: toml::Table::new(),
            generate_feeds: true,
            in_search_index: true,
        }
    }
}

/// One Markdown page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Relative to `content/`, with `/` separators: `guides/cv.md`, `guides/cv/index.md`.
    pub relative_path: String,
    /// Relative to the site's root, for diagnostics.
    pub file: PathBuf,
    pub meta: PageMeta,
    /// The Markdown after the front matter (shared: pages are cloned on every re-assembly).
    pub body: Arc<str>,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
    pub slug: String,
    /// Site path: `/guides/cv/`.
    pub path: String,
    /// The section (`guides/_index.md`) the page belongs to.
    pub parent: String,
    /// Files beside `index.md` in a page folder (their names).
    pub assets: Vec<String>,
    /// The line of each front-matter key.
    pub lines: HashMap<String, usize>,
}

impl Page {
    pub fn title(&self) -> &str {
        self.meta.title.as_deref().unwrap_or(&self.slug)
    }

    /// The folder that holds a page bundle's files, when the page is `name/index.md`.
    pub fn bundle_dir(&self) -> Option<&str> {
        self.relative_path.strip_suffix("/index.md")
    }
}

/// One section: a folder with an `_index.md` (or the root, always present).
#[derive(Debug, Clone)]
pub struct Section {
    /// `_index.md` for the root, `guides/_index.md` otherwise.
    pub relative_path: String,
    pub file: PathBuf,
    pub meta: SectionMeta,
    pub body: Arc<str>,
    pub body_line: usize,
    /// Site path: `/` or `/guides/`.
    pub path: String,
    /// The parent section's relative path (none for the root).
    pub parent: Option<String>,
    /// The section's pages, in its sort order.
    pub pages: Vec<String>,
    pub subsections: Vec<String>,
    /// Whether `_index.md` exists (the root may be implicit).
    pub exists: bool,
    /// The line of each front-matter key.
    pub lines: HashMap<String, usize>,
}

impl Section {
    pub fn title(&self) -> &str {
        self.meta.title.as_deref().unwrap_or("")
    }

    /// The folder under `content/` (`` for the root, `guides` otherwise).
    pub fn dir(&self) -> &str {
        self.relative_path
            .strip_suffix("_index.md")
            .unwrap_or("")
            .trim_end_matches('/')
    }
}

/// Everything read from `content/`.
#[derive(Debug, Clone, Default)]
pub struct Library {
    pub pages: BTreeMap<String, Page>,
    pub sections: BTreeMap<String, Section>,
    /// Non-Markdown files: source relative to `content/` → output path relative to the site.
    pub files: Vec<(String, String)>,
    /// Pages and sections skipped because they are drafts (relative paths).
    pub drafts: Vec<String>,
}

impl Library {
    /// The section that holds a page or section's relative path, walking up the folders.
    fn nearest_section(&self, dir: &str) -> String {
        let mut d = dir.to_string();
        loop {
            let key = if d.is_empty() {
                "_index.md".to_string()
            } else {
                format!("{d}/_index.md")
            };
            if self.sections.contains_key(&key) {
                return key;
            }
            if d.is_empty() {
                return "_index.md".to_string();
            }
            d = match d.rfind('/') {
                Some(i) => d[..i].to_string(),
                None => String::new(),
            };
        }
    }

    /// The sections from the root down to (not including) `key`'s parent chain end.
    pub fn ancestors(&self, parent: Option<&str>) -> Vec<String> {
        let mut chain = Vec::new();
        let mut cur = parent.map(str::to_string);
        while let Some(k) = cur {
            cur = self.sections.get(&k).and_then(|s| s.parent.clone());
            chain.push(k);
        }
        chain.reverse();
        chain
    }
}

fn is_ignored(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
        || name.starts_with("#")
}

/// Every content file as read from disk, before drafts are set aside and paths computed.
#[derive(Debug, Clone, Default)]
pub struct Raw {
    pub pages: BTreeMap<String, Page>,
    pub sections: BTreeMap<String, Section>,
    /// Non-Markdown files, relative to `content/`.
    pub files: Vec<String>,
    /// Problems of each Markdown file (relative path → problems), errors and warnings.
    pub problems: BTreeMap<String, Vec<Diagnostic>>,
    /// Problems not tied to one Markdown file.
    pub other_problems: Vec<Diagnostic>,
}

impl Raw {
    /// Reads every file of `root/content` in parallel, collecting problems instead of stopping.
    pub fn read_all(root: &Path, taxonomy_names: &[&str]) -> Raw {
        let content = root.join(CONTENT_DIR);
        let mut raw = Raw::default();
        let mut md_files = Vec::new();
        if content.is_dir() {
            let walker = walkdir::WalkDir::new(&content)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !is_ignored(&e.file_name().to_string_lossy()));
            for entry in walker {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        raw.other_problems.push(Diagnostic::error(
                            CONTENT_DIR,
                            None,
                            format!("lecture impossible : {e}"),
                        ));
                        continue;
                    }
                };
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry.path().strip_prefix(&content).unwrap_or(entry.path());
                let rel = rel.to_string_lossy().replace('\\', "/");
                if rel.ends_with(".md") {
                    md_files.push(rel);
                } else {
                    raw.files.push(rel);
                }
            }
        } else {
            raw.other_problems.push(Diagnostic::error(
                CONTENT_DIR,
                None,
                "le dossier content/ est introuvable à la racine du site",
            ));
        }
        let parsed: Vec<(String, Result<Parsed, Vec<Diagnostic>>)> = md_files
            .into_par_iter()
            .map(|rel| {
                let p = parse_file(&content, &rel, taxonomy_names);
                (rel, p)
            })
            .collect();
        for (rel, p) in parsed {
            raw.insert(rel, p);
        }
        raw
    }

    /// Reads one Markdown file again (or notes it is gone). Returns whether its front matter
    /// (or its existence) changed, as opposed to its body alone.
    pub fn reload(&mut self, root: &Path, rel: &str, taxonomy_names: &[&str]) -> bool {
        let content = root.join(CONTENT_DIR);
        let before_page = self.pages.remove(rel);
        let before_section = self.sections.remove(rel);
        self.problems.remove(rel);
        if content.join(rel).is_file() {
            let p = parse_file(&content, rel, taxonomy_names);
            self.insert(rel.to_string(), p);
        }
        match (before_page, self.pages.get(rel)) {
            (Some(a), Some(b)) => {
                a.meta != b.meta || a.lines != b.lines || a.body_line != b.body_line
            }
            (None, None) => before_section.is_some() || self.sections.contains_key(rel),
            _ => true,
        }
    }

    /// Notes that a non-Markdown file appeared or disappeared; returns whether it did.
    pub fn reload_file(&mut self, root: &Path, rel: &str) -> bool {
        let exists = root.join(CONTENT_DIR).join(rel).is_file();
        let known = self.files.iter().position(|f| f == rel);
        match (exists, known) {
            (true, None) => {
                self.files.push(rel.to_string());
                self.files.sort();
                true
            }
            (false, Some(i)) => {
                self.files.remove(i);
                true
            }
            _ => false,
        }
    }

    fn insert(&mut self, rel: String, p: Result<Parsed, Vec<Diagnostic>>) {
        match p {
            Ok(Parsed::Section(s, warnings)) => {
                if !warnings.is_empty() {
                    self.problems.insert(rel.clone(), warnings);
                }
                self.sections.insert(rel, s);
            }
            Ok(Parsed::Page(p, warnings)) => {
                if !warnings.is_empty() {
                    self.problems.insert(rel.clone(), warnings);
                }
                self.pages.insert(rel, p);
            }
            Err(e) => {
                self.problems.insert(rel, e);
            }
        }
    }
}

/// Reads every file of `root/content` and assembles the library.
pub fn load(root: &Path, config: &Config, drafts: bool) -> (Library, Vec<Diagnostic>) {
    let names: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
    let raw = Raw::read_all(root, &names);
    let lib = assemble(&raw, config, drafts);
    let mut problems: Vec<Diagnostic> = raw.problems.into_values().flatten().collect();
    problems.extend(raw.other_problems);
    (lib, problems)
}

/// Builds the library from what was read: drafts set aside, the section tree, each page's
/// section, slug, path and files, and each section's order.
pub fn assemble(raw: &Raw, config: &Config, drafts: bool) -> Library {
    let mut lib = Library {
        sections: raw.sections.clone(),
        ..Default::default()
    };
    let mut pages: Vec<Page> = raw.pages.values().cloned().collect();
    let other_files = &raw.files;
    lib.sections
        .entry("_index.md".to_string())
        .or_insert_with(|| Section {
            relative_path: "_index.md".to_string(),
            file: PathBuf::from(CONTENT_DIR).join("_index.md"),
            meta: SectionMeta::default(),
            body: Arc::from(""),
            body_line: 1,
            path: "/".to_string(),
            parent: None,
            pages: Vec::new(),
            subsections: Vec::new(),
            exists: false,
            lines: HashMap::new(),
        });

    // Drafts: a draft section hides itself and everything below it.
    if !drafts {
        let draft_dirs: Vec<String> = lib
            .sections
            .values()
            .filter(|s| s.meta.draft && !s.dir().is_empty())
            .map(|s| format!("{}/", s.dir()))
            .collect();
        let hidden = |rel: &str| draft_dirs.iter().any(|d| rel.starts_with(d.as_str()));
        let removed: Vec<String> = lib.sections.keys().filter(|k| hidden(k)).cloned().collect();
        for k in removed {
            lib.sections.remove(&k);
            lib.drafts.push(k);
        }
        pages.retain(|p| {
            if p.meta.draft || hidden(&p.relative_path) {
                lib.drafts.push(p.relative_path.clone());
                false
            } else {
                true
            }
        });
    }

    // Section tree and paths.
    let keys: Vec<String> = lib.sections.keys().cloned().collect();
    for k in &keys {
        if k == "_index.md" {
            continue;
        }
        let dir = lib.sections[k].dir().to_string();
        let parent_dir = dir
            .rfind('/')
            .map(|i| dir[..i].to_string())
            .unwrap_or_default();
        let parent = lib.nearest_section(&parent_dir);
        let s = lib.sections.get_mut(k).expect("section exists");
        s.parent = Some(parent.clone());
        s.path = format!(
            "/{}/",
            dir.split('/').map(slugify).collect::<Vec<_>>().join("/")
        );
        lib.sections
            .get_mut(&parent)
            .expect("parent exists")
            .subsections
            .push(k.clone());
    }

    // Pages: parent, slug, path, assets.
    let bundle_assets = group_bundle_assets(&pages, other_files);
    for mut p in pages {
        let (dir, stem) = match p.bundle_dir() {
            Some(b) => match b.rfind('/') {
                Some(i) => (b[..i].to_string(), b[i + 1..].to_string()),
                None => (String::new(), b.to_string()),
            },
            None => {
                let no_ext = p.relative_path.trim_end_matches(".md");
                match no_ext.rfind('/') {
                    Some(i) => (no_ext[..i].to_string(), no_ext[i + 1..].to_string()),
                    None => (String::new(), no_ext.to_string()),
                }
            }
        };
        p.slug = slugify(p.meta.slug.as_deref().unwrap_or(&stem));
        if p.slug.is_empty() {
            p.slug = slugify(&stem);
        }
        p.parent = lib.nearest_section(&dir);
        p.path = match &p.meta.path {
            Some(custom) => normalize_path(custom),
            None => {
                let mut parts: Vec<String> = dir
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(slugify)
                    .collect();
                parts.push(p.slug.clone());
                format!("/{}/", parts.join("/"))
            }
        };
        p.assets = bundle_assets
            .get(&p.relative_path)
            .cloned()
            .unwrap_or_default();
        let parent = p.parent.clone();
        lib.sections
            .get_mut(&parent)
            .expect("parent exists")
            .pages
            .push(p.relative_path.clone());
        lib.pages.insert(p.relative_path.clone(), p);
    }

    // Non-Markdown files: page bundle files follow their page; the others keep their place.
    let mut bundle_of: HashMap<&str, &Page> = HashMap::new();
    for p in lib.pages.values() {
        if let Some(b) = p.bundle_dir() {
            bundle_of.insert(b, p);
        }
    }
    let mut files = Vec::new();
    for f in other_files {
        let dir = f.rfind('/').map(|i| &f[..i]).unwrap_or("");
        let name = f.rsplit('/').next().unwrap_or(f);
        let out = match bundle_of.get(dir) {
            Some(p) => format!("{}{}", p.path.trim_start_matches('/'), name),
            None => f.clone(),
        };
        // Files of a hidden draft bundle or section are not published.
        if !drafts
            && lib.drafts.iter().any(|d| {
                d.strip_suffix("index.md")
                    .is_some_and(|b| f.starts_with(b) && !b.is_empty())
            })
        {
            continue;
        }
        files.push((f.clone(), out));
    }
    lib.files = files;

    // Sort each section's pages.
    let section_keys: Vec<String> = lib.sections.keys().cloned().collect();
    for k in section_keys {
        let sort_by = effective_sort(&lib.sections[&k], config);
        let mut list = std::mem::take(&mut lib.sections.get_mut(&k).expect("section").pages);
        sort_pages(&mut list, &lib.pages, sort_by);
        if lib.sections[&k].meta.paginate_reversed {
            list.reverse();
        }
        let s = lib.sections.get_mut(&k).expect("section");
        s.pages = list;
        let mut subs = std::mem::take(&mut s.subsections);
        subs.sort_by(|a, b| {
            let (sa, sb) = (&lib.sections[a], &lib.sections[b]);
            (sa.meta.weight.unwrap_or(i64::MAX), sa.title())
                .cmp(&(sb.meta.weight.unwrap_or(i64::MAX), sb.title()))
        });
        lib.sections.get_mut(&k).expect("section").subsections = subs;
    }

    lib
}

/// Files in a page bundle's folder, keyed by the page's relative path.
fn group_bundle_assets(pages: &[Page], files: &[String]) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let bundles: HashMap<&str, &str> = pages
        .iter()
        .filter_map(|p| p.bundle_dir().map(|b| (b, p.relative_path.as_str())))
        .collect();
    for f in files {
        let dir = f.rfind('/').map(|i| &f[..i]).unwrap_or("");
        if let Some(page) = bundles.get(dir) {
            out.entry(page.to_string())
                .or_default()
                .push(f.rsplit('/').next().unwrap_or(f).to_string());
        }
    }
    out
}

/// `/a/b` or `a/b/` → `/a/b/`.
pub fn normalize_path(p: &str) -> String {
    let inner = p.trim().trim_matches('/');
    if inner.is_empty() {
        "/".to_string()
    } else if inner.ends_with(".html") || inner.ends_with(".xml") {
        format!("/{inner}")
    } else {
        format!("/{inner}/")
    }
}

/// The section's sort order: its front matter, else `tremplin.toml`, else none.
pub fn effective_sort(section: &Section, config: &Config) -> SortBy {
    section
        .meta
        .sort_by
        .or_else(|| config.sections.get(section.dir()).and_then(|o| o.sort_by))
        .unwrap_or_default()
}

/// The section's page count per listing page: its front matter, else `tremplin.toml`.
pub fn effective_paginate_by(section: &Section, config: &Config) -> Option<usize> {
    section.meta.paginate_by.or_else(|| {
        config
            .sections
            .get(section.dir())
            .and_then(|o| o.paginate_by)
    })
}

/// A key for alphabetical order that ignores case and accents.
pub fn title_key(s: &str) -> String {
    deunicode::deunicode(s).to_lowercase()
}

fn sort_pages(list: &mut [String], pages: &BTreeMap<String, Page>, sort_by: SortBy) {
    let title = |k: &String| title_key(pages[k].title());
    match sort_by {
        SortBy::Date => list.sort_by(|a, b| {
            let (pa, pb) = (&pages[a], &pages[b]);
            match (pa.meta.date, pb.meta.date) {
                (Some(x), Some(y)) => y.cmp(&x).then_with(|| title(a).cmp(&title(b))),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => title(a).cmp(&title(b)),
            }
        }),
        SortBy::Weight => list.sort_by(|a, b| {
            let (wa, wb) = (
                pages[a].meta.weight.unwrap_or(i64::MAX),
                pages[b].meta.weight.unwrap_or(i64::MAX),
            );
            wa.cmp(&wb).then_with(|| title(a).cmp(&title(b)))
        }),
        SortBy::Title => list.sort_by_cached_key(title),
        SortBy::None => list.sort(),
    }
}

enum Parsed {
    Page(Page, Vec<Diagnostic>),
    Section(Section, Vec<Diagnostic>),
}

fn parse_file(
    content: &Path,
    rel: &str,
    taxonomy_names: &[&str],
) -> Result<Parsed, Vec<Diagnostic>> {
    let file = PathBuf::from(CONTENT_DIR).join(rel);
    let shown = file.to_string_lossy().replace('\\', "/");
    let text = std::fs::read_to_string(content.join(rel)).map_err(|e| {
        vec![Diagnostic::error(
            &file,
            None,
            format!("lecture impossible : {e}"),
        )]
    })?;
    let split = front_matter::split(&text)
        .map_err(|(line, msg)| vec![Diagnostic::error(&file, Some(line), msg)])?;
    let header = front_matter::parse_header(&split, &shown).map_err(|d| vec![d])?;
    let is_section = rel == "_index.md" || rel.ends_with("/_index.md");
    let body: Arc<str> = Arc::from(split.body);
    let body_line = split.body_line;
    if is_section {
        let mut r = Reader::new(
            &header,
            &shown,
            front_matter::SECTION_KEYS,
            front_matter::SECTION_IGNORED_KEYS,
            "de la section",
        );
        let defaults = SectionMeta::default();
        let meta = SectionMeta {
            title: r.string("title"),
            description: r.string("description"),
            draft: r.boolean("draft").unwrap_or(false),
            sort_by: r.sort_by(),
            weight: r.integer("weight"),
            template: r.string("template"),
            page_template: r.string("page_template"),
            paginate_by: r.positive("paginate_by"),
            paginate_path: r.string("paginate_path").unwrap_or(defaults.paginate_path),
            paginate_reversed: r.boolean("paginate_reversed").unwrap_or(false),
            aliases: r.strings("aliases"),
            extra: r.table("extra"),
            generate_feeds: r.boolean("generate_feeds").unwrap_or(true),
            in_search_index: r.boolean("in_search_index").unwrap_or(true),
        };
        let (errors, warnings): (Vec<_>, Vec<_>) =
            r.problems.into_iter().partition(Diagnostic::is_error);
        if !errors.is_empty() {
            return Err(errors.into_iter().chain(warnings).collect());
        }
        Ok(Parsed::Section(
            Section {
                relative_path: rel.to_string(),
                file,
                meta,
                body,
                body_line,
                path: "/".to_string(),
                parent: None,
                pages: Vec::new(),
                subsections: Vec::new(),
                exists: true,
                lines: header.key_lines.clone(),
            },
            warnings,
        ))
    } else {
        let mut r = Reader::new(
            &header,
            &shown,
            front_matter::PAGE_KEYS,
            front_matter::PAGE_IGNORED_KEYS,
            "de la page",
        );
        let meta = PageMeta {
            title: r.string("title"),
            description: r.string("description"),
            date: r.date("date"),
            updated: r.date("updated"),
            draft: r.boolean("draft").unwrap_or(false),
            weight: r.integer("weight"),
            slug: r.string("slug"),
            path: r.string("path"),
            aliases: r.strings("aliases"),
            template: r.string("template"),
            taxonomies: r.taxonomies(taxonomy_names),
            extra: r.table("extra"),
            authors: r.strings("authors"),
            in_search_index: r.boolean("in_search_index").unwrap_or(true),
        };
        let (errors, warnings): (Vec<_>, Vec<_>) =
            r.problems.into_iter().partition(Diagnostic::is_error);
        if !errors.is_empty() {
            return Err(errors.into_iter().chain(warnings).collect());
        }
        Ok(Parsed::Page(
            Page {
                relative_path: rel.to_string(),
                file,
                meta,
                body,
                body_line,
                slug: String::new(),
                path: String::new(),
                parent: String::new(),
                assets: Vec::new(),
                lines: header.key_lines.clone(),
            },
            warnings,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized() {
        assert_eq!(normalize_path("a/b"), "/a/b/");
        assert_eq!(normalize_path("/a/b/"), "/a/b/");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("vieux/page.html"), "/vieux/page.html");
    }

    #[test]
    fn title_order_ignores_accents() {
        assert!(title_key("École") < title_key("Emploi"));
    }
}
