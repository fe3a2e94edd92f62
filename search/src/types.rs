//! The plain data types of the search API: settings, documents, requests and results.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The name of the one field that may hold a [`FieldValue::Geo`] point in a document.
pub const GEO_FIELD: &str = "geo";

/// How an index is searched: which fields, in which order of importance, which can be
/// filtered, sorted and counted, and the synonyms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexSettings {
    /// Fields searched by the query, the most important first (a match in an earlier field
    /// ranks above a match in a later one).
    pub searchable: Vec<String>,
    /// Fields usable in [`Filter`]s and for facet counts.
    pub filterable: Vec<String>,
    /// Fields usable in [`Sort::Field`].
    pub sortable: Vec<String>,
    /// Whether documents carry a point in the [`GEO_FIELD`] field (radius filter, distance sort).
    pub geo: bool,
    /// Groups of equivalent words or phrases, e.g. `["cej", "contrat d'engagement jeune"]`:
    /// a query for any of them finds documents with any other.
    pub synonyms: Vec<Vec<String>>,
}

/// One document: an id (letters, digits, `-` and `_`, as Meilisearch requires) and its fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: String,
    pub fields: BTreeMap<String, FieldValue>,
}

impl Document {
    pub fn new(id: impl Into<String>) -> Self {
        Document {
            id: id.into(),
            fields: BTreeMap::new(),
        }
    }

    /// Adds a field (builder style).
    pub fn with(mut self, name: &str, value: impl Into<FieldValue>) -> Self {
        self.fields.insert(name.to_string(), value.into());
        self
    }
}

/// The value of a document field. Dates are [`FieldValue::Int`] unix seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FieldValue {
    Text(String),
    Texts(Vec<String>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Geo { lat: f64, lon: f64 },
}

impl From<&str> for FieldValue {
    fn from(value: &str) -> Self {
        FieldValue::Text(value.to_string())
    }
}
impl From<String> for FieldValue {
    fn from(value: String) -> Self {
        FieldValue::Text(value)
    }
}
impl From<Vec<String>> for FieldValue {
    fn from(value: Vec<String>) -> Self {
        FieldValue::Texts(value)
    }
}
impl From<Vec<&str>> for FieldValue {
    fn from(value: Vec<&str>) -> Self {
        FieldValue::Texts(value.into_iter().map(str::to_string).collect())
    }
}
impl From<i64> for FieldValue {
    fn from(value: i64) -> Self {
        FieldValue::Int(value)
    }
}
impl From<f64> for FieldValue {
    fn from(value: f64) -> Self {
        FieldValue::Float(value)
    }
}
impl From<bool> for FieldValue {
    fn from(value: bool) -> Self {
        FieldValue::Bool(value)
    }
}

/// A single value compared by a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FilterValue {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl From<&str> for FilterValue {
    fn from(value: &str) -> Self {
        FilterValue::Text(value.to_string())
    }
}
impl From<String> for FilterValue {
    fn from(value: String) -> Self {
        FilterValue::Text(value)
    }
}
impl From<i64> for FilterValue {
    fn from(value: i64) -> Self {
        FilterValue::Int(value)
    }
}
impl From<f64> for FilterValue {
    fn from(value: f64) -> Self {
        FilterValue::Float(value)
    }
}
impl From<bool> for FilterValue {
    fn from(value: bool) -> Self {
        FilterValue::Bool(value)
    }
}

/// A condition on a filterable field. The filters of a request are all required (AND); the
/// values of one [`Filter::In`] are alternatives (OR). For a multi-valued field (`Texts`), a
/// document matches when any of its values does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Filter {
    /// The field equals the value (text comparison is exact: case and accents count).
    Eq(String, FilterValue),
    /// The field equals one of the values.
    In(String, Vec<FilterValue>),
    /// A numeric field (or date in unix seconds) lies between the bounds, both inclusive;
    /// `None` leaves that side open.
    Range(String, Option<f64>, Option<f64>),
}

impl Filter {
    pub fn eq(field: &str, value: impl Into<FilterValue>) -> Self {
        Filter::Eq(field.to_string(), value.into())
    }
    pub fn any<V: Into<FilterValue>>(field: &str, values: impl IntoIterator<Item = V>) -> Self {
        Filter::In(
            field.to_string(),
            values.into_iter().map(Into::into).collect(),
        )
    }
    pub fn range(field: &str, min: Option<f64>, max: Option<f64>) -> Self {
        Filter::Range(field.to_string(), min, max)
    }
    /// The field the filter is about.
    pub fn field(&self) -> &str {
        match self {
            Filter::Eq(field, _) | Filter::In(field, _) | Filter::Range(field, _, _) => field,
        }
    }
}

