#!/usr/bin/env bash
# /metrics for Prometheus (issue 17, item 1; docs/METRICS.md): the daemon
# serves the exposition on a loopback port; `promtool check metrics` finds
# nothing to say about it; a real Prometheus scrapes it and PromQL sees the
# good target UP, the refused one DOWN with its reason counted, the month's
# availability and a probe counter that grows. Another path is 404, another
# method 405, and a client that connects and says nothing holds up neither
# the probes nor other scrapes. metrics.listen and --metrics refuse what is
# not an address, with the file, line and key.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx
command -v promtool >/dev/null && command -v prometheus >/dev/null ||
    { echo "promtool/prometheus missing: scripts/setup.sh --test"; exit 1; }

D=$FX_DIR
echo "# configuration"
bad() { config_refused "$@"; }
# (not in a pipe: the checks must count in this shell)
yaml() { printf 'storage: {dir: %s/never}\ntargets:\n  - {id: a, url: "http://127.0.0.1:1/", pattern: 1}\n%s\n' "$D" "$1"; }
bad listen_name \
    '^.*listen_name\.yaml:5: metrics\.listen: .localhost:9464. is not IPv4:port or \[IPv6\]:port' \
    < <(yaml $'metrics:\n  listen: "localhost:9464"')
bad listen_port 'listen_port\.yaml:4: metrics\.listen: .127\.0\.0\.1:99999. is not' \
    < <(yaml 'metrics: {listen: "127.0.0.1:99999"}')
bad listen_v6_bare 'listen_v6_bare\.yaml:4: metrics\.listen: .::1:9464. is not' \
    < <(yaml 'metrics: {listen: "::1:9464"}')
bad listen_missing 'listen_missing\.yaml:4: metrics: listen is missing' < <(yaml 'metrics: {}')
yaml 'metrics: {listen: "[::1]:9464"}' >"$D/v6.yaml"
t_match "config-check prints metrics.listen" "$("$SLAPROBE" config-check -c "$D/v6.yaml" 2>&1)" \
    'metrics:.*listen: "\[::1\]:9464"'
rc=0
"$SLAPROBE" run -c "$D/v6.yaml" --metrics 127.0.0.1 2>"$D/err" || rc=$?
t_eq "run --metrics without a port: exit" "$rc" 2
t_match "run --metrics without a port: says so" "$(cat "$D/err")" "--metrics '127.0.0.1' is not"

fx_start_sink hook http
fx__ports 3
mport=${FX__PORTS[0]} pport=${FX__PORTS[1]} refused=${FX__PORTS[2]}
store=$FX_DIR/store
sp_config "$D/c.yaml" "$store" "interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2" \
    "bad=http://127.0.0.1:$refused/"
cat >>"$D/c.yaml" <<YAML
  - id: web
    url: https://localhost:$FX_HTTPS_PORT/health
    ca_file: $FX_CERTS/ca.pem
    pattern: 1
    tls_interval: 2s
alerts:
  - {type: webhook, name: sink, url: "http://127.0.0.1:$FX_SINK_PORT/alert", events: [down]}
  - {type: webhook, name: nowhere, url: "http://127.0.0.1:$refused/alert", retries: 0, events: [down]}
metrics: {listen: "127.0.0.1:1"}
YAML

echo "# the exposition"
# --metrics over the file's metrics.listen (port 1 would need root)
sp_run "$D/c.yaml" "$D/daemon.log" --metrics "127.0.0.1:$mport"
fx_wait_port "$mport" || { fx__tail "$D/daemon.log"; false; }
M=http://127.0.0.1:$mport/metrics
scrape() { curl -sf --max-time 5 "$M"; }
wait_until 15 bash -c "curl -sf '$M' | grep -q '^slaprobe_target_up{target=\"bad\"} 0$'" ||
    { fx__tail "$D/daemon.log"; false; }
wait_until 15 bash -c "curl -sf '$M' | grep -q '^slaprobe_tls_grade_info{'" || true
curl -sf -D "$D/headers" -o "$D/m.txt" "$M"
t_match "Content-Type" "$(grep -i '^content-type:' "$D/headers" | tr -d '\r')" \
    '^[Cc]ontent-[Tt]ype: text/plain; version=0\.0\.4; charset=utf-8$'
rc=0
promtool check metrics <"$D/m.txt" >"$D/promtool.out" 2>&1 || rc=$?
t_eq "promtool check metrics: exit" "$rc" 0
t_eq "promtool check metrics: nothing to say" "$(cat "$D/promtool.out")" ""
m=$(cat "$D/m.txt")
t_match "web UP" "$m" $'\nslaprobe_target_up\\{target="web"\\} 1\n'
t_match "bad's state" "$m" $'\nslaprobe_target_state\\{target="bad",state="down"\\} 1\n'
t_match "bad's reason counted" "$m" $'\nslaprobe_probes_total\\{target="bad",reason="tcp_refused"\\} [1-9][0-9]*\n'
t_match "phases of the https probe" "$m" 'slaprobe_probe_duration_seconds\{target="web",phase="tls"\} [0-9.e-]+'
not_after=$(openssl x509 -enddate -noout -in "$FX_CERTS/valid.pem" 2>/dev/null | cut -d= -f2 || true)
if [ -n "$not_after" ]; then
    t_match "certificate expiry as a timestamp" "$m" \
        "slaprobe_cert_expiry_timestamp_seconds\\{target=\"web\"\\} $(date -d "$not_after" +%s)"$'\n'
