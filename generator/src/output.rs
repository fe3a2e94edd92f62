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
    let mut stage = Stage::new(dir)?;
    stage.add(files)?;
    let keep: HashSet<PathBuf> = files.iter().map(|f| dir.join(&f.path)).collect();
    let mut stats = stage.commit()?;
    stats.removed = remove_stale(dir, &keep)?;
    Ok(stats)
}

/// Files written under temporary names in a staging folder beside the output folder (same
/// file system), moved into place by `commit` only. Dropping a stage without committing
/// removes it: the output folder is then exactly as it was.
pub struct Stage {
    out: PathBuf,
    dir: PathBuf,
    /// (temporary file, destination); unchanged files are not staged.
    moves: Vec<(PathBuf, PathBuf)>,
    unchanged: usize,
    next: usize,
}

impl Stage {
    pub fn new(out: &Path) -> io::Result<Stage> {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let dir = parent.join(format!(".{name}{TMP_SUFFIX}-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir(&dir)?;
        Ok(Stage {
            out: out.to_path_buf(),
            dir,
            moves: Vec::new(),
            unchanged: 0,
            next: 0,
        })
    }

    /// Stages files in parallel (files whose destination already holds their bytes are skipped).
    pub fn add(&mut self, files: &[OutputFile]) -> io::Result<()> {
        let base = self.next;
        self.next += files.len();
        let results: Vec<io::Result<Option<(PathBuf, PathBuf)>>> = files
            .par_iter()
            .enumerate()
            .map(|(i, f)| {
                let dest = self.out.join(&f.path);
                let bytes = f.read()?;
                if let Ok(meta) = std::fs::metadata(&dest) {
                    if meta.is_file()
                        && meta.len() == bytes.len() as u64
                        && std::fs::read(&dest)? == *bytes
                    {
                        return Ok(None);
                    }
                }
                let tmp = self.dir.join((base + i).to_string());
                std::fs::write(&tmp, &bytes)?;
                Ok(Some((tmp, dest)))
            })
            .collect();
        for r in results {
            match r? {
                Some(m) => self.moves.push(m),
                None => self.unchanged += 1,
            }
        }
        Ok(())
    }

    /// How many files are staged or known unchanged.
    pub fn len(&self) -> usize {
        self.moves.len() + self.unchanged
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves every staged file into place; each file is either as it was or as it should be.
    pub fn commit(mut self) -> io::Result<WriteStats> {
        std::fs::create_dir_all(&self.out)?;
        let moves = std::mem::take(&mut self.moves);
        let results: Vec<io::Result<()>> = moves
            .par_iter()
            .map(|(tmp, dest)| {
                if let Some(parent) = dest.parent() {
                    ensure_dir(parent)?;
                }
                if dest.is_dir() {
                    std::fs::remove_dir_all(dest)?;
                }
                match std::fs::rename(tmp, dest) {
                    Ok(()) => Ok(()),
                    // Another file system: copy beside the destination, then rename there.
                    Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
                        let name = dest
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        let near = dest.with_file_name(format!(".{name}{TMP_SUFFIX}"));
                        std::fs::copy(tmp, &near)?;
                        std::fs::rename(&near, dest)
                    }
                    Err(e) => Err(e),
                }
            })
            .collect();
        for r in results {
            r?;
        }
        Ok(WriteStats {
            written: moves.len(),
            unchanged: self.unchanged,
            removed: 0,
        })
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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

/// Removes the files under `dir` that are not in `keep`, and the folders left empty.
pub fn remove_stale(dir: &Path, keep: &HashSet<PathBuf>) -> io::Result<usize> {
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
