#!/usr/bin/env bash
# The journal's clock record is evidence: under a sandbox that refuses
# adjtimex (a seccomp filter, as a systemd unit with ProtectClock= sets),
# the daemon cannot know whether the clock is synchronised, and must not
# journal that it is (it did: the zeroed status read as "synchronised").
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx

py=/usr/bin/python3
if ! "$py" -c 'import seccomp' 2>/dev/null; then
    echo "python3-seccomp is not installed (scripts/setup.sh --test)"
    exit 1
fi
cat >"$FX_DIR/c.yaml" <<YAML
storage: {dir: $FX_DIR/store, retention: {full_days: 1, five_min_days: 2, hourly_days: 3}}
defaults: {interval: 1s, timeout: 800ms}
targets:
  - {id: web, url: "http://127.0.0.1:$FX_HTTP_PORT/", pattern: 1}
YAML
# a filter that answers EPERM to the clock calls, then the daemon itself
"$py" - "$SLAPROBE" run -c "$FX_DIR/c.yaml" 2>"$FX_DIR/daemon.log" <<'PY' &
import os, sys, seccomp
f = seccomp.SyscallFilter(seccomp.ALLOW)
for call in ("adjtimex", "clock_adjtime"):
    f.add_rule(seccomp.ERRNO(1), call)
f.load()
os.execv(sys.argv[1], sys.argv[1:])
PY
pid=$!
fx_track_pid $pid
wait_until 5 log_has "$FX_DIR/store/web.journal" '"type":"clock"'
sp_stop "daemon exit on SIGTERM" $pid
t_eq "clock record: not claimed synchronised when it cannot be read" \
    "$(jq -r 'select(.type == "clock") | .synchronised' "$FX_DIR/store/web.journal" | head -1)" false
t_eq "clock record: no error bound claimed" \
    "$(jq -r 'select(.type == "clock") | .maxerror_us' "$FX_DIR/store/web.journal" | head -1)" -1

t_done
