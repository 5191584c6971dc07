#!/usr/bin/env bash
# What a month's report and the status page cost as the store grows: N
# targets (default 100), each with a calendar month and the 30 days before
# now of one-minute history (imported, with an outage a day), on /dev/shm.
# Prints the wall time, CPU and peak RSS of `slaprobe report --format json`
# (last month), `report --format html` (graphs) and `status-page` (the live
# view: month so far + 30 days), and the time per target. No goal is set by
# the issues; the figures tell whether the daemon's status_page.every (a
# child process per period) fits: a build slower than the period is skipped.
#
# The history is imported once (t1) and the other targets' files are copies
# of t1's (the same rows: a report's work per target is the same), or hard
# links to them when N copies would take more than half of /dev/shm's free
# space (10,000 targets at 9.3 MB each): BUILD=import imports every target
# as before (serially: the store's lock admits one import at a time),
# BUILD=copy or BUILD=link force one way. Hard links share the page cache
# (all of it is memory on /dev/shm anyway) and say so in the output.
#
#   bench/reports.sh              N=100
#   N=1000 bench/reports.sh
#   N=10000 bench/reports.sh      (about 10 minutes: see the figures)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100}
SLAPROBE=${SLAPROBE:-build/slaprobe}
[ -x "$SLAPROBE" ] || { cmake -S . -B build >/dev/null && cmake --build build -j2 >/dev/null; }
# the tests' fixtures: FX_DIR on /dev/shm, removed on exit (FX_KEEP=1 keeps it)
source tests/lib/fixtures.sh
fx_init /dev/shm
D=$FX_DIR

export TZ=Asia/Tokyo
now=$(date +%s)
last=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m)
from=$(date -d "$last-01 00:00" +%s)
{
    echo "timezone: Asia/Tokyo"
    echo "storage: {dir: $D/store, retention: {full_days: 70, five_min_days: 71, hourly_days: 72}}"
    echo "defaults: {interval: 60s, timeout: 5s}"
    echo "targets:"
    for i in $(seq "$N"); do echo "  - {id: t$i, url: \"http://127.0.0.1:9/\", pattern: 1}"; done
} >"$D/c.yaml"
# one CSV, one 7-minute outage a day, imported for every target
awk -v f="$from" -v n="$now" 'BEGIN { print "timestamp,up,total_ms"
    for (t = f; t < n - 60; t += 60) printf "%d,%d,%d\n", t, (t % 86400 < 420) ? 0 : 1, 80 + t % 40 }' >"$D/h.csv"
rows=$(($(wc -l <"$D/h.csv") - 1))
t0=$(date +%s.%N)
"$SLAPROBE" import -c "$D/c.yaml" --target t1 --csv "$D/h.csv" >/dev/null
one_kb=$(du -sk "$D/store" | cut -f1)
free_kb=$(df -Pk "$D" | awk 'NR == 2 {print $4}')
BUILD=${BUILD:-$([ $((one_kb * N)) -lt $((free_kb / 2)) ] && echo copy || echo link)}
case "$BUILD" in
import) for i in $(seq 2 "$N"); do "$SLAPROBE" import -c "$D/c.yaml" --target "t$i" --csv "$D/h.csv" >/dev/null; done ;;
copy) for i in $(seq 2 "$N"); do cp "$D/store/t1.rrd" "$D/store/t$i.rrd"; cp "$D/store/t1.journal" "$D/store/t$i.journal"; done ;;
link) for i in $(seq 2 "$N"); do ln "$D/store/t1.rrd" "$D/store/t$i.rrd"; ln "$D/store/t1.journal" "$D/store/t$i.journal"; done ;;
*) echo "reports: BUILD must be import, copy or link" >&2; exit 2 ;;
esac
t1=$(date +%s.%N)
echo "store: $N targets x $rows one-minute rows ($(du -sh "$D/store" | cut -f1); $one_kb KB a target); built by $BUILD in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
[ "$BUILD" != link ] || echo "  (hard links to one target's files: every target's rows are read, from one file's pages)"

measure() { # LABEL COMMAND...
    local label=$1 wall usr sys rss
    shift
    /usr/bin/time -o "$D/time" -f "%e %U %S %M" "$@" >/dev/null 2>&1 || true # exit 1: a target missed
    read -r wall usr sys rss < <(tail -1 "$D/time")
    awk -v l="$label" -v w="$wall" -v u="$usr" -v s="$sys" -v m="$rss" -v n="$N" 'BEGIN {
        printf "%-22s %7.2f s wall  %6.2f s CPU  %7.1f MB peak RSS  %6.1f ms/target\n",
            l, w, u + s, m / 1024, w * 1000 / n }'
}
measure "report json ($last)" "$SLAPROBE" report -c "$D/c.yaml" --month "$last" --format json
measure "report html ($last)" "$SLAPROBE" report -c "$D/c.yaml" --month "$last" --format html -o "$D/html"
measure "status-page (30 days)" "$SLAPROBE" status-page -c "$D/c.yaml" -o "$D/www"
# /metrics' month figures (docs/METRICS.md) late in a month of history: at
# noon on the 28th of last month (the month now is in may have just begun)
# (libfaketime: scripts/setup.sh --test)
lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -z "$lib" ] || measure "metrics-month ($last-28)" env LD_PRELOAD="$lib" \
    FAKETIME="@$last-28 12:00:00" "$SLAPROBE" metrics-month -c "$D/c.yaml"
