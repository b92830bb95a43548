# migctl dmon on the simulator, sourced by tests/cli/cases.sh after
# node_cases.sh (nd_new, nd_expect, nd_wait_procs). The text goldens are
# dcgmi dmon's format (reference/dcgm.md §1.1: `#Entity`/`ID` header, tag
# columns of width + 6 with 2-space gaps, `GPU-I n` rows, 3 decimals, N/A)
# with the rows of seeds 000 and 001; their values follow from the
# simulator's load model (docs/simulator-model.md), not from migctl's run.
# shellcheck shell=sh disable=SC2154

# Seed 000: two 3g.40gb on GPU 1 of an A100 80GB PCIe machine, watched as
# i:7,i:8 with fields 1001-1010. On Ampere the profiling fields need
# DCGM's closed module: N/A, never 0.
nd_new --gpus A100-PCIE-80GB:2
"$migctl" mode enable -i 1 --reset >/dev/null 2>&1
"$migctl" create 3g.40gb,3g.40gb -i 1 >/dev/null 2>&1
expect_golden "dmon: seed 000's i:7,i:8 on Ampere" dmon-seed000-a100.txt -- \
	dmon -i i:7,i:8 -e 1001,1002,1003,1004,1005,1006,1007,1008,1009,1010 -c 2 -d 1
nd_expect "dmon: JSON says why N/A" 0 '"na":"closed-module"' '' -- dmon -o json -i i:7 -e 1002 -c 1 -d 1
expect_json "dmon --identity: seed 000's GIs" '[.entities[] | [.entity, .id, .gpu, .gi, .gi_profile, .gi_placement.start]]' \
	'[["GPU-I",7,1,1,"3g.40gb",4],["GPU-I",8,1,2,"3g.40gb",0]]' -- -o json dmon --identity -i '1/*'
nd_expect "dmon --identity text" 0 '^GPU-CI 8 +1 +2 +0 +3g\.40gb +0:4 +0:3 +42 +MIG-' '' -- dmon --identity -i 'ci:8'
nd_expect "dmon: an ID that is not there" 13 '' 'no GPU instance i:9 on this node; GPU instances here: i:7 \(GPU 1 GI 1 3g\.40gb\), i:8' -- dmon -i i:9 -c 1
nd_expect "dmon: a path that is not there" 13 '' 'no compute instance at 1/1/5' -- dmon -i 1/1/5 -c 1
nd_expect "dmon: GPU utilization in MIG mode" 0 '^GPU 1 +N/A$' '' -- dmon -i 1 -e GPUTL -c 1 -d 1
nd_expect "dmon: GPU utilization without MIG" 0 '^GPU 0 +0$' '' -- dmon -i 0 -e GPUTL -c 1 -d 1

# Seed 001: GPU 0 with a 4g and a 3g instance, a job on GPU-I 1. Here an
# H100 (GPM): 4g.40gb is GI 1 (i:0), 3g.40gb GI 2 (i:1) with the load
# sm=0.75, occupancy=0.637, tensor=0.02, dram=0.8. The instance reads its
# load; the GPU reads it × 60/132 (SM-weighted: 3g has 60 of the 132 SMs
# of the H100's 7g): 0.341, 0.290, 0.009, 0.364.
nd_new --gpus H100-SXM5-80GB
"$migctl" mode enable -i 0 >/dev/null 2>&1
"$migctl" create 4g.40gb,3g.40gb -i 0 >/dev/null 2>&1
dm_uuid=$("$migctl" -o json list | jq -r '.gpus[0].mig_devices[] | select(.gi == 2) | .uuid')
"$MIGSIM_BIN" exec -d "$dm_uuid" --load sm=0.75,occupancy=0.637,tensor=0.02,dram=0.8 -- sleep 30 >/dev/null 2>&1 &
dm_load=$!
nd_wait_procs 1
expect_golden "dmon: seed 001's GPU and GIs on Hopper" dmon-seed001-h100.txt -- dmon -e 1001,1002,1003,1004,1005 -i 0,i:0,i:1 -c 1 -d 1
nd_expect "dmon: CIs and DCGM's ranges" 0 '^GPU-CI 1 +0\.750$' '' -- dmon -e SMACT -i 'ci:{0-1}' -c 1 -d 1
nd_expect "dmon: DRAMA is per GI, N/A on a CI" 0 '^GPU-CI 1 +N/A$' '' -- dmon -e DRAMA -i 'c:1' -c 1 -d 1
expect_json "dmon -o json: one object per sample" '[.seq, (.entities | length), .entities[0].values.SMACT.norm, .entities[1].values.SMACT.value, .entities[1].mig_uuid != null]' \
	'[2,2,"sm-weighted",0.75,true]' -- -o json dmon -e 1002 -i '0,0/2/0' -c 1 -d 1
