#!/usr/bin/env bash
# Several vantage points over real links (SPEC section 10, issue 14): a hub
# network namespace holds the vendor (nginx on 10.200.0.1), a control
# target (nginx on 10.200.0.2) and the central rrdcached (TCP on
# 10.200.0.1:42217, narrowed with -P as docs/VANTAGES.md deploys it; a unix
# socket for the report); three vantage namespaces, each joined to the hub
# by its own veth pair, each run `slaprobe run --vantage vN` with a store
# of its own and replicate to the centre. Journals reach the centre with
# contrib/vantages/slaprobe-journal-sync. The central report (quorum 2 of
# 3) is taken before and after each scenario, and the scenario judged by
# what changed between the two:
#   B  v1's link cut (its control fails too): v1 UNKNOWN, the quorum UP;
#   C  the vendor down: DOWN, an incident with reasons from all three;
#   D  v1 and v2 cut: UNKNOWN (one vantage is not a quorum), never UP;
#   E  the vendor down while v1 is cut: DOWN (two of three), v1 not in it;
#   F  the central rrdcached killed (-9) and restarted, and v3 cut from the
#      hub for a while: once healed, the central files hold exactly the
#      local rows (`rrdtool fetch` of both, compared).
# Every namespace and process goes at the end, also on failure.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
source "$SP_SRC/tests/lib/netns.sh"
fx_init
ns_init
P=${SP_PHASE_S:-15} # seconds per scenario
ns_hub 10.200.0.1 10.200.0.2
for n in 1 2 3; do ns_vantage $n; done
sync=$SP_SRC/contrib/vantages/slaprobe-journal-sync
centre=$FX_DIR/centre
mkdir -p "$centre" "$FX_DIR/cj"

# --- the hub: vendor and control (nginx), the central rrdcached ----------------
hub_nginx() { # NAME ADDRESS
    local d=$FX_DIR/$1
    mkdir -p "$d"
    {
        fx_nginx_conf "$d" 64
        echo "    server { listen $2:80; location / { default_type text/plain; return 200 \"$1\\n\"; } }"
        echo "}"
    } >"$d/nginx.conf"
    fx__spawn "$d/stderr.log" ip netns exec "$NS_HUB" "$(fx__bin nginx)" -e "$d/error.log" -p "$d/" \
        -c "$d/nginx.conf" -g 'daemon off;'
    eval "PID_$1=\$FX__PID"
    wait_until 5 ip netns exec "$NS_HUB" bash -c "</dev/tcp/$2/80" 2>/dev/null ||
        { fx__tail "$d/error.log"; return 1; }
}
hub_nginx vendor 10.200.0.1
hub_nginx control 10.200.0.2
sock=$FX_DIR/central.sock
central_start() {
    fx__spawn "$FX_DIR/rrdcached.log" ip netns exec "$NS_HUB" "$(fx__bin rrdcached)" -g -B -R -O \
        -b "$centre" -j "$FX_DIR/cj" -p "$FX_DIR/rrdcached.pid" \
        -P CREATE,LAST,BATCH,UPDATE -l 10.200.0.1:42217 \
        -P FLUSH,FETCH,LAST,FIRST,INFO -l "unix:$sock"
    PID_central=$FX__PID
    wait_until 5 test -S "$sock" || { fx__tail "$FX_DIR/rrdcached.log"; return 1; }
}
central_start

# --- three vantages ----------------------------------------------------------------
for n in 1 2 3; do
    cat >"$FX_DIR/v$n.yaml" <<YAML
timezone: UTC
storage:
  dir: $FX_DIR/host$n
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
  central: {rrdcached: "10.200.0.1:42217", every: 1s, timeout: 1s}
vantages: [v1, v2, v3]
control_targets: [ctl]
defaults: {interval: 2s, timeout: 1s, retry_interval: 1s, confirm: 2}
targets:
  - {id: vendor, url: "http://10.200.0.1/", pattern: 1}
  - {id: ctl, url: "http://10.200.0.2/", pattern: 1}
