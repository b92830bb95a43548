# migctl --sim on a machine of an older driver branch (migsim init
# --driver): migctl loads that branch's simulator library (sim-<branch>/
# beside build/sim/, or lib/migctl/sim-<branch>/ installed), so it sees that
# driver's entry points, without MIGCTL_SIM_LIB. A missing branch library
# is exit 15 with the paths tried and the fix. Sourced by tests/cli/cases.sh
# after legacy_cases.sh (nd_new, nd_expect, ap_snap, ap_same).
# shellcheck shell=sh disable=SC2154

br_build=$(cd "$(dirname "$migctl")" && pwd)
unset MIGCTL_SIM_LIB

# 450: the first MIG driver. Versions are the machine's; the entry points
# are the 450 library's, so the early-driver paths of the README are taken.
nd_new --gpus A100-SXM4-80GB:1 --driver 450
nd_expect "450 state: status names the driver" 0 '^Driver 450\.80\.02, CUDA 11\.0 \(simulator\)$' '' -- status
expect_json "450 state: JSON versions" '[.driver_version, .nvml_version, .cuda_version]' '["450.80.02","11.450.80.02",11000]' -- status -o json
nd_expect "450 state: mode enable" 0 'MIG mode enabled' '' -- mode enable -i 0 --reset
nd_expect "450 state: plain create" 0 'created GPU instance' '' -- create 3g.40gb --no-ci -i 0
nd_expect "450 state: two CIs" 0 'created compute instance' '' -- create -i 0 --gi 2 --ci 1c.3g.40gb,1c.3g.40gb
nd_expect "450 state: -lci has no CI placement (v1 GetInfo)" 0 '\| +0 +2 +MIG 1c\.3g\.40gb +0 +1 +N/A +\|' '' -- smi mig -lci -i 0
ap_snap
nd_expect "450 state: --placement needs a newer driver" 17 '' 'driver is too old' -- create 1g.10gb -i 0 --placement 0
nd_expect "450 state: apply needs the placement calls" 17 '' 'cannot create instances at a placement.*upgrade the driver' -- apply -f "$here/configs/a100.yaml" -c all-balanced
ap_same "450 state: refusals change nothing"
# The same machine through the full library (MIGCTL_SIM_LIB wins) knows
# the CI placements: the difference above is the library's.
MIGCTL_SIM_LIB=$br_build/sim/libnvidia-ml.so.1
export MIGCTL_SIM_LIB
nd_expect "450 state, MIGCTL_SIM_LIB=newest: CI placement known" 0 '\| +0 +2 +MIG 1c\.3g\.40gb +0 +1 +1:1 +\|' '' -- smi mig -lci -i 0
unset MIGCTL_SIM_LIB
# --sim=DIR picks the library as $MIGSIM_STATE does.
br_dir=$MIGSIM_STATE
nd_expect "--sim=DIR of a 450 state" 0 '\| +0 +2 +MIG 1c\.3g\.40gb +0 +1 +N/A +\|' '' -- --sim="$br_dir" smi mig -lci -i 0

# 515: profile info V and GI placements, but not the CUDA 12.0 calls that
# apply needs.
nd_new --gpus A100-SXM4-80GB:1 --driver 515
expect_json "515 state: JSON versions" '[.driver_version, .cuda_version]' '["515.43.04",11070]' -- status -o json
nd_expect "515 state: mode enable" 0 'MIG mode enabled' '' -- mode enable -i 0 --reset
nd_expect "515 state: create at a placement" 0 'placement 4:4' '' -- create 3g.40gb -i 0 --placement 4
nd_expect "515 state: apply refused" 17 '' 'cannot create instances at a placement.*upgrade the driver' -- apply -f "$here/configs/a100.yaml" -c all-balanced

# Missing branch library: a copy of migctl with only the newest library
# beside it. Exit 15 names the paths tried and the fix; nothing is read.
br_inst=$tmp/branch_inst
mkdir -p "$br_inst/bin/sim"
cp "$migctl" "$br_inst/bin/migctl"
cp "$br_build/sim/libnvidia-ml.so.1" "$br_inst/bin/sim/"
nd_new --gpus A100-SXM4-80GB:1 --driver 450
br_migctl=$migctl
migctl=$br_inst/bin/migctl
nd_expect "missing branch library: exit 15 and the fix" 15 '' "driver branch 450, whose simulator library is missing \(tried $br_inst/bin/sim-450/libnvidia-ml\.so\.1, .*; build it \(make builds sim-450/\), or set MIGCTL_SIM_LIB" -- status
MIGCTL_SIM_LIB=$br_build/sim-450/libnvidia-ml.so.1
export MIGCTL_SIM_LIB
nd_expect "missing branch library: MIGCTL_SIM_LIB is the way out" 0 '^Driver 450\.80\.02' '' -- status
unset MIGCTL_SIM_LIB
# The installed layout (make install): PREFIX/lib/migctl/sim-450/.
mkdir -p "$br_inst/lib/migctl/sim-450"
cp "$br_build/sim-450/libnvidia-ml.so.1" "$br_inst/lib/migctl/sim-450/"
nd_expect "installed layout: lib/migctl/sim-450 is found" 0 '^Driver 450\.80\.02' '' -- status
nd_expect "installed layout: mode enable" 0 'MIG mode enabled' '' -- mode enable -i 0 --reset
nd_expect "installed layout: its entry points are 450's" 17 '' 'driver is too old' -- create 1g.10gb -i 0 --placement 0
migctl=$br_migctl
rm -rf "$br_inst"
