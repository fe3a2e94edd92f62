//! A query word's typo and prefix matches, found once per word and index state instead of
//! once per query.
//!
//! A word of a query reaches, in each searchable field's folded-words twin, the terms that
//! start with it (the last word, being typed), and those within one or two typos. Asking
//! tantivy for each as a `FuzzyTermQuery` builds a Levenshtein automaton and walks the field's
//! whole term dictionary with it, for every field, every distance and every search, then
//! reads the postings of the same terms once per distance (a term within one typo is also
//! within two). Here the dictionary is walked once per (field, word) with the widest
//! automaton, each term found is put in its best class (prefix, one typo, two typos), and
//! the classes are kept for the index state (`Searcher` generation) the terms came from:
//! youths type the same job words all day, in different towns and with different filters.
//! The query then asks for each class's terms, each term's postings read once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};

use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};
use tantivy_fst::Automaton;

/// The words kept per index state before the cache starts again (each entry is a few terms).
const MAX_ENTRIES: usize = 4096;

/// Above this many terms, a class is asked as one `TermSetQuery` (a walk of the dictionary
/// with the set) rather than one `TermQuery` each.
const FEW_TERMS: usize = 8;

/// The terms of one field that a word reaches, by class, best first: the terms that start
/// with the word (when it is the last, being typed), those within one typo (the word itself
/// included), those within two.
#[derive(Debug, Default)]
pub(super) struct Classes {
    pub(super) prefix: Vec<Term>,
    pub(super) one: Vec<Term>,
    pub(super) two: Vec<Term>,
}

impl Classes {
    /// A query matching the documents with any of `terms`, or `None` when there is none.
    pub(super) fn query(terms: &[Term]) -> Option<Box<dyn Query>> {
        match terms.len() {
            0 => None,
            1 => Some(Box::new(TermQuery::new(
                terms[0].clone(),
                IndexRecordOption::Basic,
            ))),
            n if n <= FEW_TERMS => Some(Box::new(BooleanQuery::new(
                terms
                    .iter()
                    .map(|t| {
                        (
                            Occur::Should,
                            Box::new(TermQuery::new(t.clone(), IndexRecordOption::Basic))
                                as Box<dyn Query>,
                        )
                    })
                    .collect(),
            ))),
            _ => Some(Box::new(TermSetQuery::new(terms.iter().cloned()))),
        }
    }
}

type Key = (Field, String, u8, bool);

/// What is kept for one index state.
#[derive(Default)]
struct Entries {
    generation: u64,
    classes: HashMap<Key, Arc<Classes>>,
    /// "Did you mean": the closest indexed word of an unknown word, if any.
    closest: HashMap<String, Option<String>>,
}

impl Entries {
    /// Makes the entries those of `generation`, starting again when it is newer or when they
    /// are full. False when `generation` is older than the entries' (a search that started
    /// before a reload): then nothing is kept.
    fn at(&mut self, generation: u64) -> bool {
        if generation < self.generation {
            return false;
        }
        if generation > self.generation
            || self.classes.len() >= MAX_ENTRIES
            || self.closest.len() >= MAX_ENTRIES
        {
            *self = Entries {
                generation,
                ..Entries::default()
            };
        }
        true
    }
}

/// The classes found for the current index state, by (field, folded word, typos allowed,
/// prefix), and the corrections of unknown words. Emptied when the searcher's generation
/// changes or when full.
#[derive(Default)]
pub(super) struct ExpansionCache {
    entries: Mutex<Entries>,
}

