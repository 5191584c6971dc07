#!/usr/bin/env bash
# The HTML report as the customer gets it. A month of known history for
# three targets is imported (erp: a 4-hour outage, a maintenance window, a
# control-target outage, an hour without data and one 3,500 ms response
# among ~120 ms; crm: business hours and nothing wrong; ctl: the control
# target), rendered in English and Japanese, and then looked at:
#  - in headless Chromium (tests/fixtures/cdp_report.py) at 1280 and 390 px:
#    the page never scrolls sideways, every inline graph is laid out, and
#    nothing is loaded from anywhere; screenshots are kept (their paths are
#    printed) for a person to look at;
#  - mailed: only the .html copied to an empty directory still shows every
#    graph, with no failed load;
#  - printed to PDF by Chromium: A4 (pdfinfo), every section and graph title
#    in the text (pdftotext), no word beyond the page's right edge
#    (pdftotext -bbox: a cut-off table);
#  - the availability graphs' SVG: each class's colour present where the
#    month has it (maintenance, control outage, counted downtime, no data,
#    outside hours) and absent where it does not;
#  - the response graph: one spike does not set the scale (librrd's own
#    value_max, as data-y-max), and the spike is marked with its value and
#    time;
#  - Japanese: no English word in the page but units, ids, codes in
#    parentheses and the allowed abbreviations.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init

for tool in chromium pdfinfo pdftotext xmllint; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/setup.sh --test)"; exit 77; }
done
PY=/usr/bin/python3
CDP=$SP_SRC/tests/fixtures/cdp_report.py
SHOTS=${SP_SHOT_DIR:-$(dirname "$SLAPROBE")/screenshots}
mkdir -p "$SHOTS"

# October 2026 in Asia/Tokyo: 2026-10-01T00:00+09:00 = 1790780400, 31 days.
M0=1790780400
M1=$((M0 + 31 * 86400))
OUT0=$((M0 + 4 * 86400 + 36000))   # 10-05 10:00 erp DOWN for 4 h (14400 s)
CTL0=$((M0 + 7 * 86400 + 36000))   # 10-08 10:00 erp and ctl DOWN for 1 h
GAP0=$((M0 + 11 * 86400))          # 10-12 00:00 no rows for erp for 1 h
SPIKE=$((M0 + 14 * 86400 + 50400)) # 10-15 14:00 erp's one 3500 ms step
MNT0=$((M0 + 19 * 86400 + 3600))   # 10-20 01:00-03:00 maintenance (erp DOWN 01:00-02:00)
make_csv() { # ID FILE
    awk -v id="$1" -v m0=$M0 -v m1=$M1 -v out0=$OUT0 -v ctl0=$CTL0 -v gap0=$GAP0 \
        -v spike=$SPIKE -v mnt0=$MNT0 'BEGIN {
        print "timestamp,up,total_ms"
        for (t = m0; t < m1; t += 60) {
            up = 1; ms = (t % 180 == 0) ? 130 : 110
            if (id == "erp") {
                if (t >= out0 && t < out0 + 14400) up = 0
                if (t >= ctl0 && t < ctl0 + 3600) up = 0
                if (t >= gap0 && t < gap0 + 3600) continue
                if (t >= mnt0 && t < mnt0 + 3600) up = 0
                if (t == spike) ms = 3500
            }
            if (id == "crm") ms = 200
            if (id == "ctl" && t >= ctl0 && t < ctl0 + 3600) up = 0
            printf "%d,%d,%s\n", t, up, up ? ms : ""
        }
    }' >"$2"
}
cat >"$FX_DIR/r.yaml" <<YAML
timezone: Asia/Tokyo
storage:
  dir: $FX_DIR/store
  retention: {full_days: 70, five_min_days: 2, hourly_days: 1830}
