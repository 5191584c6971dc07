#!/usr/bin/env bash
# The replicator (SPEC section 10, replicator/repl.h) against a real central
# rrdcached on 127.0.0.1, with the flags docs/VANTAGES.md gives it (-B -R -O
# -b, a journal), and a daemon `vantage: v1` with two 1-second targets (one
# UP on nginx, one DOWN on a closed port):
#  - the central files <base>/v1/<id>.rrd appear, and `rrdtool fetch` of
#    local and central print the same bytes over the range both hold;
#  - kill -9 of the central while the daemon runs: what it had acknowledged
#    but not written is lost (its journal is removed, and -w 3600 kept it
#    all in memory: the file on disk is behind); probing and local rows go
#    on during the outage; restarted, the next rounds ask LAST and send again
#    until central == local exactly;
#  - a central that accepts and never answers: the daemon keeps probing, the
#    replicator logs the reply timeout, and the daemon stops within seconds;
#  - the rows a stop wrote go at the next start; a reload's new target is
#    replicated; the unix socket works as TCP does;
#  - a central that refuses every row: one central_refused line per target,
#    not one per round; a central file whose last update is in the future
#    ("central ahead"): journaled once too.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

base=$FX_DIR/central
mkdir -p "$base" "$FX_DIR/cj"
CPORT=$(fx_free_port)
CLOSED=$(fx_free_port)
CSOCK=$FX_DIR/central.sock

start_central() {
    # as docs/VANTAGES.md deploys it: the TCP listener takes only what the
    # replicator sends; the report host's unix socket takes everything
    fx__spawn "$FX_DIR/central.log" "$(fx__bin rrdcached)" -g -l "unix:$CSOCK" \
        -P CREATE,LAST,BATCH,UPDATE -l "127.0.0.1:$CPORT" \
        -b "$base" -B -R -O -j "$FX_DIR/cj" -w 3600 -z 1 -p "$FX_DIR/central.pid"
    CENTRAL_PID=$FX__PID
    fx_wait_port "$CPORT" "g:$CENTRAL_PID" || { fx__tail "$FX_DIR/central.log"; return 1; }
}

write_cfg() { # FILE STORE VANTAGE CENTRAL
    cat >"$1" <<YAML
timezone: UTC
vantage: $3
storage:
  dir: $2
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
  central: {rrdcached: "$4", every: 1s, timeout: 1s}
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2}
targets:
  - {id: up, url: "http://127.0.0.1:$FX_HTTP_PORT/", pattern: 1}
  - {id: down, url: "tcp://127.0.0.1:$CLOSED", pattern: 1}
YAML
}

# the central's last update of FILE (relative to base), or 0
# (librrd makes a path absolute for a unix socket: from base it is inside -b)
central_last() { (cd "$base" && rrdtool last --daemon "unix:$CSOCK" "$1" 2>/dev/null) || echo 0; }
# the last step a rows line of JOURNAL covers
local_last() { jq -r 'select(.type == "rows") | .to' "$1" 2>/dev/null | tail -1; }
vant=v1 # the vantage whose files caught_up and same compare
caught_up() { # ID UPTO: the central file has every step up to UPTO
    [ "$(central_last "$vant/$1.rrd")" -ge "$2" ]
}
flushed() { # ID UPTO: the central file on disk has UPTO
    (cd "$base" && rrdtool flushcached --daemon "unix:$CSOCK" "$vant/$1.rrd")
    [ "$(rrdtool last "$base/$vant/$1.rrd")" -ge "$2" ]
}
fetch_same() { # ID UPTO RES: after a flush, the fetches print the same
    flushed "$1" "$2" || return 1
    rrdtool fetch "$store/$1.rrd" AVERAGE -r "$3" -s $(($2 - 300)) -e "$2" >"$FX_DIR/l.txt"
    rrdtool fetch "$base/$vant/$1.rrd" AVERAGE -r "$3" -s $(($2 - 300)) -e "$2" >"$FX_DIR/c.txt"
    cmp -s "$FX_DIR/l.txt" "$FX_DIR/c.txt"
}
# same ID UPTO NAME: rrdtool fetch of the local and the central file over
# the last 5 minutes up to UPTO (the one-step archive: the files have no
# other, docs/STORAGE.md) print the same, once the central's cache is flushed. rrdcached may answer FLUSH while
# it is still writing the file (and librrd moves a file's last update before
# it writes the row): the newest step was seen unknown on the central's disk
# for a while, then right (not resent: the replicator had asked LAST). So
# flush and compare again; a difference that lasts 10 s is a failure.
same() {
    local id=$1 upto=$2 name=$3 r
    wait_until 5 flushed "$id" "$upto"
    for r in 1; do
        if wait_until 10 fetch_same "$id" "$upto" $r 2>/dev/null; then
            t_ok "$name: $id: central == local (-r $r)"
        else
            t_bad "$name: $id: central == local (-r $r)"
            diff "$FX_DIR/l.txt" "$FX_DIR/c.txt" | head -10 >&2 || true
        fi
    done
    # and the rows are real measurements, not unknowns on both sides
    t_match "$name: $id: known values in the range" \
        "$(grep -c -v nan "$FX_DIR/c.txt" || true)" '^[1-9][0-9]*$'
}

