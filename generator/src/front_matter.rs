//! Front matter: split a content file into its `+++` TOML or `---` YAML header and its Markdown body,
//! then read the header into typed metadata, reporting every problem with its line.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::config::SortBy;
use crate::diagnostics::{line_of, suggestion, Diagnostic};

/// Keys a page's front matter may carry.
pub const PAGE_KEYS: &[&str] = &[
    "title",
    "description",
    "date",
    "updated",
    "draft",
    "weight",
    "slug",
    "path",
    "aliases",
    "template",
    "taxonomies",
    "extra",
    "authors",
    "in_search_index",
];

/// Keys a section's `_index.md` may carry.
pub const SECTION_KEYS: &[&str] = &[
    "title",
    "description",
    "draft",
    "sort_by",
    "weight",
    "template",
    "page_template",
    "paginate_by",
    "paginate_path",
    "paginate_reversed",
    "aliases",
    "extra",
    "generate_feeds",
    "in_search_index",
];

/// Keys Zola defines for sections that Tremplin accepts but ignores (with a warning).
pub const SECTION_IGNORED_KEYS: &[&str] = &[
    "insert_anchor_links",
    "render",
    "redirect_to",
    "transparent",
    "generate_feed",
];

/// Keys Zola defines for pages that Tremplin accepts but ignores (with a warning).
pub const PAGE_IGNORED_KEYS: &[&str] = &["render", "insert_anchor_links"];

/// A content file cut in two.
#[derive(Debug)]
pub struct Split<'a> {
    /// The header's text without its delimiters (empty when the file has none).
    pub header: &'a str,
    pub yaml: bool,
    /// 1-based line of the header's first line.
    pub header_line: usize,
    pub body: &'a str,
    /// 1-based line of the body's first line.
    pub body_line: usize,
}

/// Cuts a file into header and body. A file without header is all body.
pub fn split(text: &str) -> Result<Split<'_>, (usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    let first = text[..first_line_end].trim_end();
    let delim = match first {
        "+++" => "+++",
        "---" => "---",
        _ => {
            return Ok(Split {
                header: "",
                yaml: false,
                header_line: 1,
                body: text,
                body_line: 1,
            })
        }
    };
    let rest = &text[first_line_end..];
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == delim {
            let header = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let body_line = 2 + header.matches('\n').count() + 1;
            return Ok(Split {
                header,
                yaml: delim == "---",
                header_line: 2,
                body,
                body_line,
            });
        }
        offset += line.len();
    }
    Err((1, format!("l'en-tête ouvert par « {delim} » n'est jamais fermé : ajoutez une ligne « {delim} » après lui")))
}

/// A header parsed into a TOML table, whichever its format, with the line of each top-level key.
#[derive(Debug, Default)]
pub struct Header {
    pub table: toml::Table,
    pub key_lines: HashMap<String, usize>,
}

/// Parses a header. `path` names the file in diagnostics.
pub fn parse_header(split: &Split<'_>, path: &str) -> Result<Header, Diagnostic> {
    let table = if split.yaml {
        let value: serde_yaml::Value = serde_yaml::from_str(split.header).map_err(|e| {
            let line = e.location().map(|l| l.line() + split.header_line - 1);
            Diagnostic::error(
                path,
                line,
                format!("en-tête YAML invalide : {}", yaml_message(&e)),
            )
        })?;
        match yaml_to_toml(value) {
            Some(toml::Value::Table(t)) => t,
            None => toml::Table::new(),
            Some(_) => {
                return Err(Diagnostic::error(
                    path,
                    Some(split.header_line),
                    "l'en-tête YAML doit être une liste de clés « clé: valeur »",
                ))
            }
        }
    } else {
        toml::from_str::<toml::Table>(split.header)
            .map_err(|e| {
                crate::config::toml_diagnostic(path, split.header, split.header_line - 1, &e)
            })
            .map_err(|mut d| {
                d.message = d
                    .message
                    .replacen("TOML invalide", "en-tête TOML invalide", 1);
                d
            })?
    };
    Ok(Header {
        table,
        key_lines: key_lines(split),
    })
}

fn yaml_message(e: &serde_yaml::Error) -> String {
    let s = e.to_string();
    // serde_yaml appends " at line X column Y": the line is already in the diagnostic.
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn yaml_to_toml(v: serde_yaml::Value) -> Option<toml::Value> {
    use serde_yaml::Value as Y;
    Some(match v {
        Y::Null => return None,
        Y::Bool(b) => toml::Value::Boolean(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                toml::Value::Integer(i)
            } else {
                toml::Value::Float(n.as_f64().unwrap_or(0.0))
            }
        }
        Y::String(s) => toml::Value::String(s),
        Y::Sequence(seq) => toml::Value::Array(seq.into_iter().filter_map(yaml_to_toml).collect()),
        Y::Mapping(m) => {
            let mut t = toml::Table::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    _ => continue,
                };
                if let Some(v) = yaml_to_toml(v) {
                    t.insert(key, v);
                }
            }
            toml::Value::Table(t)
        }
        Y::Tagged(t) => return yaml_to_toml(t.value),
    })
}

