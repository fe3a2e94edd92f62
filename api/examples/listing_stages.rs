//! Where the time of one filtered listing goes, without HTTP: `opportunities::list` as a whole,
//! then its steps one by one (the bounding-box query, the fetch of the page's 20 rows by
//! `by_ids`), then the JSON the API sends (`Opportunity::to_json`, including each
//! description's Markdown, then `serde_json::to_vec`). For `bench/opportunities.sh`.
//!
//! ```text
//! cargo run --release -p tremplin-api --example listing_stages -- --db PATH [--runs 200] [--sql "CREATE INDEX ..."]
//! ```
//!
//! `--sql` runs a statement first (on a copy of the database, to measure a proposed index);
//! `EXPLAIN QUERY PLAN` of the bounding-box query is printed for each place. The queries are
//! the same as the benchmark's (Lille, Grenoble, Paris 15e, Marseille, a small town).

use std::time::Instant;

use serde_json::json;
use sqlx::Row;
use tremplin_api::domain::opportunities::{self, Filters};
use tremplin_api::{infra::communes, infra::db};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn filters(place: &str, radius: f64, kind: &str, sort: &str, page: u32) -> Filters {
    Filters {
        kinds: if kind.is_empty() {
            vec![]
        } else {
            vec![kind.to_string()]
        },
        place: place.to_string(),
        radius_km: Some(radius),
        sort: sort.to_string(),
        page: Some(page),
        ..Filters::default()
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn p99(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * 0.99).ceil() as usize).clamp(1, v.len()) - 1]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = arg(&args, "--db").ok_or("--db PATH is required")?;
    let runs: usize = arg(&args, "--runs").map_or(Ok(200), |s| s.parse())?;
    let extra = arg(&args, "--sql");
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(&path, runs, extra))
}

async fn run(
    path: &str,
    runs: usize,
    extra: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let db = db::connect(&format!("sqlite://{path}")).await?;
    // Listings without keywords never ask the engine; `list` still wants one.
    let index_dir = tempfile::tempdir()?;
    let engine = tremplin_search::open_embedded(index_dir.path())?;
    let engine = engine.as_ref();
    if let Some(sql) = &extra {
        let t = Instant::now();
        sqlx::query(sql).execute(&db.pool).await?;
        eprintln!("ran `{sql}` in {:.2} s", t.elapsed().as_secs_f64());
    }
    let cases = [
        filters("Lille", 30.0, "emploi", "", 1),
        filters("Lille", 30.0, "emploi", "distance", 1),
        filters("Lille", 30.0, "emploi", "", 2),
        filters("Grenoble", 30.0, "formation", "", 1),
        filters("Paris 15e", 10.0, "", "", 1),
        filters("Marseille", 30.0, "emploi", "", 1),
        filters("Guéret", 30.0, "", "", 1),
    ];
    let today = tremplin_api::infra::time::today();
    println!("| query | matches | in box | list() p50 / p99 ms | box query p50 ms | by_ids(20) p50 ms | JSON build+serialize p50 ms | of which Markdown p50 ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for f in &cases {
        let label = format!(
            "{} {} km {}{}{}",
            f.place,
            f.radius_km.unwrap_or(30.0),
            f.kinds.first().map(String::as_str).unwrap_or("tous types"),
            if f.sort.is_empty() {
                String::new()
            } else {
                format!(", tri={}", f.sort)
            },
            if f.page == Some(1) {
                String::new()
            } else {
                format!(", page {}", f.page.unwrap_or(1))
            },
        );
        let c = communes::resolve(&f.place).map_err(|e| e.to_string())?;
        let (a, b, cmin, d) = communes::bounding_box(c.lat, c.lon, f.radius_km.unwrap_or(30.0));
        let kind_clause = if f.kinds.is_empty() {
            ""
        } else {
            " AND o.kind IN ($2)"
        };
        let n = if f.kinds.is_empty() { 1 } else { 2 };
        let box_sql = format!(
            "SELECT o.id, o.lat, o.lon, o.published_at FROM opportunities o \
             JOIN structures s ON s.id = o.structure_id WHERE o.status = 'publiee' \
             AND (o.deadline IS NULL OR o.deadline >= $1){kind_clause} \
             AND o.lat BETWEEN ${} AND ${} AND o.lon BETWEEN ${} AND ${}",
            n + 1,
            n + 2,
            n + 3,
            n + 4
        );
        let box_query = || {
            let mut q = sqlx::query(&box_sql).bind(today.clone());
            if let Some(k) = f.kinds.first() {
                q = q.bind(k.clone());
            }
            q.bind(a).bind(b).bind(cmin).bind(d)
        };
        // The plan, once per place.
        if f.page == Some(1) && f.sort.is_empty() {
            let explain = format!("EXPLAIN QUERY PLAN {box_sql}");
            let mut q = sqlx::query(&explain).bind(today.clone());
            if let Some(k) = f.kinds.first() {
                q = q.bind(k.clone());
            }
            let plan = q
                .bind(a)
                .bind(b)
                .bind(cmin)
                .bind(d)
                .fetch_all(&db.pool)
                .await?;
            let steps: Vec<String> = plan
                .iter()
                .map(|r| r.try_get::<String, _>(3).unwrap_or_default())
                .collect();
            eprintln!("plan for {label}: {}", steps.join(" / "));
        }
        let listing = opportunities::list(&db, engine, f)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let in_box = box_query().fetch_all(&db.pool).await?.len();
        let ids: Vec<i64> = listing.items.iter().map(|(o, _)| o.id).collect();
        let (mut t_list, mut t_box, mut t_ids, mut t_json, mut t_md) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let t = Instant::now();
            let l = opportunities::list(&db, engine, f)
                .await
                .map_err(|e| format!("{e:?}"))?;
            t_list.push(t.elapsed().as_secs_f64() * 1e3);

            let t = Instant::now();
            let rows = box_query().fetch_all(&db.pool).await?;
            t_box.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(rows.len(), in_box);

            let t = Instant::now();
            let got = opportunities::by_ids(&db, &ids)
                .await
                .map_err(|e| format!("{e:?}"))?;
            t_ids.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(got.len(), ids.len());

            let t = Instant::now();
            let value = json!({
                "items": l.items.iter().map(|(o, d)| {
                    let mut v = serde_json::to_value(o.to_json()).expect("an opportunity serialises");
                    v["distance_km"] = json!(d.map(|d| (d * 10.0).round() / 10.0));
                    v
                }).collect::<Vec<_>>(),
                "total": l.total, "page": l.page, "pages": l.pages,
            });
            let bytes = serde_json::to_vec(&value)?;
            t_json.push(t.elapsed().as_secs_f64() * 1e3);
            assert!(!bytes.is_empty());

            let t = Instant::now();
            for (o, _) in &l.items {
                std::hint::black_box(tremplin_api::infra::markdown::safe_html(&o.description));
            }
            t_md.push(t.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "| {label} | {} | {in_box} | {:.2} / {:.2} | {:.2} | {:.2} | {:.3} | {:.3} |",
            listing.total,
            median(&mut t_list),
            p99(&mut t_list),
            median(&mut t_box),
            median(&mut t_ids),
            median(&mut t_json),
            median(&mut t_md),
        );
    }
    Ok(())
}
