#!/usr/bin/env bash
# `slaprobe import` never loses, poisons or partly writes data (SPEC section
# 9). A day of history with a reason column is imported and its incidents
# are in the journal line; then every refusal (a row in the future, a
# millisecond timestamp, a 1916-2023 span, a row out of order, a bad last
# line after 525,600 good ones) exits 2 naming the line, leaves the RRD and
# the journal byte for byte as they were and no temporary file, within the
# memory bound of storage/import.h. An import killed with SIGKILL halfway
# leaves the RRD whole (its copy is removed by the next import, which then
# succeeds); SIGTERM removes the copy itself; an RRD written to while an
# import runs is not replaced. With rrdcached, the rows it holds are kept,
# and an rrdcached that does not answer stops the import. Local files and
# a local rrdcached only.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init

if [ ! -x /usr/bin/time ]; then
    echo "test_import: /usr/bin/time is missing (scripts/setup.sh --test installs it)" >&2
    exit 1
fi

D=$FX_DIR
store=$D/store
rrd=$store/erp.rrd
jnl=$store/erp.journal
# hourly_days 400: the longest archive, so import takes a year and a bit
cat >"$D/c.yaml" <<YAML
storage:
  dir: $store
  retention: {full_days: 70, five_min_days: 2, hourly_days: 400}
defaults: {interval: 60s, timeout: 5s}
targets:
  - id: erp
    url: http://127.0.0.1:9/
    pattern: 1
YAML

# imp CSV: import, leaving RC, OUT, ERR, SECS and RSS (peak, KB)
imp() {
    /usr/bin/time -o "$D/time" -f '%e %M' "$SLAPROBE" import -c "$D/c.yaml" --target erp \
        --csv "$1" >"$D/out" 2>"$D/err" && RC=0 || RC=$?
    OUT=$(<"$D/out")
    ERR=$(<"$D/err")
    read -r SECS RSS < <(tail -n 1 "$D/time")
}
leftovers() { find "$store" -name '.sp-import.*' | wc -l; }

# The memory bound (storage/import.h): the program before it reads
# anything, plus the pages of the RRD librrd maps (at most its size), plus
# buffers under 1 MB; 8 MB of slack for libc and librrd. The sanitizers'
# shadow memory and quarantine make RSS meaningless: not checked there.
imp /dev/null
BASE=$RSS
ASAN=no
ldd "$SLAPROBE" | grep -q libasan && ASAN=yes
check_rss() { # NAME
    local bound=$((BASE + $(stat -c %s "$rrd") / 1024 + 8192))
    if [ $ASAN = yes ]; then
        echo "skip $1: peak RSS $RSS KB (not checked under ASan)"
    else
        t_eq "$1: peak RSS $RSS KB <= $bound KB" "$([ "$RSS" -le "$bound" ] && echo yes)" yes
    fi
}

NOW=$(date +%s)
T0=$((NOW - NOW % 86400 - 380 * 86400)) # a day 380 days ago, 00:00 UTC

# --- a valid import with the reason column ----------------------------------
# 10:00-10:30 tcp_refused, 10:30-10:40 dns_timeout (total_ms empty or not),
# 15:00-15:05 down without a reason (not an incident), 20:00-20:10
# http_status with a reasonless row inside (ends the run: two incidents).
awk -v t0=$T0 'BEGIN {
    print "timestamp,up,total_ms,reason"
    for (t = t0; t < t0 + 86400; t += 60) {
        s = t - t0
        if (s >= 36000 && s < 37800) print t ",0,,tcp_refused"
        else if (s >= 37800 && s < 38400) print t ",0," (s % 120 ? "" : "900") ",dns_timeout"
        else if (s >= 54000 && s < 54300) print t ",0"
        else if (s >= 72000 && s < 72600) print t "," (s == 72300 ? "0," : "0,,http_status")
        else print t ",1,120"
    }
}' >"$D/day.csv"
imp "$D/day.csv"
t_eq "valid import: exit 0" "$RC" 0
t_match "valid import: rows and steps" "$OUT" "imported 1440 rows .* 1440 steps of 60 s"
t_eq "valid import: one journal line" "$(jq -s 'map(select(.type == "import")) | length' "$jnl")" 1
t_eq "valid import: incidents in the journal" \
    "$(jq -c 'select(.type == "import") | [.incidents[] | [.from - '$T0', .to - '$T0', .reason]]' "$jnl")" \
    '[[36000,37800,"tcp_refused"],[37800,38400,"dns_timeout"],[72000,72300,"http_status"],[72360,72600,"http_status"]]'
