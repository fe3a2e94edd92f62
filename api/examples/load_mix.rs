//! The hardening load test: a bounded mix of requests over loopback against a running
//! `tremplin serve`, to see what a crowd of sign-ins does to everyone else (`bench/load_mix.sh`
//! starts the server and runs this).
//!
//! ```text
//! cargo run --release -p tremplin-api --example load_mix -- --addr 127.0.0.1:8094 --signins 60 --seconds 4
//! ```
//!
//! First `--signins / 2` youths register through the API. Then two phases with the same
//! background (the server must trust `X-Forwarded-For`, as behind a proxy: each sign-in comes
//! from an address of its own): 4 connections fetch cheap pages (a guide, the home page, the
//! stylesheet) and 2 connections alternate the opportunity listing and the search, each
//! connection one request every `PACE` at most, as visitors rather than a flood. Phase 1 is
//! only that, for `--seconds`. In phase 2, `--signins` connections sign in at once (each
//! account twice, right password) and sign in again as soon as answered, so that that many
//! sign-ins run all along; the phase counts the background's requests started from the
//! first sign-in sent to the last one answered (`--seconds` and a little more).
//! Prints, per phase and per kind of request (cheap pages, listing, search, sign-ins),
//! p50/p90/p99/max, and every status seen. Stops by itself: a few thousand requests in all
//! (each background connection makes at most `MAX_PER_CONNECTION` per phase).

#[path = "shared/http.rs"]
mod http;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{arg, percentile, Conn};

const CHEAP: &[(&str, &str)] = &[
    (PAGES, "/guides/cv/"),
    (PAGES, "/"),
    (PAGES, "/css/site.css"),
];
const HEAVY: &[(&str, &str)] = &[
    (LISTING, "/api/v1/opportunities?lieu=Lille&rayon=30"),
    (SEARCH, "/api/v1/search?q=apprentissage"),
    (LISTING, "/opportunites?q=vendeur&lieu=Grenoble"),
    (SEARCH, "/recherche?q=logement"),
];
const PAGES: &str = "1. pages légères";
const LISTING: &str = "2. liste des opportunités";
const SEARCH: &str = "3. recherche";
const SIGN_INS: &str = "4. connexions";
const PASSWORD: &str = "un velo rouge sous la pluie";
/// The least time between two requests of one background connection.
const PACE: Duration = Duration::from_millis(10);
/// The most requests of one background connection in one phase.
const MAX_PER_CONNECTION: usize = 1000;

/// Latencies (ms) by kind of request, and the statuses seen.
#[derive(Default)]
struct Seen {
    times: BTreeMap<&'static str, Vec<f64>>,
    statuses: BTreeMap<(&'static str, u16), usize>,
    /// How long the phase counted requests.
    seconds: f64,
}

impl Seen {
    fn record(&mut self, kind: &'static str, ms: f64, status: u16) {
        self.times.entry(kind).or_default().push(ms);
        *self.statuses.entry((kind, status)).or_default() += 1;
    }
}

/// One request of the background: when it started, its kind, its time (ms) and status.
type Sample = (Instant, &'static str, f64, u16);

/// Fetches `paths` in turn on one connection, one every `PACE` at most, until `stop` or
/// `MAX_PER_CONNECTION` requests.
fn background(
    addr: String,
    paths: &'static [(&'static str, &'static str)],
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut conn = Conn::open(&addr).expect("connect");
        for i in 0..MAX_PER_CONNECTION {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let (kind, path) = paths[i % paths.len()];
            let started = Instant::now();
            let (status, _) = conn.get(path).expect("GET");
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            samples.lock().unwrap().push((started, kind, ms, status));
            std::thread::sleep(PACE.saturating_sub(started.elapsed()));
        }
    })
}

/// Runs one phase: the background for `seconds`, with `signins` connections signing in over
/// and over during those seconds when not 0 (counted until the last is answered).
fn phase(addr: &str, seconds: u64, emails: &[String], signins: usize) -> Seen {
    let stop = Arc::new(AtomicBool::new(false));
    let samples = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut workers = Vec::new();
    for _ in 0..4 {
        workers.push(background(
            addr.into(),
            CHEAP,
            stop.clone(),
            samples.clone(),
        ));
    }
    for _ in 0..2 {
        workers.push(background(
            addr.into(),
            HEAVY,
            stop.clone(),
            samples.clone(),
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
                // Signs in again as soon as answered, until the phase's time is up: 60
                // sign-ins are running all along.
                for _ in 0..MAX_PER_CONNECTION {
                    let t = Instant::now();
                    let (status, _) = conn
                        .request("POST", "/api/v1/session", &from, Some(&body))
                        .expect("sign-in");
                    seen.lock().unwrap().record(
                        SIGN_INS,
                        t.elapsed().as_secs_f64() * 1000.0,
                        status,
                    );
                    if started.elapsed() >= Duration::from_secs(seconds) {
                        break;
                    }
                }
            })
        })
        .collect();
    for c in crowd {
        c.join().unwrap();
    }
    if signins == 0 {
        std::thread::sleep(Duration::from_secs(seconds));
    }
    let ended = Instant::now();
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    let mut seen = Arc::try_unwrap(seen).ok().unwrap().into_inner().unwrap();
    for &(at, kind, ms, status) in samples.lock().unwrap().iter() {
        if at >= started && at < ended {
            seen.record(kind, ms, status);
        }
    }
    seen.seconds = (ended - started).as_secs_f64();
    seen
}

fn print(name: &str, seen: &Seen) {
    println!("\n### {name} ({:.1} s counted)\n", seen.seconds);
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

    for (_, path) in CHEAP.iter().chain(HEAVY) {
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
