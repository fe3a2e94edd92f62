#!/usr/bin/env bash
# Hardening load test: cheap pages, listing and search on the demo site, first alone, then
# while 60 sign-ins run at once (api/examples/load_mix.rs). Loopback only, a few thousand
# requests, stops by itself. See BENCHMARKS.md ("Hardening: a crowd of sign-ins").
#
#   bench/load_mix.sh                 # 60 sign-ins, 4 s per phase
#   SIGNINS=120 SECONDS_PER_PHASE=6 bench/load_mix.sh
set -euo pipefail

PORT=${PORT:-8094}
SIGNINS=${SIGNINS:-60}
SECONDS_PER_PHASE=${SECONDS_PER_PHASE:-4}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}

exec 9>"${TMPDIR:-/tmp}/tremplin-bench.lock"
if ! flock -n 9; then
    printf 'bench: another benchmark is running on this machine, waiting for it to end...\n' >&2
    flock 9
fi

cargo build --release -q --manifest-path "$REPO/Cargo.toml" --bin tremplin
cargo build --release -q --manifest-path "$REPO/Cargo.toml" -p tremplin-api --example load_mix

# The demo site in a folder of its own: its new database gets the demo's structures and
# opportunities at the first start.
SITE=$(mktemp -d)
SERVER=""
cleanup() { [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$SITE"; }
trap cleanup EXIT
cp -r "$REPO/content" "$REPO/themes" "$REPO/tremplin.toml" "$REPO/demo" "$SITE/"

TREMPLIN_TRUST_PROXY=1 "$TARGET/release/tremplin" --root "$SITE" serve --no-watch --port "$PORT" >"$SITE/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break
    sleep 0.2
done
printf 'machine: %s cores, %s\n' "$(nproc)" "$(date -u +%Y-%m-%d)"
"$TARGET/release/examples/load_mix" --addr "127.0.0.1:$PORT" --signins "$SIGNINS" --seconds "$SECONDS_PER_PHASE"
