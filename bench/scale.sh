#!/usr/bin/env bash
# bench/scale.sh — the daemon at scale: 10,000 HTTP targets, >= 500 probes/s.
#
# What it measures: `slaprobe run` with N_TARGETS plain-HTTP targets (one
# path each, /hello/NNNNN) on one local nginx, every INTERVAL seconds, over a
# measured window of DURATION seconds that starts after start-up and a
# warm-up (the first interval writes every target's first journal line and
# RRD row, which later intervals do not). It prints:
#   - start-up time: launch -> the "running N targets" log line, split into
#     configuration load (until the first RRD file exists) and the creation
#     of N RRD files + journals; NOT part of the measured window. Also the
#     probe rate in each of the first seconds after it (nginx): probes that
#     fell due while the daemon was still starting are started at once then,
#     late, and the daemon's lateness ring (below) no longer holds them at
#     the end of a default run;
#   - probes per second in the window = nginx's stub_status "requests" delta
#     (minus our own status request) / window length. nginx is sampled at
#     the same instants as the CPU counters, so both cover the same probes;
#     the daemon's own count ("stopped: N probes", whole run incl. warm-up)
#     divided by running time is shown as a cross-check. The "accepts" delta
#     equal to the requests delta (+- a few in flight at the readings) shows
#     one fresh connection per probe;
#   - CPU seconds of the slaprobe process (all threads: utime+stime, fields
#     14+15 of /proc/PID/stat / CLK_TCK) per 1,000 probes, window only;
#   - peak RSS (VmHWM at the end of the window; it includes start-up) and
#     RSS (VmRSS) sampled through the window;
#   - start lateness p50/p99/max and skipped count from the daemon's final
#     "stopped:" line. Lateness covers only the LAST 8192 probe starts (the
#     daemon's ring), i.e. the last ~8192/rate seconds of the run;
#   - that every probe succeeded: no journal "state" line goes to DOWN, every
#     target went UNKNOWN -> UP exactly once, retries == 0 (a failed probe
#     is always retried, confirm being 2), and a few RRD files show up=1.
# Why: SPEC's goal for the daemon (issue "The daemon") is to carry 10,000
# targets at >= 500 probes/s on a small box. Goals checked (PASS/MISS):
#   peak RSS < 100 MB; p99 start lateness < 50 ms; skipped == 0;
#   >= 500 probes/s. The offered rate N_TARGETS/INTERVAL is exactly 500/s
#   with the defaults, so the achieved rate is 500 +- window-edge noise
#   (each target's grid point falls inside or outside the window edge); the
#   rate goal therefore passes when the offered rate is >= 500/s and the
#   achieved one is >= 99.9 % of it (both figures are printed).
#
# Everything listens on and talks to 127.0.0.1 only. Storage (N RRD files of
# ~300 KB, N journals) goes to a fresh directory on /dev/shm, removed at the
# end together with nginx and slaprobe, on success and on failure. Needs the
# packages of `scripts/setup.sh --bench`. About 3 minutes with defaults
# (start-up ~10-20 s, warm-up 20 s, window 150 s, stop and checks ~10 s).
# Exits 0 when it could measure (a missed goal is reported, not an error),
# 1 when something failed, including any probe not succeeding.
#
# Environment:
#   SLAPROBE      slaprobe binary to use (default: build into build-bench/)
#   N_TARGETS     targets                                  (default 10000)
#   INTERVAL      probe interval, whole seconds            (default 20)
#   DURATION      measured window, seconds                 (default 150)
#   WARMUP        seconds between start-up and the window  (default INTERVAL)
#   MAX_INFLIGHT  slaprobe run --max-inflight              (default: slaprobe's)
set -euo pipefail

N_TARGETS=${N_TARGETS:-10000}
INTERVAL=${INTERVAL:-20}
DURATION=${DURATION:-150}
WARMUP=${WARMUP:-$INTERVAL}
MAX_INFLIGHT=${MAX_INFLIGHT:-}

here=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "scale: FAIL: $*" >&2; exit 1; }
say() { echo "scale: $*" >&2; }

[[ "$N_TARGETS" =~ ^[1-9][0-9]*$ ]] && [ "$N_TARGETS" -le 99999 ] ||
    die "N_TARGETS must be 1-99999"
