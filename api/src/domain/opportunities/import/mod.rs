//! Reads an import file into rows of drafts, each with the line of the file where it starts:
//! a CSV exported from a spreadsheet, our own JSON, or a France Travail "Offres d'emploi v2"
//! search result. Checking each draft is `opportunities::validate`'s job, not this one's.

mod json;
mod sheet;

use json::*;
use sheet::*;

use serde_json::{Map, Value};

use crate::domain::opportunities::{Draft, ImportRow};
use crate::infra::limits;

/// Reads `bytes` (the file called `file_name`) into one row per opportunity.
///
/// A problem with the whole file (encoding, unreadable JSON, unknown CSV column, no rows) is an
/// `Err` in French naming the line; a problem with one row is that row's `Err`.
pub fn parse(bytes: &[u8], file_name: &str) -> Result<Vec<ImportRow>, String> {
    let text = decode(bytes)?;
    // No text holds U+0000, and PostgreSQL cannot store it. A file full of them is UTF-16
    // without its byte-order mark.
    if text.contains('\0') {
        return Err("Le fichier contient des caractères nuls : ce n'est pas un fichier texte, ou il est en UTF-16 sans en-tête. Enregistrez-le en « CSV UTF-8 ».".into());
    }
    let start = text.trim_start();
    if start.is_empty() {
        return Err("Le fichier est vide.".into());
    }
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if extension == "json" || start.starts_with('[') || start.starts_with('{') {
        parse_json(&text)
    } else {
        parse_csv(&text)
    }
}

fn too_many_rows() -> String {
    format!(
        "Le fichier contient plus de {} opportunités : découpez-le en plusieurs fichiers.",
        limits::thousands(limits::IMPORT_MAX_ROWS)
    )
}

// ---- encodings ----

/// The text of the file: UTF-8 (without its BOM), UTF-16 with a BOM, or Windows-1252.
/// UTF-8 is read in place, not copied (a file of 100,000 rows is tens of megabytes).
fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, String> {
    use std::borrow::Cow;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|e| not_text(rest, e.valid_up_to()));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes).map(Cow::Owned);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(_) => windows_1252(bytes).map(Cow::Owned),
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, String> {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
    String::from_utf16(&units).map_err(|_| {
        "Le fichier est en UTF-16 mais il est abîmé. Enregistrez-le en « CSV UTF-8 ».".to_string()
    })
}

/// Windows-1252, Excel's default encoding in France: Latin-1 except for 0x80–0x9F.
fn windows_1252(bytes: &[u8]) -> Result<String, String> {
    const HIGH: [Option<char>; 32] = [
        Some('€'),
        None,
        Some('‚'),
        Some('ƒ'),
        Some('„'),
        Some('…'),
        Some('†'),
        Some('‡'),
        Some('ˆ'),
        Some('‰'),
        Some('Š'),
        Some('‹'),
        Some('Œ'),
        None,
        Some('Ž'),
        None,
        None,
        Some('‘'),
        Some('’'),
        Some('“'),
        Some('”'),
        Some('•'),
        Some('–'),
        Some('—'),
        Some('˜'),
        Some('™'),
        Some('š'),
        Some('›'),
        Some('œ'),
        None,
        Some('ž'),
        Some('Ÿ'),
    ];
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 8);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            0x80..=0x9F => match HIGH[usize::from(b - 0x80)] {
                Some(c) => out.push(c),
                None => return Err(not_text(bytes, i)),
            },
            _ => out.push(char::from(b)),
        }
    }
    Ok(out)
}

fn not_text(bytes: &[u8], at: usize) -> String {
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    format!(
        "Le fichier n'est ni en UTF-8 ni en Windows-1252 (octet 0x{:02X} à la ligne {line}). \
         Enregistrez-le en « CSV UTF-8 » et réessayez.",
        bytes[at]
    )
}

// ---- columns and keys ----

/// Each field of a `Draft`, with the column names (folded) and JSON keys that stand for it.
const FIELDS: &[(&str, &[&str])] = &[
    (
        "external_id",
        &["identifiant", "id", "external_id", "reference"],
    ),
    ("kind", &["type", "kind", "categorie"]),
    ("title", &["titre", "title", "intitule"]),
    (
        "organisation",
        &["organisme", "organisation", "entreprise", "employeur"],
    ),
    ("description", &["description"]),
    ("town", &["commune", "ville", "town", "lieu"]),
    ("postcode", &["code_postal", "cp", "postcode"]),
    ("latitude", &["latitude", "lat"]),
    ("longitude", &["longitude", "lon", "lng"]),
    ("remote", &["a_distance", "teletravail", "remote"]),
    (
        "driving_licence",
        &["permis_requis", "permis", "driving_licence"],
    ),
    ("contract", &["contrat", "contract", "type_de_contrat"]),
    ("duration", &["duree", "duration"]),
    ("hours", &["horaires", "hours"]),
    ("level", &["niveau", "level"]),
    ("start_date", &["debut", "date_de_debut", "start_date"]),
    ("deadline", &["date_limite", "deadline"]),
    ("places", &["places", "nombre_de_places"]),
    ("apply", &["candidature", "postuler", "apply"]),
    ("themes", &["themes", "theme"]),
    ("status", &["statut", "status"]),
    ("structure", &["structure"]),
    ("source", &["source"]),
    ("source_url", &["lien", "url", "source_url"]),
];

