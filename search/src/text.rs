//! French text analysis shared by the engines: word splitting, case and accent folding,
//! elision and stop words, stemming, typo distances and highlighted snippets.

use std::collections::HashSet;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

use crate::jobs;

/// How many words a highlighted snippet keeps around the first match.
pub(crate) const CROP_WORDS: usize = 30;

/// French stop words, folded (no accents). Includes the elided forms (l', d', qu', j', n',
/// s', c', m', t'), which the word splitter cuts at the apostrophe.
const STOP_WORDS: &[&str] = &[
    "a", "ai", "au", "aux", "avec", "c", "ce", "ces", "cet", "cette", "d", "dans", "de", "des",
    "du", "elle", "elles", "en", "es", "est", "et", "eux", "il", "ils", "j", "je", "l", "la", "le",
    "les", "leur", "leurs", "lui", "m", "ma", "mais", "me", "mes", "moi", "mon", "n", "ne", "nos",
    "notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "s", "sa", "se", "ses",
    "son", "sont", "sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre",
    "vous", "y",
    // The question words youths start their searches with ("comment faire un cv", "combien
    // touche un apprenti"): they say nothing about which page answers.
    "comment", "combien", "pourquoi", "quand", "quel", "quelle", "quels", "quelles", "quoi",
];

static STOP_SET: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| STOP_WORDS.iter().copied().collect());
static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::French));

/// A word of a text, with its byte span in that text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Lower case, without accents.
    pub(crate) folded: String,
}

/// Splits a text into words: runs of letters and digits (apostrophes, hyphens and
/// punctuation separate words).
pub(crate) fn spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = None;
    for (index, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(index);
            }
        } else if let Some(begin) = start.take() {
            out.push(Span {
                start: begin,
                end: index,
                folded: fold(&text[begin..index]),
            });
        }
    }
    if let Some(begin) = start {
        out.push(Span {
            start: begin,
            end: text.len(),
            folded: fold(&text[begin..]),
        });
    }
    out
}

/// Lower case without diacritics ("Éducation" → "education", "œuvre" → "oeuvre").
pub(crate) fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ÿ' | 'ý' => out.push('y'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            other => out.push(other),
        }
    }
    out
}

pub(crate) fn is_stop_word(folded: &str) -> bool {
    STOP_SET.contains(folded)
}

/// The French stem of a folded word ("formations" → "format", "apprentis" → "apprent"),
/// after the job normalisation ([`crate::jobs`]): « coiffeuse », « coiffeurs » and
/// « coiffure » all stem as « coiffeur ».
pub(crate) fn stem(folded: &str) -> String {
    STEMMER.stem(&jobs::canonical(folded)).into_owned()
}

/// A word kept for indexing or searching (stop words dropped), numbered without gaps so
/// phrases match across dropped stop words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) position: usize,
    pub(crate) folded: String,
    pub(crate) stem: String,
}

/// The words of a text that count for search.
pub(crate) fn words(text: &str) -> Vec<Word> {
    spans(text)
        .into_iter()
        .filter(|span| !is_stop_word(&span.folded))
        .enumerate()
        .map(|(position, span)| Word {
            start: span.start,
            end: span.end,
            position,
            stem: stem(&span.folded),
            folded: span.folded,
        })
        .collect()
}

/// How many typos a query word of this folded form tolerates, as Meilisearch does by
/// default: none under 5 letters, one from 5, two from 9.
pub(crate) fn typos_allowed(folded: &str) -> u8 {
    match folded.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Edit distance with adjacent transpositions counting as one edit (optimal string
/// alignment), over characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = best;
        }
    }
    rows[a.len() * width + b.len()]
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// What a query matches, to mark the words of a document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Matcher {
    /// Stems matched exactly (query words and their synonyms).
    pub(crate) stems: HashSet<String>,
    /// Query words matched with typos: (folded word, typos allowed, is a prefix).
    pub(crate) words: Vec<(String, u8, bool)>,
}

impl Matcher {
    pub(crate) fn matches(&self, folded: &str) -> bool {
        if is_stop_word(folded) {
            return false;
        }
        if self.stems.contains(&stem(folded)) {
            return true;
        }
        self.words.iter().any(|(word, typos, prefix)| {
            (*prefix && folded.starts_with(word.as_str()))
                || (*typos > 0
                    && folded.len().abs_diff(word.len()) <= usize::from(*typos)
                    && distance(folded, word) <= usize::from(*typos))
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.stems.is_empty() && self.words.is_empty()
    }
}

/// The synonym groups of an index, each member as its sequence of stems.
pub(crate) type Synonyms = Vec<Vec<Vec<String>>>;

pub(crate) fn analyze_synonyms(groups: &[Vec<String>]) -> Synonyms {
    groups
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|member| {
                    words(member)
                        .into_iter()
                        .map(|w| w.stem)
                        .collect::<Vec<_>>()
                })
                .filter(|stems| !stems.is_empty())
                .collect()
        })
        .collect()
}

/// Whether the query's last word is still being typed (no space or punctuation after it),
/// and is not a stop word.
pub(crate) fn last_word_is_prefix(query: &str, words: &[Word]) -> bool {
    let Some(last) = spans(query).pop() else {
        return false;
    };
    last.end == query.len() && words.last().is_some_and(|w| w.start == last.start)
}

