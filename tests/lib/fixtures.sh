# Test fixtures for slaprobe's integration tests: nginx with generated
# certificates, the fault-injection server faultd and dnsmasq, all on
# 127.0.0.1 and all started and stopped by the test itself.  Source it from
# a script running under `bash -eu -o pipefail`, call fx_init first, then
# the fx_start_* it needs; fx_init's EXIT trap stops everything, also when
# the test fails midway.
#
# Environment in: FAULTD (the faultd binary; it picks free ports: without it,
# as in the benchmarks, which build no faultd, a port is probed from bash),
# FX_KEEP=1 to keep $FX_DIR (logs, configs, certificates) after the test.
# The benchmarks (bench/*.sh) source this file too, for fx_init, the port
# picking and nginx.
# Exported: FX_DIR, FX_CERTS, FX_HTTP_PORT, FX_HTTPS_PORT, FX_EXPIRED_PORT,
# FX_SELFSIGNED_PORT, FX_WRONGHOST_PORT, FX_FAULT_PORT, FX_BLACKHOLE_PORT,
# FX_DNS_SERVFAIL_PORT, FX_DNS_SILENT_PORT, FX_DNS_GARBAGE_PORT, FX_DNS_PORT.
#
# Each daemon is started in a process group of its own, so that
# stopping it also stops what it forked (nginx's worker, dnsmasq's TCP
# children) even when SIGKILL is needed.  Do not call fx_start_* inside
# $(...) or a subshell: the process would be recorded in the subshell only.

FX__ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FX__JOBS=()    # "g:PGID" started here, "p:PID" handed to fx_track_pid
FX__USED_PORTS=" "

fx__say() { echo "fixtures: $*" >&2; }

# Print the end of a log file to stderr, to explain a failed start.
fx__tail() { [ -s "$1" ] && { fx__say "--- tail of $1"; tail -n 20 "$1" >&2; }; return 0; }

fx__need_faultd() {
    if [ -z "${FAULTD:-}" ] || [ ! -x "$FAULTD" ]; then
        fx__say "FAULTD must name the faultd binary (got '${FAULTD:-}')"
        return 1
    fi
}

fx__bin() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || echo "$1"; }

# wait_until TIMEOUT_S CMD...: run CMD every 0.05 s until it succeeds; 0 once
# it has, 1 (and a line naming CMD) if it has not after TIMEOUT_S seconds (a
# decimal). For a test waiting for something it can see (a file, a log or
# journal line, a port) instead of sleeping for as long as it usually takes:
# done as soon as it is there, and a clear failure when it never comes. Under
# `set -e` the test ends there; the EXIT trap stops what it started.
wait_until() {
    local limit=$1 t0 us
    shift
    t0=${EPOCHREALTIME/./}
    us=$(awk -v t="$limit" 'BEGIN { printf "%d", t * 1000000 }')
    while ! "$@"; do
        if ((${EPOCHREALTIME/./} - t0 >= us)); then
            fx__say "wait_until: still false after $limit s: $*"
            return 1
        fi
        sleep 0.05
    done
}

