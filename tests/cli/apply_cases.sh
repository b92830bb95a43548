# Declarative configs on the simulator: migctl apply, assert, export,
# checkpoint, restore, recover, config generate and the nvidia-mig-parted
# personality. Sourced by tests/cli/cases.sh (ok, bad, expect_*, $tmp,
# $here, $migctl come from tests/cli/run.sh; MIGSIM_BIN from
# tests/run-tests.sh, else next to migctl). Config fixtures are in
# tests/cli/configs/; expected values come from
# shared/reference/mig-parted.md (§1, §2) and the catalog
# ('migctl catalog show MODEL'). Every scenario starts on a fresh machine.
# shellcheck shell=sh disable=SC2154

MIGSIM_BIN=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}
ap_cfg=$here/configs
ap_data=$here/../../data/mig-parted
ap_job=

# ap_new MIGSIM-INIT-ARGS...: a fresh simulated machine for the next cases.
ap_new() {
	MIGSIM_STATE=$(mktemp -d "$tmp/apply.XXXXXX")
	export MIGCTL_SIM=1 MIGSIM_STATE
	"$MIGSIM_BIN" init "$@" >/dev/null 2>"$tmp/ap_err" || { bad "apply: migsim init $*"; cat "$tmp/ap_err"; }
}

# ap_do NAME -- ARGS...: a setup step; only a failure is reported.
ap_do() {
	ap_name=$1
	shift 2
	"$migctl" "$@" >"$tmp/ap_out" 2>"$tmp/ap_err" || { bad "apply setup: $ap_name (exit $?)"; cat "$tmp/ap_err"; }
}

# ap_expect NAME CODE STDOUT-PATTERN STDERR-PATTERN -- ARGS...: exit CODE,
# stdout and stderr each match their extended regex ('' matches anything).
ap_expect() {
	ap_name=$1 ap_code=$2 ap_outp=$3 ap_errp=$4
	shift 5
	"$migctl" "$@" >"$tmp/out" 2>"$tmp/err"
	ap_rc=$?
	if [ "$ap_rc" -eq "$ap_code" ] &&
		{ [ -z "$ap_outp" ] || grep -Eq -- "$ap_outp" "$tmp/out"; } &&
		{ [ -z "$ap_errp" ] || grep -Eq -- "$ap_errp" "$tmp/err"; }; then
		ok
	else
		bad "$ap_name (exit $ap_rc, want $ap_code)"; cat "$tmp/err"; head -30 "$tmp/out"
	fi
}

# ap_json NAME CODE FILTER EXPECTED -- ARGS...: exit CODE, JSON on stdout,
# and the jq FILTER prints EXPECTED (compact, raw).
ap_json() {
	ap_name=$1 ap_code=$2 ap_expr=$3 ap_want=$4
	shift 5
	"$migctl" "$@" >"$tmp/out" 2>"$tmp/err"
	ap_rc=$?
	ap_got=$(jq -c -r "$ap_expr" "$tmp/out" 2>&1)
	if [ "$ap_rc" -eq "$ap_code" ] && [ "$ap_got" = "$ap_want" ]; then
		ok
	else
		bad "$ap_name (exit $ap_rc, want $ap_code; got '$ap_got', want '$ap_want')"; cat "$tmp/err"
	fi
}

# ap_state NAME FILTER EXPECTED: the jq FILTER on 'migctl status -o json'
# prints EXPECTED.
ap_state() {
	expect_json "$1" "$2" "$3" -- status -o json
}

# ap_snap / ap_same NAME: the machine (everything 'migsim show -o json'
# stores, its change counter included) is the same as at ap_snap.
ap_snap() {
	"$MIGSIM_BIN" show -o json >"$tmp/ap_snap" 2>&1
}
ap_same() {
	"$MIGSIM_BIN" show -o json >"$tmp/ap_now" 2>&1
	if cmp -s "$tmp/ap_snap" "$tmp/ap_now"; then
		ok
	else
		bad "$1: the machine changed"; diff "$tmp/ap_snap" "$tmp/ap_now" | head -20
	fi
}

# ap_lgi: the -lgi rows as "GPU PROFILE-NAME PROFILE-ID PLACEMENT", sorted
# (GI IDs left out; ap_gi reads those).
ap_lgi() {
	"$migctl" smi mig -lgi 2>/dev/null | awk '$3 == "MIG" { print $2, $4, $5, $7 }' | sort
}

# ap_gi GPU PROFILE START: the GI ID at that placement ('' if none).
ap_gi() {
	"$migctl" status -o json | jq -r --argjson g "$1" --arg p "$2" --argjson s "$3" \
		'.gpus[] | select(.index == $g) | .gpu_instances[] | select(.profile == $p and .placement.start == $s) | .id'
}

# ap_journal: 1 if the default journal (in the state directory) exists, else 0
ap_journal() {
	if [ -e "$MIGSIM_STATE/migctl-journal.jsonl" ]; then echo 1; else echo 0; fi
}

ap_wait_procs() {
	ap_i=0
	while [ "$("$MIGSIM_BIN" show -o json 2>/dev/null | jq '.processes | length')" != "$1" ] &&
		[ "$ap_i" -lt 100 ]; do
		sleep 0.05
		ap_i=$((ap_i + 1))
	done
}

# ap_busy MIG-UUID: a process on that MIG device (in the background);
# ap_pid is its PID as NVML lists it. ap_idle stops it.
ap_busy() {
	"$MIGSIM_BIN" exec -d "$1" -- sleep 60 &
	ap_job=$!
	ap_wait_procs 1
	ap_pid=$("$MIGSIM_BIN" show -o json | jq -r '.processes[0].pid')
}
ap_idle() {
	if [ -n "$ap_job" ]; then
		kill "$ap_job" 2>/dev/null
		wait "$ap_job" 2>/dev/null
		ap_job=
	fi
	ap_wait_procs 0
}

# ap_mig_uuid GPU GI-ID: the MIG device UUID of GI GI-ID's CI 0.
ap_mig_uuid() {
	"$migctl" list -o json | jq -r --argjson g "$1" --argjson i "$2" \
		'.gpus[] | select(.index == $g) | .mig_devices[] | select(.gi == $i and .ci == 0) | .uuid'
}

# ap_counts: per GPU, "INDEX:PROFILExN,..." of its MIG devices (sorted by
# name), one GPU per word.
ap_counts() {
	"$migctl" list -o json | jq -r '[.gpus[] | "\(.index):" + ([.mig_devices[].profile] | group_by(.) | map("\(.[0])x\(length)") | join(","))] | join(" ")'
}

# ap_eq NAME GOT WANT
ap_eq() {
	if [ "$2" = "$3" ]; then
		ok
	else
		bad "$1 (got '$2', want '$3')"
	fi
}

if [ ! -x "$MIGSIM_BIN" ]; then
	bad "apply: MIGSIM_BIN=$MIGSIM_BIN is not executable"
else

# --- help -----------------------------------------------------------------
expect_stdout "apply --help documents --unmatched" '^  --unmatched POLICY ' -- apply --help
expect_stdout "assert --help documents --valid-config" '^  -a, --valid-config ' -- assert --help
expect_stdout "parted --help lists generate-config" '^  generate-config ' -- parted --help
expect_exit "apply without -f" 2 'missing required flag -f FILE' -- apply

