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
    /// Whether the section's files (and its subsections') may hold raw HTML; unset, the
    /// site's `[markdown] raw_html` decides.
    #[serde(default)]
    pub raw_html: Option<bool>,
    /// The readability score the section's pages should reach (Kandel & Moles); unset, the
    /// nearest section above decides, else `[redaction] lisibilite`.
    #[serde(default)]
    pub lisibilite: Option<f64>,
}

/// `[markdown]`: how content files are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Whether raw HTML (other than comments) is allowed in content files. With `false`, a
    /// tag is an error at its line: the text must be Markdown. `[sections.<dir>] raw_html`
    /// overrides it for one section and its subsections.
    #[serde(default = "yes")]
    pub raw_html: bool,
}

fn yes() -> bool {
    true
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig { raw_html: true }
    }
}

/// Which search engine the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SearchBackend {
    /// The embedded engine: files under `data/search/`, nothing to install.
    #[default]
    #[serde(rename = "embarque", alias = "embarqué")]
    Embedded,
    /// A Meilisearch server (`meilisearch_url`).
    #[serde(rename = "meilisearch")]
    Meilisearch,
}

/// `[search]`: the engine and the synonyms of every index. The API reads it; the environment
/// (`TREMPLIN_SEARCH_ENGINE`, `TREMPLIN_MEILI_URL`, `TREMPLIN_MEILI_KEY`) overrides it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// `embarque` (the default) or `meilisearch`.
    #[serde(default)]
    pub engine: SearchBackend,
    #[serde(default)]
    pub meilisearch_url: Option<String>,
    #[serde(default)]
    pub meilisearch_key: Option<String>,
    /// Groups of equivalent words or phrases, each of two entries at least:
    /// `[["cej", "contrat d'engagement jeune"], ["cv", "curriculum vitae"]]`.
    #[serde(default)]
    pub synonyms: Vec<Vec<String>>,
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
    #[serde(default)]
    pub search: SearchConfig,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    #[serde(default)]
    pub redaction: EditorialConfig,
}

/// `[redaction]`: the editorial checks of `tremplin check` (plain French, sourced facts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditorialConfig {
    /// Whether `tremplin check` and the preview run the editorial checks.
    #[serde(default = "yes")]
    pub actif: bool,
    /// A sentence longer than this many words is a warning.
    #[serde(default = "default_sentence_words")]
    pub mots_par_phrase: usize,
    /// The readability score a page should reach, where no `[sections.<dir>] lisibilite`
    /// says otherwise.
    #[serde(default = "default_readability")]
    pub lisibilite: f64,
    /// Phrases to avoid, added to the built-in ones.
    #[serde(default)]
    pub a_eviter: Vec<AvoidConfig>,
}

/// One phrase to avoid and what to write instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvoidConfig {
    pub phrase: String,
    pub remplacer: String,
    /// Not a problem when the line also holds this (the feminine form beside a masculine one).
    #[serde(default)]
    pub sauf_si: Option<String>,
}

fn default_sentence_words() -> usize {
    25
}

fn default_readability() -> f64 {
    50.0
}

impl Default for EditorialConfig {
    fn default() -> Self {
        EditorialConfig {
            actif: true,
            mots_par_phrase: default_sentence_words(),
            lisibilite: default_readability(),
            a_eviter: Vec::new(),
        }
    }
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
        check_search(&config.search, text, &mut problems);
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

    /// Whether the content file at `relative_path` (`faq/cv.md`) may hold raw HTML: the
    /// nearest configured section above it decides, else `[markdown] raw_html`.
    pub fn raw_html_allowed(&self, relative_path: &str) -> bool {
        self.sections
            .iter()
            .filter(|(dir, opts)| {
                opts.raw_html.is_some()
                    && (dir.is_empty()
                        || relative_path
                            .strip_prefix(dir.trim_matches('/'))
                            .is_some_and(|rest| rest.starts_with('/')))
            })
            .max_by_key(|(dir, _)| dir.len())
            .and_then(|(_, opts)| opts.raw_html)
            .unwrap_or(self.markdown.raw_html)
    }

    /// The readability target of the content file at `relative_path`: the nearest configured
    /// section above it decides, else `[redaction] lisibilite`.
    pub fn readability_target(&self, relative_path: &str) -> f64 {
        self.sections
            .iter()
            .filter(|(dir, opts)| {
                opts.lisibilite.is_some()
                    && (dir.is_empty()
                        || relative_path
                            .strip_prefix(dir.trim_matches('/'))
                            .is_some_and(|rest| rest.starts_with('/')))
            })
            .max_by_key(|(dir, _)| dir.len())
            .and_then(|(_, opts)| opts.lisibilite)
            .unwrap_or(self.redaction.lisibilite)
    }

    pub fn taxonomy(&self, name: &str) -> Option<&TaxonomyConfig> {
        self.taxonomies.iter().find(|t| t.name == name)
    }
}

/// `[search]` read again with the position of each synonym group, for messages.
#[derive(Deserialize)]
struct SearchSpans {
    #[serde(default)]
    search: Option<SynonymSpans>,
}

#[derive(Deserialize)]
struct SynonymSpans {
    #[serde(default)]
    synonyms: Vec<toml::Spanned<toml::Value>>,
    #[serde(default)]
    meilisearch_url: Option<toml::Spanned<toml::Value>>,
}

