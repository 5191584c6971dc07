#!/usr/bin/env bash
# The store fills up while the daemon runs (a small tmpfs the test mounts):
# the daemon keeps probing, says ENOSPC once per file (not once per row),
# keeps the journal lines it cannot write and writes them once space is
# back, journals the rows it could not store as a store_error range with
# its cause, and every journal's hash chain still verifies. Before this,
# creating an RRD on a full disk said "unknown librrd error" and failed
# journal appends were lost (stop markers among them).
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
store=$FX_DIR/store
mkdir -p "$store"
mount -t tmpfs -o size=6m tmpfs "$store"
trap 'umount -l "$store" 2>/dev/null || true; fx_cleanup' EXIT
fx_start_nginx

cfg() { # FILE ID...: web and the targets ID, all on nginx
    local file=$1 id
    local -a t=()
    shift
    for id in web "$@"; do t+=("$id=http://127.0.0.1:$FX_HTTP_PORT/"); done
    SP_RETENTION="1 1 1" sp_config "$file" "$store" \
        "interval: 2s, timeout: 1s, retry_interval: 1s, confirm: 2" "${t[@]}"
}
cfg "$FX_DIR/one.yaml"
cfg "$FX_DIR/two.yaml" late
cp "$FX_DIR/one.yaml" "$FX_DIR/f.yaml"

sp_run "$FX_DIR/f.yaml" "$FX_DIR/daemon.log"
pid=$SP_PID
# web is UP and has its RRD (created whole, by a rename) before the disk fills
web_settled() {
    [ -e "$store/web.rrd" ] && journal_has "$store/web.journal" 'select(.type == "state" and .to == "UP")'
}
wait_until 30 web_settled

# fill the disk, then add a target (its RRD cannot be created, its journal
# cannot be written) and make the other one change state
dd if=/dev/zero of="$store/filler" bs=64k 2>/dev/null || true
t_match "the store is full" "$(df --output=avail "$store" | tail -1 | tr -d ' ')" '^0$'
cp "$FX_DIR/two.yaml" "$FX_DIR/f.yaml"
kill -HUP $pid
fx_stop_nginx
t_full=$(date +%s)
sleep 8
probes_full=$(jq -r 'select(.type == "state") | .to' "$store/web.journal" | wc -l)
t_eq "still running while the disk is full" "$(kill -0 $pid && echo yes)" yes

# space back: held lines and the lost range reach the journals
rm -f "$store/filler"
fx_restart_nginx
# until what the checks below read is there: the held lines written, the
# lost range journaled, late's RRD made, web UP again
recovered() {
    log_has "$FX_DIR/daemon.log" 'late.journal: journal writable again' &&
        journal_has "$store/late.journal" 'select(.type == "store_error")' &&
        [ -e "$store/late.rrd" ] &&
        journal_has "$store/web.journal" 'select(.type == "state" and .to == "UP")' 2
}
wait_until 30 recovered
sp_stop "daemon exit on SIGTERM"

log=$FX_DIR/daemon.log
t_match "ENOSPC named for the RRD that could not be created" "$(grep 'late: rows not stored' "$log" || true)" 'ENOSPC.*No space left on device'
t_eq "said once for the RRD, not once per row" "$(grep -c 'late: rows not stored' "$log" || true)" 1
t_match "ENOSPC named for the journal" "$(grep 'late.journal: cannot append' "$log" || true)" 'No space left on device'
t_eq "said once for the journal" "$(grep -c 'late.journal: cannot append' "$log" || true)" 1
t_match "the held lines were written later" "$(cat "$log")" 'late.journal: journal writable again; [1-9][0-9]* held line'
t_eq "no 'unknown librrd error'" "$(grep -c 'unknown librrd error' "$log" || true)" 0

"$SLAPROBE" journal verify -c "$FX_DIR/two.yaml" >"$FX_DIR/verify" && rc=0 || rc=$?
t_eq "every journal verifies" "$rc" 0
cat "$FX_DIR/verify"
se=$(jq -c 'select(.type == "store_error")' "$store/late.journal" | head -1)
t_match "store_error journaled for the rows of 'late'" "$(jq -r .cause <<<"$se")" '^ENOSPC$'
t_match "its range lies in the full period" \
    "$(jq -r --argjson t "$t_full" '(.from_ms / 1000 >= $t - 3) and (.to_ms > .from_ms) and (.rows > 0)' <<<"$se")" '^true$'
t_eq "the reload line of 'late' was kept and written" "$(jq -r 'select(.type == "reload") | .type' "$store/late.journal" | head -1)" reload
t_eq "web's outage is in its journal" "$(jq -r 'select(.type == "state") | .to' "$store/web.journal" | tr '\n' ' ')" "UP DOWN UP "
for id in web late; do
    t_eq "$id: stop marker last" "$(jq -r 'select(.type != "rows") | .type' "$store/$id.journal" | tail -1)" stop
done
t_match "rows of 'late' stored once space was back" "$(rrdtool last "$store/late.rrd")" '^[0-9]+$'

month=$(date -u +%Y-%m)
"$SLAPROBE" report -c "$FX_DIR/two.yaml" --month "$month" --format json >"$FX_DIR/r.json" || true
t_match "the report lists the range not stored, with its cause" \
    "$(jq -r '.targets[] | select(.id == "late") | .evidence.not_stored[0].cause' "$FX_DIR/r.json")" '^ENOSPC$'
echo "# probes seen while full: $probes_full state lines"

t_done
