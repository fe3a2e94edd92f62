//! A person's data across the domains (RGPD): the export of everything Tremplin keeps about
//! them, and the deletion of their account for good. Each domain gives its own part; this
//! module puts them together, so no domain needs to know the others for it.

use serde::Serialize;

use crate::domain::accounts::{self, AccountExport, User};
use crate::domain::newsletter::NewsletterExport;
use crate::domain::opportunities::OpportunitiesExport;
use crate::domain::questions::QuestionExport;
use crate::domain::{newsletter, opportunities, questions};
use crate::infra::db::{now, Db};
use crate::infra::error::AppError;
use crate::infra::time::iso;

/// Everything Tremplin keeps about a person (RGPD right of access): each domain's part,
/// French keys, as `GET /api/v1/me/export` gives it.
#[derive(Debug, Serialize)]
pub struct DataExport {
    #[serde(flatten)]
    pub account: AccountExport,
    pub opportunites: OpportunitiesExport,
    pub questions: Vec<QuestionExport>,
    pub lettre_et_alertes: NewsletterExport,
    pub exporte_le: String,
}

/// Everything Tremplin keeps about a person (RGPD right of access).
pub async fn export(db: &Db, user: &User) -> Result<DataExport, AppError> {
    Ok(DataExport {
        account: accounts::export_for(db, user).await?,
        opportunites: opportunities::export_for(db, user).await?,
        questions: questions::export_for(db, user).await?,
        lettre_et_alertes: newsletter::export_for(db, user).await?,
        exporte_le: iso(now()),
    })
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
