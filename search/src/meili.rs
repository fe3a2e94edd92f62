//! The Meilisearch engine: a thin use of meilisearch-sdk over text this crate analyses (the
//! same French stems, stop words and elisions as the embedded engine, see `STEMS`). Settings
//! mirror the embedded engine (typo thresholds 5 and 9, explicit sort first); highlights are
//! made here, with the embedded engine's matcher.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use meilisearch_sdk::client::Client;
use meilisearch_sdk::errors::{Error as SdkError, ErrorCode, ErrorType};
use meilisearch_sdk::indexes::Index;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::{
    FacetingSettings, MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings,
};
use meilisearch_sdk::task_info::TaskInfo;
use serde_json::{Map, Value};

use crate::geo::haversine_m;
use crate::text;
use crate::{
    check, Document, Error, FieldValue, Filter, FilterValue, Hit, IndexSettings, Result,
    SearchEngine, SearchRequest, SearchResults, Sort, GEO_FIELD,
};

/// Meilisearch searches text analysed by this crate, as the embedded engine does: for each
/// searchable field `f`, `_s_f` holds the French stems of its words and `_w_f` the words
/// folded (case, accents), both without stop words or elisions, so that phrases and
/// synonyms meet across them. Queries are analysed the same way (stems); highlights are made
/// here from the original text. Meilisearch then needs no French of its own.
const STEMS: &str = "_s_";
const WORDS: &str = "_w_";
/// The index holding each index's settings as given to `configure` (Meilisearch's own cannot
/// give back the synonym groups).
const SETTINGS_INDEX: &str = "tremplin_reglages";
const TASK_TIMEOUT: Duration = Duration::from_secs(600);
const BATCH: usize = 10_000;
const MAX_FACET_VALUES: usize = 100;
/// Ranking rules: an explicit sort (field or distance) first, as in the embedded engine.
const RANKING_RULES: [&str; 6] = [
    "sort",
    "words",
    "typo",
    "proximity",
    "attribute",
    "exactness",
];

/// Meilisearch, reached over HTTP.
pub struct MeilisearchEngine {
    client: Client,
    url: String,
    /// Put before every index name in Meilisearch (`uid`): empty, unless several platforms
    /// share one server (the API's tests).
    prefix: String,
    /// Settings as given to `configure`, since Meilisearch's synonyms lose the groups' order.
    settings: Mutex<HashMap<String, IndexSettings>>,
}

impl MeilisearchEngine {
    /// Connects and checks that the server answers.
    pub async fn connect(url: &str, key: Option<&str>) -> Result<MeilisearchEngine> {
        let engine = MeilisearchEngine::new(url, key)?;
        engine.health().await?;
        Ok(engine)
    }

    /// Whether the server answers (`GET /health`).
    pub async fn health(&self) -> Result<()> {
        self.client.health().await.map_err(|e| self.error(e))?;
        Ok(())
    }

    /// A client for the server at `url`, without asking it anything yet: a server that is
    /// down shows in the first call's error (for a service that must start anyway).
    pub fn new(url: &str, key: Option<&str>) -> Result<MeilisearchEngine> {
        let client = Client::new(url, key).map_err(|e| Error::Unreachable {
            url: url.to_string(),
            message: e.to_string(),
        })?;
        Ok(MeilisearchEngine {
            client,
            url: url.to_string(),
            prefix: String::new(),
            settings: Mutex::new(HashMap::new()),
        })
    }

