# `migctl cdi generate|list` on the simulator: the names and nodes of the
# spec against `migctl list` and the simulated driver's files, the atomic
# write, the refresh after every change; then (as root) podman with runc
# consuming the spec: tests/cli/podman_cases.sh. Sourced by tests/cli/cases.sh
# after node_cases.sh (nd_new, nd_expect, MIGSIM_BIN).
# shellcheck shell=sh disable=SC2154

# cd_names FILE: the spec's device names, sorted, one line.
cd_names() {
	jq -r '[.devices[].name] | sort | join(" ")' "$1"
}
# cd_want: the names `migctl list` says the spec must have, sorted.
cd_want() {
	"$migctl" list -o json | jq -r '[.gpus[] | (.index | tostring), .uuid,
		(.index as $g | .mig_devices[] | "\($g):\(.index)", .uuid)] + ["all"] | sort | join(" ")'
}
# cd_check NAME FILE: the spec in FILE has exactly the node's names now.
cd_check() {
	if [ -f "$2" ] && [ "$(cd_names "$2")" = "$(cd_want)" ]; then ok; else
		bad "cdi: $1"; echo "spec: $(cd_names "$2" 2>&1)"; echo "want: $(cd_want)"; fi
}

expect_stdout "cdi --help documents --output" '^  --output FILE ' -- cdi --help
expect_stdout "cdi --help documents --no-refresh" '^  --no-refresh ' -- cdi --help
expect_exit "cdi: no subcommand" 2 'give one of: generate, list' -- cdi
expect_exit "cdi: unknown subcommand" 2 "unknown subcommand 'show'" -- cdi show
expect_exit "cdi: bad -o" 2 "bad output format 'yaml'" -- cdi list -o yaml
expect_exit "cdi list: --output is generate's" 2 "are for 'cdi generate'" -- cdi list --output x
expect_exit "cdi generate: --spec is list's" 2 "spec is for 'cdi list'" -- cdi generate --spec x
expect_exit "cdi list: missing spec" 4 'cannot open CDI spec .*/nope.json' -- cdi list --spec "$tmp/nope.json"
printf '{"cdiVersion": "0.5.0", "kind": "nvidia.com/gpu", "devices": [{"name": "0/1"}]}' >"$tmp/cd_bad.json"
expect_exit "cdi list: invalid device name" 5 'cd_bad.json: devices\[0\] has no valid "name"' -- cdi list --spec "$tmp/cd_bad.json"
printf '{"cdiVersion": "0.5.0", "kind": "gpu", "devices": []}' >"$tmp/cd_bad.json"
expect_exit "cdi list: kind without vendor" 5 'needs "cdiVersion", "kind" \(vendor/class\)' -- cdi list --spec "$tmp/cd_bad.json"
printf 'cdiVersion: 0.5.0\n' >"$tmp/cd_bad.json"
expect_exit "cdi list: not JSON" 5 'cd_bad.json:1: not a JSON CDI spec' -- cdi list --spec "$tmp/cd_bad.json"

nd_new --gpus A100-SXM4-40GB:2
"$migctl" mode enable --reset >/dev/null 2>&1
"$migctl" create -i 0 3g.20gb,2g.10gb,1g.5gb >/dev/null 2>&1
"$migctl" create -i 1 1g.5gb,1g.5gb >/dev/null 2>&1
cd_dir=$(mktemp -d "$tmp/cdi.XXXXXX")
cd_spec=$cd_dir/nvidia.com-gpu.json

expect_stdout "cdi generate: says where" "^wrote CDI spec $cd_spec \(nvidia.com/gpu, 15 device names\)\$" -- cdi generate --output "$cd_spec"
cd_check "names N, N:M, GPU and MIG UUIDs, all" "$cd_spec"
expect_json "cdi: version and kind" '[.cdiVersion, .kind]' '["0.5.0","nvidia.com/gpu"]' -- cdi generate --output -
expect_json "cdi: common env as nvidia-ctk writes it" '.containerEdits.env' '["NVIDIA_VISIBLE_DEVICES=void"]' -- cdi generate --output -
expect_json "cdi: a MIG device has three nodes, the parent first" '.devices[] | select(.name == "0:1") | [(.containerEdits.deviceNodes | length), .containerEdits.deviceNodes[0].path]' '[3,"/dev/nvidia0"]' -- cdi generate --output -
expect_json "cdi: its UUID name has the same nodes" "[.devices[] | select(.name == \"0:1\" or .name == \"$(rn_uuid 0 1)\") | .containerEdits] | (length == 2 and .[0] == .[1])" true -- cdi generate --output -
# The capability nodes are those the simulated driver's mig-minors names
# for the device's GI and CI, found on the host under its driver root.
cd_root=$("$MIGSIM_BIN" root)
cd_gi=$("$migctl" list -o json | jq -r '.gpus[0].mig_devices[] | select(.index == 1) | .gi')
cd_ci=$("$migctl" list -o json | jq -r '.gpus[0].mig_devices[] | select(.index == 1) | .ci')
cd_mm=$cd_root/proc/driver/nvidia-caps/mig-minors
cd_gim=$(awk -v k="gpu0/gi$cd_gi/access" '$1 == k {print $2}' "$cd_mm")
cd_cim=$(awk -v k="gpu0/gi$cd_gi/ci$cd_ci/access" '$1 == k {print $2}' "$cd_mm")
expect_json "cdi: 0:1's GI and CI capability nodes from mig-minors" '.devices[] | select(.name == "0:1") | [.containerEdits.deviceNodes[1:][].path] | join(" ")' "/dev/nvidia-caps/nvidia-cap$cd_gim /dev/nvidia-caps/nvidia-cap$cd_cim" -- cdi generate --output -
expect_json "cdi: host paths are under the simulator's driver root" "[.devices[].containerEdits.deviceNodes[], .containerEdits.deviceNodes[] | .hostPath == \"$cd_root\" + .path] | all" true -- cdi generate --output -
expect_json "cdi: the control nodes the driver root has" '[.containerEdits.deviceNodes[].path] | join(" ")' "$(for n in nvidiactl nvidia-uvm nvidia-uvm-tools nvidia-modeset; do [ -e "$cd_root/dev/$n" ] && printf '/dev/%s ' "$n"; done | sed 's/ $//')" -- cdi generate --output -
expect_json "cdi: GPU 1 is its own /dev/nvidia1" '.devices[] | select(.name == "1") | [.containerEdits.deviceNodes[].path]' '["/dev/nvidia1"]' -- cdi generate --output -
expect_json "cdi: all = the 2 GPUs + 2 caps per MIG device" '.devices[] | select(.name == "all") | .containerEdits.deviceNodes | length' 12 -- cdi generate --output -
if [ "$(stat -c %a "$cd_spec")" = 644 ] && [ "$(find "$cd_dir" -type f | wc -l)" -eq 1 ]; then ok; else
	bad "cdi: the spec is 0644 and no temporary file is left"; ls -la "$cd_dir"; fi
