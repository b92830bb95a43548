# migctl k8s labels / resources and plan -o k8s: the device plugin's
# resources for seed 004's layout (golden from the seed), GFD's labels, the
# single-strategy refusal, the features.d file, and the generated objects
# checked offline by kubectl (`kubectl label --local` parses an object and
# validates label keys and values without a cluster). Sourced by
# tests/cli/cases.sh (ok, bad, expect_*, $tmp, $migctl, $here come from
# tests/cli/run.sh).
# shellcheck shell=sh disable=SC2154

MIGSIM_BIN=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}
k8_cfg=$here/configs/k8s-seed004.yaml

# k8_new LAYOUT: a fresh 8 x A100-SXM4-40GB machine with LAYOUT applied.
k8_new() {
	MIGSIM_STATE=$(mktemp -d "$tmp/k8s.XXXXXX")
	export MIGCTL_SIM=1 MIGSIM_STATE
	"$MIGSIM_BIN" init --gpus A100-SXM4-40GB:8 >/dev/null 2>"$tmp/k8_err" &&
		"$migctl" apply -f "$k8_cfg" -c "$1" >/dev/null 2>>"$tmp/k8_err" ||
		{ bad "k8s: machine with $1"; cat "$tmp/k8_err"; }
}

# k8_eq NAME GOT WANT
k8_eq() {
	if [ "$2" = "$3" ]; then ok; else bad "$1 (got '$2', want '$3')"; fi
}

# The kubectl that checks the objects: Debian's kubernetes-client
# (scripts/install-deps.sh installs it where no kubectl is on PATH).
k8_kubectl=$(command -v kubectl || true)
# k8_kubectl_labels NAME FILE: every key=value line of FILE is a label
# kubectl accepts on a Node, and the Node it prints carries them all.
k8_kubectl_labels() {
	if [ -z "$k8_kubectl" ]; then
		bad "$1: no kubectl (run scripts/install-deps.sh)"
		return
	fi
	printf 'apiVersion: v1\nkind: Node\nmetadata:\n  name: gpu-node-1\n' >"$tmp/k8_node.yaml"
	# shellcheck disable=SC2046
	if "$k8_kubectl" label --local -f "$tmp/k8_node.yaml" -o json \
		$(grep -v '^#' "$2") >"$tmp/k8_kout" 2>"$tmp/k8_kerr" &&
		[ "$(jq '.metadata.labels | length' "$tmp/k8_kout")" = "$(grep -vc '^#' "$2")" ]; then
		ok
	else
		bad "$1"; cat "$tmp/k8_kerr"
	fi
}

# --- seed 004: 8 x (2 x 1g.5gb + 2g.10gb + 3g.20gb) ----------------------------
k8_new seed-004
expect_golden "k8s resources: seed 004's Capacity (mixed)" k8s-seed004-resources.txt -- k8s resources
expect_golden "k8s resources: mixed is the default" k8s-seed004-resources.txt -- k8s resources --strategy mixed
expect_json "k8s resources -o json" '.resources | [."nvidia.com/mig-1g.5gb", ."nvidia.com/mig-2g.10gb", ."nvidia.com/mig-3g.20gb", ."nvidia.com/gpu"]' '[16,8,8,0]' \
	-- k8s resources -o json
expect_exit "k8s resources --strategy single: refused on a mixed layout" 17 \
	'single strategy refuses this layout: more than one MIG device type.*--strategy mixed' -- k8s resources --strategy single

"$migctl" k8s labels >"$tmp/k8_labels" 2>"$tmp/k8_err" || { bad "k8s labels"; cat "$tmp/k8_err"; }
k8_eq "k8s labels: strategy" "$(grep '^nvidia.com/mig.strategy=' "$tmp/k8_labels")" "nvidia.com/mig.strategy=mixed"
k8_eq "k8s labels: counts" "$(grep -E '^nvidia.com/mig-[^.]+\.[^.]+\.count=' "$tmp/k8_labels" | tr '\n' ' ')" \
	"nvidia.com/mig-1g.5gb.count=16 nvidia.com/mig-2g.10gb.count=8 nvidia.com/mig-3g.20gb.count=8 "