    /// The same engine, its indexes named `<prefix><name>` in Meilisearch (the settings'
    /// record index too), so that several platforms can share one server without seeing
    /// each other's documents. The prefix takes letters, digits, `-` and `_`.
    pub fn with_prefix(mut self, prefix: &str) -> Result<MeilisearchEngine> {
        if !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::InvalidRequest(format!(
                "préfixe d'index « {prefix} » : lettres, chiffres, - et _ seulement"
            )));
        }
        self.prefix = prefix.to_string();
        Ok(self)
    }

    /// The name of `index` in Meilisearch.
    fn uid(&self, index: &str) -> String {
        format!("{}{index}", self.prefix)
    }

    fn error(&self, error: SdkError) -> Error {
        match error {
            SdkError::Meilisearch(e) if e.error_code == ErrorCode::IndexNotFound => {
                Error::UnknownIndex(e.error_message)
            }
            SdkError::Meilisearch(e) if e.error_type == ErrorType::InvalidRequest => {
                Error::InvalidRequest(e.error_message)
            }
            SdkError::Meilisearch(e) => Error::Meilisearch(e.error_message),
            SdkError::HttpError(e) => Error::Unreachable {
                url: self.url.clone(),
                message: e.to_string(),
            },
            SdkError::MeilisearchCommunication(e) => Error::Unreachable {
                url: self.url.clone(),
                message: e.to_string(),
            },
            other => Error::Meilisearch(other.to_string()),
        }
    }

    /// Waits for a task and turns its failure into an error.
    async fn wait(&self, task: std::result::Result<TaskInfo, SdkError>) -> Result<()> {
        let task = task.map_err(|e| self.error(e))?;
        let task = task
            .wait_for_completion(&self.client, None, Some(TASK_TIMEOUT))
            .await
            .map_err(|e| self.error(e))?;
        if task.is_failure() {
            return Err(self.error(SdkError::Meilisearch(task.unwrap_failure())));
        }
        Ok(())
    }

    /// Creates the index `uid`. One that another call or another replica created meanwhile
    /// (both saw it missing) is what was wanted, not an error.
    async fn create_index(&self, uid: &str) -> Result<()> {
        let task = self
            .client
            .create_index(uid, Some("id"))
            .await
            .map_err(|e| self.error(e))?
            .wait_for_completion(&self.client, None, Some(TASK_TIMEOUT))
            .await
            .map_err(|e| self.error(e))?;
        if task.is_failure() {
            let failure = task.unwrap_failure();
            if failure.error_code != ErrorCode::IndexAlreadyExists {
                return Err(self.error(SdkError::Meilisearch(failure)));
            }
        }
        Ok(())
    }

    /// Keeps `settings` as given, in [`SETTINGS_INDEX`] (created if needed).
    async fn store_settings(&self, index: &str, settings: &IndexSettings) -> Result<()> {
        let settings_index = self.uid(SETTINGS_INDEX);
        if let Err(error) = self.client.get_index(&settings_index).await {
            match self.error(error) {
                Error::UnknownIndex(_) => self.create_index(&settings_index).await?,
                other => return Err(other),
            }
        }
        let json =
            serde_json::to_string(settings).map_err(|e| Error::Meilisearch(e.to_string()))?;
        let record = [serde_json::json!({ "id": index, "settings": json })];
        self.wait(
            self.client
                .index(settings_index)
                .add_or_replace(&record, Some("id"))
                .await,
        )
        .await
    }

    /// The settings `configure` kept for `index`, if any.
    async fn stored_settings(&self, index: &str) -> Result<Option<IndexSettings>> {
        let record = match self
            .client
            .index(self.uid(SETTINGS_INDEX))
            .get_document::<Map<String, Value>>(index)
            .await
        {
            Ok(record) => record,
            Err(SdkError::Meilisearch(e))
                if matches!(
                    e.error_code,
                    ErrorCode::IndexNotFound | ErrorCode::DocumentNotFound
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(self.error(e)),
        };
        Ok(record
            .get("settings")
            .and_then(Value::as_str)
            .and_then(|json| serde_json::from_str(json).ok()))
    }

    /// The index, which must exist (Meilisearch would create it on a first write).
    async fn existing(&self, name: &str) -> Result<Index> {
        check::index_name(name)?;
        self.client
            .get_index(self.uid(name))
            .await
            .map_err(|e| match self.error(e) {
                Error::UnknownIndex(_) => Error::UnknownIndex(name.to_string()),
                other => other,
            })
    }
}

