//! Watching a site's files: file-system events from `notify`, debounced into batches of
//! `Change`s (editors that save through a temporary file and a rename give one batch).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::site::{classify, Change};

/// How long the files must stay quiet before a batch is handed over.
pub const QUIET: Duration = Duration::from_millis(8);

/// Watches `root` until `on_changes` returns `false` or the watcher fails. Blocks the thread.
pub fn watch(
    root: &Path,
    theme: Option<&str>,
    mut on_changes: impl FnMut(Vec<Change>) -> bool,
) -> notify::Result<()> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx)?;
    let mut watched = Vec::new();
    for dir in ["content", "templates", "static"] {
        watched.push(root.join(dir));
    }
    if let Some(theme) = theme {
        watched.push(root.join("themes").join(theme));
    }
    for dir in &watched {
        if dir.is_dir() {
            watcher.watch(dir, RecursiveMode::Recursive)?;
        }
    }
    // The configuration file is watched through the root, not recursively.
    watcher.watch(&root, RecursiveMode::NonRecursive)?;

    while let Ok(first) = rx.recv() {
        let mut paths: Vec<PathBuf> = Vec::new();
        let mut take = |e: notify::Result<notify::Event>| {
            if let Ok(e) = e {
                if !matches!(e.kind, notify::EventKind::Access(_)) {
                    paths.extend(e.paths);
                }
            }
        };
        take(first);
        loop {
            match rx.recv_timeout(QUIET) {
                Ok(e) => take(e),
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
        let mut changes: Vec<Change> = paths
            .iter()
            .filter_map(|p| classify(&root, theme, p))
            .collect();
        // A folder created or removed under content/ stands for the files in it.
        let mut extra = Vec::new();
        for c in &changes {
            if let Change::Content(rel) = c {
                let p = root.join(crate::content::CONTENT_DIR).join(rel);
                if p.is_dir() {
                    for e in walkdir::WalkDir::new(&p)
                        .into_iter()
                        .filter_map(Result::ok)
                        .filter(|e| e.file_type().is_file())
                    {
                        if let Some(c) = classify(&root, theme, e.path()) {
                            extra.push(c);
                        }
                    }
                }
            }
        }
        changes.extend(extra);
        changes.sort();
        changes.dedup();
        if changes.is_empty() {
            continue;
        }
        if !on_changes(changes) {
            break;
        }
    }
    Ok(())
}
