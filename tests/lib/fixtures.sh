# Test fixtures on 127.0.0.1, started and stopped by the tests: nginx with
# generated certificates, the fault-injection server faultd, dnsmasq on a
# high port. Sourced by tests/integration/*.sh (and scripts/demo.sh).
#
# Environment in: FAULTD (path to the faultd binary), optional FX_KEEP=1 to
# keep the temp directory. Every process started here is stopped by
# fx_cleanup, which fx_init installs as the EXIT trap.

FX_PIDS=()

fx_init() {
    FX_DIR=$(mktemp -d "${TMPDIR:-/tmp}/slaprobe-fx.XXXXXX")
    export FX_DIR
    trap fx_cleanup EXIT
}

# Remember a process to stop at the end.
fx_track_pid() { FX_PIDS+=("$1"); }

fx_cleanup() {
    local pid
    for pid in "${FX_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 30); do
        local alive=0
        for pid in "${FX_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && break
        sleep 0.1
    done
    for pid in "${FX_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    FX_PIDS=()
    if [ -n "${FX_DIR:-}" ] && [ "${FX_KEEP:-0}" != 1 ]; then rm -rf "$FX_DIR"; fi
}

fx_free_port() { "$FAULTD" --free-port; }

# Wait until 127.0.0.1:PORT accepts connections (5 s at most).
fx_wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "fixtures: nothing listens on 127.0.0.1:$1" >&2
    return 1
}

fx_wait_closed() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0
        sleep 0.05
    done
    echo "fixtures: 127.0.0.1:$1 still accepts connections" >&2
    return 1
}

fx_certs() {
    if [ -z "${FX_CERTS:-}" ]; then
        FX_CERTS=$FX_DIR/certs
        bash "$(dirname "${BASH_SOURCE[0]}")/../fixtures/certs.sh" "$FX_CERTS"
        export FX_CERTS
    fi
}

_fx_nginx_conf() {
    local n=$FX_DIR/nginx
    mkdir -p "$n/logs" "$n/tmp"
    local loc='
        add_header X-Fixture nginx always;
        location = / { default_type text/plain; return 200 "slaprobe fixture ok\n"; }
        location = /health { default_type application/json; return 200 "{\"status\":\"ok\"}\n"; }
        location = /redirect { return 302 /; }
        location = /status/503 { return 503; }
        location /hello/ { default_type text/plain; return 200 "hello\n"; }'
    tls() { # PORT CERT
        echo "server { listen 127.0.0.1:$1 ssl; ssl_certificate $FX_CERTS/$2.pem;
            ssl_certificate_key $FX_CERTS/$2.key; ssl_protocols TLSv1.2 TLSv1.3; $loc }"
    }
    cat >"$n/nginx.conf" <<CONF
user root;
worker_processes 1;
worker_rlimit_nofile 8192;
pid $n/nginx.pid;
error_log $n/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_timeout 0;
    client_body_temp_path $n/tmp/body;
    proxy_temp_path $n/tmp/proxy;
    fastcgi_temp_path $n/tmp/fastcgi;
    uwsgi_temp_path $n/tmp/uwsgi;
    scgi_temp_path $n/tmp/scgi;
    server { listen 127.0.0.1:$FX_HTTP_PORT; $loc }
    $(tls "$FX_HTTPS_PORT" valid)
    $(tls "$FX_EXPIRED_PORT" expired)
    $(tls "$FX_SELFSIGNED_PORT" selfsigned)
    $(tls "$FX_WRONGHOST_PORT" wronghost)
}
CONF
}

_fx_nginx_ports() { echo "$FX_HTTP_PORT $FX_HTTPS_PORT $FX_EXPIRED_PORT $FX_SELFSIGNED_PORT $FX_WRONGHOST_PORT"; }

