# migsim CLI cases, sourced by tests/cli/cases.sh (ok, bad, $tmp, $here,
# $migctl come from tests/cli/run.sh). The simulator's control tool is
# $MIGSIM_BIN (tests/run-tests.sh exports it; default: next to migctl).
# Every machine lives in its own state directory under $tmp.
# shellcheck shell=sh disable=SC2016,SC2154

MIGSIM_BIN=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}
ms_cat=$here/catalogs

# ms_new: a fresh, empty state directory for the next cases.
ms_new() {
	ms_state=$(mktemp -d "$tmp/migsim.XXXXXX")
}

migsim_run() {
	MIGSIM_STATE=$ms_state "$MIGSIM_BIN" "$@"
}

# ms_ok NAME -- ARGS...: exit 0
ms_ok() {
	ms_name=$1
	shift 2
	if migsim_run "$@" >"$tmp/ms_out" 2>"$tmp/ms_err"; then
		ok
	else
		bad "migsim: $ms_name (exit $?)"; cat "$tmp/ms_err"
	fi
}

# ms_exit NAME CODE PATTERN -- ARGS...: exit CODE, stderr matches the
# extended regex PATTERN, stdout empty
ms_exit() {
	ms_name=$1 ms_code=$2 ms_pat=$3
	shift 4
	migsim_run "$@" >"$tmp/ms_out" 2>"$tmp/ms_err"
	ms_rc=$?
	if [ "$ms_rc" -eq "$ms_code" ] && grep -Eq -- "$ms_pat" "$tmp/ms_err" && [ ! -s "$tmp/ms_out" ]; then
		ok
	else
		bad "migsim: $ms_name (exit $ms_rc, want $ms_code)"; cat "$tmp/ms_err" "$tmp/ms_out"
	fi
}

# ms_stdout NAME PATTERN -- ARGS...: exit 0, stdout matches PATTERN
ms_stdout() {
	ms_name=$1 ms_pat=$2
	shift 3
	if migsim_run "$@" >"$tmp/ms_out" 2>"$tmp/ms_err" && grep -Eq -- "$ms_pat" "$tmp/ms_out"; then
		ok
	else
		bad "migsim: $ms_name"; cat "$tmp/ms_err"; head -40 "$tmp/ms_out"
	fi
}

# ms_json NAME FILTER EXPECTED: the jq FILTER on `migsim show -o json`
# prints EXPECTED (compact, raw)
ms_json() {
	ms_name=$1 ms_expr=$2 ms_want=$3
	ms_got=
	if migsim_run show -o json >"$tmp/ms_out" 2>"$tmp/ms_err" &&
		ms_got=$(jq -c -r "$ms_expr" "$tmp/ms_out") &&
		[ "$ms_got" = "$ms_want" ]; then
		ok
	else
		bad "migsim: $ms_name (got '$ms_got', want '$ms_want')"; cat "$tmp/ms_err"
	fi
}

# ms_check NAME COMMAND...: the shell command succeeds
ms_check() {
	ms_name=$1
	shift
	if "$@"; then ok; else bad "migsim: $ms_name"; fi
}

# ms_edit JQ-FILTER: rewrite the stored machine (to set up what only the
# NVML library could do: MIG instances, a pending mode).
ms_edit() {
	jq "$1" "$ms_state/machine.json" >"$ms_state/machine.json.edit" &&
		mv "$ms_state/machine.json.edit" "$ms_state/machine.json"
}

if [ ! -x "$MIGSIM_BIN" ]; then
	bad "migsim: MIGSIM_BIN=$MIGSIM_BIN is not executable (build it: make build/migsim)"
else

# --- init and show --------------------------------------------------------
ms_new
ms_json "show on a missing machine creates the default" '[.gpus[].model]' '["NVIDIA A100-SXM4-80GB","NVIDIA A100-SXM4-80GB"]'
ms_new
ms_stdout "default init: summary line" '^migsim: new machine in .*: 2 x NVIDIA A100-SXM4-80GB$' -- init
ms_json "default init: 2 x A100-SXM4-80GB, MIG off, nothing on them" \
	'[(.gpus | length), (.gpus | map(.model) | unique), (.gpus | map(.mig_current, .mig_pending, .half_swapped) | unique), (.gpus | map(.gpu_instances | length) | add), (.processes | length), (.faults | length), .non_root]' \
	'[2,["NVIDIA A100-SXM4-80GB"],[false],0,0,0,false]'