# --- 1. parse errors: exit 5 with mig-parted's wording; nothing changes ----
ap_new --gpus A100-SXM4-80GB:2
ap_do "enable MIG" -- apply -f "$ap_cfg/a100.yaml" -c all-balanced
ap_snap
expect_exit "parse: missing version" 5 "parse-no-version.yaml:[0-9]+: .*missing 'version' field" -- apply -f "$ap_cfg/parse-no-version.yaml"
expect_exit "parse: version v2" 5 'parse-version-v2.yaml:1: unknown version: v2' -- apply -f "$ap_cfg/parse-version-v2.yaml"
expect_exit "parse: unexpected field" 5 'parse-unexpected-field.yaml:6: unexpected field: colour' -- apply -f "$ap_cfg/parse-unexpected-field.yaml"
expect_exit "parse: devices: 7" 5 "invalid string input for 'devices': 7" -- apply -f "$ap_cfg/parse-devices-int.yaml"
expect_exit "parse: mig-enabled without mig-devices" 5 "missing required field 'mig-devices' when 'mig-enabled' is true" -- apply -f "$ap_cfg/parse-enabled-no-devices.yaml"
expect_exit "parse: mig-devices with mig-enabled false" 5 "MIG devices included when 'mig-enabled' is false" -- apply -f "$ap_cfg/parse-disabled-with-devices.yaml"
expect_exit "parse: all counts 0" 5 'all counts for all MigProfiles are 0' -- apply -f "$ap_cfg/parse-zero-counts.yaml"
expect_exit "parse: bad profile format" 5 "invalid format for '1x\.10gb'" -- apply -f "$ap_cfg/parse-bad-profile.yaml"
expect_exit "parse: pin for a profile not asked for" 5 'placement "2g\.20gb@2" names profile .2g\.20gb.' -- apply -f "$ap_cfg/parse-pin-unrequested.yaml"
expect_exit "parse: assert reports it too" 5 'unknown version: v2' -- assert -f "$ap_cfg/parse-version-v2.yaml"
expect_exit "parse: not YAML" 5 '' -- apply -f "$ap_cfg/../golden/a30-lgip.txt"
expect_exit "missing config file" 4 'nope\.yaml' -- apply -f "$ap_cfg/nope.yaml"
expect_exit "two labels without -c" 2 "missing required flag 'selected-config'" -- apply -f "$ap_cfg/two-labels.yaml"
expect_exit "unknown label" 13 'selected mig-config not present: all-balanced' -- apply -f "$ap_cfg/two-labels.yaml" -c all-balanced
expect_exit "assert: unknown label" 13 'selected mig-config not present: nope' -- assert -f "$ap_cfg/two-labels.yaml" -c nope
expect_exit "dry run: parse error" 5 'unknown version' -- apply -n -f "$ap_cfg/parse-version-v2.yaml"
# hostile configs (issue 13, finding 9): 200 KB of nesting is refused at
# once (it took 74 s), an 83 MB file by its size (it took 2 GB), a device
# as not a file
awk 'BEGIN { printf "version: v1\nmig-configs:\n  a: "; for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' >"$tmp/ap_nested.yaml"
ap_t0=$(date +%s)
expect_exit "parse: 200 KB of nesting" 5 'ap_nested.yaml:1: nested more than 64 levels deep' -- apply -f "$tmp/ap_nested.yaml"
ap_eq "parse: nesting refused within 2 s" "$(( $(date +%s) - ap_t0 < 3 ))" 1
truncate -s 83M "$tmp/ap_huge.yaml"
expect_exit "parse: 83 MB config" 4 'ap_huge.yaml is larger than [0-9]+ bytes' -- apply -f "$tmp/ap_huge.yaml"
rm -f "$tmp/ap_huge.yaml"
expect_exit "parse: a device as config" 4 '/dev/zero is not a regular file' -- apply -f /dev/zero
# a config reached through links: a ConfigMap-style chain of the caller's
# is followed; a link that another user owns is not (exit 26)
mkdir -p "$tmp/ap_cm/..2026_12_07_00_00_00.1"
cp "$ap_cfg/a100.yaml" "$tmp/ap_cm/..2026_12_07_00_00_00.1/config.yaml"
ln -s ..2026_12_07_00_00_00.1 "$tmp/ap_cm/..data"
ln -s ..data/config.yaml "$tmp/ap_cm/config.yaml"
ap_expect "links: a ConfigMap mount is read" 0 '^GPU 0 \(NVIDIA A100-SXM4-80GB\): ' '' -- apply -n -f "$tmp/ap_cm/config.yaml" -c all-balanced
# a config piped in and named /dev/stdin (a pipe's link target is no path)
if cat "$ap_cfg/a100.yaml" | "$migctl" apply -n -f /dev/stdin -c all-balanced 2>"$tmp/err" | grep -q '^GPU 0 (NVIDIA A100-SXM4-80GB): '; then ok
else bad "links: apply -f /dev/stdin from a pipe"; cat "$tmp/err"; fi
if [ "$(id -u)" -eq 0 ]; then
	ln -s "$ap_cfg/a100.yaml" "$tmp/ap_planted.yaml"
	chown -h nobody "$tmp/ap_planted.yaml"
	expect_exit "links: another user's link is refused" 26 'ap_planted.yaml on its path is owned by uid [0-9]+ \(nobody\)' -- apply -n -f "$tmp/ap_planted.yaml" -c all-balanced
	chown -h nobody "$tmp/ap_cm/..data"
	expect_exit "links: another user's link on the way is refused" 26 'symbolic link .*ap_cm/..data on its path' -- apply -n -f "$tmp/ap_cm/config.yaml" -c all-balanced
fi
ap_same "parse errors change nothing"
expect_exit "--unmatched: bad policy" 2 "unmatched 'keep': use 'leave' or 'disable'" -- apply -f "$ap_cfg/a100.yaml" -c all-balanced --unmatched keep
ap_same "a bad --unmatched changes nothing"

# --- 2. validation before anything is touched --------------------------------
# 1g.10gb exists on the A100-80GB (profile 19) but not on the A30
# (1g.6gb, 2g.12gb, 4g.24gb and +me variants): GPUs 0 and 1, listed
# first, must not be touched either.
ap_new --gpus A100-SXM4-80GB:2,A30
ap_snap
ap_expect "unknown profile on the A30" 8 '' 'GPU 2 \(NVIDIA A30\): profile .1g\.10gb. .*does not exist on this model; its profiles are 1g\.6gb' -- apply -f "$ap_cfg/mixed.yaml" -c 1g10-everywhere
ap_same "unknown profile: GPUs listed earlier untouched"
ap_state "unknown profile: MIG still off everywhere" '[.gpus[].mig.current, .gpus[].mig.pending] | unique' '[false]'
ap_expect "--dry-run: unknown profile" 8 '' 'does not exist on this model' -- apply -n -f "$ap_cfg/mixed.yaml" -c 1g10-everywhere
ap_expect "assert: unknown profile" 8 '' 'does not exist on this model' -- assert -f "$ap_cfg/mixed.yaml" -c 1g10-everywhere

# 3g.40gb: at most 2 on an A100-80GB (catalog: 2/2)
ap_new --gpus A100-SXM4-80GB:2
ap_snap
ap_expect "3 x 3g.40gb does not fit" 11 '' '3 x 3g\.40gb: the model allows at most 2' -- apply -f "$ap_cfg/a100.yaml" -c three-3g
ap_same "over the limit: nothing changed"
ap_expect "device index beyond the node" 13 '' 'device index 9 is not on this node, which has 2 GPUs' -- apply -f "$ap_cfg/a100.yaml" -c beyond-node
ap_same "index beyond the node: GPU 0 untouched"
ap_expect "assert: device index beyond the node" 13 '' 'device index 9' -- assert -f "$ap_cfg/a100.yaml" -c beyond-node

# Same name, other profile: 1g.10gb is profile 19 (size 1, 7 max) on the
# A100-SXM4-80GB and profile 15 (1g REV2: size 2, starts 0,2,4,6; 4 max)
# on the A100-SXM4-40GB (reference §1.3; 'migctl catalog show').
ap_new --gpus A100-SXM4-80GB,A100-SXM4-40GB
ap_snap
ap_expect "5 x 1g.10gb: too many on the 40GB" 11 '' 'GPU 1 \(NVIDIA A100-SXM4-40GB\): 5 x 1g\.10gb: the model allows at most 4' -- apply -f "$ap_cfg/mixed.yaml" -c five-1g10
ap_same "5 x 1g.10gb: the 80GB GPU, listed first, untouched"
ap_expect "4 x 1g.10gb on both" 0 '' '' -- apply -f "$ap_cfg/mixed.yaml" -c four-1g10
ap_eq "1g.10gb resolved per GPU" "$(ap_lgi | tr '\n' ';')" "0 1g.10gb 19 0:1;0 1g.10gb 19 1:1;0 1g.10gb 19 2:1;0 1g.10gb 19 3:1;1 1g.10gb 15 0:2;1 1g.10gb 15 2:2;1 1g.10gb 15 4:2;1 1g.10gb 15 6:2;"
expect_stdout "assert: mixed node applied" '^Selected MIG configuration currently applied$' -- assert -f "$ap_cfg/mixed.yaml" -c four-1g10

