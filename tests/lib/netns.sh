# Network namespaces for the tests of several vantage points (SPEC section
# 10): addresses that exist only inside namespaces this test creates, links
# the test can cut. Needs root (CI runs as root) and iproute2. Source after
# fixtures.sh and call ns_init after fx_init: every namespace is deleted by
# fx_cleanup (after the processes), also when the test fails.
#
# The topology ns_hub + ns_vantage N makes: one hub namespace, and per
# vantage N a namespace joined to the hub by its own veth pair:
#
#   vantage N (10.201.N.2/24) --veth-- (10.201.N.1/24) hub
#
# The hub holds the service addresses on its loopback (10.200.0.X/32) and
# forwards; every vantage routes 10.200.0.0/24 through its link. Cutting
# the hub's end of a link (ns_cut N) takes that vantage off everything.

NS__LIST=()

# ns_init: a prefix unique to this test run (namespace and link names are
# global to the host: two tests at once must not meet).
ns_init() {
    [ "$(id -u)" = 0 ] || { echo "netns: needs root" >&2; return 1; }
    command -v ip >/dev/null || { echo "netns: iproute2 missing (scripts/setup.sh --test)" >&2; return 1; }
    NS_P=sp$(( $$ % 100000 ))
}

fx_cleanup_hook() {
    local n
    for n in "${NS__LIST[@]}"; do
        # processes a test left inside (it should have stopped them): gone
        ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$n" 2>/dev/null || true
    done
    NS__LIST=()
}

ns__add() {
    ip netns add "$1" || return 1
    NS__LIST+=("$1")
    ip -n "$1" link set lo up
}

# ns_hub ADDR...: the hub namespace ($NS_P-hub, in NS_HUB), with each ADDR
# (10.200.0.X) on its loopback.
ns_hub() {
    NS_HUB=$NS_P-hub
    ns__add "$NS_HUB" || return 1
    ip netns exec "$NS_HUB" sysctl -qw net.ipv4.ip_forward=1
    local a
    for a in "$@"; do ip -n "$NS_HUB" addr add "$a/32" dev lo || return 1; done
}

# ns_vantage N: the namespace $NS_P-vN linked to the hub.
ns_vantage() {
    local n=$1 v=$NS_P-v$1
    ns__add "$v" || return 1
    ip link add "${NS_P}h$n" netns "$NS_HUB" type veth peer name "${NS_P}v$n" netns "$v" || return 1
    ip -n "$NS_HUB" addr add "10.201.$n.1/24" dev "${NS_P}h$n"
    ip -n "$v" addr add "10.201.$n.2/24" dev "${NS_P}v$n"
    ip -n "$NS_HUB" link set "${NS_P}h$n" up
    ip -n "$v" link set "${NS_P}v$n" up
    ip -n "$v" route add 10.200.0.0/24 via "10.201.$n.1"
}

# ns_name N: the namespace of vantage N
ns_name() { echo "$NS_P-v$1"; }

# ns_cut N / ns_join N: take vantage N's link down / up (the hub's end)
ns_cut() { ip -n "$NS_HUB" link set "${NS_P}h$1" down; }
ns_join() { ip -n "$NS_HUB" link set "${NS_P}h$1" up; }

# ns_exec NS CMD...: run CMD inside the namespace (for fx__spawn and sp_run)
ns_exec() { local n=$1; shift; ip netns exec "$n" "$@"; }
