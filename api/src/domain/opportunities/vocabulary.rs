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

/// A kind as typed in a file or a form: its slug, label, or a close spelling.
pub fn parse_kind(input: &str) -> Option<Kind> {
    let f = fold(input).replace([' ', '_'], "-");
    let f = f.trim_matches('-');
    Kind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == f || fold(k.label()).replace(' ', "-") == f)
        .or(match f {
            "cdi" | "cdd" | "interim" | "job" => Some(Kind::Job),
            "apprentissage" | "contrat-d-apprentissage" | "professionnalisation" => {
                Some(Kind::WorkStudy)
            }
            "evenements" | "atelier" | "forum" => Some(Kind::Event),
            "service-civique-volontariat" | "volontariat" => Some(Kind::CivicService),
            _ => None,
        })
}

/// A level as typed: its slug, or a common spelling ("BAC+2", "Niveau 5", "aucun").
pub fn parse_level(input: &str) -> Option<Level> {
    let f = fold(input).replace(' ', "");
    match f.as_str() {
        "" | "aucun" | "sansdiplome" | "aucundiplome" | "aucundiplomedemande" | "niveau3" => {
            Some(Level::None)
        }
        "cap" | "bep" | "cap,bep" | "cap-bep" | "capbep" | "niveau3cap" => Some(Level::Cap),
        "bac" | "niveau4" | "baccalaureat" => Some(Level::Bac),
        "bac+2" | "bac2" | "niveau5" | "bts" | "but" | "dut" => Some(Level::Bac2),
        "bac+3" | "bac3" | "niveau6" | "licence" => Some(Level::Bac3),
        "bac+5" | "bac5" | "niveau7" | "master" => Some(Level::Bac5),
        _ => None,
    }
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
