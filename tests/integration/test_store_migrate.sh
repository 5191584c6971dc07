#!/usr/bin/env bash
# `slaprobe store migrate` on a store made by the layout before this one
# (commit e64c13b: one <id>.rrd with AVERAGE at one step, AVERAGE and MAX
# at 5 minutes and at 1 hour), built here with `rrdtool create` from the
# very arguments that layout gave and filled by `rrdtool update` with 12
# days of one-minute steps (outages, unknown gaps, explicit unknown rows,
# partial and degraded steps, a daemon stop), and a journal whose rows lines
# cover the one-step archive's reach (3 days) and whose stop line marks the
# stop:
#  - the daemon and `import` refuse the old file, naming the command, and
#    leave it as it was; `journal verify` agrees with it;
#  - --dry-run writes nothing; the lock held by another process: refused;
#  - migrated: every step of the old one-step archive reads back the same
#    from the new rows file, every hour older than the reach equals the sums
#    of the old 5-minute rows (the hourly rows where the 5-minute archive
#    does not reach), the hours inside the reach are rolled up with the stop
#    applied, every hour from the first has a row; `journal verify` still
#    agrees; the month's report (inside the reach) is the same before and
#    after; the daemon then takes the store;
#  - a second run has nothing to do; a target with another interval fails
#    (exit 1) while the others are migrated; --vantage converts that
#    vantage's store;
#  - restartable: every state a kill can leave between the renames, and a
#    kill -9 while large files are written, end in the same files on rerun;
#  - with rrdcached, the rows it holds for the old file are migrated too,
#    and it has forgotten the old file after; one that does not answer
#    fails the target.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
D=$FX_DIR
PY=/usr/bin/python3

# --- the layout before: storage/layout.c at e64c13b -------------------------
ds_args() { # STEP
    local hb=$((2 * $1)) n
    for n in up degraded; do printf 'DS:%s:GAUGE:%d:0:1 ' $n $hb; done
    for n in total_ms dns_ms connect_ms tls_ms ttfb_ms; do printf 'DS:%s:GAUGE:%d:0:U ' $n $hb; done
    printf 'DS:cert_days:GAUGE:%d:U:U' $hb
}
# old_create FILE STEP START FULL_DAYS FIVE_MIN_DAYS HOURLY_DAYS
old_create() {
    local f=$1 step=$2 start=$3 p5=$((300 / $2)) p60=$((3600 / $2))
    ((p5 >= 1)) || p5=1
    ((p60 >= 1)) || p60=1
    local full=$((($4 * 86400 + step - 1) / step))
    local r5=$((($5 * 86400 + p5 * step - 1) / (p5 * step)))
    local r60=$((($6 * 86400 + p60 * step - 1) / (p60 * step)))
    # shellcheck disable=SC2046
    rrdtool create "$f" --step "$step" --start "$start" $(ds_args "$step") \
        "RRA:AVERAGE:0.5:1:$full" "RRA:AVERAGE:0.5:$p5:$r5" "RRA:MAX:0.5:$p5:$r5" \
        "RRA:AVERAGE:0.5:$p60:$r60" "RRA:MAX:0.5:$p60:$r60"
}
n_rra() { rrdtool info "$1" | grep -c '^rra\[[0-9]*\]\.cf'; }

# The month before this one, and the store's last update 2.5 days into it:
# the one-step archive (3 days) reaches back before the month began.
MS=$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%s)
MONTH=$(date -u -d "@$MS" +%Y-%m)
L=$((MS + 2 * 86400 + 43200))
N=$((12 * 1440))        # 12 days of steps: older than the 5-minute archive's 10
T_STOP=$((L - 1500 * 60)) # the daemon stopped 30 s before the end of this step

S=$D/store
mkdir "$S"
cat >"$D/c.yaml" <<YAML
timezone: UTC
storage:
  dir: $S
  retention: {full_days: 3, five_min_days: 10, hourly_days: 40}
defaults: {interval: 60s, timeout: 5s}
targets:
  - {id: web, url: "http://127.0.0.1:9/", pattern: 1}
  - {id: fresh, url: "http://127.0.0.1:9/fresh", pattern: 1}
YAML

