#!/usr/bin/env bash
# The edges of an outage in whole seconds (reports/report.c): the row of
# the first failure is rounded to the nearest second, and so is a stop's
# settled_ms, each edge within half a second and the duration within one.
# Found by test_stop_settle failing now and then: an outage whose first
# failure sat 0.4 s before a step end (row up = 0.92, its 0.4 s down
# rounding to 0) and whose stop came 0.752 s into a second lost 1.15 s
# when the stop was rounded down.
set -euo pipefail
source "$SP_SRC/tests/lib/assert.sh"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
B=1791248400 # 2026-10-06T01:00:00Z, a multiple of the 5 s step
# (a CSV row is stamped with its step's start) UP to B+100; first failure at B+104.6 (row B+105: up 4.6/5 = 0.92);
# DOWN to the stop at B+111.752, whose row B+115 holds [B+110, B+111.752)
awk -v b=$B 'BEGIN {
    print "timestamp,up,total_ms"
    for (t = b; t < b + 100; t += 5) printf "%d,1,100\n", t
    printf "%d,0.92,100\n%d,0,\n%d,0,\n", b + 100, b + 105, b + 110
}' >"$D/web.csv"
cat >"$D/c.yaml" <<YAML
timezone: UTC
storage:
  dir: $D/store
  retention: {full_days: 1, five_min_days: 2, hourly_days: 1830}
defaults: {interval: 5s, timeout: 2s}
targets:
  - {id: web, url: "http://127.0.0.1:9/", pattern: 1}
YAML
"$SLAPROBE" import -c "$D/c.yaml" --target web --csv "$D/web.csv" >/dev/null
python3 "$SP_SRC/tests/fixtures/journal_append.py" "$D/store/web.journal" <<JOURNAL
{"type":"state","t_ms":$(((B + 107) * 1000)),"from":"UP","to":"DOWN","since_ms":$(((B + 104) * 1000 + 600)),"reason":"tcp_refused"}
{"type":"stop","t_ms":$(((B + 111) * 1000 + 760)),"settled_ms":$(((B + 111) * 1000 + 752))}
JOURNAL
"$SLAPROBE" report -c "$D/c.yaml" --month 2026-10 --format json >"$D/r.json" || true
t_eq "the incident: from the nearest second of the first failure to that of the stop" \
    "$(jq -r --argjson b $B '.targets[0].incidents[] | "\(.start_unix - $b)..\(.end_unix - $b)"' "$D/r.json")" \
    "105..112"
t_eq "downtime within a second of 111.752 - 104.6 = 7.152 s" "$(jq -r '.targets[0].downtime_s' "$D/r.json")" 7

# The file's own one-step reach decides what is read at full resolution,
# not the retention a configuration would give a new file: the same store
# reported with a configuration that says 70 days (the default; a central
# store's, or an older file's) came back from the hourly archive alone:
# no data, no incident.
sed '/retention:/d' "$D/c.yaml" >"$D/c70.yaml"
"$SLAPROBE" report -c "$D/c70.yaml" --month 2026-10 --format json >"$D/r70.json" || true
t_eq "another retention in the configuration: the file's full resolution read" \
    "$(jq -r '.targets[0] | "\(.downtime_s) \(.resolution_parts[-1].step_s)"' "$D/r70.json")" "7 5"

# Without --month: the last complete month in the configuration's timezone
# (libfaketime sets "now"); a month with no data still has strict
# availability and coverage, 0 % (shares of eligible time, SPEC section 4).
lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
[ -n "$lib" ] || { echo "libfaketime is not installed (scripts/setup.sh --test)"; exit 1; }
sed 's/^timezone: UTC/timezone: Pacific\/Kiritimati/' "$D/c.yaml" >"$D/kiri.yaml" # UTC+14
month_at() { # NOW CONFIG: the month the report without --month picks
    # (under ASan libfaketime comes before its runtime: allowed, as in test_clock_jump)
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        LD_PRELOAD=$lib FAKETIME="@$1" "$SLAPROBE" report -c "$2" --format json | jq -r .month
}
t_eq "no --month: the last complete month" "$(month_at '2026-12-31 12:00:00' "$D/c.yaml")" 2026-11
t_eq "no --month: in the configuration's timezone (already 2027-01-01 there)" \
    "$(month_at '2026-12-31 12:00:00' "$D/kiri.yaml")" 2026-12
t_eq "no --month: across the year" "$(month_at '2027-01-10 00:00:00' "$D/c.yaml")" 2026-12
"$SLAPROBE" report -c "$D/c.yaml" --month 2026-08 --format json >"$D/none.json" || true
t_eq "a month with no data: strict availability and coverage 0 %, availability none" \
    "$(jq -c '.targets[0] | [.no_data, .availability_pct, .strict_availability_pct, .coverage_pct]' "$D/none.json")" \
    '[true,null,0,0]'

# --excel: the same CSV behind a UTF-8 byte order mark, every line CRLF
"$SLAPROBE" report -c "$D/c.yaml" --month 2026-10 --format csv >"$D/plain.csv" || true
"$SLAPROBE" report -c "$D/c.yaml" --month 2026-10 --format csv --excel >"$D/excel.csv" || true
t_eq "--excel: starts with the UTF-8 BOM" "$(head -c 3 "$D/excel.csv" | od -An -tx1 | tr -d ' ')" efbbbf
t_eq "--excel: every line ends in CRLF" "$(grep -c $'\r$' "$D/excel.csv")" "$(wc -l <"$D/excel.csv")"
t_eq "--excel: otherwise the CSV" "$(tail -c +4 "$D/excel.csv" | tr -d '\r' | sha256sum)" "$(sha256sum <"$D/plain.csv")"
rc=0
"$SLAPROBE" report -c "$D/c.yaml" --month 2026-10 --excel >/dev/null 2>&1 || rc=$?
t_eq "--excel without csv: exit 2" "$rc" 2
t_done
