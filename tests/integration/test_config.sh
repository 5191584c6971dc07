#!/usr/bin/env bash
# Malformed configurations: each gives FILE:LINE: KEY: message on one line,
# exit code 2, and starts nothing (`run` writes no file). A good file
# prints its effective values with secrets masked.
set -euo pipefail
source "$SP_SRC/tests/lib/assert.sh"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
FX_DIR=$D

# bad NAME EXPECTED_REGEX  (file content on stdin): config_refused
# (tests/lib/assert.sh): config-check and run both exit 2, one same line.
bad() { config_refused "$@"; }
S="storage: {dir: $D/never}"

bad wrong_type 'wrong_type\.yaml:5: targets\[0\]\.confirm: Invalid INT value' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    confirm: twice
    pattern: 1
YAML
bad unknown_key 'unknown_key\.yaml:5: targets\[0\]\.intervall: unknown key' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    intervall: 30s
    pattern: 1
YAML
bad unknown_top_key 'unknown_top_key\.yaml:2: colour: unknown key' <<YAML
$S
colour: blue
targets: [{id: a, url: "http://127.0.0.1/", pattern: 1}]
YAML
bad duplicate_id 'duplicate_id\.yaml:6: targets\[1\]\.id: duplicate id .a.' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
  - id: a
    url: http://127.0.0.2/
    pattern: 1
YAML
bad bad_pattern 'bad_pattern\.yaml:5: targets\[0\]\.pattern: 7 is not a pattern' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 7
YAML
bad bad_url 'bad_url\.yaml:4: targets\[0\]\.url: .*scheme' <<YAML
$S
targets:
  - id: a
    url: gopher://127.0.0.1/
    pattern: 1
YAML
bad bad_id 'bad_id\.yaml:3: targets\[0\]\.id: .ERP. must be made of' <<YAML
$S
targets:
  - id: ERP
    url: http://127.0.0.1/
    pattern: 1
YAML
bad bad_duration 'bad_duration\.yaml:5: targets\[0\]\.interval: .5 minutes. is not a duration' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    interval: 5 minutes
    pattern: 1
YAML
bad timeout_over_interval 'timeout_over_interval\.yaml:5: targets\[0\]\.timeout: .*longer than the interval' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    timeout: 2m
    pattern: 1
YAML
bad no_target_pattern 'no_target_pattern\.yaml:3: targets\[0\]\.id: .*needs a pattern' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
YAML
bad both_pattern_and_target 'both_pattern_and_target\.yaml:6: targets\[0\]\.sla_target: .*not both' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    sla_target: 99.9
YAML
bad unknown_control 'unknown_control\.yaml:2: control_targets\[0\]: no target has the id .dns.' <<YAML
$S
control_targets: [dns]
targets: [{id: a, url: "http://127.0.0.1/", pattern: 1}]
YAML
bad inline_secret 'inline_secret\.yaml:6: targets\[0\]\.auth\.value: .*env:NAME or file:/path' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    auth: {header: Authorization, value: "Bearer abc123"}
YAML
bad missing_env 'missing_env\.yaml:6: targets\[0\]\.auth\.value: environment variable SP_NO_SUCH_VAR is not set' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    auth: {header: Authorization, value: "env:SP_NO_SUCH_VAR"}
YAML
bad bad_maintenance 'bad_maintenance\.yaml:7: targets\[0\]\.maintenance\[0\]\.end: .*ISO-8601' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    maintenance:
      - {start: "2026-11-07T01:00:00+09:00", end: "tomorrow"}
YAML
bad yaml_syntax 'yaml_syntax\.yaml:[0-9]+: ' <<YAML
$S
targets:
  - id: a
   url: http://127.0.0.1/
YAML
bad bad_service_hours 'bad_service_hours\.yaml:6: targets\[0\]\.service_hours: .*Fro' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    service_hours: "Mon-Fro 09:00-18:00"
YAML
bad bad_hours_time 'bad_hours_time\.yaml:6: targets\[0\]\.service_hours: .*25:00' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    service_hours: "Mon-Fri 09:00-25:00"
YAML
bad bad_holiday 'bad_holiday\.yaml:6: targets\[0\]\.holidays\[1\]: .2026-13-01. is not a date' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    holidays: ["2026-11-03", "2026-13-01"]
YAML
bad bad_holiday_day 'bad_holiday_day\.yaml:6: targets\[0\]\.holidays\[0\]: .2026-02-30. is not a date' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    holidays: ["2026-02-30"]
YAML
bad bad_timezone 'bad_timezone\.yaml:2: timezone: .Asia/Tokio. is not a time zone' <<YAML
$S
timezone: Asia/Tokio
targets: [{id: a, url: "http://127.0.0.1/", pattern: 1}]
YAML
bad bad_credit 'bad_credit\.yaml:8: targets\[0\]\.credits\[1\]\.credit: 150 is not a credit percentage' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    credits:
      - {below: 99.5, credit: 10}
      - {below: 99, credit: 150}