# --- 3. minimal transitions ---------------------------------------------------
# balanced-pinned: 1g@0 1g@1 2g@2:2 3g@4:4. Target 3g.40gb + 4 x 1g.10gb:
# 3g.40gb can start at 0 or 4; at 0 it leaves 1g starts 4,5,6 (only 3), so
# it must stay at 4:4 and the four 1g.10gb take slices 0-3. The 1g GIs at
# 0 and 1 can stay; the 2g.20gb at 2:2 covers 2-3 and must go. Minimum:
# 1 GI + its 1 CI destroyed = 2; kept 3 GIs + 3 CIs = 6; created 2 GIs +
# 2 CIs = 4.
ap_new --gpus A100-SXM4-80GB
ap_do "balanced" -- apply -f "$ap_cfg/a100.yaml" -c balanced-pinned
ap_eq "balanced at its pinned placements" "$(ap_lgi | tr '\n' ';')" "0 1g.10gb 19 0:1;0 1g.10gb 19 1:1;0 2g.20gb 14 2:2;0 3g.40gb 9 4:4;"
gi3=$(ap_gi 0 3g.40gb 4)
gi1a=$(ap_gi 0 1g.10gb 0)
ap_snap
ap_expect "dry run: text plan" 0 '^GPU 0 \(NVIDIA A100-SXM4-80GB\): planned, 2 destroyed, 4 created, 6 kept$' '' -- apply -n -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_expect "dry run: the 2g.20gb GI and why" 0 '^  destroy GI [0-9]+ \(2g\.20gb at 2:2\): its placement is needed by the target layout$' '' -- apply --dry-run -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_expect "dry run: creates at 2 and 3" 0 '^  create GI 1g\.10gb at 3:1$' '' -- apply --dry-run -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_json "dry run -o json" 0 '[.ok, .dry_run, .destroyed, (.gpus[0] | .outcome, .destroyed, .created, .kept, ([.steps[] | select(.op | startswith("destroy")) | [.op, .gi_profile, .gi_placement.start, .reason]]))]' \
	'[true,true,0,"planned",2,4,6,[["destroy-ci","2g.20gb",2,"conflict"],["destroy-gi","2g.20gb",2,"conflict"]]]' -- apply -n -o json -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_json "dry run -o json: creates" 0 '[.gpus[0].steps[] | select(.op == "create-gi") | "\(.gi_profile)@\(.gi_placement.start)"] | sort | join(",")' '1g.10gb@2,1g.10gb@3' -- apply -n -o json -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_same "dry run changes nothing"
ap_json "apply: the minimum destroyed" 0 '[.ok, .destroyed, .created, .gpus[0].outcome, .gpus[0].kept]' '[true,2,4,"applied",6]' -- apply -o json -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_eq "3g.40gb GI kept (same GI ID)" "$(ap_gi 0 3g.40gb 4)" "$gi3"
ap_eq "1g.10gb GI at 0 kept (same GI ID)" "$(ap_gi 0 1g.10gb 0)" "$gi1a"
ap_eq "layout after" "$(ap_lgi | tr '\n' ';')" "0 1g.10gb 19 0:1;0 1g.10gb 19 1:1;0 1g.10gb 19 2:1;0 1g.10gb 19 3:1;0 3g.40gb 9 4:4;"
ap_snap
ap_expect "apply again: unchanged" 0 '^GPU 0 \(NVIDIA A100-SXM4-80GB\): unchanged$' '' -- apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_same "an applied config changes nothing"

# --- 4. busy instances ------------------------------------------------------------
ap_new --gpus A100-SXM4-80GB
ap_do "balanced" -- apply -f "$ap_cfg/a100.yaml" -c balanced-pinned
gi2=$(ap_gi 0 2g.20gb 2)
gi3=$(ap_gi 0 3g.40gb 4)
ap_busy "$(ap_mig_uuid 0 "$gi2")"
ap_snap
ap_expect "busy GI in the way: refused" 14 '' "GPU 0 .*busy.*\\b$ap_pid\\b" -- apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_expect "busy GI in the way: refused, names the instance" 14 '^GPU 0 \(NVIDIA A100-SXM4-80GB\): refused$' "GI $gi2 \\(2g\\.20gb\\)" -- apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_json "busy: dry run is refused too" 14 '[.ok, .gpus[0].outcome, .gpus[0].error.name, .error.code]' '[false,"refused","busy",14]' -- apply -n -o json -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_json "busy: dry run with --force shows the busy step" 0 '[.gpus[0].outcome, [.gpus[0].steps[] | select(.op == "destroy-gi") | [.gi_profile, .reason, .busy]]]' '["planned",[["2g.20gb","conflict",true]]]' -- apply -n --force -o json -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_expect "busy: dry run with --force, text" 0 '^  destroy GI [0-9]+ \(2g\.20gb at 2:2\) \[busy\]: its placement is needed by the target layout$' '' -- apply -n --force -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_same "busy: nothing changed"
ap_json "busy GI not in the way: applied" 0 '[.ok, .destroyed, .created]' '[true,2,0]' -- apply -o json -f "$ap_cfg/a100.yaml" -c balanced-less-1g
ap_eq "busy GI keeps its ID" "$(ap_gi 0 2g.20gb 2)" "$gi2"
ap_eq "3g.40gb keeps its ID" "$(ap_gi 0 3g.40gb 4)" "$gi3"
ap_eq "busy process still there" "$("$MIGSIM_BIN" show -o json | jq -c '[.processes[].pid]')" "[$ap_pid]"
ap_expect "--force: busy GI destroyed" 0 '^  destroyed GI [0-9]+ \(2g\.20gb at 2:2\) \[busy\]: its placement is needed' '' -- apply --force -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_wait_procs 0
ap_eq "--force: the process was stopped" "$("$MIGSIM_BIN" show -o json | jq '.processes | length')" 0
ap_eq "--force: target layout" "$(ap_lgi | tr '\n' ';')" "0 1g.10gb 19 0:1;0 1g.10gb 19 1:1;0 1g.10gb 19 2:1;0 1g.10gb 19 3:1;0 3g.40gb 9 4:4;"
ap_idle

# --- 5. MIG mode -------------------------------------------------------------------
# Ampere: enabling MIG is pending until a reset (reference §2.3)
ap_new --gpus A100-SXM4-80GB:2
ap_expect "A100 enable with --skip-reset: pending" 18 '^GPU 0 .*: pending' 'pending until the GPU is reset' -- apply -s -f "$ap_cfg/a100.yaml" -c all-enabled
ap_state "A100: pending enable" '[.gpus[].mig | [.current, .pending, .change_pending]]' '[[false,true,true],[false,true,true]]'
ap_json "A100 enable: reset" 0 '[.ok, (.gpus[] | [.index, .outcome, .mode_change, .reset])]' '[true,[0,"applied",true,true],[1,"applied",true,true]]' -- apply -o json -f "$ap_cfg/a100.yaml" -c all-enabled
ap_state "A100: enabled" '[.gpus[].mig | [.current, .change_pending]]' '[[true,false],[true,false]]'

# only GPUs whose mode differs are touched
ap_new --gpus A100-SXM4-80GB:2
ap_do "GPU 1 on" -- mode enable -i 1 --reset
ap_do "GPU 1: a GI" -- create -i 1 3g.40gb --placement 4
gi=$(ap_gi 1 3g.40gb 4)
ap_json "mode differs on GPU 0 only" 0 '[.gpus[] | [.index, .mode_change, .reset]]' '[[0,true,true],[1,false,false]]' -- apply -o json -f "$ap_cfg/a100.yaml" -c all-balanced
ap_eq "GPU 1 not reset: its 3g.40gb GI kept" "$(ap_gi 1 3g.40gb 4)" "$gi"
ap_eq "both balanced" "$(ap_counts)" "0:1g.10gbx2,2g.20gbx1,3g.40gbx1 1:1g.10gbx2,2g.20gbx1,3g.40gbx1"
ap_json "mig-enabled false: instances destroyed, MIG off" 0 '[.ok, (.gpus[] | [.mode_change, .mig_enabled, .reset, .destroyed])]' '[true,[true,false,true,8],[true,false,true,8]]' -- apply -o json -f "$ap_cfg/a100.yaml" -c all-disabled
ap_state "all disabled" '[.gpus[].mig | [.current, .pending]]' '[[false,false],[false,false]]'
ap_eq "no MIG devices left" "$(ap_counts)" "0: 1:"

