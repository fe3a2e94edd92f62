//! The site: runs the stages (config, content, Markdown, taxonomies, templates), renders every
//! output in memory (nothing is written unless the whole site rendered without error), and
//! after a change re-renders only the outputs the change affects.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use rayon::prelude::*;
use serde_json::{json, Map, Value};
use tera::Context;

use crate::config::{Config, TaxonomyConfig};
use crate::content::{self, Library, Page, Raw, Section};
use crate::diagnostics::{suggestion, Diagnostic, Diagnostics};
use crate::feeds;
use crate::markdown::{self, LinkTarget, Rendered};
use crate::output::{Content, OutputFile};
use crate::slug::slugify;
use crate::sources;
use crate::templates::{self, PageHtml, SharedData, SiteData, Templates};

/// What a build is asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Where the site is written; relative paths are taken from the site's root.
    pub output: PathBuf,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Only `tremplin serve` sets it: templates may then add the live-reload script.
    pub live_reload: bool,
    /// Show a progress bar on long builds.
    pub progress: bool,
    /// Return the search documents of the site with the build's report.
    pub documents: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions {
            root: root.into(),
            output: PathBuf::from("public"),
            base_url: None,
            drafts: false,
            live_reload: false,
            progress: false,
            documents: false,
        }
    }

    /// The output folder, resolved against the site's root.
    pub fn output_dir(&self) -> PathBuf {
        if self.output.is_absolute() {
            self.output.clone()
        } else {
            self.root.join(&self.output)
        }
    }
}

/// A taxonomy and its terms, as found in the pages.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub config: TaxonomyConfig,
    pub slug: String,
    pub terms: Vec<Term>,
}

/// One term and its pages (newest first, then by title).
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub name: String,
    pub slug: String,
    pub pages: Vec<String>,
}

/// One templated output of the site.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputId {
    Page(String),
    /// A section's listing page (from 1).
    Section(String, usize),
    /// The list of a taxonomy's terms (index in `Site::taxonomies`).
    TaxonomyList(usize),
    /// A term's listing page: taxonomy index, term slug, page (from 1).
    Term(usize, String, usize),
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub pages: usize,
    pub sections: usize,
    pub terms: usize,
    pub files: usize,
}

/// Everything a build produces, in memory.
pub struct SiteOutput {
    pub files: Vec<OutputFile>,
    /// Warnings (a successful render has no error).
    pub diagnostics: Diagnostics,
    pub stats: Stats,
    pub duration: std::time::Duration,
}

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

/// A list of pages shown on listing pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Listing {
    Section(String),
    Term(usize, String),
}

/// A neighbour as a page shows it: title and path.
type NavLink = (String, String);

/// A loaded site, its Markdown rendered, ready for templates.
pub struct Site {
    pub root: PathBuf,
    pub options: BuildOptions,
    pub config: Config,
    raw: Raw,
    pub library: Library,
    pub templates: Option<Templates>,
    /// The templates with the site functions bound to `data`.
    tera: Option<tera::Tera>,
    data: SharedData,
    pub pages_html: HashMap<String, Rendered>,
    pub sections_html: HashMap<String, Rendered>,
    pub taxonomies: Vec<Taxonomy>,
    template_problems: Vec<Diagnostic>,
    check_problems: Vec<Diagnostic>,
    /// Anchor problems by the page or section holding the link.
    anchor_problems: HashMap<String, Vec<Diagnostic>>,
    /// Target → the pages and sections that link to one of its anchors (may hold extra ones).
    anchor_links_to: HashMap<String, HashSet<String>>,
    /// Where `@/` links may point; rebuilt when pages come, go or move.
    link_targets: HashMap<String, LinkTarget>,
    /// The outputs whose template reads page bodies; recomputed after structural changes.
    body_readers: Option<Vec<OutputId>>,
}

/// What `Site::update` changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Updated {
    /// The templated outputs to render again.
    pub outputs: BTreeSet<OutputId>,
    /// The pages (under `content/`) whose bodies alone changed, when nothing else did: no
    /// output came, went or moved, and no template, shortcode, static or content file changed.
    /// `None` when anything else may have changed.
    pub bodies_of: Option<Vec<String>>,
}

/// Loads and renders the whole site in memory. Every problem of every file comes back at once.
pub fn render_site(options: &BuildOptions) -> Result<SiteOutput, Diagnostics> {
    let started = Instant::now();
    let site = Site::load(options)?;
    let mut diags = site.diagnostics();
    let (mut files, problems) = site.render(&site.all_outputs());
    diags.extend(problems);
    let (extra, problems) = site.extras(&files);
    diags.extend(problems);
    files.extend(extra);
    if diags.has_errors() {
        return Err(diags.sorted());
    }
    let stats = site.stats(files.len());
    Ok(SiteOutput {
        files,
        diagnostics: diags.sorted(),
        stats,
        duration: started.elapsed(),
    })
}

