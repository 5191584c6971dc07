#!/usr/bin/env bash
# Japanese everywhere (issue 16): the Japanese text report, CSV, status page
# and feed have no English word left (tests/fixtures/ja_words.py: visible
# text only; allowed are the configuration's ids and names, codes in
# parentheses, time zone names and a short fixed list), reasons and
# downtime classes are named in Japanese with the code kept, the text
# table lines up in a terminal (display width by Python's
# unicodedata.east_asian_width), and --lang en stays what it was.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
PY=/usr/bin/python3
JW="$PY $SP_SRC/tests/fixtures/ja_words.py"

# --- a month of history: October 2026 in Asia/Tokyo ----------------------
# erp (pattern 1, one row a minute):
#   10-05 10:00-10:45 DOWN  tcp_refused (the import's incidents)
#   10-10 00:00-02:00 no rows (unknown)
#   10-12 02:00-02:05 DOWN  tls_cert_expired
#   10-20 03:00-03:20 maintenance (its reason in Japanese)
# crm (pattern 1, so it misses): 10-07 00:00 .. 10-08 03:05 DOWN, cause not known (no
#   incident in the journal): 1 day 3 h 5 min, wider than the table's
#   default column, in both languages
M0=1790780400 # 2026-10-01T00:00+09:00
M1=$((M0 + 31 * 86400))
make_csv() { # ID FILE
    awk -v id="$1" -v m0=$M0 -v m1=$M1 'BEGIN {
        print "timestamp,up,total_ms"
        for (t = m0; t < m1; t += 60) {
            up = 1
            if (id == "erp") {
                if (t >= m0 + 4 * 86400 + 36000 && t < m0 + 4 * 86400 + 38700) up = 0
                if (t >= m0 + 9 * 86400 && t < m0 + 9 * 86400 + 7200) continue
                if (t >= m0 + 11 * 86400 + 7200 && t < m0 + 11 * 86400 + 7500) up = 0
            } else if (t >= m0 + 6 * 86400 && t < m0 + 7 * 86400 + 11100) up = 0
            printf "%d,%d,%s\n", t, up, up ? (t % 120 ? "120" : "80") : ""
        }
    }' >"$2"
}
store=$FX_DIR/store
cat >"$FX_DIR/r.yaml" <<YAML
timezone: Asia/Tokyo
storage:
  dir: $store
  retention: {full_days: 70, five_min_days: 2, hourly_days: 1830}
defaults: {interval: 60s, timeout: 5s}
targets:
  - id: erp
    name: "ERP (production)"
    url: http://127.0.0.1:9/
    pattern: 1
    credits:
      - {below: 99.9, credit: 10}
    maintenance:
      - {start: "2026-10-20T03:00:00+09:00", end: "2026-10-20T03:20:00+09:00", reason: "定期メンテナンス"}
  - id: crm
    name: "顧客管理"
    url: http://127.0.0.1:9/
    pattern: 1
YAML
for id in erp crm; do
    make_csv $id "$FX_DIR/$id.csv"
    "$SLAPROBE" import -c "$FX_DIR/r.yaml" --target $id --csv "$FX_DIR/$id.csv" >/dev/null
done
# the import's line with the reasons of its incidents (as test_report does)
jq -c --argjson m $M0 'del(.seq, .prev) | .incidents = [
    {from: ($m + 4 * 86400 + 36000), to: ($m + 4 * 86400 + 38700), reason: "tcp_refused"},
    {from: ($m + 11 * 86400 + 7200), to: ($m + 11 * 86400 + 7500), reason: "tls_cert_expired"}]' \
    "$store/erp.journal" >"$FX_DIR/import-line.json"
rm "$store/erp.journal"
$PY "$SP_SRC/tests/fixtures/journal_append.py" "$store/erp.journal" <"$FX_DIR/import-line.json"

