//! Accounts and structures: every statement about users, sessions, one-time tokens and
//! failed sign-ins. No HTTP here: `web` calls these functions, and so does the command line.

mod passwords;
mod sessions;
mod structures;
mod throttle;
mod users;

pub use passwords::*;
pub use sessions::*;
pub use structures::*;
pub use throttle::*;
pub use users::*;

use serde::Serialize;
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

impl Structure {
    /// The structure as other resources' JSON names it.
    pub fn json_ref(&self) -> StructureRef<'_> {
        StructureRef {
            slug: &self.slug,
            name: &self.name,
        }
    }
}

/// A structure named in another resource's JSON: its slug and name.
#[derive(Debug, Serialize)]
pub struct StructureRef<'a> {
    pub slug: &'a str,
    pub name: &'a str,
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
