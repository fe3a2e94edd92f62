//! Passwords and one-time links (reset, invitation): setting, changing, and what an account's deletion and export take of it.

use super::*;

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
pub async fn export_for(db: &Db, user: &User) -> Result<AccountExport, AppError> {
    let sessions = sqlx::query(
        "SELECT created_at, last_seen_at FROM sessions WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let sessions = sessions
        .iter()
        .map(|r| {
            Ok(SessionExport {
                ouverte_le: iso(r.try_get(0)?),
                derniere_activite: iso(r.try_get(1)?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let failures = sqlx::query("SELECT attempts, last_at FROM login_throttle WHERE key = $1")
        .bind(throttle_key(SIGN_IN_ACCOUNT, &user.email))
        .fetch_optional(&db.pool)
        .await?;
    let failures = match failures {
        Some(r) => FailuresExport {
            nombre: r.try_get::<i64, _>(0)?,
            derniere: Some(iso(r.try_get(1)?)),
        },
        None => FailuresExport {
            nombre: 0,
            derniere: None,
        },
    };
    Ok(AccountExport {
        compte: UserExport {
            adresse_electronique: user.email.clone(),
            prenom: user.first_name.clone(),
            role: user.role.label(),
            mission_locale: user.structure.as_ref().map(|s| StructureExport {
                nom: s.name.clone(),
                ville: s.town.clone(),
            }),
            cree_le: iso(user.created_at),
        },
        sessions,
        tentatives_de_connexion_echouees: failures,
    })
}

/// The account's part of the data export (French keys: the youth reads them).
#[derive(Debug, Serialize)]
pub struct AccountExport {
    pub compte: UserExport,
    pub sessions: Vec<SessionExport>,
    pub tentatives_de_connexion_echouees: FailuresExport,
}

#[derive(Debug, Serialize)]
pub struct UserExport {
    pub adresse_electronique: String,
    pub prenom: String,
    pub role: &'static str,
    pub mission_locale: Option<StructureExport>,
    pub cree_le: String,
}

#[derive(Debug, Serialize)]
pub struct StructureExport {
    pub nom: String,
    pub ville: String,
}

#[derive(Debug, Serialize)]
pub struct SessionExport {
    pub ouverte_le: String,
    pub derniere_activite: String,
}

#[derive(Debug, Serialize)]
pub struct FailuresExport {
    pub nombre: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derniere: Option<String>,
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
