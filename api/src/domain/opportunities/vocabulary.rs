//! The opportunities' vocabularies — kinds, levels, statuses, what followed an interest —
//! each slug and label written once, and what people type for them read back.

use crate::infra::vocabulary::vocabulary;

vocabulary! {
    /// The kind of an opportunity.
    pub enum Kind {
        Job = ("emploi", "Emploi"),
        WorkStudy = ("alternance", "Alternance"),
        Internship = ("stage", "Stage"),
        Training = ("formation", "Formation"),
        CivicService = ("service-civique", "Service civique"),
        SeasonalJob = ("job-saisonnier", "Job saisonnier"),
        Volunteering = ("benevolat", "Bénévolat"),
        Event = ("evenement", "Événement"),
    }
}

vocabulary! {
    /// The level an opportunity asks for, from none to the highest. A youth who gives a
    /// level sees what asks for that level or less.
    pub enum Level {
        None = ("", "Aucun diplôme demandé"),
        Cap = ("cap", "CAP, BEP"),
        Bac = ("bac", "Bac"),
        Bac2 = ("bac+2", "Bac + 2 (BTS, BUT…)"),
        Bac3 = ("bac+3", "Bac + 3 (licence…)"),
        Bac5 = ("bac+5", "Bac + 5 (master…)"),
    }
}

vocabulary! {
    /// An opportunity's status. `Expired` is also what a published opportunity becomes by
    /// itself once its deadline has passed.
    pub enum Status {
        Draft = ("brouillon", "Brouillon"),
        Published = ("publiee", "Publiée"),
        Filled = ("pourvue", "Pourvue"),
        Expired = ("expiree", "Expirée"),
    }
}

vocabulary! {
    /// What a counsellor did after a youth said "ça m'intéresse".
    pub enum InterestState {
        New = ("nouveau", "Nouveau"),
        Contacted = ("contacte", "Contacté"),
        Succeeded = ("abouti", "Abouti"),
        Dropped = ("sans_suite", "Sans suite"),
    }
}

impl Level {
    /// The position among the levels (0: no diploma asked): "my level or less" is a range.
    pub fn rank(self) -> i64 {
        Level::ALL.iter().position(|l| *l == self).unwrap_or(0) as i64
    }
}

/// What real exports and forms write for each kind, beside its slug and label: one table,
/// read through `alias_key` (case, accents, spaces and punctuation aside).
const KIND_ALIASES: &[(&str, Kind)] = &[
    ("emplois", Kind::Job),
    ("offre d'emploi", Kind::Job),
    ("offres d'emploi", Kind::Job),
    ("CDI", Kind::Job),
    ("CDD", Kind::Job),
    ("intérim", Kind::Job),
    ("mission d'intérim", Kind::Job),
    ("travail temporaire", Kind::Job),
    ("job", Kind::Job),
    ("contrat aidé", Kind::Job),
    ("PEC", Kind::Job),
    ("parcours emploi compétences", Kind::Job),
    ("CDD d'insertion", Kind::Job),
    ("CDDI", Kind::Job),
    ("apprentissage", Kind::WorkStudy),
    ("apprenti", Kind::WorkStudy),
    ("contrat d'apprentissage", Kind::WorkStudy),
    ("contrat de professionnalisation", Kind::WorkStudy),
    ("contrat pro", Kind::WorkStudy),
    ("professionnalisation", Kind::WorkStudy),
    ("alternances", Kind::WorkStudy),
    ("stages", Kind::Internship),
    ("PMSMP", Kind::Internship),
    ("immersion", Kind::Internship),
    ("immersion professionnelle", Kind::Internship),
    (
        "période de mise en situation en milieu professionnel",
        Kind::Internship,
    ),
    ("stage d'observation", Kind::Internship),
    ("formations", Kind::Training),
    ("formation qualifiante", Kind::Training),
    ("formation professionnelle", Kind::Training),
    ("volontariat", Kind::CivicService),
    ("service civique volontariat", Kind::CivicService),
    ("mission de service civique", Kind::CivicService),
    ("volontariat de service civique", Kind::CivicService),
    ("jobs saisonniers", Kind::SeasonalJob),
    ("saisonnier", Kind::SeasonalJob),
    ("emploi saisonnier", Kind::SeasonalJob),
    ("travail saisonnier", Kind::SeasonalJob),
    ("CDD saisonnier", Kind::SeasonalJob),
    ("job d'été", Kind::SeasonalJob),
    ("jobs d'été", Kind::SeasonalJob),
    ("bénévole", Kind::Volunteering),
    ("mission de bénévolat", Kind::Volunteering),
    ("événements", Kind::Event),
    ("atelier", Kind::Event),
    ("forum", Kind::Event),
    ("salon", Kind::Event),
    ("job dating", Kind::Event),
    ("réunion d'information", Kind::Event),
    ("information collective", Kind::Event),
    ("journée portes ouvertes", Kind::Event),
    ("portes ouvertes", Kind::Event),
];

