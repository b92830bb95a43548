# Node commands (list, status, mode, profiles, create, destroy) on the
# simulator, sourced by tests/cli/cases.sh (ok, bad, expect_*, $tmp, $migctl
# come from tests/cli/run.sh; MIGSIM_BIN from tests/run-tests.sh or
# migsim_cases.sh). Every scenario starts on a fresh machine.
# shellcheck shell=sh disable=SC2154

MIGSIM_BIN=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}

# nd_new MIGSIM-INIT-ARGS...: a fresh simulated machine for the next cases.
nd_new() {
	MIGSIM_STATE=$(mktemp -d "$tmp/node.XXXXXX")
	export MIGCTL_SIM=1 MIGSIM_STATE
	"$MIGSIM_BIN" init "$@" >/dev/null 2>"$tmp/nd_err" || { bad "migsim init $*"; cat "$tmp/nd_err"; }
}

# nd_expect NAME CODE STDOUT-PATTERN STDERR-PATTERN -- ARGS...: exit CODE,
# stdout and stderr each match their extended regex ('' matches anything).
nd_expect() {
	nd_name=$1 nd_code=$2 nd_out=$3 nd_errp=$4
	shift 5
	"$migctl" "$@" >"$tmp/out" 2>"$tmp/err"
	nd_rc=$?
	if [ "$nd_rc" -eq "$nd_code" ] &&
		{ [ -z "$nd_out" ] || grep -Eq -- "$nd_out" "$tmp/out"; } &&
		{ [ -z "$nd_errp" ] || grep -Eq -- "$nd_errp" "$tmp/err"; }; then
		ok
	else
		bad "$nd_name (exit $nd_rc, want $nd_code)"; cat "$tmp/err"; head -30 "$tmp/out"
	fi
}

# nd_wait_procs N: wait (up to 5 s) until N processes are registered.
nd_wait_procs() {
	nd_i=0
	while [ "$("$MIGSIM_BIN" show -o json 2>/dev/null | jq '.processes | length')" != "$1" ] &&
		[ "$nd_i" -lt 100 ]; do
		sleep 0.05
		nd_i=$((nd_i + 1))
	done
}

if [ ! -x "$MIGSIM_BIN" ]; then
	bad "node: MIGSIM_BIN=$MIGSIM_BIN is not executable"
else

# --- help -----------------------------------------------------------------
expect_stdout "list --help" '^Usage: migctl list \[-i GPUS\]' -- list --help
expect_stdout "status --help" '^Usage: migctl status \[-i GPUS\]' -- status --help
expect_stdout "mode --help documents --reset" '^  --reset ' -- mode --help
expect_stdout "profiles --help documents --gi" '^  --gi ID ' -- profiles --help
expect_stdout "create --help documents --placement" '^  --placement START ' -- create --help
expect_stdout "create --help documents --no-ci" '^  --no-ci ' -- create --help
expect_stdout "destroy --help documents --all" '^  --all ' -- destroy --help
expect_exit "mode without enable/disable" 2 "missing 'enable' or 'disable'" -- mode
expect_exit "mode: bad mode" 2 "unknown mode 'on'" -- mode on
expect_exit "destroy: nothing named" 2 'give --gi IDS, --ci IDS or --all' -- destroy
expect_exit "destroy: bad ID list" 2 'gi: bad ID list "1,x"' -- destroy --gi 1,x
expect_exit "destroy: --all with --ci" 2 'exclude each other' -- destroy --all --ci 0
expect_exit "create: no profile" 2 'missing PROFILE' -- create
expect_exit "create: --placement with two profiles" 2 'placement needs exactly one PROFILE' -- create 9,9 --placement 0 -i 0
expect_exit "create: --no-ci with --ci" 2 'exclude each other' -- create 9 --no-ci --ci 0
expect_exit "create: PROFILE with --gi" 2 'not both' -- create 9 --gi 1
expect_exit "list: stray argument" 2 "unexpected argument 'x'" -- list x

