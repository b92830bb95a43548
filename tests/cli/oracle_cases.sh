# The oracle suite, sourced by tests/cli/cases.sh: every case runs through
# NVIDIA's own nvidia-smi (535.261.03, Debian non-free, fetched by
# scripts/fetch-nvidia-smi.sh) and through `migctl smi`, each on its own
# COPY of one simulated machine, and requires the same stdout, the same
# stderr, the same exit status and the same machine afterwards. The real
# binary is the reference: where they differ, migctl's personality is
# wrong. There are no exclusions. The only normalisation is of text that
# is not the tools' to choose: the state directory's path and its commit
# counter (`generation`), which differ between two copies by construction.
# If the real binary cannot be fetched the suite FAILS (no silent skip).
# shellcheck shell=sh disable=SC2154

ORC_SIM=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}
ORC_LIB=$(cd "$(dirname "$migctl")" && pwd)/sim
ORC_ROOT=$(cd "$here/../.." && pwd)
# One download serves every build directory (build/, build/check/).
ORC_FETCH_DIR=${NVIDIA_SMI_DIR:-$ORC_ROOT/build/nvidia-smi}

# A sanitized simulator library needs its runtime loaded first in the
# uninstrumented nvidia-smi; nvidia-smi's own allocations are not ours to
# leak-check.
orc_preload=""
for orc_rt in asan ubsan; do
	if readelf -d "$ORC_LIB/libnvidia-ml.so.1" 2>/dev/null | grep -q "lib$orc_rt\.so"; then
		orc_preload="$orc_preload $(${CC:-cc} -print-file-name="lib$orc_rt.so")"
	fi
done

# orc_machine INIT-ARGS...: a fresh base machine for the next cases.
orc_machine() {
	orc_base=$(mktemp -d "$tmp/orc.XXXXXX")
	MIGSIM_STATE=$orc_base "$ORC_SIM" init "$@" >"$tmp/orc_out" 2>&1 ||
		{ bad "oracle: migsim init $*"; cat "$tmp/orc_out"; }
}

# orc_sim ARGS...: migsim on the base machine (setup steps).
orc_sim() {
	MIGSIM_STATE=$orc_base "$ORC_SIM" "$@" >"$tmp/orc_out" 2>&1 ||
		{ bad "oracle: setup 'migsim $*'"; cat "$tmp/orc_out"; }
}

# orc_setup ARGS...: a step on the base machine through the real nvidia-smi.
orc_setup() {
	MIGSIM_STATE=$orc_base LD_LIBRARY_PATH=$ORC_LIB LD_PRELOAD=$orc_preload \
		ASAN_OPTIONS=detect_leaks=0 "$orc_nvsmi" "$@" >"$tmp/orc_out" 2>&1 ||
		{ bad "oracle: setup 'nvidia-smi $*'"; cat "$tmp/orc_out"; }
}

# orc_state DIR: the machine in DIR, minus what differs between copies.
orc_state() {
	MIGSIM_STATE=$1 "$ORC_SIM" show -o json | jq -S 'del(.generation)'
}

# orc_run WHICH DIR ARGS...: one tool on one copy, into $tmp/orc_WHICH.*
orc_run() {
	orc_w=$1 orc_d=$2
	shift 2
	if [ "$orc_w" = nv ]; then
		MIGSIM_STATE=$orc_d LD_LIBRARY_PATH=$ORC_LIB LD_PRELOAD=$orc_preload \
			ASAN_OPTIONS=detect_leaks=0 "$orc_nvsmi" "$@" >"$tmp/orc_nv.out" 2>"$tmp/orc_nv.err"
	else
		MIGSIM_STATE=$orc_d MIGCTL_SIM=1 "$migctl" smi "$@" >"$tmp/orc_mc.out" 2>"$tmp/orc_mc.err"
	fi
	echo $? >"$tmp/orc_$orc_w.rc"
	orc_state "$orc_d" >"$tmp/orc_$orc_w.state"
}

