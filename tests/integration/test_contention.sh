#!/usr/bin/env bash
# Readers and the writer on one store: the daemon writes 20 targets at a
# 1 s interval while `slaprobe report` and `slaprobe status-page` read the
# same files in a loop. librrd locks a file while it reads it, and the
# writer used to drop the row it could not lock ("could not lock RRD": 8 of
# 24 rows in 40 s). Every step from the first probe to the stop must be in
# each RRD, no row may be reported lost, and no store_error journaled.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

secs=${CONTENTION_SECONDS:-60}
store=$FX_DIR/store
targets=()
for i in $(seq -w 1 20); do targets+=("t$i=http://127.0.0.1:$FX_HTTP_PORT/"); done
sp_config "$FX_DIR/c.yaml" "$store" "interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2" \
    "${targets[@]}"

sp_run "$FX_DIR/c.yaml" "$FX_DIR/daemon.log"
pid=$SP_PID
sleep 2

# the readers: as fast as they go, for the whole run
month=$(date -u +%Y-%m)
end=$((SECONDS + secs))
reads=0
while [ $SECONDS -lt $end ]; do
    "$SLAPROBE" report -c "$FX_DIR/c.yaml" --month "$month" --format json >/dev/null 2>>"$FX_DIR/readers.log" || true
    "$SLAPROBE" status-page -c "$FX_DIR/c.yaml" -o "$FX_DIR/page" >/dev/null 2>>"$FX_DIR/readers.log" || true
    reads=$((reads + 2))
done
echo "# $reads reads in $secs s"
t_match "the readers ran" "$reads" '^[1-9][0-9]*$'

kill -TERM $pid
rc=0
wait $pid || rc=$?
t_eq "daemon exit on SIGTERM" "$rc" 0

t_eq "no row refused for a lock in the log" "$(grep -c 'could not lock\|cannot update' "$FX_DIR/daemon.log" || true)" 0
t_match "the writer lost no row" "$(grep 'slaprobe: store:' "$FX_DIR/daemon.log")" ' 0 not stored'
echo "# $(grep 'slaprobe: store:' "$FX_DIR/daemon.log")"
t_eq "no store_error journaled" "$(cat "$store"/*.journal | jq -r 'select(.type == "store_error") | .type' | wc -l)" 0

# Count: from the first row to the last, every step has a value (a lost
# row is either a gap or, at a 2-step heartbeat, the next value stretched
# over it; the log line above catches the second).
missing=0 total=0 files=0
for rrd in "$store"/*.rrd; do
    case $rrd in *.hist.rrd) continue ;; esac # the hours files (docs/STORAGE.md)
    files=$((files + 1))
    first=$(rrdtool first --rraindex 0 "$rrd")
    last=$(rrdtool last "$rrd")
    # rows of the run: from the first probe's step to the stop's
    read -r n nan < <(rrdtool fetch "$rrd" AVERAGE -r 1 -s $((last - secs - 30)) -e "$last" |
        awk -v last="$last" 'NF == 9 && $1 ~ /:$/ && $1 + 0 <= last {
                 if (seen || $2 != "-nan") { seen = 1; n++; if ($2 == "-nan" || $2 == "nan") nan++ } }
             END { print n + 0, nan + 0 }')
    total=$((total + n))
    missing=$((missing + nan))
done
echo "# $total steps in $files files"
t_eq "every target has its RRD" "$files" 20
t_eq "steps stored >= 20 x $secs" "$([ "$total" -ge $((20 * secs)) ] && echo yes)" yes
t_eq "no step unknown between the first and the last row" "$missing" 0

t_done
