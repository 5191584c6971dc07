/*
 * The Strict-Transport-Security facts of an HTTP response head
 * (probe/hsts.c). The tls kind reads the head of its one HTTP answer with
 * this; it is bytes from the server probed, so it is fuzzed
 * (tests/fuzz/fuzz_hsts.c) and unit-tested (tests/unit/test_hsts.c).
 * Pure: no I/O, no clock, any thread.
 */
#ifndef SP_PROBE_HSTS_H
#define SP_PROBE_HSTS_H

#include "sp_tls.h"

/* The HSTS facts of an HTTP response head (status line and headers,
 * NUL-terminated); fills every field of h. A header without a usable
 * max-age is ignored, as RFC 6797 says; the first usable one counts. */
void sp_probe__parse_hsts(const char *head, sp_tls_hsts *h);

#endif
