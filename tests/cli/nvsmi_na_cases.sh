# What NVIDIA's nvidia-smi -q prints as missing on the simulator: for
# A100-SXM4-80GB, H100-SXM5-80GB, A30 and H20, MIG off and on, the set of
# fields whose value is N/A, [N/A], Not Supported, Unknown Error or
# Uninitialized must equal the list below, where each field says why a
# simulated board lacks it (docs/simulator-model.md §8). A field that
# starts printing a value, or one that stops, fails here until the list
# and the doc say why. Sourced by tests/cli/cases.sh after nvsmi_cases.sh
# (ns_smi, ns_machine, ns_mig, ns_run, ns_fail_fetch).
# shellcheck shell=sh disable=SC2154

# FIELD PATH (section>subsection>field) | WHERE | WHY.
# WHERE: all; ampere (A100, A30); mig (MIG on only). "Real: N/A" marks the
# fields that real boards of these models also print as N/A.
na_expected() {
	cat <<'EOF'
Driver Model>Current|all|Windows only (WDDM/TCC); Real: N/A on Linux
Driver Model>Pending|all|Windows only; Real: N/A on Linux
Inforom Version>Power Management Object|all|nvmlDeviceGetInforomVersion(POWER): data-center boards carry no power object; Real: N/A
Inforom BBX Object Flush>Latest Timestamp|all|nvmlDeviceGetLastBBXFlushTime: no BBX flush recorded; Real: N/A
Inforom BBX Object Flush>Latest Duration|all|as above; Real: N/A
GPU Operation Mode>Current|all|nvmlDeviceGetGpuOperationMode: GOM is Kepler Tesla only; Real: N/A
GPU Operation Mode>Pending|all|as above; Real: N/A
GSP Firmware Version|ampere|GSP firmware modelled on Hopper and later only
GPU Virtualization Mode>Host VGPU Mode|all|nvmlDeviceGetHostVgpuMode: bare metal, no vGPU host driver; Real: N/A
GPU Reset Status>Reset Required|all|fields 226, 227: NOT_SUPPORTED, no transcript in the reference shows a value
GPU Reset Status>Drain and Reset Recommended|all|as above
IBMNPU>Relaxed Ordering Mode|all|private export table (null in the simulator)
PCI>GPU Link Info>PCIe Generation>Host Max|all|private export table
PCI>Bridge Chip>Type|all|nvmlDeviceGetBridgeChipInfo: no bridge chip on these boards; Real: N/A
PCI>Bridge Chip>Firmware|all|as above; Real: N/A
PCI>Atomic Caps Inbound|all|private export table
PCI>Atomic Caps Outbound|all|private export table
Addressing Mode|all|private export table
GPU Part Number|all|private export table
FRU Part Number|all|private export table
Fan Speed|all|passively cooled boards: nvmlDeviceGetFanSpeed NOT_SUPPORTED; Real: N/A
Sparse Operation Mode|all|private export table
Conf Compute Protected Memory Usage>Total|all|no confidential computing (nvmlSystemGetConfComputeCapabilities: not capable)
Conf Compute Protected Memory Usage>Used|all|as above
Conf Compute Protected Memory Usage>Free|all|as above
Retired Pages>Single Bit ECC|all|Ampere and later remap rows instead of retiring pages; Real: N/A
Retired Pages>Double Bit ECC|all|as above; Real: N/A
Retired Pages>Pending Page Blacklist|all|as above; Real: N/A
Temperature>GPU T.Limit Temp|all|private export table
Temperature>GPU Target Temperature|all|acoustic threshold (TEMPERATURE_THRESHOLD_ACOUSTIC_CURR): data-center boards; Real: N/A
Module Power Readings>Power Draw|all|fields 185-192 at scope 1: a Grace Hopper module's only; Real: N/A
Module Power Readings>Current Power Limit|all|as above
Module Power Readings>Requested Power Limit|all|as above
Module Power Readings>Default Power Limit|all|as above
Module Power Readings>Min Power Limit|all|as above
Module Power Readings>Max Power Limit|all|as above
Deferred Clocks>Memory|all|private export table
Clock Policy>Auto Boost|all|nvmlDeviceGetAutoBoostedClocksEnabled: no auto boost on Volta and later; Real: N/A
Clock Policy>Auto Boost Default|all|as above; Real: N/A
Voltage>Graphics|all|private export table
Fabric>State|ampere|nvmlDeviceGetGpuFabricInfo: Hopper and later only (HGX boards answer Completed); Real: N/A
Fabric>Status|ampere|as above; Real: N/A
Utilization>Gpu|mig|NVML: utilization rates are not supported on a GPU in MIG mode; Real: N/A
Utilization>Memory|mig|as above; Real: N/A
EOF
}

