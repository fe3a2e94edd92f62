//! The editorial checks of `tremplin check`: what makes a page hard to understand or a fact
//! hard to trust, for youths who read with difficulty. Each page's Markdown is read line by
//! line (code, comments and shortcode calls set aside) for acronyms not explained, facts that
//! change without a source or sourced to a home page, long sentences and the page's
//! readability, phrases to avoid, images without useful text and links whose text says
//! nothing. Every problem is a warning with its line and what to do; a counsellor silences
//! one line with `<!-- tremplin: ignorer acronyme -->` (on the line or alone on the one
//! before).

pub mod glossary;
pub mod readability;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::{AvoidConfig, Config};
use crate::diagnostics::Diagnostic;
pub use glossary::Glossary;

/// The names a `<!-- tremplin: ignorer … -->` comment takes, each one check.
pub const CHECKS: [&str; 8] = [
    "acronyme",
    "source",
    "phrase",
    "lisibilite",
    "mot",
    "image",
    "lien",
    "tout",
];

/// Below this many words, a page gets no readability score (too short to say).
pub const MIN_WORDS_FOR_SCORE: usize = 40;

/// The phrases every site avoids, with what to write instead; `[[redaction.a_eviter]]` adds
/// others.
pub fn default_avoid() -> Vec<AvoidConfig> {
    let a = |phrase: &str, remplacer: &str, sauf_si: Option<&str>| AvoidConfig {
        phrase: phrase.to_string(),
        remplacer: remplacer.to_string(),
        sauf_si: sauf_si.map(str::to_string),
    };
    let vague = "dites quelles conditions (âge, ressources, situation) ou mettez un lien vers la page qui les donne";
    let link = "écrivez où mène le lien : « [le formulaire de demande](…) »";
    let mut list = vec![
        a("cliquez ici", link, None),
        a("cliquer ici", link, None),
        a("il suffit de", "dites simplement ce qu'il faut faire : ce qui semble facile ne l'est pas pour tout le monde", None),
        a("sous conditions", vague, None),
        a("sous certaines conditions", vague, None),
        a("révolus", "écrivez « avoir 18 ans ou plus » ou « avant vos 26 ans » : « révolus » est mal compris", None),
        a("le cas échéant", "écrivez « si c'est votre cas »", None),
        a("au préalable", "écrivez « avant »", None),
    ];
    for (masc, fem) in [
        ("vendeur", "vendeuse"),
        ("vendeurs", "vendeuses"),
        ("serveur", "serveuse"),
        ("serveurs", "serveuses"),
        ("cuisinier", "cuisinière"),
        ("boulanger", "boulangère"),
        ("animateur", "animatrice"),
        ("animateurs", "animatrices"),
        ("éducateur", "éducatrice"),
        ("infirmier", "infirmière"),
        ("aide-soignant", "aide-soignante"),
        ("un conseiller", "une conseillère"),
        ("votre conseiller", "votre conseillère"),
        ("le conseiller", "la conseillère"),
        ("les conseillers", "les conseillères"),
        ("des conseillers", "des conseillères"),
    ] {
        list.push(AvoidConfig {
            phrase: masc.to_string(),
            remplacer: format!("écrivez aussi la forme féminine : « {masc} ou {fem} »"),
            sauf_si: Some(fem.split(' ').next_back().unwrap_or(fem).to_string()),
        });
    }
    list
}

/// What the checks read besides the page: the settings and the glossary.
pub struct Settings<'a> {
    pub config: &'a Config,
    pub glossary: &'a Glossary,
    pub avoid: Vec<AvoidConfig>,
    /// Each phrase to avoid as its lowercase words, indexed by its first word, with its
    /// lowercase `sauf_si`.
    avoid_index: HashMap<String, Vec<(usize, Vec<String>, String)>>,
}

/// The words of a text, for phrases: letters, digits and hyphens.
fn phrase_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
}

