//! Dates and times through chrono: today's date as the listing's expiry reads it (UTC),
//! times as `2026-11-28T21:07:17Z`, dates as people type them, and dates in French for
//! pages (the generator's formatter, so the site and the API write them alike).

use chrono::NaiveDate;

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

/// A time (unix seconds) as `2026-11-28T21:07:17Z`.
pub fn iso(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// A date as a person or a file writes it: `2026-03-01`, `01/03/2026`, or an ISO date-time.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let head = s.get(..10).unwrap_or(s);
    NaiveDate::parse_from_str(head, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// A date in French for pages ("1er mars 2026"); what does not read as a date stays as is.
pub fn date_fr(iso_date: &str) -> String {
    match parse_date(iso_date) {
        Some(d) => tremplin_generator::dates::format_fr(d),
        None => iso_date.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_795_900_037), "2026-11-28T21:07:17Z");
    }

    #[test]
    fn dates_in_three_spellings() {
        assert_eq!(parse_date("2026-03-01").unwrap().to_string(), "2026-03-01");
        assert_eq!(parse_date("01/03/2026").unwrap().to_string(), "2026-03-01");
        assert_eq!(
            parse_date("2026-03-01T10:20:00.000Z").unwrap().to_string(),
            "2026-03-01"
        );
        assert!(parse_date("1er mars").is_none());
        assert_eq!(date_fr("2026-03-01"), "1er mars 2026");
    }
}
