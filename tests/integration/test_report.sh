#!/usr/bin/env bash
# Monthly SLA reports end to end: a CSV month with known outages, a hole and
# a maintenance window is imported into a fresh store, and `slaprobe report`
# must account for every second of it (figures worked out by hand below);
# the same through a real rrdcached; HTML is one well-formed file with
# its graphs inline; the Japanese text has the Japanese labels; import refuses
# history older than the RRD's and bad rows; what the journal says about
# storage (ranges not stored, clock jumps, a stop mid-step, imported
# reasons) is counted and listed; and a real daemon outage comes out of
# the report with its reason from the journal.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init

# October 2026 in Asia/Tokyo: 2026-10-01T00:00+09:00 = 1790780400, 31 days.
M0=1790780400
M1=$((M0 + 31 * 86400)) # 1793458800 = 2026-11-01T00:00+09:00

# erp (24x7, pattern 1 = 99.5 %, one row a minute):
#   2026-09-30 23:00-24:00 DOWN (before the month: must not count)
#   10-05 10:00-10:45 DOWN        45 rows up=0         -> 2700 s downtime
#   10-10 00:00-02:00 no rows                          -> 7200 s unknown
#   10-20 03:00-03:30 DOWN, maintenance 03:00-03:20    -> 600 s downtime
#   11-01 00:00-01:00 DOWN (after the month: must not count)
# crm (Mon-Fri 09:00-18:00, pattern 3 = 95 %):
#   10-03 (Sat) 10:00-12:00 DOWN                       -> outside service hours
#   10-07 (Wed) 08:30-09:30 DOWN                       -> 1800 s counted
make_csv() { # ID FILE
    awk -v id="$1" -v m0=$M0 -v m1=$M1 'BEGIN {
        print "timestamp,up,total_ms"
        for (t = m0 - 3600; t < m1 + 3600; t += 60) {
            up = 1
            if (t < m0 || t >= m1) up = 0
            if (id == "erp") {
                if (t >= 1791162000 && t < 1791162000 + 2700) up = 0
                if (t >= 1791558000 && t < 1791558000 + 7200) continue
                if (t >= 1792432800 && t < 1792432800 + 1800) up = 0
            } else {
                if (t >= 1790989200 && t < 1790989200 + 7200) up = 0
                if (t >= 1791329400 && t < 1791329400 + 3600) up = 0
            }
            printf "%d,%d,%s\n", t, up, up ? (t % 120 == 0 ? "100" : "300") : ""
        }
    }' >"$2"
}
make_csv erp "$FX_DIR/erp.csv"
make_csv crm "$FX_DIR/crm.csv"

# hourly_days: import refuses rows older than the longest archive reaches
# back from now, and October 2026 must stay importable for years.
write_cfg() { # FILE STORE [STORAGE_EXTRA]
    cat >"$1" <<YAML
timezone: Asia/Tokyo
storage:
  dir: $2
  retention: {full_days: 70, five_min_days: 2, hourly_days: 1830}
$3
defaults: {interval: 60s, timeout: 5s}
targets:
  - id: erp
    name: "ERP <production> & co"
    url: http://127.0.0.1:9/
    pattern: 1
    credits:
      - {below: 99.9, credit: 10}
      - {below: 99.5, credit: 25}
    maintenance:
      - {start: "2026-10-20T03:00:00+09:00", end: "2026-10-20T03:20:00+09:00", reason: "planned upgrade"}
  - id: crm
    url: http://127.0.0.1:9/
    pattern: 3
    service_hours: "Mon-Fri 09:00-18:00"
YAML
}

# --- import --------------------------------------------------------------
store=$FX_DIR/store
write_cfg "$FX_DIR/a.yaml" "$store" ""
out=$("$SLAPROBE" import -c "$FX_DIR/a.yaml" --target erp --csv "$FX_DIR/erp.csv") && rc=0 || rc=$?
t_eq "import erp: exit code" "$rc" 0
# 31 x 1440 + 120 = 44,760 minutes from 09-30 23:00 to 11-01 01:00, less
# the 120 of the hole
t_match "import erp: rows and steps" "$out" "imported 44640 rows .* 44760 steps of 60 s .* 120 of them unknown"
"$SLAPROBE" import -c "$FX_DIR/a.yaml" --target crm --csv "$FX_DIR/crm.csv" >/dev/null
t_eq "journal records the import" "$(jq -r 'select(.type == "import") | .rows' "$store/erp.journal")" 44640

