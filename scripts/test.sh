#!/usr/bin/env bash
# Check the layer order on the sources (scripts/check_layers.sh: no folder
# includes one above it) and their formatting (scripts/format.sh --check;
# an unformatted tree fails the run at the end, after the suites); set up,
# build and run the whole test suite twice: a normal build, then an
# AddressSanitizer + UndefinedBehaviorSanitizer build, where any report
# (leak included) fails the run; then every fuzz harness for a short while
# (scripts/fuzz.sh --smoke, 2 minutes in all), where a crash, leak, timeout
# or OOM fails the run. This is what CI runs (.ci/run).
#
#   scripts/test.sh            both builds and the fuzz smoke
#   scripts/test.sh --quick    the normal build only
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1

# First: needs nothing installed, and a wrong include is one line here
# rather than a compiler error in the middle of a build.
echo "=== layers"
scripts/check_layers.sh

if [ $quick -eq 0 ]; then
    scripts/setup.sh --test --fuzz
else
    scripts/setup.sh --test
fi

# The format is checked first, since that takes a second, but a tree that
# is not formatted fails the run only at the end: the tests of a change
# still run (and tell) before its author formats it.
echo "=== format (scripts/format.sh --check)"
format_ok=1
mkdir -p build
scripts/format.sh --check >build/format.diff || format_ok=0
if [ $format_ok -eq 0 ]; then
    head -n 20 build/format.diff
    echo "=== format: the lines above (all $(wc -l <build/format.diff) in build/format.diff) differ; the tests go on"
else
    rm -f build/format.diff
fi

jobs=$(nproc 2>/dev/null || echo 2)
run_suite() {
    local dir=$1; shift
    echo "=== build $dir ($*)"
    cmake -S . -B "$dir" -DBUILD_TESTING=ON "$@" >/dev/null
    cmake --build "$dir" -j"$jobs" >/dev/null
    echo "=== test $dir"
    ctest --test-dir "$dir" --output-on-failure --no-tests=error -j"$jobs" $ctest_extra
}
ctest_extra=""

# The normal build is optimised like the demo's (RelWithDebInfo): some
# warnings (-Wformat-truncation) only appear with optimisation, and -Werror
# must not first fail on a newcomer's machine. The sanitizer build is Debug.
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ $quick -eq 0 ]; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    # leaks inside librrd's graph code and fontconfig (see the file)
    export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
    # The package test (label `package`) builds its own .deb from the
    # sources, the same in both suites: once is enough.
    ctest_extra="-LE package"
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DSP_SANITIZE=ON
fi

# After the suites (a failing test has stopped the run already). Its last
# line is a plain "fuzz: N harnesses, ... 0 crashes", not a test runner's
# summary.
if [ $quick -eq 0 ]; then
    echo "=== fuzz smoke (build-fuzz, clang)"
    scripts/fuzz.sh --jobs "$jobs" --smoke 120
fi

if [ $format_ok -eq 0 ]; then
    echo "=== FAIL: the sources are not formatted as .clang-format says (build/format.diff);"
    echo "    scripts/format.sh formats them"
    exit 1
fi
