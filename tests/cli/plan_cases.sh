# migctl plan: offline fleets from the catalog, demand files, errors, and a
# plan on the simulator that keeps an existing instance and then applies
# cleanly. Sourced by tests/cli/cases.sh (ok, bad, expect_*, $tmp, $migctl
# come from tests/cli/run.sh).
# shellcheck shell=sh disable=SC2154

MIGSIM_BIN=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}
A100=a100-sxm4-80gb
H100=h100-sxm5-80gb

# pl_expect_json NAME CODE FILTER EXPECTED STDERR-PATTERN -- ARGS...: exit
# CODE, JSON on stdout for which the jq FILTER prints EXPECTED, stderr
# matches STDERR-PATTERN ('' matches anything).
pl_expect_json() {
	pl_name=$1 pl_code=$2 pl_expr=$3 pl_want=$4 pl_errp=$5
	shift 6
	"$migctl" "$@" >"$tmp/out" 2>"$tmp/err"
	pl_rc=$?
	pl_got=$(jq -c -r "$pl_expr" "$tmp/out" 2>&1)
	if [ "$pl_rc" -eq "$pl_code" ] && [ "$pl_got" = "$pl_want" ] &&
		{ [ -z "$pl_errp" ] || grep -Eq -- "$pl_errp" "$tmp/err"; }; then
		ok
	else
		bad "$pl_name (exit $pl_rc, want $pl_code; got '$pl_got', want '$pl_want')"; cat "$tmp/err"
	fi
}

# --- help -------------------------------------------------------------------
expect_stdout "plan --help: --fleet" '^  --fleet LIST ' -- plan --help
expect_stdout "plan --help: --demand-file" '^  --demand-file FILE ' -- plan --help
expect_stdout "plan --help: -o config" 'text \(default\), json, config, k8s, or slurm' -- plan --help
expect_stdout "migctl --help lists plan" '^  plan ' -- --help

# --- packing, offline ---------------------------------------------------------
# 3g.40gb may start at 0 or 4, 2g.20gb at 0, 2 or 4: only 3g@4 leaves room
# for both 2g.
expect_json "3g+2g+2g on one A100: 3g at 4" \
	'[.gpus_used, .optimal, (.per_gpu[0].instances[] | select(.profile == "3g.40gb") | .start)]' '[1,true,4]' \
	-- plan --fleet "$A100:1" --demand 3g.40gb=1,2g.20gb=2 -o json
expect_json "3g+2g+2g: every instance placed, none pinned" \
	'[.per_gpu[0].instances[] | "\(.profile)@\(.start):\(.size):\(.pinned)"]' \
	'["2g.20gb@0:2:false","2g.20gb@2:2:false","3g.40gb@4:4:false"]' \
	-- plan --fleet "$A100:1" --demand 3g.40gb=1,2g.20gb=2 -o json
# A 7g takes a whole GPU, seven 1g another: 2 GPUs of 4, proven.
expect_json "7x1g + 1x7g on 4 A100" '[.gpus_used, .optimal, .lower_bound, .fleet_size]' '[2,true,2,4]' \
	-- plan --fleet "$A100:4" --demand 1g.10gb=7,7g.80gb=1 -o json
expect_json "JSON: nothing unplaced, nothing destroyed" '[.unplaced, .destroyed, .complete]' '[[],[],true]' \
	-- plan --fleet "$A100:4" --demand 1g.10gb=7,7g.80gb=1 -o json
# The issue's example, 13 x 1g.10gb and 4 x 3g.40gb on 8 H100. Two 3g fill
# a GPU (3g@0 + 3g@4); 3g@4 leaves units 0-3 for four 1g (1g may start at
# 0..6), so 4 GPUs of (3g + 4 x 1g) hold 4 x 3g and 16 x 1g. No 3 GPUs do:
# the compute slices are 4*3 + 13 = 25 > 3*7 = 21, so the bound is
# ceil(25/7) = 4, and 4 is optimal.
expect_json "issue example: 4 of 8 H100, optimal" '[.gpus_used, .lower_bound, .optimal]' '[4,4,true]' \
	-- plan --fleet "$H100:8" --demand 1g.10gb=13,3g.40gb=4 -o json
