//! Benchmark of the embedded engine on 100,000 generated opportunities: indexing time and
//! search latency (p50/p99) for three typical searches.
//!
//! `cargo run --release -p tremplin-search --example bench_opportunities [-- COUNT]`

use std::time::{Duration, Instant};

use tremplin_search::{
    open_embedded, Document, FieldValue, Filter, GeoRadius, IndexSettings, SearchRequest, Sort,
};

/// A small deterministic generator (64-bit LCG), so every run indexes the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

const KINDS: &[&str] = &[
    "emploi",
    "apprentissage",
    "stage",
    "formation",
    "service-civique",
    "evenement",
    "alternance",
];
const LEVELS: &[&str] = &["aucun", "cap", "bac", "bac+2", "bac+3"];
const JOBS: &[&str] = &[
    "vendeur",
    "vendeuse",
    "boulanger",
    "pâtissier",
    "cuisinier",
    "serveur",
    "aide-soignant",
    "animateur",
    "électricien",
    "plombier",
    "mécanicien",
    "développeur",
    "technicien informatique",
    "agent logistique",
    "préparateur de commandes",
    "coiffeur",
    "esthéticienne",
    "maçon",
    "peintre en bâtiment",
    "jardinier",
    "agent d'entretien",
    "hôte de caisse",
    "assistant administratif",
    "comptable",
    "infirmier",
    "auxiliaire de vie",
    "chauffeur livreur",
    "menuisier",
    "soudeur",
    "conseiller clientèle",
];
const QUALIFIERS: &[&str] = &[
    "H/F",
    "débutant accepté",
    "en alternance",
    "à temps partiel",
    "CDD 6 mois",
    "CDI",
    "saisonnier",
    "junior",
];
const ORGANISATIONS: &[&str] = &[
    "Boulangerie Martin",
    "Hôpital Nord",
    "Mairie",
    "Carrefour",
    "Leclerc",
    "Association Tremplin",
    "Garage Dupont",
    "Restaurant Le Central",
    "Transports Durand",
    "Lycée professionnel",
    "Pôle formation",
    "La Poste",
    "SNCF",
    "Atelier du bois",
    "Salon Coiff'Style",
];
const SENTENCES: &[&str] = &[
    "Vous accueillez les clients et les conseillez.",
    "Une formation est assurée par l'équipe sur place.",
    "Poste accessible aux jeunes sans diplôme.",
    "Vous travaillez en équipe dans une ambiance conviviale.",
    "Le permis B est un plus, pas une obligation.",
    "Horaires du lundi au vendredi, week-ends libres.",
    "Possibilité d'embauche à l'issue du contrat.",
    "Vous participez à la préparation et au rangement.",
    "Accompagnement par un tuteur tout au long du parcours.",
    "Rémunération selon la grille de l'apprentissage.",
    "Vous apprenez les gestes du métier et les règles d'hygiène.",
    "Accessible en contrat d'engagement jeune.",
];
const THEMES: &[&str] = &[
    "commerce",
    "alimentation",
    "sante",
    "numerique",
    "batiment",
    "transport",
    "animation",
    "administration",
    "industrie",
    "beaute",
    "environnement",
    "solidarite",
];
const TOWNS: &[(&str, &str, f64, f64)] = &[
    ("Paris", "75001", 48.8566, 2.3522),
    ("Lyon", "69001", 45.7640, 4.8357),
    ("Marseille", "13001", 43.2965, 5.3698),
    ("Toulouse", "31000", 43.6047, 1.4442),
    ("Nice", "06000", 43.7102, 7.2620),
    ("Nantes", "44000", 47.2184, -1.5536),
    ("Strasbourg", "67000", 48.5734, 7.7521),
    ("Montpellier", "34000", 43.6108, 3.8767),
    ("Bordeaux", "33000", 44.8378, -0.5792),
    ("Lille", "59000", 50.6292, 3.0573),
    ("Rennes", "35000", 48.1173, -1.6778),
    ("Reims", "51100", 49.2583, 4.0317),
    ("Saint-Étienne", "42000", 45.4397, 4.3872),
    ("Toulon", "83000", 43.1242, 5.9280),
    ("Le Havre", "76600", 49.4944, 0.1079),
    ("Grenoble", "38000", 45.1885, 5.7245),
    ("Dijon", "21000", 47.3220, 5.0415),
    ("Angers", "49000", 47.4784, -0.5632),
    ("Nîmes", "30000", 43.8367, 4.3601),
    ("Villeurbanne", "69100", 45.7719, 4.8902),
    ("Clermont-Ferrand", "63000", 45.7772, 3.0870),
    ("Le Mans", "72000", 48.0061, 0.1996),
    ("Aix-en-Provence", "13100", 43.5297, 5.4474),
    ("Brest", "29200", 48.3904, -4.4861),
    ("Tours", "37000", 47.3941, 0.6848),
    ("Amiens", "80000", 49.8941, 2.2958),
    ("Limoges", "87000", 45.8336, 1.2611),
    ("Annecy", "74000", 45.8992, 6.1294),
    ("Perpignan", "66000", 42.6887, 2.8948),
    ("Metz", "57000", 49.1193, 6.1757),
    ("Besançon", "25000", 47.2378, 6.0241),
    ("Orléans", "45000", 47.9030, 1.9093),
    ("Rouen", "76000", 49.4432, 1.0999),
    ("Mulhouse", "68100", 47.7508, 7.3359),
    ("Caen", "14000", 49.1829, -0.3707),
    ("Nancy", "54000", 48.6921, 6.1844),
    ("Argenteuil", "95100", 48.9472, 2.2467),
    ("Roubaix", "59100", 50.6942, 3.1746),
    ("Tourcoing", "59200", 50.7239, 3.1612),
    ("Avignon", "84000", 43.9493, 4.8055),
];
const DAY: i64 = 86_400;
const START: i64 = 1_767_225_600; // 2026-01-01

