#!/bin/sh
# Long run of every fuzz target (`make fuzz-long`, not part of `make check`):
# each target runs until FUZZ_RUNS executions (default 10^7, issue 13's
# goal) or FUZZ_SECONDS (default 600), whichever comes first, on a corpus
# kept between runs in build/fuzz/corpus/NAME (started from
# tests/fuzz/seeds/NAME), with -fork so that a finding is kept and the run
# goes on. Prints one line per target: executions, seconds, executions per
# second and findings (crash, leak, timeout and out-of-memory inputs, saved
# in build/fuzz/findings/NAME/), and whether the time cap stopped it short
# of FUZZ_RUNS. Exit status 1 if any target had a finding. FUZZ_TARGETS
# (names without fuzz_) runs only those. Run from the repository root
# after `make fuzz`.
set -u
runs=${FUZZ_RUNS:-10000000}
seconds=${FUZZ_SECONDS:-600}
total=0
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f" | sed 's/^fuzz_//')
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		case " $FUZZ_TARGETS " in *" $name "*) ;; *) continue ;; esac
	fi
	corpus=build/fuzz/corpus/$name
	findings=build/fuzz/findings/$name
	mkdir -p "$corpus" "$findings"
	if [ -d "tests/fuzz/seeds/$name" ]; then cp tests/fuzz/seeds/"$name"/* "$corpus"/; fi
	if [ "$name" = catalog ]; then cp data/catalog/*.yaml "$corpus"/; fi
	log=build/fuzz/$name.long.log
	start=$(date +%s)
	# -fork stops at the first job that ends past -runs executions.
	"$f" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
		-runs="$runs" -max_total_time="$seconds" -max_len=65536 -close_fd_mask=3 \
		-print_final_stats=1 -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1
	took=$(( $(date +%s) - start ))
	[ "$took" -gt 0 ] || took=1
	# -fork prints the executions of all its jobs as "#N ... exec/s";
	# the last such line has the total.
	execs=$(grep -Eo '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
	execs=${execs:-0}
	found=$(find "$findings" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) | wc -l)
	total=$((total + found))
	short=""
	[ "$execs" -ge "$runs" ] || short=" (stopped by the ${seconds}s cap, short of $runs)"
	echo "fuzz-long $name: $execs executions in ${took}s, $((execs / took)) exec/s, $found findings$short"
done
[ "$total" -eq 0 ]