# Hopper: MIG mode is driver-held, no reset
ap_new --gpus H100-SXM5-80GB
ap_json "H100 enable: no reset" 0 '[.ok, .gpus[0].mode_change, .gpus[0].reset]' '[true,true,false]' -- apply -o json -s -f "$ap_cfg/a100.yaml" -c all-balanced
ap_state "H100: enabled" '.gpus[0].mig | [.current, .change_pending]' '[true,false]'
ap_eq "H100: balanced" "$(ap_counts)" "0:1g.10gbx2,2g.20gbx1,3g.40gbx1"
ap_json "H100 disable: instances go, no reset" 0 '[.gpus[0].mode_change, .gpus[0].reset, .gpus[0].destroyed]' '[true,false,8]' -- apply -o json -f "$ap_cfg/a100.yaml" -c all-disabled
ap_state "H100: disabled" '.gpus[0].mig | [.current, .pending]' '[false,false]'

# --- 6. GPUs no spec matches ---------------------------------------------------------
ap_new --gpus A100-SXM4-80GB:2
ap_do "MIG on everywhere" -- apply -f "$ap_cfg/a100.yaml" -c all-enabled
ap_json "default: GPU 1 left as it is" 0 '[.gpus[] | [.index, .outcome]]' '[[0,"applied"],[1,"unmanaged"]]' -- apply -o json -f "$ap_cfg/a100.yaml" -c gpu0-3g
ap_state "default: GPU 1 still MIG on" '[.gpus[].mig.current]' '[true,true]'
expect_stdout "assert: unmatched GPU ignored by default" '^Selected MIG configuration currently applied$' -- assert -f "$ap_cfg/a100.yaml" -c gpu0-3g
ap_expect "assert --unmatched disable: GPU 1 differs" 21 '' 'GPU 1' -- assert --unmatched disable -f "$ap_cfg/a100.yaml" -c gpu0-3g
ap_json "--unmatched disable: GPU 1 off" 0 '[.gpus[] | [.index, .mig_enabled, .mode_change]]' '[[0,true,false],[1,false,true]]' -- apply -o json --unmatched disable -f "$ap_cfg/a100.yaml" -c gpu0-3g
ap_state "--unmatched disable: MIG off on GPU 1" '[.gpus[].mig.current]' '[true,false]'
expect_stdout "assert --unmatched disable: applied" '^Selected MIG configuration currently applied$' -- assert --unmatched disable -f "$ap_cfg/a100.yaml" -c gpu0-3g
ap_do "MIG on everywhere again" -- apply -f "$ap_cfg/a100.yaml" -c all-enabled
ap_json "apply: --unmatched leave overrides the file" 0 '[.gpus[] | [.index, .outcome]]' '[[0,"applied"],[1,"unmanaged"]]' -- apply -o json --unmatched leave -f "$ap_cfg/unmatched-disable.yaml"
ap_state "--unmatched leave: GPU 1 still MIG on" '[.gpus[].mig.current]' '[true,true]'
ap_expect "assert: migctl-unmatched: disable in the file" 21 '' 'GPU 1' -- assert -f "$ap_cfg/unmatched-disable.yaml"
expect_stdout "assert: --unmatched leave overrides the file" '^Selected MIG configuration currently applied$' -- assert --unmatched leave -f "$ap_cfg/unmatched-disable.yaml"
ap_do "apply: migctl-unmatched: disable" -- apply -f "$ap_cfg/unmatched-disable.yaml"
ap_state "migctl-unmatched: disable: GPU 1 off" '[.gpus[].mig.current]' '[true,false]'
ap_eq "GPU 0 has its 2 x 3g.40gb" "$(ap_counts)" "0:3g.40gbx2 1:"
expect_stdout "assert: the file's policy" '^Selected MIG configuration currently applied$' -- assert -f "$ap_cfg/unmatched-disable.yaml"

# --- 7. migctl extensions: devices by UUID and bus ID, pinned placements --------------
ap_new --gpus A100-SXM4-80GB:2
uuid1=$("$migctl" status -o json | jq -r '.gpus[1].uuid')
bus1=$("$migctl" status -o json | jq -r '.gpus[1].bus_id')
cat >"$tmp/ap_ext.yaml" <<EOF
version: v1
mig-configs:
  by-uuid:
    - devices: ["$uuid1"]
      mig-enabled: true
      mig-devices:
        "7g.80gb": 1
  by-bus-id:
    - devices: ["$bus1"]
      mig-enabled: true
      mig-devices:
        "4g.40gb": 1
  by-short-bus-id:
    - devices: ["${bus1#00000000:}"]
      mig-enabled: true
      mig-devices:
        "4g.40gb": 1
  unknown-uuid:
    - devices: ["GPU-00000000-0000-0000-0000-000000000000"]
      mig-enabled: true
      mig-devices:
        "4g.40gb": 1
EOF
ap_json "devices by UUID" 0 '[.gpus[] | [.index, .outcome]]' '[[0,"unmanaged"],[1,"applied"]]' -- apply -o json -f "$tmp/ap_ext.yaml" -c by-uuid
ap_eq "by UUID: 7g.80gb on GPU 1 only" "$(ap_lgi | tr '\n' ';')" "1 7g.80gb 0 0:8;"
ap_do "devices by bus ID" -- apply -f "$tmp/ap_ext.yaml" -c by-bus-id
ap_eq "by bus ID: 4g.40gb on GPU 1" "$(ap_lgi | tr '\n' ';')" "1 4g.40gb 5 0:4;"
expect_stdout "devices by short bus ID" '^GPU 1 .*: unchanged$' -- apply -f "$tmp/ap_ext.yaml" -c by-short-bus-id
ap_snap
ap_expect "devices: unknown UUID" 13 '' 'GPU-00000000-0000-0000-0000-000000000000' -- apply -f "$tmp/ap_ext.yaml" -c unknown-uuid
ap_same "unknown UUID: nothing changed"
ap_do "pinned placements" -- apply -f "$ap_cfg/a100.yaml" -c pinned
ap_eq "pins hold: 3g.40gb@0, 1g.10gb@6" "$(ap_lgi | tr '\n' ';')" "0 1g.10gb 19 6:1;0 3g.40gb 9 0:4;1 4g.40gb 5 0:4;"
expect_stdout "assert: pins hold" '^Selected MIG configuration currently applied$' -- assert -f "$ap_cfg/a100.yaml" -c pinned
ap_snap
ap_expect "pin at a start 3g.40gb lacks" 9 '' '3g\.40gb cannot start at 2 .*\{0,4\}:4' -- apply -f "$ap_cfg/a100.yaml" -c bad-pin
ap_same "bad pin: nothing changed"

# --- 8. assert ------------------------------------------------------------------------------
ap_new --gpus A100-SXM4-80GB:2
ap_expect "assert: MIG off" 21 '' 'GPU 0' -- assert -f "$ap_cfg/a100.yaml" -c all-balanced
ap_expect "assert --mode-only: MIG off" 21 '' 'GPU 0' -- assert -m -f "$ap_cfg/a100.yaml" -c all-balanced
ap_do "mode only" -- apply --mode-only -f "$ap_cfg/a100.yaml" -c all-balanced
if grep -q 'created' "$tmp/ap_out"; then
	bad "apply --mode-only reports instances it did not create"; cat "$tmp/ap_out"
else
	ok
