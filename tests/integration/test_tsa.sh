#!/usr/bin/env bash
# RFC 3161 time-stamp tokens (evidence/tsa.c, SPEC section 11) against a
# local time-stamping authority on 127.0.0.1 (tests/fixtures/tsa_server.py:
# `openssl ts -reply` behind a small HTTP responder, its PKI made by
# tests/fixtures/make_tsa.sh), driven by tests/integration/tsa_client.c:
#  - tokens come, are verified by the client, again by
#    sp_evidence_tsa_verify, and by `openssl ts -verify` as a third party
#    runs it (the command docs/EVIDENCE.md gives);
#  - a token checked against another digest, against another CA, or
#    damaged, is refused with its reason, by us and by openssl;
#  - each way a TSA can fail (closed connection, HTTP 500, garbage, a reply
#    too big with and without a length, a replayed reply, a rejection, a
#    signer of another CA, too slow, down) gives its reason and exit 1,
#    never a crash (the ASan build runs the same script);
#  - the TSA down, then back on the same port: refused, then tokens again,
#    for a new client and for one that lives across the outage;
#  - 20 requests at once on one client each get their own token;
#  - a client destroyed with a request pending calls it back canceled and
#    leaves no descriptor open.
# Prints the round trip per token and the token size.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
: "${TSA_CLIENT:?TSA_CLIENT must name the tsa_client binary}"

T=$FX_DIR/tsa
bash "$SP_SRC/tests/fixtures/make_tsa.sh" "$T"
CA=$T/ca.pem

# start_tsa PORT: the TSA on PORT (0: a free one), its URL in URL
start_tsa() {
    fx_start_tsa "$T" "$1" && URL=http://127.0.0.1:$TSA_PORT/tsa
}
mode() { echo "$1" >"$T/mode"; }

# run_client ARGS...: OUT and RC of tsa_client
run_client() {
    RC=0
    OUT=$("$TSA_CLIENT" "$@" 2>&1) || RC=$?
}

start_tsa 0

# --- the client's arguments -------------------------------------------------
HEX0=$(printf 'slaprobe' | sha256sum | cut -d' ' -f1)
run_client get "ftp://127.0.0.1:$TSA_PORT/" "$CA" "$HEX0" "$FX_DIR/x.der"
t_eq "ftp:// URL: exit" "$RC" 2
t_match "ftp:// URL: reason" "$OUT" "must start with http:// or https://"
run_client get "$URL" "$T/nonexistent.pem" "$HEX0" "$FX_DIR/x.der"
t_eq "missing CA file: exit" "$RC" 2
t_match "missing CA file: reason" "$OUT" "cannot load CA certificates from .*nonexistent.pem"
run_client get "$URL" "$T/tsa.cnf" "$HEX0" "$FX_DIR/x.der"
t_eq "CA file without a certificate: exit" "$RC" 2

# --- tokens -----------------------------------------------------------------
mkdir -p "$FX_DIR/tok"
run_client many "$URL" "$CA" 10 "$FX_DIR/tok"
t_eq "10 tokens, then a destroy with one pending: exit" "$RC" 0
[ "$RC" = 0 ] || echo "$OUT"
MEASURE=$(grep '^tokens' <<<"$OUT" || true)
echo "measured: $MEASURE"
t_match "round trip and size reported" "$MEASURE" "^tokens 10, round trip mean [0-9.]+ ms"

verified=0
for i in $(seq 0 9); do
    hex=$(cat "$FX_DIR/tok/$i.hex")
    v=$(openssl ts -verify -digest "$hex" -in "$FX_DIR/tok/$i.der" -token_in -CAfile "$CA" 2>&1) &&
        [[ $v == *"Verification: OK"* ]] && verified=$((verified + 1))
done
t_eq "tokens openssl ts -verify accepts" "$verified" 10
HEX=$(cat "$FX_DIR/tok/3.hex")
TOK=$FX_DIR/tok/3.der
run_client verify "$CA" "$HEX" "$TOK"
t_eq "stored token, sp_evidence_tsa_verify: exit" "$RC" 0
# What the token says, as openssl prints it.
txt=$(openssl ts -reply -in "$TOK" -token_in -token_out -text 2>/dev/null)
t_match "the token's hash algorithm" "$txt" "Hash Algorithm: sha256"
t_match "the token's nonce (certReq gave the TSA's certificate too)" "$txt" "Nonce: 0x[0-9A-F]+"
t_match "the token names its TSA" "$txt" "TSA: .*slaprobe test TSA"

# 20 at once on one client (a daemon with 20 targets at a checkpoint):
# each callback brings the token for its own digest.
run_client burst "$URL" "$CA" 20
t_eq "20 requests at once: exit" "$RC" 0
{ grep -v '^burst' <<<"$OUT" || true; } | head -5
t_match "20 requests at once: all answered" "$OUT" "^burst 20: all answered in [0-9.]+ ms"
echo "measured: $OUT"

