//! Measures how fast `tremplin serve` shows an edit: writes a page's body (or title) and polls
//! the served page over loopback until the change appears, many times; prints the median and
//! spread, and the serving process's memory. Used by `bench/serve.sh`.
//!
//! `cargo run --release --example serve_latency -- PORT PID FILE URL EDITS`

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("server reachable");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn wait_for(port: u16, url: &str, token: &str) -> Duration {
    let started = Instant::now();
    loop {
        if get(port, url).contains(token) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{token} never appeared on {url}"
        );
        std::thread::sleep(Duration::from_micros(500));
    }
}

fn stats(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let pick = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name}: n={} min={:.1} ms median={:.1} ms p90={:.1} ms max={:.1} ms",
        ms.len(),
        ms[0],
        pick(0.5),
        pick(0.9),
        ms[ms.len() - 1]
    );
}

fn memory(pid: &str) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    for line in status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
    {
        println!(
            "serve process {}",
            line.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, port, pid, file, url, edits] = &args[..] else {
        eprintln!("usage: serve_latency PORT PID FILE URL EDITS");
        std::process::exit(2);
    };
    let port: u16 = port.parse().unwrap();
    let edits: usize = edits.parse().unwrap();
    let original = std::fs::read_to_string(file).unwrap();
    let (header, body) = original[3..]
        .split_once("+++")
        .map(|(h, b)| (format!("+++{h}+++"), b.to_string()))
        .unwrap();

    memory(pid);
    let mut body_ms = Vec::new();
    for i in 0..edits {
        let token = format!("corps{i}x{}", std::process::id());
        std::fs::write(
            file,
            format!("{header}{body}\nParagraphe {token} ajouté.\n"),
        )
        .unwrap();
        body_ms.push(wait_for(port, url, &token).as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(150));
    }
    stats("body edit → served", body_ms);

    let mut title_ms = Vec::new();
    for i in 0..edits {
        let token = format!("titre{i}x{}", std::process::id());
        let new_header = header.replacen("title = \"", &format!("title = \"{token} "), 1);
        assert_ne!(new_header, header, "the front matter has a title");
        std::fs::write(file, format!("{new_header}{body}")).unwrap();
        title_ms.push(wait_for(port, url, &token).as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(150));
    }
    stats("title edit → served", title_ms);
    std::fs::write(file, original).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    memory(pid);
}
