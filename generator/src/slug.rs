//! French-friendly slugs for URLs and heading ids: `Où s'inscrire ?` → `ou-s-inscrire`.

/// Lowercase ASCII, accents folded, every run of other characters one `-`, trimmed.
pub fn slugify(text: &str) -> String {
    let folded = deunicode::deunicode(text);
    let mut out = String::with_capacity(folded.len());
    let mut dash = false;
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// Slugs made unique within one page: the second `etapes` becomes `etapes-1`.
#[derive(Debug, Default)]
pub struct UniqueSlugs {
    seen: std::collections::HashSet<String>,
}

impl UniqueSlugs {
    pub fn insert(&mut self, wanted: &str) -> String {
        let base = if wanted.is_empty() {
            "section".to_string()
        } else {
            wanted.to_string()
        };
        let mut candidate = base.clone();
        let mut n = 1;
        while self.seen.contains(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        self.seen.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(slugify(input), expected, "slug of {input:?}");
    }

    #[test]
    fn french_slugs() {
        check("Où s'inscrire ?", "ou-s-inscrire");
        check("Étape 1 : faire le point", "etape-1-faire-le-point");
        check("L'essentiel", "l-essentiel");
        check("Argent et droits", "argent-et-droits");
        check("  Mobilité  ", "mobilite");
        check("Œuvre & cœur", "oeuvre-coeur");
        check("16-17 ans", "16-17-ans");
        check("?!", "");
    }

    #[test]
    fn unique_per_page() {
        let mut u = UniqueSlugs::default();
        assert_eq!(u.insert("etapes"), "etapes");
        assert_eq!(u.insert("etapes"), "etapes-1");
        assert_eq!(u.insert("etapes"), "etapes-2");
        assert_eq!(u.insert(""), "section");
    }
}
