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
