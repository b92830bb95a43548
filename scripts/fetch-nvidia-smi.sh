#!/bin/sh
# Fetch NVIDIA's nvidia-smi from Debian's non-free component into the build
# tree, for the tests that use it as an oracle on the simulator:
#   scripts/fetch-nvidia-smi.sh [DIR]      (default: build/nvidia-smi)
# prints the path of the binary (DIR/usr/lib/nvidia/current/nvidia-smi, where Debian puts it) on success.
#
# It uses a private apt configuration under DIR/apt that reuses the mirror
# this machine is already configured with (read from /etc/apt at run time),
# downloads the package with `apt-get download` and unpacks it with
# `dpkg -x`. It never changes the system's apt sources and never installs
# the package system-wide. Exit 0 with the path, or non-zero with one line
# on stderr saying why (no mirror configured, package not reachable).
set -eu

dir=${1:-build/nvidia-smi}
bin="$dir/usr/lib/nvidia/current/nvidia-smi"
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

# The first Debian archive URI the system uses (deb822 .sources files, then
# one-line sources.list entries); the security archive is not the one.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
	[ -r "$f" ] || continue
	mirror=$(sed -n 's/^URIs:[[:space:]]*//p' "$f" | tr ' ' '\n' | grep -v security | head -n 1)
	[ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' |
		grep -v security | head -n 1)
fi
if [ -z "$mirror" ]; then
	echo "fetch-nvidia-smi: no Debian mirror in /etc/apt to fetch nvidia-smi from" >&2
	exit 1
fi
suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-bookworm}")

apt="$dir/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ -r "$keyring" ]; then
	echo "deb [signed-by=$keyring] $mirror $suite non-free" >"$apt/etc/sources.list"
else
	echo "deb $mirror $suite non-free" >"$apt/etc/sources.list"
fi
abs=$(cd "$apt" && pwd)
set -- -o "Dir::Etc::sourcelist=$abs/etc/sources.list" -o Dir::Etc::sourceparts=- \
	-o "Dir::State::lists=$abs/lists" -o "Dir::Cache=$abs/cache" \
	-o Dir::State::status=/var/lib/dpkg/status -o APT::Sandbox::User=root \
	-o Debug::NoLocking=1
if ! apt-get "$@" -q update >"$abs/update.log" 2>&1; then
	echo "fetch-nvidia-smi: apt-get update of the private non-free list failed (see $abs/update.log)" >&2
	exit 1
fi
rm -f "$abs"/nvidia-smi_*.deb
if ! (cd "$abs" && apt-get "$@" -q download nvidia-smi >download.log 2>&1); then
	echo "fetch-nvidia-smi: cannot download Debian's nvidia-smi package (see $abs/download.log)" >&2
	exit 1
fi
dpkg -x "$abs"/nvidia-smi_*.deb "$dir"
if [ ! -x "$bin" ]; then
	echo "fetch-nvidia-smi: the package holds no usr/lib/nvidia/current/nvidia-smi" >&2
	exit 1
fi
echo "$bin"
