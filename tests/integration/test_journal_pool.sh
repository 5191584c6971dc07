#!/usr/bin/env bash
# Journals are not held open per target (issue 18): a daemon with 600
# targets, more than the store's pool of 256 open journals, each appending
# its start, state and rows lines, never holds more than 256 journal
# descriptors nor as many descriptors as it has targets (/proc/PID/fd,
# sampled through the run); every journal's chain verifies afterwards
# (`slaprobe journal verify`), each with its lines from start to stop
# (the last rows, settled at the stop, come after the stop line).
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

N=600
store=$FX_DIR/store
targets=()
for i in $(seq -w 1 $N); do targets+=("t$i=http://127.0.0.1:$FX_HTTP_PORT/p$i"); done
sp_config "$FX_DIR/c.yaml" "$store" "interval: 2s, timeout: 1s, retry_interval: 1s, confirm: 2" \
    "${targets[@]}"

sp_run "$FX_DIR/c.yaml" "$FX_DIR/daemon.log" --max-inflight 16
max_all=0 max_journals=0
# until every target has a rows line (each journal written to at least
# three times: start, state, rows), and a few seconds more
rows_in() { { grep -l '"type":"rows"' "$store"/*.journal 2>/dev/null || true; } | wc -l; }
# descriptors come and go while find reads the directory: its complaints
# (and exit status) about one gone are not the test's
fds() { { find "/proc/$SP_PID/fd" -mindepth 1 -maxdepth 1 "$@" 2>/dev/null || true; } | wc -l; }
deadline=$((SECONDS + 60))
extra=""
while [ $SECONDS -lt $deadline ]; do
    all=$(fds)
    journals=$(fds -lname '*.journal')
    [ "$all" -le "$max_all" ] || max_all=$all
    [ "$journals" -le "$max_journals" ] || max_journals=$journals
    if [ -z "$extra" ] && [ "$(rows_in)" -eq $N ]; then
        extra=$((SECONDS + 4))
    fi
    [ -z "$extra" ] || [ $SECONDS -lt "$extra" ] || break
    sleep 0.2
done
t_eq "every target journaled rows" "$(rows_in)" $N
t_match "journal descriptors at most the pool's 256 (max $max_journals)" "$((max_journals <= 256))" '^1$'
t_match "journal descriptors: the pool was filled (max $max_journals)" "$((max_journals >= 200))" '^1$'
t_match "descriptors far fewer than targets (max $max_all)" "$((max_all < 400))" '^1$'
sp_stop "daemon exit on SIGTERM"

"$SLAPROBE" journal verify -c "$FX_DIR/c.yaml" >"$FX_DIR/verify.out" 2>&1 && rc=0 || rc=$?
t_eq "journal verify: exit" "$rc" 0
t_eq "journal verify: every chain intact" "$(grep -c ': intact, ' "$FX_DIR/verify.out")" $N
bad=0
for f in "$store"/*.journal; do
    first=$(head -1 "$f" | jq -r .type)
    stops=$(grep -c '"type":"stop"' "$f" || true)
    if [ "$first" != start ] || [ "$stops" != 1 ]; then
        bad=$((bad + 1))
        [ $bad -gt 3 ] || echo "# $f: first line $first, $stops stop lines"
    fi
done
t_eq "every journal from its start line, with its stop line" "$bad" 0
t_done
