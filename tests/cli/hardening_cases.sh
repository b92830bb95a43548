# Issue 13, part H1: one owner per node (the node lock), every legal layout
# recoverable (GIs without CIs), mode rollback, and the smaller apply
# findings. Sourced by tests/cli/cases.sh after apply_cases.sh, whose
# helpers (ap_new, ap_do, ap_expect, ap_eq, ap_journal) it uses.
# shellcheck shell=sh disable=SC2154

# --- finding 2: a GI without a CI ------------------------------------------------------------------
ap_new --gpus A100-SXM4-80GB
ap_do "mode on" -- mode enable -i 0 --reset
ap_do "an empty 1g GI" -- create 1g.10gb --no-ci -i 0
ap_do "a 3g GI with its CI" -- create 3g.40gb -i 0
ap_do "checkpoint with an empty GI" -- checkpoint -f "$tmp/h1_cp.json"
"$MIGSIM_BIN" fault add --call nvmlGpuInstanceCreateComputeInstanceWithPlacement --error kill >/dev/null
"$migctl" apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g >/dev/null 2>&1
"$MIGSIM_BIN" fault clear >/dev/null
ap_eq "empty GI: the crash left the journal" "$(ap_journal)" 1
ap_expect "empty GI: recover rolls back" 0 '^GPU 0 .*: rolled-back$' '' -- recover
ap_do "checkpoint after recover" -- checkpoint -f "$tmp/h1_cp2.json"
ap_eq "empty GI: back exactly, the empty GI too" "$(cmp -s "$tmp/h1_cp.json" "$tmp/h1_cp2.json" && echo same)" same
ap_eq "empty GI: journal removed" "$(ap_journal)" 0
ap_do "apply after recover" -- apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_expect "empty GI: restore of the checkpoint" 0 '^GPU 0 .*: applied' '' -- restore -f "$tmp/h1_cp.json"
ap_do "checkpoint after restore" -- checkpoint -f "$tmp/h1_cp2.json"
ap_eq "empty GI: restore is exact" "$(cmp -s "$tmp/h1_cp.json" "$tmp/h1_cp2.json" && echo same)" same
# a failed step rolls back to a layout with an empty GI and a partial CI set
ap_do "a 2c CI in the 3g GI" -- destroy -i 0 --gi 1 --ci all
ap_do "one 1c CI in the 3g GI" -- create -i 0 --gi 1 --ci 1c.3g.40gb
ap_do "checkpoint, partial CI set" -- checkpoint -f "$tmp/h1_cp.json"
"$MIGSIM_BIN" fault add --call mutating --error UNKNOWN --after 3 >/dev/null
ap_expect "partial CIs: a failed step rolls back" 22 '^GPU 0 .*: rolled-back$' '' -- apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g
"$MIGSIM_BIN" fault clear >/dev/null
ap_do "checkpoint after rollback" -- checkpoint -f "$tmp/h1_cp2.json"
ap_eq "partial CIs: rolled back exactly" "$(cmp -s "$tmp/h1_cp.json" "$tmp/h1_cp2.json" && echo same)" same

# --- finding 1: the node lock -----------------------------------------------------------------------
# An apply held in its pre-apply-config hook (until $lk/go appears) owns
# the node; every other mutating command is refused with exit 24 naming
# it, read-only ones still run, and nothing rolls the apply back.
ap_new --gpus A100-SXM4-80GB:2
ap_do "lock: mode on" -- mode enable --reset
lk=$(mktemp -d "$tmp/lock.XXXXXX")
cat >"$lk/hooks.yaml" <<EOF2
version: v1
hooks:
  pre-apply-config:
    - command: /bin/sh
      args: ["-c", "touch $lk/started; i=0; while [ ! -e $lk/go ] && [ \$i -lt 400 ]; do sleep 0.05; i=\$((i+1)); done"]
