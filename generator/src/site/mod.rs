//! The site: runs the stages (config, content, Markdown, taxonomies, templates), renders every
//! output in memory (nothing is written unless the whole site rendered without error), and
//! after a change re-renders only the outputs the change affects.
//!
//! `Site::load` runs the stages in order; each has its module: `load` (templates, `@/` link
//! targets, Markdown), `taxonomies`, `values` (what templates see), `checks` (site-wide
//! problems), `routes` (outputs, routes, pagination), `render` (in memory) and `update`
//! (incremental).

mod checks;
mod editorial;
mod load;
mod render;
mod routes;
mod taxonomies;
mod update;
mod values;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use crate::config::Config;
use crate::content::{self, Library, Raw};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::editorial::Glossary;
use crate::markdown::{LinkTarget, Rendered};
use crate::output::OutputFile;
use crate::templates::{SharedData, SiteData, Templates};

pub use routes::{output_path, OutputId};
pub use taxonomies::{Taxonomy, Term};
pub use update::{classify, Change, Updated};

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
    /// `glossaire.toml`: its words are wrapped in `<abbr>` and accepted by the editorial
    /// checks.
    pub glossary: Glossary,
    glossary_problems: Vec<Diagnostic>,
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
        let (glossary, glossary_problems) = Glossary::load(&root);
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
            glossary,
            glossary_problems,
        };
        site.load_templates();
        site.rebuild_link_targets();
        site.render_markdown(None);
        site.build_taxonomies();
        site.refresh_data(None);
        site.run_checks();
        Ok(site)
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
}