/// Checks `[search]`: synonym groups of two non-empty entries at least, a Meilisearch URL
/// that is one.
fn check_search(search: &SearchConfig, text: &str, problems: &mut Vec<Diagnostic>) {
    let bad_groups: Vec<usize> = search
        .synonyms
        .iter()
        .enumerate()
        .filter(|(_, g)| g.len() < 2 || g.iter().any(|w| w.trim().is_empty()))
        .map(|(i, _)| i)
        .collect();
    let bad_url = search
        .meilisearch_url
        .as_deref()
        .filter(|u| !(u.starts_with("http://") || u.starts_with("https://")));
    if bad_groups.is_empty() && bad_url.is_none() {
        return;
    }
    let spans = toml::from_str::<SearchSpans>(text)
        .ok()
        .and_then(|s| s.search);
    let line_at = |start: usize| Some(line_of(text, start));
    for i in bad_groups {
        let group = &search.synonyms[i];
        let line = spans
            .as_ref()
            .and_then(|s| s.synonyms.get(i))
            .and_then(|g| line_at(g.span().start));
        let shown: Vec<String> = group.iter().map(|w| format!("« {w} »")).collect();
        let message = if group.iter().any(|w| w.trim().is_empty()) {
            format!(
                "[search] synonyms : le groupe [{}] contient une entrée vide",
                shown.join(", ")
            )
        } else {
            format!(
                "[search] synonyms : le groupe [{}] doit contenir au moins deux mots ou expressions équivalents",
                shown.join(", ")
            )
        };
        problems.push(Diagnostic::error(CONFIG_FILE, line, message));
    }
    if let Some(url) = bad_url {
        let line = spans
            .as_ref()
            .and_then(|s| s.meilisearch_url.as_ref())
            .and_then(|u| line_at(u.span().start));
        problems.push(Diagnostic::error(
            CONFIG_FILE,
            line,
            format!("[search] meilisearch_url doit commencer par http:// ou https:// (trouvé « {url} »)"),
        ));
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
    fn search_section() {
        let base = "title = \"T\"\nbase_url = \"https://ex.org\"\n";
        let c = Config::parse(base).unwrap();
        assert_eq!(c.search, SearchConfig::default());
        assert_eq!(c.search.engine, SearchBackend::Embedded);
        let c = Config::parse(&format!(
            "{base}[search]\nengine = \"meilisearch\"\nmeilisearch_url = \"http://127.0.0.1:7700\"\n\
             meilisearch_key = \"k\"\nsynonyms = [\n  [\"cej\", \"contrat d'engagement jeune\"],\n  [\"cv\", \"curriculum vitae\"],\n]\n"
        ))
        .unwrap();
        assert_eq!(c.search.engine, SearchBackend::Meilisearch);
        assert_eq!(
            c.search.meilisearch_url.as_deref(),
            Some("http://127.0.0.1:7700")
        );
        assert_eq!(c.search.meilisearch_key.as_deref(), Some("k"));
        assert_eq!(c.search.synonyms.len(), 2);
        assert_eq!(c.search.synonyms[0], ["cej", "contrat d'engagement jeune"]);
        for accented in ["embarque", "embarqué"] {
            let c = Config::parse(&format!("{base}[search]\nengine = \"{accented}\"\n")).unwrap();
            assert_eq!(c.search.engine, SearchBackend::Embedded);
        }
    }

    #[test]
    fn search_section_errors() {
        let base = "title = \"T\"\nbase_url = \"https://ex.org\"\n";
        check_err(
            &format!("{base}[search]\nengin = \"meilisearch\"\n"),
            "tremplin.toml:4: clé inconnue « engin » — vouliez-vous dire « engine » ?",
        );
        check_err(
            &format!("{base}[search]\nengine = \"meili\"\n"),
            "tremplin.toml:4: valeur inconnue « meili » (valeurs possibles : embarque, embarqué, meilisearch) — vouliez-vous dire « meilisearch » ?",
        );
        check_err(
            &format!(
                "{base}[search]\nsynonyms = [\n  [\"cej\", \"contrat d'engagement jeune\"],\n  [\"cv\"],\n  [\"apl\", \" \"],\n]\n"
            ),
            "tremplin.toml:6: [search] synonyms : le groupe [« cv »] doit contenir au moins deux mots ou expressions équivalents\n\
             tremplin.toml:7: [search] synonyms : le groupe [« apl », «   »] contient une entrée vide",
        );
        check_err(
            &format!("{base}[search]\nmeilisearch_url = \"127.0.0.1:7700\"\n"),
            "tremplin.toml:4: [search] meilisearch_url doit commencer par http:// ou https:// (trouvé « 127.0.0.1:7700 »)",
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

    #[test]
    fn raw_html_by_section() {
        let base = "title = \"T\"\nbase_url = \"https://ex.org\"\n";
        let c = Config::parse(base).unwrap();
        assert!(c.raw_html_allowed("faq/cv.md"));
        let c = Config::parse(&format!(
            "{base}[sections.faq]\nraw_html = false\n[sections.\"faq/emploi\"]\nraw_html = true\n"
        ))
        .unwrap();
        assert!(!c.raw_html_allowed("faq/cv.md"));
        assert!(!c.raw_html_allowed("faq/sante/_index.md"));
        assert!(c.raw_html_allowed("faq/emploi/x.md"));
        assert!(c.raw_html_allowed("faqs/x.md"));
        assert!(c.raw_html_allowed("guides/cv.md"));
        let c = Config::parse(&format!(
            "{base}[markdown]\nraw_html = false\n[sections.guides]\nraw_html = true\n"
        ))
        .unwrap();
        assert!(!c.raw_html_allowed("faq/cv.md"));
        assert!(c.raw_html_allowed("guides/cv/index.md"));
    }
}
