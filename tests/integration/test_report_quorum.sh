#!/usr/bin/env bash
# The report side of several vantages (SPEC section 10, docs/VANTAGES.md
# "Quorum"): three vantages' histories of one vendor target and one control
# target are imported with `import --vantage`, their journals given state,
# alert and clock lines with exact times, and `slaprobe report` must give
# the quorum figures worked out by hand below, to the second: each
# vantage's own control outage taken as unmeasured, the incident dated to
# the second vantage's first failed probe, undecided periods unknown, a
# DOWN minority listed as partial and never counted, each vantage's own
# availability, chain, clock and lag.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init

# October 2026 in UTC: 2026-10-01T00:00Z = 1790812800, 31 days.
M0=1790812800
M1=$((M0 + 31 * 86400)) # 1793491200
D=86400
# Scenarios (offsets from M0; "10:00" is 36000 s into the day):
#   S1 day 2 10:00-10:30  a: web and a's OWN control ctl DOWN (a cut off)
#   S2 day 5              web DOWN from all three:
#                           a rows 10:00-11:00, first failure 09:59:30 tcp_refused
#                           b rows 10:01-11:00, first failure 10:00:45 http_status
#                           c rows 10:02-10:50, first failure 10:01:50 tcp_timeout
#   S3 day 10 00:00-01:00 a, b: no rows at all (web, ctl); c: web DOWN
#   S4 day 15             a, b web DOWN 12:00-12:20 (first failures 11:59:40
#                         tcp_timeout, 11:59:50 tls_handshake); c cut off:
#                         web and ctl DOWN 12:00-12:30
#   S5 day 20 08:00-08:10 b alone: web DOWN (a DOWN minority)
#   c's files end an hour early: its last row is 23:59 - 1 h (lag 3600 s)
S1=$((2 * D + 36000))
S2=$((5 * D))
S3=$((10 * D))
S4=$((15 * D))
S5=$((20 * D + 28800))
make_csv() { # VANTAGE ID FILE
    awk -v v="$1" -v id="$2" -v m0=$M0 -v m1=$M1 -v s1=$S1 -v s2=$S2 -v s3=$S3 -v s4=$S4 \
        -v s5=$S5 'BEGIN {
        print "timestamp,up,total_ms"
        for (t = m0; t < m1; t += 60) {
            o = t - m0
            up = 1
            if (v == "c" && t >= m1 - 3600) continue
            if (v != "c" && o >= s3 && o < s3 + 3600) continue
            if (v == "a" && o >= s1 && o < s1 + 1800) up = 0
            if (id == "web") {
                if (v == "a" && o >= s2 + 36000 && o < s2 + 39600) up = 0
                if (v == "b" && o >= s2 + 36060 && o < s2 + 39600) up = 0
                if (v == "c" && o >= s2 + 36120 && o < s2 + 39000) up = 0
                if (v == "c" && o >= s3 && o < s3 + 3600) up = 0
                if (v != "c" && o >= s4 + 43200 && o < s4 + 44400) up = 0
                if (v == "b" && o >= s5 && o < s5 + 600) up = 0
            }
            if (v == "c" && o >= s4 + 43200 && o < s4 + 45000) up = 0
            printf "%d,%d,%s\n", t, up, up ? "100" : ""
        }
    }' >"$3"
}

store=$FX_DIR/central
cat >"$FX_DIR/q.yaml" <<YAML
timezone: UTC
storage:
  dir: $store
  retention: {full_days: 70, five_min_days: 2, hourly_days: 1830}
vantages: [a, b, c]
quorum: 2
control_targets: [ctl]
defaults: {interval: 60s, timeout: 5s}
targets:
  - id: web
    url: http://127.0.0.1:9/
    sla_target: 99.9
  - id: ctl
    url: http://127.0.0.1:9/
    sla_target: 99
YAML

# --- import --vantage ------------------------------------------------------
for v in a b c; do
    for id in web ctl; do
        make_csv $v $id "$FX_DIR/$v-$id.csv"
        out=$("$SLAPROBE" import -c "$FX_DIR/q.yaml" --vantage $v --target $id \
            --csv "$FX_DIR/$v-$id.csv") && rc=0 || rc=$?
        t_eq "import --vantage $v $id: exit 0" "$rc" 0
        t_match "import --vantage $v $id: into $v/" "$out" "into $store/$v/$id.rrd"
    done
done
t_eq "import --vantage: nothing in the root itself" "$(ls "$store")" "$(printf 'a\nb\nc')"
err=$("$SLAPROBE" import -c "$FX_DIR/q.yaml" --vantage z --target web \
    --csv "$FX_DIR/a-web.csv" 2>&1) && rc=0 || rc=$?
