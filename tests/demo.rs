//! The demo at first start, as a new user tries it: `tremplin serve` on a copy of the
//! repository's site loads `demo/` into its new database and says so on the console (what was
//! loaded, the demo counsellor's link, how to start empty); the listing then shows the
//! opportunities, dated after today. A second start loads nothing more; a site without `demo/`
//! and `--sans-demo` start empty. On SQLite, and on PostgreSQL when
//! `TREMPLIN_TEST_POSTGRES_URL` is set.

mod common;

use std::path::Path;

use common::servers::*;
use common::*;

/// `tremplin serve` on `root` with `database` (else the site's SQLite) and `extra` arguments.
fn serve(root: &Path, database: Option<&str>, extra: &[&str]) -> Server {
    let env: Vec<(&str, &str)> = database
        .map(|url| vec![("TREMPLIN_DATABASE_URL", url)])
        .unwrap_or_default();
    serve_with(root, &env, extra)
}

/// Each database to try: (name, URL for `TREMPLIN_DATABASE_URL`, the database kept alive).
fn databases() -> Vec<(&'static str, Option<PgDatabase>)> {
    let mut out = vec![("sqlite", None)];
    match PgDatabase::new() {
        Some(pg) => out.push(("postgres", Some(pg))),
        None => eprintln!(
            "PostgreSQL ignoré : définissez TREMPLIN_TEST_POSTGRES_URL pour lancer aussi ce test sur PostgreSQL."
        ),
    }
    out
}

/// The console's lines from the database's line on, up to the search engine's, without the
/// log's lines (a warning of a slow statement on a busy machine, say).
fn demo_lines(console: &str) -> Vec<String> {
    let logged = |l: &str| l.len() > 20 && l.as_bytes()[4] == b'-' && l.as_bytes()[10] == b'T';
    console
        .lines()
        .skip_while(|l| !l.starts_with("Base de données : "))
        .skip(1)
        .take_while(|l| !l.starts_with("Recherche : "))
        .filter(|l| !logged(l))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_demo_loads_itself_at_first_start_and_only_then() {
    for (backend, pg) in databases() {
        let site = demo_site();
        let root = site.path();
        let database = pg.as_ref().map(|d| d.url.as_str());
        let server = serve(root, database, &[]);
        let port = server.port;
        let console = server.console();
        let lines = demo_lines(&console);
        assert_eq!(lines.len(), 4, "{backend}:\n{console}");
        assert_eq!(
            lines[0],
            "Démonstration : base neuve, exemples de demo/ chargés : 2 structures d'exemple (lille, grenoble), 19 opportunités publiées et 1 brouillon.",
            "{backend}"
        );
        assert_eq!(
            lines[1],
            "Côté conseiller : choisissez le mot de passe du compte de démonstration conseil.lille@demo.example (Camille, structure lille) avec ce lien, valable 7 jours, puis connectez-vous avec cette adresse :"
        );
        let link_prefix = format!("  http://127.0.0.1:{port}/compte/invitation?jeton=");
        assert!(lines[2].starts_with(&link_prefix), "{}", lines[2]);
        let start_empty = if pg.is_some() {
            "Pour démarrer sans ces exemples : arrêtez Tremplin, videz la base de données et relancez avec `tremplin serve --sans-demo` (ou retirez le dossier demo/)."
        } else {
            "Pour démarrer sans ces exemples : arrêtez Tremplin, supprimez le dossier data/ et relancez avec `tremplin serve --sans-demo` (ou retirez le dossier demo/)."
        };
        assert_eq!(lines[3], start_empty);

        // What a youth sees: the opportunities of both structures, none past its date.
        let list = listing(port);
        assert_eq!(list["total"], 19, "{backend}: {list}");
        let today = chrono::Utc::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
        for o in list["items"].as_array().unwrap() {
            let deadline = o["deadline"].as_str().unwrap_or("9999-12-31");
            assert!(deadline > today.as_str(), "{}: {deadline}", o["title"]);
        }
        let (status, page) = get(port, "/opportunites");
        assert_eq!(status, 200);
        assert!(!page.contains("Aucune opportunité"), "{page}");
        assert!(page.contains("Vendeur ou vendeuse en boulangerie"));
        // The counsellor's link opens the page that sets the password.
        let path = lines[2]
            .trim()
            .trim_start_matches(&format!("http://127.0.0.1:{port}"));
        assert_eq!(get(port, path).0, 200, "{path}");
        drop(server);

        // A second start loads nothing more and says nothing about the demo.
        let server = serve(root, database, &[]);
        let console = server.console();
        assert_eq!(demo_lines(&console), Vec::<String>::new(), "{console}");
        assert_eq!(listing(server.port)["total"], 19, "{backend}");
    }
}

#[test]
fn a_site_without_demo_and_sans_demo_start_empty() {
    for (backend, pg) in databases() {
        let database = pg.as_ref().map(|d| d.url.as_str());
        // A Mission Locale's own site: no demo/ folder, nothing loaded, nothing said.
        let site = site("valid/basic");
        let server = serve(site.path(), database, &[]);
        let console = server.console();
        assert_eq!(demo_lines(&console), Vec::<String>::new(), "{console}");
        assert_eq!(listing(server.port)["total"], 0, "{backend}");
        drop(server);
    }
    for (backend, pg) in databases() {
        let database = pg.as_ref().map(|d| d.url.as_str());
        // The demo, declined: an empty database, and the console says why.
        let site = demo_site();
        let server = serve(site.path(), database, &["--sans-demo"]);
        let console = server.console();
        assert_eq!(
            demo_lines(&console),
            ["Démonstration : base neuve laissée vide (--sans-demo). Sans cette option, les exemples de demo/ y seront chargés tant qu'elle est vide."],
            "{backend}"
        );
        assert_eq!(listing(server.port)["total"], 0, "{backend}");
    }
}
