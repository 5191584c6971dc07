/*
 * Span-list set operations (see spans.h), shared by the calendar and the
 * SLA arithmetic so both cut time the same way.
 */
#include "sla/spans.h"

#include <stdlib.h>

#include "common/sp_grow.h"

/* A growable list of spans (sp_grow). "Normal" means sorted by start, disjoint and
 * merged where spans touch, which every operation below expects. */

void sp_sla_spans_free(sp_sla_spans *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Append [s, e) (ignored when empty). Appending in ascending order keeps
 * the list normal, because a span touching the last one is merged into
 * it. */
sp_status sp_sla_spans_push(sp_sla_spans *l, int64_t s, int64_t e)
{
    if (s >= e)
        return SP_OK;
    if (l->n > 0 && s <= l->v[l->n - 1].end && s >= l->v[l->n - 1].start) {
        if (e > l->v[l->n - 1].end)
            l->v[l->n - 1].end = e;
        return SP_OK;
    }
    if (sp_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v) != SP_OK)
        return SP_ENOMEM;
    l->v[l->n].start = s;
    l->v[l->n].end = e;
    l->n++;
    return SP_OK;
}

static int cmp_span(const void *a, const void *b)
{
    const sp_sla_span *x = a, *y = b;
    if (x->start != y->start)
        return (x->start > y->start) - (x->start < y->start);
    return (x->end > y->end) - (x->end < y->end);
}

/* Sort and merge in place: any list of valid spans becomes normal. */
void sp_sla_spans_normalize(sp_sla_spans *l)
{
    if (l->n < 2)
        return;
    qsort(l->v, l->n, sizeof *l->v, cmp_span);
    size_t w = 0;
    for (size_t i = 1; i < l->n; i++) {
        if (l->v[i].start <= l->v[w].end) {
            if (l->v[i].end > l->v[w].end)
                l->v[w].end = l->v[i].end;
        } else {
            l->v[++w] = l->v[i];
        }
    }
    l->n = w + 1;
}

int64_t sp_sla_spans_total(const sp_sla_spans *l)
{
    int64_t t = 0;
    for (size_t i = 0; i < l->n; i++)
        t += l->v[i].end - l->v[i].start;
    return t;
}

/* out = a ∩ b, both normal; out is normal. */
sp_status sp_sla_spans_intersect(const sp_sla_spans *a, const sp_sla_spans *b, sp_sla_spans *out)
{
    sp_status st = SP_OK;
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        int64_t s = a->v[i].start > b->v[j].start ? a->v[i].start : b->v[j].start;
        int64_t e = a->v[i].end < b->v[j].end ? a->v[i].end : b->v[j].end;
        if ((st = sp_sla_spans_push(out, s, e)) != SP_OK)
            goto out;
        /* The span that ends first cannot meet anything further on. */
        if (a->v[i].end < b->v[j].end)
            i++;
        else
            j++;
    }
out:
    return st;
}

/* out = a \ b, both normal; out is normal. */
sp_status sp_sla_spans_subtract(const sp_sla_spans *a, const sp_sla_spans *b, sp_sla_spans *out)
{
    sp_status st = SP_OK;
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++) {
        int64_t pos = a->v[i].start, end = a->v[i].end;
        while (j < b->n && b->v[j].end <= pos)
            j++;
        /* b's spans are not consumed here: one may reach into a->v[i+1]. */
        for (size_t k = j; k < b->n && b->v[k].start < end; k++) {
            if ((st = sp_sla_spans_push(out, pos, b->v[k].start)) != SP_OK)
                goto out;
            if (b->v[k].end > pos)
                pos = b->v[k].end;
        }
        if ((st = sp_sla_spans_push(out, pos, end)) != SP_OK)
            goto out;
    }
out:
    return st;
}
