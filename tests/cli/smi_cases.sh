# nvidia-smi personality cases (`migctl smi ...`, and one run through a
# `nvidia-smi` symlink), sourced by tests/cli/cases.sh. Every machine is a
# simulator state directory under $tmp; goldens come from transcripts
# (tests/cli/golden/README.md), never from migctl's own output.
# shellcheck shell=sh disable=SC2154

SMI_SIM=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}
export MIGCTL_SIM=1

# smi_machine INIT-ARGS...: a fresh simulated machine for the next cases.
smi_machine() {
	MIGSIM_STATE=$(mktemp -d "$tmp/smi.XXXXXX")
	export MIGSIM_STATE
	"$SMI_SIM" init "$@" >"$tmp/smi_out" 2>&1 || { bad "smi: migsim init $*"; cat "$tmp/smi_out"; }
}

# smi_mig_on GPU: enable MIG mode on a GPU (Ampere: pending, then reset).
smi_mig_on() {
	if ! "$migctl" smi -i "$1" -mig 1 >"$tmp/smi_out" 2>&1 ||
		! "$SMI_SIM" reset -i "$1" >>"$tmp/smi_out" 2>&1; then
		bad "smi: enable MIG on GPU $1"; cat "$tmp/smi_out"
	fi
}

# smi_do ARGS...: a setup step that must succeed.
smi_do() {
	"$migctl" smi "$@" >"$tmp/smi_out" 2>&1 || { bad "smi: setup 'smi $*'"; cat "$tmp/smi_out"; }
}

# smi_edit JQ-FILTER: rewrite the stored machine (states only the driver
# could reach, or that a transcript started from).
smi_edit() {
	jq "$1" "$MIGSIM_STATE/machine.json" >"$MIGSIM_STATE/machine.json.edit" &&
		mv "$MIGSIM_STATE/machine.json.edit" "$MIGSIM_STATE/machine.json"
}

# smi_check NAME CODE GOLDEN FILTER -- ARGS...: `migctl smi ARGS` exits
# CODE and its stdout, through the shell FILTER, equals the golden file.
smi_check() {
	smi_name=$1 smi_code=$2 smi_file=$3 smi_filter=$4
	shift 5
	"$migctl" smi "$@" >"$tmp/smi_raw" 2>"$tmp/smi_err"
	smi_rc=$?
	sh -c "$smi_filter" <"$tmp/smi_raw" >"$tmp/smi_out"
	if [ "$smi_rc" -eq "$smi_code" ] && diff -u "$golden/$smi_file" "$tmp/smi_out" >"$tmp/smi_diff"; then
		ok
	else
		bad "smi: $smi_name (exit $smi_rc, want $smi_code)"; cat "$tmp/smi_diff" "$tmp/smi_err"
	fi
}

# smi_golden NAME CODE GOLDEN -- ARGS...: the whole stdout.
smi_golden() {
	smi_g1=$1 smi_g2=$2 smi_g3=$3
	shift 4
	smi_check "$smi_g1" "$smi_g2" "$smi_g3" cat -- "$@"
}

# smi_grep NAME CODE PATTERN -- ARGS...: exit CODE, a stdout line matches
# the extended regex PATTERN.
smi_grep() {
	smi_name=$1 smi_code=$2 smi_pat=$3
	shift 4
	"$migctl" smi "$@" >"$tmp/smi_out" 2>"$tmp/smi_err"
	smi_rc=$?
	if [ "$smi_rc" -eq "$smi_code" ] && grep -Eq -- "$smi_pat" "$tmp/smi_out"; then
		ok
	else
		bad "smi: $smi_name (exit $smi_rc, want $smi_code)"; cat "$tmp/smi_out" "$tmp/smi_err"
	fi
}

# Filters: UUIDs masked (they are per machine); one blank-line-separated
# block of plain `nvidia-smi` (0: GPU table, after the timestamp line).
SMI_MASK="sed -E 's/GPU-[0-9a-f-]{36}/GPU-XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX/; s/MIG-[0-9a-f-]{36}/MIG-XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX/'"
smi_block() { echo "awk 'NR == 1 { next } /^\$/ { b++; next } b == $1'"; }
SMI_HEADER="awk 'NR > 1 && NR <= 8'"

if [ ! -x "$SMI_SIM" ]; then
	bad "smi: SMI_SIM=$SMI_SIM is not executable (build it: make build/migsim)"
else

