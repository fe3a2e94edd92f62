//! French job words brought to one form before stemming, on both sides (documents and
//! queries) and so in both engines: feminine job titles meet the masculine ones
//! (« coiffeuse » = « coiffeur », « technicienne » = « technicien »), and a few fields and
//! verbs meet their job (« menuiserie » = « menuisier », « coiffure » = « coiffeur »).
//!
//! Three sources, looked up in this order on a folded word (lower case, no accents), then on
//! the word without its plural `s`:
//! 1. the table `data/metiers.tsv` (feminine word → masculine word), made by
//!    `tools/rome/build.py` from France Travail's ROME job titles (Licence Ouverte);
//! 2. [`REVIEWED`]: irregular feminines the ROME does not spell, and the small reviewed list
//!    of fields and verbs, each mapped to its job;
//! 3. suffix rules for feminine words outside both (-euse, -trice, -ière, -enne, -ère,
//!    -eure, -ée, -ive), which leave common adjectives in -euse alone.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

/// `feminine<TAB>masculine`, folded, one pair a line (see `tools/rome/README.md`).
const TABLE: &str = include_str!("../data/metiers.tsv");

/// Reviewed by hand: (folded word, folded job word it stands for). Irregular feminines
/// first, then fields and verbs that youths type for the job. Kept small on purpose: each
/// entry makes a query for one word also find the other, everywhere in the text.
pub(crate) const REVIEWED: &[(&str, &str)] = &[
    // Irregular feminines, or ones the rules below get wrong.
    ("cheffe", "chef"),
    ("doctoresse", "docteur"),
    ("docteure", "docteur"),
    ("poetesse", "poete"),
    ("speakerine", "speaker"),
    ("maitresse", "maitre"),
    ("hotesse", "hote"),
    ("copine", "copain"),
    ("conseillere", "conseiller"),
    ("pizzaiola", "pizzaiolo"),
    // A job and its field or its verb.
    ("menuiserie", "menuisier"),
    ("informatique", "informaticien"),
    ("mecanique", "mecanicien"),
    ("mecano", "mecanicien"),
    ("boulangerie", "boulanger"),
    ("coiffure", "coiffeur"),
    ("coiffer", "coiffeur"),
    ("soin", "soignant"),
    ("soigner", "soignant"),
    ("cuisine", "cuisinier"),
    ("cuisiner", "cuisinier"),
    ("plomberie", "plombier"),
    ("electricite", "electricien"),
    ("maconnerie", "macon"),
    ("boucherie", "boucher"),
    ("patisserie", "patissier"),
    ("charcuterie", "charcutier"),
    ("comptabilite", "comptable"),
    ("jardinage", "jardinier"),
    ("jardiner", "jardinier"),
    ("livraison", "livreur"),
    ("livrer", "livreur"),
    ("soudure", "soudeur"),
    ("souder", "soudeur"),
    ("carrosserie", "carrossier"),
    ("animation", "animateur"),
    ("enseignement", "enseignant"),
    ("enseigner", "enseignant"),
    ("couture", "couturier"),
    ("esthetique", "estheticien"),
    ("electronique", "electronicien"),
    ("agriculture", "agriculteur"),
    ("pharmacie", "pharmacien"),
    ("photographie", "photographe"),
    ("programmation", "programmeur"),
    ("graphisme", "graphiste"),
    ("vente", "vendeur"),
    ("vendre", "vendeur"),
    ("secretariat", "secretaire"),
    ("peinture", "peintre"),
    ("hotellerie", "hotelier"),
];

/// Feminine suffix → masculine suffix, the longest first. Applied to words of six letters or
/// more that neither the table nor [`REVIEWED`] knows.
const RULES: &[(&str, &str)] = &[
    ("chere", "cher"),
    ("drice", "deur"),
    ("llere", "ller"),
    ("trice", "teur"),
    ("euse", "eur"),
    ("iere", "ier"),
    ("enne", "en"),
    ("eure", "eur"),
    ("gere", "ger"),
    ("ive", "if"),
    ("ee", "e"),
];

/// Rules that need a longer word than [`RULES`]' six letters: « entrée » stays apart from
/// « entre ».
const LONGER: &[(&str, usize)] = &[("ee", 7)];

/// Words in -euse that are adjectives (« heureuse », « sérieuse », « nombreuse »): the
/// stemmer already brings them to their masculine in -eux, so the -euse rule leaves them.
const ADJECTIVE_EUSE: &[&str] = &[
    "ieuse", "ueuse", "ereuse", "oureuse", "ureuse", "breuse", "oyeuse", "ineuse", "uleuse",
    "ageuse", "esseuse", "geuse",
];

static LOOKUP: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, &'static str> = TABLE
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .collect();
    map.extend(REVIEWED.iter().copied());
    map
});

