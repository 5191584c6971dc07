#!/usr/bin/env bash
# bench/probe_cost.sh — CPU cost of a fresh-connection HTTPS probe.
#
# What it measures: the CPU time (user+sys) that a prober spends per 1,000
# HTTPS probes, each on a new TCP connection with a full TLS 1.3 handshake
# (no session resumption), against one local nginx, for four probers:
#   A. slaprobe check --count N --concurrency C      (the thing under test)
#   B. prometheus-blackbox-exporter's /probe, driven by wrk    (the incumbent)
#   C. slaprobe run's own /probe (blackbox's request), driven by the same wrk
#   D. openssl s_time -new                     (a floor: handshakes only)
# Only the prober's own CPU is counted: nginx's and wrk's are not.
#
# Why: slaprobe's goal is to be cheap enough to run many probes per box.
# The goals, judged on the median of the per-round ratios: slaprobe check
# <= 1.2 x openssl s_time -new (little overhead on top of the handshake
# itself, which dominates) and slaprobe check <= 0.6 x blackbox_exporter;
# slaprobe's /probe <= 1.0 x blackbox's /probe (the same request, cheaper).
# With libcurl 7.88 on OpenSSL 3.0 the first two are out of reach: libcurl
# makes an SSL_CTX per connection, 0.1 ms of CPU each (bench/README.md,
# "Profile of the fresh-connection HTTPS probe").
#
# How: on a shared machine one run decides nothing (three sequential runs
# once gave slaprobe/openssl 1.36, 2.16, 1.25). So the probers run in short
# interleaved rounds, A B C D A B C D ..., each round measuring each of them
# once; a ratio is taken inside each round (its two figures were measured
# seconds apart, under about the same load), and the report gives every
# round's figures, then each ratio's median and spread (min..max and
# (max-min)/median). The servers (nginx, blackbox, slaprobe run) start once
# and stay up through the rounds.
#
# Everything listens on and talks to 127.0.0.1 only. Needs the packages of
# `scripts/setup.sh --bench`. About 2 minutes with the defaults (plus the
# build when SLAPROBE is not given).
#
# Environment:
#   SLAPROBE      slaprobe binary to use (default: build into build-bench/)
#   ROUNDS        interleaved rounds, at least 5              (default 5)
#   N             slaprobe check probes per round             (default 2000)
#   C             concurrency of slaprobe check and wrk       (default 8)
#   BB_DURATION   seconds wrk drives each /probe per round    (default 5)
#   T             seconds of openssl s_time per round         (default 5)
#   PROFILE=1     then profile one check run (N probes) and one s_time run
#                 with perf and print where each one's CPU goes, per probe
#                 (bench/perf_phases.py; bench/README.md reads it)
set -euo pipefail

ROUNDS=${ROUNDS:-5}
N=${N:-2000}
C=${C:-8}
BB_DURATION=${BB_DURATION:-5}
T=${T:-5}

here=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "probe_cost: FAIL: $*" >&2; exit 1; }
for v in ROUNDS N C BB_DURATION T; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "probe_cost: $v must be a positive integer, not '${!v}'" >&2; exit 2; }
done
PROFILE=${PROFILE:-0}
[[ $PROFILE == [01] ]] || { echo "probe_cost: PROFILE must be 0 or 1, not '$PROFILE'" >&2; exit 2; }
[ "$ROUNDS" -ge 5 ] || { echo "probe_cost: ROUNDS must be at least 5 (a median of fewer decides little), not $ROUNDS" >&2; exit 2; }

for tool in nginx openssl wrk curl /usr/bin/time /usr/bin/prometheus-blackbox-exporter \
    $([ "$PROFILE" = 0 ] || echo perf); do
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


