#!/usr/bin/env bash
# The vantage keys of SPEC section 10 (vantage, vantages, quorum,
# storage.central, a target's vantages and quorum): each bad value gives
# FILE:LINE: KEY: message on one line and exit 2 from config-check and run
# alike; SLAPROBE_VANTAGE names the host over the file; in vantage mode the
# files go to <dir>/<vantage>.
set -euo pipefail
source "$SP_SRC/tests/lib/assert.sh"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
FX_DIR=$D
T='targets: [{id: a, url: "http://127.0.0.1:9/", pattern: 1}]'

config_refused tcp_cache 'storage.rrdcached: .*over TCP.*storage.central.rrdcached' <<YAML
storage: {dir: $D/s, rrdcached: "127.0.0.1:42217"}
$T
YAML
config_refused quorum_too_big '^.*:2: quorum: 3: must be 1 to the number of vantages \(2\)' <<YAML
vantages: [a, b]
quorum: 3
$T
YAML
config_refused quorum_zero '^.*:2: quorum: 0: must be 1' <<YAML
vantages: [a, b]
quorum: 0
$T
YAML
config_refused quorum_alone '^.*:1: quorum: needs `vantages`' <<YAML
quorum: 1
$T
YAML
config_refused vantage_unlisted "^.*:1: vantage: 'c' is not one of \`vantages\`" <<YAML
vantage: c
vantages: [a, b]
$T
YAML
config_refused vantage_name "^.*:1: vantage: 'Tokyo 1' is not a vantage name" <<YAML
vantage: "Tokyo 1"
$T
YAML
config_refused vantages_twice "^.*:1: vantages\\[1\\]: 'a' is listed twice" <<YAML
vantages: [a, a]
$T
YAML
config_refused central_no_vantage '^.*:1: storage.central: needs a vantage name' <<YAML
storage: {dir: $D/s, central: {rrdcached: "127.0.0.1:42217"}}
$T
YAML
config_refused central_no_address '^.*storage.central.rrdcached: missing' <<YAML
vantage: a
storage: {dir: $D/s, central: {every: 10s}}
$T
YAML
config_refused central_every "^.*storage.central.every: 'soon' is not a duration" <<YAML
vantage: a
storage: {dir: $D/s, central: {rrdcached: "127.0.0.1:42217", every: soon}}
$T
YAML
config_refused central_name "^.*:2: storage.central.rrdcached: central rrdcached 'central.example:42217': not an address:port.*does not resolve names" <<YAML
vantage: a
storage: {dir: $D/s, central: {rrdcached: "central.example:42217"}}
$T
YAML
config_refused target_vantage "^.*:3: targets\\[0\\].vantages: 'z' is not one of" <<YAML
vantages: [a, b]
targets:
  - {id: a, url: "http://127.0.0.1:9/", pattern: 1, vantages: [a, z]}
YAML
config_refused target_quorum "^.*:3: targets\\[0\\].quorum: 2: must be 1 to the number of the target's vantages \\(1\\)" <<YAML
vantages: [a, b]
targets:
  - {id: a, url: "http://127.0.0.1:9/", pattern: 1, vantages: [a], quorum: 2}
YAML
config_refused target_below_quorum "^.*targets\\[0\\].vantages: 1 vantages, fewer than the quorum \\(3\\)" <<YAML
vantages: [a, b, c]
quorum: 3
targets:
  - {id: a, url: "http://127.0.0.1:9/", pattern: 1, vantages: [a]}
YAML

# the environment names the vantage over the file, and is checked the same
cat >"$D/ok.yaml" <<YAML
vantage: a
vantages: [a, b, c]
storage: {dir: $D/s, central: {rrdcached: "127.0.0.1:42217"}}
$T
YAML
out=$("$SLAPROBE" config-check -c "$D/ok.yaml")
t_match "vantage mode: files in <dir>/<vantage>" "$out" "vantage: a   # files in $D/s/a"
t_match "conformance names the quorum" "$out" "#   quorum 2 of 3 vantages \\(a, b, c\\): DOWN when 2 see it"
out=$(SLAPROBE_VANTAGE=b "$SLAPROBE" config-check -c "$D/ok.yaml")
t_match "SLAPROBE_VANTAGE over the file" "$out" "vantage: b   # files in $D/s/b"
rc=0
SLAPROBE_VANTAGE=z "$SLAPROBE" config-check -c "$D/ok.yaml" >/dev/null 2>"$D/err" || rc=$?
t_eq "SLAPROBE_VANTAGE not listed: exit 2" "$rc" 2
t_match "SLAPROBE_VANTAGE not listed: says so" "$(cat "$D/err")" "SLAPROBE_VANTAGE: 'z' is not one of"
t_done
