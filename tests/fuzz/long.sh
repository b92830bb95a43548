#!/bin/sh
# Long run of every fuzz target (`make fuzz-long`, not part of `make check`):
# each target runs FUZZ_SECONDS (default 600) on a corpus kept between runs
# in build/fuzz/corpus/NAME (started from tests/fuzz/seeds/NAME), with
# -fork so that a finding is kept and the run goes on. Prints one line per
# target: executions and findings (crash, leak, timeout and out-of-memory
# inputs, saved in build/fuzz/findings/NAME/). Exit status 1 if any target
# had a finding. Run from the repository root after `make fuzz`.
set -u
seconds=${FUZZ_SECONDS:-600}
total=0
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f" | sed 's/^fuzz_//')
	corpus=build/fuzz/corpus/$name
	findings=build/fuzz/findings/$name
	mkdir -p "$corpus" "$findings"
	if [ -d "tests/fuzz/seeds/$name" ]; then cp tests/fuzz/seeds/"$name"/* "$corpus"/; fi
	if [ "$name" = catalog ]; then cp data/catalog/*.yaml "$corpus"/; fi
	log=build/fuzz/$name.long.log
	"$f" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
		-max_total_time="$seconds" -max_len=65536 -close_fd_mask=3 \
		-print_final_stats=1 -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1
	# -fork prints the executions of all its jobs as "#N ... exec/s";
	# the last such line has the total.
	execs=$(grep -Eo '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
	found=$(find "$findings" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) | wc -l)
	total=$((total + found))
	echo "fuzz-long $name: ${execs:-0} executions in ${seconds}s, $found findings"
done
[ "$total" -eq 0 ]