sum_before=$(md5sum <"$store/erp.rrd")
err=$("$SLAPROBE" import -c "$FX_DIR/a.yaml" --target erp --csv "$FX_DIR/erp.csv" 2>&1) && rc=0 || rc=$?
t_eq "import again: refused, exit 2" "$rc" 2
t_match "import again: says why" "$err" "erp.csv:2: rows from .* are not newer than what .*erp.rrd already holds .*nothing imported"
t_eq "import again: RRD untouched" "$(md5sum <"$store/erp.rrd")" "$sum_before"
printf 'timestamp,up\n1793470000,1\n1793470060,maybe\n' >"$FX_DIR/bad.csv"
err=$("$SLAPROBE" import -c "$FX_DIR/a.yaml" --target erp --csv "$FX_DIR/bad.csv" 2>&1) && rc=0 || rc=$?
t_eq "bad CSV: exit 2" "$rc" 2
t_match "bad CSV: names file and line" "$err" "bad.csv:3: up 'maybe' is not 0..1"
t_eq "bad CSV: RRD untouched" "$(md5sum <"$store/erp.rrd")" "$sum_before"

# --- report, JSON ----------------------------------------------------------
check_json() { # NAME FILE
    local n=$1 f=$2
    local e='.targets[] | select(.id == "erp")'
    t_eq "$n: month" "$(jq -r .month "$f")" 2026-10
    t_eq "$n: start" "$(jq -r .start "$f")" "2026-09-30T15:00:00.000Z"
    t_eq "$n: erp resolution" "$(jq -r "$e.resolution_s" "$f")" 60
    t_eq "$n: erp period" "$(jq -r "$e.period_s" "$f")" 2678400
    # eligible = 2678400 - 1200 (maintenance) = 2677200
    t_eq "$n: erp eligible_s" "$(jq -r "$e.eligible_s" "$f")" 2677200
    t_eq "$n: erp maintenance_s" "$(jq -r "$e.maintenance_s" "$f")" 1200
    t_eq "$n: erp unknown_s" "$(jq -r "$e.unknown_s" "$f")" 7200
    # 2700 + (1800 - 1200 inside maintenance)
    t_eq "$n: erp downtime_s" "$(jq -r "$e.downtime_s" "$f")" 3300
    # (2677200 - 7200 - 3300) / (2677200 - 7200) = 2666700 / 2670000
    t_eq "$n: erp availability" "$(jq -r "$e.availability_pct * 1e6 | round" "$f")" \
        "$(awk 'BEGIN { printf "%d", 2666700 / 2670000 * 100 * 1e6 + 0.5 }')"
    t_eq "$n: erp strict" "$(jq -r "$e.strict_availability_pct * 1e6 | round" "$f")" \
        "$(awk 'BEGIN { printf "%d", 2666700 / 2677200 * 100 * 1e6 + 0.5 }')"
    t_eq "$n: erp coverage" "$(jq -r "$e.coverage_pct * 1e6 | round" "$f")" \
        "$(awk 'BEGIN { printf "%d", 2670000 / 2677200 * 100 * 1e6 + 0.5 }')"
    # budget = 2677200 * 0.005 = 13386, left 10086
    t_eq "$n: erp budget_s" "$(jq -r "$e.budget_s | round" "$f")" 13386
    t_eq "$n: erp budget_left_s" "$(jq -r "$e.budget_left_s | round" "$f")" 10086
    t_eq "$n: erp met" "$(jq -r "$e.met" "$f")" true
    t_eq "$n: erp incidents" "$(jq -r "[$e.incidents[] | \"\(.start_unix)+\(.duration_s)/\(.counted_s)\"] | join(\" \")" "$f")" \
        "1791162000+2700/2700 1792432800+1800/600"
    t_eq "$n: erp mttr_s" "$(jq -r "$e.mttr_s" "$f")" 2250
    t_eq "$n: erp mtbf_s" "$(jq -r "$e.mtbf_s" "$f")" 1333350
    t_eq "$n: erp credit tier" "$(jq -r "$e.credit.credit_pct" "$f")" 10
    # rows alternate 100 and 300 ms: mean 200, p95 300
    t_eq "$n: erp response avg" "$(jq -r "$e.response_ms.avg | round" "$f")" 200
    t_eq "$n: erp response p95" "$(jq -r "$e.response_ms.p95" "$f")" 300
    t_eq "$n: erp evidence" "$(jq -c "$e.evidence | [.journal_intact, .imports]" "$f")" "[true,1]"
    local c='.targets[] | select(.id == "crm")'
    # 22 weekdays x 9 h
    t_eq "$n: crm eligible_s" "$(jq -r "$c.eligible_s" "$f")" 712800
    t_eq "$n: crm downtime_s (08:30-09:30 counts from 09:00)" "$(jq -r "$c.downtime_s" "$f")" 1800
    t_eq "$n: crm unknown_s" "$(jq -r "$c.unknown_s" "$f")" 0
    t_eq "$n: crm incidents (Saturday listed, not counted)" \
        "$(jq -r "[$c.incidents[] | \"\(.duration_s)/\(.counted_s)\"] | join(\" \")" "$f")" \
        "7200/0 3600/1800"
    t_eq "$n: crm met" "$(jq -r "$c.met" "$f")" true
    t_eq "$n: all met" "$(jq -r .all_met "$f")" true
}
"$SLAPROBE" report -c "$FX_DIR/a.yaml" --month 2026-10 --format json >"$FX_DIR/r.json" && rc=0 || rc=$?
t_eq "report json: exit code (all met)" "$rc" 0
check_json direct "$FX_DIR/r.json"