expect_json "issue example: every 3g at 4" '[.per_gpu[].instances[] | select(.profile == "3g.40gb") | .start] | unique' '[4]' \
	-- plan --fleet "$H100:8" --demand 1g.10gb=13,3g.40gb=4 -o json
expect_json "issue example: counts per profile" \
	'[.per_gpu[].instances[].profile] | group_by(.) | map([.[0], length])' '[["1g.10gb",13],["3g.40gb",4]]' \
	-- plan --fleet "$H100:8" --demand 1g.10gb=13,3g.40gb=4 -o json
expect_stdout "text: GPUs used and the bound" '^Plan: 4 of 8 GPUs used; optimal \(lower bound 4 reached\)$' \
	-- plan --fleet "$H100:8" --demand 1g.10gb=13,3g.40gb=4
expect_stdout "text: unit map" '^ +0  NVIDIA H100 80GB HBM3  ABCDEEEE +0  A=1g\.10gb@0:1  B=1g\.10gb@1:1  C=1g\.10gb@2:1  D=1g\.10gb@3:1  E=3g\.40gb@4:4$' \
	-- plan --fleet "$H100:8" --demand 1g.10gb=13,3g.40gb=4
expect_stdout "text: unused GPUs" '^Unused GPUs: 4-7 \(NVIDIA H100 80GB HBM3\)$' \
	-- plan --fleet "$H100:8" --demand 1g.10gb=13,3g.40gb=4
expect_json "global -o json before the command" .gpus_used 1 -- -o json plan --fleet "$A100:2" --demand 7g.80gb=1
expect_json "profiles by ID and NVML name" '[.per_gpu[0].instances[].profile]' '["1g.10gb","1g.10gb","3g.40gb"]' \
	-- plan --fleet "$A100:1" --demand "19=2,MIG 3g.40gb=1" -o json
expect_json "--time-budget" .optimal true -- plan --fleet "$A100:2" --demand 1g.10gb=8 --time-budget 50 -o json

# --- mixed fleets -----------------------------------------------------------
# 1g.6gb exists only on the A30, 1g.10gb only on the A100.
expect_json "mixed fleet: each model's names" '[.per_gpu[] | [.model, ([.instances[].profile] | unique)]]' \
	'[["NVIDIA A100-SXM4-80GB",["1g.10gb"]],["NVIDIA A30",["1g.6gb"]]]' \
	-- plan --fleet "$A100:1,a30:1" --demand 1g.6gb=2,1g.10gb=2 -o json
expect_json "mixed fleet: both used" '[.gpus_used, .optimal]' '[2,true]' \
	-- plan --fleet "$A100:1,a30:1" --demand 1g.6gb=2,1g.10gb=2 -o json
expect_json "MODEL/PROFILE: only that model" '[.per_gpu[] | [.model, (.instances | length)]]' \
	'[["NVIDIA A100-SXM4-80GB",0],["NVIDIA H100 80GB HBM3",1]]' \
	-- plan --fleet "$A100:1,$H100:1" --demand "$H100/3g.40gb=1" -o json

# --- demand that does not fit: exit 11, exact counts, closest plan -----------
pl_expect_json "beyond the fleet: exit 11, exact unplaced" 11 '[.unplaced, .gpus_used, .complete]' \
	'[[{"profile":"1g.10gb","count":3}],2,false]' 'demand does not fit the fleet of 2 GPUs: 3 x 1g.10gb could not be placed' \
	-- plan --fleet "$A100:2" --demand 1g.10gb=17 -o json
# 7g and 7 x 1g both place 7 compute slices; then the most instances: the 1g.
pl_expect_json "closest plan: most instances" 11 '[.unplaced, ([.per_gpu[0].instances[].profile] | unique)]' \
	'[[{"profile":"7g.80gb","count":1},{"profile":"1g.10gb","count":1}],["1g.10gb"]]' '1 x 7g\.80gb, 1 x 1g\.10gb could not be placed' \
	-- plan --fleet "$A100:1" --demand 7g.80gb=1,1g.10gb=8 -o json
