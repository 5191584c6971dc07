#!/usr/bin/env bash
# bench/probe_cost.sh — CPU cost of a fresh-connection HTTPS probe.
#
# What it measures: the CPU time (user+sys) that a prober spends per 1,000
# HTTPS probes, each on a new TCP connection with a full TLS 1.3 handshake
# (no session resumption), against one local nginx, for three probers in the
# same run:
#   1. slaprobe check --count N --concurrency C      (the thing under test)
#   2. prometheus-blackbox-exporter's /probe, driven by wrk    (the incumbent)
#   3. slaprobe run's own /probe (blackbox's request), driven by the same wrk
#   4. openssl s_time -new                     (a floor: handshakes only)
# Why: slaprobe's goal is to be cheap enough to run many probes per box.
# The goals checked are: slaprobe <= 2/3 of blackbox_exporter's CPU per
# 1000 probes, and slaprobe <= 1.3 x openssl s_time's (i.e. little overhead
# on top of the TLS handshake itself, which dominates). Only the prober's
# own CPU is counted: nginx's and wrk's are not.
#
# Everything listens on and talks to 127.0.0.1 only. Needs the packages of
# `scripts/setup.sh --bench`. Runs in well under 2 minutes with defaults.
#
# Environment:
#   SLAPROBE      slaprobe binary to use (default: build into build-bench/)
#   N             slaprobe probes                 (default 3000)
#   C             concurrency of slaprobe and wrk (default 8)
#   BB_DURATION   seconds wrk drives blackbox     (default 10)
#   T             seconds of openssl s_time       (default 10)
set -euo pipefail

N=${N:-3000}
C=${C:-8}
BB_DURATION=${BB_DURATION:-10}
T=${T:-10}

here=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "probe_cost: FAIL: $*" >&2; exit 1; }

for tool in nginx openssl wrk curl /usr/bin/time /usr/bin/prometheus-blackbox-exporter; do
    command -v "$tool" >/dev/null || die "$tool missing (run scripts/setup.sh --bench)"
done

if [ -z "${SLAPROBE:-}" ]; then
    echo "building slaprobe into build-bench/ ..." >&2
    cmake -S "$here" -B "$here/build-bench" -DBUILD_TESTING=OFF \
        -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$here/build-bench" -j2 >/dev/null
    SLAPROBE=$here/build-bench/slaprobe
fi
[ -x "$SLAPROBE" ] || die "SLAPROBE=$SLAPROBE is not executable"

# ---- the tests' fixtures: cleanup, free ports, nginx ------------------------
# fx_init's EXIT trap stops everything started below (nginx, blackbox, the
# measured command running now) and removes $tmp, on success and on failure.
source "$here/tests/lib/fixtures.sh"
fx_init
tmp=$FX_DIR

# Run a measured command in the background, as a process group of its own,
# and wait for it: a signal then reaches the trap at once (bash defers traps
# while a foreground child runs), and the cleanup stops /usr/bin/time and
# what it runs together. Returns the command's exit status.
run() {
    local rc=0
    fx__spawn - "$@"
    wait "$FX__PID" || rc=$?
    fx_untrack "g:$FX__PID"
    return "$rc"
}

# ---- throwaway CA and an ECDSA P-256 server certificate --------------------
(
    cd "$tmp"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout ca.key -out ca.pem -days 2 -subj "/CN=probe_cost bench CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout srv.key -out srv.csr -subj "/CN=localhost" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" \
        "subjectAltName=DNS:localhost,IP:127.0.0.1" >srv.ext
    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
        -out srv.pem -days 2 -extfile srv.ext 2>/dev/null
) || die "could not make the certificates"

