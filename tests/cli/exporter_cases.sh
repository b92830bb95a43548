# migctl exporter on the simulator, scraped by curl and by the real
# Prometheus server (Debian package prometheus), sourced by
# tests/cli/cases.sh. Prometheus runs on 127.0.0.1 with its own config and
# storage in $tmp, and is stopped at the end, like the exporter.
# shellcheck shell=sh disable=SC2154

MIGSIM_BIN=${MIGSIM_BIN:-$(dirname "$migctl")/migsim}
ex_pids=""

# ex_port: a port on 127.0.0.1 that nothing answers on now.
ex_port() {
	while :; do
		ex_p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 ))
		curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$ex_p/" || [ $? -ne 7 ] || break
	done
	echo "$ex_p"
}

# ex_wait_url URL PATTERN [TRIES]: poll (every 0.2 s) until the body of URL
# matches the extended regex; 0 if it did.
ex_wait_url() {
	ex_i=0
	while [ "$ex_i" -lt "${3:-100}" ]; do
		curl -s --max-time 2 "$1" >"$tmp/ex_body" 2>/dev/null && grep -Eq -- "$2" "$tmp/ex_body" && return 0
		sleep 0.2
		ex_i=$((ex_i + 1))
	done
	return 1
}

# ex_query PROMQL: the Prometheus query API's answer, as "label=value ..."
# lines sorted, one per series ("value=V" last).
ex_query() {
	curl -s --max-time 5 -G "http://127.0.0.1:$ex_prom/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[] | ([.metric | to_entries | sort_by(.key)[] | select(.key != "__name__" and .key != "instance" and .key != "job") | "\(.key)=\(.value)"] + ["value=" + .value[1]]) | join(" ")' |
		sort
}

# ex_wait_query PROMQL EXPECTED: poll (up to 20 s) until ex_query gives
# EXPECTED; 0 if it did.
ex_wait_query() {
	ex_i=0
	while [ "$ex_i" -lt 100 ]; do
		[ "$(ex_query "$1")" = "$2" ] && return 0
		sleep 0.2
		ex_i=$((ex_i + 1))
	done
	return 1
}

ex_stop() {
	for p in $ex_pids; do kill "$p" 2>/dev/null; done
	for p in $ex_pids; do wait "$p" 2>/dev/null; done
	ex_pids=""
}

MIGSIM_STATE=$(mktemp -d "$tmp/exporter.XXXXXX")
export MIGCTL_SIM=1 MIGSIM_STATE
"$MIGSIM_BIN" init --gpus H100:1,A100-SXM4-80GB:1 >/dev/null
"$migctl" mode enable -i 0 >/dev/null
"$migctl" create 3g.40gb,2g.20gb -i 0 >/dev/null
"$migctl" create 1g.10gb --no-ci -i 0 >/dev/null

# --- command line -----------------------------------------------------------
expect_exit "exporter: empty listen address" 2 "':9400' has no address; write 127.0.0.1:9400 for loopback only or 0.0.0.0:9400" -- exporter --listen :9400
expect_exit "exporter: listen needs a port" 2 "'127.0.0.1' has no port" -- exporter --listen 127.0.0.1
expect_exit "exporter: port out of range" 2 "port must be a number from 1 to 65535" -- exporter --listen 127.0.0.1:70000
expect_exit "exporter: numeric address only" 2 "'localhost' is not a numeric IPv4 or IPv6 address" -- exporter --listen localhost:9400
expect_exit "exporter: IPv6 in brackets" 2 'written \[ADDR\]:PORT' -- exporter --listen '[::1'
expect_exit "exporter: interval too short" 2 "interval '5': give milliseconds from 100 to 3600000" -- exporter --interval 5
MIGCTL_SIM=1 MIGCTL_SIM_LIB=/nonexistent/libnvidia-ml.so.1 "$migctl" exporter --once >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 15 ] && [ ! -s "$tmp/out" ]; then ok; else bad "exporter: no simulator library exits 15"; cat "$tmp/err"; fi

# --- one exposition ---------------------------------------------------------
"$migctl" exporter --once --interval 100 >"$tmp/expo" 2>"$tmp/err" || bad "exporter --once"
h=$(hostname)
uuid0=$("$migctl" list -o json | jq -r '.gpus[0].uuid')
if grep -Fqx "DCGM_FI_DEV_FB_USED{gpu=\"0\",UUID=\"$uuid0\",pci_bus_id=\"00000000:07:00.0\",device=\"nvidia0\",modelName=\"NVIDIA H100 80GB HBM3\",GPU_I_PROFILE=\"3g.40gb\",GPU_I_ID=\"2\",Hostname=\"$h\",DCGM_FI_DRIVER_VERSION=\"580.95.05\"} $("$migctl" status -o json | jq '.gpus[0].gpu_instances[] | select(.id == 2) | .compute_instances[0].memory_used_mib')" "$tmp/expo"; then
	ok
