//! Our JSON and France Travail's "Offres d'emploi v2" JSON, each element with its line.

use super::*;

pub(super) fn parse_json(text: &str) -> Result<Vec<ImportRow>, String> {
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
            yes_no if YES_NO.contains(&yes_no) => {
                let value = match value {
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
                set_yes_no(&mut draft, field, value);
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
        // A licence France Travail marks "E" (exigé) is required; "S" (souhaité) is not.
        driving_licence: offer
            .get("permis")
            .and_then(Value::as_array)
            .is_some_and(|list| {
                list.iter()
                    .any(|p| p.get("exigence").and_then(Value::as_str) == Some("E"))
            }),
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
pub(super) fn town_of_label(label: &str) -> String {
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
/// level slugs, through the one table of levels (`parse_level`); empty (no diploma asked)
/// when the label does not map clearly.
pub(super) fn level_of_label(label: &str) -> &'static str {
    crate::domain::opportunities::parse_level(label).map_or("", |l| l.as_str())
}

/// Turns byte offsets into 1-based line numbers.
pub(super) struct Lines {
    newlines: Vec<usize>,
}

impl Lines {
    pub(super) fn new(text: &str) -> Self {
        Lines {
            newlines: text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        }
    }

    pub(super) fn at(&self, offset: usize) -> usize {
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
    pub(super) fn new(text: &'a str) -> Self {
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