# --- seed 000 on an A100 80GB PCIe: 2 GPUs, GPU 1 with the half-swapped
# GI-ID mapping of the transcript -----------------------------------------
nd_new --gpus "A100 80GB PCIe:2" --swapped 1
expect_stdout "list: GPU line" '^GPU 1: NVIDIA A100 80GB PCIe \(UUID: GPU-[0-9a-f-]{36}\)$' -- list
expect_json "list -o json: 2 GPUs, no MIG devices" '[(.gpus | length), ([.gpus[].mig_devices[]] | length)]' '[2,0]' -- list -o json
expect_json "list -i by UUID" '.gpus[0].index' 1 -- list -o json -i "$("$migctl" list -o json | jq -r '.gpus[1].uuid')"
expect_json "list -i by bus ID" '[.gpus[].index]' '[1]' -- list -o json -i "$("$migctl" status -o json | jq -r '.gpus[1].bus_id')"
expect_json "list -i keeps the order given, once" '[.gpus[].index]' '[1,0]' -- list -o json -i 1,0,1
expect_stdout "status: MIG disabled" '^  MIG mode:  Disabled$' -- status
expect_stdout "status: how to enable" "MIG devices: none \(MIG mode is disabled; enable it with 'migctl mode enable -i 0'\)" -- status -i 0
expect_stdout "status: bus ID" '^  Bus ID:    00000000:[0-9A-F]{2}:00\.0$' -- status
expect_json "status -o json: memory and mode" '.gpus[0] | [.memory_total_mib, .mig.capable, .mig.current, .mig.change_pending]' '[81920,true,false,false]' -- status -o json
expect_exit "unknown GPU index" 13 'no GPU "5"' -- status -i 5
expect_exit "unknown GPU UUID" 13 'GPU-nope' -- list -i GPU-nope
expect_exit "-i: empty item" 2 'empty item' -- status -i 0,,1
nd_expect "profiles: MIG disabled" 17 '^ +9  MIG 3g\.40gb +2/2 ' "GPU 0 .*MIG mode is disabled.*'migctl mode enable -i 0'" -- profiles -i 0
nd_expect "profiles -o json: MIG disabled has the catalog hint" 17 '"catalog_model": "NVIDIA A100 80GB PCIe"' 'MIG mode is disabled' -- profiles -i 0 -o json
expect_exit "create without -i: no GPU has MIG enabled" 17 "GPU 0 .*MIG mode is disabled; enable it with 'migctl mode enable -i 0'" -- create 9
expect_exit "create: MIG disabled" 17 "GPU 1 .*MIG mode is disabled; enable it with 'migctl mode enable -i 1'" -- create -i 1 9

# enable: pending until a reset (Ampere)
nd_expect "mode enable: pending" 18 "^GPU 1: MIG mode enable is pending: GPU requires reset; run 'migctl mode enable -i 1 --reset' or reset/reboot$" '' -- mode enable -i 1
expect_stdout "status: pending" "^  MIG mode:  Disabled \(pending Enabled: reset the GPU with 'migctl mode enable -i 1 --reset' / reboot\)$" -- status -i 1
expect_json "status -o json: pending" '.gpus[0].mig | [.current, .pending, .change_pending]' '[false,true,true]' -- status -i 1 -o json
expect_exit "create: pending" 17 "pending a reset; run 'migctl mode enable -i 1 --reset'" -- create -i 1 9
nd_expect "mode enable --reset" 0 '^GPU 1: MIG mode enabled$' '' -- mode enable -i 1 --reset
expect_stdout "mode enable again" '^GPU 1: MIG mode already enabled$' -- mode enable -i 1
expect_json "status: enabled" '.gpus[0].mig | [.current, .change_pending]' '[true,false]' -- status -i 1 -o json

