#!/usr/bin/env bash
# `slaprobe evidence export` (docs/EVIDENCE.md, "The evidence archive") on a
# real daemon's store (nginx probed every second, checkpoints every 4 s, a
# target with an auth secret and a control target):
#  - the member list, the manifest's fields, the journal run byte for byte,
#    rows.txt one line per step of rows_from..rows_to;
#  - every ```sh block of VERIFY.md runs clean (sh -e) on the archive, and the
#    SHA256SUMS block fails after a one-byte edit;
#  - the configuration loads back without the secret, and the secret's value
#    is nowhere in the archive;
#  - lines after the last checkpoint, a bad .checkpoints line, and no
#    evidence key: warned, the run
#    still anchored by the checkpoint before, VERIFY.md's blocks clean;
#  - through rrdcached: the same rows; config.yaml does not name it;
#  - a step no rows line covers (the RRD edited): exit 3, the archive written
#    and its report marks the month;
#  - refusals: an existing -o file, an unknown target, a control target, a
#    bad month: exit 2, nothing written.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
asan_graphs on # the export draws the HTML report's graphs: see assert.sh
fx_init
fx_start_nginx
T=$FX_DIR/tsa
bash "$SP_SRC/tests/fixtures/make_tsa.sh" "$T" >/dev/null
fx_start_tsa "$T" 0

"$SLAPROBE" evidence keygen -o "$FX_DIR/key.pem" >"$FX_DIR/keygen.out"
KEY_ID=$(awk '/^key_id/ {print $2}' "$FX_DIR/keygen.out")
SECRET=exp0rt-s3cret-$$-value
export SP_EXPORT_SECRET=$SECRET

S=$FX_DIR/store
CFG=$FX_DIR/run.yaml
cat >"$CFG" <<YAML
storage:
  dir: $S
  retention: {full_days: 2, five_min_days: 3, hourly_days: 4}
timezone: UTC
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2}
control_targets: [gw]
targets:
  - id: web
    url: "http://127.0.0.1:$FX_HTTP_PORT/"
    pattern: 2
    auth: {header: "X-Token", value: "env:SP_EXPORT_SECRET"}
  - {id: gw, url: "http://127.0.0.1:$FX_HTTP_PORT/", sla_target: 99}
evidence:
  key: "file:$FX_DIR/key.pem"
  checkpoint_every: 4s
  tsa_url: "http://127.0.0.1:$TSA_PORT/tsa"
  tsa_ca: "$T/ca.pem"
YAML
sp_run "$CFG" "$FX_DIR/daemon.log"
wait_until 30 journal_has "$S/web.checkpoints" 'select(.type == "checkpoint")' 2
wait_until 20 journal_has "$S/web.journal" 'select(.type == "rows")' 5
sp_stop "daemon stops cleanly"

MONTH=$(date -u +%Y-%m)
TOP=web-$MONTH
A=$FX_DIR/web.tar.gz
rc=0
"$SLAPROBE" evidence export -c "$CFG" --target web --month "$MONTH" -o "$A" \
    >"$FX_DIR/export.out" 2>"$FX_DIR/export.err" || rc=$?
t_eq "export exits 0" "$rc" 0
cat "$FX_DIR/export.err" >&2
t_match "the log names members" "$(cat "$FX_DIR/export.out")" "targets/web/journal.jsonl: lines 1\.\."
t_eq "no temporary file left" "$(ls "$FX_DIR" | grep -c 'tmp-')" 0

# --- members
tar tzf "$A" | sort >"$FX_DIR/list"
t_eq "every member under $TOP/" "$(grep -vc "^$TOP/" "$FX_DIR/list" || true)" 0
M=$FX_DIR/x
mkdir "$M"
tar xzf "$A" -C "$M"
X=$M/$TOP
man() { jq -r "$1" "$X/manifest.json"; }
WA=$(man '.targets[] | select(.id == "web") | .anchor_seq')
GA=$(man '.targets[] | select(.id == "gw") | .anchor_seq')
want=$(for m in SHA256SUMS SHA256SUMS.sig VERIFY.md config.yaml evidence.pub manifest.json \
    report/report.html report/report.json report/report.txt \
    targets/web/journal.jsonl targets/web/rows.txt targets/web/checkpoints.jsonl \
    targets/web/checkpoint-$WA.msg targets/web/checkpoint-$WA.sig targets/web/checkpoint-$WA.tsr \
    targets/gw/journal.jsonl targets/gw/rows.txt targets/gw/checkpoints.jsonl \
    targets/gw/checkpoint-$GA.msg targets/gw/checkpoint-$GA.sig targets/gw/checkpoint-$GA.tsr \
    tsa-ca.pem; do echo "$TOP/$m"; done | sort)
