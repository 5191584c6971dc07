#!/usr/bin/env bash
# The daemon end to end, against a real nginx on 127.0.0.1 at a 1-second
# interval: an outage made by stopping nginx for a known window must appear
# in the RRD as up=0 over exactly that window (one step of slack at each
# edge) and in the journal as one incident with the right reason and times;
# the same through a real rrdcached; kill -9 leaves valid files and an
# unknown gap; SIGHUP reloads, and a broken file on reload changes nothing.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

now() { date +%s.%N; }
# write_cfg FILE STORE [EXTRA_STORAGE_LINE] : one HTTPS target "web"
write_cfg() {
    cat >"$1" <<YAML
storage:
  dir: $2
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
$3
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2}
targets:
  - id: web
    name: "Web (fixture)"
    url: https://localhost:$FX_HTTPS_PORT/health
    ca_file: $FX_CERTS/ca.pem
    pattern: 1
YAML
}

# rows FILE START END: "t up" lines of the full-resolution archive (through
# rrdcached when RRDC is set, which flushes the file first)
rows() {
    rrdtool fetch ${RRDC:+--daemon "$RRDC"} "$1" AVERAGE -r 1 -s "$2" -e "$3" |
        awk 'NF == 9 && $1 ~ /:$/ { sub(":", "", $1); print $1, $2 }'
}

# check_outage NAME RRD JOURNAL T_STOP T_START
check_outage() {
    local name=$1 rrd=$2 journal=$3 t_stop=$4 t_start=$5
    # Edges: the outage begins at the first probe after the stop and ends at
    # the first probe after the restart (SPEC section 3), each up to one
    # interval (= one step) later; a row t covers (t-1, t].
    # Row t covers (t-1, t]. Up rows end by the stop: t <= floor(stop). The
    # outage runs from the first failed probe (at most 1 s after the stop) to
    # the first good one (at most 1 s after the restart), so rows are fully
    # down for ceil(stop)+2 <= t <= floor(start), and up again from
    # ceil(start)+2. Rows are read only up to ceil(start)+3, well before
    # the step of the SIGTERM (written for its part before the stop).
    local up_to z_from z_to up_from
    up_to=$(awk -v t="$t_stop" 'BEGIN { printf "%d", t }')
    z_from=$(awk -v t="$t_stop" 'BEGIN { printf "%d", int(t) + 3 }')
    z_to=$(awk -v t="$t_start" 'BEGIN { printf "%d", t }')
    up_from=$(awk -v t="$t_start" 'BEGIN { printf "%d", int(t) + 3 }')
    rows "$rrd" $((up_to - 3)) $((up_from + 1)) >"$FX_DIR/rows"
    local bad=0 zeros=0
    while read -r t up; do
        [ "$t" -le $((up_from + 1)) ] || continue # fetch may return one row more
        if [ "$t" -le "$up_to" ] || [ "$t" -ge "$up_from" ]; then
            [[ "$up" =~ ^1\.0+e\+00$ ]] || { bad=$((bad + 1)); echo "  row $t: up=$up, expected 1"; }
        elif [ "$t" -ge "$z_from" ] && [ "$t" -le "$z_to" ]; then
            [[ "$up" =~ ^0\.0+e\+00$ ]] || { bad=$((bad + 1)); echo "  row $t: up=$up, expected 0"; }
        fi
        [[ "$up" =~ ^0\.0+e\+00$ ]] && zeros=$((zeros + 1))
    done <"$FX_DIR/rows"
    if [ "$bad" -ne 0 ]; then # say what happened, for whoever reads the failure
        echo "  stop $t_stop start $t_start"; cat "$FX_DIR/rows"
        jq -c 'select(.type == "state") | [.from, .to, .since, .reason]' "$journal"
    fi
    t_eq "$name: rows outside/inside the window as expected" "$bad" 0
    local window=$((z_to - z_from + 1))
    t_match "$name: fully down rows ($zeros) cover the window ($window .. $((window + 2)))" \
        "$(awk -v z=$zeros -v w=$window 'BEGIN { print (z >= w && z <= w + 2) ? "ok" : "off" }')" '^ok$'
    local downs ups
    downs=$(jq -c 'select(.type == "state" and .to == "DOWN")' "$journal")
    ups=$(jq -c 'select(.type == "state" and .from == "DOWN" and .to == "UP")' "$journal")
    t_eq "$name: one DOWN in the journal" "$(grep -c . <<<"$downs")" 1
    t_eq "$name: one recovery in the journal" "$(grep -c . <<<"$ups")" 1
    # A probe caught in the middle of nginx's shutdown sees its handshake cut
    # (tls_handshake); every later one is refused (tcp_refused).
    t_match "$name: DOWN reason" "$(jq -r .reason <<<"$downs")" '^(tcp_refused|tls_handshake)$'
    local since_ms up_ms
    since_ms=$(jq -r .since_ms <<<"$downs")
    up_ms=$(jq -r .since_ms <<<"$ups")
    t_match "$name: DOWN since the first failed probe (within 1.2 s of the stop)" \
        "$(awk -v a="$since_ms" -v t="$t_stop" 'BEGIN { d = a / 1000 - t; print (d >= 0 && d <= 1.2) ? "ok" : d }')" '^ok$'
    t_match "$name: UP again at the first probe after the restart (within 1.2 s)" \
        "$(awk -v a="$up_ms" -v t="$t_start" 'BEGIN { d = a / 1000 - t; print (d >= 0 && d <= 1.2) ? "ok" : d }')" '^ok$'
    t_match "$name: recorded downtime = window -1.2..+1.2 s" \
        "$(jq -r .downtime_s <<<"$ups" | awk -v w="$(awk -v a="$t_start" -v b="$t_stop" 'BEGIN{print a-b}')" '{ d = $1 - w; print (d > -1.2 && d < 1.2) ? "ok" : d }')" '^ok$'
}