# The series: rrdtool update arguments, one step a line ("T:v1:...:v8",
# values as slaprobe wrote them: %.6g or U); a step with no line is a gap.
$PY - "$L" "$N" "$T_STOP" >"$D/rows.txt" <<'PY'
import random, sys
L, N, t_stop = (int(a) for a in sys.argv[1:])
random.seed(7)
skip_until = 0
for k in range(N):
    t = L - (N - 1 - k) * 60
    if t <= skip_until or k % 997 < 25:  # after the stop; an unknown gap
        continue
    if k % 1777 == 5:  # one step missed: rrdtool fills it with the next value
        continue
    r = random.random()
    if k % 1409 < 40:  # an outage
        v = [0, 0, None, None, None, None, None, 89.5]
    elif r < 0.02:  # an explicit unknown row
        v = [None] * 8
    elif r < 0.05:  # partly down
        v = [random.choice([0.5, 0.333333, 0.75]), 0, round(random.uniform(50, 300), 3),
             1.25, 2.5, None, 30.125, 89.5]
    elif r < 0.10:  # slow: degraded
        v = [1, random.choice([1, 0.5]), round(random.uniform(2000, 5000), 3), 1.5, 3, None,
             1500.75, 89.5]
    else:
        v = [1, 0, round(random.uniform(20, 400), 3), round(random.uniform(0.1, 5), 4), 2.25,
             None, round(random.uniform(10, 300), 3), 89.5]
    if t == t_stop:  # the last step before the stop, then 20 minutes of nothing
        v = [1, 0, 123.5, 1, 2, None, 50, 89.5]
        skip_until = t + 20 * 60
    print("%d:%s" % (t, ":".join("U" if x is None else "%.6g" % x for x in v)))
PY
old_create "$S/web.rrd" 60 $((L - N * 60)) 3 10 40
xargs -n 2000 rrdtool update "$S/web.rrd" -- <"$D/rows.txt"
t_eq "old store: last update" "$(rrdtool last "$S/web.rrd")" "$L"
t_eq "old store: five archives" "$(n_rra "$S/web.rrd")" 5
REACH=$((L - 4320 * 60)) # the one-step archive holds the steps ending in (REACH, L]

# The journal: rows lines over the reach, 60 steps a line, their hashes
# from the file as docs/EVIDENCE.md defines them, and the stop.
$PY - "$S/web.rrd" "$REACH" "$L" "$T_STOP" >"$S/web.journal" <<'PY'
import hashlib, json, math, subprocess, sys
rrd, reach, last, t_stop = sys.argv[1], *(int(a) for a in sys.argv[2:])
out = subprocess.run(["rrdtool", "fetch", rrd, "AVERAGE", "-r", "60", "-s", str(reach),
                      "-e", str(last)], capture_output=True, text=True, check=True).stdout
vals = {}
for l in out.splitlines():
    f = l.split()
    if len(f) == 9 and f[0].endswith(":"):
        vals[int(f[0][:-1])] = f[1:]
lines, prev = [], "0" * 64
def put(o):
    global prev
    o = {"seq": len(lines) + 1, **o, "prev": prev}
    line = json.dumps(o, separators=(",", ":")).encode()
    lines.append(line)
    prev = hashlib.sha256(line).hexdigest()