# --- a month with no data ----------------------------------------------------
"$SLAPROBE" report -c "$FX_DIR/a.yaml" --month 2026-08 --target erp --format json >"$FX_DIR/nd.json" && rc=0 || rc=$?
t_eq "no data: exit 1" "$rc" 1
t_eq "no data: flagged, no percentage" "$(jq -c '.targets[0] | [.no_data, .availability_pct, .met]' "$FX_DIR/nd.json")" "[true,null,false]"
t_eq "no data: only erp" "$(jq -r '.targets | length' "$FX_DIR/nd.json")" 1
txt=$("$SLAPROBE" report -c "$FX_DIR/a.yaml" --month 2026-08 --target erp) || true
t_match "no data: text says so" "$txt" "No measurement in this period"

# --- text, CSV, Japanese -------------------------------------------------------
txt=$("$SLAPROBE" report -c "$FX_DIR/a.yaml" --month 2026-10)
t_match "text: summary row" "$txt" "erp +99.5 % +99.876 % +99.608 % +99.731 % .* MET"
t_match "text: incident in local time" "$txt" "2026-10-05 10:00:00 .. 2026-10-05 10:45:00"
t_match "text: resolution stated" "$txt" "Resolution: 60 s"
ja=$("$SLAPROBE" report -c "$FX_DIR/a.yaml" --month 2026-10 --lang ja)
for w in 月次 稼働率 停止時間 計測不能時間 計画停止 達成 障害 証跡; do
    t_match "text ja: $w" "$ja" "$w"
done
csv=$("$SLAPROBE" report -c "$FX_DIR/a.yaml" --month 2026-10 --format csv)
t_eq "csv: header + 2 rows" "$(wc -l <<<"$csv")" 3
t_match "csv: erp row" "$(grep '^2026-10,erp,' <<<"$csv")" '^2026-10,erp,ERP <production> & co,99.5,60,false,99.876404,.*,2677200,3300,7200,1200,'

