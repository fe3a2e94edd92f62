//! The site: runs the stages (config, content, Markdown, taxonomies, templates) and renders every
//! output in memory, so that nothing is written unless the whole site rendered without error.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde_json::{json, Map, Value};
use tera::Context;

use crate::config::{Config, TaxonomyConfig};
use crate::content::{self, Library, Page, Section};
use crate::diagnostics::{suggestion, Diagnostic, Diagnostics};
use crate::feeds;
use crate::markdown::{self, LinkTarget, Rendered};
use crate::output::{Content, OutputFile};
use crate::slug::slugify;
use crate::templates::{self, SiteData, Templates};

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
#[derive(Debug, Clone)]
pub struct Term {
    pub name: String,
    pub slug: String,
    pub pages: Vec<String>,
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

/// A loaded site, its Markdown rendered, ready for templates.
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    pub library: Library,
    pub templates: Option<Templates>,
    pub pages_html: HashMap<String, Rendered>,
    pub sections_html: HashMap<String, Rendered>,
    pub taxonomies: Vec<Taxonomy>,
    pub options: BuildOptions,
}

/// Loads and renders the whole site in memory. Every problem of every file comes back at once.
pub fn render_site(options: &BuildOptions) -> Result<SiteOutput, Diagnostics> {
    let started = Instant::now();
    let (site, mut diags) = Site::load(options);
    let Some(site) = site else {
        return Err(diags.sorted());
    };
    let files = site.render_all(&mut diags);
    if diags.has_errors() {
        return Err(diags.sorted());
    }
    let files = files.expect("no error means templates rendered");
    let stats = Stats {
        pages: site.library.pages.len(),
        sections: site.library.sections.values().filter(|s| s.exists).count(),
        terms: site.taxonomies.iter().map(|t| t.terms.len()).sum(),
        files: files.len(),
    };
    Ok(SiteOutput {
        files,
        diagnostics: diags.sorted(),
        stats,
        duration: started.elapsed(),
    })
}

