#!/bin/sh
# Short smoke run of every fuzz target (part of `make check`); `make fuzz`
# builds them; `make fuzz-long` (tests/fuzz/long.sh) runs each for longer
# and counts findings. One target by hand, e.g.
#   build/fuzz/fuzz_catalog -max_total_time=600 CORPUS_DIR
# The smoke uses a fixed seed (FUZZ_SEED), so it is a reproducible
# regression check: the inputs a run tries are those a run of the same
# tree tries on any machine (a slower one stops earlier in the same
# sequence). Exploration is make fuzz-long's job (random seeds, findings
# become seeds here).
set -eu
seed=${FUZZ_SEED:-1}
runs=${FUZZ_RUNS:-20000}
seconds=${FUZZ_SECONDS:-20}
failed=""
for f in build/fuzz/fuzz_*; do
	name=$(basename "$f" | sed 's/^fuzz_//')
	corpus=$(mktemp -d)
	if [ -d "tests/fuzz/seeds/$name" ]; then cp tests/fuzz/seeds/"$name"/* "$corpus"/; fi
	if [ "$name" = catalog ]; then cp data/catalog/*.yaml "$corpus"/; fi
	if "$f" -seed="$seed" -runs="$runs" -max_total_time="$seconds" -max_len=65536 -close_fd_mask=3 -artifact_prefix=build/fuzz/ \
		"$corpus" >"$corpus.log" 2>&1; then
		echo "fuzz-ok $name ($(grep -Eo 'Done [0-9]+ runs' "$corpus.log" || echo "$runs runs"))"
	else
		cat "$corpus.log"
		echo "fuzz-FAILED $name"
		failed="$failed $name"
	fi
	rm -rf "$corpus" "$corpus.log"
done
# Every target runs even after a finding, so one run reports them all.
if [ -n "$failed" ]; then
	echo "fuzz targets with findings:$failed"
	exit 1
fi
