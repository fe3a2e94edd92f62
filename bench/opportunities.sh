#!/usr/bin/env bash
# Opportunities benchmark: the public filtered listing (town + radius + kind) on a SQLite
# database of 100,000 published opportunities, served by `tremplin serve` over loopback.
# Measures the single-request latency (p50/p99, one keep-alive connection, sequential) of the
# JSON API and of the HTML page, then the throughput with wrk (2 threads, 64 connections)
# on a rotating mix of realistic queries, and the server's memory. See bench/README.md and
# BENCHMARKS.md ("Opportunities: the filtered listing on 100,000 opportunities").
#
#   bench/opportunities.sh                          # 100,000 opportunities
#   COUNT=10000 DURATION=10s bench/opportunities.sh # quicker
#   BENCH_DIR=/tmp/opps bench/opportunities.sh      # keep (and reuse) the database there
#
# Variables: COUNT (100000), BENCH_DIR (/tmp/tremplin-opps-bench: the generated database is
# cached there, one per COUNT), PORT (8093), RUNS (300 sequential requests per URL), CONNS
# (64), THREADS (2), DURATION (20s), QUIET_WAIT (seconds to wait for an idle CPU before each
# measurement, 120; 0 to skip), STAGES (1: also time the steps of the listing in-process
# with the listing_stages example; 0 to skip), PERF (0; 1: `perf record` the server during
# the JSON throughput run, report in perf-json.txt).
set -euo pipefail

COUNT=${COUNT:-100000}
PORT=${PORT:-8093}
RUNS=${RUNS:-300}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20s}
QUIET_WAIT=${QUIET_WAIT:-120}
STAGES=${STAGES:-1}
PERF=${PERF:-0}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${BENCH_DIR:-/tmp/tremplin-opps-bench}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# One benchmark at a time on this machine (the same lock as bench/build.sh).
exec 9>"${TMPDIR:-/tmp}/tremplin-bench.lock"
if ! flock -n 9; then
    printf 'bench: another benchmark is running on this machine, waiting for it to end...\n' >&2
    flock 9
fi

for tool in wrk curl cargo; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y wrk curl)"
done

# Waits until no other process keeps the CPUs busy (kernel pressure stall information).
wait_quiet() {
    [[ "$QUIET_WAIT" -gt 0 && -r /proc/pressure/cpu ]] || return 0
    local waited=0 avg10
    while :; do
        avg10=$(awk '/^some/ { sub("avg10=", "", $2); print int($2) }' /proc/pressure/cpu)
        [[ "$avg10" -lt 3 ]] && return 0
        if [[ "$waited" -ge "$QUIET_WAIT" ]]; then
            printf 'bench: the machine is still busy (CPU pressure %s%%) after %ss: measuring anyway, expect noise\n' "$avg10" "$waited" >&2
            return 0
        fi
        [[ "$waited" -eq 0 ]] && printf 'bench: waiting for the machine to be idle (CPU pressure %s%%)...\n' "$avg10" >&2
        sleep 5
        waited=$((waited + 5))
    done
}

# The machine's load, written before each measurement.
note_load() {
    printf '%s  %s: uptime:%s; cpu pressure: %s\n' "$(date -u +%H:%M:%S)" "$1" \
        "$(uptime | sed 's/.*load average/ load average/')" \
        "$(head -1 /proc/pressure/cpu 2>/dev/null || echo n/a)" | tee -a "$DIR/load.txt" >&2
}

log "Building release binaries (target: $TARGET)"
(cd "$REPO" && cargo build --release --quiet -p tremplin \
    && cargo build --release --quiet -p tremplin-api --example gen_opportunities --example latency --example listing_stages)
mkdir -p "$DIR/bin"
# Copies, so that a concurrent rebuild cannot change the binaries between runs.
cp "$TARGET/release/tremplin" "$TARGET/release/examples/gen_opportunities" \
   "$TARGET/release/examples/latency" "$TARGET/release/examples/listing_stages" "$DIR/bin/"

DB="$DIR/opportunities-v2-$COUNT.sqlite"
if [[ ! -f "$DB" ]]; then
    log "Generating $COUNT opportunities into $DB"
    rm -f "$DB-wal" "$DB-shm"
    "$DIR/bin/gen_opportunities" --db "$DB.tmp" --count "$COUNT"
    mv "$DB.tmp" "$DB"
    rm -f "$DB.tmp-wal" "$DB.tmp-shm"
    date -u +%F >"$DB.date"
else
    log "Reusing $DB (generated $(cat "$DB.date" 2>/dev/null || echo '?'))"
fi
ls -l "$DB" >&2

# The demo site, copied: other engineers edit the repository while this runs.
SITE="$DIR/site"
rm -rf "$SITE"
mkdir -p "$SITE"
cp -r "$REPO/tremplin.toml" "$REPO/content" "$REPO/themes" "$SITE/"

