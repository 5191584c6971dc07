/*
 * Fuzz the configuration's scalars (common/sp_value.c): durations,
 * ISO-8601 timestamps with an offset and booleans. These also read
 * journal lines ("since") and CSV imports, so they see outside bytes.
 * Besides memory safety, checks what the header promises: a duration is
 * never negative, and a timestamp lies within what its fields can say.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/sp_value.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_strndup(data, size);
    int64_t ms;
    bool b;
    if (sp_value_duration_ms(s, &ms) && ms < 0)
        abort(); /* "negative" is refused */
    /* years 0000..9999, offsets within a day, a leap second: the result
     * stays inside this range, far from overflow */
    if (sp_value_timestamp_ms(s, &ms) &&
        (ms < INT64_C(-62167219200000) - 86400000 || ms > INT64_C(253402300800000) + 86400000))
        abort();
    sp_value_bool(s, &b);
    free(s);
    return 0;
}
