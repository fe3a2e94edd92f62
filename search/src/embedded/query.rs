//! Turns a request into a tantivy query: words (exact stem, prefix on the last word, typos),
//! synonyms, filters and the geo bounding box. Scores are constants chosen so that, as in
//! Meilisearch's ranking rules, fewer typos rank first, then a match in a more important field.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Score, Searcher, Term};

use super::expand::{Classes, ExpansionCache};
use super::schema::{Fields, SearchField};
use crate::geo::bounding_box;
use crate::text::{self, Matcher, Synonyms, Word};
use crate::{Error, Filter, FilterValue, GeoRadius, Result};

const EXACT: Score = 300.0;
const PREFIX: Score = 280.0;
const ONE_TYPO: Score = 200.0;
const TWO_TYPOS: Score = 100.0;

/// The bonus of a match in the field of this rank (0 = most important), below the gap
/// between two typo levels.
fn field_bonus(rank: usize) -> Score {
    (50.0 - 5.0 * rank as Score).max(0.0)
}

fn constant(query: impl Query, score: Score) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(Box::new(query), score))
}

pub(super) struct TextQuery {
    /// `None` for an empty query (every document).
    pub(super) query: Option<Box<dyn Query>>,
    pub(super) matcher: Matcher,
}

/// Where a word's typo and prefix matches are found: the searcher the query will run on, and
/// the index state's cache of them.
pub(super) struct Expander<'a> {
    pub(super) searcher: &'a Searcher,
    pub(super) cache: &'a ExpansionCache,
}

pub(super) fn text_query(
    query: &str,
    fields: &[SearchField],
    synonyms: &Synonyms,
    expander: &Expander<'_>,
) -> Result<TextQuery> {
    let words = text::words(query);
    let matcher = text::query_matcher(query, synonyms);
    if words.is_empty() || fields.is_empty() {
        return Ok(TextQuery {
            query: None,
            matcher,
        });
    }
    let prefix_last = text::last_word_is_prefix(query, &words);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let prefix_at = |i: usize| prefix_last && i + 1 == words.len();
        match text::synonym_at(synonyms, &words, index) {
            Some((group, member)) => {
                let span = member.len();
                let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
                let originals: Vec<(Occur, Box<dyn Query>)> = (index..index + span)
                    .map(|i| {
                        word_clause(&words[i], prefix_at(i), fields, expander)
                            .map(|q| (Occur::Must, q))
                    })
                    .collect::<Result<_>>()?;
                alternatives.push(Box::new(BooleanQuery::new(originals)));
                for other in group.iter().filter(|other| *other != member) {
                    alternatives.push(phrase_clause(other, span, fields));
                }
                clauses.push((
                    Occur::Must,
                    Box::new(DisjunctionMaxQuery::new(alternatives)),
                ));
                index += span;
            }
            None => {
                clauses.push((
                    Occur::Must,
                    word_clause(&words[index], prefix_at(index), fields, expander)?,
                ));
                index += 1;
            }
        }
    }
    Ok(TextQuery {
        query: Some(Box::new(BooleanQuery::new(clauses))),
        matcher,
    })
}

/// One query word in any searchable field: exact stem, prefix (last word), or with typos
/// (the terms each reaches found by `expand`, once per word and index state).
fn word_clause(
    word: &Word,
    prefix: bool,
    fields: &[SearchField],
    expander: &Expander<'_>,
) -> Result<Box<dyn Query>> {
    let typos = text::typos_allowed(&word.folded);
    let mut alternatives = Vec::new();
    for (rank, field) in fields.iter().enumerate() {
        let bonus = field_bonus(rank);
        let stem = Term::from_field_text(field.stem, &word.stem);
        alternatives.push(constant(
            TermQuery::new(stem, IndexRecordOption::Basic),
            EXACT + bonus,
        ));
        if typos == 0 && !prefix {
            continue;
        }
        let classes =
            expander
                .cache
                .classes(expander.searcher, field.words, &word.folded, typos, prefix)?;
        for (terms, score) in [
            (&classes.prefix, PREFIX),
            (&classes.one, ONE_TYPO),
            (&classes.two, TWO_TYPOS),
        ] {
            if let Some(query) = Classes::query(terms) {
                alternatives.push(Box::new(ConstScoreQuery::new(query, score + bonus)));
            }
        }
    }
    Ok(Box::new(DisjunctionMaxQuery::new(alternatives)))
}

/// A synonym standing for `span` query words: the exact stems, as a phrase when several.
fn phrase_clause(stems: &[String], span: usize, fields: &[SearchField]) -> Box<dyn Query> {
    let alternatives = fields
        .iter()
        .enumerate()
        .map(|(rank, field)| {
            let score = EXACT * span as Score + field_bonus(rank);
            let terms: Vec<Term> = stems
                .iter()
                .map(|stem| Term::from_field_text(field.stem, stem))
                .collect();
            if terms.len() == 1 {
                constant(
                    TermQuery::new(terms[0].clone(), IndexRecordOption::Basic),
                    score,
                )
            } else {
                constant(PhraseQuery::new(terms), score)
            }
        })
        .collect();
    Box::new(DisjunctionMaxQuery::new(alternatives))
}

