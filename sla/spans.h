/*
 * Lists of half-open spans of Unix seconds, and the set operations the
 * calendar and the SLA arithmetic are made of. Pure.
 *
 * A list is "normal" when it is sorted by start, disjoint, and merged where
 * spans touch; intersect and subtract expect normal inputs and give a
 * normal output. The struct is plain (the caller embeds it, zeroed); the
 * array is owned by it and released with sp_sla_spans_free().
 */
#ifndef SP_SLA_SPANS_H
#define SP_SLA_SPANS_H

#include <stddef.h>
#include <stdint.h>

#include "common/sp_status.h"
#include "sla/sla.h"

typedef struct sp_sla_spans {
    sp_sla_span *v;
    size_t n, cap;
} sp_sla_spans;

void sp_sla_spans_free(sp_sla_spans *l);

/* Append [s, e) (nothing when empty); a span that starts inside the last
 * one is merged into it, so appending in ascending order keeps a list
 * normal. Any order is fine when sp_sla_spans_normalize() follows. */
sp_status sp_sla_spans_push(sp_sla_spans *l, int64_t s, int64_t e);

/* Sort and merge in place: any list of valid spans becomes normal. */
void sp_sla_spans_normalize(sp_sla_spans *l);

/* Seconds covered by a normal list. */
int64_t sp_sla_spans_total(const sp_sla_spans *l);

/* out = a ∩ b and out = a \ b (appended to out). */
sp_status sp_sla_spans_intersect(const sp_sla_spans *a, const sp_sla_spans *b, sp_sla_spans *out);
sp_status sp_sla_spans_subtract(const sp_sla_spans *a, const sp_sla_spans *b, sp_sla_spans *out);

#endif
