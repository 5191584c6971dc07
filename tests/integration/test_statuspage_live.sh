#!/usr/bin/env bash
# The status page's current state comes from the daemon's live state, not
# from settled rows (issue 16): with a page rebuilt only every 5 minutes, a
# confirmed DOWN must be on the published page within 10 s of the journal's
# state line, because the state change writes <storage.dir>/status-live.json
# and starts a rebuild. A live file whose daemon is gone is not believed.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

store=$FX_DIR/store
www=$FX_DIR/www
mkdir -p "$www"
sp_config "$FX_DIR/c.yaml" "$store" "interval: 2s, timeout: 1s, retry_interval: 1s, confirm: 2" \
    "web=http://127.0.0.1:$FX_HTTP_PORT/"
printf 'status_page: {dir: %s/status, every: 300s}\n' "$www" >>"$FX_DIR/c.yaml"
state_of() { jq -r '.services[] | select(.id == "web") | .status' "$www/status/status.json" 2>/dev/null; }

sp_run "$FX_DIR/c.yaml" "$FX_DIR/daemon.log"
wait_until 15 bash -c "[ \"\$(jq -r '.services[0].status' '$www/status/status.json' 2>/dev/null)\" = available ]" ||
    { fx__tail "$FX_DIR/daemon.log"; false; }
t_eq "live: available once the first probe is in (the rows are not settled yet)" "$(state_of)" available
t_eq "live: the daemon's state file" "$(jq -r '.targets.web.state' "$store/status-live.json")" UP

fx_stop_nginx
wait_until 15 journal_has "$store/web.journal" 'select(.type == "state" and .to == "DOWN")'
down_ms=$(jq -r 'select(.type == "state" and .to == "DOWN") | .t_ms' "$store/web.journal" | head -1)
wait_until 12 bash -c "[ \"\$(jq -r '.services[0].status' '$www/status/status.json' 2>/dev/null)\" = service_disruption ]" || true
seen_ms=$(($(date +%s%N) / 1000000))
t_eq "live: the page shows the disruption" "$(state_of)" service_disruption
t_match "live: within 10 s of the confirmed DOWN ($(awk -v d=$((seen_ms - down_ms)) 'BEGIN { printf "%.1f s", d / 1000 }'))" \
    "$(((seen_ms - down_ms) <= 10000))" '^1$'
t_match "live: the HTML too" "$(cat "$www/status/index.html")" 'data-service="web" data-state="service_disruption"'
t_eq "live: the banner" "$(jq -r .overall.state "$www/status/status.json")" service_disruption

sp_stop "daemon exit on SIGTERM"
t_eq "stop: the live state file is gone" "$(test -e "$store/status-live.json" && echo there || echo gone)" gone

# a live file whose daemon is gone (kill -9 leaves one) is not believed
printf '{"pid":%d,"t_ms":%d,"targets":{"web":{"state":"UP","since_ms":1}}}\n' \
    999999 "$(($(date +%s) * 1000))" >"$store/status-live.json"
kill -0 999999 2>/dev/null && { echo "pid 999999 exists here: cannot test"; exit 1; }
"$SLAPROBE" status-page -c "$FX_DIR/c.yaml" >/dev/null
t_match "a dead daemon's live file: the page goes by the rows" "$(state_of)" '^(service_disruption|no_data)$'
t_done
