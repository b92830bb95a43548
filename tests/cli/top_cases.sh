# migctl top on the simulator, in an 80x24 tmux pane: keys go in with
# send-keys, the screen comes back with capture-pane. Sourced by
# tests/cli/cases.sh; tmux runs on its own socket in $tmp and is stopped at
# the end.
# shellcheck shell=sh disable=SC2154

MIGSIM_BIN=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}
tp_sock=$tmp/tmux.sock
tp() { tmux -f /dev/null -S "$tp_sock" "$@"; }

# tp_wait NAME PATTERN: poll the pane (up to 10 s) until a line matches the
# extended regex; ok or bad with the screen.
tp_wait() {
	tp_i=0
	while [ "$tp_i" -lt 50 ]; do
		tp capture-pane -p >"$tmp/screen" 2>/dev/null
		if grep -Eq -- "$2" "$tmp/screen"; then ok; return 0; fi
		sleep 0.2
		tp_i=$((tp_i + 1))
	done
	bad "$1"; cat "$tmp/screen"
	return 1
}

MIGSIM_STATE=$(mktemp -d "$tmp/top.XXXXXX")
export MIGCTL_SIM=1 MIGSIM_STATE
"$MIGSIM_BIN" init --gpus H100:1,A100-SXM4-80GB:1 >/dev/null
"$migctl" mode enable -i 0 >/dev/null
"$migctl" create 3g.40gb,2g.20gb -i 0 >/dev/null

expect_exit "top: needs a terminal" 2 "needs a terminal; 'migctl dmon' prints samples" -- top </dev/null
expect_exit "top: bad interval" 2 "interval '50': give milliseconds from 100 to 3600000" -- top -d 50

tp_mig=$("$migctl" status -o json | jq -r '.gpus[0].gpu_instances[] | select(.id == 3) | .compute_instances[0].uuid')
"$MIGSIM_BIN" exec -d "$tp_mig" --load sm=0.6,tensor=0.4 --memory 1000 -- sleep 60 &
tp_load=$!
tp new-session -d -x 80 -y 24 "MIGCTL_SIM=1 MIGSIM_STATE=$MIGSIM_STATE $migctl top -d 200"
# Every GPU and slice with profile, placement, bars, memory and processes;
# the A100 (Ampere, MIG off) has no profiling fields: n/a, never 0%.
tp_wait "top: header" '^migctl top  2 GPUs  every 0\.2 s  sort: id  GPU: all'
tp_wait "top: the loaded GI" '^ GI 3  2g\.20gb    0:2   \[####   \] 60% \[###    \] 40% \[       \]  0% 10[0-9][0-9]/19968 +1$'
tp_wait "top: its CI" '^   CI 0 2g\.20gb   0:2   \[####   \] 60% \[###    \] 40% \[  n/a  \] +1$'
tp_wait "top: the idle GI" '^ GI 2  3g\.40gb    4:4   \[       \]  0% '
tp_wait "top: Ampere without GPM" '^1 A100-SXM4-80GB  -     \[  n/a  \]     \[  n/a  \]     \[  n/a  \]     0/81920 +0$'
tp_wait "top: the process" '^[0-9]+ +sleep +0 +3 +0 +1000 *$'
# Sorted by id, GI 2 comes first; sorted by SM activity, the loaded GI 3.
awk '/ GI 2 /{a=NR} / GI 3 /{b=NR} END{exit !(a && b && a < b)}' "$tmp/screen" && ok || bad "top: id order"
tp send-keys s
tp_wait "top: sort key" 'sort: sm '
tp capture-pane -p >"$tmp/screen"
awk '/ GI 2 /{a=NR} / GI 3 /{b=NR} END{exit !(a && b && b < a)}' "$tmp/screen" && ok || { bad "top: SM order"; cat "$tmp/screen"; }
# Pick GPU 1: only its row; a brings every GPU back.
tp send-keys 1
tp_wait "top: pick a GPU" 'GPU: 1 '
grep -q 'GI 3' "$tmp/screen" && bad "top: GPU 1 alone" || ok
tp send-keys a
tp_wait "top: every GPU" 'GPU: all '
# q ends it and gives the terminal back.
tp send-keys q
tp_i=0
while tp has-session 2>/dev/null && [ "$tp_i" -lt 25 ]; do sleep 0.2; tp_i=$((tp_i + 1)); done
tp has-session 2>/dev/null && bad "top: q quits" || ok
tp kill-server 2>/dev/null
kill "$tp_load" 2>/dev/null
wait "$tp_load" 2>/dev/null