fx_start_nginx() {
    fx_certs
    if [ -z "${FX_HTTP_PORT:-}" ]; then
        FX_HTTP_PORT=$(fx_free_port)
        FX_HTTPS_PORT=$(fx_free_port)
        FX_EXPIRED_PORT=$(fx_free_port)
        FX_SELFSIGNED_PORT=$(fx_free_port)
        FX_WRONGHOST_PORT=$(fx_free_port)
        export FX_HTTP_PORT FX_HTTPS_PORT FX_EXPIRED_PORT FX_SELFSIGNED_PORT FX_WRONGHOST_PORT
        _fx_nginx_conf
    fi
    nginx -p "$FX_DIR/nginx" -c "$FX_DIR/nginx/nginx.conf" -g 'daemon off;' \
        2>>"$FX_DIR/nginx/logs/stderr.log" &
    FX_NGINX_PID=$!
    fx_track_pid $FX_NGINX_PID
    local p
    for p in $(_fx_nginx_ports); do fx_wait_port "$p"; done
}

# Stop nginx (an outage); fx_restart_nginx brings it back on the same ports.
fx_stop_nginx() {
    kill -TERM "$FX_NGINX_PID" 2>/dev/null || true
    wait "$FX_NGINX_PID" 2>/dev/null || true
    local p
    for p in $(_fx_nginx_ports); do fx_wait_closed "$p"; done
}

fx_restart_nginx() { fx_start_nginx; }

fx_start_faultd() {
    FX_FAULT_PORT=$(fx_free_port)
    FX_BLACKHOLE_PORT=$(fx_free_port)
    FX_DNS_SERVFAIL_PORT=$(fx_free_port)
    FX_DNS_SILENT_PORT=$(fx_free_port)
    export FX_FAULT_PORT FX_BLACKHOLE_PORT FX_DNS_SERVFAIL_PORT FX_DNS_SILENT_PORT
    "$FAULTD" --http "$FX_FAULT_PORT" --blackhole "$FX_BLACKHOLE_PORT" \
        --dns-servfail "$FX_DNS_SERVFAIL_PORT" --dns-silent "$FX_DNS_SILENT_PORT" \
        --pidfile "$FX_DIR/faultd.pid" 2>>"$FX_DIR/faultd.log" &
    FX_FAULTD_PID=$!
    fx_track_pid $FX_FAULTD_PID
    fx_wait_port "$FX_FAULT_PORT"
}

fx_stop_faultd() { kill -TERM "$FX_FAULTD_PID" 2>/dev/null || true; wait "$FX_FAULTD_PID" 2>/dev/null || true; }

# dnsmasq on a high port with the test zone (needs fx_start_faultd first:
# sf.test is forwarded to faultd's SERVFAIL responder). Names it does not
# know are answered REFUSED, since it has no upstream; the names it holds
# are --local, so a missing record type is NODATA rather than forwarded
# (and REFUSED).
fx_start_dnsmasq() {
    FX_DNS_PORT=$(fx_free_port)
    export FX_DNS_PORT
    dnsmasq --keep-in-foreground --port="$FX_DNS_PORT" --listen-address=127.0.0.1 \
        --bind-interfaces --no-resolv --no-hosts --no-poll --user=root --group=root \
        --pid-file="$FX_DIR/dnsmasq.pid" --log-facility="$FX_DIR/dnsmasq.log" \
        --host-record=ok.test,127.0.0.1,::1 \
        --host-record=v4only.test,127.0.0.1 \
        --host-record=v6only.test,::1 \
        --host-record=mx1.test,127.0.0.1 \
        --mx-host=mail.test,mx1.test,10 \
        --txt-record=txt.test,v=slaprobe1 \
        --cname=alias.test,ok.test \
        --address=/nx.test/ \
        --local=/ok.test/ --local=/v4only.test/ --local=/v6only.test/ \
        --server="/sf.test/127.0.0.1#$FX_DNS_SERVFAIL_PORT" \
        2>>"$FX_DIR/dnsmasq.err" &
    FX_DNSMASQ_PID=$!
    fx_track_pid $FX_DNSMASQ_PID
    fx_wait_port "$FX_DNS_PORT"
}

fx_stop_dnsmasq() { kill -TERM "$FX_DNSMASQ_PID" 2>/dev/null || true; wait "$FX_DNSMASQ_PID" 2>/dev/null || true; }