/// A column name or key as compared: lowercase, no accents, `_` between words.
fn fold_name(name: &str) -> String {
    let ascii = deunicode::deunicode(name).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The field a column name or key stands for.
fn field_for(name: &str) -> Option<&'static str> {
    let folded = fold_name(name);
    FIELDS
        .iter()
        .find(|(_, names)| names.contains(&folded.as_str()))
        .map(|(field, _)| *field)
}

/// The known column name closest to an unknown one, if it is close enough to be a typo.
fn closest_name(name: &str) -> Option<&'static str> {
    let folded = fold_name(name);
    FIELDS
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .map(|known| (strsim::jaro_winkler(&folded, known), known))
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, known)| known)
}

/// The fields of a draft that are yes or no (`set_yes_no`).
const YES_NO: &[&str] = &["remote", "driving_licence"];

/// Sets a yes-or-no field of a draft (one of `YES_NO`).
fn set_yes_no(d: &mut Draft, field: &str, value: bool) {
    match field {
        "remote" => d.remote = value,
        "driving_licence" => d.driving_licence = value,
        _ => {}
    }
}

/// Sets a text field of a draft (not one of `YES_NO`, nor `themes`).
fn set_text(d: &mut Draft, field: &str, value: String) {
    let slot = match field {
        "external_id" => &mut d.external_id,
        "kind" => &mut d.kind,
        "title" => &mut d.title,
        "organisation" => &mut d.organisation,
        "description" => &mut d.description,
        "town" => &mut d.town,
        "postcode" => &mut d.postcode,
        "latitude" => &mut d.latitude,
        "longitude" => &mut d.longitude,
        "contract" => &mut d.contract,
        "duration" => &mut d.duration,
        "hours" => &mut d.hours,
        "level" => &mut d.level,
        "start_date" => &mut d.start_date,
        "deadline" => &mut d.deadline,
        "places" => &mut d.places,
        "apply" => &mut d.apply,
        "status" => &mut d.status,
        "structure" => &mut d.structure,
        "source" => &mut d.source,
        "source_url" => &mut d.source_url,
        _ => return,
    };
    *slot = value;
}

/// `oui`/`non` and the like; `None` for anything else.
fn parse_yes_no(value: &str) -> Option<bool> {
    match fold_name(value).as_str() {
        "oui" | "vrai" | "true" | "1" | "x" | "yes" => Some(true),
        "non" | "faux" | "false" | "0" | "" | "no" => Some(false),
        _ => None,
    }
}