# --- seed 001: A100-SXM4-80GB, its GPU 7 is our GPU 0 (half-swapped IDs:
# its first 3g.40gb is GI 1 at 4:4) ------------------------------------------------
smi_machine --gpus "A100-SXM4-80GB:2" --swapped 0
smi_golden "seed 001: MIG off -> no MIG-enabled devices" 6 smi-no-mig.txt -- mig -lgi
smi_golden "seed 001: -mig 1 on an A100 is pending" 0 smi-seed001-pending.txt -- -i 0 -mig 1
smi_grep "pending enable shows Enabled*" 0 '^\| +\| +\| +Enabled\* \|$' --
"$SMI_SIM" reset -i 0 >/dev/null 2>&1 || bad "smi: migsim reset -i 0"
smi_golden "seed 001: -cgi 9" 0 smi-seed001-cgi.txt -- mig -i 0 -cgi 9
smi_golden "seed 001: -lgi" 0 smi-seed001-lgi.txt -- mig -i 0 -lgi
smi_golden "seed 001: -lgi, long option" 0 smi-seed001-lgi.txt -- mig --id=0 --list-gpu-instances
smi_golden "seed 001: -lcip of a 3g.40gb GI" 0 smi-seed001-lcip-3g.txt -- mig -i 0 -lcip
smi_golden "seed 001: -cci 0,1 -gi 1 (1c then 2c)" 0 smi-seed001-cci.txt -- mig -i 0 -cci 0,1 -gi 1
smi_golden "seed 001: -dgi of a GI with CIs is refused" 19 smi-seed001-dgi-busy.txt -- mig -i 0 -dgi
smi_golden "seed 001: -dci" 0 smi-seed001-dci.txt -- mig -i 0 -dci
smi_golden "seed 001: -dgi" 0 smi-seed001-dgi.txt -- mig -i 0 -dgi
smi_golden "seed 001: -cgi 5 -C" 0 smi-seed001-cgi-C.txt -- mig -i 0 -cgi 5 -C
smi_do mig -i 0 -dci -gi 2
smi_do mig -i 0 -cci 0,0 -gi 2
smi_golden "seed 001: -dci -ci 1 -gi 2" 0 smi-seed001-dci-one.txt -- mig -i 0 -dci -ci 1 -gi 2
smi_golden "seed 001: -lcip of a 4g.40gb GI with one 1c CI" 0 smi-seed001-lcip-4g.txt -- mig -i 0 -lcip
smi_grep "-dci of a missing CI" 6 '^No compute instances found: Not Found$' -- mig -dci -ci 5 -gi 2
smi_do mig -dci
smi_grep "-dci with no CI left" 6 '^No compute instances found: Not Found$' -- mig -dci
smi_do mig -dgi
smi_golden "-lgi with no GI" 6 smi-a30-lgi-empty.txt -- mig -lgi

# seed 001 §3.2/§3.3.3: identity IDs, -cgi 5,9 -C and -L.
smi_machine --gpus "A100-SXM4-80GB:2"
smi_mig_on 0
smi_mig_on 1
smi_golden "seed 001: -cgi 5,9 -C" 0 smi-seed001-cgi-59-C.txt -- mig -i 0 -cgi 5,9 -C
smi_do mig -i 1 -cgi 1g.10gb -C
smi_check "seed 001: -L" 0 smi-seed001-L.txt "$SMI_MASK" -- -L

# seed 001: -mig 1 / -mig 0 where the change is immediate (Hopper).
smi_machine --gpus "H100-SXM5-80GB"
smi_golden "seed 001: Enabled MIG Mode ... All done." 0 smi-seed001-enabled.txt -- -i 0 -mig 1
smi_golden "seed 001: Disabled MIG Mode ... All done." 0 smi-seed001-disabled.txt -- -i 0 -mig 0

