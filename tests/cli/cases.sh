# CLI test cases, sourced by tests/cli/run.sh (helpers are defined there).
# shellcheck shell=sh

cat_dir=$here/catalogs
A100_5="1g.10gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb"

# --- nvidia-smi formats, against real transcripts ------------------------
expect_golden "A30 -lgip" a30-lgip.txt -- catalog show a30 --lgip
expect_golden "A30 -lgipp" a30-lgipp.txt -- catalog show 0x20B7 --lgipp
expect_golden "A100 80GB PCIe -lgip (seed 000)" a100-80gb-pcie-lgip.txt -- catalog show "NVIDIA A100 80GB PCIe" --lgip
expect_golden "A100 80GB PCIe -lgipp (seed 000)" a100-lgipp.txt -- catalog show 0x20B5 --lgipp
expect_golden "A100-SXM4-80GB -lgipp" a100-lgipp.txt -- catalog show a100-sxm4-80gb --lgipp
expect_golden "A100-SXM4-40GB -lgipp" a100-lgipp.txt -- catalog show 0x20B0 --lgipp
expect_golden "RTX PRO 6000 -lgip (wide table)" rtx-pro-6000-lgip.txt -- catalog show 0x2BB5 --lgip
expect_golden "RTX PRO 6000 -lgipp" rtx-pro-6000-lgipp.txt -- catalog show "rtx pro 6000 blackwell server edition" --lgipp

# --- model lookup ---------------------------------------------------------
expect_json "lookup by NVML PCI form" .name "NVIDIA A100 80GB PCIe" -- catalog show 0x20B510DE -o json
expect_json "lookup ignores case and separators" .name "NVIDIA A100 80GB PCIe" -- -o json catalog show a100_80gb_pcie
expect_json "lookup without NVIDIA prefix" .placement_units 4 -- catalog show A30 -o json
expect_exit "unknown model" 7 'unknown GPU model "A200"' -- catalog show A200
expect_exit "unknown model suggests" 7 'did you mean .*A100' -- catalog show a100
expect_exit "unknown PCI ID" 7 'unknown GPU model "0x1234"' -- catalog show 0x1234

# --- catalog list / show JSON ---------------------------------------------
expect_json "list has every reference model" '[.models[].pci_device_ids[]] | (index("0x20B0") != null and index("0x20B5") != null and index("0x20B7") != null and index("0x2330") != null and index("0x2335") != null and index("0x2901") != null and index("0x2BB5") != null)' true -- catalog list -o json
expect_stdout "list text" '^NVIDIA A30 +0x20B7 +ampere +4 +24576MiB' -- catalog list
expect_json "show: 3g.40gb placements" '.gpu_instance_profiles[] | select(.id == 9) | .placements.starts' '[0,4]' -- catalog show 0x20B2 -o json
expect_json "show: 3g CI profiles" '[.gpu_instance_profiles[] | select(.id == 9) | .compute_instance_profiles[].name] | join(",")' "1c.3g.40gb,2c.3g.40gb,3g.40gb" -- catalog show 0x20B2 -o json
expect_json "show: empty GPU Free = Total" '[.gpu_instance_profiles[] | .free == .max] | all' true -- catalog show 0x2330 -o json
expect_json "show: unconfirmed B200 7g" '.gpu_instance_profiles[] | select(.name == "7g.180gb") | .confirmed' false -- catalog show b200 -o json
expect_stdout "show text marks unconfirmed" '^Unconfirmed .*7g\.180gb' -- catalog show b200

