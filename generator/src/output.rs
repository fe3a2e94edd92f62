//! Writing the site: only files whose bytes changed are written, each through a temporary file
//! and a rename (a file is always either as it was or as it should be), and files that the new
//! build no longer produces are removed.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// What an output file holds.
#[derive(Debug, Clone)]
pub enum Content {
    Bytes(Vec<u8>),
    /// A file copied as it is (static files, page assets).
    Copy(PathBuf),
}

/// One file of the built site.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative to the output folder, with `/` separators.
    pub path: String,
    pub content: Content,
}

impl OutputFile {
    pub fn bytes(path: String, bytes: Vec<u8>) -> Self {
        OutputFile {
            path,
            content: Content::Bytes(bytes),
        }
    }

    /// The bytes of the file (read from disk for copies).
    pub fn read(&self) -> io::Result<std::borrow::Cow<'_, [u8]>> {
        match &self.content {
            Content::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b)),
            Content::Copy(p) => std::fs::read(p).map(std::borrow::Cow::Owned),
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

const TMP_SUFFIX: &str = ".tremplin-tmp";

/// Writes `files` under `dir`, leaving unchanged files untouched and removing the others.
/// Top-level entries whose name starts with `.` (such as `.git`) are kept.
pub fn write_all(dir: &Path, files: &[OutputFile]) -> io::Result<WriteStats> {
    std::fs::create_dir_all(dir)?;
    let results: Vec<io::Result<bool>> = files.par_iter().map(|f| write_one(dir, f)).collect();
    let mut stats = WriteStats::default();
    for r in results {
        if r? {
            stats.written += 1;
        } else {
            stats.unchanged += 1;
        }
    }
    let keep: HashSet<PathBuf> = files.iter().map(|f| dir.join(&f.path)).collect();
    stats.removed = remove_stale(dir, &keep)?;
    Ok(stats)
}

/// Writes one file if its bytes differ; returns whether it wrote.
fn write_one(dir: &Path, f: &OutputFile) -> io::Result<bool> {
    let dest = dir.join(&f.path);
    let bytes = f.read()?;
    if let Ok(meta) = std::fs::metadata(&dest) {
        if meta.is_file() && meta.len() == bytes.len() as u64 && std::fs::read(&dest)? == *bytes {
            return Ok(false);
        }
        if meta.is_dir() {
            std::fs::remove_dir_all(&dest)?;
        }
    }
    if let Some(parent) = dest.parent() {
        ensure_dir(parent)?;
    }
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dest.with_file_name(format!(".{name}{TMP_SUFFIX}"));
    std::fs::write(&tmp, &bytes)?;
    std::fs::rename(&tmp, &dest)?;
    Ok(true)
}

/// Creates a folder, replacing a file that stands where the folder must be.
fn ensure_dir(path: &Path) -> io::Result<()> {
    match std::fs::create_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) => {
            // A file of an older build where a folder is now needed.
            let mut p = path.to_path_buf();
            loop {
                if p.is_file() {
                    std::fs::remove_file(&p)?;
                    return std::fs::create_dir_all(path);
                }
                if !p.pop() {
                    return Err(e);
                }
            }
        }
    }
}

fn remove_stale(dir: &Path, keep: &HashSet<PathBuf>) -> io::Result<usize> {
    fn walk(dir: &Path, top: bool, keep: &HashSet<PathBuf>) -> io::Result<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if top && name.starts_with('.') && !name.ends_with(TMP_SUFFIX) {
                continue;
            }
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                removed += walk(&path, false, keep)?;
                // Removed only when empty.
                if std::fs::read_dir(&path)?.next().is_none() {
                    std::fs::remove_dir(&path)?;
                }
            } else if !keep.contains(&path) {
                std::fs::remove_file(&path)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
    walk(dir, true, keep)
}