# ---- nginx: one worker, TLS 1.3 only, no keep-alive, no resumption ---------
nginx_conf() {
    port=${FX__PORTS[0]}
    sport=${FX__PORTS[1]} # plain-HTTP stub_status, to count connections
    fx_nginx_conf "$tmp/nginx" 1024
    cat <<EOF
    server {
        listen 127.0.0.1:$port ssl;
        server_name localhost;
        ssl_certificate $tmp/srv.pem;
        ssl_certificate_key $tmp/srv.key;
        ssl_protocols TLSv1.3;
        ssl_session_cache off;
        ssl_session_tickets off;
        location / { default_type text/plain; return 200 "ok\n"; }
    }
    server {
        listen 127.0.0.1:$sport;
        location = /status { stub_status; }
    }
}
EOF
}
fx_nginx "$tmp/nginx" 2 nginx_conf || die "nginx did not start"
curl -fsS --cacert "$tmp/ca.pem" -o /dev/null "https://localhost:$port/" ||
    die "nginx does not answer HTTPS with the test CA"

# nginx's stub_status "accepts" and "requests" counters, as "ACC REQ". They
# count every connection to the server, so each reading adds one accept and
# one request of its own (subtracted in nginx_delta).
nginx_counts() {
    curl -fsS "http://127.0.0.1:$sport/status" | awk 'NR==3 {print $1, $3}'
}
# nginx_delta "ACC0 REQ0" "ACC1 REQ1" -> "CONNS REQS" made in between
nginx_delta() {
    echo "$1 $2" | awk '{print $3 - $1 - 1, $4 - $2 - 1}'
}
# Wait until nginx has only our status connection left, so that every probe
# that was started has been served before CPU is read.
nginx_idle() {
    local i
    for i in $(seq 50); do
        curl -fsS "http://127.0.0.1:$sport/status" |
            awk 'NR==1 && $3 == 1 {ok=1} END {exit !ok}' && return 0
        sleep 0.1
    done
    echo "probe_cost: warning: nginx still has open connections" >&2
}

results=()   # "name probes wall cpu conns reqs"

# ---- 1. slaprobe -----------------------------------------------------------
before=$(nginx_counts)
set +e
run /usr/bin/time -f '%e %U %S' -o "$tmp/sp.time" \
    "$SLAPROBE" check --count "$N" --concurrency "$C" --cacert "$tmp/ca.pem" \
    --json "https://localhost:$port/" >"$tmp/sp.out" 2>"$tmp/sp.err"
sp_rc=$?
set -e
after=$(nginx_counts)
if [ "$sp_rc" -ne 0 ]; then
    tail -n 5 "$tmp/sp.out" "$tmp/sp.err" >&2 || true
    die "slaprobe exited $sp_rc: not all $N probes were up"
fi
read -r sp_wall sp_u sp_s <"$tmp/sp.time"
read -r sp_conns sp_reqs <<<"$(nginx_delta "$before" "$after")"
results+=("slaprobe $N $sp_wall $(awk -v u="$sp_u" -v s="$sp_s" 'BEGIN{printf "%.2f", u+s}') $sp_conns $sp_reqs")

# ---- 2. prometheus blackbox_exporter, driven by wrk ------------------------
fx__ports 1
bport=${FX__PORTS[0]}
cat >"$tmp/blackbox.yml" <<EOF
modules:
  https_fresh:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      tls_config:
        ca_file: $tmp/ca.pem
EOF
fx__spawn "$tmp/bb.log" /usr/bin/prometheus-blackbox-exporter --config.file="$tmp/blackbox.yml" \
    --web.listen-address="127.0.0.1:$bport" --log.level=warn
bb_pid=$FX__PID
fx_wait_port "$bport" "g:$bb_pid" || { fx__tail "$tmp/bb.log"; die "blackbox_exporter did not start"; }
probe_url="http://127.0.0.1:$bport/probe?module=https_fresh&target=https://localhost:$port/"
# One sample probe, shown and checked: it must say probe_success 1.
sample=$(curl -fsS "$probe_url")
grep -q '^probe_success 1$' <<<"$sample" ||
    { echo "$sample" >&2; die "blackbox sample probe did not succeed"; }