impl<'a> Settings<'a> {
    pub fn new(config: &'a Config, glossary: &'a Glossary) -> Self {
        let mut avoid = default_avoid();
        avoid.extend(config.redaction.a_eviter.iter().cloned());
        let mut avoid_index: HashMap<String, Vec<_>> = HashMap::new();
        for (i, a) in avoid.iter().enumerate() {
            let lower = a.phrase.to_lowercase();
            let words: Vec<String> = phrase_words(&lower).map(str::to_string).collect();
            let Some(first) = words.first().cloned() else {
                continue;
            };
            let unless = a.sauf_si.clone().unwrap_or_default().to_lowercase();
            avoid_index
                .entry(first)
                .or_default()
                .push((i, words, unless));
        }
        Settings {
            config,
            glossary,
            avoid,
            avoid_index,
        }
    }
}

/// A page's readability.
#[derive(Debug, Clone, PartialEq)]
pub struct Readability {
    /// Kandel & Moles; `None` for a page too short to say.
    pub score: Option<f64>,
    pub target: f64,
    pub words: usize,
    pub sentences: usize,
    /// Sentences over the limit, those silenced left out.
    pub long_sentences: usize,
}

/// What the checks found on one page.
#[derive(Debug, Clone, PartialEq)]
pub struct PageReport {
    /// Relative to the site's root: `content/guides/cv.md`.
    pub file: PathBuf,
    pub diagnostics: Vec<Diagnostic>,
    pub readability: Readability,
}

/// One line of prose with its number in the file, ready for the checks.
struct Line {
    number: usize,
    /// Without code, comments, shortcode calls, link addresses and Markdown marks.
    text: String,
}

/// A paragraph, list item or heading.
#[derive(Default)]
struct Unit {
    lines: Vec<Line>,
    /// Headings and tables are not prose: no sentences, no score.
    prose: bool,
}

/// A run of lines between blank lines (a paragraph, a list), for sourced facts.
#[derive(Default)]
struct Block {
    lines: Vec<usize>,
    has_source: bool,
    /// Holds nothing but `source` calls: it backs the block before it.
    only_source: bool,
}

