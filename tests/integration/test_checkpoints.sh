#!/usr/bin/env bash
# Signed checkpoints (docs/EVIDENCE.md, "Checkpoints") with a real daemon
# probing nginx every second and checkpointing every second:
#  - <id>.checkpoints gets lines; one is verified from the shell alone
#    (`openssl pkeyutl -verify`, the message rebuilt from the line), and its
#    line_sha256 is the SHA-256 of the journal line it names;
#  - a head that did not move gets no new line; the stop gets a last one;
#  - `journal verify` is clean on the untouched store;
#  - a tamper matrix on copies of the store, each with its own message and
#    a non-zero exit: the tail cut after a checkpoint; a line edited before
#    a checkpoint (and the chain recomputed, so only the checkpoint sees
#    it); a signature altered; a checkpoint signed by another key. Lines
#    after the last checkpoint can still be cut: verify passes and says how
#    many are not covered;
#  - the webhook alert and status.json carry the latest checkpoint.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx
fx_start_sink hook http
HOOK_PORT=$FX_SINK_PORT

"$SLAPROBE" evidence keygen -o "$FX_DIR/key.pem" >"$FX_DIR/keygen.out"
KEY_ID=$(awk '/^key_id/ {print $2}' "$FX_DIR/keygen.out")
"$SLAPROBE" evidence keygen -o "$FX_DIR/other.pem" >/dev/null

# config FILE STORE: the daemon's configuration over the store STORE
config() {
    cat >"$1" <<YAML
storage:
  dir: $2
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
timezone: UTC
defaults: {interval: 4s, timeout: 800ms, retry_interval: 1s, confirm: 3}
targets:
  - {id: a, url: "http://127.0.0.1:$FX_HTTP_PORT/", pattern: 1}
  - {id: b, url: "http://127.0.0.1:$FX_HTTP_PORT/status/503", pattern: 1}
alerts:
  - {type: webhook, name: hook, url: "http://127.0.0.1:$HOOK_PORT/alert", events: [down]}
evidence:
  key: "file:$FX_DIR/key.pem"
  checkpoint_every: 1s
YAML
}
S=$FX_DIR/store
config "$FX_DIR/run.yaml" "$S"
sp_run "$FX_DIR/run.yaml" "$FX_DIR/daemon.log"
wait_until 20 journal_has "$FX_DIR/hook.jsonl" 'select(.status == 200 and .body.event == "down")'
# rounds go on while nothing moves: at least one finds every head unmoved
wait_until 20 log_has "$FX_DIR/daemon.log" 'checkpoints: 0 signed and written, 2 journals unchanged'
sp_stop "daemon stops cleanly"
t_match "a round is logged (count, time)" "$(cat "$FX_DIR/daemon.log")" \
    'checkpoints: [0-9]+ signed and written, [0-9]+ journals unchanged, in [0-9.]+ ms'
t_match "the stop's round is logged" "$(cat "$FX_DIR/daemon.log")" 'checkpoints \(stop\): '
t_eq "checkpoints file mode 0640" "$(stat -c %a "$S/a.checkpoints")" 640

# The last checkpoint covers the stop line
last=$(jq -c 'select(.type == "checkpoint")' "$S/a.checkpoints" | tail -1)
n_lines=$(wc -l <"$S/a.journal")
seq=$(jq -r .seq <<<"$last")
t_eq "the stop's checkpoint covers the journal's last line" "$seq" "$n_lines"
t_eq "it names the target" "$(jq -r .target <<<"$last")" a
t_eq "it names the key" "$(jq -r .key_id <<<"$last")" "$KEY_ID"
t_eq "the field order is the shared format" "$(jq -r 'keys_unsorted | join(",")' <<<"$last")" \
    "type,target,seq,line_sha256,t_ms,time,key_id,sig"
line_hash=$(sed -n "${seq}p" "$S/a.journal" | head -c -1 | sha256sum | cut -d' ' -f1)
t_eq "line_sha256 is the SHA-256 of journal line seq" "$(jq -r .line_sha256 <<<"$last")" "$line_hash"
# no two checkpoints of one file sign the same head
t_eq "an unmoved head gets no new line" \
    "$(jq -r 'select(.type == "checkpoint") | .seq' "$S/a.checkpoints" | sort | uniq -d | wc -l)" 0