/// Keep documents whose point is within `radius_m` metres of (`lat`, `lon`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoRadius {
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
}

/// The order of the hits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum Sort {
    /// Best match first (ties broken by id, so the order is stable).
    #[default]
    Relevance,
    /// By a sortable field; documents without the field come last; ties by relevance.
    Field { name: String, descending: bool },
    /// Nearest first from the point of the request's [`GeoRadius`] (required).
    Distance,
}

/// The deepest any search goes: hits past the first `MAX_HITS` matches are never returned
/// (`total` still counts every match), as Meilisearch's `maxTotalHits`. Both engines hold to
/// it, so that no offset a caller sends makes an engine collect or allocate in proportion.
pub const MAX_HITS: usize = 1000;

/// The words of a query an engine looks at; the rest of a longer query is ignored (each word
/// costs typo expansions, and fewer-words retries, in proportion).
pub const MAX_QUERY_WORDS: usize = 16;

/// One search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    pub index: String,
    /// What the user typed; empty means every document (then filtered).
    pub query: String,
    pub filters: Vec<Filter>,
    /// Filterable fields whose values to count among the matching documents.
    pub facets: Vec<String>,
    pub geo: Option<GeoRadius>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// Fill [`Hit::highlights`].
    pub highlight: bool,
    /// Only the hits' ids and distances: no stored fields, no highlights (for a caller that
    /// reads the documents from its own database). Saves reading every hit's stored document.
    #[serde(default)]
    pub ids_only: bool,
}

impl SearchRequest {
    /// A request for `query` in `index`: no filter, first 20 hits by relevance, no highlight.
    pub fn new(index: &str, query: &str) -> Self {
        SearchRequest {
            index: index.to_string(),
            query: query.to_string(),
            filters: Vec::new(),
            facets: Vec::new(),
            geo: None,
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
            highlight: false,
            ids_only: false,
        }
    }

    /// The request as the engines run it: the window of hits cut at [`MAX_HITS`] and the query
    /// cut after its first [`MAX_QUERY_WORDS`] words.
    pub fn bounded(&self) -> SearchRequest {
        let mut r = self.clone();
        r.offset = r.offset.min(MAX_HITS);
        r.limit = r.limit.min(MAX_HITS - r.offset);
        if let Some(word) = crate::text::spans(&r.query).get(MAX_QUERY_WORDS) {
            r.query.truncate(word.start);
        }
        r
    }
}

/// One matching document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: String,
    /// Relevance score: higher is better; only comparable within one engine and one search.
    pub score: f64,
    /// Distance in metres from the request's geo point (when the request has one and the
    /// document has a point).
    pub distance_m: Option<f64>,
    /// For each searchable text field of the document: its text, HTML-escaped, with the
    /// matched words in `<mark>…</mark>`, cropped around the first match when long.
    /// Empty unless the request asked for highlights.
    pub highlights: BTreeMap<String, String>,
    /// The document's stored fields.
    pub fields: BTreeMap<String, FieldValue>,
}

/// The page of hits and what is known about all matches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Number of matching documents (all pages).
    pub total: usize,
    /// For each requested facet: (value, number of matching documents), most frequent first,
    /// ties by value.
    pub facets: BTreeMap<String, Vec<(String, usize)>>,
    /// A corrected query, when nothing matched and the index knows closer words.
    pub did_you_mean: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_bounded() {
        let mut r = SearchRequest::new("i", "un deux trois");
        r.offset = usize::MAX;
        r.limit = usize::MAX;
        let b = r.bounded();
        assert_eq!((b.offset, b.limit), (MAX_HITS, 0));
        r.offset = 990;
        r.limit = 20;
        assert_eq!(r.bounded().limit, 10);
        assert_eq!(r.bounded().query, "un deux trois");
        let words: Vec<String> = (0..40).map(|i| format!("mot{i}")).collect();
        let b = SearchRequest::new("i", &words.join(" ")).bounded();
        assert_eq!(
            b.query.split_whitespace().count(),
            MAX_QUERY_WORDS,
            "{}",
            b.query
        );
        assert!(b.query.starts_with("mot0 mot1 "));
    }
}
