//! Every bound on what a visitor controls, in one place, each with its reason. Handlers and
//! domain functions check their input against these and answer in French; nothing a visitor
//! sends can make Tremplin allocate, compute or store without a bound.

use std::time::Duration;

use crate::infra::error::AppError;

// ---- requests ----

/// A form or a JSON body. The longest fields are an opportunity's description and an answer
/// (`OPPORTUNITY_DESCRIPTION_MAX_CHARS`, `ANSWER_MAX_CHARS`: 20,000 characters, up to 80 KB
/// in UTF-8); every form fits well under this.
pub const BODY_MAX_BYTES: usize = 256 * 1024;

/// An import file (CSV or JSON), sent by a counsellor. A region's France Travail export of
/// several thousand offers is about 5 MB.
pub const IMPORT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// The time budget of one request: past it, the answer is a 503 in French rather than a
/// connection left hanging. The slowest legitimate work (an import of the largest file) has
/// `IMPORT_TIMEOUT`. These are the defaults of `ApiConfig::request_timeout` and
/// `import_timeout`.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
pub const IMPORT_TIMEOUT: Duration = Duration::from_secs(120);

/// Requests served at once by one process; more wait in the kernel's queue, and past this
/// count a request is answered 503 at once (with `Retry-After`) instead of piling up memory.
pub const MAX_IN_FLIGHT: usize = 1024;

/// Seconds a client is told to wait after a 503 (set beside the 503 itself, in `error`).
pub use crate::infra::error::RETRY_AFTER_SECONDS;

// ---- listings and search ----

/// Opportunities per page of the listing.
pub const PAGE_SIZE: usize = 20;

/// The deepest page of a listing or a search: 50 pages of 20 are the 1,000 best matches, the
/// window both search engines give (Meilisearch's `maxTotalHits`). Nobody reads further; a
/// narrower search is the way to more.
pub const MAX_PAGE: u32 = 50;

/// What a youth types in a search box: a question of a few words. Longer text is refused
/// before any search runs (each word costs typo expansions in the engine).
pub const QUERY_MAX_CHARS: usize = 200;
pub const QUERY_MAX_WORDS: usize = 10;

/// A place typed in the listing (a commune's name with its postcode fits in 100).
pub const PLACE_MAX_CHARS: usize = 100;

/// The radius around a place, in km.
pub const RADIUS_KM: std::ops::RangeInclusive<f64> = 1.0..=500.0;

/// Kinds asked for at once: there are eight.
pub const MAX_KINDS: usize = 8;

/// A short filter value (level, date, sort, structure slug).
pub const FILTER_MAX_CHARS: usize = 60;

/// Hits per call of the search API (`/api/v1/search?limit=`): the search box's suggestions
/// show 8; a page of results needs no more than 50, and each hit costs highlighting.
pub const SEARCH_DEFAULT_LIMIT: usize = 8;
pub const SEARCH_MAX_LIMIT: usize = 50;

// ---- accounts ----

/// Failed sign-ins without delay, per account and per client address (see
/// ARCHITECTURE.md, "Sign-in limits"); past them, each attempt must wait longer. The
/// address's count leaves room for a workshop of youths behind one public address.
pub const FREE_ATTEMPTS_PER_ACCOUNT: i64 = 5;
pub const FREE_ATTEMPTS_PER_ADDRESS: i64 = 30;
/// The longest wait between two attempts, in seconds.
pub const MAX_ATTEMPT_WAIT: i64 = 15 * 60;
/// Attempts are forgotten after this many seconds without one.
pub const ATTEMPT_MEMORY: i64 = 15 * 60;

/// Password-reset emails per account per hour (more requests get the same answer, and no
/// email), and reset or registration requests per client address per hour before a delay.
/// The per-address counts leave room for a workshop at a Mission Locale, where a group of
/// youths shares one public address.
pub const RESETS_PER_ACCOUNT_PER_HOUR: i64 = 3;
pub const FREE_RESETS_PER_ADDRESS: i64 = 20;
pub const FREE_REGISTRATIONS_PER_ADDRESS: i64 = 50;

/// Password hashes computed at once. Each argon2id hash takes 19 MiB and tens of
/// milliseconds of one core: more at once would only queue on the cores and grow memory.
pub fn max_concurrent_hashes() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