rep() { "$SLAPROBE" report -c "$FX_DIR/r.yaml" --month 2026-10 "$@" || true; }
rep --lang ja >"$FX_DIR/ja.txt"
rep --lang en >"$FX_DIR/en.txt"
rep --lang ja --format csv >"$FX_DIR/ja.csv"
rep --lang ja --format csv --excel >"$FX_DIR/ja-excel.csv"
rep --format csv >"$FX_DIR/en.csv"

# --- reasons and classes in Japanese, the code kept ------------------------
ja=$(cat "$FX_DIR/ja.txt")
t_match "ja text: a reason's Japanese name, its code in parentheses" "$ja" \
    '2026-10-05 10:00:00 \.\. 2026-10-05 10:45:00  45分00秒  算入 2700 秒  接続拒否 \(tcp_refused\)'
t_match "ja text: an expired certificate" "$ja" '証明書の有効期間外 \(tls_cert_expired\)'
t_match "ja text: an incident whose cause no journal told" "$ja" '1日03時間05分00秒  算入 97500 秒  不明  通知なし'
t_match "ja text: downtime by cause in Japanese" "$ja" '原因別停止時間: ネットワーク 2700 秒 TLS 300 秒'
t_match "ja text: unknown cause" "$ja" '原因別停止時間: 原因不明 97500 秒'
t_match "ja text: the time zone as a Japanese reader says it" "$ja" \
    '対象期間: 2026-10-01 00:00:00 \.\. 2026-11-01 00:00:00（時刻は Asia/Tokyo、日本時間）'
t_match "ja text: past maintenance is headed 計画停止, not a plan" "$ja" $'\n計画停止:\n  2026-10-20 03:00:00'
en=$(cat "$FX_DIR/en.txt")
t_match "en text: the stable code as before" "$en" '45m 00s  Counted 2700 s  tcp_refused  not notified'
t_match "en text: an unknown cause as before" "$en" '1d 03h 05m 00s  Counted 97500 s  \?  not notified'
t_match "en text: classes as before" "$en" 'Downtime by cause: network 2700 s tls 300 s'

# --- the text table lines up in a terminal -----------------------------------
# Each summary line is cut into cells at runs of two or more spaces; every
# right-aligned column (all but the first and last) must end at the same
# display column on every line, and the last must start at the same one,
# a wide character counting two (East Asian Wide and Fullwidth).
align() { # FILE: "ok" or what is out of line
    $PY - "$1" <<'PY'
import re, sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
start = next(i for i, l in enumerate(lines) if l == "") + 1   # after the header block
table = []
for l in lines[start:]:
    if not l.strip():
        break
    table.append(l)
bad = []
edges = {}
for l in table:
    cells = [(m.start(), m.end()) for m in re.finditer(r"\S+(?: \S+)*", l)]
    for k, (a, b) in enumerate(cells):
        if 0 < k < 8:
            edges.setdefault(("end", k), set()).add(width(l[:b]))
        else:
            edges.setdefault(("start", k), set()).add(width(l[:a]))
for key, cols in sorted(edges.items()):
    if len(cols) > 1:
        bad.append(f"column {key[1]} {key[0]}s at display columns {sorted(cols)}")
print("ok" if len(table) >= 3 and not bad else "; ".join(bad) or "no table")
PY
}
t_eq "ja text table: columns line up in display width" "$(align "$FX_DIR/ja.txt")" ok
t_eq "en text table: columns line up" "$(align "$FX_DIR/en.txt")" ok
# the check can fail: one cell a space wider
sed '0,/^crm /s/^crm /crm  /' "$FX_DIR/ja.txt" >"$FX_DIR/ja-off.txt"
t_match "alignment check: a shifted line is caught" "$(align "$FX_DIR/ja-off.txt")" '^column '

