#!/usr/bin/env bash
# 500 probes at once in one loop against a local nginx: all complete with
# the right result, and the engine leaves no file descriptor or libuv
# handle behind (probe_many checks /proc/self/fd and uv_loop_close).
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx
CA=$FX_CERTS/ca.pem

run_many() {
    local name=$1; shift
    if "$PROBE_MANY" "$@" >"$FX_DIR/many" 2>&1; then
        t_ok "$name: $(tr '\n' ' ' <"$FX_DIR/many")"
    else
        t_bad "$name: $(tr '\n' ' ' <"$FX_DIR/many")"
    fi
}
run_many "500 https at once" "https://localhost:$FX_HTTPS_PORT/" 500 ok "$CA"
run_many "500 http at once" "http://localhost:$FX_HTTP_PORT/" 500 ok
run_many "500 refused at once" "http://127.0.0.1:$(fx_free_port)/" 500 tcp_refused
run_many "500 tcp at once" "127.0.0.1:$FX_HTTP_PORT" 500 ok

# The same through the command line: 500 JSON lines, all up.
"$SLAPROBE" check --json --count 500 --concurrency 500 --cacert "$CA" \
    "https://localhost:$FX_HTTPS_PORT/" >"$FX_DIR/out" && rc=0 || rc=$?
t_eq "cli 500 concurrent: exit" "$rc" 0
t_eq "cli 500 concurrent: up" "$(jq -r 'select(.ok and .http_status == 200) | .reason' "$FX_DIR/out" | wc -l)" 500

t_done
