#!/usr/bin/env bash
# The cost of `journal verify` over a month of a one-minute target (SPEC
# section 11): 43,200 rows imported with `slaprobe import`, then the journal
# rewritten as the daemon would have written it: one `rows` line per step (one row
# per write at a 60 s interval), chained and hashed as journal.c and
# storage/rowcheck.c do; verify is timed, and must say the RRD and journal
# agree. Also prints the bytes of a rows line and the journal's growth per
# day from them. Then `evidence export` of the current month (the store's
# last 30 days reach back before its start) is timed, with the archive's
# size, and each ```sh block of its VERIFY.md run by hand and timed.
# Usage: SLAPROBE=build/slaprobe bench/rows_verify.sh
set -euo pipefail
SLAPROBE=${SLAPROBE:-build/slaprobe}
D=$(mktemp -d /tmp/sp-rows-bench.XXXXXX)
trap 'rm -rf "$D"' EXIT
ROWS=${ROWS:-43200}
end=$(($(date +%s) / 60 * 60 - 120))
start=$((end - ROWS * 60))
cat >"$D/c.yaml" <<YAML
timezone: UTC
storage:
  dir: $D/store
  retention: {full_days: 35, five_min_days: 40, hourly_days: 400}
defaults: {interval: 60s, timeout: 5s}
targets:
  - {id: web, url: "http://127.0.0.1:9/", pattern: 1}
evidence:
  key: "file:$D/key.pem"
YAML
"$SLAPROBE" evidence keygen -o "$D/key.pem" >/dev/null
awk -v s=$start -v n=$ROWS 'BEGIN { srand(7); print "timestamp,up,total_ms"
    for (i = 1; i <= n; i++) { t = s + i * 60; up = (i % 5000 < 30) ? 0 : 1
        printf "%d,%d,%s\n", t, up, up ? sprintf("%.4f", 20 + rand() * 200) : "" } }' >"$D/h.csv"
"$SLAPROBE" import -c "$D/c.yaml" --target web --csv "$D/h.csv" >/dev/null
python3 - "$D/store/web.journal" "$D/store/web.rrd" "$start" "$end" <<'PY'
import hashlib, json, math, subprocess, sys, time
jpath, rrd, start, end = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = subprocess.run(["rrdtool", "fetch", rrd, "AVERAGE", "-r", "60", "-s", str(start),
                      "-e", str(end)], capture_output=True, text=True, check=True).stdout
# the journal as the daemon would have written it: a rows line per step
# (the import's own lines are replaced)
seq, prev = 0, "0" * 64
with open(jpath, "wb") as j:
    for l in out.splitlines():
        f = l.split()
        if len(f) != 9 or not f[0].endswith(":"):
            continue
        t = int(f[0][:-1])
        vals = ["U" if math.isnan(float(v)) else "%.6g" % float(v) for v in f[1:]]
        text = "%d:%s\n" % (t, ":".join(vals))
        ms = t * 1000 + 350
        seq += 1
        line = json.dumps({"seq": seq, "type": "rows", "from": t, "to": t, "step_s": 60,
                           "count": 1, "sha256": hashlib.sha256(text.encode()).hexdigest(),
                           "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".350Z",
                           "t_ms": ms, "prev": prev}, separators=(",", ":")).encode()
        j.write(line + b"\n")
        prev = hashlib.sha256(line).hexdigest()
PY
n=$(grep -c '"type":"rows"' "$D/store/web.journal")
bytes=$(grep '"type":"rows"' "$D/store/web.journal" | awk '{ s += length($0) + 1 } END { printf "%.0f", s / NR }')
echo "rows lines: $n, $bytes bytes each; at 60 s: $((bytes * 1440)) bytes per target per day"
echo "journal: $(stat -c %s "$D/store/web.journal") bytes"
t0=${EPOCHREALTIME/./}
"$SLAPROBE" journal verify -c "$D/c.yaml" >"$D/verify.out" && rc=0 || rc=$?
t1=${EPOCHREALTIME/./}
tail -n 2 "$D/verify.out"
echo "journal verify: exit $rc, $(((t1 - t0) / 1000)) ms for $ROWS rows"

month=$(date -u +%Y-%m)
t0=${EPOCHREALTIME/./}
"$SLAPROBE" evidence export -c "$D/c.yaml" --target web --month "$month" -o "$D/web.tar.gz" \
    >"$D/export.out" && rc=0 || rc=$?
t1=${EPOCHREALTIME/./}
mkdir "$D/x"
tar xzf "$D/web.tar.gz" -C "$D/x"
X=$D/x/web-$month
echo "evidence export $month: exit $rc, $(((t1 - t0) / 1000)) ms; archive $(stat -c %s "$D/web.tar.gz") bytes" \
    "($(wc -l <"$X/targets/web/journal.jsonl") journal lines, $(wc -l <"$X/targets/web/rows.txt") rows," \
    "$(du -sb "$X" | cut -f1) bytes extracted, rows.txt $(stat -c %s "$X/targets/web/rows.txt"))"
awk '/^```sh$/ { n++; f = sprintf("%s/block%02d.sh", d, n); next } /^```$/ { f = ""; next }
     f { print > f }' d="$D" "$X/VERIFY.md"
for b in "$D"/block*.sh; do
    t0=${EPOCHREALTIME/./}
    (cd "$X" && sh -e "$b") >"$b.out" 2>&1 && rc=0 || rc=$?
    t1=${EPOCHREALTIME/./}
    echo "VERIFY.md $(basename "$b" .sh) ($(head -c 40 "$b" | head -1)...): exit $rc, $(((t1 - t0) / 1000)) ms"
done

t0=${EPOCHREALTIME/./}
"$SLAPROBE" evidence verify "$D/web.tar.gz" >"$D/everify.out" && rc=0 || rc=$?
t1=${EPOCHREALTIME/./}
tail -n 1 "$D/everify.out"
echo "evidence verify: exit $rc, $(((t1 - t0) / 1000)) ms (rebuilds the month's RRD, rechecks the rows, recomputes the report)"