impl Site {
    /// Reads the configuration, templates and content and renders the Markdown.
    /// `None` when a problem stops everything (no configuration).
    pub fn load(options: &BuildOptions) -> (Option<Site>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let root = options.root.clone();
        let mut config = match Config::load(&root) {
            Ok(c) => c,
            Err(e) => {
                diags.extend(e);
                return (None, diags);
            }
        };
        if let Some(url) = &options.base_url {
            config.base_url = url.clone();
        }
        let (templates, problems) = Templates::load(&root, &config);
        diags.extend(problems);
        let (library, problems) = content::load(&root, &config, options.drafts);
        diags.extend(problems);

        let mut site = Site {
            root,
            config,
            library,
            templates,
            pages_html: HashMap::new(),
            sections_html: HashMap::new(),
            taxonomies: Vec::new(),
            options: options.clone(),
        };
        site.check_taxonomy_names(&mut diags);
        site.render_markdown(&mut diags);
        site.check_anchors(&mut diags);
        site.build_taxonomies();
        site.check_templates_exist(&mut diags);
        site.check_duplicate_routes(&mut diags);
        (Some(site), diags)
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

    fn check_taxonomy_names(&self, diags: &mut Diagnostics) {
        let names: Vec<&str> = self
            .config
            .taxonomies
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        for p in self.library.pages.values() {
            for (name, terms) in &p.meta.taxonomies {
                let line = p.lines.get("taxonomies").copied();
                if !names.contains(&name.as_str()) {
                    diags.push(Diagnostic::error(
                        &p.file,
                        line,
                        format!(
                            "taxonomie inconnue « {name} » : déclarez-la dans tremplin.toml ([[taxonomies]]){}",
                            suggestion(name, names.iter().copied())
                        ),
                    ));
                }
                for t in terms {
                    if slugify(t).is_empty() {
                        diags.push(Diagnostic::error(
                            &p.file,
                            line,
                            format!("terme vide ou sans lettre dans « {name} » : « {t} »"),
                        ));
                    }
                }
            }
        }
    }

    /// Renders every page's and section's Markdown in parallel.
    fn render_markdown(&mut self, diags: &mut Diagnostics) {
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
                targets: &targets,
                base_url: &base,
                permalink: &permalink,
                shortcodes: shortcodes
                    .as_ref()
                    .map(|s| s as &dyn markdown::ShortcodeRenderer),
            };
            markdown::render(body, first_line, &ctx)
        };
        let pages: Vec<(String, Rendered)> = self
            .library
            .pages
            .par_iter()
            .map(|(k, p)| {
                (
                    k.clone(),
                    render_one(k, &p.path, p.title(), &p.body, p.body_line),
                )
            })
            .collect();
        let sections: Vec<(String, Rendered)> = self
            .library
            .sections
            .par_iter()
            .map(|(k, s)| {
                (
                    k.clone(),
                    render_one(k, &s.path, s.title(), &s.body, s.body_line),
                )
            })
            .collect();
        for (k, r) in &pages {
            let file = &self.library.pages[k].file;
            for (line, msg) in &r.problems {
                diags.push(Diagnostic::error(file, Some(*line), msg.clone()));
            }
        }
        for (k, r) in &sections {
            let file = &self.library.sections[k].file;
            for (line, msg) in &r.problems {
                diags.push(Diagnostic::error(file, Some(*line), msg.clone()));
            }
        }
        self.pages_html = pages.into_iter().collect();
        self.sections_html = sections.into_iter().collect();
    }

    fn check_anchors(&self, diags: &mut Diagnostics) {
        let anchors_of = |rel: &str| -> Option<&Vec<String>> {
            self.pages_html
                .get(rel)
                .or_else(|| self.sections_html.get(rel))
                .map(|r| &r.anchors)
        };
        let sources = self
            .pages_html
            .iter()
            .map(|(k, r)| (&self.library.pages[k].file, r))
            .chain(
                self.sections_html
                    .iter()
                    .map(|(k, r)| (&self.library.sections[k].file, r)),
            );
        for (file, r) in sources {
            for link in &r.links {
                let Some(anchor) = &link.anchor else { continue };
                let Some(anchors) = anchors_of(&link.target) else {
                    continue;
                };
                if !anchors.contains(anchor) {
                    diags.push(Diagnostic::error(
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
            for t in &mut terms {
                let pages = &self.library.pages;
                t.pages.sort_by(|a, b| {
                    let (pa, pb) = (&pages[a], &pages[b]);
                    pb.meta.date.cmp(&pa.meta.date).then_with(|| {
                        content::title_key(pa.title()).cmp(&content::title_key(pb.title()))
                    })
                });
            }
            terms.sort_by_key(|t| content::title_key(&t.name));
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

    fn check_templates_exist(&self, diags: &mut Diagnostics) {
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
                diags.push(Diagnostic::error(file, line, missing(&name)));
            }
        }
        for s in self.library.sections.values() {
            let name = self.section_template(s);
            if !tpl.has(&name) {
                diags.push(Diagnostic::error(
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
                    diags.push(Diagnostic::error(
                        crate::config::CONFIG_FILE,
                        None,
                        missing(&names[1]),
                    ));
                }
            }
        }
    }

    /// Every generated route with the file it comes from, to find two that collide.
    fn check_duplicate_routes(&self, diags: &mut Diagnostics) {
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        let mut add = |route: String, file: &Path, line: Option<usize>, diags: &mut Diagnostics| {
            let out = output_path(&route);
            if let Some(first) = seen.get(&out) {
                diags.push(Diagnostic::error(
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
            add(s.path.clone(), &s.file, None, diags);
            for a in &s.meta.aliases {
                add(
                    content::normalize_path(a),
                    &s.file,
                    s.lines.get("aliases").copied(),
                    diags,
                );
            }
        }
        for p in self.library.pages.values() {
            add(
                p.path.clone(),
                &p.file,
                p.lines.get("path").or(p.lines.get("slug")).copied(),
                diags,
            );
            for a in &p.meta.aliases {
                add(
                    content::normalize_path(a),
                    &p.file,
                    p.lines.get("aliases").copied(),
                    diags,
                );
            }
        }
        let config = PathBuf::from(crate::config::CONFIG_FILE);
        for t in &self.taxonomies {
            add(format!("/{}/", t.slug), &config, None, diags);
        }
    }

    /// A page as templates see it. `full` adds the HTML and table of contents.
    fn page_value(&self, p: &Page, full: bool) -> Value {
        let r = &self.pages_html[&p.relative_path];
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
        m.insert("word_count".into(), json!(r.word_count));
        m.insert(
            "reading_time".into(),
            json!(r.word_count.div_ceil(200).max(1)),
        );
        m.insert(
            "components".into(),
            json!(p.path.trim_matches('/').split('/').collect::<Vec<_>>()),
        );
        m.insert(
            "ancestors".into(),
            json!(self.library.ancestors(Some(&p.parent))),
        );
        m.insert("in_search_index".into(), json!(p.meta.in_search_index));
        if full {
            m.insert("content".into(), json!(r.html));
            m.insert("summary".into(), json!(r.summary));
            m.insert("toc".into(), json!(r.toc));
            let assets: Vec<String> = p
                .assets
                .iter()
                .map(|a| self.permalink(&format!("{}{a}", p.path)))
                .collect();
            m.insert("assets".into(), json!(assets));
        }
        Value::Object(m)
    }

    fn section_value(&self, s: &Section, pages: Vec<Value>) -> Value {
        let r = &self.sections_html[&s.relative_path];
        json!({
            "relative_path": s.relative_path,
            "title": s.meta.title,
            "description": s.meta.description,
            "path": s.path,
            "permalink": self.permalink(&s.path),
            "content": r.html,
            "toc": r.toc,
            "word_count": r.word_count,
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

    /// Renders every output. `None` when templates could not be loaded.
    pub fn render_all(&self, diags: &mut Diagnostics) -> Option<Vec<OutputFile>> {
        let tpl = self.templates.as_ref()?;

        // Values shared by all renders.
        let pages_full: HashMap<&str, Value> = self
            .library
            .pages
            .par_iter()
            .map(|(k, p)| (k.as_str(), self.page_value(p, true)))
            .collect();
        let pages_light: HashMap<&str, Value> = self
            .library
            .pages
            .par_iter()
            .map(|(k, p)| (k.as_str(), self.page_value(p, false)))
            .collect();
        let mut data = SiteData {
            base_url: self.config.base().to_string(),
            ..Default::default()
        };
        for (k, p) in &self.library.pages {
            data.permalinks.insert(k.clone(), self.permalink(&p.path));
            data.pages.insert(k.clone(), pages_full[k.as_str()].clone());
        }
        for (k, s) in &self.library.sections {
            data.permalinks.insert(k.clone(), self.permalink(&s.path));
            let light: Vec<Value> = s
                .pages
                .iter()
                .map(|p| pages_light[p.as_str()].clone())
                .collect();
            data.sections
                .insert(k.clone(), self.section_value(s, light));
            data.sections_meta
                .insert(k.clone(), self.section_value(s, Vec::new()));
        }
        for t in &self.taxonomies {
            let terms: Vec<Value> = t
                .terms
                .iter()
                .map(|term| {
                    self.term_value(
                        t,
                        term,
                        Some(
                            term.pages
                                .iter()
                                .map(|p| pages_light[p.as_str()].clone())
                                .collect(),
                        ),
                    )
                })
                .collect();
            let terms_meta: Vec<Value> = t
                .terms
                .iter()
                .map(|term| self.term_value(t, term, None))
                .collect();
            data.taxonomies.insert(
                t.config.name.clone(),
                json!({"taxonomy": self.taxonomy_value(t), "terms": terms}),
            );
            data.taxonomies_meta.insert(
                t.config.name.clone(),
                json!({"taxonomy": self.taxonomy_value(t), "terms": terms_meta}),
            );
            for term in &t.terms {
                let url = self.permalink(&format!("/{}/{}/", t.slug, term.slug));
                data.term_urls
                    .insert((t.config.name.clone(), term.slug.clone()), url);
            }
        }
        let mut tera_owned = None;
        let tera: &tera::Tera = {
            let mut t = tpl.tera.clone();
            templates::register_site_functions(&mut t, Arc::new(data));
            tera_owned.insert(t)
        };
        let render = |name: &str, ctx: &Context| -> Result<String, Diagnostic> {
            tera.render(name, ctx).map_err(|e| tpl.diagnostic(name, &e))
        };
        let config_value = self.config_value();
        let base_ctx = |path: &str| {
            let mut c = Context::new();
            c.insert("config", &config_value);
            c.insert("current_path", path);
            c.insert("current_url", &self.permalink(path));
            c.insert("live_reload", &self.options.live_reload);
            c
        };

        // Pages, in parallel.
        let progress = (self.options.progress && self.library.pages.len() >= 500).then(|| {
            let pb = indicatif::ProgressBar::new(self.library.pages.len() as u64);
            pb.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            pb.set_message("Pages");
            pb
        });
        let neighbours = self.neighbours();
        let page_results: Vec<Result<OutputFile, Diagnostic>> = self
            .library
            .pages
            .par_iter()
            .filter_map(|(k, p)| {
                let mut v = pages_full[k.as_str()].clone();
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
                let mut ctx = base_ctx(&p.path);
                ctx.insert("page", &v);
                let name = self.page_template(p);
                if !tpl.has(&name) {
                    // Already reported by `check_templates_exist`.
                    return None;
                }
                let html = render(&name, &ctx);
                if let Some(pb) = &progress {
                    pb.inc(1);
                }
                Some(html.map(|h| OutputFile::bytes(output_path(&p.path), h.into_bytes())))
            })
            .collect();
        if let Some(pb) = progress {
            pb.finish_and_clear();
        }
        let mut files = Vec::with_capacity(page_results.len() * 2);
        for r in page_results {
            match r {
                Ok(f) => files.push(f),
                Err(d) => diags.push(d),
            }
        }

        // Sections, with pagination.
        let section_jobs: Vec<(&Section, usize)> = self
            .library
            .sections
            .values()
            .flat_map(|s| {
                let n = match content::effective_paginate_by(s, &self.config) {
                    Some(by) => s.pages.len().div_ceil(by).max(1),
                    None => 1,
                };
                (1..=n).map(move |i| (s, i))
            })
            .collect();
        let section_results: Vec<Result<OutputFile, Diagnostic>> = section_jobs
            .par_iter()
            .filter_map(|(s, index)| {
                let name = self.section_template(s);
                if !tpl.has(&name) {
                    return None;
                }
                let paginate_by = content::effective_paginate_by(s, &self.config);
                let listing: Vec<Value>;
                let mut ctx;
                let route;
                match paginate_by {
                    Some(by) => {
                        let pager_path = |i: usize| pager_route(&s.path, &s.meta.paginate_path, i);
                        route = pager_route(&s.path, &s.meta.paginate_path, *index);
                        ctx = base_ctx(&route);
                        ctx.insert("section", &self.section_value(s, Vec::new()));
                        listing = s
                            .pages
                            .iter()
                            .skip((index - 1) * by)
                            .take(by)
                            .map(|p| pages_full[p.as_str()].clone())
                            .collect();
                        let total = s.pages.len().div_ceil(by).max(1);
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
                        route = s.path.clone();
                        ctx = base_ctx(&route);
                        listing = s
                            .pages
                            .iter()
                            .map(|p| pages_full[p.as_str()].clone())
                            .collect();
                        ctx.insert("section", &self.section_value(s, listing));
                    }
                }
                Some(
                    render(&name, &ctx)
                        .map(|h| OutputFile::bytes(output_path(&route), h.into_bytes())),
                )
            })
            .collect();
        for r in section_results {
            match r {
                Ok(f) => files.push(f),
                Err(d) => diags.push(d),
            }
        }

        // Taxonomies: the list of terms and each term, paginated.
        for t in &self.taxonomies {
            let (list_names, single_names) = Self::taxonomy_templates(t);
            let list_tpl = list_names
                .iter()
                .find(|n| tpl.has(n))
                .cloned()
                .unwrap_or_else(|| list_names[1].clone());
            let single_tpl = single_names
                .iter()
                .find(|n| tpl.has(n))
                .cloned()
                .unwrap_or_else(|| single_names[1].clone());
            let route = format!("/{}/", t.slug);
            let mut ctx = base_ctx(&route);
            ctx.insert("taxonomy", &self.taxonomy_value(t));
            let terms: Vec<Value> = t
                .terms
                .iter()
                .map(|term| {
                    self.term_value(
                        t,
                        term,
                        Some(
                            term.pages
                                .iter()
                                .map(|p| pages_light[p.as_str()].clone())
                                .collect(),
                        ),
                    )
                })
                .collect();
            ctx.insert("terms", &terms);
            match render(&list_tpl, &ctx) {
                Ok(h) => files.push(OutputFile::bytes(output_path(&route), h.into_bytes())),
                Err(d) => diags.push(d),
            }
            let jobs: Vec<(&Term, usize)> = t
                .terms
                .iter()
                .flat_map(|term| {
                    let n = t
                        .config
                        .paginate_by
                        .map(|by| term.pages.len().div_ceil(by).max(1))
                        .unwrap_or(1);
                    (1..=n).map(move |i| (term, i))
                })
                .collect();
            let results: Vec<Result<OutputFile, Diagnostic>> = jobs
                .par_iter()
                .map(|(term, index)| {
                    let base_path = format!("/{}/{}/", t.slug, term.slug);
                    let pager_path = |i: usize| pager_route(&base_path, "page", i);
                    let route = pager_route(&base_path, "page", *index);
                    let mut ctx = base_ctx(&route);
                    ctx.insert("taxonomy", &self.taxonomy_value(t));
                    match t.config.paginate_by {
                        Some(by) => {
                            ctx.insert("term", &self.term_value(t, term, Some(Vec::new())));
                            let listing: Vec<Value> = term
                                .pages
                                .iter()
                                .skip((index - 1) * by)
                                .take(by)
                                .map(|p| pages_full[p.as_str()].clone())
                                .collect();
                            let total = term.pages.len().div_ceil(by).max(1);
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
                            let listing: Vec<Value> = term
                                .pages
                                .iter()
                                .map(|p| pages_full[p.as_str()].clone())
                                .collect();
                            ctx.insert("term", &self.term_value(t, term, Some(listing)));
                        }
                    }
                    render(&single_tpl, &ctx)
                        .map(|h| OutputFile::bytes(output_path(&route), h.into_bytes()))
                })
                .collect();
            for r in results {
                match r {
                    Ok(f) => files.push(f),
                    Err(d) => diags.push(d),
                }
            }
        }

        // 404, aliases, feeds, sitemap, robots.txt.
        if tpl.has("404.html") {
            match render("404.html", &base_ctx("/404.html")) {
                Ok(h) => files.push(OutputFile::bytes("404.html".to_string(), h.into_bytes())),
                Err(d) => diags.push(d),
            }
        } else {
            files.push(OutputFile::bytes(
                "404.html".to_string(),
                feeds::plain_404(&self.config).into_bytes(),
            ));
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
        files.extend(feeds::feeds(self));
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
        let generated: std::collections::HashSet<String> =
            files.iter().map(|f| f.path.clone()).collect();
        for (rel, src) in statics {
            if generated.contains(&rel) {
                diags.push(Diagnostic::error(
                    crate::diagnostics::relative_to(&src, &self.root),
                    None,
                    format!("chemin de sortie en double : /{rel} est aussi une page générée"),
                ));
                continue;
            }
            files.push(OutputFile {
                path: rel,
                content: Content::Copy(src),
            });
        }
        for (src, out) in &self.library.files {
            files.push(OutputFile {
                path: out.clone(),
                content: Content::Copy(content_dir.join(src)),
            });
        }
        Some(files)
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