/// The longest synonym member that the query's words spell from `index`, with its group.
pub(crate) fn synonym_at<'a>(
    synonyms: &'a Synonyms,
    words: &[Word],
    index: usize,
) -> Option<(&'a Vec<Vec<String>>, &'a Vec<String>)> {
    synonyms
        .iter()
        .flat_map(|group| group.iter().map(move |member| (group, member)))
        .filter(|(_, member)| {
            member.len() <= words.len() - index
                && member
                    .iter()
                    .zip(&words[index..])
                    .all(|(stem, word)| *stem == word.stem)
        })
        .max_by_key(|(_, member)| member.len())
}

/// What `query` matches in a document's text, for highlights: its words (exact stems, typos,
/// the last one as a prefix while typed) and the other members of the synonym groups it
/// spells. Both engines mark the same words with it.
pub(crate) fn query_matcher(query: &str, synonyms: &Synonyms) -> Matcher {
    let words = words(query);
    let mut matcher = Matcher::default();
    let prefix_last = last_word_is_prefix(query, &words);
    for (index, word) in words.iter().enumerate() {
        matcher.stems.insert(word.stem.clone());
        matcher.words.push((
            word.folded.clone(),
            typos_allowed(&word.folded),
            prefix_last && index + 1 == words.len(),
        ));
        if let Some((group, member)) = synonym_at(synonyms, &words, index) {
            for other in group.iter().filter(|other| *other != member) {
                matcher.stems.extend(other.iter().cloned());
            }
        }
    }
    matcher
}

/// The text, HTML-escaped, with matched words in `<mark>…</mark>`, cropped to
/// [`CROP_WORDS`] words around the first match (with "…" where text was cut).
pub(crate) fn highlight(text: &str, matcher: &Matcher) -> String {
    let spans = spans(text);
    let matched: Vec<bool> = spans
        .iter()
        .map(|span| !matcher.is_empty() && matcher.matches(&span.folded))
        .collect();
    let (first, last) = if spans.len() <= CROP_WORDS {
        (0, spans.len())
    } else {
        let first_match = matched.iter().position(|m| *m).unwrap_or(0);
        let mut first = first_match.saturating_sub(CROP_WORDS / 3);
        let last = (first + CROP_WORDS).min(spans.len());
        first = last - CROP_WORDS;
        (first, last)
    };
    let begin = if first == 0 { 0 } else { spans[first].start };
    let end = if last == spans.len() {
        text.len()
    } else {
        spans[last - 1].end
    };
    let mut out = String::with_capacity(text.len() + 16);
    if begin > 0 {
        out.push('…');
    }
    let mut cursor = begin;
    for (span, is_match) in spans[first..last].iter().zip(&matched[first..last]) {
        if *is_match {
            escape_html(&text[cursor..span.start], &mut out);
            out.push_str("<mark>");
            escape_html(&text[span.start..span.end], &mut out);
            out.push_str("</mark>");
            cursor = span.end;
        }
    }
    escape_html(&text[cursor..end], &mut out);
    if end < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.stem).collect()
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Éducation Œuvre"), "education oeuvre");
    }

    #[test]
    fn elision_and_stop_words_are_dropped() {
        assert_eq!(stems("l'apprentissage"), stems("apprentissage"));
        assert_eq!(stems("l’apprentissage"), stems("apprentissage"));
        assert_eq!(
            stems("contrat d'engagement jeune"),
            stems("contrat engagement jeune")
        );
        let positions: Vec<usize> = words("le contrat de travail")
            .iter()
            .map(|w| w.position)
            .collect();
        assert_eq!(positions, [0, 1]);
    }

    #[test]
    fn plurals_share_a_stem() {
        assert_eq!(stem("formations"), stem("formation"));
        assert_eq!(stem("apprentis"), stem("apprenti"));
        assert_eq!(stems("Éducation"), stems("education"));
    }

    #[test]
    fn typo_distance() {
        assert_eq!(distance("aprentissage", "apprentissage"), 1);
        assert_eq!(distance("fromation", "formation"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(typos_allowed("cafe"), 0);
        assert_eq!(typos_allowed("stage"), 1);
        assert_eq!(typos_allowed("formation"), 2);
    }

    #[test]
    fn highlight_escapes_and_marks() {
        let mut matcher = Matcher::default();
        matcher.stems.insert(stem("formation"));
        assert_eq!(
            highlight("<script>x</script> Formations & stages", &matcher),
            "&lt;script&gt;x&lt;/script&gt; <mark>Formations</mark> &amp; stages"
        );
    }

    #[test]
    fn highlight_crops_long_text_around_the_match() {
        let mut matcher = Matcher::default();
        matcher.stems.insert(stem("cible"));
        let text = (0..100)
            .map(|i| {
                if i == 60 {
                    "cible".to_string()
                } else {
                    format!("mot{i}")
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        let out = highlight(&text, &matcher);
        assert!(out.starts_with('…') && out.ends_with('…'), "{out}");
        assert!(out.contains("<mark>cible</mark>"));
        assert_eq!(out.split(' ').count(), CROP_WORDS);
    }
}
