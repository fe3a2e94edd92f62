//! Alerts: saved searches of the opportunity listing, checked like the listing's filters.

use super::*;

/// A saved search of the opportunity listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The listing's query string (`type=stage&lieu=Lyon`).
    pub query: String,
    pub frequency: Frequency,
    pub created_at: i64,
    pub last_sent_at: i64,
}

impl Alert {
    /// Its search in words (« Stage, à 30 km de Lyon »).
    pub fn description(&self) -> String {
        describe(&Filters::parse(&self.query))
    }

    /// The listing it saved: `/opportunites?type=stage&lieu=Lyon`.
    pub fn path(&self) -> String {
        format!("/opportunites?{}", self.query)
    }
}

pub(super) const ALERT_SELECT: &str =
    "SELECT id, user_id, name, query, frequency, created_at, last_sent_at FROM saved_searches";

pub(super) fn alert_from(r: &sqlx::any::AnyRow) -> Result<Alert, sqlx::Error> {
    Ok(Alert {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        name: r.try_get(2)?,
        query: r.try_get(3)?,
        frequency: slug(r, "frequency")?,
        created_at: r.try_get(5)?,
        last_sent_at: r.try_get(6)?,
    })
}

/// A short French description of a saved search ("Stage, Alternance · « boulangerie » · Lyon (30 km)").
pub fn describe(f: &Filters) -> String {
    let mut parts = Vec::new();
    let kinds: Vec<&str> = f
        .kinds
        .iter()
        .filter_map(|k| opp::parse_kind(k))
        .map(|k| k.label())
        .collect();
    if !kinds.is_empty() {
        parts.push(kinds.join(", "));
    }
    if !f.keywords.trim().is_empty() {
        parts.push(format!("« {} »", f.keywords.trim()));
    }
    if !f.place.trim().is_empty() {
        parts.push(format!(
            "{} ({} km)",
            f.place.trim(),
            f.radius_km.unwrap_or(opp::DEFAULT_RADIUS_KM).round()
        ));
    }
    if !f.level.trim().is_empty() {
        parts.push(format!("niveau {}", f.level.trim()));
    }
    if parts.is_empty() {
        "Toutes les opportunités".to_string()
    } else {
        parts.join(" · ")
    }
}

pub async fn alerts_of(db: &Db, user_id: i64) -> Result<Vec<Alert>, AppError> {
    let rows = sqlx::query(&format!("{ALERT_SELECT} WHERE user_id = $1 ORDER BY id"))
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.iter().map(alert_from).collect::<Result<_, _>>()?)
}

/// Saves the listing's filters as an alert. Only opportunities published from now on are
/// new for it. Errors name the form's fields (`nom`, `frequence`).
pub async fn add_alert(
    db: &Db,
    user: &User,
    name: &str,
    filters: &Filters,
    frequency: &str,
) -> Result<Alert, AppError> {
    if user.role != Role::Youth {
        return Err(AppError::Forbidden(
            "Les alertes sont réservées aux comptes des jeunes.".into(),
        ));
    }
    let mut errors = Vec::new();
    let name = name.trim();
    let name = if name.is_empty() {
        describe(filters)
            .chars()
            .take(limits::ALERT_NAME_MAX_CHARS)
            .collect::<String>()
    } else {
        name.to_string()
    };
    if name.chars().count() > limits::ALERT_NAME_MAX_CHARS {
        errors.push((
            "nom",
            format!(
                "Le nom fait {} caractères au plus.",
                limits::ALERT_NAME_MAX_CHARS
            ),
        ));
    }
    let frequency = Frequency::from_slug(frequency);
    if frequency.is_none() {
        errors.push((
            "frequence",
            "Choisissez « chaque jour » ou « chaque semaine ».".to_string(),
        ));
    }
    // The alert's filters are the listing's: the same bounds and vocabularies (a query of
    // too many words would cost every news run).
    if let Err(bad) = filters.check() {
        errors.extend(bad);
    }
    let (true, Some(frequency)) = (errors.is_empty(), frequency) else {
        return Err(AppError::Invalid(errors));
    };
    let query = filters.saved().to_query();
    let t = now();
    // The count and the insert are one statement, under a lock of the youth's row on
    // PostgreSQL (SQLite runs a write statement alone): simultaneous requests cannot pass
    // `MAX_ALERTS`.
    let mut tx = db.pool.begin().await?;
    if db.backend == crate::infra::db::Backend::Postgres {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(user.id)
            .fetch_optional(&mut *tx)
            .await?;
    }
    let row = sqlx::query(
        "INSERT INTO saved_searches (user_id, name, query, frequency, created_at, last_sent_at) \
         SELECT $1, $2, $3, $4, $5, $5 \
         WHERE (SELECT COUNT(*) FROM saved_searches WHERE user_id = $1) < $6 RETURNING id",
    )
    .bind(user.id)
    .bind(&name)
    .bind(&query)
    .bind(frequency.as_str())
    .bind(t)
    .bind(MAX_ALERTS as i64)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let Some(row) = row else {
        return Err(AppError::Invalid(vec![(
            "nom",
            format!("Vous avez déjà {MAX_ALERTS} alertes : supprimez-en une d'abord."),
        )]));
    };
    Ok(Alert {
        id: row.try_get(0)?,
        user_id: user.id,
        name,
        query,
        frequency,
        created_at: t,
        last_sent_at: t,
    })
}

/// Deletes one of the youth's alerts (someone else's is "not found").
pub async fn delete_alert(db: &Db, user: &User, id: i64) -> Result<(), AppError> {
    let done = sqlx::query("DELETE FROM saved_searches WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user.id)
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The youth's consent and alerts, for the data export.
pub async fn export_for(db: &Db, user: &User) -> Result<NewsletterExport, AppError> {
    let c = consent(db, user.id).await?;
    let alerts = alerts_of(db, user.id).await?;
    let sent = sqlx::query(
        "SELECT d.started_at, r.state FROM digest_recipients r JOIN digests d ON d.id = r.digest_id \
         WHERE r.user_id = $1 AND r.state IN ('envoi', 'envoye') ORDER BY d.id",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let sent = sent
        .iter()
        .map(|r| Ok(iso(r.try_get(0)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(NewsletterExport {
        abonne: c.subscribed,
        consenti_le: c.consented_at.map(iso),
        retire_le: c.withdrawn_at.map(iso),
        origine: c.source,
        alertes: alerts
            .iter()
            .map(|a| AlertExport {
                nom: a.name.clone(),
                recherche: a.path(),
                frequence: a.frequency,
                creee_le: iso(a.created_at),
                dernier_envoi: iso(a.last_sent_at),
            })
            .collect(),
        lettres_envoyees: sent,
    })
}

/// The news and alerts' part of the data export (French keys: the youth reads them).
#[derive(Debug, Serialize)]
pub struct NewsletterExport {
    pub abonne: bool,
    pub consenti_le: Option<String>,
    pub retire_le: Option<String>,
    pub origine: String,
    pub alertes: Vec<AlertExport>,
    pub lettres_envoyees: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct AlertExport {
    pub nom: String,
    pub recherche: String,
    pub frequence: Frequency,
    pub creee_le: String,
    pub dernier_envoi: String,
}
