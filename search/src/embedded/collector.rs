//! One pass over the matching documents: exact geo radius, total, facet counts (from the
//! columnar fast fields) and the best `k` hits in the requested order.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::schema::{float_name, int_name, keyword_name, ID, LAT, LON};
use crate::geo::haversine_m;
use crate::GeoRadius;

#[derive(Debug, Clone)]
pub(super) enum Order {
    Relevance,
    Field { name: String, descending: bool },
    Distance,
}

#[derive(Debug, Clone)]
pub(super) struct Plan {
    /// How many of the best hits to keep (offset + limit).
    pub(super) k: usize,
    pub(super) order: Order,
    pub(super) facets: Vec<String>,
    pub(super) geo: Option<GeoRadius>,
}

/// A hit's sort key inside one segment: ascending is better. Text keys are dictionary
/// ordinals, which follow the text order within a segment.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SegmentKey {
    None,
    Num(f64),
    Ord(u64),
    Missing,
}

impl SegmentKey {
    fn rank(&self) -> u8 {
        match self {
            SegmentKey::None => 0,
            SegmentKey::Num(_) => 1,
            SegmentKey::Ord(_) => 2,
            SegmentKey::Missing => 3,
        }
    }
    fn compare(&self, other: &Self) -> Ordering {
        match (self, other) {
            (SegmentKey::Num(a), SegmentKey::Num(b)) => a.total_cmp(b),
            (SegmentKey::Ord(a), SegmentKey::Ord(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    key: SegmentKey,
    score: Score,
    id_ord: u64,
    doc: DocId,
    distance: Option<f64>,
}

impl Entry {
    /// `Less` means better.
    fn compare(&self, other: &Self) -> Ordering {
        self.key
            .compare(&other.key)
            .then_with(|| other.score.total_cmp(&self.score))
            .then_with(|| self.id_ord.cmp(&other.id_ord))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.compare(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.compare(other)
    }
}

/// A hit's key once resolved to values comparable across segments.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Key {
    None,
    Num(f64),
    Text(String),
    Missing,
}

#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub(super) key: Key,
    pub(super) score: Score,
    pub(super) id: String,
    pub(super) address: DocAddress,
    pub(super) distance: Option<f64>,
}

#[derive(Debug, Default)]
pub(super) struct Collected {
    pub(super) total: usize,
    pub(super) facets: Vec<HashMap<String, usize>>,
    /// The best hits, best first.
    pub(super) best: Vec<Candidate>,
}

pub(super) struct MainCollector {
    pub(super) plan: Plan,
}

struct FacetColumns {
    text: Option<StrColumn>,
    int: Option<Column<i64>>,
    float: Option<Column<f64>>,
    text_counts: Vec<u32>,
    number_counts: HashMap<u64, (f64, u32)>,
}

pub(super) struct MainSegmentCollector {
    segment: SegmentOrdinal,
    k: usize,
    descending: bool,
    order: Order,
    ids: StrColumn,
    sort_int: Option<Column<i64>>,
    sort_float: Option<Column<f64>>,
    sort_text: Option<StrColumn>,
    geo: Option<(GeoRadius, Column<f64>, Column<f64>)>,
    facets: Vec<FacetColumns>,
    total: usize,
    heap: BinaryHeap<Entry>,
}

pub(super) struct SegmentFruit {
    total: usize,
    facets: Vec<HashMap<String, usize>>,
    best: Vec<Candidate>,
}

fn engine_error(message: String) -> tantivy::TantivyError {
    tantivy::TantivyError::InternalError(message)
}

impl Collector for MainCollector {
    type Fruit = Collected;
    type Child = MainSegmentCollector;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<MainSegmentCollector> {
        let fast = reader.fast_fields();
        let ids = fast
            .str(ID)?
            .ok_or_else(|| engine_error("colonne des identifiants absente".into()))?;
        let (mut sort_int, mut sort_float, mut sort_text, mut descending) =
            (None, None, None, false);
        if let Order::Field {
            name,
            descending: desc,
        } = &self.plan.order
        {
            sort_int = fast.column_opt::<i64>(&int_name(name))?;
            sort_float = fast.column_opt::<f64>(&float_name(name))?;
            sort_text = fast.str(&keyword_name(name))?;
            descending = *desc;
        }
        let geo = match self.plan.geo {
            Some(radius) => Some((radius, fast.f64(LAT)?, fast.f64(LON)?)),
            None => None,
        };
        let facets = self
            .plan
            .facets
            .iter()
            .map(|name| {
                let text = fast.str(&keyword_name(name))?;
                let text_counts = vec![0; text.as_ref().map_or(0, |c| c.num_terms())];
                Ok(FacetColumns {
                    text,
                    int: fast.column_opt::<i64>(&int_name(name))?,
                    float: fast.column_opt::<f64>(&float_name(name))?,
                    text_counts,
                    number_counts: HashMap::new(),
                })
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(MainSegmentCollector {
            segment,
            k: self.plan.k,
            descending,
            order: self.plan.order.clone(),
            ids,
            sort_int,
            sort_float,
            sort_text,
            geo,
            facets,
            total: 0,
            heap: BinaryHeap::with_capacity(self.plan.k + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Collected> {
        let mut collected = Collected {
            facets: vec![HashMap::new(); self.plan.facets.len()],
            ..Default::default()
        };
        for fruit in fruits {
            collected.total += fruit.total;
            for (into, from) in collected.facets.iter_mut().zip(fruit.facets) {
                for (value, count) in from {
                    *into.entry(value).or_default() += count;
                }
            }
            collected.best.extend(fruit.best);
        }
        let descending = matches!(
            self.plan.order,
            Order::Field {
                descending: true,
                ..
            }
        );
        collected
            .best
            .sort_by(|a, b| compare_candidates(a, b, descending));
        collected.best.truncate(self.plan.k);
        Ok(collected)
    }
}

fn key_rank(key: &Key) -> u8 {
    match key {
        Key::None => 0,
        Key::Num(_) => 1,
        Key::Text(_) => 2,
        Key::Missing => 3,
    }
}

/// `Less` means better: key (missing last), then score, then id.
pub(super) fn compare_candidates(a: &Candidate, b: &Candidate, descending: bool) -> Ordering {
    let key = match (&a.key, &b.key) {
        (Key::Num(x), Key::Num(y)) => x.total_cmp(y),
        (Key::Text(x), Key::Text(y)) => x.cmp(y),
        (x, y) => key_rank(x).cmp(&key_rank(y)),
    };
    let key =
        if descending && key_rank(&a.key) == key_rank(&b.key) && !matches!(a.key, Key::Missing) {
            key.reverse()
        } else {
            key
        };
    key.then_with(|| b.score.total_cmp(&a.score))
        .then_with(|| a.id.cmp(&b.id))
}

impl MainSegmentCollector {
    fn sort_key(&self, doc: DocId, distance: Option<f64>) -> SegmentKey {
        match &self.order {
            Order::Relevance => SegmentKey::None,
            Order::Distance => distance.map_or(SegmentKey::Missing, SegmentKey::Num),
            Order::Field { .. } => {
                let number = self
                    .sort_int
                    .as_ref()
                    .and_then(|c| c.first(doc))
                    .map(|v| v as f64)
                    .or_else(|| self.sort_float.as_ref().and_then(|c| c.first(doc)));
                if let Some(number) = number {
                    return SegmentKey::Num(if self.descending { -number } else { number });
                }
                match self
                    .sort_text
                    .as_ref()
                    .and_then(|c| c.term_ords(doc).next())
                {
                    Some(ord) => {
                        SegmentKey::Ord(if self.descending { u64::MAX - ord } else { ord })
                    }
                    None => SegmentKey::Missing,
                }
            }
        }
    }
}

impl SegmentCollector for MainSegmentCollector {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let mut distance = None;
        if let Some((radius, lat, lon)) = &self.geo {
            let (Some(y), Some(x)) = (lat.first(doc), lon.first(doc)) else {
                return;
            };
            let d = haversine_m(radius.lat, radius.lon, y, x);
            if d > radius.radius_m {
                return;
            }
            distance = Some(d);
        }
        self.total += 1;
        for facet in &mut self.facets {
            if let Some(column) = &facet.text {
                for ord in column.term_ords(doc) {
                    facet.text_counts[ord as usize] += 1;
                }
            }
            let numbers = facet
                .int
                .as_ref()
                .and_then(|c| c.first(doc).map(|v| v as f64))
                .or_else(|| facet.float.as_ref().and_then(|c| c.first(doc)));
            if let Some(number) = numbers {
                facet
                    .number_counts
                    .entry(number.to_bits())
                    .or_insert((number, 0))
                    .1 += 1;
            }
        }
        if self.k == 0 {
            return;
        }
        let entry = Entry {
            key: self.sort_key(doc, distance),
            score,
            id_ord: self.ids.term_ords(doc).next().unwrap_or(u64::MAX),
            doc,
            distance,
        };
        if self.heap.len() < self.k {
            self.heap.push(entry);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if entry < *worst {
                *worst = entry;
            }
        }
    }

    fn harvest(self) -> SegmentFruit {
        let mut facets = Vec::with_capacity(self.facets.len());
        for facet in &self.facets {
            let mut counts = HashMap::new();
            if let Some(column) = &facet.text {
                let mut value = String::new();
                for (ord, count) in facet.text_counts.iter().enumerate() {
                    if *count > 0 && column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                        counts.insert(value.clone(), *count as usize);
                    }
                }
            }
            for (number, count) in facet.number_counts.values() {
                *counts.entry(number.to_string()).or_default() += *count as usize;
            }
            facets.push(counts);
        }
        let mut best = Vec::with_capacity(self.heap.len());
        let mut text = String::new();
        for entry in self.heap.into_sorted_vec() {
            let mut id = String::new();
            let _ = self.ids.ord_to_str(entry.id_ord, &mut id);
            let key = match entry.key {
                SegmentKey::None => Key::None,
                SegmentKey::Missing => Key::Missing,
                SegmentKey::Num(n) => Key::Num(if self.descending { -n } else { n }),
                SegmentKey::Ord(ord) => {
                    let ord = if self.descending { u64::MAX - ord } else { ord };
                    text.clear();
                    match &self.sort_text {
                        Some(column) if column.ord_to_str(ord, &mut text).unwrap_or(false) => {
                            Key::Text(text.clone())
                        }
                        _ => Key::Missing,
                    }
                }
            };
            best.push(Candidate {
                key,
                score: entry.score,
                id,
                address: DocAddress::new(self.segment, entry.doc),
                distance: entry.distance,
            });
        }
        SegmentFruit {
            total: self.total,
            facets,
            best,
        }
    }
}