t_eq "import --vantage z (not listed): exit 2" "$rc" 2
t_match "import --vantage z: says why" "$err" "'z' is not one of .vantages."
t_match "import --help names --vantage" "$("$SLAPROBE" import --help)" "--vantage V"

# --- journals: state changes, alerts, clocks -------------------------------
ms() { echo $(((M0 + $1) * 1000)); }
jappend() { python3 "$SP_SRC/tests/fixtures/journal_append.py" "$store/$1/web.journal"; }
st() { # SINCE_OFFSET TO REASON
    echo "{\"type\":\"state\",\"t_ms\":$(ms $(($1 + 20))),\"from\":\"$([ "$2" = DOWN ] && echo UP || echo DOWN)\",\"to\":\"$2\",\"since_ms\":$(ms "$1"),\"reason\":\"$3\"}"
}
alert() { # SENT_OFFSET SINCE_OFFSET
    echo "{\"type\":\"alert\",\"t_ms\":$(ms "$1"),\"event\":\"down\",\"target\":\"web\",\"channel\":\"webhook\",\"name\":\"ops\",\"sent\":true,\"since_ms\":$(ms "$2")}"
}
clock() { echo "{\"type\":\"clock\",\"t_ms\":$(ms "$1"),\"synchronised\":$2,\"maxerror_us\":1000}"; }
{
    clock 60 true
    st $((S1)) DOWN tcp_timeout
    st $((S1 + 1800)) UP ok
    st $((S2 + 35970)) DOWN tcp_refused
    st $((S2 + 39600)) UP ok
    st $((S4 + 43180)) DOWN tcp_timeout
    st $((S4 + 44400)) UP ok
    alert $((S4 + 43300)) $((S4 + 43180))
} | jappend a
{
    clock 60 true
    st $((S2 + 36045)) DOWN http_status
    alert $((S2 + 36200)) $((S2 + 36045))
    st $((S2 + 39600)) UP ok
    st $((S4 + 43190)) DOWN tls_handshake
    st $((S4 + 44400)) UP ok
    st $((S5)) DOWN http_status
    st $((S5 + 600)) UP ok
    clock $((20 * D)) false
} | jappend b
{
    clock 60 true
    st $((S2 + 36110)) DOWN tcp_timeout
    alert $((S2 + 36150)) $((S2 + 36110))
    st $((S2 + 39000)) UP ok
    st $((S3)) DOWN dns_timeout
    st $((S3 + 3600)) UP ok
    st $((S4 + 43200)) DOWN tcp_refused
    st $((S4 + 45000)) UP ok
} | jappend c
# Break c's chain: one byte of its alert line changes, so the line after it
# no longer follows (its prev is the old line's hash).
bad=$(grep -n '"type":"alert"' "$store/c/web.journal" | cut -d: -f1)
sed -i "${bad}s/\"ops\"/\"opz\"/" "$store/c/web.journal"
vout=$(SLAPROBE_VANTAGE=c "$SLAPROBE" journal verify -c "$FX_DIR/q.yaml" --target web 2>&1) || true
t_match "journal verify: c broken at the line after the alert" "$vout" "line $((bad + 1))"

# --- report, JSON -------------------------------------------------------------
"$SLAPROBE" report -c "$FX_DIR/q.yaml" --month 2026-10 --format json >"$FX_DIR/r.json" && rc=0 || rc=$?
t_eq "report: exit 1 (web missed 99.9 %)" "$rc" 1
J=$FX_DIR/r.json
w='.targets[] | select(.id == "web")'
jq_() { jq -r "$1" "$J"; }
t_eq "quorum q" "$(jq_ "$w.quorum.q")" 2
t_eq "quorum vantages" "$(jq_ "$w.quorum.vantages | join(\",\")")" "a,b,c"
t_eq "eligible_s: 31 days" "$(jq_ "$w.eligible_s")" 2678400
# downtime: S2 combined DOWN 10:01-11:00 (a and b) = 3540, S4 12:00-12:20 (a
# and b; c masked by its own control) = 1200: 4740. S1 (a's control down:
# a unmeasured, b and c UP: 0 2 1 -> UP), S5 (b alone: 1 2 0 -> UP) none.
t_eq "downtime_s = 3540 + 1200" "$(jq_ "$w.downtime_s")" 4740
# unknown: S3 a, b unmeasured and c DOWN (1 0 2: u + d = 1 < 2) = 3600; the
# last hour (c unmeasured, a and b UP: 0 2 1 -> UP) none.
t_eq "unknown_s = S3's 3600" "$(jq_ "$w.unknown_s")" 3600
# (2678400 - 3600 - 4740) / (2678400 - 3600) = 2670060 / 2674800
t_eq "availability" "$(jq_ "$w.availability_pct * 1e6 | round")" \
    "$(awk 'BEGIN { printf "%d", 2670060 / 2674800 * 100 * 1e6 + 0.5 }')"