# --- HTML -------------------------------------------------------------------
asan_graphs on # librrd's graph leaks: see assert.sh
"$SLAPROBE" report -c "$FX_DIR/a.yaml" --month 2026-10 --format html -o "$FX_DIR/html" && rc=0 || rc=$?
t_eq "html: exit code" "$rc" 0
t_eq "html: well-formed (xmllint)" "$(xmllint --noout "$FX_DIR/html/index.html" 2>&1 && echo ok)" ok
t_match "html: name escaped" "$(cat "$FX_DIR/html/index.html")" "ERP &lt;production&gt; &amp; co"
# one self-contained file: the graphs inline as SVG, two per target,
# nothing beside it, nothing it would load, no id twice (each graph's
# glyphs and clip paths are its own)
html=$(cat "$FX_DIR/html/index.html")
t_eq "html: only index.html in the directory" "$(ls "$FX_DIR/html")" index.html
t_eq "html: inline graphs" "$(grep -o '<svg class="graph"' <<<"$html" | wc -l)" 4
t_eq "html: no XML prolog inside" "$(grep -c '<?xml' <<<"$html" || true)" 0
t_eq "html: nothing loaded (img, src, link, script)" "$(grep -Ec '<img|src=|<link|<script' <<<"$html" || true)" 0
t_eq "html: every id once" "$(grep -o ' id="[^"]*"' <<<"$html" | sort | uniq -d | head -3)" ""
t_match "html: graphs reference their own glyphs" "$html" 'xlink:href="#g1-glyph'
"$SLAPROBE" report -c "$FX_DIR/a.yaml" --month 2026-10 --format html -o "$FX_DIR/one.html" && rc=0 || rc=$?
t_eq "html -o FILE.html: exit code" "$rc" 0
t_eq "html -o FILE.html: that one file, no directory" \
    "$([ -f "$FX_DIR/one.html" ] && xmllint --noout "$FX_DIR/one.html" 2>&1 && echo ok)" ok
"$SLAPROBE" report -c "$FX_DIR/a.yaml" --month 2026-10 --format html --lang ja -o "$FX_DIR/html-ja" >/dev/null
t_match "html ja: lang and labels" "$(cat "$FX_DIR/html-ja/index.html")" 'lang="ja".*稼働率'

asan_graphs off

# --- usage errors -------------------------------------------------------------
for args in "--month 2026-13" "--month 2026-10 --format pdf" "--month 2026-10 --lang fr" \
    "--month 2026-10 --target nope" "--month 2026-10 --format html"; do
    # shellcheck disable=SC2086
    "$SLAPROBE" report -c "$FX_DIR/a.yaml" $args >/dev/null 2>"$FX_DIR/err" && rc=0 || rc=$?
    t_eq "report $args: exit 2" "$rc" 2
    t_eq "report $args: one line" "$(wc -l <"$FX_DIR/err")" 1
done

# --- the same through rrdcached ---------------------------------------------
# rrdcached keeps everything in memory unless asked to flush (-w 3600), so
# the report only sees the rows if it flushes first.
fx_start_rrdcached
sock=$FX_RRDCACHED_SOCK
store2=$FX_DIR/store2
write_cfg "$FX_DIR/b.yaml" "$store2" "  rrdcached: unix:$sock"
"$SLAPROBE" import -c "$FX_DIR/b.yaml" --target erp --csv "$FX_DIR/erp.csv" >/dev/null
"$SLAPROBE" import -c "$FX_DIR/b.yaml" --target crm --csv "$FX_DIR/crm.csv" >/dev/null
rrdc_stat() { # NAME: a counter of rrdcached's STATS
    perl -MIO::Socket::UNIX -e '$s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "$!\n";
        print $s "STATS\n"; while (<$s>) { print "$1\n" if /^$ARGV[1]: (\d+)/; last if /^TreeNodesNumber/ }' \
        "$sock" "$1"
}
# import builds a copy of the file with librrd and renames it into place:
# nothing goes through rrdcached, which is only flushed and told to forget
t_eq "rrdcached: import wrote around it" "$(rrdc_stat DataSetsWritten)" 0
"$SLAPROBE" report -c "$FX_DIR/b.yaml" --month 2026-10 --format json >"$FX_DIR/r2.json"
check_json rrdcached "$FX_DIR/r2.json"
# Rows rrdcached holds and has not written (-w 3600) count only if the
# report flushes first: one more hour DOWN after the imported one
# (2026-11-01 00:00-01:00 JST, 3600 s), given to rrdcached alone.
upd=()
for ((t = M1 + 3600 + 60; t <= M1 + 7200; t += 60)); do upd+=("$t:0:0:U:U:U:U:U:U"); done
rrdtool update --daemon "unix:$sock" "$store2/erp.rrd" "${upd[@]}"
"$SLAPROBE" report -c "$FX_DIR/b.yaml" --month 2026-11 --target erp --format json >"$FX_DIR/r3.json" || true
t_eq "rrdcached: report flushes first (2 h down in November)" \
    "$(jq -r '.targets[0].downtime_s' "$FX_DIR/r3.json")" 7200

# --- what the journal says about storage (SPEC section 9) ----------------------
# A store built by import, then given the journal lines the daemon and
# import write (hash chain kept, tests/fixtures/journal_append.py): the
# report must count what was not stored as unknown, list it with its
# cause, list the clock jumps, cut the row of a stop at settled_ms, and
# give imported incidents their reasons. Target web, 5 s steps, one hour
# from B = 2026-10-06 10:00 JST:
#   B+600..B+900    DOWN, imported incident tcp_refused           300 s
#   B+1200..B+1400  DOWN, imported dns_timeout then tcp_timeout    200 s
#                   (one outage: it keeps the reason it began with)
#   B+1800..B+2100  no rows: store_error ENOSPC                   300 s unknown
#   B+2400..B+2460  rows up=0, but store_error clock_back (after a
#                   backward jump of 60 s): unknown, not downtime   60 s unknown
#   B+3000          clock_jump +1 h
#   B+3302          first failure (row B+3300 up 0.4: 3 s of 5 down),
#                   state DOWN http_status; rows up=0 to the stop at
#                   B+3333.4 (settled_ms), whose row B+3330 is up=0
#                   for [B+3330, B+3333) only: downtime 3333 - 3302 = 31 s,
#                   where the whole step would give 33 s
#   B+3335..B+3400  no rows (the daemon stopped), up again from B+3400
#   and a store_error (locked) from 60 s before the month to 60 s into it;
#   lines with impossible times are ignored, never a crash.
# Known 3600 - 300 - 60 - 67 = 3173 s, of which 531 s down.
B=1791248400
awk -v b=$B 'BEGIN {
    print "timestamp,up,total_ms"
    for (t = b; t < b + 3600; t += 5) {
        d = t - b; up = 1
        if ((d >= 1800 && d < 2100) || (d >= 3335 && d < 3400)) continue
        if ((d >= 600 && d < 900) || (d >= 1200 && d < 1400) || (d >= 2400 && d < 2460)) up = 0
        if (d == 3300) up = 0.4
        if (d > 3300 && d < 3335) up = 0
        printf "%d,%s,%s\n", t, up, (up > 0 ? "100" : "")
    }
}' >"$FX_DIR/web.csv"
store3=$FX_DIR/store3
cat >"$FX_DIR/c.yaml" <<YAML
timezone: Asia/Tokyo
storage:
  dir: $store3
  retention: {full_days: 1, five_min_days: 2, hourly_days: 1830}
