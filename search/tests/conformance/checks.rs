//! The behaviour both engines must have, one function per behaviour. Each runs on a fresh
//! index loaded with [`fixture::documents`].

use std::collections::BTreeSet;

use tremplin_search::geo::haversine_m;
use tremplin_search::{
    Document, Error, Filter, GeoRadius, IndexSettings, SearchEngine, SearchRequest, SearchResults,
    Sort,
};

use crate::fixture::{self, month, LYON};

/// What differs between engines, so a check can skip what an engine does not do.
pub(crate) struct Ctx<'a> {
    pub(crate) engine: &'a dyn SearchEngine,
    pub(crate) index: String,
    /// "Did you mean" (embedded only).
    pub(crate) did_you_mean: bool,
}

impl Ctx<'_> {
    pub(crate) async fn load(&self) {
        self.engine
            .configure(&self.index, &fixture::settings())
            .await
            .unwrap();
        self.engine
            .upsert(&self.index, fixture::documents())
            .await
            .unwrap();
    }

    fn request(&self, query: &str) -> SearchRequest {
        SearchRequest::new(&self.index, query)
    }

    async fn search(&self, request: SearchRequest) -> SearchResults {
        self.engine
            .search(&request)
            .await
            .unwrap_or_else(|e| panic!("{request:?}: {e}"))
    }

    async fn ids(&self, query: &str) -> Vec<String> {
        ids(&self.search(self.request(query)).await)
    }

    async fn id_set(&self, query: &str) -> BTreeSet<String> {
        self.ids(query).await.into_iter().collect()
    }

    async fn filtered(&self, query: &str, filters: Vec<Filter>) -> BTreeSet<String> {
        let mut request = self.request(query);
        request.filters = filters;
        ids(&self.search(request).await).into_iter().collect()
    }
}

