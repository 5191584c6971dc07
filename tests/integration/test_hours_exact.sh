#!/usr/bin/env bash
# A month read from the hours file equals, to the second, the same month
# read from the steps (docs/STORAGE.md). August 2026 (Asia/Tokyo) is
# imported with outages (some ending inside a step), unknown gaps,
# degraded stretches, a maintenance window and service hours, and reported
# while the rows file still holds it; then forty more days are imported,
# which pushes August out of the rows file's reach (full_days 35), and the
# month is reported again, now from the hours. Every figure in seconds and
# every percentage must be the same; the resolution must say where each
# report came from. Local files only.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init

M0=$(TZ=Asia/Tokyo date -d "2026-08-01 00:00" +%s)
M1=$(TZ=Asia/Tokyo date -d "2026-09-01 00:00" +%s)
END=$((M1 + 40 * 86400))
[ "$END" -lt "$(date +%s)" ] || { echo "test_hours_exact: the clock is before 2026-10-11" >&2; exit 1; }

# One row a minute at a 120 s step: a step holds two rows, so an outage
# starting or ending on an odd minute makes a step half DOWN.
#   erp: 08-03 10:01-10:46 DOWN; 08-09 00:00-02:03 no rows (unknown, odd
#        end); 08-12 all day every fourth minute slow (degraded);
#        08-20 03:00-04:00 maintenance with 03:10-03:47 DOWN inside and
#        03:47-05:13 DOWN after it; 08-27 23:59-08-28 00:31 DOWN
#        across midnight; 08-30 12:00-12:01 a lone failed row.
#   crm (Mon-Fri 09:00-18:00): 08-01 (Sat) 10:00-12:00 DOWN (outside),
#        08-05 (Wed) 08:31-09:29 DOWN, 08-06 17:00-19:00 no rows,
#        08-07 slow 11:00-15:00.
make_csv() { # ID FROM TO FILE
    awk -v id="$1" -v a="$2" -v b="$3" -v m0="$M0" 'BEGIN {
        print "timestamp,up,total_ms"
        for (t = a; t < b; t += 60) {
            d = int((t - m0) / 86400) + 1; s = (t - m0) % 86400; up = 1; ms = 100
            if (t < m0) { d = 0; s = -1 }
            if (id == "erp") {
                if (d == 3 && s >= 36060 && s < 38760) up = 0
                if (d == 9 && s < 7380) continue
                if (d == 12 && (s / 60) % 4 == 0) ms = 900
                if (d == 20 && s >= 11400 && s < 18780) up = 0
                if ((d == 27 && s >= 86340) || (d == 28 && s < 1860)) up = 0
                if (d == 30 && s == 43200) up = 0
            } else {
                if (d == 1 && s >= 36000 && s < 43200) up = 0
                if (d == 5 && s >= 30660 && s < 34140) up = 0
                if (d == 6 && s >= 61200 && s < 68400) continue
                if (d == 7 && s >= 39600 && s < 54000) ms = 800
            }
            printf "%d,%d,%s\n", t, up, up ? ms : ""
        }
    }' >"$4"
}

cat >"$FX_DIR/c.yaml" <<YAML
timezone: Asia/Tokyo
storage:
  dir: $FX_DIR/store
  retention: {full_days: 35, hourly_days: 1830}
defaults: {interval: 120s, timeout: 5s, slow_ms: 500}
targets:
  - id: erp
    url: http://127.0.0.1:9/
    pattern: 1
    maintenance:
      - {start: "2026-08-20T03:00:00+09:00", end: "2026-08-20T04:00:00+09:00", reason: "upgrade"}
  - id: crm
    url: http://127.0.0.1:9/
    pattern: 3
    service_hours: "Mon-Fri 09:00-18:00"
YAML

for id in erp crm; do
    make_csv $id $((M0 - 3600)) $((M1 + 3600)) "$FX_DIR/$id-1.csv"
    make_csv $id $((M1 + 3600)) $END "$FX_DIR/$id-2.csv"
done

report() { # OUT
    "$SLAPROBE" report -c "$FX_DIR/c.yaml" --month 2026-08 --format json >"$1"
}
figures() { # JSON ID: the month's figures, one per line
    jq -r --arg id "$2" '.targets[] | select(.id == $id) |
        [.eligible_s, .downtime_s, .unknown_s, .maintenance_s, .uptime_s, .degraded_s,
         .budget_left_s, .availability_pct, .strict_availability_pct, .coverage_pct,
         .met, .response_ms.avg] | map(tostring) | join(" ")' "$1"
}

