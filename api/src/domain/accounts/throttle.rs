//! Limits on sign-in, reset and registration attempts: one atomic upsert per key before the password is checked, a wait that grows past the free attempts, no hard lock.

use super::*;

/// What is counted: the key's prefix, the attempts allowed without waiting, and how long
/// (seconds) attempts are remembered after the last one. See ARCHITECTURE.md, "Sign-in
/// limits".
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub prefix: &'static str,
    pub free: i64,
    pub memory: i64,
}

/// Failed sign-ins on one account, from anywhere.
pub const SIGN_IN_ACCOUNT: Rule = Rule {
    prefix: "compte",
    free: limits::FREE_ATTEMPTS_PER_ACCOUNT,
    memory: limits::ATTEMPT_MEMORY,
};
/// Failed sign-ins from one client address, on any account.
pub const SIGN_IN_ADDRESS: Rule = Rule {
    prefix: "adresse",
    free: limits::FREE_ATTEMPTS_PER_ADDRESS,
    memory: limits::ATTEMPT_MEMORY,
};
/// Password-reset requests from one client address.
pub const RESET_ADDRESS: Rule = Rule {
    prefix: "reinitialisation",
    free: limits::FREE_RESETS_PER_ADDRESS,
    memory: 3600,
};
/// Registrations (successful or not) from one client address.
pub const REGISTER_ADDRESS: Rule = Rule {
    prefix: "inscription",
    free: limits::FREE_REGISTRATIONS_PER_ADDRESS,
    memory: 3600,
};

pub(super) fn throttle_key(rule: Rule, who: &str) -> String {
    format!(
        "{}:{}",
        rule.prefix,
        who.chars().take(300).collect::<String>()
    )
}

/// The wait (seconds) required after `attempts` attempts: none while free, then 1, 4, 9, 16…
/// seconds (the square of the attempts past the free ones), at most `MAX_ATTEMPT_WAIT`.
pub fn wait_after(rule: Rule, attempts: i64) -> i64 {
    let over = attempts - rule.free + 1;
    if over <= 0 {
        0
    } else {
        over.saturating_mul(over).min(limits::MAX_ATTEMPT_WAIT)
    }
}

/// Counts one attempt of `who` under `rule`, or says how many seconds to wait before the
/// next one is allowed. One statement, atomic on both databases: simultaneous attempts each
/// see the count the others left (an upsert whose `WHERE` refuses the attempt leaves the row
/// as it was and returns nothing). The wait grows with the attempts (`wait_after`), and the
/// count starts again after `rule.memory` seconds without an attempt.
pub async fn throttle(db: &Db, rule: Rule, who: &str) -> Result<(), AppError> {
    let t = now();
    // The wait after `attempts`, in SQL: the square of the attempts past the free ones.
    let over = "(login_throttle.attempts - $4 + 1)";
    let sql = format!(
        "INSERT INTO login_throttle (key, attempts, last_at) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           attempts = CASE WHEN login_throttle.last_at < $3 THEN 1 ELSE login_throttle.attempts + 1 END, \
           last_at = $2 \
         WHERE login_throttle.last_at < $3 \
            OR login_throttle.attempts < $4 \
            OR login_throttle.last_at + CASE WHEN {over} * {over} > $5 THEN $5 ELSE {over} * {over} END <= $2 \
         RETURNING attempts"
    );
    let key = throttle_key(rule, who);
    let counted = sqlx::query(&sql)
        .bind(&key)
        .bind(t)
        .bind(t - rule.memory)
        .bind(rule.free)
        .bind(limits::MAX_ATTEMPT_WAIT)
        .fetch_optional(&db.pool)
        .await?;
    if counted.is_some() {
        return Ok(());
    }
    let row = sqlx::query("SELECT attempts, last_at FROM login_throttle WHERE key = $1")
        .bind(&key)
        .fetch_optional(&db.pool)
        .await?;
    let wait = match row {
        Some(r) => {
            let (attempts, last): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            (last + wait_after(rule, attempts) - t).max(1)
        }
        None => 1,
    };
    Err(AppError::TooManyRequests {
        message: String::new(),
        retry_after: wait,
    })
}

/// Takes back one attempt counted by `throttle` (it turned out not to be a failure).
pub async fn refund(db: &Db, rule: Rule, who: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE login_throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
    )
    .bind(throttle_key(rule, who))
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Forgets every attempt of `who` under `rule`.
pub async fn forget(db: &Db, rule: Rule, who: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(throttle_key(rule, who))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A wait in French: « 40 secondes », « 3 minutes ».
pub fn wait_fr(seconds: i64) -> String {
    match seconds {
        ..=1 => "1 seconde".to_string(),
        2..=90 => format!("{seconds} secondes"),
        _ => format!("{} minutes", (seconds + 59) / 60),
    }
}

/// `throttle`'s refusal with `message` and the wait said in it.
fn with_message(e: AppError, message: impl FnOnce(&str) -> String) -> AppError {
    match e {
        AppError::TooManyRequests { retry_after, .. } => AppError::TooManyRequests {
            message: message(&wait_fr(retry_after)),
            retry_after,
        },
        other => other,
    }
}

/// Counts a reset or registration request from `ip` under `rule`; past the free ones, a 429
/// that says how long to wait.
pub async fn throttle_requests(db: &Db, rule: Rule, ip: &str) -> Result<(), AppError> {
    throttle(db, rule, ip).await.map_err(|e| {
        with_message(e, |wait| {
            format!("Trop de demandes depuis cette connexion. Réessayez dans {wait}.")
        })
    })
}

/// Checks an email and password, with the limits on failed attempts: each attempt is
/// counted (by account and by address) before the password is checked, and given back when
/// it succeeds, so that simultaneous attempts cannot pass the limits.
pub async fn sign_in(db: &Db, email: &str, password: &str, ip: &str) -> Result<User, AppError> {
    let email = normalize_email(email);
    let too_many = |e| {
        with_message(e, |wait| {
            format!("Trop de tentatives de connexion. Réessayez dans {wait}, ou utilisez « Mot de passe oublié ».")
        })
    };
    throttle(db, SIGN_IN_ADDRESS, ip).await.map_err(too_many)?;
    if let Err(e) = throttle(db, SIGN_IN_ACCOUNT, &email).await {
        refund(db, SIGN_IN_ADDRESS, ip).await?;
        return Err(too_many(e));
    }
    let found = if email.len() <= 254 {
        user_and_hash_by_email(db, &email).await?
    } else {
        None
    };
    let hash = found.as_ref().and_then(|(_, h)| h.as_deref());
    let ok = password.chars().count() <= limits::PASSWORD_MAX_CHARS
        && auth::verify(password, hash).await
        && hash.is_some();
    if !ok {
        // The attempt stays counted.
        return Err(AppError::BadCredentials);
    }
    let (user, _) = found.expect("checked above");
    forget(db, SIGN_IN_ACCOUNT, &email).await?;
    refund(db, SIGN_IN_ADDRESS, ip).await?;
    if user.disabled {
        return Err(AppError::Forbidden(
            "Ce compte est désactivé. Contactez votre Mission Locale.".into(),
        ));
    }
    Ok(user)
}
