# The simulator's exports, sourced by tests/cli/cases.sh. Its version
# scripts are generated from the one NVML entry-point table
# (lib/nvml_entries.h, tools/nvml_map), one per driver branch. Checks that
# each library exports exactly the names the table gives its branch, that
# every name the hand-written scripts exported before the table is still
# exported (golden/sim-exports-*.txt: an entry point that lost its branch,
# or a definition missing from sim/, shows here), that each branch exports
# all of the older one's names and more, and that libnvidia-ml.so links to
# the library in every simulator directory.
# shellcheck shell=sh disable=SC2154

ex_build=$(cd "$(dirname "$migctl")" && pwd)
ex_map=$ex_build/tools/nvml_map

# ex_exports LIB: the defined dynamic symbols of LIB, sorted
ex_exports() {
	nm -D --defined-only "$1" | awk '{print $3}' | sed 's/@.*//' | LC_ALL=C sort
}

# ex_dir BRANCH: the build directory of that branch's library
ex_dir() {
	case $1 in
	full) echo "$ex_build/sim" ;;
	legacy) echo "$ex_build/sim-legacy" ;;
	*) echo "$ex_build/sim-$1" ;;
	esac
}

for ex_v in full legacy 450 515 535; do
	ex_lib=$(ex_dir "$ex_v")/libnvidia-ml.so.1
	if [ ! -x "$ex_map" ] || [ ! -e "$ex_lib" ]; then
		bad "exports $ex_v: $ex_map or $ex_lib is missing (make test-run builds them)"
		continue
	fi
	"$ex_map" list "$ex_v" | LC_ALL=C sort >"$tmp/ex_table"
	ex_exports "$ex_lib" >"$tmp/ex_lib_$ex_v"
	if diff -u "$tmp/ex_table" "$tmp/ex_lib_$ex_v" >"$tmp/ex_diff"; then
		ok
	else
		bad "exports $ex_v: the library differs from the table"; cat "$tmp/ex_diff"
	fi
	# The map is a proper version script: everything else stays local.
	if "$ex_map" map "$ex_v" | grep -q '^local:' ; then ok; else bad "exports $ex_v: map has no local:"; fi
	# Clients that open the unversioned name (nvml-wrapper) find the same library.
	if [ "$(readlink "$(dirname "$ex_lib")/libnvidia-ml.so")" = libnvidia-ml.so.1 ]; then
		ok
	else
		bad "exports $ex_v: no libnvidia-ml.so -> libnvidia-ml.so.1 beside $ex_lib"
	fi
done
# Names exported before the table still are (the newest and oldest branch).
for ex_v in full legacy; do
	if [ -e "$tmp/ex_lib_$ex_v" ] &&
		[ -z "$(LC_ALL=C comm -23 "$golden/sim-exports-$ex_v.txt" "$tmp/ex_lib_$ex_v")" ]; then
		ok
	else
		bad "exports $ex_v: lost names the simulator exported before"
		[ -e "$tmp/ex_lib_$ex_v" ] && LC_ALL=C comm -23 "$golden/sim-exports-$ex_v.txt" "$tmp/ex_lib_$ex_v"
	fi
done
# Each branch is a strict subset of the next one; legacy is branch 450.
ex_prev=
for ex_v in 450 515 535 full; do
	if [ -n "$ex_prev" ]; then
		if [ -e "$tmp/ex_lib_$ex_prev" ] && [ -e "$tmp/ex_lib_$ex_v" ] &&
			[ -z "$(LC_ALL=C comm -23 "$tmp/ex_lib_$ex_prev" "$tmp/ex_lib_$ex_v")" ] &&
			[ "$(wc -l <"$tmp/ex_lib_$ex_prev")" -lt "$(wc -l <"$tmp/ex_lib_$ex_v")" ]; then
			ok
		else
			bad "exports: branch $ex_prev is not a strict subset of $ex_v"
		fi
	fi
	ex_prev=$ex_v
done
if [ -e "$tmp/ex_lib_legacy" ] && cmp -s "$tmp/ex_lib_legacy" "$tmp/ex_lib_450"; then
	ok
else
	bad "exports: legacy differs from branch 450"
fi