# Verified without slaprobe: the message rebuilt from the line
printf 'slaprobe checkpoint v1\ntarget=%s\nseq=%s\nline_sha256=%s\nt_ms=%s\n' \
    "$(jq -r .target <<<"$last")" "$seq" "$(jq -r .line_sha256 <<<"$last")" \
    "$(jq -r .t_ms <<<"$last")" >"$FX_DIR/msg"
jq -r .sig <<<"$last" | base64 -d >"$FX_DIR/sig"
rc=0
openssl pkeyutl -verify -pubin -inkey "$FX_DIR/key.pem.pub" -rawin -in "$FX_DIR/msg" \
    -sigfile "$FX_DIR/sig" >"$FX_DIR/ossl.out" 2>&1 || rc=$?
t_eq "openssl pkeyutl -verify accepts the checkpoint" "$rc" 0
printf 'x' >>"$FX_DIR/msg"
rc=0
openssl pkeyutl -verify -pubin -inkey "$FX_DIR/key.pem.pub" -rawin -in "$FX_DIR/msg" \
    -sigfile "$FX_DIR/sig" >/dev/null 2>&1 || rc=$?
t_eq "openssl refuses another message" "$rc" 1

# The untouched store verifies clean
rc=0
"$SLAPROBE" journal verify -c "$FX_DIR/run.yaml" >"$FX_DIR/v.out" 2>&1 || rc=$?
t_eq "journal verify: clean store: exit 0" "$rc" 0
t_match "journal verify: checkpoints verify" "$(cat "$FX_DIR/v.out")" \
    'a: [0-9]+ checkpoints and 0 time-stamp tokens verify; the last .* covers line '"$n_lines"
t_eq "journal verify: nothing uncovered after the stop's checkpoint" \
    "$(grep -c 'not covered' "$FX_DIR/v.out" || true)" 0

# The alert and the status page carry the latest checkpoint
down=$(jq -c 'select(.status == 200 and .body.event == "down") | .body' "$FX_DIR/hook.jsonl" | head -1)
t_eq "webhook: checkpoint.target" "$(jq -r .checkpoint.target <<<"$down")" b
t_eq "webhook: checkpoint.key_id" "$(jq -r .checkpoint.key_id <<<"$down")" "$KEY_ID"
t_match "webhook: checkpoint.sig" "$(jq -r .checkpoint.sig <<<"$down")" '^[A-Za-z0-9+/]{86}==$'
t_match "webhook: checkpoint.seq" "$(jq -r .checkpoint.seq <<<"$down")" '^[1-9][0-9]*$'
bseq=$(jq -r .checkpoint.seq <<<"$down")
t_eq "webhook: that checkpoint is one of b's" \
    "$(jq -r "select(.type == \"checkpoint\" and .seq == $bseq) | .sig" "$S/b.checkpoints" | head -1)" \
    "$(jq -r .checkpoint.sig <<<"$down")"
"$SLAPROBE" status-page -c "$FX_DIR/run.yaml" -o "$FX_DIR/page" >/dev/null 2>&1
t_eq "status.json: a's checkpoint is the latest" \
    "$(jq -r '.services[] | select(.id == "a") | .checkpoint.seq' "$FX_DIR/page/status.json")" "$seq"
t_eq "status.json: with its signature" \
    "$(jq -r '.services[] | select(.id == "a") | .checkpoint.sig' "$FX_DIR/page/status.json")" \
    "$(jq -r .sig <<<"$last")"

# The private key is nowhere but in its file
body=$(sed -n 2p "$FX_DIR/key.pem")
t_eq "the private key is in no log, journal or page" \
    "$(grep -rlF -- "$body" "$FX_DIR/daemon.log" "$S" "$FX_DIR/page" "$FX_DIR/hook.jsonl" | wc -l)" 0

# --- The tamper matrix, each on a fresh copy of the store ---------------------
T=$FX_DIR/t
config "$FX_DIR/t.yaml" "$T"
copy() { rm -rf "$T"; cp -a "$S" "$T"; rm -f "$T/.slaprobe.lock"; }
verify() {
    VRC=0
    "$SLAPROBE" journal verify -c "$FX_DIR/t.yaml" --target a >"$FX_DIR/t.out" 2>&1 || VRC=$?
    VOUT=$(cat "$FX_DIR/t.out")
}
# rechain FILE: recompute every seq/prev after an edit (what an editor who
# knows the format does): the chain is intact again.
rechain() {
    python3 - "$1" <<'PY'
import hashlib, json, sys
p = sys.argv[1]
out, prev = [], "0" * 64
for i, raw in enumerate(open(p, "rb").read().split(b"\n")[:-1], 1):
    o = json.loads(raw)
    o["seq"], o["prev"] = i, prev
    o = {"seq": i, **{k: v for k, v in o.items() if k not in ("seq", "prev")}, "prev": prev}
    line = json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()
    out.append(line)
    prev = hashlib.sha256(line).hexdigest()
open(p, "wb").write(b"\n".join(out) + b"\n")
PY
}

