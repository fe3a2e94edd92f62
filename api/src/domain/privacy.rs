//! A person's data across the domains (RGPD): the export of everything Tremplin keeps about
//! them, and the deletion of their account for good. Each domain gives its own part; this
//! module puts them together, so no domain needs to know the others for it.

use serde_json::{json, Value};

use crate::domain::accounts::{self, User};
use crate::domain::{newsletter, opportunities, questions};
use crate::infra::db::{now, Db};
use crate::infra::error::AppError;
use crate::infra::time::iso;

/// Everything Tremplin keeps about a person (RGPD right of access), as JSON.
pub async fn export(db: &Db, user: &User) -> Result<Value, AppError> {
    let mut all = accounts::export_for(db, user).await?;
    all.insert(
        "opportunites".into(),
        opportunities::export_for(db, user).await?,
    );
    all.insert("questions".into(), questions::export_for(db, user).await?);
    all.insert(
        "lettre_et_alertes".into(),
        newsletter::export_for(db, user).await?,
    );
    all.insert("exporte_le".into(), json!(iso(now())));
    Ok(Value::Object(all))
}

/// Deletes an account and everything personal tied to it, for good, in one transaction.
pub async fn delete_account(db: &Db, user: &User) -> Result<(), AppError> {
    let mut tx = db.pool.begin().await?;
    // The places the youth held go back to the events; favourites and interests go with
    // the account (ON DELETE CASCADE).
    opportunities::release_places(&mut tx, user.id).await?;
    accounts::delete_in(&mut tx, user).await?;
    tx.commit().await?;
    Ok(())
}