fn opportunity(rng: &mut Rng, n: usize) -> Document {
    let kind = rng.pick(KINDS);
    let job = rng.pick(JOBS);
    let (town, postcode, lat, lon) = TOWNS[(rng.next() % TOWNS.len() as u64) as usize];
    let description: Vec<&str> = (0..3 + rng.next() % 4)
        .map(|_| rng.pick(SENTENCES))
        .collect();
    let themes: Vec<&str> = (0..1 + rng.next() % 3).map(|_| rng.pick(THEMES)).collect();
    let start = START + (rng.next() % 365) as i64 * DAY;
    Document::new(format!("opp-{n}"))
        .with(
            "title",
            format!(
                "{} {} {}",
                capitalise(job),
                rng.pick(QUALIFIERS),
                kind.replace('-', " ")
            ),
        )
        .with("organisation", rng.pick(ORGANISATIONS))
        .with("description", description.join(" "))
        .with("kind", kind)
        .with("town", town)
        .with("postcode", postcode)
        .with(
            "geo",
            FieldValue::Geo {
                lat: lat + (rng.unit() - 0.5) * 0.2,
                lon: lon + (rng.unit() - 0.5) * 0.3,
            },
        )
        .with("level", rng.pick(LEVELS))
        .with("start", start)
        .with("deadline", start - (rng.next() % 30) as i64 * DAY)
        .with("structure", format!("ml-{}", rng.next() % 450))
        .with("themes", themes)
        .with(
            "status",
            if rng.next() % 10 == 0 {
                "pourvue"
            } else {
                "publiee"
            },
        )
        .with("published", start - 60 * DAY)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn settings() -> IndexSettings {
    let strings = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    IndexSettings {
        searchable: strings(&["title", "organisation", "description", "town", "themes"]),
        filterable: strings(&[
            "kind",
            "town",
            "postcode",
            "level",
            "themes",
            "status",
            "structure",
            "start",
            "deadline",
            "published",
        ]),
        sortable: strings(&["start", "deadline", "published"]),
        geo: true,
        synonyms: vec![strings(&["cej", "contrat d'engagement jeune"])],
    }
}

const KEYWORDS: &[&str] = &[
    "vendeur",
    "boulanger",
    "cuisinier",
    "informatique",
    "logistique",
    "animateur",
    "coiffeur",
    "mécanicien",
    "aide soignant",
    "electricien",
    "plombier",
    "comptable",
    "jardinier",
    "livreur",
    "serveur",
    "alternance",
    "formation",
    "apprentissage",
    "débutant",
    "caisse",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn measure(
    name: &str,
    engine: &dyn tremplin_search::SearchEngine,
    requests: &[SearchRequest],
) {
    for request in requests.iter().take(100) {
        engine.search(request).await.unwrap();
    }
    let mut times = Vec::new();
    let mut hits = 0usize;
    for round in 0..3 {
        for request in requests {
            let started = Instant::now();
            let results = engine.search(request).await.unwrap();
            times.push(started.elapsed());
            if round == 0 {
                hits += results.total;
            }
        }
    }
    times.sort();
    println!(
        "{name:<40} p50 {:>7.3} ms   p99 {:>7.3} ms   ({} searches, {:.0} matches on average)",
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.len(),
        hits as f64 / requests.len() as f64,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map_or(100_000, |n| n.parse().expect("a number of documents"));
    let dir = tempfile::tempdir().unwrap();
    let engine = open_embedded(dir.path()).unwrap();
    engine.configure("opportunites", &settings()).await.unwrap();
    let mut rng = Rng(42);
    let documents: Vec<Document> = (0..count).map(|n| opportunity(&mut rng, n)).collect();
    let started = Instant::now();
    engine.upsert("opportunites", documents).await.unwrap();
    let indexing = started.elapsed();
    println!(
        "indexed {count} opportunities in {:.2} s (one batch, commit and merge included)",
        indexing.as_secs_f64()
    );
    assert_eq!(engine.count("opportunites").await.unwrap(), count);

    let mut rng = Rng(7);
    let mut keyword = Vec::new();
    let mut geo = Vec::new();
    let mut empty = Vec::new();
    for i in 0..700 {
        let word = KEYWORDS[i % KEYWORDS.len()];
        let mut request = SearchRequest::new("opportunites", word);
        request.filters = vec![Filter::eq("kind", rng.pick(KINDS))];
        request.facets = vec!["town".into(), "level".into()];
        keyword.push(request);

        let (_, _, lat, lon) = TOWNS[(rng.next() % TOWNS.len() as u64) as usize];
        let mut request = SearchRequest::new("opportunites", KEYWORDS[(i * 7) % KEYWORDS.len()]);
        request.geo = Some(GeoRadius {
            lat,
            lon,
            radius_m: 30_000.0,
        });
        request.sort = Sort::Distance;
        geo.push(request);

        let mut request = SearchRequest::new("opportunites", "");
        request.filters = vec![Filter::eq("level", rng.pick(LEVELS))];
        empty.push(request);
    }
    measure("keyword + 1 filter + 2 facets", engine.as_ref(), &keyword).await;
    measure(
        "keyword + geo 30 km, sorted by distance",
        engine.as_ref(),
        &geo,
    )
    .await;
    measure("empty query + 1 filter", engine.as_ref(), &empty).await;
    let mut highlighted = keyword.clone();
    highlighted.iter_mut().for_each(|r| r.highlight = true);
    measure(
        "keyword + filter + facets + highlights",
        engine.as_ref(),
        &highlighted,
    )
    .await;
}