# oracle NAME -- ARGS...: one case on copies of the base machine; the base
# stays as it was.
# oracle_step NAME -- ARGS...: the same, and the base becomes the machine
# that the real nvidia-smi left (a workflow goes on from there).
oracle() {
	orc_name=$1
	shift 2
	rm -rf "$tmp/orc_nv" "$tmp/orc_mc"
	cp -R "$orc_base" "$tmp/orc_nv" && cp -R "$orc_base" "$tmp/orc_mc" ||
		{ bad "oracle: $orc_name: cannot copy the machine"; return; }
	orc_run nv "$tmp/orc_nv" "$@"
	orc_run mc "$tmp/orc_mc" "$@"
	: >"$tmp/orc_diff"
	for orc_part in out err rc state; do
		diff -u --label "nvidia-smi $orc_part" --label "migctl smi $orc_part" \
			"$tmp/orc_nv.$orc_part" "$tmp/orc_mc.$orc_part" >>"$tmp/orc_diff"
	done
	if [ -s "$tmp/orc_diff" ]; then
		bad "oracle: $orc_name (nvidia-smi $*)"; cat "$tmp/orc_diff"
	else
		ok
	fi
}
oracle_step() {
	oracle "$@"
	rm -rf "$orc_base" && cp -R "$tmp/orc_nv" "$orc_base"
}

# orc_busy DEVICE-INDEX: a process (sleep) on a MIG device or GPU of the
# base machine, registered for the life of the following cases; its PID
# goes into $orc_busy_pid. orc_idle ends it.
orc_busy() {
	orc_uuid=$(MIGSIM_STATE=$orc_base "$ORC_SIM" show -o json | jq -r "$1")
	MIGSIM_STATE=$orc_base "$ORC_SIM" exec -d "$orc_uuid" -- sleep 300 >/dev/null 2>&1 &
	orc_busy_pid=$!
	# registered before CMD starts: wait until the machine lists it
	orc_n=0
	while [ "$orc_n" -lt 100 ] &&
		[ "$(MIGSIM_STATE=$orc_base "$ORC_SIM" show -o json | jq '.processes | length')" = 0 ]; do
		sleep 0.05; orc_n=$((orc_n + 1))
	done
}
orc_idle() {
	kill "$orc_busy_pid" 2>/dev/null
	wait "$orc_busy_pid" 2>/dev/null
}

if ! orc_nvsmi=$(sh "$ORC_ROOT/scripts/fetch-nvidia-smi.sh" "$ORC_FETCH_DIR" 2>"$tmp/orc_fetch"); then
	bad "oracle: NVIDIA's nvidia-smi could not be fetched, so the oracle suite cannot run: $(cat "$tmp/orc_fetch")"
elif [ ! -x "$ORC_SIM" ]; then
	bad "oracle: $ORC_SIM is not executable (build it: make build/migsim)"
else

# --- the matrix: A100-SXM4-80GB (0), H100 80GB HBM3 (1), A30 (2), H20 (3)
# with MIG on, A100 80GB PCIe (4) with MIG off -------------------------------
orc_machine --gpus "A100-SXM4-80GB,0x2330,A30,H20,A100 80GB PCIe"
for g in 0 1 2 3; do orc_setup -i "$g" -mig 1; orc_sim reset -i "$g"; done

# listing with no instances
oracle "-L" -- -L
oracle "--list-gpus" -- --list-gpus
oracle "-i 0 -L is refused" -- -i 0 -L
oracle "-L -i 0 is refused" -- -L -i 0
for sel in "" "-i 0" "-i 1" "-i 2" "-i 3" "-i 4" "-i 0,2" "-i 7" "--id=3"; do
	for op in -lgip -lgipp -lgi -lci -lcip -lcipp; do
		# shellcheck disable=SC2086
		oracle "mig $op $sel" -- mig $op $sel
	done
done
oracle "-i 1 mig -lgi is refused" -- -i 1 mig -lgi
oracle "mig with no option" -- mig
oracle "mig -lgi -gi 1 with no GI" -- mig -lgi -gi 1
oracle "mig -lci -gi 1 with no GI" -- mig -lci -gi 1
oracle "mig -lcip -gi 1 with no GI" -- mig -lcip -gi 1
oracle "unknown option" -- --frobnicate
oracle "unknown mig option" -- mig -frob