/// A first name, as shown in greetings and to counsellors: the longest French first names
/// with a compound or two fit in 80.
pub const FIRST_NAME_MAX_CHARS: usize = 80;

/// A password: argon2 hashes any length, but a 1 MB "password" is an attack, not a phrase.
pub const PASSWORD_MAX_CHARS: usize = 200;

/// A path to come back to after signing in.
pub const NEXT_MAX_CHARS: usize = 1000;

// ---- opportunities ----

/// An opportunity's title, and its short fields (organisation, contract, duration, hours,
/// external id): a line on a card, not a text.
pub const OPPORTUNITY_TITLE_MAX_CHARS: usize = 200;
pub const OPPORTUNITY_SHORT_MAX_CHARS: usize = 200;
/// Where an imported opportunity comes from ("France Travail"): a name.
pub const OPPORTUNITY_SOURCE_MAX_CHARS: usize = 100;
/// An opportunity's description, in Markdown: the longest real offers are a few thousand
/// characters; this leaves room and keeps a page light (see `BODY_MAX_BYTES`).
pub const OPPORTUNITY_DESCRIPTION_MAX_CHARS: usize = 20_000;
/// Themes of one opportunity, and the length of each: each is a facet value and a link.
pub const OPPORTUNITY_MAX_THEMES: usize = 10;
pub const THEME_MAX_CHARS: usize = 50;
/// Places offered by one opportunity (a number a counsellor types; more is a typo).
pub const OPPORTUNITY_MAX_PLACES: i64 = 100_000;
/// The message of a youth's "ça m'intéresse", and the counsellor's follow-up note: a few
/// sentences, read on a screen listing many of them.
pub const INTEREST_MESSAGE_MAX_CHARS: usize = 2000;
pub const FOLLOW_UP_NOTE_MAX_CHARS: usize = 2000;

/// Rows of one import; a file with more is refused before anything is checked.
pub const IMPORT_MAX_ROWS: usize = 100_000;
/// Row errors reported one by one; the others are counted.
pub const IMPORT_MAX_REPORTED_ERRORS: usize = 100;
/// Rows of one import whose unknown commune gets "did you mean" suggestions: only the rows
/// whose errors are reported. A suggestion compares the name with every commune of the same
/// initial (a few milliseconds, tens in a debug or fuzzing build), so a file of 100,000 rows
/// of unknown communes cost minutes of CPU; past these, a row is counted without them.
pub const IMPORT_MAX_SUGGESTIONS: usize = IMPORT_MAX_REPORTED_ERRORS;

/// A stored link (how to apply, the original offer): `http(s)://` only.
pub const URL_MAX_CHARS: usize = 2000;

// ---- questions ----

/// A youth's question and its subject: a question, not a letter (a longer story is for a
/// meeting with the counsellor).
pub const QUESTION_MAX_CHARS: usize = 2000;
pub const SUBJECT_MAX_CHARS: usize = 150;
/// The page of the site a question was asked from (a path, kept to link back to it).
pub const QUESTION_PAGE_MAX_CHARS: usize = 300;
/// A counsellor's answer, and the question and answer of a FAQ entry: as long as a guide's
/// section may be, within `BODY_MAX_BYTES`.
pub const ANSWER_MAX_CHARS: usize = 20_000;
/// A FAQ entry's title and summary (shown in lists and in search results), and its publics
/// (taxonomy terms such as "18-25 ans").
pub const FAQ_TITLE_MAX_CHARS: usize = 200;
pub const FAQ_DESCRIPTION_MAX_CHARS: usize = 300;
pub const FAQ_MAX_PUBLICS: usize = 6;
pub const FAQ_PUBLIC_MAX_CHARS: usize = 50;

/// Questions of one youth waiting for an answer: counsellors answer in turn, and a youth
/// who has asked this many waits for them (a form sent in a loop stops here).
pub const QUESTIONS_WAITING_MAX: i64 = 10;

// ---- alerts ----

/// Alerts per youth, and the length of an alert's name.
pub const MAX_ALERTS: usize = 20;
pub const ALERT_NAME_MAX_CHARS: usize = 100;

/// The listing cache: entries kept at once (each holds a page's JSON and HTML, about 80 KB).
pub const LISTING_CACHE_ENTRIES: usize = 500;

// ---- checks ----