# --- tokens that must not verify ----------------------------------------------
OTHER=$(cat "$FX_DIR/tok/4.hex")
run_client verify "$CA" "$OTHER" "$TOK"
t_eq "token for another digest: exit" "$RC" 1
t_match "token for another digest: reason" "$OUT" "SP_ETLS: bad imprint"
if openssl ts -verify -digest "$OTHER" -in "$TOK" -token_in -CAfile "$CA" >/dev/null 2>&1; then
    t_bad "openssl ts -verify accepted a token for another digest"
else
    t_ok "openssl ts -verify refuses a token for another digest"
fi
run_client verify "$T/rogue-ca.pem" "$HEX" "$TOK"
t_eq "token checked against another CA: exit" "$RC" 1
t_match "token checked against another CA: reason" "$OUT" "untrusted signer: .*local issuer"
head -c 200 "$TOK" >"$FX_DIR/cut.der"
run_client verify "$CA" "$HEX" "$FX_DIR/cut.der"
t_match "truncated token" "$RC $OUT" "^1 error SP_EPARSE: not a time-stamp token"
head -c 5000 /dev/urandom >"$FX_DIR/noise.der"
run_client verify "$CA" "$HEX" "$FX_DIR/noise.der"
t_match "random bytes as a token" "$RC $OUT" "^1 error SP_EPARSE: not a time-stamp token"
# One byte of the signed content changed (the last byte of the TSTInfo's
# serial number area is well inside the signed part): the signature breaks.
python3 - "$TOK" "$FX_DIR/flip.der" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.find(bytes.fromhex(open(sys.argv[1].replace(".der", ".hex")).read().strip()))
d[i + 40] ^= 0x01  # a byte after the imprint: in the TSTInfo, which is signed
open(sys.argv[2], "wb").write(d)
PY
run_client verify "$CA" "$HEX" "$FX_DIR/flip.der"
t_eq "token with one signed byte changed: exit" "$RC" 1
t_match "token with one signed byte changed: reason" "$OUT" "SP_(ETLS|EPARSE)"

# --- a TSA that fails ---------------------------------------------------------
# fault MODE WANT_REGEX [HEX]: one request in MODE, exit 1 and the reason
fault() {
    mode "$1"
    run_client get "$URL" "$CA" "${3:-$HEX0}" "$FX_DIR/fault.der"
    t_match "TSA $1: exit 1 and its reason" "$RC $OUT" "^1 error $2"
}
fault close "SP_ECURL: connection closed without a reply"
fault http500 "SP_ECURL: HTTP status 500"
fault garbage "SP_EPARSE: reply is not a TimeStampResp \(300 bytes, Content-Type text/html\)"
fault huge "SP_EPARSE: reply larger than 65536 bytes"
fault hugelen "SP_EPARSE: reply larger than 65536 bytes"
# The server's first reply was for token 0 of the run above.
fault replay "SP_ETLS: bad imprint" "$HEX0"
fault replay "SP_ETLS: nonce mismatch" "$(cat "$FX_DIR/tok/0.hex")"
fault reject "SP_EIO: not granted: rejection: .*\(badAlg\)"
fault rogue "SP_ETLS: untrusted signer"
t0=$EPOCHREALTIME
fault slow "SP_ECURL: timeout: no complete reply within 10 s"
took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
t_match "TSA slow: the client gave up after 10 s (took $took s)" "$took" "^(9\.[5-9]|1[01]\.)"
[ -s "$FX_DIR/fault.der" ] && t_bad "a failed request wrote a token" || t_ok "no token from a failing TSA"

# --- down, then back ------------------------------------------------------------
mode ok
fx__stop "$TSA_JOB"
run_client get "$URL" "$CA" "$HEX0" "$FX_DIR/down.der"
t_match "TSA down: exit 1 and its reason" "$RC $OUT" "^1 error SP_ECURL: cannot connect: "
start_tsa "$TSA_PORT"
run_client get "$URL" "$CA" "$HEX0" "$FX_DIR/back.der"
t_match "TSA back: a token again" "$RC $OUT" "^0 ok [0-9]+ "
v=$(openssl ts -verify -digest "$HEX0" -in "$FX_DIR/back.der" -token_in -CAfile "$CA" 2>&1 || true)
t_match "the token after the outage verifies with openssl" "$v" "Verification: OK"

# One client across an outage, as the daemon's: a token, then the TSA
# stopped (failures, each with its reason), then started again on the same
# port (tokens again, on the same sp_evidence_tsa).
"$TSA_CLIENT" series "$URL" "$CA" 100 600 >"$FX_DIR/series.out" 2>&1 &
SERIES=$!
fx_track_pid "$SERIES"
wait_until 20 grep -q ' ok ' "$FX_DIR/series.out"
fx__stop "$TSA_JOB"
wait_until 20 grep -q ' error ' "$FX_DIR/series.out"
start_tsa "$TSA_PORT"
RC=0
wait "$SERIES" || RC=$?
fx_untrack "p:$SERIES"
t_eq "one client: token, outage, token again: exit" "$RC" 0
t_match "one client: the outage's reason" "$(grep -m1 ' error ' "$FX_DIR/series.out")" \
    "error SP_ECURL: cannot connect: "
t_match "one client: a token after the outage" "$(tail -n 1 "$FX_DIR/series.out")" "^[0-9]+ ok [0-9]+$"

t_done