t_eq "valid import: RRD's last update is the end of the last step" "$(rrdtool last "$rrd")" \
    $((T0 + 86400))
t_eq "valid import: no temporary file left" "$(leftovers)" 0

# --- refusals: exit 2, the line named, nothing written ------------------------
cp "$rrd" "$D/rrd.before"
cp "$jnl" "$D/journal.before"
refused() { # NAME CSV MESSAGE_REGEX
    imp "$2"
    t_eq "$1: exit 2" "$RC" 2
    t_match "$1: names file and line" "$ERR" "$3"
    t_eq "$1: RRD byte-identical" "$(cmp "$D/rrd.before" "$rrd" && echo same)" same
    t_eq "$1: journal byte-identical" "$(cmp "$D/journal.before" "$jnl" && echo same)" same
    t_eq "$1: no temporary file left" "$(leftovers)" 0
    check_rss "$1"
}
printf 'timestamp,up\n%d,1\n%d,1\n' $((NOW - 600)) $((NOW + 8 * 3600)) >"$D/future.csv"
refused "future row" "$D/future.csv" "future.csv:3: .* is in the future \(now is "
printf '%d,1\n%d000,1\n' $((NOW - 600)) $((NOW - 540)) >"$D/ms.csv"
refused "millisecond row" "$D/ms.csv" "ms.csv:2: '[0-9]{13}' looks like milliseconds"
printf 'timestamp,up\n1916-01-01T00:00:00Z,1\n1672531200,0\n' >"$D/span.csv"
refused "1916-2023 span" "$D/span.csv" \
    "span.csv:2: 1916-01-01T00:00:00Z is older than .*erp.rrd can hold: its longest archive reaches back 400 days"
printf '%d,1\n%d,1\n' $((NOW - 600)) $((NOW - 6000)) >"$D/order.csv"
refused "row out of order" "$D/order.csv" "order.csv:2: .* is earlier than line 1 .* ascending time order"
printf '%d,0,,tcp_refused\n%d,0,,tcp_refusal\n' $((NOW - 600)) $((NOW - 540)) >"$D/reason.csv"
refused "unknown reason" "$D/reason.csv" "reason.csv:2: reason 'tcp_refusal' is not a reason code"
refused "not newer than the RRD" "$D/day.csv" "day.csv:2: rows from .* are not newer than what"

# A year of minutes (525,600 rows) after that day, then a bad line: all of
# it is read and written into the copy before the bad line is seen.
B0=$((T0 + 2 * 86400))
awk -v b0=$B0 'BEGIN {
    print "timestamp,up,total_ms"
    for (i = 0; i < 525600; i++) printf "%d,%d,%d\n", b0 + i * 60, (i % 1440 < 5) ? 0 : 1, 80 + i % 40
}' >"$D/year.csv"
{ cat "$D/year.csv"; echo "$((B0 + 525600 * 60)),1,fast"; } >"$D/yearbad.csv"
refused "bad last line of 525,601 rows" "$D/yearbad.csv" "yearbad.csv:525602: total_ms 'fast'"

