//! What leaves Tremplin about opportunities: a youth's part of the data export, and the
//! structure's CSV of interested youths.

use super::*;

/// A youth's opportunities for their data export.
pub async fn export_for(db: &Db, user: &User) -> Result<OpportunitiesExport, AppError> {
    let m = mine(db, user).await?;
    Ok(OpportunitiesExport {
        opportunites_sauvegardees: m
            .favourites
            .iter()
            .map(|o| SavedExport {
                titre: o.title.clone(),
                id: o.id,
            })
            .collect(),
        opportunites_qui_m_interessent: m
            .interests
            .iter()
            .map(|(o, message, state, t)| InterestExport {
                titre: o.title.clone(),
                id: o.id,
                message: message.clone(),
                suivi: InterestState::label_of(state),
                le: iso(*t),
            })
            .collect(),
    })
}

/// The opportunities' part of the data export (French keys: the youth reads them).
#[derive(Debug, Serialize)]
pub struct OpportunitiesExport {
    pub opportunites_sauvegardees: Vec<SavedExport>,
    pub opportunites_qui_m_interessent: Vec<InterestExport>,
}

#[derive(Debug, Serialize)]
pub struct SavedExport {
    pub titre: String,
    pub id: i64,
}

#[derive(Debug, Serialize)]
pub struct InterestExport {
    pub titre: String,
    pub id: i64,
    pub message: String,
    pub suivi: &'static str,
    pub le: String,
}

/// One line of the structure's CSV export, per interested youth.
pub async fn export_csv(db: &Db, structure_id: i64) -> Result<String, AppError> {
    let rows = sqlx::query(
        "SELECT o.id, o.title, o.kind, o.status, u.first_name, u.email, i.message, i.state, i.outcome, i.created_at \
         FROM opportunities o LEFT JOIN opportunity_interests i ON i.opportunity_id = o.id \
         LEFT JOIN users u ON u.id = i.user_id WHERE o.structure_id = $1 ORDER BY o.id, i.created_at",
    )
    .bind(structure_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out =
        String::from("opportunite_id;titre;type;statut;prenom;email;message;suivi;note;date\r\n");
    for r in &rows {
        let at: Option<i64> = r.try_get(9)?;
        let cells = [
            r.try_get::<i64, _>(0)?.to_string(),
            r.try_get::<String, _>(1)?,
            Kind::label_of(&r.try_get::<String, _>(2)?).to_string(),
            Status::label_of(&r.try_get::<String, _>(3)?).to_string(),
            r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
            r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
            r.try_get::<Option<String>, _>(6)?.unwrap_or_default(),
            r.try_get::<Option<String>, _>(7)?
                .map(|s| InterestState::label_of(&s).to_string())
                .unwrap_or_default(),
            r.try_get::<Option<String>, _>(8)?.unwrap_or_default(),
            at.map(iso).unwrap_or_default(),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(";"),
        );
        out.push_str("\r\n");
    }
    Ok(out)
}

/// A CSV cell, quoted when needed; a leading `=`, `+`, `-` or `@` is neutralised so that a
/// spreadsheet never runs it as a formula.
pub(super) fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([';', '"', '\n', '\r', ',']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}
