//! The demo's example data, loaded by `tremplin serve` into a new database: the structures of
//! `demo/structures.toml`, their opportunities and a demo counsellor's account, all in one
//! transaction. A site is the demo when it has that file (a real Mission Locale's site has no
//! `demo/` folder); a database is new when it has no structure and no account. Dates in the
//! demo's opportunity files are written relative to the day of loading (`J+30`), so the demo
//! never shows an offer that has expired.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::Row;

use crate::domain::accounts::{self, Role, Structure, User};
use crate::domain::opportunities::{self, CheckedImport, ImportRow};
use crate::infra::config::ApiConfig;
use crate::infra::db::{Backend, Db};
use crate::infra::error::AppError;

/// The file that makes a site the demo, relative to the site's root.
pub const MANIFEST: &str = "demo/structures.toml";

/// The furthest a relative date may go: ten years.
const MAX_DAYS: u64 = 3650;

/// `demo/structures.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    structures: Vec<StructureEntry>,
    counsellor: Option<CounsellorEntry>,
}

/// A structure of the demo and the file of its opportunities.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StructureEntry {
    slug: String,
    name: String,
    town: String,
    #[serde(default)]
    contact: String,
    /// A CSV or JSON file in the importer's format, relative to `demo/`, its dates `J+N`.
    opportunities: Option<String>,
}

/// The demo counsellor: an account without password whose invitation link is printed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CounsellorEntry {
    structure: String,
    email: String,
    #[serde(default)]
    first_name: String,
}

/// What `load` did.
#[derive(Debug)]
pub enum Outcome {
    /// The site has no `demo/structures.toml`: nothing to load.
    NotDemo,
    /// The database already has structures or accounts: it is left as it is.
    NotNew,
    /// The database is new but the demo was declined (`tremplin serve --sans-demo`).
    Declined,
    /// The demo was loaded.
    Loaded(Box<Loaded>),
}

/// What was loaded.
#[derive(Debug)]
pub struct Loaded {
    pub structures: Vec<Structure>,
    /// Opportunities written as published, and as drafts.
    pub published: usize,
    pub drafts: usize,
    /// The demo counsellor and the link to choose their password.
    pub counsellor: Option<(User, String)>,
    /// Whether the database is the default SQLite file under the site's `data/`.
    pub database_in_data: bool,
    /// How long the invitation link works, in days.
    pub invite_days: i64,
}

/// A date of a demo file as a real date: `J` is the day of loading, `J+30` thirty days after;
/// empty stays empty. Anything else is refused: a fixed date would expire.
pub fn resolve_date(value: &str, today: NaiveDate) -> Result<String, String> {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Ok(String::new());
    }
    let refused = || {
        format!(
            "« {} » : dans les fichiers de la démonstration, une date s'écrit J+N (N jours après le chargement, par exemple J+30), pour ne jamais être dépassée",
            value.trim()
        )
    };
    let rest = compact.strip_prefix(['J', 'j']).ok_or_else(refused)?;
    let days = match rest.strip_prefix('+') {
        None if rest.is_empty() => 0,
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n
            .parse::<u64>()
            .ok()
            .filter(|d| *d <= MAX_DAYS)
            .ok_or_else(|| format!("« {} » : au plus J+{MAX_DAYS} (dix ans)", value.trim()))?,
        _ => return Err(refused()),
    };
    today
        .checked_add_days(chrono::Days::new(days))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(refused)
}

/// Turns the `J+N` dates of read rows into real ones; a row with a bad date gets its error.
fn resolve_rows(rows: &mut [ImportRow], today: NaiveDate) {
    for row in rows {
        let Ok(draft) = &mut row.draft else { continue };
        let mut problems = Vec::new();
        for (label, value) in [
            ("début", &mut draft.start_date),
            ("date limite", &mut draft.deadline),
        ] {
            match resolve_date(value, today) {
                Ok(date) => *value = date,
                Err(m) => problems.push(format!("{label} : {m}")),
            }
        }
        if !problems.is_empty() {
            row.draft = Err(problems.join(" ; "));
        }
    }
}