# A large plan is streamed (cli/plan_json.c): still one valid document with
# every GPU in order, the demand placed exactly, and the text's figures.
pl_big="1g.10gb=3423,2g.20gb=3614,3g.40gb=3595,4g.40gb=3469,7g.80gb=3455"
pl_expect_json "10,000 GPUs: streamed JSON is whole" 0 \
	'[.fleet_size, (.per_gpu | length), ([.per_gpu[].index] == [range(10000)]), .gpus_used, ([.per_gpu[] | select(.used)] | length), ([.per_gpu[].instances[]] | length), ([.demand[].placed] | add), .optimal]' \
	'[10000,10000,true,8500,8500,17556,17556,true]' '' -- plan --fleet "$A100:10000" --demand "$pl_big" -o json
"$migctl" plan --fleet "$A100:10000" --demand "$pl_big" >"$tmp/out" 2>"$tmp/err"
if grep -q '^Plan: 8500 of 10000 GPUs used; optimal' "$tmp/out" &&
	grep -q '^Unused GPUs: 8500-9999 ' "$tmp/out"; then ok; else bad "10,000 GPUs: text agrees"; cat "$tmp/err"; fi
"$migctl" plan --fleet "$A100:1" --demand 1g.10gb=9 >"$tmp/out" 2>"$tmp/err"
pl_rc=$?
if [ "$pl_rc" -eq 11 ] && grep -q '^Unplaced: 2 x 1g.10gb (of 9)$' "$tmp/out" &&
	grep -q '^Plan: 1 of 1 GPU used' "$tmp/out"; then ok; else bad "text: unplaced (exit $pl_rc)"; cat "$tmp/out" "$tmp/err"; fi

# --- -o config: a mig-parted v1 config ---------------------------------------
cat >"$tmp/plan_want.yaml" <<'EOF'
# migctl plan: 1 of 1 GPU used; optimal (lower bound 1 reached).
# Apply: migctl apply (or nvidia-mig-parted apply) -f FILE -c migctl-plan
version: v1
mig-configs:
  migctl-plan:
    - devices: [0]
      mig-enabled: true
      mig-devices: {"2g.20gb": 2, "3g.40gb": 1}
      # placements: 2g.20gb@0 2g.20gb@2 3g.40gb@4
EOF
if "$migctl" plan --fleet "$A100:1" --demand 3g.40gb=1,2g.20gb=2 -o config >"$tmp/out" 2>"$tmp/err" &&
	diff -u "$tmp/plan_want.yaml" "$tmp/out" >"$tmp/diff"; then ok; else bad "config: one A100"; cat "$tmp/diff" "$tmp/err"; fi
expect_stdout "config: --placements key" '^      migctl-placements: \["2g\.20gb@0", "2g\.20gb@2", "3g\.40gb@4"\]$' \
	-- plan --fleet "$A100:1" --demand 3g.40gb=1,2g.20gb=2 -o config --placements
expect_stdout "config: --config-name" '^  my-plan:$' -- plan --fleet "$A100:1" --demand 1g.10gb=1 -o config --config-name my-plan
# GPUs with the same layout share an entry; unused GPUs get MIG on and {}.
"$migctl" plan --fleet "$H100:8" --demand 1g.10gb=13,3g.40gb=4 -o config >"$tmp/out" 2>"$tmp/err"
pl_rc=$?
if [ "$pl_rc" -eq 0 ] && grep -qx 'version: v1' "$tmp/out" && grep -qx 'mig-configs:' "$tmp/out" &&
	grep -qx '    - devices: \[4, 5, 6, 7\]' "$tmp/out" &&
	[ "$(grep -c '^      mig-enabled: true$' "$tmp/out")" = "$(grep -c '^    - devices: ' "$tmp/out")" ] &&
	grep -qx '      mig-devices: {}' "$tmp/out" &&
	grep -qx '      mig-devices: {"1g.10gb": 4, "3g.40gb": 1}' "$tmp/out"; then
	ok