ms_json "GPU UUIDs are distinct" '[.gpus[].uuid] | (unique | length == 2) and all(test("^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"))' true
ms_stdout "show text: GPU line" '^GPU 1: NVIDIA A100-SXM4-80GB$' -- show
ms_stdout "show text: MIG mode" '^  MIG: +Disabled$' -- show
ms_stdout "show text: bus ID" '^  Bus ID: +00000000:[0-9A-F]{2}:00\.0' -- show

h100=$("$migctl" catalog show H100 -o json | jq -r .name)
a30=$("$migctl" catalog show A30 -o json | jq -r .name)
ms_ok "init H100:2,A30 --swapped 1" -- init --gpus H100:2,A30 --swapped 1
ms_json "init H100:2,A30: models and swapped GPU" '[.gpus[] | [.model, .half_swapped]]' \
	"[[\"$h100\",false],[\"$h100\",true],[\"$a30\",false]]"
ms_stdout "show text: half-swapped mapping" '^  GI IDs: +half-swapped' -- show
ms_exit "unknown model names it" 7 'migsim: error: unknown GPU model "A200"' -- init --gpus A30,A200:2
ms_json "a failed init keeps the machine" '.gpus | length' 3
ms_exit "--gpus: empty item" 2 "Run 'migsim init --help'" -- init --gpus A100,,A30
ms_exit "--gpus: zero count" 2 'bad count "0"' -- init --gpus A100:0
ms_exit "--gpus: count not a number" 2 'bad count "x"' -- init --gpus A30:x
ms_exit "--gpus: missing model" 2 'missing model' -- init --gpus :2
ms_exit "--gpus: more than 32 GPUs" 2 'more than 32 GPUs' -- init --gpus A30:20,A30:13
ms_exit "--swapped beyond the GPUs" 2 'no GPU 2; the machine has 2 GPUs' -- init --swapped 2
ms_exit "--swapped: bad index" 2 "bad GPU index \"x\"" -- init --swapped 0,x
ms_exit "init: stray argument" 2 "unexpected argument 'A30'" -- init A30
ms_ok "init --non-root" -- init --gpus A30 --non-root
ms_json "--non-root is stored" '[.non_root, (.gpus | length)]' '[true,1]'

# GI-ID mapping per model: seed 000's A100 80GB PCIe is half-swapped
# (reference mig-profiles.md §3) unless --swapped says otherwise.
ms_ok "init A100 80GB PCIe + A100-SXM4-80GB" -- init --gpus "A100 80GB PCIe:2,A100-SXM4-80GB"
ms_json "A100 80GB PCIe boards default to half-swapped" '[.gpus[].half_swapped]' '[true,true,false]'
ms_stdout "init names the default half-swapped GPUs" '; half-swapped GI IDs on GPU 0,1$' -- init --gpus "A100 80GB PCIe:2,A100-SXM4-80GB"
ms_ok "--swapped 1 is the whole set" -- init --gpus "A100 80GB PCIe:2" --swapped 1
ms_json "--swapped 1: GPU 0 identity" '[.gpus[].half_swapped]' '[false,true]'
ms_ok "--swapped none" -- init --gpus "A100 80GB PCIe" --swapped none
ms_json "--swapped none: identity" '[.gpus[].half_swapped]' '[false]'