expect_stdout "cdi list: qualified names" '^nvidia.com/gpu=0:1$' -- cdi list --spec "$cd_spec"
expect_json "cdi list -o json" '.devices[] | select(.name == "1:1") | [.qualified, .device_nodes[0]]' '["nvidia.com/gpu=1:1","/dev/nvidia1"]' -- cdi list --spec "$cd_spec" -o json
expect_json "cdi generate -o json" '[.spec, .refresh, (.devices | length)]' "[\"$cd_spec\",true,15]" -- cdi generate --output "$cd_spec" -o json

# The refresh: every change of the node rewrites the spec.
cd_old=$(rn_uuid 0 2)
"$migctl" destroy -i 0 --all --gi "$("$migctl" list -o json | jq -r '.gpus[0].mig_devices[] | select(.index == 2) | .gi')" >/dev/null 2>&1
cd_check "refreshed after destroy" "$cd_spec"
if grep -q "$cd_old" "$cd_spec"; then bad "cdi: the destroyed device's UUID is gone"; else ok; fi
"$migctl" create -i 1 2g.10gb >/dev/null 2>&1
cd_check "refreshed after create" "$cd_spec"
"$migctl" smi mig -i 1 -dci >/dev/null 2>&1
cd_check "refreshed after nvidia-smi mig -dci" "$cd_spec"
"$migctl" smi mig -i 1 -dgi >/dev/null 2>&1
cd_check "refreshed after nvidia-smi mig -dgi" "$cd_spec"
"$migctl" create -i 1 3g.20gb >/dev/null 2>&1
cd_check "refreshed after create (again)" "$cd_spec"
printf 'version: v1\nmig-configs:\n  x:\n    - devices: all\n      mig-enabled: true\n      mig-devices:\n        "1g.5gb": 2\n' >"$tmp/cd_apply.yaml"
"$migctl" apply -f "$tmp/cd_apply.yaml" -c x >/dev/null 2>&1 || bad "cdi: apply for the refresh"
cd_check "refreshed after apply" "$cd_spec"
expect_json "cdi: after apply, 4 MIG devices" '[.devices[].name | select(test("^[0-9]+:[0-9]+$"))] | length' 4 -- cdi list --spec "$cd_spec" -o json

# Off switch and removal.
cd_other=$cd_dir/once.json
"$migctl" cdi generate --output "$cd_other" --no-refresh >/dev/null 2>&1
cd_before=$(cd_names "$cd_other")
"$migctl" destroy -i 0 --all >/dev/null 2>&1
if [ "$(cd_names "$cd_other")" = "$cd_before" ]; then ok; else bad "cdi: --no-refresh leaves the spec alone"; fi
cd_check "the remembered spec is still refreshed" "$cd_spec"
"$migctl" cdi generate --output "$cd_spec" --no-refresh >/dev/null 2>&1
"$migctl" create -i 0 7g.40gb >/dev/null 2>&1
if [ "$(cd_names "$cd_spec")" != "$(cd_want)" ]; then ok; else bad "cdi: --no-refresh takes a spec off the list"; fi
"$migctl" cdi generate --output "$cd_spec" >/dev/null 2>&1
rm -f "$cd_spec"
"$migctl" destroy -i 0 --all >/dev/null 2>&1
if [ ! -e "$cd_spec" ]; then ok; else bad "cdi: a spec deleted by hand is not written again"; fi
if grep -q "$cd_spec" "$MIGSIM_STATE/cdi-specs" 2>/dev/null; then bad "cdi: ... and leaves the list"; else ok; fi
mv "$cd_mm" "$cd_mm.away"
expect_exit "cdi generate: a driver root without mig-minors" 15 'mig-minors' -- cdi generate --output "$cd_dir/x.json"
mv "$cd_mm.away" "$cd_mm"
expect_exit "cdi generate: directory missing" 4 'cannot write CDI spec .*/no-dir/x.json' -- cdi generate --output "$cd_dir/no-dir/x.json"

unset MIGCTL_SIM MIGSIM_STATE
