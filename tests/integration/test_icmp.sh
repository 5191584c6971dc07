#!/bin/bash
# The icmp kind (icmp://host): one echo request, on loopback and inside
# network namespaces this test creates (ping_group_range and the routes
# are per namespace, so nothing of the host is touched):
#  - a ping socket where net.ipv4.ping_group_range allows it, without
#    CAP_NET_RAW; a raw socket with CAP_NET_RAW where it does not; neither:
#    probe_error naming both ways;
#  - a host that ignores echo requests: icmp_timeout within the timeout;
#  - a router saying "unreachable", and no route at all: tcp_unreachable;
#  - the daemon probes an icmp target and journals its state.
set -u
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
source "$SP_SRC/tests/lib/netns.sh"
fx_init
ns_init
ns_hub 10.200.0.1
ns_vantage 1
V=$(ns_name 1)
ip -n "$V" route add 10.202.0.0/24 via 10.201.1.1
ip -n "$NS_HUB" route add unreachable 10.202.0.0/24
# in V: NAME CMD...: run inside the vantage namespace
inv() { ip netns exec "$V" "$@"; }
# without CAP_NET_RAW (also not regained by exec as root), in V
noraw=(setpriv --inh-caps=-net_raw --bounding-set=-net_raw ip netns exec "$V")
field() { jq -r "$1" <<<"$2"; }

echo "# loopback"
r=$("$SLAPROBE" check --json icmp://127.0.0.1)
t_eq "127.0.0.1: up" "$(field '[.ok, .reason, .kind] | @tsv' "$r")" "$(printf 'true\tok\ticmp')"
t_num "127.0.0.1: the round trip is the connect phase" "$(field .timings_ms.connect "$r")"
r=$("$SLAPROBE" check --json 'icmp://[::1]')
t_eq "::1: up" "$(field '[.ok, .address] | @tsv' "$r")" "$(printf 'true\t::1')"

echo "# the socket: ping socket, raw socket, neither"
inv sysctl -qw net.ipv4.ping_group_range="0 2147483647"
r=$("${noraw[@]}" "$SLAPROBE" check --json icmp://10.200.0.1)
t_match "ping_group_range open, no CAP_NET_RAW: a ping socket" "$(field '[.ok, .detail] | @tsv' "$r")" \
    '^true	echo reply from 10\.200\.0\.1 in [0-9.]+ ms \(ping socket\)$'
inv sysctl -qw net.ipv4.ping_group_range="1 0"
r=$(inv "$SLAPROBE" check --json icmp://10.200.0.1)
t_match "ping_group_range closed, CAP_NET_RAW: a raw socket" "$(field '[.ok, .detail] | @tsv' "$r")" \
    '^true	echo reply from 10\.200\.0\.1 .*\(raw socket\)$'
r=$("${noraw[@]}" "$SLAPROBE" check --json icmp://10.200.0.1)
t_eq "neither: probe_error (our side)" "$(field '[.ok, .reason] | @tsv' "$r")" "$(printf 'false\tprobe_error')"
t_match "neither: the detail names both ways" "$(field .detail "$r")" \
    'ping_group_range.*raw socket needs CAP_NET_RAW'

echo "# a silent host, a router's unreachable, no route"
ip netns exec "$NS_HUB" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
t0=$(date +%s%3N)
r=$(inv "$SLAPROBE" check --json -t 700 icmp://10.200.0.1)
t1=$(date +%s%3N)
t_eq "echo ignored: icmp_timeout" "$(field '[.ok, .reason] | @tsv' "$r")" "$(printf 'false\ticmp_timeout')"
t_eq "echo ignored: ended within its timeout (+0.5 s)" "$([ $((t1 - t0)) -lt 1200 ] && echo yes)" yes
ip netns exec "$NS_HUB" sysctl -qw net.ipv4.icmp_echo_ignore_all=0
r=$(inv "$SLAPROBE" check --json -t 2000 icmp://10.202.0.9)
t_eq "the router says unreachable: tcp_unreachable" "$(field '[.ok, .reason] | @tsv' "$r")" "$(printf 'false\ttcp_unreachable')"
t_match "... at once, not at the timeout" "$(field .timings_ms.total "$r")" '^[0-9]{1,3}(\.[0-9]+)?$'
r=$(inv "$SLAPROBE" check --json -t 2000 icmp://10.99.0.1)
t_eq "no route: tcp_unreachable" "$(field '[.ok, .reason] | @tsv' "$r")" "$(printf 'false\ttcp_unreachable')"

echo "# refused targets"
rc=0; "$SLAPROBE" check icmp://127.0.0.1:80 >/dev/null 2>"$FX_DIR/err" || rc=$?
t_match "a port: exit 2" "$rc $(cat "$FX_DIR/err")" "^2 .*icmp:// has no port"
rc=0; "$SLAPROBE" check icmp://127.0.0.1/path >/dev/null 2>"$FX_DIR/err" || rc=$?
t_match "a path: exit 2" "$rc $(cat "$FX_DIR/err")" "^2 .*icmp:// takes a host name or address only"

echo "# the daemon"
mkdir -p "$FX_DIR/store"
cat >"$FX_DIR/c.yaml" <<YAML
storage: {dir: $FX_DIR/store}
timezone: UTC
defaults: {interval: 1s, timeout: 800ms}
targets:
  - {id: gw, url: "icmp://10.200.0.1", pattern: 3}
YAML
ip netns exec "$V" "$SLAPROBE" run -c "$FX_DIR/c.yaml" 2>"$FX_DIR/daemon.log" & # exec'ed: $! is the daemon
SP_PID=$!
fx_track_pid "$SP_PID"
wait_until 10 journal_has "$FX_DIR/store/gw.journal" 'select(.type == "state" and .to == "UP")'
ip netns exec "$NS_HUB" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
wait_until 15 journal_has "$FX_DIR/store/gw.journal" 'select(.type == "state" and .to == "DOWN")'
sp_stop "daemon exit"
t_eq "daemon: UP, then DOWN" \
    "$(jq -r 'select(.type == "state") | .to' "$FX_DIR/store/gw.journal" | tr '\n' ',')" "UP,DOWN,"
t_eq "daemon: the DOWN's reason" \
    "$(jq -r 'select(.type == "state" and .to == "DOWN") | .reason' "$FX_DIR/store/gw.journal")" icmp_timeout

fx_cleanup
t_done
