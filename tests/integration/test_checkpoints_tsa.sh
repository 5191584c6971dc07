#!/usr/bin/env bash
# Checkpoints with time-stamp tokens from a local RFC 3161 authority
# (tests/fixtures/tsa_server.py on 127.0.0.1), through the real daemon:
#  - every checkpoint gets a tsa_token line; a token verifies with the
#    command a third party runs (`openssl ts -verify ... -token_in`) against
#    the SHA-256 of the checkpoint's message, rebuilt from its line;
#  - the TSA down for a while: probes and checkpoints go on (the RRD keeps
#    advancing, checkpoint lines keep coming), the daemon says tokens are
#    missing; the TSA back on the same port: every checkpoint made while it
#    was down gets its token (caught up);
#  - `journal verify` checks the signatures and the tokens and exits 0.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

T=$FX_DIR/tsa
bash "$SP_SRC/tests/fixtures/make_tsa.sh" "$T" >/dev/null
CA=$T/ca.pem
start_tsa() { fx_start_tsa "$T" "$1"; }
start_tsa 0

"$SLAPROBE" evidence keygen -o "$FX_DIR/key.pem" >/dev/null
S=$FX_DIR/store
cat >"$FX_DIR/run.yaml" <<YAML
storage:
  dir: $S
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
timezone: UTC
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2}
targets:
  - {id: a, url: "http://127.0.0.1:$FX_HTTP_PORT/", pattern: 1}
evidence:
  key: "file:$FX_DIR/key.pem"
  checkpoint_every: 1s
  tsa_url: "http://127.0.0.1:$TSA_PORT/tsa"
  tsa_ca: "$CA"
YAML
C=$S/a.checkpoints
n_type() { jq -c "select(.type == \"$1\")" "$C" 2>/dev/null | grep -c . || true; }
sp_run "$FX_DIR/run.yaml" "$FX_DIR/daemon.log"
wait_until 30 journal_has "$C" 'select(.type == "tsa_token")'

# one token checked as a third party would: the message from its line
tok=$(jq -c 'select(.type == "tsa_token")' "$C" | head -1)
tseq=$(jq -r .seq <<<"$tok")
cp=$(jq -c --argjson s "$tseq" 'select(.type == "checkpoint" and .seq == $s)' "$C" | head -1)
printf 'slaprobe checkpoint v1\ntarget=%s\nseq=%s\nline_sha256=%s\nt_ms=%s\n' \
    "$(jq -r .target <<<"$cp")" "$tseq" "$(jq -r .line_sha256 <<<"$cp")" \
    "$(jq -r .t_ms <<<"$cp")" >"$FX_DIR/msg"
digest=$(sha256sum "$FX_DIR/msg" | cut -d' ' -f1)
t_eq "the token's imprint is the SHA-256 of the checkpoint's message" \
    "$(jq -r .imprint_sha256 <<<"$tok")" "$digest"
jq -r .token <<<"$tok" | base64 -d >"$FX_DIR/token.der"
rc=0
openssl ts -verify -digest "$digest" -in "$FX_DIR/token.der" -token_in -CAfile "$CA" \
    >"$FX_DIR/ts.out" 2>&1 || rc=$?
t_eq "openssl ts -verify accepts the token" "$rc $(grep -c "^Verification: OK" "$FX_DIR/ts.out")" "0 1"

# the TSA down: probes and checkpoints go on (the target is steadily UP,
# so the journal's head moves only when the test moves it)
wait_until 30 test -e "$S/a.rrd"
fx__stop "$TSA_JOB"
rrd_before=$(rrdtool last "$S/a.rrd")
cps_before=$(n_type checkpoint)
# a reload writes a line to every journal: its head moves, a checkpoint
# follows, and it asks for a token
kill -HUP "$SP_PID"
wait_until 20 log_has "$FX_DIR/daemon.log" 'checkpoints: no time-stamp token'
sleep 2
kill -HUP "$SP_PID"
sleep 2
t_match "probes go on while the TSA is down (RRD advanced)" \
    "$(( $(rrdtool last "$S/a.rrd") - rrd_before ))" '^([3-9]|[1-9][0-9]+)$'
cps_down=$(n_type checkpoint)
t_match "checkpoints go on while the TSA is down" "$((cps_down - cps_before))" '^[1-9][0-9]*$'
t_match "some checkpoints wait for a token" "$(( cps_down - $(n_type tsa_token) ))" '^[1-9][0-9]*$'

# back on the same port: the tokens catch up
start_tsa "$TSA_PORT"
caught_up() { # every checkpoint made until the TSA was back has its token
    local want have
    want=$(jq -r 'select(.type == "checkpoint") | .seq' "$C" | head -n "$cps_down" | sort -n)
    have=$(jq -r 'select(.type == "tsa_token") | .seq' "$C" | sort -n | uniq)
    [ -z "$(comm -23 <(echo "$want") <(echo "$have"))" ]
}
wait_until 60 caught_up
t_match "the daemon says tokens came again" "$(cat "$FX_DIR/daemon.log")" \
    'checkpoints: time-stamp tokens again'
sp_stop "daemon stops cleanly"

rc=0
"$SLAPROBE" journal verify -c "$FX_DIR/run.yaml" >"$FX_DIR/verify.out" 2>&1 || rc=$?
t_eq "journal verify: signatures and tokens hold" "$rc" 0
t_match "journal verify counts the tokens it checked" "$(cat "$FX_DIR/verify.out")" \
    "[1-9][0-9]* checkpoints? and [1-9][0-9]* time-stamp tokens? verify"

# a token swapped for another checkpoint's is named
jq -c 'if .type == "tsa_token" then .seq = 1 else . end' "$C" >"$FX_DIR/swapped"
cp "$FX_DIR/swapped" "$C"
rc=0
"$SLAPROBE" journal verify -c "$FX_DIR/run.yaml" >"$FX_DIR/verify2.out" 2>&1 || rc=$?
t_match "a token moved to another checkpoint: non-zero exit" "$rc" '^[1-9]'
t_match "and named" "$(cat "$FX_DIR/verify2.out")" 'time-stamp token of line [0-9]+ of .* (stamps seq|is for another hash)'

t_done