# --- seed 000: A100 80GB PCIe x2, MIG on GPU 1 (half-swapped IDs) -----------------------
smi_machine --gpus "A100 80GB PCIe:2" --swapped 1
smi_do -i 1 -mig 1
smi_grep "seed 000: GPU 1 Enabled* until reset" 0 '^\|                                         \|                        \|             Enabled\* \|$' --
smi_grep "seed 000: GPU 0 stays Disabled" 0 '^\|                                         \|                        \|             Disabled \|$' --
"$SMI_SIM" reset -i 1 >/dev/null 2>&1 || bad "smi: migsim reset -i 1"
smi_check "seed 000: MIG on, no MIG devices yet" 0 smi-rtx-no-mig-devices.txt "$(smi_block 1)" --
smi_golden "seed 000: -lgip on GPU 1" 0 smi-seed000-lgip.txt -- mig -lgip
smi_golden "seed 000: -lgipp on GPU 1" 0 smi-seed000-lgipp.txt -- mig -lgipp
smi_golden "seed 000: -cgi 9" 0 smi-seed000-cgi.txt -- mig -cgi 9
smi_golden "seed 000: -lgi" 0 smi-seed000-lgi-1.txt -- mig -lgi
smi_golden "seed 000: -cgi 9 again" 0 smi-seed000-cgi-2.txt -- mig -cgi 9
smi_golden "seed 000: -lgi, two GIs" 0 smi-seed000-lgi-2.txt -- mig -lgi
smi_golden "seed 000: -cci -gi 1,2" 0 smi-seed000-cci.txt -- mig -cci -gi 1,2
smi_check "seed 000: MIG devices" 0 smi-seed000-mig-devices.txt "$(smi_block 1)" --
smi_check "seed 000: no processes" 0 smi-seed004-processes.txt "$(smi_block 2)" --

# seed 000 without --swapped: the A100 80GB PCIe's default mapping is the
# transcript's, so the same workflow gives the same IDs.
smi_machine --gpus "A100 80GB PCIe:2"
smi_mig_on 1
smi_do mig -i 1 -cgi 9
smi_do mig -i 1 -cgi 9
smi_golden "seed 000 default mapping: -lgi, two GIs" 0 smi-seed000-lgi-2.txt -- mig -lgi

# The transcripts' drivers (migsim init --driver): versions in the header as
# seed 000 (535.230.02, CUDA 12.2) and seed 001 (515.43.04, CUDA 11.7)
# show them, also through that branch's own library.
smi_machine --gpus "A100 80GB PCIe:2" --driver 535
smi_grep "seed 000 header: driver 535.230.02, CUDA 12.2" 0 '^\| NVIDIA-SMI 535\.230\.02 +Driver Version: 535\.230\.02 +CUDA Version: 12\.2 +\|$' --
smi_machine --gpus "A100-SXM4-80GB" --driver 515
MIGCTL_SIM_LIB=$(cd "$(dirname "$migctl")" && pwd)/sim-515/libnvidia-ml.so.1
export MIGCTL_SIM_LIB
smi_grep "seed 001 header: driver 515.43.04, CUDA 11.7 (branch 515 library)" 0 '^\| NVIDIA-SMI 515\.43\.04 +Driver Version: 515\.43\.04 +CUDA Version: 11\.7 +\|$' --
unset MIGCTL_SIM_LIB

# --- seed 004: A100-SXM4-40GB -------------------------------------------------------------
smi_machine --gpus "A100-SXM4-40GB"
smi_mig_on 0
smi_golden "seed 004: -cgi 9,14,19,19" 0 smi-seed004-cgi.txt -- mig -i 0 -cgi 9,14,19,19
smi_golden "seed 004: -cci" 0 smi-seed004-cci.txt -- mig -i 0 -cci
smi_check "seed 004: MIG devices" 0 smi-seed004-mig-devices.txt "$(smi_block 1)" --
smi_check "seed 004: processes" 0 smi-seed004-processes.txt "$(smi_block 2)" --
smi_check "580 table header" 0 smi-580-header.txt "$SMI_HEADER" --

# --- seed 003: H20, -cgi 19,1g.12gb,1 with GIs 11, 12 (1g, with CIs) and a
# 3g already there (half-swapped IDs): 13, 14, then profile 1 fails ------------------------
smi_machine --gpus H20 --swapped 0
smi_edit '.gpus[0].mig_current = true | .gpus[0].mig_pending = true | .gpus[0].gpu_instances = [
	{"id": 11, "profile_id": 19, "placement": {"start": 0, "size": 1},
	 "compute_instances": [{"id": 0, "profile_id": 0, "placement": {"start": 0, "size": 1}}]},
	{"id": 12, "profile_id": 19, "placement": {"start": 1, "size": 1},
	 "compute_instances": [{"id": 0, "profile_id": 0, "placement": {"start": 0, "size": 1}}]},
	{"id": 1, "profile_id": 9, "placement": {"start": 4, "size": 4}, "compute_instances": []}]'
