#!/usr/bin/env bash
# Hostile strings in what people read. Target names and a maintenance
# reason from the configuration carry a U+202E (RIGHT-TO-LEFT OVERRIDE),
# an ESC and spreadsheet formulas; a few imported rows give them history,
# so no server is needed. Then:
#  - status page and HTML report, read by a real headless Chromium: the
#    name sits in an isolating element (unicode-bidi: isolate), and the
#    text after it on the same line is still laid out after it, not
#    reversed; the report stays well-formed XML;
#  - text report and `check`: the controls are shown as <U+202E>, never
#    written raw to a terminal;
#  - CSV report: a cell starting with = + - @ (or tab, CR) is neutralised
#    as OWASP advises ('=...), numeric cells stay numbers, and python's csv
#    module reads the right number of columns.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init

export TZ=UTC
NOW=$(date +%s)
MONTH=$(date -u -d "@$((NOW - 120))" +%Y-%m)
M0=$(date -u -d "$MONTH-01 00:00" +%s)
# Rows every minute for the last two hours (not before the month starts),
# down for 20 minutes in the middle.
T0=$(((NOW - 7200) / 60 * 60))
[ "$T0" -lt "$M0" ] && T0=$M0
awk -v t0="$T0" -v now="$NOW" 'BEGIN {
    print "timestamp,up,total_ms"
    for (t = t0; t < now - 60; t += 60) {
        up = (t >= t0 + 1800 && t < t0 + 3000) ? 0 : 1
        printf "%d,%d,%s\n", t, up, up ? 120 : ""
    }
}' >"$FX_DIR/rows.csv"
mw0=$(date -u -d "@$((T0 + 600))" --iso-8601=seconds)
mw1=$(date -u -d "@$((T0 + 900))" --iso-8601=seconds)

RLO=$(printf '\u202e')
ESC=$(printf '\033')
store=$FX_DIR/store
mkdir -p "$FX_DIR/www"
cat >"$FX_DIR/h.yaml" <<YAML
timezone: UTC
storage:
  dir: $store
defaults: {interval: 60s, timeout: 5s}
status_page: {dir: $FX_DIR/www/status, lang: en}
targets:
  - id: rlo
    name: "abc\u202Eevil"
    url: http://127.0.0.1:9/
    pattern: 1
    maintenance:
      - {start: "$mw0", end: "$mw1", reason: "up\u202Egrade \e[31mred"}
  - id: formula
    name: '=HYPERLINK("http://x","y")'
    url: http://127.0.0.1:9/
    sla_target: 99.999
  - id: plus
    name: "+1"
    url: http://127.0.0.1:9/
    pattern: 1
  - id: minus
    name: "-2+3"
    url: http://127.0.0.1:9/
    pattern: 1
  - id: at
    name: "@SUM(A1:A2)"
    url: http://127.0.0.1:9/
    pattern: 1
  - id: tab
    name: "\tcmd"
    url: http://127.0.0.1:9/
    pattern: 1
  - id: plain
    name: "Web shop, 2nd"
    url: http://127.0.0.1:9/
    pattern: 1
YAML
for id in rlo formula plus minus at tab plain; do
    "$SLAPROBE" import -c "$FX_DIR/h.yaml" --target $id --csv "$FX_DIR/rows.csv" >/dev/null
done

# What the browser made of PAGE: a copy of it with a script that looks at
# every text node holding "evil" (the part after the override): how many
# there are, how many sit directly in an element whose computed
# unicode-bidi is isolate; and, when HEADING_ID is given, where "(ID)" after the name in
# that heading is laid out against "evil" (left edge of the one, right
# edge of the other, in CSS pixels). Prints the JSON.
probe() { # PAGE [HEADING_ID]
    local copy=${1%.html}.probe.html
    cp "$1" "$copy"
    cat >>"$copy" <<JS
<script>
(function () {
  var out = {n: 0, isolated: 0};
  function rect(node, sub) {
    var i = node.data.indexOf(sub), r = document.createRange();
    r.setStart(node, i); r.setEnd(node, i + sub.length);
    return r.getBoundingClientRect();
  }
  var w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), t;
  while ((t = w.nextNode())) {
    if (t.data.indexOf('evil') < 0 || t.parentElement.tagName === 'SCRIPT') continue;
    out.n++;
    if (getComputedStyle(t.parentElement).unicodeBidi === 'isolate') out.isolated++;
  }
  var h = document.getElementById('${2:-none}');
  if (h) {
    var hw = document.createTreeWalker(h, NodeFilter.SHOW_TEXT), name = null, id = null;
    while ((t = hw.nextNode())) {
      if (t.data.indexOf('evil') >= 0) name = t;
      if (t.data.indexOf('(rlo)') >= 0) id = t;
    }
    out.evil_right = Math.round(rect(name, 'evil').right);
    out.id_left = Math.round(rect(id, '(rlo)').left);
  }
  var p = document.createElement('pre');
  p.id = 'probe';
  p.textContent = JSON.stringify(out);
  document.body.appendChild(p);
})();
</script>
JS
    fx_chrome --dump-dom "file://$copy" | python3 -c '
import re, sys
m = re.search(r"<pre id=\"probe\">(.*?)</pre>", sys.stdin.read())
print(m.group(1) if m else "{}")'
}