# --driver: the versions NVML reports, and models too new for the driver.
ms_new
ms_stdout "--driver 515: summary names the versions" '; driver 515\.43\.04 \(NVML 11\.515\.43\.04, CUDA 11\.7\)$' -- init --gpus A100-SXM4-40GB --driver 515
ms_json "--driver 515 is stored" '.driver' '515.43.04'
ms_stdout "--driver 515 names its branch's library" '^migsim: its entry points are those of /.*/sim-515/libnvidia-ml\.so\.1$' -- init --gpus A100-SXM4-40GB --driver 515
ms_stdout "show: driver line" '^Driver:  515\.43\.04, NVML 11\.515\.43\.04, CUDA 11\.7$' -- show
ms_ok "--driver with a release" -- init --gpus A100-SXM4-40GB --driver 535.247.01
ms_stdout "show: a release keeps its number" '^Driver:  535\.247\.01, NVML 12\.535\.247\.01, CUDA 12\.2$' -- show
ms_ok "--driver 450 with A100s" -- init --gpus A100-SXM4-40GB,A100-SXM4-80GB --driver 450
ms_stdout "--driver 450: first MIG driver" '^Driver:  450\.80\.02, NVML 11\.450\.80\.02, CUDA 11\.0$' -- show
ms_exit "--driver 450 refuses A30 (460.73.01)" 2 'NVIDIA A30 needs driver 460\.73\.01 or later' -- init --gpus A100-SXM4-40GB,A30 --driver 450
ms_exit "--driver 450 refuses H100 (its architecture's first: 525.85.12)" 2 'needs driver 525\.85\.12 or later' -- init --gpus H100 --driver 450
ms_exit "--driver 515 refuses H20" 2 'needs driver 535\.161\.07 or later' -- init --gpus H20 --driver 515
ms_exit "--driver: unknown branch" 2 'not a driver the simulator models; give a branch \(450, 515, 535, 580\)' -- init --driver 470
ms_exit "--driver: not a version" 2 'not a driver the simulator models' -- init --driver 535.x
ms_json "a refused --driver keeps the machine" '.driver' '450.80.02'
ms_new
ms_ok "default driver" -- init --gpus A30
ms_json "default driver: 580" '.driver' '580.95.05'

# --reset-keeps-mig: per GPU, Hopper's MIG mode across a reset.
ms_new
ms_ok "init --reset-keeps-mig 1" -- init --gpus H100-SXM5-80GB:2 --reset-keeps-mig 1
ms_json "--reset-keeps-mig is stored per GPU" '[.gpus[].mig_survives_reset]' '[false,true]'
ms_stdout "show: reset keeps MIG mode" '^  Reset:   keeps MIG mode$' -- show
ms_exit "--reset-keeps-mig beyond the GPUs" 2 '--reset-keeps-mig: no GPU 2; the machine has 2 GPUs' -- init --gpus H100-SXM5-80GB:2 --reset-keeps-mig 2
ms_exit "--reset-keeps-mig: bad index" 2 'reset-keeps-mig: bad GPU index "y"' -- init --reset-keeps-mig y
ms_stdout "set --reset-keeps-mig on" '^GPU 0: MIG mode kept across a reset$' -- set -i 0 --reset-keeps-mig on
ms_stdout "set --reset-keeps-mig off" '^GPU 1: MIG mode lost' -- set -i 1 --reset-keeps-mig off
ms_json "set changes only the setting" '[.gpus[].mig_survives_reset]' '[true,false]'
ms_exit "set: bad value" 2 'write on or off' -- set -i 0 --reset-keeps-mig yes
ms_exit "set: nothing to set" 2 'nothing to set' -- set -i 0
ms_exit "set: unknown GPU" 13 'no GPU 7' -- set -i 7 --reset-keeps-mig on

# --catalog: stored as an absolute path and loaded again by later commands.
(cd "$here" && MIGSIM_STATE=$ms_state "$MIGSIM_BIN" init --gpus example-gpu:2 --catalog catalogs/extra-model.yaml >/dev/null 2>"$tmp/ms_err")
ms_check "init --catalog with a relative path" [ $? -eq 0 ]
ms_json "--catalog: model and absolute catalog path" '[.catalog_file, .gpus[0].model]' "[\"$ms_cat/extra-model.yaml\",\"Example GPU\"]"
ms_stdout "--catalog: show text names the file" "^Catalog: built-in \\+ $ms_cat/extra-model.yaml\$" -- show
ms_exit "--catalog: missing file" 4 'nope.yaml' -- init --catalog "$ms_cat/nope.yaml"

