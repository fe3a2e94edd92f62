//! Readability of French text: Flesch's reading ease as adapted to French by Kandel and Moles
//! (1958), `207 − 1,015 × (mots / phrases) − 73,6 × (syllabes / mots)`, with syllables counted
//! as groups of written vowels (a final silent « e » or « es » left out). 100 and more is very
//! easy; 60 to 70 is everyday French; under 30 is hard.

/// The Kandel & Moles score of a text of `words` words, `sentences` sentences and `syllables`
/// syllables, or `None` for a text without words.
pub fn kandel_moles(words: usize, sentences: usize, syllables: usize) -> Option<f64> {
    if words == 0 || sentences == 0 {
        return None;
    }
    let (w, s, y) = (words as f64, sentences as f64, syllables as f64);
    Some(207.0 - 1.015 * (w / s) - 73.6 * (y / w))
}

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'e'
            | 'i'
            | 'o'
            | 'u'
            | 'y'
            | 'à'
            | 'â'
            | 'ä'
            | 'é'
            | 'è'
            | 'ê'
            | 'ë'
            | 'î'
            | 'ï'
            | 'ô'
            | 'ö'
            | 'ù'
            | 'û'
            | 'ü'
            | 'œ'
            | 'æ'
    )
}

/// The syllables of one word, written French: each group of vowels is one, a final silent
/// « e » or « es » is none (but a word has one at least). Digits count one per number.
pub fn syllables(word: &str) -> usize {
    let (mut count, mut n, mut previous_vowel, mut digits) = (0, 0, false, true);
    // The last three letters, the last one at the end.
    let mut last = ['\0'; 3];
    for c in word.chars().filter(|c| c.is_alphanumeric()) {
        // Accented capitals are rare: the ASCII path first.
        let c = if c.is_ascii() {
            c.to_ascii_lowercase()
        } else {
            c.to_lowercase().next().unwrap_or(c)
        };
        n += 1;
        digits &= c.is_ascii_digit();
        let v = is_vowel(c);
        if v && !previous_vowel {
            count += 1;
        }
        previous_vowel = v;
        last = [last[1], last[2], c];
    }
    if n == 0 {
        return 0;
    }
    if digits {
        return 1;
    }
    let silent_e = n > 2
        && ((last[2] == 'e' && !is_vowel(last[1]))
            || (last[2] == 's' && last[1] == 'e' && n > 3 && !is_vowel(last[0])));
    if silent_e && count > 1 {
        count -= 1;
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_of_french_words() {
        for (word, n) in [
            ("chat", 1),
            ("maison", 2),
            ("formation", 3),
            ("demande", 2),
            ("demandes", 2),
            ("apprentissage", 4),
            ("été", 2),
            ("l'aide", 1),
            ("26", 1),
        ] {
            assert_eq!(syllables(word), n, "{word}");
        }
    }

    #[test]
    fn the_formula_rewards_short_sentences_and_words() {
        let easy = kandel_moles(100, 10, 140).unwrap();
        let hard = kandel_moles(100, 3, 200).unwrap();
        assert!((easy - 93.81).abs() < 0.01, "{easy}");
        assert!(hard < 30.0, "{hard}");
        assert_eq!(kandel_moles(0, 0, 0), None);
    }
}
