#!/bin/sh
# `make demo`: what migctl knows about an A100-80GB from its built-in catalog
# (no GPU or driver needed), then the MIG workflow of seed 000 (an Azure
# A100 80GB PCIe walkthrough) end to end on the bundled simulator:
# check processes, enable MIG (pending, then a reset), list profiles and
# placements, create two 3g.40gb GPU instances and their compute instances,
# list the MIG devices with their UUIDs, try to destroy a GPU instance in
# use, destroy everything, disable MIG.
#   scripts/demo.sh [path/to/migctl]     (migsim is taken from the same folder)
set -eu
migctl=${1:-build/migctl}
migsim=$(dirname "$migctl")/migsim
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
say() { printf '\n\033[36m# %s\033[0m\n' "$*"; }

# --- 1. the catalog, offline ----------------------------------------------
say "Part 1: the catalog and the layouts, offline"
step migctl catalog list
"$migctl" catalog list

step migctl catalog show a100-sxm4-80gb
"$migctl" catalog show a100-sxm4-80gb

step migctl layouts a100-sxm4-80gb --profiles 1g.10gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb
"$migctl" layouts a100-sxm4-80gb --profiles 1g.10gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb

step "migctl layouts a100-sxm4-80gb -o json | jq '.count'   # every profile, +me and 1g.20gb included"
"$migctl" layouts a100-sxm4-80gb -o json | jq '.count'

# --- 2. seed 000 on the simulator ---------------------------------------------
say "Part 2: the MIG workflow of seed 000 on a simulated node with 2 x A100 80GB PCIe"
STATE=$(mktemp -d)
job=
cleanup() {
	[ -z "$job" ] || kill "$job" 2>/dev/null || true
	rm -rf "$STATE"
}
trap cleanup EXIT

# m ARGS...: echo and run 'migctl --sim=$STATE ARGS'; it must succeed.
m() {
	step "migctl --sim=\$STATE $*"
	"$migctl" --sim="$STATE" "$@"
}
# m_may_fail ARGS...: the same, showing the exit status instead of stopping.
m_may_fail() {
	step "migctl --sim=\$STATE $*"
	if "$migctl" --sim="$STATE" "$@"; then :; else echo "(exit status $?)"; fi
}
# start_job DEVICE: run 'sleep' as a compute process on DEVICE, in the
# background, and wait until the machine lists it.
start_job() {
	step "migsim --state \$STATE exec -d $1 -- sleep 600 &"
	"$migsim" --state "$STATE" exec -d "$1" -- sleep 600 &
	job=$!
	i=0
	while [ "$("$migsim" --state "$STATE" show -o json | jq '.processes | length')" = 0 ] &&
		[ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
stop_job() {
	step "kill %1   # stop the process (in the seed: fuser -k /dev/nvidia1)"
	kill "$job"
	wait "$job" 2>/dev/null || true
	job=
}

step "STATE=\$(mktemp -d)   # $STATE"
# GPU 1 of seed 000 numbers its GIs with the half-swapped mapping: the first
# 3g.40gb, at 4:4, gets ID 1.
step "migsim --state \$STATE init --gpus 'A100 80GB PCIe:2' --swapped 1"
"$migsim" --state "$STATE" init --gpus "A100 80GB PCIe:2" --swapped 1

say "1. Check for processes on the GPUs; MIG mode cannot change while one runs"
start_job 1
m smi
m_may_fail mode enable -i 1
stop_job

say "2. Enable MIG mode on GPU 1: pending until the GPU is reset (the seed rebooted)"
m smi -i 1 -mig 1
m_may_fail mode enable -i 1
m mode enable -i 1 --reset
m status -i 1

say "3. GPU-instance profiles and their placements"
m smi mig -lgip
m smi mig -lgipp
m profiles -i 1

say "4. Two GPU instances of profile 9 (MIG 3g.40gb)"
m smi mig -cgi 9
m smi mig -lgi
m smi mig -cgi 9
m smi mig -lgi

say "5. A compute instance in each (the default one, MIG 3g.40gb, CI profile 2)"
m smi mig -cci -gi 1,2
m smi mig -lci

say "6. The MIG devices and their UUIDs (what CUDA_VISIBLE_DEVICES takes)"
m smi
m list
m status -i 1

say "7. A job on MIG device 0 (GPU instance 1): destroying its instance is refused"
mig0=$("$migctl" --sim="$STATE" list -i 1 -o json | jq -r '.gpus[0].mig_devices[0].uuid')
start_job "$mig0"
m status -i 1
m_may_fail smi mig -dgi -gi 1
m_may_fail destroy -i 1 --gi 1 --all
stop_job

say "8. Destroy everything: compute instances first, then GPU instances"
m destroy -i 1 --all
m list -i 1

say "9. Disable MIG mode again (pending until the reset, as enabling was)"
m_may_fail mode disable -i 1
m mode disable -i 1 --reset
m status -i 1
