//! One conformance suite for both engines: the embedded engine always (in a temporary
//! directory), Meilisearch when `MEILI_URL` is set (`MEILI_KEY` optional).

#[path = "conformance/checks.rs"]
mod checks;
#[path = "conformance/fixture.rs"]
mod fixture;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use tremplin_search::{open_embedded, open_meilisearch, SearchEngine};

use checks::Ctx;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Runs `check` on a fresh, loaded embedded index.
async fn on_embedded<F>(check: F)
where
    F: for<'a> AsyncFnOnce(&'a Ctx<'a>),
{
    let dir = tempfile::tempdir().unwrap();
    let engine = open_embedded(dir.path()).unwrap();
    let ctx = Ctx {
        engine: engine.as_ref(),
        index: "opportunites".into(),
        did_you_mean: true,
    };
    ctx.load().await;
    check(&ctx).await;
}

/// Runs `check` on a fresh, loaded Meilisearch index, or says why it does not.
async fn on_meilisearch<F>(check: F)
where
    F: for<'a> AsyncFnOnce(&'a Ctx<'a>),
{
    let Ok(url) = std::env::var("MEILI_URL") else {
        eprintln!("conformance: Meilisearch ignoré (MEILI_URL non défini)");
        return;
    };
    let key = std::env::var("MEILI_KEY").ok();
    let engine: Arc<dyn SearchEngine> = open_meilisearch(&url, key.as_deref()).await.unwrap();
    let index = format!(
        "conformance_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let ctx = Ctx {
        engine: engine.as_ref(),
        index,
        did_you_mean: false,
    };
    ctx.load().await;
    check(&ctx).await;
}

macro_rules! conformance {
    ($($check:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::on_embedded(super::checks::$check).await;
            })*
        }
        mod meilisearch {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::on_meilisearch(super::checks::$check).await;
            })*
        }
    };
}

conformance!(
    accents_and_case,
    plurals_and_stems,
    typos,
    prefix_on_last_word,
    fewer_words_when_all_find_too_little,
    elision,
    synonyms_both_ways,
    filters,
    facets,
    geo_radius_and_distance,
    field_sort,
    pagination,
    long_queries_are_cut,
    relevance,
    highlights_are_escaped,
    delete_and_count,
    replace_by_id,
    settings_update,
    invalid_documents,
    did_you_mean,
    job_titles_in_either_gender,
);

/// Embedded only: the index is files on disk, found again by a new engine.
#[tokio::test]
async fn embedded_persists_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = open_embedded(dir.path()).unwrap();
        let ctx = Ctx {
            engine: engine.as_ref(),
            index: "opportunites".into(),
            did_you_mean: true,
        };
        ctx.load().await;
    }
    let engine = open_embedded(dir.path()).unwrap();
    assert_eq!(engine.count("opportunites").await.unwrap(), 7);
    let results = engine
        .search(&tremplin_search::SearchRequest::new(
            "opportunites",
            "boulangerie",
        ))
        .await
        .unwrap();
    assert_eq!(results.hits[0].id, "o1");
    assert_eq!(
        engine.settings("opportunites").await.unwrap(),
        Some(fixture::settings())
    );
}

/// Embedded only: several tasks writing and searching at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_concurrent_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open_embedded(dir.path()).unwrap();
    engine
        .configure("opportunites", &fixture::settings())
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let engine = Arc::clone(&engine);
        tasks.push(tokio::spawn(async move {
            let doc = tremplin_search::Document::new(format!("c{i}"))
                .with("title", format!("Offre numéro {i}"));
            engine.upsert("opportunites", vec![doc]).await.unwrap();
            engine
                .search(&tremplin_search::SearchRequest::new(
                    "opportunites",
                    "offre",
                ))
                .await
                .unwrap()
                .total
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap() >= 1);
    }
    assert_eq!(engine.count("opportunites").await.unwrap(), 8);
}
