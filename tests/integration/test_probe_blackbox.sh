#!/bin/bash
# slaprobe in blackbox_exporter's place (issue 17 item 2): one modules file
# read by both slaprobe (metrics.modules) and the real
# prometheus-blackbox-exporter; a real Prometheus runs the same
# blackbox-style job (relabelling the target into ?target=) against each,
# changing only the exporter's address. Checked: probe_success 1 for a good
# target and 0 for a broken one, slaprobe's reason label, the metric names
# both expose for the same module and target (slaprobe's must include
# blackbox's, but for the few docs/PROMETHEUS.md lists), promtool on the
# answer, a hanging target that holds up neither /metrics nor the other
# probes, the scrape's timeout header, and a bad modules file refused with
# both files' lines.
set -u
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
for b in prometheus promtool prometheus-blackbox-exporter; do
    command -v $b >/dev/null || { echo "$b missing: scripts/setup.sh --test"; exit 1; }
done
fx_start_nginx
fx_start_faultd
fx_start_dnsmasq
fx__ports 4
sport=${FX__PORTS[0]} bport=${FX__PORTS[1]} pport=${FX__PORTS[2]} refused=${FX__PORTS[3]}
D=$FX_DIR
cat >"$D/modules.yml" <<YAML
modules:
  http_2xx:
    prober: http
  https_ca:
    prober: http
    timeout: 5s
    http:
      tls_config: {ca_file: $FX_CERTS/ca.pem}
      fail_if_body_not_matches_regexp: ["status"]
  http_post_json:
    prober: http
    http:
      method: POST
      headers: {Content-Type: application/json}
      body: '{"probe": 1}'
      valid_status_codes: [200]
  tcp_connect:
    prober: tcp
  icmp:
    prober: icmp
  dns_mx:
    prober: dns
    dns: {query_name: mail.test, query_type: MX}
YAML
cat >"$D/c.yaml" <<YAML
storage: {dir: $D/store}
timezone: UTC
metrics: {listen: "127.0.0.1:$sport", modules: $D/modules.yml}
targets:
  - {id: web, url: "http://127.0.0.1:$FX_HTTP_PORT/", pattern: 1}
YAML
t_match "config-check prints metrics.modules" "$("$SLAPROBE" config-check -c "$D/c.yaml")" "modules: \"$D/modules.yml\""
sp_run "$D/c.yaml" "$D/daemon.log"
fx_wait_port "$sport" || { fx__tail "$D/daemon.log"; false; }
fx__spawn "$D/blackbox.log" prometheus-blackbox-exporter --config.file="$D/modules.yml" \
    --web.listen-address="127.0.0.1:$bport"
fx_wait_port "$bport" "g:$FX__PID" || { fx__tail "$D/blackbox.log"; false; }

# probe EXPORTER_PORT MODULE TARGET: the answer
probe() { curl -s --max-time 15 "http://127.0.0.1:$1/probe?module=$2&target=$3"; }
# names: the metric names of an exposition, sorted, one line
names() { grep -v '^#' | sed 's/[{ ].*//' | sort -u | tr '\n' ' '; }
# what slaprobe knows otherwise or not at all (docs/PROMETHEUS.md)
NOT_OURS='probe_ssl_last_chain_info|probe_dns_authority_rrs|probe_dns_additional_rrs|probe_dns_serial|probe_http_last_modified_timestamp_seconds'

echo "# the same module and target: blackbox's names are slaprobe's"
for case in "http_2xx http://127.0.0.1:$FX_HTTP_PORT/" \
    "https_ca https://localhost:$FX_HTTPS_PORT/health" \
    "http_post_json http://127.0.0.1:$FX_HTTP_PORT/" \
    "http_2xx http://127.0.0.1:$refused/" \
    "tcp_connect 127.0.0.1:$FX_HTTP_PORT" \
    "icmp 127.0.0.1" \
    "dns_mx 127.0.0.1:$FX_DNS_PORT"; do
    set -- $case
    ours=$(probe "$sport" "$1" "$2") theirs=$(probe "$bport" "$1" "$2")
    missing=$(comm -13 <(names <<<"$ours" | tr ' ' '\n' | sort) <(names <<<"$theirs" | tr ' ' '\n' | sort) |
        grep -Ev "^($NOT_OURS)?$" | tr '\n' ' ')
    t_eq "$1 $2: every name blackbox gives, slaprobe gives" "$missing" ""
    t_match "$1 $2: probe_success agrees" "$(grep '^probe_success ' <<<"$ours") = $(grep '^probe_success ' <<<"$theirs")" \
        '^(probe_success [01]) = \1$'
    promtool check metrics <<<"$ours" >"$D/promtool.out" 2>&1 && rc=0 || rc=$?
    t_eq "$1 $2: promtool check metrics" "$rc $(cat "$D/promtool.out")" "0 "
done
t_match "the good target's answer (slaprobe)" "$(probe "$sport" https_ca "https://localhost:$FX_HTTPS_PORT/health")" \
    'probe_http_ssl 1.*probe_tls_version_info\{version="TLS 1\.[23]"\} 1'
ours=$(probe "$sport" http_2xx "http://127.0.0.1:$refused/")
t_match "the broken target's reason" "$ours" 'slaprobe_probe_reason_info\{reason="tcp_refused"\} 1'
for p in "$sport" "$bport"; do
    t_eq "the body regex fails (exporter on $p)" \
        "$(probe "$p" https_ca "https://localhost:$FX_HTTPS_PORT/" | grep -E '^(probe_success|probe_failed_due_to_regex) ' | tr '\n' ' ')" \
        "probe_failed_due_to_regex 1 probe_success 0 "