# --- status page ---------------------------------------------------------------
"$SLAPROBE" status-page -c "$FX_DIR/h.yaml" && rc=0 || rc=$?
t_eq "status-page: exit 0" "$rc" 0
page=$FX_DIR/www/status/index.html
t_match "status page: the name in <bdi>" "$(cat "$page")" "<td><bdi>abc${RLO}evil</bdi></td>"
t_eq "status page: no ESC byte" "$(grep -c "$ESC" "$page" || true)" 0
p=$(probe "$page")
echo "# status page, browser: $p"
t_eq "status page, browser: every 'evil' isolated" \
    "$(jq -r '"\(.n > 0) \(.n == .isolated)"' <<<"$p")" "true true"
t_eq "status.json: the name as data, valid UTF-8" "$(jq -r '.services[0].name' "$FX_DIR/www/status/status.json")" "abc${RLO}evil"

# --- HTML report -----------------------------------------------------------------
asan_graphs on
"$SLAPROBE" report -c "$FX_DIR/h.yaml" --month "$MONTH" --format html -o "$FX_DIR/html" >/dev/null && rc=0 || rc=$?
asan_graphs off
t_eq "html: exit code (0 met, 1 missed)" "$([ "$rc" -le 1 ] && echo ok)" ok
html=$FX_DIR/html/index.html
t_eq "html: well-formed with an ESC in a reason (xmllint)" "$(xmllint --noout "$html" 2>&1 && echo ok)" ok
t_match "html: the heading's name in <bdi>" "$(cat "$html")" "<h2 id=\"t-rlo\"><bdi>abc${RLO}evil</bdi> \\(rlo\\)</h2>"
t_match "html: the reason isolated, its ESC shown" "$(cat "$html")" "<bdi>up${RLO}grade &lt;U\\+001B&gt;\\[31mred</bdi>"
p=$(probe "$html" t-rlo)
echo "# html report, browser: $p"
t_eq "html, browser: every 'evil' isolated" "$(jq -r '"\(.n > 0) \(.n == .isolated)"' <<<"$p")" "true true"
t_eq "html, browser: '(rlo)' after the name is laid out after it, not reversed into it" \
    "$(jq -r 'if .id_left != null and .id_left >= .evil_right then "after" else "reversed \(.)" end' <<<"$p")" after

# --- text report and check -------------------------------------------------------
txt=$("$SLAPROBE" report -c "$FX_DIR/h.yaml" --month "$MONTH") || true
t_match "text: the override shown" "$txt" "== rlo \\(abc<U\\+202E>evil\\)"
t_match "text: the reason's controls shown" "$txt" "up<U\\+202E>grade <U\\+001B>\\[31mred"
t_match "text: the tab shown" "$txt" "== tab \\(<U\\+0009>cmd\\)"
t_eq "text: no raw override or ESC" "$(grep -c -e "$RLO" -e "$ESC" <<<"$txt" || true)" 0
out=$("$SLAPROBE" check "http://127.0.0.1:9/a${RLO}b${ESC}[2J" 2>&1) || true
echo "# check: $out"
t_eq "check: no raw override or ESC" "$(grep -c -e "$RLO" -e "$ESC" <<<"$out" || true)" 0

# --- CSV -----------------------------------------------------------------------
"$SLAPROBE" report -c "$FX_DIR/h.yaml" --month "$MONTH" --format csv >"$FX_DIR/r.csv" || true
cat "$FX_DIR/r.csv"
py=$(python3 - "$FX_DIR/r.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
head, body = rows[0], rows[1:]
col = {h: i for i, h in enumerate(head)}
print("columns", len(body), all(len(r) == len(head) for r in body))
for r in body:
    print("name", r[col["id"]], r[col["name"]])
f = [r for r in body if r[col["id"]] == "formula"][0]
print("budget_left_s", f[col["budget_left_s"]])
PY
)
echo "$py"
t_eq "csv: 7 rows, each with every column" "$(grep '^columns' <<<"$py")" "columns 7 True"
t_eq "csv: formula neutralised" "$(grep '^name formula ' <<<"$py")" "name formula '=HYPERLINK(\"http://x\",\"y\")"
t_eq "csv: + neutralised" "$(grep '^name plus ' <<<"$py")" "name plus '+1"
t_eq "csv: - neutralised" "$(grep '^name minus ' <<<"$py")" "name minus '-2+3"
t_eq "csv: @ neutralised" "$(grep '^name at ' <<<"$py")" "name at '@SUM(A1:A2)"
t_eq "csv: tab neutralised" "$(grep -P '^name tab ' <<<"$py")" "name tab '$(printf '\t')cmd"
t_eq "csv: a plain name as it is" "$(grep '^name plain ' <<<"$py")" "name plain Web shop, 2nd"
t_match "csv: a negative number stays a number" "$(grep '^budget_left_s' <<<"$py")" '^budget_left_s -[0-9]+\.[0-9]+$'
t_match "csv: the raw row quotes the neutralised cell" "$(grep '^[0-9-]*,formula,' "$FX_DIR/r.csv")" \
    "^$MONTH,formula,\"'=HYPERLINK\(\"\"http://x\"\",\"\"y\"\"\)\",99.999,60,false,[0-9.]+,.*,-[0-9]+\.[0-9]+,false,"

t_done
