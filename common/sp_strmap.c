/*
 * Linear probing at a load of at most 1/2, deletion by shifting the run
 * back (no tombstones, so a map that sees many reloads does not decay).
 */
#include "sp_strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const char *k)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *c = (const unsigned char *)k; *c; c++) {
        h ^= *c;
        h *= 1099511628211ULL;
    }
    return (size_t)(h ^ (h >> 32));
}

/* The slot of key, or the empty slot where it would go. cap > 0. */
static size_t find(const sp_strmap *m, const char *key)
{
    size_t mask = m->cap - 1, i = hash(key) & mask;
    while (m->slots[i].key && strcmp(m->slots[i].key, key) != 0)
        i = (i + 1) & mask;
    return i;
}

static sp_status grow(sp_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    if (cap < m->cap)
        return SP_ENOMEM;
    struct sp_strmap_slot *s = calloc(cap, sizeof *s);
    if (!s)
        return SP_ENOMEM;
    sp_strmap old = *m;
    m->slots = s;
    m->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key)
            m->slots[find(m, old.slots[i].key)] = old.slots[i];
    free(old.slots);
    return SP_OK;
}

sp_status sp_strmap_put(sp_strmap *m, const char *key, void *val)
{
    if ((m->n + 1) * 2 > m->cap && grow(m) != SP_OK)
        return SP_ENOMEM;
    size_t i = find(m, key);
    if (!m->slots[i].key)
        m->n++;
    m->slots[i].key = key;
    m->slots[i].val = val;
    return SP_OK;
}

void *sp_strmap_get(const sp_strmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t i = find(m, key);
    return m->slots[i].key ? m->slots[i].val : NULL;
}

void sp_strmap_del(sp_strmap *m, const char *key)
{
    if (!m->cap)
        return;
    size_t mask = m->cap - 1, i = find(m, key);
    if (!m->slots[i].key)
        return;
    m->slots[i].key = NULL;
    m->n--;
    /* move back every entry of the run after i that may sit at i */
    for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        size_t home = hash(m->slots[j].key) & mask;
        /* j's entry may move to i when home is not cyclically in (i, j] */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = NULL;
            i = j;
        }
    }
}

void sp_strmap_free(sp_strmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}
