//! `tremplin build` and `tremplin check` on valid fixture sites and on the demo site: the files
//! produced, their HTML (snapshots), the options, and what a rebuild writes.

mod common;

use common::*;

const BASIC_FILES: &[&str] = &[
    "404.html",
    "actualites/atom.xml",
    "actualites/index.html",
    "actualites/nouvelle-1/index.html",
    "actualites/nouvelle-2/index.html",
    "actualites/nouvelle-3/index.html",
    "actualites/page/2/index.html",
    "atom.xml",
    "css/site.css",
    "guides/atom.xml",
    "guides/cv/exemple.png",
    "guides/cv/index.html",
    "guides/index.html",
    "guides/lettre/index.html",
    "index.html",
    "qui-sommes-nous/index.html",
    "robots.txt",
    "sitemap.xml",
    "themes/emploi/atom.xml",
    "themes/emploi/index.html",
    "themes/emploi/page/2/index.html",
    "themes/emploi/page/3/index.html",
    "themes/formation/atom.xml",
    "themes/formation/index.html",
    "themes/index.html",
    "vieux-cv/index.html",
];

#[test]
fn basic_site_builds_every_output() {
    let site = site("valid/basic");
    let out = tremplin(site.path(), &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files: Vec<String> = tree(&site.path().join("public")).into_keys().collect();
    assert_eq!(files, BASIC_FILES);
    let summary = stderr(&out);
    assert!(
        summary.starts_with(
            "Site construit : 6 pages, 3 sections, 2 termes, 26 fichiers écrits sur 26 en "
        ),
        "{summary}"
    );
}

#[test]
fn basic_site_html_snapshots() {
    let site = site("valid/basic");
    let out = tremplin(site.path(), &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let public = site.path().join("public");
    for file in [
        "guides/cv/index.html",
        "guides/lettre/index.html",
        "actualites/index.html",
        "actualites/page/2/index.html",
        "themes/index.html",
        "themes/emploi/index.html",
        "vieux-cv/index.html",
        "guides/atom.xml",
        "sitemap.xml",
        "robots.txt",
    ] {
        let name = file.replace('/', "__");
        insta::assert_snapshot!(name, read(public.join(file)));
    }
}

#[test]
fn drafts_only_with_the_option() {
    let site = site("valid/basic");
    let out = tremplin(site.path(), &["build"]);
    assert!(out.status.success());
    assert!(!site.path().join("public/guides/brouillon").exists());
    let out = tremplin(site.path(), &["build", "--drafts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        read(site.path().join("public/guides/brouillon/index.html")).contains("Pas encore prêt")
    );
}

#[test]
fn base_url_and_output_options() {
    let site = site("valid/basic");
    let out = tremplin(
        site.path(),
        &[
            "build",
            "--base-url",
            "https://autre.example.org/",
            "--output",
            "ailleurs",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = read(site.path().join("ailleurs/guides/lettre/index.html"));
    assert!(
        html.contains("href=\"https://autre.example.org/guides/cv/#ou-s-inscrire-1\""),
        "{html}"
    );
    assert!(!site.path().join("public").exists());
}

#[test]
fn output_folder_holding_the_content_is_refused() {
    let site = site("valid/basic");
    for bad in [".", "content", "content/guides"] {
        let out = tremplin(site.path(), &["build", "--output", bad]);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("dossier de sortie refusé"),
            "{}",
            stderr(&out)
        );
    }
    assert!(site.path().join("content/guides/cv/index.md").exists());
}

#[test]
fn failed_build_leaves_the_previous_site() {
    let site = site("valid/basic");
    assert!(tremplin(site.path(), &["build"]).status.success());
    let before = tree(&site.path().join("public"));
    // A good change and a bad one: neither is written.
    let lettre = site.path().join("content/guides/lettre.md");
    std::fs::write(
        &lettre,
        read(&lettre).replace("Par courriel.", "Par la poste. [cassé](@/absent.md)"),
    )
    .unwrap();
    let out = tremplin(site.path(), &["build"]);
    assert!(!out.status.success());
    assert_eq!(
        diagnostics(&out),
        "content/guides/lettre.md:11: lien interne cassé : « @/absent.md » n'existe pas"
    );
    assert_eq!(tree(&site.path().join("public")), before);
}

#[test]
fn rebuild_writes_only_what_changed_and_removes_the_rest() {
    let site = site("valid/basic");
    let public = site.path().join("public");
    assert!(tremplin(site.path(), &["build"]).status.success());
    std::fs::create_dir_all(public.join(".git")).unwrap();
    std::fs::write(public.join(".git/HEAD"), "ref").unwrap();
    std::fs::write(public.join("orphelin.html"), "vieux").unwrap();

    let out = tremplin(site.path(), &["build"]);
    assert!(
        stderr(&out).contains(" 0 fichiers écrits sur 26 "),
        "{}",
        stderr(&out)
    );
    assert!(
        !public.join("orphelin.html").exists(),
        "a file no build produces is removed"
    );
    assert!(
        public.join(".git/HEAD").exists(),
        "top-level hidden folders are kept"
    );

    // One body changes: the page and the feeds that carry it (the listings show only summaries).
    let before = tree(&public);
    let n3 = site.path().join("content/actualites/nouvelle-3.md");
    std::fs::write(
        &n3,
        read(&n3).replace("Texte de la nouvelle 3.", "Texte changé."),
    )
    .unwrap();
    let out = tremplin(site.path(), &["build"]);
    assert!(out.status.success());
    let after = tree(&public);
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert_eq!(
        changed,
        vec![
            "actualites/atom.xml",
            "actualites/nouvelle-3/index.html",
            "atom.xml",
            "themes/emploi/atom.xml",
        ]
    );

    // A deleted page disappears, and so does its folder.
    std::fs::remove_file(&n3).unwrap();
    assert!(tremplin(site.path(), &["build"]).status.success());
    assert!(!public.join("actualites/nouvelle-3").exists());
}

#[test]
fn check_writes_nothing() {
    let site = site("valid/basic");
    // The editorial checks' warnings are tested in tests/editorial.rs.
    let out = tremplin(site.path(), &["check", "--sans-redaction"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("Contenu vérifié : aucune erreur ("),
        "{}",
        stderr(&out)
    );
    assert!(!site.path().join("public").exists());
}

#[test]
fn zola_content_builds_with_warnings_for_ignored_keys() {
    let site = site("valid/zola");
    let out = tremplin(site.path(), &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        diagnostics(&out),
        "content/blog/_index.md:5: attention : la clé « insert_anchor_links » (de Zola) est ignorée par Tremplin\n\
         content/blog/_index.md:6: attention : la clé « transparent » (de Zola) est ignorée par Tremplin"
    );
    let public = site.path().join("public");
    let premier = read(public.join("blog/premier/index.html"));
    assert!(
        premier.contains("href=\"https://zola.exemple.org/blog/le-second/\""),
        "{premier}"
    );
    assert!(premier.contains("href=\"https://zola.exemple.org/blog/\""));
    assert!(
        read(public.join("blog/le-second/index.html")).contains("<h1 id=\"mon-ancre\">Titre</h1>")
    );
    assert!(public.join("tags/zola/index.html").exists());
}

#[test]
fn demo_site_has_no_diagnostic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // Its editorial checks are held by tests/editorial.rs (`check --strict`).
    let out = tremplin(root, &["check", "--sans-redaction"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        diagnostics(&out),
        "",
        "the demo content has no error and no warning"
    );
}

#[test]
fn a_build_with_nothing_changed_does_nothing_and_says_so() {
    let site = site("valid/zola");
    let public = site.path().join("public");
    let first = tremplin(site.path(), &["build"]);
    assert!(first.status.success());
    let again = tremplin(site.path(), &["build"]);
    let text = stderr(&again);
    assert!(
        text.contains("Rien n'a changé depuis la dernière construction : le site est à jour."),
        "{text}"
    );
    assert_eq!(
        diagnostics(&again),
        diagnostics(&first),
        "the same warnings are shown again"
    );

    // A source changes: a real build.
    let second = site.path().join("content/blog/second.md");
    std::fs::write(&second, read(&second).replace("Texte.", "Texte modifié.")).unwrap();
    let out = tremplin(site.path(), &["build"]);
    assert!(!stderr(&out).contains("Rien n'a changé"));
    assert!(read(public.join("blog/le-second/index.html")).contains("Texte modifié."));

    // An output changed or removed by hand: it is put back.
    std::fs::write(public.join("blog/le-second/index.html"), "abîmé").unwrap();
    std::fs::remove_file(public.join("sitemap.xml")).unwrap();
    let out = tremplin(site.path(), &["build"]);
    assert!(
        stderr(&out).contains(" 2 fichiers écrits "),
        "{}",
        stderr(&out)
    );
    assert!(read(public.join("blog/le-second/index.html")).contains("Texte modifié."));
    assert!(public.join("sitemap.xml").exists());

    // Other options: a real build.
    let out = tremplin(site.path(), &["build", "--drafts"]);
    assert!(!stderr(&out).contains("Rien n'a changé"));
}

#[test]
fn sources_lists_the_sourced_facts_oldest_first() {
    let site = site("valid/basic");
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    std::fs::write(
        site.path().join("content/guides/aides.md"),
        format!(
            "+++\ntitle = \"Aides\"\n+++\n\nIntroduction.\n\n- Le **permis** coûte moins cher avec l'[aide](https://exemple.fr) {{{{ source(nom=\"exemple.fr\", url=\"https://exemple.fr/\", date=\"{today}\") }}}}\n"
        ),
    )
    .unwrap();

    let out = tremplin(site.path(), &["sources"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    let old = listing
        .find("content/guides/cv/index.md:22  1er janvier 2025  À REVÉRIFIER  service-public.fr <https://www.service-public.fr>")
        .unwrap_or_else(|| panic!("the 2025 fact, marked:\n{listing}"));
    let new = listing
        .find("content/guides/aides.md:7  ")
        .unwrap_or_else(|| panic!("the new fact:\n{listing}"));
    assert!(old < new, "oldest first:\n{listing}");
    assert!(
        listing.contains("« Le permis coûte moins cher avec l'aide »"),
        "the sentence, without Markdown:\n{listing}"
    );
    assert!(
        !listing[new..].contains("À REVÉRIFIER"),
        "checked today:\n{listing}"
    );
    assert_eq!(
        stderr(&out).trim_end(),
        "2 informations sourcées ; 1 à revérifier (texte de plus de 12 mois)."
    );

    // For a scheduled job: only the stale ones, and a failure when there are some.
    let out = tremplin(site.path(), &["sources", "--a-reverifier"]);
    assert!(!out.status.success());
    let listing = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        listing.contains("cv/index.md:22") && !listing.contains("aides.md"),
        "{listing}"
    );
    let out = tremplin(
        site.path(),
        &["sources", "--a-reverifier", "--mois", "1200"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");

    // Drafts only when asked.
    std::fs::write(
        site.path().join("content/guides/brouillon.md"),
        "+++\ntitle = \"Brouillon\"\ndraft = true\n+++\n\nUn fait {{ source(nom=\"b.fr\", url=\"https://b.fr/\", date=\"2025-06-01\") }}\n",
    )
    .unwrap();
    let out = tremplin(site.path(), &["sources"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("brouillon.md"));
    let out = tremplin(site.path(), &["sources", "--drafts"]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("content/guides/brouillon.md:6  1er juin 2025"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::remove_file(site.path().join("content/guides/brouillon.md")).unwrap();

    // A badly written source is named with its file and line.
    std::fs::write(
        site.path().join("content/guides/aides.md"),
        "+++\ntitle = \"Aides\"\n+++\n\nUn fait {{ source(nom=\"exemple.fr\", url=\"exemple.fr\", date=\"2025-01-01\") }}\n",
    )
    .unwrap();
    let out = tremplin(site.path(), &["sources"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("content/guides/aides.md:5: source « exemple.fr » : l'adresse doit commencer par https://"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn get_section_can_be_asked_for_a_section_that_may_not_exist() {
    let site = site("valid/basic");
    let templates = site.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("page.html"),
        "{% set s = get_section(path=\"absente/_index.md\", required=false) %}{% set g = get_section(path=\"guides/_index.md\", metadata_only=true, required=false) %}<p>{% if s %}présente{% else %}absente{% endif %}, {{ g.title }}</p>",
    )
    .unwrap();
    let out = tremplin(site.path(), &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let html = read(site.path().join("public/guides/lettre/index.html"));
    assert!(html.contains("<p>absente, Guides</p>"), "{html}");

    std::fs::write(
        templates.join("page.html"),
        "{% set s = get_section(path=\"absente/_index.md\") %}{{ page.title }}",
    )
    .unwrap();
    let out = tremplin(site.path(), &["build"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("get_section : la section « absente/_index.md » n'existe pas"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_warns_about_synonyms_the_search_already_covers() {
    let site = site("valid/basic");
    let config = site.path().join("tremplin.toml");
    let mut text = read(&config);
    text.push_str(
        "\n[search]\nsynonyms = [\n  [\"cv\", \"curriculum vitae\"],\n  [\"coiffeuse\", \"coiffeur\"],\n  [\"menuiserie\", \"ébéniste\", \"menuisier\"],\n]\n",
    );
    std::fs::write(&config, text).unwrap();
    let out = tremplin(site.path(), &["check", "--sans-redaction"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        diagnostics(&out),
        "tremplin.toml:19: attention : [search] synonyms : « coiffeuse » et « coiffeur » se trouvent déjà l'un l'autre (même racine, féminin ou métier) : gardez-en un seul dans ce groupe\n\
         tremplin.toml:20: attention : [search] synonyms : « menuiserie » et « menuisier » se trouvent déjà l'un l'autre (même racine, féminin ou métier) : gardez-en un seul dans ce groupe"
    );
}