/// An error as one French text, for the console.
fn shown(e: AppError) -> String {
    match e {
        AppError::Invalid(fields) => fields
            .into_iter()
            .map(|(_, m)| m)
            .collect::<Vec<_>>()
            .join(" ; "),
        AppError::Internal(detail) => format!("erreur interne : {detail}"),
        e => e.message(),
    }
}

/// Whether the database holds a structure or an account (a youth may have no structure).
async fn has_data(conn: &mut sqlx::AnyConnection) -> Result<bool, String> {
    let row =
        sqlx::query("SELECT (SELECT COUNT(*) FROM structures) + (SELECT COUNT(*) FROM users) AS n")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| format!("lecture de la base impossible : {e}"))?;
    let n: i64 = row
        .try_get("n")
        .map_err(|e| format!("lecture de la base impossible : {e}"))?;
    Ok(n > 0)
}

/// Loads the demo of the site at `config.site_root` into `db` if the site is the demo and the
/// database has neither structure nor account; `wanted = false` only reports that it would
/// have. Everything is written in one transaction, or nothing (a problem in the demo's files
/// is an `Err` naming the file and line, and the next start tries again). Replicas starting
/// together load it once: the transaction first takes a lock, then checks again that the
/// database is empty.
pub async fn load(db: &Db, config: &ApiConfig, wanted: bool) -> Result<Outcome, String> {
    let manifest_path = config.site_root.join(MANIFEST);
    if !manifest_path.is_file() {
        return Ok(Outcome::NotDemo);
    }
    {
        let mut conn = db
            .pool
            .acquire()
            .await
            .map_err(|e| format!("connexion à la base impossible : {e}"))?;
        if has_data(&mut conn).await? {
            return Ok(Outcome::NotNew);
        }
    }
    if !wanted {
        return Ok(Outcome::Declined);
    }
    let today = chrono::Utc::now().date_naive();
    let (manifest, files) = read(&config.site_root, today).await?;

    let mut tx = db
        .pool
        .begin()
        .await
        .map_err(|e| format!("connexion à la base impossible : {e}"))?;
    // Held until the commit: a second loader waits here, then finds the data.
    let lock = match db.backend {
        Backend::Postgres => "LOCK TABLE structures, users IN SHARE ROW EXCLUSIVE MODE",
        // A write as the first statement takes SQLite's write lock (waiting for it up to the
        // busy timeout) before anything is read, so the check below sees the latest commit.
        Backend::Sqlite => "UPDATE structures SET slug = slug WHERE id < 0",
    };
    sqlx::query(lock)
        .execute(&mut *tx)
        .await
        .map_err(|e| format!("verrou de la base impossible : {e}"))?;
    if has_data(&mut tx).await? {
        return Ok(Outcome::NotNew);
    }
    let mut structures = Vec::new();
    let (mut published, mut drafts) = (0, 0);
    for (entry, file) in manifest.structures.iter().zip(files) {
        let structure = accounts::add_structure_in(
            &mut tx,
            &entry.slug,
            &entry.name,
            &entry.town,
            &entry.contact,
        )
        .await
        .map_err(|e| format!("{MANIFEST}, structure « {} » : {}", entry.slug, shown(e)))?;
        if let Some((name, checked, draft_count)) = file {
            let report = opportunities::write_import(&mut tx, &structure, None, checked, false)
                .await
                .map_err(shown)?;
            if !report.written {
                return Err(report.lines(&name).join("\n"));
            }
            published += report.created - draft_count;
            drafts += draft_count;
        }
        structures.push(structure);
    }
    let counsellor = match &manifest.counsellor {
        Some(c) => {
            let structure = structures
                .iter()
                .find(|s| s.slug == c.structure.trim().to_lowercase())
                .ok_or_else(|| {
                    format!(
                        "{MANIFEST}, [counsellor] : structure « {} » absente de [[structures]]",
                        c.structure
                    )
                })?;
            let (user, token) = accounts::invite_in(
                &mut tx,
                config,
                &c.email,
                Role::Counsellor,
                Some(structure),
                &c.first_name,
            )
            .await
            .map_err(|e| format!("{MANIFEST}, [counsellor] : {}", shown(e)))?;
            Some((user, accounts::invitation_link(config, &token)))
        }
        None => None,
    };
    tx.commit()
        .await
        .map_err(|e| format!("écriture de la démonstration impossible : {e}"))?;
    let default_db = format!(
        "sqlite://{}",
        config.site_root.join("data/tremplin.db").display()
    );
    Ok(Outcome::Loaded(Box::new(Loaded {
        structures,
        published,
        drafts,
        counsellor,
        database_in_data: config.database_url == default_db,
        invite_days: config.invite_validity / (24 * 3600),
    })))
}