impl ExpansionCache {
    /// The closest word kept for `folded` in `searcher`'s state, if it was looked for.
    pub(super) fn closest(&self, searcher: &Searcher, folded: &str) -> Option<Option<String>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.generation != searcher.generation().generation_id() {
            return None;
        }
        entries.closest.get(folded).cloned()
    }

    /// Keeps the closest word found for `folded` in `searcher`'s state.
    pub(super) fn keep_closest(&self, searcher: &Searcher, folded: &str, found: Option<String>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.at(searcher.generation().generation_id()) {
            entries.closest.insert(folded.to_string(), found);
        }
    }

    /// The classes of `folded` in `field` for `searcher`'s state of the index: from the cache,
    /// or found (outside the lock) and kept.
    pub(super) fn classes(
        &self,
        searcher: &Searcher,
        field: Field,
        folded: &str,
        typos: u8,
        prefix: bool,
    ) -> tantivy::Result<Arc<Classes>> {
        let generation = searcher.generation().generation_id();
        let key: Key = (field, folded.to_string(), typos, prefix);
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if entries.generation == generation {
                if let Some(found) = entries.classes.get(&key) {
                    return Ok(Arc::clone(found));
                }
            }
        }
        let classes = Arc::new(find(searcher, field, folded, typos, prefix)?);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.at(generation) {
            entries.classes.insert(key, Arc::clone(&classes));
        }
        Ok(classes)
    }
}

/// A Levenshtein automaton (adjacent transpositions cost one) of any distance up to 3, as a
/// dictionary walk takes it: tantivy's own stops at 2, and "did you mean" goes to 3 for long
/// words. Its builders are made once.
pub(super) struct Levenshtein(DFA);

impl Levenshtein {
    pub(super) fn new(word: &str, distance: u8) -> Levenshtein {
        static BUILDERS: [OnceLock<LevenshteinAutomatonBuilder>; 4] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        let distance = distance.min(3);
        let builder = BUILDERS[distance as usize]
            .get_or_init(|| LevenshteinAutomatonBuilder::new(distance, true));
        Levenshtein(builder.build_dfa(word))
    }
}

impl Automaton for Levenshtein {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// Whether `automaton` accepts the whole of `bytes`.
fn accepts<A: Automaton>(automaton: &A, bytes: &[u8]) -> bool {
    let mut state = automaton.start();
    for &b in bytes {
        if !automaton.can_match(&state) {
            return false;
        }
        state = automaton.accept(&state, b);
    }
    automaton.is_match(&state)
}

/// Walks every segment's dictionary of `field` with the widest automaton the word allows and
/// puts each term in its best class, as `FuzzyTermQuery`s of each distance would.
fn find(
    searcher: &Searcher,
    field: Field,
    folded: &str,
    typos: u8,
    prefix: bool,
) -> tantivy::Result<Classes> {
    let word = Term::from_field_text(field, folded);
    let fuzzy = |distance: u8| {
        if prefix {
            FuzzyTermQuery::new_prefix(word.clone(), distance, true)
        } else {
            FuzzyTermQuery::new(word.clone(), distance, true)
        }
    };
    let mut classes = Classes::default();
    if typos == 0 && !prefix {
        return Ok(classes);
    }
    let widest = fuzzy(typos).automaton()?;
    let one = if typos >= 1 {
        Some(fuzzy(1).automaton()?)
    } else {
        None
    };
    let mut seen: std::collections::BTreeSet<Vec<u8>> = std::collections::BTreeSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted.terms().search(&widest).into_stream()?;
        while stream.advance() {
            let bytes = stream.key();
            if !seen.insert(bytes.to_vec()) {
                continue;
            }
            let Ok(text) = std::str::from_utf8(bytes) else {
                continue;
            };
            let term = Term::from_field_text(field, text);
            if prefix && text.starts_with(folded) {
                classes.prefix.push(term);
            } else if typos == 0 {
                // Only the prefix automaton ran, and this term did not start with the word:
                // cannot happen, kept out to be safe.
            } else if one.as_ref().is_some_and(|a| accepts(a, bytes)) {
                classes.one.push(term);
            } else if typos >= 2 {
                classes.two.push(term);
            } else {
                classes.one.push(term);
            }
        }
    }
    Ok(classes)
}
