#!/usr/bin/python3
"""Where a prober's CPU goes, per probe, from `perf script` output.

    perf record --call-graph dwarf,16384 -F 2000 -o DATA CMD...
    perf script -i DATA | bench/perf_phases.py PROBES [MS]

Each sample (one stack) is put in the first phase below whose frames
appear on its stack, so the phases add up to 100 %; a sample in none of
them is put by the library it was in. Prints each phase's share of the
samples and its microseconds per probe: from the sample period (perf's
clock, which its own overhead inflates) or, given MS (the CPU ms per probe
measured without perf), scaled so that the phases add up to MS.

bench/probe_cost.sh runs it with PROFILE=1; bench/README.md ("Profile of
the fresh-connection HTTPS probe") reads its output. Debian 12's libssl
has no symbols for its static functions, so the handshake's own steps are
named by the public functions they call (d2i_X509, X509_verify_cert,
EVP_DigestVerifyFinal, ...).
"""
import collections
import re
import sys

PHASES = [
    ("SSL_CTX_new + SSL_CTX_free (libcurl 7.88: one per connection)",
     {"SSL_CTX_new_ex", "SSL_CTX_free"}),
    ("certificate chain verification (X509_verify_cert)", {"X509_verify_cert"}),
    ("certificate facts, availability policy (prereq_cb)", {"prereq_cb", "cert_seen_cb"}),
    ("client settings on the SSL_CTX (ssl_ctx_cb)", {"ssl_ctx_cb"}),
    ("parsing the server's certificate (d2i_X509)", {"ASN1_item_d2i_ex", "d2i_X509"}),
    ("CertificateVerify signature", {"EVP_DigestVerifyFinal", "EVP_DigestVerifyInit",
                                     "EVP_DigestVerifyInit_ex"}),
    ("key share (keygen, derive)", {"EVP_PKEY_generate", "EVP_PKEY_keygen", "EVP_PKEY_derive",
                                    "EVP_PKEY_derive_set_peer_ex"}),
    ("HTTP request and response (SSL_write, SSL_read)", {"SSL_write", "SSL_write_ex", "SSL_read",
                                                         "SSL_read_ex"}),
    ("result JSON line", {"sp_probe_result_json_line"}),
    ("DNS (c-ares)", {"ares_getaddrinfo", "ares_process_fd", "sp_probe__resolve"}),
    ("SSL_new, SSL_free", {"SSL_new", "SSL_free"}),
    ("TCP connect, socket, close", {"__libc_connect", "__x64_sys_connect", "__x64_sys_close",
                                    "__x64_sys_socket", "__close", "__socket"}),
    ("other system calls (send, recv, epoll)", {"do_syscall_64"}),
    ("process start-up", {"_dl_start", "dl_main", "_dl_relocate_object", "curl_global_init",
                          "OPENSSL_init_crypto", "_dl_init"}),
]
BY_LIBRARY = [
    ("kallsyms", "other kernel"),
    ("libcurl", "libcurl itself"),
    ("libssl", "other OpenSSL (key schedule, records, state machine)"),
    ("libcrypto", "other OpenSSL (key schedule, records, state machine)"),
    ("libc.so", "other libc (malloc, locks)"),
]
FRAME = re.compile(r"\s*[0-9a-f]+ (\S+?)(?:\+0x[0-9a-f]+)? \((.*)\)")


HEADER = re.compile(r"\s(\d+) ([\w-]+)(?::\w*)?:\s*$")  # "... 500000 cpu-clock:ppp: "


def samples(lines):
    """Yield (period, event, [(symbol, library), ...] leaf first) per sample."""
    period, event, stack = 0, "", None
    for line in lines:
        if not line.strip():
            if stack is not None:
                yield period, event, stack
            stack = None
        elif not line[0].isspace():
            m = HEADER.search(line)
            period, event = (int(m.group(1)), m.group(2)) if m else (1, "")
            stack = []
        elif stack is not None:
            m = FRAME.match(line)
            if m:
                stack.append((m.group(1), m.group(2).rsplit("/", 1)[-1]))
    if stack is not None:
        yield period, event, stack


def phase_of(stack):
    names = {sym for sym, _ in stack}
    for name, syms in PHASES:
        if names & syms:
            return name
    # the leaf's library; an inlined frame names none, its caller's does
    lib = next((lib for _, lib in stack if lib != "inlined"), "?")
    for key, name in BY_LIBRARY:
        if key in lib:
            return name
    return "other: " + lib


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write("usage: perf script | perf_phases.py PROBES [MS_PER_PROBE]\n")
        sys.exit(2)
    probes = int(sys.argv[1])
    ms = float(sys.argv[2]) if len(sys.argv) == 3 else None
    weight = collections.Counter()
    total, clock = 0, True
    for period, event, stack in samples(sys.stdin):
        weight[phase_of(stack)] += period
        total += period
        clock = clock and event.endswith("clock")  # cpu-clock, task-clock: ns
    if not total or probes <= 0:
        sys.stderr.write("perf_phases: no samples\n")
        sys.exit(1)
    if ms:
        us_total = ms * 1000
        print(f"  {us_total:.0f} us a probe (measured without perf), shared out by the samples")
    elif clock:
        us_total = total / probes / 1000
        print(f"  {us_total:.0f} us a probe under perf (its own overhead included)")
    else:
        us_total = None
        print("  shares of the samples (not a clock event: give MS for microseconds)")
    for name, v in weight.most_common():
        us = f"{us_total * v / total:6.0f} us" if us_total else ""
        print(f"  {100 * v / total:5.1f} % {us}  {name}")


if __name__ == "__main__":
    main()
