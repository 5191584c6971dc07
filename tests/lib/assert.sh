# Assertions for the integration tests: each check prints one line, and
# t_done prints "N passed, M failed" and sets the exit status; and what the
# tests do again and again with the daemon and its files (run it, stop it,
# look into a journal). Sourced by tests/integration/*.sh after fixtures.sh.

T_PASS=0
T_FAIL=0

t_ok() { T_PASS=$((T_PASS + 1)); printf 'ok   %s\n' "$1"; }
t_bad() { T_FAIL=$((T_FAIL + 1)); printf 'FAIL %s\n' "$1"; }

# t_eq NAME GOT WANT
t_eq() {
    if [ "$2" = "$3" ]; then t_ok "$1 = $3"; else t_bad "$1: got '$2', want '$3'"; fi
}

# t_match NAME GOT EXTENDED_REGEX
t_match() {
    if [[ "$2" =~ $3 ]]; then t_ok "$1 =~ $3"; else t_bad "$1: '$2' does not match /$3/"; fi
}

# t_num NAME VALUE: VALUE is a non-negative number (a measured time)
t_num() {
    if [[ "$2" =~ ^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then t_ok "$1 is a number ($2)"
    else t_bad "$1: '$2' is not a number"; fi
}

t_done() {
    echo "$T_PASS passed, $T_FAIL failed"
    [ "$T_FAIL" -eq 0 ]
}

# sp_check ARGS...: run slaprobe check --json, leave the JSON in $OUT and
# the exit code in $RC (the test goes on either way).
sp_check() {
    OUT=$("$SLAPROBE" check --json "$@" 2>"$FX_DIR/stderr") && RC=0 || RC=$?
}

# jf FILTER: a field of $OUT
jf() { jq -r "$1" <<<"$OUT"; }

# expect_reason NAME WANT_REASON ARGS...: probe and assert the reason and
# the exit code that goes with it (0 for ok, 1 for anything else).
expect_reason() {
    local name=$1 want=$2 want_rc=1
    shift 2
    [ "$want" = ok ] && want_rc=0
    sp_check "$@"
    t_eq "$name: reason" "$(jf .reason)" "$want"
    t_eq "$name: exit code" "$RC" "$want_rc"
}

# sp_config FILE STORE DEFAULTS ID=URL...: a daemon configuration in FILE:
# timezone UTC, the store in STORE kept SP_RETENTION days (default "1 2 3":
# at full, five-minute and hourly resolution), "defaults: {DEFAULTS}", and a
# pattern-1 target ID probing URL for each ID=URL.
sp_config() {
    local file=$1 store=$2 defaults=$3 t full five hourly
    shift 3
    read -r full five hourly <<<"${SP_RETENTION:-1 2 3}"
    {
        echo "timezone: UTC"
        echo "storage:"
        echo "  dir: $store"
        echo "  retention: {full_days: $full, five_min_days: $five, hourly_days: $hourly}"
        echo "defaults: {$defaults}"
        echo "targets:"
        for t in "$@"; do echo "  - {id: ${t%%=*}, url: \"${t#*=}\", pattern: 1}"; done
    } >"$file"
}

# sp_run CONFIG LOG [ARGS...]: `slaprobe run -c CONFIG ARGS` in the
# background, its stderr to LOG, its pid in SP_PID; fx_cleanup stops it if
# the test ends first.
sp_run() {
    local cfg=$1 log=$2
    shift 2
    "$SLAPROBE" run -c "$cfg" "$@" 2>"$log" &
    SP_PID=$!
    fx_track_pid "$SP_PID"
}

# sp_stop NAME [PID]: SIGTERM the daemon (default SP_PID), wait for it, and
# assert as NAME that it exited 0.
sp_stop() {
    local pid=${2:-$SP_PID} rc=0
    kill -TERM "$pid"
    wait "$pid" || rc=$?
    fx_untrack "p:$pid"
    t_eq "$1" "$rc" 0
}

# journal_has JOURNAL FILTER [N]: at least N (default 1) lines of JOURNAL
# pass the jq FILTER (e.g. 'select(.type == "stop")'); a journal not yet
# created, or a line being written, counts as no line. For wait_until.
journal_has() {
    [ "$(jq -c "$2" "$1" 2>/dev/null | grep -c .)" -ge "${3:-1}" ]
}

# log_has FILE REGEX [N]: at least N (default 1) lines of FILE match the
# extended REGEX. For wait_until.
log_has() {
    local n
    n=$(grep -cE -- "$2" "$1" 2>/dev/null) || true
    [ "${n:-0}" -ge "${3:-1}" ]
}

# config_refused NAME REGEX (the YAML on stdin, written to $D/NAME.yaml):
# config-check and run both exit exactly 2 (a crash is 139, a hang 124)
# with the same one line, matching REGEX. With CONFIG_REFUSED_NEVER=DIR,
# also that run created nothing in DIR (the storage dir of the YAML).
config_refused() {
    local name=$1 want=$2 f="$D/$1.yaml" rc
    cat >"$f"
    timeout 10 "$SLAPROBE" config-check -c "$f" >/dev/null 2>"$D/err" && rc=0 || rc=$?
    t_eq "$name: exit" "$rc" 2
    t_eq "$name: one line" "$(wc -l <"$D/err")" 1
    t_match "$name: message" "$(cat "$D/err")" "$want"
    timeout 10 "$SLAPROBE" run -c "$f" >/dev/null 2>"$D/runerr" && rc=0 || rc=$?
    t_eq "$name: run exits 2" "$rc" 2
    t_eq "$name: run says the same" "$(cat "$D/runerr")" "$(cat "$D/err")"
    if [ -n "${CONFIG_REFUSED_NEVER:-}" ]; then
        t_eq "$name: run wrote nothing" "$(ls "$CONFIG_REFUSED_NEVER" 2>/dev/null | wc -l)" 0
    fi
}

# asan_graphs on|off: around the commands that draw graphs (the HTML
# report, an evidence export). librrd's graph code leaks
# (tests/lsan.supp names rrd_graph_v), and its frames have no frame
# pointers, so under the sanitizers that suppression matches only with the
# slow unwinder, which costs too much to keep on for a whole test.
asan_graphs() {
    [ -n "${ASAN_OPTIONS:-}" ] || return 0
    ASAN_OPTIONS=${ASAN_OPTIONS%:fast_unwind_on_malloc=0}
    [ "$1" = off ] || ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
    export ASAN_OPTIONS
}
