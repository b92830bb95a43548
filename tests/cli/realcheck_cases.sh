# scripts/real-driver-check.sh, run here against the simulator loaded as if
# it were the driver (MIGCTL_NVML_LIB, no --sim): every listing command
# succeeds, and the machine, change counter included, is untouched — the
# script's promise for a real GPU. Sourced by tests/cli/cases.sh.
# shellcheck shell=sh disable=SC2154

rc_lib=$(cd "$(dirname "$migctl")" && pwd)/sim/libnvidia-ml.so.1
rc_out=$tmp/real-driver-check
nd_new --gpus A100-SXM4-80GB:1,H100-SXM5-80GB:1
"$migctl" mode enable -i 0 --reset >/dev/null 2>&1
"$migctl" create 3g.40gb,1g.10gb -i 0 >/dev/null 2>&1
ap_snap
unset MIGCTL_SIM
if MIGCTL=$migctl MIGCTL_NVML_LIB=$rc_lib PATH=/usr/bin:/bin \
	sh "$here/../../scripts/real-driver-check.sh" "$rc_out" >"$tmp/rc_log" 2>&1 &&
	grep -q '^MIG state unchanged' "$tmp/rc_log"; then
	ok
else
	bad "real-driver-check.sh on the simulator"; cat "$tmp/rc_log"
fi
export MIGCTL_SIM=1
ap_same "real-driver-check.sh"
for rc_name in list list-json status status-json profiles profiles-json smi-L smi-lgip \
	smi-lgipp smi-lgi smi-lci smi-plain; do
	if [ "$(cat "$rc_out/$rc_name.rc" 2>/dev/null)" = 0 ] && [ -s "$rc_out/$rc_name.out" ]; then
		ok
	else
		bad "real-driver-check.sh: $rc_name failed"; cat "$rc_out/$rc_name.err"
	fi
done
# What it recorded is this machine, read through MIGCTL_NVML_LIB.
if [ "$(jq -c '[.gpus[].name, (.gpus[0].mig_devices | length)]' "$rc_out/list-json.out" 2>/dev/null)" = \
	'["NVIDIA A100-SXM4-80GB","NVIDIA H100 80GB HBM3",2]' ]; then
	ok
else
	bad "real-driver-check.sh: list -o json"; cat "$rc_out/list-json.out"
fi
