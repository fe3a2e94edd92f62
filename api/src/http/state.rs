//! The application state every handler shares: the database, the settings, the mailer, the
//! theme's templates, the search engine, what the "contenus" index was last sent, the
//! listing cache and the request budget.

use std::sync::Arc;

use crate::domain::newsletter::Mailing;
use crate::http::listing_cache::ListingCache;
use crate::http::security::Budget;
use crate::index::contents::ContentIndex;
use crate::infra::config::ApiConfig;
use crate::infra::db::Db;
use crate::infra::mail::Mailer;
use crate::infra::pages::Pages;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<ApiConfig>,
    pub mailer: Arc<Mailer>,
    pub pages: Arc<dyn Pages>,
    pub search: Arc<dyn tremplin_search::SearchEngine>,
    /// What the "contenus" index was last sent.
    pub contents: Arc<ContentIndex>,
    /// Recent opportunity listings.
    pub listings: Arc<ListingCache>,
    /// The requests this process serves at once.
    pub budget: Budget,
}

impl AppState {
    /// What the digest needs to be sent.
    pub fn mailing(&self) -> Mailing {
        Mailing {
            db: self.db.clone(),
            search: self.search.clone(),
            config: self.config.clone(),
            mailer: self.mailer.clone(),
            pages: self.pages.clone(),
        }
    }
}
