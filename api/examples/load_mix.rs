//! The hardening load test: a bounded mix of requests over loopback against a running
//! `tremplin serve`, to see what a crowd of sign-ins does to everyone else (`bench/load_mix.sh`
//! starts the server and runs this).
//!
//! ```text
//! cargo run --release -p tremplin-api --example load_mix -- --addr 127.0.0.1:8094 --signins 60 --seconds 4
//! ```
//!
//! First `--signins / 2` youths register through the API. Then two phases of `--seconds`
//! each, with the same background (the server must trust `X-Forwarded-For`, as behind a
//! proxy: each sign-in comes from an address of its own): 4 connections fetch cheap pages (a guide, the home page,
//! the stylesheet) one after the other, and 2 connections alternate the opportunity listing
//! and the search. Phase 1 is only that; in phase 2, `--signins` sign-ins start at once (each
//! account twice, right password), each on its own connection, and the phase lasts at least
//! until they are all answered. Prints, per phase, p50/p90/p99/max of the cheap pages and of
//! the listing and search, the sign-ins' own times, and every status seen. Stops by itself:
//! a few thousand requests in all.

#[path = "shared/http.rs"]
mod http;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{arg, percentile, Conn};

const CHEAP: &[&str] = &["/guides/cv/", "/", "/css/site.css"];
const HEAVY: &[&str] = &[
    "/api/v1/opportunities?lieu=Lille&rayon=30",
    "/api/v1/search?q=apprentissage",
    "/opportunites?q=vendeur&lieu=Grenoble",
    "/recherche?q=logement",
];
const PASSWORD: &str = "un velo rouge sous la pluie";

/// Latencies (ms) by kind of request, and the statuses seen.
#[derive(Default)]
struct Seen {
    times: BTreeMap<&'static str, Vec<f64>>,
    statuses: BTreeMap<(&'static str, u16), usize>,
}

impl Seen {
    fn record(&mut self, kind: &'static str, ms: f64, status: u16) {
        self.times.entry(kind).or_default().push(ms);
        *self.statuses.entry((kind, status)).or_default() += 1;
    }
}

/// Fetches `paths` in turn on one connection until `stop`, recording under `kind`.
fn background(
    addr: String,
    paths: &'static [&'static str],
    kind: &'static str,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut conn = Conn::open(&addr).expect("connect");
        let mut i = 0;
        while !stop.load(Ordering::SeqCst) {
            let path = paths[i % paths.len()];
            i += 1;
            let started = Instant::now();
            let (status, _) = conn.get(path).expect("GET");
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            seen.lock().unwrap().record(kind, ms, status);
        }
    })
}

/// Runs one phase: the background for `seconds`, plus `signins` sign-ins when not 0.
fn phase(addr: &str, seconds: u64, emails: &[String], signins: usize) -> Seen {
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut workers = Vec::new();
    for _ in 0..4 {
        workers.push(background(
            addr.into(),
            CHEAP,
            "pages légères",
            stop.clone(),
            seen.clone(),
        ));
    }
    for _ in 0..2 {
        workers.push(background(
            addr.into(),
            HEAVY,
            "liste et recherche",
            stop.clone(),
            seen.clone(),
        ));
    }
    // Let the background settle before the crowd arrives.
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let crowd: Vec<_> = (0..signins)
        .map(|i| {
            let (addr, email, seen) = (
                addr.to_string(),
                emails[i % emails.len()].clone(),
                seen.clone(),
            );
            std::thread::spawn(move || {
                let mut conn = Conn::open(&addr).expect("connect");
                let body = format!(r#"{{"email":"{email}","password":"{PASSWORD}"}}"#);
                // 60 youths from 60 addresses (the server trusts the proxy header), as a
                // crowd is; from one address, the per-address limit would refuse most of them.
                let from = [format!("X-Forwarded-For: 10.0.{}.{}", i / 250, i % 250 + 1)];
                let t = Instant::now();
                let (status, _) = conn
                    .request("POST", "/api/v1/session", &from, Some(&body))
                    .expect("sign-in");
                seen.lock().unwrap().record(
                    "connexions",
                    t.elapsed().as_secs_f64() * 1000.0,
                    status,
                );
            })
        })
        .collect();
    for c in crowd {
        c.join().unwrap();
    }
    let rest = Duration::from_secs(seconds).saturating_sub(started.elapsed());
    std::thread::sleep(rest);
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    Arc::try_unwrap(seen).ok().unwrap().into_inner().unwrap()
}

fn print(name: &str, seen: &Seen) {
    println!("\n### {name}\n");
    println!("| requests | count | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (kind, times) in &seen.times {
        let mut t = times.clone();
        t.sort_by(f64::total_cmp);
        println!(
            "| {kind} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            t.len(),
            percentile(&t, 50.0),
            percentile(&t, 90.0),
            percentile(&t, 99.0),
            t[t.len() - 1]
        );
    }
    let statuses: Vec<String> = seen
        .statuses
        .iter()
        .map(|((k, s), n)| format!("{k} {s}: {n}"))
        .collect();
    println!("\nstatuses: {}", statuses.join(", "));
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let addr = arg(&args, "--addr").unwrap_or_else(|| "127.0.0.1:8094".into());
    let signins: usize = arg(&args, "--signins").map_or(Ok(60), |s| s.parse())?;
    let seconds: u64 = arg(&args, "--seconds").map_or(Ok(4), |s| s.parse())?;
    let accounts = signins.div_ceil(2).max(1);

    for path in CHEAP.iter().chain(HEAVY) {
        let (status, body) = Conn::open(&addr)?.get(path)?;
        if status != 200 || body.is_empty() {
            return Err(format!("{path}: status {status}").into());
        }
    }
    let stamp = std::process::id();
    let emails: Vec<String> = (0..accounts)
        .map(|i| format!("charge{stamp}-{i}@exemple.fr"))
        .collect();
    let mut conn = Conn::open(&addr)?;
    for email in &emails {
        let body =
            format!(r#"{{"email":"{email}","password":"{PASSWORD}","first_name":"Charge"}}"#);
        let (status, text) = conn.request("POST", "/api/v1/accounts", &[], Some(&body))?;
        if status != 201 {
            return Err(
                format!("registration: {status} {}", String::from_utf8_lossy(&text)).into(),
            );
        }
    }
    println!(
        "{accounts} accounts registered; {signins} sign-ins in phase 2; {seconds} s per phase"
    );
    let quiet = phase(&addr, seconds, &emails, 0);
    let crowd = phase(&addr, seconds, &emails, signins);
    print("Phase 1: pages, listing and search", &quiet);
    print(
        &format!("Phase 2: the same, with {signins} sign-ins at once"),
        &crowd,
    );
    Ok(())
}
