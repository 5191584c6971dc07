/*
 * librrd, in one file. Layout checks read rrd_info and compare with
 * layout.c, so a file made for another step (or by another tool) is
 * reported instead of being written into with the wrong meaning.
 */
#include "rrd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

sp_status sp_store_rrd_update(const char *daemon, const char *path, int n, const char **rows,
                              char *err, size_t errlen)
{
    rrd_clear_error();
    if (daemon) {
        if (rrdc_connect(daemon) == 0 && rrdc_update(path, n, rows) == 0)
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

time_t sp_store_rrd_last(const char *path)
{
    rrd_info_t *info = rrd_info_r(path);
    const rrd_info_t *v = info_get(info, "last_update");
    time_t t = v ? (time_t)v->value.u_cnt : 0;
    rrd_info_free(info);
    rrd_clear_error();
    return t;
}
