#!/usr/bin/env bash
# Runs mold's ELF test suite (github:rui314/mold at c2822be61af551140cce8d024b976563396a5847, test/*.sh)
# against a linker under test: ukl-ld (default) or GNU ld. mold's scripts are run as they are; nothing of
# mold is copied into this project. The tests that apply to a static non-PIE x86-64 linker and the goal
# list are data in bench/conformance/.
#
#   scripts/mold-suite.sh [--linker ukl|gnu|PATH] [--jobs N] [--timeout S] [--keep DIR] [--only NAME...] MOLD_SRC
#
# Each test runs from a scratch build directory whose `ld` and `mold` run the linker under test
# (mold's tests call `$CC -B. ...` and `./mold ...`), in a private mount namespace with /dev/null
# bind-mounted on itself (a linker that replaces /dev/null then cannot damage the host), with
# TEST_CC/TEST_CXX/TEST_GCC/TEST_GXX wrappers that add `-static` to compiler calls passing `-B.`
# (gcc's default PIE link would otherwise pass `-pie`). Needs root (unshare -m), gcc/g++/binutils, and
# dwarfdump for compressed-debug-info (it skips itself without). Results and counts: docs/conformance.md.
# Prints PASS/FAIL/SKIP per test, then the counts overall and against the goal list.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
linker=ukl
jobs=2
timeout_s=60
keep=
only=()
while [ $# -gt 0 ]; do
  case $1 in
  --linker) linker=$2; shift 2 ;;
  --jobs) jobs=$2; shift 2 ;;
  --timeout) timeout_s=$2; shift 2 ;;
  --keep) keep=$2; shift 2 ;;
  --only) shift; while [ $# -gt 1 ] && [[ $1 != --* ]]; do only+=("$1"); shift; done ;;
  -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
  -*) echo "mold-suite.sh: unknown option $1" >&2; exit 2 ;;
  *) break ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: mold-suite.sh [--linker ukl|gnu|PATH] [--jobs N] [--keep DIR] MOLD_SRC" >&2; exit 2; }
mold_src=$(cd "$1" && pwd)
[ -f "$mold_src/test/common.inc" ] || { echo "mold-suite.sh: $mold_src: no test/common.inc (not mold's source)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "mold-suite.sh: needs root for unshare -m (private /dev/null bind mount)" >&2; exit 2; }

case $linker in
ukl)
  [ -f "$here/dist/cli/ukl-ld.js" ] || { echo "mold-suite.sh: $here/dist missing: run npx tsc -p . first" >&2; exit 2; }
  linker_cmd="exec node '$here/bin/ukl-ld.js' \"\$@\"" ;;
gnu) linker_cmd="exec ld.bfd \"\$@\"" ;;
*) linker_cmd="exec '$(readlink -f "$linker")' \"\$@\"" ;;
esac

build=${keep:-$(mktemp -d /tmp/mold-suite.XXXXXX)}
mkdir -p "$build/wrap" "$build/logs"
ln -sfn "$mold_src/test" "$build/test"
for name in ld mold; do
  printf '#!/bin/sh\n%s\n' "$linker_cmd" > "$build/$name"
  chmod +x "$build/$name"
done
# Compiler wrappers: -static only on calls that use the linker under test (they pass -B.).
for cc in cc c++ gcc g++; do
  cat > "$build/wrap/$cc" <<W
#!/bin/sh
for a in "\$@"; do
  if [ "\$a" = -B. ]; then exec /usr/bin/$cc -static "\$@"; fi
done
exec /usr/bin/$cc "\$@"
W
  chmod +x "$build/wrap/$cc"
done

tests=()
if [ ${#only[@]} -gt 0 ]; then tests=("${only[@]}"); else mapfile -t tests < "$here/bench/conformance/mold-static-tests.txt"; fi

run_one() {
  local name=$1 log="$build/logs/$1.log" rc=0
  ( cd "$build" && TEST_CC="$build/wrap/cc" TEST_CXX="$build/wrap/c++" TEST_GCC="$build/wrap/gcc" \
      TEST_GXX="$build/wrap/g++" timeout -k 5 "$timeout_s" unshare -m --propagation private \
      bash -c 'mount --bind /dev/null /dev/null && exec bash "test/$0.sh"' "$name" ) > "$log" 2>&1 || rc=$?
  local verdict
  if [ $rc -eq 0 ] && grep -q '^Testing .* \.\.\. skipped$\|skipped$' "$log"; then verdict=SKIP
  elif [ $rc -eq 0 ]; then verdict=PASS
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then verdict=FAIL; echo "timeout after ${timeout_s}s" >> "$log"
  else verdict=FAIL
  fi
  echo "$verdict $name"
}
export -f run_one
export build timeout_s

results=$(printf '%s\n' "${tests[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} | sort -k2)
echo "$results"
echo "$results" > "$build/results.txt"

count() { grep -c "^$1 " <<<"$results" || true; }
echo "linker under test: $linker ($build)"
echo "all ${#tests[@]}: $(count PASS) pass, $(count FAIL) fail, $(count SKIP) skip"
goal=$(grep -Fxf "$here/bench/conformance/mold-goal-tests.txt" <(awk '{print $2}' <<<"$results") | wc -l)
goal_pass=$(awk '$1=="PASS"{print $2}' <<<"$results" | grep -Fxf "$here/bench/conformance/mold-goal-tests.txt" | wc -l || true)
echo "goal tests run: $goal, passed: $goal_pass of $(wc -l < "$here/bench/conformance/mold-goal-tests.txt")"
echo "goal tests not passing:"
awk '$1!="PASS"{print $2}' <<<"$results" | grep -Fxf "$here/bench/conformance/mold-goal-tests.txt" | sed 's/^/  /' || true
echo "logs: $build/logs"
