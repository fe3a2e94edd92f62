//! What the fuzz targets share: the heap bound every input runs under, the repository's
//! paths, and the fixtures a target builds once per process (the theme's shortcodes, a small
//! embedded search index with the demo site's pages and the fixture opportunities).

use std::alloc::System;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use cap::Cap;
use serde::Deserialize;
use tremplin_api::domain::accounts::Structure;
use tremplin_api::domain::opportunities::document::opportunity_document;
use tremplin_api::index::documents::{
    contenus_settings, opportunites_settings, CONTENUS, OPPORTUNITES,
};
use tremplin_api::domain::opportunities::{Opportunity, Place};
use tremplin_generator::config::Config;
use tremplin_generator::markdown::LinkTarget;
use tremplin_generator::site::Site;
use tremplin_generator::templates::Templates;
use tremplin_generator::BuildOptions;
use tremplin_search::SearchEngine;

/// Every Rust allocation of the process goes through this counter; `bounded` lowers its limit
/// while one input runs. An allocation past the limit fails, Rust aborts with "memory
/// allocation of N bytes failed", and libFuzzer saves the input as a crash.
#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

/// How much heap one input may take: `base` bytes plus `per_byte` bytes per input byte. The
/// heap the fixtures hold (built before the bound applies) does not count.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub base: usize,
    pub per_byte: usize,
}

pub const MIB: usize = 1024 * 1024;

/// Runs `f` on an input of `len` bytes with the heap allowed to grow by at most the bound.
pub fn bounded<T>(bound: Bound, len: usize, f: impl FnOnce() -> T) -> T {
    let budget = bound
        .base
        .saturating_add(bound.per_byte.saturating_mul(len));
    let _ = HEAP.set_limit(HEAP.allocated().saturating_add(budget));
    let out = f();
    let _ = HEAP.set_limit(usize::MAX);
    report_peak();
    out
}

/// With `FUZZ_HEAP_PEAK` set, prints the process's peak Rust heap each time it grows by a
/// mebibyte or more (to choose and check the bounds).
fn report_peak() {
    static SHOWN: AtomicUsize = AtomicUsize::new(0);
    static ON: OnceLock<bool> = OnceLock::new();
    if !*ON.get_or_init(|| std::env::var_os("FUZZ_HEAP_PEAK").is_some()) {
        return;
    }
    let peak = HEAP.max_allocated();
    if peak >= SHOWN.load(Ordering::Relaxed) + MIB {
        SHOWN.store(peak, Ordering::Relaxed);
        eprintln!("heap peak: {:.1} MiB", peak as f64 / MIB as f64);
    }
}

/// Loads the offline table of communes (built on first use) before any bound applies.
pub fn communes() {
    static LOADED: OnceLock<()> = OnceLock::new();
    LOADED.get_or_init(|| {
        let _ = tremplin_api::infra::communes::resolve("Lille");
    });
}

/// The root of the repository (the demo site: `tremplin.toml`, `content/`, `themes/`).
pub fn repository() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("fuzz/ is inside the repository")
            .to_path_buf()
    })
}

/// The demo site's configuration and its theme's templates, for shortcodes.
pub struct Theme {
    pub config: Config,
    pub config_value: serde_json::Value,
    pub templates: Templates,
    /// Every content file (`guides/cv.md`) as an `@/` link target.
    pub targets: HashMap<String, LinkTarget>,
}

pub fn theme() -> &'static Theme {
    static THEME: OnceLock<Theme> = OnceLock::new();
    THEME.get_or_init(|| {
        let root = repository();
        let config = Config::load(root).expect("tremplin.toml du dépôt");
        let (templates, problems) = Templates::load(root, &config);
        let templates = templates.unwrap_or_else(|| panic!("gabarits : {problems:?}"));
        let mut targets = HashMap::new();
        let content = root.join("content");
        for entry in walk(&content) {
            let rel = entry
                .strip_prefix(&content)
                .expect("under content/")
                .to_string_lossy()
                .replace('\\', "/");
            let path = rel.trim_end_matches(".md").trim_end_matches("_index");
            targets.insert(
                rel.clone(),
                LinkTarget {
                    permalink: format!("{}/{path}", config.base()),
                    draft: false,
                },
            );
        }
        let config_value = serde_json::json!({
            "title": config.title,
            "base_url": config.base(),
        });
        Theme {
            config,
            config_value,
            templates,
            targets,
        }
    })
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    files
}

/// A runtime for the engine's async API (its work runs in `spawn_blocking`).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime tokio")
    })
}