t_eq "member list" "$(cat "$FX_DIR/list")" "$want"
# the HTML report is one file: web's two graphs inline (gw, a control
# target, is not in the report), well-formed
t_eq "report.html: web's graphs inline" "$(grep -o '<svg class="graph"' "$X/report/report.html" | wc -l)" 2
t_eq "report.html: well-formed" "$(xmllint --noout "$X/report/report.html" 2>&1 && echo ok)" ok
t_eq "tar: regular files, 0644, owner 0" \
    "$(tar tvzf "$A" | awk '$1 != "-rw-r--r--" || $2 != "0/0"' | wc -l)" 0

# --- manifest
t_eq "format" "$(man .format)" slaprobe-evidence-v1
t_eq "target" "$(man .target)" web
t_eq "month" "$(man .month)" "$MONTH"
t_eq "timezone" "$(man .timezone)" UTC
t_eq "key_id" "$(man .key_id)" "$KEY_ID"
t_eq "from is the month's start" "$(man .from)" "$(date -u -d "$MONTH-01" +%s)"
t_eq "roles" "$(man '[.targets[] | .id + ":" + .role] | join(",")')" "web:target,gw:control"
t_match "exported_ms" "$(man .exported_ms)" '^[0-9]{13}$'
for id in web gw; do
    tm() { man ".targets[] | select(.id == \"$id\") | $1"; }
    F=$(tm .first_seq) L=$(tm .last_seq) RF=$(tm .rows_from) RT=$(tm .rows_to) ST=$(tm .step_s)
    t_eq "$id: step" "$ST" 1
    t_eq "$id: the run starts at line 1 (a new journal)" "$F" 1
    t_eq "$id: prev of line 1" "$(tm .prev_sha256)" "$(printf '0%.0s' {1..64})"
    t_eq "$id: the anchor ends the run (the stop's checkpoint)" "$(tm .anchor_seq)" "$L"
    t_eq "$id: the last line is covered" "$(jq -r 'select(.type=="checkpoint") | .seq' \
        "$S/$id.checkpoints" | tail -1)" "$L"
    if sed -n "${F},${L}p" "$S/$id.journal" | cmp -s - "$X/targets/$id/journal.jsonl"; then
        t_ok "$id: journal.jsonl is lines $F..$L byte for byte"
    else t_bad "$id: journal.jsonl differs from the journal's lines $F..$L"; fi
    t_eq "$id: rows.txt lines" "$(wc -l <"$X/targets/$id/rows.txt")" $(((RT - RF) / ST + 1))
    t_eq "$id: rows.txt first step" "$(head -1 "$X/targets/$id/rows.txt" | cut -d: -f1)" "$RF"
    t_eq "$id: rows.txt last step" "$(tail -1 "$X/targets/$id/rows.txt" | cut -d: -f1)" "$RT"
    t_eq "$id: checkpoints.jsonl is the .checkpoints lines of the run" \
        "$(cat "$X/targets/$id/checkpoints.jsonl")" \
        "$(jq -c "select((.seq) >= $F and .seq <= $L)" "$S/$id.checkpoints" >/dev/null;
           awk -v f="$F" -v l="$L" '{ match($0, /"seq":[0-9]+/); s = substr($0, RSTART + 6, RLENGTH - 6) + 0; if (s >= f && s <= l) print }' "$S/$id.checkpoints")"
done
t_eq "tsa-ca.pem is evidence.tsa_ca" "$(cat "$X/tsa-ca.pem")" "$(cat "$T/ca.pem")"
t_eq "the public key is keygen's" "$(cat "$X/evidence.pub")" "$(cat "$FX_DIR/key.pem.pub")"
t_eq "report.json is the target's" "$(jq -r '[.targets[].id] | join(",")' "$X/report/report.json")" web