# --state overrides $MIGSIM_STATE.
ms_other=$(mktemp -d "$tmp/migsim.XXXXXX")
ms_ok "--state DIR" -- --state "$ms_other" init --gpus A30:3
ms_check "--state wrote to DIR only" [ "$(jq '.gpus | length' "$ms_other/machine.json")" = 3 ]
ms_json "--state left \$MIGSIM_STATE alone" '.gpus[0].model' "Example GPU"

# --- reset and reboot -------------------------------------------------------
ms_new
ms_ok "init for reset" -- init
ms_exit "reset: bad index" 13 'no GPU 9; this machine has 2 GPUs' -- reset -i 9
ms_exit "reset: unknown UUID" 13 "no GPU with UUID \"GPU-nope\"; run 'migsim show'" -- reset -i GPU-nope
ms_exit "reset without -i" 2 "Run 'migsim reset --help'" -- reset
ms_edit '.gpus[0].mig_pending = true'
ms_stdout "show text: pending MIG mode" '^  MIG: +Disabled \(pending: Enabled' -- show
ms_stdout "reset applies the pending A100 mode" '^GPU 0 reset; MIG Enabled$' -- reset -i 0
ms_json "after reset: MIG enabled on GPU 0 only" '[.gpus[] | [.mig_current, .mig_pending]]' '[[true,true],[false,false]]'
gpu1=$(migsim_run show -o json | jq -r '.gpus[1].uuid')
ms_ok "reset by UUID" -- reset -i "$gpu1"
# A MIG device on GPU 0: a 1g.10gb GI (GI 7 at 0:1) with one CI.
ms_edit '.gpus[0].gpu_instances = [{"id": 7, "profile_id": 19, "placement": {"start": 0, "size": 1},
	"compute_instances": [{"id": 0, "profile_id": 0, "placement": {"start": 0, "size": 1}}]}]'
ms_stdout "show text: GI line" '^    GI 7 +1g\.10gb +\(profile 19\) +placement 0:1$' -- show
ms_stdout "show text: CI line with MIG UUID" '^      CI 0 +1g\.10gb +\(profile 0\) +placement 0:1 +MIG-[0-9a-f-]{36}$' -- show
mig=$(migsim_run show | sed -n 's/^      CI 0 .* \(MIG-[0-9a-f-]*\)$/\1/p')
ms_stdout "reboot" '^rebooted: 2 GPUs reset, 0 registered processes dropped$' -- reboot
ms_json "reboot: instances gone, A100 keeps MIG mode" '[.gpus[0].gpu_instances, .gpus[0].mig_current]' '[[],true]'

# --- exec -----------------------------------------------------------------------
ms_new
ms_ok "init for exec" -- init
gpu0=$(migsim_run show -o json | jq -r '.gpus[0].uuid')
ms_ok "exec registers the process before CMD starts" -- exec -d "$gpu0" --memory 123 -- \
	sh -c 'echo $$ >"$1/pid"; "$2" show -o json >"$1/during.json"' sh "$tmp" "$MIGSIM_BIN"
ms_check "exec: the process is visible while it runs" \
	[ "$(jq -c '.processes' "$tmp/during.json")" = "[{\"pid\":$(cat "$tmp/pid"),\"gpu\":0,\"gi\":null,\"ci\":null,\"used_mib\":123}]" ]
ms_json "exec: the process is gone after" '.processes' '[]'
ms_check "exec: exit status passes through" sh -c 'MIGSIM_STATE=$1 "$2" exec -d "$3" -- sh -c "exit 3"; [ $? -eq 3 ]' sh "$ms_state" "$MIGSIM_BIN" "$gpu0"
ms_check "exec: killed by a signal -> 128+N" sh -c 'MIGSIM_STATE=$1 "$2" exec -d "$3" -- sh -c "kill -TERM \$\$"; [ $? -eq 143 ]' sh "$ms_state" "$MIGSIM_BIN" "$gpu0"
ms_exit "exec: command not found" 127 "cannot run 'no-such-command-xyz'" -- exec -d "$gpu0" -- no-such-command-xyz
ms_exit "exec: unknown UUID" 13 "no GPU or MIG device with UUID \"MIG-nope\"; run 'migsim show'" -- exec -d MIG-nope -- true
ms_exit "exec: no command" 2 "Run 'migsim exec --help'" -- exec -d "$gpu0"
ms_exit "exec: no device" 2 'which device' -- exec -- true
ms_exit "exec: too much memory" 10 'does not fit' -- exec -d "$gpu0" --memory 9999999 -- true
ms_ok "exec: options after CMD are CMD's" -- exec -d "$gpu0" sh -c 'test "$1" = --memory' sh --memory
# Reset refused while a process runs, naming it.
ms_ok "exec: reset while it runs" -- exec -d "$gpu0" -- \
	sh -c '"$2" reset -i 0 2>"$1/reset.err"; echo $? >"$1/reset.rc"; echo $$ >"$1/pid"' sh "$tmp" "$MIGSIM_BIN"