fn meili_settings(settings: &IndexSettings) -> Settings {
    let mut filterable = settings.filterable.clone();
    let mut sortable = settings.sortable.clone();
    if settings.geo {
        filterable.push("_geo".into());
        sortable.push("_geo".into());
    }
    // Synonyms in the analysed form the documents and queries have.
    let mut synonyms: HashMap<String, Vec<String>> = HashMap::new();
    for group in text::analyze_synonyms(&settings.synonyms) {
        let members: Vec<String> = group.iter().map(|stems| stems.join(" ")).collect();
        for member in &members {
            let others = members.iter().filter(|other| *other != member).cloned();
            synonyms.entry(member.clone()).or_default().extend(others);
        }
    }
    let searchable: Vec<String> = settings
        .searchable
        .iter()
        .flat_map(|name| [format!("{STEMS}{name}"), format!("{WORDS}{name}")])
        .collect();
    Settings::new()
        .with_searchable_attributes(&searchable)
        .with_filterable_attributes(&filterable)
        .with_sortable_attributes(&sortable)
        .with_synonyms(synonyms)
        // Stop words are already gone from the analysed fields and queries.
        .with_stop_words(Vec::<String>::new())
        .with_ranking_rules(RANKING_RULES)
        .with_typo_tolerance(TypoToleranceSettings {
            enabled: Some(true),
            disable_on_attributes: Some(Vec::new()),
            disable_on_words: Some(Vec::new()),
            min_word_size_for_typos: Some(MinWordSizeForTypos {
                one_typo: Some(5),
                two_typos: Some(9),
            }),
            disable_on_numbers: None,
        })
        .with_faceting(FacetingSettings {
            max_values_per_facet: MAX_FACET_VALUES,
            sort_facet_values_by: None,
        })
        .with_pagination(PaginationSetting {
            max_total_hits: 1_000_000,
        })
}

/// Our settings read back from Meilisearch (synonym groups rebuilt, in sorted order).
fn from_meili_settings(settings: Settings) -> IndexSettings {
    let strip_geo = |names: Vec<String>| {
        names
            .into_iter()
            .filter(|n| n != "_geo")
            .collect::<Vec<_>>()
    };
    let filterable: Vec<String> = settings
        .filterable_attributes
        .unwrap_or_default()
        .into_iter()
        .filter_map(|attribute| match attribute {
            meilisearch_sdk::settings::FilterableAttribute::Attribute(name) => Some(name),
            meilisearch_sdk::settings::FilterableAttribute::Settings(_) => None,
        })
        .collect();
    let geo = filterable.iter().any(|n| n == "_geo");
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut synonyms: Vec<(String, Vec<String>)> =
        settings.synonyms.unwrap_or_default().into_iter().collect();
    synonyms.sort();
    for (word, others) in synonyms {
        if groups.iter().any(|g| g.contains(&word)) {
            continue;
        }
        let mut group = vec![word];
        group.extend(others);
        group.sort();
        group.dedup();
        groups.push(group);
    }
    IndexSettings {
        searchable: settings
            .searchable_attributes
            .unwrap_or_default()
            .into_iter()
            .filter_map(|n| n.strip_prefix(STEMS).map(str::to_string))
            .collect(),
        filterable: strip_geo(filterable),
        sortable: strip_geo(settings.sortable_attributes.unwrap_or_default()),
        geo,
        synonyms: groups,
    }
}

/// The analysed forms of a text: its stems, and its folded words.
fn analysed(text: &str) -> (String, String) {
    let words = text::words(text);
    let stems: Vec<&str> = words.iter().map(|w| w.stem.as_str()).collect();
    let folded: Vec<&str> = words.iter().map(|w| w.folded.as_str()).collect();
    (stems.join(" "), folded.join(" "))
}