run_outage() { # NAME STORE EXTRA
    local name=$1 store=$2 extra=$3
    write_cfg "$FX_DIR/$name.yaml" "$store" "$extra"
    sp_run "$FX_DIR/$name.yaml" "$FX_DIR/$name.log"
    sleep 6
    local t_stop t_start
    t_stop=$(now); fx_stop_nginx
    sleep 6
    t_start=$(now); fx_restart_nginx
    sleep 5
    sp_stop "$name: daemon exit on SIGTERM"
    local rc
    t_match "$name: stop marker" "$(jq -r 'select(.type != "rows") | .type' "$store/web.journal" | tail -1)" '^stop$'
    "$SLAPROBE" journal verify -c "$FX_DIR/$name.yaml" >"$FX_DIR/verify" && rc=0 || rc=$?
    t_eq "$name: journal chain intact" "$rc" 0
    check_outage "$name" "$store/web.rrd" "$store/web.journal" "$t_stop" "$t_start"
}

echo "# outage, RRD written directly"
run_outage direct "$FX_DIR/store1" ""

echo "# outage, through rrdcached on a unix socket"
fx_start_rrdcached
sock=$FX_RRDCACHED_SOCK
t_eq "rrdcached is listening" "$([ -S "$sock" ] && echo yes)" yes
RRDC=unix:$sock run_outage cached "$FX_DIR/store2" "  rrdcached: unix:$sock"
t_match "rrdcached: it was really used" "$(grep -c 'via rrdcached' "$FX_DIR/cached.log")" '^1$'
fx_stop_rrdcached

echo "# kill -9, restart: valid files, an unknown gap, probing resumes"
write_cfg "$FX_DIR/k.yaml" "$FX_DIR/store3" ""
sp_run "$FX_DIR/k.yaml" "$FX_DIR/k1.log"
sleep 4
kill -9 $SP_PID; wait $SP_PID 2>/dev/null || true
fx_untrack "p:$SP_PID"
t_killed=$(date +%s)
sleep 4
sp_run "$FX_DIR/k.yaml" "$FX_DIR/k2.log"
sleep 4
kill -TERM $SP_PID; wait $SP_PID || true
fx_untrack "p:$SP_PID"
rrdtool info "$FX_DIR/store3/web.rrd" >/dev/null && rc=0 || rc=$?
t_eq "kill -9: rrdtool info passes" "$rc" 0
rows "$FX_DIR/store3/web.rrd" $((t_killed - 4)) $((t_killed + 8)) >"$FX_DIR/krows"
t_match "kill -9: the gap reads as unknown (NaN rows)" "$(grep -c 'nan' "$FX_DIR/krows")" '^[2-9]$|^1[0-9]$'
t_match "kill -9: up rows after the restart" "$(awk -v k=$t_killed '$1 > k + 5 && $2 + 0 == 1' "$FX_DIR/krows" | wc -l)" '^[1-9]'
"$SLAPROBE" journal verify -c "$FX_DIR/k.yaml" >/dev/null && rc=0 || rc=$?
t_eq "kill -9: journal chain intact" "$rc" 0
t_eq "kill -9: two start markers" "$(jq -r 'select(.type == "start") | .type' "$FX_DIR/store3/web.journal" | wc -l)" 2