def stamp(t):
    import datetime
    return {"time": datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%S.000Z"), "t_ms": t * 1000}
for a in range(reach + 60, last + 1, 3600):
    b = min(a + 3540, last)
    text = ""
    for t in range(a, b + 1, 60):
        row = [str(t)] + ["U" if math.isnan(float(x)) else "%.6g" % float(x)
                          for x in vals.get(t, ["nan"] * 8)]
        text += ":".join(row) + "\n"
    if a <= t_stop <= b:
        put({"type": "stop", "settled_ms": (t_stop - 30) * 1000, **stamp(t_stop - 30)})
    put({"type": "rows", "from": a, "to": b, "step_s": 60, "count": (b - a) // 60 + 1,
         "sha256": hashlib.sha256(text.encode()).hexdigest(), **stamp(b)})
sys.stdout.buffer.write(b"\n".join(lines) + b"\n")
PY
cp -a "$S" "$D/orig" # the old store as made, for the reruns below

# --- before: refused, verified, reported -------------------------------------
cp "$S/web.rrd" "$D/web.rrd.before"
rc=0
timeout 30 "$SLAPROBE" run -c "$D/c.yaml" >"$D/run.out" 2>&1 || rc=$?
t_eq "daemon on the old file: exit 2" "$rc" 2
t_match "daemon on the old file: names the command" "$(cat "$D/run.out")" \
    "web.rrd was made by an older slaprobe.*slaprobe store migrate -c CONFIG"
echo "$((L + 60)),1,100" >"$D/new.csv"
rc=0
"$SLAPROBE" import -c "$D/c.yaml" --target web --csv "$D/new.csv" >"$D/imp.out" 2>&1 || rc=$?
t_eq "import into the old file: refused" "$((rc != 0))" 1
t_match "import into the old file: names the command" "$(cat "$D/imp.out")" \
    "slaprobe store migrate -c CONFIG"
t_eq "refusals: the old file untouched" "$(cmp "$D/web.rrd.before" "$S/web.rrd" && echo same)" same
t_eq "refusals: no hours file made" "$(find "$S" -name '*.hist.rrd' | wc -l)" 0
rm -f "$S/fresh.rrd" "$S/fresh.hist.rrd" "$S/fresh.journal" # the daemon may have made them

rc=0
out=$("$SLAPROBE" journal verify -c "$D/c.yaml" --target web 2>&1) || rc=$?
t_eq "old store: journal verify exit" "$rc" 0
t_match "old store: RRD and journal agree" "$out" "web: rows: 72 lines, 72 checked, 0 differ"
rc_before=0
"$SLAPROBE" report -c "$D/c.yaml" --month "$MONTH" --format json --target web \
    >"$D/before.json" 2>"$D/before.err" || rc_before=$?
t_eq "old store: report exit (1: the SLA is missed)" "$rc_before" 1

# --- usage ---------------------------------------------------------------------
for args in "store" "store frob" "store migrate" "store migrate -c $D/c.yaml --bogus" \
    "store migrate -c $D/c.yaml extra"; do
    rc=0
    # shellcheck disable=SC2086
    "$SLAPROBE" $args >/dev/null 2>&1 || rc=$?
    t_eq "usage error '$args': exit" "$rc" 2
done
t_match "store --help" "$("$SLAPROBE" store --help | head -1)" "^usage: slaprobe store migrate"

# --- dry run, the lock -----------------------------------------------------------
rc=0
out=$("$SLAPROBE" store migrate -c "$D/c.yaml" --dry-run) || rc=$?
t_eq "dry run: exit" "$rc" 0
t_match "dry run: what it would do" "$out" "web: would migrate: 4320 steps of 60 s to copy"
t_eq "dry run: nothing written" \
    "$(cmp "$D/web.rrd.before" "$S/web.rrd" && find "$S" -mindepth 1 ! -name .slaprobe.lock -printf '%f\n' | sort | paste -sd' ')" \
    "web.journal web.rrd"

$PY -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)' "$S/.slaprobe.lock" >"$D/locker.out" &
LOCKER=$!
fx_track_pid $LOCKER
wait_until 10 grep -q locked "$D/locker.out"
rc=0
"$SLAPROBE" store migrate -c "$D/c.yaml" >"$D/m.out" 2>&1 || rc=$?
t_eq "lock held: exit" "$rc" 1
t_match "lock held: said" "$(cat "$D/m.out")" "in use by another slaprobe process.*nothing migrated"
t_eq "lock held: nothing written" "$(cmp "$D/web.rrd.before" "$S/web.rrd" && echo same)" same
kill $LOCKER
wait $LOCKER 2>/dev/null || true
fx_untrack "p:$LOCKER"

