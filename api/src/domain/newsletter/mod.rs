//! News by email: each youth's consent (off by default, dated), saved searches ("alertes"),
//! the signed one-click unsubscribe link, and the digest that emails every youth who opted in
//! the news and guides published since the last digest and the new opportunities matching
//! their alerts. `web_newsletter` is the HTTP side.
//!
//! A digest is a `digests` row (a run with its cut-off time and its news, chosen once) and a
//! `digest_recipients` row per youth, with a state:
//! `a_envoyer` → `envoi` (claimed by a conditional UPDATE just before the mailer is called)
//! → `envoye` (after the mailer accepted), or `rien` (nothing new), or back to `a_envoyer`
//! when the mailer refused (`echec` after three refusals). A run that stops (crash, limit) is
//! resumed by the next call instead of a new run. A recipient left in `envoi` by a crash is
//! never retried automatically: the mailer may have accepted the message, so at most the
//! handful of messages in flight at the crash (`Options::parallel`) may be lost, and none is
//! ever sent twice.

mod alerts;
mod consent;
mod digest;

pub use alerts::*;
pub use consent::*;
pub use digest::*;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use sqlx::Row;

use crate::domain::accounts::{Role, User};
use crate::domain::opportunities::{self as opp, Filters, Opportunity};
use crate::infra::config::ApiConfig;
use crate::infra::db::{is_unique_violation, now, Db};
use crate::infra::error::AppError;
use crate::infra::limits::{self, MAX_ALERTS};
use crate::infra::mail::{Letter, Mailer};
use crate::infra::pages::Pages;
use crate::infra::time::{date_fr, iso};
use crate::infra::vocabulary::{slug, vocabulary};

vocabulary! {
    /// How often an alert is sent.
    pub enum Frequency {
        Daily = ("quotidienne", "Chaque jour"),
        Weekly = ("hebdomadaire", "Chaque semaine"),
    }
}

/// A weekly alert goes out with the first digest at least this long after its last send
/// (a week less an hour, so that a digest sent at the same time each week never misses it).
/// What sending the digest needs: the database, the engine that holds the site's news and
/// the opportunities, the settings (address, secret), the mailer and the email templates.
#[derive(Clone)]
pub struct Mailing {
    pub db: Db,
    pub search: Arc<dyn tremplin_search::SearchEngine>,
    pub config: Arc<ApiConfig>,
    pub mailer: Arc<Mailer>,
    pub pages: Arc<dyn Pages>,
}

const WEEK: i64 = 7 * 86_400 - 3_600;
/// Opportunities shown per alert in one email (the link shows the rest).
const PER_ALERT: usize = 10;
/// Recipients read at a time.
const BATCH: i64 = 500;

// ---- the signed unsubscribe link ----

const UNSUBSCRIBE: &str = "desabonnement-lettre";

fn signature(secret: &str, user_id: i64, purpose: &str) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{purpose}:{user_id}").as_bytes());
    mac
}

/// The signature of an unsubscribe link for `user_id` (URL-safe).
pub fn sign(secret: &str, user_id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        signature(secret, user_id, UNSUBSCRIBE)
            .finalize()
            .into_bytes(),
    )
}

/// Whether `sig` is the signature of an unsubscribe link for `user_id` (constant time).
pub fn verify(secret: &str, user_id: i64, sig: &str) -> bool {
    use base64::Engine;
    match base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig.trim()) {
        Ok(bytes) => signature(secret, user_id, UNSUBSCRIBE)
            .verify_slice(&bytes)
            .is_ok(),
        Err(_) => false,
    }
}

/// The one-click unsubscribe link of `user_id`: it works without signing in.
pub fn unsubscribe_url(base_url: &str, secret: &str, user_id: i64) -> String {
    format!(
        "{base_url}/lettre/desabonnement?u={user_id}&s={}",
        sign(secret, user_id)
    )
}