fn ids(results: &SearchResults) -> Vec<String> {
    results.hits.iter().map(|hit| hit.id.clone()).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

pub(crate) async fn accents_and_case(ctx: &Ctx<'_>) {
    for query in ["education", "éducation", "EDUCATION", "Éducation"] {
        assert_eq!(ctx.ids(query).await, ["o2"], "{query}");
    }
    assert_eq!(ctx.ids("saint etienne").await, ["o7"]);
}

/// French stems: the crate's own analysis, given to Meilisearch too.
pub(crate) async fn plurals_and_stems(ctx: &Ctx<'_>) {
    assert!(
        ctx.id_set("formations ").await.contains("o2"),
        "formations → formation"
    );
    assert!(
        ctx.id_set("apprenti ").await.contains("o3"),
        "apprenti → apprentis"
    );
    assert_eq!(ctx.ids("vendeurs ").await, ["o5"]);
}

pub(crate) async fn typos(ctx: &Ctx<'_>) {
    // One typo from 5 letters.
    assert_eq!(ctx.ids("vendeir").await, ["o5"]);
    // Two typos from 9 letters.
    assert_eq!(ctx.ids("infromatiqe").await, ["o4"]);
    assert_eq!(ctx.ids("boulangrei").await, ["o1"]);
    // No typo under 5 letters; no second typo under 9.
    assert!(ctx.ids("vnte").await.is_empty());
    assert!(ctx.ids("vanduer").await.is_empty());
}

pub(crate) async fn prefix_on_last_word(ctx: &Ctx<'_>) {
    assert_eq!(ctx.ids("inform").await, ["o4"]);
    // The document with both words first; others with one of them may follow.
    assert_eq!(
        ctx.ids("stage inform").await.first().map(String::as_str),
        Some("o4")
    );
    assert_eq!(ctx.ids("boulan").await, ["o1"]);
}

pub(crate) async fn fewer_words_when_all_find_too_little(ctx: &Ctx<'_>) {
    // A word no document has does not hide what the others find.
    assert_eq!(
        ctx.id_set("vendeur xylophone").await,
        ctx.id_set("vendeur").await
    );
    assert!(!ctx.ids("vendeur").await.is_empty());
    // Documents with every word come before those with fewer.
    let both = ctx.ids("stage informatique").await;
    assert_eq!(both.first().map(String::as_str), Some("o4"), "{both:?}");
}

pub(crate) async fn elision(ctx: &Ctx<'_>) {
    for query in ["l'apprentissage", "l’apprentissage", "d'apprentissage"] {
        assert!(ctx.id_set(query).await.contains("o1"), "{query}");
    }
    assert!(ctx.id_set("métiers de l'éducation").await.contains("o2"));
}

pub(crate) async fn synonyms_both_ways(ctx: &Ctx<'_>) {
    assert_eq!(ctx.id_set("cej").await, set(&["o3", "o7"]));
    assert_eq!(
        ctx.id_set("contrat d'engagement jeune").await,
        set(&["o3", "o7"])
    );
    assert!(ctx.id_set("curriculum vitae").await.contains("o6"));
}

pub(crate) async fn filters(ctx: &Ctx<'_>) {
    assert_eq!(
        ctx.filtered("", vec![Filter::eq("kind", "formation")])
            .await,
        set(&["o2"])
    );
    assert_eq!(
        ctx.filtered("", vec![Filter::any("kind", ["stage", "emploi"])])
            .await,
        set(&["o4", "o5"])
    );
    let range = Filter::range("start", Some(month(1) as f64), Some(month(3) as f64));
    assert_eq!(
        ctx.filtered("", vec![range]).await,
        set(&["o2", "o3", "o4"])
    );
    let open = Filter::range("start", Some(month(5) as f64), None);
    assert_eq!(ctx.filtered("", vec![open]).await, set(&["o6", "o7"]));
    assert_eq!(
        ctx.filtered("", vec![Filter::eq("themes", "emploi")]).await,
        set(&["o6", "o7"])
    );
    assert_eq!(
        ctx.filtered("", vec![Filter::eq("remote", true)]).await,
        set(&["o2"])
    );
    assert_eq!(
        ctx.filtered("formation", vec![Filter::eq("town", "Lyon")])
            .await,
        set(&["o5"])
    );
    assert_eq!(
        ctx.filtered(
            "",
            vec![
                Filter::eq("town", "Lyon"),
                Filter::any("kind", ["emploi", "formation"])
            ]
        )
        .await,
        set(&["o5"])
    );
    let mut request = ctx.request("");
    request.filters = vec![Filter::eq("title", "x")];
    assert!(matches!(
        ctx.engine.search(&request).await,
        Err(Error::InvalidRequest(_))
    ));
}

pub(crate) async fn facets(ctx: &Ctx<'_>) {
    let mut request = ctx.request("");
    request.facets = vec!["kind".into(), "town".into(), "themes".into()];
    let results = ctx.search(request.clone()).await;
    assert_eq!(results.total, 7);
    let town = &results.facets["town"];
    assert_eq!(town[0], ("Lyon".to_string(), 2));
    assert_eq!(town.iter().map(|(_, n)| n).sum::<usize>(), 7);
    assert_eq!(results.facets["kind"].len(), 7);
    assert!(results.facets["themes"].contains(&("emploi".to_string(), 2)));
    request.filters = vec![Filter::eq("town", "Lyon")];
    let results = ctx.search(request).await;
    assert_eq!(
        results.facets["kind"],
        [("apprentissage".to_string(), 1), ("emploi".to_string(), 1)]
    );
}

pub(crate) async fn geo_radius_and_distance(ctx: &Ctx<'_>) {
    let mut request = ctx.request("");
    request.geo = Some(GeoRadius {
        lat: LYON.0,
        lon: LYON.1,
        radius_m: 30_000.0,
    });
    request.sort = Sort::Distance;
    let results = ctx.search(request.clone()).await;
    assert_eq!(ids(&results), ["o1", "o5", "o2"]);
    assert_eq!(results.total, 3);
    let villeurbanne = results.hits[2].distance_m.expect("distance");
    assert!(
        (villeurbanne - haversine_m(LYON.0, LYON.1, 45.7719, 4.8902)).abs() < 1.0,
        "{villeurbanne}"
    );
    assert!(results.hits[0].distance_m.unwrap() < 1.0);
    assert!(!results.hits[0].fields.is_empty());
    // Ids only: the same hits and distances, without the stored fields.
    let mut bare = request.clone();
    bare.ids_only = true;
    let only = ctx.search(bare).await;
    assert_eq!(ids(&only), ids(&results));
    assert_eq!(only.total, results.total);
    for (a, b) in only.hits.iter().zip(&results.hits) {
        assert!(a.fields.is_empty(), "{:?}", a.fields);
        let (da, db) = (
            a.distance_m.expect("distance"),
            b.distance_m.expect("distance"),
        );
        assert!((da - db).abs() < 1.0, "{da} {db}");
    }
    // Saint-Étienne is about 50 km away.
    request.geo = Some(GeoRadius {
        lat: LYON.0,
        lon: LYON.1,
        radius_m: 60_000.0,
    });
    request.query = "emploi".into();
    assert_eq!(ids(&ctx.search(request).await), ["o5", "o7"]);
}

pub(crate) async fn field_sort(ctx: &Ctx<'_>) {
    let mut request = ctx.request("");
    request.sort = Sort::Field {
        name: "start".into(),
        descending: true,
    };
    assert_eq!(
        ids(&ctx.search(request.clone()).await),
        ["o7", "o6", "o5", "o4", "o3", "o2", "o1"]
    );
    request.sort = Sort::Field {
        name: "start".into(),
        descending: false,
    };
    request.filters = vec![Filter::eq("town", "Lyon")];
    assert_eq!(ids(&ctx.search(request).await), ["o1", "o5"]);
}

pub(crate) async fn pagination(ctx: &Ctx<'_>) {
    let mut request = ctx.request("");
    request.sort = Sort::Field {
        name: "start".into(),
        descending: false,
    };
    request.offset = 2;
    request.limit = 2;
    let results = ctx.search(request.clone()).await;
    assert_eq!(ids(&results), ["o3", "o4"]);
    assert_eq!(results.total, 7);
    request.offset = 6;
    request.limit = 5;
    let results = ctx.search(request.clone()).await;
    assert_eq!(ids(&results), ["o7"]);
    assert_eq!(results.total, 7);
    // Offsets and limits past the window are cut, never collected or allocated for.
    for (offset, limit) in [
        (usize::MAX / 2, 20),
        (4_294_967_295 * 20, 20),
        (0, usize::MAX / 2),
        (tremplin_search::MAX_HITS, 10),
    ] {
        request.offset = offset;
        request.limit = limit;
        let results = ctx.search(request.clone()).await;
        let expected: &[&str] = if offset == 0 {
            &["o1", "o2", "o3", "o4", "o5", "o6", "o7"]
        } else {
            &[]
        };
        assert_eq!(ids(&results).len(), expected.len(), "{offset} {limit}");
        assert_eq!(results.total, 7, "{offset} {limit}");
    }
}

/// A query of many words is cut after `MAX_QUERY_WORDS` words: the words past it change
/// nothing, and a query of hundreds of words answers like its first words.
pub(crate) async fn long_queries_are_cut(ctx: &Ctx<'_>) {
    let kept = format!(
        "boulangerie lyon {}",
        "boulangerie ".repeat(tremplin_search::MAX_QUERY_WORDS - 2)
    );
    let first = ctx.id_set(&kept).await;
    assert!(first.contains("o1"), "{first:?}");
    // The 600 words past the 16th are never looked at (each unknown to the index, they would
    // otherwise be dropped one by one, each time with a new search).
    let long = ctx
        .id_set(&format!("{kept}{}", "xylophone ".repeat(600)))
        .await;
    assert_eq!(long, first);
}

pub(crate) async fn relevance(ctx: &Ctx<'_>) {
    // Title before description.
    assert_eq!(ctx.ids("stage").await, ["o4", "o3"]);
    // Exact word before a typo, even in a less important field.
    ctx.engine
        .upsert(
            &ctx.index,
            vec![
                Document::new("t1").with("title", "Vendeux saisonnier"),
                Document::new("t2").with("description", "Poste de vendeur."),
            ],
        )
        .await
        .unwrap();
    let found = ctx.ids("vendeur ").await;
    assert_eq!(found, ["o5", "t2", "t1"]);
}

pub(crate) async fn highlights_are_escaped(ctx: &Ctx<'_>) {
    let mut request = ctx.request("informatique");
    request.highlight = true;
    let results = ctx.search(request).await;
    let hit = &results.hits[0];
    assert_eq!(
        hit.highlights["title"],
        "Stage en <mark>informatique</mark>"
    );
    let description = &hit.highlights["description"];
    assert!(description.contains("&lt;script&gt;"), "{description}");
    assert!(!description.contains("<script>"), "{description}");
    assert!(description.contains("&amp;"), "{description}");
}

pub(crate) async fn delete_and_count(ctx: &Ctx<'_>) {
    assert_eq!(ctx.engine.count(&ctx.index).await.unwrap(), 7);
    ctx.engine
        .delete(&ctx.index, vec!["o4".into(), "absent".into()])
        .await
        .unwrap();
    assert!(ctx.ids("informatique").await.is_empty());
    assert_eq!(ctx.engine.count(&ctx.index).await.unwrap(), 6);
    ctx.engine.clear(&ctx.index).await.unwrap();
    assert_eq!(ctx.engine.count(&ctx.index).await.unwrap(), 0);
}

pub(crate) async fn replace_by_id(ctx: &Ctx<'_>) {
    let new = Document::new("o1")
        .with("title", "Apprentissage en pâtisserie")
        .with("kind", "apprentissage");
    ctx.engine.upsert(&ctx.index, vec![new]).await.unwrap();
    assert_eq!(ctx.engine.count(&ctx.index).await.unwrap(), 7);
    assert_eq!(ctx.ids("patisserie").await, ["o1"]);
    assert!(ctx.ids("boulangerie").await.is_empty());
    let results = ctx.search(ctx.request("patisserie")).await;
    assert!(!results.hits[0].fields.contains_key("town"));
}

pub(crate) async fn settings_update(ctx: &Ctx<'_>) {
    assert_eq!(ctx.ids("reconnue").await, ["o2"]);
    let mut request = ctx.request("");
    request.filters = vec![Filter::eq("level", "bac")];
    assert!(ctx.engine.search(&request).await.is_err());

    let mut settings: IndexSettings = fixture::settings();
    settings.searchable.retain(|field| field != "description");
    settings.filterable.push("level".into());
    ctx.engine.configure(&ctx.index, &settings).await.unwrap();
    assert_eq!(
        ctx.engine.settings(&ctx.index).await.unwrap().as_ref(),
        Some(&settings)
    );
    let r = ctx.search(ctx.request("reconnue")).await;
    assert!(r.hits.is_empty(), "{r:#?}");
    ctx.engine
        .upsert(
            &ctx.index,
            vec![Document::new("l1")
                .with("title", "Mécanique auto")
                .with("level", "bac")],
        )
        .await
        .unwrap();
    assert_eq!(ids(&ctx.search(request).await), ["l1"]);
    assert_eq!(ctx.engine.count(&ctx.index).await.unwrap(), 8);
}

pub(crate) async fn invalid_documents(ctx: &Ctx<'_>) {
    let bad_id = Document::new("a b");
    assert!(matches!(
        ctx.engine.upsert(&ctx.index, vec![bad_id]).await,
        Err(Error::InvalidDocument(_))
    ));
    let bad_geo = Document::new("x").with(
        "place",
        tremplin_search::FieldValue::Geo { lat: 1.0, lon: 2.0 },
    );
    assert!(matches!(
        ctx.engine.upsert(&ctx.index, vec![bad_geo]).await,
        Err(Error::InvalidDocument(_))
    ));
    assert_eq!(ctx.engine.count(&ctx.index).await.unwrap(), 7);
}

/// Embedded only.
pub(crate) async fn did_you_mean(ctx: &Ctx<'_>) {
    let results = ctx.search(ctx.request("informatik web")).await;
    // "web" alone finds documents (fewer words are tried); the corrected spelling of the
    // whole query is still offered.
    if !ctx.did_you_mean {
        eprintln!(
            "conformance: « vouliez-vous dire » non vérifié ({} ne le propose pas)",
            ctx.engine.name()
        );
        return;
    }
    assert_eq!(results.did_you_mean.as_deref(), Some("informatique web"));
    let results = ctx.search(ctx.request("informatik stage")).await;
    assert_eq!(results.did_you_mean.as_deref(), Some("informatique stage"));
    assert_eq!(ctx.search(ctx.request("zzzzzzzz")).await.did_you_mean, None);
}

/// Job titles meet in either gender, and a field meets its job (the crate's job
/// normalisation, on both sides); highlights mark the matched word in the form it has.
pub(crate) async fn job_titles_in_either_gender(ctx: &Ctx<'_>) {
    ctx.engine
        .upsert(
            &ctx.index,
            vec![
                Document::new("j1").with("title", "Coiffeur en salon"),
                Document::new("j2").with("title", "Technicien de maintenance"),
                Document::new("j3").with("title", "Aide-soignante de nuit"),
                Document::new("j4").with("title", "Menuisier poseur"),
                Document::new("j5").with("title", "Infirmier en EHPAD"),
                Document::new("j6").with("title", "Vendeuse en boutique"),
                Document::new("j7").with("title", "Conducteur de bus"),
            ],
        )
        .await
        .unwrap();
    // A feminine query finds the masculine title…
    for (query, id) in [
        ("coiffeuse", "j1"),
        ("coiffeuses ", "j1"),
        ("technicienne de maintenance", "j2"),
        ("menuisière", "j4"),
        ("infirmiere ", "j5"),
        ("conductrice de bus", "j7"),
    ] {
        assert_eq!(ctx.ids(query).await, [id], "{query}");
    }
    // …a masculine query the feminine title…
    assert_eq!(ctx.ids("aide-soignant").await, ["j3"]);
    assert_eq!(ctx.id_set("vendeur ").await, set(&["o5", "j6"]));
    // …and a field its job.
    assert_eq!(ctx.ids("menuiserie").await, ["j4"]);
    assert_eq!(ctx.ids("soins de nuit").await, ["j3"]);
    assert_eq!(ctx.ids("coiffure").await, ["j1"]);
    // Highlights mark the word as the document spells it.
    let mut request = ctx.request("coiffeuse");
    request.highlight = true;
    let results = ctx.search(request).await;
    assert_eq!(
        results.hits[0].highlights["title"],
        "<mark>Coiffeur</mark> en salon"
    );
    let mut request = ctx.request("vendeur ");
    request.highlight = true;
    let results = ctx.search(request).await;
    let j6 = results.hits.iter().find(|h| h.id == "j6").unwrap();
    assert_eq!(j6.highlights["title"], "<mark>Vendeuse</mark> en boutique");
}