[[ "$INTERVAL" =~ ^[1-9][0-9]*$ ]] || die "INTERVAL must be whole seconds >= 1"
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "DURATION must be whole seconds >= 1"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "WARMUP must be whole seconds"
[ -z "$MAX_INFLIGHT" ] || [[ "$MAX_INFLIGHT" =~ ^[1-9][0-9]*$ ]] ||
    die "MAX_INFLIGHT must be a positive number"

for tool in nginx curl rrdtool awk getconf; do
    command -v "$tool" >/dev/null || die "$tool missing (run scripts/setup.sh --bench)"
done

# One journal fd per target stays open, plus a socket per probe in flight.
need_fds=$((N_TARGETS + ${MAX_INFLIGHT:-1000} + 100))
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge "$need_fds" ] ||
    die "the hard open-files limit ($(ulimit -Hn)) is below the $need_fds slaprobe needs"
# The RRD's full-resolution archive (1 day, 8 values of 8 bytes a step)
# dominates: ~280 KB a target at 20 s. Ask for 1/3 more than that.
need_kb=$((N_TARGETS * (86400 / INTERVAL * 64 / 1024 + 16) * 4 / 3))
shm_free_kb=$(df -Pk /dev/shm | awk 'NR == 2 {print $4}')
[ "$shm_free_kb" -ge "$need_kb" ] ||
    die "/dev/shm has ${shm_free_kb} KB free, ~${need_kb} KB needed"

if [ -z "${SLAPROBE:-}" ]; then
    say "building slaprobe into build-bench/ ..."
    cmake -S "$here" -B "$here/build-bench" -DBUILD_TESTING=OFF \
        -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$here/build-bench" -j2 >/dev/null
    SLAPROBE=$here/build-bench/slaprobe
fi
[ -x "$SLAPROBE" ] || die "SLAPROBE=$SLAPROBE is not executable"

# ---- the tests' fixtures: cleanup, free ports, nginx ------------------------
# Everything started below (nginx, slaprobe) is stopped on exit, success or
# failure, and the work directory on /dev/shm removed (FX_KEEP=1 keeps it).
source "$here/tests/lib/fixtures.sh"
fx_init /dev/shm
work=$FX_DIR
store=$work/store
mkdir -p "$store"
sp_pid=""
nap_pid=""
on_exit() {
    local rc=$?
    trap - EXIT
    [ -z "$nap_pid" ] || kill "$nap_pid" 2>/dev/null || true
    # slaprobe flushes on SIGTERM; give it a few seconds, then kill it.
    if [ -n "$sp_pid" ]; then
        kill -TERM "$sp_pid" 2>/dev/null || true
        wait_until 5 sp_gone 2>/dev/null || true
    fi
    if [ "$rc" -ne 0 ] && [ -s "$work/slaprobe.log" ]; then
        echo "scale: last lines of slaprobe's log:" >&2
        tail -n 5 "$work/slaprobe.log" >&2 || true
    fi
    fx_cleanup
    exit "$rc"
}
trap on_exit EXIT
# alive PID: running and not yet a zombie (a zombie answers kill -0 too)
alive() { [ -n "$1" ] && fx__alive "p:$1"; }
sp_gone() { ! alive "$sp_pid"; }
# sleep in the background and wait for it: bash runs a trap only after a
# foreground child has ended, but interrupts `wait` at once.
nap() {
    sleep "$1" &
    nap_pid=$!
    wait "$nap_pid"
    nap_pid=""
}

now() { echo "$EPOCHREALTIME"; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a - b}'; }

