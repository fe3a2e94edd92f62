//! The sourced facts of the content: every `{{ source(nom=…, url=…, date=…) }}` call, with the
//! file and line it sits on and the sentence it backs. Facts that change (amounts, ages,
//! conditions) carry such a call; `tremplin sources` lists them oldest first, so counsellors know
//! which to check again on the official site.

use std::path::{Path, PathBuf};

use chrono::{Months, NaiveDate};

use crate::content::Library;
use crate::dates::parse_date;
use crate::diagnostics::{line_of, Diagnostic};
use crate::shortcodes;

/// The shortcode that dates and sources a fact.
pub const SHORTCODE: &str = "source";

/// A problem of a `source` call, and whether rendering the page reports it too (a missing
/// argument, an unreadable date).
type Problem = (Diagnostic, bool);

/// Today, on the machine's clock and time zone: the day a counsellor would write.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// One sourced fact.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    /// Relative to the site's root: `content/guides/cv.md`.
    pub file: PathBuf,
    /// 1-based line of the call.
    pub line: usize,
    pub name: String,
    pub url: String,
    /// The day the fact was last checked against the source.
    pub date: NaiveDate,
    /// The text of the paragraph or list item the call ends, without Markdown marks, cut.
    pub text: String,
}

impl Fact {
    /// Whether the last check is older than `months` months on `today`.
    pub fn is_older_than(&self, months: u32, today: NaiveDate) -> bool {
        today
            .checked_sub_months(Months::new(months))
            .is_some_and(|limit| self.date < limit)
    }
}

/// Every sourced fact of the library, oldest first (then by file and line), and a diagnostic for
/// each call whose name, address or date is missing or wrong. A date after `today` is refused:
/// it would tell readers a check happened that has not.
pub fn collect(library: &Library, today: NaiveDate) -> (Vec<Fact>, Vec<Diagnostic>) {
    collect_with(library, today, true)
}

/// The problems of the `source` calls that rendering does not already report (a missing argument
/// or an unreadable date are): an address that is not one, an empty name, a date in the future.
pub fn problems_beyond_rendering(library: &Library, today: NaiveDate) -> Vec<Diagnostic> {
    collect_with(library, today, false).1
}

fn collect_with(library: &Library, today: NaiveDate, all: bool) -> (Vec<Fact>, Vec<Diagnostic>) {
    let mut facts = Vec::new();
    let mut problems = Vec::new();
    let bodies = library
        .pages
        .values()
        .map(|p| (&p.file, &p.body, p.body_line))
        .chain(
            library
                .sections
                .values()
                .filter(|s| s.exists)
                .map(|s| (&s.file, &s.body, s.body_line)),
        );
    for (file, body, body_line) in bodies {
        if !body.contains(SHORTCODE) {
            continue;
        }
        collect_in(body, body_line, file, today, &mut facts, &mut problems);
    }
    let problems = problems
        .into_iter()
        .filter(|(_, rendered)| all || !rendered)
        .map(|(d, _)| d)
        .collect();
    facts.sort_by(|a, b| (a.date, &a.file, a.line).cmp(&(b.date, &b.file, b.line)));
    (facts, problems)
}

fn collect_in(
    body: &str,
    body_line: usize,
    file: &Path,
    today: NaiveDate,
    facts: &mut Vec<Fact>,
    problems: &mut Vec<Problem>,
) {
    let (_, calls, _) = shortcodes::extract(body);
    let mut stack: Vec<(String, usize)> = Vec::new();
    for call in calls {
        // Calls inside a body shortcode (an "essentiel" box) are found in that body.
        if let Some(inner) = &call.body {
            stack.push((inner.clone(), call.body_offset));
        }
        if call.name == SHORTCODE {
            push_fact(body, body_line, file, today, &call, facts, problems);
        }
    }
    while let Some((inner, offset)) = stack.pop() {
        let line = body_line + line_of(body, offset) - 1;
        collect_in(&inner, line, file, today, facts, problems);
    }
}

fn push_fact(
    body: &str,
    body_line: usize,
    file: &Path,
    today: NaiveDate,
    call: &shortcodes::Call,
    facts: &mut Vec<Fact>,
    problems: &mut Vec<Problem>,
) {
    let line = body_line + line_of(body, call.offset) - 1;
    let arg = |key: &str| {
        call.args
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .unwrap_or("")
    };
    let (name, url, date) = (arg("nom"), arg("url"), arg("date"));
    let mut bad = |message: String, rendered: bool| {
        problems.push((Diagnostic::error(file, Some(line), message), rendered));
    };
    if name.is_empty() {
        let given = call.args.contains_key("nom");
        let what = if given { "vide" } else { "manquant" };
        bad(
            format!("source : le nom du site est {what} (nom=\"service-public.fr\")"),
            !given,
        );
        return;
    }
    if !call.args.contains_key("url") {
        bad(
            format!("source « {name} » : argument manquant « url »"),
            true,
        );
        return;
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        bad(
            format!("source « {name} » : l'adresse doit commencer par https:// (url=\"{url}\")"),
            false,
        );
        return;
    }
    let Some(date) = parse_date(date) else {
        bad(
            format!(
                "source « {name} » : date manquante ou invalide « {date} » (écrivez la date de la vérification, AAAA-MM-JJ)"
            ),
            true,
        );
        return;
    };
    if date > today {
        bad(
            format!(
                "source « {name} » : la date {date} est dans le futur (écrivez le jour où vous avez vérifié l'information)"
            ),
            false,
        );
        return;
    }
    facts.push(Fact {
        file: file.to_path_buf(),
        line,
        name: name.to_string(),
        url: url.to_string(),
        date,
        text: sentence_before(body, call.offset),
    });
}

