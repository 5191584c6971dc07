#!/usr/bin/env bash
# Run the libFuzzer harnesses (tests/fuzz/) built with clang in build-fuzz.
#
#   scripts/fuzz.sh NAME SECONDS         one harness, e.g. `config 600`
#   scripts/fuzz.sh --smoke SECONDS      every harness, SECONDS in all (CI: 120)
#   scripts/fuzz.sh --list               the harness names
#
# Options (before the others): --keep adds what a run finds to the repo's
# corpus (tests/fuzz/corpus/NAME/; minimise first with -merge=1 before
# committing); without it a run works on a scratch copy, so the repo's
# corpus never changes by accident. --jobs N builds with N jobs (default 1).
#
# A crash, a sanitizer report, a leak, an input slower than 10 s
# (-timeout) or over 2 GB (-rss_limit_mb) fails the run: exit 1, the input
# saved under build-fuzz/artifacts/NAME/. Reproduce with
#   build-fuzz/tests/fuzz/fuzz_NAME build-fuzz/artifacts/NAME/crash-...
# and turn it into a unit test in tests/unit (the file's bytes, the same
# parser).
set -euo pipefail
cd "$(dirname "$0")/.."

keep=0
jobs=1
while [ $# -gt 0 ]; do
    case "$1" in
    --keep) keep=1; shift ;;
    --jobs) jobs=$2; shift 2 ;;
    *) break ;;
    esac
done

usage() {
    echo "usage: scripts/fuzz.sh [--keep] [--jobs N] NAME SECONDS | --smoke SECONDS | --list" >&2
    exit 2
}

# every tests/fuzz/fuzz_NAME.c is a harness (tests/fuzz/CMakeLists.txt)
harnesses() {
    local f names=()
    for f in tests/fuzz/fuzz_*.c; do
        f=${f##*/fuzz_}
        names+=("${f%.c}")
    done
    echo "${names[@]}"
}

build=build-fuzz
configure_and_build() {
    if ! command -v clang >/dev/null; then
        echo "fuzz: clang is missing: scripts/setup.sh --fuzz" >&2
        exit 2
    fi
    # configured every time (a second): a new harness file is a new target
    cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
        -DSP_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$build" -j"$jobs" --target "$@" >/dev/null
}

# run NAME SECONDS: one libFuzzer run; prints one summary line
# "fuzz: NAME: N execs, cov C, ft F, corpus K, ok|FAILED (...)"; returns 1
# on a finding.
run() {
    local name=$1 secs=$2 corpus scratch="" log rc=0
    local art=$build/artifacts/$name
    mkdir -p "$art"
    if [ $keep -eq 1 ]; then
        corpus=tests/fuzz/corpus/$name
    else
        scratch=$(mktemp -d "${TMPDIR:-/tmp}/sp-fuzz-$name.XXXXXX")
        cp -r "tests/fuzz/corpus/$name/." "$scratch/"
        corpus=$scratch
    fi
    log=$build/fuzz-$name.log
    # what the harnesses keep in /dev/shm before this one: it must leave
    # nothing there (memory, and many runs a day)
    local shm_before shm_left
    shm_before=$(ls /dev/shm | grep '^sp-fuzz-' || true)
    # stdin from /dev/null: a configuration may name file:/dev/stdin.
    # detect_leaks: a leak fails the run like a crash.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$build/tests/fuzz/fuzz_$name" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$art/" "$corpus" </dev/null >"$log" 2>&1 || rc=$?
    [ -n "$scratch" ] && rm -rf "$scratch"
    shm_left=$(comm -13 <(echo "$shm_before") <(ls /dev/shm | grep '^sp-fuzz-' || true) | tr '\n' ' ')
    if [ $rc -eq 0 ] && [ -n "$shm_left" ]; then
        echo "fuzz: $name: left in /dev/shm: $shm_left" >>"$log"
        rc=125
    fi
    local last execs cov ft corp
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
    local summary="fuzz: $name: ${execs:-0} execs, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
    if [ $rc -ne 0 ]; then
        echo "$summary, FAILED (exit $rc)"
        grep -E 'ERROR: |SUMMARY: |runtime error:|left in /dev/shm' "$log" | head -n 5 | sed 's/^/    /'
        ls "$art" | sed "s|^|    saved $art/|"
        echo "    log: $log"
        return 1
    fi
    echo "$summary, ok"
}

[ $# -ge 1 ] || usage
case "$1" in
--list)
    harnesses | tr ' ' '\n'
    ;;
--smoke)
    [ $# -eq 2 ] || usage
    total=$2
    read -r -a names <<<"$(harnesses)"
    n=${#names[@]}
    share=$((total / n))
    [ $share -ge 1 ] || share=1
    configure_and_build fuzz_all
    failed=0
    for name in "${names[@]}"; do
        run "$name" "$share" || failed=$((failed + 1))
    done
    # One plain line last: CI's log readers must not take it for a test
    # runner's summary.
    echo "fuzz: $n harnesses, ${share} s each, $failed crashes"
    [ $failed -eq 0 ]
    ;;
-*)
    usage
    ;;
*)
    [ $# -eq 2 ] || usage
    name=$1
    if ! harnesses | tr ' ' '\n' | grep -qx "$name"; then
        echo "fuzz: no harness '$name' (scripts/fuzz.sh --list)" >&2
        exit 2
    fi
    configure_and_build "fuzz_$name"
    run "$name" "$2"
    ;;
esac
