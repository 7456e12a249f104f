#!/usr/bin/env bash
# Whole-process bulk import into the reference target (release build): persons/s, CPU time
# (user+sys) and peak RSS of importing one generated dataset (`nhikit gen`, default 100,000
# households), from Parquet and from CSV, into memory (`nhikit serve --stdio --import DS`,
# which exits at the end of its empty stdin) and into a new WAL database file
# (`nhikit reference import --db FILE DS`). The time includes starting the process and loading
# the embedded schema and rules (about 20 ms).
# Usage: benches/import-throughput.sh [HOUSEHOLDS=100000]
#   RUNS=3            runs per case (report the range: the machine may be shared)
#   NHIKIT_BIN=path   time this binary instead of building target/release/nhikit
# Prints one line per run with the load average beside it. Target (issue 10): ≥ 100,000
# persons/s.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${NHIKIT_BIN:-}" ]]; then
  cargo build --release --locked -q -p nhikit
fi
bin=${NHIKIT_BIN:-target/release/nhikit}
runs=${RUNS:-1}
households=${1:-100000}
work=$(mktemp -d "${TMPDIR:-/tmp}/nhikit-import.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '# %s, %s cores, commit %s, %s, %s, %s households\n' "$(uname -m)" "$(nproc)" \
  "$(git rev-parse --short HEAD 2>/dev/null || echo -)" "$(date -u +%FT%TZ)" "$bin" "$households"
for format in parquet csv; do
  ds="$work/ds-$format"
  "$bin" gen --households "$households" --seed 1 --out "$ds" --format "$format" --quiet
  persons=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["entities"]["person"]["rows"])' "$ds/manifest.json")
  for db in memory file; do
    for ((run = 1; run <= runs; run++)); do
      rm -f "$work"/db.sqlite*
      load=$(cut -d' ' -f1 /proc/loadavg)
      if [[ $db == memory ]]; then
        /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
          "$bin" serve --stdio --import "$ds" < /dev/null > /dev/null 2> "$work/err" \
          || { cat "$work/err" >&2; exit 1; }
      else
        /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
          "$bin" reference import --db "$work/db.sqlite" "$ds" > /dev/null 2> "$work/err" \
          || { cat "$work/err" >&2; exit 1; }
      fi
      read -r secs user sys rss_kb < "$work/time"
      awk -v f="$format" -v d="$db" -v p="$persons" -v s="$secs" -v u="$user" -v y="$sys" \
          -v r="$rss_kb" -v l="$load" 'BEGIN {
        printf "import %s-%s: persons=%d time=%.2fs cpu=%.2fs persons/s=%.0f peak_rss=%.0fMiB load=%s\n",
          f, d, p, s, u + y, p / s, r / 1024, l }'
    done
  done
done
