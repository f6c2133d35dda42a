#!/usr/bin/env bash
# Rebuilds the PVH test images (test-objects/pvh-images/*.elf) from the sources here with the
# system gcc and GNU ld, like test-objects/build.sh: deterministic (no debug info, fixed names,
# compiled from inside this directory), BUILT-WITH records the tool versions.
#
#   test-objects/pvh-images/build.sh                rebuild into this directory
#   OUT=/tmp/x test-objects/pvh-images/build.sh     rebuild into /tmp/x
#
# hello32.elf  32-bit only: checks and prints the PVH entry state and start_info, exits 0x10+failures
# long64.elf   switches to long mode; UART, CMOS, PIT, APIC timer interrupts, #DE; exits 0x20+failures
#              (or resets through the i8042 when the command line is "reboot")
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$HERE}
CC=${CC:-gcc}
LD=${LD:-ld}
export LC_ALL=C
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$HERE"
CFLAGS=(-c -O2 -g0 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -fno-stack-protector
        -fno-asynchronous-unwind-tables -fcf-protection=none -Wall -Wextra -frandom-seed=pvh)
"$CC" -c -g0 xen-note.S -o "$TMP/xen-note.o"
"$CC" -c -g0 hello32.S -o "$TMP/hello32.o"
"$CC" -c -g0 boot64.S -o "$TMP/boot64.o"
"$CC" "${CFLAGS[@]}" long64.c -o "$TMP/long64.o"
"$LD" -T pvh.ld --no-warn-rwx-segments -o "$OUT/hello32.elf" "$TMP/hello32.o" "$TMP/xen-note.o"
"$LD" -T pvh.ld --no-warn-rwx-segments -o "$OUT/long64.elf" "$TMP/boot64.o" "$TMP/long64.o" "$TMP/xen-note.o"
{
    echo "cc: $("$CC" -dumpfullversion) ($("$CC" --version | head -n1))"
    echo "ld: $("$LD" --version | head -n1)"
} > "$OUT/BUILT-WITH"