# --- layouts: counts from reference/planning.md §1.2 ------------------------
expect_json "A100 non-extendable layouts" '[.count, .multisets]' '[19,14]' -- layouts 0x20B2 --profiles "$A100_5" -o json
expect_json "A100 placed layouts" '[.count, .multisets]' '[297,37]' -- layouts 0x20B2 --profiles 19,14,9,5,0 --all -o json
expect_json "A100 + double-memory 1g" '[.count]' '[78]' -- layouts 0x20B2 --profiles "$A100_5,1g.20gb" -o json
expect_json "H100 non-extendable layouts" .count 19 -- layouts 0x2330 --profiles 1g.10gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb -o json
expect_json "A30 layouts" '[.count, .multisets]' '[5,4]' -- layouts a30 --profiles "1g.6gb,2g.12gb,4g.24gb" -o json
expect_json "A30 placed layouts" '[.count, .multisets]' '[25,9]' -- layouts a30 --profiles "14,5,0" --all -o json
expect_json "layout JSON carries GI IDs" '.layouts[] | select(.instances | length == 1) | .instances[0] | [.profile, .start, .size, .gi_id]' '["7g.80gb",0,8,0]' -- layouts 0x20B2 --profiles "$A100_5" -o json
expect_stdout "layouts text: 4g+3g is there" 'A=4g\.40gb@0:4  B=3g\.40gb@4:4' -- layouts 0x20B2 --profiles "$A100_5"
expect_stdout "layouts text summary" '^19 non-extendable layouts, 14 distinct profile multisets\.$' -- layouts 0x20B2 --profiles "$A100_5"
expect_exit "layouts: unknown profile" 8 'unknown GPU-instance profile "3g.20gb" for NVIDIA A100-SXM4-80GB' -- layouts 0x20B2 --profiles 3g.20gb
expect_exit "layouts: empty list item" 2 'empty item' -- layouts 0x20B2 --profiles "19,,14"

# --- user catalogs ---------------------------------------------------------
expect_json "--catalog adds a model" '[.name, .placement_units]' '["Example GPU",4]' -- --catalog "$cat_dir/extra-model.yaml" catalog show example-gpu -o json
expect_json "--catalog overrides a model" '.gpu_instance_profiles[0].memory_mib' 6000 -- --catalog "$cat_dir/override-a30.yaml" catalog show a30 -o json
expect_exit "malformed YAML" 5 'broken-syntax.yaml:5: YAML syntax error: did not find expected' -- --catalog "$cat_dir/broken-syntax.yaml" catalog list
expect_exit "placement beyond units" 6 'beyond-units.yaml:[0-9]+: .*goes beyond the 4 available units' -- --catalog "$cat_dir/beyond-units.yaml" catalog list
expect_exit "unknown key" 6 'unknown-key.yaml:[0-9]+: unknown key "colour"' -- --catalog "$cat_dir/unknown-key.yaml" catalog list
expect_exit "duplicate profile ID" 6 'duplicate-id.yaml:[0-9]+: .*clashes with profile' -- --catalog "$cat_dir/duplicate-id.yaml" catalog list
expect_exit "PCI ID of another model" 6 'pci-clash.yaml:[0-9]+: model Other GPU: PCI device ID 0x20B7 is already used by model NVIDIA A30' -- --catalog "$cat_dir/pci-clash.yaml" catalog list
expect_exit "missing catalog file" 4 'cannot open catalog file .*/nope.yaml' -- --catalog "$cat_dir/nope.yaml" catalog list

# --- usage and help --------------------------------------------------------
expect_exit "no command" 2 'Usage: migctl' --
expect_exit "unknown command" 2 "unknown command 'frobnicate'" -- frobnicate
expect_exit "bad output format" 2 "bad output format 'yaml'" -- catalog list -o yaml
expect_exit "catalog without subcommand" 2 'missing subcommand' -- catalog
expect_exit "layouts without model" 2 'expected one MODEL' -- layouts
expect_stdout "migctl --help lists commands" '^  layouts ' -- --help
expect_stdout "catalog --help documents --lgip" '--lgip ' -- catalog --help
expect_stdout "layouts --help documents --profiles" '--profiles LIST' -- layouts --help
expect_stdout "--version" '^migctl [0-9]+\.[0-9]+\.[0-9]+$' -- --version
. "$here/migsim_cases.sh"
. "$here/node_cases.sh"
. "$here/dmon_cases.sh"
. "$here/smi_cases.sh"
. "$here/oracle_cases.sh"
. "$here/plan_cases.sh"
. "$here/doc_cases.sh"
. "$here/apply_cases.sh"
. "$here/hardening_cases.sh"
. "$here/legacy_cases.sh"
. "$here/branch_cases.sh"
. "$here/exports_cases.sh"
. "$here/realcheck_cases.sh"
. "$here/nvsmi_cases.sh"
. "$here/nvsmi_na_cases.sh"
. "$here/exporter_cases.sh"
. "$here/top_cases.sh"
. "$here/access_cases.sh"
. "$here/run_cases.sh"
. "$here/cdi_cases.sh"
. "$here/podman_cases.sh"
. "$here/k8s_cases.sh"
. "$here/slurm_cases.sh"
