/*
 * Reading RFC 6797's Strict-Transport-Security header out of an HTTP
 * response head, for the tls kind's posture (hsts.h). Directive names are
 * case-insensitive, max-age may be quoted, unknown directives are skipped.
 */
#include "hsts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One line at a time, from the one after the status line; a header's value
 * is cut at 511 bytes (a real one is under 100). */
void sp_probe__parse_hsts(const char *head, sp_tls_hsts *h)
{
    int major = 0, minor = 0, status = 0;
    memset(h, 0, sizeof *h);
    h->checked = sscanf(head, "HTTP/%d.%d %d", &major, &minor, &status) == 3;
    h->http_status = h->checked ? status : 0;
    static const char name[] = "strict-transport-security:";
    for (const char *line = strchr(head, '\n'); line && !h->present; line = strchr(line, '\n')) {
        line++;
        if (strncasecmp(line, name, sizeof name - 1) != 0)
            continue;
        const char *v = line + sizeof name - 1, *end = strpbrk(v, "\r\n");
        size_t vl = end ? (size_t)(end - v) : strlen(v);
        char val[512];
        snprintf(val, sizeof val, "%.*s", (int)(vl < sizeof val ? vl : sizeof val - 1), v);
        char *save = NULL;
        for (char *d = strtok_r(val, ";", &save); d; d = strtok_r(NULL, ";", &save)) {
            while (*d == ' ' || *d == '\t')
                d++;
            size_t dl = strlen(d);
            while (dl && (d[dl - 1] == ' ' || d[dl - 1] == '\t'))
                d[--dl] = '\0';
            if (strncasecmp(d, "max-age=", 8) == 0) {
                const char *num = d + 8 + (d[8] == '"');
                char *e;
                long long ma = strtoll(num, &e, 10);
                if (e != num && ma >= 0) {
                    h->present = true;
                    h->max_age = ma;
                }
            } else if (strcasecmp(d, "includesubdomains") == 0) {
                h->include_subdomains = true;
            } else if (strcasecmp(d, "preload") == 0) {
                h->preload = true;
            }
        }
        if (!h->present)
            h->include_subdomains = h->preload = false;
    }
}
