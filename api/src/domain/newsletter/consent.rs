//! Each youth's consent to news by email (off by default, dated), and the signed one-click unsubscribe link.

use super::*;

/// A youth's choice about news by email.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Consent {
    pub subscribed: bool,
    /// When they said yes (the current consent).
    pub consented_at: Option<i64>,
    /// When they last said no (cleared by a new consent).
    pub withdrawn_at: Option<i64>,
    /// `inscription`, `compte` or `lien`.
    pub source: String,
}

pub async fn consent(db: &Db, user_id: i64) -> Result<Consent, AppError> {
    let row = sqlx::query(
        "SELECT subscribed, consented_at, withdrawn_at, source FROM newsletter_consents WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        None => Consent::default(),
        Some(r) => Consent {
            subscribed: r.try_get::<i64, _>(0)? != 0,
            consented_at: r.try_get(1)?,
            withdrawn_at: r.try_get(2)?,
            source: r.try_get(3)?,
        },
    })
}

/// Records a yes or a no, with its date; saying the same again changes nothing.
pub async fn set_consent(
    db: &Db,
    user_id: i64,
    on: bool,
    source: &str,
) -> Result<Consent, AppError> {
    let current = consent(db, user_id).await?;
    if current.subscribed == on && (on || current.withdrawn_at.is_some()) {
        return Ok(current);
    }
    let t = now();
    let next = if on {
        Consent {
            subscribed: true,
            consented_at: Some(t),
            withdrawn_at: None,
            source: source.into(),
        }
    } else {
        Consent {
            subscribed: false,
            consented_at: current.consented_at,
            withdrawn_at: Some(t),
            source: source.into(),
        }
    };
    sqlx::query(
        "INSERT INTO newsletter_consents (user_id, subscribed, consented_at, withdrawn_at, source, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET subscribed = $2, \
         consented_at = $3, withdrawn_at = $4, source = $5, updated_at = $6",
    )
    .bind(user_id)
    .bind(i64::from(next.subscribed))
    .bind(next.consented_at)
    .bind(next.withdrawn_at)
    .bind(source)
    .bind(t)
    .execute(&db.pool)
    .await?;
    Ok(next)
}
