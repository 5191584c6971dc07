#!/usr/bin/env bash
# The journal covers the RRD (SPEC section 11), on a real store made by the
# daemon against nginx at a 1-second interval with an outage in it:
#  - untouched: every rows line's hash matches an independent recomputation
#    here (python3 over `rrdtool fetch`, docs/EVIDENCE.md's definition), and
#    `journal verify` says RRD and journal agree (exit 0), as does the report;
#  - one value edited with rrdtool dump / restore: verify names the step
#    (ISO and Unix), the field and both values, and that the RRD shows down
#    time the journal has no incident for (exit 1); the report marks the
#    month in text, JSON, CSV and HTML and exits 3;
#  - one row removed (all unknown): named;
#  - a rows line edited: the chain breaks there (and its rows differ);
#  - values no rows line covers: named; a restart journals them as
#    recovered, and verify then says so (a note, exit 0);
#  - the same daemon through rrdcached: verify agrees;
#  - an import's rows get a rows line too.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

write_cfg() { # FILE STORE [STORAGE_EXTRA]
    cat >"$1" <<YAML
timezone: UTC
storage:
  dir: $2
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
${3:-}
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2}
targets:
  - {id: web, url: "http://127.0.0.1:$FX_HTTP_PORT/", pattern: 1}
YAML
}

# recompute JOURNAL RRD [DAEMON]: for every rows line, the SHA-256 of the
# canonical text rebuilt from `rrdtool fetch` (one "T:v1:...:v8\n" line per
# step, %.6g or U); prints "match N of M"
recompute() {
    python3 - "$1" "$2" "${3:-}" <<'PY'
import hashlib, json, math, subprocess, sys
journal, rrd, daemon = sys.argv[1], sys.argv[2], sys.argv[3]
lines = [json.loads(l) for l in open(journal) if '"type":"rows"' in l]
ok = 0
for r in lines:
    cmd = ["rrdtool", "fetch", rrd, "AVERAGE", "-r", str(r["step_s"]),
           "-s", str(r["from"] - r["step_s"]), "-e", str(r["to"])]
    if daemon:
        cmd[2:2] = ["--daemon", daemon]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    vals = {}
    for l in out.splitlines():
        f = l.split()
        if len(f) == 9 and f[0].endswith(":"):
            vals[int(f[0][:-1])] = f[1:]
    text = ""
    for t in range(r["from"], r["to"] + 1, r["step_s"]):
        row = [str(t)]
        for v in vals.get(t, ["nan"] * 8):
            x = float(v)
            row.append("U" if math.isnan(x) else "%.6g" % x)
        text += ":".join(row) + "\n"
    ok += hashlib.sha256(text.encode()).hexdigest() == r["sha256"]
print("match %d of %d" % (ok, len(lines)))
PY
}

# rrd_edit RRD T PY_EXPR: rewrite the first archive's row T through
# rrdtool dump / restore; PY_EXPR maps the list of <v> texts
rrd_edit() {
    rrdtool dump "$1" >"$FX_DIR/dump.xml"
    python3 - "$FX_DIR/dump.xml" "$2" "$3" <<'PY'
import re, sys
path, t, expr = sys.argv[1], sys.argv[2], sys.argv[3]
x = open(path).read()
db = x.index("<database>")
end = x.index("</database>", db)
pat = re.compile(r"(/ %s -->\s*<row>)(.*?)(</row>)" % t)
m = pat.search(x, db, end)
assert m, "no row %s in the first archive" % t
v = re.findall(r"<v>(.*?)</v>", m.group(2))
v = eval(expr)
x = x[:m.start(2)] + "".join("<v>%s</v>" % s for s in v) + x[m.end(2):]
open(path, "w").write(x)
PY
    rm -f "$1"
    rrdtool restore -f "$FX_DIR/dump.xml" "$1"
}

# --- a store made by the daemon, with an outage ------------------------------
S=$FX_DIR/store
write_cfg "$FX_DIR/a.yaml" "$S"
sp_run "$FX_DIR/a.yaml" "$FX_DIR/a.log"
J=$S/web.journal
wait_until 10 journal_has "$J" 'select(.type == "state" and .to == "UP")'
sleep 3
fx_stop_nginx
wait_until 10 journal_has "$J" 'select(.type == "state" and .to == "DOWN")'
sleep 2
fx_start_nginx
wait_until 10 journal_has "$J" 'select(.type == "state" and .to == "UP")' 2
sleep 4
sp_stop "daemon stops"
month=$(date -u +%Y-%m)

nrows=$(jq -c 'select(.type == "rows")' "$J" | grep -c .)
echo "info: rows per rows line (count: lines): $(jq -r 'select(.type == "rows") | .count' "$J" | sort -n | uniq -c | awk '{ printf "%s: %s  ", $2, $1 }')"
t_eq "rows lines written" "$([ "$nrows" -ge 10 ] && echo yes)" yes
t_eq "rows lines: fields in the shared order" \
    "$(jq -c 'select(.type == "rows") | keys_unsorted' "$J" | sort -u)" \
    '["seq","type","from","to","step_s","count","sha256","time","t_ms","prev"]'
