//! Incremental updates: a changed path classified (`classify`), the changed files read again,
//! and what they affect worked out, as `Updated` (the outputs to render again, and the pages
//! when only their bodies changed).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use super::{OutputId, Site};
use crate::content;
use crate::templates::{PageFields, PageHtml};

/// What changed on disk, as the watcher reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    /// A file under `content/`, relative to it (`guides/cv.md`, `guides/cv/photo.png`).
    Content(String),
    /// A template of the theme or the site; `shortcode` when under `shortcodes/`.
    Template { shortcode: bool },
    /// A static file of the theme or the site.
    Static,
    /// `tremplin.toml`: everything is loaded again.
    Config,
}

/// Turns a changed path into the kind of change it is, or `None` when it does not matter
/// (editor backups, hidden files, the output folder).
pub fn classify(root: &Path, theme: Option<&str>, path: &Path) -> Option<Change> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let name = parts.last()?;
    if name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.starts_with('#')
        || name == "4913"
    {
        return None;
    }
    let first = parts.first()?.as_str();
    match first {
        crate::config::CONFIG_FILE if parts.len() == 1 => Some(Change::Config),
        // The glossary changes how every page is rendered: load everything again.
        crate::editorial::glossary::GLOSSARY_FILE if parts.len() == 1 => Some(Change::Config),
        content::CONTENT_DIR if parts.len() > 1 => Some(Change::Content(parts[1..].join("/"))),
        "templates" if parts.len() > 1 => Some(Change::Template {
            shortcode: parts[1] == "shortcodes",
        }),
        "static" if parts.len() > 1 => Some(Change::Static),
        "themes" if parts.len() > 3 && Some(parts[1].as_str()) == theme => {
            match parts[2].as_str() {
                "templates" => Some(Change::Template {
                    shortcode: parts[3] == "shortcodes",
                }),
                "static" => Some(Change::Static),
                _ => None,
            }
        }
        _ => None,
    }
}

/// What `Site::update` changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Updated {
    /// The templated outputs to render again.
    pub outputs: BTreeSet<OutputId>,
    /// The pages (under `content/`) whose bodies alone changed, when nothing else did: no
    /// output came, went or moved, and no template, static file or file of `content/` other
    /// than Markdown changed. `None` when anything else may have changed.
    pub bodies_of: Option<Vec<String>>,
    /// Of `bodies_of`, the pages whose text in the Atom feeds (their summary, or their whole
    /// HTML when they have none) changed: only the feeds that carry them are made again.
    pub feeds_of: Vec<String>,
}

/// A list of pages shown on listing pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Listing {
    Section(String),
    Term(usize, String),
}

/// A neighbour as a page shows it: title and path.
type NavLink = (String, String);

