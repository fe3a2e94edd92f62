//! The documents and settings every conformance check starts from.

use tremplin_search::{Document, FieldValue, IndexSettings};

pub(crate) const LYON: (f64, f64) = (45.7640, 4.8357);

pub(crate) fn settings() -> IndexSettings {
    IndexSettings {
        searchable: vec![
            "title".into(),
            "organisation".into(),
            "description".into(),
            "town".into(),
            "themes".into(),
        ],
        filterable: vec![
            "kind".into(),
            "town".into(),
            "start".into(),
            "themes".into(),
            "remote".into(),
        ],
        sortable: vec!["start".into(), "title".into()],
        geo: true,
        synonyms: vec![
            vec!["cej".into(), "contrat d'engagement jeune".into()],
            vec!["cv".into(), "curriculum vitae".into()],
        ],
    }
}

/// 2026-01-01 plus `months` months, in unix seconds (first of the month, UTC).
pub(crate) fn month(months: i64) -> i64 {
    const STARTS: [i64; 8] = [
        1_767_225_600,
        1_769_904_000,
        1_772_323_200,
        1_775_001_600,
        1_777_593_600,
        1_780_272_000,
        1_782_864_000,
        1_785_542_400,
    ];
    STARTS[months as usize]
}

#[allow(clippy::too_many_arguments)]
fn doc(
    id: &str,
    title: &str,
    description: &str,
    kind: &str,
    town: &str,
    point: (f64, f64),
    start: i64,
    themes: &[&str],
) -> Document {
    Document::new(id)
        .with("title", title)
        .with("description", description)
        .with("kind", kind)
        .with("town", town)
        .with(
            "geo",
            FieldValue::Geo {
                lat: point.0,
                lon: point.1,
            },
        )
        .with("start", start)
        .with("themes", themes.to_vec())
}

pub(crate) fn documents() -> Vec<Document> {
    vec![
        doc(
            "o1",
            "Apprentissage en boulangerie",
            "Un contrat d'apprentissage pour apprendre le métier de boulanger.",
            "apprentissage",
            "Lyon",
            LYON,
            month(0),
            &["alimentation", "artisanat"],
        )
        .with("organisation", "Boulangerie Martin")
        .with("remote", false),
        doc(
            "o2",
            "Formation aux métiers de l'éducation",
            "Devenir animateur : une qualification reconnue.",
            "formation",
            "Villeurbanne",
            (45.7719, 4.8902),
            month(1),
            &["animation"],
        )
        .with("remote", true),
        doc(
            "o3",
            "Service civique : accompagner les apprentis",
            "Aider les jeunes en contrat d'engagement jeune à trouver un stage.",
            "service-civique",
            "Paris",
            (48.8566, 2.3522),
            month(2),
            &["solidarite"],
        ),
        doc(
            "o4",
            "Stage en informatique",
            "Développement web, <script>alert('x')</script> & bases de données.",
            "stage",
            "Marseille",
            (43.2965, 5.3698),
            month(3),
            &["numerique"],
        ),
        doc(
            "o5",
            "Emploi de vendeur",
            "Vente en magasin de sport. Formations internes possibles.",
            "emploi",
            "Lyon",
            (45.7500, 4.8500),
            month(4),
            &["commerce"],
        ),
        doc(
            "o6",
            "Atelier CV et lettre de motivation",
            "Préparer son curriculum vitae avec un conseiller.",
            "atelier",
            "Grenoble",
            (45.1885, 5.7245),
            month(5),
            &["emploi"],
        ),
        doc(
            "o7",
            "Le CEJ pour les 16-25 ans",
            "Un accompagnement intensif vers l'emploi.",
            "accompagnement",
            "Saint-Étienne",
            (45.4397, 4.3872),
            month(6),
            &["emploi"],
        ),
    ]
}
