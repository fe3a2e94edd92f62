//! Dates: parsing front-matter dates and writing them in French (`12 mars 2025`).

use chrono::{Datelike, NaiveDate, NaiveDateTime};

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A date as counsellors write it: `2025-03-12`, `2025-03-12T10:00:00`, with or without offset.
/// Only the calendar date is kept: the site shows days, not hours.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(dt.date_naive());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(dt.date());
        }
    }
    // A date followed by anything time-like (fractions, `Z`): keep the date part if it parses.
    if t.len() > 10 && t.is_char_boundary(10) {
        if let Ok(d) = NaiveDate::parse_from_str(&t[..10], "%Y-%m-%d") {
            let rest = &t[10..];
            if rest.starts_with('T') || rest.starts_with(' ') {
                return Some(d);
            }
        }
    }
    None
}

/// `12 mars 2025`, `1er janvier 2026`.
pub fn format_fr(date: NaiveDate) -> String {
    let day = date.day();
    let month = MONTHS[date.month0() as usize];
    if day == 1 {
        format!("1er {month} {}", date.year())
    } else {
        format!("{day} {month} {}", date.year())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<&str>) {
        assert_eq!(
            parse_date(input).map(format_fr).as_deref(),
            expected,
            "date {input:?}"
        );
    }

    #[test]
    fn parses_and_formats() {
        check("2025-03-12", Some("12 mars 2025"));
        check("2026-01-01", Some("1er janvier 2026"));
        check("2025-08-15T10:30:00", Some("15 août 2025"));
        check("2025-12-24T10:30:00+01:00", Some("24 décembre 2025"));
        check("2025-02-03 08:00", Some("3 février 2025"));
        check("2025-13-45", None);
        check("12/03/2025", None);
        check("", None);
    }
}