YAML
    fx__spawn "$FX_DIR/v$n.log" ip netns exec "$(ns_name $n)" "$SLAPROBE" run -c "$FX_DIR/v$n.yaml" \
        --vantage "v$n"
    eval "PID_v$n=\$FX__PID"
done
up='select(.type == "state" and .to == "UP")'
for n in 1 2 3; do
    wait_until 15 journal_has "$FX_DIR/host$n/v$n/vendor.journal" "$up" ||
        { fx__tail "$FX_DIR/v$n.log"; false; }
    wait_until 15 test -f "$centre/v$n/vendor.rrd" || { fx__tail "$FX_DIR/v$n.log"; false; }
done
t_eq "the vantages' rows reach the centre" "$(ls "$centre"/v*/vendor.rrd | wc -l)" 3

cat >"$FX_DIR/centre.yaml" <<YAML
timezone: UTC
storage: {dir: $centre, rrdcached: "unix:$sock"}
vantages: [v1, v2, v3]
quorum: 2
control_targets: [ctl]
defaults: {interval: 2s, timeout: 1s, retry_interval: 1s, confirm: 2}
targets:
  - {id: vendor, url: "http://10.200.0.1/", pattern: 1}
  - {id: ctl, url: "http://10.200.0.2/", pattern: 1}
YAML
month=$(date -u +%Y-%m)
# snapshot NAME: the journals pulled to the centre, the central report
snapshot() {
    local n
    for n in 1 2 3; do "$sync" "$FX_DIR/host$n/v$n/" "$centre/v$n/"; done
    "$SLAPROBE" report -c "$FX_DIR/centre.yaml" --month "$month" --format json >"$FX_DIR/$1.json" || true
}
fig() { jq -r --arg f "$2" '.targets[] | select(.id == "vendor") | .[$f]' "$FX_DIR/$1.json"; }
# near WANT GOT TOLERANCE: "ok" when |GOT - WANT| <= TOLERANCE
near() { awk -v w="$1" -v g="$2" -v t="$3" 'BEGIN { d = g - w; print (d <= t && d >= -t) ? "ok" : "off by " d }'; }
# changed A B FIELD: the vendor's FIELD in snapshot B minus in A
changed() { echo $(($(fig "$2" "$3") - $(fig "$1" "$3"))); }
# settle: after a scenario, until every vantage sees the vendor UP again
settle() {
    sleep 4
    local n
    for n in 1 2 3; do
        wait_until 15 bash -c "jq -r 'select(.type == \"state\") | .to' '$FX_DIR/host$n/v$n/vendor.journal' | tail -1 | grep -qx UP"
    done
    sleep 2
}
T=4 # seconds of edge: the interval, the confirmation, a replication round

sleep 4
snapshot a0
# --- B: v1 cut; its control fails with it: v1 UNKNOWN, two vantages UP ---------------
ns_cut 1
sleep "$P"
snapshot b1
ns_join 1
t_match "B (v1 cut): the time counts as UP" "$(near "$P" "$(changed a0 b1 uptime_s)" $T)" '^ok$'
t_eq "B (v1 cut): no downtime" "$(changed a0 b1 downtime_s)" 0
t_eq "B (v1 cut): no incident" "$(fig b1 incidents | jq length)" 0
settle

# --- C: the vendor down from everywhere ------------------------------------------------
snapshot c0
tC=$(date +%s)
fx__stop "g:$PID_vendor"
sleep "$P"
snapshot c1
hub_nginx vendor 10.200.0.1
t_match "C (vendor down): DOWN for the scenario's time" "$(near "$P" "$(changed c0 c1 downtime_s)" $T)" '^ok$'
t_eq "C (vendor down): one incident" "$(fig c1 incidents | jq length)" 1
inc='.targets[] | select(.id == "vendor") | .incidents'
t_eq "C: every vantage DOWN in it" "$(jq -r "$inc[0].vantages_down | map(.vantage) | sort | join(\",\")" "$FX_DIR/c1.json")" v1,v2,v3
t_eq "C: each with its reason" "$(jq -r "$inc[0].vantages_down | map(.reason) | unique | join(\",\")" "$FX_DIR/c1.json")" tcp_refused
t_match "C: the incident starts at the failure" "$(near "$tC" "$(jq -r "$inc[0].start_unix" "$FX_DIR/c1.json")" 3)" '^ok$'
settle