defaults: {interval: 5s, timeout: 2s}
targets:
  - id: web
    url: http://127.0.0.1:9/
    sla_target: 80
YAML
"$SLAPROBE" import -c "$FX_DIR/c.yaml" --target web --csv "$FX_DIR/web.csv" >/dev/null
# The import's line as the import branch writes it, with its incidents
# (today's import writes none): the journal is rebuilt around it.
jq -c --argjson b $B 'del(.seq, .prev) | .incidents = [
    {from: ($b + 600), to: ($b + 900), reason: "tcp_refused"},
    {from: ($b + 1200), to: ($b + 1300), reason: "dns_timeout"},
    {from: ($b + 1300), to: ($b + 1400), reason: "tcp_timeout"}]' "$store3/web.journal" \
    >"$FX_DIR/import-line.json"
rm "$store3/web.journal"
jappend() { python3 "$SP_SRC/tests/fixtures/journal_append.py" "$store3/web.journal"; }
jappend <"$FX_DIR/import-line.json"
ms() { echo $(((B + $1) * 1000)); }
jappend <<JOURNAL
{"type":"store_error","t_ms":$(((M0 + 65) * 1000)),"from_ms":$(((M0 - 60) * 1000)),"to_ms":$(((M0 + 60) * 1000)),"step_s":5,"rows":24,"cause":"locked","detail":"RRD file locked by another process"}
{"type":"store_error","t_ms":$(ms 2101),"from_ms":$(ms 1800),"to_ms":$(ms 2100),"step_s":5,"rows":60,"cause":"ENOSPC","detail":"No space left on device: $store3/web.rrd <&>"}
{"type":"clock_jump","t_ms":$(ms 2400),"jump_ms":-60000,"before_ms":$(ms 2460),"after_ms":$(ms 2400)}
{"type":"store_error","t_ms":$(ms 2461),"from_ms":$(ms 2400),"to_ms":$(ms 2460),"step_s":5,"rows":12,"cause":"clock_back","detail":"the wall clock went back 60 s: these steps are already stored"}
{"type":"clock_jump","t_ms":$(ms 3000),"jump_ms":3600000,"before_ms":$(($(ms 3000) - 3600000)),"after_ms":$(ms 3000)}
{"type":"state","t_ms":$(ms 3312),"from":"UP","to":"DOWN","since_ms":$(ms 3302),"reason":"http_status","detail":"HTTP 503"}
{"type":"stop","t_ms":$(($(ms 3333) + 500)),"settled_ms":$(($(ms 3333) + 400))}
{"type":"state","t_ms":$(ms 3400),"from":"UNKNOWN","to":"UP","since_ms":$(ms 3400),"reason":"ok"}
{"type":"store_error","t_ms":$(ms 3500),"from_ms":9223372036854774807,"to_ms":9223372036854775807,"cause":"other"}
{"type":"store_error","t_ms":$(ms 3500),"from_ms":$(ms 3500),"to_ms":"soon","cause":"other"}
{"type":"clock_jump","t_ms":$(ms 3500),"jump_ms":-9223372036854775808,"after_ms":$(ms 3500)}
{"type":"stop","t_ms":$(ms 3500),"settled_ms":-5}
JOURNAL
"$SLAPROBE" report -c "$FX_DIR/c.yaml" --month 2026-10 --format json >"$FX_DIR/s.json" && rc=0 || rc=$?
t_eq "storage: a range not stored does not fail the report by itself" "$rc" 0
w='.targets[0]'
t_eq "storage: journal still intact" "$(jq -r "$w.evidence.journal_intact" "$FX_DIR/s.json")" true
t_eq "storage: downtime_s (300 + 200 + stop - first failure 31)" \
    "$(jq -r "$w.downtime_s" "$FX_DIR/s.json")" 531