copy
head -n -2 "$S/a.journal" >"$T/a.journal"
verify
t_eq "cut after a checkpoint: exit 1" "$VRC" 1
t_match "cut after a checkpoint: named" "$VOUT" \
    "a: journal ends at line $((n_lines - 2)) but checkpoint at .* covers line $n_lines"

copy
python3 - "$T/a.journal" <<'PY'
import json, sys
p = sys.argv[1]
lines = open(p).read().split("\n")
o = json.loads(lines[1])
o["edited"] = True
lines[1] = json.dumps(o, separators=(",", ":"))
open(p, "w").write("\n".join(lines))
PY
rechain "$T/a.journal"
verify
t_eq "line edited before a checkpoint (chain recomputed): exit 1" "$VRC" 1
t_match "line edited: the chain alone says intact" "$VOUT" 'a: intact'
t_match "line edited: the checkpoint names it" "$VOUT" \
    'a: journal line [0-9]+ is not the line the checkpoint at .* signed'

copy
python3 - "$T/a.checkpoints" <<'PY'
import json, sys, base64
p = sys.argv[1]
lines = open(p).read().split("\n")
o = json.loads(lines[0])
sig = bytearray(base64.b64decode(o["sig"]))
sig[10] ^= 1
o["sig"] = base64.b64encode(bytes(sig)).decode()
lines[0] = json.dumps(o, separators=(",", ":"))
open(p, "w").write("\n".join(lines))
PY
verify
t_eq "signature altered: exit 1" "$VRC" 1
t_match "signature altered: named" "$VOUT" \
    'a: the checkpoint at .* \(line 1 of .*a\.checkpoints\): the signature does not verify'

copy
cp1=$(head -1 "$S/a.checkpoints")
printf 'slaprobe checkpoint v1\ntarget=a\nseq=%s\nline_sha256=%s\nt_ms=%s\n' \
    "$(jq -r .seq <<<"$cp1")" "$(jq -r .line_sha256 <<<"$cp1")" "$(jq -r .t_ms <<<"$cp1")" \
    >"$FX_DIR/msg1"
osig=$(openssl pkeyutl -sign -inkey "$FX_DIR/other.pem" -rawin -in "$FX_DIR/msg1" | base64 -w0)
oid=$(openssl pkey -in "$FX_DIR/other.pem" -pubout -outform DER | tail -c 32 | sha256sum | cut -c1-16)
jq -c --arg s "$osig" --arg k "$oid" '.sig = $s | .key_id = $k' <<<"$cp1" >"$T/a.checkpoints"
tail -n +2 "$S/a.checkpoints" >>"$T/a.checkpoints"
verify
t_eq "another key's checkpoint: exit 1" "$VRC" 1
t_match "another key's checkpoint: named" "$VOUT" \
    "a: the checkpoint at .* \(line 1 of .*\): signed by another key \(key_id $oid, this key is $KEY_ID\)"

# Lines after the last checkpoint: two more lines, chained; then one cut.
copy
python3 - "$T/a.journal" <<'PY'
import hashlib, json, sys
p = sys.argv[1]
raw = open(p, "rb").read().split(b"\n")[:-1]
prev, n = hashlib.sha256(raw[-1]).hexdigest(), len(raw)
with open(p, "ab") as f:
    for i in (1, 2):
        line = json.dumps({"seq": n + i, "type": "note", "prev": prev}, separators=(",", ":")).encode()
        f.write(line + b"\n")
        prev = hashlib.sha256(line).hexdigest()
PY
verify
t_eq "lines after the last checkpoint: exit 0" "$VRC" 0
t_match "lines after the last checkpoint: named" "$VOUT" \
    'a: 2 lines after the last checkpoint \(.*\) are not covered: they can still be cut'
head -n -1 "$T/a.journal" >"$T/j" && mv "$T/j" "$T/a.journal"
verify
t_eq "one of them cut: still exit 0 (nothing covers it)" "$VRC" 0
t_match "one of them cut: 1 line uncovered" "$VOUT" \
    'a: 1 line after the last checkpoint \(.*\) is not covered'
t_done