fi
t_match "TLS grade as _info" "$m" 'slaprobe_tls_grade_info\{target="web",grade="[A-F][+-]?"\} 1'
t_match "lateness histogram ends in +Inf" "$m" 'slaprobe_start_lateness_seconds_bucket\{le="\+Inf"\} [1-9]'
t_match "build info" "$m" 'slaprobe_build_info\{version="[0-9.]+"\} 1'
t_eq "another path: 404" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/nosuch")" 404
t_eq "another method: 405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$M")" 405
t_eq "HEAD: 200" "$(curl -s -o /dev/null -w '%{http_code}' -I "$M")" 200

# bad's confirmed DOWN went to both channels: one delivered, one refused
wait_until 15 bash -c "curl -sf '$M' | grep -q '^slaprobe_alert_deliveries_total{outcome=\"failed\"} 1$'" || true
m=$(scrape)
# line NAME EXACT_LINE: the scrape in $m has that line
line() { t_eq "$1" "$(grep -cxF -- "$2" <<<"$m" || true)" 1; }
line "alert deliveries: sent" 'slaprobe_alert_deliveries_total{outcome="sent"} 1'
line "alert deliveries: failed" 'slaprobe_alert_deliveries_total{outcome="failed"} 1'
t_eq "the sink got the one it counts as sent" "$(grep -c . "$FX_DIR/hook.jsonl" 2>/dev/null || echo 0)" 1
t_match "journal fsyncs timed" "$m" $'\nslaprobe_journal_fsync_seconds_count [1-9][0-9]*\n'
t_match "the writer's queues" "$m" $'\nslaprobe_writer_queue_depth\\{queue="rows"\\} [0-9]+\n'

echo "# a client that connects and says nothing"
ok_count() { scrape | awk -F' ' '/^slaprobe_probes_total\{target="web",reason="ok"\}/ { print $2 }'; }
exec 5<>"/dev/tcp/127.0.0.1/$mport" # sends nothing for the next 5 s
c0=$(ok_count)
skipped0=$(scrape | awk '/^slaprobe_probes_skipped_total / { print $2 }')
sleep 5
c1=$(ok_count) # a second connection is served meanwhile
skipped1=$(scrape | awk '/^slaprobe_probes_skipped_total / { print $2 }')
exec 5>&-
t_match "probes on time while a client sat silent (web: $c0 -> $c1 in 5 s)" "$((c1 - c0))" '^[4-6]$'
t_eq "no grid point skipped meanwhile" "$skipped1" "$skipped0"

echo "# a real Prometheus"
t_match "contrib/prometheus.yml is a valid configuration" \
    "$(promtool check config "$SP_SRC/contrib/prometheus.yml" 2>&1)" 'SUCCESS'
mkdir -p "$D/tsdb"
cat >"$D/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: slaprobe
    static_configs: [{targets: ["127.0.0.1:$mport"]}]
YAML
fx__spawn "$D/prometheus.log" prometheus --config.file="$D/prometheus.yml" \
    --storage.tsdb.path="$D/tsdb" --web.listen-address="127.0.0.1:$pport"
fx_wait_port "$pport" "g:$FX__PID" || { fx__tail "$D/prometheus.log"; false; }
# query PROMQL: the first result's value, or nothing
query() {
    curl -s --max-time 5 --data-urlencode "query=$1" "http://127.0.0.1:$pport/api/v1/query" |
        jq -r '.data.result[0].value[1] // empty' 2>/dev/null || true
}
wait_until 30 bash -c "[ \"\$(curl -s --data-urlencode 'query=up{job=\"slaprobe\"}' 'http://127.0.0.1:$pport/api/v1/query' | jq -r '.data.result[0].value[1] // empty')\" = 1 ]" ||
    { fx__tail "$D/prometheus.log"; false; }
