//! The admin commands on a site's own SQLite database: structures, invitations (printed and
//! emailed), listing, disabling; and their errors.

mod common;

use common::*;

/// The emails written to an outbox, quoted-printable decoded.
fn emails(outbox: &std::path::Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(outbox)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files
        .iter()
        .map(|f| {
            let raw = read(f).replace("=\r\n", "").replace("=\n", "");
            let b = raw.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                match (
                    b[i],
                    raw.get(i + 1..i + 3)
                        .and_then(|h| u8::from_str_radix(h, 16).ok()),
                ) {
                    (b'=', Some(v)) => {
                        out.push(v);
                        i += 3;
                    }
                    (c, _) => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        })
        .collect()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn structures_and_invitations_from_the_command_line() {
    let site = site("valid/basic");
    let root = site.path();
    let out = tremplin(
        root,
        &[
            "structure",
            "add",
            "lille",
            "--name",
            "Mission Locale de Lille",
            "--town",
            "Lille",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Structure ajoutée : lille (Mission Locale de Lille, Lille).\n"
    );
    assert!(
        root.join("data/tremplin.db").exists(),
        "SQLite is created under data/"
    );

    let out = tremplin(
        root,
        &[
            "structure",
            "add",
            "lille",
            "--name",
            "Autre",
            "--town",
            "Lille",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(stderr(&out).trim(), "Une structure « lille » existe déjà.");

    let out = tremplin(
        root,
        &[
            "user",
            "invite",
            "--role",
            "counsellor",
            "--structure",
            "paris",
            "sam@exemple.fr",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out).trim(),
        "Structure « paris » inconnue (structures : lille)."
    );
    let out = tremplin(
        root,
        &["user", "invite", "--role", "youth", "sam@exemple.fr"],
    );
    assert!(
        stderr(&out).contains("choisissez counsellor ou admin"),
        "{}",
        stderr(&out)
    );

    let out = tremplin(
        root,
        &[
            "user",
            "invite",
            "--role",
            "counsellor",
            "--structure",
            "lille",
            "--first-name",
            "Sam",
            "sam@exemple.fr",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let link = printed.lines().last().unwrap();
    assert!(
        link.starts_with("https://exemple.fr/compte/invitation?jeton="),
        "{printed}"
    );
    let mails = emails(&root.join("data/outbox"));
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("To: sam@exemple.fr") && mails[0].contains(link),
        "{}",
        mails[0]
    );

    let out = tremplin(root, &["user", "list"]);
    assert_eq!(
        stdout(&out),
        "sam@exemple.fr\tcounsellor\tlille\tactif (invitation en attente)\n"
    );
    let out = tremplin(root, &["user", "disable", "sam@exemple.fr"]);
    assert_eq!(
        stdout(&out),
        "Compte sam@exemple.fr désactivé ; ses sessions sont fermées.\n"
    );
    let out = tremplin(root, &["user", "list"]);
    assert!(stdout(&out).contains("\tdésactivé"));
    let out = tremplin(root, &["user", "disable", "personne@exemple.fr"]);
    assert!(!out.status.success());
    assert_eq!(stderr(&out).trim(), "aucun compte pour personne@exemple.fr");
}

#[test]
fn opportunities_import_and_search_index_from_the_command_line() {
    let site = site("valid/basic");
    let root = site.path();
    let out = tremplin(
        root,
        &[
            "structure",
            "add",
            "lille",
            "--name",
            "Mission Locale de Lille",
            "--town",
            "Lille",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let file = root.join("offres.csv");
    std::fs::write(
        &file,
        "identifiant;type;titre;commune\nA1;emploi;Vendeur;Lille\nA2;fusée;Astronaute;Lille\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    // Errors: nothing imported, each bad line named.
    let out = tremplin(
        root,
        &["import", "opportunites", path, "--structure", "lille"],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("offres.csv:3: type : Type « fusée » inconnu"),
        "{err}"
    );
    assert!(err.contains("Rien n'a été importé"), "{err}");
    // Asked to, the good lines go in; a second time, they are updated.
    let out = tremplin(
        root,
        &[
            "import",
            "opportunites",
            path,
            "--structure",
            "lille",
            "--ignorer-erreurs",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "1 opportunité(s) ajoutée(s), 0 mise(s) à jour, 1 ligne(s) laissée(s) de côté"
        ),
        "{}",
        stdout(&out)
    );
    let out = tremplin(
        root,
        &[
            "import",
            "opportunites",
            path,
            "--structure",
            "lille",
            "--ignorer-erreurs",
        ],
    );
    assert!(
        stdout(&out).contains("0 opportunité(s) ajoutée(s), 1 mise(s) à jour"),
        "{}",
        stdout(&out)
    );
    let out = tremplin(
        root,
        &["import", "opportunites", path, "--structure", "paris"],
    );
    assert!(
        stderr(&out).contains("aucune structure « paris »"),
        "{}",
        stderr(&out)
    );

    // The build updates the index of the pages; a rebuild starts both indexes again.
    let out = tremplin(root, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Index de recherche à jour"),
        "{}",
        stderr(&out)
    );
    let out = tremplin(root, &["index", "rebuild"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("pages du site, 1 opportunités publiées."),
        "{}",
        stdout(&out)
    );
}