/// What real exports write for each level (France Travail, spreadsheets of the Missions
/// Locales, the two French nomenclatures of levels: 2019's numbers, 1969's roman numerals),
/// beside the slugs. Qualifiers after the level (« et équivalents », « et plus »…) are
/// dropped first (`LEVEL_QUALIFIERS`). « Bac+4 » is left out: it is neither bac+3 nor bac+5.
const LEVEL_ALIASES: &[(&str, Level)] = &[
    ("aucun", Level::None),
    ("aucune", Level::None),
    ("aucun diplôme", Level::None),
    ("aucun diplôme demandé", Level::None),
    ("aucune formation", Level::None),
    ("sans diplôme", Level::None),
    ("sans qualification", Level::None),
    ("pas de diplôme", Level::None),
    ("non diplômé", Level::None),
    ("brevet des collèges", Level::None),
    ("CFG", Level::None),
    ("niveau 1", Level::None),
    ("niveau 2", Level::None),
    ("niveau VI", Level::None),
    ("CAP", Level::Cap),
    ("BEP", Level::Cap),
    ("CAP, BEP", Level::Cap),
    ("CAP/BEP", Level::Cap),
    ("CAP ou BEP", Level::Cap),
    ("niveau 3", Level::Cap),
    ("niveau V", Level::Cap),
    ("bac", Level::Bac),
    ("baccalauréat", Level::Bac),
    ("bac pro", Level::Bac),
    ("bac professionnel", Level::Bac),
    ("bac général", Level::Bac),
    ("bac technologique", Level::Bac),
    ("brevet professionnel", Level::Bac),
    ("niveau bac", Level::Bac),
    ("niveau 4", Level::Bac),
    ("niveau IV", Level::Bac),
    ("bac+2", Level::Bac2),
    ("BTS", Level::Bac2),
    ("BUT", Level::Bac2),
    ("DUT", Level::Bac2),
    ("DEUG", Level::Bac2),
    ("niveau 5", Level::Bac2),
    ("niveau III", Level::Bac2),
    ("bac+3", Level::Bac3),
    ("licence", Level::Bac3),
    ("licence pro", Level::Bac3),
    ("licence professionnelle", Level::Bac3),
    ("bachelor", Level::Bac3),
    ("niveau 6", Level::Bac3),
    ("niveau II", Level::Bac3),
    ("bac+5", Level::Bac5),
    ("master", Level::Bac5),
    ("diplôme d'ingénieur", Level::Bac5),
    ("niveau 7", Level::Bac5),
    ("niveau I", Level::Bac5),
];

/// What may follow a level without changing it, as `alias_key` writes it.
const LEVEL_QUALIFIERS: &[&str] = &[
    "etequivalents",
    "etequivalent",
    "ouequivalents",
    "ouequivalent",
    "equivalents",
    "equivalent",
    "etplus",
    "ouplus",
    "minimum",
    "exige",
    "requis",
    "souhaite",
    "obligatoire",
];

/// A label as the tables compare it: without accents, lowercase, only letters, digits and
/// `+` (« CAP/BEP », « cap-bep » and « Cap Bep » are one key).
fn alias_key(s: &str) -> String {
    deunicode::deunicode(s)
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
        .collect()
}

fn kind_table() -> &'static std::collections::HashMap<String, Kind> {
    static TABLE: std::sync::OnceLock<std::collections::HashMap<String, Kind>> =
        std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let own = Kind::ALL
            .iter()
            .flat_map(|k| [(k.as_str(), *k), (k.label(), *k)]);
        own.chain(KIND_ALIASES.iter().copied())
            .map(|(label, k)| (alias_key(label), k))
            .collect()
    })
}

fn level_table() -> &'static std::collections::HashMap<String, Level> {
    static TABLE: std::sync::OnceLock<std::collections::HashMap<String, Level>> =
        std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let own = Level::ALL.iter().map(|l| (l.as_str(), *l));
        own.chain(LEVEL_ALIASES.iter().copied())
            .map(|(label, l)| (alias_key(label), l))
            .collect()
    })
}

/// A kind as typed in a file or a form: its slug, its label, or a spelling of
/// `KIND_ALIASES` (« CDI », « Contrat d'apprentissage », « Job d'été »…).
pub fn parse_kind(input: &str) -> Option<Kind> {
    kind_table().get(&alias_key(input)).copied()
}

/// A level as typed: its slug, or a spelling of `LEVEL_ALIASES` (« CAP/BEP », « CAP, BEP
/// et équivalents », « Bac+3 et plus », « sans diplôme », « niveau 4 »…). When a label lists
/// several levels (« Bac+3, Bac+4 ou équivalents »), the first, the lowest asked, counts.
pub fn parse_level(input: &str) -> Option<Level> {
    let table = level_table();
    let find = |text: &str| {
        let mut key = alias_key(text);
        loop {
            if let Some(l) = table.get(&key) {
                return Some(*l);
            }
            match LEVEL_QUALIFIERS
                .iter()
                .find_map(|q| key.strip_suffix(q).filter(|rest| !rest.is_empty()))
            {
                Some(shorter) => key = shorter.to_owned(),
                None => return None,
            }
        }
    };
    find(input).or_else(|| {
        let first = input.split([',', ';']).next()?;
        (first.len() < input.len()).then(|| find(first)).flatten()
    })
}

/// A status as typed: its slug or its label, accents and case aside.
pub fn parse_status(input: &str) -> Option<Status> {
    let f = fold(input);
    Status::ALL
        .iter()
        .copied()
        .find(|s| s.as_str() == input || fold(s.label()) == f)
}

/// Lowercase, without accents, apostrophes as spaces: for comparisons and keyword search.
pub fn fold(s: &str) -> String {
    deunicode::deunicode(s)
        .to_lowercase()
        .replace(['\'', '’'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
