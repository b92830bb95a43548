#!/bin/sh
# Install the Debian packages migctl needs, only those that are missing.
#   scripts/install-deps.sh          everything: build, test, benchmark
#                                    (coinor-cbc is the exact ILP baseline
#                                    of the planner benchmark)
#   scripts/install-deps.sh build    only what plain `make` needs
# Called by `make` (build, when pkg-config misses a library), `make check`,
# `make demo`, `make bench`.
set -eu

BUILD_PACKAGES="gcc make pkg-config libc6-dev libyaml-dev libjansson-dev"
BUILD_PACKAGES="$BUILD_PACKAGES libmicrohttpd-dev libncurses-dev"
BUILD_PACKAGES="$BUILD_PACKAGES zlib1g-dev"
BUILD_PACKAGES="$BUILD_PACKAGES
libacl1-dev"
PACKAGES="$BUILD_PACKAGES
libcmocka-dev clang libclang-rt-14-dev jq coinor-cbc man-db
prometheus tmux curl"
# acl: getfacl, the tests' independent view of the ACLs migctl access sets.
PACKAGES="$PACKAGES
acl"
# podman, runc, busybox-static: the CDI test runs a container from a busybox rootfs.
PACKAGES="$PACKAGES
podman runc busybox-static"
# slurmctld, slurmd, slurm-client, munge: the Slurm end-to-end test.
PACKAGES="$PACKAGES
slurmctld slurmd slurm-client munge"
# kubectl checks the Kubernetes objects of tests/cli/k8s_cases.sh offline:
# Debian's kubernetes-client, unless a kubectl is on PATH already.
command -v kubectl >/dev/null 2>&1 || PACKAGES="$PACKAGES
kubernetes-client"
[ "${1:-}" = build ] && PACKAGES=$BUILD_PACKAGES

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "migctl: not a Debian system; install the development packages of libyaml and jansson (and cmocka, clang, jq for the tests) and pkg-config, then run make again" >&2
	exit 1
fi

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
	echo "migctl: missing packages:$missing; run 'sudo scripts/install-deps.sh${1:+ $1}' (or install them as root)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends $missing
fi
