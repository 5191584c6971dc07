#!/usr/bin/env bash
# Install what slaprobe needs on Debian 12, from Debian's own packages.
# Idempotent: installs only what is missing, and runs apt-get update only
# then.
#
#   scripts/setup.sh           build + runtime dependencies
#   scripts/setup.sh --test    ... plus the servers the tests start
#   scripts/setup.sh --bench   ... plus the tools the benchmarks compare with
#   scripts/setup.sh --fuzz    ... plus clang and libFuzzer (scripts/fuzz.sh)
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config
            libcurl4-openssl-dev libc-ares-dev libssl-dev libuv1-dev
            librrd-dev rrdtool rrdcached libcyaml-dev libyaml-dev libjansson-dev
            libcmocka-dev libarchive-dev libmicrohttpd-dev ca-certificates openssl tzdata)
test_pkgs=(nginx-light dnsmasq-base jq curl procps libxml2-utils sslscan testssl.sh
           chromium python3 python3-aiosmtpd fonts-ipafont-gothic libfaketime time
           systemd strace python3-seccomp clang-format rsync
           python3-feedparser python3-websockets iproute2 prometheus
           mandoc debhelper dpkg-dev fakeroot lintian poppler-utils
           prometheus-blackbox-exporter)
# poppler-utils: pdfinfo and pdftotext read back the HTML report printed to
# PDF by Chromium (test_report_html).
# systemd: only for `systemd-analyze security --offline` (test_unit_security);
# in a container without systemd as PID 1 its installation starts nothing.
# mandoc: `mandoc -Tlint` of the man pages (test_docs); debhelper, dpkg-dev,
# fakeroot, lintian: building and checking the .deb (test_package).
# clang-format: Debian 12's is version 14, the one the style is checked with
# (scripts/format.sh --check, first thing in scripts/test.sh).
# linux-perf: bench/probe_cost.sh PROFILE=1 (where an HTTPS probe's CPU goes).
bench_pkgs=(prometheus-blackbox-exporter wrk time linux-perf)
# Debian 12's clang is clang-14; libFuzzer and the sanitizer runtimes are in
# libclang-rt-14-dev, only a Recommends of clang (not installed here).
fuzz_pkgs=(clang libclang-rt-14-dev)

want=("${build_pkgs[@]}")
for arg in "$@"; do
    case "$arg" in
    --test) want+=("${test_pkgs[@]}") ;;
    --bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
    --fuzz) want+=("${fuzz_pkgs[@]}") ;;
    *) echo "setup.sh: unknown option '$arg' (use --test, --bench or --fuzz)" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#want[@]} packages present"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
echo "setup: done"
