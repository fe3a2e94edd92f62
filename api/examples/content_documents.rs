//! What `serve` spends on the search index after an edit: the documents of every page of a site
//! (`index::contents::site_documents`, what a structural change costs) against those of the one page
//! whose body changed (`index::contents::page_documents`, what a body edit costs now).
//!
//! ```text
//! cargo run --release -p tremplin-api --example content_documents -- --root SITE [--runs 20]
//! ```
//!
//! SITE is a site folder, for example the synthetic one of `bench/build.sh`
//! (`synth --pages 10000 --out DIR`, then `DIR/tremplin`).

use std::path::PathBuf;
use std::time::Instant;

use tremplin_api::index::contents::{page_documents, site_documents};
use tremplin_generator::site::Site;
use tremplin_generator::BuildOptions;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let root = PathBuf::from(arg("--root").expect("--root SITE"));
    let runs: usize = arg("--runs").map_or(20, |r| r.parse().expect("--runs N"));
    let site = Site::load(&BuildOptions::new(&root)).unwrap_or_else(|d| panic!("{d}"));
    let mut pages: Vec<String> = site.library.pages.keys().cloned().collect();
    pages.sort();
    let one = vec![pages[pages.len() / 2].clone()];

    let time = |f: &dyn Fn() -> usize| {
        let mut ms: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        ms[ms.len() / 2]
    };
    let all = time(&|| site_documents(&site).len());
    let single = time(&|| page_documents(&site, &one).len());
    println!(
        "{} pages, {} documents; median of {runs} runs:",
        pages.len(),
        site_documents(&site).len()
    );
    println!("  every page's document (a structural change): {all:.2} ms");
    println!("  one page's document ({}): {single:.3} ms", one[0]);
    println!("  ratio: {:.0}x", all / single.max(1e-6));
}
