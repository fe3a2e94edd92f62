#!/usr/bin/env bash
# The listing and the search side by side on the two pairs an operator chooses between:
# SQLite + the embedded engine, and PostgreSQL + Meilisearch. The same 100,000 opportunities
# (one import file from gen_opportunities, imported with `tremplin import` into each database,
# then `tremplin index rebuild`), the same site, the same URLs, one pair after the other in
# one run. Per pair: single-request latency over 300 distinct URLs (one keep-alive
# connection, each URL once, measured by a Python client whose overhead is the same for both) and throughput with wrk (2 threads, 64 connections)
# rotating over 2,000 (listing) and 1,500 (search) distinct URLs, for the listing JSON (keywords, place and radius, kind,
# page) and for the search API. See BENCHMARKS.md ("Side by side").
#
#   MEILI_URL=http://127.0.0.1:7700 bench/side_by_side.sh
#
# Variables: MEILI_URL (required: a running Meilisearch, a fresh one is best), POSTGRES
# (postgres://postgres@127.0.0.1:5432/postgres: the server where a database
# tremplin_side_by_side is created again), COUNT (100000), BENCH_DIR
# (/tmp/tremplin-side-by-side), PORT (8095), DURATION (15s), CARGO_TARGET_DIR.
set -euo pipefail