/// A number as French writes it: `100 000` (no-break space between groups of three).
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// A search query within bounds: trimmed, at most `QUERY_MAX_CHARS` characters and
/// `QUERY_MAX_WORDS` words; the error names `field`.
pub fn query(field: &'static str, q: &str) -> Result<String, AppError> {
    let q = q.trim();
    if q.chars().count() > QUERY_MAX_CHARS || q.split_whitespace().count() > QUERY_MAX_WORDS {
        return Err(AppError::Invalid(vec![(
            field,
            format!(
                "Votre recherche est trop longue : {QUERY_MAX_WORDS} mots et {QUERY_MAX_CHARS} caractères au plus. Gardez les mots les plus importants."
            ),
        )]));
    }
    Ok(q.to_string())
}

/// A page number within `1..=MAX_PAGE`; the error names `field`.
pub fn page(field: &'static str, page: Option<u32>) -> Result<u32, AppError> {
    match page.unwrap_or(1) {
        0 => Ok(1),
        p if p <= MAX_PAGE => Ok(p),
        _ => Err(AppError::Invalid(vec![(
            field,
            format!("Les résultats s'arrêtent à la page {MAX_PAGE} : précisez votre recherche pour voir les autres."),
        )])),
    }
}

/// Whether `url` is a link Tremplin may store and show: `http://` or `https://`, a host,
/// no whitespace or control character, not too long.
pub fn web_link(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.starts_with('@') && !host.contains('\\')
    }) && url.len() <= URL_MAX_CHARS
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A path on this site, fit to redirect to or to link: it starts with exactly one `/` and
/// holds no backslash, whitespace, control character or `<>"` (browsers drop a tab or a
/// newline, so `/\t/evil.example` would lead to `//evil.example`, another site), and is at
/// most `max_chars` long. Non-ASCII characters come back percent-encoded, as a `Location`
/// header needs them. `None` when it is not such a path.
pub fn local_path(path: &str, max_chars: usize) -> Option<String> {
    let rest = path.strip_prefix('/')?;
    if rest.starts_with('/')
        || path.chars().count() > max_chars
        || path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '\\' | '<' | '>' | '"'))
    {
        return None;
    }
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_bounded_in_characters_and_words() {
        assert_eq!(query("q", "  boulanger  ").unwrap(), "boulanger");
        assert!(query("q", &"mot ".repeat(QUERY_MAX_WORDS)).is_ok());
        let e = query("q", &"mot ".repeat(QUERY_MAX_WORDS + 1)).unwrap_err();
        assert!(e.message().contains("trop longue"), "{}", e.message());
        assert!(query("q", &"a".repeat(QUERY_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn numbers_in_french() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(100_000), "100\u{a0}000");
        assert_eq!(thousands(1_234_567), "1\u{a0}234\u{a0}567");
    }

    #[test]
    fn pages_are_bounded() {
        assert_eq!(page("page", None).unwrap(), 1);
        assert_eq!(page("page", Some(0)).unwrap(), 1);
        assert_eq!(page("page", Some(MAX_PAGE)).unwrap(), MAX_PAGE);
        assert!(page("page", Some(MAX_PAGE + 1)).is_err());
        assert!(page("page", Some(u32::MAX)).is_err());
    }

    #[test]
    fn only_web_links_are_stored() {
        assert!(web_link("https://www.francetravail.fr/offre/123"));
        assert!(web_link("HTTP://exemple.fr"));
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>",
            "https://",
            "https:///chemin",
            "https://exemple.fr/a b",
            "https://exemple.fr/\u{0}",
            "//exemple.fr",
            "ftp://exemple.fr",
        ] {
            assert!(!web_link(bad), "{bad}");
        }
        assert!(!web_link(&format!(
            "https://e.fr/{}",
            "a".repeat(URL_MAX_CHARS)
        )));
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/compte", 100).as_deref(), Some("/compte"));
        assert_eq!(
            local_path("/opportunites?q=boulangère", 100).as_deref(),
            Some("/opportunites?q=boulang%C3%A8re")
        );
        for bad in [
            "",
            "compte",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example/phish",
            "/\r\nSet-Cookie: x=1",
            "/\0",
            "/a b",
            "/<script>",
            "https://evil.example",
            "/\u{a0}/evil.example",
        ] {
            assert_eq!(local_path(bad, 100), None, "{bad:?}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(100)), 100), None);
    }
}
