//! Relevance of the search on the real site: every guide, FAQ entry and news article of the
//! repository's `content/` (through `documents`), plus the opportunities of
//! `fixtures/opportunites.json` (through `opportunity_document`), indexed with the synonyms of
//! the repository's `tremplin.toml`; then queries as youths type them, each with the page that
//! must be in the first five hits. Each engine must pass 95 % of them: the embedded one
//! always, Meilisearch when `MEILI_URL` is set (`MEILI_KEY` optional).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use tremplin_api::domain::accounts::Structure;
use tremplin_api::domain::opportunities::document::opportunity_document;
use tremplin_api::domain::opportunities::{Opportunity, Place};
use tremplin_api::index::documents::{
    content_document, contenus_settings, opportunites_settings, CONTENUS, OPPORTUNITES,
};
use tremplin_generator::documents::documents;
use tremplin_generator::site::Site;
use tremplin_generator::BuildOptions;
use tremplin_search::{Document, FieldValue, SearchEngine, SearchRequest};

/// (query, the page that must be in the top 5, what it tests). Pages of the site by their
/// path, opportunities by `/opportunites/<id>` (see `fixtures/opportunites.json`).
const CASES: &[(&str, &str, &str)] = &[
    // Typos.
    ("aprentissage", "/guides/apprentissage/", "faute de frappe"),
    ("logment", "/guides/logement/", "faute de frappe"),
    ("curiculum", "/guides/cv/", "faute de frappe (mot long)"),
    (
        "entretient d'embauche",
        "/guides/entretien-embauche/",
        "faute et élision",
    ),
    (
        "servise civique",
        "/guides/service-civique/",
        "faute sur le premier mot",
    ),
    ("aprenti cuisinier", "/opportunites/1", "faute, offre"),
    // Plurals and stems.
    ("formations", "/guides/trouver-une-formation/", "pluriel"),
    ("apprentis", "/faq/apprenti-salaire/", "pluriel"),
    (
        "aides au logement",
        "/faq/apl-jeune/",
        "pluriel, plusieurs mots",
    ),
    ("coiffure", "/opportunites/2", "racine (coiffeur)"),
    ("électriciens", "/opportunites/4", "pluriel, offre"),
    // Missing accents.
    ("securite sociale", "/guides/droits-sante/", "sans accents"),
    ("sante mentale", "/guides/sante-mentale/", "sans accents"),
    (
        "hebergement d'urgence",
        "/guides/hebergement-urgence/",
        "sans accents, élision",
    ),
    (
        "demarches en ligne",
        "/guides/demarches-en-ligne/",
        "sans accents",
    ),
    ("creche", "/opportunites/16", "sans accents, offre"),
    ("teleconseiller", "/opportunites/32", "sans accents, offre"),
    // Elisions.
    ("l'alternance", "/guides/apprentissage/", "élision"),
    ("demandeur d'emploi", "/guides/france-travail/", "élision"),
    (
        "l’apprentissage",
        "/guides/apprentissage/",
        "élision, apostrophe typographique",
    ),
    // Synonyms and acronyms.
    ("cej", "/guides/contrat-engagement-jeune/", "sigle"),
    (
        "contrat engagement jeune",
        "/guides/contrat-engagement-jeune/",
        "sigle développé",
    ),
    (
        "caisse d'allocations familiales",
        "/faq/apl-jeune/",
        "synonyme (CAF)",
    ),
    (
        "css",
        "/faq/complementaire-sante-solidaire/",
        "synonyme (C2S)",
    ),
    (
        "mutuelle gratuite",
        "/faq/complementaire-sante-solidaire/",
        "synonyme, deux mots",
    ),
    ("apl", "/faq/apl-jeune/", "sigle"),
    (
        "premier boulot",
        "/guides/premier-emploi/",
        "synonyme familier",
    ),
    ("pole emploi", "/guides/france-travail/", "ancien nom"),
    ("appart", "/guides/logement/", "mot familier"),
    ("cpf", "/faq/cpf/", "sigle"),
    ("rqth", "/faq/handicap-emploi/", "sigle"),
    ("bafa", "/opportunites/25", "sigle, offre"),
    ("sst", "/opportunites/19", "sigle, offre"),
    (
        "cuisinier en alternance",
        "/opportunites/1",
        "synonyme (apprentissage), offre",
    ),
    // Prefixes while typing.
    ("entreti", "/guides/entretien-embauche/", "préfixe"),
    ("permi", "/guides/permis-de-conduire/", "préfixe"),
    (
        "lettre de moti",
        "/guides/lettre-de-motivation/",
        "préfixe après deux mots",
    ),
    ("vendang", "/opportunites/26", "préfixe, offre"),
    // Several words.
    ("garant visale", "/faq/pas-de-garant/", "plusieurs mots"),
    ("carte vitale", "/faq/carte-vitale/", "plusieurs mots"),
    (
        "salaire apprenti",
        "/faq/apprenti-salaire/",
        "plusieurs mots",
    ),
    ("brut net", "/faq/salaire-brut-net/", "plusieurs mots"),
    ("prime d'activité", "/faq/prime-activite/", "plusieurs mots"),
    ("job d'été", "/actualites/jobs-ete-2026/", "actualité"),
    ("atelier cv", "/actualites/atelier-cv-exemple/", "actualité"),
    ("livreur velo", "/opportunites/11", "plusieurs mots, offre"),
    (
        "banque alimentaire",
        "/opportunites/28",
        "plusieurs mots, offre",
    ),
    ("forum alternance", "/opportunites/29", "événement"),
    (
        "agent de securite",
        "/opportunites/21",
        "sans accents, offre",
    ),
    // Questions as a youth types them.
    ("comment faire un cv", "/guides/cv/", "question"),
    (
        "j'ai pas de logement",
        "/guides/hebergement-urgence/",
        "question familière",
    ),
    (
        "ou dormir ce soir",
        "/faq/dormir-ce-soir/",
        "question sans accent",
    ),
    (
        "je vais pas bien",
        "/faq/parler-a-quelqu-un/",
        "question familière",
    ),
    (
        "psychologue gratuit",
        "/faq/psychologue-rembourse/",
        "question courte",
    ),
    (
        "ouvrir un compte en banque",
        "/guides/compte-bancaire-budget/",
        "question",
    ),
    (
        "combien touche un apprenti",
        "/faq/apprenti-salaire/",
        "question",
    ),
    (
        "je dors dehors",
        "/faq/dormir-ce-soir/",
        "question familière",
    ),
    (
        "travailler a 16 ans",
        "/faq/travailler-a-16-ans/",
        "question, nombre",
    ),
    // Topics youths bring to a Mission Locale (issue 16).
    (
        "aide urgence argent",
        "/guides/argent-urgence/",
        "plusieurs mots, sans article",
    ),
    (
        "c'est quoi le pacea",
        "/guides/pacea/",
        "sigle dans une question",
    ),
    (
        "droits au travail salaire pas payé",
        "/guides/droits-au-travail/",
        "question familière",
    ),
    (
        "chomage apres un cdd",
        "/faq/chomage-apres-cdd/",
        "sans accents, sigle",
    ),
    (
        "carte d'identite perdue",
        "/guides/papiers-identite-sejour/",
        "sans accents, élision",
    ),
    (
        "jdc perdu",
        "/faq/certificat-jdc-perdu/",
        "sigle, deux mots",
    ),
    (
        "pilule du lendemain gratuite",
        "/guides/sante-sexuelle/",
        "plusieurs mots",
    ),
    (
        "premiere declaration impots",
        "/guides/impots-premiere-declaration/",
        "sans accents",
    ),
    (
        "j'ai des dettes",
        "/guides/dettes-amendes/",
        "question familière",
    ),
    (
        "reprendre mes etudes",
        "/guides/reprendre-ses-etudes/",
        "sans accents, question",
    ),
];