ms_check "exec: reset of a busy GPU fails" [ "$(cat "$tmp/reset.rc")" = 14 ]
ms_check "exec: the reset error names the process" grep -q "GPU 0 is in use by process $(cat "$tmp/pid"); stop it first" "$tmp/reset.err"
# On a MIG device: registered with its GI and CI.
ms_edit '.gpus[1].mig_current = true | .gpus[1].mig_pending = true | .gpus[1].gpu_instances = [{"id": 7, "profile_id": 19,
	"placement": {"start": 0, "size": 1}, "compute_instances": [{"id": 0, "profile_id": 0, "placement": {"start": 0, "size": 1}}]}]'
mig=$(migsim_run show | sed -n 's/^      CI 0 .* \(MIG-[0-9a-f-]*\)$/\1/p')
ms_ok "exec on a MIG device" -- exec -d "$mig" --memory 4096 -- sh -c '"$2" show -o json >"$1/during.json"' sh "$tmp" "$MIGSIM_BIN"
ms_check "exec on a MIG device: GPU, GI and CI" [ "$(jq -c '.processes[0] | [.gpu, .gi, .ci, .used_mib]' "$tmp/during.json")" = '[1,7,0,4096]' ]
ms_exit "exec: MIG device memory is the GI's" 10 'it has 9728 MiB' -- exec -d "$mig" --memory 9729 -- true
ms_ok "reboot while exec runs" -- exec -d "$mig" -- sh -c '"$2" reboot >/dev/null && "$2" show -o json >"$1/during.json"' sh "$tmp" "$MIGSIM_BIN"
ms_check "reboot drops registered processes" [ "$(jq -c '.processes' "$tmp/during.json")" = '[]' ]

# --- faults -----------------------------------------------------------------------
ms_new
ms_stdout "fault list: none" '^no faults$' -- fault list
ms_ok "fault add by name" -- fault add --call nvmlDeviceCreateGpuInstance --error IN_USE
ms_ok "fault add by NVML name, every call" -- fault add --call nvmlGpuInstanceDestroy --error NVML_ERROR_INSUFFICIENT_RESOURCES --count -1
ms_ok "fault add by number" -- fault add --call nvmlDeviceGetCount_v2 --error 999 --count 3
ms_json "faults are stored" '[.faults[] | [.call, .error, .remaining]]' \
	'[["nvmlDeviceCreateGpuInstance",19,1],["nvmlGpuInstanceDestroy",23,-1],["nvmlDeviceGetCount_v2",999,3]]'
ms_stdout "fault list text" '^nvmlGpuInstanceDestroy +NVML_ERROR_INSUFFICIENT_RESOURCES \(23\) +every call$' -- fault list
ms_stdout "show text lists faults" '^  nvmlDeviceCreateGpuInstance -> NVML_ERROR_IN_USE \(19\), next 1 call$' -- show
ms_exit "fault add: unknown error" 2 "unknown NVML error 'BOGUS'" -- fault add --call nvmlInit_v2 --error BOGUS
ms_exit "fault add: success is no error" 2 'NVML_SUCCESS is not an error' -- fault add --call nvmlInit_v2 --error 0
ms_exit "fault add: bad count" 2 "bad --count '0'" -- fault add --call nvmlInit_v2 --error 19 --count 0
ms_exit "fault add: bad call" 2 "bad --call 'Init'" -- fault add --call Init --error 19
ms_exit "fault add: missing --call" 2 "Run 'migsim fault --help'" -- fault add --error 19
ms_exit "fault: unknown subcommand" 2 "unknown subcommand 'drop'" -- fault drop
ms_stdout "fault clear" '^removed 3 faults$' -- fault clear
ms_json "fault clear removes all" '.faults' '[]'

