/* sp_grow: see sp_grow.h. */
#include "common/sp_grow.h"

#include <stdint.h>
#include <stdlib.h>

sp_status sp_grow(void **v, size_t *cap, size_t need, size_t elem)
{
    return sp_grow_max(v, cap, need, elem, SIZE_MAX);
}

sp_status sp_grow_max(void **v, size_t *cap, size_t need, size_t elem, size_t max)
{
    if (need <= *cap)
        return SP_OK;
    if (elem == 0 || need > max)
        return SP_EINVAL;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return SP_ENOMEM;
        nc *= 2;
    }
    if (nc > max)
        nc = max;
    if (nc > SIZE_MAX / elem)
        return SP_ENOMEM;
    void *nv = realloc(*v, nc * elem);
    if (!nv)
        return SP_ENOMEM;
    *v = nv;
    *cap = nc;
    return SP_OK;
}
