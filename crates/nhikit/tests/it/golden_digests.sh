#!/bin/sh
# Writes golden_digests.txt (the golden test in golden.rs) from an nhikit binary:
#   crates/nhikit/tests/it/golden_digests.sh target/release/nhikit > crates/nhikit/tests/it/golden_digests.txt
# Run it only together with an nhikit_synth::OUTPUT_VERSION bump (see golden.rs).
set -eu
bin=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat <<'HEAD'
# Golden SHA-256 digests of `nhikit gen` output (checked by golden.rs), one per RUN and
# FORMAT/TABLE directory: `find FORMAT/TABLE -type f | LC_ALL=C sort | xargs sha256sum | sha256sum`
# inside a dataset written by
#   nhikit gen --households 60 --seed 7 --municipality 131016,271004 \
#     --format parquet,arrow,csv,jsonl --out OUT  RUN-OPTIONS
# with RUN-OPTIONS: default (none), edge (--profile edge), event / income / assessment / payment /
# benefit (--with RUN), edge_case (--profile edge --with edge_case).
#
# A difference means the same seed now gives other bytes: that REQUIRES an
# nhikit_synth::OUTPUT_VERSION bump (history in crates/nhikit-synth/src/lib.rs). Then
# regenerate this file from the new binary:
#   cargo build --release -p nhikit
#   crates/nhikit/tests/it/golden_digests.sh target/release/nhikit > crates/nhikit/tests/it/golden_digests.txt
HEAD
run() {
    name=$1
    shift
    NHIKIT_AUDIT_LOG="$tmp/audit.jsonl" NHIKIT_AUDIT_KEY="$tmp/audit.key" "$bin" gen \
        --out "$tmp/$name" --households 60 --seed 7 --municipality 131016,271004 \
        --format parquet,arrow,csv,jsonl "$@" --quiet >/dev/null 2>&1 || {
        echo "nhikit gen failed for $name" >&2
        exit 1
    }
    (cd "$tmp/$name" && for table in $(find . -mindepth 2 -maxdepth 2 -type d | sed 's|^\./||' | LC_ALL=C sort); do
        printf '%s %s %s\n' "$name" "$table" \
            "$(find "$table" -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
    done)
}
run default
run edge --profile edge
for w in event income assessment payment benefit; do run "$w" --with "$w"; done
run edge_case --profile edge --with edge_case
