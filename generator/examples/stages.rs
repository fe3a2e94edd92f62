//! Where a build's time and memory go: runs the stages of `tremplin build` one by one through the
//! crate's public API and prints the wall time and resident memory after each.
//!
//! ```text
//! cargo run --release -p tremplin-generator --example stages -- SITE_ROOT OUTPUT_DIR
//! ```
//!
//! The content is read twice (once alone, to time it, then inside `Site::load`); the other stages
//! are those of `tremplin_generator::build` (render by chunks of 1,024 outputs, each staged beside
//! the output folder, then moved into place), without its build manifest: every run is a full
//! build. Linux only for the memory figures (`/proc/self/status`).

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tremplin_generator::{
    config::Config, content, output, site::Site, templates::Templates, BuildOptions,
};

/// Current and peak resident memory in MB, from `/proc/self/status`.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    format!(
        "RSS {:6.0} Mo, pic {:6.0} Mo",
        field("VmRSS:"),
        field("VmHWM:")
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(root), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage : stages SITE_ROOT OUTPUT_DIR");
        std::process::exit(2);
    };
    let root = PathBuf::from(root);
    let options = BuildOptions {
        output: PathBuf::from(out),
        ..BuildOptions::new(&root)
    };
    let all = Instant::now();
    let step = |name: &str, started: Instant| {
        eprintln!(
            "{name:<44} {:7.3} s   {}",
            started.elapsed().as_secs_f64(),
            memory()
        );
    };

    let t = Instant::now();
    let config = Config::load(&root).expect("tremplin.toml");
    let _templates = Templates::load(&root, &config);
    step("configuration + gabarits", t);
    let t = Instant::now();
    let names: Vec<&str> = config.taxonomies.iter().map(|t| t.name.as_str()).collect();
    let raw = content::Raw::read_all(&root, &names);
    step("lecture du contenu seule (Raw::read_all)", t);
    let t = Instant::now();
    let library = content::assemble(&raw, &config, false);
    step(
        &format!("assemblage seul ({} pages)", library.pages.len()),
        t,
    );
    drop((raw, library));

    let t = Instant::now();
    let mut site = match Site::load(&options) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            std::process::exit(1);
        }
    };
    site.forget_sources();
    step("Site::load (contenu, Markdown, données, contrôles)", t);
    let mut diags = site.diagnostics();
    if diags.has_errors() {
        eprintln!("{diags}");
        std::process::exit(1);
    }

    // As `tremplin_generator::build` does: render by chunks, each staged beside the output.
    let out_dir = options.output_dir();
    let mut stage = output::Stage::new(&out_dir).expect("staging folder");
    let ids = site.all_outputs();
    let (mut render_time, mut stage_time) = (Duration::ZERO, Duration::ZERO);
    let (mut rendered, mut bytes) = (Vec::new(), 0usize);
    let mut keep = HashSet::new();
    for chunk in ids.chunks(1024) {
        let t = Instant::now();
        let (files, problems) = site.render(chunk);
        render_time += t.elapsed();
        diags.extend(problems);
        for f in &files {
            keep.insert(out_dir.join(&f.path));
            rendered.push(output::OutputFile::bytes(f.path.clone(), Vec::new()));
            if let output::Content::Bytes(b) = &f.content {
                bytes += b.len();
            }
        }
        let t = Instant::now();
        stage.add(&files).expect("staging");
        stage_time += t.elapsed();
    }
    eprintln!(
        "{:<44} {:7.3} s   {}",
        format!(
            "render ({} sorties, {:.0} Mo)",
            rendered.len(),
            bytes as f64 / 1e6
        ),
        render_time.as_secs_f64(),
        memory()
    );
    eprintln!(
        "{:<44} {:7.3} s",
        "écriture dans le dossier d'étape",
        stage_time.as_secs_f64()
    );
    let t = Instant::now();
    let (extras, problems) = site.extras(&rendered);
    diags.extend(problems);
    if diags.has_errors() {
        eprintln!("{diags}");
        std::process::exit(1);
    }
    for f in &extras {
        keep.insert(out_dir.join(&f.path));
    }
    stage.add(&extras).expect("staging");
    step(
        &format!("extras (flux, sitemap… ; {} fichiers)", extras.len()),
        t,
    );
    let t = Instant::now();
    let files = stage.len();
    let stats = stage.commit().expect("commit");
    let removed = output::remove_stale(&out_dir, &keep).expect("remove stale");
    step(
        &format!(
            "mise en place ({files} fichiers : {} écrits, {} inchangés, {removed} retirés)",
            stats.written, stats.unchanged
        ),
        t,
    );
    step("total", all);
}