impl Site {
    /// Applies changes read from disk and says what changed: the outputs to render again, and
    /// the pages when only their bodies changed. After a `Change::Config`, load the site again
    /// instead.
    pub fn update(&mut self, changes: &[Change]) -> Updated {
        let names: Vec<String> = self
            .config
            .taxonomies
            .iter()
            .map(|t| t.name.clone())
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut everything = false;
        let mut shortcodes_changed = false;
        let mut structural = false;
        let mut changed_pages: Vec<String> = Vec::new();
        let mut changed_sections = false;
        for c in changes {
            match c {
                Change::Config => everything = true,
                Change::Template { shortcode } => {
                    everything = true;
                    shortcodes_changed |= *shortcode;
                }
                Change::Static => {}
                Change::Content(rel) if rel.ends_with(".md") => {
                    structural |= self.raw.reload(&self.root, rel, &names);
                    if rel == "_index.md" || rel.ends_with("/_index.md") {
                        changed_sections = true;
                        structural = true;
                    } else {
                        changed_pages.push(rel.clone());
                    }
                }
                Change::Content(rel) => {
                    structural |= self.raw.reload_file(&self.root, rel);
                    // A folder renamed or removed: the Markdown files it held are gone.
                    let prefix = format!("{rel}/");
                    let inside: Vec<String> = self
                        .raw
                        .pages
                        .keys()
                        .chain(self.raw.sections.keys())
                        .filter(|k| k.starts_with(&prefix))
                        .cloned()
                        .collect();
                    for k in inside {
                        structural = true;
                        self.raw.reload(&self.root, &k, &names);
                        if k.ends_with("_index.md") {
                            changed_sections = true;
                        } else {
                            changed_pages.push(k);
                        }
                    }
                    let files: Vec<String> = self
                        .raw
                        .files
                        .iter()
                        .filter(|f| f.starts_with(&prefix))
                        .cloned()
                        .collect();
                    for f in files {
                        structural |= self.raw.reload_file(&self.root, &f);
                    }
                }
            }
        }
        let mut dirty: BTreeSet<OutputId> = BTreeSet::new();
        if everything {
            self.load_templates();
            self.body_readers = None;
        }

        if !structural {
            // Bodies only: the pages, the listings that show a part of their HTML that changed,
            // and what reads page bodies.
            let mut html_changed: HashMap<String, PageFields> = HashMap::new();
            let mut feeds_of: Vec<String> = Vec::new();
            for rel in &changed_pages {
                let (Some(raw), Some(page)) =
                    (self.raw.pages.get(rel), self.library.pages.get_mut(rel))
                else {
                    continue;
                };
                page.body = raw.body.clone();
            }
            if shortcodes_changed {
                self.render_markdown(None);
                self.refresh_data(None);
                self.run_checks();
            } else {
                if !changed_pages.is_empty() {
                    let before = self.page_html_of(&changed_pages);
                    self.render_markdown(Some(&changed_pages));
                    // Listings read through functions carry no body: only these pages' values change.
                    self.refresh_page_values(&changed_pages);
                    self.recheck_anchors(&changed_pages);
                    let after = self.page_html_of(&changed_pages);
                    let feed_text =
                        |h: &PageHtml| h.summary.clone().unwrap_or_else(|| h.content.clone());
                    feeds_of = changed_pages
                        .iter()
                        .filter(|k| match (before.get(*k), after.get(*k)) {
                            (Some(b), Some(a)) => feed_text(a) != feed_text(b),
                            _ => true,
                        })
                        .cloned()
                        .collect();
                    html_changed = changed_pages
                        .iter()
                        .map(|k| {
                            let parts = match (before.get(k), after.get(k)) {
                                (Some(b), Some(a)) => a.differences(b),
                                _ => PageFields::ALL,
                            };
                            (k.clone(), parts)
                        })
                        .collect();
                }
                if everything {
                    self.run_checks();
                }
            }
            if everything {
                return Updated {
                    outputs: self.all_outputs().into_iter().collect(),
                    bodies_of: None,
                    feeds_of: Vec::new(),
                };
            }
            for rel in &changed_pages {
                if self.library.pages.contains_key(rel) {
                    dirty.insert(OutputId::Page(rel.clone()));
                    let parts = html_changed.get(rel).copied().unwrap_or(PageFields::ALL);
                    dirty.extend(self.listings_showing(rel, parts));
                }
            }
            if !changed_pages.is_empty() {
                let readers = match self.body_readers.take() {
                    Some(r) => r,
                    None => self.outputs_reading(true),
                };
                dirty.extend(readers.iter().cloned());
                self.body_readers = Some(readers);
            }
            let copies = changes.iter().any(|c| {
                matches!(c, Change::Static)
                    || matches!(c, Change::Content(r) if !r.ends_with(".md"))
            });
            let bodies_only = !everything && !shortcodes_changed && !copies;
            return Updated {
                outputs: dirty,
                bodies_of: bodies_only.then_some(changed_pages),
                feeds_of,
            };
        }

        // Front matter, files added or removed: assemble again and render what depends on it.
        let before_neighbours = self.neighbour_titles();
        let listings_before = self.listings_holding(&changed_pages);
        let before_paths: HashMap<String, String> = self
            .library
            .pages
            .iter()
            .map(|(k, p)| (k.clone(), p.path.clone()))
            .collect();
        self.library = content::assemble(&self.raw, &self.config, self.options.drafts);
        self.rebuild_link_targets();
        self.body_readers = None;
        self.build_taxonomies();
        if changed_sections || shortcodes_changed || everything {
            self.render_markdown(None);
            self.refresh_data(None);
        } else {
            // The changed pages, and the pages that link to a page that moved, came or went.
            let moved: HashSet<&String> = changed_pages
                .iter()
                .filter(|k| before_paths.get(*k) != self.library.pages.get(*k).map(|p| &p.path))
                .collect();
            let mut again: Vec<String> = changed_pages.clone();
            for (k, r) in &self.pages_html {
                if r.wanted.iter().any(|w| moved.contains(w)) {
                    again.push(k.clone());
                }
            }
            again.sort();
            again.dedup();
            self.render_markdown(Some(&again));
            self.refresh_data(Some(&again));
            for k in &again {
                dirty.insert(OutputId::Page(k.clone()));
            }
        }
        self.run_checks();
        if changed_sections || everything {
            return Updated {
                outputs: self.all_outputs().into_iter().collect(),
                bodies_of: None,
                feeds_of: Vec::new(),
            };
        }
        for rel in &changed_pages {
            if self.library.pages.contains_key(rel) {
                dirty.insert(OutputId::Page(rel.clone()));
            }
        }
        // The same listings as before (those still there), and those the pages joined.
        let mut listings_after = self.listings_holding(&changed_pages);
        for key in listings_before.keys() {
            if !listings_after.contains_key(key) {
                if let Some(list) = self.listing(key) {
                    listings_after.insert(key.clone(), list);
                }
            }
        }
        dirty.extend(self.changed_pagers(&listings_before, &listings_after, &changed_pages));
        let after_neighbours = self.neighbour_titles();
        for (k, v) in &after_neighbours {
            if before_neighbours.get(k) != Some(v) {
                dirty.insert(OutputId::Page(k.clone()));
            }
        }
        for ti in 0..self.taxonomies.len() {
            dirty.insert(OutputId::TaxonomyList(ti));
        }
        dirty.extend(self.outputs_reading(false));
        // Listings that no longer exist (fewer pages) simply drop out of `all_outputs`.
        let all: HashSet<OutputId> = self.all_outputs().into_iter().collect();
        dirty.retain(|id| all.contains(id));
        Updated {
            outputs: dirty,
            bodies_of: None,
            feeds_of: Vec::new(),
        }
    }

