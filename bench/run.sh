#!/bin/sh
# `make bench`: run every benchmark against one build directory.
set -eu
build=${1:-build}
MIGSIM_LIB=$(cd "$build" && pwd)/sim/libnvidia-ml.so.1
MIGSIM_BIN=$(cd "$build" && pwd)/migsim
export MIGSIM_LIB MIGSIM_BIN
# smi_ratio (bench/smi_ratio.c) times NVIDIA's nvidia-smi on the same
# simulated node; without it, it says why and prints migctl's times only.
why=$(mktemp)
NVIDIA_SMI=$(scripts/fetch-nvidia-smi.sh "$build/nvidia-smi" 2>"$why") || NVIDIA_SMI=""
NVIDIA_SMI_WHY=$(head -n 1 "$why")
rm -f "$why"
export NVIDIA_SMI NVIDIA_SMI_WHY
# apply (bench/apply.c) needs both: it builds its own 8-GPU machines with
# $MIGSIM_BIN in a temporary state directory and opens $MIGSIM_LIB.
for b in "$build"/bench/*; do
	[ -x "$b" ] || continue
	"$b"
done
