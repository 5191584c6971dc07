#!/usr/bin/env bash
# Alerts end to end (SPEC section 7), with a real daemon probing a real
# nginx on 127.0.0.1 every second, and real receivers on loopback:
#  - webhook: exactly one DOWN and one recovery per outage, with the right
#    fields, although the receiver fails (HTTP 500, slowly) the first two
#    attempts at the DOWN; the certificate warning comes once, not every
#    probe; meanwhile the probes keep their 1 s grid (no missing RRD row,
#    nothing skipped);
#  - SMTP: an aiosmtpd sink that insists on STARTTLS receives the mails
#    with the right headers and body, in English and in Japanese;
#  - exec: arguments with ';', '$()', quotes and spaces reach the program
#    verbatim (no shell), the event in SLAPROBE_* variables; a program that
#    always fails is journaled as failed after its last attempt, one that
#    hangs is killed at its timeout;
#  - a delivery still waiting for a retry at SIGTERM is journaled as failed;
#  - a TLS grade drop (nginx reloaded with TLS 1.0/1.1) alerts once;
#  - the monthly report shows each incident's notification delay.
# The measured detection -> notification delays are printed.
set -euo pipefail
source "$SP_SRC/tests/lib/fixtures.sh"
source "$SP_SRC/tests/lib/assert.sh"
fx_init
fx_start_nginx
PY=/usr/bin/python3
SINK=$SP_SRC/tests/fixtures/alert_sink.py

now() { date +%s.%N; }

fx_start_sink hook http --fail-event down --fail 2 --fail-delay 1
HOOK_PORT=$FX_SINK_PORT
fx_start_sink mail smtp "$FX_CERTS/valid.pem" "$FX_CERTS/valid.key"
SMTP_PORT=$FX_SINK_PORT
fx__ports 1
DEAD_PORT=${FX__PORTS[0]} # nothing listens
mkdir -p "$FX_DIR/store"

export SP_TEST_HOOK_TOKEN=tok-3f9c1e
cat >"$FX_DIR/alerts.yaml" <<YAML
storage:
  dir: $FX_DIR/store
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
timezone: UTC
report_url: "https://reports.example.com/sla/{target}.html"
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2}
targets:
  - id: web
    name: "Web (fixture)"
    url: https://localhost:$FX_HTTPS_PORT/health
    ca_file: $FX_CERTS/ca.pem
    pattern: 1
    tls_interval: "off"
    cert_warn_days: 45          # the fixture's certificate has 30 days left
alerts:
  - type: webhook
    name: hook
    url: http://127.0.0.1:$HOOK_PORT/alert
    auth: {header: X-Token, value: "env:SP_TEST_HOOK_TOKEN"}
    timeout: 3s
    retries: 4
    retry_backoff: 300ms
  - type: smtp
    name: mail-en
    url: smtp://localhost:$SMTP_PORT
    ca_file: $FX_CERTS/ca.pem
    from: slaprobe@example.com
    to: [ops@example.com, oncall@example.com]
    events: [down, up]
  - type: smtp
    name: mail-ja
    url: smtp://localhost:$SMTP_PORT
    ca_file: $FX_CERTS/ca.pem
    from: slaprobe@example.com
    to: [ops-ja@example.com]
    lang: ja
    events: [down]
  - type: exec
    name: script
    argv: ["$PY", "$SINK", "exec", "$FX_DIR/exec.jsonl", "a;b", "\$(touch $FX_DIR/pwned)",
           "it's \"quoted\"", "\`touch $FX_DIR/pwned2\`", "two  spaces", "*"]
    events: [down]
  - type: exec
    name: always-fails
    argv: [/bin/false]
    retries: 2
    retry_backoff: 100ms
    events: [down]
    targets: [web]
  - type: exec
    name: hangs
    argv: [/bin/sleep, "30"]
    timeout: 500ms
    retries: 0
    events: [down]
  - type: webhook
    name: unreachable
    url: http://127.0.0.1:$DEAD_PORT/
    retry_backoff: 1h
    events: [up]
YAML

sp_run "$FX_DIR/alerts.yaml" "$FX_DIR/daemon.log"
sleep 5
t_stop=$(now); fx_stop_nginx
sleep 7
t_start=$(now); fx_restart_nginx
sleep 6
sp_stop "daemon exit on SIGTERM"
J=$FX_DIR/store/web.journal
H=$FX_DIR/hook.jsonl
[ "${SP_TEST_VERBOSE:-0}" = 1 ] && { cat "$FX_DIR/daemon.log"; cat "$H"; }

