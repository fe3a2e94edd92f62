//! A deterministic database of N published opportunities, for the listing benchmark
//! (`bench/opportunities.sh`).
//!
//! ```text
//! cargo run --release -p tremplin-api --example gen_opportunities -- --db PATH --count 100000
//! ```
//!
//! Creates the SQLite database at `PATH` through `tremplin_api::infra::db::connect` (so the
//! migrations run), adds six structures, then inserts the opportunities in one transaction by
//! multi-row INSERTs, filling every column `opportunities::write` fills (`level_rank`,
//! `published_at`…). The search index is not built here: run `tremplin index rebuild` after. Each opportunity is placed in a
//! commune drawn with a weight equal to its population (Paris, Lyon and Marseille through
//! their arrondissements), at the commune's coordinates as a form would resolve them; 8 kinds,
//! 6 levels, start dates, deadlines (about 12 % already past: expired, hidden from the
//! listing), places for events and trainings. A seeded xorshift makes the same arguments give
//! the same rows; dates count in days from `--today` (default: today, UTC), so that the share
//! of expired opportunities stays the same whenever it runs.
//!
//! With `--csv PATH` instead of `--db PATH`, the same opportunities are written as an import
//! file (for the import benchmark, `bench/import.sh`).
//!
//! Options: `--db PATH` or `--csv PATH` (refused if the file exists), `--count N` (100000),
//! `--seed X` (42), `--today YYYY-MM-DD`. No row goes to `search_outbox`: the search index
//! is not part of the listing.

use std::time::Instant;

use chrono::{Days, NaiveDate};
use tremplin_api::domain::opportunities::{Kind, Level};
use tremplin_api::{domain::accounts, infra::communes, infra::db};

/// xorshift64*, seeded through SplitMix64 (the same as `generator/examples/synth.rs`).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// True with probability `p` percent.
    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut r = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }
}

/// Kinds in the order of `Kind::ALL`, with how common each is.
const KIND_WEIGHTS: [u64; 8] = [30, 15, 12, 15, 8, 8, 6, 6];
/// Levels in the order of `Level::ALL`.
const LEVEL_WEIGHTS: [u64; 6] = [35, 20, 20, 13, 7, 5];