# --- D: v1 and v2 cut: one vantage is no quorum: UNKNOWN, not UP -------------------------
snapshot d0
ns_cut 1
ns_cut 2
sleep "$P"
snapshot d1
ns_join 1
ns_join 2
t_match "D (two cut): the time is UNKNOWN" "$(near "$P" "$(changed d0 d1 unknown_s)" $T)" '^ok$'
t_match "D (two cut): never UP" "$(near 0 "$(changed d0 d1 uptime_s)" $T)" '^ok$'
t_eq "D (two cut): no downtime" "$(changed d0 d1 downtime_s)" 0
settle

# --- E: the vendor down while v1 is cut: two of three see it: DOWN -----------------------
snapshot e0
ns_cut 1
sleep 3
tE=$(date +%s)
fx__stop "g:$PID_vendor"
sleep "$P"
snapshot e1
hub_nginx vendor 10.200.0.1
ns_join 1
t_match "E (vendor down, v1 cut): DOWN" "$(near "$P" "$(changed e0 e1 downtime_s)" $T)" '^ok$'
t_eq "E: a second incident" "$(fig e1 incidents | jq length)" 2
t_eq "E: v2 and v3 in it, not v1" "$(jq -r "$inc[1].vantages_down | map(.vantage) | sort | join(\",\")" "$FX_DIR/e1.json")" v2,v3
t_match "E: it starts at the failure" "$(near "$tE" "$(jq -r "$inc[1].start_unix" "$FX_DIR/e1.json")" 3)" '^ok$'
t_eq "the replication lag of each vantage is in the report, within two rounds and a step" \
    "$(jq -r '.targets[] | select(.id == "vendor") | [.vantages[] | .lag_s <= 4] | map(tostring) | join(",")' "$FX_DIR/c0.json")" \
    true,true,true
settle

# --- F: the centre loses what it acknowledged, and v3 is away a while -----------------
kill -9 "$PID_central"
wait "$PID_central" 2>/dev/null || true
fx_untrack "g:$PID_central"
sleep 3
central_start
ns_cut 3
sleep 20
ns_join 3
sleep 6
for n in 1 2 3; do
    pid=$(eval echo "\$PID_v$n")
    kill -TERM "$pid" # one signal (fx__stop signals the group and the leader)
    rc=0
    wait "$pid" || rc=$?
    fx_untrack "g:$pid"
    t_eq "v$n: the daemon exits 0" "$rc" 0
done
# everything the daemons wrote, and everything the centre holds, on disk
rrdtool flushcached --daemon "unix:$sock" "$centre"/v*/*.rrd
for n in 1 2 3; do
    for id in vendor ctl; do
        loc=$FX_DIR/host$n/v$n/$id.rrd cen=$centre/v$n/$id.rrd
        last_l=$(rrdtool last "$loc") last_c=$(rrdtool last "$cen")
        # the rows a stop settles go at the next start: up to an interval
        # and a retry, and a round, behind
        t_match "F: v$n/$id: the centre within 6 s of the vantage after healing" \
            "$(near "$last_l" "$last_c" 6)" '^ok$'
        # fetch -e E gives the row after E too: E one step before the last both hold
        end=$(((last_l < last_c ? last_l : last_c) - 2))
        first=$(rrdtool first "$loc")
        rrdtool fetch "$loc" AVERAGE -r 2 -s "$first" -e "$end" >"$FX_DIR/l.txt"
        rrdtool fetch "$cen" AVERAGE -r 2 -s "$first" -e "$end" >"$FX_DIR/c.txt"
        t_match "F: v$n/$id: central rows equal local rows ($(wc -l <"$FX_DIR/l.txt") rows)" \
            "$(cmp -s "$FX_DIR/l.txt" "$FX_DIR/c.txt" && echo same || diff "$FX_DIR/l.txt" "$FX_DIR/c.txt" | head -3 | tr '\n' ' ')" '^same$'
    done
done
t_done