echo "# journal verify on a real journal: edit, delete, reorder, torn tail"
J=$FX_DIR/store3/web.journal
cp "$J" "$FX_DIR/journal.orig"
verify() { "$SLAPROBE" journal verify -c "$FX_DIR/k.yaml" --target web >"$FX_DIR/v" 2>&1 && VRC=0 || VRC=$?; }
verify
t_eq "intact: exit" "$VRC" 0
t_match "intact: says so" "$(cat "$FX_DIR/v")" "^web: intact, [0-9]+ lines"
sed -i '3s/"type":"[a-z]*"/"type":"edited"/' "$J"
verify
t_eq "edited line 3: exit" "$VRC" 1
t_match "edited line 3: reported at line 4" "$(cat "$FX_DIR/v")" "BROKEN at line 4 .*hash of line 3: that line was edited"
cp "$FX_DIR/journal.orig" "$J"; sed -i '2d' "$J"
verify
t_match "deleted line 2: reported at line 2" "$(cat "$FX_DIR/v")" "BROKEN at line 2 "
cp "$FX_DIR/journal.orig" "$J"; sed -i '2{h;d};3{G}' "$J"
verify
t_match "swapped lines 2 and 3: reported at line 2" "$(cat "$FX_DIR/v")" "BROKEN at line 2 "
cp "$FX_DIR/journal.orig" "$J"; printf '{"seq":99,"type":"sta' >>"$J"
verify
t_eq "torn tail: still intact" "$VRC" 0
t_match "torn tail: reported as such" "$(cat "$FX_DIR/v")" "last line is incomplete"
"$SLAPROBE" journal verify -c "$FX_DIR/k.yaml" --target nosuch >/dev/null 2>&1 && VRC=0 || VRC=$?
t_eq "unknown target: exit 2" "$VRC" 2
cp "$FX_DIR/journal.orig" "$J"

echo "# reload"
cat >"$FX_DIR/r.yaml" <<YAML
storage: {dir: $FX_DIR/store4, retention: {full_days: 1, five_min_days: 2, hourly_days: 3}}
defaults: {interval: 1s, timeout: 800ms}
targets:
  - {id: keep, url: "http://127.0.0.1:$FX_HTTP_PORT/", pattern: 2}
  - {id: gone, url: "http://127.0.0.1:$FX_HTTP_PORT/", pattern: 2}
YAML
sp_run "$FX_DIR/r.yaml" "$FX_DIR/r.log"
pid=$SP_PID
sleep 3
cat >"$FX_DIR/r.yaml" <<YAML
storage: {dir: $FX_DIR/store4, retention: {full_days: 1, five_min_days: 2, hourly_days: 3}}
defaults: {interval: 1s, timeout: 800ms}
targets:
  - {id: keep, url: "http://127.0.0.1:$FX_HTTP_PORT/status/503", pattern: 2}
  - {id: new, url: "http://127.0.0.1:$FX_HTTP_PORT/", pattern: 2}
YAML
kill -HUP $pid
reloaded() {
    log_has "$FX_DIR/r.log" 'reloaded .*: 2 targets' &&
        journal_has "$FX_DIR/store4/gone.journal" 'select(.type == "removed")' &&
        journal_has "$FX_DIR/store4/new.journal" 'select(.type == "state")' &&
        [ -e "$FX_DIR/store4/new.rrd" ] &&
        journal_has "$FX_DIR/store4/keep.journal" 'select(.type == "state" and .to == "DOWN")'
}
wait_until 20 reloaded
t_match "reload: logged" "$(cat "$FX_DIR/r.log")" "reloaded .*: 2 targets"
t_eq "reload: removed target journaled" "$(jq -r 'select(.type == "removed") | .type' "$FX_DIR/store4/gone.journal")" removed
t_match "reload: new target probed" "$(jq -r 'select(.type == "state") | .to' "$FX_DIR/store4/new.journal" | head -1)" '^UP$'
t_eq "reload: changed target keeps its state and now fails" \
    "$(jq -r 'select(.type == "state") | .to' "$FX_DIR/store4/keep.journal" | tr '\n' ' ')" "UP DOWN "
gone_last=$(rrdtool last "$FX_DIR/store4/gone.rrd")
echo "targets: [ {id: oops" >"$FX_DIR/r.yaml"
kill -HUP $pid
before=$(rrdtool last "$FX_DIR/store4/new.rrd")
sleep 3
after=$(rrdtool last "$FX_DIR/store4/new.rrd")
t_match "broken reload: rejected with file and line" "$(cat "$FX_DIR/r.log")" "reload rejected.*r\.yaml:[0-9]+"
t_match "broken reload: old configuration still probing" "$((after - before))" '^[1-9]'
t_eq "removed target no longer written" "$(rrdtool last "$FX_DIR/store4/gone.rrd")" "$gone_last"
kill -TERM $pid; wait $pid || true

t_done