t_eq "two incidents" "$(jq_ "$w.incidents | length")" 2
I0="$w.incidents[0]"
I1="$w.incidents[1]"
# S2: ordered by first failure a 09:59:30, b 10:00:45, c 10:01:50: the
# second (q = 2) is b, so it starts at 10:00:45 = S2 + 36045; it ends when
# a and b recover at 11:00 (c was UP from 10:50: one left < 2).
t_eq "S2 start: b's first failure" "$(jq_ "$I0.start_unix")" $((M0 + S2 + 36045))
t_eq "S2 start, ISO" "$(jq_ "$I0.start")" "2026-10-06T10:00:45.000Z"
t_eq "S2 end" "$(jq_ "$I0.end_unix")" $((M0 + S2 + 39600))
t_eq "S2 duration 11:00 - 10:00:45" "$(jq_ "$I0.duration_s")" 3555
t_eq "S2 counted: combined 10:01-11:00" "$(jq_ "$I0.counted_s")" 3540
t_eq "S2 quorum vantage" "$(jq_ "$I0.quorum_vantage")" b
t_eq "S2 vantages DOWN with reasons" \
    "$(jq_ "[$I0.vantages_down[] | \"\(.vantage):\(.reason):\(.since_unix - $M0 - $S2):\(.down_s)\"] | join(\" \")")" \
    "a:tcp_refused:35970:3540 b:http_status:36045:3540 c:tcp_timeout:36110:2880"
# notification: the first DOWN alert of any vantage: c's at 10:02:30, 40 s
# after c's first failure (b's went out at 10:03:20)
t_eq "S2 notified by c's alert" "$(jq_ "$I0.notified")" "2026-10-06T10:02:30.000Z"
t_eq "S2 notification delay" "$(jq_ "$I0.notification_delay_s")" 40
# S4: a 11:59:40, b 11:59:50 -> b: S4 + 43190; c was cut (its control
# down): not among the DOWN vantages
t_eq "S4 start: b's first failure" "$(jq_ "$I1.start_unix")" $((M0 + S4 + 43190))
t_eq "S4 end 12:20" "$(jq_ "$I1.end_unix")" $((M0 + S4 + 44400))
t_eq "S4 counted" "$(jq_ "$I1.counted_s")" 1200
t_eq "S4 vantages DOWN: a and b only" \
    "$(jq_ "[$I1.vantages_down[] | \"\(.vantage):\(.reason):\(.down_s)\"] | join(\" \")")" \
    "a:tcp_timeout:1200 b:tls_handshake:1200"
t_eq "S4 notified by a's alert (120 s)" "$(jq_ "$I1.notification_delay_s")" 120
# MTTR = (3555 + 1210) / 2
t_eq "mttr_s" "$(jq_ "$w.mttr_s")" 2382.5
# partial: S2 10:00-10:01 (a alone), S3 00:00-01:00 (c alone), S5 08:00-08:10
# (b alone); S1 is no partial: a's DOWN there is its own control's outage
t_eq "partial periods" \
    "$(jq_ "[$w.partial[] | \"\(.start_unix - $M0):\(.duration_s):\(.max_down)\"] | join(\" \")")" \
    "$((S2 + 36000)):60:1 $S3:3600:1 $S5:600:1"
t_eq "partial_s = 60 + 3600 + 600" "$(jq_ "$w.partial_s")" 4260

# --- per vantage -----------------------------------------------------------------
V() { jq_ "$w.vantages[] | select(.vantage == \"$1\") | $2"; }
# a: DOWN S2 3600 + S4 1200 = 4800; unknown S1 1800 (own control) + S3 3600
# = 5400: (2678400 - 5400 - 4800) / (2678400 - 5400) = 2668200 / 2673000
t_eq "a downtime_s" "$(V a .downtime_s)" 4800
t_eq "a unknown_s" "$(V a .unknown_s)" 5400
t_eq "a availability" "$(V a '.availability_pct * 1e6 | round')" \
    "$(awk 'BEGIN { printf "%d", 2668200 / 2673000 * 100 * 1e6 + 0.5 }')"