YAML
bad bad_pattern_override 'bad_pattern_override\.yaml:3: patterns\[0\]\.alive_interval: .often. is not a duration' <<YAML
$S
patterns:
  - {pattern: 1, alive_interval: often}
targets: [{id: a, url: "http://127.0.0.1/", pattern: 1}]
YAML
bad no_targets '^slaprobe: [^ ]*/no_targets\.yaml: targets: at least one target is required$' <<YAML
$S
YAML
bad targets_empty '^slaprobe: [^ ]*/targets_empty\.yaml:3: targets: at least one target is required$' <<YAML
$S
# none yet
targets: []
YAML
bad targets_null '^slaprobe: [^ ]*/targets_null\.yaml:2: targets: at least one target is required$' <<YAML
$S
targets:
YAML
bad target_no_url 'target_no_url\.yaml:4: targets\[1\]\.url: required, but missing$' <<YAML
$S
targets:
  - {id: a, url: "http://127.0.0.1/", pattern: 1}
  - id: b
    pattern: 1
YAML

echo "# no configuration at all: an error naming the file, never a crash"
bad empty '^slaprobe: [^ ]*/empty\.yaml: the file is empty .*targets: at least one target is required$' </dev/null
# (< <(printf), not a pipe: bad must run in this shell to count)
bad blank_lines '^slaprobe: [^ ]*/blank_lines\.yaml: the file is empty' < <(printf '\n   \n\n')
bad comments_only '^slaprobe: [^ ]*/comments_only\.yaml: the file is empty' \
    < <(printf '# slaprobe configuration\n\n  # nothing yet\n')

echo "# a document that is not a mapping"
bad null_document '^slaprobe: [^ ]*/null_document\.yaml:1: the file must be a mapping of keys \(targets:, storage:, \.\.\.\), not an empty document$' <<<'null'
bad tilde_document 'tilde_document\.yaml:2: the file must be a mapping of keys .*, not an empty document$' <<<$'---\n~'
bad scalar_document 'scalar_document\.yaml:1: the file must be a mapping of keys .*, not a single value$' <<<'slaprobe.yaml'
bad list_document 'list_document\.yaml:2: the file must be a mapping of keys .*, not a list$' <<YAML
# the targets without the targets: key
- {id: a, url: "http://127.0.0.1/", pattern: 1}
YAML

bad two_documents 'two_documents\.yaml:4: a second YAML document \(---\); a configuration is one' <<YAML
---
$S
targets: [{id: a, url: "http://127.0.0.1/", pattern: 1}]
---
targets: [{id: b, url: "http://127.0.0.1/", pattern: 1}]
YAML

bad complex_key 'complex_key\.yaml:3: a key must be a word, not a list$' <<YAML
$S
targets: [{id: a, url: "http://127.0.0.1/", pattern: 1}]
? [a, b]
: 1
YAML

echo "# keys with nothing after them"
T="targets: [{id: a, url: \"http://127.0.0.1/\", pattern: 1}]"
bad null_defaults 'null_defaults\.yaml:3: defaults: no value; expected a mapping \(key: value lines\)$' <<YAML
$S
$T
defaults:
YAML
bad null_storage 'null_storage\.yaml:2: storage: no value; expected a mapping' <<YAML
$T
storage:
YAML
bad null_retention 'null_retention\.yaml:3: storage\.retention: no value; expected a mapping' <<YAML
storage:
  dir: $D/never
  retention: ~
$T
YAML
bad null_alerts 'null_alerts\.yaml:3: alerts: no value; expected a list' <<YAML
$S
$T
alerts:
YAML
bad null_alert_entry 'null_alert_entry\.yaml:4: alerts\[0\]: no value; expected a mapping' <<YAML
$S
$T
alerts:
  -