/// Checks one page or section: `body` is its Markdown, whose first line is `body_line` of
/// `file`; `relative_path` (`guides/cv.md`) chooses the readability target.
pub fn check_page(
    settings: &Settings<'_>,
    file: &Path,
    relative_path: &str,
    body: &str,
    body_line: usize,
) -> PageReport {
    let mut found = Found::default();
    let scan = scan(body, body_line, &mut found, file);
    let target = settings.config.readability_target(relative_path);
    let mut problems: Vec<(usize, &'static str, String)> = Vec::new();

    check_acronyms(settings.glossary, &scan, body, &mut problems);
    check_facts(&scan, &found, &mut problems);
    check_avoid(settings, &scan, &mut problems);
    let readability = check_sentences(
        &scan,
        settings.config.redaction.mots_par_phrase,
        target,
        &mut problems,
    );

    let silenced = |line: usize, check: &str| {
        found
            .silenced
            .get(&line)
            .is_some_and(|s| s.contains(check) || s.contains("tout"))
    };
    problems.retain(|(line, check, _)| !silenced(*line, check));
    let mut readability = readability;
    readability.long_sentences = problems.iter().filter(|p| p.1 == "phrase").count();
    let mut diagnostics: Vec<Diagnostic> = found.problems;
    diagnostics.extend(
        problems
            .into_iter()
            .map(|(line, _, msg)| Diagnostic::warning(file, Some(line), msg)),
    );
    if let Some(score) = readability.score {
        let page_silenced = found
            .page_silenced
            .iter()
            .any(|c| c == "lisibilite" || c == "tout");
        if score < target && !page_silenced {
            diagnostics.push(Diagnostic::warning(
                file,
                None,
                format!(
                    "lisibilité {} (cible {}) : {} mots par phrase en moyenne ; faites des phrases plus courtes et préférez les mots courts et courants",
                    score.round(),
                    target.round(),
                    (readability.words as f64 / readability.sentences.max(1) as f64).round()
                ),
            ));
        }
    }
    PageReport {
        file: file.to_path_buf(),
        diagnostics,
        readability,
    }
}

/// What the scan found besides the lines: silencing comments, images, links and sources.
#[derive(Default)]
struct Found {
    /// Line → the checks silenced on it.
    silenced: HashMap<usize, HashSet<String>>,
    /// Checks silenced for the whole page (`lisibilite`, which has no line).
    page_silenced: Vec<String>,
    /// `(line, problem)` of images, links and sources, before silencing.
    spots: Vec<(usize, &'static str, String)>,
    /// Problems of the comments themselves (a name that is no check).
    problems: Vec<Diagnostic>,
}

struct Scan {
    units: Vec<Unit>,
    blocks: Vec<Block>,
    /// Line number → its cleaned text without links, for facts (headings left out).
    facts_text: HashMap<usize, String>,
}

/// Reads the body line by line into prose units and blocks.
fn scan(body: &str, body_line: usize, found: &mut Found, file: &Path) -> Scan {
    let mut units: Vec<Unit> = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut facts_text = HashMap::new();
    let mut unit = Unit::default();
    let mut block = Block::default();
    let mut fence: Option<&str> = None;
    let mut in_comment = false;
    // Silencing comments alone on their line, waiting for the next line with text.
    let mut pending: Vec<String> = Vec::new();

    let end_unit = |unit: &mut Unit, units: &mut Vec<Unit>| {
        if !unit.lines.is_empty() {
            units.push(std::mem::take(unit));
        }
    };
    let end_block = |block: &mut Block, blocks: &mut Vec<Block>| {
        if !block.lines.is_empty() || block.has_source {
            blocks.push(std::mem::take(block));
        }
    };

    for (i, original) in body.lines().enumerate() {
        let number = body_line + i;
        let trimmed = original.trim();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            end_unit(&mut unit, &mut units);
            continue;
        }
        // HTML comments: silencing ones are read, all are set aside.
        let mut line = String::with_capacity(original.len());
        let mut rest = original;
        loop {
            if in_comment {
                match rest.find("-->") {
                    Some(end) => {
                        rest = &rest[end + 3..];
                        in_comment = false;
                    }
                    None => break,
                }
            }
            match rest.find("<!--") {
                Some(start) => {
                    line.push_str(&rest[..start]);
                    let after = &rest[start + 4..];
                    let (inside, tail) = match after.find("-->") {
                        Some(end) => (&after[..end], Some(&after[end + 3..])),
                        None => (after, None),
                    };
                    if let Some(names) = inside.trim().strip_prefix("tremplin:") {
                        let names = names.trim();
                        let names = names.strip_prefix("ignorer").unwrap_or_else(|| {
                            found.problems.push(Diagnostic::warning(
                                file,
                                Some(number),
                                format!(
                                    "commentaire « tremplin: {names} » non compris : écrivez <!-- tremplin: ignorer acronyme -->"
                                ),
                            ));
                            ""
                        });
                        for name in names.split([',', ' ']).filter(|n| !n.is_empty()) {
                            let name = crate::slug::slugify(name);
                            if CHECKS.contains(&name.as_str()) {
                                pending.push(name.clone());
                                if name == "lisibilite" {
                                    found.page_silenced.push(name);
                                }
                            } else {
                                found.problems.push(Diagnostic::warning(
                                    file,
                                    Some(number),
                                    format!(
                                        "vérification inconnue « {name} » : écrivez l'une de {}{}",
                                        CHECKS.join(", "),
                                        crate::diagnostics::suggestion(&name, CHECKS)
                                    ),
                                ));
                            }
                        }
                    }
                    match tail {
                        Some(t) => rest = t,
                        None => {
                            in_comment = true;
                            break;
                        }
                    }
                }
                None => {
                    line.push_str(rest);
                    break;
                }
            }
        }
        let raw = line.as_str();
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            // A line that held only a comment (its silencing waits for the next line) is not
            // a blank line.
            if original.trim().is_empty() {
                end_unit(&mut unit, &mut units);
                end_block(&mut block, &mut blocks);
            }
            continue;
        }
        if !pending.is_empty() {
            found
                .silenced
                .entry(number)
                .or_default()
                .extend(pending.drain(..));
        }
        // A body shortcode's opening or closing line ends what came before.
        if (trimmed.starts_with("{%") && trimmed.ends_with("%}")) || trimmed == "+++" {
            end_unit(&mut unit, &mut units);
            end_block(&mut block, &mut blocks);
            continue;
        }
        spots_of(raw, number, &mut found.spots);
        if raw.contains("source(") {
            block.has_source = true;
        }
        let clean = clean_text(raw);
        let heading = trimmed.starts_with('#');
        let table = trimmed.starts_with('|');
        let item = is_list_item(trimmed);
        if heading || table || item {
            end_unit(&mut unit, &mut units);
        }
        if heading {
            end_block(&mut block, &mut blocks);
        }
        if clean.trim().is_empty() {
            if block.lines.is_empty() && block.has_source {
                block.only_source = true;
            }
            continue;
        }
        block.only_source = false;
        if !heading {
            // The text of a link names another page: it states no fact of its own.
            if raw.bytes().any(|c| c.is_ascii_digit()) {
                facts_text.insert(number, clean_text(&without_links(raw)));
            }
            block.lines.push(number);
        }
        unit.prose = !heading && !table;
        unit.lines.push(Line {
            number,
            text: clean,
        });
        if heading || table {
            end_unit(&mut unit, &mut units);
        }
    }
    end_unit(&mut unit, &mut units);
    end_block(&mut block, &mut blocks);
    Scan {
        units,
        blocks,
        facts_text,
    }
}

