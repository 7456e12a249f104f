#!/usr/bin/env bash
# Whole-process throughput of `nhikit gen` (release build): persons/s, rows/s, MB/s, CPU time
# (user+sys) and peak RSS at 100k and 1M households, Parquet output, default options.
# Usage: benches/gen-throughput.sh [N…]
#   RUNS=3            runs per size (report the range: the machine may be shared)
#   NHIKIT_BIN=path   time this binary instead of building target/release/nhikit
#   GEN_ARGS="--with event"   more `nhikit gen` options (histories, extras, profile)
# Prints one line per run with the load average beside it; record the output with the
# machine, date and commit (docs/generator.md, "Performance").
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${NHIKIT_BIN:-}" ]]; then
  cargo build --release --locked -q -p nhikit
fi
bin=${NHIKIT_BIN:-target/release/nhikit}
runs=${RUNS:-1}
sizes=("${@:-100000 1000000}")
work=$(mktemp -d "${TMPDIR:-/tmp}/nhikit-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '# %s, %s cores, commit %s, %s, %s %s\n' "$(uname -m)" "$(nproc)" \
  "$(git rev-parse --short HEAD 2>/dev/null || echo -)" "$(date -u +%FT%TZ)" "$bin" "${GEN_ARGS:-}"
for n in ${sizes[@]}; do
  for ((run = 1; run <= runs; run++)); do
    out="$work/gen-$n"
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
      "$bin" gen --households "$n" --seed 1 --out "$out" --format parquet --quiet ${GEN_ARGS:-}
    read -r secs user sys rss_kb < "$work/time"
    python3 - "$n" "$secs" "$user" "$sys" "$rss_kb" "$load" "$out/manifest.json" <<'PY'
import json, sys
n, secs, user, sys_, rss, load, manifest = sys.argv[1:]
m = json.load(open(manifest))
persons = m["entities"]["person"]["rows"]
rows = sum(e["rows"] for e in m["entities"].values())
size = sum(f["bytes"] for f in m["files"])
secs, cpu = float(secs), float(user) + float(sys_)
print(f"households={n} persons={persons} time={secs:.2f}s cpu={cpu:.2f}s "
      f"persons/s={persons/secs:,.0f} rows/s={rows/secs:,.0f} MB/s={size/secs/1e6:.1f} "
      f"peak_rss={int(rss)/1024:.0f}MiB load={load}")
PY
    rm -rf "$out"
  done
done
