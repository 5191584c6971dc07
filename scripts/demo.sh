#!/usr/bin/env bash
# The local demo: set up, build, start the test fixtures on 127.0.0.1
# (nginx with a generated CA, the fault-injection server, dnsmasq), and
# probe a healthy HTTPS endpoint and some broken ones with `slaprobe check`.
# Everything it starts is stopped when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

export SLAPROBE=$PWD/build/slaprobe FAULTD=$PWD/build/tests/faultd
source tests/lib/fixtures.sh
fx_init
fx_start_nginx
fx_start_faultd
fx_start_dnsmasq
CA=$FX_CERTS/ca.pem
DNS="127.0.0.1:$FX_DNS_PORT"

show() {
    echo
    echo "\$ slaprobe check $*"
    "$SLAPROBE" check "$@" || echo "(exit code $?)"
}
echo "== slaprobe demo: fixtures on 127.0.0.1 (nginx :$FX_HTTPS_PORT, dnsmasq :$FX_DNS_PORT)"
show --cacert "$CA" --dns-server "$DNS" "https://ok.test:$FX_HTTPS_PORT/health"
show --cacert "$CA" "https://localhost:$FX_EXPIRED_PORT/"
show --cacert "$CA" --dns-server "$DNS" "https://ok.test:$FX_HTTPS_PORT/" "dns://mail.test?type=MX" \
    "http://127.0.0.1:$FX_FAULT_PORT/reset" "http://nx.test:$FX_HTTP_PORT/"
show --count 20 --concurrency 4 --cacert "$CA" "https://localhost:$FX_HTTPS_PORT/"
show --json --cacert "$CA" "https://localhost:$FX_WRONGHOST_PORT/"

# --- The daemon: a minute of probing with an outage in the middle --------
echo
echo "== the daemon: 2-second interval, nginx stopped for 20 s in the middle"
store=$FX_DIR/demo-store
cat >"$FX_DIR/demo.yaml" <<YAML
storage:
  dir: $store
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
dns_servers: ["127.0.0.1:$FX_DNS_PORT"]
defaults: {interval: 2s, timeout: 1500ms, retry_interval: 2s, confirm: 2}
targets:
  - id: web
    name: "Web shop (fixture)"
    url: https://ok.test:$FX_HTTPS_PORT/health
    ca_file: $CA
    pattern: 1
  - id: dns
    name: "Resolver (fixture)"
    url: "dns://mail.test?type=MX&expect=mx1.test"
    pattern: 4
YAML
echo "\$ slaprobe run -c demo.yaml   (logs below)"
"$SLAPROBE" run -c "$FX_DIR/demo.yaml" &
daemon=$!
sleep 20
echo "-- stopping nginx (an outage of the web target)"
fx_stop_nginx
sleep 20
echo "-- starting nginx again"
fx_restart_nginx
sleep 20
kill -TERM $daemon
wait $daemon || true

echo
echo "== what was stored in $store"
for id in web dns; do
    echo "-- $id.journal (state changes):"
    jq -r 'select(.type == "state") | "   \(.since)  \(.from) -> \(.to)  \(.reason)\(if .downtime_s then "  (down \(.downtime_s) s)" else "" end)"' "$store/$id.journal"
    echo "-- $id.rrd, full-resolution steps of the last 70 s:"
    rrdtool fetch "$store/$id.rrd" AVERAGE -r 2 -s -70s | awk '
        NF == 9 && $1 ~ /:$/ { n++; if ($2 == "-nan" || $2 == "nan") u++; else { up += $2; down += 1 - $2 } }
        END { printf "   %d steps of 2 s: %.1f s up, %.1f s down, %d steps unknown\n", n, up * 2, down * 2, u }'
done
echo
echo "\$ slaprobe journal verify -c demo.yaml"
"$SLAPROBE" journal verify -c "$FX_DIR/demo.yaml"

# --- The monthly report of this run ------------------------------------------
# Everything before the daemon started is unknown time (no measurement), so
# availability counts only what was measured, strict availability counts
# the unknown as down, and coverage says how much of the month was seen.
month=$(TZ=Asia/Tokyo date +%Y-%m)
echo
echo "== the SLA report of this month so far (only the last minute was measured)"
echo "\$ slaprobe report -c demo.yaml --month $month"
"$SLAPROBE" report -c "$FX_DIR/demo.yaml" --month "$month" || true

# --- The public status page of the same store -----------------------------------
page=$PWD/build/demo-status
echo
echo "\$ slaprobe status-page -c demo.yaml -o $page --lang both"
"$SLAPROBE" status-page -c "$FX_DIR/demo.yaml" -o "$page" --lang both
jq -r '.services[] | "   \(.name): \(.status) since \(.since)"' "$page/status.json"
echo "   (open $page/index.html in a browser; it outlives the demo)"
echo
echo "(also: report --format json | csv, --format html -o report.html for one file with its graphs,"
echo " --lang ja; 'slaprobe patterns' prints the guideline's availability targets)"
