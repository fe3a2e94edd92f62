#!/usr/bin/env bash
# Serve benchmark: on the synthetic site (10,000 pages by default), the time from writing one
# page to `tremplin serve` serving the change, over loopback, for body edits and for title
# edits; the memory of the serving process; the time of its first full build.
#
#   bench/serve.sh                      # 10,000 pages, 25 edits of each kind
#   PAGES=1000 EDITS=20 bench/serve.sh  # quicker
#   BENCH_DIR=/tmp/b bench/serve.sh     # reuse the site generated there by bench/build.sh
set -euo pipefail

PAGES=${PAGES:-10000}
EDITS=${EDITS:-25}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/tremplin-serve-bench.XXXXXX")}
mkdir -p "$DIR"

echo "==> Building release binaries" >&2
(cd "$REPO" && cargo build --release --quiet \
    && cargo build --release --quiet --example serve_latency \
    && cargo build --release --quiet -p tremplin-generator --example synth)
mkdir -p "$DIR/bin"
cp "$REPO/target/release/tremplin" "$REPO/target/release/examples/serve_latency" "$REPO/target/release/examples/synth" "$DIR/bin/"

SITE="$DIR/site/tremplin"
if [[ ! -f "$SITE/tremplin.toml" ]]; then
    echo "==> Generating a $PAGES-page site" >&2
    "$DIR/bin/synth" --pages "$PAGES" --out "$DIR/site" >/dev/null
fi
# A private copy: the edits must not touch a site other benchmarks use.
rm -rf "$DIR/serve-site"
cp -r "$SITE" "$DIR/serve-site"
SITE="$DIR/serve-site"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
FILE=$(cd "$SITE" && find content -name 'page-*.md' | sort | sed -n '100p')
URL="/${FILE#content/}"
URL="${URL%.md}/"

echo "==> tremplin serve on port $PORT ($(find "$SITE/content" -name '*.md' | wc -l) Markdown files)" >&2
started=$(date +%s.%N)
"$DIR/bin/tremplin" --root "$SITE" serve --port "$PORT" >"$DIR/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $PORT)))" 2>/dev/null; do
    sleep 0.05
    kill -0 "$PID" 2>/dev/null || { cat "$DIR/serve.log" >&2; exit 1; }
done
ready=$(date +%s.%N)
echo "start-up (full build in memory, then listening): $(python3 -c "print(f'{$ready - $started:.2f}')") s"
grep "Site construit" "$DIR/serve.log" || true

echo "==> $EDITS body edits, then $EDITS title edits of $FILE ($URL)" >&2
(cd "$SITE" && "$DIR/bin/serve_latency" "$PORT" "$PID" "$FILE" "$URL" "$EDITS")
kill -TERM "$PID"
wait "$PID" 2>/dev/null || true
echo "server log (last rebuilds):"
grep "Reconstruit" "$DIR/serve.log" | tail -n 3
