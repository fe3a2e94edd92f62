//! The editorial checks of `tremplin check`: each fixture site of `tests/fixtures/editorial`
//! gives exactly the warnings of its `expected.txt`, `--strict` makes them errors, and
//! `tremplin build` does not run them. Then what goes with them: the glossary's `<abbr>` and
//! page, the `--lisibilite` table, `tremplin sources --par-source`, and the demo, which passes
//! `tremplin check --strict`.

mod common;

use common::servers::demo_site;
use common::*;

/// The fixture `editorial/<name>`: `check` warns with exactly its `expected.txt` and succeeds,
/// `check --strict` fails with the same lines as errors, `build` says nothing of them.
fn check(name: &str) -> tempfile::TempDir {
    let site = site(&format!("editorial/{name}"));
    let expected = read(fixtures().join("editorial").join(name).join("expected.txt"));
    let out = tremplin(site.path(), &["check"]);
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    assert_eq!(
        diagnostics(&out).trim_end(),
        expected.trim_end(),
        "diagnostics of `check` for {name}"
    );
    assert!(
        stderr(&out).contains("Contenu vérifié : aucune erreur"),
        "{}",
        stderr(&out)
    );

    let out = tremplin(site.path(), &["check", "--strict"]);
    assert!(!out.status.success(), "--strict fails on warnings ({name})");
    assert_eq!(
        diagnostics(&out).trim_end(),
        expected.trim_end().replace(": attention : ", ": "),
        "diagnostics of `check --strict` for {name}"
    );

    let out = tremplin(site.path(), &["check", "--sans-redaction"]);
    assert!(out.status.success());
    assert_eq!(diagnostics(&out), "", "{name} without the editorial checks");

    let out = tremplin(site.path(), &["build", "--no-index"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        diagnostics(&out),
        "",
        "build runs no editorial check ({name})"
    );
    site
}

#[test]
fn acronyms() {
    let site = check("acronymes");
    // The first use of each glossary word on a page is explained, and links to the glossary's
    // page, which the theme (here the site's templates) shows.
    let page = read(site.path().join("public/guides/permis/index.html"));
    let caf = "<a class=\"glossaire\" href=\"https://exemple.fr/glossaire/#caf\"><abbr title=\"caisse d'allocations familiales\">CAF</abbr></a>";
    assert_eq!(page.matches(caf).count(), 1, "{page}");
    assert!(
        page.contains("La CAF répond vite."),
        "only the first use: {page}"
    );
    assert!(page.contains("<abbr title=\"journée défense et citoyenneté\">JDC</abbr>"));
    let glossary = read(site.path().join("public/glossaire/index.html"));
    assert!(
        glossary.contains("<dt id=\"caf\">CAF : caisse d&#39;allocations familiales</dt><dd>L&#39;organisme qui verse les aides au logement.</dd><dt id=\"cv\">"),
        "{glossary}"
    );
}

#[test]
fn acronyms_without_a_glossary_page() {
    // A theme without `glossaire.html`: the words are explained, with no link and no page.
    let site = site("editorial/acronymes");
    std::fs::remove_file(site.path().join("templates/glossaire.html")).unwrap();
    let out = tremplin(site.path(), &["build", "--no-index"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = read(site.path().join("public/guides/permis/index.html"));
    assert!(
        page.contains("la <abbr title=\"caisse d'allocations familiales\">CAF</abbr> si"),
        "{page}"
    );
    assert!(!page.contains("class=\"glossaire\""));
    assert!(!site.path().join("public/glossaire").exists());
}

#[test]
fn sources() {
    let site = check("sources");
    // Dated more than ten years ago: only the 2016 text is stale, for years to come.
    let out = tremplin(site.path(), &["sources", "--par-source", "--mois", "120"]);
    let expected = read(fixtures().join("editorial/sources/par-source.txt"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        expected.trim_end()
    );
}

#[test]
fn readability() {
    let site = check("lisibilite");
    let out = tremplin(site.path(), &["check", "--lisibilite"]);
    assert!(out.status.success());
    let expected = read(fixtures().join("editorial/lisibilite/tableau.txt"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        expected.trim_end()
    );
}

#[test]
fn words() {
    check("mots");
}

/// Every fixture folder has its test above.
#[test]
fn every_fixture_is_tested() {
    let src = read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/editorial.rs"));
    for entry in std::fs::read_dir(fixtures().join("editorial")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            src.contains(&format!("check(\"{name}\")")),
            "fixture editorial/{name} has no test"
        );
    }
}

/// The demo passes the strictest check: no error, no warning, editorial ones included (a fact
/// without its source, an acronym not explained, a long sentence fail it).
#[test]
fn the_demo_passes_check_strict() {
    let site = demo_site();
    let out = tremplin(site.path(), &["check", "--strict"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(diagnostics(&out), "", "the demo has no diagnostic");
}
