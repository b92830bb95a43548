# A real container runtime consumes migctl's CDI spec: Debian's podman with
# runc runs a container from a busybox-static root filesystem with
# --device nvidia.com/gpu=0:1; inside are exactly that MIG device's nodes
# (the simulated driver's character devices) and the spec's environment,
# nothing of the other slices. After a repartition the spec is refreshed
# and the old name is refused. Everything runs in a private mount
# namespace (unshare -m), so /var/run/cdi of the machine is untouched: a
# temporary directory is bind-mounted over it. podman's storage, run and
# runc state are temporary directories too. Needs root; as root it must
# run (CI runs make check as root). Sourced by tests/cli/cases.sh after node_cases.sh.
# shellcheck shell=sh disable=SC2154

pd_root_dir=$(cd "$here/../.." && pwd)

pd_skip() {
	echo "podman: skipped: $1"
}

# pd_have: podman, runc and a static busybox are there.
pd_have() {
	command -v podman >/dev/null 2>&1 && [ -x /usr/sbin/runc ] &&
		dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'
}

# pd_want GPU GI CI: the container paths a MIG device must bring, sorted:
# its GPU's node, its GI and CI capability nodes as the simulated
# driver's mig-minors lists them, and the control nodes the root has.
pd_want() {
	pd_minors=$pd_droot/proc/driver/nvidia-caps/mig-minors
	{
		echo "/dev/nvidia$1"
		echo "/dev/nvidia-caps/nvidia-cap$(awk -v k="gpu$1/gi$2/access" '$1 == k {print $2}' "$pd_minors")"
		echo "/dev/nvidia-caps/nvidia-cap$(awk -v k="gpu$1/gi$2/ci$3/access" '$1 == k {print $2}' "$pd_minors")"
		for n in nvidiactl nvidia-uvm nvidia-uvm-tools nvidia-modeset; do
			[ -e "$pd_droot/dev/$n" ] && echo "/dev/$n"
		done
	} | sort | tr '\n' ' '
}

# pd_run_script FILE: the commands run inside the namespace.
pd_run_script() {
	cat >"$1" <<EOF
set -u
mount --make-rprivate / || exit 90
# podman 4.3 reads specs from /etc/cdi and /var/run/cdi only: our own
# directory goes over the latter (on a tmpfs over /run where the machine
# has no /run/cdi to mount on).
if [ ! -d /run/cdi ]; then
	mount -t tmpfs -o mode=0755 migctl-test /run || exit 91
	mkdir /run/cdi || exit 92
fi
mount --bind "$pd/cdi" /run/cdi || exit 92
pod() {
	timeout 120 podman --root "$pd/storage" --runroot "$pd/runroot" --storage-driver vfs \\
		--cgroup-manager cgroupfs --events-backend none --runtime /usr/sbin/runc \\
		run --rm --network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \\
		--device "\$1" --rootfs "$pd/rootfs" /bin/busybox sh -c \\
		'busybox find /dev -name "nvidia*" -type c | busybox sort | busybox tr "\\n" " "; echo; busybox env'
}
"$migctl" cdi generate >"$pd/gen.out" 2>&1 || exit 93
cp "$pd/cdi/$pd_spec_name" "$pd/spec1.json"
pod nvidia.com/gpu=0:1 >"$pd/c1.out" 2>&1; echo \$? >"$pd/c1.rc"
pod "nvidia.com/gpu=\$(cat "$pd/uuid01")" >"$pd/c2.out" 2>&1; echo \$? >"$pd/c2.rc"
# The repartition: GPU 0's MIG device 1 goes, a 1g.5gb comes.
"$migctl" destroy -i 0 --all --gi "\$(cat "$pd/gi01")" >"$pd/repart.out" 2>&1 || exit 94
"$migctl" create -i 0 1g.5gb >>"$pd/repart.out" 2>&1 || exit 95
cp "$pd/cdi/$pd_spec_name" "$pd/spec2.json"
pod "nvidia.com/gpu=\$(cat "$pd/uuid01")" >"$pd/c3.out" 2>&1; echo \$? >"$pd/c3.rc"
pod nvidia.com/gpu=0:1 >"$pd/c4.out" 2>&1; echo \$? >"$pd/c4.rc"
exit 0
EOF
}

