//! Accounts and structures: every statement about users, sessions, one-time tokens and
//! failed sign-ins. No HTTP here: `web` calls these functions, and so does the command line.

use serde::Serialize;
use serde_json::{json, Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::infra::auth;
use crate::infra::config::ApiConfig;
use crate::infra::db::{is_unique_violation, now, Db};
use crate::infra::error::{AppError, FieldErrors};
use crate::infra::limits;
use crate::infra::time::iso;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Youth,
    Counsellor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Youth => "youth",
            Role::Counsellor => "counsellor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "youth" | "jeune" => Some(Role::Youth),
            "counsellor" | "conseiller" | "conseillere" => Some(Role::Counsellor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// The role in French, for pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Youth => "jeune",
            Role::Counsellor => "conseiller ou conseillère",
            Role::Admin => "administrateur",
        }
    }
}

/// A Mission Locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Structure {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub town: String,
    pub contact: String,
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub role: Role,
    pub structure: Option<Structure>,
    pub disabled: bool,
    pub has_password: bool,
    pub created_at: i64,
}

impl User {
    /// Whether this account manages what belongs to `structure_id` (its opportunities, its
    /// questions): the structure's counsellors, and admins.
    pub fn manages(&self, structure_id: i64) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Counsellor => self
                .structure
                .as_ref()
                .is_some_and(|s| s.id == structure_id),
            Role::Youth => false,
        }
    }
}

// Booleans are read as integers: sqlx's `Any` driver cannot decode SQLite's BOOLEAN columns.
const USER_SELECT: &str = "SELECT u.id, u.email, u.first_name, u.role, \
     CAST(CASE WHEN u.disabled THEN 1 ELSE 0 END AS BIGINT) AS disabled, u.password_hash, u.created_at, \
     s.id AS sid, s.slug, s.name, s.town, s.contact FROM users u LEFT JOIN structures s ON s.id = u.structure_id";

fn user_from(row: &AnyRow) -> Result<(User, Option<String>), sqlx::Error> {
    let hash: Option<String> = row.try_get("password_hash")?;
    let sid: Option<i64> = row.try_get("sid")?;
    let structure = match sid {
        Some(id) => Some(Structure {
            id,
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            town: row.try_get("town")?,
            contact: row.try_get("contact")?,
        }),
        None => None,
    };
    let role: String = row.try_get("role")?;
    Ok((
        User {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            first_name: row.try_get("first_name")?,
            role: Role::parse(&role).unwrap_or(Role::Youth),
            structure,
            disabled: row.try_get::<i64, _>("disabled")? != 0,
            has_password: hash.is_some(),
            created_at: row.try_get("created_at")?,
        },
        hash,
    ))
}

/// Lowercases and trims an email address.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible email address: one `@`, something before, a dot after, no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
        && !domain.contains('@')
        && email.len() <= 254
        // What the mailer will accept: an address it cannot parse would fail every email.
        && email.parse::<lettre::Address>().is_ok()
}

/// A unique-constraint violation as a 422 on `field` with `message`; other errors as they are.
fn unique_as(
    field: &'static str,
    message: impl Into<String>,
) -> impl FnOnce(sqlx::Error) -> AppError {
    let message = message.into();
    move |e| {
        if is_unique_violation(&e) {
            AppError::Invalid(vec![(field, message)])
        } else {
            e.into()
        }
    }
}

// ---- structures ----

/// Adds a structure. `slug` names it in URLs and commands (`lille`).
pub async fn add_structure(
    db: &Db,
    slug: &str,
    name: &str,
    town: &str,
    contact: &str,
) -> Result<Structure, AppError> {
    let mut conn = db.pool.acquire().await?;
    add_structure_in(&mut conn, slug, name, town, contact).await
}

