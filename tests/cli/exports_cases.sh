# The simulator's exports, sourced by tests/cli/cases.sh. Its version
# scripts are generated from the one NVML entry-point table
# (lib/nvml_entries.h, tools/nvml_map). Checks that each library exports
# exactly the names the table gives it, and that these are the names the
# hand-written scripts exported before the table (golden/sim-exports-*.txt,
# plus migsimSetStateDir and migsimLastStateError): an entry point that lost its legacy flag, or a
# definition missing from sim/, shows here.
# shellcheck shell=sh disable=SC2154

ex_build=$(cd "$(dirname "$migctl")" && pwd)
ex_map=$ex_build/tools/nvml_map

# ex_exports LIB: the defined dynamic symbols of LIB, sorted
ex_exports() {
	nm -D --defined-only "$1" | awk '{print $3}' | sed 's/@.*//' | LC_ALL=C sort
}

for ex_v in full legacy; do
	ex_lib=$ex_build/sim/libnvidia-ml.so.1
	[ "$ex_v" = legacy ] && ex_lib=$ex_build/sim-legacy/libnvidia-ml.so.1
	if [ ! -x "$ex_map" ] || [ ! -e "$ex_lib" ]; then
		bad "exports $ex_v: $ex_map or $ex_lib is missing (make test-run builds them)"
		continue
	fi
	"$ex_map" list "$ex_v" | LC_ALL=C sort >"$tmp/ex_table"
	ex_exports "$ex_lib" >"$tmp/ex_lib"
	if diff -u "$tmp/ex_table" "$tmp/ex_lib" >"$tmp/ex_diff"; then
		ok
	else
		bad "exports $ex_v: the library differs from the table"; cat "$tmp/ex_diff"
	fi
	if diff -u "$golden/sim-exports-$ex_v.txt" "$tmp/ex_lib" >"$tmp/ex_diff"; then
		ok
	else
		bad "exports $ex_v: not the names the simulator exported before"; cat "$tmp/ex_diff"
	fi
	# The map is a proper version script: everything else stays local.
	if "$ex_map" map "$ex_v" | grep -q '^local:' ; then ok; else bad "exports $ex_v: map has no local:"; fi
done
# The legacy library is a strict subset of the full one.
if [ -e "$ex_build/sim-legacy/libnvidia-ml.so.1" ] &&
	[ -z "$(LC_ALL=C comm -23 "$golden/sim-exports-legacy.txt" "$golden/sim-exports-full.txt")" ] &&
	[ "$(wc -l <"$golden/sim-exports-legacy.txt")" -lt "$(wc -l <"$golden/sim-exports-full.txt")" ]; then
	ok
else
	bad "exports: legacy is not a strict subset of full"
fi