pd_main() {
	pd=$(mktemp -d "$tmp/podman.XXXXXX")
	pd_spec_name=nvidia.com-gpu.json
	nd_new --gpus A100-SXM4-40GB:2
	"$migctl" mode enable --reset >/dev/null 2>&1
	"$migctl" create -i 0 3g.20gb,2g.10gb,1g.5gb >/dev/null 2>&1
	"$migctl" create -i 1 1g.5gb >/dev/null 2>&1
	"$migctl" list -o json >"$pd/list.json"
	jq -r '.gpus[0].mig_devices[] | select(.index == 1) | .uuid' "$pd/list.json" >"$pd/uuid01"
	jq -r '.gpus[0].mig_devices[] | select(.index == 1) | .gi' "$pd/list.json" >"$pd/gi01"
	jq -r '.gpus[0].mig_devices[] | select(.index == 1) | .ci' "$pd/list.json" >"$pd/ci01"
	pd_droot=$("$MIGSIM_BIN" root)
	mkdir -p "$pd/cdi" "$pd/rootfs/bin" "$pd/rootfs/dev" "$pd/rootfs/proc" "$pd/rootfs/sys" "$pd/rootfs/etc"
	cp /bin/busybox "$pd/rootfs/bin/busybox"
	ln -s busybox "$pd/rootfs/bin/sh"
	pd_run_script "$pd/in.sh"
	unshare -m sh "$pd/in.sh" >"$pd/ns.out" 2>&1
	pd_rc=$?
	if [ "$pd_rc" -ne 0 ]; then
		bad "podman: the namespace script (exit $pd_rc)"; cat "$pd/ns.out" "$pd/gen.out" "$pd/repart.out" 2>/dev/null
		return
	fi
	pd_want1=$(pd_want 0 "$(cat "$pd/gi01")" "$(cat "$pd/ci01")")
	pd_got1=$(head -n 1 "$pd/c1.out")
	if [ "$(cat "$pd/c1.rc")" = 0 ] && [ "$pd_got1" = "$pd_want1" ]; then ok; else
		bad "podman --device nvidia.com/gpu=0:1: exactly its nodes"; echo "got:  $pd_got1"; echo "want: $pd_want1"; cat "$pd/c1.out"; fi
	if grep -qx 'NVIDIA_VISIBLE_DEVICES=void' "$pd/c1.out"; then ok; else
		bad "podman: the spec's environment is in the container"; cat "$pd/c1.out"; fi
	if [ "$(cat "$pd/c2.rc")" = 0 ] && [ "$(head -n 1 "$pd/c2.out")" = "$pd_want1" ]; then ok; else
		bad "podman: the MIG UUID name gives the same nodes"; cat "$pd/c2.out"; fi
	if [ "$(cat "$pd/c3.rc")" != 0 ] && grep -q 'unresolvable CDI devices' "$pd/c3.out"; then ok; else
		bad "podman: after the repartition the old MIG UUID is refused"; cat "$pd/c3.out"; fi
	if grep -q "$(cat "$pd/uuid01")" "$pd/spec2.json"; then bad "podman: the refreshed spec drops the old UUID"; else ok; fi
	# 0:1 is now the next device in MIG order: its own nodes, not the old ones.
	"$migctl" list -o json >"$pd/list2.json"
	pd_gi=$(jq -r '.gpus[0].mig_devices[] | select(.index == 1) | .gi' "$pd/list2.json")
	pd_ci=$(jq -r '.gpus[0].mig_devices[] | select(.index == 1) | .ci' "$pd/list2.json")
	pd_want2=$(pd_want 0 "$pd_gi" "$pd_ci")
	if [ "$(cat "$pd/c4.rc")" = 0 ] && [ "$(head -n 1 "$pd/c4.out")" = "$pd_want2" ] &&
		[ "$pd_want2" != "$pd_want1" ]; then ok; else
		bad "podman: after the repartition 0:1 is the new device"; echo "want: $pd_want2"; cat "$pd/c4.out"; fi
	unset MIGCTL_SIM MIGSIM_STATE
}

if [ "$(id -u)" -ne 0 ]; then
	pd_skip "needs root (unshare -m, character devices, podman)"
elif ! command -v unshare >/dev/null 2>&1; then
	bad "podman: unshare (util-linux) is missing"
else
	pd_have || "$pd_root_dir/scripts/install-deps.sh" >/dev/null 2>&1
	if pd_have; then pd_main; else bad "podman: podman, runc or busybox-static missing after scripts/install-deps.sh"; fi
fi