/// `add_structure` on a connection, or inside a transaction that writes more (the demo's
/// loader adds its structures and their opportunities all or nothing).
pub async fn add_structure_in(
    conn: &mut AnyConnection,
    slug: &str,
    name: &str,
    town: &str,
    contact: &str,
) -> Result<Structure, AppError> {
    let mut errors: FieldErrors = Vec::new();
    let slug = slug.trim().to_lowercase();
    if slug.is_empty()
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errors.push(("slug", "L'identifiant s'écrit en minuscules sans accents, chiffres et tirets (par exemple « lille »).".into()));
    }
    if name.trim().is_empty() {
        errors.push(("name", "Le nom de la structure est obligatoire.".into()));
    }
    if town.trim().is_empty() {
        errors.push(("town", "La ville est obligatoire.".into()));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let row = sqlx::query("INSERT INTO structures (slug, name, town, contact, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(&slug)
        .bind(name.trim())
        .bind(town.trim())
        .bind(contact.trim())
        .bind(now())
        .fetch_one(&mut *conn)
        .await
        .map_err(unique_as("slug", format!("Une structure « {slug} » existe déjà.")))?;
    Ok(Structure {
        id: row.try_get("id")?,
        slug,
        name: name.trim().into(),
        town: town.trim().into(),
        contact: contact.trim().into(),
    })
}

pub async fn structures(db: &Db) -> Result<Vec<Structure>, AppError> {
    let rows = sqlx::query("SELECT id, slug, name, town, contact FROM structures ORDER BY name")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Structure {
                id: r.try_get("id")?,
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
                town: r.try_get("town")?,
                contact: r.try_get("contact")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn structure_by_slug(db: &Db, slug: &str) -> Result<Option<Structure>, AppError> {
    Ok(structures(db).await?.into_iter().find(|s| s.slug == slug))
}

// ---- users ----

pub async fn user_by_id(db: &Db, id: i64) -> Result<Option<User>, AppError> {
    let row = sqlx::query(&format!("{USER_SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| user_from(&r)).transpose()?.map(|(u, _)| u))
}

async fn user_and_hash_by_email(
    db: &Db,
    email: &str,
) -> Result<Option<(User, Option<String>)>, AppError> {
    let row = sqlx::query(&format!("{USER_SELECT} WHERE u.email = $1"))
        .bind(normalize_email(email))
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| user_from(&r)).transpose()?)
}

pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<User>, AppError> {
    Ok(user_and_hash_by_email(db, email).await?.map(|(u, _)| u))
}

pub async fn list_users(db: &Db) -> Result<Vec<User>, AppError> {
    let rows = sqlx::query(&format!("{USER_SELECT} ORDER BY u.role, u.email"))
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| user_from(r).map(|(u, _)| u).map_err(Into::into))
        .collect()
}

/// What a youth types to register.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub first_name: String,
    /// The slug of the structure that follows them, if any.
    pub structure: Option<String>,
}

/// Creates a youth's account; every wrong field is reported at once.
pub async fn register(db: &Db, reg: &Registration) -> Result<User, AppError> {
    let email = normalize_email(&reg.email);
    let mut errors: FieldErrors = Vec::new();
    if !valid_email(&email) {
        errors.push((
            "email",
            "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr.".into(),
        ));
    }
    let first_name = reg.first_name.trim();
    if first_name.is_empty() {
        errors.push(("first_name", "Saisissez votre prénom.".into()));
    } else if first_name.chars().count() > 80 {
        errors.push((
            "first_name",
            "Le prénom doit faire 80 caractères au plus.".into(),
        ));
    }
    if let Err(m) = auth::check_new_password(&reg.password, &email) {
        errors.push(("password", m));
    }
    let structure = match reg
        .structure
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(slug) => match structure_by_slug(db, slug).await? {
            Some(s) => Some(s),
            None => {
                errors.push((
                    "structure",
                    "Choisissez une Mission Locale dans la liste.".into(),
                ));
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let t = now();
    let row = sqlx::query(
        "INSERT INTO users (email, password_hash, first_name, role, structure_id, disabled, created_at, updated_at) \
         VALUES ($1, $2, $3, 'youth', $4, FALSE, $5, $5) RETURNING id",
    )
    .bind(&email)
    .bind(auth::hash(&reg.password).await)
    .bind(first_name)
    .bind(structure.as_ref().map(|s| s.id))
    .bind(t)
    .fetch_one(&db.pool)
    .await
    .map_err(unique_as("email", "Un compte existe déjà avec cette adresse. Connectez-vous, ou utilisez « Mot de passe oublié »."))?;
    let id: i64 = row.try_get("id")?;
    user_by_id(db, id)
        .await?
        .ok_or_else(|| AppError::Internal("compte créé introuvable".into()))
}

/// A youth chooses (or leaves) the Mission Locale that follows them; `slug` empty means none.
pub async fn set_structure(db: &Db, user: &User, slug: &str) -> Result<User, AppError> {
    if user.role != Role::Youth {
        return Err(AppError::Forbidden(
            "La Mission Locale d'un conseiller est choisie par un administrateur.".into(),
        ));
    }
    let structure = match slug.trim() {
        "" => None,
        slug => match structure_by_slug(db, slug).await? {
            Some(s) => Some(s.id),
            None => {
                return Err(AppError::Invalid(vec![(
                    "structure",
                    "Choisissez une Mission Locale dans la liste.".into(),
                )]))
            }
        },
    };
    sqlx::query("UPDATE users SET structure_id = $1, updated_at = $2 WHERE id = $3")
        .bind(structure)
        .bind(now())
        .bind(user.id)
        .execute(&db.pool)
        .await?;
    user_by_id(db, user.id).await?.ok_or(AppError::NotFound)
}

// ---- limits on attempts ----

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

fn throttle_key(rule: Rule, who: &str) -> String {
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

// ---- sessions ----

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

// ---- passwords and one-time links ----

/// Changes a password after checking the current one; other sessions are closed.
pub async fn change_password(
    db: &Db,
    user: &User,
    current: &str,
    new: &str,
    session: &str,
) -> Result<(), AppError> {
    let (_, hash) = user_and_hash_by_email(db, &user.email)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let mut errors: FieldErrors = Vec::new();
    if current.chars().count() > limits::PASSWORD_MAX_CHARS
        || !auth::verify(current, hash.as_deref()).await
    {
        errors.push((
            "current_password",
            "Le mot de passe actuel n'est pas le bon.".into(),
        ));
    }
    if let Err(m) = auth::check_new_password(new, &user.email) {
        errors.push(("new_password", m));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let hash = auth::hash(new).await;
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now())
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.id)
        .bind(auth::token_hash(session))
        .execute(&mut *tx)
        .await?;
    spend_tokens(&mut tx, user.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Spends every one-time link of an account still unused: a used link or a new password
/// makes the others worthless.
async fn spend_tokens(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
        .bind(now())
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What a one-time link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Reset,
    Invite,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Invite => "invite",
        }
    }
}

/// Creates a one-time link token valid for `validity` seconds; the account's older links of
/// the same kind are spent (only the newest works).
pub async fn create_token(
    db: &Db,
    user_id: i64,
    purpose: Purpose,
    validity: i64,
) -> Result<String, AppError> {
    create_token_within(db, user_id, purpose, validity, None)
        .await?
        .ok_or_else(|| AppError::Internal("lien non créé".into()))
}

/// `create_token`, unless the account was sent `max_per_hour` links of this kind in the last
/// hour (then `None`). The count and the insert hold under simultaneous requests: one
/// statement, under a lock of the account's row on PostgreSQL (SQLite runs a write statement
/// alone).
pub async fn create_token_within(
    db: &Db,
    user_id: i64,
    purpose: Purpose,
    validity: i64,
    max_per_hour: Option<i64>,
) -> Result<Option<String>, AppError> {
    let token = auth::random_token();
    let hash = auth::token_hash(&token);
    let t = now();
    let mut tx = db.pool.begin().await?;
    if db.backend == crate::infra::db::Backend::Postgres {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    }
    let inserted = sqlx::query(
        "INSERT INTO tokens (token_hash, user_id, purpose, created_at, expires_at) \
         SELECT $1, $2, $3, $4, $5 WHERE (SELECT COUNT(*) FROM tokens \
           WHERE user_id = $2 AND purpose = $3 AND created_at > $6) < $7",
    )
    .bind(&hash)
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(t)
    .bind(t + validity)
    .bind(t - 3600)
    .bind(max_per_hour.unwrap_or(i64::MAX))
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    // Only the newest link of a kind works.
    sqlx::query(
        "UPDATE tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 \
         AND used_at IS NULL AND token_hash <> $4",
    )
    .bind(t)
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// The account a still-valid one-time token belongs to.
pub async fn token_user(db: &Db, token: &str) -> Result<Option<(User, Purpose)>, AppError> {
    let row = sqlx::query("SELECT user_id, purpose FROM tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(auth::token_hash(token))
        .bind(now())
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let purpose: String = row.try_get(1)?;
    let purpose = if purpose == "invite" {
        Purpose::Invite
    } else {
        Purpose::Reset
    };
    Ok(user_by_id(db, row.try_get(0)?).await?.map(|u| (u, purpose)))
}

/// Sets a password through a one-time link: the link is spent and every session closed,
/// all in one transaction.
pub async fn set_password_with_token(db: &Db, token: &str, new: &str) -> Result<User, AppError> {
    let expired = || {
        AppError::Invalid(vec![(
            "token",
            "Ce lien n'est plus valable : il a déjà servi ou il a expiré. Demandez-en un nouveau."
                .into(),
        )])
    };
    let (user, _) = token_user(db, token).await?.ok_or_else(expired)?;
    auth::check_new_password(new, &user.email)
        .map_err(|m| AppError::Invalid(vec![("password", m)]))?;
    let hash = auth::hash(new).await;
    let mut tx = db.pool.begin().await?;
    let spent =
        sqlx::query("UPDATE tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
            .bind(now())
            .bind(auth::token_hash(token))
            .execute(&mut *tx)
            .await?;
    if spent.rows_affected() != 1 {
        return Err(expired());
    }
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now())
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    // Every other link of the account is spent too, and the delay on its sign-ins ends.
    spend_tokens(&mut tx, user.id).await?;
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(throttle_key(SIGN_IN_ACCOUNT, &user.email))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(user)
}

/// Creates an account without password for a counsellor or an admin, and its invitation
/// token. A counsellor belongs to a structure.
pub async fn invite(
    db: &Db,
    config: &ApiConfig,
    email: &str,
    role: Role,
    structure: Option<&str>,
    first_name: &str,
) -> Result<(User, String), AppError> {
    let email = normalize_email(email);
    let mut errors: FieldErrors = Vec::new();
    if !valid_email(&email) {
        errors.push((
            "email",
            format!("Adresse électronique invalide : « {email} »."),
        ));
    }
    let structure = match structure {
        Some(slug) => match structure_by_slug(db, slug).await? {
            Some(s) => Some(s),
            None => {
                let known: Vec<String> =
                    structures(db).await?.into_iter().map(|s| s.slug).collect();
                errors.push((
                    "structure",
                    format!(
                        "Structure « {slug} » inconnue (structures : {}).",
                        if known.is_empty() {
                            "aucune".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
                None
            }
        },
        None => None,
    };
    if role == Role::Counsellor
        && structure.is_none()
        && !errors.iter().any(|(f, _)| *f == "structure")
    {
        errors.push((
            "structure",
            "Un conseiller appartient à une structure : précisez-la.".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // The account and its invitation exist together or not at all.
    let mut tx = db.pool.begin().await?;
    let invited = invite_in(
        &mut tx,
        config,
        &email,
        role,
        structure.as_ref(),
        first_name,
    )
    .await?;
    tx.commit().await?;
    Ok(invited)
}

/// Writes an invited account and its token on `conn` (a transaction: the caller commits),
/// for a structure already known; `invite` checks the structure's slug and the role first.
pub async fn invite_in(
    conn: &mut AnyConnection,
    config: &ApiConfig,
    email: &str,
    role: Role,
    structure: Option<&Structure>,
    first_name: &str,
) -> Result<(User, String), AppError> {
    let email = normalize_email(email);
    if !valid_email(&email) {
        return Err(AppError::Invalid(vec![(
            "email",
            format!("Adresse électronique invalide : « {email} »."),
        )]));
    }
    let first_name = if first_name.trim().is_empty() {
        email.split('@').next().unwrap_or("").to_string()
    } else {
        first_name.trim().to_string()
    };
    let t = now();
    let token = auth::random_token();
    let row = sqlx::query(
        "INSERT INTO users (email, password_hash, first_name, role, structure_id, disabled, created_at, updated_at) \
         VALUES ($1, NULL, $2, $3, $4, FALSE, $5, $5) RETURNING id",
    )
    .bind(&email)
    .bind(&first_name)
    .bind(role.as_str())
    .bind(structure.map(|s| s.id))
    .bind(t)
    .fetch_one(&mut *conn)
    .await
    .map_err(unique_as("email", format!("Un compte existe déjà pour {email}.")))?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("INSERT INTO tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, 'invite', $3, $4)")
        .bind(auth::token_hash(&token))
        .bind(id)
        .bind(t)
        .bind(t + config.invite_validity)
        .execute(&mut *conn)
        .await?;
    let user = User {
        id,
        email,
        first_name,
        role,
        structure: structure.cloned(),
        disabled: false,
        has_password: false,
        created_at: t,
    };
    Ok((user, token))
}

/// The link that lets an invited account choose its password.
pub fn invitation_link(config: &ApiConfig, token: &str) -> String {
    format!("{}/compte/invitation?jeton={token}", config.base_url)
}

/// Disables (or enables again) an account; disabling closes its sessions.
pub async fn set_disabled(db: &Db, email: &str, disabled: bool) -> Result<User, AppError> {
    let user = user_by_email(db, email).await?.ok_or(AppError::NotFound)?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled)
        .bind(now())
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    user_by_id(db, user.id).await?.ok_or(AppError::NotFound)
}

/// The account's part of the data export (RGPD right of access): the account, its sessions
/// and its failed sign-ins; `privacy::export` adds the other domains'.
pub async fn export_for(db: &Db, user: &User) -> Result<Map<String, Value>, AppError> {
    let sessions = sqlx::query(
        "SELECT created_at, last_seen_at FROM sessions WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let sessions: Vec<Value> = sessions
        .iter()
        .map(|r| {
            Ok(json!({"ouverte_le": iso(r.try_get(0)?), "derniere_activite": iso(r.try_get(1)?)}))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let failures = sqlx::query("SELECT attempts, last_at FROM login_throttle WHERE key = $1")
        .bind(throttle_key(SIGN_IN_ACCOUNT, &user.email))
        .fetch_optional(&db.pool)
        .await?;
    let failures = match failures {
        Some(r) => json!({"nombre": r.try_get::<i64, _>(0)?, "derniere": iso(r.try_get(1)?)}),
        None => json!({"nombre": 0}),
    };
    let mut part = Map::new();
    part.insert(
        "compte".into(),
        json!({
            "adresse_electronique": user.email,
            "prenom": user.first_name,
            "role": user.role.label(),
            "mission_locale": user.structure.as_ref().map(|s| json!({"nom": s.name, "ville": s.town})),
            "cree_le": iso(user.created_at),
        }),
    );
    part.insert("sessions".into(), json!(sessions));
    part.insert("tentatives_de_connexion_echouees".into(), failures);
    Ok(part)
}

/// Deletes an account's own rows in `tx`, the user last: its sign-in counter, sessions and
/// one-time links (`privacy::delete_account` releases what the other domains hold first).
pub async fn delete_in(tx: &mut Transaction<'_, Any>, user: &User) -> Result<(), AppError> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(throttle_key(SIGN_IN_ACCOUNT, &user.email))
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM tokens WHERE user_id = $1")
        .bind(user.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(valid_email("camille.dupont@exemple.fr"));
        assert!(!valid_email("camille"));
        assert!(!valid_email("camille@exemple"));
        assert!(!valid_email("ca mille@exemple.fr"));
        assert!(!valid_email("a@b.fr,c.fr"), "the mailer cannot parse it");
        assert!(!valid_email("a@b.fr>x"));
        assert_eq!(
            normalize_email("  Camille@Exemple.FR "),
            "camille@exemple.fr"
        );
    }
}