# --after, the mutating class, kill
ms_new
ms_stdout "fault add --after: message" 'next 1 call of nvmlDeviceCreateGpuInstanceWithPlacement, after 2 calls that run normally, returns NVML_ERROR_IN_USE \(19\)$' -- fault add --call nvmlDeviceCreateGpuInstanceWithPlacement --error IN_USE --after 2
ms_stdout "fault add kill on the mutating class" 'next 2 calls of mutating, after 1 call that runs normally, kill the calling process after doing the work$' -- fault add --call mutating --error kill --count 2 --after 1
ms_ok "fault add KILL (any case) on migsimResetGpu, every call" -- fault add --call migsimResetGpu --error KILL --count -1
ms_ok "fault add --after 0" -- fault add --call nvmlGpuInstanceDestroy --error 19 --after 0
ms_json "faults store skip, kill as error -1" '[.faults[] | [.call, .error, .remaining, .skip]]' \
	'[["nvmlDeviceCreateGpuInstanceWithPlacement",19,1,2],["mutating",-1,2,1],["migsimResetGpu",-1,-1,0],["nvmlGpuInstanceDestroy",19,1,0]]'
ms_stdout "fault list shows --after" '^nvmlDeviceCreateGpuInstanceWithPlacement +NVML_ERROR_IN_USE \(19\) +1, after 2 calls$' -- fault list
ms_stdout "fault list shows kill" '^mutating +kill +2, after 1 call$' -- fault list
ms_stdout "fault list: no skip, no suffix" '^nvmlGpuInstanceDestroy +NVML_ERROR_IN_USE \(19\) +1$' -- fault list
ms_stdout "show text: kill, every call" '^  migsimResetGpu -> kill, every call$' -- show
ms_stdout "show text: --after" '^  mutating -> kill, next 2 calls, after 1 call$' -- show
ms_exit "fault add: negative --after" 2 "bad --after '-1'" -- fault add --call mutating --error 19 --after -1
ms_exit "fault add: --after not a number" 2 "bad --after 'two'" -- fault add --call mutating --error 19 --after two
ms_exit "fault add: empty --after" 2 "bad --after ''" -- fault add --call mutating --error 19 --after ''
ms_exit "fault add: unknown error still rejected" 2 "unknown NVML error 'killall'" -- fault add --call mutating --error killall
ms_exit "fault add: not a class" 2 "bad --call 'mutate'" -- fault add --call mutate --error 19
ms_stdout "fault add --help documents --after" '--after N' -- fault add --help
ms_stdout "fault add --help documents kill" "'kill'" -- fault add --help
ms_stdout "fault add --help lists the mutating class" 'migsimResetGpu\)$' -- fault add --help
ms_json "fault list and show change nothing" '[.faults[] | .skip]' '[2,1,0,0]'
ms_edit 'del(.faults[].skip)'
ms_json "a state without skip fields loads (skip 0)" '[.faults[] | .skip]' '[0,0,0,0]'
ms_edit '.faults[0].skip = -1'
ms_exit "negative skip in the state" 12 'fault #0 is malformed' -- show
ms_edit '.faults[0].skip = 0 | .faults[0].error = -2'
ms_exit "unknown negative error in the state" 12 'fault #0 is malformed' -- show
ms_edit '.faults[0].error = 19 | .faults[0].skip = "2"'
ms_exit "non-integer skip in the state" 12 'fault: ' -- show

# --- usage and help ------------------------------------------------------------------
ms_stdout "migsim --help lists commands" '^  exec ' -- --help
for ms_c in init show reset reboot exec fault; do
	ms_stdout "$ms_c --help" "^Usage: migsim $ms_c" -- "$ms_c" --help
