#!/usr/bin/env bash
# Hostile servers: what a server that means harm (or is badly broken) can
# provoke, and what slaprobe must then report and do.  A secret header must
# not follow a redirect off its origin; the server's faults must never be
# reported as probe_error (our own fault); the process must end in time
# whatever a DNS server answers.  Servers: faultd, tests/fixtures/
# redirect_origins.py and tests/fixtures/hostile_dns.py, all on 127.0.0.1.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_certs
fx_start_faultd

F=http://127.0.0.1:$FX_FAULT_PORT


# ms_now: a monotonic-enough clock in milliseconds
ms_now() { date +%s%3N; }

echo "# auth header only to its own origin (scheme, host, port)"
fx__ports 3
PA=${FX__PORTS[0]} PB=${FX__PORTS[1]} PC=${FX__PORTS[2]}
LOG=$FX_DIR/heads.log
: >"$LOG"
fx_start_py redirect redirect_origins.py "$PA" "$PB" "$PC" "$FX_CERTS/valid.pem" \
    "$FX_CERTS/valid.key" "$LOG"
SECRET="Authorization: Bearer s3cret-token"
for case in same to-http to-port to-host; do
    : >"$LOG"
    PROBE_AUTH=$SECRET "$PROBE_MANY" "https://127.0.0.1:$PA/$case" 1 ok "$FX_CERTS/ca.pem" \
        >"$FX_DIR/probe.out" 2>&1 && rc=0 || rc=$?
    t_eq "auth $case: probe ok" "$rc" 0
    [ "$rc" = 0 ] || cat "$FX_DIR/probe.out"
    t_eq "auth $case: first hop carries the header" "$(sed -n 1p "$LOG")" \
        "A /$case Bearer s3cret-token"
    case $case in
    same) want="A /final Bearer s3cret-token" ;;
    to-http) want="B /final -" ;;
    to-port) want="C /final -" ;;
    to-host) want="A /final -" ;;
    esac
    t_eq "auth $case: second hop" "$(sed -n 2p "$LOG")" "$want"
done

echo "# the body is bytes: a NUL does not end it"
expect_reason "expect_body past a NUL" ok --expect-body "marker" "$F/nul"
expect_reason "expect_regex past a NUL" ok --expect-regex 'after-nul marker$' "$F/nul"
expect_reason "expect_regex before a NUL" ok --expect-regex '^before' "$F/nul"
expect_reason "expect_regex absent" http_body_mismatch --expect-regex 'not there' "$F/nul"

echo "# a server's fault is never probe_error"
expect_reason "1 MiB header line" http_protocol "$F/bighead"
t_match "1 MiB header line: detail" "$(jf .detail)" 'header line longer than libcurl accepts'
expect_reason "redirect to a name with a 64-byte label" http_protocol "$F/badname"

echo "# a process ends within its timeout, whatever the DNS server answers"
# timed_check NAME WANT_REASON ARGS...: check -t 1000 must answer and exit
# within 1.5 s; c-ares' own retries (2 s, 4 s, 8 s) must not keep it alive.
timed_check() {
    local name=$1 want=$2 t0 t1
    shift 2
    t0=$(ms_now)
    expect_reason "$name" "$want" -t 1000 "$@"
    t1=$(ms_now)
    t_match "$name: exited within 1.5 s ($((t1 - t0)) ms)" "$((t1 - t0))" '^([0-9]{1,3}|1[0-4][0-9]{2})$'
}
timed_check "garbage DNS (dns probe)" dns_timeout --dns-server "127.0.0.1:$FX_DNS_GARBAGE_PORT" "dns://ok.test"
timed_check "garbage DNS (http probe)" dns_timeout --dns-server "127.0.0.1:$FX_DNS_GARBAGE_PORT" "http://ok.test:$FX_FAULT_PORT/ok"
timed_check "silent DNS (dns probe)" dns_timeout --dns-server "127.0.0.1:$FX_DNS_SILENT_PORT" "dns://ok.test"
timed_check "silent DNS (tcp probe)" dns_timeout --dns-server "127.0.0.1:$FX_DNS_SILENT_PORT" "tcp://ok.test:$FX_FAULT_PORT"

echo "# DNS answers that are no answer"
fx__ports 1
HD=(--dns-server "127.0.0.1:${FX__PORTS[0]}")
fx_start_py hostile_dns hostile_dns.py "${FX__PORTS[0]}"
expect_reason "truncated over UDP and TCP" dns_servfail "${HD[@]}" "dns://tc.test"
t_eq "truncated: detail" "$(jf .detail)" "tc.test A: answer truncated over UDP and TCP"
expect_reason "truncated over UDP, cut off over TCP" dns_servfail "${HD[@]}" "dns://tcbad.test"
t_eq "cut off: detail" "$(jf .detail)" "tcbad.test A: answer truncated over UDP and TCP"
expect_reason "CNAME loop (A)" dns_servfail "${HD[@]}" "dns://loop.test"
t_eq "CNAME loop (A): detail" "$(jf .detail)" "loop.test A: CNAME loop: loop.test -> loop2.test -> loop.test"
expect_reason "CNAME loop (AAAA)" dns_servfail "${HD[@]}" "dns://loop.test?type=AAAA"
expect_reason "CNAME loop (CNAME)" dns_servfail "${HD[@]}" "dns://loop.test?type=CNAME"
# the other kinds resolve with ares_getaddrinfo, which hides the answer
expect_reason "truncated (http)" dns_servfail "${HD[@]}" "http://tc.test:$FX_FAULT_PORT/ok"
t_eq "truncated (http): detail" "$(jf .detail)" "cannot resolve tc.test: answer truncated over UDP and TCP"
expect_reason "CNAME loop (http)" dns_servfail "${HD[@]}" "http://loop.test:$FX_FAULT_PORT/ok"
t_eq "CNAME loop (http): detail" "$(jf .detail)" "cannot resolve loop.test: CNAME loop: loop.test -> loop2.test -> loop.test"
expect_reason "CNAME loop (tcp, IPv6 only)" dns_servfail "${HD[@]}" -6 "tcp://loop.test:$FX_FAULT_PORT"
expect_reason "cut off over TCP (tcp)" dns_servfail "${HD[@]}" "tcp://tcbad.test:$FX_FAULT_PORT"

t_done