const JOBS: &[&str] = &[
    "Agent d'entretien",
    "Vendeur en boulangerie",
    "Employé polyvalent de restauration",
    "Préparateur de commandes",
    "Aide-soignant",
    "Serveur",
    "Cariste",
    "Agent de sécurité",
    "Hôte de caisse",
    "Animateur périscolaire",
    "Électricien",
    "Mécanicien automobile",
    "Développeur web",
    "Assistant administratif",
    "Cuisinier",
    "Maçon",
    "Peintre en bâtiment",
    "Coiffeur",
    "Agent d'accueil",
    "Magasinier",
    "Plombier chauffagiste",
    "Technicien de maintenance",
    "Auxiliaire de vie",
    "Conseiller de vente",
    "Jardinier paysagiste",
    "Boucher",
    "Livreur",
    "Opérateur de production",
    "Community manager",
    "Comptable",
];
const TRAININGS: &[&str] = &[
    "Remise à niveau en français et mathématiques",
    "Titre professionnel agent de restauration",
    "Découverte des métiers du numérique",
    "Permis B : préparation au code",
    "CAP petite enfance",
    "Formation sauveteur secouriste du travail",
    "Prépa apprentissage",
    "Titre professionnel vendeur conseil",
    "Initiation au codage",
    "Bureautique : Word, Excel et messagerie",
];
const CIVIC: &[&str] = &[
    "Ambassadeur du tri",
    "Accompagnement scolaire",
    "Médiation numérique en bibliothèque",
    "Soutien aux personnes âgées isolées",
    "Animation sportive en club",
    "Sensibilisation à la biodiversité",
];
const EVENTS: &[&str] = &[
    "Forum de l'alternance",
    "Job dating restauration",
    "Atelier CV et lettre de motivation",
    "Visite d'entreprise industrielle",
    "Salon des métiers du bâtiment",
    "Journée portes ouvertes du CFA",
    "Atelier simulation d'entretien",
];
const ORGANISATIONS: &[&str] = &[
    "Boulangerie Martin",
    "Hôpital départemental",
    "Supermarché du Centre",
    "Transports Durand",
    "Mairie",
    "Association Jeunesse et Avenir",
    "Garage des Lilas",
    "Restaurant Le Relais",
    "Groupe Logistique Nord",
    "Clinique Saint-Joseph",
    "CFA des métiers",
    "GRETA",
    "Centre social",
    "Bâtiment Services",
    "Agence Web Horizon",
    "Maison de retraite Les Tilleuls",
    "Club sportif municipal",
    "Coiffure Élégance",
];
const SENTENCES: &[&str] = &[
    "Vous rejoignez une équipe de cinq personnes, attentive à votre intégration.",
    "Aucune expérience n'est exigée : vous serez formé sur place par un tuteur.",
    "Le poste est accessible en transports en commun, arrêt à deux minutes.",
    "Vous accueillez les clients, les conseillez et tenez la caisse.",
    "Les horaires sont réguliers, du lundi au vendredi, avec deux samedis par mois.",
    "Une première expérience dans le secteur est un plus, mais la motivation compte davantage.",
    "Vous participez à la préparation, au rangement et au nettoyage du poste de travail.",
    "La rémunération suit la convention collective, avec tickets restaurant et mutuelle.",
    "Le permis B n'est pas obligatoire, une aide à la mobilité est possible.",
    "Cette formation est gratuite et rémunérée pour les jeunes accompagnés.",
    "Vous serez accompagné par votre conseiller pendant toute la durée du parcours.",
    "Le travail se fait en équipe, dans le respect des règles d'hygiène et de sécurité.",
    "Vous apprendrez les gestes du métier et obtiendrez une attestation à la fin.",
    "Une réunion d'information a lieu chaque mois dans nos locaux.",
    "Vous êtes ponctuel, curieux et aimez le contact avec le public.",
    "Les candidatures des jeunes sans diplôme sont les bienvenues.",
];
const CONTRACTS: &[&str] = &[
    "CDI",
    "CDD",
    "Intérim",
    "Contrat d'apprentissage",
    "Contrat de professionnalisation",
    "",
];
const DURATIONS: &[&str] = &[
    "6 mois",
    "1 an",
    "2 ans",
    "3 mois",
    "8 semaines",
    "1 jour",
    "",
];
const HOURS: &[&str] = &[
    "35 h par semaine",
    "Temps partiel, 24 h",
    "Horaires en équipe",
    "Week-ends",
    "",
];
const THEMES: &[&str] = &[
    "emploi",
    "formation",
    "numerique",
    "sante",
    "batiment",
    "commerce",
    "restauration",
    "transport",
    "environnement",
    "sport",
    "culture",
    "solidarite",
    "industrie",
];
const STRUCTURES: &[(&str, &str, &str)] = &[
    ("lille", "Mission Locale de Lille", "Lille"),
    ("paris", "Mission Locale de Paris", "Paris"),
    ("marseille", "Mission Locale de Marseille", "Marseille"),
    ("lyon", "Mission Locale de Lyon", "Lyon"),
    ("grenoble", "Mission Locale de Grenoble", "Grenoble"),
    ("rural", "Mission Locale rurale", "Guéret"),
];