# `patterns --lang ja`: its table lines up too (every column starts at the
# same display column), with Japanese durations
"$SLAPROBE" patterns --lang ja | sed -n '2,8p' >"$FX_DIR/patterns.txt"
t_eq "patterns ja: columns line up in display width" "$($PY - "$FX_DIR/patterns.txt" <<'PY'
import re, sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
starts = {}
for l in open(sys.argv[1], encoding="utf-8").read().splitlines():
    for k, m in enumerate(re.finditer(r"\S+(?: \S+)*", l)):
        starts.setdefault(k, set()).add(width(l[:m.start()]))
bad = [f"column {k} starts at {sorted(v)}" for k, v in starts.items() if len(v) > 1]
print("; ".join(bad) or ("ok" if len(starts) == 10 else f"{len(starts)} columns"))
PY
)" ok
t_match "patterns ja: durations in Japanese" "$(cat "$FX_DIR/patterns.txt")" $'\n1 +高 +高 +高 +99\\.5 % +10分 +1時間 +30分 +30分 +受発注'

# --- CSV --------------------------------------------------------------------
t_eq "en csv: the field names as before" "$(head -1 "$FX_DIR/en.csv")" \
    "month,id,name,target_pct,resolution_s,no_data,availability_pct,strict_availability_pct,coverage_pct,eligible_s,downtime_s,unknown_s,maintenance_s,budget_s,budget_left_s,met,incidents,mttr_s,mtbf_s,credit_pct,response_avg_ms,response_p95_ms,not_stored_s,clock_jumps,rows_lines,rows_differ,rows_uncovered_steps,rows_contradicting_steps,rows_disagree"
t_eq "ja csv: Japanese headers, the same columns" \
    "$(head -1 "$FX_DIR/ja.csv" | tr ',' '\n' | wc -l) $(head -1 "$FX_DIR/en.csv" | tr ',' '\n' | wc -l)" "29 29"
t_match "ja csv: headers with units" "$(head -1 "$FX_DIR/ja.csv")" '^対象月,ID,名称,SLA 目標 \(%\),.*,稼働率 \(%\),.*,停止時間 \(秒\),.*,判定,障害件数,'
# the same figures: every numeric cell equal, the word cells translated
t_eq "ja csv: the numbers are the English ones" \
    "$($PY - "$FX_DIR/en.csv" "$FX_DIR/ja.csv" <<'PY'
import csv, re, sys
en = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
ja = list(csv.reader(open(sys.argv[2], encoding="utf-8")))
num = re.compile(r"^-?[0-9.]*$|^[0-9]{4}-[0-9]{2}$")
bad = [f"{r}:{c} {a!r} {b!r}" for r in range(1, len(en)) for c, (a, b) in enumerate(zip(en[r], ja[r]))
       if num.match(a) and a != b]
words = sorted({(h, en[r][c], ja[r][c]) for r in range(1, len(en)) for c, h in enumerate(en[0])
                if not num.match(en[r][c]) and h not in ("id", "name")})
print(len(en) == len(ja) and not bad, " ".join(f"{h}:{a}={b}" for h, a, b in words))
PY
)" "True met:false=未達 met:true=達成 no_data:false=いいえ rows_disagree:false=一致"
t_eq "ja csv --excel: BOM and CRLF, otherwise the same" \
    "$(head -c 3 "$FX_DIR/ja-excel.csv" | od -An -tx1 | tr -d ' ') $(tail -c +4 "$FX_DIR/ja-excel.csv" | tr -d '\r' | sha256sum | cut -c1-16)" \
    "efbbbf $(sha256sum <"$FX_DIR/ja.csv" | cut -c1-16)"

