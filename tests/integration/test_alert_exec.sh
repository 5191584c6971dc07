#!/usr/bin/env bash
# What an exec alert's program gets from the daemon, and what the daemon's
# files let others read. A real daemon (HTTPS target on nginx, a refused
# TCP target that goes DOWN, RRDs through a real rrdcached, a webhook and an
# SMTP channel with env: secrets) runs a shell script as its exec alert;
# the script records its environment and its open descriptors:
#  - no secret (the webhook's auth value, the SMTP password) and no
#    unrelated variable of the daemon's environment reaches it: only PATH,
#    LANG, TZ, the SLAPROBE_* event variables and the names the channel's
#    pass_env lists;
#  - no descriptor but 0-2 (and the script file the shell reads) is open
#    in it: nothing of the daemon (sockets of libcurl, c-ares, rrdcached,
#    the journals, the store's lock) leaks into a program we run;
#  - the journal and RRD files the daemon created are mode 0640 (not
#    world-readable), whatever the umask.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx
fx_start_sink hook http
HOOK_PORT=$FX_SINK_PORT
fx__ports 2
DEAD_PORT=${FX__PORTS[0]} SMTP_DEAD=${FX__PORTS[1]}

mkdir -p "$FX_DIR/store"
fx_start_rrdcached
sock=$FX_RRDCACHED_SOCK

# The program: its environment and its descriptors, then exit 0. stdout
# is replaced for good (exec) before ls looks, or the shell would list the
# copy of its stdout it keeps while a command's output is redirected; and
# `exit` last so that the shell does not exec ls in its own place.
cat >"$FX_DIR/record.sh" <<'SH'
#!/bin/sh
env >"$1.env"
exec >"$1.fd"
ls -l /proc/$$/fd
exit 0
SH
chmod +x "$FX_DIR/record.sh"

cat >"$FX_DIR/exec.yaml" <<YAML
storage:
  dir: $FX_DIR/store
  rrdcached: unix:$sock
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
timezone: UTC
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2, tls_interval: "off"}
targets:
  - id: web
    url: https://localhost:$FX_HTTPS_PORT/health
    ca_file: $FX_CERTS/ca.pem
    pattern: 1
  - id: dead
    url: tcp://127.0.0.1:$DEAD_PORT
    pattern: 1
alerts:
  - type: webhook
    name: hook
    url: http://127.0.0.1:$HOOK_PORT/alert
    auth: {header: X-Token, value: "env:SP_TEST_HOOK_TOKEN"}
    events: [down]
  - type: smtp
    name: mail
    url: smtp://127.0.0.1:$SMTP_DEAD
    from: slaprobe@example.com
    to: [ops@example.com]
    username: probe
    password: env:SP_TEST_SMTP_PASSWORD
    retries: 0
    events: [down]
  - type: exec
    name: record
    argv: ["$FX_DIR/record.sh", "$FX_DIR/out"]
    pass_env: [SP_TEST_PASSED]
    events: [down]
    targets: [dead]
YAML

# umask 0: what the files get is the daemon's choice, not the umask's
(
    umask 0
    exec env SP_TEST_HOOK_TOKEN=tok-secret-7d1 SP_TEST_SMTP_PASSWORD=pw-secret-42b \
        SP_TEST_UNRELATED=not-for-alerts SP_TEST_PASSED=passed-on LANG=C.UTF-8 TZ=UTC \
        SLAPROBE_EVENT=from-outside \
        "$SLAPROBE" run -c "$FX_DIR/exec.yaml"
) 2>"$FX_DIR/daemon.log" &
pid=$!
fx_track_pid $pid
wait_until 15 test -s "$FX_DIR/out.fd"
# and what the checks below read besides: the webhook's delivery, both RRDs
delivered() {
    journal_has "$FX_DIR/hook.jsonl" 'select(.status == 200)' &&
        [ -e "$FX_DIR/store/dead.rrd" ] && [ -e "$FX_DIR/store/web.rrd" ]
}
wait_until 5 delivered
sp_stop "daemon exit on SIGTERM" $pid
[ "${SP_TEST_VERBOSE:-0}" = 1 ] && { cat "$FX_DIR/daemon.log" "$FX_DIR/out.env" "$FX_DIR/out.fd"; }

echo "# the program's environment"
t_eq "the exec alert ran" "$([ -s "$FX_DIR/out.env" ] && echo yes)" yes
t_eq "the webhook was sent with its secret (so it was loaded)" \
    "$(jq -r 'select(.status == 200) | .headers["X-Token"]' "$FX_DIR/hook.jsonl" | head -1)" tok-secret-7d1
t_eq "no secret value in the program's environment" \
    "$(grep -cE 'tok-secret-7d1|pw-secret-42b' "$FX_DIR/out.env" || true)" 0
t_eq "no unrelated variable" "$(grep -c '^SP_TEST_UNRELATED=' "$FX_DIR/out.env" || true)" 0
t_eq "pass_env: the listed name is passed" \
    "$(grep '^SP_TEST_PASSED=' "$FX_DIR/out.env")" SP_TEST_PASSED=passed-on
t_eq "PATH, LANG, TZ are passed" \
    "$(grep -E '^(LANG|TZ)=' "$FX_DIR/out.env" | sort | tr '\n' ' ')$(grep -c '^PATH=' "$FX_DIR/out.env")" \
    "LANG=C.UTF-8 TZ=UTC 1"
t_eq "the event is in SLAPROBE_* (the daemon's own SLAPROBE_EVENT is not)" \
    "$(grep -E '^SLAPROBE_(EVENT|TARGET)=' "$FX_DIR/out.env" | sort | tr '\n' ' ')" \
    "SLAPROBE_EVENT=down SLAPROBE_TARGET=dead "
# sh itself adds PWD (and dash nothing else); anything else came from us
extra=$(cut -d= -f1 "$FX_DIR/out.env" | grep -vE '^(PATH|LANG|TZ|SLAPROBE_[A-Z_]+|SP_TEST_PASSED|PWD|OLDPWD|SHLVL|_)$' |
    sort | tr '\n' ' ' || true)
t_eq "nothing else in the environment" "$extra" ""

echo "# the program's descriptors"
# "lr-x------ 1 u g 64 date 10 -> /path/record.sh": fd number and target
fds=$(awk '$(NF-1) == "->" { print $(NF-2), $NF }' "$FX_DIR/out.fd")
t_match "stdin, stdout, stderr are there" "$(cut -d' ' -f1 <<<"$fds" | sort -n | head -3 | tr '\n' ' ')" '^0 1 2 $'
leaked=$(awk -v me="$FX_DIR/record.sh" '$1 > 2 && $2 != me { print $1 " -> " $2 }' <<<"$fds" | tr '\n' ';')
t_eq "no descriptor of the daemon beyond 0-2 (only the script's own)" "$leaked" ""

echo "# file modes"
t_eq "journal mode 640" "$(stat -c %a "$FX_DIR/store/dead.journal")" 640
t_eq "rrd mode 640" "$(stat -c %a "$FX_DIR/store/dead.rrd")" 640
t_eq "rrd (the other target) mode 640" "$(stat -c %a "$FX_DIR/store/web.rrd")" 640

fx_cleanup
t_done
