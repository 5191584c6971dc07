#!/usr/bin/env bash
# Every reason code of SPEC section 3 (but probe_error and tcp_unreachable,
# which need our own failure or a routed network) produced by a real server
# on 127.0.0.1 and asserted exactly: nginx with generated certificates,
# dnsmasq on a high port, and the fault-injection server faultd.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx
fx_start_faultd
fx_start_dnsmasq

CA=$FX_CERTS/ca.pem
DNS=(--dns-server "127.0.0.1:$FX_DNS_PORT")
H=$FX_HTTP_PORT
F=http://127.0.0.1:$FX_FAULT_PORT
SHORT=(--timeout 1500)

echo "# up"
expect_reason "https valid" ok --cacert "$CA" "https://localhost:$FX_HTTPS_PORT/"
t_eq "https valid: status" "$(jf .http_status)" 200
t_eq "https valid: address" "$(jf .address)" 127.0.0.1
for ph in dns connect tls ttfb total; do t_num "https valid: timings_ms.$ph" "$(jf .timings_ms.$ph)"; done
t_eq "https valid: chain_valid" "$(jf .tls.cert.chain_valid)" true
t_eq "https valid: hostname_match" "$(jf .tls.cert.hostname_match)" true
t_match "https valid: days_left" "$(jf .tls.cert.days_left)" '^(29|30)$'
t_match "https valid: version" "$(jf .tls.version)" '^TLSv1\.[23]$'
t_match "https valid: cipher" "$(jf .tls.cipher)" '.'
expect_reason "https via dnsmasq name" ok "${DNS[@]}" --cacert "$CA" "https://ok.test:$FX_HTTPS_PORT/health"
t_num "dnsmasq name: timings_ms.dns" "$(jf .timings_ms.dns)"
expect_reason "http by IP" ok "http://127.0.0.1:$H/"
t_eq "http by IP: no DNS phase" "$(jf '.timings_ms.dns // "absent"')" absent
t_eq "http by IP: no TLS phase" "$(jf '.timings_ms.tls // "absent"')" absent
expect_reason "redirect followed" ok "http://127.0.0.1:$H/redirect"
t_eq "redirect followed: redirects" "$(jf .redirects)" 1
t_eq "redirect followed: final status" "$(jf .http_status)" 200
expect_reason "redirect not followed is a 3xx answer" ok --max-redirects 0 "http://127.0.0.1:$H/redirect"
t_eq "redirect not followed: status" "$(jf .http_status)" 302
expect_reason "body keyword present" ok --expect-body "fixture ok" "http://127.0.0.1:$H/"
expect_reason "body regex matches" ok --expect-regex '^slaprobe [a-z]+ ok$' "http://127.0.0.1:$H/"
expect_reason "header matches" ok --expect-header 'x-fixture: ^nginx$' "http://127.0.0.1:$H/"
expect_reason "expected 503 is up" ok --expect-status 503 "http://127.0.0.1:$H/status/503"
expect_reason "insecure still reports the problem" ok -k "https://localhost:$FX_EXPIRED_PORT/"
t_eq "insecure: chain_valid" "$(jf .tls.cert.chain_valid)" false
t_match "insecure: days_left negative" "$(jf .tls.cert.days_left)" '^-[0-9]+$'

echo "# dns_*"
expect_reason "dns_nxdomain (http)" dns_nxdomain "${DNS[@]}" "http://nx.test:$H/"
expect_reason "dns_servfail (http)" dns_servfail "${DNS[@]}" "http://sf.test:$H/"
expect_reason "dns_refused (http)" dns_refused "${DNS[@]}" "http://elsewhere.test:$H/"
expect_reason "dns_timeout (http)" dns_timeout "${SHORT[@]}" --dns-server "127.0.0.1:$FX_DNS_SILENT_PORT" "http://ok.test:$H/"
t_eq "dns_timeout: no connect phase" "$(jf '.timings_ms.connect // "absent"')" absent
expect_reason "dns_nodata (http, IPv6 only)" dns_nodata "${DNS[@]}" -6 "http://v4only.test:$H/"

echo "# tcp_*"
expect_reason "tcp_refused" tcp_refused "http://127.0.0.1:$(fx_free_port)/"
expect_reason "tcp_refused (IPv6 preferred, nginx on IPv4 only)" tcp_refused "${DNS[@]}" -6 "http://ok.test:$H/"
t_eq "tcp_refused -6: address" "$(jf .address)" ::1
expect_reason "tcp_timeout" tcp_timeout "${SHORT[@]}" "http://127.0.0.1:$FX_BLACKHOLE_PORT/"