fi
ap_eq "--mode-only: no instances" "$(ap_counts)" "0: 1:"
expect_stdout "assert --mode-only after apply --mode-only" '^Selected MIG configuration currently applied$' -- assert --mode-only -f "$ap_cfg/a100.yaml" -c all-balanced
ap_expect "assert: layout missing" 21 '' 'GPU 0 .*wants 2 x 1g\.10gb, 1 x 2g\.20gb, 1 x 3g\.40gb' -- assert -f "$ap_cfg/a100.yaml" -c all-balanced
ap_do "apply" -- apply -f "$ap_cfg/a100.yaml" -c all-balanced
expect_stdout "assert: applied" '^Selected MIG configuration currently applied$' -- assert -f "$ap_cfg/a100.yaml" -c all-balanced
ap_expect "assert: another config" 21 '' 'holds .*wants 1 x 3g\.40gb, 4 x 1g\.10gb' -- assert -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_json "assert -o json" 21 '[.ok, .error.code, .error.name]' '[false,21,"not-applied"]' -- assert -o json -f "$ap_cfg/a100.yaml" -c 3g-4x1g
expect_stdout "assert -a" '^Selected MIG configuration is valid$' -- assert -a -f "$ap_cfg/a100.yaml" -c three-3g
expect_stdout "assert --valid-config, not checked against the node" '^Selected MIG configuration is valid$' -- assert --valid-config -f "$ap_cfg/a100.yaml" -c beyond-node
expect_exit "assert -a: unknown label" 13 'selected mig-config not present: nope' -- assert -a -f "$ap_cfg/a100.yaml" -c nope
expect_stdout "assert -a from stdin" '^Selected MIG configuration is valid$' -- assert -a -f - -c all-enabled <"$ap_cfg/two-labels.yaml"

# --- 9. export -> apply round trip ----------------------------------------------------------
ap_new --gpus A100-SXM4-80GB:2
ap_do "GPU 0 pinned" -- apply -f "$ap_cfg/a100.yaml" -c pinned
ap_do "GPU 1: MIG on" -- mode enable -i 1 --reset
ap_do "GPU 1: 1g.10gb" -- create -i 1 1g.10gb --placement 5
ap_do "GPU 1: 2g.20gb" -- create -i 1 2g.20gb --placement 0
"$migctl" export >"$tmp/ap_export1.yaml" 2>"$tmp/err" || { bad "export"; cat "$tmp/err"; }
"$migctl" export -o json >"$tmp/ap_export1.json" 2>"$tmp/err" || { bad "export -o json"; cat "$tmp/err"; }
lgi1=$(ap_lgi)
expect_stdout "export: placements of GPU 0" '^      migctl-placements: \["3g\.40gb@0", "1g\.10gb@6"\]$' -- export
ap_json "export -o json: per-GPU entries" 0 '[.["mig-configs"].current[] | [.devices, .["mig-devices"], (.["migctl-placements"] | sort)]]' \
	'[[[0],{"3g.40gb":1,"1g.10gb":1},["1g.10gb@6","3g.40gb@0"]],[[1],{"2g.20gb":1,"1g.10gb":1},["1g.10gb@5","2g.20gb@0"]]]' -- export -o json
expect_stdout "export -l" '^  "mine":$' -- export -l mine
ap_do "destroy everything" -- destroy --all
ap_eq "nothing left" "$(ap_counts)" "0: 1:"
ap_do "apply the export" -- apply -f "$tmp/ap_export1.yaml"
"$migctl" export >"$tmp/ap_export2.yaml" 2>"$tmp/err"
if cmp -s "$tmp/ap_export1.yaml" "$tmp/ap_export2.yaml"; then ok; else bad "export round trip"; diff "$tmp/ap_export1.yaml" "$tmp/ap_export2.yaml"; fi
ap_eq "round trip: same placements" "$(ap_lgi)" "$lgi1"
expect_stdout "assert the JSON export from stdin" '^Selected MIG configuration currently applied$' -- assert -f - <"$tmp/ap_export1.json"

# CI profiles: counted per CI, as mig-parted counts them
ap_new --gpus A100-SXM4-80GB
ap_do "CI profiles" -- apply -f "$ap_cfg/a100.yaml" -c ci-profiles
ap_eq "CI profiles: 3 x 1c.3g.40gb in one GI, 1 x 3g.40gb in another" \
	"$("$migctl" status -o json | jq -c '[.gpus[0].gpu_instances[] | [.profile, ([.compute_instances[].profile] | join(","))]] | sort')" \
	'[["3g.40gb","1c.3g.40gb,1c.3g.40gb,1c.3g.40gb"],["3g.40gb","3g.40gb"]]'
expect_stdout "CI profiles: assert" '^Selected MIG configuration currently applied$' -- assert -f "$ap_cfg/a100.yaml" -c ci-profiles
expect_stdout "CI profiles: export counts CIs" '^        "1c\.3g\.40gb": 3$' -- export
"$migctl" export >"$tmp/ap_export1.yaml" 2>"$tmp/err"
ap_do "destroy everything" -- destroy --all
ap_do "apply the export" -- apply -f "$tmp/ap_export1.yaml"
"$migctl" export >"$tmp/ap_export2.yaml" 2>"$tmp/err"
if cmp -s "$tmp/ap_export1.yaml" "$tmp/ap_export2.yaml"; then ok; else bad "export round trip with CI profiles"; diff "$tmp/ap_export1.yaml" "$tmp/ap_export2.yaml"; fi

# overlapping specs: the last one that matches a GPU decides
ap_new --gpus A100-SXM4-80GB:2
ap_do "overlap" -- apply -f "$ap_cfg/a100.yaml" -c overlap
ap_eq "overlap: GPU 0 from the first spec, GPU 1 from the last" "$(ap_counts)" "0:7g.80gbx1 1:3g.40gbx2"
expect_stdout "overlap: assert" '^Selected MIG configuration currently applied$' -- assert -f "$ap_cfg/a100.yaml" -c overlap

# --- 10. checkpoint / restore ----------------------------------------------------------------
ap_new --gpus A100-SXM4-80GB:2
ap_do "GPU 0 pinned" -- apply -f "$ap_cfg/a100.yaml" -c pinned
ap_do "GPU 1: MIG on" -- mode enable -i 1 --reset
ap_do "GPU 1: 4g.40gb" -- create -i 1 4g.40gb
printf 'victim\n' >"$tmp/ap_cp_victim"
ln -s "$tmp/ap_cp_victim" "$tmp/ap_cp.json.tmp"
ap_do "checkpoint" -- checkpoint -f "$tmp/ap_cp.json"
ap_eq "checkpoint: a planted temp link is not followed" "$(cat "$tmp/ap_cp_victim")" victim
lgi1=$(ap_lgi)
exp1=$("$migctl" export)
expect_json "checkpoint: mig-parted's format" '[.Version, (.MigState.Devices | length), ([.MigState.Devices[].MigMode] | unique), ([.MigState.Devices[0].GpuInstances[] | "\(.ProfileID)@\(.Placement.Start)"] | sort)]' \
	'["v1",2,[1],["0@6","2@0"]]' -- checkpoint -f -
# finding 12: "ProfileID" of a GI is the NVML_GPU_INSTANCE_PROFILE_* index as
# in mig-parted's files (1g = 0, 3g = 2: shared/reference/nvml-mig.md §1.4),
# with the profile ID (19, 9: nvml-mig.md §2.2) only in migctl's own field
expect_json "checkpoint: index in ProfileID, ID in MigctlProfileID" '[.MigctlFormat, ([.MigState.Devices[0].GpuInstances[] | "\(.ProfileID)/\(.MigctlProfileID)"] | sort)]' \
	'[2,["0/19","2/9"]]' -- checkpoint -f -