# Warm up (Go runtime, config, first GC cycles) outside the measurement.
for _ in 1 2 3 4 5; do curl -fsS -o /dev/null "$probe_url"; done

# Probes done = nginx's accepted-connection delta, not wrk's request count:
# wrk stops at the deadline with requests in flight that it does not count,
# while blackbox still finishes (or has at least started the TLS connection
# of) those probes and spent CPU on them. nginx sees exactly the connections
# blackbox opened, and its "requests" delta equal to the connection delta
# shows that each one carried a full handshake plus one HTTP request. On
# connection reuse: blackbox builds a new http.Client/Transport per probe and
# sets no TLS session cache, so every probe is a new TCP connection with a
# full handshake — which the table shows as conns == wrk requests (+ the few
# in flight at the deadline); with keepalive_timeout 0 and tickets/cache off
# nginx could not allow reuse or resumption anyway.
stat_ticks() {   # utime+stime (fields 14, 15) of PID, in clock ticks
    sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
hz=$(getconf CLK_TCK)
# drive NAME PID URL: wrk on URL for BB_DURATION; PID's CPU per probe made
drive() {
    local name=$1 pid=$2 url=$3 before after t0 t1 w0 w1 conns reqs
    before=$(nginx_counts)
    t0=$(stat_ticks "$pid")
    w0=$(date +%s.%N)
    run wrk -t 1 -c "$C" -d "${BB_DURATION}s" --timeout 10s "$url" >"$tmp/wrk-$name.out" 2>&1 ||
        { cat "$tmp/wrk-$name.out" >&2; die "wrk failed on $name"; }
    nginx_idle
    w1=$(date +%s.%N)
    t1=$(stat_ticks "$pid")
    after=$(nginx_counts)
    kill -0 "$pid" 2>/dev/null || die "$name died during the run"
    grep -q 'Non-2xx' "$tmp/wrk-$name.out" && { cat "$tmp/wrk-$name.out" >&2; die "$name answered non-2xx"; }
    read -r conns reqs <<<"$(nginx_delta "$before" "$after")"
    # and the probes still succeed after the load
    curl -fsS "$url" | grep -q '^probe_success 1$' || die "$name probes fail after the wrk run"
    results+=("$name $conns $(awk -v a="$w0" -v b="$w1" 'BEGIN{printf "%.2f", b-a}') $(awk -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN{printf "%.2f", d/hz}') $conns $reqs")
}
drive blackbox "$bb_pid" "$probe_url"
wrk_reqs=$(awk '/requests in/ {print $1}' "$tmp/wrk-blackbox.out")

# ---- 3. slaprobe's /probe, the same modules file, the same wrk ---------------
# The daemon's one target is nginx's plain status page once an hour: its
# own probes cost nothing measurable beside the /probe load.
fx__ports 1
mport=${FX__PORTS[0]}
mkdir -p "$tmp/store"
cat >"$tmp/sp.yaml" <<EOF
storage: {dir: $tmp/store}
timezone: UTC
metrics: {listen: "127.0.0.1:$mport", modules: $tmp/blackbox.yml}
defaults: {interval: 1h}
targets:
  - {id: status, url: "http://127.0.0.1:$sport/status", pattern: 3}
EOF
fx__spawn "$tmp/sp-run.log" "$SLAPROBE" run -c "$tmp/sp.yaml"
sp_pid=$FX__PID
fx_wait_port "$mport" "g:$sp_pid" || { fx__tail "$tmp/sp-run.log"; die "slaprobe run did not start"; }
sp_url="http://127.0.0.1:$mport/probe?module=https_fresh&target=https://localhost:$port/"
sample=$(curl -fsS "$sp_url")
grep -q '^probe_success 1$' <<<"$sample" || { echo "$sample" >&2; die "slaprobe /probe sample did not succeed"; }
for _ in 1 2 3 4 5; do curl -fsS -o /dev/null "$sp_url"; done
drive sp_probe "$sp_pid" "$sp_url"

# ---- 4. openssl s_time -new ------------------------------------------------
# Handshakes only: s_time without -www sends no HTTP request, so this is the
# cost of a fresh TCP connect + full TLS 1.3 handshake (+ chain verification
# via -CAfile; s_time does not check the host name) and nothing else.
before=$(nginx_counts)
run /usr/bin/time -f '%e %U %S' -o "$tmp/os.time" \
    openssl s_time -connect "127.0.0.1:$port" -new -verify 1 \
    -CAfile "$tmp/ca.pem" -time "$T" >"$tmp/os.out" 2>&1 ||
    { cat "$tmp/os.out" >&2; die "openssl s_time failed"; }
nginx_idle
after=$(nginx_counts)
os_n=$(awk '/connections in [0-9.]+ real seconds/ {print $1}' "$tmp/os.out")
[ -n "$os_n" ] && [ "$os_n" -gt 0 ] || { cat "$tmp/os.out" >&2; die "could not parse s_time"; }
grep -qi 'verify error' "$tmp/os.out" && { head "$tmp/os.out" >&2; die "s_time: verify error"; }
read -r os_wall os_u os_s <"$tmp/os.time"
read -r os_conns os_reqs <<<"$(nginx_delta "$before" "$after")"
results+=("openssl $os_n $os_wall $(awk -v u="$os_u" -v s="$os_s" 'BEGIN{printf "%.2f", u+s}') $os_conns $os_reqs")

# ---- report ----------------------------------------------------------------
echo "machine:  $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
echo "versions: $("$SLAPROBE" --version 2>&1 | head -1); $(/usr/bin/prometheus-blackbox-exporter --version 2>&1 | head -1)"
echo "          $(openssl version); libcurl $(curl-config --version | awk '{print $2}'); $(nginx -v 2>&1 | sed 's/.*: //')"
echo "settings: N=$N C=$C (wrk -t1 -c$C) BB_DURATION=${BB_DURATION}s T=${T}s; TLS 1.3, ECDSA P-256, no resumption"
echo
printf '%-10s %8s %8s %8s %14s %9s %9s\n' prober probes wall_s cpu_s cpu_s/1000 nginx_con nginx_req
declare -A per1k
for r in "${results[@]}"; do
    read -r name probes wall cpu conns reqs <<<"$r"
    per1k[$name]=$(awk -v c="$cpu" -v n="$probes" 'BEGIN{printf "%.4f", 1000*c/n}')
    printf '%-10s %8s %8s %8s %14s %9s %9s\n' "$name" "$probes" "$wall" "$cpu" "${per1k[$name]}" "$conns" "$reqs"
done
echo "(blackbox: wrk counted $wrk_reqs requests; probes = nginx connections)"
echo
r_bb=$(awk -v a="${per1k[slaprobe]}" -v b="${per1k[blackbox]}" 'BEGIN{printf "%.3f", a/b}')
r_os=$(awk -v a="${per1k[slaprobe]}" -v b="${per1k[openssl]}" 'BEGIN{printf "%.3f", a/b}')
g1=$(awk -v r="$r_bb" 'BEGIN{print (r <= 2/3) ? "PASS" : "MISS"}')
g2=$(awk -v r="$r_os" 'BEGIN{print (r <= 1.3) ? "PASS" : "MISS"}')
r_pr=$(awk -v a="${per1k[sp_probe]}" -v b="${per1k[blackbox]}" 'BEGIN{printf "%.3f", a/b}')
g3=$(awk -v r="$r_pr" 'BEGIN{print (r <= 1) ? "PASS" : "MISS"}')
echo "slaprobe/blackbox = $r_bb   goal <= 0.667: $g1"
echo "slaprobe/openssl  = $r_os   goal <= 1.300: $g2"
echo "slaprobe /probe / blackbox /probe = $r_pr   goal <= 1.000 (the same request, cheaper): $g3"