echo "# webhook"
ok_bodies() { jq -c "select(.status == 200) | .body | select(.event == \"$1\")" "$H"; }
down=$(ok_bodies down) up=$(ok_bodies up) cert=$(ok_bodies cert_expiring)
t_eq "webhook: one DOWN delivered" "$(grep -c . <<<"$down")" 1
t_eq "webhook: one recovery delivered" "$(grep -c . <<<"$up")" 1
t_eq "webhook: one certificate warning (once per day left, not per probe)" \
    "$(grep -c . <<<"$cert")" 1
t_eq "webhook: the DOWN was refused twice first" \
    "$(jq -c 'select(.status == 500 and .body.event == "down")' "$H" | grep -c .)" 2
jdown=$(jq -c 'select(.type == "state" and .to == "DOWN")' "$J")
jup=$(jq -c 'select(.type == "state" and .from == "DOWN" and .to == "UP")' "$J")
t_eq "journal: one outage" "$(grep -c . <<<"$jdown")/$(grep -c . <<<"$jup")" 1/1
t_eq "DOWN: target" "$(jq -r .target <<<"$down")" web
t_eq "DOWN: name" "$(jq -r .name <<<"$down")" "Web (fixture)"
t_eq "DOWN: state" "$(jq -r .state <<<"$down")" DOWN
# nginx stopped mid-handshake gives tls_handshake, else tcp_refused
R=$(jq -r .reason <<<"$jdown")
t_match "journal: DOWN reason" "$R" '^(tcp_refused|tls_handshake)$'
t_eq "DOWN: reason = the journal's" "$(jq -r .reason <<<"$down")" "$R"
t_match "DOWN: detail" "$(jq -r .detail <<<"$down")" '.'
t_eq "DOWN: since = the journal's" "$(jq -r .since_ms <<<"$down")" "$(jq -r .since_ms <<<"$jdown")"
t_eq "DOWN: since (ISO) = the journal's" "$(jq -r .since <<<"$down")" "$(jq -r .since <<<"$jdown")"
t_eq "DOWN: report link" "$(jq -r .report <<<"$down")" "https://reports.example.com/sla/web.html"
t_eq "DOWN: auth header sent" "$(jq -r '.headers["X-Token"]' <<<"$(jq -c 'select(.body.event == "down" and .status == 200)' "$H")")" "$SP_TEST_HOOK_TOKEN"
t_eq "UP: state" "$(jq -r .state <<<"$up")" UP
t_eq "UP: since = the journal's" "$(jq -r .since_ms <<<"$up")" "$(jq -r .since_ms <<<"$jup")"
t_eq "UP: outage began at the DOWN's since" "$(jq -r .down_since_ms <<<"$up")" "$(jq -r .since_ms <<<"$jdown")"
t_eq "UP: reason = the outage's cause, not ok" "$(jq -r .reason <<<"$up")" "$R"
t_match "UP: duration = the journal's downtime" \
    "$(jq -n --argjson a "$(jq .duration_s <<<"$up")" --argjson b "$(jq .downtime_s <<<"$jup")" '($a - $b) | fabs < 0.01')" '^true$'
t_match "cert: days left" "$(jq -r .cert_days_left <<<"$cert")" '^(29|30)$'

echo "# journal: one outcome line per delivery"
alerts=$(jq -c 'select(.type == "alert")' "$J")
al() { jq -c "select(.name == \"$1\" and .event == \"$2\")" <<<"$alerts"; }
t_eq "journal: webhook DOWN sent on attempt 3" "$(al hook down | jq -r '[.sent, .attempts, .channel] | @tsv')" "$(printf 'true\t3\twebhook')"
t_match "journal: webhook DOWN keeps the last error" "$(al hook down | jq -r .error)" 'HTTP status 500'
t_eq "journal: webhook UP sent at once" "$(al hook up | jq -r '[.sent, .attempts] | @tsv')" "$(printf 'true\t1')"
t_eq "journal: mail-en DOWN and UP sent" "$(jq -r 'select(.name == "mail-en") | "\(.event):\(.sent)"' <<<"$alerts" | sort | tr '\n' ' ')" "down:true up:true "
t_eq "journal: exec sent" "$(al script down | jq -r .sent)" true
t_eq "journal: failing program given up after 3 attempts" \
    "$(al always-fails down | jq -r '[.sent, .attempts, .error] | @tsv')" "$(printf 'false\t3\t/bin/false: exit status 1')"