# profiles and placements (seed 000: -lgip / -lgipp)
expect_stdout "profiles: 3g.40gb 2/2 at {0,4}:4" '^ +9  MIG 3g\.40gb +2/2 +39\.25GiB +42 +3 +2 +0 +0 +0  \{0,4\}:4 +0,4$' -- profiles -i 1
expect_json "profiles -o json: Free/Total and placements" '[.gpus[0].gpu_instance_profiles[] | "\(.id):\(.free)/\(.total)"] | join(" ")' "19:7/7 20:1/1 15:4/4 14:3/3 9:2/2 5:1/1 0:1/1" -- profiles -i 1 -o json
expect_json "profiles without -i: only a note for GPU 0" '[.gpus[] | [.index, .mig_enabled, (.gpu_instance_profiles | length)]]' '[[0,false,0],[1,true,7]]' -- profiles -o json
expect_stdout "profiles without -i: the note" "^  MIG mode is disabled; 'migctl profiles -i 0' shows its profiles$" -- profiles
expect_exit "profiles: unknown GPU" 13 'no GPU "2"' -- profiles -i 2

# create two 3g.40gb GIs with their CIs (seed 000: GI 1 at 4:4, GI 2 at 0:4)
expect_json "create 3g.40gb: GI 1 at 4:4 with CI 0" '.created[0] | [.gpu, .gi, .profile_id, .placement.start, .placement.size, .compute_instances[0].id, .compute_instances[0].profile_id, (.compute_instances[0].uuid | test("^MIG-"))]' '[1,1,9,4,4,0,2,true]' -- create -i 1 3g.40gb -o json
nd_expect "create \"MIG 3g.40gb\": prints the MIG device" 0 '^GPU 1: created compute instance 0 in GPU instance 2 \(MIG 3g\.40gb, profile 2\): MIG device 1, UUID MIG-[0-9a-f-]{36}$' '' -- create "MIG 3g.40gb"
expect_stdout "second GI: GI 2 at 0:4" '^     2   0    1  3g\.40gb  0:4 ' -- status -i 1
expect_stdout "list: MIG devices" '^  MIG 3g\.40gb     Device  1: \(UUID: MIG-[0-9a-f-]{36}\)$' -- list -i 1
expect_json "list -o json: MIG devices by index" '[.gpus[0].mig_devices[] | [.index, .gi, .ci]]' '[[0,1,0],[1,2,0]]' -- list -i 1 -o json
expect_stdout "status: MIG devices table" '^     1   0    0  3g\.40gb  4:4        37MiB / 40192MiB +42   3    0    2    0    0$' -- status -i 1
expect_json "profiles: 3g.40gb 0/2 now" '.gpus[0].gpu_instance_profiles[] | select(.id == 9) | [.free, .free_starts]' '[0,[]]' -- profiles -i 1 -o json
expect_json "profiles --gi: default CI taken" '[.gpus[0].gpu_instance.compute_instance_profiles[] | "\(.name):\(.free)/\(.total):\(.default)"] | join(" ")' "1c.3g.40gb:0/3:false 2c.3g.40gb:0/1:false 3g.40gb:0/1:true" -- profiles -i 1 --gi 1 -o json
expect_exit "profiles --gi: no such GI" 13 'GPU 1 has no GPU instance 3; its GPU instances: 1, 2' -- profiles -i 1 --gi 3
expect_exit "insufficient resources" 10 'Insufficient Resources' -- create -i 1 1g.10gb
expect_exit "unknown profile" 8 'GPU 1: unknown GPU-instance profile "3g.20gb" for NVIDIA A100 80GB PCIe; valid profiles: ' -- create -i 1 3g.20gb
expect_exit "invalid placement" 9 'placement 2:4 is not one of MIG 3g\.40gb.s placements \{0,4\}:4' -- create -i 1 9 --placement 2
expect_exit "create CI: no room in the GI" 10 'Insufficient Resources' -- create -i 1 --gi 1
expect_exit "create CI: no such GI" 13 'GPU 1 has no GPU instance 7' -- create -i 1 --gi 7
expect_exit "create CI: unknown CI profile" 8 'unknown compute-instance profile "4c.3g.40gb"' -- create -i 1 --gi 1 --ci 4c.3g.40gb