control_targets: [ctl]
defaults: {interval: 60s, timeout: 5s, slow_ms: 1000}
targets:
  - id: erp
    name: "基幹システム"
    url: http://127.0.0.1:9/
    sla_target: 99.0
    maintenance:
      - {start: "2026-10-20T01:00:00+09:00", end: "2026-10-20T03:00:00+09:00", reason: "定期保守"}
  - id: crm
    name: "顧客管理"
    url: http://127.0.0.1:9/
    pattern: 3
    service_hours: "Mon-Fri 09:00-18:00"
  - id: ctl
    name: "基準サイト"
    url: http://127.0.0.1:9/
    sla_target: 99.0
YAML
for id in erp crm ctl; do
    make_csv $id "$FX_DIR/$id.csv"
    "$SLAPROBE" import -c "$FX_DIR/r.yaml" --target $id --csv "$FX_DIR/$id.csv" >/dev/null
done

asan_graphs on # librrd's graph leaks: see assert.sh
rc=0
"$SLAPROBE" report -c "$FX_DIR/r.yaml" --month 2026-10 --format html -o "$FX_DIR/en.html" || rc=$?
t_eq "en: exit 0 (every target met)" "$rc" 0
rc=0
"$SLAPROBE" report -c "$FX_DIR/r.yaml" --month 2026-10 --format html --lang ja -o "$FX_DIR/ja" || rc=$?
t_eq "ja: exit 0, -o DIR" "$rc" 0
asan_graphs off
cp "$FX_DIR/ja/index.html" "$FX_DIR/ja.html"
for l in en ja; do
    t_eq "$l: well-formed (xmllint)" "$(xmllint --noout "$FX_DIR/$l.html" 2>&1 && echo ok)" ok
    t_eq "$l: two inline graphs per target" "$(grep -o '<svg class="graph"' "$FX_DIR/$l.html" | wc -l)" 6
done
t_eq "ja: only index.html in the directory" "$(ls "$FX_DIR/ja")" index.html

# --- the graphs' SVG ---------------------------------------------------------
# svgfacts FILE: per target (in page order) and graph (response,
# availability): "id graph y_max colour,colour,... | desc" with cairo's
# fill:rgb(p%,p%,p%) turned back into rrggbb and the SVG's own legend.
svgfacts() {
    $PY - "$1" <<'EOF'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
for sec in page.split('<section class="target">')[1:]:
    tid = re.search(r'<h2 id="t-([^"]+)"', sec).group(1)
    for kind, svg in zip(("response", "availability"),
                         re.findall(r'<svg class="graph".*?</svg>', sec, re.S)):
        ymax = re.search(r'data-y-max="([^"]+)"', svg).group(1)
        cols = set()
        for m in re.finditer(r'fill:rgb\(([\d.]+)%,([\d.]+)%,([\d.]+)%\)', svg):
            cols.add("".join("%02x" % round(float(v) * 255 / 100) for v in m.groups()))
        desc = re.search(r"<desc>(.*?)</desc>", svg, re.S)
        print(tid, kind, ymax, ",".join(sorted(cols)), "|", desc.group(1) if desc else "")
EOF
}
svgfacts "$FX_DIR/en.html" >"$FX_DIR/facts"
cat "$FX_DIR/facts"
fact() { awk -v t="$1" -v k="$2" -v f="$3" '$1 == t && $2 == k { print $f }' "$FX_DIR/facts"; }
has() { [[ ",$(fact "$1" availability 4)," == *",$2,"* ]] && echo yes || echo no; }
# the colours of render_html.c's band_styles
DOWN=d62728 MAINT=6f9fe0 UNKNOWN=b4b4b4 CONTROL=9d6fd0 OUTSIDE=e9ecf2 ABOVE=ff7f0e
t_eq "erp availability: counted downtime, maintenance, control outage, no data shaded" \
    "$(has erp $DOWN) $(has erp $MAINT) $(has erp $CONTROL) $(has erp $UNKNOWN)" "yes yes yes yes"
t_eq "erp availability: 24x7, no outside-hours shade" "$(has erp $OUTSIDE)" no
t_eq "crm availability: outside hours shaded" "$(has crm $OUTSIDE)" yes
t_eq "crm availability (clean): no downtime, maintenance, control, no-data colour" \
    "$(has crm $DOWN) $(has crm $MAINT) $(has crm $CONTROL) $(has crm $UNKNOWN)" "no no no no"