/// A structure's opportunities, read and checked: the file's name as shown, the rows, and how
/// many of them are drafts.
type CheckedFile = (String, CheckedImport, usize);

/// Reads and checks the manifest and every opportunity file before anything is written.
async fn read(
    root: &Path,
    today: NaiveDate,
) -> Result<(Manifest, Vec<Option<CheckedFile>>), String> {
    let text = std::fs::read_to_string(root.join(MANIFEST))
        .map_err(|e| format!("{MANIFEST} : lecture impossible : {e}"))?;
    let manifest: Manifest =
        toml::from_str(&text).map_err(|e| format!("{MANIFEST} : {}", e.message()))?;
    if manifest.structures.is_empty() {
        return Err(format!(
            "{MANIFEST} : aucune structure ([[structures]] avec slug, name, town)"
        ));
    }
    let mut files = Vec::new();
    for entry in &manifest.structures {
        let Some(file) = &entry.opportunities else {
            files.push(None);
            continue;
        };
        let name = format!("demo/{file}");
        let bytes = std::fs::read(root.join("demo").join(file))
            .map_err(|e| format!("{name} : lecture impossible : {e}"))?;
        let mut rows = crate::domain::opportunities::import::parse(&bytes, &name)
            .map_err(|m| format!("{name} : {m}"))?;
        resolve_rows(&mut rows, today);
        let draft_count = rows
            .iter()
            .filter(|r| {
                r.draft.as_ref().is_ok_and(|d| {
                    opportunities::parse_status(&d.status) == Some(opportunities::Status::Draft)
                })
            })
            .count();
        let checked = opportunities::check_import(rows).await.map_err(shown)?;
        if checked.report().error_count > 0 {
            let mut lines = checked.report().lines(&name);
            // The importer's advice (--ignorer-erreurs) does not apply here.
            lines.pop();
            return Err(lines.join("\n"));
        }
        files.push(Some((name, checked, draft_count)));
    }
    Ok((manifest, files))
}

impl Outcome {
    /// What to print on the console at start-up, in French (nothing when there is nothing to
    /// say).
    pub fn lines(&self) -> Vec<String> {
        match self {
            Outcome::NotDemo | Outcome::NotNew => Vec::new(),
            Outcome::Declined => vec![
                "Démonstration : base neuve laissée vide (--sans-demo). Sans cette option, les exemples de demo/ y seront chargés tant qu'elle est vide.".to_string(),
            ],
            Outcome::Loaded(l) => l.lines(),
        }
    }
}

