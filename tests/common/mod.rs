//! Helpers shared by the end-to-end tests: fixture sites copied to a temporary folder, and the
//! `tremplin` command run on them.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod servers;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A fixture site (`valid/basic`, `invalid/links`) in a fresh temporary folder, with the
/// shared `mini` theme under `themes/mini`.
pub fn site(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join(name), dir.path());
    copy_dir(
        &fixtures().join("theme-mini"),
        &dir.path().join("themes/mini"),
    );
    dir
}

pub fn tremplin(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tremplin"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("tremplin runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The diagnostic lines of an output (without the summary line).
pub fn diagnostics(o: &Output) -> String {
    stderr(o)
        .lines()
        .filter(|l| {
            !l.starts_with("Échec")
                && !l.starts_with("Site construit")
                && !l.starts_with("Contenu vérifié")
                && !l.starts_with("Rien n")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// Every file under a folder with its bytes, to compare trees.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}