t_eq "ctl availability: its own hour down is counted (for ctl)" "$(has ctl $DOWN) $(has ctl $CONTROL)" "yes no"
# The legend names each class with its total: 4 h counted (the control
# hour and the maintenance hour are not), 1 h no data + 1 h control
t_match "erp legend" "$(tr -d '\n' <"$FX_DIR/en.html")" \
    'Counted downtime 4h 00m</li><li><span class="sw b-control"></span>Control targets down \(not counted\) 1h 00m</li><li><span class="sw b-unknown"></span>No data 1h 00m</li><li><span class="sw b-maint"></span>Maintenance 2h 00m'
# one 3500 ms step among ~120 ms: the scale stays at max(2 x p95, 1.2 x
# slow_ms) = 1200 ms, the spike is marked with its value and time
t_eq "erp response: scale not set by the spike (librrd's value_max)" "$(fact erp response 3)" 1200
t_eq "erp response: the above-scale mark drawn" \
    "$([[ ",$(fact erp response 4)," == *",$ABOVE,"* ]] && echo yes || echo no)" yes
t_match "erp response: the mark in the legend" "$(cat "$FX_DIR/en.html")" \
    '<span class="sw l-above"></span>above scale: max 3500 ms \(2026-10-15 14:00:00\)</li>'
desc() { awk -v t="$1" -v k="$2" '$1 == t && $2 == k { sub(/^[^|]*[|] /, ""); print }' "$FX_DIR/facts"; }
t_match "erp response: the SVG carries its legend, the mark with it" "$(desc erp response)" \
    '^Response time \(average\); slow threshold 1000 ms; above scale: max 3500 ms \(2026-10-15 14:00:00\)$'
t_match "erp availability: the SVG carries its legend" "$(desc erp availability)" \
    '^Availability; Counted downtime 4h 00m; Control targets down \(not counted\) 1h 00m; No data 1h 00m; Maintenance 2h 00m$'
t_match "ja: the mark in the legend" "$(cat "$FX_DIR/ja.html")" '目盛り上限超え: 最大(</bdi>)? 3500 ms \(2026-10-15 14:00:00\)'
t_eq "crm response: no mark, rrdtool's own scale" \
    "$([[ ",$(fact crm response 4)," == *",$ABOVE,"* ]] && echo yes || echo no) $(grep -c 'above scale' <<<"$(sed -n '/id="t-crm"/,/<\/section>/p' "$FX_DIR/en.html")" || true)" "no 0"

# --- in Chromium: 1280 and 390 px, en and ja -----------------------------------
for l in en ja; do
    out=$("$PY" "$CDP" "file://$FX_DIR/$l.html" "$SHOTS/report-$l" 1280 390 2>&1) || out="cdp failed: $out"
    echo "$l: $out"
    for w in 1280 390; do
        m=$(jq -r --arg w $w '.widths[$w] | "\(.scroll) \(.inner) \(.svgs)"' <<<"$out" 2>/dev/null || echo "0 0 0")
        read -r sw iw ns <<<"$m"
        # against the width asked for: a phone (mobile emulation) zooms out
        # to a wider page, so the viewport grows with the overflow
        t_eq "$l at $w px: no sideways scroll (document $sw, viewport $iw)" \
            "$([ "${sw:-0}" -gt 0 ] && [ "$sw" -le "$w" ] && [ "$iw" -le "$w" ] && echo ok || echo overflows)" ok
        t_eq "$l at $w px: every graph laid out" "$ns" 6
        t_eq "$l at $w px: screenshot" "$(head -c 8 "$SHOTS/report-$l-$w.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a
        echo "screenshot: $SHOTS/report-$l-$w.png"
    done
    t_eq "$l: nothing requested but the page" "$(jq -c '.requests' <<<"$out" 2>/dev/null)" "[]"
