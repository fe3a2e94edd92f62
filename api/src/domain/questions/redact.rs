//! Personal details (emails, phone numbers, the youth's first name) found and removed before a question becomes public.

/// What `scrub` removed from a text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Scrubbed {
    pub emails: usize,
    pub phones: usize,
    pub names: usize,
}

impl Scrubbed {
    pub fn any(&self) -> bool {
        self.emails + self.phones + self.names > 0
    }

    pub fn add(&mut self, other: Scrubbed) {
        self.emails += other.emails;
        self.phones += other.phones;
        self.names += other.names;
    }

    /// A French sentence saying what was removed, or `None`.
    pub fn warning(&self) -> Option<String> {
        let mut parts = Vec::new();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n > 1 { many } else { one });
        if self.emails > 0 {
            parts.push(plural(
                self.emails,
                "adresse électronique",
                "adresses électroniques",
            ));
        }
        if self.phones > 0 {
            parts.push(plural(
                self.phones,
                "numéro de téléphone",
                "numéros de téléphone",
            ));
        }
        if self.names > 0 {
            parts.push(plural(
                self.names,
                "fois le prénom du jeune",
                "fois le prénom du jeune",
            ));
        }
        (!parts.is_empty()).then(|| {
            format!(
                "Nous avons retiré du texte : {}. Relisez le texte et retirez aussi tout autre détail personnel (nom, adresse, lieu de travail…).",
                parts.join(", ")
            )
        })
    }
}

pub const EMAIL_MARK: &str = "[adresse retirée]";
pub const PHONE_MARK: &str = "[numéro retiré]";
pub const NAME_MARK: &str = "[prénom]";

fn email_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// Removes email addresses, phone numbers (9 to 15 digits, with spaces, dots or dashes
/// between them, `+33` or not) and the given names (whole words, any case) from `text`.
pub fn scrub(text: &str, names: &[&str]) -> (String, Scrubbed) {
    let mut found = Scrubbed::default();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        // An email: around an '@', a local part and a domain with a dot.
        if chars[i] == '@' {
            let mut start = i;
            while start > 0 && email_char(chars[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && email_char(chars[end]) {
                end += 1;
            }
            let mut domain: String = chars[i + 1..end].iter().collect();
            while domain.ends_with(['.', '-']) {
                domain.pop();
                end -= 1;
            }
            let local_len = i - start;
            let local_in_out: usize = chars[start..i].iter().map(|c| c.len_utf8()).sum();
            if local_len > 0 && domain.contains('.') && !domain.starts_with('.') {
                out.truncate(out.len() - local_in_out);
                out.push_str(EMAIL_MARK);
                found.emails += 1;
                i = end;
                continue;
            }
        }
        // A phone number: starts with a digit or '+', not inside a word or a number.
        let starts = (chars[i].is_ascii_digit() || chars[i] == '+')
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '+'));
        if starts {
            let mut j = i + usize::from(chars[i] == '+');
            let mut digits = 0;
            let mut last_digit_end = i;
            while j < chars.len() {
                if chars[j].is_ascii_digit() {
                    digits += 1;
                    j += 1;
                    last_digit_end = j;
                } else if matches!(chars[j], ' ' | '.' | '-' | '\u{a0}' | '\u{202f}')
                    && j + 1 < chars.len()
                    && chars[j + 1].is_ascii_digit()
                    && j > i
                    && chars[j - 1].is_ascii_digit()
                {
                    j += 1;
                } else if chars[j] == '('
                    && j + 2 < chars.len()
                    && chars[j + 1] == '0'
                    && chars[j + 2] == ')'
                {
                    // +33 (0)6 12 34 56 78
                    j += 3;
                } else {
                    break;
                }
            }
            let followed_by_word =
                last_digit_end < chars.len() && chars[last_digit_end].is_alphanumeric();
            if (9..=15).contains(&digits) && !followed_by_word {
                out.push_str(PHONE_MARK);
                found.phones += 1;
                i = last_digit_end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    // Names, as whole words.
    for name in names
        .iter()
        .map(|n| n.trim())
        .filter(|n| n.chars().count() >= 2)
    {
        let (replaced, n) = replace_word(&out, name);
        out = replaced;
        found.names += n;
    }
    (out, found)
}

/// Replaces every whole-word, case-insensitive occurrence of `word` by `NAME_MARK`.
fn replace_word(text: &str, word: &str) -> (String, usize) {
    let lower_word: Vec<char> = word.to_lowercase().chars().collect();
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut i = 0;
    while i < chars.len() {
        let fits = i + lower_word.len() <= chars.len()
            && lower[i..i + lower_word.len()] == lower_word[..]
            && (i == 0 || !chars[i - 1].is_alphanumeric())
            && chars
                .get(i + lower_word.len())
                .is_none_or(|c| !c.is_alphanumeric());
        if fits {
            out.push_str(NAME_MARK);
            count += 1;
            i += lower_word.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    (out, count)
}
