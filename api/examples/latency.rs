//! Single-request latency of a running server: N sequential GETs of each URL over one
//! keep-alive HTTP/1.1 connection (one request in flight at a time), for
//! `bench/opportunities.sh`.
//!
//! ```text
//! cargo run --release -p tremplin-api --example latency -- --addr 127.0.0.1:8093 --runs 300 --urls FILE
//! ```
//!
//! `FILE` holds one path per line (`/api/v1/opportunities?lieu=Lille&rayon=30&type=emploi`);
//! `#` starts a comment. First every URL is fetched once and checked: status 200 and a
//! non-empty body; the number of matches is shown (`"total"` of the JSON, the results
//! heading of the page). Then
//! `--warmup` (20) rounds, then `--runs` rounds; a round requests each URL once, in order,
//! so that every URL sees the same conditions. Prints, per URL and over all of them, p50, p90,
//! p99 and max in ms, as a Markdown table. Plain `std::net`: nothing but the server is timed.

use std::time::Instant;

#[path = "shared/http.rs"]
mod http;

use http::{arg, percentile, Conn};

/// The number of matches: `"total"` of a JSON body, or the heading of the HTML page.
fn matches_of(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if let Some(i) = text.find("\"total\":") {
        let rest = &text[i + 8..];
        let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        return n;
    }
    // The page: "<h2 id="resultats">684 opportunités …", and one `<li class="carte"` per item.
    let heading = "id=\"resultats\">";
    let total = text
        .find(heading)
        .map(|i| {
            text[i + heading.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
        })
        .unwrap_or_default();
    format!(
        "{} ({} shown)",
        if total.is_empty() { "?" } else { &total },
        text.matches("class=\"carte\"").count()
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let addr = arg(&args, "--addr").unwrap_or_else(|| "127.0.0.1:8093".into());
    let runs: usize = arg(&args, "--runs").map_or(Ok(300), |s| s.parse())?;
    let warmup: usize = arg(&args, "--warmup").map_or(Ok(20), |s| s.parse())?;
    let file = arg(&args, "--urls").ok_or("--urls FILE is required")?;
    let urls: Vec<String> = std::fs::read_to_string(&file)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    let mut conn = Conn::open(&addr)?;

    println!("| URL | status | bytes | matches |");
    println!("|---|---:|---:|---:|");
    let mut failed = false;
    for u in &urls {
        let (status, body) = conn.get(u)?;
        println!(
            "| `{u}` | {status} | {} | {} |",
            body.len(),
            matches_of(&body)
        );
        if status != 200 || body.is_empty() {
            failed = true;
        }
    }
    if failed {
        return Err("a URL did not answer 200 with a body".into());
    }
    println!();

    for _ in 0..warmup {
        for u in &urls {
            conn.get(u)?;
        }
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(runs); urls.len()];
    let started = Instant::now();
    for _ in 0..runs {
        for (i, u) in urls.iter().enumerate() {
            let t = Instant::now();
            let (status, _) = conn.get(u)?;
            times[i].push(t.elapsed().as_secs_f64() * 1000.0);
            if status != 200 {
                return Err(format!("{u}: status {status}").into());
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    println!("| URL ({runs} requests each, sequential, one connection) | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    let mut all = Vec::new();
    for (u, t) in urls.iter().zip(&mut times) {
        t.sort_by(f64::total_cmp);
        all.extend_from_slice(t);
        println!(
            "| `{u}` | {:.2} | {:.2} | {:.2} | {:.2} |",
            percentile(t, 50.0),
            percentile(t, 90.0),
            percentile(t, 99.0),
            t[t.len() - 1]
        );
    }
    all.sort_by(f64::total_cmp);
    println!(
        "| **all {} requests** | **{:.2}** | {:.2} | **{:.2}** | {:.2} |",
        all.len(),
        percentile(&all, 50.0),
        percentile(&all, 90.0),
        percentile(&all, 99.0),
        all[all.len() - 1]
    );
    println!(
        "\n{} requests in {:.2} s: {:.0} requests/s on one connection.",
        all.len(),
        wall,
        all.len() as f64 / wall
    );
    Ok(())
}
