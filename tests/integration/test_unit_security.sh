#!/usr/bin/env bash
# contrib/slaprobe.service stays locked down, and the lock fits the daemon:
#  - systemd-analyze security --offline rates its exposure 2.0 or lower;
#  - the directories the daemon writes (storage.dir's default, the status
#    page's directory of contrib/slaprobe.yaml) are ones the unit makes
#    writable under ProtectSystem=strict;
#  - every system call a real daemon run makes (all probe kinds, a reload,
#    rrdcached, the status page's builder, every alert channel, an exec
#    alert program), traced with strace -f, is one the unit's
#    SystemCallFilter= lines allow, in their order (skipped without strace).
# Exit 77 (skipped) when systemd-analyze is missing or has no --offline
# (systemd 252+, Debian's `systemd` package: scripts/setup.sh --test).
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
UNIT=$SP_SRC/contrib/slaprobe.service

if ! command -v systemd-analyze >/dev/null ||
    ! systemd-analyze security --offline=true "$UNIT" >/dev/null 2>&1; then
    echo "SKIPPED: systemd-analyze with --offline (systemd >= 252) is not installed;" \
        "scripts/setup.sh --test installs it"
    exit 77
fi
fx_init

echo "# exposure"
out=$(systemd-analyze security --offline=true "$UNIT" 2>&1 || true)
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
echo "  systemd-analyze security: exposure $score"
grep '✗' <<<"$out" | sed 's/^/  /'
t_num "exposure" "$score"
rc=0
systemd-analyze security --offline=true --threshold=20 "$UNIT" >/dev/null 2>&1 || rc=$?
t_eq "exposure at most 2.0 (--threshold=20)" "$rc" 0

echo "# writable directories"
unit_val() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
t_eq "ProtectSystem" "$(unit_val ProtectSystem)" strict
t_eq "storage.dir's default is the state directory" \
    "/var/lib/$(unit_val StateDirectory)" "$(grep -o '"/var/lib/[a-z]*"' "$SP_SRC/config/config.h" | tr -d '"')"
page=$(sed -n 's/^# status_page: {dir: \([^,]*\),.*/\1/p' "$SP_SRC/contrib/slaprobe.yaml")
t_eq "the example's status page is in the runtime directory (its parent writable)" \
    "$(dirname "$page")" "/run/$(unit_val RuntimeDirectory)"
t_eq "nginx serves that page" \
    "$(sed -n 's/^ *root \(.*\);/\1/p' "$SP_SRC/contrib/nginx-status.conf")" "$page"
t_eq "no capability" "$(unit_val CapabilityBoundingSet)" ""
t_eq "address families" "$(unit_val RestrictAddressFamilies)" "AF_INET AF_INET6 AF_UNIX"
t_eq "umask" "$(unit_val UMask)" 0027

echo "# system calls"
if ! command -v strace >/dev/null; then
    echo "  (strace not installed: system calls not checked)"
    fx_cleanup
    t_done
    exit
