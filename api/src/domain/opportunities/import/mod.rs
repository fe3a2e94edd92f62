//! Reads an import file into rows of drafts, each with the line of the file where it starts:
//! a CSV exported from a spreadsheet, our own JSON, or a France Travail "Offres d'emploi v2"
//! search result. Checking each draft is `opportunities::validate`'s job, not this one's.

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
fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(str::to_owned)
            .map_err(|e| not_text(rest, e.valid_up_to()));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => windows_1252(bytes),
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

/// Sets a text field of a draft (not `remote`, nor `themes`).
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

// ---- CSV ----

fn parse_csv(text: &str) -> Result<Vec<ImportRow>, String> {
    // Excel may open its file with a `sep=;` line that names the delimiter.
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep_line = first
        .trim()
        .strip_prefix("sep=")
        .and_then(|s| s.chars().next())
        .filter(|c| c.is_ascii());
    let delimiter = match sep_line {
        Some(c) => c as u8,
        None => detect_delimiter(first),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(1, |p| p.line());
        format!("Le fichier CSV est illisible à la ligne {line}.")
    };
    let mut next = || records.next().transpose().map_err(csv_error);
    let mut header = next()?;
    if sep_line.is_some() {
        header = next()?;
    }
    let Some(header) = header else {
        return Err("Le fichier ne contient pas de ligne d'en-tête.".into());
    };
    // The csv crate's `Position::line()` is one short after a CRLF (the record "starts" on
    // the `\n` that ends the previous one): count from the first byte of the record instead.
    let lines = Lines::new(text);
    let line_of = |record: &csv::StringRecord| {
        let mut offset = record.position().map_or(0, |p| p.byte() as usize);
        while matches!(text.as_bytes().get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        lines.at(offset)
    };
    let header_line = line_of(&header);
    let columns = columns(&header, header_line)?;
    let mut rows = Vec::new();
    while let Some(record) = next()? {
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() == limits::IMPORT_MAX_ROWS {
            return Err(too_many_rows());
        }
        let line = line_of(&record);
        rows.push(ImportRow {
            line,
            draft: csv_draft(&record, &columns, line),
        });
    }
    if rows.is_empty() {
        return Err(format!(
            "Le fichier ne contient aucune opportunité : rien après l'en-tête de la ligne {header_line}."
        ));
    }
    Ok(rows)
}

/// The delimiter the header line uses most, outside quotes: `;`, `,` or a tab.
fn detect_delimiter(header: &str) -> u8 {
    let (mut semicolons, mut commas, mut tabs) = (0, 0, 0);
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > semicolons && tabs > commas {
        b'\t'
    } else if semicolons >= commas && semicolons > 0 {
        b';'
    } else {
        b','
    }
}

/// A column of the file: the name as written, and the field it fills (none if unnamed).
struct Column {
    name: String,
    field: Option<&'static str>,
}

fn columns(header: &csv::StringRecord, line: usize) -> Result<Vec<Column>, String> {
    let mut columns: Vec<Column> = Vec::new();
    for name in header.iter() {
        let name = name.trim();
        if name.is_empty() {
            columns.push(Column {
                name: String::new(),
                field: None,
            });
            continue;
        }
        let Some(field) = field_for(name) else {
            let hint = match closest_name(name) {
                Some(known) => format!("Vouliez-vous dire « {known} » ?"),
                None => format!(
                    "Colonnes possibles : {}.",
                    FIELDS
                        .iter()
                        .map(|(_, names)| names[0])
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(format!(
                "ligne {line} : colonne « {name} » inconnue. {hint}"
            ));
        };
        if let Some(other) = columns.iter().find(|c| c.field == Some(field)) {
            return Err(format!(
                "ligne {line} : les colonnes « {} » et « {name} » disent la même chose ; gardez-en une seule.",
                other.name
            ));
        }
        columns.push(Column {
            name: name.to_owned(),
            field: Some(field),
        });
    }
    // Spreadsheets often leave empty columns at the end of the header: forget them.
    while columns.last().is_some_and(|c| c.field.is_none()) {
        columns.pop();
    }
    Ok(columns)
}

fn csv_draft(record: &csv::StringRecord, columns: &[Column], line: usize) -> Result<Draft, String> {
    // Cells beyond the header are allowed only if empty (trailing delimiters).
    let extra = record
        .iter()
        .skip(columns.len())
        .any(|c| !c.trim().is_empty());
    if record.len() < columns.len() || extra {
        return Err(format!(
            "ligne {line} : {} cellules au lieu de {}",
            record.len(),
            columns.len()
        ));
    }
    let mut draft = Draft::default();
    for (column, cell) in columns.iter().zip(record.iter()) {
        let Some(field) = column.field else {
            continue;
        };
        let value = cell.trim();
        match field {
            "remote" => {
                draft.remote = parse_yes_no(value).ok_or_else(|| {
                    format!(
                        "ligne {line} : « {value} » dans la colonne « {} » : écrivez oui ou non (ou laissez vide).",
                        column.name
                    )
                })?;
            }
            "themes" => draft.themes = split_themes(value),
            _ => set_text(&mut draft, field, value.to_owned()),
        }
    }
    Ok(draft)
}

// ---- JSON ----

fn parse_json(text: &str) -> Result<Vec<ImportRow>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let why = match e.classify() {
            serde_json::error::Category::Eof => {
                "le texte s'arrête trop tôt (un crochet, une accolade ou un guillemet n'est pas fermé ?)"
            }
            _ => "syntaxe incorrecte (une virgule, un guillemet, un crochet ou une accolade manque ou est en trop ?)",
        };
        format!(
            "Le fichier JSON est illisible à la ligne {}, colonne {} : {why}.",
            e.line(),
            e.column()
        )
    })?;
    let lines = Lines::new(text);
    let (elements, key, france_travail) = match &value {
        Value::Array(items) => (items, None, false),
        Value::Object(map) => match (find_key(map, "opportunites"), find_key(map, "resultats")) {
            (Some((k, Value::Array(items))), _) => (items, Some(k), false),
            (_, Some((k, Value::Array(items)))) => (items, Some(k), true),
            _ => {
                return Err(
                    "ligne 1 : le fichier JSON doit être une liste d'opportunités, un objet avec \
                     une liste « opportunites », ou une recherche France Travail avec « resultats »."
                        .into(),
                )
            }
        },
        _ => {
            return Err(
                "ligne 1 : le fichier JSON doit être une liste d'opportunités.".into(),
            )
        }
    };
    if elements.len() > limits::IMPORT_MAX_ROWS {
        return Err(too_many_rows());
    }
    let offsets = element_offsets(text, key);
    let rows: Vec<ImportRow> = elements
        .iter()
        .enumerate()
        .map(|(i, element)| {
            let line = offsets.get(i).map_or(1, |&o| lines.at(o));
            let draft = if france_travail {
                france_travail_draft(element, line)
            } else {
                json_draft(element, line)
            };
            ImportRow { line, draft }
        })
        .collect();
    if rows.is_empty() {
        let line = Scanner::new(text)
            .array_start(key)
            .map_or(1, |o| lines.at(o));
        return Err(format!(
            "ligne {line} : la liste est vide, le fichier ne contient aucune opportunité."
        ));
    }
    Ok(rows)
}