# na_fields FILE: the paths of nvidia-smi -q's fields that print as
# missing, for every GPU in FILE, sorted and unique. Sections are the
# lines without a colon; each level indents by four spaces.
na_fields() {
	awk '
	/^GPU [0-9A-Fa-f]/ { in_gpu = 1; next }
	!in_gpu || !NF { next }
	{
		match($0, /^ */)
		lvl = int(RLENGTH / 4)
		line = substr($0, RLENGTH + 1)
		c = index(line, ":")
		key = c ? substr(line, 1, c - 1) : line
		sub(/ +$/, "", key)
		path[lvl] = key
		if (!c)
			next
		val = substr(line, c + 1)
		gsub(/^ +| +$/, "", val)
		if (val !~ /^\[?(N\/A|Not Supported|Unknown Error|Uninitialized)\]?$/)
			next
		p = path[1]
		for (i = 2; i <= lvl; i++)
			p = p ">" path[i]
		print p
	}' "$1" | sort -u
}

# na_check MODEL ARCH MIG: nvidia-smi -q on one GPU of MODEL against the
# expected list for ARCH (ampere, hopper) and MIG (off, on).
na_check() {
	na_model=$1 na_arch=$2 na_mig=$3
	ns_machine "$na_model:1"
	[ "$na_mig" = on ] && ns_mig 14
	ns_run -q
	cp "$tmp/ns_out" "$tmp/na_q"
	na_fields "$tmp/na_q" >"$tmp/na_got"
	na_expected | awk -F'|' -v arch="$na_arch" -v mig="$na_mig" \
		'$2 == "all" || $2 == arch || ($2 == "mig" && mig == "on") { print $1 }' |
		sort -u >"$tmp/na_want"
	if [ "$ns_rc" -eq 0 ] && cmp -s "$tmp/na_want" "$tmp/na_got"; then
		ok
	else
		bad "nvidia-smi -q on $na_model, MIG $na_mig (exit $ns_rc): missing fields differ from the list (-want +got)"
		diff "$tmp/na_want" "$tmp/na_got" | grep '^[<>]'
	fi
}

if [ -z "$ns_fail_fetch" ] && [ -x "$ns_smi" ]; then
	for na_case in "A100-SXM4-80GB ampere" "H100-SXM5-80GB hopper" "A30 ampere" "H20 hopper"; do
		# shellcheck disable=SC2086
		set -- $na_case
		na_check "$1" "$2" off
		na_check "$1" "$2" on
	done
	# The values that replaced N/A, as the model gives them.
	ns_machine "A100-SXM4-80GB:1,H100-SXM5-80GB:1"
	ns_run -q -d ECC
	ns_name="-q -d ECC: SRAM counters are 0 and under the threshold"
	ns_check grep -Eq '^ +SRAM Threshold Exceeded +: No$' "$tmp/ns_out"
	ns_run -q -d PERFORMANCE
	ns_name="-q -d PERFORMANCE: sync boost and application clocks are reasons, not active"
	ns_check grep -Eq '^ +Sync Boost +: Not Active$' "$tmp/ns_out"
	ns_run -q
	ns_name="-q: the HGX H100's fabric registration completed, the A100 has none"
	ns_check [ "$(grep -E -A2 '^    Fabric$' "$tmp/ns_out" | grep -Eo '(State|Status) +: .*' | tr -s ' ' | paste -sd, -)" = "State : N/A,Status : N/A,State : Completed,Status : Success" ]
	ns_name="-q: GSP firmware of the H100 is the driver's version, the A100 has none"
	ns_check [ "$(grep -E '^ +GSP Firmware Version' "$tmp/ns_out" | awk '{print $NF}' | paste -sd' ' -)" = "N/A $(MIGSIM_STATE=$ns_state "$MIGSIM_BIN" show -o json | jq -r .driver)" ]
fi
