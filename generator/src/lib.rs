//! Tremplin's static-site generator: a site (`tremplin.toml`, `content/`, themes, templates and
//! static files) turned into a folder of HTML, feeds and files.
//!
//! The stages follow the data: [`config`], [`content`] (front matter, sections, pages),
//! [`markdown`] (with [`shortcodes`]), [`templates`], then [`site`] renders every output in
//! memory and [`output`] writes only what changed. Problems are [`diagnostics`] with file and line.

pub mod config;
pub mod content;
pub mod dates;
pub mod diagnostics;
mod feeds;
pub mod front_matter;
pub mod live;
pub mod markdown;
pub mod output;
pub mod shortcodes;
pub mod site;
pub mod slug;
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

/// Renders the site, then writes it: nothing is written unless everything rendered.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let out_dir = options.output_dir();
    check_output_dir(&options.root, &out_dir)?;
    let started = std::time::Instant::now();
    let site = render_site(options).map_err(BuildError::Site)?;
    let write = output::write_all(&out_dir, &site.files).map_err(BuildError::Io)?;
    Ok(BuildReport {
        stats: site.stats,
        write,
        warnings: site.diagnostics,
        duration: started.elapsed(),
    })
}

/// Validates the site without writing anything: every problem, errors and warnings.
pub fn check(options: &BuildOptions) -> Diagnostics {
    match render_site(options) {
        Ok(out) => out.diagnostics,
        Err(d) => d,
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