    fn neighbour_titles(&self) -> HashMap<String, (Option<NavLink>, Option<NavLink>)> {
        let show = |o: Option<&str>| {
            o.map(|k| {
                (
                    self.library.pages[k].title().to_string(),
                    self.library.pages[k].path.clone(),
                )
            })
        };
        self.neighbours()
            .into_iter()
            .map(|(k, (l, h))| (k.to_string(), (show(l), show(h))))
            .collect()
    }

    /// The outputs whose template reads other pages (as `Reads` says).
    fn outputs_reading(&self, body: bool) -> Vec<OutputId> {
        let Some(tpl) = &self.templates else {
            return Vec::new();
        };
        let mut cache: HashMap<String, bool> = HashMap::new();
        self.all_outputs()
            .into_iter()
            .filter(|id| {
                let Some(name) = self.output_template(id) else {
                    return false;
                };
                *cache.entry(name.clone()).or_insert_with(|| {
                    let r = tpl.reads(&name);
                    if body {
                        r.pages_body
                    } else {
                        r.pages_meta
                    }
                })
            })
            .collect()
    }

    /// The HTML parts of `pages` as the shared data holds them.
    fn page_html_of(&self, pages: &[String]) -> HashMap<String, PageHtml> {
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        pages
            .iter()
            .filter_map(|k| data.pages_html.get(k).map(|h| (k.clone(), h.clone())))
            .collect()
    }

    /// The listing pages of `page` whose template shows one of the `parts` of its HTML.
    fn listings_showing(&self, page: &str, parts: PageFields) -> Vec<OutputId> {
        let Some(tpl) = &self.templates else {
            return Vec::new();
        };
        if parts.is_empty() {
            return Vec::new();
        }
        self.listings_of(page)
            .into_iter()
            .filter(|id| {
                self.output_template(id)
                    .is_some_and(|name| tpl.listed_fields(&name).meets(parts))
            })
            .collect()
    }