/// The embedded engine with the two indexes the API searches: "contenus" (the demo site's
/// pages) and "opportunites" (`api/tests/fixtures/opportunites.json`), with the synonyms of
/// `tremplin.toml`. It lives in `$TMPDIR/tremplin-fuzz-<pid>/` (`fuzz/run` points `TMPDIR`
/// at a folder it removes afterwards).
pub fn engine() -> &'static Arc<dyn SearchEngine> {
    static ENGINE: OnceLock<Arc<dyn SearchEngine>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let root = repository();
        let site = Site::load(&BuildOptions::new(root)).expect("site de démonstration");
        let synonyms = site.config.search.synonyms.clone();
        let contents = tremplin_api::index::contents::site_documents(&site);
        let text = std::fs::read_to_string(root.join("api/tests/fixtures/opportunites.json"))
            .expect("api/tests/fixtures/opportunites.json");
        let fixtures: Vec<Fixture> = serde_json::from_str(&text).expect("fixture JSON");
        let offers = fixtures
            .into_iter()
            .map(|f| opportunity_document(&opportunity(f)))
            .collect();
        let dir = std::env::temp_dir().join(format!("tremplin-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        communes();
        let engine = tremplin_search::open_embedded(&dir).expect("moteur embarqué");
        runtime().block_on(async {
            for (name, settings, docs) in [
                (CONTENUS, contenus_settings(&synonyms), contents),
                (OPPORTUNITES, opportunites_settings(&synonyms), offers),
            ] {
                engine.configure(name, &settings).await.expect("configure");
                engine.upsert(name, docs).await.expect("upsert");
            }
        });
        engine
    })
}

/// One opportunity of the fixture file (the shape `api/tests/relevance.rs` reads).
#[derive(Deserialize)]
struct Fixture {
    id: i64,
    kind: String,
    title: String,
    organisation: String,
    description: String,
    town: String,
    postcode: String,
    lat: Option<f64>,
    lon: Option<f64>,
    #[serde(default)]
    remote: bool,
    contract: String,
    duration: String,
    level: String,
    start_date: Option<String>,
    deadline: Option<String>,
    themes: Vec<String>,
    structure: String,
}

fn opportunity(f: Fixture) -> Opportunity {
    Opportunity {
        id: f.id,
        structure: Structure {
            id: if f.structure == "lille" { 1 } else { 2 },
            slug: f.structure.clone(),
            name: format!("Mission Locale de {}", f.structure),
            town: String::new(),
            contact: String::new(),
        },
        kind: f.kind.parse().unwrap_or(tremplin_api::domain::opportunities::Kind::Job),
        title: f.title,
        organisation: f.organisation,
        description: f.description,
        place: Place {
            town: f.town,
            postcode: f.postcode,
            insee: String::new(),
            lat: f.lat,
            lon: f.lon,
            remote: f.remote,
        },
        contract: f.contract,
        duration: f.duration,
        hours: String::new(),
        level: f.level.parse().unwrap_or(tremplin_api::domain::opportunities::Level::None),
        start_date: f.start_date,
        deadline: f.deadline,
        places: None,
        taken: 0,
        apply: String::new(),
        themes: f.themes,
        status: tremplin_api::domain::opportunities::Status::Published,
        published_at: Some(1_780_000_000 + f.id),
        created_at: 1_780_000_000,
        updated_at: 1_780_000_000,
        ..Opportunity::default()
    }
}

/// The import targets' common path: read, check each row, render what a row shows.
pub mod import {
    use tremplin_api::domain::opportunities::{self, ImportReport};
    use tremplin_api::{index::documents, infra::markdown};

    use crate::{bounded, Bound};

    pub fn check(data: &[u8], file_name: &str, bound: Bound) {
        crate::communes();
        bounded(bound, data.len(), || {
            let Ok(rows) = tremplin_api::domain::opportunities::import::parse(data, file_name) else {
                return;
            };
            let mut report = ImportReport::default();
            for row in rows {
                match row.draft.map(|d| opportunities::validate(&d)) {
                    Ok(Ok(valid)) => {
                        let _ = markdown::safe_html(&valid.description);
                        let _ = documents::markdown_text(&valid.description);
                        report.created += 1;
                    }
                    Ok(Err(fields)) => {
                        for (field, message) in fields {
                            let label = opportunities::field_label(field);
                            report
                                .errors
                                .push((row.line, format!("{label} : {message}")));
                        }
                    }
                    Err(message) => report.errors.push((row.line, message)),
                }
            }
            let _ = report.lines(file_name);
        });
    }
}
