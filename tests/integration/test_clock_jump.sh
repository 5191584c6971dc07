#!/usr/bin/env bash
# Steps of the wall clock under a running daemon (libfaketime, the
# monotonic clock left alone as NTP leaves it): forward 1 h, back 1 h,
# back 10 min, forward 10 min. Probing must keep its pace through all of
# them (it used to stop for the 10 minutes the clock was behind, then skip
# 1,452 probes), every jump must be journaled (clock_jump with its size),
# no row may be written beyond the clock of the moment, and what the
# backward steps make unstorable must be a store_error range (clock_back)
# that the report names, never a silent refusal.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$lib" ] || { echo "libfaketime is not installed (scripts/setup.sh --test)"; exit 1; }

store=$FX_DIR/store
sp_config "$FX_DIR/j.yaml" "$store" "interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2" \
    "web=http://127.0.0.1:$FX_HTTP_PORT/" "gone=http://127.0.0.1:$(fx_free_port)/"

ft=$FX_DIR/faketime
echo "+0" >"$ft"
t0=$SECONDS
# ASan wants to be first among the preloaded libraries; here it cannot be
LD_PRELOAD=$lib FAKETIME_TIMESTAMP_FILE=$ft FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    "$SLAPROBE" run -c "$FX_DIR/j.yaml" 2>"$FX_DIR/daemon.log" &
pid=$!
fx_track_pid $pid
last() { rrdtool last "$store/web.rrd"; }
sleep 5

echo "+3600" >"$ft" # forward 1 h
sleep 6
l_fwd=$(last)
now=$(date +%s)
t_eq "forward: rows follow the clock, not beyond it ($((l_fwd - now - 3600)) s past it)" \
    "$([ "$l_fwd" -le $((now + 3600 + 1)) ] && [ "$l_fwd" -ge $((now + 3600 - 3)) ] && echo yes)" yes

echo "+0" >"$ft" # back 1 h
# a row of the forward clock still on its way to the file when the clock
# went back may land (l_fwd was read a moment before; under ASan the writer
# lags a step): the rows that settle in the first 2 s are the forward
# clock's, at most one step past l_fwd; after that nothing more may come
sleep 2
l_back=$(last)
t_eq "back 1 h: at most the step in flight lands ($((l_back - l_fwd)) s past $l_fwd)" \
    "$([ "$l_back" -ge "$l_fwd" ] && [ "$l_back" -le $((l_fwd + 1)) ] && echo yes)" yes
sleep 4
t_eq "back 1 h: nothing written beyond the clock" "$(last)" "$l_back"

echo "-600" >"$ft" # back 10 min more
sleep 6
t_eq "back 10 min: nothing written beyond the clock" "$(last)" "$l_back"

echo "+0" >"$ft" # forward 10 min
sleep 5
kill -TERM $pid
rc=0
wait $pid || rc=$?
elapsed=$((SECONDS - t0))
t_eq "daemon exit on SIGTERM" "$rc" 0

jumps=$(jq -r 'select(.type == "clock_jump") | (.jump_ms / 1000 | round)' "$store/web.journal" | tr '\n' ' ')
t_match "four jumps journaled with their size ($jumps)" "$jumps" '^(3599|360[0-2]) -(3599|360[0-2]) -(599|60[0-2]) (599|60[0-2]) $'
t_eq "four jumps logged" "$(grep -c 'system clock jumped' "$FX_DIR/daemon.log")" 4

# pace: two targets at 1 s for the whole run
probes=$(sed -n 's/.*stopped: \([0-9]*\) probes.*/\1/p' "$FX_DIR/daemon.log")
skipped=$(sed -n 's/.*probes (.*), \([0-9]*\) skipped.*/\1/p' "$FX_DIR/daemon.log")
echo "# $probes probes, $skipped skipped in $elapsed s"
t_eq "probes kept their pace ($probes >= 2 x 0.8 x $elapsed)" \
    "$(awk -v p="$probes" -v e="$elapsed" 'BEGIN { print (p >= 1.6 * e) ? "yes" : "no" }')" yes
t_match "no probe skipped ($skipped)" "$skipped" '^[0-2]$'

n_back=$(jq -r 'select(.type == "store_error" and .cause == "clock_back") | .cause' "$store/web.journal" | wc -l)
t_eq "both backward steps journaled as store_error clock_back" "$n_back" 2
t_eq "no write refused in silence" "$(grep -c 'illegal attempt' "$FX_DIR/daemon.log" || true)" 0
"$SLAPROBE" journal verify -c "$FX_DIR/j.yaml" >/dev/null && rc=0 || rc=$?
t_eq "journals verify" "$rc" 0

month=$(date -u +%Y-%m)
"$SLAPROBE" report -c "$FX_DIR/j.yaml" --month "$month" --format json >"$FX_DIR/r.json" || true
t_match "the report names the unstorable range" \
    "$(jq -r '[.targets[] | select(.id == "web") | .evidence.not_stored[] | select(.cause == "clock_back")] | length' "$FX_DIR/r.json")" '^[12]$'
t_match "the report lists the clock jumps" \
    "$(jq -r '.targets[] | select(.id == "web") | .evidence.clock_jumps | length' "$FX_DIR/r.json")" '^[34]$'

t_done
