//! The weight budget: a guide page's HTML plus the site's stylesheet, each gzip-compressed
//! (level 9), must stay under 14 KB, so that a guide arrives in the first round trips of a slow
//! mobile connection. The FAQ pages (the list of questions, each theme's answers, each answer's
//! own page) are held to the same budget. Builds the demo site into a temporary folder; prints
//! the figures.

mod common;

use std::io::Write;
use std::path::Path;

use common::*;
use flate2::write::GzEncoder;
use flate2::Compression;

const BUDGET: usize = 14 * 1024;

/// Other pages, printed for information (not held to the budget).
const OTHERS: &[&str] = &[
    "index.html",
    "guides/index.html",
    "actualites/index.html",
    "themes/emploi/index.html",
    "404.html",
];

fn gzip_len(bytes: &[u8]) -> usize {
    let mut enc = GzEncoder::new(Vec::new(), Compression::new(9));
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap().len()
}

struct Weight {
    page: String,
    html: usize,
    html_gz: usize,
    total_gz: usize,
}

fn weigh(out: &Path, page: &str, css_gz: usize) -> Weight {
    let html = std::fs::read(out.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
    let html_gz = gzip_len(&html);
    Weight {
        page: page.to_string(),
        html: html.len(),
        html_gz,
        total_gz: html_gz + css_gz,
    }
}

fn print_table(title: &str, rows: &[Weight], css_gz: usize) {
    println!("\n{title}");
    println!(
        "{:<48} {:>9} {:>9} {:>9} {:>10} {:>8}",
        "page", "HTML", "HTML gz", "CSS gz", "total gz", "margin"
    );
    for w in rows {
        println!(
            "{:<48} {:>9} {:>9} {:>9} {:>10} {:>8}",
            w.page,
            w.html,
            w.html_gz,
            css_gz,
            w.total_gz,
            BUDGET as i64 - w.total_gz as i64
        );
    }
}

/// Every `<dir>/<name>/index.html` of the built site (not the section's `page/` folders).
fn pages_under(out: &Path, dir: &str, css_gz: usize) -> Vec<Weight> {
    std::fs::read_dir(out.join(dir))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().unwrap().is_dir() && e.file_name() != "page")
        .filter(|e| e.path().join("index.html").is_file())
        .map(|e| {
            let page = format!("{dir}/{}/index.html", e.file_name().to_string_lossy());
            weigh(out, &page, css_gz)
        })
        .collect()
}

#[test]
fn guide_and_faq_pages_fit_the_compressed_budget() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path();
    let o = tremplin(root, &["build", "--output", out.to_str().unwrap()]);
    assert!(o.status.success(), "build failed:\n{}", stderr(&o));

    let css = std::fs::read(out.join("css/site.css")).expect("css/site.css is built");
    let css_gz = gzip_len(&css);

    // Every guides/<slug>/index.html (not the section's own pages).
    let mut guides = pages_under(out, "guides", css_gz);
    assert!(
        guides.iter().any(|w| w.page == "guides/cv/index.html"),
        "no guide found under {}",
        out.join("guides").display()
    );
    // The FAQ: its list, each theme's page and each entry's page.
    let mut faq = pages_under(out, "faq", css_gz);
    faq.push(weigh(out, "faq/index.html", css_gz));
    assert!(
        faq.iter().any(|w| w.page == "faq/emploi/index.html"),
        "no FAQ theme page under {}",
        out.join("faq").display()
    );
    faq.sort_by(|a, b| b.total_gz.cmp(&a.total_gz).then(a.page.cmp(&b.page)));
    guides.sort_by(|a, b| b.total_gz.cmp(&a.total_gz).then(a.page.cmp(&b.page)));

    println!(
        "budget: {BUDGET} bytes (HTML gz + CSS gz, gzip -9); css/site.css: {} bytes, {css_gz} gz",
        css.len()
    );
    print_table(
        &format!("{} guides, heaviest first", guides.len()),
        &guides,
        css_gz,
    );
    let others: Vec<Weight> = OTHERS
        .iter()
        .filter(|p| out.join(p).is_file())
        .map(|p| weigh(out, p, css_gz))
        .collect();
    print_table(
        &format!("{} FAQ pages, heaviest first", faq.len()),
        &faq[..faq.len().min(12)],
        css_gz,
    );
    print_table("other pages (for information)", &others, css_gz);

    let over: Vec<String> = guides
        .iter()
        .chain(&faq)
        .filter(|w| w.total_gz >= BUDGET)
        .map(|w| {
            format!(
                "{}: {} bytes gz ({} HTML + {css_gz} CSS), must stay under {BUDGET} (over by {})",
                w.page,
                w.total_gz,
                w.html_gz,
                w.total_gz - BUDGET
            )
        })
        .collect();
    assert!(
        over.is_empty(),
        "{} guide or FAQ page(s) over the compressed budget:\n{}",
        over.len(),
        over.join("\n")
    );
}
