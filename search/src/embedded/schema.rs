//! How settings become a tantivy schema, how documents become tantivy documents, and the
//! French tokenizers registered on every index.

use std::collections::HashMap;

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, TantivyDocument};

use crate::text;
use crate::{Document, FieldValue, IndexSettings, GEO_FIELD};

pub(super) const STEM_TOKENIZER: &str = "tremplin_fr_stem";
pub(super) const WORD_TOKENIZER: &str = "tremplin_fr_word";

/// A searchable field: its stemmed twin (exact and phrase matches) and its folded-words
/// twin (typos and prefixes).
#[derive(Debug, Clone)]
pub(super) struct SearchField {
    pub(super) name: String,
    pub(super) stem: Field,
    pub(super) words: Field,
}

/// The tantivy fields of one index.
#[derive(Debug, Clone)]
pub(super) struct Fields {
    pub(super) id: Field,
    pub(super) source: Field,
    pub(super) lat: Option<Field>,
    pub(super) lon: Option<Field>,
    pub(super) searchable: Vec<SearchField>,
    /// Exact text values (and booleans as "true"/"false") of filterable or sortable fields.
    pub(super) keyword: HashMap<String, Field>,
    pub(super) int: HashMap<String, Field>,
    pub(super) float: HashMap<String, Field>,
}

pub(super) fn keyword_name(field: &str) -> String {
    format!("k__{field}")
}
pub(super) fn int_name(field: &str) -> String {
    format!("n__{field}")
}
pub(super) fn float_name(field: &str) -> String {
    format!("f__{field}")
}
pub(super) const ID: &str = "_id";
pub(super) const LAT: &str = "_lat";
pub(super) const LON: &str = "_lon";

pub(super) fn build(settings: &IndexSettings) -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let id = builder.add_text_field(ID, STRING | STORED | FAST);
    let source = builder.add_text_field("_src", STORED);
    let (lat, lon) = if settings.geo {
        (
            Some(builder.add_f64_field(LAT, INDEXED | FAST)),
            Some(builder.add_f64_field(LON, INDEXED | FAST)),
        )
    } else {
        (None, None)
    };
    let stem_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(STEM_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let word_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(WORD_TOKENIZER)
            .set_index_option(IndexRecordOption::Basic),
    );
    let searchable = settings
        .searchable
        .iter()
        .map(|name| SearchField {
            name: name.clone(),
            stem: builder.add_text_field(&format!("s__{name}"), stem_options.clone()),
            words: builder.add_text_field(&format!("w__{name}"), word_options.clone()),
        })
        .collect();
    let mut keyword = HashMap::new();
    let mut int = HashMap::new();
    let mut float = HashMap::new();
    let numeric = NumericOptions::default().set_indexed().set_fast();
    for name in settings.filterable.iter().chain(&settings.sortable) {
        if keyword.contains_key(name) {
            continue;
        }
        keyword.insert(
            name.clone(),
            builder.add_text_field(&keyword_name(name), STRING | FAST),
        );
        int.insert(
            name.clone(),
            builder.add_i64_field(&int_name(name), numeric.clone()),
        );
        float.insert(
            name.clone(),
            builder.add_f64_field(&float_name(name), numeric.clone()),
        );
    }
    (
        builder.build(),
        Fields {
            id,
            source,
            lat,
            lon,
            searchable,
            keyword,
            int,
            float,
        },
    )
}

pub(super) fn register_tokenizers(index: &Index) {
    index.tokenizers().register(
        STEM_TOKENIZER,
        TextAnalyzer::from(FrenchTokenizer { stem: true }),
    );
    index.tokenizers().register(
        WORD_TOKENIZER,
        TextAnalyzer::from(FrenchTokenizer { stem: false }),
    );
}

pub(super) fn to_tantivy(document: &Document, fields: &Fields) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, &document.id);
    doc.add_text(
        fields.source,
        serde_json::to_string(document).expect("documents serialize to JSON"),
    );
    for search in &fields.searchable {
        match document.fields.get(&search.name) {
            Some(FieldValue::Text(text)) => {
                doc.add_text(search.stem, text);
                doc.add_text(search.words, text);
            }
            Some(FieldValue::Texts(texts)) => {
                for text in texts {
                    doc.add_text(search.stem, text);
                    doc.add_text(search.words, text);
                }
            }
            _ => {}
        }
    }
    for (name, field) in &fields.keyword {
        match document.fields.get(name) {
            Some(FieldValue::Text(text)) => doc.add_text(*field, text),
            Some(FieldValue::Texts(texts)) => {
                texts.iter().for_each(|text| doc.add_text(*field, text))
            }
            Some(FieldValue::Bool(value)) => {
                doc.add_text(*field, if *value { "true" } else { "false" })
            }
            Some(FieldValue::Int(value)) => doc.add_i64(fields.int[name], *value),
            Some(FieldValue::Float(value)) => doc.add_f64(fields.float[name], *value),
            _ => {}
        }
    }
    if let (Some(lat), Some(lon), Some(FieldValue::Geo { lat: y, lon: x })) =
        (fields.lat, fields.lon, document.fields.get(GEO_FIELD))
    {
        doc.add_f64(lat, *y);
        doc.add_f64(lon, *x);
    }
    doc
}

/// Splits French text into words (see [`text::words`]): the stemmed form or the folded form.
#[derive(Clone)]
struct FrenchTokenizer {
    stem: bool,
}

struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for FrenchTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = text::words(text)
            .into_iter()
            .map(|word| Token {
                offset_from: word.start,
                offset_to: word.end,
                position: word.position,
                text: if self.stem { word.stem } else { word.folded },
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, next: 0 }
    }
}