stat_ticks() {   # utime+stime (fields 14, 15) of PID, in clock ticks
    sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
hz=$(getconf CLK_TCK)

# ---- servers that stay up through the rounds ---------------------------------
# B. prometheus blackbox_exporter (its /probe is driven by wrk)
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
bb_url="http://127.0.0.1:$bport/probe?module=https_fresh&target=https://localhost:$port/"

# C. slaprobe run's /probe, the same modules file. The daemon's one target is
# nginx's plain status page once an hour: its own probes cost nothing
# measurable beside the /probe load.
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

# One sample probe of each, shown and checked: it must say probe_success 1;
# then a warm-up (Go runtime, config, first GC cycles) outside the rounds.
for u in "$bb_url" "$sp_url"; do
    sample=$(curl -fsS "$u")
    grep -q '^probe_success 1$' <<<"$sample" ||
        { echo "$sample" >&2; die "sample probe $u did not succeed"; }
    for _ in 1 2 3 4 5; do curl -fsS -o /dev/null "$u"; done
done

# ---- one measurement of each prober ------------------------------------------
# Each appends "name probes wall cpu conns reqs" to results[]; conns and
# reqs are nginx's deltas over the measurement.
results=()

# A. slaprobe check: N probes, its own CPU from /usr/bin/time.
m_check() {
    local before after rc=0 wall u s conns reqs
    before=$(nginx_counts)
    run /usr/bin/time -f '%e %U %S' -o "$tmp/sp.time" \
        "$SLAPROBE" check --count "$N" --concurrency "$C" --cacert "$tmp/ca.pem" \
        --json "https://localhost:$port/" >"$tmp/sp.out" 2>"$tmp/sp.err" || rc=$?
    after=$(nginx_counts)
    if [ "$rc" -ne 0 ]; then
        tail -n 5 "$tmp/sp.out" "$tmp/sp.err" >&2 || true
        die "slaprobe exited $rc: not all $N probes were up"
    fi
    read -r wall u s <"$tmp/sp.time"
    read -r conns reqs <<<"$(nginx_delta "$before" "$after")"
    results+=("check $N $wall $(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}') $conns $reqs")
}

# B, C. drive NAME PID URL: wrk on URL for BB_DURATION; PID's CPU per probe.
# Probes done = nginx's accepted-connection delta, not wrk's request count:
# wrk stops at the deadline with requests in flight that it does not count,
# while the exporter still finishes (or has at least started the TLS
# connection of) those probes and spent CPU on them. nginx sees exactly the
# connections the exporter opened, and its "requests" delta equal to the
# connection delta shows that each one carried a full handshake plus one
# HTTP request. On connection reuse: blackbox builds a new
# http.Client/Transport per probe and sets no TLS session cache, so every
# probe is a new TCP connection with a full handshake — the table shows
# conns == reqs; with keepalive_timeout 0 and tickets/cache off nginx could
# not allow reuse or resumption anyway.
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
    [ "$conns" -gt 0 ] || die "$name made no probe in ${BB_DURATION}s"
    # and the probes still succeed after the load
    curl -fsS "$url" | grep -q '^probe_success 1$' || die "$name probes fail after the wrk run"
    results+=("$name $conns $(awk -v a="$w0" -v b="$w1" 'BEGIN{printf "%.2f", b-a}') $(awk -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN{printf "%.2f", d/hz}') $conns $reqs")
}

# D. openssl s_time -new: handshakes only. s_time without -www sends no
# HTTP request, so this is the cost of a fresh TCP connect + full TLS 1.3
# handshake (+ chain verification via -CAfile; s_time does not check the
# host name) and nothing else.
m_openssl() {
    local before after n wall u s conns reqs
    before=$(nginx_counts)
    run /usr/bin/time -f '%e %U %S' -o "$tmp/os.time" \
        openssl s_time -connect "127.0.0.1:$port" -new -verify 1 \
        -CAfile "$tmp/ca.pem" -time "$T" >"$tmp/os.out" 2>&1 ||
        { cat "$tmp/os.out" >&2; die "openssl s_time failed"; }
    nginx_idle
    after=$(nginx_counts)
    n=$(awk '/connections in [0-9.]+ real seconds/ {print $1}' "$tmp/os.out")
    [ -n "$n" ] && [ "$n" -gt 0 ] || { cat "$tmp/os.out" >&2; die "could not parse s_time"; }
    grep -qi 'verify error' "$tmp/os.out" && { head "$tmp/os.out" >&2; die "s_time: verify error"; }
    read -r wall u s <"$tmp/os.time"
    read -r conns reqs <<<"$(nginx_delta "$before" "$after")"
    results+=("openssl $n $wall $(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}') $conns $reqs")
}

# ---- the rounds ------------------------------------------------------------
probers=(check blackbox sp_probe openssl)
declare -A per1k   # [name,round] -> CPU s per 1000 probes
t_start=$(date +%s)
echo "machine:  $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
echo "versions: $("$SLAPROBE" --version 2>&1 | head -1); $(/usr/bin/prometheus-blackbox-exporter --version 2>&1 | head -1)"
echo "          $(openssl version); libcurl $(curl-config --version | awk '{print $2}'); $(nginx -v 2>&1 | sed 's/.*: //')"
echo "settings: ROUNDS=$ROUNDS N=$N C=$C (wrk -t1 -c$C) BB_DURATION=${BB_DURATION}s T=${T}s; TLS 1.3, ECDSA P-256, no resumption"
echo "probers:  check = slaprobe check; blackbox = blackbox_exporter /probe; sp_probe = slaprobe run /probe; openssl = s_time -new"
echo
printf '%-5s %-9s %7s %7s %7s %11s %9s %9s\n' round prober probes wall_s cpu_s cpu_s/1000 nginx_con nginx_req
for ((r = 1; r <= ROUNDS; r++)); do
    results=()
    m_check
    drive blackbox "$bb_pid" "$bb_url"
    drive sp_probe "$sp_pid" "$sp_url"
    m_openssl
    for x in "${results[@]}"; do
        read -r name probes wall cpu conns reqs <<<"$x"
        per1k[$name,$r]=$(awk -v c="$cpu" -v n="$probes" 'BEGIN{printf "%.4f", 1000*c/n}')
        printf '%-5s %-9s %7s %7s %7s %11s %9s %9s\n' "$r" "$name" "$probes" "$wall" "$cpu" \
            "${per1k[$name,$r]}" "$conns" "$reqs"
    done