# A100-40GB 3g.20gb (reference mig-profiles.md): 42 SMs, 3 compute slices,
# 3 copy engines, 2 decoders; its one CI covers the GI.
k8_eq "k8s labels: 3g.20gb attributes" \
	"$(grep -E '^nvidia.com/mig-3g.20gb\.(multiprocessors|slices\.gi|slices\.ci|engines\.copy|engines\.decoder|product)=' "$tmp/k8_labels" | tr '\n' ' ')" \
	"nvidia.com/mig-3g.20gb.engines.copy=3 nvidia.com/mig-3g.20gb.engines.decoder=2 nvidia.com/mig-3g.20gb.multiprocessors=42 nvidia.com/mig-3g.20gb.product=NVIDIA-A100-SXM4-40GB-MIG-3g.20gb nvidia.com/mig-3g.20gb.slices.ci=3 nvidia.com/mig-3g.20gb.slices.gi=3 "
k8_eq "k8s labels: 1g.5gb memory is the profile's MiB" "$(grep '^nvidia.com/mig-1g.5gb.memory=' "$tmp/k8_labels")" \
	"nvidia.com/mig-1g.5gb.memory=$("$migctl" profiles -i 0 -o json | jq '.gpus[0].gpu_instance_profiles[] | select(.name == "1g.5gb") | .memory_mib')"
k8_eq "k8s labels: the physical GPU count (mixed)" "$(grep '^nvidia.com/gpu.count=' "$tmp/k8_labels")" "nvidia.com/gpu.count=8"
k8_kubectl_labels "kubectl accepts every mixed label" "$tmp/k8_labels"

"$migctl" k8s labels --strategy single >"$tmp/k8_single" 2>"$tmp/k8_err" || { bad "k8s labels single"; cat "$tmp/k8_err"; }
k8_eq "k8s labels --strategy single: MIG-INVALID on a mixed layout" \
	"$(grep -E '^nvidia.com/gpu\.(product|count|memory)=' "$tmp/k8_single" | tr '\n' ' ')" \
	"nvidia.com/gpu.count=0 nvidia.com/gpu.memory=0 nvidia.com/gpu.product=NVIDIA-A100-SXM4-40GB-MIG-INVALID "

# --file: the same text, written whole; an unwritable path is exit 4.
k8_feat=$tmp/k8_features.d
mkdir -p "$k8_feat"
"$migctl" k8s labels --file "$k8_feat/migctl" >"$tmp/k8_out" 2>&1 && [ ! -s "$tmp/k8_out" ] && ok ||
	{ bad "k8s labels --file: exit 0, prints nothing"; cat "$tmp/k8_out"; }
k8_eq "k8s labels --file FILE holds the labels" "$(cmp "$k8_feat/migctl" "$tmp/k8_labels" && echo same)" same
k8_eq "k8s labels --file leaves no temp file" "$(ls "$k8_feat")" migctl
expect_exit "k8s labels --file into a missing directory" 4 'cannot write labels file .*/nodir/migctl' \
	-- k8s labels --file "$tmp/nodir/migctl"
expect_exit "k8s resources --file: refused" 2 'file applies to .k8s labels. only' -- k8s resources --file "$tmp/x"
expect_exit "k8s: bad strategy" 2 'unknown MIG strategy "none"; use mixed or single' -- k8s labels --strategy none
expect_exit "k8s: no subcommand" 2 'missing subcommand' -- k8s
expect_exit "k8s: unknown subcommand" 2 "unknown subcommand 'label'" -- k8s label

