/*
 * JSON form of a probe result (field names of SPEC section 3/5).
 * Pure: no I/O, no clock.
 */
#ifndef SP_PROBE_RESULT_JSON_H
#define SP_PROBE_RESULT_JSON_H

#include <jansson.h>

#include "sp_probe.h"

/* New reference owned by the caller (json_decref), NULL on out of memory. */
json_t *sp_probe_result_to_json(const sp_probe_spec *spec, const sp_probe_result *r);

/* One compact JSON line without newline; free() it. NULL on out of memory. */
char *sp_probe_result_json_line(const sp_probe_spec *spec, const sp_probe_result *r);

/* A JSON string of text that may come from a server (a detail quoting a
 * redirect's Location, a DNS answer, a certificate's subject): jansson
 * refuses bytes that are not UTF-8, and the field would silently vanish,
 * so each such byte becomes '?' (sp_text_utf8_repair). NULL s: "".
 * New reference, NULL on out of memory. */
json_t *sp_probe_json_text(const char *s);

#endif
