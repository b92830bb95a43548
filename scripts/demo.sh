#!/bin/sh
# `make demo`: what migctl knows about an A100-80GB, from the built-in
# catalog (no GPU or driver needed).
set -eu
migctl=${1:-build/migctl}
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step migctl catalog list
"$migctl" catalog list

step migctl catalog show a100-sxm4-80gb
"$migctl" catalog show a100-sxm4-80gb

step migctl layouts a100-sxm4-80gb --profiles 1g.10gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb
"$migctl" layouts a100-sxm4-80gb --profiles 1g.10gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb

step "migctl layouts a100-sxm4-80gb -o json | jq '.count'   # every profile, +me and 1g.20gb included"
"$migctl" layouts a100-sxm4-80gb -o json | jq '.count'
