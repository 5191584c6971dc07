#!/usr/bin/env bash
# bench/metrics.sh — /metrics at scale: what a scrape costs with 10,000
# targets, and what the month figures' child costs (docs/METRICS.md).
#
# What it measures: `slaprobe run --metrics` with N_TARGETS plain-HTTP
# targets on one local nginx (as bench/scale.sh, every INTERVAL seconds),
# once every target has had its first probe (every target has a
# slaprobe_target_up sample):
#   - SCRAPES sequential scrapes with curl: time to the last byte (p50, max)
#     and size of the exposition;
#   - the daemon's CPU (all threads, so the HTTP thread's rendering too)
#     per scrape, over the same scrapes, minus what the probes cost in an
#     equal window without scrapes just before;
#   - start lateness p99 from the daemon's own histogram over each of the
#     two windows (bucket bound at or above the 99th percentile): scrapes
#     must not make probes late;
#   - the month figures' child (`slaprobe metrics-month`, which the daemon
#     runs every minute and after state changes): wall and CPU time, and
#     its output's size.
# Everything on 127.0.0.1; storage on /dev/shm, removed at the end. Needs
# the packages of `scripts/setup.sh --bench`. Exits 0 when it could
# measure, 1 when something failed.
#
# Environment:
#   SLAPROBE   slaprobe binary (default: build into build-bench/)
#   N_TARGETS  targets (default 10000)     INTERVAL  seconds (default 60)
#   SCRAPES    scrapes measured (default 30)
set -euo pipefail

N_TARGETS=${N_TARGETS:-10000}
INTERVAL=${INTERVAL:-60}
SCRAPES=${SCRAPES:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "metrics: FAIL: $*" >&2; exit 1; }
say() { echo "metrics: $*" >&2; }
for tool in nginx curl awk getconf; do
    command -v "$tool" >/dev/null || die "$tool missing (run scripts/setup.sh --bench)"
done
if [ -z "${SLAPROBE:-}" ]; then
    say "building slaprobe into build-bench/ ..."
    cmake -S "$here" -B "$here/build-bench" -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$here/build-bench" -j1 >/dev/null
    SLAPROBE=$here/build-bench/slaprobe
fi

source "$here/tests/lib/fixtures.sh"
fx_init /dev/shm
work=$FX_DIR
nginx_conf() {
    port=${FX__PORTS[0]}
    fx_nginx_conf "$work/nginx" 8192 2
    cat <<EOF
    server {
        listen 127.0.0.1:$port backlog=4096;
        location /hello/ { default_type text/plain; return 200 "hello\n"; }
    }
}
EOF
}
fx_nginx "$work/nginx" 1 nginx_conf || die "nginx did not come up"
fx__ports 1
mport=${FX__PORTS[0]}

cfg=$work/slaprobe.yaml
{
    cat <<EOF
storage:
  dir: $work/store
  retention: {full_days: 1, five_min_days: 1, hourly_days: 1}
defaults: {interval: ${INTERVAL}s, timeout: 5s, retry_interval: 10s, confirm: 2}
targets:
EOF
    awk -v n="$N_TARGETS" -v port="$port" 'BEGIN {
        for (i = 1; i <= n; i++)
            printf "  - {id: t%05d, url: \"http://127.0.0.1:%d/hello/%05d\", pattern: 2}\n", i, port, i
    }'
} >"$cfg"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fx__spawn "$work/slaprobe.log" "$SLAPROBE" run -c "$cfg" --metrics "127.0.0.1:$mport"
pid=$FX__PID
M=http://127.0.0.1:$mport/metrics
up_count() { curl -fsS --max-time 10 "$M" | grep -c '^slaprobe_target_up{' || true; }
say "waiting for every target's first probe (up to $((INTERVAL + 120)) s) ..."
wait_until $((INTERVAL + 120)) bash -c "[ \"\$(curl -fsS --max-time 10 '$M' | grep -c '^slaprobe_target_up{')\" -ge $N_TARGETS ]" ||
    die "not every target was probed (log: $(tail -n 2 "$work/slaprobe.log"))"

