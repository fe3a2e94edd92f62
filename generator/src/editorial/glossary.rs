//! The site's glossary (`glossaire.toml` at the site's root): each word or acronym with its long
//! form and one plain sentence. The editorial checks accept the acronyms it explains, the
//! Markdown wraps their first use on a page in `<abbr>`, and the theme may show it as a page.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::config::toml_diagnostic;
use crate::diagnostics::Diagnostic;
use crate::slug::slugify;

/// The glossary's file, at the site's root beside `tremplin.toml`.
pub const GLOSSARY_FILE: &str = "glossaire.toml";

/// The template that shows the glossary as a page, when the theme has it.
pub const GLOSSARY_TEMPLATE: &str = "glossaire.html";

/// The route of the glossary's page.
pub const GLOSSARY_PATH: &str = "/glossaire/";

/// One word of the glossary, as templates see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// As written in the text: `CAF`, `Épide`.
    pub mot: String,
    /// `caisse d'allocations familiales`.
    pub forme_longue: String,
    /// One plain sentence.
    pub explication: String,
    /// The anchor of the word on the glossary's page.
    pub id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    mot: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    mot: String,
    forme_longue: String,
    explication: String,
}

/// The glossary, sorted by word, with an index by word.
#[derive(Debug, Clone, Default)]
pub struct Glossary {
    pub entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl Glossary {
    /// Reads `root/glossaire.toml`; no file is an empty glossary. A file with problems gives
    /// what could be read and the problems, with their lines.
    pub fn load(root: &Path) -> (Glossary, Vec<Diagnostic>) {
        match std::fs::read_to_string(root.join(GLOSSARY_FILE)) {
            Ok(text) => Glossary::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Glossary::default(), Vec::new()),
            Err(e) => (
                Glossary::default(),
                vec![Diagnostic::error(
                    GLOSSARY_FILE,
                    None,
                    format!("glossaire illisible ({e})"),
                )],
            ),
        }
    }

    /// Parses the text of a `glossaire.toml`.
    pub fn parse(text: &str) -> (Glossary, Vec<Diagnostic>) {
        let file: File = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                return (
                    Glossary::default(),
                    vec![toml_diagnostic(GLOSSARY_FILE, text, 0, &e)],
                )
            }
        };
        let line_of = |word: &str| {
            text.lines()
                .position(|l| {
                    let l = l.trim_start();
                    l.starts_with("mot") && l.contains(&format!("\"{word}\""))
                })
                .map(|i| i + 1)
        };
        let mut problems = Vec::new();
        let mut g = Glossary::default();
        for raw in file.mot {
            let mot = raw.mot.trim().to_string();
            let (forme, expl) = (raw.forme_longue.trim(), raw.explication.trim());
            if mot.is_empty() || forme.is_empty() || expl.is_empty() {
                problems.push(Diagnostic::error(
                    GLOSSARY_FILE,
                    line_of(&mot),
                    format!(
                        "glossaire : « {mot} » a besoin d'un mot, d'une forme longue et d'une explication (mot, forme_longue, explication)"
                    ),
                ));
                continue;
            }
            if g.index.contains_key(&mot) {
                problems.push(Diagnostic::error(
                    GLOSSARY_FILE,
                    line_of(&mot),
                    format!("glossaire : « {mot} » est écrit deux fois"),
                ));
                continue;
            }
            g.index.insert(mot.clone(), g.entries.len());
            g.entries.push(Entry {
                id: slugify(&mot),
                mot,
                forme_longue: forme.to_string(),
                explication: expl.to_string(),
            });
        }
        g.entries
            .sort_by_cached_key(|e| crate::slug::slugify(&e.mot));
        g.index = g
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.mot.clone(), i))
            .collect();
        (g, problems)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry of a word as written (`CAF`), if the glossary has it.
    pub fn get(&self, word: &str) -> Option<(usize, &Entry)> {
        self.index.get(word).map(|i| (*i, &self.entries[*i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_sorted_with_their_problems() {
        let text = "[[mot]]\nmot = \"TER\"\nforme_longue = \"transport express régional\"\nexplication = \"Les trains de la région.\"\n\n[[mot]]\nmot = \"CAF\"\nforme_longue = \"caisse d'allocations familiales\"\nexplication = \"Elle verse les aides au logement.\"\n\n[[mot]]\nmot = \"TER\"\nforme_longue = \"x\"\nexplication = \"y\"\n";
        let (g, problems) = Glossary::parse(text);
        let words: Vec<_> = g.entries.iter().map(|e| e.mot.as_str()).collect();
        assert_eq!(words, ["CAF", "TER"]);
        assert_eq!(g.get("TER").unwrap().1.id, "ter");
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "glossaire.toml:2: glossaire : « TER » est écrit deux fois"
        );
        let (_, problems) = Glossary::parse("[[mot]]\nmot = \"A\"\nsens = \"b\"\n");
        assert!(
            problems[0].message.contains("clé inconnue « sens »"),
            "{problems:?}"
        );
    }
}