YAML
bad null_status_page 'null_status_page\.yaml:2: status_page: no value; expected a mapping' <<YAML
$S
status_page:
$T
YAML
bad null_maintenance 'null_maintenance\.yaml:6: targets\[0\]\.maintenance: no value; expected a list' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    maintenance:
YAML
bad null_patterns 'null_patterns\.yaml:3: patterns: no value; expected a list' <<YAML
$S
$T
patterns: null
YAML
bad null_pattern 'null_pattern\.yaml:5: targets\[0\]\.pattern: no value$' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern:
YAML
bad insecure_null 'insecure_null\.yaml:5: targets\[0\]\.insecure: no value \(give one, or leave the key out\)$' <<YAML
$S
targets:
  - id: a
    url: https://127.0.0.1/
    insecure:
    pattern: 1
YAML
bad null_storage_dir 'null_storage_dir\.yaml:2: storage\.dir: no value \(give one, or leave the key out\)$' <<YAML
storage:
  dir:
$T
YAML
bad empty_storage_dir 'empty_storage_dir\.yaml:1: storage\.dir: empty \(give a path, or leave the key out\)$' <<YAML
storage: {dir: ""}
$T
YAML
bad empty_status_dir 'empty_status_dir\.yaml:3: status_page\.dir: empty' <<YAML
$S
$T
status_page: {dir: '', every: 5m}
YAML
bad null_name 'null_name\.yaml:4: targets\[0\]\.name: no value' <<YAML
$S
targets:
  - id: a
    name: ~
    url: http://127.0.0.1/
    pattern: 1
YAML
bad null_reason 'null_reason\.yaml:7: targets\[0\]\.maintenance\[0\]\.reason: no value' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    pattern: 1
    maintenance:
      - {start: "2026-11-07T01:00:00+09:00", end: "2026-11-07T03:00:00+09:00", reason: }
YAML
bad starttls_word 'starttls_word\.yaml:8: alerts\[0\]\.starttls: .maybe. is not true or false$' <<YAML
$S
$T
alerts:
  - type: smtp
    url: smtp://127.0.0.1:25
    from: probe@example.com
    to: [ops@example.com]
    starttls: maybe
YAML
cat >"$D/flags.yaml" <<YAML
$S
targets:
  - {id: off, url: "https://127.0.0.1/", pattern: 1, insecure: off}
  - {id: on, url: "https://127.0.0.1/", pattern: 1, insecure: yes}
YAML
"$SLAPROBE" config-check -c "$D/flags.yaml" >"$D/out" && rc=0 || rc=$?
t_eq "insecure: off/yes: exit" "$rc" 0
t_eq "insecure: off is false (libcyaml read it as true)" \
    "$(sed -n '/id: off/,/id: on/p' "$D/out" | grep -c 'insecure: true' || true)" 0
t_eq "insecure: yes is true, and shown" "$(sed -n '/id: on/,$p' "$D/out" | grep -c 'insecure: true' || true)" 1
bad mapping_for_list 'mapping_for_list\.yaml:2: targets: expected a list \(- entry lines, or \[a, b\]\), not a mapping$' <<YAML
$S
targets:
  id: a
  url: http://127.0.0.1/
  pattern: 1
YAML

echo "# not a configuration file at all"
bad binary '^slaprobe: [^ ]*/binary\.yaml:1: not a text file: control characters are not allowed \(0x7f at byte offset 0\)$' \
    < <(head -c 65536 "$SLAPROBE")
bad latin1 '^slaprobe: [^ ]*/latin1\.yaml:4: not a text file: invalid trailing UTF-8 octet' \
    < <(printf '%s\ntargets:\n  - id: a\n    name: caf\xe9\n    url: http://127.0.0.1/\n' "$S")
bad nul_byte '^slaprobe: [^ ]*/nul_byte\.yaml:2: not a text file: control characters' \
    < <(printf '%s\ntargets: \0\n' "$S")
# 10 MB of well-formed targets: refused at once, not parsed for a minute
bad huge '^slaprobe: [^ ]*/huge\.yaml: larger than 8 MiB, too large for a configuration file$' \
    < <(echo "$S"; echo "targets:"
        awk 'BEGIN { for (i = 0; i < 180000; i++)
            printf "  - {id: t%06d, url: \"tcp://127.0.0.1:%d\", pattern: 2}\n", i, 1024 + i % 60000 }')
bad yaml_syntax_line '^slaprobe: [^ ]*/yaml_syntax_line\.yaml:2: not valid YAML: did not find expected key \(while parsing a block mapping on line 1\)$' <<YAML
targets: [{id: a, url: "http://127.0.0.1/", pattern: 1}]
 storage:
   dir: $D/never
