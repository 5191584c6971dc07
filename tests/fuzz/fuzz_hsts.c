/*
 * Fuzz the HSTS reading of an HTTP response head (probe/hsts.c,
 * sp_probe__parse_hsts): the bytes come from the server probed.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "probe/hsts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* kind_tls.c keeps the head in an 8 KiB buffer: longer is never seen */
    if (size > 8191)
        return 0;
    char *head = fuzz_strndup(data, size);
    sp_tls_hsts h;
    sp_probe__parse_hsts(head, &h);
    if (h.present && h.max_age < 0)
        abort(); /* a negative max-age is ignored, never stored */
    if (!h.present && (h.include_subdomains || h.preload))
        abort(); /* directives of an ignored header do not count */
    free(head);
    return 0;
}
