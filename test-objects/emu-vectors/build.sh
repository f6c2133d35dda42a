#!/usr/bin/env bash
# Regenerates the instruction vectors (test-objects/emu-vectors/*.jsonl.gz) on this machine's CPU:
# builds gen.c + harness.S with the system gcc, runs every form in forms.h natively and writes one
# gzipped JSON-lines file per family (integer, shift, muldiv, bit, string, sse-int, sse-fp, x87).
# Deterministic for a given CPU behaviour (fixed PRNG seed, gzip -n). BUILT-WITH records the
# compiler and the CPU the vectors came from.
#
#   test-objects/emu-vectors/build.sh               regenerate here
#   OUT=/tmp/v test-objects/emu-vectors/build.sh    regenerate into /tmp/v
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$HERE}
CC=${CC:-gcc}
export LC_ALL=C
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$HERE"
"$CC" -O1 -g0 -static -Wall -Wextra -o "$TMP/gen" gen.c harness.S -lm
"$TMP/gen" "$TMP"
for f in "$TMP"/*.jsonl; do
    gzip -9n -c "$f" > "$OUT/$(basename "$f").gz"
done
{
    echo "cc: $("$CC" -dumpfullversion) ($("$CC" --version | head -n1))"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
} > "$OUT/BUILT-WITH"