/// A Markdown line without its links (`[texte](adresse)`), images included.
fn without_links(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|c| open + c) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|e| close + e) else {
            break;
        };
        out.push_str(rest[..open].trim_end_matches('!'));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn is_list_item(line: &str) -> bool {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return true;
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") "))
}

/// A Markdown line as the words a reader sees: inline code, shortcode calls, HTML tags, link
/// and image addresses, bare addresses and emphasis marks taken out.
fn clean_text(line: &str) -> String {
    // Every mark looked for is ASCII: byte positions after one are character boundaries.
    let b = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    let skip_to = |from: usize, end: &str| {
        line.get(from..)
            .and_then(|rest| rest.find(end))
            .map(|at| from + at + end.len())
    };
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    while i < b.len() {
        let next = b.get(i + 1).copied();
        match b[i] {
            b'`' => {
                let n = b[i..].iter().take_while(|c| **c == b'`').count();
                match skip_to(i + n, &line[i..i + n]) {
                    Some(j) => {
                        out.push(' ');
                        i = j;
                    }
                    None => i += n,
                }
            }
            b'{' if next == Some(b'{') => i = skip_to(i, "}}").unwrap_or(b.len()),
            b'{' if next == Some(b'%') => i = skip_to(i, "%}").unwrap_or(b.len()),
            b'<' if next.is_some_and(|n| n.is_ascii_alphabetic() || n == b'/') => {
                i = skip_to(i, ">").unwrap_or(b.len());
            }
            b']' if next == Some(b'(') => i = skip_to(i, ")").unwrap_or(b.len()),
            b'h' if line[i..].starts_with("https://") || line[i..].starts_with("http://") => {
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
            b'*' | b'[' => i += 1,
            b'!' if next == Some(b'[') => i += 1,
            b'#' if out.trim().is_empty() => i += 1,
            b'_' if !alnum(line[..i].chars().next_back())
                || !alnum(line[i + 1..].chars().next()) =>
            {
                i += 1
            }
            _ => {
                let c = line[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// Images without useful text, links whose text says nothing and sources sent to a home page,
/// read from the line's Markdown.
fn spots_of(raw: &str, line: usize, spots: &mut Vec<(usize, &'static str, String)>) {
    let mut rest = raw;
    while let Some(open) = rest.find('[') {
        let is_image = rest[..open].ends_with('!');
        let Some(close) = rest[open..].find("](").map(|c| open + c) else {
            break;
        };
        let label = &rest[open + 1..close];
        let Some(end) = rest[close..].find(')').map(|e| close + e) else {
            break;
        };
        let dest = rest[close + 2..end].split_whitespace().next().unwrap_or("");
        if is_image {
            if !useful_alt(label) {
                spots.push((
                    line,
                    "image",
                    format!(
                        "image sans texte de remplacement utile (« {} ») : décrivez ce qu'elle montre, ![Un CV d'une page avec une photo]({dest})",
                        label.trim()
                    ),
                ));
            }
        } else if says_nothing(label) {
            spots.push((
                line,
                "lien",
                format!(
                    "lien « {} » : écrivez dans le lien ce qu'il ouvre, pour qu'il se comprenne lu seul, « [les offres d'emploi]({dest}) »",
                    label.trim()
                ),
            ));
        }
        rest = &rest[end + 1..];
    }
    let mut rest = raw;
    while let Some(at) = rest.find("source(") {
        rest = &rest[at + 7..];
        let call = &rest[..rest.find(')').unwrap_or(rest.len())];
        let arg = |key: &str| {
            let start = call.find(&format!("{key}=\""))? + key.len() + 2;
            let len = call[start..].find('"')?;
            Some(&call[start..start + len])
        };
        if let Some(url) = arg("url") {
            if is_home_page(url) {
                spots.push((
                    line,
                    "source",
                    format!(
                        "source « {} » : {url} est la page d'accueil du site ; donnez l'adresse de la page qui dit cette information, pour la revérifier en un clic",
                        arg("nom").unwrap_or("")
                    ),
                ));
            }
        }
    }
}

/// Whether an address is a site's home page: nothing after the host but `/`.
fn is_home_page(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    match rest.find('/') {
        None => !rest.contains('?') && !rest.contains('#'),
        Some(at) => rest[at..].trim_end_matches('/').is_empty(),
    }
}

fn useful_alt(alt: &str) -> bool {
    let a = alt.trim().to_lowercase();
    let useless = [
        "",
        "image",
        "photo",
        "img",
        "illustration",
        "capture",
        "capture d'écran",
        "logo",
        "icône",
        "icone",
        "picture",
        "dessin",
    ];
    let file_like = [".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".avif"]
        .iter()
        .any(|ext| a.ends_with(ext));
    !(useless.contains(&a.as_str()) || file_like)
}

fn says_nothing(label: &str) -> bool {
    let l = label
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace() || c == '…')
        .to_lowercase();
    [
        "ici",
        "cliquez ici",
        "clique ici",
        "cliquer ici",
        "lien",
        "ce lien",
        "en savoir plus",
        "plus d'infos",
        "plus d'informations",
        "voir",
        "là",
        "lire la suite",
        "la suite",
        "suite",
        "cette page",
        "page",
        "site",
        "ce site",
    ]
    .contains(&l.as_str())
}

/// Words of a cleaned line: letters, digits, inner apostrophes and hyphens.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
}

/// An acronym: two to seven capitals (digits allowed, two letters at least), not a Roman
/// numeral.
fn is_acronym(word: &str) -> bool {
    let n = word.chars().count();
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    (2..=7).contains(&n)
        && letters >= 2
        && word.chars().next().is_some_and(char::is_alphabetic)
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || (c.is_alphabetic() && c.is_uppercase()))
        && !word.chars().all(|c| matches!(c, 'I' | 'V' | 'X'))
}

fn check_acronyms(
    glossary: &Glossary,
    scan: &Scan,
    body: &str,
    problems: &mut Vec<(usize, &'static str, String)>,
) {
    let mut seen = HashSet::new();
    for unit in &scan.units {
        for line in &unit.lines {
            for w in line.text.split(|c: char| !c.is_alphanumeric()) {
                if !is_acronym(w) || glossary.get(w).is_some() || !seen.insert(w.to_string()) {
                    continue;
                }
                // Expanded on the page: « … (NEPH) » or « NEPH (…) ».
                if body.contains(&format!("({w})")) || body.contains(&format!("{w} (")) {
                    continue;
                }
                problems.push((
                    line.number,
                    "acronyme",
                    format!(
                        "« {w} » n'est pas expliqué : ajoutez-le au glossaire (glossaire.toml) ou écrivez sa forme longue à sa première utilisation, « forme longue ({w}) »"
                    ),
                ));
            }
        }
    }
}

/// The first fact that changes on a line: an amount, a percentage or an age limit (an age from
/// 14 to 30, the age of majority, 18, left out).
fn fact_of(text: &str) -> Option<String> {
    let ws: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
        .filter(|w| !w.is_empty())
        .collect();
    fn number(w: &str) -> Option<&str> {
        if w.chars().any(char::is_alphabetic) {
            return None;
        }
        let d = w.trim_matches(|c: char| !c.is_ascii_digit());
        (!d.is_empty()
            && d.chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == '\u{202f}'))
        .then_some(d)
    }
    // The number written just before word `i` (`1 000` over two words).
    let number_before = |i: usize| -> Option<String> {
        let mut parts = Vec::new();
        let mut j = i;
        while j > 0 {
            match number(ws[j - 1]) {
                Some(n) if parts.last().is_none_or(|p: &&str| p.len() == 3) => parts.push(n),
                _ => break,
            }
            j -= 1;
        }
        parts.reverse();
        (!parts.is_empty()).then(|| parts.join(" "))
    };
    for (i, w) in ws.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| ws[p]);
        // 500 €, 500€, 1 000 euros.
        if let Some(at) = w.find('€') {
            let before = &w[..at];
            let n = match number(before) {
                Some(n) => Some(n.to_string()),
                None if before.is_empty() => number_before(i),
                None => None,
            };
            if let Some(n) = n {
                return Some(format!("un montant ({n} €)"));
            }
        }
        let wl = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if wl == "euros" || wl == "euro" {
            if let Some(n) = number_before(i) {
                return Some(format!("un montant ({n} €)"));
            }
        }
        if let Some(at) = w.find('%') {
            let before = &w[..at];
            let n = match number(before) {
                Some(n) => Some(n.to_string()),
                None if before.is_empty() => number_before(i),
                None => None,
            };
            if let Some(n) = n {
                return Some(format!("un pourcentage ({n} %)"));
            }
        }
        if wl == "ans" || wl == "an" {
            if let Some(p) = prev {
                // 26 ans, 16-25 ans: an age when the number is one.
                let last = p.rsplit('-').next().unwrap_or(p);
                if let Ok(age) = last
                    .trim_matches(|c: char| !c.is_ascii_digit())
                    .parse::<u32>()
                {
                    // 18 alone is the age of majority, which does not change.
                    let majority = age == 18 && !p.contains('-');
                    if (14..=30).contains(&age)
                        && !majority
                        && !p.contains(|c: char| c.is_alphabetic())
                    {
                        return Some(format!(
                            "une limite d'âge ({} ans)",
                            p.trim_matches(|c: char| !c.is_ascii_digit())
                        ));
                    }
                }
            }
        }
    }
    None
}

fn check_facts(scan: &Scan, found: &Found, problems: &mut Vec<(usize, &'static str, String)>) {
    for (i, block) in scan.blocks.iter().enumerate() {
        let backed =
            block.has_source || scan.blocks.get(i + 1).is_some_and(|next| next.only_source);
        if backed || block.only_source {
            continue;
        }
        for n in &block.lines {
            if let Some(fact) = scan.facts_text.get(n).and_then(|t| fact_of(t)) {
                problems.push((
                    *n,
                    "source",
                    format!(
                        "{fact} sans source : ajoutez à la fin du paragraphe {{{{ source(nom=\"…\", url=\"https://…\", date=\"AAAA-MM-JJ\") }}}} avec la page officielle qui le dit"
                    ),
                ));
                break;
            }
        }
    }
    problems.extend(found.spots.iter().cloned());
}

fn check_avoid(
    settings: &Settings<'_>,
    scan: &Scan,
    problems: &mut Vec<(usize, &'static str, String)>,
) {
    for unit in &scan.units {
        for line in &unit.lines {
            let text = line.text.to_lowercase();
            let words: Vec<&str> = phrase_words(&text).collect();
            for (at, w) in words.iter().enumerate() {
                let Some(candidates) = settings.avoid_index.get(*w) else {
                    continue;
                };
                for (i, phrase, unless) in candidates {
                    let found = words.len() >= at + phrase.len()
                        && phrase.iter().zip(&words[at..]).all(|(p, w)| p == w);
                    if found && (unless.is_empty() || !text.contains(unless.as_str())) {
                        let a = &settings.avoid[*i];
                        problems.push((
                            line.number,
                            "mot",
                            format!("« {} » : {}", a.phrase, a.remplacer),
                        ));
                    }
                }
            }
        }
    }
}

fn ends_sentence(word: &str) -> bool {
    let w = word.trim_end_matches(['»', '"', ')', '*', '_', '\u{a0}', ' ']);
    w.ends_with('.') || w.ends_with('!') || w.ends_with('?') || w.ends_with('…')
}

fn check_sentences(
    scan: &Scan,
    max: usize,
    target: f64,
    problems: &mut Vec<(usize, &'static str, String)>,
) -> Readability {
    let (mut words_n, mut sentences, mut syllables, mut long) = (0, 0, 0, 0);
    for unit in scan.units.iter().filter(|u| u.prose) {
        // Where the sentence starts: its line in the unit and the byte offset in that line.
        let mut start: Option<(usize, usize)> = None;
        let mut count = 0;
        let mut close = |start: &mut Option<(usize, usize)>, count: &mut usize| {
            if *count > 0 {
                sentences += 1;
                if *count > max {
                    long += 1;
                    if let Some((at, offset)) = *start {
                        // Its first six words, for the message (only long sentences pay).
                        let first: Vec<&str> = unit.lines[at..]
                            .iter()
                            .enumerate()
                            .flat_map(|(i, l)| {
                                let text = if i == 0 {
                                    &l.text[offset..]
                                } else {
                                    &l.text[..]
                                };
                                text.split_whitespace()
                            })
                            .filter(|t| words(t).next().is_some())
                            .map(|t| t.trim_matches(['*', '_']))
                            .take(6)
                            .collect();
                        problems.push((
                            unit.lines[at].number,
                            "phrase",
                            format!(
                                "phrase de {count} mots (« {}… ») : coupez-la en phrases de {max} mots au plus",
                                first.join(" ")
                            ),
                        ));
                    }
                }
            }
            *start = None;
            *count = 0;
        };
        for (at, line) in unit.lines.iter().enumerate() {
            for raw in line.text.split_whitespace() {
                let Some(w) = words(raw).next() else {
                    // « ? » and « ! » stand apart in French typography.
                    if ends_sentence(raw) {
                        close(&mut start, &mut count);
                    }
                    continue;
                };
                if start.is_none() {
                    let offset = raw.as_ptr() as usize - line.text.as_ptr() as usize;
                    start = Some((at, offset));
                }
                count += 1;
                words_n += 1;
                syllables += readability::syllables(w);
                if ends_sentence(raw) {
                    close(&mut start, &mut count);
                }
            }
        }
        close(&mut start, &mut count);
    }
    let score = (words_n >= MIN_WORDS_FOR_SCORE)
        .then(|| readability::kandel_moles(words_n, sentences, syllables))
        .flatten();
    Readability {
        score,
        target,
        words: words_n,
        sentences,
        long_sentences: long,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &str) -> Vec<String> {
        let config = Config::parse("title = \"t\"\nbase_url = \"https://a.fr\"\n").unwrap();
        let (glossary, _) = Glossary::parse(
            "[[mot]]\nmot = \"CAF\"\nforme_longue = \"caisse d'allocations familiales\"\nexplication = \"x\"\n",
        );
        let settings = Settings::new(&config, &glossary);
        let mut d = check_page(&settings, Path::new("content/a.md"), "a.md", body, 5).diagnostics;
        d.sort_by_key(|d| d.line);
        d.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn acronyms_need_the_glossary_or_a_long_form() {
        let d = run("La CAF et l'ANTS.\n\nLe NEPH, numéro de dossier.\n\nLe CEJ (contrat d'engagement jeune), et encore le CEJ.\n\n`CODE` et [le guide](https://x.fr/API) et le chapitre IV.\n");
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("content/a.md:5: attention : « ANTS » n'est pas expliqué"));
        assert!(d[1].starts_with("content/a.md:7: attention : « NEPH »"));
    }

    #[test]
    fn facts_need_a_source_not_a_home_page() {
        let body = "Vous touchez 500 € par mois.\n\nAvant 26 ans, c'est gratuit.\n{{ source(nom=\"a\", url=\"https://a.fr/droits/x\", date=\"2026-01-01\") }}\n\n- 30 % de réduction\n\n{{ source(nom=\"b\", url=\"https://b.fr/\", date=\"2026-01-01\") }}\n\nDepuis 3 ans, rien.\n";
        let d = run(body);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d[0].starts_with("content/a.md:5: attention : un montant (500 €) sans source"),
            "{d:?}"
        );
        assert!(
            d[1].starts_with(
                "content/a.md:12: attention : source « b » : https://b.fr/ est la page d'accueil"
            ),
            "{d:?}"
        );
    }

    #[test]
    fn silencing_comments_on_the_line_or_before_it() {
        let body = "L'ANTS. <!-- tremplin: ignorer acronyme -->\n\n<!-- tremplin: ignorer source, mot -->\nIl suffit de payer 20 €.\n\nIl suffit de venir. <!-- tremplin: ignorer acronym -->\n";
        let d = run(body);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d.iter()
                .any(|d| d.starts_with("content/a.md:10: attention : « il suffit de »")),
            "{d:?}"
        );
        assert!(
            d.iter().any(
                |d| d.contains(":10: attention : vérification inconnue « acronym »")
                    && d.contains("vouliez-vous dire « acronyme »")
            ),
            "{d:?}"
        );
    }

    #[test]
    fn long_sentences_images_links_and_phrases() {
        let long = "mot ".repeat(26);
        let body = format!("Une phrase courte ? Oui ! {long}fin.\n\n![photo](a.png) ![Un modèle de lettre](b.png) [ici](https://x.fr/a) et [la page de la CAF](https://caf.fr/a).\n\nVotre conseiller ou votre conseillère. Un vendeur.\n");
        let d = run(&body);
        assert_eq!(d.len(), 4, "{d:?}");
        assert!(
            d[0].contains(":5: attention : phrase de 27 mots (« mot mot mot mot mot mot… »)"),
            "{d:?}"
        );
        assert!(d[1].contains(":7: attention : image sans texte"), "{d:?}");
        assert!(d[2].contains(":7: attention : lien « ici »"), "{d:?}");
        assert!(
            d[3].contains(":9: attention : « vendeur » : écrivez aussi la forme féminine"),
            "{d:?}"
        );
    }

    #[test]
    fn headings_and_link_texts_state_no_fact() {
        let d = run("## Vous avez 16 ans\n\nVoir [peut-on travailler à 16 ans ?](@/faq/x.md).\n");
        assert_eq!(d, Vec::<String>::new());
    }

    #[test]
    fn facts_are_found() {
        assert_eq!(
            fact_of("jusqu'à 1 000 € par an").as_deref(),
            Some("un montant (1 000 €)")
        );
        assert_eq!(
            fact_of("145,50 euros").as_deref(),
            Some("un montant (145,50 €)")
        );
        assert_eq!(
            fact_of("les 16-25 ans").as_deref(),
            Some("une limite d'âge (16-25 ans)")
        );
        assert_eq!(
            fact_of("50 % du prix").as_deref(),
            Some("un pourcentage (50 %)")
        );
        assert_eq!(fact_of("pendant 2 ans"), None);
        assert_eq!(fact_of("si vous avez moins de 18 ans"), None);
        assert_eq!(
            fact_of("les 18-25 ans").as_deref(),
            Some("une limite d'âge (18-25 ans)")
        );
        assert_eq!(fact_of("en 2026"), None);
    }
}