/// Finds the line of each top-level key of a header by reading its text.
fn key_lines(split: &Split<'_>) -> HashMap<String, usize> {
    let mut lines = HashMap::new();
    let mut in_table = false;
    for (i, raw) in split.header.lines().enumerate() {
        let line_no = split.header_line + i;
        let line = raw.trim_end();
        if split.yaml {
            if line.starts_with(' ') || line.starts_with('\t') || line.starts_with('#') {
                continue;
            }
            if let Some((k, _)) = line.split_once(':') {
                lines
                    .entry(k.trim().trim_matches(['"', '\'']).to_string())
                    .or_insert(line_no);
            }
        } else {
            let t = line.trim_start();
            if let Some(h) = t.strip_prefix('[') {
                in_table = true;
                let name = h
                    .trim_start_matches('[')
                    .split([']', '.'])
                    .next()
                    .unwrap_or("")
                    .trim();
                lines
                    .entry(name.trim_matches('"').to_string())
                    .or_insert(line_no);
            } else if !in_table && !t.starts_with('#') {
                if let Some((k, _)) = t.split_once('=') {
                    let k = k.trim();
                    let top = k.split('.').next().unwrap_or(k).trim().trim_matches('"');
                    lines.entry(top.to_string()).or_insert(line_no);
                }
            }
        }
    }
    lines
}

/// Reads typed values out of a header, collecting a diagnostic for every bad one.
pub struct Reader<'a> {
    header: &'a Header,
    path: &'a str,
    pub problems: Vec<Diagnostic>,
}

impl<'a> Reader<'a> {
    /// Checks the keys against the allowed and ignored lists.
    pub fn new(
        header: &'a Header,
        path: &'a str,
        allowed: &[&str],
        ignored: &[&str],
        what: &str,
    ) -> Self {
        let mut problems = Vec::new();
        let mut keys: Vec<&String> = header.table.keys().collect();
        keys.sort_by_key(|k| header.key_lines.get(*k).copied().unwrap_or(0));
        for key in keys {
            let line = header.key_lines.get(key).copied();
            if allowed.contains(&key.as_str()) {
                continue;
            }
            if ignored.contains(&key.as_str()) {
                problems.push(Diagnostic::warning(
                    path,
                    line,
                    format!("la clé « {key} » (de Zola) est ignorée par Tremplin"),
                ));
                continue;
            }
            let mut candidates: Vec<&str> = allowed.to_vec();
            candidates.extend_from_slice(ignored);
            problems.push(Diagnostic::error(
                path,
                line,
                format!(
                    "clé inconnue « {key} » dans l'en-tête {what}{}",
                    suggestion(key, candidates)
                ),
            ));
        }
        Reader {
            header,
            path,
            problems,
        }
    }

    fn line(&self, key: &str) -> Option<usize> {
        self.header.key_lines.get(key).copied()
    }

