//! Incremental rebuilds give exactly what a full build gives: after each change, the outputs
//! kept by `Live` are compared with a fresh full render of the same site.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tremplin_generator::live::Live;
use tremplin_generator::site::Change;
use tremplin_generator::{render_site, BuildOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("valid/basic"), dir.path());
    copy_dir(
        &fixtures().join("theme-mini"),
        &dir.path().join("themes/mini"),
    );
    dir
}

fn live_files(live: &Live) -> BTreeMap<String, Vec<u8>> {
    live.paths()
        .map(|p| (p.clone(), live.get(p).unwrap().read().unwrap().into_owned()))
        .collect()
}

fn full_files(options: &BuildOptions) -> BTreeMap<String, Vec<u8>> {
    let out = render_site(options).unwrap_or_else(|d| panic!("full build fails:\n{d}"));
    out.files
        .iter()
        .map(|f| (f.path.clone(), f.read().unwrap().into_owned()))
        .collect()
}

fn assert_same(live: &Live, options: &BuildOptions, step: &str) {
    let (a, b) = (live_files(live), full_files(options));
    let a_keys: Vec<&String> = a.keys().collect();
    let b_keys: Vec<&String> = b.keys().collect();
    assert_eq!(a_keys, b_keys, "{step}: same files");
    for (k, v) in &a {
        assert!(
            v == &b[k],
            "{step}: {k} differs:\n--- incremental\n{}\n--- full\n{}",
            String::from_utf8_lossy(v),
            String::from_utf8_lossy(&b[k])
        );
    }
}

/// One output of the preview, as text.
fn served(live: &Live, path: &str) -> String {
    let bytes = live.get(path).unwrap_or_else(|| panic!("{path} is served"));
    String::from_utf8(bytes.read().unwrap().into_owned()).unwrap()
}

fn edit(root: &Path, rel: &str, from: &str, to: &str) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn content(rel: &str) -> Change {
    Change::Content(rel.to_string())
}

#[test]
fn every_kind_of_change_matches_a_full_build() {
    let dir = site();
    let root = dir.path();
    let options = BuildOptions::new(root);
    let mut live = Live::new(options.clone()).unwrap();
    assert!(!live.diagnostics().has_errors());
    assert_same(&live, &options, "start");

    edit(
        root,
        "content/guides/lettre.md",
        "Par courriel.",
        "Par courriel ou par la poste.",
    );
    let applied = live.apply(&[content("guides/lettre.md")]);
    assert_eq!(
        applied.changed,
        vec![
            "atom.xml",
            "guides/atom.xml",
            "guides/lettre/index.html",
            "themes/emploi/atom.xml"
        ]
    );
    assert_eq!(
        applied.bodies_of,
        Some(vec!["guides/lettre.md".to_string()]),
        "a body edit says which pages (for the search index)"
    );
    assert_same(&live, &options, "body edit");

    edit(
        root,
        "content/guides/lettre.md",
        "La lettre de motivation",
        "Adresser sa lettre",
    );
    let applied = live.apply(&[content("guides/lettre.md")]);
    assert_eq!(
        applied.bodies_of, None,
        "a front matter edit is more than bodies"
    );
    assert_same(&live, &options, "title edit that reorders the section");

    edit(
        root,
        "content/actualites/nouvelle-1.md",
        "date = 2025-01-10",
        "date = 2025-06-10",
    );
    live.apply(&[content("actualites/nouvelle-1.md")]);
    assert_same(&live, &options, "date edit that reorders the pages");

    edit(
        root,
        "content/guides/cv/index.md",
        "themes = [\"Emploi\", \"formation\"]",
        "themes = [\"mobilité\"]",
    );
    live.apply(&[content("guides/cv/index.md")]);
    assert_same(&live, &options, "taxonomy edit");

    std::fs::write(
        root.join("content/guides/nouveau.md"),
        "+++\ntitle = \"Nouveau guide\"\ndate = 2025-05-05\n[taxonomies]\nthemes = [\"emploi\"]\n+++\nVoir [le CV](@/guides/cv/index.md).\n",
    )
    .unwrap();
    live.apply(&[content("guides/nouveau.md")]);
    assert_same(&live, &options, "page added");

    std::fs::remove_file(root.join("content/actualites/nouvelle-2.md")).unwrap();
    live.apply(&[content("actualites/nouvelle-2.md")]);
    assert_same(&live, &options, "page deleted (one listing page less)");

    edit(
        root,
        "content/guides/lettre.md",
        "title: \"Adresser sa lettre\"",
        "title: \"Adresser sa lettre\"\nslug: \"envoyer\"",
    );
    live.apply(&[content("guides/lettre.md")]);
    assert_same(
        &live,
        &options,
        "page moved: the pages linking to it follow",
    );

    edit(
        root,
        "content/guides/_index.md",
        "title = \"Guides\"",
        "title = \"Nos guides\"",
    );
    live.apply(&[content("guides/_index.md")]);
    assert_same(&live, &options, "section edit");

    edit(
        root,
        "themes/mini/templates/page.html",
        "<h1>{{ page.title }}</h1>",
        "<h1 class=\"titre\">{{ page.title }}</h1>",
    );
    live.apply(&[Change::Template { shortcode: false }]);
    assert_same(&live, &options, "template edit");

    edit(
        root,
        "themes/mini/templates/shortcodes/boite.html",
        "<aside class=\"boite\">",
        "<aside class=\"encadre\">",
    );
    live.apply(&[Change::Template { shortcode: true }]);
    assert_same(&live, &options, "shortcode edit");

    std::fs::write(root.join("static/css/autre.css"), "p { margin: 0 }").unwrap();
    live.apply(&[Change::Static]);
    assert_same(&live, &options, "static file added");

    edit(root, "tremplin.toml", "paginate_by = 2", "paginate_by = 1");
    live.apply(&[Change::Config]);
    assert_same(&live, &options, "configuration edit");
}

