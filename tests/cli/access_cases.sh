# CLI cases of `migctl access` and the simulator's driver files, sourced
# by tests/cli/cases.sh (ok, bad, expect_*, $tmp, $here, $migctl come from
# tests/cli/run.sh; MIGSIM_BIN from tests/run-tests.sh).
#
# The simulated node: two A100-SXM4-40GB, GPU 0 in MIG mode with a 3g.20gb
# (GI 2), and two 1g.5gb (GI 7, GI 8): MIG devices 0:0, 0:1, 0:2. Minors
# from reference/nvml-mig.md §3 (3 + 135*gpu + 9*gi [+ 1 + ci]): GI 2 21,
# its CI 0 22; GI 7 66, 67; GI 8 75, 76; config 1, monitor 2.
#
# Every change is checked against a snapshot of every node under the
# driver root (owner, group, mode, type, major:minor and getfacl's ACL):
# exactly the nodes of the slices named change. As root, processes of
# other uids (setpriv) open the nodes: a character device whose driver is
# absent opens with ENXIO once the permission check passed, and fails with
# EACCES when it did not.
# shellcheck shell=sh disable=SC2016,SC2154

MIGSIM_BIN=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}
ac_state=$(mktemp -d "$tmp/access.XXXXXX")
# Other uids must reach the nodes through the directories.
chmod 711 "$tmp" "$ac_state"
ac_sim() { MIGSIM_STATE=$ac_state "$MIGSIM_BIN" "$@"; }
ac() { "$migctl" --sim="$ac_state" "$@"; }

ac_sim init --gpus A100-SXM4-40GB:2 >/dev/null 2>&1 || bad "access: migsim init"
ac --wait mode enable -i 0 >/dev/null 2>&1
ac_sim reset -i 0 >/dev/null 2>&1
ac smi mig -i 0 -cgi 9,19,19 -C >/dev/null 2>&1 || bad "access: create the slices"
ac_root=$(ac_sim root 2>"$tmp/ac_err")
[ "$ac_root" = "$ac_state/driver" ] && ok || bad "access: migsim root prints STATE/driver (got $ac_root)"
ac_caps=$ac_root/dev/nvidia-caps
ac_proc=$ac_root/proc/driver/nvidia/capabilities

