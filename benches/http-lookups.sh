#!/usr/bin/env bash
# HTTP lookups/s of `nhikit serve` (release build) on loopback: imports a generated dataset,
# then wrk POSTs /v1/lookup_person for every imported person, round robin, over C concurrent
# connections for D seconds. Needs wrk (apt-get install -y wrk).
# Usage: benches/http-lookups.sh [HOUSEHOLDS=2000] [CONNECTIONS=32] [DURATION=20s] [THREADS=2]
#   DB=memory          (default) the server's in-memory database, as `nhikit serve` without
#                      `--db`: one connection
#   DB=file            a WAL database file (`--db`): lookups on a pool of read-only
#                      connections, in parallel
#   NHIKIT_BIN=path    use this binary instead of building target/release/nhikit
# Prints the machine line, wrk's summary and one line `lookups/s=… ok=… non_200=… p50 p99 max`;
# the target is ≥ 10,000 lookups/s at 32 connections. Record the output with the machine,
# date, commit and load average beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
households=${1:-2000}
connections=${2:-32}
duration=${3:-20s}
threads=${4:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }
# NHIKIT_BIN: an nhikit binary to use instead of building target/release/nhikit.
if [ -n "${NHIKIT_BIN:-}" ]; then
  bin=$NHIKIT_BIN
else
  cargo build --release --locked -q -p nhikit
  bin=target/release/nhikit
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/nhikit-http.XXXXXX")
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$bin" gen --households "$households" --seed 1 --out "$work/ds" --format csv --quiet
# One lookup_person body per person: person_csv starts with 地方公共団体コード, 宛名番号.
find "$work/ds/csv/person_csv" -name '*.csv' -print0 | sort -z | xargs -0 -n1 tail -n +2 \
  | awk -F, '{ printf "{\"lgcode\":\"%s\",\"address_number\":\"%s\",\"as_of\":\"2026-04-01\"}\n", $1, $2 }' \
  > "$work/bodies.jsonl"
db=${DB:-memory}
case $db in
  file) db_args=(--db "$work/ref.sqlite") ;;
  memory) db_args=() ;;
  *) echo "DB must be file or memory, got $db" >&2; exit 2 ;;
esac
# The server requires a bearer token (an older binary ignores it): the same for server and wrk.
NHIKIT_TOKEN=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
export NHIKIT_TOKEN
"$bin" serve --addr 127.0.0.1:0 "${db_args[@]}" --import "$work/ds" > "$work/stdout" 2> "$work/stderr" &
server=$!
for _ in $(seq 1 600); do
  grep -q '^listening on ' "$work/stdout" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
  sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/stdout" | head -n 1)
[ -n "$url" ] || { echo "server did not start" >&2; cat "$work/stderr" >&2; exit 1; }
printf '# %s, %s cores, commit %s, %s; db=%s, %s persons, %s connections, %s threads, %s; load %s\n' \
  "$(uname -m)" "$(nproc)" "$(git rev-parse --short HEAD 2>/dev/null || echo -)" "$(date -u +%FT%TZ)" \
  "$db" "$(wc -l < "$work/bodies.jsonl")" "$connections" "$threads" "$duration" "$(cut -d' ' -f1-3 /proc/loadavg)"
BODIES="$work/bodies.jsonl" wrk -t "$threads" -c "$connections" -d "$duration" --latency \
  -s benches/http-lookups.lua "$url"
