# `migctl run -d DEVICE -- CMD` on the simulator: each DEVICE form reaches
# the MIG device that `migctl list -o json` names, and each refusal exits
# with its code before CMD runs. Sourced by tests/cli/cases.sh after
# node_cases.sh (nd_new, nd_expect, nd_wait_procs, MIGSIM_BIN).
# shellcheck shell=sh disable=SC2154

# rn_uuid GPU MIG: the UUID `migctl list` gives MIG device GPU:MIG.
rn_uuid() {
	"$migctl" list -o json | jq -r ".gpus[$1].mig_devices[] | select(.index == $2) | .uuid"
}

# rn_env NAME WANT-UUID DEVICE [RUN-OPTIONS]: CMD sees both variables set
# to WANT-UUID, and nothing else of ours.
rn_env() {
	rn_name=$1 rn_want=$2
	shift 2
	if "$migctl" run "$@" -d "$rn_dev" -- env >"$tmp/rn_out" 2>"$tmp/err" &&
		grep -qx "CUDA_VISIBLE_DEVICES=$rn_want" "$tmp/rn_out" &&
		grep -qx "NVIDIA_VISIBLE_DEVICES=$rn_want" "$tmp/rn_out" && [ -n "$rn_want" ]; then
		ok
	else
		bad "run: $rn_name (-d $rn_dev, want $rn_want)"; cat "$tmp/err"; grep VISIBLE "$tmp/rn_out"
	fi
}

expect_stdout "run --help documents -d" '^  -d, --device DEVICE ' -- run --help
expect_stdout "run --help documents --exclusive" '^  --exclusive ' -- run --help
expect_exit "run: no -d" 2 'which MIG device\? give -d DEVICE' -- run -- true
expect_exit "run: no command" 2 'no command to run; write: migctl run -d 0:1 -- CMD' -- run -d 0:1
expect_exit "run: a bare GPU index is no MIG device" 2 "device '0' names a whole GPU.*'0:0'" -- run -d 0 -- true
expect_exit "run: empty device" 2 'empty device' -- run -d '' -- true
expect_exit "run: GPU:MIG needs two numbers" 2 "device '0:': GPU:MIG takes two indices" -- run -d 0: -- true
expect_exit "run: legacy name without /gi/ci" 2 'legacy MIG name is MIG-GPU-<uuid>/<gi>/<ci>' -- run -d MIG-GPU-abc/1 -- true
expect_exit "run: a name with a space" 2 "device '1g 5gb' is none of the forms" -- run -d '1g 5gb' -- true

# GPU 0: 3g.20gb, 2g.10gb, 1g.5gb; GPU 1: two 1g.5gb.
nd_new --gpus A100-SXM4-40GB:2
"$migctl" mode enable --reset >/dev/null 2>&1
"$migctl" create -i 0 3g.20gb,2g.10gb,1g.5gb >/dev/null 2>&1
"$migctl" create -i 1 1g.5gb,1g.5gb >/dev/null 2>&1
rn_01=$(rn_uuid 0 1)
rn_10=$(rn_uuid 1 0)
rn_11=$(rn_uuid 1 1)
rn_gpu0=$("$migctl" list -o json | jq -r '.gpus[0].uuid')
rn_gi01=$("$migctl" list -o json | jq -r '.gpus[0].mig_devices[] | select(.index == 1) | .gi')