    /// The section pages and term pages that list `page`: (listing, page index) pairs.
    fn listings_of(&self, page: &str) -> Vec<OutputId> {
        let mut ids = Vec::new();
        if let Some(p) = self.library.pages.get(page) {
            if let Some(s) = self.library.sections.get(&p.parent) {
                let at = s.pages.iter().position(|k| k == page).unwrap_or(0);
                let i = content::effective_paginate_by(s, &self.config)
                    .map(|by| at / by + 1)
                    .unwrap_or(1);
                ids.push(OutputId::Section(s.relative_path.clone(), i));
            }
        }
        for (ti, t) in self.taxonomies.iter().enumerate() {
            for term in &t.terms {
                if let Some(at) = term.pages.iter().position(|k| k == page) {
                    let i = t.config.paginate_by.map(|by| at / by + 1).unwrap_or(1);
                    ids.push(OutputId::Term(ti, term.slug.clone(), i));
                }
            }
        }
        ids
    }

    /// The listings (sections and terms) that hold any of `pages`, with their page lists and
    /// how many pages a listing page shows.
    fn listings_holding(&self, pages: &[String]) -> HashMap<Listing, (Vec<String>, Option<usize>)> {
        let mut out = HashMap::new();
        for page in pages {
            if let Some(p) = self.library.pages.get(page) {
                if let Some(s) = self.library.sections.get(&p.parent) {
                    out.entry(Listing::Section(s.relative_path.clone()))
                        .or_insert_with(|| {
                            (
                                s.pages.clone(),
                                content::effective_paginate_by(s, &self.config),
                            )
                        });
                }
            }
            for (ti, t) in self.taxonomies.iter().enumerate() {
                for term in t
                    .terms
                    .iter()
                    .filter(|term| term.pages.iter().any(|k| k == page))
                {
                    out.entry(Listing::Term(ti, term.slug.clone()))
                        .or_insert_with(|| (term.pages.clone(), t.config.paginate_by));
                }
            }
        }
        out
    }

    /// A listing's pages and page size, if it still exists.
    fn listing(&self, key: &Listing) -> Option<(Vec<String>, Option<usize>)> {
        match key {
            Listing::Section(k) => {
                let s = self.library.sections.get(k)?;
                Some((
                    s.pages.clone(),
                    content::effective_paginate_by(s, &self.config),
                ))
            }
            Listing::Term(ti, slug) => {
                let t = self.taxonomies.get(*ti)?;
                let term = t.terms.iter().find(|x| &x.slug == slug)?;
                Some((term.pages.clone(), t.config.paginate_by))
            }
        }
    }

    /// The listing pages to render again: all of a listing when its number of pages changed,
    /// else those whose pages changed order or that show a changed page.
    fn changed_pagers(
        &self,
        before: &HashMap<Listing, (Vec<String>, Option<usize>)>,
        after: &HashMap<Listing, (Vec<String>, Option<usize>)>,
        changed: &[String],
    ) -> Vec<OutputId> {
        let mut out = Vec::new();
        let empty = (Vec::new(), None);
        let keys: HashSet<&Listing> = before.keys().chain(after.keys()).collect();
        for key in keys {
            let (old, by_old) = before.get(key).unwrap_or(&empty);
            let (new, by_new) = after.get(key).unwrap_or(&empty);
            let by = by_new.or(*by_old).unwrap_or(usize::MAX);
            let pagers = |n: usize| {
                if by == usize::MAX {
                    1
                } else {
                    n.div_ceil(by).max(1)
                }
            };
            let n = pagers(new.len());
            let slice = |list: &[String], i: usize| -> Vec<String> {
                list.iter()
                    .skip((i - 1).saturating_mul(by))
                    .take(by)
                    .cloned()
                    .collect()
            };
            for i in 1..=n {
                let fresh = slice(new, i);
                if pagers(old.len()) != n
                    || slice(old, i) != fresh
                    || fresh.iter().any(|k| changed.contains(k))
                {
                    out.push(match key {
                        Listing::Section(k) => OutputId::Section(k.clone(), i),
                        Listing::Term(ti, slug) => OutputId::Term(*ti, slug.clone(), i),
                    });
                }
            }
        }
        out
    }
}