# create GPU instances: IDs, names, placements, -C, errors
oracle "-cgi on MIG-off GPU" -- mig -i 4 -cgi 19
oracle "-cgi unknown profile ID" -- mig -i 0 -cgi 99
oracle "-cgi unknown profile name" -- mig -i 0 -cgi 3g.99gb
oracle "-cgi on an unknown GPU" -- mig -i 7 -cgi 19
oracle "-cgi bad placement" -- mig -i 0 -cgi 9:1
oracle "-cgi placement out of range" -- mig -i 0 -cgi 19:9
oracle "-cgi empty" -- mig -i 0 -cgi ""
oracle "-cgi all GPUs" -- mig -cgi 19
oracle "-cgi too many" -- mig -i 0 -cgi 19,19,19,19,19,19,19,19
oracle "-C without -cgi" -- mig -i 0 -C
oracle_step "A100: -cgi 9,3g.40gb -C" -- mig -i 0 -cgi "9,3g.40gb" -C
oracle "A100: -cgi when full" -- mig -i 0 -cgi 19
oracle_step "H100: -cgi by name with placement" -- mig -i 1 -cgi "MIG 2g.20gb:2,1g.10gb:6"
oracle_step "H100: -cgi 19:0 -C" -- mig -i 1 -cgi 19:0 -C
oracle_step "A30: -cgi 14,5" -- mig -i 2 -cgi 14,5
oracle_step "H20: -cgi 19,1g.12gb -C" -- mig -i 3 -cgi 19,1g.12gb -C
oracle "-cgi overlapping placement" -- mig -i 1 -cgi 19:0
oracle "-lgi -cgi: -cgi runs" -- mig -i 2 -lgi -cgi 14
oracle "-cgi -cci: -cgi runs" -- mig -i 0 -cgi 19 -cci
oracle "-cgi with an empty item" -- mig -i 2 -cgi 14,
oracle "-cgi ID then unknown ID" -- mig -i 2 -cgi 14,99
oracle "-cgi only commas" -- mig -i 2 -cgi ,
oracle "mig -C (no action) on all" -- mig -C
oracle "mig -gi 1 (no action)" -- mig -gi 1
oracle "mig -i 3 -gi 9 (no action)" -- mig -i 3 -gi 9
oracle "mig -i 1 -gi 7 -ci 0 (no action)" -- mig -i 1 -gi 7 -ci 0
oracle "mig -ci 5 (no action)" -- mig -ci 5

# listing with instances
for sel in "" "-i 0" "-i 1" "-i 2" "-i 3" "-i 4"; do
	for op in -lgi -lci -lcip -lcipp; do
		# shellcheck disable=SC2086
		oracle "mig $op $sel, with instances" -- mig $op $sel
	done
done
oracle "-L with MIG devices" -- -L
oracle "mig -lgi -gi 1,2" -- mig -lgi -gi 1,2
oracle "mig -lgi -i 2 -gi 2" -- mig -lgi -i 2 -gi 2
oracle "mig -lgi -gi 9" -- mig -lgi -gi 9
oracle "mig -lci -gi 1 -ci 0" -- mig -lci -gi 1 -ci 0
oracle "mig -lci -i 0 -ci 5" -- mig -lci -i 0 -ci 5
oracle "mig -lcip -i 2 -gi 2" -- mig -lcip -i 2 -gi 2
oracle "mig -lcipp -i 1 -gi 7" -- mig -lcipp -i 1 -gi 7
oracle "mig -lcip -gi 99" -- mig -lcip -gi 99

# compute instances
oracle "-cci on MIG-off GPU" -- mig -i 4 -cci
oracle "-cci unknown GI" -- mig -i 2 -cci 0 -gi 9
oracle "-cci unknown CI profile" -- mig -i 2 -cci 7 -gi 2
oracle "-cci -gi without IDs" -- mig -i 2 -cci -gi
oracle_step "A30: -cci 0,0 -gi 2" -- mig -i 2 -cci 0,0 -gi 2
oracle "A30: -cci when the GI is full" -- mig -i 2 -cci 0 -gi 2
oracle_step "A30: -cci (default CI of every GI without one)" -- mig -i 2 -cci
oracle_step "A100: -cci 1c.3g.40gb -gi 2" -- mig -i 0 -cci 1c.3g.40gb -gi 2
oracle "-lci after -cci" -- mig -lci
oracle "-L after -cci" -- -L

