//! Questions from youths to the counsellors of their Mission Locale: asking, the counsellors'
//! inbox, taking a question (one counsellor at most, atomically), answering, and turning an
//! answered question into a public FAQ entry of the site (personal details removed, the file
//! committed to the site's git repository with the counsellor as author).
//! Every statement about questions is here; `web_questions` is their HTTP side.

mod answer;
mod ask;
mod faq;
mod read;
mod redact;

pub use answer::*;
pub use ask::*;
pub use faq::*;
pub use read::*;
pub use redact::*;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::accounts::{Role, Structure, StructureRef, User};
use crate::infra::config::ApiConfig;
use crate::infra::db::{now, Db};
use crate::infra::error::{AppError, FieldErrors};
use crate::infra::limits;
use crate::infra::mail::{Email, Mailer};
use crate::infra::time::iso;
use crate::infra::vocabulary::{slug, vocabulary};

vocabulary! {
    /// Where a question stands.
    pub enum QuestionStatus {
        New = ("nouvelle", "Nouvelle"),
        Taken = ("prise", "Prise en charge"),
        Answered = ("repondue", "Répondue"),
    }
}

/// The themes of the site's FAQ a published entry may take.
pub const FAQ_THEMES: &[&str] = &[
    "accompagnement",
    "emploi",
    "formation",
    "logement",
    "santé",
    "mobilité",
    "argent et droits",
    "vie quotidienne",
];

/// A question shorter than this says too little to be answered (the longest ones are
/// bounded in `limits`).
pub const QUESTION_MIN: usize = 10;

#[cfg(test)]
mod tests {
    use super::faq::validate_faq;
    use super::*;

    #[test]
    fn emails_and_phones_are_removed() {
        let (t, f) = scrub(
            "Je suis Camille, camille.durand@exemple.fr, tél. 06 12 34 56 78 ou +33 6.12.34.56.78, né en 2004 à Lille (59000).",
            &["Camille", "durand"],
        );
        assert_eq!(
            t,
            "Je suis [prénom], [adresse retirée], tél. [numéro retiré] ou [numéro retiré], né en 2004 à Lille (59000)."
        );
        assert_eq!(
            f,
            Scrubbed {
                emails: 1,
                phones: 2,
                names: 1
            }
        );
        let (t, f) = scrub("Appelez le 0612345678. Ou écrivez à a@b.co.", &[]);
        assert_eq!(
            t,
            "Appelez le [numéro retiré]. Ou écrivez à [adresse retirée]."
        );
        assert!(f.any());
        let (t, f) = scrub("Le 01/03/2026, 3 000 euros, Camillette.", &["Camille"]);
        assert_eq!(t, "Le 01/03/2026, 3 000 euros, Camillette.");
        assert!(!f.any());
    }

    #[test]
    fn pages_are_paths_of_the_site() {
        assert_eq!(clean_page("/guides/cv/"), "/guides/cv/");
        assert_eq!(clean_page("https://evil.example/"), "");
        assert_eq!(clean_page("//evil.example/"), "");
        assert_eq!(clean_page("/a\"><script>"), "");
    }

    #[test]
    fn front_matter_is_toml() {
        let v = ValidFaq {
            title: "Un \"titre\" ?".into(),
            description: "Court.".into(),
            question: "Ligne 1\n\nLigne 2".into(),
            answer: "Réponse.".into(),
            theme: "emploi".into(),
            publics: vec!["18-25 ans".into()],
        };
        let text = faq_file(&v, 70);
        let (head, body) = text
            .trim_start_matches("+++\n")
            .split_once("+++\n")
            .unwrap();
        let t: toml::Table = head.parse().unwrap();
        assert_eq!(t["title"].as_str(), Some("Un \"titre\" ?"));
        assert_eq!(t["weight"].as_integer(), Some(70));
        assert_eq!(t["taxonomies"]["themes"][0].as_str(), Some("emploi"));
        assert_eq!(body, "\n> Ligne 1\n>\n> Ligne 2\n\nRéponse.\n");
    }

    /// Each bound of `limits` on a question and a FAQ entry holds at its value and refuses
    /// one more, in French, naming the field.
    #[test]
    fn questions_and_faq_entries_are_bounded_by_limits() {
        let ask = |subject: usize, question: usize| Ask {
            subject: "s".repeat(subject),
            question: "q".repeat(question),
            page: String::new(),
        };
        assert!(validate(&ask(limits::SUBJECT_MAX_CHARS, limits::QUESTION_MAX_CHARS)).is_ok());
        assert_eq!(
            validate(&ask(
                limits::SUBJECT_MAX_CHARS + 1,
                limits::QUESTION_MAX_CHARS + 1
            ))
            .unwrap_err(),
            vec![
                (
                    "subject",
                    "Le sujet doit faire 150 caractères au plus.".to_string()
                ),
                (
                    "question",
                    "Votre question est trop longue : 2\u{a0}000 caractères au plus (elle en fait 2\u{a0}001).".to_string()
                ),
            ]
        );
        let faq = FaqDraft {
            title: "Comment faire un CV ?".into(),
            answer: "Commencez par vos expériences.".into(),
            theme: "emploi".into(),
            ..FaqDraft::default()
        };
        assert!(validate_faq(&faq).is_ok());
        let publics = |n: usize| (0..n).map(|i| format!("public {i}")).collect();
        for (field, at_max, past, said) in [
            (
                "title",
                FaqDraft {
                    title: "t".repeat(limits::FAQ_TITLE_MAX_CHARS),
                    ..faq.clone()
                },
                FaqDraft {
                    title: "t".repeat(limits::FAQ_TITLE_MAX_CHARS + 1),
                    ..faq.clone()
                },
                "Le titre doit faire 200 caractères au plus.",
            ),
            (
                "description",
                FaqDraft {
                    description: "d".repeat(limits::FAQ_DESCRIPTION_MAX_CHARS),
                    ..faq.clone()
                },
                FaqDraft {
                    description: "d".repeat(limits::FAQ_DESCRIPTION_MAX_CHARS + 1),
                    ..faq.clone()
                },
                "Le résumé doit faire 300 caractères au plus.",
            ),
            (
                "publics",
                FaqDraft {
                    publics: publics(limits::FAQ_MAX_PUBLICS),
                    ..faq.clone()
                },
                FaqDraft {
                    publics: publics(limits::FAQ_MAX_PUBLICS + 1),
                    ..faq.clone()
                },
                "Donnez au plus 6 publics, de 50 caractères au plus, séparés par des virgules.",
            ),
            (
                "answer",
                FaqDraft {
                    answer: "r".repeat(limits::ANSWER_MAX_CHARS),
                    ..faq.clone()
                },
                FaqDraft {
                    answer: "r".repeat(limits::ANSWER_MAX_CHARS + 1),
                    ..faq.clone()
                },
                "Ce texte doit faire 20\u{a0}000 caractères au plus.",
            ),
        ] {
            assert!(validate_faq(&at_max).is_ok(), "{field}");
            assert_eq!(
                validate_faq(&past).err(),
                Some(vec![(field, said.to_string())])
            );
        }
    }
}
