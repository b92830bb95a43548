#!/bin/sh
# CLI tests: run migctl and compare stdout, stderr and exit codes.
#   tests/cli/run.sh path/to/migctl
# Golden files (tests/cli/golden) come from real nvidia-smi transcripts.
set -u
migctl=${1:?usage: tests/cli/run.sh MIGCTL}
here=$(cd "$(dirname "$0")" && pwd)
golden=$here/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# expect_golden NAME GOLDEN -- ARGS...: stdout equals the golden file, exit 0
expect_golden() {
	name=$1 file=$2
	shift 3
	if "$migctl" "$@" >"$tmp/out" 2>"$tmp/err" && diff -u "$golden/$file" "$tmp/out" >"$tmp/diff"; then
		ok
	else
		bad "$name"; cat "$tmp/diff" "$tmp/err"
	fi
}

# expect_exit NAME CODE PATTERN -- ARGS...: exit code CODE, stderr matches
# the extended regex PATTERN on one line, stdout empty
expect_exit() {
	name=$1 code=$2 pattern=$3
	shift 4
	"$migctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -Eq "$pattern" "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok
	else
		bad "$name (exit $rc, want $code)"; cat "$tmp/err" "$tmp/out"
	fi
}

# expect_stdout NAME PATTERN -- ARGS...: exit 0 and stdout matches PATTERN
expect_stdout() {
	name=$1 pattern=$2
	shift 3
	if "$migctl" "$@" >"$tmp/out" 2>"$tmp/err" && grep -Eq -- "$pattern" "$tmp/out"; then
		ok
	else
		bad "$name"; cat "$tmp/err"; head -20 "$tmp/out"
	fi
}

# expect_json NAME FILTER EXPECTED -- ARGS...: exit 0, JSON on stdout, and
# the jq FILTER prints EXPECTED (compact, raw)
expect_json() {
	name=$1 expr=$2 want=$3
	shift 4
	if "$migctl" "$@" >"$tmp/out" 2>"$tmp/err" &&
		got=$(jq -c -r "$expr" "$tmp/out") &&
		[ "$got" = "$want" ]; then
		ok
	else
		bad "$name (got '${got:-}', want '$want')"; cat "$tmp/err"
	fi
}

. "$here/$CASES"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
