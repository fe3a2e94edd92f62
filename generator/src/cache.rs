//! The build's memory of its last run: a fingerprint of every input (the sources' paths, sizes
//! and modification times, the options, the `tremplin` program itself) and of every output
//! written. When neither changed, a build has nothing to do and says so at once.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::site::{BuildOptions, Stats};

/// What is kept between builds, in `<root>/.tremplin/`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub inputs: u64,
    /// Output files (relative path) → (size, modification time in ns).
    pub outputs: BTreeMap<String, (u64, u128)>,
    pub pages: usize,
    pub sections: usize,
    pub terms: usize,
    /// The warnings of that build (file, line, message), shown again.
    pub warnings: Vec<(String, Option<usize>, String)>,
}

fn stamp(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Where the manifest of a build into `out` is kept.
pub fn manifest_path(options: &BuildOptions) -> PathBuf {
    let mut h = std::hash::DefaultHasher::new();
    options.output_dir().hash(&mut h);
    options
        .root
        .join(".tremplin")
        .join(format!("construction-{:016x}.json", h.finish()))
}

/// A fingerprint of everything a build reads.
pub fn inputs(options: &BuildOptions, theme: Option<&str>) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
    {
        (meta.len(), stamp(&meta)).hash(&mut h);
    }
    (
        options.base_url.as_deref(),
        options.drafts,
        options.output_dir(),
    )
        .hash(&mut h);
    let root = &options.root;
    let mut dirs = vec![
        root.join(crate::content::CONTENT_DIR),
        root.join("templates"),
        root.join("static"),
    ];
    if let Some(t) = theme {
        dirs.push(root.join("themes").join(t));
    }
    for file in [
        root.join(crate::config::CONFIG_FILE),
        root.join(crate::editorial::glossary::GLOSSARY_FILE),
    ] {
        if let Ok(meta) = std::fs::metadata(&file) {
            (file.to_string_lossy(), meta.len(), stamp(&meta)).hash(&mut h);
        }
    }
    for dir in dirs {
        dir.to_string_lossy().hash(&mut h);
        for e in walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if let Ok(meta) = e.metadata() {
                (
                    e.path().to_string_lossy(),
                    meta.is_dir(),
                    meta.len(),
                    stamp(&meta),
                )
                    .hash(&mut h);
            }
        }
    }
    h.finish()
}

/// The output files as they are on disk (top-level hidden entries left out, as builds keep them).
pub fn outputs(out: &Path) -> BTreeMap<String, (u64, u128)> {
    let mut files = BTreeMap::new();
    let walker = walkdir::WalkDir::new(out)
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || !e.file_name().to_string_lossy().starts_with('.'));
    for e in walker.filter_map(Result::ok) {
        if e.file_type().is_file() {
            if let Ok(meta) = e.metadata() {
                let rel = e
                    .path()
                    .strip_prefix(out)
                    .unwrap_or(e.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                files.insert(rel, (meta.len(), stamp(&meta)));
            }
        }
    }
    files
}

/// The previous build's manifest, if the inputs and the outputs are still exactly as it left them.
pub fn unchanged(options: &BuildOptions, theme: Option<&str>) -> Option<Manifest> {
    let text = std::fs::read_to_string(manifest_path(options)).ok()?;
    let manifest: Manifest = serde_json::from_str(&text).ok()?;
    (manifest.inputs == inputs(options, theme)
        && manifest.outputs == outputs(&options.output_dir()))
    .then_some(manifest)
}

/// Records a successful build (best effort: a build is not failed for its cache).
pub fn record(
    options: &BuildOptions,
    theme: Option<&str>,
    inputs_before: u64,
    stats: &Stats,
    warnings: &crate::Diagnostics,
) {
    // Inputs that changed while building make the next build a full one.
    if inputs(options, theme) != inputs_before {
        let _ = std::fs::remove_file(manifest_path(options));
        return;
    }
    let manifest = Manifest {
        inputs: inputs_before,
        outputs: outputs(&options.output_dir()),
        pages: stats.pages,
        sections: stats.sections,
        terms: stats.terms,
        warnings: warnings
            .iter()
            .map(|d| {
                (
                    d.path.to_string_lossy().into_owned(),
                    d.line,
                    d.message.clone(),
                )
            })
            .collect(),
    };
    let path = manifest_path(options);
    if let (Some(dir), Ok(text)) = (path.parent(), serde_json::to_string(&manifest)) {
        let _ = std::fs::create_dir_all(dir);
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
}
