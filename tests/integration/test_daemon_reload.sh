#!/usr/bin/env bash
# SIGHUP with a file that holds no configuration (emptied, as an editor
# does before it writes; only comments; a null document; no targets; not
# text) is rejected with one log line naming the file, and the daemon goes
# on probing with the configuration it has; a valid file then reloads, and
# SIGTERM still ends it with exit 0, stop markers and an intact journal.
# An emptied file used to kill the daemon on SIGHUP (SIGSEGV, exit 139, no
# stop marker).
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_faultd # its HTTP port is the TCP listener the targets connect to

C=$FX_DIR/slaprobe.yaml
STORE=$FX_DIR/store
LOG=$FX_DIR/run.log

# write_good ID...: one tcp target per id, probed every second
write_good() {
    {
        echo "storage: {dir: $STORE, retention: {full_days: 1, five_min_days: 2, hourly_days: 3}}"
        echo "defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s}"
        echo "targets:"
        for id in "$@"; do
            echo "  - {id: $id, url: \"tcp://127.0.0.1:$FX_FAULT_PORT\", pattern: 2}"
        done
    } >"$C"
}

# wait_log N REGEX: until N lines of the daemon's log match, 10 s at most,
# or the daemon is gone
wait_log() {
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -cE "$2" "$LOG" || true)" -ge "$1" ] && return 0
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
    done
    echo "  (fewer than $1 log lines match /$2/)"
}

# wait_journal ID FILTER: until a line of ID's journal matches, 10 s at most
wait_journal() { wait_until 10 journal_has "$STORE/$1.journal" "$2"; }

# new_rows ID: seconds by which ID's RRD moves on within 5 s (0: no probe
# was written in that time)
# (a new target's RRD is created by the daemon's writer, off its loop: it
# may not exist yet, which reads as 0)
last_update() {
    local v
    if v=$(rrdtool last "$STORE/$1.rrd" 2>/dev/null); then echo "$v"; else echo 0; fi
}
new_rows() {
    local before after i
    before=$(last_update "$1")
    after=$before
    for ((i = 0; i < 50 && after == before; i++)); do
        sleep 0.1
        after=$(last_update "$1")
    done
    echo $((after - before))
}

alive() { kill -0 "$1" 2>/dev/null && echo yes || echo no; }

write_good web
"$SLAPROBE" run -c "$C" 2>"$LOG" &
pid=$!
fx_track_pid $pid
# The first state line means the loop runs, and with it the SIGHUP handler:
# before that a SIGHUP would end the process by default.
wait_journal web 'select(.type == "state" and .to == "UP")'

n=0
# reject NAME REGEX: $C holds a bad file; SIGHUP; the daemon refuses it
# with REGEX after the file's name, lives, and keeps probing
reject() {
    n=$((n + 1))
    kill -HUP $pid 2>/dev/null || { t_bad "$1: the daemon was gone before the SIGHUP"; return 0; }
    wait_log $n "reload rejected"
    t_match "$1: rejected, the file named" "$(grep 'reload rejected' "$LOG" | sed -n "${n}p")" \
        "^slaprobe: reload rejected, the running configuration stays: $C$2"
    t_eq "$1: the daemon is alive" "$(alive $pid)" yes
    t_match "$1: the old configuration still probes" "$(new_rows web)" '^[1-9]'
}

: >"$C"
reject "emptied file" ': the file is empty '
printf '# being rewritten\n\n' >"$C"
reject "comments only" ': the file is empty '
echo '~' >"$C"
reject "null document" ':1: the file must be a mapping of keys'
echo "storage: {dir: $STORE}" >"$C"
reject "no targets" ': targets: at least one target is required$'
printf 'storage: {dir: %s}\ntargets: []\n' "$STORE" >"$C"
reject "targets: []" ':2: targets: at least one target is required$'
head -c 4096 "$SLAPROBE" >"$C"
reject "a binary" ':1: not a text file: '

t_eq "no reload journaled for a rejected file" \
    "$(jq -r 'select(.type == "reload") | .type' "$STORE/web.journal" | wc -l)" 0
# (status-live.json is the daemon's, for the status page, not a target's)
t_eq "nothing but the first target's files written" "$(ls "$STORE" | sort | tr '\n' ' ')" \
    "status-live.json web.hist.rrd web.journal web.rrd "

echo "# a valid file afterwards reloads"
write_good web web2
kill -HUP $pid 2>/dev/null || true
wait_log 1 "reloaded "
t_match "valid file: reloaded" "$(cat "$LOG")" "slaprobe: reloaded $C: 2 targets"
wait_journal web2 'select(.type == "state" and .to == "UP")'
t_match "valid file: the new target probes" "$(new_rows web2)" '^[1-9]'
t_match "valid file: the old target probes on" "$(new_rows web)" '^[1-9]'

kill -TERM $pid 2>/dev/null || true
rc=0
wait $pid || rc=$?
t_eq "SIGTERM: exit 0" "$rc" 0
t_eq "SIGTERM: web's journal ends with stop" "$(jq -r 'select(.type != "rows") | .type' "$STORE/web.journal" | tail -1)" stop
t_eq "SIGTERM: web2's journal ends with stop" "$(jq -r 'select(.type != "rows") | .type' "$STORE/web2.journal" | tail -1)" stop
"$SLAPROBE" journal verify -c "$C" >"$FX_DIR/verify" 2>&1 && rc=0 || rc=$?
t_eq "journal verify: exit 0" "$rc" 0
t_eq "journal verify: both intact" "$(grep -c ': intact, ' "$FX_DIR/verify")" 2
t_eq "log: no line but start, rejections, reload, stop" \
    "$(grep -vE 'running 1 targets|reload rejected|reloaded|SIGTERM|stopped:|system clock|-> UP since|: created .*\.rrd$|store: [0-9]+ rows written, 0 not stored' "$LOG" || true)" ""

t_done