# --- killed halfway -----------------------------------------------------------
# The CSV comes through a FIFO that stops after 300,000 rows, so the import
# is surely in the middle of writing its copy when it is killed.
mkfifo "$D/fifo"
start_fed_import() { # CSV LINES: an import given the first LINES lines of CSV, then waiting
    "$SLAPROBE" import -c "$D/c.yaml" --target erp --csv "$D/fifo" >"$D/bg.out" 2>&1 &
    PID=$!
    fx_track_pid $PID
    exec 3>"$D/fifo"
    head -n "$2" "$1" >&3
    TMP=$store/.sp-import.erp.rrd.$PID
    wait_until 10 test -e "$TMP"
    sleep 1 # the rows in the FIFO written into the copy
}
start_fed_import "$D/year.csv" 300001
t_eq "SIGKILL: the copy was being written" "$([ -s "$TMP" ] && echo yes)" yes
kill -KILL $PID
wait $PID && rc=0 || rc=$?
exec 3>&-
t_eq "SIGKILL: killed" "$rc" 137
t_eq "SIGKILL: RRD byte-identical" "$(cmp "$D/rrd.before" "$rrd" && echo same)" same
t_eq "SIGKILL: journal byte-identical" "$(cmp "$D/journal.before" "$jnl" && echo same)" same
t_eq "SIGKILL: rrdtool reads the RRD" "$(rrdtool info "$rrd" >/dev/null && rrdtool last "$rrd")" \
    $((T0 + 86400))
# (two copies: the rows file's and its hours file's, docs/STORAGE.md)
t_eq "SIGKILL: the dead import's copies are left" "$(leftovers)" 2

# the same file again: the stale copy is removed, and the year is imported
imp "$D/year.csv"
t_eq "after SIGKILL: import succeeds" "$RC" 0
t_match "after SIGKILL: all rows" "$OUT" "imported 525600 rows .* 525600 steps of 60 s"
t_eq "after SIGKILL: stale copy removed" "$(leftovers)" 0
t_eq "after SIGKILL: RRD holds the year" "$(rrdtool last "$rrd")" $((B0 + 525600 * 60))
t_eq "after SIGKILL: two import lines" "$(jq -s 'map(select(.type == "import")) | length' "$jnl")" 2
t_eq "after SIGKILL: journal chain intact" \
    "$(jq -s '[.[] | .seq] == [range(1; length + 1)]' "$jnl")" true
check_rss "525,600 rows"
echo "measured: 525,600 one-minute rows imported in $SECS s, peak RSS $RSS KB (RRD $(($(stat -c %s "$rrd") / 1024)) KB)"

# --- SIGTERM halfway: the copy is removed by the import itself -----------------
cp "$rrd" "$D/rrd.before"
cp "$jnl" "$D/journal.before"
# rows after the year: year.csv shifted by 525,600 minutes
awk -F, -v d=$((525600 * 60)) 'NR == 1 { print; next } NR > 5001 { exit } { print $1 + d "," $2 "," $3 }' \
    "$D/year.csv" >"$D/later.csv"
start_fed_import "$D/later.csv" 2001
kill -TERM $PID
wait $PID && rc=0 || rc=$?
exec 3>&-
t_eq "SIGTERM: died of it" "$rc" 143
t_eq "SIGTERM: no temporary file left" "$(leftovers)" 0
t_eq "SIGTERM: RRD byte-identical" "$(cmp "$D/rrd.before" "$rrd" && echo same)" same
t_eq "SIGTERM: journal byte-identical" "$(cmp "$D/journal.before" "$jnl" && echo same)" same

# --- the RRD written to meanwhile (a daemon left running): not replaced ----------
start_fed_import "$D/later.csv" 2001
T=$((B0 + 525600 * 60 + 30))
rrdtool update "$rrd" "$T:1:0:U:U:U:U:U:U"
cp "$rrd" "$D/rrd.written"
tail -n +2002 "$D/later.csv" >&3
exec 3>&-
wait $PID && rc=0 || rc=$?
t_eq "RRD changed meanwhile: exit 1" "$rc" 1
t_match "RRD changed meanwhile: says so" "$(<"$D/bg.out")" "erp.rrd was changed during the import \(is the daemon running"
t_eq "RRD changed meanwhile: the other write is kept" \
    "$(cmp "$D/rrd.written" "$rrd" && echo same)" same
