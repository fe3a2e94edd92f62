//! Sessions: a random token in the cookie, its SHA-256 in the database, ended when idle or too old.

use super::*;

/// Opens a session; returns the token for the cookie (only its hash is stored).
pub async fn create_session(db: &Db, user_id: i64) -> Result<String, AppError> {
    let token = auth::random_token();
    let t = now();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
        .bind(auth::token_hash(&token))
        .bind(user_id)
        .bind(t)
        .execute(&db.pool)
        .await?;
    Ok(token)
}

/// The account of a session token, if the session is alive (it is then marked as seen).
pub async fn session_user(
    db: &Db,
    config: &ApiConfig,
    token: &str,
) -> Result<Option<User>, AppError> {
    let hash = auth::token_hash(token);
    let row =
        sqlx::query("SELECT user_id, created_at, last_seen_at FROM sessions WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(&db.pool)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let (user_id, created, seen): (i64, i64, i64) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let t = now();
    if t - seen > config.session_idle || t - created > config.session_max {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(&hash)
            .execute(&db.pool)
            .await?;
        return Ok(None);
    }
    let Some(user) = user_by_id(db, user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    // Written at most once a minute per session.
    if t - seen >= 60 {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(t)
            .bind(&hash)
            .execute(&db.pool)
            .await?;
    }
    Ok(Some(user))
}

pub async fn delete_session(db: &Db, token: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(auth::token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Closes every session of an account but the one given (by its token).
pub async fn delete_other_sessions(
    db: &Db,
    user_id: i64,
    keep: Option<&str>,
) -> Result<(), AppError> {
    let keep = keep.map(auth::token_hash).unwrap_or_default();
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&db.pool)
        .await?;
    Ok(())
}
