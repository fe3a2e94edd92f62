#!/usr/bin/env bash
# Import benchmark: `tremplin import opportunites` of a CSV of 100,000 opportunities into a
# new SQLite database and a new PostgreSQL database, timed with peak memory (GNU time), for
# each binary given (e.g. the one before a change and the one after: same file, same run).
# See BENCHMARKS.md ("Imports of 100,000 opportunities").
#
#   BINS="before=/path/tremplin-before after=/path/tremplin" bench/import.sh
#   COUNT=10000 bench/import.sh                      # quicker
#
# Variables: BINS (name=path pairs; default: after=$CARGO_TARGET_DIR/release/tremplin),
# COUNT (100000), BENCH_DIR (/tmp/tremplin-import-bench), POSTGRES
# (postgres://postgres@127.0.0.1:5432/postgres; empty: SQLite only), TIMEOUT (seconds one
# import may take before it is stopped and reported as "> TIMEOUT s", 600).
set -euo pipefail

COUNT=${COUNT:-100000}
TIMEOUT=${TIMEOUT:-600}
POSTGRES=${POSTGRES-postgres://postgres@127.0.0.1:5432/postgres}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${BENCH_DIR:-/tmp/tremplin-import-bench}
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
BINS=${BINS:-after=$TARGET/release/tremplin}
mkdir -p "$DIR"

[[ -x /usr/bin/time ]] || { echo "bench: GNU time is missing (apt-get install -y time)" >&2; exit 1; }

# The file: the listing benchmark's generator, as an import CSV.
CSV="$DIR/offres-$COUNT.csv"
if [[ ! -f "$CSV" ]]; then
    [[ -x "$TARGET/release/examples/gen_opportunities" ]] \
        || (cd "$REPO" && cargo build --release --quiet -p tremplin-api --example gen_opportunities)
    "$TARGET/release/examples/gen_opportunities" --csv "$CSV.tmp" --count "$COUNT"
    mv "$CSV.tmp" "$CSV"
fi
ls -l "$CSV" >&2

SITE="$DIR/site"
rm -rf "$SITE"
mkdir -p "$SITE"
cp "$REPO/tremplin.toml" "$SITE/"

load() { printf '%s: %s; %s\n' "$(date -u +%H:%M:%S)" "$(uptime | sed 's/.*load average/load average/')" "$(head -1 /proc/pressure/cpu 2>/dev/null || echo)"; }

# One import: a new database with the structure, then the timed import.
run() {
    local name=$1 bin=$2 backend=$3 url
    if [[ "$backend" == sqlite ]]; then
        rm -f "$DIR/$name.sqlite"*
        url="sqlite://$DIR/$name.sqlite"
    else
        local db="tremplin_import_bench_$name"
        psql "$POSTGRES" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
        url="${POSTGRES%/*}/$db"
    fi
    TREMPLIN_DATABASE_URL=$url "$bin" --root "$SITE" structure add lille --name "Mission Locale de Lille" --town Lille --contact "contact@example.org" >/dev/null
    echo "== $name on $backend ($(load))"
    set +e
    TREMPLIN_DATABASE_URL=$url timeout "$TIMEOUT" /usr/bin/time -v -o "$DIR/time-$name-$backend.txt" \
        "$bin" --root "$SITE" import opportunites "$CSV" --structure lille >"$DIR/out-$name-$backend.txt" 2>&1
    local status=$?
    set -e
    if [[ $status -eq 124 ]]; then
        echo "$name $backend: stopped after ${TIMEOUT} s" | tee -a "$DIR/summary.txt"
    else
        tail -n 1 "$DIR/out-$name-$backend.txt"
        local wall rss
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$DIR/time-$name-$backend.txt")
        rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f MB", $2/1024}' "$DIR/time-$name-$backend.txt")
        echo "$name $backend: exit $status, wall $wall, peak RSS $rss" | tee -a "$DIR/summary.txt"
    fi
}

: >"$DIR/summary.txt"
for pair in $BINS; do
    name=${pair%%=*}
    bin=${pair#*=}
    run "$name" "$bin" sqlite
    if [[ -n "$POSTGRES" ]]; then run "$name" "$bin" postgres; fi
done
cat "$DIR/summary.txt"