# fx_init [PARENT]: make FX_DIR (in PARENT, else $TMPDIR or /tmp) and set the
# traps that stop everything and remove it on exit.
fx_init() {
    FX_DIR=$(mktemp -d "${1:-${TMPDIR:-/tmp}}/slaprobe-fx.XXXXXX")
    export FX_DIR
    trap fx_cleanup EXIT
    # Without these a signal (ctest's timeout, ^C) would end bash without
    # running the EXIT trap and leave the daemons behind.
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# fx_track_pid PID: have fx_cleanup stop a process the test started itself.
fx_track_pid() { FX__JOBS+=("p:$1"); }

# fx_untrack JOB ("p:PID" or "g:PGID"): the test has stopped and reaped it
# itself; fx_cleanup must not signal the number, which may be reused.
fx_untrack() {
    local j
    local -a keep=()
    for j in "${FX__JOBS[@]}"; do [ "$j" = "$1" ] || keep+=("$j"); done
    FX__JOBS=("${keep[@]}")
}

# True while any process of the job is alive; zombies do not count, since
# our own children stay zombies until reaped.
fx__alive() {
    local kind=${1%%:*} id=${1#*:} f line rest
    if [ "$kind" = p ]; then
        read -r line 2>/dev/null <"/proc/$id/stat" || return 1
        rest=${line##*) }
        [ "${rest%% *}" != Z ]
        return
    fi
    # The leader first: just after the fork it has not called setpgrp yet,
    # so no process is in its group.
    fx__alive "p:$id" && return 0
    # /proc/PID/stat after the ")" that ends the command name: state, ppid,
    # pgrp, ...  String operations only: this runs every 0.1 s.
    for f in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$f" || continue
        rest=${line##*) }
        [ "${rest%% *}" != Z ] || continue
        rest=${rest#* }
        rest=${rest#* }
        [ "${rest%% *}" = "$id" ] && return 0
    done
    return 1
}

fx__signal() {
    local kind=${2%%:*} id=${2#*:}
    # The group, and the leader too in case it has not made its group yet.
    [ "$kind" = g ] && { kill "-$1" -- "-$id" 2>/dev/null || true; }
    kill "-$1" "$id" 2>/dev/null || true
}

# fx__stop JOB...: SIGTERM, up to 3 s for them all to go, then SIGKILL; reap
# and forget them.  Sets FX_STOP_STATUS to the exit status of the last job
# (e.g. 0 for a clean exit on SIGTERM).
fx__stop() {
    local j i left
    FX_STOP_STATUS=
    [ $# -gt 0 ] || return 0
    for j in "$@"; do fx__signal TERM "$j"; done
    for ((i = 0; i < 30; i++)); do
        left=0
        for j in "$@"; do fx__alive "$j" && left=1; done
        [ $left = 0 ] && break
        sleep 0.1
    done
    for j in "$@"; do
        if fx__alive "$j"; then
            fx__say "${j#*:} ignored SIGTERM for 3 s: SIGKILL"
            fx__signal KILL "$j"
        fi
    done
    for j in "$@"; do
        # Only our own children can be waited for; the rest are gone anyway.
        wait "${j#*:}" 2>/dev/null && FX_STOP_STATUS=0 || FX_STOP_STATUS=$?
        fx_untrack "$j"
    done
    return 0
}

fx_cleanup() {
    fx__stop "${FX__JOBS[@]}"
    FX__JOBS=()
    # what a test made besides processes and FX_DIR (tests/lib/netns.sh):
    # after the processes, which may run inside it
    ! declare -F fx_cleanup_hook >/dev/null || fx_cleanup_hook
    if [ -n "${FX_DIR:-}" ] && [ -d "$FX_DIR" ]; then
        if [ "${FX_KEEP:-0}" = 1 ]; then fx__say "kept $FX_DIR"
        else rm -rf "$FX_DIR"; fi
    fi
    return 0
}

# fx__spawn LOG CMD...: start CMD in the background as the leader of a new
# process group, output to LOG (LOG "-": to this shell's stdout and stderr,
# for a command whose output the caller redirects); its PGID (= PID) in
# FX__PID.  perl's
# setpgrp, not setsid(1): setsid forks when the child already leads a group
# (bash with job control), and then $! is not the daemon; and bash's job
# control cannot be relied on to make the group: a shell with "m" in $- was
# seen to leave a job in its own group, where no group kill can reach it.
fx__spawn() {
    local log=$1
    shift
    local leader='setpgrp(0, 0) or die "setpgrp: $!\n"; exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!\n"'
    if [ "$log" = - ]; then
        perl -e "$leader" "$@" </dev/null &
    else
        perl -e "$leader" "$@" </dev/null >>"$log" 2>&1 &
    fi
    FX__PID=$!
    FX__JOBS+=("g:$FX__PID")
}

# One free port: faultd binds port 0 and says which it got. Without faultd
# (the benchmarks), a random port below the ephemeral range that nothing
# accepts on, so that no client connection of this host holds it either.
fx__free_port() {
    local lo p i
    if [ -n "${FAULTD:-}" ]; then
        fx__need_faultd || return 1
        "$FAULTD" --free-port
        return
    fi
    read -r lo _ 2>/dev/null </proc/sys/net/ipv4/ip_local_port_range || lo=32768
    [ "$lo" -gt 12000 ] || lo=55000
    for ((i = 0; i < 100; i++)); do
        p=$((10000 + RANDOM % (lo - 10000)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    fx__say "no free port found"
    return 1
}

fx_free_port() { fx__free_port; }

# fx__ports N: N free ports, distinct from each other and from those given
# out before in this shell, into the array FX__PORTS.
# fx_start_py NAME SCRIPT ARGS...: a python fixture that writes its pid
# file ($FX_DIR/NAME.pid) once it is listening.
fx_start_py() {
    local name=$1 script=$2 i
    shift 2
    fx__spawn "$FX_DIR/$name.log" python3 "$SP_SRC/tests/fixtures/$script" "$@" "$FX_DIR/$name.pid"
    for ((i = 0; i < 100; i++)); do
        [ -s "$FX_DIR/$name.pid" ] && return 0
        fx__alive "g:$FX__PID" || break
        sleep 0.05
    done
    fx__tail "$FX_DIR/$name.log"
    return 1
}

fx__ports() {
    local p tries=0
    FX__PORTS=()
    while [ ${#FX__PORTS[@]} -lt "$1" ]; do
        p=$(fx__free_port) || return 1
        if [[ $FX__USED_PORTS != *" $p "* ]]; then
            FX__PORTS+=("$p")
            FX__USED_PORTS+="$p "
        elif ((++tries > 100)); then
            fx__say "no free ports"
            return 1
        fi
    done
}

# fx_wait_port PORT [JOB]: wait up to 5 s until 127.0.0.1:PORT accepts a TCP
# connection; give up at once if JOB ("g:PGID") has died.
fx_wait_port() {
    local i
    for ((i = 0; i < 100; i++)); do
        # timeout: a port that drops SYNs must not block us for minutes.
        timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
        if [ -n "${2:-}" ] && ! fx__alive "$2"; then
            fx__say "the process meant to listen on 127.0.0.1:$1 has exited"
            return 1
        fi
        sleep 0.05
    done
    fx__say "nothing accepts connections on 127.0.0.1:$1 after 5 s"
    return 1
}

fx_certs() {
    [ -n "${FX_DIR:-}" ] || { fx__say "call fx_init first"; return 1; }
    if [ "${FX_CERTS:-}" != "$FX_DIR/certs" ] || [ ! -s "$FX_DIR/certs/valid.pem" ]; then
        bash "$FX__ROOT/tests/fixtures/certs.sh" "$FX_DIR/certs" || return 1
        FX_CERTS=$FX_DIR/certs
        export FX_CERTS
    fi
}

# ---- nginx ---------------------------------------------------------------

# fx_nginx_conf DIR CONNECTIONS [WORKERS]: the start of an nginx.conf for an
# nginx whose every file (pid, lock, logs, temporary files) is under DIR:
# the main and events sections, then "http {" with no access log and no
# keep-alive. The caller adds its server blocks and the closing "}".
fx_nginx_conf() {
    local n=$1
    mkdir -p "$n/tmp"
    # As root nginx would run its worker as "nobody", which cannot even
    # enter FX_DIR (mode 700, from mktemp); as anyone else the directive is
    # ignored with a warning, so leave it out.
    [ "$(id -u)" != 0 ] || echo "user root root;"
    cat <<CONF
worker_processes ${3:-1};
worker_rlimit_nofile $(($2 * 2));
pid $n/nginx.pid;
lock_file $n/nginx.lock;
error_log $n/error.log warn;
events { worker_connections $2; }
http {
    access_log off;
    keepalive_timeout 0;
    client_body_temp_path $n/tmp/body;
    proxy_temp_path $n/tmp/proxy;
    fastcgi_temp_path $n/tmp/fastcgi;
    uwsgi_temp_path $n/tmp/uwsgi;
    scgi_temp_path $n/tmp/scgi;
CONF
}

# fx_nginx_run DIR PORT...: start nginx with DIR/nginx.conf (its process
# group in FX__PID) and wait until it accepts on every PORT; else show its
# logs and return 1, leaving the stop to the caller.
fx_nginx_run() {
    local n=$1 p
    shift
    # -e: nginx opens its compiled-in error log before reading the config.
    fx__spawn "$n/stderr.log" "$(fx__bin nginx)" -e "$n/error.log" -p "$n/" -c "$n/nginx.conf" \
        -g 'daemon off;'
    for p in "$@"; do
        fx_wait_port "$p" "g:$FX__PID" || { fx__tail "$n/error.log"; fx__tail "$n/stderr.log"; return 1; }
    done
}

# fx_nginx DIR NPORTS CONF_FN: an nginx of its own, in DIR: NPORTS free
# ports in FX__PORTS, CONF_FN (run in this shell, so it may set variables)
# prints the configuration for them, and nginx is started on them; a port
# picked free may be taken before nginx binds it, so up to 3 tries, each on
# new ports. Its process group in FX__PID, stopped by fx_cleanup.
fx_nginx() {
    local n=$1 nports=$2 conf=$3 try
    mkdir -p "$n"
    for try in 1 2 3; do
        fx__ports "$nports" || return 1
        "$conf" >"$n/nginx.conf" || return 1
        fx_nginx_run "$n" "${FX__PORTS[@]}" && return 0
        fx__stop "g:$FX__PID"
        [ $try = 3 ] || fx__say "nginx in $n did not start, new ports (try $try)"
    done
    return 1
}

fx__nginx_conf() {
    local n=$FX_DIR/nginx
    FX_HTTP_PORT=${FX__PORTS[0]} FX_HTTPS_PORT=${FX__PORTS[1]} FX_EXPIRED_PORT=${FX__PORTS[2]}
    FX_SELFSIGNED_PORT=${FX__PORTS[3]} FX_WRONGHOST_PORT=${FX__PORTS[4]}
    export FX_HTTP_PORT FX_HTTPS_PORT FX_EXPIRED_PORT FX_SELFSIGNED_PORT FX_WRONGHOST_PORT
    local loc='
        add_header X-Fixture nginx always;
        location = / { default_type text/plain; return 200 "slaprobe fixture ok\n"; }
        location = /health { default_type application/json; return 200 "{\"status\":\"ok\"}\n"; }
        location = /redirect { return 302 /; }
        location = /status/503 { default_type text/plain; return 503 "unavailable\n"; }
        location /hello/ { default_type text/plain; return 200 "hello\n"; }
        location / { default_type text/plain; return 404 "not found\n"; }'
    local tls="ssl_protocols TLSv1.2 TLSv1.3; ssl_certificate_key"
    echo "# Generated by tests/lib/fixtures.sh; everything it writes is under $n."
    # backlog: the concurrency tests open 500 connections at once.
    fx_nginx_conf "$n" 4096
    cat <<CONF
    # Relative Location headers: the redirect then works whatever name or
    # address the client used.
    absolute_redirect off;
    server { listen 127.0.0.1:$FX_HTTP_PORT backlog=4096; $loc
    }
    server { listen 127.0.0.1:$FX_HTTPS_PORT ssl backlog=4096; ssl_certificate $FX_CERTS/valid.pem;
        $tls $FX_CERTS/valid.key; $loc
    }
    server { listen 127.0.0.1:$FX_EXPIRED_PORT ssl backlog=4096; ssl_certificate $FX_CERTS/expired.pem;
        $tls $FX_CERTS/expired.key; $loc
    }
    server { listen 127.0.0.1:$FX_SELFSIGNED_PORT ssl backlog=4096; ssl_certificate $FX_CERTS/selfsigned.pem;
        $tls $FX_CERTS/selfsigned.key; $loc
    }
    server { listen 127.0.0.1:$FX_WRONGHOST_PORT ssl backlog=4096; ssl_certificate $FX_CERTS/wronghost.pem;
        $tls $FX_CERTS/wronghost.key; $loc
    }
}
CONF
}

fx_start_nginx() {
    [ -z "${FX_NGINX_PID:-}" ] || return 0
    fx_certs || return 1
    if [ -n "${FX_HTTP_PORT:-}" ] && [ -f "$FX_DIR/nginx/nginx.conf" ]; then
        # a restart: the same configuration, the same ports
        fx_nginx_run "$FX_DIR/nginx" "$FX_HTTP_PORT" "$FX_HTTPS_PORT" "$FX_EXPIRED_PORT" \
            "$FX_SELFSIGNED_PORT" "$FX_WRONGHOST_PORT" && { FX_NGINX_PID=$FX__PID; return 0; }
        fx__stop "g:$FX__PID"
        return 1
    fi
    fx_nginx "$FX_DIR/nginx" 5 fx__nginx_conf || return 1
    FX_NGINX_PID=$FX__PID
}

# Stop nginx (the tests' outage); fx_restart_nginx brings it back on the
# same ports.
fx_stop_nginx() {
    [ -n "${FX_NGINX_PID:-}" ] || return 0
    fx__stop "g:$FX_NGINX_PID"
    FX_NGINX_PID=
}

fx_restart_nginx() {
    fx_stop_nginx
    fx_start_nginx
}

# ---- faultd --------------------------------------------------------------

fx_start_faultd() {
    local try i pidf=$FX_DIR/faultd.pid
    [ -z "${FX_FAULTD_PID:-}" ] || return 0
    fx__need_faultd || return 1
    for try in 1 2 3; do
        fx__ports 5 || return 1
        FX_FAULT_PORT=${FX__PORTS[0]} FX_BLACKHOLE_PORT=${FX__PORTS[1]}
        FX_DNS_SERVFAIL_PORT=${FX__PORTS[2]} FX_DNS_SILENT_PORT=${FX__PORTS[3]}
        FX_DNS_GARBAGE_PORT=${FX__PORTS[4]}
        export FX_FAULT_PORT FX_BLACKHOLE_PORT FX_DNS_SERVFAIL_PORT FX_DNS_SILENT_PORT
        export FX_DNS_GARBAGE_PORT
        rm -f "$pidf"
        fx__spawn "$FX_DIR/faultd.log" "$FAULTD" --http "$FX_FAULT_PORT" \
            --blackhole "$FX_BLACKHOLE_PORT" --dns-servfail "$FX_DNS_SERVFAIL_PORT" \
            --dns-silent "$FX_DNS_SILENT_PORT" --dns-garbage "$FX_DNS_GARBAGE_PORT" \
            --pidfile "$pidf"
        FX_FAULTD_PID=$FX__PID
        # faultd writes its pid file once every listener is bound.
        for ((i = 0; i < 100; i++)); do
            [ -s "$pidf" ] && break
            fx__alive "g:$FX_FAULTD_PID" || break
            sleep 0.05
        done
        if [ -s "$pidf" ] && fx_wait_port "$FX_FAULT_PORT" "g:$FX_FAULTD_PID"; then
            return 0
        fi
        fx__tail "$FX_DIR/faultd.log"
        fx_stop_faultd
        [ $try = 3 ] || fx__say "faultd did not start, new ports (try $try)"
    done
    return 1
}

fx_stop_faultd() {
    [ -n "${FX_FAULTD_PID:-}" ] || return 0
    fx__stop "g:$FX_FAULTD_PID"
    FX_FAULTD_PID=
}

# ---- dnsmasq -------------------------------------------------------------

# The test zone.  Any name not listed is answered REFUSED: dnsmasq has no
# upstream server for it (--no-resolv, and a --server for sf.test only).
# That goes for a listed name asked for a type it lacks too (v4only.test
# AAAA would be REFUSED), unless the name is also declared --local: then
# it is NOERROR with no answer (NODATA), and its subdomains NXDOMAIN.
fx_start_dnsmasq() {
    local try
    [ -z "${FX_DNSMASQ_PID:-}" ] || return 0
    if [ -z "${FX_DNS_SERVFAIL_PORT:-}" ]; then
        fx__say "fx_start_dnsmasq needs fx_start_faultd first (sf.test goes to its SERVFAIL port)"
        return 1
    fi
    for try in 1 2 3; do
        fx__ports 1 || return 1
        FX_DNS_PORT=${FX__PORTS[0]}
        export FX_DNS_PORT
        # --conf-file=/dev/null: read no /etc/dnsmasq.conf if one exists.
        # --user/--group root: otherwise it drops to "nobody"/"dip".
        fx__spawn "$FX_DIR/dnsmasq.out" "$(fx__bin dnsmasq)" --keep-in-foreground \
            --conf-file=/dev/null --port="$FX_DNS_PORT" \
            --listen-address=127.0.0.1 --bind-interfaces \
            --no-resolv --no-hosts --no-poll --user=root --group=root \
            --pid-file="$FX_DIR/dnsmasq.pid" --log-facility="$FX_DIR/dnsmasq.log" --log-queries \
            --host-record=ok.test,127.0.0.1,::1 \
            --host-record=v4only.test,127.0.0.1 \
            --host-record=v6only.test,::1 \
            --host-record=mx1.test,127.0.0.1 \
            --mx-host=mail.test,mx1.test,10 \
            --txt-record=txt.test,v=slaprobe1 \
            --cname=alias.test,ok.test \
            --local=/ok.test/v4only.test/v6only.test/mx1.test/mail.test/txt.test/alias.test/ \
            --address=/nx.test/ \
            --server="/sf.test/127.0.0.1#$FX_DNS_SERVFAIL_PORT"
        FX_DNSMASQ_PID=$FX__PID
        # It binds UDP and TCP together, so TCP accepting means ready.
        fx_wait_port "$FX_DNS_PORT" "g:$FX_DNSMASQ_PID" && return 0
        fx__tail "$FX_DIR/dnsmasq.out"
        fx__tail "$FX_DIR/dnsmasq.log"
        fx_stop_dnsmasq
        [ $try = 3 ] || fx__say "dnsmasq did not start, new port (try $try)"
    done
    return 1
}

fx_stop_dnsmasq() {
    [ -n "${FX_DNSMASQ_PID:-}" ] || return 0
    fx__stop "g:$FX_DNSMASQ_PID"
    FX_DNSMASQ_PID=
}

# ---- rrdcached ------------------------------------------------------------

# fx_start_rrdcached [DIR]: rrdcached on the unix socket FX_RRDCACHED_SOCK
# (DIR/rrdcached.sock; DIR defaults to FX_DIR), its journal in DIR/rrdj.
# -w 3600: it writes nothing to the files unless asked to flush, so a reader
# only sees rows that the writer or the reader itself had flushed.
fx_start_rrdcached() {
    local d=${1:-$FX_DIR}
    [ -z "${FX_RRDCACHED_PID:-}" ] || return 0
    FX_RRDCACHED_SOCK=$d/rrdcached.sock
    mkdir -p "$d/rrdj"
    fx__spawn "$d/rrdcached.log" "$(fx__bin rrdcached)" -g -l "unix:$FX_RRDCACHED_SOCK" \
        -p "$d/rrdcached.pid" -j "$d/rrdj" -w 3600 -z 1
    FX_RRDCACHED_PID=$FX__PID
    wait_until 5 test -S "$FX_RRDCACHED_SOCK" || { fx__tail "$d/rrdcached.log"; return 1; }
}

fx_stop_rrdcached() {
    [ -n "${FX_RRDCACHED_PID:-}" ] || return 0
    fx__stop "g:$FX_RRDCACHED_PID"
    FX_RRDCACHED_PID=
}

# ---- alert receivers -------------------------------------------------------

# fx_start_sink NAME KIND [ARGS...]: tests/fixtures/alert_sink.py receiving
# KIND (http: webhooks into $FX_DIR/NAME.jsonl; smtp: mail into the
# directory $FX_DIR/NAME) on a port of its own, FX_SINK_PORT; ARGS go to the
# sink after those (see its usage). Its process group in FX__PID.
fx_start_sink() {
    local name=$1 kind=$2 out
    shift 2
    fx__ports 1 || return 1
    FX_SINK_PORT=${FX__PORTS[0]}
    out=$FX_DIR/$name.jsonl
    [ "$kind" != smtp ] || { out=$FX_DIR/$name; mkdir -p "$out"; }
    fx__spawn "$FX_DIR/$name.log" /usr/bin/python3 "$FX__ROOT/tests/fixtures/alert_sink.py" \
        "$kind" "$FX_SINK_PORT" "$out" "$@"
    fx_wait_port "$FX_SINK_PORT" "g:$FX__PID" || { fx__tail "$FX_DIR/$name.log"; return 1; }
}

# ---- chromium --------------------------------------------------------------

# fx_chrome ARGS...: headless Chromium as the machine's notes advise, with a
# profile of its own each time, for a minute at most.
fx_chrome() {
    local ud
    ud=$(mktemp -d "$FX_DIR/chrome.XXXXXX")
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$ud" "$@" 2>>"$FX_DIR/chrome.log"
}

# ---- TLS posture servers (tests/integration/test_tls.sh) -----------------

# fx_start_ocsp: a real `openssl ocsp` responder on port $FX_OCSP_PORT (OpenSSL
# 3.0 cannot bind it to 127.0.0.1 only; the tests talk to it there),
# answering from the test CA's database (certs.sh's index.txt, where
# revoked.pem is revoked), signing with ocsp.pem.
fx_start_ocsp() {
    local try i
    [ -z "${FX_OCSP_PID:-}" ] || return 0
    fx_certs || return 1
    for try in 1 2 3; do
        fx__ports 1 || return 1
        FX_OCSP_PORT=${FX__PORTS[0]}
        export FX_OCSP_PORT
        fx__spawn "$FX_DIR/ocsp.log" openssl ocsp -index "$FX_CERTS/index.txt" \
            -port "$FX_OCSP_PORT" -rsigner "$FX_CERTS/ocsp.pem" \
            -rkey "$FX_CERTS/ocsp.key" -CA "$FX_CERTS/ca.pem" -ndays 7
        FX_OCSP_PID=$FX__PID
        # Ready when it says so: fx_wait_port's empty connection sends
        # OpenSSL 3.0's responder into a busy loop.
        for ((i = 0; i < 100; i++)); do
            grep -q "waiting for OCSP client" "$FX_DIR/ocsp.log" 2>/dev/null && return 0
            fx__alive "g:$FX_OCSP_PID" || break
            sleep 0.05
        done
        fx__tail "$FX_DIR/ocsp.log"
        fx_stop_ocsp
        : >"$FX_DIR/ocsp.log"
        [ $try = 3 ] || fx__say "openssl ocsp did not start, new port (try $try)"
    done
    return 1
}

fx_stop_ocsp() {
    [ -n "${FX_OCSP_PID:-}" ] || return 0
    fx__stop "g:$FX_OCSP_PID"
    FX_OCSP_PID=
}

# fx_ocsp_staple NAME: ask the responder about $FX_CERTS/NAME.pem and keep
# its DER answer in $FX_CERTS/NAME.ocsp, for nginx's ssl_stapling_file
# (nginx fetches staples lazily; a file makes stapling deterministic).
# Prints the responder's verdict ("good", "revoked").
fx_ocsp_staple() {
    local out
    out=$(openssl ocsp -issuer "$FX_CERTS/ca.pem" -cert "$FX_CERTS/$1.pem" \
        -url "http://127.0.0.1:$FX_OCSP_PORT" -CAfile "$FX_CERTS/ca.pem" \
        -respout "$FX_CERTS/$1.ocsp" 2>>"$FX_DIR/ocsp.log") || { fx__tail "$FX_DIR/ocsp.log"; return 1; }
    out=${out#*: }
    echo "${out%%$'\n'*}"
}

# The TLS posture cases: one nginx server block each, on its own port, in
# one nginx process.  name|certificate|directives.  Legacy versions, the
# RSA-1024 and the SHA-1 leaf need @SECLEVEL=0 on the server too (Debian's
# OpenSSL 3 defaults to level 2).  Debian's OpenSSL is built without 3DES
# and RC4 suites (OPENSSL_NO_WEAK_SSL_CIPHERS), so the weak-cipher case
# offers a NULL-encryption suite, the weak class this OpenSSL still has.
FX_TLS_CASES=(
    "tls12|valid|ssl_protocols TLSv1.2;"
    "tls13|valid|ssl_protocols TLSv1.3;"
    "legacy|valid|ssl_protocols TLSv1 TLSv1.1 TLSv1.2; ssl_ciphers DEFAULT:@SECLEVEL=0;"
    "expired|expired|ssl_protocols TLSv1.2 TLSv1.3;"
    "selfsigned|selfsigned|ssl_protocols TLSv1.2 TLSv1.3;"
    "wronghost|wronghost|ssl_protocols TLSv1.2 TLSv1.3;"
    "rsa1024|rsa1024|ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers DEFAULT:@SECLEVEL=0;"
    "sha1|sha1|ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers DEFAULT:@SECLEVEL=0;"
    "sha1int|sha1int|ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers DEFAULT:@SECLEVEL=0;"
    "weak|valid|ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-NULL-SHA:@SECLEVEL=0;"
    "ocspgood|ocspgood|ssl_protocols TLSv1.2 TLSv1.3; ssl_stapling on; ssl_stapling_file CERTS/ocspgood.ocsp; ssl_trusted_certificate CERTS/ca.pem;"
    "ocsprevoked|revoked|ssl_protocols TLSv1.2 TLSv1.3; ssl_stapling on; ssl_stapling_file CERTS/revoked.ocsp; ssl_trusted_certificate CERTS/ca.pem;"
    "hsts|valid|ssl_protocols TLSv1.2 TLSv1.3; add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains; preload\" always;"
    "nohsts|valid|ssl_protocols TLSv1.2 TLSv1.3;"
)

# fx_start_nginx_tls: nginx with every case of FX_TLS_CASES; the port of
# case NAME is in FX_TLS_PORT_NAME (e.g. FX_TLS_PORT_tls12).  Starts the
# OCSP responder first and fetches the staples from it.
fx_start_nginx_tls() {
    [ -z "${FX_NGINX_TLS_PID:-}" ] || return 0
    fx_start_ocsp || return 1
    fx_ocsp_staple ocspgood >/dev/null || return 1
    fx_ocsp_staple revoked >/dev/null || return 1
    fx_nginx "$FX_DIR/nginx-tls" ${#FX_TLS_CASES[@]} fx__nginx_tls_conf || return 1
    FX_NGINX_TLS_PID=$FX__PID
}

fx__nginx_tls_conf() {
    local i name cert dirs
    fx_nginx_conf "$FX_DIR/nginx-tls" 256
    for i in "${!FX_TLS_CASES[@]}"; do
        IFS='|' read -r name cert dirs <<<"${FX_TLS_CASES[$i]}"
        printf -v "FX_TLS_PORT_$name" %s "${FX__PORTS[$i]}"
        export "FX_TLS_PORT_$name"
        echo "  server { listen 127.0.0.1:${FX__PORTS[$i]} ssl;"
        echo "    ssl_certificate $FX_CERTS/$cert.pem; ssl_certificate_key $FX_CERTS/$cert.key;"
        echo "    ${dirs//CERTS/$FX_CERTS}"
        echo "    location / { default_type text/plain; return 200 \"tls case $name\\n\"; } }"
    done
    echo "}"
}

# fx_start_tsa DIR PORT: the local RFC 3161 time-stamping authority
# (tests/fixtures/tsa_server.py, `openssl ts -reply` behind a small HTTP
# responder) over DIR, made by tests/fixtures/make_tsa.sh, on 127.0.0.1:PORT
# (0: a free one). Sets TSA_PORT and TSA_JOB (for fx__stop: the TSA down).
fx_start_tsa() {
    local dir=$1
    rm -f "$dir/port"
    fx__spawn "$FX_DIR/tsa.log" /usr/bin/python3 "$SP_SRC/tests/fixtures/tsa_server.py" "$dir" "$2"
    TSA_JOB=g:$FX__PID
    if [ "$2" = 0 ]; then
        wait_until 10 test -s "$dir/port" || { fx__tail "$FX_DIR/tsa.log"; return 1; }
        TSA_PORT=$(cat "$dir/port")
    else
        TSA_PORT=$2
    fi
    fx_wait_port "$TSA_PORT" "$TSA_JOB" || { fx__tail "$FX_DIR/tsa.log"; return 1; }
}