# --- no English word left ---------------------------------------------------
# ids of the configuration, and the name that is data (a target called
# "ERP (production)" keeps its name)
allow=(--allow erp --allow crm --data "ERP (production)")
out=$($JW --text "$FX_DIR/ja.txt" "${allow[@]}") && rc=0 || rc=$?
t_eq "ja text: no English word ($out)" "$rc" 0
out=$($JW --csv "$FX_DIR/ja.csv" --csv "$FX_DIR/ja-excel.csv" "${allow[@]}") && rc=0 || rc=$?
t_eq "ja csv: no English word in headers or word cells ($out)" "$rc" 0
# the check can fail: an English label in the Japanese report is caught
sed 's/^稼働率: /Availability: /' "$FX_DIR/ja.txt" >"$FX_DIR/ja-en.txt"
out=$($JW --text "$FX_DIR/ja-en.txt" "${allow[@]}") && rc=0 || rc=$?
t_eq "ja_words: an English label makes it fail (one line a target)" "$rc $(grep -c 'Availability' <<<"$out")" "1 2"
out=$($JW --csv "$FX_DIR/en.csv" "${allow[@]}") && rc=0 || rc=$?
t_eq "ja_words: the English CSV fails" "$rc" 1
printf '<html><head><style>.x{color:red}</style><title>状況</title></head><body class="Available">
<p title="Tooltip">稼働率</p><svg><text x="1">Response time</text></svg></body></html>\n' >"$FX_DIR/svg.html"
out=$($JW --html "$FX_DIR/svg.html") && rc=0 || rc=$?
t_eq "ja_words: inline SVG text is read, style and attributes are not" "$rc|$out" \
    "1|$FX_DIR/svg.html: Response time: Response time"

# --- the status page, its feed ----------------------------------------------
export TZ=Asia/Tokyo
NOW=$(date +%s)
D0=$(date -d "$(date +%F) 00:00" +%s)
# web: rows for 29 days, DOWN 3 days ago 10:00-10:10 (http_status, from
# the import's incidents), and api DOWN for the last 10 minutes
awk -v d0="$D0" -v now="$NOW" 'BEGIN {
    print "timestamp,up,total_ms"
    for (t = d0 - 29 * 86400; t < now - 60; t += 60) {
        up = !(t >= d0 - 3 * 86400 + 36000 && t < d0 - 3 * 86400 + 36600)
        printf "%d,%d,%s\n", t, up, up ? "100" : ""
    }
}' >"$FX_DIR/web.csv"
awk -v d0="$D0" -v now="$NOW" 'BEGIN {
    print "timestamp,up,total_ms"
    for (t = d0 - 29 * 86400; t < now - 60; t += 60) {
        up = t < now - 660
        printf "%d,%d,%s\n", t, up, up ? "100" : ""
    }
}' >"$FX_DIR/api.csv"
a0=$(date -d "@$((D0 + 5 * 86400 + 3600))" --iso-8601=seconds)
a1=$(date -d "@$((D0 + 5 * 86400 + 7200))" --iso-8601=seconds)
mkdir -p "$FX_DIR/posts"
cat >"$FX_DIR/posts/login.yaml" <<YAML
title: "ログインできない不具合"
services: [api]
updates:
  - {at: "$(date -d "@$((NOW - 900))" --iso-8601=seconds)", status: investigating, text: "原因を調査しています。"}
  - {at: "$(date -d "@$((NOW - 600))" --iso-8601=seconds)", status: identified, text: "証明書の期限切れが原因でした。"}
  - {at: "$(date -d "@$((NOW - 300))" --iso-8601=seconds)", status: monitoring, text: "証明書を更新し、経過を観察しています。"}
YAML
pstore=$FX_DIR/pstore
cat >"$FX_DIR/s.yaml" <<YAML
timezone: Asia/Tokyo
storage:
  dir: $pstore
  retention: {full_days: 40, five_min_days: 41, hourly_days: 42}
defaults: {interval: 60s, timeout: 5s}
status_page:
  dir: $FX_DIR/www/status
  lang: ja
  posts: $FX_DIR/posts
targets:
  - id: web
    name: "Web ショップ"
    url: http://127.0.0.1:9/
    pattern: 1
    maintenance:
      - {start: "$a0", end: "$a1", reason: "データベースの更新"}
  - id: api
    name: "公開 API"
    url: http://127.0.0.1:9/
    pattern: 2
YAML
mkdir -p "$FX_DIR/www"
for id in web api; do
    "$SLAPROBE" import -c "$FX_DIR/s.yaml" --target $id --csv "$FX_DIR/$id.csv" >/dev/null