# --- the migration ----------------------------------------------------------------
touch "$S/.sp-migrate.web.rrd" # a killed run's leftover
rc=0
"$SLAPROBE" store migrate -c "$D/c.yaml" >"$D/m.out" 2>"$D/m.err" || rc=$?
out=$(cat "$D/m.out")
echo "$out"
t_eq "migrate: exit" "$rc" 0
t_match "migrate: stale file removed" "$(cat "$D/m.err")" "removed .*/\.sp-migrate\.web\.rrd"
t_match "migrate: the line of web" "$out" \
    "web: migrated: 4320 steps of 60 s copied \([0-9]+ with a value\), .*; [0-9]+ hours written from .* \([0-9]+ rolled up from the steps with 1 stop, [0-9]+ from the old 5-minute archive, [0-9]+ from the old hourly archive\); the old file is kept as $S/web.rrd.v1: remove it when satisfied"
t_match "migrate: a target without a file" "$out" "fresh: no RRD file: nothing to migrate"
t_match "migrate: summary" "$out" "1 target migrated, 0 already migrated, 1 without a file, 0 failed"
t_eq "migrate: no temporary file left" "$(find "$S" -name '.sp-*' | wc -l)" 0
t_eq "new rows file: one archive" "$(n_rra "$S/web.rrd")" 1
t_eq "new rows file: last update" "$(rrdtool last "$S/web.rrd")" "$L"
t_eq "hours file: one archive of 3600 s" "$(n_rra "$S/web.hist.rrd"):$(rrdtool info "$S/web.hist.rrd" | sed -n 's/^step = //p')" "1:3600"
t_eq "old file kept, as it was" "$(cmp "$D/web.rrd.before" "$S/web.rrd.v1" && echo same)" same

# Every step of the old one-step archive, as rrdtool prints it.
fetch_steps() { rrdtool fetch "$1" AVERAGE -r 60 -s "$REACH" -e "$L"; }
fetch_steps "$D/web.rrd.before" >"$D/steps.old"
fetch_steps "$S/web.rrd" >"$D/steps.new"
t_eq "steps: 4320 read from both" \
    "$(grep '^ *[0-9]*:' "$D/steps.old" | awk -F: -v r="$REACH" -v l="$L" '$1 + 0 > r && $1 + 0 <= l' | grep -c .) $(grep '^ *[0-9]*:' "$D/steps.new" | awk -F: -v r="$REACH" -v l="$L" '$1 + 0 > r && $1 + 0 <= l' | grep -c .)" \
    "4320 4320"
t_eq "steps: identical" "$(cmp "$D/steps.old" "$D/steps.new" && echo same)" same

# The hours file against the old archives and the steps.
E=$((L - L % 3600))
B=$(((REACH + 3599) / 3600 * 3600))
R5=$((L - L % 300 - 2880 * 300)) # the 5-minute archive's reach (10 days)
hours=$($PY - "$D/web.rrd.before" "$S/web.hist.rrd" "$B" "$E" "$R5" "$T_STOP" <<'PY'
import math, subprocess, sys
old, hist, B, E, R5, t_stop = sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:])
def fetch(path, res, s, e):
    out = subprocess.run(["rrdtool", "fetch", path, "AVERAGE", "-r", str(res), "-s", str(s),
                          "-e", str(e)], capture_output=True, text=True, check=True).stdout
    names, rows = None, {}
    for l in out.splitlines():
        f = l.split()
        if not f:
            continue
        if not f[0].endswith(":"):
            names = f
        else:
            rows[int(f[0][:-1])] = dict(zip(names, (float(x) for x in f[1:])))
    return rows
got = fetch(hist, 3600, B - 40 * 86400, E)
H5 = (R5 + 3599) // 3600 * 3600
five, hourly = fetch(old, 300, H5, B), fetch(old, 3600, B - 40 * 86400, H5)
steps = fetch(old, 60, B, E)
exp = {}
def add(rows, length, weight):
    for t, r in rows.items():
        if math.isnan(r["up"]):
            continue
        h = (t - length) // 3600 * 3600 + 3600  # the hour's end
        a = exp.setdefault(h, [0.0, 0.0, 0.0, 0.0, 0.0])
        a[0] += r["up"] * length
        a[1] += length
        a[2] += r["degraded"] * length if not math.isnan(r["degraded"]) else 0
        if not math.isnan(r["total_ms"]):
            a[3] += r["total_ms"] * weight
            a[4] += weight