done
code() { curl -s -o /dev/null -w '%{http_code}' "$1"; }
t_eq "an unknown module: 400, as blackbox" \
    "$(code "http://127.0.0.1:$sport/probe?module=nosuch&target=x") $(code "http://127.0.0.1:$bport/probe?module=nosuch&target=x")" "400 400"
t_eq "no target: 400, as blackbox" \
    "$(code "http://127.0.0.1:$sport/probe?module=http_2xx") $(code "http://127.0.0.1:$bport/probe?module=http_2xx")" "400 400"

echo "# a hanging target holds up nothing, and ends at the scrape's timeout"
t0=$(date +%s%3N)
curl -s --max-time 20 -H 'X-Prometheus-Scrape-Timeout-Seconds: 2' \
    "http://127.0.0.1:$sport/probe?module=http_2xx&target=http://127.0.0.1:$FX_FAULT_PORT/hang" >"$D/hang.txt" &
hang=$!
sleep 0.3
t1=$(date +%s%3N)
curl -s --max-time 5 "http://127.0.0.1:$sport/metrics" >"$D/m.txt"
curl -s --max-time 5 "http://127.0.0.1:$sport/probe?module=tcp_connect&target=127.0.0.1:$FX_HTTP_PORT" >"$D/other.txt"
t2=$(date +%s%3N)
wait $hang
t3=$(date +%s%3N)
t_match "/metrics and another probe answered meanwhile ($((t2 - t1)) ms)" "$(grep -c '^probe_success 1' "$D/other.txt") $(grep -c '^slaprobe_target_state' "$D/m.txt")" '^1 [1-9]'
t_eq "... while the hanging probe still ran" "$([ $((t2 - t1)) -lt 1000 ] && echo yes)" yes
t_match "the hanging probe ended at 2 s less half a second ($((t3 - t0)) ms)" "$(grep -E '^(probe_success|slaprobe_probe_reason_info)' "$D/hang.txt" | tr '\n' ' ')" \
    'probe_success 0 slaprobe_probe_reason_info\{reason="http_timeout"\} 1'
t_eq "... in 1.5 s to 2.5 s" "$([ $((t3 - t0)) -ge 1400 ] && [ $((t3 - t0)) -lt 2500 ] && echo yes)" yes

echo "# a real Prometheus, one blackbox job per exporter"
mkdir -p "$D/tsdb"
job() { # job NAME EXPORTER_PORT
    cat <<YAML
  - job_name: $1
    metrics_path: /probe
    params: {module: [http_2xx]}
    static_configs:
      - targets: ["http://127.0.0.1:$FX_HTTP_PORT/", "http://127.0.0.1:$refused/"]
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: instance}
      - {target_label: __address__, replacement: "127.0.0.1:$2"}
YAML
}
{
    echo "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}"
    echo "scrape_configs:"
    job bb_slaprobe "$sport"
    job bb_blackbox "$bport"
} >"$D/prometheus.yml"
t_match "the Prometheus configuration is valid" "$(promtool check config "$D/prometheus.yml" 2>&1)" SUCCESS
fx__spawn "$D/prometheus.log" prometheus --config.file="$D/prometheus.yml" \
    --storage.tsdb.path="$D/tsdb" --web.listen-address="127.0.0.1:$pport"
fx_wait_port "$pport" "g:$FX__PID" || { fx__tail "$D/prometheus.log"; false; }
query() {
    curl -s --max-time 5 --data-urlencode "query=$1" "http://127.0.0.1:$pport/api/v1/query" |
        jq -r '[.data.result[] | "\(.metric.instance // "")=\(.value[1])"] | sort | join(" ")' 2>/dev/null || true
}
wait_until 30 bash -c "[ \"\$(curl -s --data-urlencode 'query=count(up{job=~\"bb_.*\"} == 1)' 'http://127.0.0.1:$pport/api/v1/query' | jq -r '.data.result[0].value[1] // empty')\" = 4 ]" ||
    fx__tail "$D/prometheus.log"
good="http://127.0.0.1:$FX_HTTP_PORT/" bad="http://127.0.0.1:$refused/"
# each instance on its own: the sorted pair's order would follow the ports
for j in bb_slaprobe bb_blackbox; do
    t_eq "PromQL: $j's probe_success, good and broken" \
        "$(query "probe_success{job=\"$j\",instance=\"$good\"}") $(query "probe_success{job=\"$j\",instance=\"$bad\"}")" \
        "$good=1 $bad=0"
done
t_eq "PromQL: the broken one's reason" "$(query 'slaprobe_probe_reason_info{job="bb_slaprobe",reason="tcp_refused"}')" "$bad=1"
# each against what the fixture answers, not only against the other (two
# empty answers would agree)
for j in bb_slaprobe bb_blackbox; do
    t_eq "PromQL: $j's status codes" \
        "$(query "probe_http_status_code{job=\"$j\",instance=\"$good\"}") $(query "probe_http_status_code{job=\"$j\",instance=\"$bad\"}")" \
        "$good=200 $bad=0"
done

echo "# a bad modules file"
sed 's/prober: tcp/prober: grpc/' "$D/modules.yml" >"$D/bad.yml"
sed "s|modules: $D/modules.yml|modules: $D/bad.yml|" "$D/c.yaml" >"$D/bad.yaml"
rc=0
"$SLAPROBE" config-check -c "$D/bad.yaml" >/dev/null 2>"$D/err" || rc=$?
t_match "refused: both files, both lines, the key" "$rc $(cat "$D/err")" \
    "^2 .*bad.yaml:3: metrics.modules: .*bad.yml:[0-9]+: modules.tcp_connect.prober: 'grpc' is not a prober"

sp_stop "daemon exit"
fx_cleanup
t_done