nd_expect "dmon -o json: a line per sample" 0 '' '' -- -o json dmon -e 1002 -c 3 -d 1
if [ "$(wc -l <"$tmp/out")" -eq 3 ] && [ "$(jq -s 'map(.seq) == [2,3,4]' "$tmp/out")" = true ]; then ok; else bad "dmon -o json: 3 lines"; cat "$tmp/out"; fi
# dcgmi reprints the header every 14 samples: 15 samples, 2 headers.
nd_expect "dmon: 15 samples" 0 '' '' -- dmon -e 1002 -i 0 -c 15 -d 1
if [ "$(grep -c '^#Entity' "$tmp/out")" -eq 2 ] && [ "$(grep -c '^ID' "$tmp/out")" -eq 2 ] &&
	[ "$(sed -n 17p "$tmp/out")" = "#Entity   SMACT" ] && [ "$(grep -c '^GPU 0 ' "$tmp/out")" -eq 15 ]; then
	ok
else
	bad "dmon: header every 14 samples"; cat "$tmp/out"
fi
kill "$dm_load" 2>/dev/null
wait "$dm_load" 2>/dev/null
nd_wait_procs 0

# A GI destroyed and recreated between two runs shows its new identity.
dm_before=$("$migctl" -o json dmon --identity -i '0/*/*' | jq -r '.entities[] | select(.gi == 2) | .mig_uuid')
"$migctl" destroy -i 0 --gi 2 --all >/dev/null 2>&1
"$migctl" create 3g.40gb -i 0 >/dev/null 2>&1
expect_json "dmon: recreated GI has a new MIG UUID" "[.entities[] | select(.gi == 2) | .mig_uuid != \"$dm_before\"]" '[true]' -- -o json dmon --identity -i '0/*/*'

# -l and the usage errors.
nd_expect "dmon -l" 0 '^1002 +SMACT +- +CI +DCGM_FI_PROF_SM_ACTIVE +SM activity$' '' -- dmon -l
expect_json "dmon -l JSON: DRAMA is GI-level" '.fields[] | select(.id == 1005) | [.tag, .level]' '["DRAMA","GI"]' -- -o json dmon -l
expect_exit "dmon: unknown field" 2 "unknown field 'SMAKT' \(did you mean 'SMACT'\?\)" -- dmon -e SMAKT
expect_exit "dmon: bad entity" 2 "entity 'cpu:1' in -i 'cpu:1': not a GPU, GPU instance or compute instance" -- dmon -i cpu:1
expect_exit "dmon: bad range" 2 "entity 'i:\{3-1\}'.*not a number or range" -- dmon -i 'i:{3-1}'
expect_exit "dmon: -d 0" 2 "d takes milliseconds, at least 1, not '0'" -- dmon -d 0
expect_exit "dmon: -c -1" 2 "c takes a sample count" -- dmon -c -1
expect_exit "dmon: -l alone" 2 "l lists the fields and takes no other option" -- dmon -l -e 1002
unset MIGCTL_SIM MIGSIM_STATE