t_eq "PromQL: the scrape is up" "$(query 'up{job="slaprobe"}')" 1
t_eq "PromQL: web UP" "$(query 'slaprobe_target_up{target="web"}')" 1
t_eq "PromQL: bad DOWN" "$(query 'slaprobe_target_up{target="bad"}')" 0
t_match "PromQL: bad's tcp_refused counter" "$(query 'slaprobe_probes_total{target="bad",reason="tcp_refused"}')" '^[1-9][0-9]*$'
t_eq "PromQL: bad has no ok probe" "$(query 'slaprobe_probes_total{target="bad",reason="ok"}')" ""
wait_until 30 bash -c "curl -s --data-urlencode 'query=slaprobe_month_availability_ratio{target=\"web\"}' 'http://127.0.0.1:$pport/api/v1/query' | jq -e '.data.result | length > 0' >/dev/null" || true
t_eq "PromQL: web's month availability" "$(query 'slaprobe_month_availability_ratio{target="web"}')" 1
t_eq "PromQL: bad's month availability" "$(query 'slaprobe_month_availability_ratio{target="bad"}')" 0
t_match "PromQL: web's error budget left" "$(query 'slaprobe_error_budget_remaining_seconds{target="web"}')" '^[0-9.e+]+$'
a=$(query 'slaprobe_probes_total{target="web",reason="ok"}')
sleep 3
b=$(query 'slaprobe_probes_total{target="web",reason="ok"}')
t_match "PromQL: the probe counter grows ($a -> $b)" "$((b - a))" '^[1-9][0-9]*$'
t_match "PromQL: a rate over the counter" "$(query 'rate(slaprobe_probes_total{target="web",reason="ok"}[5s])')" '^0\.[5-9][0-9]*$|^1(\.[0-9]*)?$'
t_eq "PromQL: p99 start lateness is a number" \
    "$(query 'histogram_quantile(0.99, rate(slaprobe_start_lateness_seconds_bucket[10s])) >= 0' | grep -cE '^[0-9.e+-]+$')" 1

echo "# contrib/grafana/slaprobe.json: every query parses, every name is served"
dash=$SP_SRC/contrib/grafana/slaprobe.json
t_eq "dashboard: valid JSON with panels" "$(jq '.panels | length > 0' "$dash")" true
curl -sf "$M" >"$D/m2.txt"
bad_names=""
for name in $(jq -r '.. | .expr? // empty' "$dash" | grep -oE 'slaprobe_[a-z_]+' | sort -u); do
    # only with storage.central (test_replicator scrapes it)
    [ "$name" = slaprobe_replication_lag_seconds ] && continue
    grep -qE "^${name}[{ ]" "$D/m2.txt" || bad_names="$bad_names $name"
done
t_eq "dashboard: every slaprobe_ name it uses is in /metrics" "$bad_names" ""
bad_q=""
while IFS= read -r e; do
    e=${e//\$target/.*}
    st=$(curl -s --max-time 5 --data-urlencode "query=$e" "http://127.0.0.1:$pport/api/v1/query" | jq -r .status)
    [ "$st" = success ] || bad_q="$bad_q [$e]"
done < <(jq -r '.. | .expr? // empty' "$dash")
t_eq "dashboard: Prometheus runs every query" "$bad_q" ""

rc=0
sed "s#$store#$D/store2#" "$D/c.yaml" >"$D/inuse.yaml"
timeout 10 "$SLAPROBE" run -c "$D/inuse.yaml" --metrics "127.0.0.1:$pport" 2>"$D/inuse.log" || rc=$?
t_eq "a port in use: exit" "$rc" 1
t_match "a port in use: says so" "$(cat "$D/inuse.log")" "metrics: cannot listen on 127\.0\.0\.1:$pport: Address already in use"
sp_stop "daemon exits 0 on SIGTERM"

echo "# IPv6, and a reload"
sp_run "$D/c.yaml" "$D/daemon2.log" --metrics "[::1]:$mport"
M6="http://[::1]:$mport/metrics"
wait_until 10 bash -c "curl -gsf '$M6' | grep -q '^slaprobe_target_up{target=\"web\"} 1$'" ||
    { fx__tail "$D/daemon2.log"; false; }
t_eq "IPv6: served" "$(curl -gs -o /dev/null -w '%{http_code}' "$M6")" 200
web_ok() { curl -gsf "$M6" | awk '/^slaprobe_probes_total\{target="web",reason="ok"\}/ { print $2 }'; }
wait_until 10 bash -c "[ \"\$(curl -gsf '$M6' | awk '/^slaprobe_probes_total\\{target=\"web\",reason=\"ok\"\\}/ { print \$2 }')\" -ge 4 ]"
before=$(curl -gsf "$M6" | awk '/^slaprobe_probes_total\{target="bad",reason="tcp_refused"\}/ { print $2 }')
web_before=$(web_ok)
sed -i "s#^  - {id: bad, .*#  - {id: extra, url: \"http://127.0.0.1:$FX_HTTP_PORT/\", pattern: 1}#" "$D/c.yaml"
kill -HUP "$SP_PID"
wait_until 10 bash -c "curl -gsf '$M6' | grep -q '^slaprobe_target_up{target=\"extra\"} 1$'" ||
    { fx__tail "$D/daemon2.log"; false; }
m=$(curl -gsf "$M6")
t_eq "reload: a removed target's series are gone" "$(grep -c 'target="bad"' <<<"$m" || true)" 0
web_after=$(awk '/^slaprobe_probes_total\{target="web",reason="ok"\}/ { print $2 }' <<<"$m")
t_match "reload: a kept target keeps its counters ($web_before -> $web_after)" \
    "$((web_after >= web_before))" '^1$'
t_match "reload: bad had been counted before ($before)" "$before" '^[1-9][0-9]*$'
sp_stop "daemon exits 0 on SIGTERM after the reload"
t_match "no leftover child" "$(pgrep -f "metrics-month -c $D/c.yaml" || true)" '^$'
t_eq "no handle left open at exit" "$(grep -ci 'internal error' "$D/daemon.log" || true)" 0
t_done
