//! Imports: rows read from a file (`import`) checked all together, then written in one
//! transaction (all or nothing unless asked), each with its outbox row.

use super::*;

/// One row of an import: where it is in the file, and what it holds.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The line of the file where the row starts.
    pub line: usize,
    /// The row, or why it could not even be read.
    pub draft: Result<Draft, String>,
}

/// What an import did, or would have done.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    /// Rows left out: (line, reason), the first `limits::IMPORT_MAX_REPORTED_ERRORS` by line.
    pub errors: Vec<(usize, String)>,
    /// How many rows were left out in all.
    pub error_count: usize,
    /// Whether anything was written.
    pub written: bool,
    /// Every line left out, while the rows are checked.
    #[serde(skip)]
    bad_lines: Vec<usize>,
}

/// Imports rows for `structure`. With errors, nothing is written unless `skip_bad`; then the
/// good rows are written and the bad ones reported. Rows with an external id already known
/// (same structure and source) update that opportunity instead of adding one. Imported
/// opportunities are published unless the row gives another status.
pub async fn import(
    db: &Db,
    user: &User,
    structure_slug: &str,
    rows: Vec<ImportRow>,
    skip_bad: bool,
) -> Result<ImportReport, AppError> {
    let structure = target_structure(db, user, structure_slug).await?;
    import_into(db, &structure, Some(user.id), rows, skip_bad).await
}

/// Checks import rows: the valid ones, with their line, and the report of the others (the
/// first `IMPORT_MAX_REPORTED_ERRORS` by line, and their count). Only the rows checked
/// before `IMPORT_MAX_SUGGESTIONS` errors are found get suggestions for an unknown commune:
/// the rows are checked in line order, so the rows after them are never reported anyway.
fn check_rows(mut rows: Vec<ImportRow>) -> (ImportReport, Vec<(usize, Valid)>) {
    let mut report = ImportReport::default();
    let mut good = Vec::new();
    rows.sort_by_key(|row| row.line);
    for row in rows {
        match row.draft {
            Err(m) => report.errors.push((row.line, m)),
            Ok(mut d) => {
                if d.status.trim().is_empty() {
                    d.status = Status::Published.as_str().into();
                }
                let suggest = report.errors.len() < limits::IMPORT_MAX_SUGGESTIONS;
                match draft::validate_with(&d, suggest) {
                    Ok(v) => good.push((row.line, v)),
                    Err(fields) => report.errors.push((
                        row.line,
                        fields
                            .iter()
                            .map(|(f, m)| format!("{} : {m}", field_label(f)))
                            .collect::<Vec<_>>()
                            .join(" ; "),
                    )),
                }
            }
        }
    }
    let mut seen = BTreeMap::new();
    for (line, v) in &good {
        if let Some(ext) = &v.external_id {
            if let Some(first) = seen.insert(ext.clone(), *line) {
                report.errors.push((
                    *line,
                    format!("identifiant « {ext} » déjà utilisé ligne {first} du même fichier"),
                ));
            }
        }
    }
    report.errors.sort();
    report.error_count = report.errors.len();
    report.bad_lines = report.errors.iter().map(|e| e.0).collect();
    report.errors.truncate(limits::IMPORT_MAX_REPORTED_ERRORS);
    (report, good)
}

/// `import` for a given structure, by a given author (none from the command line).
pub async fn import_into(
    db: &Db,
    structure: &Structure,
    author: Option<i64>,
    rows: Vec<ImportRow>,
    skip_bad: bool,
) -> Result<ImportReport, AppError> {
    let checked = check_import(rows).await?;
    if checked.report.error_count > 0 && !skip_bad {
        return Ok(checked.report);
    }
    let mut tx = db.pool.begin().await?;
    let report = write_import(&mut tx, structure, author, checked, skip_bad).await?;
    if report.written {
        tx.commit().await?;
    }
    Ok(report)
}

/// Import rows once checked: the valid ones with their line, and the report of the others.
#[derive(Debug)]
pub struct CheckedImport {
    report: ImportReport,
    good: Vec<(usize, Valid)>,
}

impl CheckedImport {
    /// What is wrong with the rows (nothing written yet).
    pub fn report(&self) -> &ImportReport {
        &self.report
    }
}

/// Checks import rows (communes resolved, up to `IMPORT_MAX_ROWS`): CPU work, on a blocking
/// thread, off the async workers.
pub async fn check_import(rows: Vec<ImportRow>) -> Result<CheckedImport, AppError> {
    let (report, good) = tokio::task::spawn_blocking(move || check_rows(rows))
        .await
        .map_err(|e| AppError::Internal(format!("vérification de l'import : {e}")))?;
    Ok(CheckedImport { report, good })
}

/// Writes checked rows for `structure` inside `tx`, with their `search_outbox` rows, by
/// batched upserts (`store::write_many`). With errors, nothing is written unless `skip_bad`.
/// The caller commits when the report says `written`, and drops the transaction otherwise
/// (an error while writing abandons the whole import).
pub async fn write_import(
    tx: &mut Transaction<'_, Any>,
    structure: &Structure,
    author: Option<i64>,
    checked: CheckedImport,
    skip_bad: bool,
) -> Result<ImportReport, AppError> {
    let CheckedImport { mut report, good } = checked;
    if report.error_count > 0 && !skip_bad {
        return Ok(report);
    }
    let bad: std::collections::BTreeSet<usize> = report.bad_lines.iter().copied().collect();
    report.bad_lines = Vec::new();
    let rows: Vec<&Valid> = good
        .iter()
        .filter(|(l, _)| !bad.contains(l))
        .map(|(_, v)| v)
        .collect();
    let (created, updated) = write_many(tx, structure.id, author, &rows).await?;
    report.created = created;
    report.updated = updated;
    report.written = true;
    Ok(report)
}

impl ImportReport {
    /// The report in French, one line per fact, for the command line.
    pub fn lines(&self, file: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .errors
            .iter()
            .map(|(line, m)| format!("{file}:{line}: {m}"))
            .collect();
        if self.written {
            out.push(format!(
                "{} opportunité(s) ajoutée(s), {} mise(s) à jour{}.",
                self.created,
                self.updated,
                if self.error_count == 0 {
                    String::new()
                } else {
                    format!(", {} ligne(s) laissée(s) de côté", self.error_count)
                }
            ));
        } else {
            out.push(format!(
                "Rien n'a été importé : {} ligne(s) à corriger (ou relancez avec --ignorer-erreurs pour importer les lignes correctes).",
                self.error_count
            ));
        }
        if self.error_count > self.errors.len() {
            out.insert(
                self.errors.len(),
                format!(
                    "… et {} autre(s) ligne(s) à corriger, non détaillées ici.",
                    self.error_count - self.errors.len()
                ),
            );
        }
        out
    }
}

/// A field's name in French, for import reports.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "kind" => "type",
        "title" => "titre",
        "organisation" => "organisme",
        "description" => "description",
        "town" => "commune",
        "postcode" => "code postal",
        "latitude" | "longitude" => "coordonnées",
        "contract" => "contrat",
        "duration" => "durée",
        "hours" => "horaires",
        "level" => "niveau",
        "start_date" => "début",
        "deadline" => "date limite",
        "places" => "places",
        "apply" => "candidature",
        "themes" => "thèmes",
        "status" => "statut",
        "structure" => "structure",
        "external_id" => "identifiant",
        "source_url" => "lien d'origine",
        "source" => "source",
        _ => "champ",
    }
}