YAML

"$SLAPROBE" config-check -c "$D/does-not-exist.yaml" >/dev/null 2>"$D/err" && rc=0 || rc=$?
t_eq "missing file: exit" "$rc" 2
t_match "missing file: message" "$(cat "$D/err")" 'does-not-exist\.yaml: cannot open'
"$SLAPROBE" config-check -c "$D" >/dev/null 2>"$D/err" && rc=0 || rc=$?
t_eq "a directory: exit" "$rc" 2
t_match "a directory: message" "$(cat "$D/err")" "^slaprobe: $D: cannot read: Is a directory$"

bad tls_interval_not_https 'tls_interval_not_https\.yaml:5: targets\[0\]\.tls_interval: only for https:// targets' <<YAML
$S
targets:
  - id: a
    url: http://127.0.0.1/
    tls_interval: 1h
    pattern: 1
YAML
bad tls_interval_bad 'tls_interval_bad\.yaml:5: targets\[0\]\.tls_interval: .hourly. is not a duration' <<YAML
$S
targets:
  - id: a
    url: https://127.0.0.1/
    tls_interval: hourly
    pattern: 1
YAML

echo "# alerts"
T="targets: [{id: a, url: \"https://127.0.0.1/\", pattern: 1}]"
bad alert_type 'alert_type\.yaml:4: alerts\[0\]\.type: .pager. is not webhook, smtp or exec' <<YAML
$S
$T
alerts:
  - type: pager
YAML
bad alert_no_url 'alert_no_url\.yaml:4: alerts\[0\]\.type: a webhook alert needs a url' <<YAML
$S
$T
alerts:
  - type: webhook
YAML
bad alert_bad_url 'alert_bad_url\.yaml:6: alerts\[1\]\.url: .ftp://x. is not a smtp:// or smtps:// URL' <<YAML
$S
$T
alerts:
  - {type: webhook, url: "http://127.0.0.1/hook"}
  - type: smtp
    url: ftp://x
    from: a@example.com
    to: [b@example.com]
YAML
bad alert_wrong_key 'alert_wrong_key\.yaml:6: alerts\[0\]\.argv: not a key of webhook alerts' <<YAML
$S
$T
alerts:
  - type: webhook
    url: http://127.0.0.1/hook
    argv: [/bin/true]
YAML
bad alert_bad_to 'alert_bad_to\.yaml:7: alerts\[0\]\.to\[1\]: .nobody. is not a mail address' <<YAML
$S
$T
alerts:
  - type: smtp
    url: smtp://127.0.0.1:25
    from: probe@example.com
    to: [ops@example.com, nobody]
YAML
bad alert_inline_password 'alert_inline_password\.yaml:9: alerts\[0\]\.password: secrets are referenced as env:NAME' <<YAML
$S
$T
alerts:
  - type: smtp
    url: smtp://127.0.0.1:25
    from: probe@example.com
    to: [ops@example.com]
    username: probe
    password: hunter2
YAML
bad alert_unset_env 'alert_unset_env\.yaml:6: alerts\[0\]\.auth\.value: environment variable SP_TEST_UNSET_VAR is not set' <<YAML
$S
$T
alerts:
  - type: webhook
    url: http://127.0.0.1/hook
    auth: {header: Authorization, value: "env:SP_TEST_UNSET_VAR"}
YAML
bad alert_target 'alert_target\.yaml:6: alerts\[0\]\.targets\[1\]: no target has the id .zz.' <<YAML
$S
$T
alerts:
  - type: exec
    argv: [/bin/true]
    targets: [a, zz]
YAML
bad alert_event 'alert_event\.yaml:6: alerts\[0\]\.events\[0\]: .flap. is not down, up, cert_expiring or tls_grade_drop' <<YAML
$S
$T
alerts:
  - type: exec
    argv: [/bin/true]
    events: [flap]
YAML
bad alert_backoff 'alert_backoff\.yaml:6: alerts\[0\]\.retry_backoff: .soon. is not a duration' <<YAML
$S
$T
alerts:
  - type: exec
    argv: [/bin/true]
    retry_backoff: soon
YAML
bad alert_pass_env_name 'alert_pass_env_name\.yaml:6: alerts\[0\]\.pass_env\[1\]: .API TOKEN. is not an environment variable name' <<YAML
$S
$T
alerts:
  - type: exec
    argv: [/bin/true]
    pass_env: [PAGER_ID, "API TOKEN"]