# ---- nginx: 2 workers, no keep-alive, no access log ------------------------
nginx_conf() {
    port=${FX__PORTS[0]}
    sport=${FX__PORTS[1]} # stub_status, to count connections and requests
    fx_nginx_conf "$work/nginx" 8192 2
    cat <<EOF
    server {
        listen 127.0.0.1:$port backlog=4096;
        location /hello/ { default_type text/plain; return 200 "hello\n"; }
    }
    server {
        listen 127.0.0.1:$sport;
        location = /status { stub_status; }
    }
}
EOF
}
fx_nginx "$work/nginx" 2 nginx_conf || die "nginx did not come up"
nginx_pid=$FX__PID
[ "$(curl -fsS "http://127.0.0.1:$port/hello/00001")" = hello ] ||
    die "nginx does not answer /hello/"

# stub_status "accepts requests"; each reading adds one of each itself.
nginx_counts() {
    curl -fsS "http://127.0.0.1:$sport/status" | awk 'NR == 3 {print $1, $3}'
}

# ---- configuration: N targets, ids t00001.., paths /hello/00001.. ---------
cfg=$work/slaprobe.yaml
{
    cat <<EOF
storage:
  dir: $store
  retention: {full_days: 1, five_min_days: 1, hourly_days: 1}
defaults: {interval: ${INTERVAL}s, timeout: 5s, retry_interval: 10s, confirm: 2}
targets:
EOF
    awk -v n="$N_TARGETS" -v port="$port" 'BEGIN {
        for (i = 1; i <= n; i++)
            printf "  - {id: t%05d, url: \"http://127.0.0.1:%d/hello/%05d\", pattern: 2}\n", i, port, i
    }'
} >"$cfg"
[ "$INTERVAL" -ge 5 ] || sed -i "s/timeout: 5s/timeout: ${INTERVAL}s/" "$cfg"