impl Site {
    /// Reads the configuration, templates and content and renders the Markdown.
    /// Fails only when the configuration cannot be read; other problems are in `diagnostics()`.
    pub fn load(options: &BuildOptions) -> Result<Site, Diagnostics> {
        let root = options.root.clone();
        let mut config = Config::load(&root).map_err(|e| {
            let mut d = Diagnostics::new();
            d.extend(e);
            d
        })?;
        if let Some(url) = &options.base_url {
            config.base_url = url.clone();
        }
        let names: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
        let raw = Raw::read_all(&root, &names);
        let library = content::assemble(&raw, &config, options.drafts);
        let mut site = Site {
            root,
            options: options.clone(),
            config,
            raw,
            library,
            templates: None,
            tera: None,
            data: Arc::new(RwLock::new(SiteData::default())),
            pages_html: HashMap::new(),
            sections_html: HashMap::new(),
            taxonomies: Vec::new(),
            template_problems: Vec::new(),
            check_problems: Vec::new(),
            anchor_problems: HashMap::new(),
            anchor_links_to: HashMap::new(),
            link_targets: HashMap::new(),
            body_readers: None,
        };
        site.load_templates();
        site.rebuild_link_targets();
        site.render_markdown(None);
        site.build_taxonomies();
        site.refresh_data(None);
        site.run_checks();
        Ok(site)
    }

    fn load_templates(&mut self) {
        let (templates, problems) = Templates::load(&self.root, &self.config);
        self.template_problems = problems;
        self.tera = templates.as_ref().map(|t| {
            let mut tera = t.tera.clone();
            templates::register_site_functions(&mut tera, self.data.clone());
            tera
        });
        self.templates = templates;
    }