/// Job titles in the youths' own words (issue 14), on the offers of
/// `fixtures/opportunites_metiers.json`, whose titles use one gender only (most often the
/// masculine, as job ads do): (query, the offer that must be in the top 5, what it tests).
/// Written before the job normalisation; [`JOB_TUNING`] was looked at while tuning it,
/// [`JOB_HELD_OUT`] never was. Both are reported apart, for both engines.
const JOB_TUNING: &[(&str, &str, &str)] = &[
    (
        "menuisière",
        "/opportunites/101",
        "féminin (-ière), titre masculin",
    ),
    ("infirmière de nuit", "/opportunites/102", "féminin (-ière)"),
    (
        "technicienne de maintenance",
        "/opportunites/103",
        "féminin (-enne)",
    ),
    (
        "caissière supermarché",
        "/opportunites/104",
        "féminin (-ière)",
    ),
    ("mécanicienne", "/opportunites/105", "féminin (-enne)"),
    ("conductrice de bus", "/opportunites/106", "féminin (-rice)"),
    (
        "aide soignant",
        "/opportunites/107",
        "masculin, titre féminin",
    ),
    (
        "assistant de gestion",
        "/opportunites/108",
        "masculin, titre féminin (-e)",
    ),
    ("menuiserie", "/opportunites/101", "domaine → métier"),
    ("informatique", "/opportunites/109", "domaine → métier"),
    (
        "mecanique auto",
        "/opportunites/105",
        "domaine → métier, sans accent",
    ),
    ("boulangère de nuit", "/opportunites/110", "féminin (-ère)"),
    ("coiffeuse", "/opportunites/112", "féminin (-euse)"),
    (
        "soins personnes âgées",
        "/opportunites/107",
        "domaine → métier (aide-soignante)",
    ),
];