# a process on MIG device 0 (GI 1): destroying it and changing the mode are refused
mig0=$("$migctl" list -i 1 -o json | jq -r '.gpus[0].mig_devices[0].uuid')
"$MIGSIM_BIN" exec -d "$mig0" -- sleep 30 &
nd_job=$!
nd_wait_procs 1
expect_stdout "status: process on MIG device 0" '^     1   0    0  +[0-9]+  sleep  0MiB$' -- status -i 1
expect_json "status -o json: process on the CI" '.gpus[0].gpu_instances[0].compute_instances[0].processes[0] | [.name, .gi, .ci]' '["sleep",1,0]' -- status -i 1 -o json
expect_exit "busy GI" 14 'GPU 1: GPU instance 1 is in use by processes [0-9]+ \(sleep\); stop them first' -- destroy -i 1 --gi 1 --all
expect_exit "busy CI" 14 'compute instance 0 of GPU instance 1 is in use by processes [0-9]+ \(sleep\)' -- destroy -i 1 --gi 1 --ci 0
expect_exit "busy GPU: mode disable" 14 'GPU 1 is in use by processes [0-9]+ \(sleep\)' -- mode disable -i 1
nd_expect "--all keeps the busy GI, destroys the rest" 14 '^GPU 1: destroyed GPU instance 2 \(MIG 3g\.40gb, placement 0:4\)$' 'GPU instance 1 is in use' -- destroy -i 1 --all
expect_json "busy GI is intact" '[.gpus[0].mig_devices[] | [.gi, .ci]]' '[[1,0]]' -- list -i 1 -o json
kill "$nd_job" 2>/dev/null
wait "$nd_job" 2>/dev/null
nd_wait_procs 0

# destroy: the driver's rules
expect_exit "destroy GI with CIs" 14 "GPU instance 1 still has compute instances 0; .*--gi 1 --all" -- destroy -i 1 --gi 1
expect_exit "destroy: no such GI" 13 'GPU 1 has no GPU instance 9; its GPU instances: 1' -- destroy -i 1 --gi 9
expect_exit "destroy: no such CI" 13 'no GPU instance has a compute instance 5' -- destroy -i 1 --ci 5
expect_exit "destroy: MIG disabled GPU" 17 'GPU 0 .*MIG mode is disabled' -- destroy -i 0 --gi 1
nd_expect "destroy --ci" 0 '^GPU 1: destroyed compute instance 0 of GPU instance 1$' '' -- destroy -i 1 --ci 0
expect_exit "create CI: 3g after 1c does not fit, all or nothing" 10 '\(0 GPU and 1 compute instances\) was destroyed again' -- create -i 1 --gi 1 --ci 1c.3g.40gb,3g.40gb
expect_json "create CI: nothing left behind" '.gpus[0].gpu_instances[0].compute_instances | length' 0 -- status -i 1 -o json
expect_json "create --gi: CIs in an existing GI" '[.created[0] | .created, .gi, [.compute_instances[] | .profile]]' '[false,1,["2c.3g.40gb","1c.3g.40gb"]]' -- create -i 1 --gi 1 --ci 2c.3g.40gb,1c.3g.40gb -o json
expect_json "destroy --all: GPUs with MIG enabled" '[.destroyed[] | [.gpu, .gi, .ci]]' '[[1,1,0],[1,1,1],[1,1,null]]' -- destroy --all -o json
expect_stdout "status: no MIG devices" "MIG devices: none \(create some with 'migctl create -i 1 PROFILE'" -- status -i 1
expect_stdout "destroy --all on an empty GPU" '^GPU 1: nothing to destroy \(no GPU instances\)$' -- destroy -i 1 --all
expect_json "--no-ci" '[.created[0].gi, (.created[0].compute_instances | length)]' '[0,0]' -- create -i 1 7g.80gb --no-ci -o json
expect_json "create --gi: the default CI" '.created[0].compute_instances[0].profile' '7g.80gb' -- create -i 1 --gi 0 -o json
expect_json "destroy --gi 0 --all" '.destroyed | length' 2 -- destroy -i 1 --gi 0 --all -o json

# disable: pending too
nd_expect "mode disable: pending" 18 "^GPU 1: MIG mode disable is pending: GPU requires reset; run 'migctl mode disable -i 1 --reset'" '' -- mode disable -i 1
nd_expect "mode disable --reset" 0 '^GPU 1: MIG mode disabled$' '' -- mode disable -i 1 --reset
expect_json "mode -o json" '.gpus[0] | [.index, .changed, .current, .pending]' '[1,false,false,false]' -- mode disable -i 1 -o json

