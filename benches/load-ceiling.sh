#!/usr/bin/env bash
# The load tool's own ceiling: `wrk` and `nhikit load` side by side, in one run, against the
# same trivial loopback HTTP endpoint (`GET /health` of `nhikit serve`, release build) at the
# same connection count. Settings, for a fair comparison on a 2-core machine:
#   - the server is pinned to CPU 1 (`taskset -c 1`), each client to CPU 0 (`taskset -c 0`);
#   - wrk: 1 thread (`-t1`), C connections (`-cC`), S seconds;
#   - nhikit load: 1 tokio thread (`--threads 1`), closed model with C virtual users (one
#     keep-alive connection each), no think time, S seconds (benches/load-ceiling.toml);
#   - each client first gets a 2-second warm-up run that is not counted.
# Usage: benches/load-ceiling.sh [CONNECTIONS=32] [SECONDS=10]
# NHIKIT_BIN=PATH uses that nhikit binary instead of building the release one.
# Prints wrk's and nhikit's requests/s and the ratio; record the output with the machine,
# date and commit beside it (benches/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-32}
secs=${2:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset is missing (util-linux)" >&2; exit 2; }
[ -n "${NHIKIT_BIN:-}" ] || cargo build --release --locked -q -p nhikit
bin=${NHIKIT_BIN:-$PWD/target/release/nhikit}
work=$(mktemp -d "${TMPDIR:-/tmp}/nhikit-ceiling.XXXXXX")
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
taskset -c 1 "$bin" serve --addr 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/serve.out" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/serve.out")
[ -n "$url" ] || { echo "nhikit serve did not start:" >&2; cat "$work/serve.err" >&2; exit 1; }
sed "s/^vus = .*/vus = $conns/" benches/load-ceiling.toml >"$work/ceiling.toml"

printf '# %s, %s cores, commit %s, %s; %s connections, %s s each, 1 client thread, server on CPU 1\n' \
  "$(uname -m)" "$(nproc)" "$(git rev-parse --short HEAD 2>/dev/null || echo -)" "$(date -u +%F)" "$conns" "$secs"

nhikit_load() { # seconds, out file
  taskset -c 0 "$bin" load --scenario "$work/ceiling.toml" --target "$url" --duration "$1s" \
    --threads 1 --quiet --out "$2"
}
taskset -c 0 wrk -t1 -c"$conns" -d2s "$url/health" >/dev/null
taskset -c 0 wrk -t1 -c"$conns" -d"${secs}s" "$url/health" >"$work/wrk.txt"
nhikit_load 2 "$work/warm.json"
nhikit_load "$secs" "$work/nhikit.json"

wrk_rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
python3 - "$wrk_rps" "$work/nhikit.json" <<'PY'
import json, sys
wrk = float(sys.argv[1])
r = json.load(open(sys.argv[2]))
n = r["all"]["summary"]["throughput"]
s = r["all"]["summary"]
print(f"wrk          requests/s={wrk:,.0f}")
print(f"nhikit load  requests/s={n:,.0f} (p50 {s['p50_ms']:.3f} ms, p99 {s['p99_ms']:.3f} ms, errors {r['errors']})")
print(f"ratio nhikit/wrk = {n / wrk:.2f} ({'meets' if n >= 0.8 * wrk else 'BELOW'} the 0.8 target)")
PY