/// Kept out of the tuning (see [`JOB_TUNING`]).
const JOB_HELD_OUT: &[(&str, &str, &str)] = &[
    ("serveuse brasserie", "/opportunites/111", "féminin (-euse)"),
    (
        "chauffeuse livreuse",
        "/opportunites/113",
        "féminin (-euse), deux mots",
    ),
    ("monitrice de voile", "/opportunites/114", "féminin (-rice)"),
    ("électricienne", "/opportunites/115", "féminin (-enne)"),
    ("cuisinière cantine", "/opportunites/116", "féminin (-ière)"),
    (
        "vendeur pret a porter",
        "/opportunites/118",
        "masculin, titre féminin (-euse)",
    ),
    (
        "educateur jeunes enfants",
        "/opportunites/119",
        "masculin, titre féminin (-rice)",
    ),
    ("plomberie", "/opportunites/120", "domaine → métier"),
    ("pâtisserie", "/opportunites/121", "domaine → métier"),
    ("bouchère", "/opportunites/122", "féminin (-ère)"),
    (
        "hôte d'accueil",
        "/opportunites/123",
        "masculin, titre féminin (irrégulier)",
    ),
    ("jardinière", "/opportunites/125", "féminin (-ière)"),
    ("couvreuse", "/opportunites/127", "féminin (-euse)"),
    (
        "animatrice periscolaire",
        "/opportunites/128",
        "féminin (-rice), sans accent",
    ),
    (
        "magasinière cariste",
        "/opportunites/124",
        "féminin (-ière)",
    ),
    (
        "préparatrice en pharmacie",
        "/opportunites/126",
        "féminin (-rice)",
    ),
];

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// One opportunity of the fixture file: what differs between them.
#[derive(Deserialize)]
struct Fixture {
    id: i64,
    kind: String,
    title: String,
    organisation: String,
    description: String,
    town: String,
    postcode: String,
    lat: Option<f64>,
    lon: Option<f64>,
    #[serde(default)]
    remote: bool,
    contract: String,
    duration: String,
    level: String,
    start_date: Option<String>,
    deadline: Option<String>,
    themes: Vec<String>,
    structure: String,
}

fn opportunity(f: Fixture) -> Opportunity {
    let (structure_id, structure_name) = match f.structure.as_str() {
        "lille" => (1, "Mission Locale de Lille"),
        _ => (2, "Mission Locale de Grenoble"),
    };
    Opportunity {
        id: f.id,
        structure: Structure {
            id: structure_id,
            slug: f.structure.clone(),
            name: structure_name.to_string(),
            town: String::new(),
            contact: String::new(),
        },
        kind: f.kind.parse().unwrap(),
        title: f.title,
        organisation: f.organisation,
        description: f.description,
        place: Place {
            town: f.town,
            postcode: f.postcode,
            insee: String::new(),
            lat: f.lat,
            lon: f.lon,
            remote: f.remote,
        },
        contract: f.contract,
        duration: f.duration,
        hours: String::new(),
        level: f.level.parse().unwrap(),
        start_date: f.start_date,
        deadline: f.deadline,
        places: None,
        taken: 0,
        apply: String::new(),
        themes: f.themes,
        status: "publiee".parse().unwrap(),
        published_at: Some(1_780_000_000 + f.id),
        created_at: 1_780_000_000,
        updated_at: 1_780_000_000,
        ..Opportunity::default()
    }
}

fn fixture_offers(file: &str) -> Vec<Document> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(file),
    )
    .unwrap();
    let fixtures: Vec<Fixture> = serde_json::from_str(&text).unwrap();
    fixtures
        .into_iter()
        .map(|f| opportunity_document(&opportunity(f)))
        .collect()
}

/// The site's documents, the fixtures' documents (`opportunites.json`, then
/// `opportunites_metiers.json`) and the synonyms of `tremplin.toml`.
fn corpus() -> (Vec<Document>, Vec<Document>, Vec<Vec<String>>) {
    let site = Site::load(&BuildOptions::new(repository_root())).expect("site de démonstration");
    let contents: Vec<Document> = documents(&site).iter().map(content_document).collect();
    let mut offers = fixture_offers("opportunites.json");
    assert_eq!(offers.len(), 32);
    offers.extend(fixture_offers("opportunites_metiers.json"));
    (contents, offers, site.config.search.synonyms.clone())
}

