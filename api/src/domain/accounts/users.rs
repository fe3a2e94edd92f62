//! Accounts: registration, reading them, choosing a Mission Locale, disabling.

use super::*;

pub async fn user_by_id(db: &Db, id: i64) -> Result<Option<User>, AppError> {
    let row = sqlx::query(&format!("{USER_SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| user_from(&r)).transpose()?.map(|(u, _)| u))
}

pub(super) async fn user_and_hash_by_email(
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
    } else if first_name.chars().count() > limits::FIRST_NAME_MAX_CHARS {
        errors.push((
            "first_name",
            format!(
                "Le prénom doit faire {} caractères au plus.",
                limits::FIRST_NAME_MAX_CHARS
            ),
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
