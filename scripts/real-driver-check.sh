#!/bin/sh
# Read-only checks of migctl against a real NVIDIA driver (issue 4).
#
#   scripts/real-driver-check.sh [OUT]
#
# Runs every listing command of migctl and of its nvidia-smi personality,
# keeps stdout, stderr and the exit code of each in OUT (default
# ./real-driver-check), compares what can be compared with the real
# nvidia-smi, and checks that the GPUs' MIG state is the same afterwards.
# It never enables MIG, creates or destroys instances, or resets a GPU.
# It also records the CPU time of migctl's and nvidia-smi's -L, mig -lgi
# and mig -lgip (listings only) in OUT/cpu-times.txt (issue 14).
#
# migctl is $MIGCTL, else build/portable/migctl (`make portable`: libyaml
# and jansson linked in, for a GPU host without them), else build/migctl.
set -u
out=${1:-real-driver-check}
migctl=${MIGCTL:-}
for m in build/portable/migctl build/migctl; do
	[ -n "$migctl" ] || { [ -x "$m" ] && migctl=$m; }
done
[ -n "$migctl" ] || { echo "no migctl: run make portable (or set MIGCTL)" >&2; exit 2; }
mkdir -p "$out"
have_smi=false
command -v nvidia-smi >/dev/null 2>&1 && have_smi=true

# The MIG state nvidia-smi reports, to prove nothing changed.
mig_state() {
	$have_smi || return 0
	nvidia-smi --query-gpu=index,uuid,mig.mode.current,mig.mode.pending --format=csv
	nvidia-smi mig -lgi 2>&1
	nvidia-smi mig -lci 2>&1
}

run() { # NAME ARGS...: run migctl, keep stdout, stderr and the exit code
	name=$1
	shift
	timeout 120 "$migctl" "$@" >"$out/$name.out" 2>"$out/$name.err"
	echo "$?" >"$out/$name.rc"
	printf '%-14s exit %-3s migctl %s\n' "$name" "$(cat "$out/$name.rc")" "$*"
}

same() { # NAME NVIDIA-SMI-OUTPUT MIGCTL-OUTPUT
	if diff "$2" "$3" >"$out/diff-$1.txt"; then
		echo "same as nvidia-smi: $1"
	else
		echo "differs from nvidia-smi: $1 (see $out/diff-$1.txt)"
	fi
}

{
	uname -a
	"$migctl" --version
	$have_smi && nvidia-smi --query-gpu=index,name,pci.bus_id,pci.device_id,driver_version,memory.total --format=csv
} >"$out/system.txt" 2>&1
mig_state >"$out/mig-before.txt"

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
run smi-lci smi mig -lci
run smi-plain smi
# The catalog entry of GPU 0's model, to compare with the live profiles.
$have_smi && run catalog-gpu0 catalog show "$(nvidia-smi --query-gpu=name --format=csv,noheader -i 0)"

if $have_smi; then
	nvidia-smi -L >"$out/nvidia-smi-L.out" 2>&1
	nvidia-smi mig -lgip >"$out/nvidia-smi-lgip.out" 2>&1
	nvidia-smi mig -lgipp >"$out/nvidia-smi-lgipp.out" 2>&1
	nvidia-smi -q -d MIG >"$out/nvidia-smi-q-mig.out" 2>&1
	nvidia-smi >"$out/nvidia-smi.out" 2>&1
	same L "$out/nvidia-smi-L.out" "$out/smi-L.out"
	same lgip "$out/nvidia-smi-lgip.out" "$out/smi-lgip.out"
	same lgipp "$out/nvidia-smi-lgipp.out" "$out/smi-lgipp.out"
fi

# CPU time (user + system) per run, in ms: the mean of CPU_RUNS runs of
# a listing. `times` in the subshell prints what its children used; its
# clock-tick resolution is why the runs are summed before dividing.
CPU_RUNS=20
cpu_ms() {
	(
		i=0
		while [ "$i" -lt "$CPU_RUNS" ]; do
			"$@" >/dev/null 2>&1
			i=$((i + 1))
		done
		times
	) | awk -v n="$CPU_RUNS" '
		function sec(f,  m) { m = f; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", f); sub(/s$/, "", f); return m * 60 + f }
		NR == 2 { printf "%.2f", (sec($1) + sec($2)) * 1000 / n }'
}
cpu_pair() { # LABEL MIGCTL-ARGS... -- NVIDIA-SMI-ARGS...
	label=$1
	shift
	margs=""
	while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
		margs="$margs $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # the arguments are single words
	m=$(cpu_ms "$migctl" $margs)
	s=-
	$have_smi && s=$(cpu_ms nvidia-smi "$@")
	ratio=$(awk -v m="$m" -v s="$s" 'BEGIN { if (s + 0 > 0) printf "%.2f", m / s; else print "-" }')
	printf '%-14s migctl %8s ms  nvidia-smi %8s ms  ratio %s\n' "$label" "$m" "$s" "$ratio"
}
{
	echo "CPU time per run (user+sys, mean of $CPU_RUNS runs); ratio migctl / nvidia-smi"
	cpu_pair "smi -L" smi -L -- -L
	cpu_pair "smi mig -lgi" smi mig -lgi -- mig -lgi
	cpu_pair "smi mig -lgip" smi mig -lgip -- mig -lgip
	cpu_pair "list" list -- -L
} >"$out/cpu-times.txt" 2>&1
cat "$out/cpu-times.txt"

mig_state >"$out/mig-after.txt"
if cmp -s "$out/mig-before.txt" "$out/mig-after.txt"; then
	echo "MIG state unchanged"
else
	echo "MIG STATE CHANGED: compare $out/mig-before.txt and $out/mig-after.txt"
	exit 1
fi