add({t: r for t, r in five.items() if H5 < t <= B}, 300, 5)
add({t: r for t, r in hourly.items() if t <= H5}, 3600, 60)
known = [t for t in sorted(got) if t <= B and not math.isnan(got[t]["up_s"])]
first = known[0]
checked, bad, by5, by60 = 0, [], 0, 0
for h in range(first, B + 1, 3600):
    g, a = got[h], exp.get(h, [0.0] * 5)
    up = round(a[0])
    want = [up, a[1] - up, min(round(a[2]), up), a[4]]
    have = [g["up_s"], g["down_s"], g["degraded_s"], g["total_n"]]
    ok = all(abs(x - y) <= (0.5 if i < 3 and abs(a[0] - round(a[0])) > 0.4999 else 0)
             for i, (x, y) in enumerate(zip(have, want)))
    if a[4]:
        ok = ok and abs(g["total_ms"] - a[3] / a[4]) <= 1e-5 * a[3] / a[4]
    else:
        ok = ok and math.isnan(g["total_ms"])
    checked += 1
    by5 += h > H5
    by60 += h <= H5
    if not ok:
        bad.append("%d: have %s want %s" % (h, have, want))
# inside the reach: an hour's known seconds are its known steps' (the
# stop's hour 30 s fewer: the step is cut at the stop)
roll_bad = []
for h in range(B + 3600, E + 1, 3600):
    n = sum(1 for t in range(h - 3540, h + 1, 60) if t in steps and not math.isnan(steps[t]["up"]))
    want = n * 60 - (30 if h - 3600 < t_stop <= h else 0)
    if got[h]["up_s"] + got[h]["down_s"] != want:
        roll_bad.append("%d: %s want %d" % (h, got[h]["up_s"] + got[h]["down_s"], want))
gaps = sum(1 for t in range(first, E + 1, 3600) if t not in got or math.isnan(got[t]["up_s"]))
print("coarse %d hours (%d from 5-minute rows, %d from hourly rows), %d differ %s" %
      (checked, by5, by60, len(bad), bad[:3]))
print("rolled %d hours, %d differ %s" % ((E - B) // 3600, len(roll_bad), roll_bad[:3]))
print("gaps %d" % gaps)
PY
)
echo "$hours"
t_match "hours older than the reach: the old archives' sums" "$hours" \
    "coarse [0-9]+ hours \(1[0-9][0-9] from 5-minute rows, [1-9][0-9]* from hourly rows\), 0 differ"
t_match "hours inside the reach: rolled up, the stop applied" "$hours" "rolled $(((E - B) / 3600)) hours, 0 differ"
t_match "hours: no gap" "$hours" "gaps 0"

rc=0
out=$("$SLAPROBE" journal verify -c "$D/c.yaml" --target web 2>&1) || rc=$?
t_eq "migrated: journal verify exit" "$rc" 0
t_match "migrated: RRD and journal agree" "$out" "web: rows: 72 lines, 72 checked, 0 differ"
rc=0
"$SLAPROBE" report -c "$D/c.yaml" --month "$MONTH" --format json --target web \
    >"$D/after.json" 2>"$D/after.err" || rc=$?
t_eq "migrated: report exit" "$rc" "$rc_before"
figures='.targets[] | {id, downtime_s, unknown_s, eligible_s, uptime_s, degraded_s,
    availability_pct, strict_availability_pct, coverage_pct, mtbf_s, mttr_s, response_ms,
    incidents: (.incidents | length), resolution_s, rows: .evidence.rows}'
t_eq "report: the month's figures before and after" "$(jq -cS "$figures" "$D/after.json")" \
    "$(jq -cS "$figures" "$D/before.json")"
t_match "report: a month with outages and unknown time" \
    "$(jq -c '.targets[0] | [.downtime_s > 0, .unknown_s > 0, (.incidents | length) > 1]' "$D/after.json")" \
    '^\[true,true,true\]$'
t_eq "report: the whole target the same, every incident" \
    "$(cmp <(jq -S '.targets' "$D/after.json") <(jq -S '.targets' "$D/before.json") && echo same)" same

# the files of a migrated store, as rrdtool prints them
dump_store() { # DIR ID
    fetch_steps "$1/$2.rrd"
    rrdtool fetch "$1/$2.hist.rrd" AVERAGE -r 3600 -s $((E - 40 * 86400)) -e "$E"
    rrdtool last "$1/$2.hist.rrd"
}
dump_store "$S" web >"$D/ref.dump"
cp -a "$S" "$D/migrated"