fn split_themes(value: &str) -> Vec<String> {
    value
        .split([',', '|'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(bytes: &[u8], name: &str) -> Vec<(usize, Result<Draft, String>)> {
        parse(bytes, name)
            .unwrap()
            .into_iter()
            .map(|r| (r.line, r.draft))
            .collect()
    }

    #[test]
    fn csv_with_bom_semicolons_and_multiline_cell() {
        let text = "\u{FEFF}Titre;Type;Commune;Code postal;Description;À distance;Thèmes\r\n\
                    Vendeur;emploi;Lille;59000;\"Première ligne\r\nseconde ligne ; avec point-virgule\";non;vente, commerce\r\n\
                    \r\n\
                    ;;;;;;\r\n\
                    Cuisinier;job saisonnier;Roubaix;59100;Cuisine;oui;restauration|été\r\n";
        let lf = text.replace("\r\n", "\n");
        let lines: Vec<usize> = ok(lf.as_bytes(), "export.csv")
            .iter()
            .map(|r| r.0)
            .collect();
        assert_eq!(lines, [2, 6]);
        let rows = ok(text.as_bytes(), "export.csv");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        let first = rows[0].1.as_ref().unwrap();
        assert_eq!(first.title, "Vendeur");
        assert_eq!(first.postcode, "59000");
        assert_eq!(
            first.description,
            "Première ligne\r\nseconde ligne ; avec point-virgule"
        );
        assert!(!first.remote);
        assert_eq!(first.themes, ["vente", "commerce"]);
        assert_eq!(rows[1].0, 6);
        let second = rows[1].1.as_ref().unwrap();
        assert_eq!(second.kind, "job saisonnier");
        assert!(second.remote);
        assert_eq!(second.themes, ["restauration", "été"]);
    }

    #[test]
    fn csv_in_windows_1252_with_commas() {
        let mut bytes = b"titre,organisme,ville\n".to_vec();
        bytes.extend_from_slice(b"Aide \xE0 domicile,l\x92\xE9quipe du caf\xE9,Lille\n");
        let rows = ok(&bytes, "export.CSV");
        let d = rows[0].1.as_ref().unwrap();
        assert_eq!(rows[0].0, 2);
        assert_eq!(d.title, "Aide à domicile");
        assert_eq!(d.organisation, "l’équipe du café");
        assert_eq!(d.town, "Lille");
    }

    #[test]
    fn bytes_neither_utf8_nor_windows_1252() {
        let err = parse(b"titre\nab\x81c\n", "x.csv").unwrap_err();
        assert!(err.contains("ligne 2"), "{err}");
        assert!(err.contains("0x81"), "{err}");
    }

    #[test]
    fn tabs_and_excel_sep_line() {
        let rows = ok(b"titre\tville\nA\tLille\n", "x.txt");
        assert_eq!(rows[0].1.as_ref().unwrap().town, "Lille");
        let rows = ok(b"sep=;\ntitre;ville\nA;Lille\n", "x.csv");
        assert_eq!(rows[0].0, 3);
        assert_eq!(rows[0].1.as_ref().unwrap().town, "Lille");
    }

    #[test]
    fn unknown_column_suggests_the_closest() {
        let err = parse(
            "titre;comune;code postal\nA;Lille;59000\n".as_bytes(),
            "x.csv",
        )
        .unwrap_err();
        assert_eq!(
            err,
            "ligne 1 : colonne « comune » inconnue. Vouliez-vous dire « commune » ?"
        );
        let err = parse(b"titre;xyz\nA;B\n", "x.csv").unwrap_err();
        assert!(
            err.starts_with(
                "ligne 1 : colonne « xyz » inconnue. Colonnes possibles : identifiant, type, titre"
            ),
            "{err}"
        );
    }

    #[test]
    fn row_errors_do_not_stop_the_file() {
        let text = "titre;télétravail;ville\nA;peut-être;Lille\nB;x;Lille\nC;oui\nD;;Lille;;\n";
        let rows = ok(text.as_bytes(), "x.csv");
        assert_eq!(
            rows[0].1,
            Err("ligne 2 : « peut-être » dans la colonne « télétravail » : écrivez oui ou non (ou laissez vide).".into())
        );
        assert!(rows[1].1.as_ref().unwrap().remote);
        assert_eq!(rows[2].1, Err("ligne 4 : 2 cellules au lieu de 3".into()));
        // Empty cells past the header are trailing delimiters, not an error.
        assert_eq!(rows[3].1.as_ref().unwrap().title, "D");
    }

    #[test]
    fn files_without_rows() {
        assert_eq!(parse(b"  \n", "x.csv").unwrap_err(), "Le fichier est vide.");
        assert!(parse(b"titre;ville\n\n", "x.csv")
            .unwrap_err()
            .contains("ligne 1"));
        assert!(parse(b"{\n \"opportunites\": []\n}", "x.json")
            .unwrap_err()
            .starts_with("ligne 2 :"));
    }

    #[test]
    fn json_array_with_the_line_of_each_element() {
        let text = r#"[
  {"title": "A", "kind": "stage", "places": 3, "latitude": 50.63, "remote": true,
   "themes": ["x", "y"], "inconnu": {"a": [1, 2]}},
  {
    "titre": "B \"entre [crochets]\" {",
    "commune": "Lille", "à distance": "oui", "thèmes": "a|b"
  },
  "pas un objet", {"title": "C", "remote": "peut-être"}
]"#;
        let rows = ok(text.as_bytes(), "export.json");
        let lines: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 4, 8, 8]);
        let a = rows[0].1.as_ref().unwrap();
        assert_eq!(
            (a.title.as_str(), a.places.as_str(), a.latitude.as_str()),
            ("A", "3", "50.63")
        );
        assert!(a.remote);
        assert_eq!(a.themes, ["x", "y"]);
        let b = rows[1].1.as_ref().unwrap();
        assert_eq!(b.title, "B \"entre [crochets]\" {");
        assert!(b.remote);
        assert_eq!(b.themes, ["a", "b"]);
        assert!(rows[2].1.is_err());
        assert!(rows[3].1.as_ref().unwrap_err().contains("ligne 8"));
    }

    #[test]
    fn json_opportunites_wrapper() {
        let text = "\u{FEFF}{\n  \"version\": 1,\n  \"meta\": {\"opportunites\": [1]},\n  \"opportunités\": [\n    {\"title\": \"A\"},\n    {\"title\": \"B\"}\n  ]\n}";
        let rows = ok(text.as_bytes(), "whatever.txt");
        let lines: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [5, 6]);
        assert_eq!(rows[1].1.as_ref().unwrap().title, "B");
    }

    #[test]
    fn france_travail_search() {
        let text = r#"{
  "resultats": [
    {
      "id": "190XYZK",
      "intitule": "Vendeur / Vendeuse en boulangerie (H/F)",
      "description": "Vous accueillez la clientèle.\nPoste en CDI.",
      "dateCreation": "2025-03-01T10:00:00.000Z",
      "lieuTravail": {"libelle": "59 - LILLE", "latitude": 50.63, "longitude": 3.06, "codePostal": "59000", "commune": "59350"},
      "entreprise": {"nom": "BOULANGERIE DU NORD", "entrepriseAdaptee": false},
      "typeContrat": "CDI",
      "typeContratLibelle": "Contrat à durée indéterminée",
      "dureeTravailLibelle": "35H Horaires normaux",
      "alternance": false,
      "formations": [{"codeFormation": "42", "niveauLibelle": "CAP, BEP et équivalents", "exigence": "S"}],
      "competences": [{"code": "1", "libelle": "Accueil"}],
      "origineOffre": {"origine": "1", "urlOrigine": "https://candidat.francetravail.fr/offres/recherche/detail/190XYZK"}
    },
    {
      "id": "190ABCD",
      "description": "Pas d'intitulé."
    },
    {
      "id": 42,
      "intitule": "Saisonnier vendanges",
      "lieuTravail": {"libelle": "75 - Paris 15e Arrondissement"},
      "typeContrat": "SAI",
      "formations": [{"niveauLibelle": "Bac+2 ou équivalents"}]
    }
  ],
  "filtresPossibles": []
}"#;
        let rows = ok(text.as_bytes(), "offres.json");
        let lines: Vec<usize> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [3, 18, 22]);
        let a = rows[0].1.as_ref().unwrap();
        assert_eq!(
            a,
            &Draft {
                kind: "emploi".into(),
                title: "Vendeur / Vendeuse en boulangerie (H/F)".into(),
                organisation: "BOULANGERIE DU NORD".into(),
                description: "Vous accueillez la clientèle.\nPoste en CDI.".into(),
                town: "LILLE".into(),
                postcode: "59000".into(),
                latitude: "50.63".into(),
                longitude: "3.06".into(),
                contract: "Contrat à durée indéterminée".into(),
                hours: "35H Horaires normaux".into(),
                level: "cap".into(),
                apply: "https://candidat.francetravail.fr/offres/recherche/detail/190XYZK".into(),
                source_url: "https://candidat.francetravail.fr/offres/recherche/detail/190XYZK"
                    .into(),
                external_id: "190XYZK".into(),
                source: "France Travail".into(),
                ..Draft::default()
            }
        );
        assert_eq!(
            rows[1].1,
            Err("offre à la ligne 18 : champ obligatoire manquant : intitule".into())
        );
        let c = rows[2].1.as_ref().unwrap();
        assert_eq!(c.external_id, "42");
        assert_eq!(c.kind, "job-saisonnier");
        assert_eq!(c.contract, "SAI");
        assert_eq!(c.town, "Paris 15e Arrondissement");
        assert_eq!(c.level, "bac+2");
    }

    #[test]
    fn france_travail_levels_and_kinds() {
        assert_eq!(level_of_label("Bac ou équivalent"), "bac");
        assert_eq!(level_of_label("Bac+3, Bac+4 ou équivalents"), "bac+3");
        assert_eq!(level_of_label("Bac+5 et plus ou équivalents"), "bac+5");
        assert_eq!(level_of_label("Bac+4"), "");
        assert_eq!(level_of_label("Aucune formation"), "");
        assert_eq!(town_of_label("2A - AJACCIO"), "AJACCIO");
        assert_eq!(town_of_label("Lille"), "Lille");
        let rows = ok(
            br#"{"resultats": [{"id": "1", "intitule": "Apprenti", "alternance": true, "typeContrat": "CDD"}]}"#,
            "x.json",
        );
        assert_eq!(rows[0].1.as_ref().unwrap().kind, "alternance");
    }

    #[test]
    fn invalid_json_names_its_line() {
        let err = parse(
            b"[\n  {\"title\": \"A\"},\n  {\"title\": \"B\"\n  {\"title\": \"C\"}\n]",
            "x.json",
        )
        .unwrap_err();
        assert!(
            err.starts_with("Le fichier JSON est illisible à la ligne 4, colonne 3"),
            "{err}"
        );
        let err = parse(b"[\n {\"title\": \"A\"}", "x.json").unwrap_err();
        assert!(err.contains("ligne 2"), "{err}");
        let err = parse(b"\"texte\"", "x.json").unwrap_err();
        assert!(err.starts_with("ligne 1 :"), "{err}");
    }
}