t_eq "rows lines: contiguous steps" \
    "$(jq -s '[.[] | select(.type == "rows")] | [range(1; length) as $i | .[$i].from - .[$i - 1].to] | unique' "$J" -c)" \
    '[1]'
t_eq "independent recomputation of every rows hash" "$(recompute "$J" "$S/web.rrd")" \
    "match $nrows of $nrows"

out=$("$SLAPROBE" journal verify -c "$FX_DIR/a.yaml") && rc=0 || rc=$?
t_eq "untouched: verify exit" "$rc" 0
t_match "untouched: verify agrees" "$out" "web: rows: $nrows lines, $nrows checked, 0 differ.* RRD and journal agree"
"$SLAPROBE" report -c "$FX_DIR/a.yaml" --month "$month" --format json >"$FX_DIR/a.json" && rc=0 || rc=$?
t_eq "untouched: report exit is not 3" "$([ "$rc" -ne 3 ] && echo yes)" yes
t_eq "untouched: report evidence agrees" \
    "$(jq -c '.targets[0].evidence.rows | [.agree, .differ, .uncovered_steps, .contradicting_steps]' "$FX_DIR/a.json")" \
    '[true,0,0,0]'

# a step of a one-step rows line in the middle of the first UP period
up_since=$(jq -r 'select(.type == "state" and .to == "UP") | .since_ms' "$J" | head -1)
T=$(jq -r --argjson u "$up_since" \
    'select(.type == "rows" and .count == 1 and .from * 1000 > $u + 2000) | .from' "$J" | head -1)
t_eq "a step to edit" "$([ -n "$T" ] && echo yes)" yes
iso=$(date -u -d "@$T" +%Y-%m-%dT%H:%M:%S)

# --- one value edited --------------------------------------------------------
cp -a "$S" "$FX_DIR/edit"
write_cfg "$FX_DIR/e.yaml" "$FX_DIR/edit"
rrd_edit "$FX_DIR/edit/web.rrd" "$T" '["0.0000000000e+00"] + v[1:]'
out=$("$SLAPROBE" journal verify -c "$FX_DIR/e.yaml") && rc=0 || rc=$?
t_eq "edited: verify exit" "$rc" 1
t_match "edited: the step, the field, both values" "$out" \
    "ROWS DIFFER: step $iso\\.000Z \\($T\\): up was written as 1, the RRD holds 0"
t_match "edited: down time with no incident" "$out" \
    "ROWS CONTRADICT THE JOURNAL: the RRD shows down time \\(up=0\\) at 1 step $iso"
t_match "edited: summary" "$out" "1 differ.*RRD AND JOURNAL DISAGREE"
"$SLAPROBE" report -c "$FX_DIR/e.yaml" --month "$month" --format json >"$FX_DIR/e.json" && rc=0 || rc=$?
t_eq "edited: report exit 3" "$rc" 3
t_eq "edited: report JSON" \
    "$(jq -c '.targets[0].evidence.rows | [.agree, .differ, .contradicting_steps]' "$FX_DIR/e.json")" \
    '[false,1,1]'
t_match "edited: report JSON names the step" \
    "$(jq -r '.targets[0].evidence.rows.problems[]' "$FX_DIR/e.json")" "\\($T\\): up was written as 1"
"$SLAPROBE" report -c "$FX_DIR/e.yaml" --month "$month" >"$FX_DIR/e.txt" || true
t_eq "edited: report text, the month marked under its header" \
    "$(sed -n 1,6p "$FX_DIR/e.txt" | grep -c '^web: RRD and journal DISAGREE$')" 1
t_match "edited: report text" "$(cat "$FX_DIR/e.txt")" \
    "RRD and journal DISAGREE.*\\($T\\): up was written as 1"
"$SLAPROBE" report -c "$FX_DIR/e.yaml" --month "$month" --format csv >"$FX_DIR/e.csv" || true
t_match "edited: report CSV" "$(cat "$FX_DIR/e.csv")" ",rows_disagree"$'\n'".*,1,0,1,true$"
"$SLAPROBE" report -c "$FX_DIR/e.yaml" --month "$month" --format html -o "$FX_DIR/e.html" || true
t_match "edited: report HTML, the month marked" "$(cat "$FX_DIR/e.html")" \
    '<p class="rows-disagree"><strong>web: RRD and journal DISAGREE</strong></p>'
t_match "edited: report HTML" "$(cat "$FX_DIR/e.html")" \
    "RRD and journal DISAGREE.*\\($T\\): up was written as 1"