/// Indexes the corpus under `prefix` + the index names and returns those names.
async fn index_all(
    engine: &Arc<dyn SearchEngine>,
    prefix: &str,
    (contents, offers, synonyms): &(Vec<Document>, Vec<Document>, Vec<Vec<String>>),
) -> (String, String) {
    let names = (
        format!("{prefix}{CONTENUS}"),
        format!("{prefix}{OPPORTUNITES}"),
    );
    let batches = [
        (&names.0, contenus_settings(synonyms), contents),
        (&names.1, opportunites_settings(synonyms), offers),
    ];
    for (name, settings, docs) in batches {
        engine.configure(name, &settings).await.unwrap();
        engine.clear(name).await.unwrap();
        engine.upsert(name, docs.clone()).await.unwrap();
        assert_eq!(engine.count(name).await.unwrap(), docs.len(), "{name}");
    }
    names
}

fn url_of(fields: &std::collections::BTreeMap<String, FieldValue>) -> String {
    match fields.get("url") {
        Some(FieldValue::Text(url)) => url.clone(),
        _ => String::new(),
    }
}

/// Runs every case; prints the failures with their top 5; returns the number passed and,
/// among them, the number with the expected page first.
async fn score(
    engine: &Arc<dyn SearchEngine>,
    names: &(String, String),
    cases: &[(&str, &str, &str)],
) -> (usize, usize) {
    let mut passed = 0;
    let mut first = 0;
    for (query, expected, what) in cases {
        let index = if expected.starts_with("/opportunites/") {
            &names.1
        } else {
            &names.0
        };
        let mut request = SearchRequest::new(index, query);
        request.limit = 5;
        let results = engine.search(&request).await.unwrap();
        let top: Vec<String> = results.hits.iter().map(|h| url_of(&h.fields)).collect();
        if top.iter().any(|u| u == expected) {
            passed += 1;
            first += usize::from(top[0] == *expected);
        } else {
            println!(
                "relevance ({}) : ÉCHEC « {query} » ({what}) : attendu {expected}, {} résultat(s), top 5 : {top:?}",
                engine.name(),
                results.total
            );
        }
    }
    (passed, first)
}

fn print_score(engine: &str, part: &str, (passed, first): (usize, usize), total: usize) -> f64 {
    let ratio = passed as f64 / total as f64;
    println!(
        "relevance ({engine}, {part}) : {passed}/{total} requêtes trouvent la page attendue dans les 5 premiers ({:.1} %), {first}/{total} en premier",
        ratio * 100.0
    );
    ratio
}

/// Scores the three parts on one engine and checks each against its bar.
async fn score_all(engine: &Arc<dyn SearchEngine>, names: &(String, String)) {
    let name = engine.name();
    let parts = [
        ("requêtes générales", CASES, 0.95),
        ("métiers, réglage", JOB_TUNING, 0.95),
        ("métiers, mis à part", JOB_HELD_OUT, 0.9),
    ];
    let mut failures = Vec::new();
    for (part, cases, bar) in parts {
        let scores = score(engine, names, cases).await;
        let passed = scores.0;
        let ratio = print_score(name, part, scores, cases.len());
        if ratio < bar {
            failures.push(format!(
                "{name}, {part} : {passed}/{} ({:.0} % attendus)",
                cases.len(),
                bar * 100.0
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

#[tokio::test]
async fn relevance_of_the_demo_site() {
    assert!(CASES.len() >= 40);
    let corpus = corpus();
    assert!(corpus.0.len() >= 60, "{} pages seulement", corpus.0.len());
    assert_eq!(corpus.1.len(), 32 + 28);
    assert!(!corpus.2.is_empty(), "tremplin.toml : [search] synonyms");

    let dir = tempfile::tempdir().unwrap();
    let embedded = tremplin_search::open_embedded(dir.path()).unwrap();
    let names = index_all(&embedded, "", &corpus).await;
    score_all(&embedded, &names).await;

    // Meilisearch gets the same analysis (this crate's stems and synonyms): the same bars.
    match std::env::var("MEILI_URL") {
        Ok(url) => {
            let key = std::env::var("MEILI_KEY").ok();
            let meili = tremplin_search::open_meilisearch(&url, key.as_deref())
                .await
                .unwrap();
            let prefix = format!("relevance_{}_", std::process::id());
            let names = index_all(&meili, &prefix, &corpus).await;
            score_all(&meili, &names).await;
        }
        Err(_) => println!("relevance: Meilisearch ignoré (MEILI_URL non défini)"),
    }
}
