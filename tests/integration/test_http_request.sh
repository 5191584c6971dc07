#!/bin/bash
# The request a target sends: method, body and extra headers reach the
# server as configured (a logging server on 127.0.0.1 says what it got);
# 301/302/303 turn a POST into a GET without the body, 307/308 repeat it;
# HEAD asks for no body; reject_regex turns an error page served with 200
# into http_body_mismatch; credentials are refused in headers; the daemon's
# configuration keys reach the probe (config-check prints them) and bad
# ones are refused with file, line and key.
set -u
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx__ports 1
P=${FX__PORTS[0]}
LOG=$FX_DIR/requests.jsonl
: >"$LOG"
fx_start_py echo echo_http.py "$P" "$LOG"
U=http://127.0.0.1:$P

# check URL ARGS...: one probe, its JSON result
check() { local u=$1; shift; "$SLAPROBE" check --json "$@" "$u" 2>"$FX_DIR/check.err"; }
last() { tail -n "${2:-1}" "$LOG" | head -n 1 | jq -r "$1"; }

echo "# method, body, headers"
r=$(check "$U/echo" -X PUT -d '{"probe": 1}' -H 'X-Probe: yes' -H 'Accept: application/json')
t_eq "PUT with a body: up" "$(jq -r '.ok' <<<"$r")" true
t_eq "PUT: the server got method, body and headers" \
    "$(last '[.method, .body, .headers["x-probe"], .headers.accept] | @tsv')" \
    "$(printf 'PUT\t{"probe": 1}\tyes\tapplication/json')"
r=$(check "$U/echo" -d 'a=1')
t_eq "a body alone is a POST" "$(last '[.method, .body] | @tsv')" "$(printf 'POST\ta=1')"
: >"$LOG"
r=$(check "$U/echo" -X HEAD)
t_eq "HEAD: up" "$(jq -r '.ok' <<<"$r")" true
t_eq "HEAD: the server got a HEAD" "$(last .method)" HEAD
r=$(check "$U/echo")
t_eq "no method: GET without a body" "$(last '[.method, .body] | @tsv')" "$(printf 'GET\t')"

echo "# redirects change the request as browsers do"
for code in 301 302 303 307 308; do
    : >"$LOG"
    r=$(check "$U/r$code" -X POST -d 'payload' -H 'X-Probe: yes')
    t_eq "POST to $code: up after one redirect" "$(jq -r '[.ok, .redirects] | @tsv' <<<"$r")" "$(printf 'true\t1')"
    case $code in 307 | 308) want=$(printf 'POST\tpayload\tyes') ;; *) want=$(printf 'GET\t\tyes') ;; esac
    t_eq "POST to $code: the second hop" "$(last '[.method, .body, .headers["x-probe"]] | @tsv')" "$want"
    t_eq "POST to $code: the first hop was the POST" "$(last '[.method, .body] | @tsv' 2)" "$(printf 'POST\tpayload')"
done

echo "# reject_regex"
r=$(check "$U/error-page" --reject-regex '^ERROR')
t_eq "an error page served with 200: down" "$(jq -r '[.ok, .reason] | @tsv' <<<"$r")" "$(printf 'false\thttp_body_mismatch')"
t_match "its detail names the rule" "$(jq -r .detail <<<"$r")" 'body matches /\^ERROR/ \(reject_regex\)'
r=$(check "$U/echo" --reject-regex '^ERROR')
t_eq "a good page: up" "$(jq -r .ok <<<"$r")" true

echo "# refused before any probe"
rc=0; "$SLAPROBE" check -H 'Authorization: Bearer x' "$U/echo" >/dev/null 2>"$FX_DIR/e" || rc=$?
t_match "a credential in --header: exit 2, says where it goes" "$rc $(cat "$FX_DIR/e")" '^2 .*Authorization is a credential: give it as auth'
rc=0; "$SLAPROBE" check -X TRACE "$U/echo" >/dev/null 2>"$FX_DIR/e" || rc=$?
t_match "TRACE: exit 2" "$rc $(cat "$FX_DIR/e")" "^2 .*method 'TRACE' is not GET, HEAD"
rc=0; "$SLAPROBE" check -X HEAD --expect-body ok "$U/echo" >/dev/null 2>"$FX_DIR/e" || rc=$?
t_match "HEAD with a body rule: exit 2" "$rc $(cat "$FX_DIR/e")" '^2 .*a HEAD request has no body'
t_eq "none of them reached the server" "$(grep -c TRACE "$LOG" || true)" 0

echo "# the configuration's keys"
mkdir -p "$FX_DIR/store"
cat >"$FX_DIR/c.yaml" <<YAML
storage: {dir: $FX_DIR/store}
timezone: UTC
targets:
  - id: api
    url: $U/echo
    method: POST
    body: '{"q": "health"}'
    headers: ["Content-Type: application/json", "X-Probe: daemon"]
    reject_regex: "^ERROR"
    pattern: 1
YAML
t_match "config-check prints the request" "$("$SLAPROBE" config-check -c "$FX_DIR/c.yaml")" \
    'method: POST.*body: "\{\\"q\\": \\"health\\"\}".*headers: \["Content-Type: application/json", "X-Probe: daemon"\].*reject_regex: "\^ERROR"'
: >"$LOG"
{ echo "defaults: {interval: 1s, timeout: 800ms}"; cat "$FX_DIR/c.yaml"; } >"$FX_DIR/run.yaml"
sp_run "$FX_DIR/run.yaml" "$FX_DIR/daemon.log"
wait_until 10 grep -q '"method": "POST"' "$LOG"
sp_stop "daemon exit"
t_eq "the daemon's probe sent the configured request" \
    "$(head -n 1 "$LOG" | jq -r '[.method, .body, .headers["content-type"], .headers["x-probe"]] | @tsv')" \
    "$(printf 'POST\t{"q": "health"}\tapplication/json\tdaemon')"
bad() { # bad NAME SED-EXPR WANT: config-check refuses, naming file, line and key
    sed "$2" "$FX_DIR/c.yaml" >"$FX_DIR/bad.yaml"
    local rc=0
    "$SLAPROBE" config-check -c "$FX_DIR/bad.yaml" >/dev/null 2>"$FX_DIR/bad.err" || rc=$?
    t_match "config: $1" "$rc $(cat "$FX_DIR/bad.err")" "^2 .*bad.yaml:[0-9]+: $3"
}
bad "an unknown method" 's/method: POST/method: BREW/' "targets\\[0\\]\\.method: method 'BREW' is not"
bad "a credential header" 's/"X-Probe: daemon"/"Cookie: session=1"/' 'targets\[0\]\.headers: Cookie is a credential'
bad "a header that is not a line" 's/"X-Probe: daemon"/"X-Probe"/' "targets\\[0\\]\\.headers: header 'X-Probe' is not one 'Name: value' line"
bad "a bad reject_regex" 's/reject_regex: "^ERROR"/reject_regex: "(("/' 'targets\[0\]\.reject_regex: bad reject regex'
bad "a body on a tcp target" "s|url: $U/echo|url: tcp://127.0.0.1:$P|" 'targets\[0\]\.method: method, body, headers and reject_regex are for http'

fx_cleanup
t_done
