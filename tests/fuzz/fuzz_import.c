/*
 * Fuzz the CSV import (storage/import.c): the row reader over a stream
 * (fmemopen, as `slaprobe import` reads a file), then the rows through the
 * pure step arithmetic and the incident list, as cli/cmd_import.c does,
 * without the RRD. Checks the reader's promises on every row it returns.
 * The first input byte picks the step (1 s .. 1 day) so the step
 * arithmetic sees more than 60 s.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "storage/import.h"

static const long steps[] = {60, 1, 7, 300, 3600, 86400, 10, 59};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    long step = steps[data[0] % (sizeof steps / sizeof steps[0])];
    data++;
    size--;
    /* fmemopen of 0 bytes fails with EINVAL in glibc */
    FILE *fp = fmemopen(size ? (void *)data : (void *)"", size ? size : 1, "r");
    if (!fp)
        abort();
    if (!size)
        fgetc(fp);
    sp_import_limits lim = sp_store_import_limits_none();
    lim.step_s = step;
    sp_import_reader *r = NULL;
    if (sp_store_import_reader_create(fp, "fuzz.csv", &lim, &r) != SP_OK)
        abort();
    /* as cli/cmd_import.c does for a new RRD: it begins at the first
     * row's step, and lim.after stays unlimited */
    sp_import_steps st;
    sp_import_incidents incs = {0};
    sp_import_out out;
    sp_import_row row;
    char err[512];
    int64_t prev = INT64_MIN;
    bool first = true;
    while (sp_store_import_next(r, &row, err, sizeof err) == SP_OK) {
        /* numeric times are within +-SP_IMPORT_MS_LIMIT, ISO-8601 ones within
         * years 0000-9999 (import.c's bound for its arithmetic) */
        if (row.t >= INT64_C(300000000000) || row.t <= -INT64_C(300000000000) || row.up < 0 ||
            row.up > 1 ||
            (!isnan(row.total_ms) && (row.total_ms < 0 || row.total_ms > SP_IMPORT_MAX_TOTAL_MS)) ||
            row.t < prev)
            abort(); /* the reader let a row out of its contract through */
        prev = row.t;
        if (first) {
            sp_store_import_steps_init(&st, step, 2000.0, row.t - (row.t % step + step) % step);
            first = false;
        }
        sp_store_import_steps_add(&st, &row, &out);
        for (size_t i = 0; i < out.ninc; i++)
            if (sp_store_import_incidents_add(&incs, &out.inc[i], "fuzz.csv", err, sizeof err) !=
                SP_OK)
                goto done;
    }
    if (!first) {
        sp_store_import_steps_end(&st, &out);
        for (size_t i = 0; i < out.ninc; i++)
            if (sp_store_import_incidents_add(&incs, &out.inc[i], "fuzz.csv", err, sizeof err) !=
                SP_OK)
                break;
    }
done:
    sp_store_import_incidents_free(&incs);
    sp_store_import_reader_destroy(r);
    fclose(fp);
    return 0;
}
