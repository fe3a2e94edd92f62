#!/usr/bin/env bash
# The opportunity listing without its cache (issue 19): 100,000 opportunities on SQLite with
# the embedded engine, 20,000 distinct realistic queries (a job word, sometimes a second word,
# a town or a postcode with a radius 70 % of the time, a kind half of the time, pages 1 to 3),
# so that the listing's 5-second cache answers almost none of them, as with real traffic.
# For the JSON listing (/api/v1/opportunities) and the page (/opportunites): single requests
# (300 distinct URLs, each once, one keep-alive connection) and throughput with wrk
# (2 threads, 64 connections) rotating over the 20,000. See BENCHMARKS.md ("The listing
# without its cache").
#
#   bench/listing.sh
#
# Variables: COUNT (100000), QUERIES (20000), BENCH_DIR (/tmp/tremplin-listing), PORT (8096),
# DURATION (15s), BIN (a tremplin binary to measure instead of building this checkout's) and
# LABEL (the name of its summary and wrk files), to compare two binaries in one run; WORDS
# (`mixed`: one word, sometimes followed by a second; `one`: one word only); PROFILE (set:
# `perf` records the server during the JSON wrk run into $BENCH_DIR/perf-LABEL.data);
# CARGO_TARGET_DIR.
set -euo pipefail

COUNT=${COUNT:-100000}
QUERIES=${QUERIES:-20000}
PORT=${PORT:-8096}
DURATION=${DURATION:-15s}
WORDS=${WORDS:-mixed}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${BENCH_DIR:-/tmp/tremplin-listing}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
log() { printf '\n==> %s\n' "$*" >&2; }
load() { printf 'load: %s\n' "$(uptime | sed 's/.*load average/load average/')" >&2; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }

if [[ -z "${BIN:-}" ]]; then
    log "Building release binaries (target: $TARGET)"
    (cd "$REPO" && cargo build --release --quiet -p tremplin)
    mkdir -p "$DIR/bin"
    cp "$TARGET/release/tremplin" "$DIR/bin/tremplin.new" && mv "$DIR/bin/tremplin.new" "$DIR/bin/tremplin"
    BIN="$DIR/bin/tremplin"
fi

SITE="$DIR/site"
if [[ ! -f "$DIR/db-$COUNT.sqlite" ]]; then
    (cd "$REPO" && cargo build --release --quiet -p tremplin-api --example gen_opportunities)
    log "Generating $COUNT opportunities"
    "$TARGET/release/examples/gen_opportunities" --db "$DIR/db-$COUNT.tmp" --count "$COUNT"
    mv "$DIR/db-$COUNT.tmp" "$DIR/db-$COUNT.sqlite"
fi
rm -rf "$SITE" && mkdir -p "$SITE/data"
cp -r "$REPO/tremplin.toml" "$REPO/content" "$REPO/themes" "$SITE/"
[[ -f "$REPO/glossaire.toml" ]] && cp "$REPO/glossaire.toml" "$SITE/"
cp "$DIR/db-$COUNT.sqlite" "$SITE/data/bench.sqlite"
export TREMPLIN_DATABASE_URL="sqlite://$SITE/data/bench.sqlite"
log "index rebuild"
"$BIN" --root "$SITE" index rebuild >/dev/null 2>&1

python3 - "$DIR" "$QUERIES" "$WORDS" <<'PY'
import random, sys
d, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rnd = random.Random(19)
words = ["vendeur", "vendeuse", "cuisinier", "cuisiniere", "serveur", "serveuse", "aide+soignant",
         "aide+soignante", "boulanger", "boulangere", "coiffeur", "coiffeuse", "informatique",
         "mecanique", "menuisier", "caissier", "caissiere", "animateur", "animatrice", "livreur",
         "electricien", "plombier", "comptable", "accueil", "logistique", "macon", "peintre",
         "infirmier", "infirmiere", "magasinier", "preparateur", "agent+entretien", "jardinier",
         "baby+sitting", "vente", "restauration", "batiment", "soins", "hotellerie", "commerce"]
