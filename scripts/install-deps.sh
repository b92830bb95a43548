#!/bin/sh
# Install the Debian packages migctl needs to build, test and benchmark
# (coinor-cbc is the exact ILP baseline of the planner benchmark), only
# those that are missing. Called by `make check`, `make demo`, `make bench`.
set -eu

PACKAGES="gcc make pkg-config libc6-dev libyaml-dev libjansson-dev
libcmocka-dev clang libclang-rt-14-dev jq coinor-cbc"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "migctl: installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "migctl: need root (or sudo) to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
