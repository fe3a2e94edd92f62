//! The site's configuration, `tremplin.toml`: parsed strictly, with the closest key suggested.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{line_of, suggestion, Diagnostic};

/// The configuration file's name at the site's root.
pub const CONFIG_FILE: &str = "tremplin.toml";

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// Newest first; pages without a date come last, by title.
    Date,
    /// Smallest weight first; pages without a weight come last, by title.
    Weight,
    /// Alphabetical, ignoring case and accents.
    Title,
    /// File order (by path).
    #[default]
    None,
}

impl SortBy {
    pub const NAMES: [&'static str; 4] = ["date", "weight", "title", "none"];

    pub fn parse(s: &str) -> Option<SortBy> {
        match s {
            "date" => Some(SortBy::Date),
            "weight" => Some(SortBy::Weight),
            "title" => Some(SortBy::Title),
            "none" => Some(SortBy::None),
            _ => None,
        }
    }
}

/// A taxonomy declared by the site (`[[taxonomies]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    pub name: String,
    #[serde(default)]
    pub paginate_by: Option<usize>,
    /// An Atom feed per term.
    #[serde(default)]
    pub feed: bool,
}

/// Per-section defaults (`[sections.guides]`); a section's `_index.md` may override them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionOptions {
    #[serde(default)]
    pub sort_by: Option<SortBy>,
    #[serde(default)]
    pub paginate_by: Option<usize>,
}

/// The whole of `tremplin.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub taxonomies: Vec<TaxonomyConfig>,
    /// Keyed by the section's folder under `content/` (`guides`, `faq/emploi`).
    #[serde(default)]
    pub sections: BTreeMap<String, SectionOptions>,
    /// How many entries the Atom feeds carry.
    #[serde(default = "default_feed_limit")]
    pub feed_limit: usize,
    /// Free data for templates.
    #[serde(default)]
    pub extra: toml::Table,
    /// `[database]`, `[email]`, `[server]`: read by the API (`tremplin-api`), which checks
    /// them; the generator only carries them.
    #[serde(default)]
    pub database: Option<toml::Table>,
    #[serde(default)]
    pub email: Option<toml::Table>,
    #[serde(default)]
    pub server: Option<toml::Table>,
}

fn default_language() -> String {
    "fr".to_string()
}

fn default_feed_limit() -> usize {
    20
}

impl Config {
    /// Reads and validates `root/tremplin.toml`.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            vec![Diagnostic::error(
                CONFIG_FILE,
                None,
                format!("impossible de lire le fichier de configuration ({e}) : lancez la commande à la racine du site ou utilisez --root"),
            )]
        })?;
        Config::parse(&text)
    }

    /// Parses the text of a `tremplin.toml`.
    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let config: Config =
            toml::from_str(text).map_err(|e| vec![toml_diagnostic(CONFIG_FILE, text, 0, &e)])?;
        let mut problems = Vec::new();
        let line_of_key = |key: &str| {
            text.lines()
                .position(|l| l.trim_start().starts_with(key))
                .map(|i| i + 1)
        };
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            problems.push(Diagnostic::error(
                CONFIG_FILE,
                line_of_key("base_url"),
                format!(
                    "base_url doit commencer par http:// ou https:// (trouvé « {} »)",
                    config.base_url
                ),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for t in &config.taxonomies {
            if crate::slug::slugify(&t.name).is_empty() {
                problems.push(Diagnostic::error(
                    CONFIG_FILE,
                    line_of_key("name"),
                    "une taxonomie a un nom vide",
                ));
            }
            if !seen.insert(t.name.clone()) {
                problems.push(Diagnostic::error(
                    CONFIG_FILE,
                    line_of_key("[[taxonomies]]"),
                    format!("la taxonomie « {} » est déclarée deux fois", t.name),
                ));
            }
            if t.paginate_by == Some(0) {
                problems.push(Diagnostic::error(
                    CONFIG_FILE,
                    line_of_key("paginate_by"),
                    "paginate_by doit être supérieur à 0",
                ));
            }
        }
        for opts in config.sections.values() {
            if opts.paginate_by == Some(0) {
                problems.push(Diagnostic::error(
                    CONFIG_FILE,
                    line_of_key("paginate_by"),
                    "paginate_by doit être supérieur à 0",
                ));
            }
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    /// The base URL without its trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// The absolute URL of a site path (`/guides/cv/`).
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.base(), path)
    }

    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.name == name)
    }
}

/// A TOML parse error as a diagnostic in French, with its line and the closest valid key.
pub(crate) fn toml_diagnostic(
    path: &str,
    text: &str,
    line_offset: usize,
    e: &toml::de::Error,
) -> Diagnostic {
    let line = e.span().map(|s| line_of(text, s.start) + line_offset);
    Diagnostic::error(path, line, translate_serde_message(e.message()))
}

/// Turns serde's English messages into French ones a counsellor can act on.
pub(crate) fn translate_serde_message(msg: &str) -> String {
    let msg = msg.trim();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some((field, expected)) = rest.split_once('`') {
            let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            return format!(
                "clé inconnue « {field} »{}",
                suggestion(field, candidates.iter().copied())
            );
        }
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        if let Some((field, _)) = rest.split_once('`') {
            return format!("clé obligatoire manquante : « {field} »");
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        if let Some((v, expected)) = rest.split_once('`') {
            let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            return format!(
                "valeur inconnue « {v} » (valeurs possibles : {}){}",
                candidates.join(", "),
                suggestion(v, candidates.iter().copied())
            );
        }
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        return format!("type de valeur incorrect : {rest}");
    }
    format!("TOML invalide : {msg}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_err(text: &str, expected: &str) {
        let errs = Config::parse(text).unwrap_err();
        let shown: Vec<String> = errs.iter().map(|d| d.to_string()).collect();
        assert_eq!(shown.join("\n"), expected);
    }

    #[test]
    fn minimal_config() {
        let c = Config::parse("title = \"T\"\nbase_url = \"https://ex.org/\"\n").unwrap();
        assert_eq!(c.language, "fr");
        assert_eq!(c.permalink("/a/"), "https://ex.org/a/");
        assert_eq!(c.feed_limit, 20);
    }

    #[test]
    fn unknown_key_with_suggestion() {
        check_err(
            "title = \"T\"\nbase_url = \"https://ex.org\"\ntheem = \"x\"\n",
            "tremplin.toml:3: clé inconnue « theem » — vouliez-vous dire « theme » ?",
        );
    }

    #[test]
    fn unknown_sort_order() {
        check_err(
            "title = \"T\"\nbase_url = \"https://ex.org\"\n[sections.guides]\nsort_by = \"dat\"\n",
            "tremplin.toml:4: valeur inconnue « dat » (valeurs possibles : date, weight, title, none) — vouliez-vous dire « date » ?",
        );
    }

    #[test]
    fn missing_title_and_bad_url() {
        check_err(
            "base_url = \"https://ex.org\"\n",
            "tremplin.toml:1: clé obligatoire manquante : « title »",
        );
        check_err(
            "title = \"T\"\nbase_url = \"ex.org\"\n",
            "tremplin.toml:2: base_url doit commencer par http:// ou https:// (trouvé « ex.org »)",
        );
    }
}
