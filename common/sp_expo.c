/*
 * The text exposition format (contract in expo.h). Label values escape
 * backslash, double quote and newline, HELP text backslash and newline,
 * as the format's specification says; nothing else is escaped (UTF-8
 * passes through). Numbers are the shortest decimal that reads back as
 * the same double, and the format's own words for NaN and the infinities.
 */
#include "common/sp_expo.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_grow.h"

void sp_expo_free(sp_expo *e)
{
    free(e->buf);
    *e = (sp_expo){0};
}

static void put(sp_expo *e, const char *s, size_t n)
{
    if (e->oom)
        return;
    if (sp_grow((void **)&e->buf, &e->cap, e->len + n + 1, 1) != SP_OK) {
        e->oom = true;
        return;
    }
    memcpy(e->buf + e->len, s, n);
    e->len += n;
    e->buf[e->len] = '\0';
}

static void puts_(sp_expo *e, const char *s)
{
    put(e, s, strlen(s));
}

/* Escape backslash and newline always, double quote when quote is set. */
static void escaped(sp_expo *e, const char *v, bool quote)
{
    const char *run = v;
    for (const char *c = v; *c; c++) {
        const char *rep = *c == '\\'           ? "\\\\"
                          : *c == '\n'         ? "\\n"
                          : quote && *c == '"' ? "\\\""
                                               : NULL;
        if (!rep)
            continue;
        put(e, run, (size_t)(c - run));
        puts_(e, rep);
        run = c + 1;
    }
    puts_(e, run);
}

void sp_expo_label_value(sp_expo *e, const char *v)
{
    escaped(e, v, true);
}

void sp_expo_family(sp_expo *e, const char *name, const char *type, const char *help)
{
    puts_(e, "# HELP ");
    puts_(e, name);
    puts_(e, " ");
    escaped(e, help, false);
    puts_(e, "\n# TYPE ");
    puts_(e, name);
    puts_(e, " ");
    puts_(e, type);
    puts_(e, "\n");
}

/* The shortest of %.15g .. %.17g that reads back as v: 0.1, not
 * 0.10000000000000001. */
static void shortest(double v, char *b, size_t n)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(b, n, "%.*g", p, v);
        if (strtod(b, NULL) == v)
            return;
    }
}

static void number(sp_expo *e, double v)
{
    char b[40];
    if (isnan(v))
        snprintf(b, sizeof b, "NaN");
    else if (isinf(v))
        snprintf(b, sizeof b, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 9007199254740992.0) /* whole: no exponent */
        snprintf(b, sizeof b, "%.0f", v);
    else
        shortest(v, b, sizeof b);
    puts_(e, b);
}

/* name{labels[,extra="x"]} */
static void series(sp_expo *e, const char *name, const char *suffix, const char *const *labels,
                   size_t n, const char *extra, const char *extra_v)
{
    puts_(e, name);
    puts_(e, suffix);
    if (!n && !extra)
        return;
    puts_(e, "{");
    for (size_t i = 0; i < n; i++) {
        if (i)
            puts_(e, ",");
        puts_(e, labels[2 * i]);
        puts_(e, "=\"");
        escaped(e, labels[2 * i + 1], true);
        puts_(e, "\"");
    }
    if (extra) {
        if (n)
            puts_(e, ",");
        puts_(e, extra);
        puts_(e, "=\"");
        escaped(e, extra_v, true);
        puts_(e, "\"");
    }
    puts_(e, "}");
}

void sp_expo_sample(sp_expo *e, const char *name, const char *const *labels, size_t n_labels,
                    double value)
{
    series(e, name, "", labels, n_labels, NULL, NULL);
    puts_(e, " ");
    number(e, value);
    puts_(e, "\n");
}

void sp_expo_histogram(sp_expo *e, const char *name, const char *const *labels, size_t n_labels,
                       const sp_hist *h)
{
    uint64_t cum = 0;
    char le[40];
    for (size_t i = 0; i <= h->n; i++) {
        cum += h->count[i];
        if (i < h->n)
            shortest(h->le[i], le, sizeof le);
        else
            snprintf(le, sizeof le, "+Inf");
        series(e, name, "_bucket", labels, n_labels, "le", le);
        puts_(e, " ");
        number(e, (double)cum);
        puts_(e, "\n");
    }
    series(e, name, "_sum", labels, n_labels, NULL, NULL);
    puts_(e, " ");
    number(e, h->sum);
    puts_(e, "\n");
    series(e, name, "_count", labels, n_labels, NULL, NULL);
    puts_(e, " ");
    number(e, (double)h->total);
    puts_(e, "\n");
}