# ---- helpers on /proc -------------------------------------------------------
hz=$(getconf CLK_TCK)
cpu_ticks() {   # utime+stime (fields 14, 15) of PID, all threads, clock ticks
    sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
status_kb() {   # status_kb PID VmRSS|VmHWM
    awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"
}
nginx_ticks() { # master + workers
    local t=0 p
    for p in $nginx_pid $(cat "/proc/$nginx_pid/task/$nginx_pid/children" 2>/dev/null); do
        t=$((t + $(cpu_ticks "$p" 2>/dev/null || echo 0)))
    done
    echo "$t"
}
sys_busy() {    # "busy total" jiffies of all CPUs, from /proc/stat
    awk '$1 == "cpu" {b = $2 + $3 + $4 + $7 + $8; print b, b + $5 + $6}' /proc/stat
}
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

# ---- start-up ---------------------------------------------------------------
log=$work/slaprobe.log
say "starting slaprobe with $N_TARGETS targets at ${INTERVAL}s ..."
t_launch=$(now)
"$SLAPROBE" run -c "$cfg" ${MAX_INFLIGHT:+--max-inflight "$MAX_INFLIGHT"} 2>"$log" &
sp_pid=$!
fx_track_pid "$sp_pid"
while ! grep -q "running $N_TARGETS targets" "$log"; do
    alive "$sp_pid" || die "slaprobe exited at start-up"
    [ "$(sub "$(now)" "$t_launch" | cut -d. -f1)" -lt 900 ] ||
        die "slaprobe did not start within 900 s"
    sleep 0.05
done
t_running=$(now)
rss_start=$(status_kb "$sp_pid" VmRSS)
hwm_start=$(status_kb "$sp_pid" VmHWM)
say "running after $(sub "$t_running" "$t_launch") s; warm-up ${WARMUP}s, then ${DURATION}s measured"

# The first seconds of the warm-up, per second from nginx: probes that fell
# due while the daemon was still starting all start at once here.
burst=()
ng_prev=$(nginx_counts | awk '{print $2}')
t_prev=$(now)
for i in $(seq "$((WARMUP < 5 ? WARMUP : 5))"); do
    nap 1
    ng_now=$(nginx_counts | awk '{print $2}')
    t_cur=$(now)
    burst+=("$(awk -v a="$ng_prev" -v b="$ng_now" -v t0="$t_prev" -v t1="$t_cur" \
        'BEGIN {printf "%.0f", (b - a - 1) / (t1 - t0)}')")
    ng_prev=$ng_now
    t_prev=$t_cur
done
rest=$(awk -v w="$WARMUP" -v a="$t_running" -v n="$(now)" 'BEGIN {d = w - (n - a); printf "%.3f", (d > 0) ? d : 0}')
nap "$rest"
alive "$sp_pid" || die "slaprobe died during the warm-up"
# RRD files are created by the writer's rows job with a target's first
# settled row (since the store's issue-10 rework), not at start-up: wait
# for all of them here, outside the measured window.
while n_rrd=$(find "$store" -name '*.rrd' ! -name '*.hist.rrd' | wc -l) && [ "$n_rrd" -lt "$N_TARGETS" ]; do
    alive "$sp_pid" || die "slaprobe died while its RRD files were created"
    [ "$(sub "$(now)" "$t_running" | cut -d. -f1)" -lt 300 ] ||
        die "$n_rrd RRD files 300 s after start-up, expected $N_TARGETS"
    sleep 0.2
done
t_all_rrd=$(now)
rrd_kb=$(du -sk "$store" | awk '{print $1}')

# ---- the measured window ----------------------------------------------------
ng0=$(nginx_counts)
c0=$(cpu_ticks "$sp_pid")
n0=$(nginx_ticks)
s0=$(sys_busy)
w0=$(now)
rss_samples=()
t_end=$(awk -v a="$w0" -v d="$DURATION" 'BEGIN {printf "%.3f", a + d}')
while :; do
    left=$(awk -v e="$t_end" -v n="$(now)" 'BEGIN {d = e - n; printf "%.3f", (d > 10) ? 10 : d}')
    awk -v l="$left" 'BEGIN {exit !(l > 0)}' || break
    nap "$left"
    alive "$sp_pid" || die "slaprobe died during the measured window"
    rss_samples+=("$(status_kb "$sp_pid" VmRSS)")
done
w1=$(now)
c1=$(cpu_ticks "$sp_pid")
n1=$(nginx_ticks)
s1=$(sys_busy)
ng1=$(nginx_counts)
hwm=$(status_kb "$sp_pid" VmHWM)
rss_end=$(status_kb "$sp_pid" VmRSS)
threads=$(awk '$1 == "Threads:" {print $2}' "/proc/$sp_pid/status")
fds=$(find "/proc/$sp_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)

# ---- stop ---------------------------------------------------------------------
t_term=$(now)
kill -TERM "$sp_pid"
wait_until 60 sp_gone || die "slaprobe did not stop within 60 s of SIGTERM"
t_exit=$(now)
sp_rc=0
wait "$sp_pid" || sp_rc=$?
fx_untrack "p:$sp_pid"
sp_pid=""
[ "$sp_rc" -eq 0 ] || die "slaprobe exited $sp_rc after SIGTERM"
stopped=$(grep 'slaprobe: stopped:' "$log" | tail -n 1)
[ -n "$stopped" ] || die "no 'stopped:' line in slaprobe's log"
# slaprobe: stopped: 123 probes (0 retries), 0 skipped; start lateness p50 0.0 ms,
#   p99 2.0 ms, max 2.0 ms (last 8192 probes)
read -r d_probes d_retries d_skipped l_p50 l_p99 l_max l_n <<<"$(sed -E \
    's/.*stopped: ([0-9]+) probes \(([0-9]+) retries\), ([0-9]+) skipped; start lateness p50 ([0-9.]+) ms, p99 ([0-9.]+) ms, max ([0-9.]+) ms \(last ([0-9]+) probes\).*/\1 \2 \3 \4 \5 \6 \7/' \
    <<<"$stopped")"
[[ "$l_n" =~ ^[0-9]+$ ]] || die "cannot parse: $stopped"

# ---- did every probe succeed? -------------------------------------------------
# Journals: one line per state change. Each target must have gone
# UNKNOWN -> UP once and never anywhere else.
jstats=$(find "$store" -name '*.journal' -exec cat {} + | awk '
    /"type":"state"/ { s++; if (/"to":"DOWN"/) d++; else if (/"to":"UP"/) u++; else o++ }
    END { printf "%d %d %d %d", s, d, u, o }')
read -r j_state j_down j_up j_other <<<"$jstats"
j_targets_up=$(grep -l '"to":"UP"' "$store"/*.journal 2>/dev/null | wc -l)
transitions=$(grep -c -- ' -> ' "$log" || true)
# (": created X.rrd": the writer says so for each file since issue 10)
errors=$(grep -v -e ' -> UP since ' -e 'running [0-9]* targets' -e 'stopped:' \
    -e 'SIGTERM: finishing' -e 'system clock is' -e ': created .*\.rrd$' "$log" || true)
# A few RRD files: the last update has up=1, and the last 2 minutes of the
# full-resolution archive hold no row with up < 1.
rrd_bad=0
rrd_checked=""
for i in 1 $((N_TARGETS / 3 + 1)) $((N_TARGETS / 2 + 1)) $((2 * N_TARGETS / 3 + 1)) "$N_TARGETS"; do
    id=$(printf 't%05d' "$i")
    f=$store/$id.rrd
    up_last=$(rrdtool lastupdate "$f" | awk 'NF > 1 && $1 ~ /:$/ {print $2}')
    ages=$(rrdtool lastupdate "$f" | awk -v now="$(date +%s)" 'NF > 1 && $1 ~ /:$/ {sub(":", "", $1); print now - $1}')
    fetched=$(rrdtool fetch "$f" AVERAGE -r "$INTERVAL" -s "-$((WARMUP + DURATION))" -e now |
        awk 'NF > 1 && $1 ~ /:$/ && $2 != "-nan" && $2 != "nan" {n++; if ($2 + 0 < 1) bad++}
             END {printf "%d %d", n, bad}')
    read -r fetched_n fetched_bad <<<"$fetched"
    rrd_checked+=" $id(up=$(awk -v u="$up_last" 'BEGIN {printf "%g", u}'),age=${ages}s,rows=$fetched_n)"
    if ! awk -v u="$up_last" 'BEGIN {exit !(u == 1)}' || [ "$fetched_bad" -ne 0 ] ||
        [ "$fetched_n" -lt 1 ]; then
        rrd_bad=$((rrd_bad + 1))
    fi
done

# ---- figures --------------------------------------------------------------------
window=$(sub "$w1" "$w0")
read -r acc0 req0 <<<"$ng0"
read -r acc1 req1 <<<"$ng1"
w_reqs=$((req1 - req0 - 1))
w_conns=$((acc1 - acc0 - 1))
rate=$(awk -v n="$w_reqs" -v w="$window" 'BEGIN {printf "%.1f", n / w}')
offered=$(awk -v n="$N_TARGETS" -v i="$INTERVAL" 'BEGIN {printf "%.1f", n / i}')
run_s=$(sub "$t_term" "$t_running")
d_rate=$(awk -v n="$d_probes" -v w="$run_s" 'BEGIN {printf "%.1f", n / w}')
cpu_s=$(awk -v d=$((c1 - c0)) -v hz="$hz" 'BEGIN {printf "%.2f", d / hz}')
cpu_per_k=$(awk -v c="$cpu_s" -v n="$w_reqs" 'BEGIN {printf "%.3f", n ? 1000 * c / n : 0}')
cpu_pct=$(awk -v c="$cpu_s" -v w="$window" 'BEGIN {printf "%.1f", 100 * c / w}')
ng_cpu=$(awk -v d=$((n1 - n0)) -v hz="$hz" 'BEGIN {printf "%.2f", d / hz}')
read -r sb0 st0 <<<"$s0"
read -r sb1 st1 <<<"$s1"
sys_pct=$(awk -v b=$((sb1 - sb0)) -v t=$((st1 - st0)) -v n="$(nproc)" \
    'BEGIN {printf "%.0f", t ? 100 * n * b / t : 0}')
rss_line=$(printf '%s\n' "${rss_samples[@]}" | awk '
    {v = $1 / 1024; if (NR == 1 || v < lo) lo = v; if (v > hi) hi = v}
    END {printf "%.1f .. %.1f MB (%d samples, every 10 s)", lo, hi, NR}')
late_cover=$(awk -v n="$l_n" -v r="$d_rate" 'BEGIN {printf "%.0f", (r > 0) ? n / r : 0}')
startup=$(sub "$t_running" "$t_launch")
st_files=$(sub "$t_all_rrd" "$t_running")
stop_s=$(sub "$t_exit" "$t_term")

echo "machine:  $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/^Mem:/ {print $2}') GiB, kernel $(uname -r)"
echo "versions: $("$SLAPROBE" --version 2>&1 | head -1); $(nginx -v 2>&1 | sed 's/.*: //');" \
    "libcurl $(curl-config --version 2>/dev/null | awk '{print $2}');" \
    "libuv $(pkg-config --modversion libuv 2>/dev/null); $(rrdtool --version | head -1 | awk '{print "rrdtool", $2}')"
echo "settings: N_TARGETS=$N_TARGETS INTERVAL=${INTERVAL}s (offered $offered probes/s)" \
    "WARMUP=${WARMUP}s DURATION=${DURATION}s max-inflight=${MAX_INFLIGHT:-default};" \
    "plain HTTP, nginx 2 workers, keepalive 0; storage on /dev/shm"
echo
echo "start-up (not measured in the window):"
echo "  launch -> 'running $N_TARGETS targets'  $startup s" \
    "(config load and $N_TARGETS journals)"
echo "  'running' -> all $N_TARGETS RRD files    $st_files s (created by the writer with each target's first row)"
echo "  store on disk                        $(mb "$rrd_kb") MB; RSS at 'running' $(mb "$rss_start") MB (peak so far $(mb "$hwm_start") MB)"
[ ${#burst[@]} -eq 0 ] ||
    echo "  probes/s, each of the first ${#burst[@]} s after  ${burst[*]} (nginx; offered $offered/s: more is a burst of" \
        "probes that fell due during start-up)"
echo "measured window ($window s, after ${WARMUP}s of warm-up):"
echo "  probes (nginx requests delta)        $w_reqs ($w_conns connections) = $rate probes/s"
# A connection accepted just before a reading whose request nginx has not
# read yet makes the two differ by a few; reuse would make requests exceed
# connections by many.
[ "$w_reqs" -le $((w_conns + 10)) ] ||
    echo "  WARNING: more requests than connections: slaprobe reused connections"
echo "  probes (daemon, whole run)           $d_probes in $run_s s = $d_rate probes/s, $d_retries retries (incl. warm-up)"
echo "  slaprobe CPU                         $cpu_s s = $cpu_pct % of one core; $cpu_per_k s per 1000 probes"
echo "  nginx CPU (context)                  $ng_cpu s; whole machine busy $sys_pct % of $(nproc) cores"
echo "  RSS in the window                    $rss_line; at the end $(mb "$rss_end") MB"
echo "  peak RSS (VmHWM)                     $(mb "$hwm") MB"
echo "  slaprobe threads / open fds          $threads / $fds"
echo "daemon's stop line (SIGTERM -> exit $stop_s s):"
echo "  ${stopped#slaprobe: }"
echo "  (lateness covers the last $l_n starts only, ~ the last $late_cover s of the run)"
echo "correctness:"
echo "  journal state lines                  $j_state: to UP $j_up ($j_targets_up targets), to DOWN $j_down, other $j_other"
echo "  state changes logged                 $transitions; unexpected log lines: $(grep -c . <<<"$errors" || true)"
echo "  RRD spot check                      $rrd_checked"
[ -z "$errors" ] || { echo "  unexpected log lines (first 5):"; head -n 5 <<<"$errors" | sed 's/^/    /'; }
echo

goal() {   # goal NAME OK(0/1) DETAIL
    printf '  %-28s %-5s %s\n' "$1" "$([ "$2" -eq 1 ] && echo PASS || echo MISS)" "$3"
}
ok_rss=$(awk -v k="$hwm" 'BEGIN {print ((k / 1024 < 100) ? 1 : 0)}')
ok_late=$(awk -v p="$l_p99" 'BEGIN {print ((p < 50) ? 1 : 0)}')
ok_skip=$([ "$d_skipped" -eq 0 ] && echo 1 || echo 0)
ok_rate=$(awk -v r="$rate" -v o="$offered" 'BEGIN {print ((o >= 500 && r >= 0.999 * o) ? 1 : 0)}')
ok_all=$([ "$j_down" -eq 0 ] && [ "$d_retries" -eq 0 ] && [ "$j_targets_up" -eq "$N_TARGETS" ] &&
    [ "$j_other" -eq 0 ] && [ "$rrd_bad" -eq 0 ] && echo 1 || echo 0)
echo "goals:"
goal "peak RSS < 100 MB" "$ok_rss" "$(mb "$hwm") MB"
goal "p99 start lateness < 50 ms" "$ok_late" "$l_p99 ms (last $l_n starts)"
goal "no probe skipped" "$ok_skip" "$d_skipped skipped"
goal ">= 500 probes/s" "$ok_rate" "$rate/s achieved of $offered/s offered (needs offered >= 500, achieved >= 99.9 %)"
goal "every probe succeeded" "$ok_all" "DOWN $j_down, retries $d_retries, targets UP $j_targets_up/$N_TARGETS, bad RRD $rrd_bad/5"
# Figures of a run whose probes failed measure something else: say so.
[ "$ok_all" -eq 1 ] || die "not every probe succeeded (see 'correctness' above)"