# b: DOWN 3540 + 1200 + 600 = 5340; unknown S3 3600: 2669460 / 2674800
t_eq "b downtime_s" "$(V b .downtime_s)" 5340
t_eq "b unknown_s" "$(V b .unknown_s)" 3600
t_eq "b availability" "$(V b '.availability_pct * 1e6 | round')" \
    "$(awk 'BEGIN { printf "%d", 2669460 / 2674800 * 100 * 1e6 + 0.5 }')"
# c: DOWN S2 2880 + S3 3600 = 6480; unknown S4 1800 (own control) + the
# last hour 3600 = 5400: 2666520 / 2673000
t_eq "c downtime_s" "$(V c .downtime_s)" 6480
t_eq "c unknown_s" "$(V c .unknown_s)" 5400
t_eq "c availability" "$(V c '.availability_pct * 1e6 | round')" \
    "$(awk 'BEGIN { printf "%d", 2666520 / 2673000 * 100 * 1e6 + 0.5 }')"
t_eq "chain: a intact" "$(V a .journal_intact)" true
t_eq "chain: b intact" "$(V b .journal_intact)" true
t_eq "chain: c broken" "$(V c .journal_intact)" false
t_eq "chain: c's first bad line" "$(V c .journal_first_bad_line)" $((bad + 1))
t_eq "chain: only c named" "$(jq_ "[$w.vantages[] | select(.journal_first_bad_line != null) | .vantage] | join(\",\")")" c
t_eq "clock: a synchronised" "$(V a .clock_synchronised)" true
t_eq "clock: b not (from day 20)" "$(V b .clock_synchronised)" false
t_eq "clock: c synchronised" "$(V c .clock_synchronised)" true
t_eq "lag: a none" "$(V a .lag_s)" 0
t_eq "lag: c an hour" "$(V c .lag_s)" 3600
t_eq "rows check per vantage: a agrees" "$(V a .evidence.rows.agree)" true
t_eq "rows check per vantage: c agrees" "$(V c .evidence.rows.agree)" true
t_eq "rows checked against c's own file" "$(V c .evidence.rows.lines)" \
    "$(grep -c '"type":"rows"' "$store/c/web.journal")"

# S4 from the control's side: a and b saw ctl UP, c DOWN: ctl is UP (a
# minority), its 1800 s of c listed as partial; S1 likewise for a
c='.targets[] | select(.id == "ctl")'
t_eq "ctl downtime_s" "$(jq_ "$c.downtime_s")" 0
t_eq "ctl partial" "$(jq_ "[$c.partial[] | \"\(.start_unix - $M0):\(.duration_s)\"] | join(\" \")")" \
    "$S1:1800 $((S4 + 43200)):1800"

# A vantage without files: lag "no file" (null), its time unmeasured
sed 's/^vantages: \[a, b, c\]/vantages: [a, b, c, d]/; s/^quorum: 2/quorum: 3/' "$FX_DIR/q.yaml" >"$FX_DIR/q4.yaml"
"$SLAPROBE" report -c "$FX_DIR/q4.yaml" --month 2026-10 --format json >"$FX_DIR/r4.json" || true
t_eq "d: no file, lag null" "$(jq -r "$w.vantages[] | select(.vantage == \"d\") | .lag_s" "$FX_DIR/r4.json")" null
t_eq "d: no data" "$(jq -r "$w.vantages[] | select(.vantage == \"d\") | .no_data" "$FX_DIR/r4.json")" true

