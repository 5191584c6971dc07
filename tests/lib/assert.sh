# Assertions for the integration tests: each check prints one line, and
# t_done prints "N passed, M failed" and sets the exit status.
# Sourced by tests/integration/*.sh after fixtures.sh.

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