else
	bad "exporter: a GI's FB_USED series with dcgm-exporter's labels in its order"; grep FB_USED "$tmp/expo"
fi
# The empty 1g GI has no MIG device, so no memory series; capacity counts it.
if ! grep 'GPU_I_PROFILE="1g.10gb"' "$tmp/expo" | grep -q '^DCGM_FI_DEV_FB' &&
	grep -Eq '^migctl_instances\{gpu="0",.*level="gi",state="empty",.*\} 1$' "$tmp/expo" &&
	grep -Eq '^migctl_instances\{gpu="0",.*level="gi",state="idle",.*\} 2$' "$tmp/expo" &&
	grep -Eq '^migctl_largest_free_profile_slices\{gpu="0",.*profile="1g.10gb",.*\} 1$' "$tmp/expo" &&
	grep -Eq '^migctl_gi_profile_free_placements\{gpu="0",.*profile="1g.10gb",profile_id="19",.*\} 1$' "$tmp/expo" &&
	grep -Eq '^migctl_gi_profile_remaining\{gpu="0",.*profile="3g.40gb",profile_id="9",.*\} 0$' "$tmp/expo" &&
	grep -Eq '^migctl_mig_mode\{gpu="1",.*\} 0$' "$tmp/expo" &&
	grep -Eq '^DCGM_FI_DEV_FB_USED\{gpu="1",UUID="[^"]*",pci_bus_id="[^"]*",device="nvidia1",modelName="NVIDIA A100-SXM4-80GB",Hostname=' "$tmp/expo"; then
	ok
else
	bad "exporter: capacity metrics of a 3g+2g+empty 1g H100 and a whole A100"; grep '^migctl_' "$tmp/expo"
fi
"$migctl" exporter --once --no-hostname | grep -q 'Hostname=' && bad "exporter: --no-hostname" || ok
# One GPU that NVML fails on is left out of a sample; the other keeps every
# metric, the DCGM fields included (the sampler skips the failed GPU rather
# than failing the sample). The fault hits the Nth UUID read from the start
# of the command; which N falls in the sample's read of GPU 0 or GPU 1 is
# the reader's business, so every N up to 15 is tried.
ex_one=0 ex_bad=""
for ex_n in $(seq 0 15); do
	"$MIGSIM_BIN" fault clear >/dev/null
	"$MIGSIM_BIN" fault add --call nvmlDeviceGetUUID --error GPU_IS_LOST --count 1 --after "$ex_n" >/dev/null
	"$migctl" exporter --once >"$tmp/expo1" 2>/dev/null || continue
	grep -q '^migctl_exporter_gpus_dropped{.*} 1$' "$tmp/expo1" || continue
	ex_one=$((ex_one + 1))
	[ "$(grep -c '^DCGM_FI_DEV_SM_CLOCK{' "$tmp/expo1")" -eq 1 ] &&
		[ "$(grep -c '^DCGM_FI_DEV_GPU_TEMP{' "$tmp/expo1")" -eq 1 ] || ex_bad="$ex_bad $ex_n"
done
"$MIGSIM_BIN" fault clear >/dev/null
if [ "$ex_one" -ge 2 ] && [ -z "$ex_bad" ]; then ok
else bad "exporter: one GPU dropped, the other keeps its DCGM fields ($ex_one samples dropped one GPU; without the fields:$ex_bad)"; fi