EOF2
h1_wait_file() {
	h1_i=0
	while [ ! -e "$1" ] && [ "$h1_i" -lt 200 ]; do sleep 0.05; h1_i=$((h1_i + 1)); done
}
"$migctl" apply -k "$lk/hooks.yaml" -f "$ap_cfg/a100.yaml" -c all-balanced >"$lk/out" 2>&1 &
h1_job=$!
h1_wait_file "$lk/started"
ap_eq "lock: the held apply reached its hook" "$([ -e "$lk/started" ] && echo yes)" yes
ap_eq "lock: its journal exists" "$(ap_journal)" 1
ap_expect "lock: recover refused, naming the holder" 24 '' "process $h1_job \\(.*apply -k .* -c all-balanced\\) holds .*migctl\\.lock since [0-9-]+ [0-9:]+ UTC" -- recover
ap_expect "lock: a second apply refused" 24 '' 'another migctl is changing this node' -- apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_expect "lock: create refused" 24 '' "process $h1_job " -- create 1g.10gb -i 1
ap_expect "lock: destroy refused" 24 '' 'holds .*migctl\.lock' -- destroy -i 0 --gi all
ap_expect "lock: mode refused" 24 '' 'holds .*migctl\.lock' -- mode disable -i 1
ap_expect "lock: restore refused" 24 '' 'holds' -- restore -f "$tmp/h1_cp.json"
ap_expect "lock: --wait=0 refuses too" 24 '' 'run again with --wait' -- --wait=0 recover
ap_expect "lock: nvidia-smi -cgi refused" 255 '' 'holds .*migctl\.lock' -- smi mig -cgi 19 -i 1
ap_expect "lock: mig-parted apply refused" 24 '' 'holds .*migctl\.lock' -- parted apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_expect "lock: read-only commands run" 0 'GPU 0' '' -- status
ap_expect "lock: a bad --wait" 2 '' "bad --wait 'x'" -- recover --wait=x
# a waiting recover gets the node once the apply is done; nothing to do then
"$migctl" recover --wait=20 >"$lk/rec" 2>&1 &
h1_rec=$!
sleep 0.2
touch "$lk/go"
wait "$h1_job"
ap_eq "lock: the held apply succeeded" "$?" 0
wait "$h1_rec"
ap_eq "lock: the waiting recover ran after it" "$?:$(cat "$lk/rec")" "0:no interrupted apply: nothing to recover"
ap_eq "lock: the apply's layout stands" "$(ap_counts)" "0:1g.10gbx2,2g.20gbx1,3g.40gbx1 1:1g.10gbx2,2g.20gbx1,3g.40gbx1"
ap_eq "lock: no journal left" "$(ap_journal)" 0

# recover never touches a journal whose owner runs (pid and start time),
# even without the lock (another --journal, an older migctl)
sleep 30 &
h1_owner=$!
h1_start=$(sed 's/.*) //' "/proc/$h1_owner/stat" | cut -d' ' -f20)
"$migctl" checkpoint -f "$lk/cp.json" >/dev/null
jq -c --argjson p "$h1_owner" --argjson s "$h1_start" \
	'{journal: "migctl", version: 1, pid: $p, start: $s, time: 0, checkpoint: .}' "$lk/cp.json" >"$lk/j.jsonl"
ap_expect "journal owner alive: recover refuses" 24 '' "belongs to process $h1_owner, an apply that is still running" -- recover --journal "$lk/j.jsonl"
ap_eq "journal owner alive: the journal stays" "$([ -e "$lk/j.jsonl" ] && echo yes)" yes
kill "$h1_owner"
wait "$h1_owner" 2>/dev/null
ap_expect "journal owner gone: recover runs" 0 'rolled-back|unchanged' '' -- recover --journal "$lk/j.jsonl"
ap_eq "journal owner gone: journal removed" "$([ -e "$lk/j.jsonl" ] && echo yes)" ""

# --- concurrency: applies, creates and destroys at once ---------------------------------------------
# Each apply holds a window open in its pre-apply-config hook, and its
# apply-exit hook asserts, still under the node lock, that the node holds
# its config: an apply that another process rolled back fails that hook
# (exit 23), and one that found another's live journal says "recovered".
ap_new --gpus A100-SXM4-80GB:2
ap_do "concurrency: mode on" -- mode enable --reset
cc_dir=$(mktemp -d "$tmp/conc.XXXXXX")
for cc_label in all-balanced 3g-4x1g balanced-less-1g; do
	cat >"$cc_dir/$cc_label.yaml" <<EOF2
version: v1
hooks:
  pre-apply-config:
    - command: /bin/sh
      args: ["-c", "sleep 0.2"]
  apply-exit:
    - command: $migctl
      args: ["assert", "-f", "$ap_cfg/a100.yaml", "-c", "$cc_label"]
      envs:
        MIGCTL_SIM: "1"
        MIGSIM_STATE: "$MIGSIM_STATE"
