//! The listing cache: public listings kept for at most `ListingCache::TTL` (5 s), dropped as
//! soon as the outbox worker changes the index (and at midnight: the key holds the date,
//! since expiry is by date), each with what the web layer makes of it (its JSON, its template
//! values, the page a visitor who is not signed in sees, and for an empty listing the filters
//! to loosen with their counts), made once.

use serde_json::Value;

use crate::domain::opportunities::{list, Alternative, Filters, Listing};
use crate::infra::db::Db;
use crate::infra::error::AppError;
use crate::infra::limits;
use crate::infra::time::today;

/// Recent public listings, by their filters: the listing is read far more often than
/// opportunities change. An entry is used while the index has not changed since it was made
/// (the outbox worker calls `changed` after applying rows) and for at most `TTL` (another
/// replica may have changed the index); a new day starts afresh (expiry is by date).
pub struct ListingCache {
    entries: std::sync::Mutex<ListingEntries>,
    generation: std::sync::atomic::AtomicU64,
}

type ListingEntries =
    std::collections::HashMap<String, (std::time::Instant, u64, std::sync::Arc<CachedListing>)>;

/// A cached listing, and what the web layer made of it (its JSON, its template values), made
/// once per entry.
pub struct CachedListing {
    pub listing: Listing,
    pub json: std::sync::OnceLock<String>,
    pub views: std::sync::OnceLock<Value>,
    /// The page as a visitor who is not signed in sees it.
    pub html: std::sync::OnceLock<String>,
    /// When it found nothing: the filters to loosen, with what each finds.
    pub alternatives: std::sync::OnceLock<Vec<Alternative>>,
}

impl ListingCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);

    pub fn new() -> ListingCache {
        ListingCache {
            entries: std::sync::Mutex::new(ListingEntries::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The index changed: every entry is stale.
    pub fn changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn key(f: &Filters) -> String {
        format!("{}|{}", today(), f.to_query())
    }

    /// The listing for `f`: from the cache when fresh, else from `list`.
    pub async fn list(
        &self,
        db: &Db,
        search: &dyn tremplin_search::SearchEngine,
        f: &Filters,
    ) -> Result<std::sync::Arc<CachedListing>, AppError> {
        let key = Self::key(f);
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, g, cached)) = entries.get(&key) {
                if *g == generation && at.elapsed() < Self::TTL {
                    return Ok(cached.clone());
                }
            }
        }
        let cached = std::sync::Arc::new(CachedListing {
            listing: list(db, search, f).await?,
            json: std::sync::OnceLock::new(),
            views: std::sync::OnceLock::new(),
            html: std::sync::OnceLock::new(),
            alternatives: std::sync::OnceLock::new(),
        });
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= limits::LISTING_CACHE_ENTRIES && !entries.contains_key(&key) {
            // Stale entries go first; if every entry is fresh, the oldest one.
            entries.retain(|_, (at, g, _)| *g == generation && at.elapsed() < Self::TTL);
            if entries.len() >= limits::LISTING_CACHE_ENTRIES {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, (at, _, _))| *at)
                    .map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    entries.remove(&k);
                }
            }
        }
        entries.insert(key, (std::time::Instant::now(), generation, cached.clone()));
        Ok(cached)
    }

    /// How many listings are kept now.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for ListingCache {
    fn default() -> Self {
        ListingCache::new()
    }
}