# --- replication, and a kill -9 of the central -----------------------------
start_central
store=$FX_DIR/store/v1
write_cfg "$FX_DIR/v1.yaml" "$FX_DIR/store" v1 "127.0.0.1:$CPORT"
# three whole hours of history before the daemon starts, so that "up" has
# hours rolled up (docs/STORAGE.md) for the replicator to send
now=$(date +%s)
H0=$((now - now % 3600 - 3 * 3600))
awk -v a=$H0 -v b=$((H0 + 3 * 3600)) 'BEGIN { print "timestamp,up"
    for (t = a; t < b; t++) print t "," ((t - a) % 1800 < 120 ? 0 : 1) }' >"$FX_DIR/hist.csv"
"$SLAPROBE" import -c "$FX_DIR/v1.yaml" --target up --csv "$FX_DIR/hist.csv" >/dev/null
MPORT=$(fx_free_port) # /metrics (docs/METRICS.md): the replication lag
sp_run "$FX_DIR/v1.yaml" "$FX_DIR/d1.log" --metrics "127.0.0.1:$MPORT"
wait_until 10 log_has "$FX_DIR/d1.log" "replicating to 127.0.0.1:$CPORT every 1 s"
wait_until 15 test -f "$base/v1/up.rrd" -a -f "$base/v1/down.rrd" || { fx__tail "$FX_DIR/d1.log"; false; }
t_ok "central files v1/up.rrd and v1/down.rrd created"
t_eq "the TCP listener refuses what the replicator does not need (FLUSH)" \
    "$(rrdtool flushcached --daemon "127.0.0.1:$CPORT" v1/up.rrd >/dev/null 2>&1 && echo taken || echo refused)" refused
t_eq "created with the local layout" \
    "$(rrdtool info "$base/v1/up.rrd" | grep -E '^(step|ds\[|rra\[[0-9]+\]\.(cf|rows|pdp_per_row|xff))' | grep -v 'last_ds\|value\|unknown_sec')" \
    "$(rrdtool info "$store/up.rrd" | grep -E '^(step|ds\[|rra\[[0-9]+\]\.(cf|rows|pdp_per_row|xff))' | grep -v 'last_ds\|value\|unknown_sec')"
wait_until 10 journal_has "$store/down.journal" 'select(.type == "state" and .to == "DOWN")'
sleep 3
upto=$(local_last "$store/up.journal")
wait_until 5 caught_up up "$upto"
wait_until 5 caught_up down "$(local_last "$store/down.journal")"
same up "$upto" "running"
same down "$(local_last "$store/down.journal")" "running"
# the hours file goes to the centre too, after the rows: the same hours
hours_same() {
    (cd "$base" && rrdtool flushcached --daemon "unix:$CSOCK" v1/up.hist.rrd) 2>/dev/null || return 1
    rrdtool fetch "$store/up.hist.rrd" AVERAGE -r 3600 -s $((H0 - 3600)) -e $((H0 + 3 * 3600)) >"$FX_DIR/lh.txt"
    rrdtool fetch "$base/v1/up.hist.rrd" AVERAGE -r 3600 -s $((H0 - 3600)) -e $((H0 + 3 * 3600)) >"$FX_DIR/ch.txt"
    cmp -s "$FX_DIR/lh.txt" "$FX_DIR/ch.txt"
}
if wait_until 15 hours_same; then t_ok "hours: central == local"; else
    t_bad "hours: central == local"
    diff "$FX_DIR/lh.txt" "$FX_DIR/ch.txt" | head -10 >&2 || true
fi
# 2 minutes DOWN every half hour: 240 s DOWN and 3360 s UP in each hour
t_eq "hours: each imported hour's seconds up and down, centrally" \
    "$(awk -v a=$H0 -v b=$((H0 + 3 * 3600)) '$1 ~ /:$/ && $1 + 0 > a && $1 + 0 <= b {print $2 + 0, $3 + 0}' "$FX_DIR/ch.txt" | sort -u)" \
    "3360 240"
t_match "/metrics: the replication lag, by target and vantage" \
    "$(curl -sf "http://127.0.0.1:$MPORT/metrics" | grep '^slaprobe_replication_lag_seconds{target="up",vantage="v1"}')" \
    ' [0-9]{1,2}$'