#[test]
fn errors_keep_the_last_good_site_until_fixed() {
    let dir = site();
    let root = dir.path();
    let options = BuildOptions::new(root);
    let mut live = Live::new(options.clone()).unwrap();
    let good = live_files(&live);

    edit(
        root,
        "content/guides/lettre.md",
        "Par courriel.",
        "Par courriel. [cassé](@/absent.md)",
    );
    edit(
        root,
        "content/guides/cv/index.md",
        "Le CV en bref.",
        "Le CV en très bref.",
    );
    let applied = live.apply(&[content("guides/lettre.md"), content("guides/cv/index.md")]);
    assert!(applied.has_errors);
    assert!(applied.changed.is_empty());
    assert_eq!(
        live.diagnostics().to_string(),
        "content/guides/lettre.md:11: lien interne cassé : « @/absent.md » n'existe pas\n"
    );
    assert_eq!(live_files(&live), good, "the last good version is kept");

    // A deleted page disappears even while the site has errors.
    std::fs::remove_file(root.join("content/actualites/nouvelle-3.md")).unwrap();
    let applied = live.apply(&[content("actualites/nouvelle-3.md")]);
    assert!(applied.has_errors);
    assert_eq!(
        applied.changed,
        vec![
            "actualites/nouvelle-3/index.html",
            "actualites/page/2/index.html",
            "themes/emploi/page/3/index.html"
        ]
    );

    edit(
        root,
        "content/guides/lettre.md",
        " [cassé](@/absent.md)",
        "",
    );
    let applied = live.apply(&[content("guides/lettre.md")]);
    assert!(!applied.has_errors);
    assert!(
        applied
            .changed
            .contains(&"guides/cv/index.html".to_string()),
        "pending work is done once fixed"
    );
    assert_same(&live, &options, "fixed");

    // A heading renamed breaks the anchor another page links to; renaming it back mends it.
    edit(
        root,
        "content/guides/lettre.md",
        "## Où l'envoyer ?",
        "## Où la poster ?",
    );
    assert!(live.apply(&[content("guides/lettre.md")]).has_errors);
    assert_eq!(
        live.diagnostics().to_string(),
        "content/guides/cv/index.md:17: ancre introuvable : « @/guides/lettre.md#ou-l-envoyer » ne correspond à aucun titre de cette page — vouliez-vous dire « ou-la-poster » ?\n"
    );
    edit(
        root,
        "content/guides/lettre.md",
        "## Où la poster ?",
        "## Où l'envoyer ?",
    );
    assert!(!live.apply(&[content("guides/lettre.md")]).has_errors);
    assert_same(&live, &options, "anchor mended");

    // A broken configuration keeps the site, and its fix brings everything back.
    edit(root, "tremplin.toml", "title = ", "titel = ");
    let applied = live.apply(&[Change::Config]);
    assert!(applied.has_errors);
    assert_eq!(
        live.diagnostics().to_string(),
        "tremplin.toml:1: clé inconnue « titel » — vouliez-vous dire « title » ?\n"
    );
    edit(root, "tremplin.toml", "titel = ", "title = ");
    assert!(!live.apply(&[Change::Config]).has_errors);
    assert_same(&live, &options, "configuration fixed");
}