/// The paragraph or list item that ends at `offset`, as plain text, at most 90 characters
/// (the end is kept: the fact is usually the last sentence). A call alone in its paragraph
/// backs the block before it: that block's text, list items joined by " ; ".
fn sentence_before(body: &str, offset: usize) -> String {
    let before = &body[..offset];
    let block_start = before.rfind("\n\n").map(|i| i + 2).unwrap_or(0);
    let item_start = before.rfind("\n- ").map(|i| i + 1).unwrap_or(0);
    let mut text = plain(&before[block_start.max(item_start)..]);
    if text.is_empty() {
        let earlier = before[..block_start].trim_end();
        let start = earlier.rfind("\n\n").map(|i| i + 2).unwrap_or(0);
        text = earlier[start..]
            .lines()
            .map(|l| plain(l).trim_end_matches([' ', ';', ',']).to_string())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ; ");
    }
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > 90 {
        let tail: String = chars[chars.len() - 89..].iter().collect();
        format!("…{}", tail.trim_start())
    } else {
        text
    }
}

/// A Markdown line or block as plain text: list marks, bold and links taken out, spaces folded.
fn plain(markdown: &str) -> String {
    let mut text = String::new();
    for word in markdown.split_whitespace() {
        let is_mark = word == "-"
            || word == "*"
            || (word.ends_with('.') && word[..word.len() - 1].chars().all(|c| c.is_ascii_digit()));
        if text.is_empty() && is_mark {
            continue;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }
    strip_links(&text.replace("**", ""))
}

/// `[texte](lien)` → `texte`.
fn strip_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn run(body: &str, today: &str) -> (Vec<Fact>, Vec<Diagnostic>) {
        let mut facts = Vec::new();
        let mut problems = Vec::new();
        collect_in(
            body,
            5,
            &PathBuf::from("content/faq/x.md"),
            day(today),
            &mut facts,
            &mut problems,
        );
        (facts, problems.into_iter().map(|(d, _)| d).collect())
    }

    #[test]
    fn finds_each_fact_with_its_line_and_sentence() {
        let body = "Intro.\n\n- **Visale** : caution gratuite pour les [18-30 ans](https://visale.fr) {{ source(nom=\"visale.fr\", url=\"https://www.visale.fr/\", date=\"2026-11-01\") }}\n- autre\n\nLe CEJ dure 12 mois au plus.\n{{ source(nom=\"1jeune1solution\", url=\"https://www.1jeune1solution.gouv.fr/\", date=\"2025-04-01\") }}\n";
        let (facts, problems) = run(body, "2026-11-29");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(facts.len(), 2);
        assert_eq!(facts[0].line, 7);
        assert_eq!(facts[0].name, "visale.fr");
        assert_eq!(facts[0].date, day("2026-11-01"));
        assert_eq!(
            facts[0].text, "Visale : caution gratuite pour les 18-30 ans",
            "Markdown marks and links are taken out"
        );
        assert_eq!(facts[1].line, 11);
        assert_eq!(facts[1].text, "Le CEJ dure 12 mois au plus.");
        assert!(facts[1].is_older_than(12, day("2026-11-29")));
        assert!(!facts[0].is_older_than(12, day("2026-11-29")));
    }

    #[test]
    fn facts_inside_a_box_are_found_at_their_line() {
        let body = "Texte.\n\n{% essentiel() %}\n- Une mission dure de 6 à 12 mois {{ source(nom=\"sc\", url=\"https://sc.fr/\", date=\"2026-01-02\") }}\n{% end %}\n";
        let (facts, problems) = run(body, "2026-11-29");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].line, 8);
        assert_eq!(facts[0].text, "Une mission dure de 6 à 12 mois");
    }

    #[test]
    fn bad_calls_are_errors_with_their_line() {
        let body = "A {{ source(nom=\"a\", url=\"www.a.fr\", date=\"2026-01-01\") }}\n\nB {{ source(nom=\"b\", url=\"https://b.fr/\", date=\"1er mars\") }}\n\nC {{ source(nom=\"c\", url=\"https://c.fr/\", date=\"2027-01-01\") }}\n\nD {{ source(url=\"https://d.fr/\", date=\"2026-01-01\") }}\n";
        let (facts, problems) = run(body, "2026-11-29");
        assert!(facts.is_empty());
        let lines: Vec<_> = problems.iter().map(|p| p.line.unwrap()).collect();
        assert_eq!(lines, vec![5, 7, 9, 11]);
        assert!(problems[0].message.contains("https://"));
        assert!(problems[1].message.contains("1er mars"));
        assert!(problems[2].message.contains("futur"));
        assert!(problems[3].message.contains("nom"));
    }

    #[test]
    fn long_sentences_keep_their_end() {
        let long = "mot ".repeat(40) + "fin de la phrase";
        let body = format!(
            "{long} {{{{ source(nom=\"a\", url=\"https://a.fr/\", date=\"2026-01-01\") }}}}\n"
        );
        let (facts, _) = run(&body, "2026-11-29");
        let text = &facts[0].text;
        assert!(
            text.starts_with('…') && text.ends_with("fin de la phrase"),
            "{text}"
        );
        assert!(text.chars().count() <= 90);
    }

    #[test]
    fn a_call_alone_backs_the_block_before_it() {
        let body = "Les conditions :\n\n- avoir 16 ans ;\n2. être **inscrit**.\n\n{{ source(nom=\"a\", url=\"https://a.fr/\", date=\"2026-01-01\") }}\n";
        let (facts, _) = run(body, "2026-11-29");
        assert_eq!(facts[0].text, "avoir 16 ans ; être inscrit.");
        assert_eq!(facts[0].line, 10);
    }
}