smi_grep "seed 003: 1g.12gb has 2/7 free" 0 '^\|   0  MIG 1g\.12gb +19 +2/7 +11\.75 +No +8 +1 +0 +\|$' -- mig -lgip
smi_golden "seed 003: -cgi 19,1g.12gb,1" 2 smi-seed003-cgi.txt -- mig -i 0 -cgi 19,1g.12gb,1
smi_grep "seed 003: MIG device 0 is GI 11, 12032 MiB, 8 SMs" 0 '^\|  0   11   0   0  \| +12MiB / 12032MiB +\| 8 +0 \|  1 ' --
smi_grep "seed 003: MIG device 1 is GI 12" 0 '^\|  0   12   0   1  \| +12MiB / 12032MiB +\| 8 +0 \|  1 ' --

# --- NVIDIA MIG user guide: A100-SXM4-40GB ---------------------------------------------------
smi_machine --gpus "A100-SXM4-40GB"
smi_mig_on 0
smi_golden "MIG guide: -cgi 19,19,14,9 runs out of room" 23 smi-migguide-cgi-insufficient.txt -- mig -cgi 19,19,14,9
smi_do mig -dgi
smi_golden "-cgi by ID, name and 'MIG name', -C" 23 smi-migguide-cgi-C.txt -- mig -cgi "9,3g.20gb,MIG 3g.20gb" -C
smi_do mig -dci
smi_do mig -dgi
smi_do mig -cgi 9:0
smi_do mig -cci 0,0,0 -gi 1
smi_check "MIG guide: three CIs of one GI share its memory cell" 0 smi-migguide-mig-devices.txt "$(smi_block 1)" --

# --- public A30 transcript (driver 535) ------------------------------------------------------
smi_machine --gpus A30
smi_mig_on 0
smi_golden "A30: -lgip" 0 a30-lgip.txt -- mig -lgip
smi_golden "A30: -lgipp" 0 a30-lgipp.txt -- mig -lgipp
smi_golden "A30: -lgi with no GI" 6 smi-a30-lgi-empty.txt -- mig -lgi
smi_golden "A30: -cgi 14 -C" 0 smi-a30-cgi-1.txt -- mig -cgi 14 -C
smi_golden "A30: -lgi" 0 smi-a30-lgi-1.txt -- mig -lgi
smi_check "A30: -L" 0 smi-a30-L-1.txt "$SMI_MASK" -- -L
smi_golden "A30: -cgi 14 -C again" 0 smi-a30-cgi-2.txt -- mig -cgi 14 -C
smi_golden "A30: -cgi 5 -C" 0 smi-a30-cgi-3.txt -- mig -cgi 5 -C
smi_golden "A30: -lgi, three GIs" 0 smi-a30-lgi-3.txt -- mig -lgi
smi_check "A30: MIG devices" 0 smi-a30-mig-devices.txt "$(smi_block 1)" --
smi_golden "A30: -lcip -gi 2" 0 smi-a30-lcip-gi2.txt -- mig -lcip -gi 2
smi_golden "A30: -lcip -gi 3" 0 smi-a30-lcip-gi3.txt -- mig -lcip -gi 3
smi_check "A30: -L, three MIG devices" 0 smi-a30-L-3.txt "$SMI_MASK" -- -L
ln -s "$(cd "$(dirname "$migctl")" && pwd)/$(basename "$migctl")" "$tmp/nvidia-smi"
"$tmp/nvidia-smi" mig -lgi >"$tmp/smi_out" 2>"$tmp/smi_err"
smi_rc=$?
if [ "$smi_rc" -eq 0 ] && diff -u "$golden/smi-a30-lgi-3.txt" "$tmp/smi_out"; then ok; else bad "smi: through an nvidia-smi symlink (exit $smi_rc)"; cat "$tmp/smi_err"; fi

# --- public RTX PRO 6000 Blackwell transcript (driver 580) -----------------------------------
smi_machine --gpus 0x2BB5
smi_edit '.gpus[0].mig_current = true | .gpus[0].mig_pending = true'
smi_check "RTX: No MIG devices found" 0 smi-rtx-no-mig-devices.txt "$(smi_block 1)" --
smi_check "RTX: processes" 0 smi-seed004-processes.txt "$(smi_block 2)" --
gpu0=$("$SMI_SIM" show -o json | jq -r '.gpus[0].uuid')
"$SMI_SIM" exec -d "$gpu0" -- "$migctl" smi mig -cgi 14 -C >"$tmp/smi_out" 2>"$tmp/smi_err"
smi_rc=$?
if [ "$smi_rc" -eq 19 ] && diff -u "$golden/smi-rtx-cgi-busy.txt" "$tmp/smi_out"; then ok; else bad "smi: RTX: -cgi while a process runs (exit $smi_rc)"; cat "$tmp/smi_err"; fi
smi_golden "RTX: -cgi 14 -C" 0 smi-rtx-cgi.txt -- mig -cgi 14 -C
smi_golden "RTX: -lgi (wide table)" 0 smi-rtx-lgi.txt -- mig -lgi
smi_golden "RTX: -lci" 0 smi-rtx-lci.txt -- mig -lci
smi_check "RTX: MIG devices (BAR1 not compared)" 0 smi-rtx-mig-devices-nobar1.txt "$(smi_block 1) | grep -v '^|                  |  *[0-9]*MiB /'" --

