#!/bin/sh
# Run every test against one build directory and print one summary line.
#   tests/run-tests.sh BUILD
# Unit tests are cmocka programs (BUILD/tests/test_*); CLI tests are
# tests/cli/run.sh; fuzz targets get a short smoke run. The last line is
# "N passed, N failed"; the exit status is non-zero if anything failed.
set -u
build=${1:-build}
passed=0
failed=0
failures=""
log=$(mktemp)
# Simulator tests find the library and the control tool through these.
MIGSIM_LIB=$(cd "$build" && pwd)/sim/libnvidia-ml.so.1
MIGSIM_BIN=$(cd "$build" && pwd)/migsim
export MIGSIM_LIB MIGSIM_BIN
trap 'rm -f "$log"' EXIT

count() { # LABEL PASSED FAILED
	passed=$((passed + $2))
	failed=$((failed + $3))
	[ "$3" -eq 0 ] || failures="$failures $1"
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	# A crash (sanitizer abort) prints no cmocka summary: count it as a failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	count "$name" "$p" "$f"
done

tests/cli/run.sh "$build/migctl" >"$log" 2>&1
cat "$log"
p=$(sed -n 's/^cli: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$log")
f=$(sed -n 's/^cli: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$log")
[ -n "$p" ] || { p=0; f=1; }
count cli "$p" "$f"

if tests/fuzz/smoke.sh >"$log" 2>&1; then
	n=$(grep -c '^fuzz-ok' "$log")
	count fuzz "$n" 0
else
	cat "$log"
	count fuzz 0 1
fi
grep '^fuzz-' "$log"

[ -z "$failures" ] || echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