echo "# tls_*"
expect_reason "tls_handshake (plain HTTP port)" tls_handshake "https://127.0.0.1:$H/"
expect_reason "tls_cert_expired" tls_cert_expired --cacert "$CA" "https://localhost:$FX_EXPIRED_PORT/"
t_match "expired: days_left" "$(jf .tls.cert.days_left)" '^-[0-9]+$'
expect_reason "tls_cert_untrusted (self-signed)" tls_cert_untrusted --cacert "$CA" "https://localhost:$FX_SELFSIGNED_PORT/"
expect_reason "tls_cert_untrusted (CA not in system store)" tls_cert_untrusted "https://localhost:$FX_HTTPS_PORT/"
expect_reason "tls_cert_hostname" tls_cert_hostname --cacert "$CA" "https://localhost:$FX_WRONGHOST_PORT/"
t_eq "wrong host: hostname_match" "$(jf .tls.cert.hostname_match)" false
t_eq "wrong host: chain_valid" "$(jf .tls.cert.chain_valid)" true

echo "# http_*"
expect_reason "http_timeout (accept and hang)" http_timeout "${SHORT[@]}" "$F/hang"
t_num "hang: connect measured" "$(jf .timings_ms.connect)"
expect_reason "http_timeout (slow body)" http_timeout "${SHORT[@]}" "$F/slow"
expect_reason "http_status (500)" http_status "$F/500"
t_eq "500: status" "$(jf .http_status)" 500
expect_reason "http_status (503 from nginx)" http_status "http://127.0.0.1:$H/status/503"
expect_reason "http_status (200 when 201 expected)" http_status --expect-status 201 "http://127.0.0.1:$H/"
expect_reason "http_body_mismatch (keyword)" http_body_mismatch --expect-body "not there" "http://127.0.0.1:$H/"
expect_reason "http_body_mismatch (regex)" http_body_mismatch --expect-regex '^nope' "http://127.0.0.1:$H/"
expect_reason "http_body_mismatch (header)" http_body_mismatch --expect-header 'X-Fixture: ^apache$' "http://127.0.0.1:$H/"
expect_reason "http_too_large (16 MiB body)" http_too_large "$F/big"
expect_reason "http_too_large (small cap)" http_too_large --max-body 5 "http://127.0.0.1:$H/"
expect_reason "http_protocol (reset mid-response)" http_protocol "$F/reset"
expect_reason "http_protocol (malformed)" http_protocol "$F/malformed"
expect_reason "redirect_loop" redirect_loop "$F/loop"

echo "# dns probes"
expect_reason "dns A" ok "${DNS[@]}" "dns://ok.test"
t_eq "dns A: answer" "$(jf .answer)" 127.0.0.1
expect_reason "dns AAAA expect" ok "${DNS[@]}" "dns://ok.test?type=AAAA&expect=::1"
expect_reason "dns MX expect" ok "${DNS[@]}" "dns://mail.test?type=MX&expect=mx1.test"
t_eq "dns MX: answer" "$(jf .answer)" "10 mx1.test"
expect_reason "dns TXT expect" ok "${DNS[@]}" --dns-type TXT --dns-expect v=slaprobe1 "dns://txt.test"
expect_reason "dns CNAME expect" ok "${DNS[@]}" "dns://alias.test?type=CNAME&expect=ok.test"
expect_reason "dns_mismatch" dns_mismatch "${DNS[@]}" "dns://ok.test?expect=127.0.0.2"
expect_reason "dns_nodata (no AAAA)" dns_nodata "${DNS[@]}" "dns://v4only.test?type=AAAA"
expect_reason "dns_nxdomain (dns probe)" dns_nxdomain "${DNS[@]}" "dns://nx.test"
expect_reason "dns_servfail (dns probe)" dns_servfail "${DNS[@]}" "dns://sf.test"
expect_reason "dns_refused (dns probe)" dns_refused "${DNS[@]}" "dns://elsewhere.test"
expect_reason "dns_timeout (dns probe)" dns_timeout "${SHORT[@]}" --dns-server "127.0.0.1:$FX_DNS_SILENT_PORT" "dns://ok.test"

echo "# tcp probes"
expect_reason "tcp up" ok "127.0.0.1:$H"
t_num "tcp up: connect" "$(jf .timings_ms.connect)"
expect_reason "tcp up by name" ok "${DNS[@]}" "tcp://ok.test:$H"
expect_reason "tcp refused" tcp_refused "127.0.0.1:$(fx_free_port)"
expect_reason "tcp timeout" tcp_timeout "${SHORT[@]}" "127.0.0.1:$FX_BLACKHOLE_PORT"

t_done