    fn bad(&mut self, key: &str, expected: &str) {
        let line = self.line(key);
        self.problems.push(Diagnostic::error(
            self.path,
            line,
            format!("la clé « {key} » doit être {expected}"),
        ));
    }

    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.header.table.get(key)? {
            toml::Value::String(s) => Some(s.clone()),
            _ => {
                self.bad(key, "un texte entre guillemets");
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        match self.header.table.get(key)? {
            toml::Value::Boolean(b) => Some(*b),
            _ => {
                self.bad(key, "true ou false");
                None
            }
        }
    }

    pub fn integer(&mut self, key: &str) -> Option<i64> {
        match self.header.table.get(key)? {
            toml::Value::Integer(i) => Some(*i),
            _ => {
                self.bad(key, "un nombre entier");
                None
            }
        }
    }

    pub fn positive(&mut self, key: &str) -> Option<usize> {
        let i = self.integer(key)?;
        if i > 0 {
            Some(i as usize)
        } else {
            self.bad(key, "un nombre entier supérieur à 0");
            None
        }
    }

    pub fn date(&mut self, key: &str) -> Option<NaiveDate> {
        let text = match self.header.table.get(key)? {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            _ => {
                self.bad(key, "une date au format AAAA-MM-JJ");
                return None;
            }
        };
        match crate::dates::parse_date(&text) {
            Some(d) => Some(d),
            None => {
                let line = self.line(key);
                self.problems.push(Diagnostic::error(
                    self.path,
                    line,
                    format!("date invalide « {text} » pour « {key} » : écrivez-la au format AAAA-MM-JJ, par exemple 2025-03-12"),
                ));
                None
            }
        }
    }

    pub fn strings(&mut self, key: &str) -> Vec<String> {
        match self.header.table.get(key) {
            None => Vec::new(),
            Some(toml::Value::Array(items)) if items.iter().all(|v| v.is_str()) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(_) => {
                self.bad(key, "une liste de textes, par exemple [\"a\", \"b\"]");
                Vec::new()
            }
        }
    }

    pub fn table(&mut self, key: &str) -> toml::Table {
        match self.header.table.get(key) {
            None => toml::Table::new(),
            Some(toml::Value::Table(t)) => t.clone(),
            Some(_) => {
                self.bad(key, "une table");
                toml::Table::new()
            }
        }
    }

    /// `[taxonomies]`: each taxonomy name to its list of terms; the names must be among `known`.
    pub fn taxonomies(&mut self, known: &[&str]) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        let table = self.table("taxonomies");
        for (name, v) in table {
            if !known.contains(&name.as_str()) {
                let line = self.line("taxonomies");
                self.problems.push(Diagnostic::error(
                    self.path,
                    line,
                    format!(
                        "taxonomie inconnue « {name} » : déclarez-la dans tremplin.toml ([[taxonomies]]){}",
                        suggestion(&name, known.iter().copied())
                    ),
                ));
                continue;
            }
            match v {
                toml::Value::Array(items) if items.iter().all(|v| v.is_str()) => {
                    let terms: Vec<String> = items
                        .iter()
                        .filter_map(|v| v.as_str().map(|s| s.trim().to_string()))
                        .collect();
                    out.insert(name, terms);
                }
                _ => self.bad(
                    "taxonomies",
                    &format!("une table de listes, par exemple {name} = [\"emploi\"]"),
                ),
            }
        }
        out
    }

    pub fn sort_by(&mut self) -> Option<SortBy> {
        let s = self.string("sort_by")?;
        match SortBy::parse(&s) {
            Some(v) => Some(v),
            None => {
                let line = self.line("sort_by");
                self.problems.push(Diagnostic::error(
                    self.path,
                    line,
                    format!(
                        "valeur inconnue « {s} » pour « sort_by » (valeurs possibles : {}){}",
                        SortBy::NAMES.join(", "),
                        suggestion(&s, SortBy::NAMES)
                    ),
                ));
                None
            }
        }
    }

    pub fn line_of_key(&self, key: &str) -> Option<usize> {
        self.line(key)
    }
}

/// The line in a whole file of a byte offset in its body.
pub fn body_line(split: &Split<'_>, offset: usize) -> usize {
    line_of(split.body, offset) + split.body_line - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_toml_and_yaml() {
        let s = split("+++\ntitle = \"A\"\n+++\nbody\n").unwrap();
        assert_eq!(s.header, "title = \"A\"\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
        assert!(!s.yaml);
        let s = split("---\ntitle: A\nx: 1\n---\n\nbody").unwrap();
        assert!(s.yaml);
        assert_eq!(s.body_line, 5);
        let s = split("no header").unwrap();
        assert_eq!(s.body, "no header");
        assert_eq!(split("+++\ntitle = 1\n").unwrap_err().0, 1);
    }

    fn problems(text: &str) -> Vec<String> {
        let s = split(text).unwrap();
        let h = match parse_header(&s, "a.md") {
            Ok(h) => h,
            Err(d) => return vec![d.to_string()],
        };
        let mut r = Reader::new(&h, "a.md", PAGE_KEYS, PAGE_IGNORED_KEYS, "de la page");
        r.date("date");
        r.string("title");
        r.taxonomies(&["themes"]);
        r.problems.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn every_problem_with_its_line() {
        assert_eq!(
            problems("+++\ntitle = 3\ntitel = \"x\"\ndate = \"2025-13-01\"\n+++\n"),
            vec![
                "a.md:3: clé inconnue « titel » dans l'en-tête de la page — vouliez-vous dire « title » ?",
                "a.md:4: date invalide « 2025-13-01 » pour « date » : écrivez-la au format AAAA-MM-JJ, par exemple 2025-03-12",
                "a.md:2: la clé « title » doit être un texte entre guillemets",
            ]
        );
        assert_eq!(
            problems("---\ntitle: A\nrender: false\n---\n"),
            vec!["a.md:3: attention : la clé « render » (de Zola) est ignorée par Tremplin"]
        );
        assert_eq!(
            problems("+++\ntitle = \"A\n+++\n"),
            vec!["a.md:2: en-tête TOML invalide : invalid basic string, expected `\"`"]
        );
        assert_eq!(
            problems("+++\n[taxonomies]\nthemes = \"emploi\"\n+++\n"),
            vec!["a.md:2: la clé « taxonomies » doit être une table de listes, par exemple themes = [\"emploi\"]"]
        );
    }
}
