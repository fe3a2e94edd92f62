//! CSV files as spreadsheets export them: the delimiter and Windows-1252 detected, each row with its line.

use super::*;

pub(super) fn parse_csv(text: &str) -> Result<Vec<ImportRow>, String> {
    // Excel may open its file with a `sep=;` line that names the delimiter.
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep_line = first
        .trim()
        .strip_prefix("sep=")
        .and_then(|s| s.chars().next())
        .filter(|c| c.is_ascii());
    let delimiter = match sep_line {
        Some(c) => c as u8,
        None => detect_delimiter(first),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(1, |p| p.line());
        format!("Le fichier CSV est illisible à la ligne {line}.")
    };
    let mut next = || records.next().transpose().map_err(csv_error);
    let mut header = next()?;
    if sep_line.is_some() {
        header = next()?;
    }
    let Some(header) = header else {
        return Err("Le fichier ne contient pas de ligne d'en-tête.".into());
    };
    // The csv crate's `Position::line()` is one short after a CRLF (the record "starts" on
    // the `\n` that ends the previous one): count from the first byte of the record instead.
    let lines = Lines::new(text);
    let line_of = |record: &csv::StringRecord| {
        let mut offset = record.position().map_or(0, |p| p.byte() as usize);
        while matches!(text.as_bytes().get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        lines.at(offset)
    };
    let header_line = line_of(&header);
    let columns = columns(&header, header_line)?;
    let mut rows = Vec::new();
    while let Some(record) = next()? {
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() == limits::IMPORT_MAX_ROWS {
            return Err(too_many_rows());
        }
        let line = line_of(&record);
        rows.push(ImportRow {
            line,
            draft: csv_draft(&record, &columns, line),
        });
    }
    if rows.is_empty() {
        return Err(format!(
            "Le fichier ne contient aucune opportunité : rien après l'en-tête de la ligne {header_line}."
        ));
    }
    Ok(rows)
}

/// The delimiter the header line uses most, outside quotes: `;`, `,` or a tab.
fn detect_delimiter(header: &str) -> u8 {
    let (mut semicolons, mut commas, mut tabs) = (0, 0, 0);
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > semicolons && tabs > commas {
        b'\t'
    } else if semicolons >= commas && semicolons > 0 {
        b';'
    } else {
        b','
    }
}

/// A column of the file: the name as written, and the field it fills (none if unnamed).
struct Column {
    name: String,
    field: Option<&'static str>,
}

fn columns(header: &csv::StringRecord, line: usize) -> Result<Vec<Column>, String> {
    let mut columns: Vec<Column> = Vec::new();
    for name in header.iter() {
        let name = name.trim();
        if name.is_empty() {
            columns.push(Column {
                name: String::new(),
                field: None,
            });
            continue;
        }
        let Some(field) = field_for(name) else {
            let hint = match closest_name(name) {
                Some(known) => format!("Vouliez-vous dire « {known} » ?"),
                None => format!(
                    "Colonnes possibles : {}.",
                    FIELDS
                        .iter()
                        .map(|(_, names)| names[0])
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(format!(
                "ligne {line} : colonne « {name} » inconnue. {hint}"
            ));
        };
        if let Some(other) = columns.iter().find(|c| c.field == Some(field)) {
            return Err(format!(
                "ligne {line} : les colonnes « {} » et « {name} » disent la même chose ; gardez-en une seule.",
                other.name
            ));
        }
        columns.push(Column {
            name: name.to_owned(),
            field: Some(field),
        });
    }
    // Spreadsheets often leave empty columns at the end of the header: forget them.
    while columns.last().is_some_and(|c| c.field.is_none()) {
        columns.pop();
    }
    Ok(columns)
}

fn csv_draft(record: &csv::StringRecord, columns: &[Column], line: usize) -> Result<Draft, String> {
    // Cells beyond the header are allowed only if empty (trailing delimiters).
    let extra = record
        .iter()
        .skip(columns.len())
        .any(|c| !c.trim().is_empty());
    if record.len() < columns.len() || extra {
        return Err(format!(
            "ligne {line} : {} cellules au lieu de {}",
            record.len(),
            columns.len()
        ));
    }
    let mut draft = Draft::default();
    for (column, cell) in columns.iter().zip(record.iter()) {
        let Some(field) = column.field else {
            continue;
        };
        let value = cell.trim();
        match field {
            yes_no if YES_NO.contains(&yes_no) => {
                let value = parse_yes_no(value).ok_or_else(|| {
                    format!(
                        "ligne {line} : « {value} » dans la colonne « {} » : écrivez oui ou non (ou laissez vide).",
                        column.name
                    )
                })?;
                set_yes_no(&mut draft, field, value);
            }
            "themes" => draft.themes = split_themes(value),
            _ => set_text(&mut draft, field, value.to_owned()),
        }
    }
    Ok(draft)
}