# promtool: no format error (exit 1); its only lint findings (exit 3) are
# what dashboards written for dcgm-exporter expect: the camelCase label
# modelName and DCGM's counters without a _total suffix.
promtool check metrics <"$tmp/expo" >"$tmp/lint" 2>&1
rc=$?
if { [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; } && grep -q '^DCGM_FI_PROF_SM_ACTIVE{' "$tmp/expo" &&
	! grep -v "label names should be written in 'snake_case' not 'camelCase'" "$tmp/lint" |
		grep -Ev '^DCGM_FI_DEV_(TOTAL_ENERGY_CONSUMPTION|ECC_[SD]BE_(VOL|AGG)_TOTAL) counter metrics should have "_total" suffix$' |
		grep -q .; then
	ok
else
	bad "exporter: promtool check metrics (exit $rc)"; head "$tmp/lint"
fi
printf '# TYPE x gauge\nx{a="b} 1\n' | promtool check metrics >/dev/null 2>&1
[ $? -eq 1 ] && ok || bad "exporter: promtool check metrics fails a broken exposition"

# --- the server -------------------------------------------------------------
ex_exp=$(ex_port)
"$migctl" exporter --listen "127.0.0.1:$ex_exp" --interval 200 2>"$tmp/ex_err" &
ex_pids="$!"
if ex_wait_url "http://127.0.0.1:$ex_exp/healthz" '^ok$'; then ok; else bad "exporter: /healthz"; cat "$tmp/ex_err"; fi
expect_http() { # NAME URL CODE TYPE-PATTERN
	got=$(curl -s -o "$tmp/ex_body" -w '%{http_code} %{content_type}' --max-time 2 "$2")
	case "$got" in "$3 "$4) ok ;; *) bad "$1: got '$got'" ;; esac
}
expect_http "exporter: /metrics" "http://127.0.0.1:$ex_exp/metrics" 200 "text/plain; version=0.0.4*"
grep -q '^migctl_exporter_samples_total{Hostname=' "$tmp/ex_body" && ok || bad "exporter: /metrics body"
# A scraper that takes gzip (Prometheus does) gets it from the next sample
# on: the same exposition, compressed; gzip;q=0 refuses it.
ex_gz() { curl -s -D "$tmp/ex_head" -o "$tmp/ex_gz" --max-time 2 -H "Accept-Encoding: $1" "http://127.0.0.1:$ex_exp/metrics"; }
ex_i=0
while ex_gz 'deflate, gzip' && ! grep -qi '^Content-Encoding: gzip' "$tmp/ex_head" && [ "$ex_i" -lt 25 ]; do
	sleep 0.2
	ex_i=$((ex_i + 1))
done
if grep -qi '^Content-Encoding: gzip' "$tmp/ex_head" && gzip -dc <"$tmp/ex_gz" >"$tmp/ex_plain" &&
	grep -q '^migctl_exporter_samples_total{Hostname=' "$tmp/ex_plain" &&
	[ "$(wc -c <"$tmp/ex_gz")" -lt "$(wc -c <"$tmp/ex_plain")" ]; then
	ok
else
	bad "exporter: gzip for a scraper that takes it"; cat "$tmp/ex_head"
fi
ex_gz 'gzip;q=0'
if ! grep -qi '^Content-Encoding' "$tmp/ex_head" && grep -q '^migctl_exporter_samples_total{' "$tmp/ex_gz"; then ok; else bad "exporter: gzip;q=0 gets plain text"; cat "$tmp/ex_head"; fi
expect_http "exporter: 404 elsewhere" "http://127.0.0.1:$ex_exp/nothing" 404 "text/plain*"
curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$ex_exp/metrics" | grep -q 405 && ok || bad "exporter: POST refused"
"$migctl" exporter --listen "127.0.0.1:$ex_exp" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 4 ] && grep -q "cannot listen on 127.0.0.1:$ex_exp: .*--listen" "$tmp/err"; then ok; else bad "exporter: port in use (exit $rc)"; cat "$tmp/err"; fi
# Without libmicrohttpd (opened when the exporter starts, not linked) the
# exporter names the package and exits 13 before it listens: a private mount
# namespace puts /dev/null over the library for this one command.
ex_mhd=$(ldconfig -p | awk '/libmicrohttpd\.so\.12 /{print $NF; exit}')
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 && [ -n "$ex_mhd" ]; then
	ex_free=$(ex_port)
	timeout 20 unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$ex_mhd" \
		"$migctl" exporter --listen "127.0.0.1:$ex_free" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 13 ] && grep -q "the exporter needs libmicrohttpd.so.12: .*apt-get install libmicrohttpd12" "$tmp/err" &&
		! curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$ex_free/healthz"; then ok
	else bad "exporter: missing libmicrohttpd (exit $rc)"; cat "$tmp/err"; fi
	# Every other command starts without it.
	unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$ex_mhd" \
		"$migctl" list >"$tmp/out" 2>"$tmp/err" && ok || { bad "list without libmicrohttpd"; cat "$tmp/err"; }
fi

# --- Prometheus scrapes it --------------------------------------------------
ex_prom=$(ex_port)
mkdir -p "$tmp/prom/data"
cat >"$tmp/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: migctl
    static_configs:
      - targets: ['127.0.0.1:$ex_exp']
EOF
prometheus --config.file="$tmp/prom/prometheus.yml" --storage.tsdb.path="$tmp/prom/data" \
	--web.listen-address="127.0.0.1:$ex_prom" --log.level=error >"$tmp/prom/log" 2>&1 &
