#!/usr/bin/env bash
# Vantage mode (SPEC section 10): `run --vantage NAME` keeps its files in
# <storage.dir>/NAME, over the file's `vantage:`; its start lines carry the
# vantage, the host and the SHA-256 of the configuration file's bytes; a
# reload keeps the vantage; single-host mode writes where it always did.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

store=$FX_DIR/store
sp_config "$FX_DIR/v.yaml" "$store" "interval: 1s, timeout: 800ms" "web=http://127.0.0.1:$FX_HTTP_PORT/"
printf 'vantages: [tokyo-1, osaka-1]\nvantage: tokyo-1\n' >>"$FX_DIR/v.yaml"

sp_run "$FX_DIR/v.yaml" "$FX_DIR/osaka.log" --vantage osaka-1
j=$store/osaka-1/web.journal
wait_until 10 journal_has "$j" 'select(.type == "state" and .to == "UP")' ||
    { fx__tail "$FX_DIR/osaka.log"; false; }
t_eq "--vantage over the file: no files for the file's vantage" "$(ls "$store" | tr '\n' ' ')" "osaka-1 "
wait_until 5 test -f "$store/osaka-1/web.rrd"
t_eq "the RRD in <dir>/<vantage>" "$(test -f "$store/osaka-1/web.rrd" && echo yes)" yes
start=$(jq -c 'select(.type == "start")' "$j")
t_eq "start: vantage" "$(jq -r .vantage <<<"$start")" osaka-1
t_eq "start: host" "$(jq -r .host <<<"$start")" "$(hostname)"
t_eq "start: config_sha256 is the file's" "$(jq -r .config_sha256 <<<"$start")" \
    "$(sha256sum <"$FX_DIR/v.yaml" | cut -d' ' -f1)"
# a reload reads the file again: the vantage stays the one of --vantage
kill -HUP "$SP_PID"
wait_until 5 journal_has "$j" 'select(.type == "reload")'
sleep 1.5
t_eq "after a reload: still no files for the file's vantage" "$(ls "$store" | tr '\n' ' ')" "osaka-1 "
t_match "after a reload: rows still written" "$(jq -r 'select(.type == "rows") | .to' "$j" | tail -1)" '^[0-9]+$'
sp_stop "vantage daemon exits 0"
SLAPROBE_VANTAGE=osaka-1 "$SLAPROBE" journal verify -c "$FX_DIR/v.yaml" >"$FX_DIR/verify.out" 2>&1 && rc=0 || rc=$?
t_eq "journal verify with SLAPROBE_VANTAGE: the vantage's store, intact" "$rc" 0
t_match "journal verify read the vantage's journal" "$(cat "$FX_DIR/verify.out")" 'web: intact'

# the file's vantage, without the option
sp_run "$FX_DIR/v.yaml" "$FX_DIR/tokyo.log"
wait_until 10 journal_has "$store/tokyo-1/web.journal" 'select(.type == "start")'
t_eq "the file's vantage" "$(jq -r 'select(.type == "start") | .vantage' "$store/tokyo-1/web.journal")" tokyo-1
sp_stop "file's vantage daemon exits 0"

# single host: no vantage field, files in dir itself
sp_config "$FX_DIR/s.yaml" "$FX_DIR/single" "interval: 1s, timeout: 800ms" "web=http://127.0.0.1:$FX_HTTP_PORT/"
sp_run "$FX_DIR/s.yaml" "$FX_DIR/single.log"
wait_until 10 journal_has "$FX_DIR/single/web.journal" 'select(.type == "start")'
sp_stop "single-host daemon exits 0"
t_eq "single host: start has no vantage" "$(jq -r 'select(.type == "start") | has("vantage")' "$FX_DIR/single/web.journal")" false
t_eq "single host: start has the host" "$(jq -r 'select(.type == "start") | .host' "$FX_DIR/single/web.journal")" "$(hostname)"
t_done