fn to_json(document: &Document, searchable: &[String]) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), Value::String(document.id.clone()));
    for name in searchable {
        let text = match document.fields.get(name) {
            Some(FieldValue::Text(t)) => t.clone(),
            Some(FieldValue::Texts(t)) => t.join(" , "),
            _ => continue,
        };
        let (stems, words) = analysed(&text);
        object.insert(format!("{STEMS}{name}"), Value::String(stems));
        object.insert(format!("{WORDS}{name}"), Value::String(words));
    }
    for (name, value) in &document.fields {
        let json = match value {
            FieldValue::Text(text) => Value::String(text.clone()),
            FieldValue::Texts(texts) => {
                Value::Array(texts.iter().cloned().map(Value::String).collect())
            }
            FieldValue::Int(n) => Value::from(*n),
            FieldValue::Float(x) => Value::from(*x),
            FieldValue::Bool(b) => Value::Bool(*b),
            FieldValue::Geo { lat, lon } => {
                object.insert("_geo".into(), serde_json::json!({ "lat": lat, "lng": lon }));
                continue;
            }
        };
        object.insert(name.clone(), json);
    }
    Value::Object(object)
}

fn from_json(value: &Value) -> Option<FieldValue> {
    Some(match value {
        Value::String(text) => FieldValue::Text(text.clone()),
        Value::Array(items) => FieldValue::Texts(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        ),
        Value::Bool(b) => FieldValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => FieldValue::Int(i),
            None => FieldValue::Float(n.as_f64()?),
        },
        Value::Object(point) => FieldValue::Geo {
            lat: point.get("lat")?.as_f64()?,
            lon: point.get("lng")?.as_f64()?,
        },
        Value::Null => return None,
    })
}

/// A filter value in Meilisearch's syntax: strings in double quotes, `"` and `\` escaped.
fn literal(value: &FilterValue) -> String {
    match value {
        FilterValue::Text(text) => {
            format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
        }
        FilterValue::Int(n) => n.to_string(),
        FilterValue::Float(x) => x.to_string(),
        FilterValue::Bool(b) => b.to_string(),
    }
}

/// The request's filters in Meilisearch's syntax, `None` when one of them can match nothing.
pub(crate) fn filter_expression(request: &SearchRequest) -> Option<String> {
    let mut parts = Vec::new();
    for filter in &request.filters {
        parts.push(match filter {
            Filter::Eq(field, value) => format!("{field} = {}", literal(value)),
            Filter::In(_, values) if values.is_empty() => return None,
            Filter::In(field, values) => {
                format!(
                    "{field} IN [{}]",
                    values.iter().map(literal).collect::<Vec<_>>().join(", ")
                )
            }
            Filter::Range(field, None, None) => format!("{field} EXISTS"),
            Filter::Range(field, min, max) => {
                let mut bounds = Vec::new();
                if let Some(min) = min {
                    bounds.push(format!("{field} >= {min}"));
                }
                if let Some(max) = max {
                    bounds.push(format!("{field} <= {max}"));
                }
                format!("({})", bounds.join(" AND "))
            }
        });
    }
    if let Some(geo) = &request.geo {
        parts.push(format!(
            "_geoRadius({}, {}, {})",
            geo.lat, geo.lon, geo.radius_m
        ));
    }
    Some(parts.join(" AND "))
}

#[async_trait]
impl SearchEngine for MeilisearchEngine {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    async fn configure(&self, index: &str, settings: &IndexSettings) -> Result<()> {
        check::index_name(index)?;
        check::settings(settings)?;
        let uid = self.uid(index);
        if let Err(error) = self.client.get_index(&uid).await {
            match self.error(error) {
                Error::UnknownIndex(_) => self.create_index(&uid).await?,
                other => return Err(other),
            }
        }
        let meili = self.client.index(uid);
        self.wait(meili.set_settings(&meili_settings(settings)).await)
            .await?;
        self.store_settings(index, settings).await?;
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(index.to_string(), settings.clone());
        Ok(())
    }

