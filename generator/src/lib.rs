//! Tremplin's static-site generator: a site (`tremplin.toml`, `content/`, themes, templates and
//! static files) turned into a folder of HTML, feeds and files.
//!
//! The stages follow the data: [`config`], [`content`] (front matter, sections, pages),
//! [`markdown`] (with [`shortcodes`]), [`templates`], then [`site`] renders every output in
//! memory and [`output`] writes only what changed. Problems are [`diagnostics`] with file and line.

pub mod cache;
pub mod config;
pub mod content;
pub mod dates;
pub mod diagnostics;
pub mod documents;
pub mod editorial;
mod feeds;
pub mod front_matter;
pub mod live;
pub mod markdown;
pub mod output;
pub mod shortcodes;
pub mod site;
pub mod slug;
pub mod sources;
pub mod templates;
pub mod watch;

use std::path::Path;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use output::WriteStats;
pub use site::{render_site, BuildOptions, SiteOutput, Stats};

/// The result of a successful build.
#[derive(Debug)]
pub struct BuildReport {
    pub stats: Stats,
    pub write: WriteStats,
    pub warnings: Diagnostics,
    pub duration: std::time::Duration,
    /// Nothing changed since the last build: nothing was read or written.
    pub unchanged: bool,
    /// The search documents, when `BuildOptions::documents` asked for them and the site was
    /// built (not when nothing changed).
    pub documents: Option<Vec<documents::ContentDoc>>,
}

/// Why a build failed: problems in the site, or the disk.
#[derive(Debug)]
pub enum BuildError {
    /// The site has errors; nothing was written.
    Site(Diagnostics),
    Io(std::io::Error),
    /// The output folder would hold the site itself.
    BadOutput(String),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Site(d) => write!(f, "{d}"),
            BuildError::Io(e) => write!(f, "écriture du site impossible : {e}"),
            BuildError::BadOutput(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Renders the site and writes it: files are staged beside their destination as they are
/// rendered (so memory holds a slice of the site, not all of it), and renamed into place only
/// when everything rendered without error; otherwise the staged files are removed.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let out_dir = options.output_dir();
    check_output_dir(&options.root, &out_dir)?;
    let started = std::time::Instant::now();
    // Neither the sources nor the outputs changed since the last build: nothing to do.
    let theme = config::Config::load(&options.root)
        .ok()
        .and_then(|c| c.theme);
    let inputs = cache::inputs(options, theme.as_deref());
    if let Some(m) = cache::unchanged(options, theme.as_deref()) {
        let mut warnings = Diagnostics::new();
        for (path, line, message) in &m.warnings {
            warnings.push(Diagnostic::warning(path, *line, message.clone()));
        }
        return Ok(BuildReport {
            stats: Stats {
                pages: m.pages,
                sections: m.sections,
                terms: m.terms,
                files: m.outputs.len(),
            },
            write: WriteStats {
                written: 0,
                unchanged: m.outputs.len(),
                removed: 0,
            },
            warnings,
            duration: started.elapsed(),
            unchanged: true,
            documents: None,
        });
    }
    let mut site = site::Site::load(options).map_err(BuildError::Site)?;
    site.forget_sources();
    let mut diags = site.diagnostics();
    let ids = site.all_outputs();
    let progress = (options.progress && ids.len() >= 500).then(|| {
        let pb = indicatif::ProgressBar::new(ids.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        pb.set_message("Pages");
        pb
    });
    // Dropping the stage on any early return removes what it holds.
    let mut stage = output::Stage::new(&out_dir).map_err(BuildError::Io)?;
    let mut keep = std::collections::HashSet::new();
    let mut rendered_paths = Vec::new();
    for chunk in ids.chunks(1024) {
        let (files, problems) = site.render(chunk);
        diags.extend(problems);
        if let Some(pb) = &progress {
            pb.inc(chunk.len() as u64);
        }
        for f in &files {
            keep.insert(out_dir.join(&f.path));
            rendered_paths.push(output::OutputFile::bytes(f.path.clone(), Vec::new()));
        }
        // Once there is an error nothing will be written: render on only to report everything.
        if !diags.has_errors() {
            stage.add(&files).map_err(BuildError::Io)?;
        }
    }
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    let documents = options.documents.then(|| documents::documents(&site));
    let (extras, problems) = site.extras(&rendered_paths);
    diags.extend(problems);
    if diags.has_errors() {
        return Err(BuildError::Site(diags.sorted()));
    }
    for f in &extras {
        keep.insert(out_dir.join(&f.path));
    }
    stage.add(&extras).map_err(BuildError::Io)?;
    let files = stage.len();
    let mut write = stage.commit().map_err(BuildError::Io)?;
    write.removed = output::remove_stale(&out_dir, &keep).map_err(BuildError::Io)?;
    let stats = site.stats(files);
    let warnings = diags.sorted();
    cache::record(options, theme.as_deref(), inputs, &stats, &warnings);
    Ok(BuildReport {
        stats,
        write,
        warnings,
        duration: started.elapsed(),
        unchanged: false,
        documents,
    })
}

/// Validates the site without writing anything: every problem, errors and warnings (no
/// editorial check).
pub fn check(options: &BuildOptions) -> Diagnostics {
    check_with(options, &CheckOptions::default()).diagnostics
}

/// What `tremplin check` runs besides the build's own checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// The editorial checks (`editorial`), unless `[redaction] actif = false`.
    pub editorial: bool,
    /// Every warning becomes an error (for CI and pre-commit hooks).
    pub strict: bool,
}

/// What `check_with` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub diagnostics: Diagnostics,
    /// Each page's editorial report (empty without the editorial checks).
    pub pages: Vec<editorial::PageReport>,
}

/// Validates the site without writing anything, with the editorial checks when asked.
pub fn check_with(options: &BuildOptions, how: &CheckOptions) -> CheckReport {
    let (mut diags, pages) = match site::Site::load(options) {
        Err(d) => (d, Vec::new()),
        Ok(site) => {
            let mut diags = site.diagnostics();
            let (files, problems) = site.render(&site.all_outputs());
            diags.extend(problems);
            let (_, problems) = site.extras(&files);
            diags.extend(problems);
            drop(files);
            let pages = if how.editorial {
                site.editorial()
            } else {
                Vec::new()
            };
            for p in &pages {
                diags.extend(p.diagnostics.iter().cloned());
            }
            (diags, pages)
        }
    };
    if how.strict {
        let mut strict = Diagnostics::new();
        strict.extend(diags.into_iter().map(|mut d| {
            d.severity = Severity::Error;
            d
        }));
        diags = strict;
    }
    CheckReport {
        diagnostics: diags.sorted(),
        pages,
    }
}

/// Refuses an output folder that is the site's root or holds its content.
fn check_output_dir(root: &Path, out: &Path) -> Result<(), BuildError> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (root_c, out_c) = (canon(root), canon(out));
    let content = canon(&root.join(content::CONTENT_DIR));
    if out_c == root_c || content.starts_with(&out_c) || out_c.starts_with(&content) {
        return Err(BuildError::BadOutput(format!(
            "dossier de sortie refusé : {} contient le site ou son contenu (choisissez par exemple public/)",
            out.display()
        )));
    }
    Ok(())
}