ap_do "change the layout" -- apply -f "$ap_cfg/a100.yaml" -c all-balanced
ap_eq "layout changed" "$(ap_counts)" "0:1g.10gbx2,2g.20gbx1,3g.40gbx1 1:1g.10gbx2,2g.20gbx1,3g.40gbx1"
ap_do "restore" -- restore -f "$tmp/ap_cp.json"
ap_eq "restore: same GIs at the same placements" "$(ap_lgi)" "$lgi1"
ap_eq "restore: same CIs" "$("$migctl" export)" "$exp1"
sed 's/"GPU-[0-9a-f]/"GPU-f/' "$tmp/ap_cp.json" >"$tmp/ap_cp_other.json"
ap_snap
ap_expect "restore: UUID not on the node" 13 '' 'GPU-f.* of the checkpoint is not on this node' -- restore -f "$tmp/ap_cp_other.json"
printf '{"Version":"v1",\n' >"$tmp/ap_cp_bad.json"
ap_expect "restore: malformed checkpoint" 5 '' 'ap_cp_bad\.json' -- restore -f "$tmp/ap_cp_bad.json"
printf '{"Version":"v1","MigState":{"Devices":[{"UUID":1}]}}\n' >"$tmp/ap_cp_bad2.json"
ap_expect "restore: bad UUID type" 5 '' 'UUID' -- restore -f "$tmp/ap_cp_bad2.json"
printf '{"Version":"v1","MigctlFormat":3,"MigState":{"Devices":[]}}\n' >"$tmp/ap_cp_newer.json"
ap_expect "restore: a newer migctl's checkpoint" 5 '' 'newer migctl' -- restore -f "$tmp/ap_cp_newer.json"
# outputs replace a link at their name instead of writing through it; a
# checkpoint behind another user's link is not read
printf 'victim\n' >"$tmp/ap_cp_victim2"
ln -s "$tmp/ap_cp_victim2" "$tmp/ap_cp_link.json"
ap_do "checkpoint: -f names a link" -- checkpoint -f "$tmp/ap_cp_link.json"
ap_eq "checkpoint: the link's target is left alone" "$(cat "$tmp/ap_cp_victim2")" victim
ap_eq "checkpoint: the link became the file" "$([ -f "$tmp/ap_cp_link.json" ] && [ ! -L "$tmp/ap_cp_link.json" ] && echo file)" file
if [ "$(id -u)" -eq 0 ]; then
	ln -s "$tmp/ap_cp.json" "$tmp/ap_cp_planted.json"
	chown -h nobody "$tmp/ap_cp_planted.json"
	ap_expect "restore: a checkpoint behind another user's link" 26 '' 'ap_cp_planted.json on its path is owned by uid' -- restore -f "$tmp/ap_cp_planted.json"
fi
ap_same "bad restores change nothing"

# a checkpoint written as mig-parted writes it (tests/cli/checkpoints/,
# from reference/mig-parted.md §2.7: GI profile by index, no CI placement)
# restores the same profiles with migctl: index 2 = 3g.40gb, 9 = 1g.20gb
# (1_SLICE_REV2, its CI is ID 7: reference/mig-profiles.md), 1 = 2g.20gb
# (reference/nvml-mig.md §1.4, §2.2)
ap_new --gpus A100-SXM4-80GB
ap_do "MIG on" -- mode enable -i 0 --reset
ap_uuid=$("$migctl" status -o json | jq -r '.gpus[0].uuid')
sed "s/@UUID0@/$ap_uuid/" "$here/checkpoints/mig-parted-a100.json" >"$tmp/ap_cp_parted.json"
ap_expect "restore: mig-parted's checkpoint" 0 '' '' -- restore -f "$tmp/ap_cp_parted.json"
ap_eq "restore: mig-parted's profiles at their placements" "$("$migctl" status -o json | jq -c '[.gpus[0].gpu_instances[] | "\(.profile)@\(.placement.start)"] | sort')" \
	'["1g.20gb@0","2g.20gb@2","3g.40gb@4"]'
# and migctl's checkpoint of it reads as mig-parted's: the same indices
expect_json "checkpoint: the indices mig-parted wrote" '[.MigState.Devices[0].GpuInstances[] | .ProfileID] | sort' \
	'[1,2,9]' -- checkpoint -f -

# CIs with a hole (1c.3g.40gb at 0 and 2): a restore puts them back there,
# not at 0 and 1 (the checkpoint is an exact target, include/migctl/layout.h)
ap_new --gpus A100-SXM4-80GB
ap_do "MIG on" -- mode enable -i 0 --reset
ap_do "3g.40gb without CIs" -- create -i 0 3g.40gb --no-ci
ap_do "three 1c CIs" -- create -i 0 --gi 2 --ci 1c.3g.40gb,1c.3g.40gb,1c.3g.40gb
ap_do "drop the middle one" -- destroy -i 0 --gi 2 --ci 1
ap_cis() {
	"$migctl" status -o json | jq -c '[.gpus[0].gpu_instances[].compute_instances[].placement.start] | sort'
}
ap_eq "a hole at 1" "$(ap_cis)" "[0,2]"
ap_do "checkpoint with a hole" -- checkpoint -f "$tmp/ap_cp_hole.json"
ap_do "destroy everything" -- destroy -i 0 --all
ap_do "restore the hole" -- restore -f "$tmp/ap_cp_hole.json"
ap_eq "restore: CIs back at 0 and 2" "$(ap_cis)" "[0,2]"
ap_do "CIs packed at 0 and 1" -- destroy -i 0 --gi 2 --ci all
ap_do "two 1c CIs" -- create -i 0 --gi 2 --ci 1c.3g.40gb,1c.3g.40gb
ap_eq "packed" "$(ap_cis)" "[0,1]"
ap_expect "restore: moves the CI at 1 to 2" 0 '1 destroyed, 1 created, 2 kept' '' -- restore -f "$tmp/ap_cp_hole.json"
ap_eq "restore: CIs at 0 and 2 again" "$(ap_cis)" "[0,2]"

# --- 11. recover, rollback ---------------------------------------------------------------------
ap_new --gpus A100-SXM4-80GB
ap_expect "recover: no journal" 0 'nothing to recover' '' -- recover
ap_json "recover -o json: no journal" 0 '[.ok, .recovered]' '[true,false]' -- recover -o json
printf 'this is not JSON\n' >"$tmp/ap_journal"
ap_expect "recover: journal is not JSON" 5 '' 'ap_journal:1: not a migctl journal' -- recover --journal "$tmp/ap_journal"
printf 'this is not JSON\n' >"$MIGSIM_STATE/migctl-journal.jsonl"
ap_snap
ap_expect "recover: default journal is not JSON" 5 '' 'migctl-journal\.jsonl:1: not a migctl journal' -- recover
ap_expect "apply: refuses a broken journal" 5 '' 'not a migctl journal' -- apply -f "$ap_cfg/a100.yaml" -c all-balanced
ap_same "broken journal: nothing changed"
rm -f "$MIGSIM_STATE/migctl-journal.jsonl"

# a failed step: the GPU goes back to its checkpoint (exit 22)
ap_do "balanced" -- apply -f "$ap_cfg/a100.yaml" -c balanced-pinned
exp1=$("$migctl" export)
"$MIGSIM_BIN" fault add --call nvmlDeviceCreateGpuInstanceWithPlacement --error INSUFFICIENT_RESOURCES --after 1 >/dev/null
ap_expect "failed step: rolled back" 22 '^GPU 0 .*: rolled-back$' 'Insufficient Resources' -- apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_eq "rolled back to the layout before" "$("$migctl" export)" "$exp1"
ap_eq "no journal left" "$(ap_journal)" 0
# a crash mid-apply: the journal stays; recover rolls back
"$MIGSIM_BIN" fault clear >/dev/null
"$MIGSIM_BIN" fault add --call nvmlGpuInstanceCreateComputeInstanceWithPlacement --error kill >/dev/null
"$migctl" apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g >/dev/null 2>&1
ap_eq "crash: the journal is left" "$(ap_journal)" 1
ap_eq "the journal is private (0600)" "$(stat -c %a "$MIGSIM_STATE/migctl-journal.jsonl")" 600
ap_expect "recover after a crash" 0 '^GPU 0 .*: rolled-back$' '' -- recover
ap_eq "recover: back at the layout before" "$("$migctl" export)" "$exp1"
ap_eq "recover: journal removed" "$(ap_journal)" 0
ap_expect "recover again: nothing" 0 'nothing to recover' '' -- recover

