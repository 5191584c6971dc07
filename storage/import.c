/*
 * CSV history to RRD rows (see import.h). The parser is strict: a row it
 * cannot read stops the import with the line named, because a silently
 * skipped row would become "unknown" time in an SLA report.
 */
#include "import.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/values.h"

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static bool parse_time(const char *s, int64_t *t)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end != s && *end == '\0' && errno == 0) {
        *t = v;
        return true;
    }
    int64_t ms;
    if (sp_cfg_parse_timestamp_ms(s, &ms)) {
        /* floor, also before 1970 */
        *t = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
        return true;
    }
    return false;
}

static bool parse_up(const char *s, double *up)
{
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "up") == 0) {
        *up = 1;
        return true;
    }
    if (strcasecmp(s, "false") == 0 || strcasecmp(s, "down") == 0) {
        *up = 0;
        return true;
    }
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0 && v <= 1))
        return false;
    *up = v;
    return true;
}

sp_status sp_store_import_parse(FILE *fp, const char *name, sp_import_row **rows, size_t *n,
                                char *err, size_t errlen)
{
    sp_import_row *v = NULL;
    size_t len = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    long lineno = 0;
    bool seen_data = false;
    sp_status st = SP_OK;
    *rows = NULL;
    *n = 0;
    while (getline(&line, &lcap, fp) != -1) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *f[4] = {0};
        int nf = 0;
        for (char *p = s, *tok; (tok = strsep(&p, ",")) != NULL;) {
            if (nf == 3) {
                snprintf(err, errlen, "%s:%ld: more than 3 fields (timestamp,up[,total_ms])",
                         name, lineno);
                st = SP_EPARSE;
                goto out;
            }
            f[nf++] = trim(tok);
        }
        if (!seen_data && strcasecmp(f[0], "timestamp") == 0) {
            seen_data = true; /* a header line */
            continue;
        }
        seen_data = true;
        sp_import_row r = {.total_ms = NAN, .line = lineno};
        if (nf < 2) {
            snprintf(err, errlen, "%s:%ld: expected timestamp,up[,total_ms]", name, lineno);
            st = SP_EPARSE;
            goto out;
        }
        if (!parse_time(f[0], &r.t)) {
            snprintf(err, errlen,
                     "%s:%ld: '%s' is not a timestamp (Unix seconds or ISO-8601 with offset)",
                     name, lineno, f[0]);
            st = SP_EPARSE;
            goto out;
        }
        if (!parse_up(f[1], &r.up)) {
            snprintf(err, errlen, "%s:%ld: up '%s' is not 0..1, true or false", name, lineno,
                     f[1]);
            st = SP_EPARSE;
            goto out;
        }
        if (nf == 3 && *f[2]) {
            char *end;
            r.total_ms = strtod(f[2], &end);
            if (end == f[2] || *end || !(r.total_ms >= 0) || isinf(r.total_ms)) {
                snprintf(err, errlen, "%s:%ld: total_ms '%s' is not a duration in ms", name,
                         lineno, f[2]);
                st = SP_EPARSE;
                goto out;
            }
        }
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            sp_import_row *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                snprintf(err, errlen, "%s: out of memory", name);
                st = SP_ENOMEM;
                goto out;
            }
            v = nv;
            cap = nc;
        }
        v[len++] = r;
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "%s: read error: %s", name, strerror(errno));
        st = SP_EIO;
        goto out;
    }
    *rows = v;
    *n = len;
    v = NULL;
out:
    free(v);
    free(line);
    return st;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

sp_status sp_store_import_steps(const sp_import_row *rows, size_t n, long step_s, double slow_ms,
                                sp_store_row **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (n == 0)
        return SP_OK;
    if (step_s < 1)
        return SP_EINVAL;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t k = floor_div(rows[i].t, step_s);
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
    }
    size_t steps = (size_t)(hi - lo + 1);
    sp_store_row *o = malloc(steps * sizeof *o);
    /* per step: rows seen, rows with a total */
    unsigned *cnt = calloc(steps, 2 * sizeof *cnt);
    if (!o || !cnt) {
        free(o);
        free(cnt);
        return SP_ENOMEM;
    }
    for (size_t k = 0; k < steps; k++)
        o[k] = (sp_store_row){.t = (lo + (int64_t)k + 1) * step_s,
                              .up = 0, .degraded = 0, .total_ms = 0, .dns_ms = NAN,
                              .connect_ms = NAN, .tls_ms = NAN, .ttfb_ms = NAN,
                              .cert_days = NAN};
    for (size_t i = 0; i < n; i++) {
        size_t k = (size_t)(floor_div(rows[i].t, step_s) - lo);
        o[k].up += rows[i].up;
        if (!isnan(rows[i].total_ms)) {
            o[k].total_ms += rows[i].total_ms;
            o[k].degraded += rows[i].total_ms > slow_ms ? rows[i].up : 0;
            cnt[2 * k + 1]++;
        }
        cnt[2 * k]++;
    }
    for (size_t k = 0; k < steps; k++) {
        unsigned c = cnt[2 * k], ct = cnt[2 * k + 1];
        if (c == 0) {
            o[k].up = o[k].degraded = o[k].total_ms = NAN;
            continue;
        }
        o[k].up /= c;
        o[k].degraded /= c;
        o[k].total_ms = ct ? o[k].total_ms / ct : NAN;
    }
    free(cnt);
    *out = o;
    *nout = steps;
    return SP_OK;
}