# The query set: realistic filtered listings, for the API and for the page.
QUERIES=(
    "lieu=Lille&rayon=30&type=emploi"
    "lieu=Lille&rayon=30&type=emploi&tri=distance"
    "lieu=Lille&rayon=30&type=emploi&page=2"
    "lieu=Grenoble&rayon=30&type=formation"
    "lieu=Paris%2015e&rayon=10"
    "lieu=Marseille&rayon=30&type=emploi"
    "lieu=Gu%C3%A9ret&rayon=30"
)
: >"$DIR/urls-json.txt"
: >"$DIR/urls-html.txt"
for q in "${QUERIES[@]}"; do
    echo "/api/v1/opportunities?$q" >>"$DIR/urls-json.txt"
    echo "/opportunites?$q" >>"$DIR/urls-html.txt"
done

log "Search index (tremplin index rebuild)"
TREMPLIN_DATABASE_URL="sqlite://$DB" "$DIR/bin/tremplin" --root "$SITE" index rebuild >&2

log "tremplin serve --no-watch on port $PORT"
: >"$DIR/load.txt"
TREMPLIN_DATABASE_URL="sqlite://$DB" "$DIR/bin/tremplin" --root "$SITE" serve --no-watch --port "$PORT" \
    >"$DIR/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do
    curl -fsS -o /dev/null "$BASE/api/v1/opportunities?lieu=Lille" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || { cat "$DIR/serve.log" >&2; die "the server stopped"; }
    sleep 0.1
done
curl -fsS -o /dev/null "$BASE/api/v1/opportunities?lieu=Lille" || die "the server does not answer"
grep -E "Site construit|Base de données" "$DIR/serve.log" >&2 || true

log "Checking every URL (status 200, non-empty, number of matches)"
for f in json html; do
    while read -r u; do
        code=$(curl -sS -o "$DIR/check.body" -w '%{http_code}' "$BASE$u")
        size=$(wc -c <"$DIR/check.body")
        [[ "$code" == 200 && "$size" -gt 0 ]] || die "$u answered $code with $size bytes"
    done <"$DIR/urls-$f.txt"
done

log "Single-request latency: $RUNS sequential requests per URL over one keep-alive connection"
for f in json html; do
    wait_quiet
    note_load "latency $f"
    "$DIR/bin/latency" --addr "127.0.0.1:$PORT" --runs "$RUNS" --urls "$DIR/urls-$f.txt" \
        | tee "$DIR/latency-$f.md"
done

log "Throughput: wrk -t$THREADS -c$CONNS -d$DURATION --latency, rotating over the queries"
for f in json html; do
    wait_quiet
    note_load "wrk $f"
    if [[ "$PERF" == 1 && "$f" == json ]] && command -v perf >/dev/null; then
        perf record -F 400 -g -p "$PID" -o "$DIR/perf-json.data" -- sleep "${DURATION%s}" 2>/dev/null &
        PERF_PID=$!
    fi
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$REPO/bench/opportunities.lua" \
        "$BASE" -- "$DIR/urls-$f.txt" | tee "$DIR/wrk-$f.txt"
    if [[ -n "${PERF_PID:-}" ]]; then
        wait "$PERF_PID" || true
        perf report -i "$DIR/perf-json.data" --no-children --percent-limit 1 --stdio \
            >"$DIR/perf-json.txt" 2>/dev/null || true
        unset PERF_PID
    fi
done
grep -E '^Vm(HWM|RSS)' "/proc/$PID/status" | tee "$DIR/memory.txt"

kill -TERM "$PID"
wait "$PID" 2>/dev/null || true
trap - EXIT

if [[ "$STAGES" == 1 ]]; then
    log "Steps of the listing, in-process (listing_stages, on a copy of the database)"
    cp "$DB" "$DIR/stages.sqlite"
    rm -f "$DIR/stages.sqlite-wal" "$DIR/stages.sqlite-shm"
    wait_quiet
    note_load "stages"
    "$DIR/bin/listing_stages" --db "$DIR/stages.sqlite" --runs 200 2>&1 | tee "$DIR/stages.md"
fi

{
    echo "# Opportunities listing, $COUNT opportunities — $(date -u '+%F %H:%M UTC')"
    echo
    echo "## Single request (p50 / p99 over all queries)"
    for f in json html; do
        echo "- $f: $(grep -F '**all' "$DIR/latency-$f.md" | awk -F'|' '{gsub(/\*/, ""); print "p50 " $3 " ms, p99 " $5 " ms"}')"
    done
    echo
    echo "## wrk -t$THREADS -c$CONNS -d$DURATION"
    for f in json html; do
        echo "- $f: $(grep 'Requests/sec' "$DIR/wrk-$f.txt" | awk '{print $2}') requests/s;" \
             "latency $(awk '/Latency Distribution/ {on=1; next} on && $1 ~ /%$/ {sub("%", "", $1); printf "p%s %s  ", $1, $2}' "$DIR/wrk-$f.txt");" \
             "$(grep -E 'Non-2xx|Socket errors' "$DIR/wrk-$f.txt" | tr '\n' ' ' || true)"
    done
    echo
    echo "## Server memory"
    cat "$DIR/memory.txt"
    echo
    echo "## Load before each measurement"
    cat "$DIR/load.txt"
} | tee "$DIR/summary.md"
echo "Raw outputs in $DIR" >&2