# --- H100: immediate mode changes, CI profiles, all-or-nothing create -------
nd_new --gpus H100-SXM5-94GB:1  # the 94GB board (3g.47gb); plain "H100" is the 80GB HBM3
nd_expect "H100: mode enable is immediate" 0 '^GPU 0: MIG mode enabled$' '' -- mode enable
expect_json "H100: create with --ci" '[.created[0].compute_instances[] | [.id, .profile]]' '[[0,"1c.3g.47gb"],[1,"1c.3g.47gb"]]' -- create 3g.47gb --ci 1c.3g.47gb,1c.3g.47gb -o json
expect_exit "all or nothing" 10 'was destroyed again' -- create 1g.12gb,1g.12gb,1g.12gb,1g.12gb,1g.12gb
expect_json "all or nothing: nothing left behind" '[.gpus[0].gpu_instances[] | .id]' '[2]' -- status -o json
nd_expect "create: text" 0 '^GPU 0: created GPU instance 1 \(MIG 4g\.47gb, profile 5, placement 0:4\)$' '' -- create 4g.47gb --placement 0 --no-ci
nd_expect "destroy --gi: a GI without CIs" 0 '^GPU 0: destroyed GPU instance 1 \(MIG 4g\.47gb, placement 0:4\)$' '' -- destroy --gi 1
expect_json "--placement START:SIZE" '[.created[0].placement.start, .created[0].placement.size]' '[0,4]' -- create 4g.47gb --placement 0:4 -o json
expect_json "destroy --all: CIs then GIs" '.destroyed | length' 5 -- destroy --all -o json

# --- permissions ------------------------------------------------------------
nd_new --gpus A30 --non-root
expect_exit "no permission" 16 'Insufficient Permissions' -- mode enable -i 0
expect_stdout "read-only commands work without root" '^GPU 0: NVIDIA A30 ' -- list

# --- --sim=DIR instead of MIGCTL_SIM=1 --------------------------------------
nd_dir=$MIGSIM_STATE
unset MIGCTL_SIM MIGSIM_STATE
expect_stdout "--sim=DIR" '^GPU 0: NVIDIA A30 ' -- --sim="$nd_dir" list
nd_expect "--sim=DIR is repeated in hints" 17 '' "'migctl --sim=$nd_dir mode enable -i 0'" -- --sim="$nd_dir" profiles

# --- create --pick-gpu: migctl's online policy chooses the GPU --------------------
nd_new --gpus H100-SXM5-80GB:2
"$migctl" mode enable >/dev/null 2>&1
"$migctl" create -i 1 1g.10gb >/dev/null 2>&1
expect_json "--pick-gpu prefers the GPU already in use" '[.created[0].gpu, .created[0].placement.start]' '[1,4]' -- create 2g.20gb --pick-gpu -o json
expect_json "--pick-gpu keeps the empty GPU for a 7g" '[.created[0].gpu, .created[0].profile]' '[0,"7g.80gb"]' -- create 7g.80gb --pick-gpu -o json
expect_exit "--pick-gpu: no room anywhere" 10 'no selected GPU has room for a 7g.80gb GPU instance' -- create 7g.80gb --pick-gpu
expect_exit "--pick-gpu: one profile only" 2 'pick-gpu takes one PROFILE' -- create 1g.10gb,1g.10gb --pick-gpu
expect_exit "--pick-gpu: unknown profile" 8 'no selected GPU has a GPU-instance profile "9g.90gb"' -- create 9g.90gb --pick-gpu
unset MIGCTL_SIM MIGSIM_STATE

# --- no driver ----------------------------------------------------------------
MIGCTL_NVML_LIB=/nonexistent/libnvidia-ml.so.1
export MIGCTL_NVML_LIB
expect_exit "no driver" 15 'no NVIDIA driver.*--sim' -- list
expect_exit "no driver: status" 15 'no NVIDIA driver.*--sim' -- status
unset MIGCTL_NVML_LIB

fi
unset MIGCTL_SIM MIGSIM_STATE