# --- again: nothing to do; a target that cannot be migrated --------------------
rc=0
out=$("$SLAPROBE" store migrate -c "$D/c.yaml") || rc=$?
t_eq "second run: exit" "$rc" 0
t_match "second run: already migrated" "$out" "web: already migrated; the old file is still kept as $S/web.rrd.v1"
t_match "second run: nothing to migrate" "$out" "^.*nothing to migrate: 1 target already migrated, 1 without a file$"
t_eq "second run: files unchanged" "$(dump_store "$S" web | cmp - "$D/ref.dump" && echo same)" same

W=$D/wrong
cp -a "$D/orig" "$W"
cp "$W/web.rrd" "$W/slow.rrd"
sed -e "s#dir: $S#dir: $W#" -e 's#  - {id: fresh.*#  - {id: slow, url: "http://127.0.0.1:9/s", pattern: 1, interval: 30s}#' \
    "$D/c.yaml" >"$D/w.yaml"
rc=0
"$SLAPROBE" store migrate -c "$D/w.yaml" >"$D/w.out" 2>"$D/w.err" || rc=$?
t_eq "another interval: exit 1" "$rc" 1
t_match "another interval: said" "$(cat "$D/w.err")" \
    "slow: NOT MIGRATED: .*slow.rrd has a step of 60 s, but the target's interval is 30 s"
t_eq "another interval: that file untouched" "$(cmp "$W/slow.rrd" "$D/web.rrd.before" && echo same)" same
t_match "another interval: the other target migrated" "$(cat "$D/w.out")" \
    "1 target migrated, 0 already migrated, 0 without a file, 1 failed"
t_eq "another interval: the other's files as in a run alone" "$(dump_store "$W" web | cmp - "$D/ref.dump" && echo same)" same

# --- a vantage's store ----------------------------------------------------------------
V=$D/vroot
mkdir -p "$V/tokyo-1"
cp -a "$D/orig/." "$V/tokyo-1/"
sed "s#dir: $S#dir: $V#" "$D/c.yaml" >"$D/v.yaml"
echo 'vantages: [tokyo-1, osaka-1]' >>"$D/v.yaml"
rc=0
"$SLAPROBE" store migrate -c "$D/v.yaml" --vantage tokyo-1 >"$D/v.out" 2>&1 || rc=$?
t_eq "--vantage: exit" "$rc" 0
t_match "--vantage: the vantage's store" "$(cat "$D/v.out")" "web: migrated: .*kept as $V/tokyo-1/web.rrd.v1"
t_eq "--vantage: the same files as a single store's" \
    "$(dump_store "$V/tokyo-1" web | cmp - "$D/ref.dump" && echo same)" same
t_eq "--vantage: nothing written in the root" "$(find "$V" -maxdepth 1 -type f | wc -l)" 0
rc=0
"$SLAPROBE" store migrate -c "$D/v.yaml" --vantage nowhere >/dev/null 2>&1 || rc=$?
t_eq "--vantage not one of vantages: exit 2" "$rc" 2

# --- restartable: the states a kill leaves between the renames -------------------
# rerun NAME: migrate the store in $R again; its files must be the reference's
rerun() {
    rc=0
    "$SLAPROBE" store migrate -c "$D/r.yaml" >"$D/r.out" 2>&1 || rc=$?
    t_eq "$1: rerun exit" "$rc" 0
    t_eq "$1: the same files as one run" "$(dump_store "$R" web | cmp - "$D/ref.dump" && echo same)" same
    t_eq "$1: old file kept" "$(cmp "$R/web.rrd.v1" "$D/web.rrd.before" && echo same)" same
    t_eq "$1: journal verify" "$("$SLAPROBE" journal verify -c "$D/r.yaml" --target web >/dev/null 2>&1 && echo ok)" ok
}
R=$D/restart
sed "s#dir: $S#dir: $R#" "$D/c.yaml" >"$D/r.yaml"