/// `Site::update` says what it changed: the outputs to render again, and the pages when only
/// their bodies changed.
#[test]
fn update_returns_what_changed() {
    use tremplin_generator::site::{OutputId, Site};
    let dir = site();
    let root = dir.path();
    let mut site = Site::load(&BuildOptions::new(root)).unwrap();

    edit(
        root,
        "content/guides/lettre.md",
        "Par courriel.",
        "Par courriel ou par la poste.",
    );
    let updated = site.update(&[content("guides/lettre.md")]);
    assert_eq!(
        updated.bodies_of,
        Some(vec!["guides/lettre.md".to_string()])
    );
    assert!(updated
        .outputs
        .contains(&OutputId::Page("guides/lettre.md".to_string())));

    edit(
        root,
        "content/guides/lettre.md",
        "La lettre de motivation",
        "Adresser sa lettre",
    );
    let updated = site.update(&[content("guides/lettre.md")]);
    assert_eq!(updated.bodies_of, None, "a title edit is more than bodies");
    assert!(updated
        .outputs
        .contains(&OutputId::Page("guides/lettre.md".to_string())));

    std::fs::write(root.join("static/nouveau.txt"), "bonjour").unwrap();
    let updated = site.update(&[Change::Static]);
    assert_eq!(updated.bodies_of, None, "a static file is copied again");
}

#[test]
fn classify_paths() {
    use tremplin_generator::site::classify;
    let root = Path::new("/site");
    let check = |p: &str, expected: Option<Change>| {
        assert_eq!(classify(root, Some("mini"), &root.join(p)), expected, "{p}")
    };
    check("content/guides/cv.md", Some(content("guides/cv.md")));
    check(
        "content/guides/cv/photo.png",
        Some(content("guides/cv/photo.png")),
    );
    check("content/guides/.cv.md.swp", None);
    check("content/guides/cv.md~", None);
    check("content/4913", None);
    check(
        "templates/page.html",
        Some(Change::Template { shortcode: false }),
    );
    check(
        "themes/mini/templates/shortcodes/boite.html",
        Some(Change::Template { shortcode: true }),
    );
    check("themes/autre/templates/page.html", None);
    check("themes/mini/static/css/site.css", Some(Change::Static));
    check("static/img/logo.png", Some(Change::Static));
    check("tremplin.toml", Some(Change::Config));
    check("public/index.html", None);
    check("README.md", None);
    assert_eq!(
        classify(root, None, Path::new("/ailleurs/content/a.md")),
        None
    );
}

/// The demo site's FAQ: answers are shown on one page per theme, through `get_page`; editing an
/// answer, moving it to another theme or adding a question must update those pages as a full
/// build would.
#[test]
fn the_demo_faq_theme_pages_follow_the_edits() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for part in ["content", "themes", "static", "templates"] {
        if repo.join(part).is_dir() {
            copy_dir(&repo.join(part), &root.join(part));
        }
    }
    std::fs::copy(repo.join("tremplin.toml"), root.join("tremplin.toml")).unwrap();
    let options = BuildOptions::new(root);
    let mut live = Live::new(options.clone()).unwrap();
    assert!(
        live.diagnostics().is_empty(),
        "the demo builds without diagnostic:\n{}",
        live.diagnostics()
    );
    assert!(
        served(&live, "themes/sante/index.html")
            .contains("/faq/sante/\">Questions fréquentes : Santé</a>"),
        "a theme's page leads to its FAQ page"
    );

    edit(
        root,
        "content/faq/carte-vitale.md",
        "La carte Vitale est **gratuite**.",
        "La carte Vitale est **toujours gratuite**.",
    );
    let applied = live.apply(&[content("faq/carte-vitale.md")]);
    assert!(
        applied.changed.iter().any(|p| p == "faq/sante/index.html"),
        "the theme page shows the answer: {:?}",
        applied.changed
    );
    let page = served(&live, "faq/sante/index.html");
    assert!(page.contains("toujours gratuite"));
    assert_same(&live, &options, "an answer edited");

    edit(
        root,
        "content/faq/carte-vitale.md",
        "themes = [\"santé\"",
        "themes = [\"vie quotidienne\"",
    );
    live.apply(&[content("faq/carte-vitale.md")]);
    assert_same(&live, &options, "an answer moved to another theme");
    let page = served(&live, "faq/vie-quotidienne/index.html");
    assert!(page.contains("id=\"carte-vitale\""));

    std::fs::write(
        root.join("content/faq/nouvelle-question.md"),
        "+++\ntitle = \"Une nouvelle question ?\"\ndate = 2026-11-20\n\n[taxonomies]\nthemes = [\"logement\"]\n+++\n\nUne réponse courte.\n",
    )
    .unwrap();
    live.apply(&[content("faq/nouvelle-question.md")]);
    assert_same(&live, &options, "a question added");
    let faq = served(&live, "faq/index.html");
    assert!(faq.contains("/faq/logement/#nouvelle-question\""), "{faq}");
}

