#!/bin/sh
# Read-only checks of migctl against a real NVIDIA driver (issue 4). Run
# on a GPU machine after `make`; writes every output to OUT (default
# ./real-driver-check). It never enables MIG, creates or destroys
# instances, or resets a GPU: only listing commands run.
set -u
migctl=${MIGCTL:-build/migctl}
out=${1:-real-driver-check}
mkdir -p "$out"

run() { # NAME ARGS...: run migctl, keep stdout, stderr and the exit code
	name=$1
	shift
	"$migctl" "$@" >"$out/$name.out" 2>"$out/$name.err"
	echo "$?" >"$out/$name.rc"
	printf '%-16s exit %s  (migctl %s)\n' "$name" "$(cat "$out/$name.rc")" "$*"
}

unset MIGCTL_SIM
run list list
run list-json list -o json
run status status
run status-json status -o json
run profiles profiles
run profiles-json profiles -o json
run smi-L smi -L
run smi-lgip smi mig -lgip
run smi-lgipp smi mig -lgipp
run smi-lgi smi mig -lgi
run smi-plain smi
if command -v nvidia-smi >/dev/null 2>&1; then
	nvidia-smi -L >"$out/nvidia-smi-L.out" 2>&1
	nvidia-smi mig -lgip >"$out/nvidia-smi-lgip.out" 2>&1
	nvidia-smi -q -d MIG >"$out/nvidia-smi-q-mig.out" 2>&1
	diff "$out/nvidia-smi-L.out" "$out/smi-L.out" >"$out/diff-L.txt" &&
		echo "smi -L matches nvidia-smi -L" || echo "smi -L differs: see $out/diff-L.txt"
	diff "$out/nvidia-smi-lgip.out" "$out/smi-lgip.out" >"$out/diff-lgip.txt" &&
		echo "smi mig -lgip matches" || echo "smi mig -lgip differs: see $out/diff-lgip.txt"
fi