rn_dev=0:1 rn_env "GPU:MIG" "$rn_01"
rn_dev=$rn_01 rn_env "MIG UUID" "$rn_01"
rn_dev=$(printf %s "$rn_01" | tr a-f A-F | sed 's/^MIG/MIG/') rn_env "MIG UUID in upper case" "$rn_01"
rn_dev="MIG-$rn_gpu0/$rn_gi01/0" rn_env "legacy MIG-GPU-<uuid>/<gi>/<ci> (seed 000's form)" "$rn_01"
rn_dev=2g.10gb rn_env "profile name" "$rn_01"
rn_dev=1g.5gb rn_env "profile: the first idle one, GPUs in index order" "$(rn_uuid 0 2)"
expect_exit "run: no MIG device 0:3" 13 "no MIG device '0:3' on this node; MIG devices: 0:0 \(MIG-" -- run -d 0:3 -- true
expect_exit "run: no GPU 5" 13 "no MIG device '5:0'" -- run -d 5:0 -- true
expect_exit "run: unknown MIG UUID" 13 "no MIG device 'MIG-00000000-0000-0000-0000-000000000000'" -- run -d MIG-00000000-0000-0000-0000-000000000000 -- true
expect_exit "run: legacy name of a CI that does not exist" 13 "no MIG device 'MIG-$rn_gpu0/$rn_gi01/1'" -- run -d "MIG-$rn_gpu0/$rn_gi01/1" -- true
expect_exit "run: legacy name of another GPU's UUID" 13 'no MIG device' -- run -d "MIG-GPU-00000000-0000-0000-0000-000000000000/$rn_gi01/0" -- true
expect_exit "run: unknown profile" 8 "device '9g.99gb' is no MIG profile of these GPUs" -- run -d 9g.99gb -- true
expect_exit "run: profile without an instance" 13 "no MIG device of profile 7g.40gb exists; create one with 'migctl create 7g.40gb'" -- run -d 7g.40gb -- true
"$migctl" run -o json -d 0:3 -- true >"$tmp/rn_out" 2>/dev/null
if [ $? -eq 13 ] && [ "$(jq -c '[.error.code, .error.name]' "$tmp/rn_out")" = '[13,"not-found"]' ]; then ok; else
	bad "run -o json: the error object"; cat "$tmp/rn_out"; fi

# CMD's options are CMD's, with or without '--'; its exit status is ours.
nd_expect "run: options after CMD belong to CMD" 0 '^--exclusive$' '' -- run -d 0:1 sh -c 'echo "$1"' sh --exclusive
nd_expect "run: CMD's exit status" 7 '' '' -- run -d 0:1 -- sh -c 'exit 7'
expect_exit "run: CMD not found is 127" 127 "cannot run 'no-such-command-migctl'" -- run -d 0:1 -- no-such-command-migctl
expect_exit "run: CMD not executable is 126" 126 "cannot run '/dev/null'" -- run -d 0:1 -- /dev/null
expect_json "run --dry-run -o json" '[.device.gpu, .device.mig_index, .device.uuid == .env.CUDA_VISIBLE_DEVICES, .env.NVIDIA_VISIBLE_DEVICES == .device.uuid, .command]' '[1,1,true,true,["a","-b"]]' -- run -n -o json -d 1:1 a -b
expect_stdout "run --dry-run text" "^CUDA_VISIBLE_DEVICES=$rn_11\$" -- run --dry-run -d 1:1 -- true

# Busy devices: a process registered on GPU 1's first 1g.5gb.
"$MIGSIM_BIN" exec -d "$rn_10" -- sleep 30 >/dev/null 2>&1 &
rn_pid=$!
nd_wait_procs 1
rn_dev=1:0 rn_env "a busy device is shared without --exclusive" "$rn_10"
expect_exit "run --exclusive: busy device refused" 14 "MIG device 1:0 \($rn_10\) is busy: processes [0-9]+ run on it" -- run --exclusive -d 1:0 -- true
expect_exit "run --exclusive: busy by UUID" 14 'is busy' -- run --exclusive -d "$rn_10" -- true
rn_dev=1:1 rn_env "run --exclusive: an idle device runs" "$rn_11" --exclusive
# GPU 0's 1g.5gb goes, so that the busy 1:0 is the first of the profile.
rn_gi02=$("$migctl" list -o json | jq -r '.gpus[0].mig_devices[] | select(.index == 2) | .gi')
"$migctl" destroy -i 0 --all --gi "$rn_gi02" >/dev/null 2>&1 || bad "run: destroy GI $rn_gi02"
rn_dev=1g.5gb rn_env "profile: skips the busy device" "$rn_11"
"$MIGSIM_BIN" exec -d "$rn_11" -- sleep 30 >/dev/null 2>&1 &
rn_pid2=$!
nd_wait_procs 2
expect_exit "run: profile whose every device is busy" 14 'every MIG device of profile 1g.5gb is busy \(2, each with processes\)' -- run -d 1g.5gb -- true
kill "$rn_pid" "$rn_pid2" 2>/dev/null
wait "$rn_pid" "$rn_pid2" 2>/dev/null
unset MIGCTL_SIM MIGSIM_STATE