    /// Every problem known now: content, Markdown, templates and site-wide checks.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut d = Diagnostics::new();
        d.extend(self.raw.problems.values().flatten().cloned());
        d.extend(self.raw.other_problems.iter().cloned());
        d.extend(self.template_problems.iter().cloned());
        for (k, r) in &self.pages_html {
            if let Some(p) = self.library.pages.get(k) {
                d.extend(
                    r.problems
                        .iter()
                        .map(|(line, msg)| Diagnostic::error(&p.file, Some(*line), msg.clone())),
                );
            }
        }
        for (k, r) in &self.sections_html {
            if let Some(s) = self.library.sections.get(k) {
                d.extend(
                    r.problems
                        .iter()
                        .map(|(line, msg)| Diagnostic::error(&s.file, Some(*line), msg.clone())),
                );
            }
        }
        d.extend(self.check_problems.iter().cloned());
        d.extend(self.anchor_problems.values().flatten().cloned());
        d
    }

    pub fn stats(&self, files: usize) -> Stats {
        Stats {
            pages: self.library.pages.len(),
            sections: self.library.sections.values().filter(|s| s.exists).count(),
            terms: self.taxonomies.iter().map(|t| t.terms.len()).sum(),
            files,
        }
    }

    fn permalink(&self, path: &str) -> String {
        self.config.permalink(path)
    }

    fn config_value(&self) -> Value {
        json!({
            "title": self.config.title,
            "description": self.config.description,
            "base_url": self.config.base(),
            "language": self.config.language,
            "taxonomies": self.config.taxonomies,
            "extra": self.config.extra,
        })
    }

    /// Renders the Markdown of the given pages (all pages and sections when `None`).
    /// Rebuilds the map of `@/` link targets from the library.
    fn rebuild_link_targets(&mut self) {
        let mut targets: HashMap<String, LinkTarget> = HashMap::new();
        for p in self.library.pages.values() {
            targets.insert(
                p.relative_path.clone(),
                LinkTarget {
                    permalink: self.permalink(&p.path),
                    draft: false,
                },
            );
        }
        for s in self.library.sections.values().filter(|s| s.exists) {
            targets.insert(
                s.relative_path.clone(),
                LinkTarget {
                    permalink: self.permalink(&s.path),
                    draft: false,
                },
            );
        }
        for d in &self.library.drafts {
            targets.entry(d.clone()).or_insert(LinkTarget {
                permalink: String::new(),
                draft: true,
            });
        }
        self.link_targets = targets;
    }

    fn render_markdown(&mut self, pages: Option<&[String]>) {
        let targets = &self.link_targets;
        let config_value = self.config_value();
        let base = self.config.base().to_string();
        let templates = self.templates.as_ref();
        let render_one = |rel: &str, path: &str, title: &str, body: &str, first_line: usize| {
            let permalink = self.permalink(path);
            let page_ref =
                json!({"title": title, "path": path, "permalink": permalink, "relative_path": rel});
            let shortcodes = templates.map(|t| templates::Shortcodes {
                templates: t,
                page: page_ref,
                config: &config_value,
            });
            let ctx = markdown::Context {
                targets,
                base_url: &base,
                permalink: &permalink,
                shortcodes: shortcodes
                    .as_ref()
                    .map(|s| s as &dyn markdown::ShortcodeRenderer),
                raw_html: self.config.raw_html_allowed(rel),
            };
            markdown::render(body, first_line, &ctx)
        };
        let keys: Vec<&String> = match pages {
            Some(list) => list
                .iter()
                .filter(|k| self.library.pages.contains_key(*k))
                .collect(),
            None => self.library.pages.keys().collect(),
        };
        let rendered: Vec<(String, Rendered)> = keys
            .par_iter()
            .map(|k| {
                let p = &self.library.pages[*k];
                (
                    (*k).clone(),
                    render_one(k, &p.path, p.title(), &p.body, p.body_line),
                )
            })
            .collect();
        let sections: Option<Vec<(String, Rendered)>> = pages.is_none().then(|| {
            self.library
                .sections
                .par_iter()
                .map(|(k, s)| {
                    (
                        k.clone(),
                        render_one(k, &s.path, s.title(), &s.body, s.body_line),
                    )
                })
                .collect()
        });
        self.pages_html.extend(rendered);
        if let Some(sections) = sections {
            self.sections_html = sections.into_iter().collect();
        }
        if pages.is_none() || self.pages_html.len() != self.library.pages.len() {
            let lib = &self.library;
            self.pages_html.retain(|k, _| lib.pages.contains_key(k));
        }
    }

    /// Site-wide checks: anchors, templates that exist, routes that collide.
    fn run_checks(&mut self) {
        let mut problems = Vec::new();
        self.check_templates_exist(&mut problems);
        self.check_duplicate_routes(&mut problems);
        self.check_sources(&mut problems);
        self.check_problems = problems;
        self.check_anchors();
    }

    /// The anchor problems of the links of one page or section.
    fn anchor_problems_of(&self, source: &str) -> Vec<Diagnostic> {
        let (file, r) = match (self.library.pages.get(source), self.pages_html.get(source)) {
            (Some(p), Some(r)) => (&p.file, r),
            _ => match (
                self.library.sections.get(source),
                self.sections_html.get(source),
            ) {
                (Some(s), Some(r)) => (&s.file, r),
                _ => return Vec::new(),
            },
        };
        let anchors_of = |rel: &str| {
            self.pages_html
                .get(rel)
                .or_else(|| self.sections_html.get(rel))
                .map(|r| &r.anchors)
        };
        let mut problems = Vec::new();
        for link in &r.links {
            let Some(anchor) = &link.anchor else { continue };
            let Some(anchors) = anchors_of(&link.target) else {
                continue;
            };
            if !anchors.contains(anchor) {
                problems.push(Diagnostic::error(
                    file,
                    Some(link.line),
                    format!(
                        "ancre introuvable : « @/{}#{anchor} » ne correspond à aucun titre de cette page{}",
                        link.target,
                        suggestion(anchor, anchors.iter().map(String::as_str))
                    ),
                ));
            }
        }
        problems
    }

    /// Checks every link to an anchor.
    fn check_anchors(&mut self) {
        let mut links_to: HashMap<String, HashSet<String>> = HashMap::new();
        for (k, r) in self.pages_html.iter().chain(self.sections_html.iter()) {
            for link in r.links.iter().filter(|l| l.anchor.is_some()) {
                links_to
                    .entry(link.target.clone())
                    .or_default()
                    .insert(k.clone());
            }
        }
        let sources: Vec<String> = self
            .pages_html
            .keys()
            .chain(self.sections_html.keys())
            .cloned()
            .collect();
        self.anchor_problems = sources
            .into_iter()
            .map(|k| (k.clone(), self.anchor_problems_of(&k)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        self.anchor_links_to = links_to;
    }

    /// Checks again the links of the changed pages and the links to them.
    fn recheck_anchors(&mut self, changed: &[String]) {
        let mut sources: HashSet<String> = changed.iter().cloned().collect();
        for c in changed {
            if let Some(from) = self.anchor_links_to.get(c) {
                sources.extend(from.iter().cloned());
            }
            if let Some(r) = self.pages_html.get(c) {
                for link in r.links.iter().filter(|l| l.anchor.is_some()) {
                    self.anchor_links_to
                        .entry(link.target.clone())
                        .or_default()
                        .insert(c.clone());
                }
            }
        }
        for k in sources {
            let problems = self.anchor_problems_of(&k);
            if problems.is_empty() {
                self.anchor_problems.remove(&k);
            } else {
                self.anchor_problems.insert(k, problems);
            }
        }
    }

    fn build_taxonomies(&mut self) {
        let mut taxonomies = Vec::new();
        for tc in &self.config.taxonomies {
            let mut terms: BTreeMap<String, Term> = BTreeMap::new();
            for (rel, p) in &self.library.pages {
                let Some(names) = p.meta.taxonomies.get(&tc.name) else {
                    continue;
                };
                for name in names {
                    let slug = slugify(name);
                    if slug.is_empty() {
                        continue;
                    }
                    let term = terms.entry(slug.clone()).or_insert_with(|| Term {
                        name: name.clone(),
                        slug,
                        pages: Vec::new(),
                    });
                    if !term.pages.contains(rel) {
                        term.pages.push(rel.clone());
                    }
                }
            }
            let mut terms: Vec<Term> = terms.into_values().collect();
            let pages = &self.library.pages;
            for t in &mut terms {
                t.pages.sort_by_cached_key(|k| {
                    let p = &pages[k];
                    (
                        std::cmp::Reverse(p.meta.date),
                        content::title_key(p.title()),
                    )
                });
            }
            terms.sort_by_cached_key(|t| content::title_key(&t.name));
            taxonomies.push(Taxonomy {
                slug: slugify(&tc.name),
                config: tc.clone(),
                terms,
            });
        }
        self.taxonomies = taxonomies;
    }

    fn page_template(&self, p: &Page) -> String {
        p.meta
            .template
            .clone()
            .or_else(|| {
                self.library
                    .sections
                    .get(&p.parent)
                    .and_then(|s| s.meta.page_template.clone())
            })
            .unwrap_or_else(|| "page.html".to_string())
    }

    fn section_template(&self, s: &Section) -> String {
        s.meta.template.clone().unwrap_or_else(|| {
            if s.relative_path == "_index.md" {
                "index.html"
            } else {
                "section.html"
            }
            .to_string()
        })
    }

    fn taxonomy_templates(t: &Taxonomy) -> ([String; 2], [String; 2]) {
        (
            [
                format!("{}/list.html", t.config.name),
                "taxonomy_list.html".to_string(),
            ],
            [
                format!("{}/single.html", t.config.name),
                "taxonomy_single.html".to_string(),
            ],
        )
    }

    /// The template that renders an output, if it exists.
    fn output_template(&self, id: &OutputId) -> Option<String> {
        let tpl = self.templates.as_ref()?;
        let name = match id {
            OutputId::Page(k) => self.page_template(self.library.pages.get(k)?),
            OutputId::Section(k, _) => self.section_template(self.library.sections.get(k)?),
            OutputId::TaxonomyList(i) => {
                let names = Self::taxonomy_templates(self.taxonomies.get(*i)?).0;
                names.iter().find(|n| tpl.has(n))?.clone()
            }
            OutputId::Term(i, _, _) => {
                let names = Self::taxonomy_templates(self.taxonomies.get(*i)?).1;
                names.iter().find(|n| tpl.has(n))?.clone()
            }
        };
        tpl.has(&name).then_some(name)
    }

    fn check_templates_exist(&self, problems: &mut Vec<Diagnostic>) {
        let Some(tpl) = &self.templates else { return };
        let known: Vec<&str> = tpl.files.keys().map(String::as_str).collect();
        let missing = |name: &str| {
            format!(
                "gabarit « {name} » introuvable dans templates/ ni dans le thème{}",
                suggestion(name, known.iter().copied())
            )
        };
        for p in self.library.pages.values() {
            let name = self.page_template(p);
            if !tpl.has(&name) {
                let line = p.lines.get("template").copied();
                let file = if p.meta.template.is_none() {
                    self.library
                        .sections
                        .get(&p.parent)
                        .map(|s| s.file.clone())
                        .unwrap_or_else(|| p.file.clone())
                } else {
                    p.file.clone()
                };
                problems.push(Diagnostic::error(file, line, missing(&name)));
            }
        }
        for s in self.library.sections.values() {
            let name = self.section_template(s);
            if !tpl.has(&name) {
                problems.push(Diagnostic::error(
                    &s.file,
                    s.lines.get("template").copied(),
                    missing(&name),
                ));
            }
        }
        for t in &self.taxonomies {
            let (list, single) = Self::taxonomy_templates(t);
            for names in [list, single] {
                if !names.iter().any(|n| tpl.has(n)) {
                    problems.push(Diagnostic::error(
                        crate::config::CONFIG_FILE,
                        None,
                        missing(&names[1]),
                    ));
                }
            }
        }
    }

    /// Every generated route with the file it comes from, to find two that collide.
    /// The `source` calls must name the site, its address and the day of the check, when the
    /// theme's `source` shortcode takes a date (ours does).
    fn check_sources(&self, problems: &mut Vec<Diagnostic>) {
        let dated = self.templates.as_ref();
        if dated.is_some_and(|t| t.shortcode_takes(sources::SHORTCODE, "date")) {
            problems.extend(sources::problems_beyond_rendering(
                &self.library,
                sources::today(),
            ));
        }
    }

    fn check_duplicate_routes(&self, problems: &mut Vec<Diagnostic>) {
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        let mut add =
            |route: String, file: &Path, line: Option<usize>, problems: &mut Vec<Diagnostic>| {
                let out = output_path(&route);
                if let Some(first) = seen.get(&out) {
                    problems.push(Diagnostic::error(
                        file,
                        line,
                        format!(
                            "chemin de sortie en double : {route} est déjà produit par {}",
                            first.display()
                        ),
                    ));
                } else {
                    seen.insert(out, file.to_path_buf());
                }
            };
        for s in self.library.sections.values() {
            add(s.path.clone(), &s.file, None, problems);
            for a in &s.meta.aliases {
                add(
                    content::normalize_path(a),
                    &s.file,
                    s.lines.get("aliases").copied(),
                    problems,
                );
            }
        }
        for p in self.library.pages.values() {
            add(
                p.path.clone(),
                &p.file,
                p.lines.get("path").or(p.lines.get("slug")).copied(),
                problems,
            );
            for a in &p.meta.aliases {
                add(
                    content::normalize_path(a),
                    &p.file,
                    p.lines.get("aliases").copied(),
                    problems,
                );
            }
        }
        let config = PathBuf::from(crate::config::CONFIG_FILE);
        for t in &self.taxonomies {
            add(format!("/{}/", t.slug), &config, None, problems);
        }
    }

    /// A page as templates see it, without its HTML (see `templates::PageHtml`).
    fn page_value(&self, p: &Page) -> Value {
        let mut m = Map::new();
        m.insert("relative_path".into(), json!(p.relative_path));
        m.insert("title".into(), json!(p.meta.title));
        m.insert("description".into(), json!(p.meta.description));
        m.insert("date".into(), json!(p.meta.date.map(|d| d.to_string())));
        m.insert(
            "updated".into(),
            json!(p.meta.updated.map(|d| d.to_string())),
        );
        m.insert("draft".into(), json!(p.meta.draft));
        m.insert("weight".into(), json!(p.meta.weight));
        m.insert("slug".into(), json!(p.slug));
        m.insert("path".into(), json!(p.path));
        m.insert("permalink".into(), json!(self.permalink(&p.path)));
        m.insert("taxonomies".into(), json!(p.meta.taxonomies));
        m.insert("extra".into(), json!(p.meta.extra));
        m.insert("authors".into(), json!(p.meta.authors));
        m.insert(
            "components".into(),
            json!(p.path.trim_matches('/').split('/').collect::<Vec<_>>()),
        );
        m.insert(
            "ancestors".into(),
            json!(self.library.ancestors(Some(&p.parent))),
        );
        m.insert("in_search_index".into(), json!(p.meta.in_search_index));
        Value::Object(m)
    }

    /// Forgets the Markdown sources once rendered: a one-off build does not render them again
    /// (the preview keeps them for its incremental rebuilds).
    pub fn forget_sources(&mut self) {
        let empty: Arc<str> = Arc::from("");
        for p in self
            .raw
            .pages
            .values_mut()
            .chain(self.library.pages.values_mut())
        {
            p.body = empty.clone();
        }
    }

    /// Moves a page's freshly rendered HTML out of its `Rendered` into the shared data.
    fn take_html(&mut self, rel: &str) -> Option<PageHtml> {
        let p = self.library.pages.get(rel)?;
        let assets: Vec<String> = p
            .assets
            .iter()
            .map(|a| self.config.permalink(&format!("{}{a}", p.path)))
            .collect();
        let r = self.pages_html.get_mut(rel)?;
        Some(PageHtml {
            content: std::mem::take(&mut r.html),
            summary: r.summary.take(),
            toc: json!(std::mem::take(&mut r.toc)),
            word_count: r.word_count,
            assets: json!(assets),
        })
    }

    /// A page's HTML and summary, for feeds.
    pub fn page_content(&self, rel: &str) -> Option<(String, Option<String>)> {
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        data.pages_html
            .get(rel)
            .map(|h| (h.content.clone(), h.summary.clone()))
    }

    fn section_value(&self, s: &Section, pages: Vec<Value>) -> Value {
        let (html, toc, words) = match self.sections_html.get(&s.relative_path) {
            Some(r) => (r.html.as_str(), json!(r.toc), r.word_count),
            None => ("", json!([]), 0),
        };
        json!({
            "relative_path": s.relative_path,
            "title": s.meta.title,
            "description": s.meta.description,
            "path": s.path,
            "permalink": self.permalink(&s.path),
            "content": html,
            "toc": toc,
            "word_count": words,
            "extra": s.meta.extra,
            "ancestors": self.library.ancestors(s.parent.as_deref()),
            "components": s.path.trim_matches('/').split('/').filter(|c| !c.is_empty()).collect::<Vec<_>>(),
            "pages": pages,
            "subsections": s.subsections,
            "sort_by": content::effective_sort(s, &self.config),
            "paginate_by": content::effective_paginate_by(s, &self.config),
        })
    }

    fn term_value(&self, t: &Taxonomy, term: &Term, pages: Option<Vec<Value>>) -> Value {
        let mut v = json!({
            "name": term.name,
            "slug": term.slug,
            "permalink": self.permalink(&format!("/{}/{}/", t.slug, term.slug)),
            "page_count": term.pages.len(),
        });
        if let Some(p) = pages {
            v["pages"] = Value::Array(p);
        }
        v
    }

    fn taxonomy_value(&self, t: &Taxonomy) -> Value {
        json!({
            "name": t.config.name,
            "slug": t.slug,
            "permalink": self.permalink(&format!("/{}/", t.slug)),
            "paginate_by": t.config.paginate_by,
        })
    }

    /// Updates the HTML of pages whose body alone changed.
    fn refresh_page_values(&mut self, pages: &[String]) {
        let parts: Vec<(String, PageHtml)> = pages
            .iter()
            .filter_map(|k| self.take_html(k).map(|h| (k.clone(), h)))
            .collect();
        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        data.pages_html.extend(parts);
    }

    /// Brings the shared data up to date: the given pages' values and HTML (all when `None`:
    /// their Markdown was just rendered), and every section and taxonomy.
    fn refresh_data(&mut self, pages: Option<&[String]>) {
        let keys: Vec<String> = match pages {
            Some(list) => list
                .iter()
                .filter(|k| self.library.pages.contains_key(*k))
                .cloned()
                .collect(),
            None => self.library.pages.keys().cloned().collect(),
        };
        let lights: Vec<Value> = keys
            .par_iter()
            .map(|k| self.page_value(&self.library.pages[k]))
            .collect();
        let parts: Vec<Option<PageHtml>> = keys.iter().map(|k| self.take_html(k)).collect();
        let sections: Vec<(String, Value, Vec<String>)> = self
            .library
            .sections
            .iter()
            .map(|(k, s)| {
                (
                    k.clone(),
                    self.section_value(s, Vec::new()),
                    s.pages.clone(),
                )
            })
            .collect();
        let taxonomies: Vec<(String, Value, Vec<Vec<String>>)> = self
            .taxonomies
            .iter()
            .map(|t| {
                let terms: Vec<Value> = t
                    .terms
                    .iter()
                    .map(|term| self.term_value(t, term, None))
                    .collect();
                (
                    t.config.name.clone(),
                    json!({"taxonomy": self.taxonomy_value(t), "terms": terms}),
                    t.terms.iter().map(|term| term.pages.clone()).collect(),
                )
            })
            .collect();
        let permalinks: HashMap<String, String> = self
            .library
            .pages
            .iter()
            .map(|(k, p)| (k.clone(), self.permalink(&p.path)))
            .chain(
                self.library
                    .sections
                    .iter()
                    .map(|(k, s)| (k.clone(), self.permalink(&s.path))),
            )
            .collect();
        let term_urls: HashMap<(String, String), String> = self
            .taxonomies
            .iter()
            .flat_map(|t| {
                t.terms.iter().map(move |term| {
                    (
                        (t.config.name.clone(), term.slug.clone()),
                        format!("/{}/{}/", t.slug, term.slug),
                    )
                })
            })
            .map(|(k, path)| (k, self.permalink(&path)))
            .collect();

        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        if pages.is_none() {
            data.pages_light.clear();
            data.pages_html.clear();
        }
        data.base_url = self.config.base().to_string();
        for ((k, light), html) in keys.into_iter().zip(lights).zip(parts) {
            if let Some(h) = html {
                data.pages_html.insert(k.clone(), h);
            }
            data.pages_light.insert(k, light);
        }
        let lib = &self.library;
        data.pages_light.retain(|k, _| lib.pages.contains_key(k));
        data.pages_html.retain(|k, _| lib.pages.contains_key(k));
        data.permalinks = permalinks;
        data.sections_meta.clear();
        data.section_pages.clear();
        for (k, meta, list) in sections {
            data.sections_meta.insert(k.clone(), meta);
            data.section_pages.insert(k, list);
        }
        data.taxonomies_meta.clear();
        data.term_pages.clear();
        for (name, meta, pages) in taxonomies {
            data.taxonomies_meta.insert(name.clone(), meta);
            data.term_pages.insert(name, pages);
        }
        data.term_urls = term_urls;
    }

    /// Every templated output of the site.
    pub fn all_outputs(&self) -> Vec<OutputId> {
        let mut ids: Vec<OutputId> = self
            .library
            .pages
            .keys()
            .map(|k| OutputId::Page(k.clone()))
            .collect();
        for s in self.library.sections.values() {
            for i in 1..=self.section_pagers(s) {
                ids.push(OutputId::Section(s.relative_path.clone(), i));
            }
        }
        for (ti, t) in self.taxonomies.iter().enumerate() {
            ids.push(OutputId::TaxonomyList(ti));
            for term in &t.terms {
                for i in 1..=Self::term_pagers(t, term) {
                    ids.push(OutputId::Term(ti, term.slug.clone(), i));
                }
            }
        }
        ids
    }

    fn section_pagers(&self, s: &Section) -> usize {
        match content::effective_paginate_by(s, &self.config) {
            Some(by) => s.pages.len().div_ceil(by).max(1),
            None => 1,
        }
    }

    fn term_pagers(t: &Taxonomy, term: &Term) -> usize {
        t.config
            .paginate_by
            .map(|by| term.pages.len().div_ceil(by).max(1))
            .unwrap_or(1)
    }

    /// The route of an output (`/guides/`, `/guides/page/2/`).
    pub fn route(&self, id: &OutputId) -> Option<String> {
        Some(match id {
            OutputId::Page(k) => self.library.pages.get(k)?.path.clone(),
            OutputId::Section(k, i) => {
                let s = self.library.sections.get(k)?;
                pager_route(&s.path, &s.meta.paginate_path, *i)
            }
            OutputId::TaxonomyList(ti) => format!("/{}/", self.taxonomies.get(*ti)?.slug),
            OutputId::Term(ti, slug, i) => {
                let t = self.taxonomies.get(*ti)?;
                pager_route(&format!("/{}/{slug}/", t.slug), "page", *i)
            }
        })
    }

    fn base_context(&self, config: &Value, path: &str) -> Context {
        let mut c = Context::new();
        c.insert("config", config);
        c.insert("current_path", path);
        c.insert("current_url", &self.permalink(path));
        c.insert("live_reload", &self.options.live_reload);
        c
    }

    /// Renders the given outputs in parallel. Outputs whose template is missing are skipped
    /// (the missing template is already a diagnostic).
    pub fn render(&self, ids: &[OutputId]) -> (Vec<OutputFile>, Vec<Diagnostic>) {
        let (Some(tpl), Some(tera)) = (self.templates.as_ref(), self.tera.as_ref()) else {
            return (Vec::new(), Vec::new());
        };
        let config = self.config_value();
        let neighbours = self.neighbours();
        let results: Vec<Result<OutputFile, Diagnostic>> = ids
            .par_iter()
            .filter_map(|id| {
                let name = self.output_template(id)?;
                let route = self.route(id)?;
                let ctx = self.output_context(id, &route, &config, &neighbours)?;
                let r = tera
                    .render(&name, &ctx)
                    .map_err(|e| tpl.diagnostic(&name, &e));
                Some(r.map(|h| OutputFile::bytes(output_path(&route), h.into_bytes())))
            })
            .collect();
        let mut files = Vec::with_capacity(results.len());
        let mut problems = Vec::new();
        for r in results {
            match r {
                Ok(f) => files.push(f),
                Err(d) => problems.push(d),
            }
        }
        (files, problems)
    }

    fn output_context(
        &self,
        id: &OutputId,
        route: &str,
        config: &Value,
        neighbours: &HashMap<&str, (Option<&str>, Option<&str>)>,
    ) -> Option<Context> {
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        let full = |k: &String| data.full(k);
        let mut ctx = self.base_context(config, route);
        match id {
            OutputId::Page(k) => {
                let mut v = full(k)?;
                if let Some((lower, higher)) = neighbours.get(k.as_str()) {
                    let nav = |o: &Option<&str>| {
                        o.map(|rel| {
                            let q = &self.library.pages[rel];
                            json!({"title": q.meta.title, "permalink": self.permalink(&q.path)})
                        })
                    };
                    v["lower"] = json!(nav(lower));
                    v["higher"] = json!(nav(higher));
                }
                ctx.insert("page", &v);
            }
            OutputId::Section(k, index) => {
                let s = self.library.sections.get(k)?;
                match content::effective_paginate_by(s, &self.config) {
                    Some(by) => {
                        ctx.insert("section", &self.section_value(s, Vec::new()));
                        let listing: Vec<Value> = s
                            .pages
                            .iter()
                            .skip((index - 1) * by)
                            .take(by)
                            .filter_map(full)
                            .collect();
                        let total = self.section_pagers(s);
                        let pager_path = |i: usize| pager_route(&s.path, &s.meta.paginate_path, i);
                        ctx.insert(
                            "paginator",
                            &paginator(
                                self,
                                by,
                                *index,
                                total,
                                s.pages.len(),
                                &pager_path,
                                listing,
                            ),
                        );
                    }
                    None => {
                        let listing: Vec<Value> = s.pages.iter().filter_map(full).collect();
                        ctx.insert("section", &self.section_value(s, listing));
                    }
                }
            }
            OutputId::TaxonomyList(ti) => {
                let t = self.taxonomies.get(*ti)?;
                ctx.insert("taxonomy", &self.taxonomy_value(t));
                // Terms without their pages: a page count is what a list of terms shows, and
                // every page of the site in one context is what makes big sites heavy.
                let all = data.taxonomy(&t.config.name, true)?;
                ctx.insert("terms", &all["terms"]);
            }
            OutputId::Term(ti, slug, index) => {
                let t = self.taxonomies.get(*ti)?;
                let term = t.terms.iter().find(|x| &x.slug == slug)?;
                ctx.insert("taxonomy", &self.taxonomy_value(t));
                match t.config.paginate_by {
                    Some(by) => {
                        ctx.insert("term", &self.term_value(t, term, Some(Vec::new())));
                        let listing: Vec<Value> = term
                            .pages
                            .iter()
                            .skip((index - 1) * by)
                            .take(by)
                            .filter_map(full)
                            .collect();
                        let base_path = format!("/{}/{}/", t.slug, term.slug);
                        let pager_path = |i: usize| pager_route(&base_path, "page", i);
                        let total = Self::term_pagers(t, term);
                        ctx.insert(
                            "paginator",
                            &paginator(
                                self,
                                by,
                                *index,
                                total,
                                term.pages.len(),
                                &pager_path,
                                listing,
                            ),
                        );
                    }
                    None => {
                        let listing: Vec<Value> = term.pages.iter().filter_map(full).collect();
                        ctx.insert("term", &self.term_value(t, term, Some(listing)));
                    }
                }
            }
        }
        Some(ctx)
    }

    /// Renders a template of the theme for a page the site does not build itself (the API's
    /// pages), with the same `config`, `current_path` and site functions as built pages, plus
    /// `vars`.
    pub fn render_template(
        &self,
        name: &str,
        path: &str,
        vars: &Map<String, Value>,
    ) -> Result<String, Diagnostic> {
        let (Some(tpl), Some(tera)) = (self.templates.as_ref(), self.tera.as_ref()) else {
            return Err(Diagnostic::error(
                "templates",
                None,
                "les gabarits du site n'ont pas pu être chargés",
            ));
        };
        let mut ctx = self.base_context(&self.config_value(), path);
        for (k, v) in vars {
            ctx.insert(k.as_str(), v);
        }
        tera.render(name, &ctx)
            .map_err(|e| tpl.diagnostic(name, &e))
    }

    /// The outputs that are not templated pages: 404, aliases, feeds, sitemap, robots.txt,
    /// static files and content files. `rendered` are the templated outputs, to find clashes.
    pub fn extras(&self, rendered: &[OutputFile]) -> (Vec<OutputFile>, Vec<Diagnostic>) {
        let mut files = Vec::new();
        let mut problems = Vec::new();
        let config = self.config_value();
        match (&self.templates, &self.tera) {
            (Some(tpl), Some(tera)) if tpl.has("404.html") => {
                match tera.render("404.html", &self.base_context(&config, "/404.html")) {
                    Ok(h) => files.push(OutputFile::bytes("404.html".to_string(), h.into_bytes())),
                    Err(e) => problems.push(tpl.diagnostic("404.html", &e)),
                }
            }
            _ => files.push(OutputFile::bytes(
                "404.html".to_string(),
                feeds::plain_404(&self.config).into_bytes(),
            )),
        }
        for (aliases, path) in self
            .library
            .pages
            .values()
            .map(|p| (&p.meta.aliases, &p.path))
            .chain(
                self.library
                    .sections
                    .values()
                    .map(|s| (&s.meta.aliases, &s.path)),
            )
        {
            for a in aliases {
                let route = content::normalize_path(a);
                files.push(OutputFile::bytes(
                    output_path(&route),
                    feeds::redirect(&self.permalink(path)).into_bytes(),
                ));
            }
        }
        files.extend(feeds::feeds(self, None));
        files.push(OutputFile::bytes(
            "sitemap.xml".to_string(),
            feeds::sitemap(self).into_bytes(),
        ));

        // Static files (theme, then site, which wins) and content files.
        let mut statics: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut static_dirs = Vec::new();
        if let Some(theme) = &self.config.theme {
            static_dirs.push(self.root.join("themes").join(theme).join("static"));
        }
        static_dirs.push(self.root.join("static"));
        for dir in static_dirs {
            if !dir.is_dir() {
                continue;
            }
            for e in walkdir::WalkDir::new(&dir)
                .into_iter()
                .filter_map(Result::ok)
            {
                if e.file_type().is_file() {
                    let rel = e
                        .path()
                        .strip_prefix(&dir)
                        .unwrap_or(e.path())
                        .to_string_lossy()
                        .replace('\\', "/");
                    statics.insert(rel, e.path().to_path_buf());
                }
            }
        }
        if !statics.contains_key("robots.txt") {
            files.push(OutputFile::bytes(
                "robots.txt".to_string(),
                format!(
                    "User-agent: *\nAllow: /\nSitemap: {}/sitemap.xml\n",
                    self.config.base()
                )
                .into_bytes(),
            ));
        }
        let content_dir = self.root.join(content::CONTENT_DIR);
        let generated: HashSet<&str> = files
            .iter()
            .chain(rendered)
            .map(|f| f.path.as_str())
            .collect();
        let mut copies = Vec::new();
        for (rel, src) in statics {
            if generated.contains(rel.as_str()) {
                problems.push(Diagnostic::error(
                    crate::diagnostics::relative_to(&src, &self.root),
                    None,
                    format!("chemin de sortie en double : /{rel} est aussi une page générée"),
                ));
                continue;
            }
            copies.push(OutputFile {
                path: rel,
                content: Content::Copy(src),
            });
        }
        for (src, out) in &self.library.files {
            copies.push(OutputFile {
                path: out.clone(),
                content: Content::Copy(content_dir.join(src)),
            });
        }
        files.extend(copies);
        (files, problems)
    }

    /// The Atom feeds that carry one of `pages` (after a change of page bodies, the other
    /// extras stay as they were).
    pub fn feed_files(&self, pages: &[String]) -> Vec<OutputFile> {
        feeds::feeds(self, Some(pages))
    }

    /// Each page's previous and next page in its section's order.
    fn neighbours(&self) -> HashMap<&str, (Option<&str>, Option<&str>)> {
        let mut out = HashMap::new();
        for s in self.library.sections.values() {
            for (i, p) in s.pages.iter().enumerate() {
                let lower = i.checked_sub(1).map(|j| s.pages[j].as_str());
                let higher = s.pages.get(i + 1).map(String::as_str);
                out.insert(p.as_str(), (lower, higher));
            }
        }
        out
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
            // Bodies only: the pages, their listings, and what reads page bodies.
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
                    self.render_markdown(Some(&changed_pages));
                    // Listings read through functions carry no body: only these pages' values change.
                    self.refresh_page_values(&changed_pages);
                    self.recheck_anchors(&changed_pages);
                }
                if everything {
                    self.run_checks();
                }
            }
            if everything {
                return Updated {
                    outputs: self.all_outputs().into_iter().collect(),
                    bodies_of: None,
                };
            }
            for rel in &changed_pages {
                if self.library.pages.contains_key(rel) {
                    dirty.insert(OutputId::Page(rel.clone()));
                    dirty.extend(self.listings_of(rel));
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
        }
    }
}

fn paginator(
    site: &Site,
    by: usize,
    index: usize,
    total: usize,
    items: usize,
    pager_path: &dyn Fn(usize) -> String,
    pages: Vec<Value>,
) -> Value {
    json!({
        "paginate_by": by,
        "current_index": index,
        "number_pagers": total,
        "total_pages": items,
        "first": site.permalink(&pager_path(1)),
        "last": site.permalink(&pager_path(total)),
        "previous": (index > 1).then(|| site.permalink(&pager_path(index - 1))),
        "next": (index < total).then(|| site.permalink(&pager_path(index + 1))),
        "pages": pages,
    })
}

/// The route of page `i` of a listing: the listing itself for the first.
fn pager_route(base: &str, paginate_path: &str, i: usize) -> String {
    if i == 1 {
        base.to_string()
    } else {
        format!("{base}{paginate_path}/{i}/")
    }
}

/// The file a route is written to: `/guides/cv/` → `guides/cv/index.html`.
pub fn output_path(route: &str) -> String {
    let r = route.trim_start_matches('/');
    if r.is_empty() {
        "index.html".to_string()
    } else if r.ends_with('/') {
        format!("{r}index.html")
    } else {
        r.to_string()
    }
}