# busy instances, destroy
orc_busy '.gpus[2].gpu_instances[] | select(.id == 2) | .compute_instances[0].uuid // empty'
oracle "A30: -dci of a busy CI" -- mig -i 2 -dci -gi 2 -ci 0
oracle "A30: -dgi of a busy GI" -- mig -i 2 -dgi -gi 2
oracle "A30: -dci all with one busy" -- mig -i 2 -dci
orc_idle
oracle "-dgi with CIs" -- mig -i 0 -dgi -gi 1
oracle "-dci unknown CI" -- mig -i 0 -dci -ci 5 -gi 1
oracle "-dci unknown GI" -- mig -i 0 -dci -gi 9
oracle "-dgi unknown GI" -- mig -i 0 -dgi -gi 9
oracle "-dgi list with one unknown" -- mig -i 2 -dgi -gi 1,9
oracle "-ci without -dci" -- mig -i 0 -ci 0
oracle "-dci on MIG-off GPU" -- mig -i 4 -dci
oracle "-dgi list, one busy" -- mig -i 0 -dgi -gi 1,9
oracle "-dci -gi list with one unknown" -- mig -i 0 -dci -gi 1,9
oracle "-dci -ci list with one unknown" -- mig -i 0 -dci -ci 0,5 -gi 1
oracle "-dci -ci 9 everywhere" -- mig -dci -ci 9
oracle "-cci -gi list with one unknown" -- mig -i 2 -cci -gi 3,9
oracle "-dgi on MIG-off GPU" -- mig -i 4 -dgi
oracle_step "-dci -ci 0 -gi 1,2" -- mig -i 0 -dci -ci 0 -gi 1,2
oracle_step "-dci all" -- mig -dci
oracle "-dci with none left" -- mig -dci
oracle_step "-dgi -gi 1 on A100" -- mig -i 0 -dgi -gi 1
oracle_step "-dgi all" -- mig -dgi
oracle "-dgi with none left" -- mig -dgi
oracle "-lgi after destroying" -- mig -lgi

# MIG mode and reset
oracle "-mig 1 on an A100 (pending)" -- -i 4 -mig 1
oracle "-mig 0 on an H100" -- -i 1 -mig 0
oracle "-mig 2 is refused" -- -i 0 -mig 2
oracle "-mig x is refused" -- -i 0 -mig x
oracle "-mig without a value" -- -i 0 -mig
oracle "-mig 01 is -mig 1" -- -i 2 -mig 01
oracle "-mig twice" -- -mig 1 -mig 0
oracle_step "-i 4 -mig 1" -- -i 4 -mig 1
# A reset itself is not in the oracle: NVIDIA's binary cannot reset a
# simulated GPU (it needs nvmlDeviceGetVirtualizationMode,
# nvmlDeviceGetGpuOperationMode and the driver's private reset path, and
# says "GPU Reset couldn't run due to problem with internal state");
# tests/cli/smi_cases.sh covers migctl's -r. What it refuses before
# resetting is here.
oracle "-r -i 7" -- -r -i 7
oracle "-r with -mig" -- -i 0 -r -mig 1
oracle "-r twice" -- -r -r
oracle "-L -r" -- -L -r

# option order rules and command-line errors
oracle "-i before mig" -- -i 0 mig -lgi
oracle "-L twice" -- -L -L
oracle "-L with an unknown option" -- -L --frob
oracle "unknown option before -L" -- --frob -L
oracle "-i with an unknown option" -- -i 0 --frob
oracle "-i without a value" -- -i
oracle "--id= with -mig" -- --id=0 -mig 1
oracle "-i list with an unknown GPU" -- mig -i 0,9 -lgi
oracle "-i list with a trailing comma" -- mig -i 0, -lgip
oracle "mig -i twice" -- mig -lgi -i 0 -i 2
oracle "mig -i without a value" -- mig -lgi -i
oracle "mig -cgi without a value" -- mig -cgi
oracle "mig -h" -- mig -h
oracle "mig -lgi -h" -- mig -lgi -h
oracle "mig -i 0 (no action)" -- mig -i 0
oracle "mig -r" -- mig -lgi -r
oracle "mig --list-gpu-instances" -- mig --list-gpu-instances
oracle "mig --id=2 --list-gpu-instance-profiles" -- mig --id=2 --list-gpu-instance-profiles

# --- seed 000: A100 80GB PCIe x2, half-swapped, MIG on GPU 1 ------------------
orc_machine --gpus "A100 80GB PCIe:2" --swapped 1
oracle_step "seed 000: -i 1 -mig 1" -- -i 1 -mig 1
orc_sim reset -i 1
oracle_step "seed 000: -lgip" -- mig -lgip
oracle_step "seed 000: -lgipp" -- mig -lgipp
oracle_step "seed 000: -cgi 9" -- mig -cgi 9
oracle_step "seed 000: -lgi" -- mig -lgi
oracle_step "seed 000: -cgi 9 again" -- mig -cgi 9
oracle_step "seed 000: -lgi, two GIs" -- mig -lgi
oracle_step "seed 000: -cci -gi 1,2" -- mig -cci -gi 1,2
oracle_step "seed 000: -lci" -- mig -lci
oracle_step "seed 000: -L" -- -L
oracle_step "seed 000: -dci" -- mig -dci
oracle_step "seed 000: -dgi" -- mig -dgi
oracle_step "seed 000: -i 1 -mig 0" -- -i 1 -mig 0
fi