YAML
bad alert_pass_env_ours 'alert_pass_env_ours\.yaml:6: alerts\[0\]\.pass_env\[0\]: SLAPROBE_\* variables are the event.s' <<YAML
$S
$T
alerts:
  - type: exec
    argv: [/bin/true]
    pass_env: [SLAPROBE_TARGET]
YAML
bad alert_pass_env_webhook 'alert_pass_env_webhook\.yaml:6: alerts\[0\]\.pass_env: not a key of webhook alerts' <<YAML
$S
$T
alerts:
  - type: webhook
    url: http://127.0.0.1/hook
    pass_env: [PAGER_ID]
YAML
bad cert_warn_days 'cert_warn_days\.yaml:2: defaults\.cert_warn_days: -1 is not 0-3650 days' <<YAML
$S
defaults: {cert_warn_days: -1}
$T
YAML
bad report_url 'report_url\.yaml:2: report_url: .reports. is not an http' <<YAML
$S
report_url: reports
$T
YAML
export SP_TEST_SMTP_PW=pa55-w0rd-xyz SP_TEST_HOOK=h00k-t0ken-xyz
cat >"$D/alerts.yaml" <<YAML
$S
report_url: https://reports.example.com/sla
$T
alerts:
  - {type: webhook, url: "http://127.0.0.1:9/hook", auth: {header: X-Token, value: "env:SP_TEST_HOOK"}}
  - type: smtp
    url: smtp://127.0.0.1:25
    from: probe@example.com
    to: [ops@example.com]
    username: probe
    password: env:SP_TEST_SMTP_PW
    events: [up]
YAML
"$SLAPROBE" config-check -c "$D/alerts.yaml" >"$D/out" && rc=0 || rc=$?
t_eq "alerts: exit" "$rc" 0
t_eq "alerts: no secret printed" "$(grep -c 'xyz' "$D/out" || true)" 0
t_eq "alerts: both masked" "$(grep -c '# \*\*\*\*\*\*\*\* (masked)' "$D/out" || true)" 2
t_match "alerts: cert_warn_days defaults to 21" "$(cat "$D/out")" "cert_warn_days: 21"
t_match "alerts: a down channel is an alert path" "$(cat "$D/out")" "ok   notification"

echo "# a good file: effective values, secret masked"
export SP_TEST_TOKEN=s3cr3t-value
cat >"$D/good.yaml" <<YAML
$S
defaults: {interval: 5m, confirm: 3}
targets:
  - id: erp
    url: https://erp.example.com/health
    pattern: 1
    auth: {header: Authorization, value: "env:SP_TEST_TOKEN"}
  - id: crm
    url: https://crm.example.com/
    sla_target: 99.9
    interval: 30s
    tls_interval: "off"
  - id: mail
    url: tcp://mail.example.com:25
    pattern: 2
YAML
"$SLAPROBE" config-check -c "$D/good.yaml" >"$D/out" && rc=0 || rc=$?
t_eq "good: exit" "$rc" 0
t_match "good: defaults applied" "$(cat "$D/out")" "interval: 300s"
t_match "good: per-target override" "$(cat "$D/out")" "interval: 30s"
t_match "good: pattern target" "$(cat "$D/out")" "availability target 99\.5 %"
t_match "good: masked" "$(cat "$D/out")" "masked"
t_match "good: tls_interval defaults to an hour (https)" "$(sed -n '/id: erp/,/id: crm/p' "$D/out")" "tls_interval: 3600s"
t_match "good: tls_interval off" "$(sed -n '/id: crm/,/id: mail/p' "$D/out")" "tls_interval: off"
t_eq "good: no tls_interval for tcp" "$(sed -n '/id: mail/,$p' "$D/out" | grep -c tls_interval || true)" 0
t_eq "good: the secret never printed" "$(grep -c s3cr3t "$D/out" || true)" 0

echo "# TLS client certificate and CN fallback (issue 15)"
printf -- '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n' >"$D/client.key"
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' >"$D/client.pem"
bad client_key_inline 'client_key_inline\.yaml:6: targets\[0\]\.client_key: is referenced as file:/path' <<YAML
$S
targets:
  - id: a
    url: https://127.0.0.1/
    pattern: 1
    client_key: "-----BEGIN PRIVATE KEY-----"
    client_cert: "file:$D/client.pem"
