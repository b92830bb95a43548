# NVIDIA's own nvidia-smi (Debian's 535 package, fetched into build/ by
# scripts/fetch-nvidia-smi.sh) on the simulator, sourced by
# tests/cli/cases.sh. It runs plain, -q, -q -d for every section its --help
# lists, --query-gpu with every field of --help-query-gpu,
# --query-compute-apps with every field and -L, on A100 and H100 machines
# with MIG off and on: each exits 0 without an NVML error, and a few values
# are checked against the catalog and the load model.
#
# A fetch that fails (no mirror reachable) is a test failure that says so,
# never a silent skip.
# shellcheck shell=sh disable=SC2154

ns_root=$(cd "$here/../.." && pwd)
ns_lib=$(cd "$(dirname "$migctl")" && pwd)/sim
ns_fail_fetch=""
if ! ns_smi=$("$ns_root/scripts/fetch-nvidia-smi.sh" "$ns_root/build/nvidia-smi" 2>"$tmp/ns_fetch"); then
	ns_fail_fetch=$(cat "$tmp/ns_fetch")
fi
case $ns_smi in /*) ;; *) ns_smi=$ns_root/$ns_smi ;; esac

# A sanitizer build of the simulator (make check) needs its runtimes loaded
# first into the uninstrumented nvidia-smi; leaks are nvidia-smi's own
# business there (the simulator's are checked by its own tests).
ns_preload=$(ldd "$ns_lib/libnvidia-ml.so.1" 2>/dev/null |
	awk '/lib(asan|ubsan)\.so/ {print $3}' | paste -sd: -)

# ns_env COMMAND...: run COMMAND with the simulator as libnvidia-ml.so.1 on
# the machine $ns_state.
ns_env() {
	ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD=$ns_preload LD_LIBRARY_PATH=$ns_lib \
		MIGSIM_STATE=$ns_state "$@"
}

# ns_run ARGS...: NVIDIA's nvidia-smi on the machine $ns_state; output in
# $tmp/ns_out, exit status in $ns_rc.
ns_run() {
	ns_env "$ns_smi" "$@" >"$tmp/ns_out" 2>&1
	ns_rc=$?
}

# ns_ok NAME ARGS...: exit 0, and no NVML failure in the output (the N/A
# and Uninitialized that a real board shows for what it lacks are fine).
ns_ok() {
	ns_name=$1
	shift
	ns_run "$@"
	if [ "$ns_rc" -eq 0 ] && ! grep -Eq 'Internal NVML error|Unknown Error|Invalid Argument|Function Not Found|Mismatch in versions' "$tmp/ns_out"; then
		ok
	else
		bad "nvidia-smi: $ns_name (exit $ns_rc)"; head -30 "$tmp/ns_out"
	fi
}

# ns_grep NAME PATTERN ARGS...: exit 0 and the output matches PATTERN.
ns_grep() {
	ns_name=$1 ns_pat=$2
	shift 2
	ns_run "$@"
	if [ "$ns_rc" -eq 0 ] && grep -Eq -- "$ns_pat" "$tmp/ns_out"; then
		ok
	else
		bad "nvidia-smi: $ns_name (exit $ns_rc, want /$ns_pat/)"; head -30 "$tmp/ns_out"
	fi
}

# ns_check COMMAND...: the command succeeds (the case is named $ns_name).
ns_check() {
	if "$@"; then ok; else bad "nvidia-smi: $ns_name"; fi
}

# ns_machine GPUS: a fresh machine.
ns_machine() {
	ns_state=$(mktemp -d "$tmp/nvsmi.XXXXXX")
	MIGSIM_STATE=$ns_state "$MIGSIM_BIN" init --gpus "$1" >/dev/null 2>&1 ||
		bad "nvidia-smi: migsim init --gpus $1"
}

# ns_mig LIST: MIG on for every GPU (resetting those where it is pending,
# the Ampere ones) and GIs with their default CIs, through migctl's
# personality.
ns_mig() {
	MIGSIM_STATE=$ns_state "$migctl" --sim smi -mig 1 >/dev/null 2>&1
	for ns_i in $(MIGSIM_STATE=$ns_state "$MIGSIM_BIN" show -o json |
		jq -r '.gpus | to_entries[] | select(.value.mig_pending != .value.mig_current) | .key'); do
		MIGSIM_STATE=$ns_state "$MIGSIM_BIN" reset -i "$ns_i" >/dev/null 2>&1
	done
	MIGSIM_STATE=$ns_state "$migctl" --sim smi mig -cgi "$1" -C >/dev/null 2>&1 ||
		bad "nvidia-smi: MIG layout $1"
}

# ns_all LABEL: every mode and section on the current machine.
ns_all() {
	ns_ok "$1: plain"
	ns_ok "$1: -q" -q
	for ns_d in $ns_sections; do
		ns_ok "$1: -q -d $ns_d" -q -d "$ns_d"
	done
	ns_ok "$1: -q -d all sections at once" -q -d "$(echo $ns_sections | tr ' ' ',')"
	ns_ok "$1: --query-gpu (every field)" --query-gpu="$ns_gpu_fields" --format=csv
	ns_ok "$1: --query-compute-apps (every field)" --query-compute-apps="$ns_app_fields" --format=csv
	ns_ok "$1: -L" -L
}

if [ -n "$ns_fail_fetch" ] || [ ! -x "$ns_smi" ]; then
	bad "nvidia-smi: cannot fetch NVIDIA's nvidia-smi, so none of its cases ran: ${ns_fail_fetch:-$ns_smi is missing}"
else
	ns_machine "A100 80GB PCIe:2"
	# The sections, query fields and their count come from the binary itself.
	ns_run --help
	ns_sections=$(sed -n '/--display=/,/Flags can be combined/p' "$tmp/ns_out" |
		grep -Eo '\b[A-Z][A-Z_]{2,}\b' | sort -u | tr '\n' ' ')
	ns_name="--help lists the 18 -d sections of 535 (got: $ns_sections)"
	ns_check [ "$(echo $ns_sections | wc -w)" -eq 18 ]
	ns_run --help-query-gpu
	ns_gpu_fields=$(grep -Eo '^"[a-z0-9_.]+"' "$tmp/ns_out" | tr -d '"' | paste -sd, -)
	ns_run --help-query-compute-apps
	ns_app_fields=$(grep -Eo '^"[a-z0-9_.]+"' "$tmp/ns_out" | tr -d '"' | paste -sd, -)
	ns_name="--help-query-gpu lists over 100 fields"
	ns_check [ "$(echo "$ns_gpu_fields" | tr ',' '\n' | wc -l)" -gt 100 ]

	# --- A100 80GB PCIe, MIG off -------------------------------------------
	ns_all "A100, MIG off"
	ns_mem=$("$migctl" catalog list -o json | jq -r '.models[] | select(.name == "NVIDIA A100 80GB PCIe") | .memory_mib')
	ns_grep "A100: memory.total is the catalog's" "^0, ${ns_mem} MiB, 0 MiB\$" \
		--query-gpu=index,memory.total,memory.used --format=csv,noheader
	ns_grep "A100: idle, P0, 300 W limit, PCIe gen 4 x16" '^0 %, P0, 300.00 W, 4, 16$' \
		--query-gpu=utilization.gpu,pstate,power.limit,pcie.link.gen.current,pcie.link.width.current \
		--format=csv,noheader -i 0
	# A process with memory and a load: the GPU's memory and utilization
	# follow; the other GPU stays idle.
	ns_env "$MIGSIM_BIN" exec -d 0 --memory 1234 \
		--load sm=0.8,dram=0.3 -- "$ns_smi" --query-gpu=index,memory.used,utilization.gpu,utilization.memory \
		--format=csv,noheader >"$tmp/ns_out" 2>&1
	ns_name="A100: a process with --memory 1234 and --load sm=0.8,dram=0.3 shows"
	ns_check grep -q '^0, 1234 MiB, 80 %, 30 %$' "$tmp/ns_out"
	ns_name="A100: the load does not show on the other GPU"
	ns_check grep -q '^1, 0 MiB, 0 %, 0 %$' "$tmp/ns_out"
	ns_env "$MIGSIM_BIN" exec -d 0 \
		--load sm=1,tensor=1,dram=1 -- "$ns_smi" --query-gpu=power.draw,clocks.sm,temperature.gpu \
		--format=csv,noheader,nounits -i 0 >"$tmp/ns_out" 2>&1
	ns_name="A100: full load draws the 300 W limit at the 1410 MHz boost clock, warmer"
	ns_check grep -Eq '^300.00, 1410, (6|7)[0-9]$' "$tmp/ns_out"
	ns_name="A100: CUDA_VISIBLE_DEVICES is the device's UUID"
	ns_uuid=$(MIGSIM_STATE=$ns_state "$MIGSIM_BIN" show -o json | jq -r '.gpus[1].uuid')
	ns_check [ "$(MIGSIM_STATE=$ns_state "$MIGSIM_BIN" exec -d 1 -- sh -c 'echo "$CUDA_VISIBLE_DEVICES $NVIDIA_VISIBLE_DEVICES"')" = "$ns_uuid $ns_uuid" ]

	# --- A100 80GB PCIe, MIG on: two 3g.40gb (seed 000) ----------------------
	ns_mig 9,9
	ns_all "A100, MIG on"
	# Seed 000's idle MIG devices: 37 MiB each, 74 MiB on the GPU.
	ns_grep "A100 MIG: seed 000's 37 MiB per 3g.40gb" '\|  0    1   0   0  \| +37MiB / 40192MiB'
	ns_grep "A100 MIG: seed 000's 74 MiB on the GPU" '^0, 74 MiB, \[N/A\]$' \
		--query-gpu=index,memory.used,utilization.gpu --format=csv,noheader
	ns_mig_uuid=$(MIGSIM_STATE=$ns_state "$MIGSIM_BIN" show -o json | jq -r '.gpus[0].uuid')
	ns_env "$MIGSIM_BIN" exec -d "MIG-$ns_mig_uuid/2/0" \
		--memory 2000 -- "$ns_smi" >"$tmp/ns_out" 2>&1
	ns_name="A100 MIG: a process on GI 2 (legacy device form) shows on that MIG device only"
	ns_check grep -Eq '\|  0    2   0   1  \| +2037MiB / 40192MiB' "$tmp/ns_out"
	ns_name="A100 MIG: the other MIG device keeps its 37 MiB"
	ns_check grep -Eq '\|  0    1   0   0  \| +37MiB / 40192MiB' "$tmp/ns_out"

	# --- H100, MIG off and on ----------------------------------------------------
	ns_machine "H100-SXM5-80GB:2"
	ns_all "H100, MIG off"
	ns_mem=$("$migctl" catalog list -o json | jq -r '.models[] | select(.name == "NVIDIA H100 80GB HBM3") | .memory_mib')
	ns_grep "H100: memory.total is the catalog's, 700 W, PCIe gen 5" "^${ns_mem} MiB, 700.00 W, 5\$" \
		--query-gpu=memory.total,power.limit,pcie.link.gen.current --format=csv,noheader -i 1
	ns_mig 9,19,19
	ns_all "H100, MIG on"
	ns_grep "H100 MIG: three MIG devices on each GPU" '^  MIG 1g\.10gb +Device  2: \(UUID: MIG-' -L
fi
