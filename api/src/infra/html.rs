//! Escaping what the API writes into HTML or XML itself (feeds, the preview's box, search
//! titles), and into addresses. One escaper for the site and the API: the generator's.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Text made safe inside HTML or XML (element content and quoted attributes).
pub use tremplin_generator::markdown::attr as escape;

/// What stays as is in a path or a query value: letters, digits, `-_.~` and `/`.
const KEPT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// A path or a query value percent-encoded for an address we write (`/` kept).
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, KEPT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_encodes() {
        assert_eq!(
            escape("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(
            encode("/compte/export?x=é & y"),
            "/compte/export%3Fx%3D%C3%A9%20%26%20y"
        );
        assert_eq!(encode("ml-lille_2.0~"), "ml-lille_2.0~");
    }
}
