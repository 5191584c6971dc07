#!/usr/bin/env bash
# The evidence: keys (docs/EVIDENCE.md, "Checkpoints") and
# `slaprobe evidence keygen`: each bad value gives FILE:LINE: KEY: message
# on one line and exit 2, from config-check and from run alike (which then
# starts nothing); a good file prints the key masked, never the key.
set -euo pipefail
source "$SP_SRC/tests/lib/assert.sh"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
FX_DIR=$D

# keygen: a pair, 0600, the key_id printed, never over an existing file
out=$("$SLAPROBE" evidence keygen -o "$D/key.pem")
t_match "keygen: prints the key_id" "$(head -1 <<<"$out")" '^key_id [0-9a-f]{16}$'
t_eq "keygen: private key mode 0600" "$(stat -c %a "$D/key.pem")" 600
t_match "keygen: PKCS#8" "$(head -1 "$D/key.pem")" '^-----BEGIN PRIVATE KEY-----$'
t_match "keygen: public key" "$(head -1 "$D/key.pem.pub")" '^-----BEGIN PUBLIC KEY-----$'
want_id=$(openssl pkey -in "$D/key.pem" -pubout -outform DER | tail -c 32 | sha256sum | cut -c1-16)
t_eq "keygen: key_id as openssl computes it" "$(head -1 <<<"$out" | cut -d' ' -f2)" "$want_id"
body=$(sed -n 2p "$D/key.pem")
t_eq "keygen: the private key is not printed" "$(grep -c -F -- "$body" <<<"$out" || true)" 0
before=$(sha256sum <"$D/key.pem")
rc=0
"$SLAPROBE" evidence keygen -o "$D/key.pem" >/dev/null 2>"$D/err" || rc=$?
t_eq "keygen: an existing file: exit 2" "$rc" 2
t_match "keygen: says why" "$(cat "$D/err")" 'never overwritten'
t_eq "keygen: the key is untouched" "$(sha256sum <"$D/key.pem")" "$before"
rc=0
"$SLAPROBE" evidence keygen >/dev/null 2>&1 || rc=$?
t_eq "keygen: no -o: exit 2" "$rc" 2
t_match "evidence --help" "$("$SLAPROBE" evidence --help)" 'keygen -o FILE'
t_match "evidence keygen --help" "$("$SLAPROBE" evidence keygen --help)" 'FILE.pub'

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$D/rsa.pem" 2>/dev/null
echo "tsa ca" >"$D/ca.pem"

bad() { CONFIG_REFUSED_NEVER=$D/never config_refused "$@"; }
S="storage: {dir: $D/never}
targets: [{id: a, url: 'http://127.0.0.1/', pattern: 1}]"

bad every_bad 'every_bad\.yaml:4: evidence\.checkpoint_every: ' <<YAML
$S
evidence:
  checkpoint_every: often
  key: "file:$D/key.pem"
YAML
bad every_short 'every_short\.yaml:4: evidence\.checkpoint_every: ' <<YAML
$S
evidence:
  checkpoint_every: 100ms
YAML
bad tsa_no_ca 'tsa_no_ca\.yaml:5: evidence\.tsa_url: needs evidence\.tsa_ca' <<YAML
$S
evidence:
  key: "file:$D/key.pem"
  tsa_url: "http://127.0.0.1:1/tsa"
YAML
bad tsa_no_key 'tsa_no_key\.yaml:4: evidence\.tsa_url: needs evidence\.key' <<YAML
$S
evidence:
  tsa_url: "http://127.0.0.1:1/tsa"
  tsa_ca: "$D/ca.pem"
YAML
bad key_missing 'key_missing\.yaml:4: evidence\.key: cannot read .*/nokey\.pem' <<YAML
$S
evidence:
  key: "file:$D/nokey.pem"
YAML
bad key_rsa 'key_rsa\.yaml:4: evidence\.key: a RSA key, not Ed25519' <<YAML
$S
evidence:
  key: "file:$D/rsa.pem"
YAML
bad key_public 'key_public\.yaml:4: evidence\.key: a public key' <<YAML
$S
evidence:
  key: "file:$D/key.pem.pub"
YAML
bad key_garbage 'key_garbage\.yaml:4: evidence\.key: not a PEM' <<YAML
$S
evidence:
  key: "file:$D/ca.pem"
YAML
bad key_inline 'key_inline\.yaml:4: evidence\.key: secrets are referenced as' <<YAML
$S
evidence:
  key: "-----BEGIN PRIVATE KEY-----"
YAML

# A good one: printed with the key masked, the key's text nowhere
cat >"$D/good.yaml" <<YAML
$S
evidence:
  key: "file:$D/key.pem"
  checkpoint_every: 2s
YAML
rc=0
"$SLAPROBE" config-check -c "$D/good.yaml" >"$D/out" 2>&1 || rc=$?
t_match "good: evidence printed" "$(cat "$D/out")" 'key: "file:.*key\.pem"   # \*+ \(masked\)'
t_match "good: checkpoint_every" "$(cat "$D/out")" 'checkpoint_every: 2s'
t_eq "good: no key text in the output" "$(grep -c -F -- "$body" "$D/out" || true)" 0
t_done