done
ms_stdout "fault add --help" '--count N' -- fault add --help
# The exit-code list comes from include/migctl/error.h: "in use" is 14.
ms_stdout "--help: 14 is in use" '^  14  busy +in use by running processes' -- --help
ms_stdout "--help: 10 is insufficient resources" '^  10  insufficient-resources +insufficient resources$' -- --help
ms_stdout "--help: every code up to the last" '^  23  hook ' -- --help
ms_stdout "--version" '^migsim [0-9]+\.[0-9]+\.[0-9]+' -- --version
ms_exit "no command" 2 'Usage: migsim' --
ms_exit "unknown command" 2 "unknown command 'frobnicate'" -- frobnicate
ms_exit "show: bad output format" 2 "bad output format 'yaml'" -- show -o yaml

fi

# --- damaged state files: a clear error, exit 12, and nothing rewritten ------
ms_new
migsim_run init --gpus A30 >/dev/null
head -c 200 "$ms_state/machine.json" > "$tmp/truncated.json"
cp "$tmp/truncated.json" "$ms_state/machine.json"
ms_exit "truncated state" 12 'machine.json: line [0-9]+: .*run .migsim init.' -- show
ms_check "truncated state is left as it was" cmp -s "$tmp/truncated.json" "$ms_state/machine.json"
ms_exit "truncated state refuses changes too" 12 'machine.json' -- reset -i 0

ms_new
migsim_run init --gpus A30 >/dev/null
jq '.version = 2' "$ms_state/machine.json" > "$tmp/newer.json" && cp "$tmp/newer.json" "$ms_state/machine.json"
ms_exit "state from a newer migsim" 12 'state format version 2, this migsim reads version 1; it was written by a newer migsim' -- show

ms_new
migsim_run init --gpus A30 >/dev/null
jq '.gpus[0].mig_current = true | .gpus[0].gpu_instances = [
      {"id": 1, "profile_id": 5, "placement": {"start": 0, "size": 2}, "compute_instances": []},
      {"id": 3, "profile_id": 14, "placement": {"start": 0, "size": 1}, "compute_instances": []}]' \
   "$ms_state/machine.json" > "$tmp/overlap.json" && cp "$tmp/overlap.json" "$ms_state/machine.json"
ms_exit "overlapping instances in the state" 12 'GPU 0 GPU instance #1: 0:1 overlaps another instance' -- show

ms_new
migsim_run init --gpus A30 >/dev/null
jq '.gpus[0].mig_current = true | .gpus[0].gpu_instances = [
      {"id": 4, "profile_id": 5, "placement": {"start": 0, "size": 2}, "compute_instances": []}]' \
   "$ms_state/machine.json" > "$tmp/badid.json" && cp "$tmp/badid.json" "$ms_state/machine.json"
ms_exit "GI ID that does not match its placement" 12 'ID 4 does not match its placement 0:2 \(expected 1\)' -- show

# --- exec --load and event ---------------------------------------------------
ms_new
migsim_run init --gpus A100-SXM4-80GB:2 >/dev/null
ms_exit "exec --load: unknown key" 2 "bad load 'gpu=1'" -- exec -d 0 --load gpu=1 -- true
ms_exit "exec --load: value above 1" 2 "bad load value '1.5' for sm" -- exec -d 0 --load sm=1.5 -- true
ms_exit "exec --load: not a plain fraction" 2 "bad load value '1e-1' for dram" -- exec -d 0 --load dram=1e-1 -- true
ms_exit "exec --load: key given twice" 2 'load key sm given twice' -- exec -d 0 --load sm=0.1,sm=0.2 -- true
ms_exit "exec: legacy MIG-GPU form of a MIG device that does not exist" 13 'no GPU or MIG device' \
	-- exec -d "MIG-$(migsim_run show -o json | jq -r '.gpus[0].uuid')/1/0" -- true
migsim_run exec -d 1 --load sm=0.5,pcie-rx=1 -- "$MIGSIM_BIN" --state "$ms_state" show -o json >"$tmp/ms_load.json" 2>&1
ms_check "exec --load: the load is stored with the process while it runs" \
	[ "$(jq -c '.processes[0] | [.gpu, .load.sm, .load.pcie_rx, .load.dram]' "$tmp/ms_load.json")" = '[1,0.5,1,0]' ]
