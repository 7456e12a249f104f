#!/usr/bin/env bash
# Per-shard throughput of sharded generation and the cost of the merge (issue 7): the inputs of
# the scale table in docs/scale-out.md. Release build, Parquet, default options.
# Usage: benches/scale-out.sh [HOUSEHOLDS [SHARDS]]     (default 1000000 8)
#   RUNS=3            runs of the shard (report the range: the machine may be shared)
#   THREADS=2         --threads of each shard (one worker's cores)
#   NHIKIT_BIN=path   time this binary instead of building target/release/nhikit
# Times `nhikit gen --shard 1/N` of an N-way run (households/s, rows/s, MB/s, peak RSS), the
# fixed start-up cost (`gen --households 1`), then generates the other N−1 shards once and
# times `nhikit manifest merge` (hard links) and `nhikit verify` of the merged dataset.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${NHIKIT_BIN:-}" ]]; then
  cargo build --release --locked -q -p nhikit
fi
bin=${NHIKIT_BIN:-target/release/nhikit}
households=${1:-1000000}
shards=${2:-8}
runs=${RUNS:-1}
threads=${THREADS:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/nhikit-scale.XXXXXX")
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
export NHIKIT_AUDIT_LOG="$work/audit.jsonl"
printf '# %s, %s cores, commit %s, %s, %s, --threads %s\n' "$(uname -m)" "$(nproc)" \
  "$(git rev-parse --short HEAD 2>/dev/null || echo -)" "$(date -u +%FT%TZ)" "$bin" "$threads"

timed() { # label, command…: prints seconds, CPU seconds and peak RSS of the command
  local label=$1; shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@"
  read -r secs user sys rss_kb < "$work/time"
  printf '%s time=%ss cpu=%.2fs peak_rss=%dMiB load=%s\n' "$label" "$secs" \
    "$(echo "$user + $sys" | bc)" "$((rss_kb / 1024))" "$load"
}

timed "startup (gen --households 1)" \
  "$bin" gen --households 1 --seed 1 --out "$work/one" --quiet --threads "$threads"
for ((run = 1; run <= runs; run++)); do
  if [[ -d "$work/shard-1" ]]; then chmod -R u+w "$work/shard-1"; rm -rf "$work/shard-1"; fi
  timed "shard 1/$shards of $households households" \
    "$bin" gen --households "$households" --seed 1 --shard "1/$shards" --threads "$threads" \
    --out "$work/shard-1" --quiet
  python3 - "$work/shard-1/manifest.json" "$(awk '{print $1}' "$work/time")" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); secs = float(sys.argv[2])
e = m["entities"]; rows = sum(v["rows"] for v in e.values())
size = sum(f["bytes"] for f in m["files"])
h = e["household"]["rows"]
print(f"  households={h} persons={e['person']['rows']} qualifications={e['qualification']['rows']} "
      f"rows={rows} bytes={size} parts={e['household']['parts']} "
      f"households/s={h/secs:,.0f} rows/s={rows/secs:,.0f} MB/s={size/secs/1e6:.1f}")
PY
done
for ((i = 2; i <= shards; i++)); do
  "$bin" gen --households "$households" --seed 1 --shard "$i/$shards" --threads "$threads" \
    --out "$work/shard-$i" --quiet
done
timed "manifest merge of $shards shards (links)" \
  "$bin" manifest merge "$work"/shard-* --out "$work/merged"
timed "verify of the merged dataset" "$bin" verify "$work/merged" --threads "$threads"