ex_pids="$ex_pids $!"
ex_lab="Hostname=$h UUID=$uuid0 device=nvidia0 gpu=0 modelName=NVIDIA H100 80GB HBM3 pci_bus_id=00000000:07:00.0"
q='DCGM_FI_DEV_FB_USED{gpu="0",GPU_I_ID!=""}'
used() { "$migctl" status -o json | jq ".gpus[0].gpu_instances[] | select(.id == $1) | .compute_instances[0].memory_used_mib"; }
if ex_wait_query "$q" "DCGM_FI_DRIVER_VERSION=580.95.05 GPU_I_ID=2 GPU_I_PROFILE=3g.40gb $ex_lab value=$(used 2)
DCGM_FI_DRIVER_VERSION=580.95.05 GPU_I_ID=3 GPU_I_PROFILE=2g.20gb $ex_lab value=$(used 3)"; then
	ok
else
	bad "prometheus: the GI series with their labels"; ex_query "$q"; tail -5 "$tmp/prom/log"
fi
if ex_wait_query 'up{job="migctl"}' "value=1"; then ok; else bad "prometheus: target up"; fi

# A load on the 2g instance's CI shows on that GI's SMACT and on no other
# GI (the simulator's load model, GPM through the sampler).
mig3=$("$migctl" status -o json | jq -r '.gpus[0].gpu_instances[] | select(.id == 3) | .compute_instances[0].uuid')
"$MIGSIM_BIN" exec -d "$mig3" --load sm=0.5 -- sleep 30 &
ex_load=$!
if ex_wait_query 'DCGM_FI_PROF_SM_ACTIVE{GPU_I_ID!=""} > bool 0.25' "DCGM_FI_DRIVER_VERSION=580.95.05 GPU_I_ID=2 GPU_I_PROFILE=3g.40gb $ex_lab value=0
DCGM_FI_DRIVER_VERSION=580.95.05 GPU_I_ID=3 GPU_I_PROFILE=2g.20gb $ex_lab value=1" &&
	ex_wait_query 'DCGM_FI_PROF_SM_ACTIVE{GPU_I_ID="2"}' "DCGM_FI_DRIVER_VERSION=580.95.05 GPU_I_ID=2 GPU_I_PROFILE=3g.40gb $ex_lab value=0"; then
	ok
else
	bad "prometheus: a load shows on its instance only"; ex_query 'DCGM_FI_PROF_SM_ACTIVE'
fi
kill "$ex_load" 2>/dev/null
wait "$ex_load" 2>/dev/null

# A reconfiguration between scrapes: the new GI shows, the old ones are
# gone from the instant query (no stale series).
"$migctl" destroy -i 0 --all >/dev/null
"$migctl" create 4g.40gb,1g.10gb -i 0 >/dev/null
if ex_wait_query "count by (GPU_I_PROFILE, GPU_I_ID) ($q)" "GPU_I_ID=1 GPU_I_PROFILE=4g.40gb value=1
GPU_I_ID=13 GPU_I_PROFILE=1g.10gb value=1"; then
	ok
else
	bad "prometheus: reconfiguration"; ex_query "count by (GPU_I_PROFILE, GPU_I_ID) ($q)"
fi

# NVML fails on every GPU: their metrics go, the error counter rises, the
# exporter lives on; the GPUs come back once the fault is cleared.
"$MIGSIM_BIN" fault add --call nvmlDeviceGetUUID --error GPU_IS_LOST --count -1 >/dev/null
if ex_wait_query 'count(DCGM_FI_DEV_FB_USED) or vector(0)' "value=0" &&
	ex_wait_query 'migctl_exporter_gpus_dropped' "Hostname=$h value=2" &&
	ex_wait_query 'migctl_exporter_gpu_errors_total > bool 1' "Hostname=$h value=1"; then
	ok
else
	bad "prometheus: GPUs dropped on NVML errors"; ex_query migctl_exporter_gpus_dropped
fi
"$MIGSIM_BIN" fault clear >/dev/null
if ex_wait_query 'migctl_exporter_gpus' "Hostname=$h value=2"; then ok; else bad "prometheus: GPUs back"; fi

# A GPU that disappears: the machine shrinks to one GPU under the exporter.
"$MIGSIM_BIN" init --gpus H100:1 >/dev/null
if ex_wait_query 'count(migctl_mig_mode)' "value=1" && ex_wait_url "http://127.0.0.1:$ex_exp/healthz" '^ok$'; then
	ok
else
	bad "prometheus: a GPU disappears"; ex_query migctl_mig_mode
fi
ex_stop

# The systemd unit runs a command line this migctl accepts.
ex_cmd=$(sed -n 's|^ExecStart=/usr/local/bin/migctl ||p' "$here/../../dist/migctl-exporter.service")
# shellcheck disable=SC2086
if [ -n "$ex_cmd" ] && "$migctl" $ex_cmd --once >"$tmp/out" 2>"$tmp/err" && grep -q '^migctl_exporter_samples_total' "$tmp/out"; then
	ok
else
	bad "exporter: the systemd unit's ExecStart ($ex_cmd)"; cat "$tmp/err"
fi