# kill -9: rrdcached acknowledged rows it had only in memory (-w 3600)
sleep 3
acked=$(central_last v1/up.rrd)
kill -9 "$CENTRAL_PID"
fx_untrack "g:$CENTRAL_PID"
ondisk=$(rrdtool last "$base/v1/up.rrd")
t_match "the central file on disk is behind what was acknowledged ($ondisk < $acked)" \
    "$((acked - ondisk))" '^[1-9][0-9]*$'
rm -f "$FX_DIR/cj"/* # and its journal is gone: those rows are lost there
rows_before=$(jq -c 'select(.type == "rows")' "$store/up.journal" | wc -l)
wait_until 10 log_has "$FX_DIR/d1.log" "failed: .*(cannot connect|closed the connection|no reply|connection reset)"
sleep 3
rows_after=$(jq -c 'select(.type == "rows")' "$store/up.journal" | wc -l)
t_match "local rows go on while the central is down ($rows_before -> $rows_after)" \
    "$((rows_after - rows_before))" '^([3-9]|[1-9][0-9]+)$'
t_eq "the daemon runs on" "$(kill -0 "$SP_PID" && echo yes)" yes
start_central
upto=$(local_last "$store/up.journal")
wait_until 15 caught_up up "$upto" || { fx__tail "$FX_DIR/d1.log"; false; }
wait_until 5 caught_up down "$(local_last "$store/down.journal")"
same up "$upto" "after kill -9"
same down "$(local_last "$store/down.journal")" "after kill -9"
t_eq "no refusal journaled in normal operation" \
    "$(jq -c 'select(.type == "central_refused")' "$store/up.journal" "$store/down.journal" | wc -l)" 0
sp_stop "replicating daemon exits 0"
t_match "the log says when it was failing and that it recovered" \
    "$(grep -c 'replication to' "$FX_DIR/d1.log")" '^[1-9][0-9]*$'

# the tail written at the stop goes at the next start (the replicator does
# not hold up a stop): a second run catches up the first one's last row
upto=$(local_last "$store/up.journal")
sp_run "$FX_DIR/v1.yaml" "$FX_DIR/d1b.log"
wait_until 10 caught_up up "$upto" || { fx__tail "$FX_DIR/d1b.log"; false; }
same up "$upto" "after a restart"
# a reload adds a target: replicated from the next round on
cp "$FX_DIR/v1.yaml" "$FX_DIR/v1.orig"
echo "  - {id: more, url: \"http://127.0.0.1:$FX_HTTP_PORT/\", pattern: 1}" >>"$FX_DIR/v1.yaml"
kill -HUP "$SP_PID"
wait_until 15 test -f "$base/v1/more.rrd" || { fx__tail "$FX_DIR/d1b.log"; false; }
t_ok "a target added by a reload is replicated"
sp_stop "second run exits 0"
cp "$FX_DIR/v1.orig" "$FX_DIR/v1.yaml"

# --- a central that never answers -------------------------------------------
HPORT=$(fx_free_port)
fx__spawn "$FX_DIR/hang.log" /usr/bin/python3 "$SP_SRC/tests/fixtures/fake_rrdcached.py" hang "$HPORT"
fx_wait_port "$HPORT" "g:$FX__PID"
write_cfg "$FX_DIR/v2.yaml" "$FX_DIR/store2" v2 "127.0.0.1:$HPORT"
sp_run "$FX_DIR/v2.yaml" "$FX_DIR/d2.log"
wait_until 10 log_has "$FX_DIR/d2.log" "no reply from 127.0.0.1:$HPORT within 1000 ms to LAST" ||
    { fx__tail "$FX_DIR/d2.log"; false; }
t_ok "a central that never answers: the reply timeout is logged"
r0=$(jq -c 'select(.type == "rows")' "$FX_DIR/store2/v2/up.journal" | wc -l)
sleep 3
r1=$(jq -c 'select(.type == "rows")' "$FX_DIR/store2/v2/up.journal" | wc -l)
t_match "probing and local rows go on ($r0 -> $r1)" "$((r1 - r0))" '^([2-9]|[1-9][0-9]+)$'
t0=${EPOCHREALTIME/./}
sp_stop "daemon beside a silent central exits 0"
ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
t_match "it stops within 4 s ($ms ms)" "$ms" '^([0-9]{1,3}|[0-3][0-9]{3})$'

# --- a central that refuses every row ----------------------------------------
RPORT=$(fx_free_port)
fx__spawn "$FX_DIR/refuse.log" /usr/bin/python3 "$SP_SRC/tests/fixtures/fake_rrdcached.py" refuse "$RPORT"
fx_wait_port "$RPORT" "g:$FX__PID"
write_cfg "$FX_DIR/v3.yaml" "$FX_DIR/store3" v3 "127.0.0.1:$RPORT"
sp_run "$FX_DIR/v3.yaml" "$FX_DIR/d3.log"
j3=$FX_DIR/store3/v3/up.journal
wait_until 10 journal_has "$j3" 'select(.type == "central_refused")' || { fx__tail "$FX_DIR/d3.log"; false; }
sleep 4 # four more rounds, each refused again
ref=$(jq -c 'select(.type == "central_refused")' "$j3")
t_eq "refusals: one line for the target, not one per round" "$(grep -c . <<<"$ref")" 1
t_eq "refusal: the central named" "$(jq -r .central <<<"$ref")" "127.0.0.1:$RPORT"
t_match "refusal: the central's words" "$(jq -r .detail <<<"$ref")" 'rows refused, the first: 1 illegal attempt to update'
t_match "refusal: the steps" "$(jq -r '"\(.from) \(.to)"' <<<"$ref")" '^[0-9]+ [0-9]+$'
t_match "the log says so per round" "$(grep -c 'refusals' "$FX_DIR/d3.log")" '^([3-9]|[1-9][0-9]+)$'
sp_stop "daemon beside a refusing central exits 0"

# --- a central file ahead of this vantage ------------------------------------
# v1/up.rrd's last update moved an hour ahead behind the daemon's back: the
# rows before it cannot be sent; said once
(cd "$base" && rrdtool update --daemon "unix:$CSOCK" "v1/up.rrd" "$(($(date +%s) + 3600)):U:U:U:U:U:U:U:U")
sp_run "$FX_DIR/v1.yaml" "$FX_DIR/d4.log"
wait_until 10 journal_has "$store/up.journal" 'select(.type == "central_refused")' ||
    { fx__tail "$FX_DIR/d4.log"; false; }
sleep 3
t_eq "central ahead: one line, not one per round" \
    "$(jq -c 'select(.type == "central_refused")' "$store/up.journal" | wc -l)" 1
t_match "central ahead: says why" \
    "$(jq -r 'select(.type == "central_refused") | .detail' "$store/up.journal")" \
    "after this vantage's last row"
t_eq "the other target is not concerned" \
    "$(jq -c 'select(.type == "central_refused")' "$store/down.journal" | wc -l)" 0
sp_stop "daemon beside a central ahead exits 0"
"$SLAPROBE" journal verify -c "$FX_DIR/v1.yaml" >"$FX_DIR/verify.out" 2>&1 && rc=0 || rc=$?
t_eq "journal verify accepts journals with central_refused lines" "$rc" 0

# --- a central file older than the one-step archive reaches ------------------
# (an outage longer than the full-resolution retention, 1 day here): the
# steps in between cannot be sent, said once; the rows after go on, and the
# first of them keeps its value (an unknown row before it bounds the gap)
now=$(date +%s)
ds=""
for d in up:0:1 degraded:0:1 total_ms:0:U dns_ms:0:U connect_ms:0:U tls_ms:0:U ttfb_ms:0:U cert_days:U:U; do
    ds+=" DS:${d%%:*}:GAUGE:2:${d#*:}"
done
# shellcheck disable=SC2086 # the definitions are words
mkdir -p "$base/v5" # on disk: rrdcached has never seen it
(cd "$base" && rrdtool create v5/up.rrd -s 1 -b $((now - 2 * 86400)) $ds \
    RRA:AVERAGE:0.5:1:86400 RRA:AVERAGE:0.5:300:576 RRA:MAX:0.5:300:576 \
    RRA:AVERAGE:0.5:3600:72 RRA:MAX:0.5:3600:72)
vant=v5
store=$FX_DIR/store5/v5
# and over the unix socket this time (uv_pipe)
write_cfg "$FX_DIR/v5.yaml" "$FX_DIR/store5" v5 "unix:$CSOCK"
sp_run "$FX_DIR/v5.yaml" "$FX_DIR/d5.log"
wait_until 10 journal_has "$store/up.journal" 'select(.type == "central_refused")' ||
    { fx__tail "$FX_DIR/d5.log"; false; }
sleep 4
gap=$(jq -c 'select(.type == "central_refused")' "$store/up.journal")
t_eq "beyond reach: one line" "$(grep -c . <<<"$gap")" 1
t_match "beyond reach: says why" "$(jq -r .detail <<<"$gap")" "older than this vantage's one-step archive reaches"
t_eq "beyond reach: from the central's last update" "$(jq -r .from <<<"$gap")" $((now - 2 * 86400 + 1))
upto=$(local_last "$store/up.journal")
wait_until 5 caught_up up "$upto"
same up "$upto" "after a gap"
sp_stop "daemon after a gap exits 0"
t_done