# --- uniform, no MIG, half MIG, compute instances smaller than the GI ---------
k8_new all-1g.5gb
expect_json "single on all-1g.5gb: 56 x nvidia.com/gpu" '.resources' '{"nvidia.com/gpu":56}' -- k8s resources --strategy single -o json
expect_json "mixed on all-1g.5gb" '.resources' '{"nvidia.com/gpu":0,"nvidia.com/mig-1g.5gb":56}' -- k8s resources -o json
"$migctl" k8s labels --strategy single >"$tmp/k8_single" 2>"$tmp/k8_err" || { bad "k8s labels single uniform"; cat "$tmp/k8_err"; }
k8_eq "single labels on all-1g.5gb" \
	"$(grep -E '^nvidia.com/gpu\.(product|count|slices\.gi|multiprocessors)=' "$tmp/k8_single" | tr '\n' ' ')" \
	"nvidia.com/gpu.count=56 nvidia.com/gpu.multiprocessors=14 nvidia.com/gpu.product=NVIDIA-A100-SXM4-40GB-MIG-1g.5gb nvidia.com/gpu.slices.gi=1 "
k8_kubectl_labels "kubectl accepts every single label" "$tmp/k8_single"

k8_new all-disabled
expect_json "single without MIG: the GPUs" '.resources' '{"nvidia.com/gpu":8}' -- k8s resources --strategy single -o json
expect_json "labels without MIG" '.labels."nvidia.com/gpu.count"' '8' -- k8s labels --strategy single -o json

k8_new half-disabled
expect_exit "single with MIG on half the GPUs: refused" 17 'GPUs with and without MIG mode' -- k8s resources --strategy single
expect_json "mixed with MIG on half the GPUs" '.resources' '{"nvidia.com/gpu":4,"nvidia.com/mig-1g.5gb":28}' -- k8s resources -o json

k8_new split-ci
expect_exit "mixed with 1c.3g.20gb devices: refused, as the plugin stops" 17 \
	'MIG device profile 1c.3g.20gb is a compute instance smaller than its GPU instance' -- k8s resources
expect_json "labels still describe 1c.3g.20gb" '.labels | [."nvidia.com/mig-1c.3g.20gb.count", ."nvidia.com/mig-1c.3g.20gb.slices.ci", ."nvidia.com/mig-1c.3g.20gb.slices.gi"]' \
	'["24","1","3"]' -- k8s labels -o json

unset MIGCTL_SIM MIGSIM_STATE

# --- the drop-in for k8s-mig-manager ------------------------------------------
# mig-manager's reconfigure (reference mig-parted.md §3), replayed through a
# link named nvidia-mig-parted: assert --valid-config, assert, assert
# --mode-only, apply --mode-only, assert --mode-only, apply, assert, each
# with -f and -c as mig-manager passes them and with its hooks file, whose
# apply-exit refreshes the features.d labels (the hook gets no PATH and no
# parent environment: absolute paths, and the simulator through envs).
k8_mm=$(mktemp -d "$tmp/k8s-mm.XXXXXX")
# The link and the hook need an absolute path (make check passes a relative one).
k8_migctl=$(cd "$(dirname "$migctl")" && pwd)/$(basename "$migctl")
ln -s "$k8_migctl" "$k8_mm/nvidia-mig-parted"
MIGSIM_STATE=$(mktemp -d "$tmp/k8s.XXXXXX")
export MIGCTL_SIM=1 MIGSIM_STATE
"$MIGSIM_BIN" init --gpus A100-SXM4-40GB:8 >/dev/null 2>&1 || bad "k8s: mig-manager machine"
cat >"$k8_mm/hooks.yaml" <<EOF
version: v1
hooks:
  apply-exit:
    - command: $k8_migctl
      args: ["k8s", "labels", "--file", "$k8_mm/features"]
      envs:
        MIGCTL_SIM: "1"
        MIGSIM_STATE: $MIGSIM_STATE
