//! Where a build's time and memory go: runs the stages of `tremplin build` one by one through the
//! crate's public API and prints the wall time and resident memory after each.
//!
//! ```text
//! cargo run --release -p tremplin-generator --example stages -- SITE_ROOT OUTPUT_DIR
//! ```
//!
//! The content is read twice (once alone, to time it, then inside `Site::load`); the other stages
//! are those of `tremplin_generator::build`. Linux only for the memory figures (`/proc/self/status`).

use std::path::PathBuf;
use std::time::Instant;

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
    let site = match Site::load(&options) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            std::process::exit(1);
        }
    };
    step("Site::load (contenu, Markdown, données, contrôles)", t);
    let mut diags = site.diagnostics();
    if diags.has_errors() {
        eprintln!("{diags}");
        std::process::exit(1);
    }

    let t = Instant::now();
    let ids = site.all_outputs();
    let (mut files, problems) = site.render(&ids);
    diags.extend(problems);
    step(&format!("render ({} sorties par gabarit)", files.len()), t);
    let t = Instant::now();
    let (extra, problems) = site.extras(&files);
    diags.extend(problems);
    files.extend(extra);
    let bytes: usize = files
        .iter()
        .map(|f| match &f.content {
            output::Content::Bytes(b) => b.len(),
            output::Content::Copy(_) => 0,
        })
        .sum();
    step(
        &format!(
            "extras (flux, sitemap… ; {} fichiers, {:.0} Mo)",
            files.len(),
            bytes as f64 / 1e6
        ),
        t,
    );
    if diags.has_errors() {
        eprintln!("{diags}");
        std::process::exit(1);
    }

    let t = Instant::now();
    let stats = output::write_all(&options.output_dir(), &files).expect("write");
    step(
        &format!(
            "write_all ({} écrits, {} inchangés)",
            stats.written, stats.unchanged
        ),
        t,
    );
    step("total", all);
}