for id in erp crm; do
    "$SLAPROBE" import -c "$FX_DIR/c.yaml" --target $id --csv "$FX_DIR/$id-1.csv" >/dev/null
done
t_eq "hours files made beside the rows files" "$([ -f "$FX_DIR/store/erp.hist.rrd" ] && [ -f "$FX_DIR/store/crm.hist.rrd" ] && echo yes)" yes
report "$FX_DIR/fine.json"
for id in erp crm; do
    "$SLAPROBE" import -c "$FX_DIR/c.yaml" --target $id --csv "$FX_DIR/$id-2.csv" >/dev/null
done
report "$FX_DIR/coarse.json"

res() { jq -r --arg id "$2" '.targets[] | select(.id == $id) | .resolution_s' "$1"; }
for id in erp crm; do
    t_eq "$id: first report from the steps" "$(res "$FX_DIR/fine.json" $id)" 120
    t_eq "$id: second report from the hours" "$(res "$FX_DIR/coarse.json" $id)" 3600
    fine=$(figures "$FX_DIR/fine.json" $id)
    echo "$id from steps: $fine"
    t_match "$id: the month has downtime, unknown, maintenance and degraded time" "$fine" \
        '^[0-9]+ [1-9][0-9]* [1-9][0-9]* [0-9]+ [0-9]+ [1-9]'
    t_eq "$id: the same figures from the hours" "$(figures "$FX_DIR/coarse.json" $id)" "$fine"
done
# the arithmetic by hand for erp, so that both could not be wrong alike:
# downtime 45 min + (03:10-03:47 is in maintenance) 04:00-05:13 73 min +
# 32 min + 1 min; unknown 2 h 3 min (+1 min: the step 02:02-02:04 is half
# known, and a half-known step counts whole, as the rows file says)
t_eq "erp: downtime by hand" "$(jq '.targets[] | select(.id == "erp") | .downtime_s' "$FX_DIR/coarse.json")" \
    $(((45 + 73 + 32 + 1) * 60))
t_eq "erp: maintenance by hand" "$(jq '.targets[] | select(.id == "erp") | .maintenance_s' "$FX_DIR/coarse.json")" 3600

# --- the daemon rolls up what it finds, gaps included ---------------------
# History up to 20 minutes into the hour two hours ago, then the daemon:
# its first write completes the hours after the history, which it rolls up
# as they are (the imported part, the rest of that hour and the next one
# unknown), without a hole the next row could be stretched over.
Hc=$(($(date +%s) / 3600 * 3600))
cat >"$FX_DIR/live.yaml" <<YAML
storage: {dir: $FX_DIR/live, retention: {full_days: 1, hourly_days: 30}}
defaults: {interval: 1s, timeout: 800ms}
targets:
  - {id: live, url: "tcp://127.0.0.1:$(fx_free_port)", pattern: 1}
YAML
awk -v a=$((Hc - 3 * 3600 + 600)) -v b=$((Hc - 2 * 3600 + 1200)) \
    'BEGIN { print "timestamp,up"; for (t = a; t < b; t++) print t ",1" }' >"$FX_DIR/live.csv"
"$SLAPROBE" import -c "$FX_DIR/live.yaml" --target live --csv "$FX_DIR/live.csv" >/dev/null
hours_at() { # END: "up_s down_s" of the hour ending at END
    rrdtool fetch "$FX_DIR/live/live.hist.rrd" AVERAGE -r 3600 -s $(($1 - 3600)) -e "$1" |
        awk -v e="$1" '$1 == e ":" { print $2 + 0, $3 + 0 }'
}
t_eq "import: the hours it completed" "$(rrdtool last "$FX_DIR/live/live.hist.rrd")" $((Hc - 2 * 3600))
t_eq "import: the first hour's imported seconds" "$(hours_at $((Hc - 2 * 3600)))" "3000 0"
sp_run "$FX_DIR/live.yaml" "$FX_DIR/live.log"
rolled() { [ "$(rrdtool last "$FX_DIR/live/live.hist.rrd")" -ge "$Hc" ]; }
wait_until 15 rolled || { fx__tail "$FX_DIR/live.log"; false; }
sp_stop "daemon exits 0"
t_eq "daemon: the hour the history ends in" "$(hours_at $((Hc - 3600)))" "1200 0"
t_eq "daemon: the hour with nothing, unknown" "$(hours_at "$Hc")" "0 0"
t_done