second = ["nuit", "cdi", "cdd", "apprentissage", "debutant", "week-end", "temps+partiel", "jeune"]
towns = ["Lille", "Roubaix", "Tourcoing", "Grenoble", "Paris", "Lyon", "Marseille", "Nantes",
         "Toulouse", "Rennes", "Bordeaux", "Strasbourg", "Rouen", "Amiens", "Dijon", "Brest",
         "59000", "38000", "75011", "69003", "13001", "44000", "31000", "35000", "33000", "67000"]
kinds = ["emploi", "alternance", "formation", "service-civique", "evenement"]
urls = set()
while len(urls) < n:
    q = rnd.choice(words)
    if mode != "one" and rnd.random() < 0.4:
        q += "+" + rnd.choice(second)
    parts = ["q=" + q]
    if rnd.random() < 0.7:
        parts += ["lieu=" + rnd.choice(towns), "rayon=%d" % rnd.randint(5, 80)]
    if rnd.random() < 0.5:
        parts.append("type=" + rnd.choice(kinds))
    page = rnd.choice([1, 1, 1, 2, 3])
    if page > 1:
        parts.append("page=%d" % page)
    urls.add("&".join(parts))
urls = sorted(urls)
rnd.shuffle(urls)
for name, prefix in (("json", "/api/v1/opportunities?"), ("html", "/opportunites?")):
    open(f"{d}/urls-{name}.txt", "w").write("\n".join(prefix + u for u in urls) + "\n")
    # The single requests use other URLs than wrk's first ones (and the JSON others than the page's).
    part = urls[-300:] if name == "json" else urls[-600:-300]
    open(f"{d}/urls-{name}-300.txt", "w").write("\n".join(prefix + u for u in part) + "\n")
PY

log "tremplin serve --no-watch --sans-demo on port $PORT"
"$BIN" --root "$SITE" serve --no-watch --sans-demo --port "$PORT" >"$DIR/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/v1/opportunities" && break
    sleep 0.5
done
LABEL=${LABEL:-$(basename "$BIN")}
SUMMARY="$DIR/summary-$LABEL.txt"
: >"$SUMMARY"
for f in json html; do
    load
    printf '%s:\n' "$f" | tee -a "$SUMMARY" >&2
    python3 - "$PORT" "$DIR/urls-$f-300.txt" <<'PY' | tee -a "$SUMMARY" >&2
import http.client, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", port)
times, statuses = [], {}
for u in open(path).read().split():
    t = time.perf_counter()
    c.request("GET", u)
    r = c.getresponse()
    r.read()
    times.append((time.perf_counter() - t) * 1000)
    statuses[r.status] = statuses.get(r.status, 0) + 1
    assert r.status in (200, 404), (u, r.status)
times.sort()
pct = lambda q: times[min(len(times) - 1, int(q / 100 * len(times)))]
print("  single requests, %d distinct URLs (%s): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms"
      % (len(times), ", ".join("%d× %d" % (v, k) for k, v in sorted(statuses.items())),
         pct(50), pct(90), pct(99), times[-1]))
PY
    load
    if [[ -n "${PROFILE:-}" && $f == json ]]; then
        perf record -F 999 -g -p "$pid" -o "$DIR/perf-$LABEL.data" -- sleep 12 >/dev/null 2>&1 &
        perf_pid=$!
    fi
    wrk -t2 -c64 -d"$DURATION" --latency -s "$REPO/bench/opportunities.lua" \
        "http://127.0.0.1:$PORT" -- "$DIR/urls-$f.txt" >"$DIR/wrk-$LABEL-$f.txt"
    [[ -n "${perf_pid:-}" ]] && { wait "$perf_pid" || true; unset perf_pid; }
    printf '  wrk: %s requests/s, %s %s\n' \
        "$(awk '/Requests\/sec/ {print $2}' "$DIR/wrk-$LABEL-$f.txt")" \
        "$(awk '/Latency Distribution/ {on=1; next} on && $1 ~ /%$/ {printf "p%s %s  ", $1, $2}' "$DIR/wrk-$LABEL-$f.txt")" \
        "$(awk '/Non-2xx/ {print "(" $NF " answers 404: a page past the last)"}' "$DIR/wrk-$LABEL-$f.txt")" \
        | tee -a "$SUMMARY" >&2
done
log "Summary"
cat "$SUMMARY"
