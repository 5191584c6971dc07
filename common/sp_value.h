/*
 * sp_value: the scalars of the configuration file and of imported CSV:
 * durations ("30s", "5m", "1h", "90"), ISO-8601 timestamps with an offset,
 * and true/false. Pure: strings in, numbers out. It sits in common/ because
 * storage (CSV import) and reports (journal timestamps) read the same
 * values as the configuration, and both are below config/ in the layers.
 */
#ifndef SP_VALUE_H
#define SP_VALUE_H

#include <stdbool.h>
#include <stdint.h>

/* "90", "90s", "1500ms", "5m", "1h", "1d" -> milliseconds. Whole numbers
 * only; false on anything else (empty, negative, overflow, unknown unit). */
bool sp_value_duration_ms(const char *s, int64_t *out_ms);

/* "2026-11-07T01:00:00+09:00", "...Z", "...+0900", optional ".fff"
 * fraction -> Unix milliseconds. An offset (or Z) is required: a
 * timestamp without one would depend on the machine's zone. */
bool sp_value_timestamp_ms(const char *s, int64_t *out_ms);

/* "true"/"false", "yes"/"no", "on"/"off", "1"/"0", any case -> *out. False
 * on anything else, the empty string included. */
bool sp_value_bool(const char *s, bool *out);

/* A listening address: "127.0.0.1:9464" or "[::1]:9464" (numeric only, so
 * nothing is resolved; port 1-65535) -> *out (a sockaddr_in or _in6).
 * False on anything else. */
struct sockaddr_storage;
bool sp_value_listen(const char *s, struct sockaddr_storage *out);

#endif
