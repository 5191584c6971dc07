#!/usr/bin/env bash
# kill -9 at random moments, many times, on a fresh store with large RRD
# files (a crash loop): creating a big file takes long enough to be killed
# in the middle, and that used to leave temporary files behind (up to
# 174 MB each) that nothing removed. After a clean restart no temporary
# file may be left, every RRD must pass `rrdtool info`, every journal must
# verify, and the probes of targets whose files exist must not wait for
# the creation of the others. Prints the steps lost per kill.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

kills=${CRASH_KILLS:-12}
store=$FX_DIR/store
# 1 s steps kept 20 days at full resolution: 1.7 M rows, ~110 MB a file,
# a second or more to create each
SP_RETENTION="20 2 3" sp_config "$FX_DIR/k.yaml" "$store" "interval: 1s, timeout: 800ms" \
    "web=http://127.0.0.1:$FX_HTTP_PORT/" "big1=http://127.0.0.1:$FX_HTTP_PORT/" \
    "big2=http://127.0.0.1:$FX_HTTP_PORT/"

# files in the store that are neither an RRD (rows or hours), a journal, the lock nor the
# daemon's live state for the status page (whose .tmp the next start
# writes over): what an interrupted creation left (librrd's own temporary
# names included)
strays() {
    { ls -A "$store" 2>/dev/null || true; } |
        { grep -c -v -E '^[a-z0-9_-]+\.(rrd|hist\.rrd|journal)$|^\.slaprobe\.lock$|^status-live\.json(\.tmp)?$' || true; }
}
tmp_seen=0
t_first=$(date +%s)
for i in $(seq "$kills"); do
    "$SLAPROBE" run -c "$FX_DIR/k.yaml" 2>>"$FX_DIR/daemon.log" &
    pid=$!
    # random moments: often while the big files are still being made
    sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
    [ $((i % 3)) -eq 0 ] && sleep 1
    if [ "$(strays)" -gt 0 ]; then tmp_seen=$((tmp_seen + 1)); fi
    kill -9 $pid
    wait $pid 2>/dev/null || true
done
left=$(strays)
echo "# $kills kills; a temporary file was present at $tmp_seen of them, $left left after the last"

# clean restart: stale files go, the store is whole
sp_run "$FX_DIR/k.yaml" "$FX_DIR/last.log"
all_rrds() { [ -f "$store/big1.rrd" ] && [ -f "$store/big2.rrd" ] && [ -f "$store/web.rrd" ]; }
wait_until 60 all_rrds
sleep 4
sp_stop "clean restart: exit 0"
t_eq "no temporary file left" "$(strays)" 0
if [ "$left" -gt 0 ]; then
    t_match "the stale files were removed and said so" "$(cat "$FX_DIR/last.log")" 'removed .*\.sp-'
fi
for f in web big1 big2; do
    rrdtool info "$store/$f.rrd" >/dev/null && rc=0 || rc=$?
    t_eq "$f.rrd passes rrdtool info" "$rc" 0
done
"$SLAPROBE" journal verify -c "$FX_DIR/k.yaml" >"$FX_DIR/verify" && rc=0 || rc=$?
t_eq "every journal verifies" "$rc" 0
t_eq "no RRD write failed" "$(grep -c 'cannot update\|illegal attempt' "$FX_DIR/daemon.log" "$FX_DIR/last.log" | awk -F: '{ s += $2 } END { print s }')" 0

# steps lost per kill: unknown steps of 'web' from its first row to its
# last, against the time the loop ran
last=$(rrdtool last "$store/web.rrd")
read -r n nan < <(rrdtool fetch "$store/web.rrd" AVERAGE -r 1 -s $((t_first - 2)) -e "$last" |
    awk -v last="$last" 'NF == 9 && $1 ~ /:$/ && $1 + 0 <= last {
        if (seen || $2 != "-nan") { seen = 1; n++; if ($2 == "-nan") nan++ } }
        END { print n + 0, nan + 0 }')
echo "# web: $n steps from its first row, $nan unknown: $(awk -v u="$nan" -v k="$kills" 'BEGIN { printf "%.1f", u / k }') steps lost per kill -9"
t_match "the store kept measuring between kills" "$n" '^[1-9][0-9]*$'

t_done