/// The entry of `map` whose key folds to `wanted` ("opportunités" for "opportunites").
fn find_key<'a>(map: &'a Map<String, Value>, wanted: &str) -> Option<(&'a str, &'a Value)> {
    map.iter()
        .find(|(k, _)| fold_name(k) == wanted)
        .map(|(k, v)| (k.as_str(), v))
}

/// A JSON value where text is expected: text, a number, a boolean, or null (empty).
fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some(String::new()),
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// One element of our own format.
fn json_draft(element: &Value, line: usize) -> Result<Draft, String> {
    let Value::Object(map) = element else {
        return Err(format!(
            "élément à la ligne {line} : une opportunité s'écrit entre accolades {{ … }}."
        ));
    };
    let mut draft = Draft::default();
    for (key, value) in map {
        let Some(field) = field_for(key) else {
            continue;
        };
        let wrong = || format!("opportunité à la ligne {line} : « {key} » doit être un texte.");
        match field {
            "remote" => {
                draft.remote = match value {
                    Value::Bool(b) => *b,
                    _ => json_text(value)
                        .as_deref()
                        .and_then(parse_yes_no)
                        .ok_or_else(|| {
                            format!(
                                "opportunité à la ligne {line} : « {key} » vaut {value} : écrivez true ou false."
                            )
                        })?,
                };
            }
            "themes" => {
                draft.themes = match value {
                    Value::Array(items) => items
                        .iter()
                        .map(|t| json_text(t).ok_or_else(wrong))
                        .collect::<Result<Vec<_>, _>>()?
                        .into_iter()
                        .filter(|t| !t.is_empty())
                        .collect(),
                    _ => split_themes(&json_text(value).ok_or_else(wrong)?),
                };
            }
            _ => set_text(&mut draft, field, json_text(value).ok_or_else(wrong)?),
        }
    }
    Ok(draft)
}