else
	bad "config: issue example (exit $pl_rc)"; cat "$tmp/out" "$tmp/err"
fi

# --- demand files -----------------------------------------------------------
printf 'demand: {1g.10gb: 13, 3g.40gb: 4}\n' >"$tmp/demand.yaml"
printf '{"demand": {"A100-SXM4-80GB": {"1g.10gb": 3}, "1g.6gb": 2}}\n' >"$tmp/demand.json"
printf 'demand:\n  1g.10gb: 3\nfleet: 2\n' >"$tmp/unknown-key.yaml"
printf 'demand:\n  1g.10gb: 3\n  3g.20gb: 4\n' >"$tmp/unknown-profile.yaml"
printf 'demand:\n  1g.10gb: three\n' >"$tmp/bad-count.yaml"
printf 'demand:\n  a30: {1g.6gb: 3}\n' >"$tmp/model-not-in-fleet.yaml"
printf 'demand:\n  nosuchgpu: {1g.6gb: 3}\n' >"$tmp/unknown-model.yaml"
printf 'demand: [1, 2\n' >"$tmp/syntax.yaml"
expect_json "demand file, YAML" '[.gpus_used, .optimal]' '[4,true]' -- plan --fleet "$H100:8" --demand-file "$tmp/demand.yaml" -o json
expect_json "demand file, JSON, per model" '[.demand[] | [.profile, .model, .placed]]' \
	'[["1g.10gb","NVIDIA A100-SXM4-80GB",3],["1g.6gb",null,2]]' \
	-- plan --fleet "$A100:1,a30:1" --demand-file "$tmp/demand.json" -o json
expect_exit "demand file: unknown key" 5 'unknown-key\.yaml:3: unknown key "fleet"' -- plan --fleet "$A100:1" --demand-file "$tmp/unknown-key.yaml"
expect_exit "demand file: unknown profile" 8 "unknown-profile\.yaml:3: profile '3g\.20gb' .*exists on no GPU model of the fleet \(NVIDIA A100-SXM4-80GB\)" \
	-- plan --fleet "$A100:1" --demand-file "$tmp/unknown-profile.yaml"
expect_exit "demand file: bad count" 5 'bad-count\.yaml:2: the count of "1g\.10gb" .*not "three"' -- plan --fleet "$A100:1" --demand-file "$tmp/bad-count.yaml"
expect_exit "demand file: model not in the fleet" 5 'model-not-in-fleet\.yaml:2: demand for NVIDIA A30, which is not in the fleet' \
	-- plan --fleet "$A100:1" --demand-file "$tmp/model-not-in-fleet.yaml"
expect_exit "demand file: unknown model" 7 'unknown-model\.yaml:2: unknown GPU model "nosuchgpu"' -- plan --fleet "$A100:1" --demand-file "$tmp/unknown-model.yaml"
expect_exit "demand file: YAML syntax" 5 'syntax\.yaml:2: YAML syntax error' -- plan --fleet "$A100:1" --demand-file "$tmp/syntax.yaml"
expect_exit "demand file: missing" 4 'cannot open demand file .*/nope\.yaml' -- plan --fleet "$A100:1" --demand-file "$tmp/nope.yaml"

# --- errors -------------------------------------------------------------------
expect_exit "plan: unknown model" 7 'unknown GPU model "a100"; did you mean' -- plan --fleet a100:4 --demand 1g.10gb=1
expect_exit "plan: unknown profile" 8 "profile '3g\.20gb' .*exists on no GPU model of the fleet \(NVIDIA A100-SXM4-80GB, NVIDIA A30\)" \
	-- plan --fleet "$A100:1,a30:1" --demand 3g.20gb=1