# --- one row removed ---------------------------------------------------------
cp -a "$S" "$FX_DIR/gone"
write_cfg "$FX_DIR/g.yaml" "$FX_DIR/gone"
rrd_edit "$FX_DIR/gone/web.rrd" "$T" '["NaN"] * len(v)'
out=$("$SLAPROBE" journal verify -c "$FX_DIR/g.yaml") && rc=0 || rc=$?
t_eq "row removed: verify exit" "$rc" 1
t_match "row removed: named" "$out" \
    "ROWS DIFFER: step $iso\\.000Z \\($T\\): the RRD's values are not those written .*\\(the row was removed\\)"

# --- a rows line edited ------------------------------------------------------
cp -a "$S" "$FX_DIR/line"
write_cfg "$FX_DIR/l.yaml" "$FX_DIR/line"
n=$(grep -n '"type":"rows"' "$FX_DIR/line/web.journal" | sed -n 3p | cut -d: -f1)
sed -i "${n}s/\"sha256\":\"\\(.\\)/\"sha256\":\"X\\1/" "$FX_DIR/line/web.journal"
out=$("$SLAPROBE" journal verify -c "$FX_DIR/l.yaml") && rc=0 || rc=$?
t_eq "rows line edited: verify exit" "$rc" 1
t_match "rows line edited: the chain breaks after it" "$out" "BROKEN at line $((n + 1)) "
t_match "rows line edited: its rows differ" "$out" "ROWS DIFFER: .*rows line $n\\)"

# --- values no rows line covers; a restart recovers them ---------------------
cp -a "$S" "$FX_DIR/unc"
write_cfg "$FX_DIR/u.yaml" "$FX_DIR/unc"
last=$(rrdtool last "$FX_DIR/unc/web.rrd")
rrdtool update "$FX_DIR/unc/web.rrd" "$((last + 1)):1:0:5:U:U:U:U:U"
out=$("$SLAPROBE" journal verify -c "$FX_DIR/u.yaml") && rc=0 || rc=$?
t_eq "uncovered: verify exit" "$rc" 1
t_match "uncovered: named" "$out" \
    "ROWS UNCOVERED: step .* \\($((last + 1))\\): values in the RRD that no rows line covers"
sp_run "$FX_DIR/u.yaml" "$FX_DIR/u.log"
wait_until 10 journal_has "$FX_DIR/unc/web.journal" 'select(.type == "rows" and .recovered)'
sp_stop "uncovered: daemon stops"
t_eq "uncovered: the recovered line" \
    "$(jq -c 'select(.type == "rows" and .recovered) | [.from, .to, .count]' "$FX_DIR/unc/web.journal")" \
    "[$((last + 1)),$((last + 1)),1]"
out=$("$SLAPROBE" journal verify -c "$FX_DIR/u.yaml") && rc=0 || rc=$?
t_eq "recovered: verify exit" "$rc" 0
t_match "recovered: said" "$out" "recovered at start: not covered when written"

# --- through rrdcached ---------------------------------------------------------
fx_start_rrdcached
write_cfg "$FX_DIR/c.yaml" "$FX_DIR/cstore" "  rrdcached: unix:$FX_RRDCACHED_SOCK"
sp_run "$FX_DIR/c.yaml" "$FX_DIR/c.log"
wait_until 10 journal_has "$FX_DIR/cstore/web.journal" 'select(.type == "rows")' 5
sp_stop "rrdcached: daemon stops"
out=$("$SLAPROBE" journal verify -c "$FX_DIR/c.yaml") && rc=0 || rc=$?
t_eq "rrdcached: verify exit" "$rc" 0
t_match "rrdcached: agrees" "$out" "RRD and journal agree"
nc=$(jq -c 'select(.type == "rows")' "$FX_DIR/cstore/web.journal" | grep -c .)
t_eq "rrdcached: independent recomputation" \
    "$(recompute "$FX_DIR/cstore/web.journal" "$FX_DIR/cstore/web.rrd" "unix:$FX_RRDCACHED_SOCK")" \
    "match $nc of $nc"

# --- imported history is covered too --------------------------------------------
write_cfg "$FX_DIR/i.yaml" "$FX_DIR/istore"
now=$(date +%s)
awk -v e=$((now - 5)) 'BEGIN { print "timestamp,up,total_ms"
    for (t = e - 40; t <= e; t++) printf "%d,%d,%s\n", t, (t % 7 != 0), (t % 7 ? "12.3456" : "") }' \
    >"$FX_DIR/i.csv"
"$SLAPROBE" import -c "$FX_DIR/i.yaml" --target web --csv "$FX_DIR/i.csv" >/dev/null
t_eq "import: a rows line" "$(jq -c 'select(.type == "rows") | .count' "$FX_DIR/istore/web.journal")" 41
out=$("$SLAPROBE" journal verify -c "$FX_DIR/i.yaml") && rc=0 || rc=$?
t_eq "import: verify exit" "$rc" 0
t_match "import: agrees" "$out" "1 checked, 0 differ.*RRD and journal agree"
t_eq "import: independent recomputation" \
    "$(recompute "$FX_DIR/istore/web.journal" "$FX_DIR/istore/web.rrd")" "match 1 of 1"

t_done