rm -rf "$R" && cp -a "$D/orig" "$R"
cp "$D/migrated/web.hist.rrd" "$R/" # killed after the hours were renamed into place
cp "$D/migrated/web.rrd" "$R/.sp-migrate.web.rrd"
rerun "hours in place, old rows file"

rm -rf "$R" && cp -a "$D/orig" "$R"
cp "$D/migrated/web.hist.rrd" "$R/"
ln "$R/web.rrd" "$R/web.rrd.v1" # ... and after the old file's second name
rerun "hours in place, old file linked"

rm -rf "$R" && cp -a "$D/orig" "$R"
cp "$D/migrated/web.hist.rrd" "$R/"
mv "$R/web.rrd" "$R/web.rrd.v1" # the old file moved aside, no <id>.rrd
rerun "only web.rrd.v1"
t_match "only web.rrd.v1: resumed from it" "$(cat "$D/r.out")" "web: migrated: .*; resumed from $R/web.rrd.v1"

rm -rf "$R" && cp -a "$D/orig" "$R"
echo "not an RRD" >"$R/web.rrd.v1" # not the old file: never overwritten
rc=0
"$SLAPROBE" store migrate -c "$D/r.yaml" >"$D/r.out" 2>&1 || rc=$?
t_eq "a foreign web.rrd.v1: exit 1" "$rc" 1
t_match "a foreign web.rrd.v1: said" "$(cat "$D/r.out")" "web.rrd.v1 exists and is not .*web.rrd"
t_eq "a foreign web.rrd.v1: kept" "$(cat "$R/web.rrd.v1")" "not an RRD"

# --- kill -9 while large files are written --------------------------------------
# Three targets at a 1 s step (3 days: 259,200 steps a file): a kill lands
# while a copy is being written; the rerun removes it and ends where a run
# that was never killed ends.
K=$D/big
mkdir "$K"
{
    echo "storage:"
    echo "  dir: $K"
    echo "  retention: {full_days: 3, five_min_days: 4, hourly_days: 10}"
    echo "defaults: {interval: 1s, timeout: 800ms}"
    echo "targets:"
    for i in 1 2 3; do echo "  - {id: b$i, url: \"http://127.0.0.1:9/$i\", pattern: 1}"; done
} >"$D/k.yaml"
KL=$((L - L % 3600))
for i in 1 2 3; do
    old_create "$K/b$i.rrd" 1 $((KL - 5 * 86400)) 3 4 10
    $PY -c 'import sys
