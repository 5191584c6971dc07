/*
 * The checks of the configuration's values, each with its message: one
 * value at a key (a duration, a flag, a range, a percentage, a word of a
 * list), and the checks across values (ids unique, ids that must name a
 * target). Every refusal is one line "FILE:LINE: KEY: message" with the
 * line from the key index (lines.c), and config-check exits 2 on it.
 *
 * resolve.c calls these in file order, interleaved with building the
 * sp_cfg, because the first mistake found is the one reported: running
 * them in a later pass would name another key for a file with two.
 */
#include "config_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sp_civil.h"
#include "common/sp_value.h"

/* --- The error line ----------------------------------------------------- */

sp_status sp_cfg_fail(sp_cfg_loader *ld, const char *keypath, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = sp_cfg_lines_find(ld->lines, keypath);
    if (line > 0)
        snprintf(ld->err, ld->errlen, "%s:%d: %s: %s", ld->path, line, keypath, msg);
    else
        snprintf(ld->err, ld->errlen, "%s: %s: %s", ld->path, keypath, msg);
    return SP_EPARSE;
}

/* --- One value ---------------------------------------------------------- */

sp_status sp_cfg_duration(sp_cfg_loader *ld, const char *key, const char *raw, int64_t def,
                          int64_t min_ms, int64_t *out)
{
    if (!raw) {
        *out = def;
        return SP_OK;
    }
    if (!sp_value_duration_ms(raw, out))
        return sp_cfg_fail(ld, key, "'%s' is not a duration (e.g. 30, 30s, 5m, 1h)", raw);
    if (*out < min_ms)
        return sp_cfg_fail(ld, key, "'%s' is too short (at least %lld ms)", raw, (long long)min_ms);
    return SP_OK;
}

sp_status sp_cfg_tls_duration(sp_cfg_loader *ld, const char *key, const char *raw, int64_t def,
                              int64_t *out)
{
    if (raw && (strcmp(raw, "0") == 0 || strcmp(raw, "off") == 0)) {
        *out = 0;
        return SP_OK;
    }
    return sp_cfg_duration(ld, key, raw, def, 1000, out);
}

/* A path written as "" is no path: config-check used to accept it, and
 * the command that needed it failed later ("cannot create storage
 * directory : No such file or directory"). */
sp_status sp_cfg_nonempty(sp_cfg_loader *ld, const char *key, const char *raw)
{
    if (raw && !*raw)
        return sp_cfg_fail(ld, key, "empty (give a path, or leave the key out)");
    return SP_OK;
}

/* true/false. Not a libcyaml bool: that reads every word but false, no,
 * disable and 0 as true, and so `insecure:` with no value, or `insecure:
 * off`, turned certificate checks off. */
sp_status sp_cfg_flag(sp_cfg_loader *ld, const char *key, const char *raw, bool *out)
{
    if (sp_value_bool(raw, out))
        return SP_OK;
    if (!raw[0] || sp_cfg_lines_node(ld->lines, key) == SP_CFG_NODE_NULL)
        return sp_cfg_fail(ld, key, "no value; expected true or false");
    return sp_cfg_fail(ld, key, "'%s' is not true or false", raw);
}

sp_status sp_cfg_range(sp_cfg_loader *ld, const char *key, int v, int lo, int hi, const char *unit)
{
    if (v < lo || v > hi)
        return sp_cfg_fail(ld, key, "%d is not %d-%d%s", v, lo, hi, unit);
    return SP_OK;
}

sp_status sp_cfg_percent(sp_cfg_loader *ld, const char *key, double v, const char *what)
{
    if (!(v > 0 && v <= 100)) /* also refuses NaN */
        return sp_cfg_fail(ld, key, "%g is not %s percentage in (0, 100]", v, what);
    return SP_OK;
}

size_t sp_cfg_word(const char *s, const char *const *words, size_t n)
{
    size_t k;
    for (k = 0; k < n && strcmp(s, words[k]) != 0; k++)
        ;
    return k;
}

bool sp_cfg_valid_id(const char *id)
{
    if (!*id)
        return false;
    for (const char *c = id; *c; c++)
        if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_' || *c == '-'))
            return false;
    return true;
}

bool sp_cfg_valid_date(const char *s)
{
    int64_t days;
    return sp_civil_parse_date(s, &days);
}

/* --- Across values ------------------------------------------------------ */

typedef struct id_at {
    const char *id;
    size_t i;
} id_at;

static int by_id_then_index(const void *a, const void *b)
{
    const id_at *x = a, *y = b;
    int d = strcmp(x->id, y->id);
    return d ? d : (x->i > y->i) - (x->i < y->i);
}

/* Sorted, not pairwise: 10,000 targets were 50 million comparisons, and a
 * reload runs this on the daemon's loop. */
sp_status sp_cfg_check_unique_ids(sp_cfg_loader *ld, const sp_cfg *c)
{
    if (c->n_targets < 2)
        return SP_OK;
    id_at *v = malloc(c->n_targets * sizeof *v);
    if (!v)
        return SP_ENOMEM;
    for (size_t i = 0; i < c->n_targets; i++)
        v[i] = (id_at){c->targets[i].id, i};
    qsort(v, c->n_targets, sizeof *v, by_id_then_index);
    size_t dup = SIZE_MAX, first = 0, group = 0;
    for (size_t k = 1; k < c->n_targets; k++) {
        if (strcmp(v[k].id, v[group].id) != 0)
            group = k;
        else if (v[k].i < dup)
            dup = v[k].i, first = v[group].i;
    }
    free(v);
    if (dup == SIZE_MAX)
        return SP_OK;
    char key[64];
    snprintf(key, sizeof key, "targets[%zu].id", dup);
    return sp_cfg_fail(ld, key, "duplicate id '%s' (also targets[%zu])", c->targets[dup].id, first);
}

sp_status sp_cfg_check_target_ids(sp_cfg_loader *ld, const sp_cfg *c, const char *list_key,
                                  char *const *ids, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        if (!sp_cfg_find_target(c, ids[k])) {
            char key[160];
            snprintf(key, sizeof key, "%s[%u]", list_key, k);
            return sp_cfg_fail(ld, key, "no target has the id '%s'", ids[k]);
        }
    }
    return SP_OK;
}
