#!/usr/bin/env bash
# Rebuilds the committed test objects (test-objects/*.o) from test-objects/src
# with the system compiler.  Deterministic: no debug info, fixed file names
# (compiled from inside src/ with relative names), -ffile-prefix-map,
# -frandom-seed.  Writes BUILT-WITH (compiler/assembler versions) next to
# the objects.
#
#   test-objects/build.sh                  rebuild into test-objects/
#   OUT=/tmp/x test-objects/build.sh       rebuild into /tmp/x
#   test-objects/build.sh --print-stamp    print what BUILT-WITH would contain
#   CC=gcc-12 CXX=g++-12 test-objects/build.sh
#
# See README.md for what each object exercises.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/src
OUT=${OUT:-$HERE}
CC=${CC:-gcc}
CXX=${CXX:-g++}
export LC_ALL=C

stamp() {
    echo "cc: $("$CC" -dumpfullversion) ($("$CC" --version | head -n1))"
    echo "cxx: $("$CXX" -dumpfullversion) ($("$CXX" --version | head -n1))"
    echo "as: $("$CC" -print-prog-name=as | xargs -I{} sh -c '{} --version' | head -n1)"
}

if [[ ${1:-} == --print-stamp ]]; then
    stamp
    exit 0
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
cd "$SRC"

# Flags shared by every compilation.  -O2 as real applications; -g0 and the
# prefix map keep paths out of the objects; .eh_frame is kept (default) unless
# an object says otherwise.
COMMON=(-c -O2 -g0 -ffile-prefix-map="$SRC"=. -Wall -Wextra)
CFLAGS=("${COMMON[@]}" -std=gnu17)
CXXFLAGS=("${COMMON[@]}" -std=gnu++17)

c() {   # c OBJECT SOURCE [extra flags...]
    local obj=$1 src=$2
    shift 2
    "$CC" "${CFLAGS[@]}" -frandom-seed="$obj" "$@" "$src" -o "$OUT/$obj"
}
cxx() { # cxx OBJECT SOURCE [extra flags...]
    local obj=$1 src=$2
    shift 2
    "$CXX" "${CXXFLAGS[@]}" -frandom-seed="$obj" "$@" "$src" -o "$OUT/$obj"
}
asm() { # asm OBJECT SOURCE.S   (preprocessed by $CC, assembled by its as)
    local obj=$1 src=$2
    "$CC" -c -g0 "$src" -o "$OUT/$obj"
}

# baseline, no unwind tables
c hello.o hello.c -fno-asynchronous-unwind-tables

# TLS: LE/IE (default PIE), GD/LD (-fPIC), TLSDESC (-fPIC gnu2)
c tls-main.o tls-main.c
c tls-lib.o tls-lib.c -fPIC
c tls-desc.o tls-desc.c -fPIC -mtls-dialect=gnu2

# IFUNC
c ifunc.o ifunc.c

# COMDAT groups (C++)
cxx comdat-main.o comdat-main.cpp
cxx comdat-lib.o comdat-lib.cpp

# common and weak symbols
c weak-common-main.o weak-common-main.c -fcommon
c weak-common-lib.o weak-common-lib.c -fcommon

# C++ exceptions, RTTI, static ctors/dtors, iostream
cxx cxx-main.o cxx-main.cpp
cxx cxx-lib.o cxx-lib.cpp
cxx cxx-syscall-eh.o cxx-syscall-eh.cpp

# constructor/destructor priorities, preinit_array, atexit
c ctor-order-main.o ctor-order-main.c
c ctor-order-lib.o ctor-order-lib.c

# jump tables and computed goto: PIE, non-PIE, CET
c switch-pie.o switch.c
c switch-nopie.o switch.c -fno-pie
c switch-cet.o switch.c -fcf-protection=full
c label-diff.o label-diff.c

# absolute relocations
c abs-reloc-nopie.o abs-reloc.c -fno-pie
c abs-reloc-large.o abs-reloc.c -fno-pie -mcmodel=large
c abs-reloc-kernel.o abs-reloc.c -fno-pie -mcmodel=kernel -mno-red-zone

# hand-written syscall sites (+ C drivers)
asm rel8.o rel8.S
c rel8-main.o rel8-main.c
asm redzone.o redzone.S
c redzone-main.o redzone-main.c
asm sigreturn.o sigreturn.S
c sigreturn-main.o sigreturn-main.c
asm clone.o clone.S
c clone-main.o clone-main.c
asm vfork.o vfork.S
c vfork-main.o vfork-main.c
asm sysnr.o sysnr.S
c sysnr-main.o sysnr-main.c
asm data-in-text.o data-in-text.S
c data-in-text-main.o data-in-text-main.c

stamp > "$OUT/BUILT-WITH"