L, i = int(sys.argv[1]), int(sys.argv[2])
for t in range(L - 5 * 86400 + 1, L + 1, 7):
    print("%d:%d:0:%d:U:U:U:U:U" % (t, (t // 3600 + i) % 5 != 0, t % 500))' "$KL" "$i" |
        xargs -n 5000 rrdtool update "$K/b$i.rrd" --
done
cp -a "$K" "$D/bigref"
sed "s#dir: $K#dir: $D/bigref#" "$D/k.yaml" >"$D/kref.yaml"
"$SLAPROBE" store migrate -c "$D/kref.yaml" >"$D/kref.out"
kdump() { # DIR
    local i
    for i in 1 2 3; do
        rrdtool fetch "$1/b$i.rrd" AVERAGE -r 1 -s $((KL - 3 * 86400)) -e "$KL" | md5sum
        rrdtool fetch "$1/b$i.hist.rrd" AVERAGE -r 3600 -s $((KL - 10 * 86400)) -e "$KL"
    done
}
"$SLAPROBE" store migrate -c "$D/k.yaml" >"$D/k.out" 2>&1 &
KP=$!
fx_track_pid $KP
wait_until 60 sh -c "find '$K' -name '.sp-migrate.*' | grep -q ."
kill -9 $KP
rc=0
wait $KP || rc=$?
fx_untrack "p:$KP"
t_eq "kill -9: killed" "$rc" 137
left=$(find "$K" -name '.sp-*' | wc -l)
t_eq "kill -9: a temporary file left" "$((left > 0))" 1
layouts=$(for i in 1 2 3; do n_rra "$K/b$i.rrd"; done | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
echo "# archives per rows file after the kill (count: files): $layouts"
t_match "kill -9: every rows file whole, one at least still old" "$layouts" "^(1:[12] )?5:[1-3] $"
rc=0
"$SLAPROBE" store migrate -c "$D/k.yaml" >"$D/k.out" 2>&1 || rc=$?
t_eq "kill -9: rerun exit" "$rc" 0
t_match "kill -9: rerun removes the leftovers" "$(cat "$D/k.out")" "removed .*/\.sp-migrate\.b[1-3]\."
t_match "kill -9: rerun migrates the rest" "$(cat "$D/k.out")" "b3: migrated: 259200 steps of 1 s copied"
t_eq "kill -9: no temporary file left" "$(find "$K" -name '.sp-*' | wc -l)" 0
t_eq "kill -9: the same files as a run never killed" "$(kdump "$K" | md5sum)" "$(kdump "$D/bigref" | md5sum)"

# --- rrdcached ------------------------------------------------------------------------
# Rows rrdcached holds for the old file (-w 3600: it writes nothing unless
# asked) are in the copy; after the rename it has forgotten the old file, so
# a row it takes then goes into the new one. An rrdcached that does not
# answer may hold such rows: that target fails, its file untouched.
fx_start_rrdcached "$D"
C=$D/cached
cp -a "$D/orig" "$C"
sed -e "s#^  dir: .*#  dir: $C\n  rrdcached: unix:$FX_RRDCACHED_SOCK#" "$D/c.yaml" >"$D/rc.yaml"
for i in $(seq 1 10); do
    rrdtool update --daemon "unix:$FX_RRDCACHED_SOCK" "$C/web.rrd" "$((L + 60 * i)):1:0:$((100 + i)):U:U:U:U:U"
done
t_eq "rrdcached: holds 10 rows the old file lacks" "$(rrdtool last "$C/web.rrd")" "$L"
rc=0
"$SLAPROBE" store migrate -c "$D/rc.yaml" >"$D/rc.out" 2>&1 || rc=$?
t_eq "rrdcached: exit" "$rc" 0
t_match "rrdcached: the held rows copied too" "$(cat "$D/rc.out")" "web: migrated: 4320 steps of 60 s copied"
t_eq "rrdcached: new rows file ends with them" "$(rrdtool last "$C/web.rrd"):$(n_rra "$C/web.rrd")" "$((L + 600)):1"
t_match "rrdcached: the last held row's value" \
    "$(rrdtool fetch "$C/web.rrd" AVERAGE -r 60 -s $((L + 540)) -e $((L + 600)) | grep "^$((L + 600)):")" \
    "^$((L + 600)): 1.0000000000e\+00 0.0000000000e\+00 1.1000000000e\+02 "
rrdtool update --daemon "unix:$FX_RRDCACHED_SOCK" "$C/web.rrd" "$((L + 660)):1:0:111:U:U:U:U:U"
rrdtool flushcached --daemon "unix:$FX_RRDCACHED_SOCK" "$C/web.rrd"
t_eq "rrdcached: a row after the migration goes into the new file" "$(rrdtool last "$C/web.rrd")" "$((L + 660))"
fx_stop_rrdcached
N2=$D/noanswer
cp -a "$D/orig" "$N2"
sed -e "s#^  dir: .*#  dir: $N2\n  rrdcached: unix:$D/nothing.sock#" "$D/c.yaml" >"$D/na.yaml"
rc=0
"$SLAPROBE" store migrate -c "$D/na.yaml" >"$D/na.out" 2>&1 || rc=$?
t_eq "rrdcached not answering: exit 1" "$rc" 1
t_match "rrdcached not answering: said" "$(cat "$D/na.out")" "web: NOT MIGRATED: rrdcached flush of .*web.rrd"
t_eq "rrdcached not answering: file untouched" "$(cmp "$N2/web.rrd" "$D/web.rrd.before" && echo same)" same

# --- the daemon takes the migrated store -------------------------------------------
sp_run "$D/c.yaml" "$D/daemon.log"
wait_until 20 journal_has "$S/web.journal" 'select(.type == "start")'
sp_stop "daemon on the migrated store: exit"
t_eq "daemon: no refusal" "$(grep -c 'older slaprobe' "$D/daemon.log" || true)" 0

t_done
