# migctl slurm and apply --slurm-reconfigure: gres.conf, Gres= and the
# TaskProlog on the simulator, then a real Slurm (Debian's slurmctld,
# slurmd and munge, started here as root with their own directory and
# loopback ports, stopped afterwards) running jobs on the simulated node's
# slices. Sourced by tests/cli/cases.sh (ok, bad, expect_*, $tmp, $migctl,
# $here come from tests/cli/run.sh).
# shellcheck shell=sh disable=SC2154

MIGSIM_BIN=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}
su_cfg=$here/configs/slurm.yaml

su_eq() {
	if [ "$2" = "$3" ]; then ok; else bad "$1 (got '$2', want '$3')"; fi
}

# The MIG UUIDs of profile $1 on the simulated node, sorted, one a line.
su_uuids() {
	"$migctl" list -o json | jq -r --arg p "$1" '.gpus[].mig_devices[] | select(.profile == $p) | .uuid' | sort
}

su_dir=$(mktemp -d "$tmp/slurm.XXXXXX")
MIGSIM_STATE=$su_dir/state
export MIGCTL_SIM=1 MIGSIM_STATE
mkdir -p "$MIGSIM_STATE" "$su_dir/etc"
"$MIGSIM_BIN" init --gpus A100-SXM4-80GB >/dev/null 2>&1 &&
	"$migctl" apply -f "$su_cfg" -c two-3g >/dev/null 2>"$tmp/su_err" || { bad "slurm: machine"; cat "$tmp/su_err"; }
su_root=$("$MIGSIM_BIN" root)

# --- the files, without Slurm ---------------------------------------------------
expect_stdout "slurm nodes: Gres= of the layout" '^NodeName=n1 Gres=gpu:3g.40gb:2$' -- slurm nodes --node n1
"$migctl" slurm gres >"$tmp/su_gres" 2>"$tmp/su_err" || { bad "slurm gres"; cat "$tmp/su_err"; }
# GPU minor 0; GIs 1 and 2 (3g.40gb at 0 and 4 on an identity board): caps
# 3 + 9 * GI and that + 1 + CI (reference nvml-mig.md §3).
su_eq "slurm gres: MultipleFiles= of the parent and the GI and CI caps" \
	"$(grep '^Name=' "$tmp/su_gres" | tr '\n' ' ')" \
	"Name=gpu Type=3g.40gb MultipleFiles=$su_root/dev/nvidia0,$su_root/dev/nvidia-caps/nvidia-cap12,$su_root/dev/nvidia-caps/nvidia-cap13 Name=gpu Type=3g.40gb MultipleFiles=$su_root/dev/nvidia0,$su_root/dev/nvidia-caps/nvidia-cap21,$su_root/dev/nvidia-caps/nvidia-cap22 "
su_eq "slurm gres: a migctl comment names each device's UUID" \
	"$(sed -n 's/^# migctl: \(MIG-[^ ]*\) .*/\1/p' "$tmp/su_gres" | sort)" "$(su_uuids 3g.40gb)"
su_eq "slurm gres: AutoDetect=nvml guidance for a Slurm built with NVML" \
	"$(grep -c "^# instead find the devices itself: 'AutoDetect=nvml' alone" "$tmp/su_gres")" 1
expect_exit "slurm gres --file into a missing directory" 4 'cannot write gres.conf' -- slurm gres --file "$tmp/nodir/gres.conf"
expect_exit "slurm: unknown subcommand" 2 "unknown subcommand 'gre'" -- slurm gre

# The prolog alone: Slurm's order is Gres= first, then the lines.
printf 'NodeName=n1 CPUs=2 Gres=gpu:1g.10gb:2,gpu:3g.40gb:1 State=UNKNOWN\n' >"$su_dir/etc/slurm.conf"
cat >"$su_dir/etc/gres.conf" <<GRES
# migctl: MIG-aaa gpu=0 gi=1 ci=0
Name=gpu Type=3g.40gb MultipleFiles=/dev/nvidia0,/dev/nvidia-caps/nvidia-cap12,/dev/nvidia-caps/nvidia-cap13
# migctl: MIG-bbb gpu=0 gi=3 ci=0
Name=gpu Type=1g.10gb MultipleFiles=/dev/nvidia0,/dev/nvidia-caps/nvidia-cap30,/dev/nvidia-caps/nvidia-cap31
# migctl: MIG-ccc gpu=0 gi=4 ci=0
Name=gpu Type=1g.10gb MultipleFiles=/dev/nvidia0,/dev/nvidia-caps/nvidia-cap39,/dev/nvidia-caps/nvidia-cap40
GRES
su_prolog() { # ENV=VALUE...: the prolog's output with that environment
	env -u SLURM_STEP_GPUS -u SLURM_JOB_GPUS -u CUDA_VISIBLE_DEVICES "$@" \
		"$migctl" slurm prolog --slurm-conf "$su_dir/etc/slurm.conf" --node n1 2>/dev/null
}
su_eq "prolog: index 0 is the first type of Gres=" "$(su_prolog SLURM_STEP_GPUS=0)" "export CUDA_VISIBLE_DEVICES=MIG-bbb"
su_eq "prolog: indices 1,2" "$(su_prolog SLURM_STEP_GPUS=1,2)" "export CUDA_VISIBLE_DEVICES=MIG-ccc,MIG-aaa"
su_eq "prolog: a range" "$(su_prolog SLURM_STEP_GPUS=0-2)" "export CUDA_VISIBLE_DEVICES=MIG-bbb,MIG-ccc,MIG-aaa"
su_eq "prolog: CUDA_VISIBLE_DEVICES when Slurm sets no SLURM_*_GPUS" "$(su_prolog CUDA_VISIBLE_DEVICES=2)" "export CUDA_VISIBLE_DEVICES=MIG-aaa"
su_eq "prolog: no GPU, no output" "$(su_prolog)" ""
su_eq "prolog: an index beyond gres.conf hides every device" "$(su_prolog SLURM_STEP_GPUS=3 | tail -n 1)" "export CUDA_VISIBLE_DEVICES="
su_eq "prolog: ... and says why in the job's output" "$(su_prolog SLURM_STEP_GPUS=3 | head -n 1 | cut -c1-44)" "print migctl slurm prolog: GRES index 3 is b"