fn filterable(fields: &Fields, name: &str) -> Result<(Field, Field, Field)> {
    match (
        fields.keyword.get(name),
        fields.int.get(name),
        fields.float.get(name),
    ) {
        (Some(k), Some(n), Some(f)) => Ok((*k, *n, *f)),
        _ => Err(Error::InvalidRequest(format!(
            "le champ « {name} » n'est pas filtrable"
        ))),
    }
}

fn value_clause(fields: (Field, Field, Field), value: &FilterValue) -> Box<dyn Query> {
    let (keyword, int, float) = fields;
    let term =
        |term: Term| -> Box<dyn Query> { Box::new(TermQuery::new(term, IndexRecordOption::Basic)) };
    match value {
        FilterValue::Text(text) => term(Term::from_field_text(keyword, text)),
        FilterValue::Bool(value) => term(Term::from_field_text(
            keyword,
            if *value { "true" } else { "false" },
        )),
        FilterValue::Int(value) => Box::new(BooleanQuery::new(vec![
            (Occur::Should, term(Term::from_field_i64(int, *value))),
            (
                Occur::Should,
                term(Term::from_field_f64(float, *value as f64)),
            ),
        ])),
        FilterValue::Float(value) => {
            let mut clauses = vec![(Occur::Should, term(Term::from_field_f64(float, *value)))];
            if value.fract() == 0.0 && value.abs() < 9.0e15 {
                clauses.push((
                    Occur::Should,
                    term(Term::from_field_i64(int, *value as i64)),
                ));
            }
            Box::new(BooleanQuery::new(clauses))
        }
    }
}

pub(super) fn filter_clause(fields: &Fields, filter: &Filter) -> Result<Box<dyn Query>> {
    let columns = filterable(fields, filter.field())?;
    Ok(match filter {
        Filter::Eq(_, value) => value_clause(columns, value),
        Filter::In(_, values) => Box::new(BooleanQuery::new(
            values
                .iter()
                .map(|value| (Occur::Should, value_clause(columns, value)))
                .collect(),
        )),
        Filter::Range(_, min, max) => {
            let (_, int, float) = columns;
            let int_bound = |value: Option<f64>, lower: bool| match value {
                None => Bound::Unbounded,
                Some(v) => {
                    let v = if lower { v.ceil() } else { v.floor() };
                    Bound::Included(Term::from_field_i64(
                        int,
                        v.clamp(i64::MIN as f64, i64::MAX as f64) as i64,
                    ))
                }
            };
            let float_bound = |value: Option<f64>| match value {
                None => Bound::Unbounded,
                Some(v) => Bound::Included(Term::from_field_f64(float, v)),
            };
            Box::new(BooleanQuery::new(vec![
                (
                    Occur::Should,
                    Box::new(RangeQuery::new(
                        int_bound(*min, true),
                        int_bound(*max, false),
                    )) as Box<dyn Query>,
                ),
                (
                    Occur::Should,
                    Box::new(RangeQuery::new(float_bound(*min), float_bound(*max))),
                ),
            ]))
        }
    })
}

/// The coarse geo prefilter: a latitude and longitude range around the point.
pub(super) fn geo_clause(fields: &Fields, geo: &GeoRadius) -> Result<Vec<Box<dyn Query>>> {
    let (Some(lat), Some(lon)) = (fields.lat, fields.lon) else {
        return Err(Error::InvalidRequest(
            "cet index n'a pas de coordonnées géographiques".into(),
        ));
    };
    let (min_lat, max_lat, min_lon, max_lon) = bounding_box(geo.lat, geo.lon, geo.radius_m);
    let range = |field: Field, min: f64, max: f64| -> Box<dyn Query> {
        Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_f64(field, min)),
            Bound::Included(Term::from_field_f64(field, max)),
        ))
    };
    Ok(vec![
        range(lat, min_lat, max_lat),
        range(lon, min_lon, max_lon),
    ])
}

/// The whole query: words AND filters AND geo box. Filters add nothing to the score.
pub(super) fn combine(
    text: Option<Box<dyn Query>>,
    filters: Vec<Box<dyn Query>>,
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> =
        vec![(Occur::Must, text.unwrap_or_else(|| Box::new(AllQuery)))];
    clauses.extend(filters.into_iter().map(|f| {
        (
            Occur::Must,
            Box::new(ConstScoreQuery::new(f, 0.0)) as Box<dyn Query>,
        )
    }));
    if clauses.len() == 1 {
        return clauses.pop().expect("one clause").1;
    }
    Box::new(BooleanQuery::new(clauses))
}