done
jq -c --argjson d $((D0 - 3 * 86400 + 36000)) 'del(.seq, .prev) |
    .incidents = [{from: $d, to: ($d + 600), reason: "http_status"}]' "$pstore/web.journal" \
    >"$FX_DIR/web-line.json"
rm "$pstore/web.journal"
$PY "$SP_SRC/tests/fixtures/journal_append.py" "$pstore/web.journal" <"$FX_DIR/web-line.json"
"$SLAPROBE" status-page -c "$FX_DIR/s.yaml" >/dev/null
www=$FX_DIR/www/status
"$SLAPROBE" status-page -c "$FX_DIR/s.yaml" --lang both -o "$FX_DIR/both" >/dev/null
page=$(cat "$www/index.html")
t_match "page ja: the reason's Japanese name and code" "$page" \
    '<td>(<bdi>)?想定外の HTTP ステータス \(http_status\)(</bdi>)?</td></tr>'
t_match "page ja: when, as a Japanese reader says it" "$page" '（(<bdi>)?時刻は Asia/Tokyo、日本時間(</bdi>)?）'
t_match "page ja: maintenance ahead is headed as such, its column 内容" "$page" \
    '予定されているメンテナンス.*<th>(<bdi>)?内容(</bdi>)?</th>'
# the names from the configuration are data; "English" is the language
# switch of the both-language page, written in the language it leads to
pallow=(--allow web --allow api --data "Web ショップ" --data "公開 API")
out=$($JW --html "$www/index.html" "${pallow[@]}") && rc=0 || rc=$?
t_eq "page ja (index.html): no English word ($out)" "$rc" 0
out=$($JW --html "$FX_DIR/both/index.ja.html" --allow English "${pallow[@]}") && rc=0 || rc=$?
t_eq "page ja (index.ja.html of both): no English word ($out)" "$rc" 0
out=$($JW --html "$FX_DIR/both/index.html" "${pallow[@]}") && rc=0 || rc=$?
t_eq "page en: the check fails on the English page" "$rc" 1
# the feed of a Japanese page is Japanese, and still a valid Atom feed
feed=$($PY - "$www/feed.atom" <<'PY'
import sys, feedparser
f = feedparser.parse(sys.argv[1])
print(int(f.bozo), f.version, f.feed.title, f.feed.get("language"))
for e in f.entries:
    print(e.title)
PY
)
t_eq "feed ja: parses, Atom 1.0, Japanese title" "$(head -1 <<<"$feed")" "0 atom10 サービス稼働状況 ja"
t_match "feed ja: the open incident" "$feed" '公開 API: サービス障害、原因: 不明'
t_match "feed ja: the resolved one with its reason" "$feed" 'Web ショップ: 復旧済み、原因: 想定外の HTTP ステータス \(http_status\)'
t_match "feed ja: the post's status" "$feed" 'ログインできない不具合（経過観察中）'
out=$($JW --atom "$www/feed.atom" "${pallow[@]}") && rc=0 || rc=$?
t_eq "feed ja: no English word ($out)" "$rc" 0
# badges of a Japanese page say the state in Japanese, and stay valid SVG
t_match "badge ja: the state in Japanese" "$(cat "$www/badge/web.svg")" '<title>Web ショップ: 正常稼働 \| 100.00 %</title>|<title>Web ショップ: データなし'
t_eq "badge ja: valid XML" "$(xmllint --noout "$www/badge/api.svg" 2>&1 && echo ok)" ok
out=$($JW --html "$www/badge/web.svg" --html "$www/badge/api.svg" "${pallow[@]}") && rc=0 || rc=$?
t_eq "badge ja: no English word ($out)" "$rc" 0
t_match "feed of a both-language page: English, as index.html" "$(cat "$FX_DIR/both/feed.atom")" \
    'xml:lang="en".*<title>Service status</title>'
t_done
