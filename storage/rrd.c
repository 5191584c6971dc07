/*
 * librrd, in one file. Layout checks read rrd_info and compare with
 * layout.c, so a file made for another step (or by another tool) is
 * reported instead of being written into with the wrong meaning.
 */
#include "rrd.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rrd.h>
#include <rrd_client.h>

#include "layout.h"

static sp_status rrd_fail(char *err, size_t errlen, const char *what, const char *path)
{
    const char *e = rrd_get_error();
    snprintf(err, errlen, "%s %s: %s", what, path, e && *e ? e : "unknown librrd error");
    rrd_clear_error();
    return SP_EIO;
}

static const rrd_info_t *info_get(const rrd_info_t *i, const char *key)
{
    for (; i; i = i->next)
        if (strcmp(i->key, key) == 0)
            return i;
    return NULL;
}

static sp_status check_layout(const char *path, long step_s, const sp_store_retention *ret,
                              char *err, size_t errlen)
{
    sp_store_layout l;
    sp_store_layout_for(step_s, ret, &l);
    rrd_info_t *info = rrd_info_r(path);
    if (!info)
        return rrd_fail(err, errlen, "cannot read", path);
    sp_status st = SP_EEXIST;
    char key[64];
    const rrd_info_t *v = info_get(info, "step");
    if (!v || (long)v->value.u_cnt != step_s) {
        snprintf(err, errlen,
                 "%s exists with step %lu s, but the target's interval is %ld s; "
                 "not touching it (move it away or set the interval back)",
                 path, v ? v->value.u_cnt : 0, step_s);
        goto out;
    }
    for (int i = 0; i < SP_STORE_N_DS; i++) {
        snprintf(key, sizeof key, "ds[%s].minimal_heartbeat", sp_store_ds_names[i]);
        v = info_get(info, key);
        if (!v || (long)v->value.u_cnt != l.heartbeat_s) {
            snprintf(err, errlen, "%s has no data source '%s' with heartbeat %ld s: not a "
                     "slaprobe file of this layout; not touching it", path, sp_store_ds_names[i],
                     l.heartbeat_s);
            goto out;
        }
    }
    for (int i = 0; i < SP_STORE_N_RRA; i++) {
        snprintf(key, sizeof key, "rra[%d].cf", i);
        const rrd_info_t *cf = info_get(info, key);
        snprintf(key, sizeof key, "rra[%d].rows", i);
        const rrd_info_t *rows = info_get(info, key);
        snprintf(key, sizeof key, "rra[%d].pdp_per_row", i);
        const rrd_info_t *ppr = info_get(info, key);
        if (!cf || !rows || !ppr || strcmp(cf->value.u_str, l.rra[i].cf) != 0 ||
            (long)rows->value.u_cnt != l.rra[i].rows ||
            (long)ppr->value.u_cnt != l.rra[i].pdp_per_row) {
            snprintf(err, errlen, "%s: archive %d differs from the layout (%s, %ld steps a row, "
                     "%ld rows); not touching it", path, i, l.rra[i].cf, l.rra[i].pdp_per_row,
                     l.rra[i].rows);
            goto out;
        }
    }
    st = SP_OK;
out:
    rrd_info_free(info);
    return st;
}

sp_status sp_store_rrd_check(const char *path, long step_s, const sp_store_retention *ret,
                             char *err, size_t errlen)
{
    return check_layout(path, step_s, ret, err, errlen);
}

sp_status sp_store_rrd_ensure(const char *path, long step_s, const sp_store_retention *ret,
                              time_t start, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) == 0)
        return check_layout(path, step_s, ret, err, errlen);
    if (errno != ENOENT) {
        snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
        return SP_EIO;
    }
    sp_store_layout l;
    char bufs[SP_STORE_N_DS + SP_STORE_N_RRA][64];
    const char *argv[SP_STORE_N_DS + SP_STORE_N_RRA];
    sp_store_layout_for(step_s, ret, &l);
    int argc = sp_store_layout_args(&l, bufs, argv);
    rrd_clear_error();
    /* no_overwrite: two processes racing to create must not clobber */
    if (rrd_create_r2(path, (unsigned long)step_s, start, 1, NULL, NULL, argc, argv) != 0)
        return rrd_fail(err, errlen, "cannot create", path);
    return SP_OK;
}

/* rrdcached reads one command line of at most RRD_CMD_MAX bytes, and
 * librrd's client sends all values of an rrdc_update on one line: split
 * long batches (an import) so that no line is cut. */
static int cached_update(const char *path, int n, const char **rows)
{
    size_t budget = RRD_CMD_MAX - strlen(path) - 64;
    for (int i = 0; i < n;) {
        size_t used = 0;
        int k = 0;
        while (i + k < n && (k == 0 || used + strlen(rows[i + k]) + 1 < budget))
            used += strlen(rows[i + k++]) + 1;
        if (rrdc_update(path, k, rows + i) != 0)
            return -1;
        i += k;
    }
    return 0;
}

sp_status sp_store_rrd_update(const char *daemon, const char *path, int n, const char **rows,
                              char *err, size_t errlen)
{
    rrd_clear_error();
    if (daemon) {
        if (rrdc_connect(daemon) == 0 && cached_update(path, n, rows) == 0)
            return SP_OK;
        /* rrdcached is down: write the file ourselves rather than lose the
         * rows (the file is local whenever storage.dir is). The caller logs
         * the fallback once. */
        const char *why = rrd_get_error();
        snprintf(err, errlen, "rrdcached %s unusable (%s); writing %s directly", daemon,
                 why && *why ? why : "no answer", path);
        rrd_clear_error();
        if (rrd_update_r(path, NULL, n, rows) != 0)
            return rrd_fail(err, errlen, "cannot update", path);
        return SP_EBUSY;
    }
    if (rrd_update_r(path, NULL, n, rows) != 0)
        return rrd_fail(err, errlen, "cannot update", path);
    return SP_OK;
}