/// The fixture whose sections and terms list all their pages, as a Zola site does: sections
/// show summaries, `tags` terms titles and dates, `formats` terms reading times.
fn listings_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("valid/listings"), dir.path());
    dir
}

/// The listings among `outputs` (sections and terms), to say which a change renders again.
fn listings(
    outputs: &std::collections::BTreeSet<tremplin_generator::site::OutputId>,
) -> Vec<String> {
    use tremplin_generator::site::OutputId;
    outputs
        .iter()
        .filter_map(|id| match id {
            OutputId::Section(k, i) => Some(format!("section {k} {i}")),
            OutputId::Term(t, slug, i) => Some(format!("term {t} {slug} {i}")),
            _ => None,
        })
        .collect()
}

#[test]
fn a_summary_edit_renders_the_listings_that_show_summaries() {
    use tremplin_generator::site::{OutputId, Site};
    let dir = listings_site();
    let root = dir.path();
    let mut site = Site::load(&BuildOptions::new(root)).unwrap();
    assert!(site.diagnostics().is_empty(), "{}", site.diagnostics());

    edit(
        root,
        "content/guides/cv.md",
        "tient sur une page.",
        "tient sur deux pages.",
    );
    let updated = site.update(&[content("guides/cv.md")]);
    assert_eq!(updated.bodies_of, Some(vec!["guides/cv.md".to_string()]));
    assert!(updated
        .outputs
        .contains(&OutputId::Page("guides/cv.md".to_string())));
    // The section shows summaries; `formats` shows reading times, but the number of words did
    // not change; `tags` shows neither.
    assert_eq!(
        listings(&updated.outputs),
        vec!["section guides/_index.md 1"]
    );

    // One more word before `<!-- more -->`: the summary and the reading time's word count.
    edit(
        root,
        "content/guides/cv.md",
        "tient sur deux pages.",
        "tient sur deux pages bien remplies.",
    );
    let updated = site.update(&[content("guides/cv.md")]);
    assert_eq!(
        listings(&updated.outputs),
        vec!["section guides/_index.md 1", "term 1 guide 1"],
        "the section (summary) and the `formats` term (word count), not the `tags` terms"
    );
}

#[test]
fn an_edit_after_the_summary_renders_no_term_page() {
    use tremplin_generator::site::{OutputId, Site};
    let dir = listings_site();
    let root = dir.path();
    let mut site = Site::load(&BuildOptions::new(root)).unwrap();

    // Same number of words: neither the summary nor the reading time changes.
    edit(
        root,
        "content/guides/cv.md",
        "Expérience, formation, compétences.",
        "Compétences, formation, expérience.",
    );
    let updated = site.update(&[content("guides/cv.md")]);
    assert_eq!(
        updated.outputs.iter().collect::<Vec<_>>(),
        vec![&OutputId::Page("guides/cv.md".to_string())],
        "only the page itself"
    );

    // A page without summary: its whole text is its body, and no listing shows it.
    edit(
        root,
        "content/guides/entretien.md",
        "Relire l'offre.",
        "Relire l'offre et l'entreprise.",
    );
    let updated = site.update(&[content("guides/entretien.md")]);
    assert_eq!(
        listings(&updated.outputs),
        vec!["term 1 guide 1"],
        "only the listing that shows reading times (two words more)"
    );
}