# --- text, CSV, HTML -----------------------------------------------------------
txt=$("$SLAPROBE" report -c "$FX_DIR/q.yaml" --month 2026-10) || true
t_match "text: quorum stated" "$txt" "Quorum: 2 of 3 vantages \(a, b, c\)"
t_match "text: S2 incident from 10:00:45" "$txt" "2026-10-06 10:00:45 .. 2026-10-06 11:00"
t_match "text: S2's vantages" "$txt" "b: http_status since 2026-10-06 10:00:45, DOWN 3540 s"
t_match "text: c's broken chain" "$txt" "vantage c: .*BROKEN at line $((bad + 1))"
t_match "text: c's lag" "$txt" "vantage c: .*lag 1h 00m 00s"
t_match "text: partial listed" "$txt" "Partial \(a DOWN minority\) \(3, 1h 11m 00s\)"
csv=$("$SLAPROBE" report -c "$FX_DIR/q.yaml" --month 2026-10 --format csv) || true
t_match "csv: c's row" "$csv" "2026-10,web,c,[0-9.]+,[0-9.]+,[0-9.]+,2678400,6480,5400,[0-9]+,false,$((bad + 1)),true,3600,false"
t_match "csv: b's row" "$csv" "2026-10,web,b,[0-9.]+,[0-9.]+,[0-9.]+,2678400,5340,3600,[0-9]+,true,,false,0,false"
t_match "csv: quorum columns" "$csv" "2026-10,web,web,.*,4740,3600,.*,2,3,3,4260"
# in Japanese: the same rows, the words translated (test_report_ja has the rest)
"$SLAPROBE" report -c "$FX_DIR/q.yaml" --month 2026-10 --format csv --lang ja >"$FX_DIR/ja.csv" || true
t_match "csv ja: c's row" "$(cat "$FX_DIR/ja.csv")" "2026-10,web,c,[0-9.]+,[0-9.]+,[0-9.]+,2678400,6480,5400,[0-9]+,破損,$((bad + 1)),同期済み,3600,一致"
out=$(/usr/bin/python3 "$SP_SRC/tests/fixtures/ja_words.py" --csv "$FX_DIR/ja.csv" --allow web --allow ctl) && rc=0 || rc=$?
t_eq "csv ja: no English word in either table ($out)" "$rc" 0
asan_graphs on
"$SLAPROBE" report -c "$FX_DIR/q.yaml" --month 2026-10 --format html -o "$FX_DIR/html" \
    >/dev/null && rc=0 || rc=$?
asan_graphs off
t_eq "html: exit 1 (web missed)" "$rc" 1
t_eq "html: well-formed (xmllint)" "$(xmllint --noout "$FX_DIR/html/index.html" 2>&1 && echo ok)" ok
html=$(cat "$FX_DIR/html/index.html" 2>/dev/null || true)
t_match "html: quorum" "$html" "Quorum</th><td>2 of 3 vantages \(a, b, c\)"
t_match "html: c's lag" "$html" "vantage c</th><td>.*lag 3600 s"
t_match "html: S2 vantage b" "$html" "b: http_status since 2026-10-06 10:00:45, DOWN 3540 s"
t_match "html: partial" "$html" "Partial \(a DOWN minority\)</th><td>3 "
# inline, two per vantage of each target (the quorum has no file of its
# own), each captioned with its vantage; nothing beside index.html
t_eq "html: two graphs per vantage (web, ctl)" "$(grep -o '<svg class="graph"' <<<"$html" | wc -l)" 12
for v in a b c; do
    t_eq "html: vantage $v's graphs" "$(grep -Ec "<figcaption>(Response time \(ms\)|Availability \(%\)) &#8212; $v</figcaption>" <<<"$html")" 4
done
t_eq "html: only index.html" "$(ls "$FX_DIR/html")" index.html

# --- status page: the quorum's state, a DOWN minority beside it -------------
# The last hour up to the last whole minute from each vantage; b sees the
# last 10 minutes DOWN, a and c UP: the quorum (1 2 0, q = 2) is UP, and
# the page says 1 of 3 vantages see it down.
now_m=$(($(date +%s) / 60 * 60))
live=$FX_DIR/live
cat >"$FX_DIR/l.yaml" <<YAML
timezone: UTC
storage:
  dir: $live
vantages: [a, b, c]
defaults: {interval: 60s, timeout: 5s}
status_page: {dir: $FX_DIR/www, every: 1m, lang: en}
targets:
  - id: web
    url: http://127.0.0.1:9/
    sla_target: 99.9
YAML
for v in a b c; do
    awk -v v=$v -v n=$now_m 'BEGIN { print "timestamp,up"
        for (t = n - 3600; t < n; t += 60) print t "," ((v == "b" && t >= n - 600) ? 0 : 1) }' \
        >"$FX_DIR/l-$v.csv"
    "$SLAPROBE" import -c "$FX_DIR/l.yaml" --vantage $v --target web --csv "$FX_DIR/l-$v.csv" >/dev/null
done
"$SLAPROBE" status-page -c "$FX_DIR/l.yaml" && rc=0 || rc=$?
t_eq "status-page with vantages: exit 0" "$rc" 0
S=$FX_DIR/www/status.json
t_eq "status: the quorum's state (UP)" "$(jq -r '.services[] | select(.id == "web") | .status' "$S")" available
t_eq "status: 2 of 3" "$(jq -r '.services[] | select(.id == "web") | "\(.quorum.q) \(.quorum.vantages)"' "$S")" "2 3"
t_eq "status: a DOWN minority of 1" "$(jq -r '.services[] | select(.id == "web") | .quorum.partial_down' "$S")" 1
t_match "status page: partial shown" "$(cat "$FX_DIR/www/index.html")" "partial: 1 of 3 vantages see it down"
t_done