# hostile journals (issue 13, findings 7, 9, 10): a FIFO or a link to
# /dev/zero must not hang recover or apply; a planted temp file link is not
# followed; a stale temp file goes; a path too long is refused, not cut
"$MIGSIM_BIN" fault clear >/dev/null
ap_snap
mkfifo "$tmp/ap_fifo"
ap_expect "recover: a FIFO journal" 4 '' 'ap_fifo: it is not a regular file' -- recover --journal "$tmp/ap_fifo"
ln -s /dev/zero "$tmp/ap_zero"
ap_expect "apply: a journal linked to /dev/zero" 4 '' 'ap_zero: it is a symbolic link' -- apply -f "$ap_cfg/a100.yaml" -c all-balanced --journal "$tmp/ap_zero"
ap_same "hostile journals: nothing changed"
printf 'victim\n' >"$tmp/ap_victim"
ln -s "$tmp/ap_victim" "$MIGSIM_STATE/migctl-journal.jsonl.tmp"
ap_expect "apply: a stale or planted temp file" 0 '' '' -- apply -f "$ap_cfg/a100.yaml" -c all-balanced
ap_eq "the planted link's target is untouched" "$(cat "$tmp/ap_victim")" victim
ap_eq "no temp file left" "$(ls "$MIGSIM_STATE" | grep -c 'jsonl.tmp')" 0
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	# a journal directory another user made (a root test run can make one)
	mkdir "$tmp/ap_theirs" && chown nobody "$tmp/ap_theirs"
	ap_expect "apply: journal directory of another user" 16 '' 'ap_theirs is owned by another user' -- apply -f "$ap_cfg/a100.yaml" -c all-disabled --journal "$tmp/ap_theirs/j.jsonl"
fi
ap_long=$tmp/$(printf '%0600d' 0)
ap_expect "--journal longer than the buffer" 2 '' 'journal path is longer than 511' -- recover --journal "$ap_long"

# --- 12. hooks ------------------------------------------------------------------------------------
ap_new --gpus A100-SXM4-80GB
hk=$(mktemp -d "$tmp/hooks.XXXXXX")
cat >"$hk/hooks.yaml" <<EOF
version: v1
hooks:
  apply-start:
    - command: /bin/sh
      args: ["-c", "echo apply-start >> $hk/order; /usr/bin/env > $hk/start.env"]
      envs:
        HOOKVAR: from-hooks
        MIG_PARTED_SELECTED_CONFIG: overridden
  pre-apply-mode:
    - command: /bin/sh
      args: ["-c", "echo pre-apply-mode >> $hk/order"]
  pre-apply-config:
    - command: /bin/sh
      args: ["-c", "echo pre-apply-config >> $hk/order; /usr/bin/env > $hk/config.env"]
  apply-exit:
    - command: /bin/sh
      args: ["-c", "echo apply-exit >> $hk/order"]
EOF
cat >"$hk/fail.yaml" <<EOF
version: v1
hooks:
  apply-start:
    - command: /bin/sh
      args: ["-c", "echo apply-start >> $hk/order; exit 3"]
    - command: /bin/sh
      args: ["-c", "echo second >> $hk/order"]
EOF
PARENTVAR=leaked
export PARENTVAR
ap_do "apply with hooks" -- apply -k "$hk/hooks.yaml" -f "$ap_cfg/a100.yaml" -c all-balanced
ap_eq "hooks: order" "$(tr '\n' ' ' <"$hk/order")" "apply-start pre-apply-mode pre-apply-config apply-exit "
ap_eq "hooks: MIG_PARTED_CONFIG_FILE" "$(grep '^MIG_PARTED_CONFIG_FILE=' "$hk/config.env")" "MIG_PARTED_CONFIG_FILE=$ap_cfg/a100.yaml"
ap_eq "hooks: MIG_PARTED_SELECTED_CONFIG (the command line wins)" "$(grep '^MIG_PARTED_SELECTED_CONFIG=' "$hk/start.env")" "MIG_PARTED_SELECTED_CONFIG=all-balanced"
ap_eq "hooks: MIG_PARTED_HOOKS_FILE" "$(grep '^MIG_PARTED_HOOKS_FILE=' "$hk/config.env")" "MIG_PARTED_HOOKS_FILE=$hk/hooks.yaml"
ap_eq "hooks: envs of the hook" "$(grep '^HOOKVAR=' "$hk/start.env")" "HOOKVAR=from-hooks"
ap_eq "hooks: envs only for their command" "$(grep -c '^HOOKVAR=' "$hk/config.env")" 0
ap_eq "hooks: parent environment not inherited" "$(grep -c -e '^PARENTVAR=' -e '^PATH=' -e '^MIGSIM_STATE=' "$hk/start.env")" 0
rm -f "$hk/order"
ap_do "apply again with hooks" -- apply -k "$hk/hooks.yaml" -f "$ap_cfg/a100.yaml" -c all-balanced
ap_eq "hooks: nothing to change, no pre-apply hooks" "$(tr '\n' ' ' <"$hk/order")" "apply-start apply-exit "
rm -f "$hk/order"
ap_expect "hooks: a failing apply" 11 '' 'at most 2' -- apply -k "$hk/hooks.yaml" -f "$ap_cfg/a100.yaml" -c three-3g
ap_eq "hooks: apply-exit runs after a failure" "$(tr '\n' ' ' <"$hk/order")" "apply-start apply-exit "
rm -f "$hk/order"
ap_do "layout change only" -- apply -k "$hk/hooks.yaml" -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_eq "hooks: no pre-apply-mode without a mode change" "$(tr '\n' ' ' <"$hk/order")" "apply-start pre-apply-config apply-exit "
rm -f "$hk/order"
ap_snap
ap_expect "hooks: failing apply-start" 23 '' 'hook apply-start: ./bin/sh. .*exited with status 3' -- apply -k "$hk/fail.yaml" -f "$ap_cfg/a100.yaml" -c all-balanced
ap_eq "hooks: the first failure stops the hook" "$(tr '\n' ' ' <"$hk/order")" "apply-start "
ap_same "failing apply-start: nothing changed"
ap_expect "hooks: --dry-run runs none" 0 'planned' '' -- apply -n -k "$hk/hooks.yaml" -f "$ap_cfg/a100.yaml" -c all-balanced
ap_eq "hooks: --dry-run ran none" "$(cat "$hk/order" 2>/dev/null)" "apply-start"
printf 'version: v1\nhooks:\n  post-apply:\n    - command: /bin/true\n' >"$hk/badhooks.yaml"
ap_expect "hooks: unknown hook name" 5 '' 'unknown hook "post-apply"' -- apply -k "$hk/badhooks.yaml" -f "$ap_cfg/a100.yaml" -c all-balanced
ap_same "bad hooks: nothing changed"
unset PARENTVAR

# --- 13. the nvidia-mig-parted personality ---------------------------------------------------------
ap_new --gpus A100-SXM4-80GB:2
ap_expect "parted assert: not applied" 21 '' '^Assertion failure: selected configuration not currently applied$' -- parted assert -f "$ap_cfg/a100.yaml" -c all-balanced
ap_expect "parted apply" 0 '^MIG configuration applied successfully$' '' -- parted apply -f "$ap_cfg/a100.yaml" -c all-balanced
ap_eq "parted apply: balanced" "$(ap_counts)" "0:1g.10gbx2,2g.20gbx1,3g.40gbx1 1:1g.10gbx2,2g.20gbx1,3g.40gbx1"
ap_expect "parted assert: applied" 0 '^Selected MIG configuration currently applied$' '' -- parted assert -f "$ap_cfg/a100.yaml" -c all-balanced
MIG_PARTED_CONFIG_FILE=$ap_cfg/a100.yaml MIG_PARTED_SELECTED_CONFIG=3g-4x1g
export MIG_PARTED_CONFIG_FILE MIG_PARTED_SELECTED_CONFIG
ap_expect "parted assert from variables" 21 '' '^Assertion failure: selected configuration not currently applied$' -- parted assert
ap_expect "parted apply from variables" 0 '^MIG configuration applied successfully$' '' -- parted apply
ap_eq "parted apply from variables: layout" "$(ap_counts)" "0:1g.10gbx4,3g.40gbx1 1:1g.10gbx4,3g.40gbx1"
ap_expect "parted: flags win over variables" 21 '' 'Assertion failure' -- parted assert -c all-balanced
unset MIG_PARTED_CONFIG_FILE MIG_PARTED_SELECTED_CONFIG
ap_bin=$(mktemp -d "$tmp/bin.XXXXXX")
ln -s "$(cd "$(dirname "$migctl")" && pwd)/$(basename "$migctl")" "$ap_bin/nvidia-mig-parted"
if "$ap_bin/nvidia-mig-parted" assert -f "$ap_cfg/a100.yaml" -c 3g-4x1g >"$tmp/out" 2>"$tmp/err" &&
	grep -qx 'Selected MIG configuration currently applied' "$tmp/out"; then
	ok
