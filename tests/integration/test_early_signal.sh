#!/usr/bin/env bash
# A SIGTERM (or SIGINT, SIGHUP) that comes while the daemon is still
# setting up (opening 2,000 targets' files) is held until the daemon can
# act on it: the daemon then stops cleanly (exit 0, a stop line in every
# journal), never dies of the signal's default action with no stop line.
# Found by test_rows, which signals as soon as a journal has a line.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
ulimit -n 8192 2>/dev/null || true

store=$FX_DIR/store
targets=()
for i in $(seq 1 2000); do targets+=("t$i=tcp://127.0.0.1:9"); done
sp_config "$FX_DIR/c.yaml" "$store" "interval: 60s, timeout: 1s" "${targets[@]}"

for sig in TERM HUP; do
    rm -rf "$store"
    "$SLAPROBE" run -c "$FX_DIR/c.yaml" 2>"$FX_DIR/$sig.log" &
    pid=$!
    fx_track_pid $pid
    # as soon as the first file is there: setup has begun, not finished
    wait_until 10 test -e "$store/t1.journal"
    kill -$sig $pid
    [ $sig = TERM ] || { sleep 1; kill -TERM $pid; }
    rc=0
    wait $pid || rc=$?
    fx_untrack "p:$pid"
    t_eq "SIG$sig during setup: exit 0, not the signal's default action" "$rc" 0
    n=$(jq -r 'select(.type == "stop") | input_filename' "$store"/*.journal | sort -u | wc -l)
    t_eq "SIG$sig during setup: every journal has its stop line" "$n" 2000
done
t_done