ms_json "exec --load: the process and its load go with the command" '.processes | length' 0
ms_exit "event: which event?" 2 'which event\? give --xid N or --type TYPE' -- event -d 0
ms_exit "event: unknown type" 2 "unknown event type 'boom'" -- event -d 0 --type boom
ms_exit "event: no such GPU" 13 'no GPU 5' -- event -d 5 --xid 79
ms_ok "event: an XID on GPU 1" -- event -d 1 --xid 79
ms_ok "event: a double-bit ECC error on GPU 1" -- event -d 1 --type ecc-dbe
ms_json "event: both stored in order, the ECC one counted" \
	'[.events.seq, [.events.list[] | [.seq, .gpu, .type, .data]], .gpus[1].ecc.uncorrected]' \
	'[2,[[1,1,8,79],[2,1,2,0]],1]'

# --- hostile states (issue 13, findings 4 and 10) ---------------------------
# two GPUs with one UUID: NVML clients would alias them (an apply overflowed)
ms_new
migsim_run init --gpus A30:2 >/dev/null
jq '.gpus[1].uuid = .gpus[0].uuid' "$ms_state/machine.json" > "$tmp/dupuuid.json" && cp "$tmp/dupuuid.json" "$ms_state/machine.json"
ms_exit "two GPUs with one UUID" 12 'GPUs 0 and 1 have the same UUID' -- show
# an empty UUID: a checkpoint of it could not be read back (fuzz_nvml_node)
jq '.gpus[1].uuid = ""' "$ms_state/machine.json" > "$tmp/nouuid.json" && cp "$tmp/nouuid.json" "$ms_state/machine.json"
ms_exit "a GPU without a UUID" 12 'GPU 1: a field is malformed or out of range' -- show
jq '.gpus[1].uuid = .gpus[0].uuid' "$ms_state/machine.json" > "$tmp/dupuuid.json" && cp "$tmp/dupuuid.json" "$ms_state/machine.json"
# migctl --sim reports a broken or newer state as exit 12 (README), not 20
MIGSIM_STATE=$ms_state "$migctl" --sim list >"$tmp/ms_out" 2>"$tmp/ms_err"
ms_check "migctl --sim: broken state is exit 12" [ $? -eq 12 ]
ms_check "migctl --sim: says why" grep -q 'same UUID' "$tmp/ms_err"
# a catalog a state names is not echoed (it may be any file)
ms_new
migsim_run init --gpus A30 >/dev/null
printf 'secret-first-line: 42\n' >"$tmp/not-a-catalog.yaml"
jq --arg f "$tmp/not-a-catalog.yaml" '.catalog_file = $f' "$ms_state/machine.json" > "$tmp/cat.json" && cp "$tmp/cat.json" "$ms_state/machine.json"
ms_exit "a state's catalog does not load" 12 'not-a-catalog.yaml does not load' -- show
ms_check "its content is not echoed" sh -c "! grep -q secret \"$tmp/ms_err\""
# a state file that is a link, or not a regular file, is refused
ms_new
migsim_run init --gpus A30 >/dev/null
mv "$ms_state/machine.json" "$tmp/real-machine.json"
ln -s "$tmp/real-machine.json" "$ms_state/machine.json"
ms_exit "state file is a symbolic link" 12 'symbolic link' -- show
rm "$ms_state/machine.json"
mkfifo "$ms_state/machine.json"
ms_exit "state file is a FIFO" 12 'not a regular file' -- show
# a state directory others can write to, or one that holds other files
# (MIGSIM_STATE=/etc as root), is not used
ms_new
chmod 0777 "$ms_state"
ms_exit "state directory writable by others" 12 'writable by other users' -- init --gpus A30
chmod 0700 "$ms_state"
: >"$ms_state/passwd"
ms_exit "state directory with other files" 12 'neither empty nor a migsim state directory' -- init --gpus A30
ms_check "nothing written there" [ ! -e "$ms_state/machine.json" ]
# the per-user default directory under /tmp made by another user (a root
# test run can make one): refused, not used
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	ms_new
	chown nobody "$ms_state"
	ms_exit "state directory of another user" 12 'owned by another user' -- init --gpus A30
	ms_check "nothing written there" [ ! -e "$ms_state/machine.json" ]
fi