# --- the secret
if grep -rqF -- "$SECRET" "$M"; then t_bad "the secret's value is in the archive"
else t_ok "the secret's value is nowhere in the archive"; fi
t_match "config.yaml names the secret's reference" "$(cat "$X/config.yaml")" \
    '# auth: masked \(env:SP_EXPORT_SECRET\)'
rc=0
env -u SP_EXPORT_SECRET "$SLAPROBE" config-check -c "$X/config.yaml" >"$FX_DIR/cc.out" 2>&1 || rc=$?
t_eq "config.yaml loads without the secret's variable" "$rc" 0
t_match "config.yaml keeps the control target" "$(cat "$FX_DIR/cc.out")" 'control: true'

# --- VERIFY.md, block by block
awk '/^```sh$/ { n++; f = sprintf("%s/block%02d.sh", d, n); next }
     /^```$/ { f = ""; next }
     f { print > f }' d="$FX_DIR" "$X/VERIFY.md"
NB=$(ls "$FX_DIR"/block*.sh | wc -l)
t_eq "VERIFY.md is ASCII" "$(LC_ALL=C grep -c '[^ -~]' "$X/VERIFY.md" || true)" 0
t_match "VERIFY.md names the anchor" "$(cat "$X/VERIFY.md")" "checkpoint-$WA.msg"
# 1 sums, 1 signature, 2 anchors, 2 chains, per target one rows line and
# all rows lines: 01 02 03-04 05-06 07-08 (web) 09-10 (gw)
t_eq "VERIFY.md blocks" "$NB" 10
for b in "$FX_DIR"/block*.sh; do
    rc=0
    (cd "$X" && sh -e "$b") >"$b.out" 2>&1 || rc=$?
    t_eq "VERIFY.md $(basename "$b") runs clean" "$rc" 0
    [ "$rc" = 0 ] || cat "$b.out" "$b" >&2
done
t_match "the chain block counts the lines" "$(cat "$FX_DIR/block05.sh.out")" '^[0-9]+ lines chain$'
t_match "the rows block counts the lines" "$(cat "$FX_DIR/block08.sh.out")" '^[1-9][0-9]* rows lines$'

# tampering: each block that checks a member fails on an edited copy
tamper() { # NAME BLOCK FILE SED
    rm -rf "$FX_DIR/t" && cp -a "$X" "$FX_DIR/t"
    sed -i "$4" "$FX_DIR/t/$3"
    rc=0
    (cd "$FX_DIR/t" && sh -e "$FX_DIR/$2") >/dev/null 2>&1 || rc=$?
    t_eq "$1: $2 fails" "$rc" 1
}
tamper "a byte of rows.txt" block01.sh targets/web/rows.txt '1s/^\(.\{12\}\)./\1X/'
tamper "SHA256SUMS rewritten" block02.sh SHA256SUMS '$s/$/ /'
last_rows=$(grep -n '"type":"rows"' "$X/targets/web/journal.jsonl" | tail -1 | cut -d: -f1)
rf=$(sed -n "${last_rows}p" "$X/targets/web/journal.jsonl" | jq .from)
tamper "a row changed" block07.sh targets/web/rows.txt "s/^$rf:[^:]*:/$rf:0.5:/"
tamper "a row changed" block08.sh targets/web/rows.txt "s/^$rf:[^:]*:/$rf:0.5:/"
tamper "a rows line's hash changed" block08.sh targets/web/journal.jsonl \
    "${last_rows}s/\"sha256\":\"[0-9a-f]/\"sha256\":\"x/"
tamper "the anchor line changed" block03.sh targets/web/journal.jsonl "${WA}s/\"seq\"/\"seq\" /"
tamper "a journal line changed" block05.sh targets/web/journal.jsonl '2s/"seq":2,/"seq":2, /'

rm -rf "$FX_DIR/t" && cp -a "$X" "$FX_DIR/t"
printf 'x' | dd of="$FX_DIR/t/targets/web/checkpoint-$WA.tsr" bs=1 seek=60 conv=notrunc 2>/dev/null
rc=0
(cd "$FX_DIR/t" && sh -e "$FX_DIR/block03.sh") >/dev/null 2>&1 || rc=$?
t_eq "a byte of the token changed: block03.sh fails" "$rc" 1
t_match "the anchor block checks the token" "$(cat "$FX_DIR/block03.sh")" 'openssl ts -verify'

# --- through rrdcached: the same rows.txt; config.yaml leaves it out
fx_start_rrdcached
sed "s|^  dir: $S|  dir: $S\n  rrdcached: unix:$FX_RRDCACHED_SOCK|" "$CFG" >"$FX_DIR/s5.yaml"
t_match "the configuration names rrdcached" "$(cat "$FX_DIR/s5.yaml")" "rrdcached: unix:"
rc=0
"$SLAPROBE" evidence export -c "$FX_DIR/s5.yaml" --target web --month "$MONTH" \
    -o "$FX_DIR/s5.tar.gz" >/dev/null 2>"$FX_DIR/s5.err" || rc=$?
t_eq "through rrdcached: exit 0" "$rc" 0
if tar xzOf "$FX_DIR/s5.tar.gz" "$TOP/targets/web/rows.txt" | cmp -s - "$X/targets/web/rows.txt"
then t_ok "through rrdcached: the same rows.txt"; else t_bad "through rrdcached: rows.txt differs"; fi
t_eq "config.yaml does not name rrdcached" \
    "$(tar xzOf "$FX_DIR/s5.tar.gz" "$TOP/config.yaml" | grep -c rrdcached || true)" 0
fx_stop_rrdcached

# --- the last checkpoint lost (lines after it uncovered), no key configured
cp -a "$S" "$FX_DIR/s4"
awk '/"type":"checkpoint"/ { n++ } { l[NR] = $0; c[NR] = n } END {
    for (i = 1; i <= NR; i++) if (c[i] < n) print l[i] }' "$S/web.checkpoints" >"$FX_DIR/s4/web.checkpoints"
A4=$(jq -r 'select(.type == "checkpoint") | .seq' "$FX_DIR/s4/web.checkpoints" | tail -1)
echo '{"type":"checkpoint","garbage":1}' >>"$FX_DIR/s4/web.checkpoints"
L4=$(wc -l <"$S/web.journal")
sed -e "s|dir: $S|dir: $FX_DIR/s4|" -e '/^evidence:/,$d' "$CFG" >"$FX_DIR/s4.yaml"
rc=0
"$SLAPROBE" evidence export -c "$FX_DIR/s4.yaml" --target web --month "$MONTH" \
    -o "$FX_DIR/s4.tar.gz" >"$FX_DIR/s4.out" 2>&1 || rc=$?
t_eq "no key, lines uncovered: exit 0" "$rc" 0
t_match "the uncovered lines are warned about" "$(cat "$FX_DIR/s4.out")" \
    "warning: web: $((L4 - A4)) lines? after the last checkpoint (is|are) not covered"
t_match "a bad .checkpoints line is left out, with a warning" "$(cat "$FX_DIR/s4.out")" \
    "warning: .*web\.checkpoints: line [0-9]+ left out: "
t_match "no key is warned about" "$(cat "$FX_DIR/s4.out")" 'warning: no evidence.key'
mkdir "$FX_DIR/x4"
tar xzf "$FX_DIR/s4.tar.gz" -C "$FX_DIR/x4"
X4=$FX_DIR/x4/$TOP
t_eq "no key: no signature, no public key" \
    "$(ls "$X4" | grep -cE '^(SHA256SUMS\.sig|evidence\.pub)$' || true)" 0
t_eq "no key: key_id null" "$(jq .key_id "$X4/manifest.json")" null
t_eq "the run ends at the journal's last line" \
    "$(jq '.targets[0].last_seq' "$X4/manifest.json")" "$L4"
t_eq "anchored by the checkpoint before" "$(jq '.targets[0].anchor_seq' "$X4/manifest.json")" "$A4"
t_match "VERIFY.md says the lines are not covered" "$(cat "$X4/VERIFY.md")" \
    "$((L4 - A4)) lines? after the checkpoint (is|are) not covered"
rm -f "$FX_DIR"/block*.sh*
awk '/^```sh$/ { n++; f = sprintf("%s/block%02d.sh", d, n); next } /^```$/ { f = ""; next }
     f { print > f }' d="$FX_DIR" "$X4/VERIFY.md"
t_eq "no key: one block fewer" "$(ls "$FX_DIR"/block*.sh | wc -l)" 9
for b in "$FX_DIR"/block*.sh; do
    rc=0
    (cd "$X4" && sh -e "$b") >"$b.out" 2>&1 || rc=$?
    t_eq "no key: VERIFY.md $(basename "$b") runs clean" "$rc" 0
    [ "$rc" = 0 ] || cat "$b.out" "$b" >&2
done

# --- an RRD the journal does not cover: exit 3, written all the same
cp -a "$S" "$FX_DIR/s2"
sed "s|dir: $S|dir: $FX_DIR/s2|" "$CFG" >"$FX_DIR/s2.yaml"
last=$(rrdtool last "$FX_DIR/s2/web.rrd")
rrdtool update "$FX_DIR/s2/web.rrd" "$((last + 1)):1:0:5:U:U:U:U:U"
rc=0
"$SLAPROBE" evidence export -c "$FX_DIR/s2.yaml" --target web --month "$MONTH" \
    -o "$FX_DIR/s2.tar.gz" >/dev/null 2>"$FX_DIR/s2.err" || rc=$?
t_eq "RRD and journal disagree: exit 3" "$rc" 3
t_match "... and says so" "$(cat "$FX_DIR/s2.err")" 'disagree'
t_eq "... the archive is written, its report marks the month" \
    "$(tar xzOf "$FX_DIR/s2.tar.gz" "$TOP/report/report.json" | jq .rows_disagree)" true

# --- a month the one-step archive no longer holds whole: a store that (its
# journal's first line says) began 10 days ago, with 2 days at full resolution
cp -a "$S" "$FX_DIR/s3"
sed "s|dir: $S|dir: $FX_DIR/s3|" "$CFG" >"$FX_DIR/s3.yaml"
old_ms=$((($(date +%s) - 10 * 86400) * 1000))
sed -i "1s/\"t_ms\":[0-9]*/\"t_ms\":$old_ms/" "$FX_DIR/s3/web.journal"
if [ "$(date -u +%d)" -gt 3 ]; then
    rc=0
    "$SLAPROBE" evidence export -c "$FX_DIR/s3.yaml" --target web --month "$MONTH" \
        -o "$FX_DIR/s3.tar.gz" >/dev/null 2>"$FX_DIR/s3.err" || rc=$?
    t_eq "a month beyond the one-step archive: exit 2" "$rc" 2
    t_match "... says until when it could have been exported" "$(cat "$FX_DIR/s3.err")" \
        "no longer holds the month whole: its step .* is gone .*full_days 2\); the month could have been exported until $MONTH-[0-9]{2}T"
    t_eq "... no archive" "$(ls "$FX_DIR" | grep -c '^s3\.tar\.gz')" 0
fi

# --- refusals
refused() { # NAME ARGS...: exit 2, no file
    local name=$1 rc=0
    shift
    "$SLAPROBE" evidence export "$@" >/dev/null 2>"$FX_DIR/err" || rc=$?
    t_eq "$name: exit 2" "$rc" 2
    t_match "$name: one sentence" "$(cat "$FX_DIR/err")" '^slaprobe.*: .+'
}
before=$(sha256sum <"$A")
refused "existing -o" -c "$CFG" --target web --month "$MONTH" -o "$A"
t_eq "the existing file is untouched" "$(sha256sum <"$A")" "$before"
refused "unknown target" -c "$CFG" --target nope --month "$MONTH" -o "$FX_DIR/n.tar.gz"
refused "control target" -c "$CFG" --target gw --month "$MONTH" -o "$FX_DIR/n.tar.gz"
refused "bad month" -c "$CFG" --target web --month 2026-13 -o "$FX_DIR/n.tar.gz"
refused "no -o" -c "$CFG" --target web --month "$MONTH"
rc=0
"$SLAPROBE" evidence export -c "$CFG" --target web --month "$MONTH" -o "$FX_DIR/nodir/a.tar.gz" \
    >/dev/null 2>"$FX_DIR/err" || rc=$?
t_eq "an output that cannot be created: exit 1" "$rc" 1
t_match "... named" "$(cat "$FX_DIR/err")" "cannot create $FX_DIR/nodir/a\.tar\.gz\.tmp-"
t_eq "nothing written by a refusal" "$(ls "$FX_DIR" | grep -c '^n\.tar\.gz')" 0
rc=0
"$SLAPROBE" evidence export --help >"$FX_DIR/help" || rc=$?
t_eq "export --help exits 0" "$rc" 0
t_match "export --help documents exit 3" "$(cat "$FX_DIR/help")" 'Exit: 0 written'
t_done
