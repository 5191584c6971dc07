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