/// The equivalence of `every_kind_of_change_matches_a_full_build`, on listings without
/// pagination whose templates show different parts of the pages.
#[test]
fn edits_on_a_site_with_taxonomies_match_a_full_build() {
    let dir = listings_site();
    let root = dir.path();
    let options = BuildOptions::new(root);
    let mut live = Live::new(options.clone()).unwrap();
    assert!(live.diagnostics().is_empty(), "{}", live.diagnostics());
    assert_same(&live, &options, "start");

    edit(
        root,
        "content/actualites/forum.md",
        "Entrée libre, à la mairie.",
        "Entrée libre, salle des fêtes.",
    );
    let applied = live.apply(&[content("actualites/forum.md")]);
    assert_eq!(
        applied.changed,
        vec!["actualites/forum/index.html"],
        "after the summary: the page alone (feeds carry the summary)"
    );
    assert_eq!(
        applied.rendered, 1,
        "the page alone (as many words as before)"
    );
    assert_same(&live, &options, "body edit after the summary");

    edit(
        root,
        "content/actualites/forum.md",
        "Un forum le 2 avril.",
        "Un forum le 3 avril.",
    );
    let applied = live.apply(&[content("actualites/forum.md")]);
    assert!(
        applied
            .changed
            .contains(&"actualites/index.html".to_string()),
        "the section shows the new summary: {:?}",
        applied.changed
    );
    assert!(!applied
        .changed
        .iter()
        .any(|p| p.starts_with("tags/") && p.ends_with(".html")));
    assert_same(&live, &options, "summary edit");

    edit(
        root,
        "content/guides/lettre.md",
        "## Où l'envoyer ?",
        "## Où l'envoyer et quand ?",
    );
    live.apply(&[content("guides/lettre.md")]);
    assert_same(&live, &options, "a heading renamed (an anchor of the page)");

    edit(
        root,
        "content/guides/lettre.md",
        "title = \"La lettre de motivation\"",
        "title = \"Adresser sa lettre\"",
    );
    let applied = live.apply(&[content("guides/lettre.md")]);
    for shown in [
        "guides/index.html",
        "tags/emploi/index.html",
        "tags/ecrit/index.html",
    ] {
        assert!(
            applied.changed.contains(&shown.to_string()),
            "{shown} lists the title: {:?}",
            applied.changed
        );
    }
    assert_same(&live, &options, "title edit");

    edit(
        root,
        "content/guides/cv.md",
        "tags = [\"emploi\", \"écrit\"]",
        "tags = [\"écrit\", \"numérique\"]",
    );
    live.apply(&[content("guides/cv.md")]);
    assert_same(&live, &options, "a page leaves a term and makes a new one");

    std::fs::write(
        root.join("content/actualites/salon.md"),
        "+++\ntitle = \"Salon\"\ndate = 2025-05-05\n[taxonomies]\ntags = [\"événement\"]\nformats = [\"brève\"]\n+++\nUn salon.\n\n<!-- more -->\n\nAu parc.\n",
    )
    .unwrap();
    live.apply(&[content("actualites/salon.md")]);
    assert_same(&live, &options, "page added");

    std::fs::remove_file(root.join("content/actualites/atelier.md")).unwrap();
    live.apply(&[content("actualites/atelier.md")]);
    assert_same(&live, &options, "page deleted");

    edit(
        root,
        "templates/taxonomy_single.html",
        "{{ m::liste(pages=term.pages) }}",
        "{{ m::resumes(pages=term.pages) }}",
    );
    live.apply(&[Change::Template { shortcode: false }]);
    assert_same(&live, &options, "the term pages now show summaries");

    edit(
        root,
        "content/actualites/forum.md",
        "Un forum le 3 avril.",
        "Un grand forum le 3 avril.",
    );
    let applied = live.apply(&[content("actualites/forum.md")]);
    assert!(
        applied
            .changed
            .contains(&"tags/emploi/index.html".to_string()),
        "term pages show summaries now: {:?}",
        applied.changed
    );
    assert_same(&live, &options, "summary edit shown by the term pages");
}