/// One offer of a France Travail "Offres d'emploi v2" search.
fn france_travail_draft(offer: &Value, line: usize) -> Result<Draft, String> {
    if !offer.is_object() {
        return Err(format!(
            "offre à la ligne {line} : une offre s'écrit entre accolades {{ … }}."
        ));
    }
    let text = |path: &[&str]| -> String {
        path.iter()
            .try_fold(offer, |v, key| v.get(key))
            .and_then(json_text)
            .unwrap_or_default()
    };
    let external_id = text(&["id"]);
    let title = text(&["intitule"]);
    let missing: Vec<&str> = [("id", &external_id), ("intitule", &title)]
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(k, _)| *k)
        .collect();
    match missing.as_slice() {
        [] => {}
        [one] => {
            return Err(format!(
                "offre à la ligne {line} : champ obligatoire manquant : {one}"
            ))
        }
        many => {
            return Err(format!(
                "offre à la ligne {line} : champs obligatoires manquants : {}",
                many.join(", ")
            ))
        }
    }
    let contract_code = text(&["typeContrat"]);
    let kind = if offer.get("alternance").and_then(Value::as_bool) == Some(true) {
        "alternance"
    } else if contract_code == "SAI" {
        "job-saisonnier"
    } else {
        "emploi"
    };
    let contract = match text(&["typeContratLibelle"]) {
        label if label.is_empty() => contract_code,
        label => label,
    };
    let url = text(&["origineOffre", "urlOrigine"]);
    Ok(Draft {
        kind: kind.into(),
        title,
        organisation: text(&["entreprise", "nom"]),
        description: text(&["description"]),
        town: town_of_label(&text(&["lieuTravail", "libelle"])),
        postcode: text(&["lieuTravail", "codePostal"]),
        latitude: text(&["lieuTravail", "latitude"]),
        longitude: text(&["lieuTravail", "longitude"]),
        contract,
        hours: text(&["dureeTravailLibelle"]),
        level: offer
            .get("formations")
            .and_then(|f| f.get(0))
            .and_then(|f| f.get("niveauLibelle"))
            .and_then(Value::as_str)
            .map_or("", level_of_label)
            .into(),
        apply: url.clone(),
        source_url: url,
        external_id,
        source: "France Travail".into(),
        ..Draft::default()
    })
}

