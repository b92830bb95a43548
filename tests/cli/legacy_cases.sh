# migctl on an early MIG driver: the simulator built with only the NVML
# entry points of CUDA 11.0 (the legacy version script generated from lib/nvml_entries.h). Proves the
# binding's fallbacks (lib/nvml.c, lib/node.c): v1 profile structs without
# names, v1 placements, CI info without placement, no architecture call;
# and that what such a driver cannot do is refused before anything
# changes. Sourced by tests/cli/cases.sh after node_cases.sh and
# apply_cases.sh (nd_new, nd_expect, ap_snap, ap_same).
# shellcheck shell=sh disable=SC2154

lg_lib=$(cd "$(dirname "$migctl")" && pwd)/sim-legacy/libnvidia-ml.so.1

# lg_same NAME ARGS...: stdout, stderr and exit code of `migctl ARGS` are
# the same on the early driver as on the full simulator (whose output the
# golden tests check against nvidia-smi transcripts). Plain `smi` starts
# with the time of day, which may tick between the two runs: not compared.
lg_run() { # FILE ARGS...: output without the time line, then the exit code
	lg_file=$1
	shift
	"$migctl" "$@" >"$tmp/lg_raw" 2>&1
	lg_rc=$?
	sed -E '1{/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) /d;}' "$tmp/lg_raw" >"$lg_file"
	echo "exit $lg_rc" >>"$lg_file"
}
lg_same() {
	lg_name=$1
	shift
	lg_run "$tmp/lg_full" "$@"
	MIGCTL_SIM_LIB=$lg_lib
	export MIGCTL_SIM_LIB
	lg_run "$tmp/lg_old" "$@"
	unset MIGCTL_SIM_LIB
	if cmp -s "$tmp/lg_full" "$tmp/lg_old"; then
		ok
	else
		bad "early driver: $lg_name differs"; diff "$tmp/lg_full" "$tmp/lg_old" | head -20
	fi
}

# lg_expect: nd_expect against the early driver.
lg_expect() {
	lg_name=$1 lg_code=$2 lg_out=$3 lg_errp=$4
	shift 5
	MIGCTL_SIM_LIB=$lg_lib
	export MIGCTL_SIM_LIB
	nd_expect "early driver: $lg_name" "$lg_code" "$lg_out" "$lg_errp" -- "$@"
	unset MIGCTL_SIM_LIB
}

if [ ! -f "$lg_lib" ]; then
	bad "early-driver library $lg_lib is missing (make builds it for test-run)"
else
	# The library really lacks the newer entry points.
	for sym in nvmlDeviceGetGpuInstanceProfileInfoV nvmlDeviceCreateGpuInstanceWithPlacement \
		nvmlComputeInstanceGetInfo_v2 nvmlDeviceGetGpuInstancePossiblePlacements_v2; do
		if nm -D --defined-only "$lg_lib" | grep -q " $sym\$"; then
			bad "early-driver library exports $sym"
		else
			ok
		fi
	done

	# MIG off on an A100: profiles and placements come from the catalog
	# (v1 placements need MIG on), the mode reads the same.
	nd_new --gpus A100-SXM4-80GB:1,H100-SXM5-80GB:1
	lg_same "status, MIG off" status
	lg_same "profiles, MIG off" profiles
	lg_same "smi -L, MIG off" smi -L

	# MIG on through the early driver: the Ampere reset is known from the
	# catalog's architecture (no nvmlDeviceGetArchitecture).
	lg_expect "mode enable resets an Ampere GPU" 0 'GPU 0: MIG mode enabled' '' -- mode enable -i 0 --reset
	lg_expect "mode enable on Hopper needs no reset" 0 'GPU 1: MIG mode enabled' '' -- mode enable -i 1

	# Plain creation works; the driver picks the places (3g.40gb goes to
	# 4:4 first, reference mig-profiles.md driver rule).
	lg_expect "create two 3g.40gb GIs without CIs" 0 'created GPU instance 1 .*placement 0:4' '' -- create 3g.40gb,3g.40gb --no-ci -i 0
	lg_expect "create CIs 1c + 2c" 0 'created compute instance 1 ' '' -- create -i 0 --gi 1 --ci 1c.3g.40gb,2c.3g.40gb
	lg_expect "create the full CI" 0 'created compute instance 0 in GPU instance 2' '' -- create -i 0 --gi 2 --ci 3g.40gb
	lg_expect "create 2g.20gb on Hopper" 0 'created GPU instance' '' -- create 2g.20gb -i 1

	# Every read-only view matches the full driver's, profile names
	# included (v1 structs have none: they come from the catalog).
	for v in "list" "list -o json" "status" "profiles" "profiles -o json" \
		"profiles -i 0 --gi 1" "smi -L" "smi" "smi mig -lgip" "smi mig -lgipp" \
		"smi mig -lcip" "smi mig -lcipp" "smi mig -lgi" "export"; do
		# shellcheck disable=SC2086
		lg_same "$v" $v
	done
	lg_expect "-lgip names profiles" 0 'MIG 3g\.40gb +9 ' '' -- smi mig -lgip -i 0

	# CI placements: v1 GetInfo does not give them. A profile with one
	# placement is still known; the others print N/A (null in JSON).
	lg_expect "-lci: unknown CI placement is N/A" 0 '\| +0 +1 +MIG 1c\.3g\.40gb +0 +0 +N/A +\|' '' -- smi mig -lci -i 0
	lg_expect "-lci: single-placement CI is known" 0 '\| +0 +2 +MIG 3g\.40gb +2 +0 +0:3 +\|' '' -- smi mig -lci -i 0
	MIGCTL_SIM_LIB=$lg_lib
	export MIGCTL_SIM_LIB
	expect_json "early driver: JSON CI placement null when unknown" \
		'[.gpus[0].gpu_instances[] | select(.id == 1) | .compute_instances[].placement]' \
		'[null,null]' -- status -o json
	unset MIGCTL_SIM_LIB

	# What the early driver cannot do is refused, and nothing changes.
	ap_snap
	lg_expect "create at a placement: driver too old" 17 '' 'at 0:1: .*driver is too old' -- create 1g.10gb -i 1 --placement 0
	ap_same "create at a placement on an early driver"
	lg_expect "apply needs placement calls" 17 '' 'cannot create instances at a placement.*upgrade the driver' -- apply -f "$here/configs/a100.yaml" -c all-balanced
	ap_same "apply on an early driver"
	lg_expect "assert still works" 21 '' '' -- assert -f "$here/configs/a100.yaml" -c all-balanced
	lg_expect "destroy works" 0 'destroyed' '' -- destroy -i 0 --all

	# A driver that cannot list processes (no _v2/_v3, faked by failing
	# both): status says so instead of "none".
	expect_json "processes known on the full driver" '[.gpus[].processes_known]' '[true,true]' -- status -o json
	"$MIGSIM_BIN" fault add --call nvmlDeviceGetComputeRunningProcesses_v3 --error FUNCTION_NOT_FOUND --count -1 >/dev/null
	"$MIGSIM_BIN" fault add --call nvmlDeviceGetComputeRunningProcesses_v2 --error FUNCTION_NOT_FOUND --count -1 >/dev/null
	nd_expect "processes not listed: unknown, not none" 0 '^  Processes: unknown \(the driver did not list them\)$' '' -- status -i 0
	expect_json "processes not listed: JSON" '[.gpus[].processes_known]' '[false,false]' -- status -o json
	"$MIGSIM_BIN" fault clear >/dev/null
fi