COUNT=${COUNT:-100000}
PORT=${PORT:-8095}
DURATION=${DURATION:-15s}
POSTGRES=${POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
: "${MEILI_URL:?set MEILI_URL to a running Meilisearch}"
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${BENCH_DIR:-/tmp/tremplin-side-by-side}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
log() { printf '\n==> %s\n' "$*" >&2; }
load() { printf 'load: %s\n' "$(uptime | sed 's/.*load average/load average/')" >&2; }

log "Building release binaries (target: $TARGET)"
(cd "$REPO" && cargo build --release --quiet -p tremplin \
    && cargo build --release --quiet -p tremplin-api --example gen_opportunities)
BIN="$TARGET/release/tremplin"

CSV="$DIR/offres-$COUNT.csv"
if [[ ! -f "$CSV" ]]; then
    log "Generating $COUNT opportunities into $CSV"
    "$TARGET/release/examples/gen_opportunities" --csv "$CSV.tmp" --count "$COUNT"
    mv "$CSV.tmp" "$CSV"
fi

# Distinct realistic requests, so that the listing's 5-second cache (500 entries) answers
# almost none of them, as with real traffic: a job word, sometimes a second word, a town and
# a radius 70 % of the time, a kind half of the time (first pages: a page past the last is a
# 404); the search box's words likewise.
python3 - "$DIR" <<'PY'
import random, sys
d = sys.argv[1]
rnd = random.Random(7)
words = ["vendeur", "vendeuse", "cuisinier", "serveur", "aide+soignant", "boulanger", "coiffeur",
         "informatique", "mecanique", "menuisier", "caissiere", "animateur", "livreur",
         "electricien", "plombier", "comptable", "accueil", "logistique", "macon", "peintre"]
second = ["", "", "", "nuit", "cdi", "apprentissage", "debutant", "week-end"]
towns = ["Lille", "Roubaix", "Grenoble", "Paris", "Lyon", "Marseille", "Nantes", "Toulouse",
         "Rennes", "Bordeaux", "Strasbourg", "Rouen", "Amiens", "Dijon", "Brest"]
kinds = ["emploi", "alternance", "formation", "service-civique", "evenement"]
listing, search = set(), set()
while len(listing) < 2000:
    q = rnd.choice(words) + ("+" + rnd.choice(second) if rnd.random() < 0.4 else "")
    parts = ["q=" + q.rstrip("+")]
    if rnd.random() < 0.7:
        parts += ["lieu=" + rnd.choice(towns), "rayon=%d" % rnd.randint(5, 80)]
    if rnd.random() < 0.5:
        parts.append("type=" + rnd.choice(kinds))
    listing.add("/api/v1/opportunities?" + "&".join(parts))
while len(search) < 1500:
    extra = rnd.choice(second[3:] + words) if rnd.random() < 0.5 else ""
    q = rnd.choice(words) + ("+" + extra if extra else "")
    search.add("/api/v1/search?index=opportunites&q=%s&offset=%d" % (q.rstrip("+"), rnd.choice([0, 0, 10, 20, 30, 40])))
for name, urls in (("listing", listing), ("search", search)):
    urls = sorted(urls)
    rnd.shuffle(urls)
    open(f"{d}/urls-{name}.txt", "w").write("\n".join(urls) + "\n")
    open(f"{d}/urls-{name}-300.txt", "w").write("\n".join(urls[:300]) + "\n")
PY

run_pair() {
    local name=$1 url=$2
    shift 2
    local site="$DIR/site-$name"
    rm -rf "$site" && mkdir -p "$site"
    cp -r "$REPO/tremplin.toml" "$REPO/content" "$REPO/themes" "$site/"
    log "$name: structure, import, index rebuild"
    env "$@" TREMPLIN_DATABASE_URL="$url" "$BIN" --root "$site" structure add lille \
        --name "Mission Locale de Lille" --town Lille --contact contact@example.org >/dev/null
    env "$@" TREMPLIN_DATABASE_URL="$url" "$BIN" --root "$site" import opportunites "$CSV" \
        --structure lille >"$DIR/import-$name.txt" 2>&1
    env "$@" TREMPLIN_DATABASE_URL="$url" "$BIN" --root "$site" index rebuild >/dev/null 2>&1
    log "$name: tremplin serve --no-watch --sans-demo on port $PORT"
    env "$@" TREMPLIN_DATABASE_URL="$url" "$BIN" --root "$site" serve --no-watch --sans-demo \
        --port "$PORT" >"$DIR/serve-$name.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 120); do
        curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/v1/opportunities" && break
        sleep 0.5
    done
    for f in listing search; do
        head -n 3 "$DIR/urls-$f.txt" | while read -r u; do
            printf '%s %s: %s\n' "$name" "$u" \
                "$(curl -fs "http://127.0.0.1:$PORT$u" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')" >&2
        done
        load
        # Single requests: 300 distinct URLs, each once, one keep-alive connection, nothing
        # asked before (the listing's cache holds none of them).
        printf '%s %s:\n' "$name" "$f" | tee -a "$DIR/summary.txt" >&2
        python3 - "$PORT" "$DIR/urls-$f-300.txt" <<'PY' | tee -a "$DIR/summary.txt" >&2
import http.client, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", port)
times = []
for u in open(path).read().split():
    t = time.perf_counter()
    c.request("GET", u)
    r = c.getresponse()
    r.read()
    times.append((time.perf_counter() - t) * 1000)
    assert r.status == 200, (u, r.status)
times.sort()
pct = lambda q: times[min(len(times) - 1, int(q / 100 * len(times)))]
print("  single requests, %d distinct URLs: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms"
      % (len(times), pct(50), pct(90), pct(99), times[-1]))
PY
        load
        wrk -t2 -c64 -d"$DURATION" --latency -s "$REPO/bench/opportunities.lua" \
            "http://127.0.0.1:$PORT" -- "$DIR/urls-$f.txt" >"$DIR/wrk-$name-$f.txt"
        printf '%s %s, wrk: %s requests/s, %s\n' "$name" "$f" \
            "$(awk '/Requests\/sec/ {print $2}' "$DIR/wrk-$name-$f.txt")" \
            "$(awk '/Latency Distribution/ {on=1; next} on && $1 ~ /%$/ {printf "p%s %s  ", $1, $2}' "$DIR/wrk-$name-$f.txt")" \
            | tee -a "$DIR/summary.txt" >&2
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

: >"$DIR/summary.txt"
rm -f "$DIR"/sqlite.db*
run_pair sqlite-embedded "sqlite://$DIR/sqlite.db"
db=tremplin_side_by_side
psql "$POSTGRES" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
run_pair postgres-meilisearch "${POSTGRES%/*}/$db" \
    TREMPLIN_SEARCH_ENGINE=meilisearch TREMPLIN_MEILI_URL="$MEILI_URL"
psql "$POSTGRES" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
log "Summary"
cat "$DIR/summary.txt"