done

# --- mailed: the one file alone ------------------------------------------------
mkdir "$FX_DIR/mail"
cp "$FX_DIR/en.html" "$FX_DIR/mail/report-2026-10.html"
out=$("$PY" "$CDP" "file://$FX_DIR/mail/report-2026-10.html" "$FX_DIR/mail-shot" 1280 \
    --pdf "$FX_DIR/en.pdf" 2>&1) || out="cdp failed: $out"
t_eq "mailed: the directory holds the one file" "$(ls "$FX_DIR/mail")" report-2026-10.html
t_eq "mailed: every graph present" "$(jq -r '.widths["1280"].svgs' <<<"$out" 2>/dev/null)" 6
t_eq "mailed: no request, no failed load" "$(jq -c '[.requests, .failed]' <<<"$out" 2>/dev/null)" "[[],[]]"
out=$("$PY" "$CDP" "file://$FX_DIR/ja.html" "$FX_DIR/ja-print" 1280 --pdf "$FX_DIR/ja.pdf" 2>&1) ||
    out="cdp failed: $out"

# --- printed ------------------------------------------------------------------
# pdfwords PDF: "<pages> <page width> <words beyond the right edge>"
pdfwords() {
    pdftotext -bbox "$1" - | $PY -c '
import re, sys
s = sys.stdin.read()
pages = re.findall(r"<page width=\"([\d.]+)\"", s)
w = float(pages[0]) if pages else 0
out = [m for m in re.finditer(r"<word xMin=\"([\d.]+)\" yMin=\"[\d.]+\" xMax=\"([\d.]+)\"[^>]*>([^<]*)<", s)
       if float(m.group(2)) > w - 0.5]
print(len(pages), w, len(out), " ".join(m.group(3) for m in out[:5]))'
}
for l in en ja; do
    pdf=$FX_DIR/$l.pdf
    t_match "$l pdf: A4" "$(pdfinfo "$pdf" 2>&1 | grep 'Page size')" '59[45]\.[0-9]+ x 841\.[0-9]+ pts \(A4\)'
    txt=$(pdftotext -layout "$pdf" - 2>&1 | tr -s ' ')
    if [ $l = en ]; then
        words=("Monthly SLA report 2026-10" Summary Incidents "Response time (ms)" "Availability (%)" \
            "Maintenance windows" Details "Budget left")
    else
        words=("月次 SLA レポート 2026-10" 概要 障害 "応答時間 (ms)" "稼働状況 (%)" 計画停止 詳細 残り許容停止時間)
    fi
    for w in "${words[@]}" 基幹システム 顧客管理 基準サイト; do
        t_eq "$l pdf: '$w' in the text" "$(grep -cF "$w" <<<"$txt" | awk '{ print ($1 > 0) ? "found" : "missing" }')" found
    done
    read -r np pw beyond first <<<"$(pdfwords "$pdf")"
    t_eq "$l pdf: no word beyond the right edge of the page ($pw pt; $np pages) ${first:-}" "$beyond" 0
    # the summary's last column (the verdict) made it onto the page, on
    # each target's row: Chromium clips what is wider than the page
    # (leaving no text at all, so the edge check alone cannot see it)
    t_eq "$l pdf: the summary's rows whole, to the verdict" \
        "$(grep -cE "(基幹システム|顧客管理|基準サイト) .*$([ $l = en ] && echo MET || echo 達成)" <<<"$txt")" 3
done

# --- Japanese: no English word ---------------------------------------------------
# The shared checker (tests/fixtures/ja_words.py): visible text, the
# graphs' titles, legends and descriptions included; allowed are units,
# the configuration's ids, codes in parentheses, time zone names and the
# abbreviations engineers write as they are.
left=$("$PY" "$SP_SRC/tests/fixtures/ja_words.py" --html "$FX_DIR/ja.html" \
    --allow erp --allow crm --allow ctl 2>&1) && rc=0 || rc=$?
t_eq "ja: no English word left" "$rc $left" "0 "

t_done
