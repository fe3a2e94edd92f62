//! What one edit costs the preview, without the server: loads a site into `Live` as
//! `tremplin serve` does, then applies edits of one page through `Live::apply` and prints the
//! time of each kind (the median of `--edits` runs), so that a profiler sees only the rebuilds.
//!
//! ```text
//! cargo run --release -p tremplin-generator --example edits -- SITE_ROOT PAGE [--edits 15] [--kinds body,summary,title]
//! ```
//!
//! `PAGE` is relative to `content/` (`section-1/page-100.md`). Kinds: `body` appends a
//! paragraph at the end of the page (after its summary), `summary` changes a word at the start
//! of the text, `title` changes the title. The page is written back as it was at the end.

use std::path::PathBuf;
use std::time::Instant;

use tremplin_generator::live::Live;
use tremplin_generator::site::Change;
use tremplin_generator::BuildOptions;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(root), Some(page)) = (args.first(), args.get(1)) else {
        eprintln!("usage : edits SITE_ROOT PAGE [--edits 15] [--kinds body,summary,title]");
        std::process::exit(2);
    };
    let mut edits = 15usize;
    let mut kinds = "body,summary,title".to_string();
    let mut rest = args[2..].iter();
    while let Some(a) = rest.next() {
        match (a.as_str(), rest.next()) {
            ("--edits", Some(v)) => edits = v.parse().expect("--edits N"),
            ("--kinds", Some(v)) => kinds = v.clone(),
            _ => {
                eprintln!("argument inconnu « {a} »");
                std::process::exit(2);
            }
        }
    }
    let root = PathBuf::from(root);
    let file = root.join("content").join(page);
    let original = std::fs::read_to_string(&file).expect("the page exists");
    let (header, body) = original[3..]
        .split_once("+++")
        .map(|(h, b)| (format!("+++{h}+++"), b.to_string()))
        .expect("TOML front matter");

    let started = Instant::now();
    let mut options = BuildOptions::new(&root);
    options.live_reload = true;
    let mut live = Live::new(options).expect("the site loads");
    println!(
        "load and render: {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    for kind in kinds.split(',') {
        let mut ms = Vec::new();
        let mut rendered = 0;
        for i in 0..edits {
            let text = match kind {
                "body" => format!("{header}{body}\nParagraphe corps{i} ajouté.\n"),
                "summary" => {
                    let first = body.trim_start().split(' ').next().unwrap_or("");
                    format!(
                        "{header}{}",
                        body.replacen(first, &format!("Résumé{i} {first}"), 1)
                    )
                }
                "title" => format!(
                    "{}{body}",
                    header.replacen("title = \"", &format!("title = \"titre{i} "), 1)
                ),
                other => panic!("kind « {other} »: body, summary or title"),
            };
            std::fs::write(&file, text).unwrap();
            let t = Instant::now();
            let applied = live.apply(&[Change::Content(page.clone())]);
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(!applied.has_errors, "{}", live.diagnostics());
            rendered += applied.rendered;
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "{kind}: median {:.1} ms, min {:.1} ms, max {:.1} ms, {:.0} outputs rendered per edit (n={edits})",
            ms[ms.len() / 2],
            ms[0],
            ms[ms.len() - 1],
            rendered as f64 / edits as f64
        );
        std::fs::write(&file, &original).unwrap();
        live.apply(&[Change::Content(page.clone())]);
    }
}