# --- error paths --------------------------------------------------------------------------------
smi_machine --gpus "A100-SXM4-80GB"
smi_mig_on 0
smi_golden "unknown profile" 2 smi-unknown-profile.txt -- mig -cgi 7g.40gb -C
# The texts and codes below are NVIDIA's nvidia-smi's on the simulator
# (tests/cli/oracle_cases.sh runs them through both).
smi_grep "unknown GPU index" 6 '^No devices were found$' -- mig -i 9 -lgi
smi_grep "-i is not valid with -L" 2 "^ERROR: Option -i is not valid for this command\. Please run 'nvidia-smi -h' for help\.$" -- -i 9 -L
smi_grep "unknown GPU instance" 6 '^No GPU instances found: Not Found$' -- mig -dgi -gi 5
smi_grep "unknown option" 2 '^Option "-frobnicate" is not recognized\.$' -- mig -lgi -frobnicate
smi_grep "unknown top-level option" 255 "^ERROR: Option --frobnicate is not recognized\. Please run 'nvidia-smi -h'\.$" -- -i 0 --frobnicate
smi_grep "mig without an action shows mig -h" 0 '^    mig -- Multi Instance GPU management\.$' -- mig -i 0
smi_grep "-mig 2" 2 '^Invalid MIG Mode: 2$' -- -mig 2
smi_grep "--help documents exit codes" 0 '^Exit status' -- --help

# --- -r / --gpu-reset on the simulator (NVIDIA's binary cannot reset a
# simulated GPU, so these are not in the oracle suite; the texts are its
# own: "GPU %s was successfully reset.", the in-use message) --------------
smi_machine --gpus "A100-SXM4-80GB:2"
smi_do -i 0 -mig 1
smi_golden "-r -i 0 applies the pending MIG mode" 0 smi-reset-0.txt -- -r -i 0
if [ "$("$SMI_SIM" show -o json | jq -c '[.gpus[].mig_current]')" = '[true,false]' ]; then ok; else bad "smi: -r -i 0 left MIG mode pending"; fi
smi_do mig -cgi 19 -C
smi_golden "--gpu-reset resets every GPU" 0 smi-reset-all.txt -- --gpu-reset
if [ "$("$SMI_SIM" show -o json | jq '.gpus[0].gpu_instances | length')" = 0 ]; then ok; else bad "smi: --gpu-reset kept GPU instances"; fi
gpu0=$("$SMI_SIM" show -o json | jq -r '.gpus[0].uuid')
"$SMI_SIM" exec -d "$gpu0" -- "$migctl" smi -r -i 0 >"$tmp/smi_out" 2>"$tmp/smi_err"
smi_rc=$?
if [ "$smi_rc" -eq 19 ] && grep -q '^GPU 00000000:07:00.0 is currently in use by another process\.$' "$tmp/smi_out"; then ok; else bad "smi: -r of a busy GPU (exit $smi_rc)"; cat "$tmp/smi_out" "$tmp/smi_err"; fi
smi_grep "-r with -mig" 2 '^Invalid combination of input arguments\. Only one device modification may be done at a time\.$' -- -i 0 -r -mig 1

smi_machine --gpus "A100-SXM4-80GB" --non-root
smi_edit '.gpus[0].mig_current = true | .gpus[0].mig_pending = true'
smi_golden "no permission" 4 smi-no-permission.txt -- mig -cgi 9
MIGCTL_SIM='' MIGCTL_NVML_LIB=$tmp/no-such-libnvidia-ml.so.1 "$migctl" smi -L >"$tmp/smi_out" 2>"$tmp/smi_err"
smi_rc=$?
if [ "$smi_rc" -eq 9 ] && grep -q "^NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver" "$tmp/smi_out" &&
	grep -q -- "--sim" "$tmp/smi_err"; then ok; else bad "smi: no driver (exit $smi_rc)"; cat "$tmp/smi_out" "$tmp/smi_err"; fi

fi
unset MIGCTL_SIM MIGSIM_STATE