t_eq "storage: uptime_s" "$(jq -r "$w.uptime_s" "$FX_DIR/s.json")" $((3173 - 531))
t_eq "storage: unknown_s (everything not known)" "$(jq -r "$w.unknown_s" "$FX_DIR/s.json")" \
    $((31 * 86400 - 3173))
t_eq "storage: incidents with their reasons, the stop's to the second" \
    "$(jq -r --argjson b $B "[$w.incidents[] | \"\(.start_unix - \$b)+\(.duration_s) \(.reason)\"] | join(\", \")" "$FX_DIR/s.json")" \
    "600+300 tcp_refused, 1200+200 dns_timeout, 3302+31 http_status"
t_eq "storage: ranges not stored, clipped to the month" \
    "$(jq -r "[$w.evidence.not_stored[] | \"\(.start_unix)+\(.seconds) \(.cause)\"] | join(\", \")" "$FX_DIR/s.json")" \
    "$M0+60 locked, $((B + 1800))+300 ENOSPC, $((B + 2400))+60 clock_back"
t_eq "storage: not stored, start and end" \
    "$(jq -r "$w.evidence.not_stored[1] | \"\(.start) \(.end)\"" "$FX_DIR/s.json")" \
    "2026-10-06T01:30:00.000Z 2026-10-06T01:35:00.000Z"
t_eq "storage: detail kept" "$(jq -r "$w.evidence.not_stored[1].detail" "$FX_DIR/s.json")" \
    "No space left on device: $store3/web.rrd <&>"
t_eq "storage: not_stored_s" "$(jq -r "$w.evidence.not_stored_s" "$FX_DIR/s.json")" 420
t_eq "storage: clock jumps" \
    "$(jq -c "[$w.evidence.clock_jumps[] | [.time, .jump_s]]" "$FX_DIR/s.json")" \
    '[["2026-10-06T01:40:00.000Z",-60],["2026-10-06T01:50:00.000Z",3600]]'
txt=$("$SLAPROBE" report -c "$FX_DIR/c.yaml" --month 2026-10)
t_eq "storage text: the evidence lines" \
    "$(grep -A7 '^Evidence:' <<<"$txt" | tail -n +2 | sed "s|$store3|STORE|")" \
    "  Storage: 3 ranges not stored (7m 00s)
    Not stored: 2026-10-01 00:00:00 .. 2026-10-01 00:01:00  1m 00s  locked (RRD file locked by another process)
    Not stored: 2026-10-06 10:30:00 .. 2026-10-06 10:35:00  5m 00s  ENOSPC (No space left on device: STORE/web.rrd <&>)
    Not stored: 2026-10-06 10:40:00 .. 2026-10-06 10:41:00  1m 00s  clock_back (the wall clock went back 60 s: these steps are already stored)
  Clock jumps: 2
    2026-10-06 10:40:00  clock jumped -1m 00s
    2026-10-06 10:50:00  clock jumped +1h 00m 00s"