    async fn settings(&self, index: &str) -> Result<Option<IndexSettings>> {
        if let Some(settings) = self
            .settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(index)
        {
            return Ok(Some(settings.clone()));
        }
        let meili = match self.existing(index).await {
            Ok(meili) => meili,
            Err(Error::UnknownIndex(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let settings = match self.stored_settings(index).await? {
            Some(settings) => settings,
            // An index configured before settings were stored: what Meilisearch gives back.
            None => from_meili_settings(meili.get_settings().await.map_err(|e| self.error(e))?),
        };
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(index.to_string(), settings.clone());
        Ok(Some(settings))
    }

    async fn upsert(&self, index: &str, documents: Vec<Document>) -> Result<()> {
        for document in &documents {
            check::document(document)?;
        }
        let meili = self.existing(index).await?;
        let searchable = self
            .settings(index)
            .await?
            .map(|s| s.searchable)
            .unwrap_or_default();
        for batch in documents.chunks(BATCH) {
            let batch: Vec<Value> = batch.iter().map(|d| to_json(d, &searchable)).collect();
            self.wait(meili.add_or_replace(&batch, Some("id")).await)
                .await?;
        }
        Ok(())
    }

    async fn delete(&self, index: &str, ids: Vec<String>) -> Result<()> {
        let meili = self.existing(index).await?;
        if ids.is_empty() {
            return Ok(());
        }
        self.wait(meili.delete_documents(&ids).await).await
    }

    async fn clear(&self, index: &str) -> Result<()> {
        let meili = self.existing(index).await?;
        self.wait(meili.delete_all_documents().await).await
    }

    async fn count(&self, index: &str) -> Result<usize> {
        let meili = self.existing(index).await?;
        Ok(meili
            .get_stats()
            .await
            .map_err(|e| self.error(e))?
            .number_of_documents)
    }

    async fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let request = &request.bounded();
        check::index_name(&request.index)?;
        let Some(filter) = filter_expression(request) else {
            return Ok(SearchResults::default());
        };
        let sort = match &request.sort {
            Sort::Relevance => None,
            Sort::Field { name, descending } => Some(format!(
                "{name}:{}",
                if *descending { "desc" } else { "asc" }
            )),
            Sort::Distance => {
                let Some(geo) = &request.geo else {
                    return Err(Error::InvalidRequest(
                        "le tri par distance demande un point (geo)".into(),
                    ));
                };
                Some(format!("_geoPoint({}, {}):asc", geo.lat, geo.lon))
            }
        };
        let sort: Vec<&str> = sort.iter().map(String::as_str).collect();
        let facets: Vec<&str> = request.facets.iter().map(String::as_str).collect();
        let Some(settings) = self.settings(&request.index).await? else {
            return Err(Error::UnknownIndex(request.index.clone()));
        };
        let searchable = settings.searchable;
        let synonyms = text::analyze_synonyms(&settings.synonyms);
        // The query as the documents were analysed: its stems.
        let (query_stems, _) = analysed(&request.query);
        // Pages give an exact total (offset/limit only an estimate).
        let (page, per_page, skip) = if request.limit > 0 && request.offset % request.limit == 0 {
            (request.offset / request.limit + 1, request.limit, 0)
        } else {
            (1, request.offset + request.limit, request.offset)
        };

        let meili = self.client.index(self.uid(&request.index));
        let mut query = meili.search();
        query
            .with_query(&query_stems)
            .with_page(page)
            .with_hits_per_page(per_page)
            // Like the embedded engine: every word first, then fewer, the most common dropped
            // first.
            .with_matching_strategy(MatchingStrategies::FREQUENCY)
            .with_show_ranking_score(true);
        if !filter.is_empty() {
            query.with_filter(&filter);
        }
        if !sort.is_empty() {
            query.with_sort(&sort);
        }
        if !facets.is_empty() {
            query.with_facets(Selectors::Some(&facets));
        }
        if request.ids_only {
            // The id, and the point for the distance.
            query.with_attributes_to_retrieve(Selectors::Some(&["id", "_geo"]));
        }
        let found = query
            .execute::<Map<String, Value>>()
            .await
            .map_err(|e| self.error(e))?;

        let mut results = SearchResults {
            total: found
                .total_hits
                .or(found.estimated_total_hits)
                .unwrap_or(found.hits.len()),
            ..Default::default()
        };
        for (name, counts) in found.facet_distribution.unwrap_or_default() {
            let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counts.truncate(MAX_FACET_VALUES);
            results.facets.insert(name, counts);
        }
        for name in &request.facets {
            results.facets.entry(name.clone()).or_default();
        }
        for hit in found.hits.into_iter().skip(skip) {
            let mut fields = BTreeMap::new();
            let mut id = String::new();
            for (name, value) in &hit.result {
                match name.as_str() {
                    "id" => {
                        id = value
                            .as_str()
                            .map_or_else(|| value.to_string(), str::to_string)
                    }
                    "_geo" => {
                        if let Some(point) = from_json(value) {
                            fields.insert(GEO_FIELD.to_string(), point);
                        }
                    }
                    _ if name.starts_with('_') => {}
                    _ => {
                        if let Some(value) = from_json(value) {
                            fields.insert(name.clone(), value);
                        }
                    }
                }
            }
            let distance_m = match (&request.geo, fields.get(GEO_FIELD)) {
                (Some(geo), Some(FieldValue::Geo { lat, lon })) => {
                    Some(haversine_m(geo.lat, geo.lon, *lat, *lon))
                }
                _ => None,
            };
            if request.ids_only {
                // The point was asked for the distance only.
                fields.clear();
            }
            let mut highlights = BTreeMap::new();
            if request.highlight {
                let matcher = text::query_matcher(&request.query, &synonyms);
                for name in &searchable {
                    let text = match fields.get(name) {
                        Some(FieldValue::Text(t)) => text::highlight(t, &matcher),
                        Some(FieldValue::Texts(t)) => t
                            .iter()
                            .map(|item| text::highlight(item, &matcher))
                            .collect::<Vec<_>>()
                            .join(", "),
                        _ => continue,
                    };
                    highlights.insert(name.clone(), text);
                }
            }
            results.hits.push(Hit {
                id,
                score: hit.ranking_score.unwrap_or(0.0),
                distance_m,
                highlights,
                fields,
            });
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GeoRadius;

    #[test]
    fn filters_are_quoted() {
        let mut request = SearchRequest::new("opportunites", "");
        request.filters = vec![
            Filter::eq("town", "Saint-Ouen \"centre\" \\ nord"),
            Filter::any("kind", ["stage", "emploi"]),
            Filter::range("start", Some(10.0), None),
            Filter::eq("remote", true),
        ];
        request.geo = Some(GeoRadius {
            lat: 45.5,
            lon: 4.25,
            radius_m: 30000.0,
        });
        assert_eq!(
            filter_expression(&request).unwrap(),
            r#"town = "Saint-Ouen \"centre\" \\ nord" AND kind IN ["stage", "emploi"] AND (start >= 10) AND remote = true AND _geoRadius(45.5, 4.25, 30000)"#
        );
        request.filters.push(Filter::In("kind".into(), vec![]));
        assert_eq!(filter_expression(&request), None);
    }

    #[test]
    fn documents_carry_geo_as_meilisearch_wants() {
        let document = Document::new("o1")
            .with("geo", FieldValue::Geo { lat: 1.5, lon: 2.5 })
            .with("start", 3);
        assert_eq!(
            to_json(&document, &[]),
            serde_json::json!({"id": "o1", "_geo": {"lat": 1.5, "lng": 2.5}, "start": 3})
        );
        let document = Document::new("o2").with("title", "Le contrat d'engagement des Jeunes");
        assert_eq!(
            to_json(&document, &["title".to_string()]),
            serde_json::json!({
                "id": "o2",
                "title": "Le contrat d'engagement des Jeunes",
                "_s_title": "contrat engag jeun",
                "_w_title": "contrat engagement jeunes",
            })
        );
    }

    #[tokio::test]
    async fn unreachable_server_is_a_clear_error() {
        let error = MeilisearchEngine::connect("http://127.0.0.1:9", None)
            .await
            .err()
            .expect("nothing listens on port 9");
        let message = error.to_string();
        assert!(
            message.starts_with("Meilisearch injoignable à http://127.0.0.1:9"),
            "{message}"
        );
    }
}