expect_exit "plan: --demand without a count" 2 '\-\-demand: bad item "3g\.40gb"; write PROFILE=N' -- plan --fleet "$A100:1" --demand 3g.40gb
expect_exit "plan: --demand bad count" 2 '\-\-demand: bad item "1g\.10gb=x"' -- plan --fleet "$A100:1" --demand 1g.10gb=x
expect_exit "plan: --demand empty item" 2 '\-\-demand: empty or overlong item' -- plan --fleet "$A100:1" --demand 1g.10gb=1,,2g.20gb=1
expect_exit "plan: --demand model not in fleet" 2 'tied to NVIDIA A30, which is not in the fleet' -- plan --fleet "$A100:1" --demand a30/1g.6gb=1
expect_exit "plan: --fleet bad count" 2 '\-\-fleet: bad item "a100-sxm4-80gb:many"' -- plan --fleet "$A100:many" --demand 1g.10gb=1
expect_exit "plan: no demand" 2 'missing demand' -- plan --fleet "$A100:1"
expect_exit "plan: both demand forms" 2 'not both' -- plan --fleet "$A100:1" --demand 1g.10gb=1 --demand-file "$tmp/demand.yaml"
expect_exit "plan: bad output format" 2 "bad output format 'yaml' \(use text, json, config, k8s or slurm\)" -- plan --fleet "$A100:1" --demand 1g.10gb=1 -o yaml
expect_exit "plan: --placements without config" 2 'placements applies to -o config only' -- plan --fleet "$A100:1" --demand 1g.10gb=1 --placements
expect_exit "plan: bad --time-budget" 2 'time-budget: bad value "soon"' -- plan --fleet "$A100:1" --demand 1g.10gb=1 --time-budget soon

# --- on the simulator: existing instances stay, the plan applies cleanly ----
if [ ! -x "$MIGSIM_BIN" ]; then
	bad "plan: MIGSIM_BIN=$MIGSIM_BIN is not executable"