hz=$(getconf CLK_TCK)
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# lateness buckets "le count" from one scrape
late() { curl -fsS "$M" | awk -F'[{}" ]' '/^slaprobe_start_lateness_seconds_bucket/ { print $3, $NF }'; }
# p99 between two bucket listings: the first bound whose delta reaches 99 %
p99() {
    paste <(echo "$1") <(echo "$2") | awk '{ le[NR] = $1; d[NR] = $4 - $2 } END {
        n = d[NR]; if (n <= 0) { print "n/a (no probes)"; exit }
        for (i = 1; i <= NR; i++) if (d[i] >= 0.99 * n) { printf "<= %s s (%d probes)", le[i], n; exit } }'
}

window=$((SCRAPES / 2 > 10 ? SCRAPES / 2 : 10))
say "quiet window: $window s without scrapes ..."
l0=$(late)
c0=$(cpu_ticks "$pid")
sleep "$window"
c1=$(cpu_ticks "$pid")
l1=$(late)

say "$SCRAPES scrapes ..."
: >"$work/times"
t0=$EPOCHREALTIME
c2=$(cpu_ticks "$pid")
for ((i = 0; i < SCRAPES; i++)); do
    curl -fsS -o /dev/null -w '%{time_total} %{size_download}\n' "$M" >>"$work/times"
done
t1=$EPOCHREALTIME
# pad to the quiet window's length so both CPU figures cover equal time
rest=$(awk -v a="$t0" -v b="$t1" -v w="$window" 'BEGIN { r = w - (b - a); print (r > 0 ? r : 0) }')
sleep "$rest"
c3=$(cpu_ticks "$pid")
l2=$(late)
elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

sort -n "$work/times" >"$work/times.sorted"
read -r p50 bytes < <(awk -v n="$SCRAPES" 'NR == int((n + 1) / 2)' "$work/times.sorted")
read -r max _ < <(tail -n 1 "$work/times.sorted")
per_scrape=$(awk -v q="$((c1 - c0))" -v s="$((c3 - c2))" -v hz="$hz" -v n="$SCRAPES" \
    'BEGIN { printf "%.1f ms", ((s - q) / hz) / n * 1000 }')

say "the month figures' child ..."
/usr/bin/time -f '%e %U %S' -o "$work/month.time" "$SLAPROBE" metrics-month -c "$cfg" >"$work/month.out"
read -r mwall muser msys <"$work/month.time"

echo "/metrics with $N_TARGETS targets (interval ${INTERVAL}s, $(nproc) CPUs, $("$SLAPROBE" --version 2>&1 | head -1))"
printf '  exposition: %s bytes, %s lines\n' "$bytes" "$(curl -fsS "$M" | wc -l)"
printf '  scrape time (curl, to the last byte): p50 %.1f ms, max %.1f ms over %d scrapes\n' \
    "$(awk -v t="$p50" 'BEGIN { print t * 1000 }')" "$(awk -v t="$max" 'BEGIN { print t * 1000 }')" "$SCRAPES"
printf '  daemon CPU per scrape (all threads, minus the probes'"'"' own): %s\n' "$per_scrape"
printf '  start lateness p99: quiet %s; while scraping (%s s) %s\n' "$(p99 "$l0" "$l1")" "$elapsed" "$(p99 "$l1" "$l2")"
printf '  metrics-month child: %s s wall, %s s user + %s s system, %s lines, %s bytes\n' \
    "$mwall" "$muser" "$msys" "$(wc -l <"$work/month.out")" "$(wc -c <"$work/month.out")"
# a stop settles 10,000 targets: give it the time it takes, not fixtures' 3 s
kill -TERM "$pid" 2>/dev/null || true
gone() { ! fx__alive "p:$pid"; }
wait_until 60 gone || true
