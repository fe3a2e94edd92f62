//! The embedded engine: one tantivy index per name under a directory
//! (`<dir>/<index>/settings.json` and `<dir>/<index>/gen-<n>/`). Changing the settings builds
//! a new generation from the stored documents, then drops the old one.

mod collector;
mod expand;
mod query;
mod schema;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tantivy::collector::DocSetCollector;
use tantivy::directory::MmapDirectory;
use tantivy::query::AllQuery;
use tantivy::schema::Value;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use self::collector::{Collected, MainCollector, Order, Plan};
use self::schema::Fields;
use crate::text::{self, Matcher};
use crate::{
    check, Document, Error, FieldValue, Hit, IndexSettings, Result, SearchEngine, SearchRequest,
    SearchResults, Sort,
};

/// Bulk loads of at least this many documents end with a merge into one segment.
const MERGE_AFTER: usize = 10_000;
const WRITER_MEMORY: usize = 64_000_000;
/// Facet values returned per facet, as Meilisearch's default `maxValuesPerFacet`.
const MAX_FACET_VALUES: usize = 100;
/// How long the fewer-words retries of one search may go on, and how many there may be: a
/// query of many rare words answers with what it found by then rather than trying every
/// shorter query. Each retry drops one word and searches the whole index again, so a query
/// of `MAX_QUERY_WORDS` words would make as many searches; past these, the answer is the
/// best found so far.
const RELAX_BUDGET: Duration = Duration::from_millis(500);
const RELAX_MAX_RETRIES: usize = crate::MAX_QUERY_WORDS - 1;

/// What the fewer-words retries of one search may still spend, and what they did.
struct Relax {
    deadline: Instant,
    retries_left: usize,
    /// Retries started so far.
    retries: usize,
}

impl Relax {
    fn new(time: Duration, retries: usize) -> Relax {
        Relax {
            deadline: Instant::now() + time,
            retries_left: retries,
            retries: 0,
        }
    }

    /// Whether another retry may start.
    fn allows(&self) -> bool {
        self.retries_left > 0 && Instant::now() < self.deadline
    }

    fn spend(&mut self) {
        self.retries_left -= 1;
        self.retries += 1;
    }
}

/// The embedded search engine (tantivy), persisted in a directory.
#[derive(Clone)]
pub struct EmbeddedEngine {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    indexes: Mutex<HashMap<String, Arc<IndexState>>>,
    /// Serialises settings changes.
    admin: Mutex<()>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    generation: u64,
    settings: IndexSettings,
}