else
	MIGSIM_STATE=$(mktemp -d "$tmp/plan.XXXXXX")
	MIGCTL_SIM=1
	export MIGCTL_SIM MIGSIM_STATE
	"$MIGSIM_BIN" init --gpus H100-SXM5-80GB:2 >/dev/null 2>"$tmp/err" || { bad "plan: migsim init"; cat "$tmp/err"; }
	"$migctl" mode enable >/dev/null 2>"$tmp/err" || { bad "plan: mode enable"; cat "$tmp/err"; }
	"$migctl" create 3g.40gb -i 0 --placement 0 >/dev/null 2>"$tmp/err" || { bad "plan: create the existing GI"; cat "$tmp/err"; }
	expect_json "sim: the existing GI is pinned" \
		'[.per_gpu[0].instances[] | select(.pinned) | "\(.profile)@\(.start)"]' '["3g.40gb@0"]' \
		-- plan --demand 3g.40gb=2,1g.10gb=3 -o json
	expect_json "sim: the pinned GI counts toward the demand" \
		'[.gpus_used, .optimal, ([.per_gpu[].instances[]] | length), (.demand[0].pinned)]' '[2,true,5,1]' \
		-- plan --demand 3g.40gb=2,1g.10gb=3 -o json
	expect_json "sim: --extra puts the demand on top" '[.per_gpu[].instances[]] | length' 6 \
		-- plan --demand 3g.40gb=2,1g.10gb=3 --extra -o json
	expect_stdout "sim: text marks the pinned GI" '3g\.40gb@0:4\*' -- plan --demand 3g.40gb=2,1g.10gb=3
	# Create what the plan says, at its placements: every create succeeds.
	"$migctl" plan --demand 3g.40gb=2,1g.10gb=3 -o json >"$tmp/plan.json" 2>"$tmp/err" || { bad "sim: plan"; cat "$tmp/err"; }
	jq -r '.per_gpu[] | .index as $g | .instances[] | select(.pinned | not) | "\($g) \(.profile) \(.start)"' \
		"$tmp/plan.json" >"$tmp/plan.todo"
	pl_fail=0
	while read -r pl_gpu pl_prof pl_start; do
		"$migctl" create -i "$pl_gpu" "$pl_prof" --placement "$pl_start" >/dev/null 2>>"$tmp/err" ||
			pl_fail=$((pl_fail + 1))
	done <"$tmp/plan.todo"
	if [ "$pl_fail" -eq 0 ] && [ "$(wc -l <"$tmp/plan.todo")" -eq 4 ]; then ok; else bad "sim: the plan applies ($pl_fail creates failed)"; cat "$tmp/err"; fi
	expect_json "sim: the node now has the plan's layout" \
		'[.gpus[] | [.gpu_instances[] | "\(.profile)@\(.placement.start)"] | sort]' \
		"$(jq -c '[.per_gpu[] | [.instances[] | "\(.profile)@\(.start)"] | sort]' "$tmp/plan.json")" -- status -o json
	# Applied: planning the same demand again keeps everything, adds nothing.
	expect_json "sim: re-planning pins all" '[([.per_gpu[].instances[] | .pinned] | all), .gpus_used]' '[true,2]' \
		-- plan --demand 3g.40gb=2,1g.10gb=3 -o json
	# A GPU with MIG disabled is still planned, from its catalog model.
	"$migctl" destroy -i 1 --all >/dev/null 2>&1
	"$migctl" mode disable -i 1 >/dev/null 2>"$tmp/err" || { bad "plan: mode disable"; cat "$tmp/err"; }
	# (GPU 0 keeps its instances, so the 7g can only go to GPU 1.)
	expect_json "sim: MIG-disabled GPU planned" '[.per_gpu[1].model, [.per_gpu[1].instances[].profile]]' '["NVIDIA H100 80GB HBM3",["7g.80gb"]]' \
		-- plan --demand 7g.80gb=1 --extra -o json
	expect_stdout "sim: says to enable MIG mode" "^GPU 1: MIG mode is disabled now; enable it before applying the plan \('migctl mode enable -i 1'\)$" \
		-- plan --demand 7g.80gb=1 --extra
	# plan | apply: the plan as a config with placements goes straight into
	# migctl apply, which creates exactly those instances and keeps the
	# ones that exist (GPU 0's 3g@0 and the 7g plan's GPUs).
	"$migctl" plan --demand 7g.80gb=1 --extra -o config --placements >"$tmp/plan.yaml" 2>"$tmp/err"
	"$migctl" mode enable -i 1 >/dev/null 2>&1
	"$migctl" plan --demand 7g.80gb=1 --extra -o config --placements 2>"$tmp/err" |
		"$migctl" apply -f - -o json >"$tmp/out" 2>>"$tmp/err"
	if [ "$(jq -c '[.ok, ([.gpus[] | .destroyed // 0] | add)]' "$tmp/out" 2>&1)" = '[true,0]' ]; then ok; else bad "sim: plan | apply"; cat "$tmp/err" "$tmp/out"; fi
	expect_json "sim: plan | apply made the 7g on GPU 1" \
		'[.gpus[1].gpu_instances[] | "\(.profile)@\(.placement.start)"]' '["7g.80gb@0"]' -- status -o json
	expect_stdout "sim: applying the plan again changes nothing" '^GPU 1 \(.*\): unchanged$' \
		-- apply -f "$tmp/plan.yaml"
	# --incremental: the online policy next to what exists. GPU 0 holds a
	# 3g@0 (plus what the earlier plan created), GPU 1 a 7g: a 1g can only
	# go to GPU 0, and nothing moves.
	"$migctl" destroy -i 0 --all >/dev/null 2>&1
	"$migctl" create 3g.40gb -i 0 --placement 0 >/dev/null 2>&1
	expect_json "sim: --incremental keeps every instance and adds the demand" \
		'[([.per_gpu[].instances[] | select(.pinned)] | length), [.per_gpu[0].instances[] | select(.pinned | not) | .profile], .gpus_used]' \
		'[2,["1g.10gb","1g.10gb"],2]' -- plan --incremental --demand 1g.10gb=2 -o json
	expect_stdout "sim: --incremental says it makes no optimality claim" 'incremental \(online policy' \
		-- plan --incremental --demand 1g.10gb=2
fi
unset MIGCTL_SIM MIGSIM_STATE
