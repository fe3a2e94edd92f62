//! Dates and times: today's date as the listing's expiry reads it (UTC).

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}