t_eq "storage text: a journal without store errors" \
    "$("$SLAPROBE" report -c "$FX_DIR/a.yaml" --month 2026-10 --target erp | grep -A2 '^Evidence:' | tail -n +2)" \
    "  Storage: every measured step stored
  Clock jumps: none"
ja=$("$SLAPROBE" report -c "$FX_DIR/c.yaml" --month 2026-10 --lang ja)
t_eq "storage text ja" "$(grep -a -A7 '^証跡:' <<<"$ja" | tail -n +2 | sed 's/ \.\. .*//')" \
    "  保存: 3 区間が未保存 (7分00秒)
    未保存: 2026-10-01 00:00:00
    未保存: 2026-10-06 10:30:00
    未保存: 2026-10-06 10:40:00
  時刻の跳躍: 2
    2026-10-06 10:40:00  時刻の跳躍 -1分00秒
    2026-10-06 10:50:00  時刻の跳躍 +1時間00分00秒"
t_match "storage csv: not_stored_s and clock_jumps columns" \
    "$("$SLAPROBE" report -c "$FX_DIR/c.yaml" --month 2026-10 --format csv)" \
    "not_stored_s,clock_jumps,rows_lines,rows_differ,rows_uncovered_steps,rows_contradicting_steps,rows_disagree"$'\n'"2026-10,web,.*,420,2,1,0,0,0,false$"
asan_graphs on
"$SLAPROBE" report -c "$FX_DIR/c.yaml" --month 2026-10 --format html -o "$FX_DIR/html-s" >/dev/null
asan_graphs off
t_eq "storage html: well-formed" "$(xmllint --noout "$FX_DIR/html-s/index.html" 2>&1 && echo ok)" ok
t_match "storage html: evidence rows" "$(cat "$FX_DIR/html-s/index.html")" \
    "Storage</th><td>3 ranges not stored \(7m 00s\)<br/>Not stored: 2026-10-01 00:00:00 .*<br/>Not stored: 2026-10-06 10:30:00 .*web\.rrd &lt;&amp;&gt;\).*Clock jumps</th><td>2<br/>"

# --- a real daemon's outage, with its reason from the journal -----------------
# A target on a port nobody listens on: DOWN (tcp_refused) from the first
# probe, confirmed by the second a second later, for the daemon's whole run.
cat >"$FX_DIR/d.yaml" <<YAML
storage:
  dir: $FX_DIR/dstore
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2}
targets:
  - id: gone
    url: http://127.0.0.1:$(fx_free_port)/
    pattern: 1
YAML
t0=$(date +%s)
timeout -s TERM 6 "$SLAPROBE" run -c "$FX_DIR/d.yaml" 2>"$FX_DIR/daemon.log" || true
t1=$(date +%s)
# the configuration's default timezone is Asia/Tokyo
month=$(TZ=Asia/Tokyo date -d "@$t0" +%Y-%m)
"$SLAPROBE" report -c "$FX_DIR/d.yaml" --month "$month" --format json >"$FX_DIR/d.json" && rc=0 || rc=$?
t_eq "daemon month: missed, exit 1" "$rc" 1
t_eq "daemon month: one incident, reason from the journal" \
    "$(jq -c '[.targets[0].incidents[] | [.reason, .reason_class, .open_end]]' "$FX_DIR/d.json")" \
    '[["tcp_refused","network",true]]'
down=$(jq -r '.targets[0].downtime_s' "$FX_DIR/d.json")
t_eq "daemon month: downtime within the run ($down s of $((t1 - t0)) s)" \
    "$([ "$down" -ge 2 ] && [ "$down" -le $((t1 - t0)) ] && echo yes)" yes
t_eq "daemon month: the rest of the month is unknown, not up" \
    "$(jq -r '.targets[0] | .eligible_s - .unknown_s - .downtime_s' "$FX_DIR/d.json")" 0
# full_days: 1 keeps one day at 1 s; the rest of the month comes from a
# coarser archive, and the report says which part is which
t_eq "daemon month: recent part at full resolution" \
    "$(jq -r '.targets[0].resolution_parts[-1].step_s' "$FX_DIR/d.json")" 1
t_eq "daemon month: journal evidence" \
    "$(jq -c '.targets[0].evidence | [.journal_intact, .clock_synchronised != null]' "$FX_DIR/d.json")" \
    '[true,true]'

t_done