/// The job form of a folded word: its masculine, or the job of its field or verb; the word
/// itself when none applies.
pub(crate) fn canonical(folded: &str) -> Cow<'_, str> {
    if let Some(job) = LOOKUP.get(folded) {
        return Cow::Borrowed(job);
    }
    if let Some(singular) = folded.strip_suffix('s') {
        if let Some(job) = LOOKUP.get(singular) {
            return Cow::Borrowed(job);
        }
        if let Some(job) = by_rule(singular) {
            return Cow::Owned(job);
        }
    }
    match by_rule(folded) {
        Some(job) => Cow::Owned(job),
        None => Cow::Borrowed(folded),
    }
}

fn by_rule(folded: &str) -> Option<String> {
    if folded.len() < 6 || !folded.is_ascii() {
        return None;
    }
    let (feminine, masculine) = RULES.iter().find(|(f, _)| folded.ends_with(f))?;
    if LONGER
        .iter()
        .any(|(suffix, length)| suffix == feminine && folded.len() < *length)
    {
        return None;
    }
    if *feminine == "euse" && ADJECTIVE_EUSE.iter().any(|a| folded.ends_with(a)) {
        return None;
    }
    let base = &folded[..folded.len() - feminine.len()];
    Some(format!("{base}{masculine}"))
}

/// How many feminine words the ROME table holds (for tests and `tremplin check`).
#[cfg(test)]
pub(crate) fn table_len() -> usize {
    TABLE.lines().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(word: &str, expected: &str) {
        assert_eq!(canonical(word), expected, "{word}");
    }

    #[test]
    fn the_table_is_loaded() {
        assert!(table_len() > 300, "{}", table_len());
        check("coiffeuse", "coiffeur");
        check("conductrice", "conducteur");
        check("infirmiere", "infirmier");
        check("technicienne", "technicien");
        check("boulangere", "boulanger");
        check("assistante", "assistant");
        check("cheffe", "chef");
        check("hotesse", "hote");
    }

    #[test]
    fn plurals_are_looked_up_singular() {
        check("coiffeuses", "coiffeur");
        check("infirmieres", "infirmier");
        check("boulangeries", "boulanger");
    }

    #[test]
    fn rules_cover_words_outside_the_table() {
        for (word, expected) in [
            ("chanteuse", "chanteur"),
            ("baigneuse", "baigneur"),
            ("jongleuse", "jongleur"),
            ("factrice", "facteur"),
            ("autrice", "auteur"),
            ("inventrice", "inventeur"),
            ("ambassadrice", "ambassadeur"),
            ("potiere", "potier"),
            ("chocolatiere", "chocolatier"),
            ("magicienne", "magicien"),
            ("pharmacienne", "pharmacien"),
            ("bergere", "berger"),
            ("horlogere", "horloger"),
            ("vachere", "vacher"),
            ("professeure", "professeur"),
            ("salariee", "salarie"),
            ("employee", "employe"),
            ("sportive", "sportif"),
            ("chanteuses", "chanteur"),
        ] {
            check(word, expected);
        }
    }

    #[test]
    fn adjectives_and_other_words_are_left_alone() {
        for word in [
            "heureuse",
            "serieuse",
            "nombreuse",
            "joyeuse",
            "courageuse",
            "dangereuse",
            "curieuse",
            "paresseuse",
            "mere",
            "frere",
            "colere",
            "heure",
            "stage",
            "formation",
            "jeune",
            "emploi",
            "entree",
        ] {
            check(word, word);
        }
    }

    #[test]
    fn fields_and_verbs_meet_their_job() {
        check("menuiserie", "menuisier");
        check("informatique", "informaticien");
        check("mecanique", "mecanicien");
        check("boulangerie", "boulanger");
        check("coiffure", "coiffeur");
        check("soins", "soignant");
        check("soignante", "soignant");
    }

    /// Every ROME title in both genders (`tests/data/rome_titles.tsv`, 1,215 of them, from
    /// the same generator) analyses to the same stems in either gender.
    #[test]
    fn rome_titles_meet_in_both_genders() {
        let stems = |title: &str| -> Vec<String> {
            crate::text::words(title)
                .into_iter()
                .map(|w| w.stem)
                .collect()
        };
        let titles = include_str!("../tests/data/rome_titles.tsv");
        let mut checked = 0;
        let mut failures = Vec::new();
        for line in titles.lines() {
            let mut columns = line.split('\t');
            let (_, masculine, feminine) = (
                columns.next().unwrap(),
                columns.next().unwrap(),
                columns.next().unwrap(),
            );
            checked += 1;
            if stems(masculine) != stems(feminine) {
                failures.push(format!("{masculine} ≠ {feminine}"));
            }
        }
        assert!(checked >= 150, "{checked}");
        assert!(failures.is_empty(), "{} : {failures:#?}", failures.len());
    }

    #[test]
    fn every_table_pair_meets_and_masculines_stay() {
        for line in TABLE.lines() {
            let (feminine, masculine) = line.split_once('\t').unwrap();
            check(feminine, masculine);
            check(masculine, masculine);
        }
    }

    #[test]
    fn reviewed_entries_are_folded_and_do_not_chain() {
        for (word, job) in REVIEWED {
            assert_eq!(crate::text::fold(word), *word);
            assert_eq!(crate::text::fold(job), *job);
            assert_eq!(canonical(job), *job, "{word} → {job} → {}", canonical(job));
        }
    }
}