sp_status sp_store_rrd_flush(const char *daemon, const char *path, char *err, size_t errlen)
{
    if (!daemon)
        return SP_OK;
    rrd_clear_error();
    if (rrdc_connect(daemon) != 0 || rrdc_flush(path) != 0)
        return rrd_fail(err, errlen, "rrdcached flush of", path);
    return SP_OK;
}

sp_status sp_store_rrd_forget(const char *daemon, const char *path, char *err, size_t errlen)
{
    if (!daemon)
        return SP_OK;
    rrd_clear_error();
    if (rrdc_connect(daemon) != 0)
        return rrd_fail(err, errlen, "rrdcached forget of", path);
    if (rrdc_forget(path) != 0) {
        /* rrdcached answers ENOENT for a file it does not cache */
        const char *e = rrd_get_error();
        if (e && strstr(e, strerror(ENOENT))) {
            rrd_clear_error();
            return SP_OK;
        }
        return rrd_fail(err, errlen, "rrdcached forget of", path);
    }
    return SP_OK;
}

time_t sp_store_rrd_last(const char *path)
{
    rrd_info_t *info = rrd_info_r(path);
    const rrd_info_t *v = info_get(info, "last_update");
    time_t t = v ? (time_t)v->value.u_cnt : 0;
    rrd_info_free(info);
    rrd_clear_error();
    return t;
}

/* ":value" or ":U" for unknown; returns the length written. */
static size_t fmt_val(char *buf, size_t n, double v)
{
    int w = isnan(v) ? snprintf(buf, n, ":U") : snprintf(buf, n, ":%.6g", v);
    return w > 0 && (size_t)w < n ? (size_t)w : 0;
}

sp_status sp_store_rrd_update_rows(const char *daemon, const char *path, const sp_store_row *rows,
                                   size_t n, char *err, size_t errlen)
{
    if (n == 0)
        return SP_OK;
    char(*lines)[256] = calloc(n, sizeof *lines);
    const char **argv = calloc(n, sizeof *argv);
    sp_status st = SP_ENOMEM;
    if (!lines || !argv) {
        snprintf(err, errlen, "out of memory writing %s", path);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const sp_store_row *r = &rows[i];
        const double v[SP_STORE_N_DS] = {r->up,         r->degraded, r->total_ms,
                                         r->dns_ms,     r->connect_ms, r->tls_ms,
                                         r->ttfb_ms,    r->cert_days};
        size_t len = (size_t)snprintf(lines[i], sizeof lines[i], "%lld", (long long)r->t);
        for (int k = 0; k < SP_STORE_N_DS; k++)
            len += fmt_val(lines[i] + len, sizeof lines[i] - len, v[k]);
        argv[i] = lines[i];
    }
    st = sp_store_rrd_update(daemon, path, (int)n, argv, err, errlen);
out:
    free(lines);
    free(argv);
    return st;
}

sp_status sp_store_rrd_fetch(const char *daemon, const char *path, const char *cf, time_t start,
                             time_t end, long resolution_s, sp_store_series *out, char *err,
                             size_t errlen)
{
    memset(out, 0, sizeof *out);
    sp_status st = sp_store_rrd_flush(daemon, path, err, errlen);
    if (st != SP_OK)
        return st;
    out->start = start;
    out->end = end;
    out->step = resolution_s > 0 ? (unsigned long)resolution_s : 1;
    rrd_value_t *data = NULL;
    rrd_clear_error();
    if (rrd_fetch_r(path, cf, &out->start, &out->end, &out->step, &out->n_ds, &out->ds_names,
                    &data) != 0)
        return rrd_fail(err, errlen, "cannot fetch from", path);
    out->data = data;
    out->rows = out->step ? (size_t)((out->end - out->start) / (time_t)out->step) : 0;
    return SP_OK;
}

void sp_store_series_free(sp_store_series *s)
{
    for (unsigned long i = 0; s->ds_names && i < s->n_ds; i++)
        free(s->ds_names[i]); /* librrd allocates with malloc */
    free(s->ds_names);
    free(s->data);
    memset(s, 0, sizeof *s);
}

int sp_store_series_ds(const sp_store_series *s, const char *name)
{
    for (unsigned long i = 0; i < s->n_ds; i++)
        if (strcmp(s->ds_names[i], name) == 0)
            return (int)i;
    return -1;
}

sp_status sp_store_rrd_graph(int argc, const char **argv, char *err, size_t errlen)
{
    /* rrd_graph_v wants argv[0] to be the command name, like main(). */
    const char **av = calloc((size_t)argc + 2, sizeof *av);
    if (!av) {
        snprintf(err, errlen, "out of memory");
        return SP_ENOMEM;
    }
    av[0] = "graph";
    for (int i = 0; i < argc; i++)
        av[i + 1] = argv[i];
    rrd_clear_error();
    optind = 0; /* librrd parses with getopt */
    rrd_info_t *info = rrd_graph_v(argc + 1, (char **)av);
    free(av);
    if (!info)
        return rrd_fail(err, errlen, "cannot draw", argv[0]);
    rrd_info_free(info);
    return SP_OK;
}
