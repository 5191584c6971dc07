/*
 * sp_strmap: a string-keyed index of pointers (open addressing, FNV-1a),
 * for lookups by target id that must not scan a list: 100,000 targets
 * looked up one by one in a list of 100,000 is 5 x 10^9 comparisons at
 * start-up.
 *
 * Ownership: keys are borrowed (the caller keeps each alive while it is
 * in the map: normally the key is a field of the value); values are the
 * caller's. A zeroed sp_strmap is an empty map. Threads: none of its own;
 * the caller serialises.
 */
#ifndef SP_STRMAP_H
#define SP_STRMAP_H

#include <stddef.h>

#include "common/sp_status.h"

typedef struct sp_strmap {
    struct sp_strmap_slot {
        const char *key; /* NULL: empty */
        void *val;
    } * slots;
    size_t cap, n; /* cap: 0 or a power of two */
} sp_strmap;

/* Set key's value (replacing one there). SP_ENOMEM: the map is unchanged. */
sp_status sp_strmap_put(sp_strmap *m, const char *key, void *val);
/* key's value, or NULL. */
void *sp_strmap_get(const sp_strmap *m, const char *key);
/* Remove key (nothing if absent). */
void sp_strmap_del(sp_strmap *m, const char *key);
/* Free the slots (not keys nor values); the map is empty again. */
void sp_strmap_free(sp_strmap *m);

#endif
