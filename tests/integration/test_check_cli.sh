#!/usr/bin/env bash
# The `slaprobe check` command line: exit codes, usage errors, several
# targets, --count/--concurrency summaries, JSON Lines.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

CA=$FX_CERTS/ca.pem
UP="https://localhost:$FX_HTTPS_PORT/"
DOWN="http://127.0.0.1:$(fx_free_port)/"

echo "# usage errors: exit 2, one line on stderr, nothing on stdout"
usage_case() {
    local name=$1; shift
    local out err rc
    out=$("$SLAPROBE" "$@" 2>"$FX_DIR/err") && rc=0 || rc=$?
    err=$(cat "$FX_DIR/err")
    t_eq "$name: exit" "$rc" 2
    t_eq "$name: stdout empty" "$out" ""
    t_eq "$name: one stderr line" "$(wc -l <"$FX_DIR/err")" 1
    t_match "$name: message" "$err" "^slaprobe"
}
usage_case "no command"
usage_case "unknown command" frobnicate
usage_case "no target" check
usage_case "unknown option" check --frobnicate "$UP"
usage_case "bad count" check --count 0 "$UP"
usage_case "bad concurrency" check -c x "$UP"
usage_case "bad timeout" check --timeout -5 "$UP"
usage_case "bad target" check "ftp://example.com/"
usage_case "port out of range" check "localhost:99999"
usage_case "bad regex" check --expect-regex '(' "$UP"
usage_case "bad status" check --expect-status 42 "$UP"
usage_case "bad dns type" check --dns-type SRV dns://ok.test
usage_case "bad dns server" check --dns-server 'not an address' "$UP"
usage_case "missing value" check "$UP" --timeout

echo "# help"
"$SLAPROBE" --help >"$FX_DIR/help" && rc=0 || rc=$?
t_eq "--help exit" "$rc" 0
t_match "--help lists check" "$(cat "$FX_DIR/help")" "check"
"$SLAPROBE" check --help >"$FX_DIR/help" && rc=0 || rc=$?
t_eq "check --help exit" "$rc" 0
t_match "check --help documents --count" "$(cat "$FX_DIR/help")" "--count N"
t_match "version" "$("$SLAPROBE" --version)" '^slaprobe [0-9]+\.[0-9]+\.[0-9]+$'

echo "# exit codes"
"$SLAPROBE" check --cacert "$CA" "$UP" >"$FX_DIR/out" && rc=0 || rc=$?
t_eq "all up: exit" "$rc" 0
t_match "human output says UP" "$(head -1 "$FX_DIR/out")" "^UP +https://localhost"
t_match "human output shows the certificate" "$(cat "$FX_DIR/out")" "chain valid, host matches"
"$SLAPROBE" check --cacert "$CA" "$UP" "$DOWN" >"$FX_DIR/out" && rc=0 || rc=$?
t_eq "one down: exit" "$rc" 1
t_match "human output says DOWN with the reason" "$(cat "$FX_DIR/out")" "DOWN +$DOWN +tcp_refused"

echo "# --count with --concurrency: JSON Lines, one object per probe"
"$SLAPROBE" check --json --count 7 --concurrency 3 --cacert "$CA" "$UP" "$DOWN" >"$FX_DIR/out" && rc=0 || rc=$?
t_eq "count json: exit" "$rc" 1
t_eq "count json: lines" "$(wc -l <"$FX_DIR/out")" 14
t_eq "count json: every line is an object" "$(jq -c 'type' "$FX_DIR/out" | sort -u)" '"object"'
t_eq "count json: up probes" "$(jq -r 'select(.ok) | .target' "$FX_DIR/out" | wc -l)" 7
t_eq "count json: down probes are tcp_refused" \
    "$(jq -r 'select(.ok | not) | .reason' "$FX_DIR/out" | sort | uniq -c | awk '{print $1, $2}')" "7 tcp_refused"

echo "# --count summary"
"$SLAPROBE" check --count 5 -c 2 --cacert "$CA" "$UP" >"$FX_DIR/out" && rc=0 || rc=$?
t_eq "summary: exit" "$rc" 0
t_eq "summary: probe lines" "$(grep -c '^UP ' "$FX_DIR/out")" 5
t_match "summary: header" "$(cat "$FX_DIR/out")" "--- $UP: 5 probes, 5 up, 0 down \(100\.0% up\)"
for ph in connect tls ttfb total; do
    line=$(grep "^$ph " "$FX_DIR/out")
    t_match "summary: $ph row has min<=median<=p95<=max and n=5" \
        "$(awk '{ok = ($2<=$3 && $3<=$4 && $4<=$5 && $6==5); print ok}' <<<"$line")" '^1$'
done
t_match "summary: reasons" "$(cat "$FX_DIR/out")" "reasons: ok=5"

echo "# SIGINT ends a long run with a summary of what was measured"
fx_start_faultd
"$SLAPROBE" check --count 3 --concurrency 3 --timeout 60000 "http://127.0.0.1:$FX_FAULT_PORT/hang" >"$FX_DIR/out" 2>&1 &
pid=$!
sleep 1
kill -INT $pid
wait $pid && rc=0 || rc=$?
t_eq "sigint: exit" "$rc" 1
t_match "sigint: summary printed" "$(cat "$FX_DIR/out")" "3 probes, 0 up, 3 down"
t_match "sigint: probes reported as canceled" "$(cat "$FX_DIR/out")" "probe_error: canceled"

t_done