# ac_snap FILE: every node under the driver root, one line each.
ac_snap() {
	for n in "$ac_root"/dev/nvidia* "$ac_caps"/*; do
		[ -d "$n" ] && continue
		printf '%s %s %s\n' "${n#"$ac_root"}" "$(stat -c '%F %u %g %a %t:%T' "$n")" \
			"$(getfacl -cpn "$n" 2>/dev/null | tr '\n' ' ')"
	done >"$1"
}
# ac_changed BEFORE AFTER: the node paths whose lines differ, space-joined.
ac_changed() {
	diff "$1" "$2" | sed -n 's/^> \([^ ]*\) .*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}
# ac_open UID NODE: "ok" if uid may open the node, "denied" if not.
ac_open() {
	LC_ALL=C setpriv --reuid="$1" --regid="$1" --clear-groups sh -c "exec 3<'$2'" 2>"$tmp/ac_open"
	if grep -q 'Permission denied' "$tmp/ac_open"; then echo denied
	elif grep -q 'No such device or address' "$tmp/ac_open"; then echo ok
	else echo "other: $(cat "$tmp/ac_open")"; fi
}

# --- the simulated driver's files ---------------------------------------------
grep -qx 'gpu0/gi7/ci0/access 67' "$ac_root/proc/driver/nvidia-caps/mig-minors" && ok ||
	bad "access: mig-minors has gpu0/gi7/ci0/access 67"
grep -qx 'gpu31/gi14/ci7/access 4322' "$ac_root/proc/driver/nvidia-caps/mig-minors" && ok ||
	bad "access: mig-minors ends with gpu31/gi14/ci7/access 4322"
grep -qx '508 nvidia-caps' "$ac_root/proc/devices" && ok || bad "access: proc/devices lists nvidia-caps"
grep -qx 'ModifyDeviceFiles: 1' "$ac_root/proc/driver/nvidia/params" && ok || bad "access: params"
if [ "$(cat "$ac_proc/gpu0/mig/gi7/ci0/access")" = "$(printf 'DeviceFileMinor: 67\nDeviceFileMode: 292\nDeviceFileModify: 1')" ] &&
	[ "$(cat "$ac_proc/mig/config")" = "$(printf 'DeviceFileMinor: 1\nDeviceFileMode: 256\nDeviceFileModify: 1')" ]; then
	ok; else bad "access: capability files (gi7/ci0, mig/config)"; fi
if [ "$(id -u)" -eq 0 ]; then
	[ "$(stat -c '%F %t:%T %a' "$ac_caps/nvidia-cap67")" = "character special file 1fc:43 444" ] &&
		[ "$(stat -c '%F %t:%T %a' "$ac_root/dev/nvidia0")" = "character special file c3:0 666" ] &&
		[ "$(stat -c '%t:%T' "$ac_root/dev/nvidiactl")" = "c3:ff" ] && ok ||
		bad "access: device nodes are character devices with the reference's numbers"
	[ ! -s "$tmp/ac_err" ] && ok || bad "access: migsim root as root says nothing about plain files"
fi

# The listing is the driver files: the same capabilities, minors and modes.
ac access list -o json >"$tmp/ac_list" 2>"$tmp/ac_err" || bad "access: list -o json"
jq -r '.capabilities[] | "\(.capability_file) \(.minor)"' "$tmp/ac_list" | sort >"$tmp/ac_l1"
(cd "$ac_root" && find proc/driver/nvidia/capabilities -name access -o -name config -o -name monitor) |
	while read -r f; do printf '/%s %s\n' "$f" "$(sed -n 's/^DeviceFileMinor: //p' "$ac_root/$f")"; done |
	sort >"$tmp/ac_l2"
if [ "$(wc -l <"$tmp/ac_l1")" -eq 8 ] && cmp -s "$tmp/ac_l1" "$tmp/ac_l2"; then ok; else
	bad "access: list = the capability files"; diff "$tmp/ac_l1" "$tmp/ac_l2"; fi
expect_json "access list: MIG device and UUID of a CI" \
	'.capabilities[] | select(.capability == "gpu0/gi8/ci0/access") | "\(.mig_devices) \(.node) \(.uuid | startswith("MIG-"))"' \
	"0:2 /dev/nvidia-caps/nvidia-cap76 true" -- --sim="$ac_state" access list -o json
expect_stdout "access list text" '^gpu0/gi7/ci0/access +/dev/nvidia-caps/nvidia-cap67 +0:1 +root:root +0444 +everyone +\[managed\]$' -- \
	--sim="$ac_state" access list

# --- refusals: nothing changes ------------------------------------------------
ac_snap "$tmp/ac_s0"
expect_exit "access grant on a managed node" 25 'gpu0/gi7/access .*DeviceFileModify: 1.*--unmanage' -- \
	--sim="$ac_state" access grant -d 0:1 -u 4242
expect_exit "access: unknown MIG device" 13 'error: -d 0:9: no such MIG device' -- --sim="$ac_state" access grant -d 0:1,0:9 -u 4242 --unmanage
expect_exit "access: unknown user" 2 'migctl: -u: no user "no-such-user-x"' -- --sim="$ac_state" access grant -d 0:1 -u no-such-user-x
expect_exit "access: grant needs whom" 2 "needs whom" -- --sim="$ac_state" access grant -d 0:1
expect_exit "access: grant needs what" 2 "needs what" -- --sim="$ac_state" access revoke -u 4242
expect_exit "access: no subcommand" 2 "missing subcommand" -- --sim="$ac_state" access
expect_exit "access: list takes no targets" 2 "takes only --root" -- --sim="$ac_state" access list -d 0:1
expect_exit "access: a root without a driver" 15 'no .*/proc/driver/nvidia-caps/mig-minors.*--root' -- access list --root "$tmp"
ac_snap "$tmp/ac_s1"
cmp -s "$tmp/ac_s0" "$tmp/ac_s1" && ok || bad "access: refusals changed no node"
grep -q 'DeviceFileModify: 1' "$ac_proc/gpu0/mig/gi7/access" && ok || bad "access: refusals left DeviceFileModify"

# --- seed 002: user A (4242) gets slice 0:1, user B (4343) slice 0:2 ----------
# Nobody else may use either: revoke everyone else's read first.
expect_stdout "access: revoke --others on 0:1,0:2" '^gpu0/gi8/ci0/access .* 0440 +root, group:root +\(unmanaged\)$' -- \
	--sim="$ac_state" access revoke -d 0:1,0:2 --others --unmanage
ac_snap "$tmp/ac_s2"
[ "$(ac_changed "$tmp/ac_s1" "$tmp/ac_s2")" = "/dev/nvidia-caps/nvidia-cap66 /dev/nvidia-caps/nvidia-cap67 /dev/nvidia-caps/nvidia-cap75 /dev/nvidia-caps/nvidia-cap76" ] &&
	ok || bad "access: revoke --others changed exactly the nodes of 0:1 and 0:2 ($(ac_changed "$tmp/ac_s1" "$tmp/ac_s2"))"
grep -q 'DeviceFileModify: 0' "$ac_proc/gpu0/mig/gi7/ci0/access" && ok || bad "access: --unmanage wrote DeviceFileModify: 0"
ac access grant -d 0:1 -u 4242 >/dev/null 2>&1 || bad "access: grant 0:1 to 4242"
ac_snap "$tmp/ac_s3"
[ "$(ac_changed "$tmp/ac_s2" "$tmp/ac_s3")" = "/dev/nvidia-caps/nvidia-cap66 /dev/nvidia-caps/nvidia-cap67" ] &&
	ok || bad "access: grant 0:1 changed exactly its two nodes ($(ac_changed "$tmp/ac_s2" "$tmp/ac_s3"))"
ac_uuid=$(jq -r '.capabilities[] | select(.capability == "gpu0/gi8/ci0/access") | .uuid' "$tmp/ac_list")
expect_json "access: grant by MIG UUID, JSON" '[.action, (.nodes[] | "\(.capability):\(.changed):\(.acl.users[0].uid)")] | join(" ")' \
	"grant gpu0/gi8/access:true:4343 gpu0/gi8/ci0/access:true:4343" -- --sim="$ac_state" access grant -d "$ac_uuid" -u 4343 -o json
ac_snap "$tmp/ac_s4"
[ "$(ac_changed "$tmp/ac_s3" "$tmp/ac_s4")" = "/dev/nvidia-caps/nvidia-cap75 /dev/nvidia-caps/nvidia-cap76" ] &&
	ok || bad "access: grant 0:2 changed exactly its two nodes"
getfacl -cpn "$ac_caps/nvidia-cap67" 2>/dev/null | grep -qx 'user:4242:r--' && ok || bad "access: getfacl shows user:4242:r-- on cap67"
expect_stdout "access list shows the grant" '^gpu0/gi7/ci0/access .* 0440 +root, group:root, user:4242$' -- --sim="$ac_state" access list
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	ac_got=""
	for u in 4242 4343 65534; do
		for m in 66 67 75 76 21; do ac_got="$ac_got $u/$m:$(ac_open "$u" "$ac_caps/nvidia-cap$m")"; done
	done
	ac_want=" 4242/66:ok 4242/67:ok 4242/75:denied 4242/76:denied 4242/21:ok"
	ac_want="$ac_want 4343/66:denied 4343/67:denied 4343/75:ok 4343/76:ok 4343/21:ok"
	ac_want="$ac_want 65534/66:denied 65534/67:denied 65534/75:denied 65534/76:denied 65534/21:ok"
	[ "$ac_got" = "$ac_want" ] && ok || bad "access: who can open which node:$ac_got"
fi

# Revoking A's grant takes exactly A's two nodes, and A is out.
ac access revoke -d 0:1 -u 4242 >/dev/null 2>&1 || bad "access: revoke 0:1 from 4242"
ac_snap "$tmp/ac_s5"
[ "$(ac_changed "$tmp/ac_s4" "$tmp/ac_s5")" = "/dev/nvidia-caps/nvidia-cap66 /dev/nvidia-caps/nvidia-cap67" ] &&
	ok || bad "access: revoke changed exactly the two nodes of 0:1"
sed -n '/nvidia-cap6[67] /p' "$tmp/ac_s2" >"$tmp/ac_a"
sed -n '/nvidia-cap6[67] /p' "$tmp/ac_s5" >"$tmp/ac_b"
cmp -s "$tmp/ac_a" "$tmp/ac_b" && ok || bad "access: revoke restores the nodes as they were before the grant"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	[ "$(ac_open 4242 "$ac_caps/nvidia-cap67")" = denied ] && [ "$(ac_open 4343 "$ac_caps/nvidia-cap76")" = ok ] &&
		ok || bad "access: after revoke 4242 is denied, 4343 still opens 0:2"
fi
if ac access revoke -d 0:0 -u 4242 --unmanage >/dev/null 2>"$tmp/ac_err" &&
	grep -q 'note: everyone may still read /dev/nvidia-caps/nvidia-cap21' "$tmp/ac_err"; then ok; else
	bad "access: revoking a user everyone else still lets in says so"; cat "$tmp/ac_err"; fi

# --- config and monitor; owner and group ------------------------------------
expect_json "access: grant --config to a group, as owning group" '[.nodes[] | "\(.capability) \(.group.gid) \(.mode)"] | join(",")' \
	"config 4444 0440" -- --sim="$ac_state" access grant --config --group-owner 4444 --unmanage -o json
expect_json "access: revoke --group-owner gives it back to root" '[.nodes[] | "\(.group.gid) \(.mode)"] | join(",")' \
	"0 0400" -- --sim="$ac_state" access revoke --config --group-owner 4444 -o json

# --- a missing node is made as nvidia-modprobe makes it ---------------------
if [ "$(id -u)" -eq 0 ]; then
	rm -f "$ac_caps/nvidia-cap22"
	expect_stdout "access: a missing node is created" '^gpu0/gi2/ci0/access .*\(node created\)' -- \
		--sim="$ac_state" access grant -d 0:0 -g 4545
	[ "$(stat -c '%F %t:%T %u %g' "$ac_caps/nvidia-cap22")" = "character special file 1fc:16 0 0" ] && ok ||
		bad "access: the created node is 508:22 owned by root"
fi

# --- the driver files follow the layout --------------------------------------
rm -f "$ac_caps/nvidia-cap21"
ac list >/dev/null 2>&1
[ ! -e "$ac_caps/nvidia-cap21" ] && ok || bad "access: a read leaves a removed node removed"
ac_sim root >/dev/null 2>&1
[ -e "$ac_caps/nvidia-cap21" ] && ok || bad "access: migsim root makes a removed node again"
ac smi mig -i 0 -dci -gi 8 >/dev/null 2>&1 && ac smi mig -i 0 -dgi -gi 8 >/dev/null 2>&1 || bad "access: destroy GI 8"
[ ! -e "$ac_proc/gpu0/mig/gi8" ] && [ -e "$ac_caps/nvidia-cap76" ] && ok ||
	bad "access: a destroyed GI's capability files go, its nodes stay"
expect_json "access list after destroy" '[.capabilities[].capability] | join(",")' \
	"config,monitor,gpu0/gi2/access,gpu0/gi2/ci0/access,gpu0/gi7/access,gpu0/gi7/ci0/access" -- --sim="$ac_state" access list -o json
# A driver loaded with NVreg_ModifyDeviceFiles=0: new capabilities are not managed.
sed -i 's/^ModifyDeviceFiles: 1$/ModifyDeviceFiles: 0/' "$ac_root/proc/driver/nvidia/params"
ac smi mig -i 0 -cgi 19 -C >/dev/null 2>&1 || bad "access: create a 1g again"
grep -q 'DeviceFileModify: 0' "$ac_proc/gpu0/mig/gi8/access" && ok || bad "access: new capability takes ModifyDeviceFiles: 0"
expect_stdout "access: an unmanaged node needs no --unmanage" '^gpu0/gi8/ci0/access .*user:4242' -- \
	--sim="$ac_state" access grant -d 0:2 -u 4242

# --- a reboot: /dev starts afresh, the grants are gone; params stay ---------
ac_sim reboot >/dev/null 2>&1 || bad "access: migsim reboot"
if [ "$(cd "$ac_caps" && ls)" = "$(printf 'nvidia-cap1\nnvidia-cap2')" ] &&
	[ "$(stat -c '%a %u %g' "$ac_caps/nvidia-cap1")" = "400 0 0" ] &&
	! getfacl -cpn "$ac_caps/nvidia-cap1" 2>/dev/null | grep -q '^user:[0-9]' &&
	grep -qx 'ModifyDeviceFiles: 0' "$ac_root/proc/driver/nvidia/params"; then ok; else
	bad "access: after a reboot only config and monitor, as the driver makes them"; ls -l "$ac_caps"; fi

# --- without root: plain files, said so; access still works on them ------
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	ac_nr=$tmp/access-nonroot
	mkdir -m 700 "$ac_nr" && chown 65534:65534 "$ac_nr"
	ac_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env MIGSIM_STATE="$ac_nr" "$@"; }
	ac_nobody "$MIGSIM_BIN" init --gpus A100-SXM4-40GB:1 >/dev/null 2>&1 &&
		ac_nobody "$migctl" --sim mode enable -i 0 --reset >/dev/null 2>&1 &&
		ac_nobody "$migctl" --sim create 1g.5gb -i 0 >/dev/null 2>&1 || bad "access: a machine as nobody"
	ac_nr_root=$(ac_nobody "$MIGSIM_BIN" root 2>"$tmp/ac_err")
	grep -q 'note: the device nodes under .*/dev are plain files' "$tmp/ac_err" && ok ||
		bad "access: migsim root as nobody says the nodes are plain files"
	# the 1g.5gb alone goes to placement 6: GI 13, minors 120 and 121
	[ -f "$ac_nr_root/dev/nvidia-caps/nvidia-cap121" ] && [ -f "$ac_nr_root/dev/nvidiactl" ] && ok ||
		bad "access: as nobody the nodes are plain files"
	if ac_nobody "$migctl" --sim access grant -d 0:0 -u 4242 --unmanage -o json >"$tmp/ac_out" 2>"$tmp/ac_err" &&
		[ "$(jq -c '[.nodes[] | [.capability, .char_device, .acl.users[0].uid]]' "$tmp/ac_out")" = \
			'[["gpu0/gi13/access",false,4242],["gpu0/gi13/ci0/access",false,4242]]' ]; then ok; else
		bad "access: grant on the plain files as their owner"; cat "$tmp/ac_err" "$tmp/ac_out"; fi
fi