/// One row, as `opportunities::write` would insert it.
struct Row {
    structure_id: i64,
    kind: &'static str,
    title: String,
    organisation: String,
    description: String,
    town: String,
    postcode: String,
    insee: String,
    lat: f64,
    lon: f64,
    remote: i64,
    contract: &'static str,
    duration: &'static str,
    hours: &'static str,
    level: &'static str,
    level_rank: i64,
    start_date: Option<String>,
    deadline: Option<String>,
    places: Option<i64>,
    taken: i64,
    apply: String,
    themes: String,
    published_at: i64,
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let csv = arg(&args, "--csv");
    let path = arg(&args, "--db")
        .or(csv.clone())
        .ok_or("--db PATH or --csv PATH is required")?;
    let count: usize = arg(&args, "--count").map_or(Ok(100_000), |s| s.parse())?;
    let seed: u64 = arg(&args, "--seed").map_or(Ok(42), |s| s.parse())?;
    let today = match arg(&args, "--today") {
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")?,
        None => chrono::Utc::now().date_naive(),
    };
    if std::path::Path::new(&path).exists() {
        return Err(format!("{path} exists: remove it first").into());
    }
    if csv.is_some() {
        return write_csv(&path, count, seed, today);
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(generate(&path, count, seed, today))
}

/// The same opportunities as an import file (`tremplin import opportunites FILE`): a CSV
/// with `;`, one external id per row (`gen-<n>`), every deadline in the future (an import
/// of past deadlines would only add expired rows).
fn write_csv(
    path: &str,
    count: usize,
    seed: u64,
    today: NaiveDate,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let (rows, _) = make_rows(count, seed, today, &[0]);
    let mut out = csv::WriterBuilder::new().delimiter(b';').from_path(path)?;
    out.write_record([
        "identifiant",
        "type",
        "titre",
        "organisme",
        "description",
        "commune",
        "code_postal",
        "contrat",
        "duree",
        "horaires",
        "niveau",
        "debut",
        "date_limite",
        "places",
        "candidature",
        "themes",
    ])?;
    let future = today
        .checked_add_days(Days::new(30))
        .expect("date in range")
        .format("%Y-%m-%d")
        .to_string();
    for (i, r) in rows.iter().enumerate() {
        let deadline = match &r.deadline {
            Some(d) if d.as_str() < future.as_str() => future.clone(),
            Some(d) => d.clone(),
            None => String::new(),
        };
        // A deadline and a start: an event's registrations must close before it starts, so
        // only one of the two is written.
        let start = match (&r.start_date, r.deadline.is_some()) {
            (Some(s), false) => s.clone(),
            _ => String::new(),
        };
        out.write_record([
            format!("gen-{i}").as_str(),
            r.kind,
            &r.title,
            &r.organisation,
            &r.description,
            &r.town,
            &r.postcode,
            r.contract,
            r.duration,
            r.hours,
            r.level,
            &start,
            &deadline,
            &r.places.map(|p| p.to_string()).unwrap_or_default(),
            &r.apply,
            &r.themes,
        ])?;
    }
    out.flush()?;
    eprintln!(
        "{count} opportunities written to {path} in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn generate(
    path: &str,
    count: usize,
    seed: u64,
    today: NaiveDate,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let db = db::connect(&format!("sqlite://{path}")).await?;
    let mut structure_ids = Vec::new();
    for (slug, name, town) in STRUCTURES {
        let s = accounts::add_structure(&db, slug, name, town, "contact@example.org")
            .await
            .map_err(|e| format!("{e:?}"))?;
        structure_ids.push(s.id);
    }

    let (rows, expired) = make_rows(count, seed, today, &structure_ids);
    let generated = started.elapsed();

    const COLUMNS: &str = "structure_id, author_id, kind, title, organisation, description, town, \
        postcode, insee, lat, lon, remote, contract, duration, hours, level, level_rank, start_date, \
        deadline, places, taken, apply, themes, status, source, external_id, source_url, \
        published_at, created_at, updated_at";
    const PER_ROW: usize = 30;
    const BATCH: usize = 500; // 15,500 parameters, under SQLite's 32,766
    let one = format!("({})", vec!["?"; PER_ROW].join(", "));
    let mut tx = db.pool.begin().await?;
    for chunk in rows.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO opportunities ({COLUMNS}) VALUES {}",
            vec![one.as_str(); chunk.len()].join(", ")
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(r.structure_id)
                .bind(None::<i64>)
                .bind(r.kind)
                .bind(r.title.as_str())
                .bind(r.organisation.as_str())
                .bind(r.description.as_str())
                .bind(r.town.as_str())
                .bind(r.postcode.as_str())
                .bind(r.insee.as_str())
                .bind(r.lat)
                .bind(r.lon)
                .bind(r.remote)
                .bind(r.contract)
                .bind(r.duration)
                .bind(r.hours)
                .bind(r.level)
                .bind(r.level_rank)
                .bind(r.start_date.as_deref())
                .bind(r.deadline.as_deref())
                .bind(r.places)
                .bind(r.taken)
                .bind(r.apply.as_str())
                .bind(r.themes.as_str())
                .bind("publiee")
                .bind("")
                .bind(None::<String>)
                .bind("")
                .bind(r.published_at)
                .bind(r.published_at)
                .bind(r.published_at);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    db.pool.close().await;
    eprintln!(
        "{count} opportunities ({expired} with a past deadline) in {path}: generated in {:.2} s, written in {:.2} s",
        generated.as_secs_f64(),
        (started.elapsed() - generated).as_secs_f64()
    );
    Ok(())
}

/// The opportunities, drawn from `seed`, each in one of `structure_ids`; and how many have a
/// past deadline.
fn make_rows(
    count: usize,
    seed: u64,
    today: NaiveDate,
    structure_ids: &[i64],
) -> (Vec<Row>, usize) {
    // Communes weighted by population; the three cities with arrondissements count through
    // them only.
    let places: Vec<&communes::Commune> = communes::all()
        .iter()
        .filter(|c| !matches!(c.insee.as_str(), "75056" | "69123" | "13055"))
        .filter(|c| c.population > 0)
        .collect();
    let mut cumulative = Vec::with_capacity(places.len());
    let mut total = 0u64;
    for c in &places {
        total += u64::from(c.population);
        cumulative.push(total);
    }

    let mut rng = Rng::new(seed);
    let now = chrono::Utc::now().timestamp();
    let today_ts = today
        .and_hms_opt(12, 0, 0)
        .expect("noon")
        .and_utc()
        .timestamp();
    let day = |offset: i64| -> String {
        let d = if offset >= 0 {
            today.checked_add_days(Days::new(offset as u64))
        } else {
            today.checked_sub_days(Days::new((-offset) as u64))
        };
        d.expect("date in range").format("%Y-%m-%d").to_string()
    };
    let mut rows = Vec::with_capacity(count);
    let mut expired = 0usize;
    for i in 0..count {
        let r = rng.below(total);
        let commune = places[cumulative.partition_point(|&c| c <= r)];
        let k = rng.weighted(&KIND_WEIGHTS);
        let kind = Kind::ALL[k].as_str();
        let l = rng.weighted(&LEVEL_WEIGHTS);
        let level = Level::ALL[l].as_str();
        let title = match kind {
            "formation" => rng.pick(TRAININGS).to_string(),
            "service-civique" => format!("Service civique : {}", rng.pick(CIVIC).to_lowercase()),
            "evenement" => rng.pick(EVENTS).to_string(),
            "stage" => format!("Stage {}", rng.pick(JOBS).to_lowercase()),
            "alternance" => format!("{} en alternance", rng.pick(JOBS)),
            "job-saisonnier" => format!("{} (saison)", rng.pick(JOBS)),
            "benevolat" => format!("Bénévole : {}", rng.pick(CIVIC).to_lowercase()),
            _ => format!("{} H/F", rng.pick(JOBS)),
        };
        let organisation = rng.pick(ORGANISATIONS).to_string();
        let mut description = String::new();
        for p in 0..(2 + rng.below(2)) {
            if p > 0 {
                description.push_str("\n\n");
            }
            for s in 0..(2 + rng.below(3)) {
                if s > 0 {
                    description.push(' ');
                }
                description.push_str(rng.pick::<&str>(SENTENCES));
            }
        }
        if rng.percent(30) {
            description.push_str("\n\n**Ce que nous proposons :**\n\n- un tuteur\n- une formation au poste\n- des horaires adaptés");
        }
        let contract = match kind {
            "emploi" | "job-saisonnier" => *rng.pick(&CONTRACTS[..3]),
            "alternance" => *rng.pick(&CONTRACTS[3..5]),
            _ => "",
        };
        let duration = *rng.pick(DURATIONS);
        let hours = *rng.pick(HOURS);
        let mut themes: Vec<&str> = (0..1 + rng.below(3)).map(|_| *rng.pick(THEMES)).collect();
        themes.dedup();
        // Published in the last 180 days; a deadline for 60 %, a fifth of them already past.
        let published_days_ago = rng.below(180) as i64;
        let published_at =
            (today_ts - published_days_ago * 86_400 - rng.below(86_400) as i64).min(now);
        let start_date = rng.percent(50).then(|| day(rng.below(120) as i64 - 10));
        let deadline = if rng.percent(60) {
            let past = rng.percent(20);
            if past {
                expired += 1;
                Some(day(-1 - rng.below(90) as i64))
            } else {
                Some(day(rng.below(120) as i64))
            }
        } else {
            None
        };
        let places_n =
            matches!(kind, "evenement" | "formation").then(|| 10 + rng.below(190) as i64);
        let taken = places_n.map_or(0, |p| rng.below(p as u64 + 1) as i64);
        let apply = match rng.below(3) {
            0 => format!("https://emplois.example.org/offres/{i}"),
            1 => "recrutement@example.org".to_string(),
            _ => String::new(),
        };
        let remote = i64::from(rng.percent(3));
        let town = commune.name.clone();
        rows.push(Row {
            structure_id: *rng.pick(structure_ids),
            kind,
            title,
            organisation,
            description,
            postcode: commune.postcodes.first().cloned().unwrap_or_default(),
            insee: commune.insee.clone(),
            town,
            lat: commune.lat,
            lon: commune.lon,
            remote,
            contract,
            duration,
            hours,
            level,
            level_rank: l as i64,
            start_date,
            deadline,
            places: places_n,
            taken,
            apply,
            themes: themes.join(","),
            published_at,
        });
    }
    (rows, expired)
}
