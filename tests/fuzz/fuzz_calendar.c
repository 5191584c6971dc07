/*
 * Fuzz the service-hours grammar (calendar/calendar.c): the first line is
 * the service_hours text, each following line a holiday date. A text that
 * parses is also laid over a month in a zone with DST, which is where the
 * wall-clock arithmetic (ranges past midnight, 24:00, DST gaps) can go
 * wrong; the spans must come out sorted, disjoint and inside the month.
 * Also the report's "--month YYYY-MM" argument.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "calendar/calendar.h"

#define MAX_HOLIDAYS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    const char *holidays[MAX_HOLIDAYS];
    size_t n = 0;
    char *nl = strchr(text, '\n');
    if (nl) {
        *nl = '\0';
        for (char *h = nl + 1; h && n < MAX_HOLIDAYS;) {
            char *next = strchr(h, '\n');
            if (next)
                *next++ = '\0';
            holidays[n++] = h;
            h = next;
        }
    }
    int year, month;
    sp_cal_parse_month(text, &year, &month);

    char err[256];
    sp_cal_hours *hours = NULL;
    if (sp_cal_hours_parse(text, holidays, n, &hours, err, sizeof err) == SP_OK) {
        sp_cal_hours_always(hours);
        /* March 2026 in New York: a day of 23 hours */
        static const struct {
            const char *tz;
            int64_t from, to;
        } months[] = {{"America/New_York", 1772341200, 1775016000},
                      {"Asia/Tokyo", 1772290800, 1774969200}};
        for (size_t m = 0; m < sizeof months / sizeof months[0]; m++) {
            sp_sla_span *spans = NULL;
            size_t ns = 0;
            if (sp_cal_hours_spans(hours, months[m].tz, months[m].from, months[m].to, &spans,
                                   &ns) == SP_OK) {
                for (size_t i = 0; i < ns; i++) {
                    if (spans[i].start >= spans[i].end || spans[i].start < months[m].from ||
                        spans[i].end > months[m].to ||
                        (i > 0 && spans[i].start <= spans[i - 1].end))
                        abort(); /* not sorted, disjoint, merged and inside */
                }
            }
            free(spans);
        }
        sp_cal_hours_destroy(hours);
    }
    free(text);
    return 0;
}