EOF
# k8_mm_step NAME CODE ARGS...: nvidia-mig-parted ARGS exits CODE ("fail":
# any failure, which is all mig-manager tells apart; migctl's codes say why).
k8_mm_step() {
	k8_mm_name=$1 k8_mm_code=$2
	shift 2
	"$k8_mm/nvidia-mig-parted" "$@" >"$tmp/k8_out" 2>&1
	k8_mm_rc=$?
	if [ "$k8_mm_code" = fail ] && [ "$k8_mm_rc" -ne 0 ] || [ "$k8_mm_rc" = "$k8_mm_code" ]; then ok; else bad "mig-manager: $k8_mm_name (exit $k8_mm_rc, want $k8_mm_code)"; cat "$tmp/k8_out"; fi
}
k8_mm_step "assert --valid-config" 0 assert --valid-config -f "$k8_cfg" -c seed-004
k8_mm_step "assert: not applied yet" fail assert -f "$k8_cfg" -c seed-004
k8_mm_step "assert --mode-only: MIG off" fail assert --mode-only -f "$k8_cfg" -c seed-004
k8_mm_step "apply --mode-only" 0 -d apply --mode-only -f "$k8_cfg" -c seed-004 -k "$k8_mm/hooks.yaml"
k8_mm_step "assert --mode-only after the mode phase" 0 assert --mode-only -f "$k8_cfg" -c seed-004
k8_mm_step "apply" 0 -d apply -f "$k8_cfg" -c seed-004 -k "$k8_mm/hooks.yaml"
k8_mm_step "assert: applied" 0 assert -f "$k8_cfg" -c seed-004
k8_eq "mig-manager: apply-exit refreshed the labels" "$(grep '^nvidia.com/mig-1g.5gb.count=' "$k8_mm/features")" "nvidia.com/mig-1g.5gb.count=16"
MIG_PARTED_CONFIG_FILE=$k8_cfg MIG_PARTED_SELECTED_CONFIG=all-1g.5gb MIG_PARTED_HOOKS_FILE=$k8_mm/hooks.yaml
export MIG_PARTED_CONFIG_FILE MIG_PARTED_SELECTED_CONFIG MIG_PARTED_HOOKS_FILE
k8_mm_step "apply from MIG_PARTED_* variables" 0 apply
unset MIG_PARTED_CONFIG_FILE MIG_PARTED_SELECTED_CONFIG MIG_PARTED_HOOKS_FILE
k8_eq "mig-manager: labels follow the new layout" "$(grep -E '^nvidia.com/mig-[^.]+\.[^.]+\.count=' "$k8_mm/features")" "nvidia.com/mig-1g.5gb.count=56"
k8_mm_step "unknown label" fail assert --valid-config -f "$k8_cfg" -c no-such-config
unset MIGCTL_SIM MIGSIM_STATE

# --- plan -o k8s: k8s-mig-manager's ConfigMap and the label commands ----------
# Two A100 nodes and one H100 node; 8 x 3g.40gb fill both A100 nodes (two
# per GPU) and leave the H100 empty: the A100 nodes share one config.
k8_plan=$tmp/k8_plan.yaml
"$migctl" plan --fleet a100-sxm4-80gb:2,a100-sxm4-80gb:2,h100-sxm5-80gb:1 --demand 3g.40gb=8 \
	-o k8s --nodes gpu-a,gpu-b,gpu-h >"$k8_plan" 2>"$tmp/k8_err" || { bad "plan -o k8s"; cat "$tmp/k8_err"; }
k8_eq "plan -o k8s: equal node layouts share a config" \
	"$(grep -E '^#   kubectl label node' "$k8_plan" | awk '{print $5, $6}' | tr '\n' ' ')" \
	"gpu-a nvidia.com/mig.config=migctl-plan-1 gpu-b nvidia.com/mig.config=migctl-plan-1 gpu-h nvidia.com/mig.config=migctl-plan-2 "