done
echo "(blackbox, sp_probe: probes = nginx connections; check, openssl: their own count)"
echo

# ---- ratios: per round, then median and spread -------------------------------
# stats V1 V2 ...: "median min max relative-spread"
stats() {
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1}
        END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
             printf "%.3f %.3f %.3f %.0f%%", m, v[1], v[NR], (m > 0 ? 100 * (v[NR] - v[1]) / m : 0)}'
}
declare -A med1k
echo "CPU s per 1000 probes, over the rounds: median (min..max, relative spread)"
for p in "${probers[@]}"; do
    vals=()
    for ((r = 1; r <= ROUNDS; r++)); do vals+=("${per1k[$p,$r]}"); done
    read -r med lo hi sp <<<"$(stats "${vals[@]}")"
    med1k[$p]=$med
    printf '  %-9s %s  (%s..%s, %s)\n' "$p" "$med" "$lo" "$hi" "$sp"
done
echo
# ratio NUM DEN GOAL LABEL: each round's NUM/DEN, their median and spread,
# and the goal judged on the median
ratio() {
    local num=$1 den=$2 goal=$3 label=$4 r vals=() med lo hi sp verdict
    for ((r = 1; r <= ROUNDS; r++)); do
        vals+=("$(awk -v a="${per1k[$num,$r]}" -v b="${per1k[$den,$r]}" 'BEGIN{printf "%.3f", a/b}')")
    done
    read -r med lo hi sp <<<"$(stats "${vals[@]}")"
    verdict=$(awk -v m="$med" -v g="$goal" 'BEGIN{print (m <= g) ? "PASS" : "MISS"}')
    printf '%-34s rounds: %s\n' "$label" "${vals[*]}"
    printf '%-34s median %s (%s..%s, spread %s)   goal <= %s: %s\n' "" "$med" "$lo" "$hi" "$sp" "$goal" "$verdict"
}
ratio check openssl 1.2 "slaprobe check / openssl s_time"
ratio check blackbox 0.6 "slaprobe check / blackbox"
ratio sp_probe blackbox 1.0 "slaprobe /probe / blackbox /probe"
echo
echo "total time: $(($(date +%s) - t_start)) s for the rounds"
[ "$PROFILE" = 1 ] || exit 0

# ---- PROFILE=1: where the CPU goes ------------------------------------------
# One more run of check and of s_time under perf (DWARF call graphs: Debian's
# libraries have no frame pointers), each sample put in a phase by the
# frames on its stack, and the phases scaled to the prober's median CPU per
# probe from the rounds (perf's own overhead inflates what it sees).
profile() {   # NAME PROBES MS_PER_PROBE DATA
    echo
    echo "$1: where a probe's CPU goes (perf record --call-graph dwarf,16384 -F 2000)"
    perf script -i "$4" 2>/dev/null | /usr/bin/python3 "$here/bench/perf_phases.py" "$2" "$3" ||
        die "could not read the profile $4"
}
run perf record -q -o "$tmp/check.perf" --call-graph dwarf,16384 -F 2000 -- \
    "$SLAPROBE" check --count "$N" --concurrency "$C" --cacert "$tmp/ca.pem" \
    --json "https://localhost:$port/" >/dev/null 2>"$tmp/perf-check.err" ||
    { tail -n 5 "$tmp/perf-check.err" >&2; die "perf record of slaprobe check failed"; }
profile "slaprobe check ($N probes)" "$N" "${med1k[check]}" "$tmp/check.perf"
run perf record -q -o "$tmp/openssl.perf" --call-graph dwarf,16384 -F 2000 -- \
    openssl s_time -connect "127.0.0.1:$port" -new -verify 1 -CAfile "$tmp/ca.pem" \
    -time "$T" >"$tmp/os-perf.out" 2>&1 || { cat "$tmp/os-perf.out" >&2; die "perf record of s_time failed"; }
n=$(awk '/connections in [0-9.]+ real seconds/ {print $1}' "$tmp/os-perf.out")
[ -n "$n" ] && [ "$n" -gt 0 ] || { cat "$tmp/os-perf.out" >&2; die "could not parse s_time"; }
profile "openssl s_time -new ($n handshakes)" "$n" "${med1k[openssl]}" "$tmp/openssl.perf"