t_eq "journal: a hanging program is killed at its timeout" \
    "$(al hangs down | jq -r '[.sent, .attempts, .error] | @tsv')" "$(printf 'false\t1\t/bin/sleep: no exit within 500 ms (killed)')"
t_match "journal: a retry pending at SIGTERM is journaled as failed" \
    "$(al unreachable up | jq -r '[.sent, .attempts, .error] | @tsv')" "^false	1	the daemon stopped before attempt 2; last error: .*(refused|connect)"
t_eq "journal: no line for events a channel does not take" "$(al mail-ja up | grep -c . || true)" 0
t_eq "journal: chain intact" "$("$SLAPROBE" journal verify -c "$FX_DIR/alerts.yaml" >/dev/null 2>&1 && echo ok)" ok

echo "# probing kept its 1 s grid while the receiver failed"
# Every full-resolution row from the first probe to the last written one is
# known (a missed probe would leave a gap: an unknown row), and the daemon
# skipped no grid point.
# (The steps before the first probe and the one the daemon was in at
# SIGTERM are not whole, so they are left out.)
first=$(jq -r 'select(.type == "start") | .t_ms' "$J" | head -1)
last=$(jq -r 'select(.type == "stop") | .t_ms' "$J" | tail -1)
rrdtool fetch "$FX_DIR/store/web.rrd" AVERAGE -r 1 -s $((first / 1000 + 2)) -e $((last / 1000 - 1)) |
    awk 'NF == 9 && $1 ~ /:$/ && $1 + 0 <= '$((last / 1000 - 1))' { print $1, $2 }' >"$FX_DIR/rows"
t_match "rows cover the run" "$(wc -l <"$FX_DIR/rows")" '^(1[4-9]|2[0-9])$'
t_eq "no unknown row (no probe missed)" "$(grep -ci nan "$FX_DIR/rows" || true)" 0
t_match "nothing skipped" "$(grep 'stopped:' "$FX_DIR/daemon.log")" ', 0 skipped;'
grep 'stopped:' "$FX_DIR/daemon.log" | sed 's/^/  /'