if [ -n "$k8_kubectl" ]; then
	# kubectl reads the ConfigMap (no cluster: --local) and hands back its
	# config.yaml, which mig-parted's parser rules accept for every config.
	if "$k8_kubectl" label --local -f "$k8_plan" migctl-check=1 -o jsonpath='{.kind} {.metadata.name}' >"$tmp/k8_kout" 2>"$tmp/k8_kerr" &&
		[ "$(cat "$tmp/k8_kout")" = "ConfigMap migctl-plan" ]; then ok; else bad "kubectl reads the plan's ConfigMap"; cat "$tmp/k8_kerr"; fi
	"$k8_kubectl" label --local -f "$k8_plan" migctl-check=1 -o 'jsonpath={.data.config\.yaml}' >"$tmp/k8_cfg.yaml" 2>"$tmp/k8_kerr" ||
		{ bad "kubectl: the ConfigMap's config.yaml"; cat "$tmp/k8_kerr"; }
	for k8_c in migctl-plan-1 migctl-plan-2; do
		expect_stdout "plan -o k8s: $k8_c is a valid mig-parted config" '^Selected MIG configuration is valid$' \
			-- parted assert --valid-config -f "$tmp/k8_cfg.yaml" -c "$k8_c"
	done
	# Each label command, run against a local Node object: kubectl accepts
	# the key and value.
	grep -E '^#   kubectl label node' "$k8_plan" | while read -r _ _ _ _ k8_node k8_label _; do
		printf 'apiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n' "$k8_node" >"$tmp/k8_node.yaml"
		"$k8_kubectl" label --local -f "$tmp/k8_node.yaml" "$k8_label" --overwrite -o jsonpath='{.metadata.labels}' 2>&1
		echo
	done >"$tmp/k8_kout"
	k8_eq "kubectl accepts every label command" "$(grep -c 'nvidia.com/mig.config' "$tmp/k8_kout")" 3
	# mig-manager's apply on each node: a node built from the plan's GPUs
	# gets exactly the planned instances.
	MIGSIM_STATE=$(mktemp -d "$tmp/k8s.XXXXXX")
	export MIGCTL_SIM=1 MIGSIM_STATE
	"$MIGSIM_BIN" init --gpus A100-SXM4-80GB:2 >/dev/null &&
		"$migctl" parted apply -f "$tmp/k8_cfg.yaml" -c migctl-plan-1 >/dev/null 2>"$tmp/k8_err" ||
		{ bad "plan -o k8s: nvidia-mig-parted apply of migctl-plan-1"; cat "$tmp/k8_err"; }
	expect_json "plan -o k8s: the node holds the planned 3g.40gb" '[.gpus[].mig_devices[].profile] | sort' \
		'["3g.40gb","3g.40gb","3g.40gb","3g.40gb"]' -- list -o json
	unset MIGCTL_SIM MIGSIM_STATE
else
	bad "plan -o k8s: no kubectl (run scripts/install-deps.sh)"
fi
expect_exit "plan -o k8s --nodes: one name per fleet item" 2 'nodes: 2 names for 3 --fleet items' \
	-- plan --fleet a100-sxm4-80gb:2,a100-sxm4-80gb:2,h100-sxm5-80gb:1 --demand 3g.40gb=4 -o k8s --nodes a,b
expect_exit "plan -o k8s --nodes: counts add up" 2 'add up to 3, the fleet has 4 GPUs' \
	-- plan --fleet a100-sxm4-80gb:4 --demand 3g.40gb=4 -o k8s --nodes a:1,b:2
expect_exit "plan -o k8s --nodes: a bad node name" 2 'bad node name "Node_A"' \
	-- plan --fleet a100-sxm4-80gb:4 --demand 3g.40gb=4 -o k8s --nodes Node_A
expect_exit "plan --nodes without -o k8s" 2 'nodes applies to -o k8s and -o slurm only' \
	-- plan --fleet a100-sxm4-80gb:4 --demand 3g.40gb=4 --nodes a
expect_stdout "plan -o k8s --nodes NAME:COUNT" '^#   kubectl label node b nvidia.com/mig.config=migctl-plan-2 --overwrite$' \
	-- plan --fleet a100-sxm4-80gb:4 --demand 3g.40gb=3 -o k8s --nodes a:2,b:2
