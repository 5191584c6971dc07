/*
 * sp_grow: the one growable-array helper. Every list that grows one item at
 * a time (a journal's incidents, a timeline's segments, a body buffer) keeps
 * a pointer, a count and a capacity, and calls this before appending.
 *
 *     if (sp_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v) != SP_OK)
 *         return SP_ENOMEM;
 *     l->v[l->n++] = item;
 *
 * Ownership: *v stays the caller's (free() it); on failure *v and *cap are
 * unchanged, so what was already stored is still valid and still owned.
 * Threads: none of its own; pure apart from realloc.
 */
#ifndef SP_GROW_H
#define SP_GROW_H

#include <stddef.h>

#include "common/sp_status.h"

/* Make room for at least `need` elements of `elem` bytes in *v (capacity
 * *cap, in elements). Grows geometrically (doubling, from 16) so n appends
 * cost O(n). SP_ENOMEM when realloc fails or need * elem would overflow. */
sp_status sp_grow(void **v, size_t *cap, size_t need, size_t elem);

/* As sp_grow, for a list with a fixed limit: the capacity never passes
 * max elements (the last doubling stops at max), so a list capped at a
 * count is capped in memory too. SP_EINVAL when need > max: the caller
 * refuses the element before asking. */
sp_status sp_grow_max(void **v, size_t *cap, size_t need, size_t elem, size_t max);

#endif
