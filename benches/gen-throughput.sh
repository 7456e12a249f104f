#!/usr/bin/env bash
# Whole-process throughput of `nhikit gen` (release build): persons/s, rows/s, MB/s and peak
# RSS at 100k and 1M households, Parquet output. Usage: benches/gen-throughput.sh [N…]
# Prints one line per run; record the output with the machine, date and commit beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p nhikit
bin=target/release/nhikit
sizes=("${@:-100000 1000000}")
work=$(mktemp -d "${TMPDIR:-/tmp}/nhikit-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf '# %s, %s cores, commit %s, %s\n' "$(uname -m)" "$(nproc)" "$(git rev-parse --short HEAD 2>/dev/null || echo -)" "$(date -u +%F)"
for n in ${sizes[@]}; do
  out="$work/gen-$n"
  /usr/bin/time -f '%e %M' -o "$work/time" "$bin" gen --households "$n" --seed 1 --out "$out" --format parquet --quiet
  read -r secs rss_kb < "$work/time"
  persons=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['entities']['person']['rows'])" "$out/manifest.json")
  rows=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(sum(e['rows'] for e in m['entities'].values()))" "$out/manifest.json")
  bytes=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(sum(f['bytes'] for f in m['files']))" "$out/manifest.json")
  python3 - "$n" "$secs" "$rss_kb" "$persons" "$rows" "$bytes" <<'PY'
import sys
n, secs, rss, persons, rows, size = sys.argv[1:]
secs = float(secs)
print(f"households={n} persons={persons} time={secs:.2f}s persons/s={int(persons)/secs:,.0f} "
      f"rows/s={int(rows)/secs:,.0f} MB/s={int(size)/secs/1e6:.1f} peak_rss={int(rss)/1024:.0f}MiB")
PY
  rm -rf "$out"
done