else
	bad "nvidia-mig-parted symlink: assert"; cat "$tmp/err" "$tmp/out"
fi
if "$ap_bin/nvidia-mig-parted" apply -f "$ap_cfg/a100.yaml" -c all-balanced >"$tmp/out" 2>"$tmp/err" && grep -qx 'MIG configuration applied successfully' "$tmp/out" &&
	[ "$(ap_counts)" = "0:1g.10gbx2,2g.20gbx1,3g.40gbx1 1:1g.10gbx2,2g.20gbx1,3g.40gbx1" ]; then
	ok
else
	bad "nvidia-mig-parted symlink: apply"; cat "$tmp/err" "$tmp/out"
fi
if ! "$ap_bin/nvidia-mig-parted" assert -f "$ap_cfg/a100.yaml" -c three-3g >"$tmp/out" 2>"$tmp/err" && grep -q 'Assertion failure: selected configuration not currently applied' "$tmp/err"; then
	ok
else
	bad "nvidia-mig-parted symlink: assert fails"; cat "$tmp/err" "$tmp/out"
fi
ap_json "parted export -o json: no migctl-placements" 0 '[([.. | objects | has("migctl-placements")] | any), .version, (.["mig-configs"].current[0] | .devices, .["mig-devices"]["1g.10gb"])]' '[false,"v1","all",2]' -- parted export -o json
ap_expect "parted export: YAML" 0 '^version: v1$' '' -- parted export
ap_expect "parted export: no placements in YAML" 0 '' '' -- parted export
if grep -q migctl "$tmp/out"; then bad "parted export YAML has migctl keys"; cat "$tmp/out"; else ok; fi
ap_expect "parted apply: missing -f" 2 '' "missing required flags 'config-file'" -- parted apply -c all-balanced
ap_expect "parted restore: missing -f" 2 '' "missing required flags 'checkpoint-file'" -- parted restore
ap_expect "parted: parse error" 5 '' 'unknown version: v2' -- parted apply -f "$ap_cfg/parse-version-v2.yaml"
ap_expect "parted assert -a" 0 '^Selected MIG configuration is valid$' '' -- parted assert -a -f "$ap_cfg/two-labels.yaml" -c all-disabled
ap_expect "parted checkpoint" 0 '' '' -- parted checkpoint -f "$tmp/ap_pcp.json"
ap_expect "parted restore" 0 '^MIG configuration applied successfully$' '' -- parted restore -f "$tmp/ap_pcp.json"

# --- 14. config generate --------------------------------------------------------------------------
"$migctl" config generate --model A100-SXM4-80GB,A30 >"$tmp/ap_gen.yaml" 2>"$tmp/err" || { bad "config generate --model"; cat "$tmp/err"; }
expect_stdout "generated config is valid" '^Selected MIG configuration is valid$' -- assert -a -f - -c all-balanced <"$tmp/ap_gen.yaml"
ap_eq "generated labels" "$(grep -Eo '^  (all-disabled|all-enabled|all-balanced|all-1g\.10gb|all-1g\.6gb):$' "$tmp/ap_gen.yaml" | sort | tr -d ' \n')" \
	"all-1g.10gb:all-1g.6gb:all-balanced:all-disabled:all-enabled:"
if grep -q '"0x20B210DE"' "$tmp/ap_gen.yaml" && grep -q '"0x20B710DE"' "$tmp/ap_gen.yaml"; then
	ok
else
	bad "generated config: device filters of both models"; head -30 "$tmp/ap_gen.yaml"
fi
# -o json: the same config (mig-parted's generate-config -o json), and
# migctl reads it back (JSON is YAML)
expect_json "config generate -o json: A30 all-balanced (reference §1.6)" \
	'.["mig-configs"]["all-balanced"][0]["mig-devices"]' '{"1g.6gb":2,"2g.12gb":1}' -- config generate --model A30 -o json
"$migctl" config generate --model A100-SXM4-80GB,A30 -o json >"$tmp/ap_gen.json" 2>"$tmp/err" || { bad "config generate -o json"; cat "$tmp/err"; }
ap_eq "config generate -o json: same labels as YAML" "$(jq -c '.["mig-configs"] | keys_unsorted' "$tmp/ap_gen.json")" \
	"$(grep -Eo '^  [^ ].*:$' "$tmp/ap_gen.yaml" | tr -d ' :' | jq -R . | jq -c -s .)"
expect_stdout "the JSON config is valid for migctl" '^Selected MIG configuration is valid$' -- assert -a -f "$tmp/ap_gen.json" -c all-balanced
expect_stdout "config generate --help documents -o json" '^  -o, --output FMT +yaml \(default\) or json' -- config generate --help
ap_new --gpus A100-SXM4-80GB:2,A30
expect_json "parted generate-config -o json" '[.version, (.["mig-configs"] | has("all-1g.6gb"))]' '["v1",true]' -- parted generate-config -o json
"$migctl" config generate -f "$tmp/ap_gen_node.yaml" 2>"$tmp/err" || { bad "config generate on the node"; cat "$tmp/err"; }
ap_do "apply the generated all-balanced" -- apply -f "$tmp/ap_gen_node.yaml" -c all-balanced
ap_eq "generated all-balanced: per GPU (reference §1.6)" "$(ap_counts)" "0:1g.10gbx2,2g.20gbx1,3g.40gbx1 1:1g.10gbx2,2g.20gbx1,3g.40gbx1 2:1g.6gbx2,2g.12gbx1"
expect_stdout "generated all-balanced asserts" '^Selected MIG configuration currently applied$' -- assert -f "$tmp/ap_gen_node.yaml" -c all-balanced
ap_do "apply the generated all-1g.6gb" -- apply -f "$tmp/ap_gen_node.yaml" -c all-1g.6gb
ap_eq "generated all-1g.6gb: 4 on the A30, others left" "$(ap_counts)" "0:1g.10gbx2,2g.20gbx1,3g.40gbx1 1:1g.10gbx2,2g.20gbx1,3g.40gbx1 2:1g.6gbx4"

# --- 15. nvidia-mig-parted's own data files ---------------------------------------------------------
if [ -f "$ap_data/examples-config.yaml" ] && [ -f "$ap_data/config-default.yaml" ]; then
	# examples/config.yaml custom-config on a DGX A100 (8 x A100-SXM4-40GB):
	# GPUs 0-3 off; 4: 1g.5gb x 7; 5: 2g.10gb x 3; 6: 3g.20gb x 2;
	# 7: 1g.5gb x 2 + 2g.10gb + 3g.20gb (reference §1.6)
	ap_new --gpus A100-SXM4-40GB:8
	ap_do "custom-config" -- apply -f "$ap_data/examples-config.yaml" -c custom-config
	ap_eq "custom-config: per GPU" "$(ap_counts)" "0: 1: 2: 3: 4:1g.5gbx7 5:2g.10gbx3 6:3g.20gbx2 7:1g.5gbx2,2g.10gbx1,3g.20gbx1"
	ap_state "custom-config: MIG modes" '[.gpus[].mig.current]' '[false,false,false,false,true,true,true,true]'
	expect_stdout "custom-config asserts" '^Selected MIG configuration currently applied$' -- assert -f "$ap_data/examples-config.yaml" -c custom-config
	# config-default.yaml all-balanced picks the entry by device filter
	ap_new --gpus A100-SXM4-80GB:2,A30
	ap_do "config-default all-balanced" -- apply -f "$ap_data/config-default.yaml" -c all-balanced
	ap_eq "config-default all-balanced: per GPU" "$(ap_counts)" "0:1g.10gbx2,2g.20gbx1,3g.40gbx1 1:1g.10gbx2,2g.20gbx1,3g.40gbx1 2:1g.6gbx2,2g.12gbx1"
	expect_stdout "config-default all-balanced asserts" '^Selected MIG configuration currently applied$' -- assert -f "$ap_data/config-default.yaml" -c all-balanced
	expect_stdout "config-default is valid for mig-parted too" '^Selected MIG configuration is valid$' -- parted assert -a -f "$ap_data/config-default.yaml" -c all-disabled
else
	echo "note: data/mig-parted/ has no examples-config.yaml or config-default.yaml; skipped"
fi

ap_idle
fi
unset MIGCTL_SIM MIGSIM_STATE