impl Loaded {
    fn lines(&self) -> Vec<String> {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n > 1 { many } else { one });
        let slugs: Vec<&str> = self.structures.iter().map(|s| s.slug.as_str()).collect();
        let mut what = format!(
            "{} ({}), {}",
            plural(
                self.structures.len(),
                "structure d'exemple",
                "structures d'exemple"
            ),
            slugs.join(", "),
            plural(
                self.published,
                "opportunité publiée",
                "opportunités publiées"
            )
        );
        if self.drafts > 0 {
            what.push_str(&format!(
                " et {}",
                plural(self.drafts, "brouillon", "brouillons")
            ));
        }
        let mut out = vec![format!(
            "Démonstration : base neuve, exemples de demo/ chargés : {what}."
        )];
        match &self.counsellor {
            Some((user, link)) => {
                let slug = user.structure.as_ref().map_or("", |s| s.slug.as_str());
                out.push(format!(
                    "Côté conseiller : choisissez le mot de passe du compte de démonstration {} ({}, structure {slug}) avec ce lien, valable {} jours, puis connectez-vous avec cette adresse :",
                    user.email, user.first_name, self.invite_days
                ));
                out.push(format!("  {link}"));
            }
            None => {
                if let Some(first) = slugs.first() {
                    out.push(format!(
                        "Côté conseiller : `tremplin user invite --role counsellor --structure {first} votre@adresse.fr` affiche un lien pour choisir votre mot de passe."
                    ));
                }
            }
        }
        out.push(if self.database_in_data {
            "Pour démarrer sans ces exemples : arrêtez Tremplin, supprimez le dossier data/ et relancez avec `tremplin serve --sans-demo` (ou retirez le dossier demo/).".to_string()
        } else {
            "Pour démarrer sans ces exemples : arrêtez Tremplin, videz la base de données et relancez avec `tremplin serve --sans-demo` (ou retirez le dossier demo/).".to_string()
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, &str>) {
        let today = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        let got = resolve_date(input, today);
        match expected {
            Ok(date) => assert_eq!(got.as_deref(), Ok(date), "{input:?}"),
            Err(part) => {
                let m = got.expect_err(input);
                assert!(m.contains(part), "{input:?}: {m}");
            }
        }
    }

    #[test]
    fn relative_dates_count_from_the_day_of_loading() {
        check("", Ok(""));
        check("   ", Ok(""));
        check("J", Ok("2026-12-20"));
        check("J+1", Ok("2026-12-21"));
        // Across the end of the year and of February.
        check("J+30", Ok("2027-01-19"));
        check("j+70", Ok("2027-02-28"));
        check("J+71", Ok("2027-03-01"));
        check(" J + 14 ", Ok("2027-01-03"));
        check("J+3650", Ok("2036-12-17"));
    }

    #[test]
    fn fixed_past_or_malformed_dates_are_refused() {
        for input in [
            "2027-01-04",
            "04/01/2027",
            "J-3",
            "J+",
            "J+trente",
            "J+1.5",
            "D+3",
            "JJ+2",
            "J+-1",
        ] {
            check(input, Err("une date s'écrit J+N"));
        }
        check("J+3651", Err("au plus J+3650"));
        check("J+99999999999999999999", Err("au plus J+3650"));
    }

    #[test]
    fn rows_get_real_dates_or_their_error() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        let draft = |start: &str, deadline: &str| opportunities::Draft {
            start_date: start.into(),
            deadline: deadline.into(),
            ..Default::default()
        };
        let mut rows = vec![
            ImportRow {
                line: 2,
                draft: Ok(draft("J+10", "J+9")),
            },
            ImportRow {
                line: 3,
                draft: Ok(draft("2027-01-04", "J-1")),
            },
            ImportRow {
                line: 4,
                draft: Err("illisible".into()),
            },
        ];
        resolve_rows(&mut rows, today);
        let d = rows[0].draft.as_ref().unwrap();
        assert_eq!(
            (d.start_date.as_str(), d.deadline.as_str()),
            ("2026-12-30", "2026-12-29")
        );
        let m = rows[1].draft.as_ref().unwrap_err();
        assert!(
            m.starts_with("début : « 2027-01-04 »") && m.contains(" ; date limite : « J-1 »"),
            "{m}"
        );
        assert_eq!(rows[2].draft.as_ref().unwrap_err(), "illisible");
    }

    #[test]
    fn the_console_says_what_was_loaded_and_how_to_start_empty() {
        let structure = |slug: &str, name: &str| Structure {
            id: 1,
            slug: slug.into(),
            name: name.into(),
            town: String::new(),
            contact: String::new(),
        };
        let loaded = Loaded {
            structures: vec![structure("lille", "ML"), structure("grenoble", "ML2")],
            published: 19,
            drafts: 1,
            counsellor: None,
            database_in_data: false,
            invite_days: 7,
        };
        assert_eq!(
            Outcome::Loaded(Box::new(loaded)).lines(),
            [
                "Démonstration : base neuve, exemples de demo/ chargés : 2 structures d'exemple (lille, grenoble), 19 opportunités publiées et 1 brouillon.",
                "Côté conseiller : `tremplin user invite --role counsellor --structure lille votre@adresse.fr` affiche un lien pour choisir votre mot de passe.",
                "Pour démarrer sans ces exemples : arrêtez Tremplin, videz la base de données et relancez avec `tremplin serve --sans-demo` (ou retirez le dossier demo/).",
            ]
        );
        assert!(Outcome::NotNew.lines().is_empty());
        assert!(Outcome::NotDemo.lines().is_empty());
    }
}