EOF2
done
cc_n=0
for cc_round in 1 2 3; do
	for cc_label in all-balanced 3g-4x1g balanced-less-1g; do
		cc_n=$((cc_n + 1))
		( "$migctl" apply --wait=120 -o json -k "$cc_dir/$cc_label.yaml" -f "$ap_cfg/a100.yaml" -c "$cc_label" \
			>"$cc_dir/apply.$cc_n.json" 2>"$cc_dir/apply.$cc_n.err"; echo $? >"$cc_dir/apply.$cc_n.rc" ) &
	done
	( "$migctl" create 1g.10gb -i 1 --wait=120 >/dev/null 2>"$cc_dir/create.$cc_round.err"; echo $? >"$cc_dir/create.$cc_round.rc" ) &
	( "$migctl" destroy -i 0 --gi all --all --wait=120 >/dev/null 2>"$cc_dir/destroy.$cc_round.err"; echo $? >"$cc_dir/destroy.$cc_round.rc" ) &
done
wait
cc_bad=
for cc_i in $(seq 1 "$cc_n"); do
	cc_got="$(cat "$cc_dir/apply.$cc_i.rc"):$(jq -c '[.recovered, ([.gpus[].outcome] | map(select(. == "rolled-back" or . == "failed")) | length)]' "$cc_dir/apply.$cc_i.json" 2>/dev/null)"
	[ "$cc_got" = "0:[false,0]" ] || { cc_bad="$cc_bad apply$cc_i=$cc_got"; cat "$cc_dir/apply.$cc_i.err"; }
done
for cc_round in 1 2 3; do
	for cc_op in create destroy; do
		# no room left (10) or nothing to destroy (13) are fine; a lock refusal is not
		case $(cat "$cc_dir/$cc_op.$cc_round.rc") in 0 | 10 | 13) ;; *) cc_bad="$cc_bad $cc_op$cc_round=$(cat "$cc_dir/$cc_op.$cc_round.rc")"; cat "$cc_dir/$cc_op.$cc_round.err" ;; esac
	done
done
ap_eq "concurrency: no apply was rolled back or saw another's journal; creates and destroys waited" "$cc_bad" ""
ap_eq "concurrency: no journal left" "$(ap_journal)" 0

# --- finding 11 and part of 10: dry run of a layout that does not fit; non-root apply -------------
ap_new --gpus A100-SXM4-80GB:3
ap_do "dry run: GPU 1 on" -- mode enable -i 1 --reset
"$migctl" apply --dry-run -f "$ap_cfg/a100.yaml" -c three-3g >"$tmp/h1_dry" 2>&1
ap_eq "dry run: exit 11" "$?" 11
ap_eq "dry run: GPUs in order, each with its error" "$(sed 's/ (NVIDIA A100-SXM4-80GB)//; s/: 3 x 3g.*//' "$tmp/h1_dry" | tr '\n' '|')" \
	"GPU 0: refused|migctl: error: GPU 0|GPU 1: refused|migctl: error: GPU 1|GPU 2: refused|migctl: error: GPU 2|"
ap_eq "dry run: no 'MIG mode enabled' when nothing was enabled" "$(grep -c 'MIG mode enabled' "$tmp/h1_dry")" 0
ap_new --gpus A100-SXM4-80GB --non-root
ap_expect "non-root apply: exit 16, run as root" 16 '' 'Insufficient Permissions; run as root' -- apply -f "$ap_cfg/a100.yaml" -c all-balanced
ap_expect "non-root restore: exit 16" 16 '' 'run as root' -- restore -f "$tmp/h1_cp.json"

# --- a checkpoint in mig-parted's form (no CI placements) with an empty GI ---------------------
ap_new --gpus A100-SXM4-80GB
ap_do "mp: mode on" -- mode enable --reset
ap_do "mp: an empty 1g GI" -- create 1g.10gb --no-ci -i 0
ap_do "mp: a 3g GI with two 1c CIs" -- create 3g.40gb --no-ci -i 0
ap_do "mp: the two 1c CIs" -- create -i 0 --gi 1 --ci 1c.3g.40gb,1c.3g.40gb
ap_do "mp: checkpoint" -- checkpoint -f "$tmp/h1_mp_full.json"
jq 'del(.MigState.Devices[].GpuInstances[].ComputeInstances[].Placement)' "$tmp/h1_mp_full.json" >"$tmp/h1_mp.json"
ap_do "mp: another layout" -- apply -f "$ap_cfg/a100.yaml" -c 3g-4x1g
ap_expect "mp: restore without CI placements, empty GI included" 0 '^GPU 0 .*: applied' '' -- restore -f "$tmp/h1_mp.json"
ap_do "mp: checkpoint after restore" -- checkpoint -f "$tmp/h1_mp_now.json"
ap_eq "mp: the layout is back, CIs where the driver puts them" "$(cmp -s "$tmp/h1_mp_full.json" "$tmp/h1_mp_now.json" && echo same)" same