struct IndexState {
    generation: u64,
    settings: IndexSettings,
    fields: Fields,
    synonyms: text::Synonyms,
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    /// Set when a new generation replaced this one: writers must start again.
    retired: AtomicBool,
    /// Query words' typo and prefix matches (see `expand`).
    expansions: expand::ExpansionCache,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl IndexState {
    fn open(
        dir: &Path,
        generation: u64,
        settings: IndexSettings,
        create: bool,
    ) -> Result<IndexState> {
        let path = dir.join(format!("gen-{generation}"));
        let (schema, fields) = schema::build(&settings);
        let index = if create {
            fs::create_dir_all(&path).map_err(io_error(&path))?;
            let directory =
                MmapDirectory::open(&path).map_err(|e| Error::Embedded(e.to_string()))?;
            Index::create(directory, schema, Default::default())?
        } else {
            Index::open_in_dir(&path)?
        };
        schema::register_tokenizers(&index);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 2);
        let writer = index.writer_with_num_threads(threads, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(IndexState {
            generation,
            synonyms: text::analyze_synonyms(&settings.synonyms),
            settings,
            fields,
            index,
            reader,
            writer: Mutex::new(writer),
            retired: AtomicBool::new(false),
            expansions: expand::ExpansionCache::default(),
        })
    }

    fn all_documents(&self) -> Result<Vec<Document>> {
        let searcher = self.reader.searcher();
        let mut addresses: Vec<_> = searcher
            .search(&AllQuery, &DocSetCollector)?
            .into_iter()
            .collect();
        addresses.sort();
        addresses
            .into_iter()
            .map(|address| read_document(&searcher, &self.fields, address))
            .collect()
    }

    /// Applies a batch of writes, commits, and makes them visible.
    fn write(&self, apply: impl FnOnce(&mut IndexWriter, &Fields) -> Result<usize>) -> Result<()> {
        let mut writer = lock(&self.writer);
        self.write_locked(&mut writer, apply)
    }

    fn write_locked(
        &self,
        writer: &mut IndexWriter,
        apply: impl FnOnce(&mut IndexWriter, &Fields) -> Result<usize>,
    ) -> Result<()> {
        let written = apply(writer, &self.fields)?;
        writer.commit()?;
        if written >= MERGE_AFTER {
            let segments = self.index.searchable_segment_ids()?;
            if segments.len() > 1 {
                writer.merge(&segments).wait()?;
            }
            let _ = writer.garbage_collect_files().wait();
        }
        self.reader.reload()?;
        Ok(())
    }
}

fn read_document(
    searcher: &Searcher,
    fields: &Fields,
    address: tantivy::DocAddress,
) -> Result<Document> {
    let doc: TantivyDocument = searcher.doc(address)?;
    let source = doc
        .get_first(fields.source)
        .and_then(|value| value.as_str().map(str::to_string))
        .ok_or_else(|| Error::Embedded("document sans source".into()))?;
    serde_json::from_str(&source).map_err(|e| Error::Embedded(format!("document illisible : {e}")))
}

impl EmbeddedEngine {
    /// Opens the engine's directory, creating it if needed. Indexes are opened on first use.
    pub fn open(dir: &Path) -> Result<EmbeddedEngine> {
        fs::create_dir_all(dir).map_err(io_error(dir))?;
        Ok(EmbeddedEngine {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                indexes: Mutex::new(HashMap::new()),
                admin: Mutex::new(()),
            }),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Inner) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || job(&inner))
            .await
            .map_err(|e| Error::Embedded(format!("tâche interrompue : {e}")))?
    }
}