# --- plan -o slurm ----------------------------------------------------------------
# The plan's gres.conf lines for a node are those the node has once the
# plan's config is applied (paths under the simulator's driver root).
"$migctl" plan --fleet a100-sxm4-80gb:1,h100-sxm5-80gb:1 --demand 3g.40gb=1,1g.10gb=4 -o slurm \
	--nodes gpu-a,gpu-h >"$tmp/su_plan" 2>"$tmp/su_err" || { bad "plan -o slurm"; cat "$tmp/su_err"; }
expect_stdout "plan -o slurm: the node's Gres=" '^#   slurm.conf: NodeName=gpu-a Gres=gpu:3g.40gb:1,gpu:1g.10gb:4$' -- \
	plan --fleet a100-sxm4-80gb:1,h100-sxm5-80gb:1 --demand 3g.40gb=1,1g.10gb=4 -o slurm --nodes gpu-a,gpu-h
expect_stdout "plan -o slurm: a valid mig-parted config" '^Selected MIG configuration is valid$' \
	-- parted assert --valid-config -f "$tmp/su_plan" -c migctl-plan-1
su_eq "plan -o slurm: a node without instances" "$(grep -c '^#   no MIG device' "$tmp/su_plan")" 1
su_plan_state=$(mktemp -d "$tmp/slurm-plan.XXXXXX")
MIGSIM_STATE=$su_plan_state "$MIGSIM_BIN" init --gpus A100-SXM4-80GB >/dev/null 2>&1 &&
	MIGSIM_STATE=$su_plan_state "$migctl" apply -f "$tmp/su_plan" -c migctl-plan-1 >/dev/null 2>"$tmp/su_err" ||
	{ bad "plan -o slurm: apply"; cat "$tmp/su_err"; }
su_eq "plan -o slurm: the planned gres.conf lines are the applied node's" \
	"$(MIGSIM_STATE=$su_plan_state "$migctl" slurm gres | grep '^Name=' | sed "s|$su_plan_state/driver||g")" \
	"$(sed -n '/^# node gpu-a/,/^# node gpu-h/s/^#     //p' "$tmp/su_plan")"

# --- a real Slurm ---------------------------------------------------------------
# su_stop: stop the daemons that $su_dir's pid files name (slurmctld may
# have been restarted by a case).
su_stop() {
	for su_f in "$su_dir/d.pid" "$su_dir/ctld.pid" "$su_dir/munge/munged.pid"; do
		[ -s "$su_f" ] || continue
		su_p=$(cat "$su_f")
		kill "$su_p" 2>/dev/null
		su_n=0
		while kill -0 "$su_p" 2>/dev/null && [ "$su_n" -lt 50 ]; do sleep 0.1; su_n=$((su_n + 1)); done
		kill -9 "$su_p" 2>/dev/null
		rm -f "$su_f"
	done
}
# su_wait SECONDS COMMAND...: until COMMAND succeeds.
su_wait() {
	su_t=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		su_t=$((su_t - 1))
		[ "$su_t" -gt 0 ] || return 1
		sleep 0.1
	done
}
su_free_port() { # a TCP port nothing listens on, from $1 up
	su_port=$1
	while ss -Htln "sport = :$su_port" 2>/dev/null | grep -q . || ss -Htln "sport = :$((su_port + 1))" 2>/dev/null | grep -q .; do
		su_port=$((su_port + 2))
	done
	echo "$su_port"
}

if [ "$(id -u)" -ne 0 ]; then
	echo "slurm: the real Slurm cases need root (device nodes, daemons); skipped"
elif ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
	bad "slurm: slurmctld, slurmd or munged missing (scripts/install-deps.sh installs them)"
else
	. "$here/slurm_e2e.sh"
	su_stop
	unset SLURM_CONF
fi
unset MIGCTL_SIM MIGSIM_STATE
