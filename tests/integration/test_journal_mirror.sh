#!/usr/bin/env bash
# Journals to the centre (SPEC section 10, docs/VANTAGES.md): two vantage
# daemons with stores of their own; contrib/vantages/slaprobe-journal-sync
# pulls their journals and checkpoint files (nothing else) into a mirror,
# twice (the second time only what was appended), and pushes through
# rrsync -wo (the recipe for the centre's authorized_keys, run here by a
# stand-in for ssh). `journal verify` on the mirror reads each vantage's
# files in <root>/<vantage>/ and names the vantage of a broken chain.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx
command -v rsync >/dev/null && command -v rrsync >/dev/null ||
    { echo "rsync/rrsync missing: scripts/setup.sh --test installs them"; exit 1; }
sync=$SP_SRC/contrib/vantages/slaprobe-journal-sync
K=$FX_DIR

# vantage V on its own host (root R): a daemon run of about 2 s
vantage_run() {
    local v=$1 r=$2
    sp_config "$K/$v.yaml" "$r" "interval: 1s, timeout: 800ms" \
        "web=http://127.0.0.1:$FX_HTTP_PORT/" "gone=http://127.0.0.1:9/"
    printf 'control_targets: []\nvantages: [v1, v2]\n' >>"$K/$v.yaml"
    evidence_lines=$(test -f "$r/$v/web.journal" && wc -l <"$r/$v/web.journal" || echo 0)
    sp_run "$K/$v.yaml" "$K/$v.log" --vantage "$v"
    wait_until 10 journal_has "$r/$v/web.journal" 'select(.type == "rows")' $((evidence_lines / 2 + 2))
    sp_stop "$v: daemon exits 0"
}
vantage_run v1 "$K/host1"
vantage_run v2 "$K/host2"
t_eq "the vantage stores have RRDs (not to be mirrored)" "$(ls "$K/host1/v1" | grep -v '\.hist\.rrd$' | grep -c '\.rrd$')" 2

mirror=$K/centre
"$sync" "$K/host1/v1/" "$mirror/v1/"
"$sync" "$K/host2/v2/" "$mirror/v2/"
t_eq "pull: journals only, no RRD" "$(ls "$mirror/v1" | tr '\n' ' ')" "gone.journal web.journal "
t_eq "pull: v1's journal as it is" "$(cmp "$K/host1/v1/web.journal" "$mirror/v1/web.journal" && echo same)" same

cat >"$K/centre.yaml" <<YAML
timezone: UTC
storage: {dir: $mirror}
vantages: [v1, v2]
targets:
  - {id: web, url: "http://127.0.0.1:$FX_HTTP_PORT/", pattern: 1}
  - {id: gone, url: "http://127.0.0.1:9/", pattern: 1}
YAML
"$SLAPROBE" journal verify -c "$K/centre.yaml" >"$K/v.out" && rc=0 || rc=$?
t_eq "verify on the mirror: exit 0" "$rc" 0
t_eq "verify on the mirror: every vantage's journal intact" \
    "$(grep -c -E '^v[12]/(web|gone): intact' "$K/v.out")" 4
t_match "verify on the mirror: line counts are the source's" "$(cat "$K/v.out")" \
    "v2/web: intact, $(wc -l <"$K/host2/v2/web.journal") lines"

# the vantage runs on; the next pull sends what was appended
before=$(wc -c <"$mirror/v1/web.journal")
vantage_run v1 "$K/host1"
"$sync" "$K/host1/v1/" "$mirror/v1/"
t_eq "second pull: the mirror equals the source again" \
    "$(cmp "$K/host1/v1/web.journal" "$mirror/v1/web.journal" && echo same)" same
t_match "second pull: it grew" "$(($(wc -c <"$mirror/v1/web.journal") - before))" '^[1-9][0-9]*$'

# push: the centre's authorized_keys runs `rrsync -wo DIR` for this key;
# a stand-in for ssh does what sshd would with that forced command
mkdir -p "$K/pushed/v2"
cat >"$K/fakessh" <<SH
#!/bin/sh
# called as: fakessh HOST rsync --server ...
shift
SSH_ORIGINAL_COMMAND="\$*" exec rrsync -wo "$K/pushed/v2"
SH
chmod +x "$K/fakessh"
SLAPROBE_RSYNC_OPTS="-e $K/fakessh" "$sync" "$K/host2/v2/" central: >/dev/null
t_eq "push through rrsync -wo: the journals arrive" \
    "$(cmp "$K/host2/v2/web.journal" "$K/pushed/v2/web.journal" && echo same)" same
t_eq "push through rrsync -wo: nothing else" "$(ls "$K/pushed/v2" | grep -vc '\.journal$' || true)" 0
rc=0
rsync -e "$K/fakessh" central:web.journal "$K/stolen" >/dev/null 2>"$K/steal.err" || rc=$?
t_match "rrsync -wo: the key cannot read back" "$rc: $(head -1 "$K/steal.err")" \
    '^[1-9][0-9]*: .*reading from write-only server is not allowed'
t_eq "rrsync -wo: nothing was read" "$(test -e "$K/stolen" && echo read || echo none)" none

# an edited line in the mirror: verify names the vantage
sed -i '3s/"type":"/"type": "/' "$mirror/v2/web.journal"
"$SLAPROBE" journal verify -c "$K/centre.yaml" >"$K/v2.out" && rc=0 || rc=$?
t_eq "edited mirror: exit 1" "$rc" 1
t_match "edited mirror: the vantage and the line named" "$(cat "$K/v2.out")" 'v2/web: BROKEN at line 4'
t_eq "edited mirror: the other vantage still intact" "$(grep -c '^v1/web: intact' "$K/v2.out")" 1
t_done