/// "59 - LILLE" → "LILLE", "2A - AJACCIO" → "AJACCIO"; anything else as is.
fn town_of_label(label: &str) -> String {
    match label.split_once(" - ") {
        Some((code, town))
            if (2..=3).contains(&code.trim().len())
                && code.trim().chars().all(|c| c.is_ascii_alphanumeric())
                && code.trim().starts_with(|c: char| c.is_ascii_digit()) =>
        {
            town.trim().to_owned()
        }
        _ => label.trim().to_owned(),
    }
}

/// France Travail's level labels ("CAP, BEP et équivalents", "Bac+2 ou équivalents"…) as our
/// level slugs; empty when the label does not map clearly.
fn level_of_label(label: &str) -> &'static str {
    let folded: String = deunicode::deunicode(label)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if folded.starts_with("cap") || folded.starts_with("bep") {
        "cap"
    } else if folded.starts_with("bac+2") {
        "bac+2"
    } else if folded.starts_with("bac+3") {
        "bac+3"
    } else if folded.starts_with("bac+5") {
        "bac+5"
    } else if folded.starts_with("bac") && !folded.starts_with("bac+") {
        "bac"
    } else {
        ""
    }
}

// ---- where JSON elements start ----

/// Turns byte offsets into 1-based line numbers.
struct Lines {
    newlines: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Self {
        Lines {
            newlines: text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        }
    }

    fn at(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&n| n < offset) + 1
    }
}

/// The byte offset where each element of the target array starts: the top-level array, or
/// the array under the top-level key `key`. The text is already known to be valid JSON.
fn element_offsets(text: &str, key: Option<&str>) -> Vec<usize> {
    let mut scanner = Scanner::new(text);
    let Some(start) = scanner.array_start(key) else {
        return Vec::new();
    };
    scanner.pos = start + 1;
    let mut offsets = Vec::new();
    loop {
        scanner.skip_whitespace();
        match scanner.peek() {
            None | Some(b']') => break,
            Some(b',') => scanner.pos += 1,
            Some(_) => {
                offsets.push(scanner.pos);
                scanner.skip_value();
            }
        }
    }
    offsets
}

/// A small scanner over JSON text that skips values without building them.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    /// The offset of the `[` of the target array (see `element_offsets`).
    fn array_start(&mut self, key: Option<&str>) -> Option<usize> {
        self.pos = 0;
        self.skip_whitespace();
        let Some(key) = key else {
            return (self.peek() == Some(b'[')).then_some(self.pos);
        };
        if self.peek() != Some(b'{') {
            return None;
        }
        self.pos += 1;
        let mut found = None;
        loop {
            self.skip_whitespace();
            match self.peek() {
                None | Some(b'}') => return found,
                Some(b',') => self.pos += 1,
                Some(b'"') => {
                    let begin = self.pos;
                    self.skip_value();
                    let name: Option<String> =
                        serde_json::from_slice(&self.bytes[begin..self.pos]).ok();
                    self.skip_whitespace();
                    if self.peek() == Some(b':') {
                        self.pos += 1;
                    }
                    self.skip_whitespace();
                    if name.as_deref() == Some(key) && self.peek() == Some(b'[') {
                        // The last one wins, as with serde_json.
                        found = Some(self.pos);
                    }
                    self.skip_value();
                }
                Some(_) => return found,
            }
        }
    }

    /// Skips one value: a string, an object or array (with all it holds), or a scalar.
    fn skip_value(&mut self) {
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                while let Some(b) = self.peek() {
                    self.pos += 1;
                    match b {
                        b'\\' => self.pos += 1,
                        b'"' => return,
                        _ => {}
                    }
                }
            }
            Some(b'{' | b'[') => {
                let mut depth = 0usize;
                let mut in_string = false;
                while let Some(b) = self.peek() {
                    self.pos += 1;
                    if in_string {
                        match b {
                            b'\\' => self.pos += 1,
                            b'"' => in_string = false,
                            _ => {}
                        }
                        continue;
                    }
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return;
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|b| !matches!(b, b',' | b']' | b'}') && !b.is_ascii_whitespace())
                {
                    self.pos += 1;
                }
            }
        }
    }
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
