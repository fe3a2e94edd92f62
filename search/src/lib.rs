//! Tremplin search: the `SearchEngine` trait, its plain types, and two engines behind it —
//! the embedded one (tantivy, files in a directory; the default) and Meilisearch.
//!
//! No tantivy or meilisearch-sdk type crosses this crate's public API.

mod embedded;
mod error;
pub mod geo;
mod jobs;
mod meili;
mod text;
mod types;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;

pub use embedded::EmbeddedEngine;
pub use error::{Error, Result};
pub use meili::MeilisearchEngine;
pub use types::{
    Document, FieldValue, Filter, FilterValue, GeoRadius, Hit, IndexSettings, SearchRequest,
    SearchResults, Sort, GEO_FIELD, MAX_HITS, MAX_QUERY_WORDS,
};

/// A search engine holding named indexes of [`Document`]s.
///
/// Every write is visible to the next search once the call returns. Implementations are
/// safe to share between tasks (`Arc<dyn SearchEngine>`).
#[async_trait]
pub trait SearchEngine: Send + Sync {
    /// A short name for logs: `"embarqué"` or `"meilisearch"`.
    fn name(&self) -> &'static str;

    /// Creates the index, or updates its settings (the embedded engine then re-indexes its
    /// documents; Meilisearch does the same on its side).
    async fn configure(&self, index: &str, settings: &IndexSettings) -> Result<()>;

    /// The index's current settings, `None` if it does not exist.
    async fn settings(&self, index: &str) -> Result<Option<IndexSettings>>;

    /// Adds documents, replacing any document with the same id.
    async fn upsert(&self, index: &str, documents: Vec<Document>) -> Result<()>;

    /// Deletes documents by id (unknown ids are ignored).
    async fn delete(&self, index: &str, ids: Vec<String>) -> Result<()>;

    /// Deletes every document of the index, keeping its settings.
    async fn clear(&self, index: &str) -> Result<()>;

    /// Number of documents in the index.
    async fn count(&self, index: &str) -> Result<usize>;

    /// Runs one search, within [`MAX_HITS`] and [`MAX_QUERY_WORDS`] (see
    /// [`SearchRequest::bounded`]).
    async fn search(&self, request: &SearchRequest) -> Result<SearchResults>;
}

/// Opens (or creates) the embedded engine in `dir`, e.g. `data/search/`.
pub fn open_embedded(dir: impl AsRef<Path>) -> Result<Arc<dyn SearchEngine>> {
    Ok(Arc::new(EmbeddedEngine::open(dir.as_ref())?))
}

/// Connects to Meilisearch at `url` (with an API key if the server has one) and checks
/// that it answers.
pub async fn open_meilisearch(url: &str, key: Option<&str>) -> Result<Arc<dyn SearchEngine>> {
    Ok(Arc::new(MeilisearchEngine::connect(url, key).await?))
}

/// Checks what the engines accept as an index name, field name or document id, so both
/// refuse the same things.
pub(crate) mod check {
    use crate::{Document, Error, FieldValue, IndexSettings, Result, GEO_FIELD};

    pub(crate) fn index_name(name: &str) -> Result<()> {
        if name.is_empty()
            || name.len() > 64
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(Error::InvalidRequest(format!(
                "nom d'index « {name} » : seulement des minuscules, chiffres, - et _ (64 au plus)"
            )));
        }
        Ok(())
    }

    pub(crate) fn field_name(name: &str) -> Result<()> {
        if name.is_empty()
            || name.starts_with('_')
            || name == "id"
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(Error::InvalidDocument(format!(
                "nom de champ « {name} » : lettres, chiffres et _ seulement, sans _ au début, et pas « id »"
            )));
        }
        Ok(())
    }

    pub(crate) fn settings(settings: &IndexSettings) -> Result<()> {
        for name in settings
            .searchable
            .iter()
            .chain(&settings.filterable)
            .chain(&settings.sortable)
        {
            field_name(name)?;
        }
        Ok(())
    }

    pub(crate) fn document(document: &Document) -> Result<()> {
        let id = &document.id;
        if id.is_empty()
            || id.len() > 511
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::InvalidDocument(format!(
                "identifiant « {id} » : lettres, chiffres, - et _ seulement (511 au plus)"
            )));
        }
        for (name, value) in &document.fields {
            field_name(name)?;
            match value {
                FieldValue::Geo { lat, lon } => {
                    if name != GEO_FIELD {
                        return Err(Error::InvalidDocument(format!(
                            "{id} : un point géographique va dans le champ « {GEO_FIELD} », pas « {name} »"
                        )));
                    }
                    if !(-90.0..=90.0).contains(lat) || !(-180.0..=180.0).contains(lon) {
                        return Err(Error::InvalidDocument(format!(
                            "{id} : coordonnées hors limites ({lat}, {lon})"
                        )));
                    }
                }
                FieldValue::Float(x) if !x.is_finite() => {
                    return Err(Error::InvalidDocument(format!(
                        "{id} : le champ « {name} » n'est pas un nombre fini"
                    )));
                }
                _ if name == GEO_FIELD => {
                    return Err(Error::InvalidDocument(format!(
                        "{id} : le champ « {GEO_FIELD} » est réservé au point géographique"
                    )));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The entries of each synonym group that this crate's analysis already makes meet without
/// the group — same words once accents, plurals, stems and the job normalisation are applied
/// (« coiffeuse » and « coiffeur », « menuiserie » and « menuisier ») — as (index of the
/// group, one entry, the other). `tremplin check` warns about them: such a group can go.
pub fn synonyms_already_covered(groups: &[Vec<String>]) -> Vec<(usize, String, String)> {
    let stems =
        |entry: &str| -> Vec<String> { text::words(entry).into_iter().map(|w| w.stem).collect() };
    let mut covered = Vec::new();
    for (index, group) in groups.iter().enumerate() {
        let analysed: Vec<Vec<String>> = group.iter().map(|entry| stems(entry)).collect();
        for (i, a) in analysed.iter().enumerate() {
            for (j, b) in analysed.iter().enumerate().skip(i + 1) {
                if !a.is_empty() && a == b {
                    covered.push((index, group[i].clone(), group[j].clone()));
                }
            }
        }
    }
    covered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonym_groups_the_analysis_already_covers() {
        let groups: Vec<Vec<String>> = [
            &["coiffeuse", "coiffeur"][..],
            &["cv", "curriculum vitae"],
            &["menuiserie", "menuisier", "ébéniste"],
            &["Éducatrices", "educateur"],
        ]
        .iter()
        .map(|g| g.iter().map(|s| s.to_string()).collect())
        .collect();
        assert_eq!(
            synonyms_already_covered(&groups),
            [
                (0, "coiffeuse".into(), "coiffeur".into()),
                (2, "menuiserie".into(), "menuisier".into()),
                (3, "Éducatrices".into(), "educateur".into()),
            ]
        );
    }
}