t_eq "RRD changed meanwhile: journal byte-identical" \
    "$(cmp "$D/journal.before" "$jnl" && echo same)" same
t_eq "RRD changed meanwhile: no temporary file left" "$(leftovers)" 0

# --- rrdcached -------------------------------------------------------------------
# Rows rrdcached holds (-w 3600: it writes nothing unless asked) must be in
# the copy: import flushes the file first, and makes rrdcached forget it
# after the rename, so rows given to rrdcached later go into the new file.
# An rrdcached that does not answer may hold such rows: refused, exit 1.
fx_start_rrdcached "$D"
sock=$FX_RRDCACHED_SOCK
rcfg() { # FILE ADDRESS
    sed "s#^  dir: .*#  dir: $D/rstore\n  rrdcached: $2#" "$D/c.yaml" >"$1"
}
rcfg "$D/r.yaml" "unix:$sock"
rrrd=$D/rstore/erp.rrd
"$SLAPROBE" import -c "$D/r.yaml" --target erp --csv "$D/day.csv" >/dev/null && rc=0 || rc=$?
t_eq "rrdcached: import into a new file" "$rc" 0
E=$((T0 + 86400))
rrdtool update --daemon "unix:$sock" "$rrrd" "$((E + 60)):0:0:U:U:U:U:U:U" "$((E + 120)):0:0:U:U:U:U:U:U"
t_eq "rrdcached: holds two rows the file lacks" "$(rrdtool last "$rrrd")" "$E"
printf '%d,1,100\n%d,1,100\n' $((E + 3600)) $((E + 3660)) >"$D/after.csv"
"$SLAPROBE" import -c "$D/r.yaml" --target erp --csv "$D/after.csv" >/dev/null && rc=0 || rc=$?
t_eq "rrdcached: import over a file it holds rows for" "$rc" 0
t_eq "rrdcached: its rows were flushed into the copy" \
    "$(rrdtool fetch "$rrrd" AVERAGE -r 60 -s "$E" -e $((E + 180)) | awk -v t=$((E + 120)): '$1 == t { print $2 }')" \
    0.0000000000e+00
t_eq "rrdcached: and the imported rows follow" "$(rrdtool last "$rrrd")" $((E + 3720))
rrdtool update --daemon "unix:$sock" "$rrrd" "$((E + 3780)):1:0:U:U:U:U:U:U"
rrdtool flushcached --daemon "unix:$sock" "$rrrd"
t_eq "rrdcached: takes rows for the new file" "$(rrdtool last "$rrrd")" $((E + 3780))
cp "$rrrd" "$D/rrrd.before"
cp "$D/rstore/erp.journal" "$D/rjournal.before"
rcfg "$D/gone.yaml" "unix:$D/nobody.sock"
printf '%d,1\n' $((E + 7200)) >"$D/after2.csv"
err=$("$SLAPROBE" import -c "$D/gone.yaml" --target erp --csv "$D/after2.csv" 2>&1) && rc=0 || rc=$?
t_eq "rrdcached away: exit 1" "$rc" 1
t_match "rrdcached away: says why" "$err" "rrdcached flush of .*erp.rrd: .*cannot know what rrdcached holds"
t_eq "rrdcached away: RRD byte-identical" "$(cmp "$D/rrrd.before" "$rrrd" && echo same)" same
t_eq "rrdcached away: journal byte-identical" \
    "$(cmp "$D/rjournal.before" "$D/rstore/erp.journal" && echo same)" same
t_eq "rrdcached away: no temporary file left" "$(find "$D/rstore" -name '.sp-import.*' | wc -l)" 0

t_done