echo "# SMTP (STARTTLS required by the sink)"
mails=$(for f in "$FX_DIR"/mail/*.json; do jq -c . "$f"; done)
mail_of() { jq -c "select(.rcpt_tos == $1)" <<<"$mails"; }
en=$(mail_of '["ops@example.com","oncall@example.com"]')
ja=$(mail_of '["ops-ja@example.com"]')
t_eq "smtp: two mails to the English channel" "$(grep -c . <<<"$en")" 2
t_eq "smtp: one mail to the Japanese channel" "$(grep -c . <<<"$ja")" 1
t_eq "smtp: every mail over TLS" "$(jq -r .tls <<<"$mails" | sort -u)" true
t_eq "smtp: envelope sender" "$(jq -r .mail_from <<<"$mails" | sort -u)" slaprobe@example.com
# parse each message with Python's email package: headers decoded, body
parse() {
    "$PY" -c '
import email, email.header, json, sys
from email import policy
for line in sys.stdin:
    m = email.message_from_bytes(json.loads(line)["data"].encode(), policy=policy.default)
    print(json.dumps({"from": str(m["From"]), "to": str(m["To"]), "subject": str(m["Subject"]),
                      "ctype": m.get_content_type(), "charset": m.get_content_charset(),
                      "body": m.get_content()}, ensure_ascii=False))'
}
en_down=$(parse <<<"$en" | jq -c 'select(.subject | startswith("[slaprobe] DOWN"))')
en_up=$(parse <<<"$en" | jq -c 'select(.subject | startswith("[slaprobe] RECOVERED"))')
ja_down=$(parse <<<"$ja")
t_eq "smtp: From" "$(jq -r .from <<<"$en_down")" "slaprobe@example.com"
t_eq "smtp: To" "$(jq -r .to <<<"$en_down")" "ops@example.com, oncall@example.com"
t_eq "smtp: DOWN subject" "$(jq -r .subject <<<"$en_down")" "[slaprobe] DOWN: Web (fixture) ($R)"
t_eq "smtp: plain text UTF-8" "$(jq -r '"\(.ctype) \(.charset)"' <<<"$en_down")" "text/plain utf-8"
t_match "smtp: DOWN body: reason" "$(jq -r .body <<<"$en_down")" "Reason: +$R"
t_match "smtp: DOWN body: since" "$(jq -r .body <<<"$en_down")" "Since: +$(jq -r .since <<<"$jdown")"
t_match "smtp: DOWN body: report link" "$(jq -r .body <<<"$en_down")" "Report: +https://reports.example.com/sla/web.html"
t_match "smtp: recovery subject with the outage's length" "$(jq -r .subject <<<"$en_up")" '^\[slaprobe\] RECOVERED: Web \(fixture\) after [0-9.]+ s$'
t_match "smtp: recovery body: outage" "$(jq -r .body <<<"$en_up")" "Outage: +[0-9.]+ s"
t_eq "smtp (ja): subject" "$(jq -r .subject <<<"$ja_down")" "[slaprobe] 停止: Web (fixture) ($R)"
t_match "smtp (ja): body in Japanese" "$(jq -r .body <<<"$ja_down")" "理由: +$R"

echo "# exec: no shell"
E=$FX_DIR/exec.jsonl
t_eq "exec: ran once" "$(grep -c . "$E")" 1
t_eq "exec: argv verbatim" "$(jq -c .argv "$E")" \
    "$(jq -cn --arg d "$FX_DIR" '["a;b", "$(touch \($d)/pwned)", "it'"'"'s \"quoted\"", "`touch \($d)/pwned2`", "two  spaces", "*"]')"
t_eq "exec: nothing was run by a shell" "$(ls "$FX_DIR" | grep -c pwned || true)" 0
t_eq "exec: event in the environment" \
    "$(jq -r '.env | [.SLAPROBE_EVENT, .SLAPROBE_TARGET, .SLAPROBE_STATE, .SLAPROBE_REASON, .SLAPROBE_SINCE_MS] | @tsv' "$E")" \
    "$(printf 'down\tweb\tDOWN\t%s\t%s' "$R" "$(jq -r .since_ms <<<"$jdown")")"
t_eq "exec: the JSON too" "$(jq -r '.env.SLAPROBE_JSON | fromjson | .since' "$E")" "$(jq -r .since <<<"$jdown")"

echo "# detection -> notification (measured)"
jq -r 'select(.type == "alert") |
  "  \(.event) via \(.channel) \(.name): \(if .sent then "sent" else "FAILED" end) after \(.attempts) attempt(s), \((.t_ms - .detected_ms) / 1000) s after detection, \((.t_ms - .since_ms) / 1000) s after the first failed probe"' "$J"
t_match "webhook DOWN within 10 s of detection despite two slow failures" \
    "$(al hook down | jq -r '(.t_ms - .detected_ms) < 10000')" '^true$'
t_match "mail DOWN within 5 s of detection" "$(al mail-en down | jq -r '(.t_ms - .detected_ms) < 5000')" '^true$'

echo "# the monthly report: notification delay per incident"
month=$(date -u +%Y-%m)
"$SLAPROBE" report -c "$FX_DIR/alerts.yaml" --month "$month" --format json >"$FX_DIR/report.json" || true
inc=$(jq -c '.targets[0].incidents[-1]' "$FX_DIR/report.json")
t_eq "report: incident notified" "$(jq -r .notified <<<"$inc")" \
    "$(jq -r 'select(.type == "alert" and .event == "down" and .sent) | .time' "$J" | sort | head -1)"
t_match "report: notification delay (s)" "$(jq -r .notification_delay_s <<<"$inc")" '^[0-9]+(\.[0-9]+)?$'
echo "  report: incident at $(jq -r .start <<<"$inc"), notified $(jq -r .notified <<<"$inc"), delay $(jq -r .notification_delay_s <<<"$inc") s"
"$SLAPROBE" report -c "$FX_DIR/alerts.yaml" --month "$month" --format text >"$FX_DIR/report.txt" || true
t_match "report (text): incident notified" "$(cat "$FX_DIR/report.txt")" "$R  Notified [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]+ \\(after [^)]+\\)"

# librrd's graph code needs the full unwinder for its leak suppressions
# (tests/lsan.supp), as in test_report.sh
rc=0
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:fast_unwind_on_malloc=0} \
    "$SLAPROBE" report -c "$FX_DIR/alerts.yaml" --month "$month" --format html -o "$FX_DIR/html" >/dev/null || rc=$?
t_eq "report (html): exit 1 (the month's SLA is missed)" "$rc" 1
t_match "report (html): notification column" "$(cat "$FX_DIR/html/index.html")" "<th>Notified</th>"
# XML, not libxml2's HTML 4 parser, which knows neither the inline SVG
# nor HTML5's section and figure
t_eq "report (html): well-formed" "$(xmllint --noout "$FX_DIR/html/index.html" 2>&1 | grep -c . || true)" 0

echo "# TLS grade drop: nginx reloaded from TLS 1.2/1.3 (A) to also TLS 1.0/1.1 (B)"
n=$FX_DIR/nginx-grade
grade_conf() { # SSL_DIRECTIVES: the configuration, one server on G_PORT
    fx_nginx_conf "$n" 64
    echo "  server { listen 127.0.0.1:$G_PORT ssl; ssl_certificate $FX_CERTS/valid.pem;"
    echo "    ssl_certificate_key $FX_CERTS/valid.key; $1"
    echo "    location / { default_type text/plain; return 200 \"ok\\n\"; } } }"
}
grade_a() { G_PORT=${FX__PORTS[0]}; grade_conf "ssl_protocols TLSv1.2 TLSv1.3;"; }
fx_nginx "$n" 1 grade_a
G_PID=$FX__PID
: >"$H"
cat >"$FX_DIR/grade.yaml" <<YAML
storage: {dir: $FX_DIR/store-grade}
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s}
targets:
  - {id: tlsweb, url: "https://localhost:$G_PORT/", ca_file: $FX_CERTS/ca.pem, pattern: 1,
     tls_interval: 1s}
alerts:
  - {type: webhook, url: "http://127.0.0.1:$HOOK_PORT/alert", events: [tls_grade_drop]}
YAML
# wait_postures N: until the journal has N tls_posture lines (15 s at most)
wait_postures() {
    wait_until 15 journal_has "$FX_DIR/store-grade/tlsweb.journal" 'select(.type == "tls_posture")' "$1"
}
sp_run "$FX_DIR/grade.yaml" "$FX_DIR/grade.log"
wait_postures 1
grade_conf "ssl_protocols TLSv1 TLSv1.1 TLSv1.2; ssl_ciphers DEFAULT:@SECLEVEL=0;" >"$n/nginx.conf"
kill -HUP "$G_PID"
wait_postures 2
sleep 1 # a second drop alert, if one came, would come now
sp_stop "grade: daemon exit"
drop=$(jq -c '.body | select(.event == "tls_grade_drop")' "$H")
t_eq "grade: one drop alert" "$(grep -c . <<<"$drop")" 1
t_eq "grade: A -> B" "$(jq -r '"\(.previous_grade) -> \(.grade)"' <<<"$drop")" "A -> B"
t_eq "grade: the journal's posture change" \
    "$(jq -r 'select(.type == "tls_posture" and .first == false) | "\(.previous_grade) -> \(.grade)"' "$FX_DIR/store-grade/tlsweb.journal")" "A -> B"
t_eq "grade: journaled as sent" \
    "$(jq -r 'select(.type == "alert") | "\(.event) \(.sent)"' "$FX_DIR/store-grade/tlsweb.journal")" "tls_grade_drop true"

echo "# recovery announced through UNKNOWN"
# DOWN (alerted), then the control target fails too (UNKNOWN: we cannot
# measure), then the target answers again: whoever heard of the outage must
# hear that it ended, with its cause and its start.
fx_start_sink hook2 http
HOOK2_PORT=$FX_SINK_PORT
fx_start_sink ctl http
CTL_PORT=$FX_SINK_PORT ctl_pid=$FX__PID
fx_start_nginx
cat >"$FX_DIR/unk.yaml" <<YAML
storage:
  dir: $FX_DIR/store-unk
  retention: {full_days: 1, five_min_days: 2, hourly_days: 3}
defaults: {interval: 1s, timeout: 800ms, retry_interval: 1s, confirm: 2, tls_interval: "off"}
control_targets: [ctl]
targets:
  - id: web
    url: https://localhost:$FX_HTTPS_PORT/health
    ca_file: $FX_CERTS/ca.pem
    pattern: 1
  - id: ctl
    url: tcp://127.0.0.1:$CTL_PORT
    pattern: 4
alerts:
  - {type: webhook, url: "http://127.0.0.1:$HOOK2_PORT/", events: [down, up], targets: [web]}
  # chat services' incoming webhooks, each with the body it expects
  - {type: webhook, name: slack, format: slack, url: "env:SP_TEST_SLACK_URL", events: [down], targets: [web]}
  - {type: webhook, name: teams, format: teams, lang: ja, url: "http://127.0.0.1:$HOOK2_PORT/teams", events: [down], targets: [web]}
  - {type: webhook, name: discord, format: discord, url: "http://127.0.0.1:$HOOK2_PORT/discord", events: [down], targets: [web]}
YAML
sed -i 's|^  - id: web$|  - id: web\n    name: "Web <!channel> @everyone"|' "$FX_DIR/unk.yaml"
# a chat service's URL is its secret: by reference, never printed
export SP_TEST_SLACK_URL="http://127.0.0.1:$HOOK2_PORT/slack-T0SECRET"
cc=$("$SLAPROBE" config-check -c "$FX_DIR/unk.yaml" 2>&1)
t_match "chat: the URL by reference, masked" "$cc" 'url: "env:SP_TEST_SLACK_URL"   # \*+ \(masked\)'
t_eq "chat: the URL's secret not printed" "$(grep -c T0SECRET <<<"$cc" || true)" 0
sed 's/format: slack/format: irc/' "$FX_DIR/unk.yaml" >"$FX_DIR/badfmt.yaml"
rc=0
"$SLAPROBE" config-check -c "$FX_DIR/badfmt.yaml" >/dev/null 2>"$FX_DIR/badfmt.err" || rc=$?
t_match "chat: an unknown format is refused with its key" "$rc $(cat "$FX_DIR/badfmt.err")" \
    "^2 .*badfmt.yaml:[0-9]+: alerts\\[1\\]\\.format: 'irc' is not generic, slack, teams or discord"

# until FILTER (jq over the web journal) matches, 10 s at most
until_journal() { wait_until 10 journal_has "$FX_DIR/store-unk/web.journal" "$1"; }
sp_run "$FX_DIR/unk.yaml" "$FX_DIR/unk.log"
until_journal 'select(.type == "state" and .to == "UP")'
fx_stop_nginx
until_journal 'select(.type == "alert" and .event == "down")'
fx__stop "g:$ctl_pid"
until_journal 'select(.type == "state" and .from == "DOWN" and .to == "UNKNOWN")'
fx_start_nginx
until_journal 'select(.type == "alert" and .event == "up")'
kill -TERM $SP_PID
wait $SP_PID || true
H2=$FX_DIR/hook2.jsonl
udown=$(jq -c 'select(.status == 200) | .body | select(.event == "down")' "$H2")
uup=$(jq -c 'select(.status == 200) | .body | select(.event == "up")' "$H2")
t_eq "through UNKNOWN: the journal went DOWN -> UNKNOWN -> UP" \
    "$(jq -r 'select(.type == "state") | .to' "$FX_DIR/store-unk/web.journal" | tr '\n' ' ')" "UP DOWN UNKNOWN UP "
t_eq "through UNKNOWN: one DOWN alert" "$(grep -c . <<<"$udown")" 1
t_eq "through UNKNOWN: one recovery alert" "$(grep -c . <<<"$uup")" 1
t_eq "through UNKNOWN: recovery names the outage's cause" \
    "$(jq -r .reason <<<"$uup")" "$(jq -r .reason <<<"$udown")"
t_eq "through UNKNOWN: recovery dates the outage from the DOWN" \
    "$(jq -r .down_since_ms <<<"$uup")" "$(jq -r .since_ms <<<"$udown")"
chat() { jq -c --arg p "/$1" 'select(.status == 200 and .path == $p) | .body' "$H2"; }
t_eq "chat: the secret URL in no file of the store or the log" \
    "$(grep -rl T0SECRET "$FX_DIR/store-unk" "$FX_DIR/unk.log" | wc -l)" 0
t_eq "chat: one Slack message" "$(chat slack-T0SECRET | grep -c .)" 1
t_match "chat: Slack text, mentions escaped" "$(chat slack-T0SECRET | jq -r .text)" \
    '^\*DOWN: Web &lt;!channel&gt; @everyone \([a-z_]+\)\*'$'\n''Target: web'$'\n''Reason: '
t_eq "chat: Teams card in Japanese" "$(chat teams | jq -r '.attachments[0].contentType + " " + .attachments[0].content.body[0].text')" \
    "application/vnd.microsoft.card.adaptive 停止: Web <!channel> @everyone ($(jq -r .reason <<<"$udown"))"
t_eq "chat: Discord content, mentions off" "$(chat discord | jq -r '[(.content | split("\n")[0]), (.allowed_mentions.parse | length)] | @tsv')" \
    "$(printf 'DOWN: Web <!channel> @everyone (%s)\t0' "$(jq -r .reason <<<"$udown")")"

fx_cleanup
t_done