impl Inner {
    fn index_dir(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read_manifest(&self, name: &str) -> Result<Option<Manifest>> {
        let path = self.index_dir(name).join("settings.json");
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| Error::Embedded(format!("{} illisible : {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Io { path, source: e }),
        }
    }

    fn write_manifest(&self, name: &str, manifest: &Manifest) -> Result<()> {
        let dir = self.index_dir(name);
        let path = dir.join("settings.json");
        let temporary = dir.join("settings.json.tmp");
        let text = serde_json::to_string_pretty(manifest).expect("settings serialize to JSON");
        fs::write(&temporary, text).map_err(io_error(&temporary))?;
        fs::rename(&temporary, &path).map_err(io_error(&path))
    }

    /// The open index, opened from disk on first use.
    fn get(&self, name: &str) -> Result<Arc<IndexState>> {
        check::index_name(name)?;
        let mut indexes = lock(&self.indexes);
        if let Some(state) = indexes.get(name) {
            return Ok(Arc::clone(state));
        }
        let manifest = self
            .read_manifest(name)?
            .ok_or_else(|| Error::UnknownIndex(name.to_string()))?;
        let state = Arc::new(IndexState::open(
            &self.index_dir(name),
            manifest.generation,
            manifest.settings,
            false,
        )?);
        indexes.insert(name.to_string(), Arc::clone(&state));
        Ok(state)
    }

    fn configure(&self, name: &str, settings: &IndexSettings) -> Result<()> {
        check::index_name(name)?;
        check::settings(settings)?;
        let _admin = lock(&self.admin);
        let current = match self.get(name) {
            Ok(state) => Some(state),
            Err(Error::UnknownIndex(_)) => None,
            Err(e) => return Err(e),
        };
        if current
            .as_ref()
            .is_some_and(|state| state.settings == *settings)
        {
            return Ok(());
        }
        let generation = current.as_ref().map_or(1, |state| state.generation + 1);
        let dir = self.index_dir(name);
        let stale = dir.join(format!("gen-{generation}"));
        if stale.exists() {
            fs::remove_dir_all(&stale).map_err(io_error(&stale))?;
        }
        let fresh = IndexState::open(&dir, generation, settings.clone(), true)?;
        // Hold the old writer so no write is lost between the copy and the switch.
        let old_writer = current.as_ref().map(|state| lock(&state.writer));
        if let Some(old) = &current {
            let documents = old.all_documents()?;
            fresh.write(|writer, fields| {
                for document in &documents {
                    writer.add_document(schema::to_tantivy(document, fields))?;
                }
                Ok(documents.len())
            })?;
        }
        self.write_manifest(
            name,
            &Manifest {
                generation,
                settings: settings.clone(),
            },
        )?;
        lock(&self.indexes).insert(name.to_string(), Arc::new(fresh));
        if let Some(old) = &current {
            old.retired.store(true, Ordering::SeqCst);
        }
        drop(old_writer);
        if let Some(old) = current {
            let path = dir.join(format!("gen-{}", old.generation));
            drop(old);
            // Readers still searching the old generation keep their open files (unlinked
            // files stay readable); a failure here only leaves a folder behind.
            if let Err(e) = fs::remove_dir_all(&path) {
                tracing::warn!("ancien index {} non supprimé : {e}", path.display());
            }
        }
        Ok(())
    }

    /// Runs a write on the current generation of the index (again if it was replaced).
    fn write(
        &self,
        name: &str,
        apply: impl Fn(&mut IndexWriter, &Fields) -> Result<usize>,
    ) -> Result<()> {
        loop {
            let state = self.get(name)?;
            let mut writer = lock(&state.writer);
            if state.retired.load(Ordering::SeqCst) {
                continue;
            }
            return state.write_locked(&mut writer, &apply);
        }
    }

    /// Documents with every word of the query first; when they are fewer than the page asks
    /// for, the documents that miss one word follow: a word no document has, else the most
    /// common word (then the next, down to one word), like Meilisearch's `frequency`
    /// matching strategy. A youth
    /// who types "comment faire un cv" still gets the CV guide, which never says "comment".
    ///
    /// The retries are bounded by `relax` (`RELAX_BUDGET`, `RELAX_MAX_RETRIES`): none is
    /// started once it is spent. Only the first search, with every word, looks for a "did you
    /// mean" (the answer gives only its suggestion).
    fn search(&self, request: &SearchRequest, relax: &mut Relax) -> Result<SearchResults> {
        self.search_relaxed(request, relax, true)
    }

    fn search_relaxed(
        &self,
        request: &SearchRequest,
        relax: &mut Relax,
        suggest: bool,
    ) -> Result<SearchResults> {
        let mut first = request.clone();
        first.offset = 0;
        first.limit = request.offset + request.limit;
        let strict = self.search_all_words(&first, suggest)?;
        let relaxed_query = if strict.total < first.limit && relax.allows() {
            self.without_most_common_word(request)?
        } else {
            None
        };
        let Some(relaxed_query) = relaxed_query else {
            let mut page = strict;
            page.hits = page.hits.into_iter().skip(request.offset).collect();
            return Ok(page);
        };
        relax.spend();
        let mut wider = first.clone();
        wider.query = relaxed_query;
        wider.limit = first.limit + strict.hits.len();
        let relaxed = self.search_relaxed(&wider, relax, false)?;
        if relaxed.total <= strict.total {
            let mut page = strict;
            page.hits = page.hits.into_iter().skip(request.offset).collect();
            return Ok(page);
        }
        let seen: std::collections::HashSet<String> =
            strict.hits.iter().map(|h| h.id.clone()).collect();
        let strict_total = strict.total;
        let strict_suggestion = strict.did_you_mean;
        let mut hits = strict.hits;
        hits.extend(relaxed.hits.into_iter().filter(|h| !seen.contains(&h.id)));
        Ok(SearchResults {
            hits: hits
                .into_iter()
                .skip(request.offset)
                .take(request.limit)
                .collect(),
            // Every document with all the words also has the fewer words.
            total: relaxed.total,
            facets: relaxed.facets,
            // Nothing had every word: a spelling closer to the index may still help.
            did_you_mean: if strict_total == 0 {
                strict_suggestion
            } else {
                None
            },
        })
    }

    /// The query without its word found in the most documents, or `None` when it has one
    /// word (or none) left.
    fn without_most_common_word(&self, request: &SearchRequest) -> Result<Option<String>> {
        let words = text::words(&request.query);
        if words.len() < 2 {
            return Ok(None);
        }
        let state = self.get(&request.index)?;
        let searcher = state.reader.searcher();
        let mut most: Option<(u64, usize)> = None;
        for (i, word) in words.iter().enumerate() {
            let mut freq = 0;
            for field in &state.fields.searchable {
                freq += searcher.doc_freq(&Term::from_field_text(field.stem, &word.stem))?;
            }
            // A word no document has goes first (it cannot help); then the most common.
            // Ties: drop the earlier word (the last one is often what is being typed).
            let weight = if freq == 0 { u64::MAX } else { freq };
            if most.is_none_or(|(f, _)| weight > f) {
                most = Some((weight, i));
            }
        }
        let Some((_, drop)) = most else {
            return Ok(None);
        };
        let w = &words[drop];
        let mut query = String::with_capacity(request.query.len());
        query.push_str(&request.query[..w.start]);
        query.push_str(&request.query[w.end..]);
        Ok(Some(query))
    }

    /// The documents with every word of the query; with `suggest`, a "did you mean" when
    /// there is none.
    fn search_all_words(&self, request: &SearchRequest, suggest: bool) -> Result<SearchResults> {
        let state = self.get(&request.index)?;
        let settings = &state.settings;
        for facet in &request.facets {
            if !settings.filterable.contains(facet) {
                return Err(Error::InvalidRequest(format!(
                    "le champ « {facet} » n'est pas filtrable (facette)"
                )));
            }
        }
        for filter in &request.filters {
            if !settings.filterable.iter().any(|f| f == filter.field()) {
                return Err(Error::InvalidRequest(format!(
                    "le champ « {} » n'est pas filtrable",
                    filter.field()
                )));
            }
        }
        let order = match &request.sort {
            Sort::Relevance => Order::Relevance,
            Sort::Field { name, descending } => {
                if !settings.sortable.contains(name) {
                    return Err(Error::InvalidRequest(format!(
                        "le champ « {name} » n'est pas triable"
                    )));
                }
                Order::Field {
                    name: name.clone(),
                    descending: *descending,
                }
            }
            Sort::Distance => {
                if request.geo.is_none() {
                    return Err(Error::InvalidRequest(
                        "le tri par distance demande un point (geo)".into(),
                    ));
                }
                Order::Distance
            }
        };
        let searcher = state.reader.searcher();
        let text = query::text_query(
            &request.query,
            &state.fields.searchable,
            &state.synonyms,
            &query::Expander {
                searcher: &searcher,
                cache: &state.expansions,
            },
        )?;
        let mut filters = Vec::new();
        for filter in &request.filters {
            filters.push(query::filter_clause(&state.fields, filter)?);
        }
        if let Some(geo) = &request.geo {
            filters.extend(query::geo_clause(&state.fields, geo)?);
        }
        let has_words = text.query.is_some();
        let query = query::combine(text.query, filters);
        let plan = Plan {
            k: request.offset + request.limit,
            order,
            facets: request.facets.clone(),
            geo: request.geo,
        };
        let collected: Collected = searcher.search(query.as_ref(), &MainCollector { plan })?;

        let mut results = SearchResults {
            total: collected.total,
            ..Default::default()
        };
        for (name, counts) in request.facets.iter().zip(collected.facets) {
            let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            counts.truncate(MAX_FACET_VALUES);
            results.facets.insert(name.clone(), counts);
        }
        for candidate in collected.best.into_iter().skip(request.offset) {
            let mut hit = Hit {
                id: candidate.id,
                score: if has_words {
                    f64::from(candidate.score)
                } else {
                    0.0
                },
                distance_m: candidate.distance,
                highlights: BTreeMap::new(),
                fields: BTreeMap::new(),
            };
            if !request.ids_only {
                let document = read_document(&searcher, &state.fields, candidate.address)?;
                if request.highlight {
                    hit.highlights = highlights(&document, settings, &text.matcher);
                }
                hit.id = document.id;
                hit.fields = document.fields;
            }
            results.hits.push(hit);
        }
        if results.total == 0 && has_words && suggest {
            results.did_you_mean = self.did_you_mean(&state, &searcher, request)?;
        }
        Ok(results)
    }

    /// A query where each word the index does not know is replaced by the closest known
    /// word, kept only if that query finds something.
    fn did_you_mean(
        &self,
        state: &IndexState,
        searcher: &Searcher,
        request: &SearchRequest,
    ) -> Result<Option<String>> {
        let mut corrected = String::new();
        let mut cursor = 0;
        let mut changed = false;
        for span in text::spans(&request.query) {
            if text::is_stop_word(&span.folded) || self.knows(state, searcher, &span.folded)? {
                continue;
            }
            if let Some(better) = closest_word(state, searcher, &span.folded)? {
                corrected.push_str(&request.query[cursor..span.start]);
                corrected.push_str(&better);
                cursor = span.end;
                changed = true;
            }
        }
        if !changed {
            return Ok(None);
        }
        corrected.push_str(&request.query[cursor..]);
        let mut retry = request.clone();
        retry.query = corrected.clone();
        retry.limit = 0;
        retry.offset = 0;
        retry.facets.clear();
        retry.highlight = false;
        // Only whether the corrected query finds anything: no retries, no suggestion.
        let results = self.search_all_words(&retry, false)?;
        Ok((results.total > 0).then_some(corrected))
    }

    fn knows(&self, state: &IndexState, searcher: &Searcher, folded: &str) -> Result<bool> {
        let stem = text::stem(folded);
        for field in &state.fields.searchable {
            if searcher.doc_freq(&Term::from_field_text(field.stem, &stem))? > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The indexed word closest to `folded` (edit distance up to 1 under 5 letters, 2 up to 8,
/// 3 beyond), the most frequent among the closest. Only the terms a Levenshtein automaton of
/// that distance accepts are read from the dictionaries (not every term), and the answer is
/// kept for the index state (see `expand`).
fn closest_word(state: &IndexState, searcher: &Searcher, folded: &str) -> Result<Option<String>> {
    let length = folded.chars().count();
    let limit = match length {
        0..=2 => return Ok(None),
        3..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    if let Some(known) = state.expansions.closest(searcher, folded) {
        return Ok(known);
    }
    let automaton = expand::Levenshtein::new(folded, limit as u8);
    let mut best: Option<(usize, std::cmp::Reverse<u32>, String)> = None;
    for segment in searcher.segment_readers() {
        for field in &state.fields.searchable {
            let inverted = segment.inverted_index(field.words)?;
            let mut stream = inverted
                .terms()
                .search(&automaton)
                .into_stream()
                .map_err(|e| Error::Embedded(e.to_string()))?;
            while stream.advance() {
                let Ok(word) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                if word.chars().count().abs_diff(length) > limit {
                    continue;
                }
                let d = text::distance(word, folded);
                if d == 0 || d > limit {
                    continue;
                }
                let candidate = (
                    d,
                    std::cmp::Reverse(stream.value().doc_freq),
                    word.to_string(),
                );
                if best.as_ref().is_none_or(|b| candidate < *b) {
                    best = Some(candidate);
                }
            }
        }
    }
    let best = best.map(|(_, _, word)| word);
    state
        .expansions
        .keep_closest(searcher, folded, best.clone());
    Ok(best)
}

fn highlights(
    document: &Document,
    settings: &IndexSettings,
    matcher: &Matcher,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for name in &settings.searchable {
        let text = match document.fields.get(name) {
            Some(FieldValue::Text(text)) => text.clone(),
            Some(FieldValue::Texts(texts)) => texts.join(", "),
            _ => continue,
        };
        out.insert(name.clone(), text::highlight(&text, matcher));
    }
    out
}

#[async_trait]
impl SearchEngine for EmbeddedEngine {
    fn name(&self) -> &'static str {
        "embarqué"
    }

    async fn configure(&self, index: &str, settings: &IndexSettings) -> Result<()> {
        let (index, settings) = (index.to_string(), settings.clone());
        self.run(move |inner| inner.configure(&index, &settings))
            .await
    }

    async fn settings(&self, index: &str) -> Result<Option<IndexSettings>> {
        let index = index.to_string();
        self.run(move |inner| match inner.get(&index) {
            Ok(state) => Ok(Some(state.settings.clone())),
            Err(Error::UnknownIndex(_)) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn upsert(&self, index: &str, documents: Vec<Document>) -> Result<()> {
        for document in &documents {
            check::document(document)?;
        }
        let index = index.to_string();
        self.run(move |inner| {
            inner.write(&index, |writer, fields| {
                for document in &documents {
                    writer.delete_term(Term::from_field_text(fields.id, &document.id));
                    writer.add_document(schema::to_tantivy(document, fields))?;
                }
                Ok(documents.len())
            })
        })
        .await
    }

    async fn delete(&self, index: &str, ids: Vec<String>) -> Result<()> {
        let index = index.to_string();
        self.run(move |inner| {
            inner.write(&index, |writer, fields| {
                for id in &ids {
                    writer.delete_term(Term::from_field_text(fields.id, id));
                }
                Ok(0)
            })
        })
        .await
    }

    async fn clear(&self, index: &str) -> Result<()> {
        let index = index.to_string();
        self.run(move |inner| {
            inner.write(&index, |writer, _| {
                writer.delete_all_documents()?;
                Ok(0)
            })
        })
        .await
    }

    async fn count(&self, index: &str) -> Result<usize> {
        let index = index.to_string();
        self.run(move |inner| Ok(inner.get(&index)?.reader.searcher().num_docs() as usize))
            .await
    }

    async fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let request = request.bounded();
        let mut relax = Relax::new(RELAX_BUDGET, RELAX_MAX_RETRIES);
        self.run(move |inner| inner.search(&request, &mut relax))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sixteen words, each in one document only: no document has two, so a query of all of
    /// them would retry with fewer words down to the last one.
    const WORDS: [&str; crate::MAX_QUERY_WORDS] = [
        "alpaga", "baleine", "castor", "dauphin", "escargot", "flamant", "girafe", "hibou",
        "iguane", "jaguar", "koala", "lamantin", "marmotte", "narval", "ocelot", "panthere",
    ];

    async fn one_word_each() -> (tempfile::TempDir, EmbeddedEngine) {
        let dir = tempfile::tempdir().unwrap();
        let engine = EmbeddedEngine::open(dir.path()).unwrap();
        let settings = IndexSettings {
            searchable: vec!["title".into()],
            ..IndexSettings::default()
        };
        engine.configure("animaux", &settings).await.unwrap();
        let documents = WORDS
            .iter()
            .enumerate()
            .map(|(i, word)| Document::new(format!("d{i}")).with("title", *word))
            .collect();
        engine.upsert("animaux", documents).await.unwrap();
        (dir, engine)
    }

    /// Searches every word with `relax`; the results and the retries done.
    fn run(engine: &EmbeddedEngine, mut relax: Relax) -> (SearchResults, usize) {
        let request = SearchRequest::new("animaux", &WORDS.join(" ")).bounded();
        let results = engine.inner.search(&request, &mut relax).unwrap();
        (results, relax.retries)
    }

    #[tokio::test]
    async fn fewer_words_retries_are_bounded_in_tries_and_time() {
        let (_dir, engine) = one_word_each().await;
        // Unbounded, one retry per word dropped, down to the last word, which one document has.
        let (all, retries) = run(&engine, Relax::new(Duration::from_secs(60), usize::MAX));
        assert_eq!(retries, WORDS.len() - 1);
        assert_eq!(all.total, 1);
        assert_eq!(all.hits[0].id, format!("d{}", WORDS.len() - 1));
        // The default budget allows them all: a 16-word query is the longest an engine reads.
        let (_, retries) = run(&engine, Relax::new(RELAX_BUDGET, RELAX_MAX_RETRIES));
        assert_eq!(retries, WORDS.len() - 1);
        // Bounded in tries: three, and an answer (what the shorter queries found: nothing).
        let (some, retries) = run(&engine, Relax::new(Duration::from_secs(60), 3));
        assert_eq!(retries, 3);
        assert_eq!((some.total, some.hits.len()), (0, 0));
        // Bounded in time: none is started once the time is spent, and the search answers.
        let (none, retries) = run(&engine, Relax::new(Duration::ZERO, RELAX_MAX_RETRIES));
        assert_eq!(retries, 0);
        assert_eq!(none.total, 0);
        assert_eq!(none.did_you_mean, None);
    }
}
