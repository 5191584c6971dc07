/*
 * Parsing of configuration scalars: durations ("30s", "5m", "1h", "90"),
 * ISO-8601 timestamps with an offset, and true/false. Pure: strings in,
 * numbers out.
 */
#ifndef SP_CFG_VALUES_H
#define SP_CFG_VALUES_H

#include <stdbool.h>
#include <stdint.h>

/* "90", "90s", "1500ms", "5m", "1h", "1d" -> milliseconds. Whole numbers
 * only; false on anything else (empty, negative, overflow, unknown unit). */
bool sp_cfg_parse_duration_ms(const char *s, int64_t *out_ms);

/* "2026-11-07T01:00:00+09:00", "...Z", "...+0900", optional ".fff"
 * fraction -> Unix milliseconds. An offset (or Z) is required: a
 * timestamp without one would depend on the machine's zone. */
bool sp_cfg_parse_timestamp_ms(const char *s, int64_t *out_ms);

/* "true"/"false", "yes"/"no", "on"/"off", "1"/"0", any case -> *out. False
 * on anything else, the empty string included. */
bool sp_cfg_parse_bool(const char *s, bool *out);

#endif
