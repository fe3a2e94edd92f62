//! Opportunities: what a structure publishes (jobs, apprenticeships, trainings, civic service,
//! events…), what youths save and say they are interested in, and what counsellors do with it.
//! Every statement about them is here; `web_opportunities` is their HTTP side and `import`
//! reads files of them.
//!
//! A change that the search index must follow writes a row to `search_outbox` in the same
//! transaction, so the index can never miss it.

pub mod alternatives;
pub mod batch;
pub mod document;
pub mod draft;
pub mod export;
pub mod import;
pub mod interests;
pub mod listing;
pub mod store;
pub mod vocabulary;

pub use alternatives::*;
pub use batch::*;
pub use document::IndexSource;
pub use draft::*;
pub use export::*;
pub use interests::*;
pub use listing::*;
pub use store::*;
pub use vocabulary::{
    fold, parse_kind, parse_level, parse_status, InterestState, Kind, Level, Status,
};

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::domain::accounts::{Role, Structure, StructureRef, User};
use crate::infra::communes;
use crate::infra::db::{is_unique_violation, now, Db};
use crate::infra::error::{AppError, FieldErrors};
use crate::infra::limits;
use crate::infra::time::{iso, parse_date, today};
use crate::infra::vocabulary::slug;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_levels_read_as_people_write_them() {
        let kind = |s| parse_kind(s).map(Kind::as_str);
        let level = |s| parse_level(s).map(Level::as_str);
        assert_eq!(kind("Service civique"), Some("service-civique"));
        assert_eq!(kind("ÉVÉNEMENT"), Some("evenement"));
        assert_eq!(kind("apprentissage"), Some("alternance"));
        assert_eq!(kind("n'importe"), None);
        assert_eq!(level("BAC+2"), Some("bac+2"));
        assert_eq!(level("aucun"), Some(""));
        assert_eq!(level("doctorat"), None);
    }

    /// The labels of real exports, through the one table of aliases per vocabulary.
    #[test]
    fn labels_of_real_exports_are_read() {
        let level = |s| parse_level(s).map(Level::as_str);
        for (label, expected) in [
            ("CAP/BEP", "cap"),
            ("CAP, BEP et équivalents", "cap"),
            ("cap-bep", "cap"),
            ("Bac+3 et plus", "bac+3"),
            ("Bac + 3 et plus", "bac+3"),
            ("sans diplôme", ""),
            ("Sans Diplome", ""),
            ("Bac+2", "bac+2"),
            ("BAC +2 ou équivalents", "bac+2"),
            ("niveau bac", "bac"),
            ("Niveau Bac", "bac"),
            ("Bac pro", "bac"),
            ("niveau 4", "bac"),
            ("Niveau IV", "bac"),
            ("niveau 3", "cap"),
            ("Niveau V", "cap"),
            ("BTS", "bac+2"),
            ("Licence pro", "bac+3"),
            ("Master", "bac+5"),
            ("Bac+5 et plus ou équivalents", "bac+5"),
            ("Bac+3, Bac+4 ou équivalents", "bac+3"),
        ] {
            assert_eq!(level(label), Some(expected), "{label}");
        }
        for label in ["Bac+4", "bac+7", "CAP BEP BAC", "niveau", "et plus"] {
            assert_eq!(level(label), None, "{label}");
        }
        let kind = |s| parse_kind(s).map(Kind::as_str);
        for (label, expected) in [
            ("CDI", "emploi"),
            ("Offre d'emploi", "emploi"),
            ("Intérim", "emploi"),
            ("Contrat d'apprentissage", "alternance"),
            ("Contrat de professionnalisation", "alternance"),
            ("contrat pro", "alternance"),
            ("Stages", "stage"),
            ("PMSMP", "stage"),
            ("Immersion professionnelle", "stage"),
            ("Formations", "formation"),
            ("Mission de service civique", "service-civique"),
            ("service_civique", "service-civique"),
            ("Job d'été", "job-saisonnier"),
            ("Saisonnier", "job-saisonnier"),
            ("Bénévole", "benevolat"),
            ("Job dating", "evenement"),
            ("Réunion d'information", "evenement"),
            ("EVENEMENTS", "evenement"),
        ] {
            assert_eq!(kind(label), Some(expected), "{label}");
        }
        for label in ["fusée", "emploi fictif", "stagiaire du mois"] {
            assert_eq!(kind(label), None, "{label}");
        }
    }

    #[test]
    fn every_wrong_field_is_reported() {
        let d = Draft {
            kind: "fusée".into(),
            places: "-3".into(),
            deadline: "demain".into(),
            apply: "par pigeon".into(),
            ..Draft::default()
        };
        let errors = validate(&d).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.0).collect();
        for f in ["kind", "title", "town", "places", "deadline", "apply"] {
            assert!(fields.contains(&f), "{f} missing from {errors:?}");
        }
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_cell("a;b"), "\"a;b\"");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("dit \"oui\""), "\"dit \"\"oui\"\"\"");
    }

    /// Each bound of `limits` on an opportunity's fields holds at its value and refuses one
    /// more, in French, naming the field.
    #[test]
    fn fields_are_bounded_by_limits() {
        let good = Draft {
            kind: "emploi".into(),
            title: "Vendeur".into(),
            town: "Lille".into(),
            ..Draft::default()
        };
        assert!(validate(&good).is_ok());
        let text = |n: usize| "a".repeat(n);
        let themes = |n: usize| (0..n).map(|i| format!("theme{i}")).collect::<Vec<_>>();
        let title = |n| Draft {
            title: text(n),
            ..good.clone()
        };
        let organisation = |n| Draft {
            organisation: text(n),
            ..good.clone()
        };
        let description = |n| Draft {
            description: text(n),
            ..good.clone()
        };
        let source = |n| Draft {
            source: text(n),
            ..good.clone()
        };
        let theme_count = |n| Draft {
            themes: themes(n),
            ..good.clone()
        };
        let places = |n: i64| Draft {
            places: n.to_string(),
            ..good.clone()
        };
        for (field, at_max, past, said) in [
            (
                "title",
                title(limits::OPPORTUNITY_TITLE_MAX_CHARS),
                title(limits::OPPORTUNITY_TITLE_MAX_CHARS + 1),
                "Le titre doit faire 200 caractères au plus.",
            ),
            (
                "organisation",
                organisation(limits::OPPORTUNITY_SHORT_MAX_CHARS),
                organisation(limits::OPPORTUNITY_SHORT_MAX_CHARS + 1),
                "Le nom de l'organisme doit faire 200 caractères au plus.",
            ),
            (
                "description",
                description(limits::OPPORTUNITY_DESCRIPTION_MAX_CHARS),
                description(limits::OPPORTUNITY_DESCRIPTION_MAX_CHARS + 1),
                "La description doit faire 20\u{a0}000 caractères au plus.",
            ),
            (
                "source",
                source(limits::OPPORTUNITY_SOURCE_MAX_CHARS),
                source(limits::OPPORTUNITY_SOURCE_MAX_CHARS + 1),
                "La source doit faire 100 caractères au plus.",
            ),
            (
                "themes",
                theme_count(limits::OPPORTUNITY_MAX_THEMES),
                theme_count(limits::OPPORTUNITY_MAX_THEMES + 1),
                "Donnez au plus 10 thèmes, de 50 caractères au plus.",
            ),
            (
                "places",
                places(limits::OPPORTUNITY_MAX_PLACES),
                places(limits::OPPORTUNITY_MAX_PLACES + 1),
                "Le nombre de places est un nombre entier entre 1 et 100\u{a0}000 (ou laissez vide).",
            ),
        ] {
            assert!(validate(&at_max).is_ok(), "{field}");
            assert_eq!(
                validate(&past).unwrap_err(),
                vec![(field, said.to_string())]
            );
        }
    }
}
