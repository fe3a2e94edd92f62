//! Structures (each Mission Locale): adding them and reading them.

use super::*;

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
