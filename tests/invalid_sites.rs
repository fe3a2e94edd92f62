//! Each invalid fixture site must produce exactly the diagnostics in its `expected.txt`, through
//! both `tremplin check` (without the editorial checks) and `tremplin build`, and a failed build
//! writes nothing.

mod common;

use common::*;

fn check(name: &str) {
    let site = site(&format!("invalid/{name}"));
    let expected = read(fixtures().join("invalid").join(name).join("expected.txt"));
    // The editorial checks (warnings, which `build` does not run) have their own fixtures in
    // `tests/editorial.rs`.
    let out = tremplin(site.path(), &["check", "--sans-redaction"]);
    assert!(!out.status.success(), "check must fail for {name}");
    assert_eq!(
        diagnostics(&out).trim_end(),
        expected.trim_end(),
        "diagnostics of `check` for {name}"
    );
    assert!(!site.path().join("public").exists(), "check writes nothing");

    let out = tremplin(site.path(), &["build"]);
    assert!(!out.status.success(), "build must fail for {name}");
    assert_eq!(
        diagnostics(&out).trim_end(),
        expected.trim_end(),
        "diagnostics of `build` for {name}"
    );
    assert!(stderr(&out).contains("Le site précédent n'a pas été modifié."));
    assert!(
        !site.path().join("public").exists(),
        "a failed build writes nothing"
    );
}

#[test]
fn front_matter() {
    check("front-matter");
}

#[test]
fn links() {
    check("links");
}

#[test]
fn config() {
    check("config");
}

#[test]
fn templates() {
    check("templates");
}

#[test]
fn duplicates() {
    check("duplicates");
}

#[test]
fn shortcodes() {
    check("shortcodes");
}

#[test]
fn taxonomies() {
    check("taxonomies");
}

#[test]
fn raw_html() {
    check("raw-html");
}

/// Every fixture folder has its test above.
#[test]
fn every_fixture_is_tested() {
    let src = read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid_sites.rs"));
    for entry in std::fs::read_dir(fixtures().join("invalid")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            src.contains(&format!("check(\"{name}\")")),
            "fixture invalid/{name} has no test"
        );
    }
}