fi
# The allow list as systemd builds it: the first SystemCallFilter= line
# (an allow list) sets it, each later one adds to it or, with ~, takes from
# it; @groups expanded by systemd-analyze itself.
systemd-analyze syscall-filter 2>/dev/null >"$FX_DIR/groups"
expand() { # NAME... : system calls, one a line
    awk -v want=" $* " '
        /^@/ { g = $1; next }
        /^ *#/ || NF == 0 { next }
        { m[g] = m[g] " " $1 }
        END {
            n = split(want, w, " ")
            for (i = 1; i <= n; i++) out(w[i])
        }
        function out(x,   k, a, j) {
            if (x !~ /^@/) { print x; return }
            if (seen[x]++) return
            k = split(m[x], a, " ")
            for (j = 1; j <= k; j++) out(a[j])
        }' "$FX_DIR/groups" | sort -u
}
: >"$FX_DIR/allowed"
while IFS= read -r line; do
    if [[ $line == "~"* ]]; then
        expand ${line#\~} >"$FX_DIR/del"
        comm -23 "$FX_DIR/allowed" "$FX_DIR/del" >"$FX_DIR/a2"
    else
        expand $line | sort -u - "$FX_DIR/allowed" >"$FX_DIR/a2"
    fi
    mv "$FX_DIR/a2" "$FX_DIR/allowed"
done < <(sed -n 's/^SystemCallFilter=//p' "$UNIT")
t_match "the filter allows a few hundred calls" "$(wc -l <"$FX_DIR/allowed")" '^[0-9]{3}$'

fx_start_nginx
fx_start_faultd
fx_start_dnsmasq
fx_start_sink hook http
HOOK_PORT=$FX_SINK_PORT
fx__ports 2
DEAD_PORT=${FX__PORTS[0]} SMTP_DEAD=${FX__PORTS[1]}
mkdir -p "$FX_DIR/store" "$FX_DIR/www"
fx_start_rrdcached
sock=$FX_RRDCACHED_SOCK
printf '#!/bin/sh\necho "$SLAPROBE_EVENT" >"%s/exec.out"\n' "$FX_DIR" >"$FX_DIR/alert.sh"
chmod +x "$FX_DIR/alert.sh"
cat >"$FX_DIR/unit.yaml" <<YAML
storage:
  dir: $FX_DIR/store
  rrdcached: unix:$sock
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
dns_servers: ["127.0.0.1:$FX_DNS_PORT"]
status_page: {dir: $FX_DIR/www/status, every: 2s}
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2}
targets:
  - {id: web, url: "https://localhost:$FX_HTTPS_PORT/health", ca_file: $FX_CERTS/ca.pem,
     pattern: 1, tls_interval: 2s}
  - {id: plain, url: "http://localhost:$FX_HTTP_PORT/health", pattern: 1}
  - {id: dead, url: "tcp://127.0.0.1:$DEAD_PORT", pattern: 1}
  - {id: dns, url: "dns://ok.test", pattern: 1}
alerts:
  - {type: webhook, url: "http://localhost:$HOOK_PORT/", auth: {header: X-T, value: "env:SP_T"},
     events: [down]}
  - {type: smtp, url: "smtp://127.0.0.1:$SMTP_DEAD", from: a@example.com, to: [b@example.com],
     retries: 0, events: [down]}
  - {type: exec, argv: ["$FX_DIR/alert.sh"], events: [down]}
YAML
SP_T=secret strace -f -qq -o "$FX_DIR/trace" "$SLAPROBE" run -c "$FX_DIR/unit.yaml" \
    2>"$FX_DIR/daemon.log" &
tpid=$!
fx_track_pid $tpid
daemon_pid() { dpid=$(pgrep -P $tpid -x slaprobe); } # strace's child
wait_until 5 daemon_pid
sleep 5
kill -HUP "$dpid"
sleep 4
kill -TERM "$dpid"
wait $tpid || true
t_eq "the exec alert ran" "$(cat "$FX_DIR/exec.out" 2>/dev/null)" down
t_eq "the status page was built" "$([ -f "$FX_DIR/www/status/status.json" ] && echo yes)" yes
t_match "the daemon reloaded" "$(grep -c 'reloaded' "$FX_DIR/daemon.log")" '^1$'
# "PID name(args" and "PID <... name resumed>": every call once
sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p; s/^[0-9]+ +<\.\.\. ([a-z0-9_]+) resumed>.*/\1/p' \
    "$FX_DIR/trace" | sort -u >"$FX_DIR/used"
echo "  $(wc -l <"$FX_DIR/used") distinct system calls used"
t_eq "every system call used is allowed by the unit" \
    "$(comm -23 "$FX_DIR/used" "$FX_DIR/allowed" | tr '\n' ' ')" ""

fx_cleanup
t_done
