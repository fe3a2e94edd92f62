//! Times a whole digest with the file transport: `--youths N` opted-in youths (inserted
//! directly, one shared password hash), a few news and guides, 200 fresh opportunities and an
//! alert for one youth in ten (five different searches, some with keywords).
//!
//! cargo run --release -p tremplin-api --example bench_digest -- --youths 100000

use std::path::Path;
use std::time::Instant;

use tremplin_api::domain::accounts::{self, Role};
use tremplin_api::domain::newsletter::{self, Options};
use tremplin_api::domain::opportunities::{self as opp, Draft};
use tremplin_api::http::preview::Preview;
use tremplin_api::infra::config::ApiConfig;
use tremplin_generator::documents::ContentDoc;
use tremplin_generator::live::Live;
use tremplin_generator::BuildOptions;

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn doc(id: &str, kind: &'static str, title: &str, date: i64) -> ContentDoc {
    ContentDoc {
        id: id.into(),
        kind,
        title: title.into(),
        description: format!("{title} : ce qu'il faut savoir."),
        headings: Vec::new(),
        text: title.into(),
        themes: Vec::new(),
        publics: Vec::new(),
        url: format!("/{}/", id.replace('-', "/")),
        date: Some(date),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let youths: usize = args
        .iter()
        .position(|a| a == "--youths")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let parallel: usize = args
        .iter()
        .position(|a| a == "--parallel")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(8);

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::write(
        root.join("tremplin.toml"),
        "title = \"Tremplin\"\nbase_url = \"https://tremplin.example\"\ntheme = \"tremplin\"\n[extra]\nstructure = \"Mission Locale\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("content")).unwrap();
    std::fs::write(
        root.join("content/_index.md"),
        "+++\ntitle = \"Accueil\"\n+++\n",
    )
    .unwrap();
    copy_dir(&repo.join("themes/tremplin"), &root.join("themes/tremplin"));
    let live = Live::new(BuildOptions::new(root)).unwrap();
    let site = live.site().config.clone();
    let config = ApiConfig::new(root, &site, |_| None).unwrap();
    let state = tremplin_api::state(config, Preview::new(live, false))
        .await
        .unwrap();
    let db = &state.db;

    let t0 = Instant::now();
    accounts::add_structure(db, "lille", "Mission Locale de Lille", "Lille", "")
        .await
        .unwrap();
    let (staff, _) = accounts::invite(
        db,
        &state.config,
        "conseil@exemple.fr",
        Role::Counsellor,
        Some("lille"),
        "Sam",
    )
    .await
    .unwrap();
    let hash = tremplin_api::infra::auth::hash_password("un velo rouge sous la pluie");
    let now = tremplin_api::infra::db::now();
    let mut tx = db.pool.begin().await.unwrap();
    for chunk in (0..youths).collect::<Vec<_>>().chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!(
                    "('jeune{i}@exemple.fr', '{hash}', 'Camille', 'youth', FALSE, {now}, {now})"
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO users (email, password_hash, first_name, role, disabled, created_at, updated_at) VALUES {}",
            values.join(",")
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query(&format!(
        "INSERT INTO newsletter_consents (user_id, subscribed, consented_at, source, updated_at) \
         SELECT id, 1, {now}, 'inscription', {now} FROM users WHERE role = 'youth'"
    ))
    .execute(&mut *tx)
    .await
    .unwrap();
    let searches = [
        "type=stage",
        "q=boulangerie",
        "type=alternance&lieu=Lille&rayon=30",
        "type=emploi&q=vente",
        "lieu=59000&rayon=20",
    ];
    let mut alerts = 0;
    for (n, q) in searches.iter().enumerate() {
        let r = sqlx::query(&format!(
            "INSERT INTO saved_searches (user_id, name, query, frequency, created_at, last_sent_at) \
             SELECT id, 'Mon alerte', '{q}', 'quotidienne', {c}, {c} FROM users \
             WHERE role = 'youth' AND id % 50 = {n}",
            c = now - 86_400
        ))
        .execute(&mut *tx)
        .await
        .unwrap();
        alerts += r.rows_affected();
    }
    tx.commit().await.unwrap();

    let kinds = ["stage", "alternance", "emploi", "formation"];
    let words = ["boulangerie", "vente", "mécanique", "accueil", "logistique"];
    for i in 0..200 {
        let draft = Draft {
            kind: kinds[i % kinds.len()].into(),
            title: format!(
                "{} en {} n° {i}",
                kinds[i % kinds.len()],
                words[i % words.len()]
            ),
            organisation: "Entreprise".into(),
            description: format!("Un poste en {}.", words[i % words.len()]),
            town: "Lille".into(),
            status: "publiee".into(),
            ..Draft::default()
        };
        let user = accounts::user_by_id(db, staff.id).await.unwrap().unwrap();
        opp::create(db, &user, &draft).await.unwrap();
    }
    sqlx::query("UPDATE opportunities SET published_at = $1")
        .bind(now - 3600)
        .execute(&db.pool)
        .await
        .unwrap();
    tremplin_api::index::sync::configure(state.search.as_ref(), &[])
        .await
        .unwrap();
    tremplin_api::index::sync::drain(
        db,
        state.search.as_ref(),
        &tremplin_api::domain::opportunities::IndexSource,
    )
    .await
    .unwrap();
    let today = now / 86_400 * 86_400;
    let docs = [
        doc(
            "actualites-salon",
            "actualite",
            "Salon de l'alternance",
            today,
        ),
        doc("actualites-forum", "actualite", "Forum de l'emploi", today),
        doc("guides-cv", "guide", "Faire son CV", today),
        doc(
            "guides-logement",
            "guide",
            "Trouver un logement",
            today - 2 * 86_400,
        ),
    ]
    .iter()
    .map(tremplin_api::index::documents::content_document)
    .collect();
    tremplin_api::index::contents::sync_contents(state.search.as_ref(), &state.contents, &[], docs)
        .await
        .unwrap();
    println!(
        "set-up: {youths} youths, {alerts} alerts, 200 opportunities, 4 pages in {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let report = newsletter::send(
        &state.mailing(),
        &Options {
            parallel,
            started_by: "bench".into(),
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!("{}", report.summary());
    let files = std::fs::read_dir(root.join("data/outbox"))
        .map(|d| d.count())
        .unwrap_or(0);
    println!(
        "digest: {} emails ({} files) in {secs:.1} s, {:.0} emails/s (parallel {parallel})",
        report.sent,
        files,
        report.sent as f64 / secs
    );
}