YAML
bad client_cert_alone 'client_cert_alone\.yaml:6: targets\[0\]\.client_cert: client_cert and client_key go together' <<YAML
$S
targets:
  - id: a
    url: https://127.0.0.1/
    pattern: 1
    client_cert: "file:$D/client.pem"
YAML
bad client_key_missing 'client_key_missing\.yaml:7: targets\[0\]\.client_key: cannot read /nonexistent/k\.pem' <<YAML
$S
targets:
  - id: a
    url: https://127.0.0.1/
    pattern: 1
    client_cert: "file:$D/client.pem"
    client_key: "file:/nonexistent/k.pem"
YAML
bad cn_fallback_word 'cn_fallback_word\.yaml:6: targets\[0\]\.tls_cn_fallback' <<YAML
$S
targets:
  - id: a
    url: https://127.0.0.1/
    pattern: 1
    tls_cn_fallback: maybe
YAML
cat >"$D/cc.yaml" <<YAML
$S
targets:
  - id: a
    url: https://127.0.0.1/
    pattern: 1
    tls_cn_fallback: true
    client_cert: "file:$D/client.pem"
    client_key: "file:$D/client.key"
YAML
"$SLAPROBE" config-check -c "$D/cc.yaml" >"$D/out" && rc=0 || rc=$?
t_eq "client cert: exit" "$rc" 0
t_match "client cert: certificate printed" "$(cat "$D/out")" "client_cert: \"?file:$D/client.pem"
t_match "client cert: key masked" "$(cat "$D/out")" 'client_key: "file:\*+" +# \(masked\)'
t_eq "client cert: the key's path never printed" "$(grep -cF "$D/client.key" "$D/out" || true)" 0
t_eq "client cert: the key's bytes never printed" "$(grep -c "c2VjcmV0" "$D/out" || true)" 0
t_match "client cert: tls_cn_fallback" "$(cat "$D/out")" "tls_cn_fallback: true"

echo "# the shipped example is valid"
ERP_HEALTH_TOKEN=x "$SLAPROBE" config-check -c "$SP_SRC/contrib/slaprobe.yaml" >"$D/out" && rc=0 || rc=$?
t_eq "contrib/slaprobe.yaml: exit" "$rc" 0
t_match "contrib/slaprobe.yaml: maintenance in UTC" "$(cat "$D/out")" 'start: "2026-11-06T16:00:00\.000Z"'
t_match "contrib/slaprobe.yaml: control targets marked" "$(grep -c 'control: true' "$D/out")" '^2$'

# Pattern overrides reach the targets and the conformance section.
cat >"$D/pat.yaml" <<YAML
$S
patterns:
  - {pattern: 1, availability: 99.9, alive_interval: 5m}
defaults: {interval: 10m}
targets:
  - {id: a, url: "http://127.0.0.1/", pattern: 1}
  - {id: b, url: "http://127.0.0.1/", pattern: 2, interval: 1m}
YAML
out=$("$SLAPROBE" config-check -c "$D/pat.yaml")
t_match "override: target a gets 99.9" "$out" "pattern: 1   # availability target 99\.9 %"
t_match "conformance: a misses its 5 min alive check" "$out" "MISS alive check +every 10m, at least every 5m"
t_match "conformance: b meets its alive check" "$out" "# b +pattern 2:.*
#   ok   alive check +every 1m, at least every 10m"
t_match "conformance: no alert path, notification missed" "$out" "MISS notification .*no alert path is configured"
t_match "patterns -c: the effective table" "$("$SLAPROBE" patterns -c "$D/pat.yaml")" "
1 +high +high +high +99\.9 % +5m "
t_match "patterns: guideline table" "$("$SLAPROBE" patterns)" "
3 +high +high +low +95\.0 % +10m +1h +30m +30m +CRM"
t_match "patterns --lang ja" "$("$SLAPROBE" patterns --lang ja)" "パターン.*稼働率目標.*
4 +低 +高 +高 +99\.5 %.*ネットワーク監視"
"$SLAPROBE" patterns --lang fr >/dev/null 2>&1 && rc=0 || rc=$?
t_eq "patterns --lang fr: exit 2" "$rc" 2

# Last, after every bad file above was also given to `run`.
t_eq "nothing was written by any failed run" "$(ls -A "$D/never" 2>/dev/null | wc -l)" 0
t_eq "not even the storage directory" "$([ -e "$D/never" ] && echo exists || echo absent)" absent

t_done
