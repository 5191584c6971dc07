/*
 * librrd, in one file. Layout checks read rrd_info and compare with
 * layout.c, so a file made for another step (or by another tool) is
 * reported instead of being written into with the wrong meaning.
 */
#include "rrd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <rrd.h>
#include <rrd_client.h>

#include "layout.h"
#include "rowcheck.h"

/* librrd's message, or, where it set none (rrd_create on a full disk
 * says nothing), the system's for errno: the cause must reach the log. */
static sp_status rrd_fail(char *err, size_t errlen, const char *what, const char *path)
{
    int oserr = errno;
    const char *e = rrd_get_error();
    if (e && *e)
        snprintf(err, errlen, "%s %s: %s", what, path, e);
    else
        snprintf(err, errlen, "%s %s: %s", what, path,
                 oserr ? strerror(oserr) : "librrd gave no reason");
    rrd_clear_error();
    return SP_EIO;
}

const char *sp_store_cause_of(const char *msg)
{
    static const struct {
        const char *needle, *cause;
    } map[] = {
        {"No space left", "ENOSPC"},
        {"Disk quota", "ENOSPC"},
        {"Permission denied", "EACCES"},
        {"Read-only file system", "EROFS"},
        {"Input/output error", "EIO"},
        {"could not lock", "locked"},
        {"illegal attempt to update", "refused"},
        {"minimum one second step", "refused"},
        {"rrdcached", "rrdcached"},
        {"clock", "clock_back"},
    };
    for (size_t i = 0; msg && i < sizeof map / sizeof map[0]; i++)
        if (strstr(msg, map[i].needle))
            return map[i].cause;
    return "other";
}

static const rrd_info_t *info_get(const rrd_info_t *i, const char *key)
{
    for (; i; i = i->next)
        if (strcmp(i->key, key) == 0)
            return i;
    return NULL;
}

/* A file the layout before this one made: five archives (1 step, 5 min
 * AVERAGE and MAX, 1 h AVERAGE and MAX). */
static bool old_layout(const rrd_info_t *info)
{
    const rrd_info_t *v = info_get(info, "rra[4].cf");
    return v && info_get(info, "rra[1].pdp_per_row") && info_get(info, "ds[up].index");
}

static sp_status check_layout(const char *path, const sp_store_layout *lay, time_t *last, char *err,
                              size_t errlen)
{
    const sp_store_layout *l = lay;
    rrd_info_t *info = rrd_info_r(path);
    if (!info)
        return rrd_fail(err, errlen, "cannot read", path);
    sp_status st = SP_EEXIST;
    char key[64];
    if (!l->hist && old_layout(info)) {
        snprintf(err, errlen,
                 "%s was made by an older slaprobe (five archives in one file; this one keeps "
                 "the steps in it and the hours in a .hist.rrd file beside it): stop the daemon "
                 "and run `slaprobe store migrate -c CONFIG` once; not touching it",
                 path);
        st = SP_ESTALE;
        goto out;
    }
    const rrd_info_t *v = info_get(info, "step");
    if (!v || (long)v->value.u_cnt != l->step_s) {
        if (l->hist)
            snprintf(
                err, errlen,
                "%s exists with step %lu s, not %ld s: not a slaprobe hours file; not touching it",
                path, v ? v->value.u_cnt : 0, l->step_s);
        else
            snprintf(err, errlen,
                     "%s exists with step %lu s, but the target's interval is %ld s; "
                     "not touching it (move it away or set the interval back)",
                     path, v ? v->value.u_cnt : 0, l->step_s);
        goto out;
    }
    int nds = sp_store_layout_n_ds(l);
    const char *const *names = sp_store_layout_ds(l);
    for (int i = 0; i < nds; i++) {
        snprintf(key, sizeof key, "ds[%s].minimal_heartbeat", names[i]);
        v = info_get(info, key);
        if (!v || (long)v->value.u_cnt != l->heartbeat_s) {
            snprintf(err, errlen,
                     "%s has no data source '%s' with heartbeat %ld s: not a "
                     "slaprobe file of this layout; not touching it",
                     path, names[i], l->heartbeat_s);
            goto out;
        }
    }
    for (int i = 0; i < SP_STORE_N_RRA + 1; i++) {
        snprintf(key, sizeof key, "rra[%d].cf", i);
        const rrd_info_t *cf = info_get(info, key);
        if (i == SP_STORE_N_RRA) { /* one archive more than the layout has */
            if (cf) {
                snprintf(err, errlen, "%s has more archives than this layout (%d); not touching it",
                         path, SP_STORE_N_RRA);
                goto out;
            }
            break;
        }
        snprintf(key, sizeof key, "rra[%d].rows", i);
        const rrd_info_t *rows = info_get(info, key);
        snprintf(key, sizeof key, "rra[%d].pdp_per_row", i);
        const rrd_info_t *ppr = info_get(info, key);
        if (!cf || !rows || !ppr || strcmp(cf->value.u_str, l->rra[i].cf) != 0 ||
            (long)rows->value.u_cnt != l->rra[i].rows ||
            (long)ppr->value.u_cnt != l->rra[i].pdp_per_row) {
            snprintf(err, errlen,
                     "%s: archive %d differs from the layout (%s, %ld steps a row, "
                     "%ld rows); not touching it",
                     path, i, l->rra[i].cf, l->rra[i].pdp_per_row, l->rra[i].rows);
            goto out;
        }
    }
    v = info_get(info, "last_update");
    if (last)
        *last = v ? (time_t)v->value.u_cnt : 0;
    st = SP_OK;
out:
    rrd_info_free(info);
    return st;
}

static sp_status check_path(const char *path, const sp_store_layout *l, time_t *last, char *err,
                            size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) == 0)
        return check_layout(path, l, last, err, errlen);
    if (errno == ENOENT)
        return SP_ENOTFOUND;
    snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
    return SP_EIO;
}

sp_status sp_store_rrd_check(const char *path, long step_s, const sp_store_retention *ret,
                             time_t *last, char *err, size_t errlen)
{
    sp_store_layout l;
    sp_store_layout_for(step_s, ret, &l);
    return check_path(path, &l, last, err, errlen);
}

sp_status sp_store_rrd_check_hist(const char *path, const sp_store_retention *ret, time_t *last,
                                  char *err, size_t errlen)
{
    sp_store_layout l;
    sp_store_layout_hist(ret, &l);
    return check_path(path, &l, last, err, errlen);
}

sp_status sp_store_fsync_path(const char *path, int flags, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
    if (fd < 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot fsync %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return SP_EIO;
    }
    close(fd);
    return SP_OK;
}

/* fsync a file or directory by name; errors are the caller's to report. */
static int sync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static sp_status create_file(const char *path, const sp_store_layout *l, time_t start, char *err,
                             size_t errlen)
{
    /* Build the file under a temporary name in the same directory, then
     * link it into place: a crash (kill -9 in the seconds a large file
     * takes) leaves only a ".sp-" file, which the next start removes, and
     * never a half-written <id>.rrd. link() instead of rename() so that a
     * file another process created meanwhile is never replaced. librrd
     * itself writes to our name + "XXXXXX" first, which carries the same
     * prefix. */
    char tmp[4200], dir[4096];
    const char *slash = strrchr(path, '/');
    int dlen = slash ? (int)(slash - path) : 1;
    if (strlen(path) >= sizeof dir) {
        snprintf(err, errlen, "cannot create %s: path too long", path);
        return SP_EINVAL;
    }
    snprintf(dir, sizeof dir, "%.*s", dlen, slash ? path : ".");
    int tl = snprintf(tmp, sizeof tmp, "%s/" SP_STORE_TMP_PREFIX "create.%ld.%s", dir,
                      (long)getpid(), slash ? slash + 1 : path);
    if (tl < 0 || (size_t)tl >= sizeof tmp) {
        snprintf(err, errlen, "cannot create %s: path too long", path);
        return SP_EINVAL;
    }
    char bufs[SP_STORE_MAX_ARGS][64];
    const char *argv[SP_STORE_MAX_ARGS];
    int argc = sp_store_layout_args(l, bufs, argv);
    /* librrd reports a full disk during creation with no message (and errno
     * is its clean-up's by then): look first, so the cause is named. */
    unsigned long long need = 65536 + (unsigned long long)sp_store_layout_bytes(l);
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0 && (unsigned long long)vfs.f_bavail * vfs.f_frsize < need) {
        snprintf(err, errlen,
                 "cannot create %s: No space left on device (%llu MB needed, %llu MB "
                 "free)",
                 path, need >> 20, ((unsigned long long)vfs.f_bavail * vfs.f_frsize) >> 20);
        return SP_EIO;
    }
    unlink(tmp);
    rrd_clear_error();
    errno = 0;
    if (rrd_create_r2(tmp, (unsigned long)l->step_s, start, 0, NULL, NULL, argc, argv) != 0) {
        sp_status st = rrd_fail(err, errlen, "cannot create", path);
        unlink(tmp);
        return st;
    }
    sp_status st = SP_OK;
    /* librrd 1.7 makes the file 0644 whatever the umask; ours are 0640 like the
     * journals (the group may read, others not), set before the name
     * exists so that no one can open it in between. */
    if (chmod(tmp, 0640) != 0) {
        snprintf(err, errlen, "cannot create %s: chmod: %s", path, strerror(errno));
        st = SP_EIO;
    } else if (sync_path(tmp, O_RDONLY) != 0) {
        snprintf(err, errlen, "cannot create %s: fsync: %s", path, strerror(errno));
        st = SP_EIO;
    } else if (link(tmp, path) != 0) {
        if (errno == EEXIST) /* created meanwhile by someone else: theirs stands */
            st = check_layout(path, l, NULL, err, errlen);
        else {
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            st = SP_EIO;
        }
    } else if (sync_path(dir, O_RDONLY | O_DIRECTORY) != 0) {
        snprintf(err, errlen, "cannot create %s: fsync of %s: %s", path, dir, strerror(errno));
        st = SP_EIO;
    }
    unlink(tmp);
    return st;
}

sp_status sp_store_rrd_create(const char *path, long step_s, const sp_store_retention *ret,
                              time_t start, char *err, size_t errlen)
{
    sp_store_layout l;
    sp_store_layout_for(step_s, ret, &l);
    sp_status st = sp_store_rrd_ensure_hist(path, ret, start, err, errlen);
    if (st == SP_OK)
        st = create_file(path, &l, start, err, errlen);
    return st;
}

sp_status sp_store_rrd_ensure_hist(const char *rrd, const sp_store_retention *ret, time_t start,
                                   char *err, size_t errlen)
{
    char hist[4200];
    if (!sp_store_hist_path(rrd, hist, sizeof hist)) {
        snprintf(err, errlen, "%s: path too long", rrd);
        return SP_EINVAL;
    }
    sp_store_layout l;
    sp_store_layout_hist(ret, &l);
    sp_status st = check_path(hist, &l, NULL, err, errlen);
    if (st == SP_ENOTFOUND) /* its first row is the end of the hour after start */
        st = create_file(hist, &l,
                         start -
                             (start % SP_STORE_HIST_STEP + SP_STORE_HIST_STEP) % SP_STORE_HIST_STEP,
                         err, errlen);
    return st;
}

sp_status sp_store_rrd_ensure(const char *path, long step_s, const sp_store_retention *ret,
                              time_t start, char *err, size_t errlen)
{
    sp_status st = sp_store_rrd_check(path, step_s, ret, NULL, err, errlen);
    if (st == SP_ENOTFOUND)
        st = sp_store_rrd_create(path, step_s, ret, start, err, errlen);
    else if (st == SP_OK)
        st = sp_store_rrd_ensure_hist(path, ret, start, err, errlen);
    return st;
}

sp_status sp_store_clean_stale(const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
        return SP_EIO;
    }
    sp_status st = SP_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, SP_STORE_TMP_PREFIX, strlen(SP_STORE_TMP_PREFIX)) != 0)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT) {
            snprintf(err, errlen, "cannot remove the stale %s/%s: %s", dir, e->d_name,
                     strerror(errno));
            st = SP_EIO;
            continue;
        }
        fprintf(stderr, "slaprobe: removed %s/%s, left by an interrupted write\n", dir, e->d_name);
    }
    closedir(d);
    return st;
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

sp_status sp_store_rrd_head(const char *daemon, const char *path, long *step_s, time_t *last,
                            long *full_rows, char *err, size_t errlen)
{
    sp_status st = sp_store_rrd_flush(daemon, path, err, errlen);
    if (st != SP_OK)
        return st;
    rrd_clear_error();
    rrd_info_t *info = rrd_info_r(path);
    if (!info)
        return rrd_fail(err, errlen, "cannot read", path);
    const rrd_info_t *step = info_get(info, "step"), *lu = info_get(info, "last_update"),
                     *cf = info_get(info, "rra[0].cf"), *rows = info_get(info, "rra[0].rows"),
                     *ppr = info_get(info, "rra[0].pdp_per_row");
    if (!step || !lu || !cf || !rows || !ppr || strcmp(cf->value.u_str, "AVERAGE") != 0 ||
        ppr->value.u_cnt != 1) {
        snprintf(err, errlen, "%s: no one-step AVERAGE archive first: not a slaprobe file", path);
        st = SP_EPARSE;
    } else {
        *step_s = (long)step->value.u_cnt;
        *last = (time_t)lu->value.u_cnt;
        *full_rows = (long)rows->value.u_cnt;
    }
    rrd_info_free(info);
    return st;
}

sp_status sp_store_rrd_archives(const char *path, long *step_s, time_t *last, sp_store_rra *rra,
                                int max, int *n, char *err, size_t errlen)
{
    static const char *const cfs[] = {"AVERAGE", "MAX", "MIN", "LAST"};
    rrd_clear_error();
    rrd_info_t *info = rrd_info_r(path);
    if (!info)
        return rrd_fail(err, errlen, "cannot read", path);
    const rrd_info_t *step = info_get(info, "step"), *lu = info_get(info, "last_update");
    sp_status st = SP_OK;
    *n = 0;
    if (!step || !lu) {
        snprintf(err, errlen, "%s: no step or last update: not an RRD file", path);
        st = SP_EPARSE;
        goto out;
    }
    *step_s = (long)step->value.u_cnt;
    *last = (time_t)lu->value.u_cnt;
    for (int i = 0; i < max; i++) {
        char key[64];
        snprintf(key, sizeof key, "rra[%d].cf", i);
        const rrd_info_t *cf = info_get(info, key);
        snprintf(key, sizeof key, "rra[%d].rows", i);
        const rrd_info_t *rows = info_get(info, key);
        snprintf(key, sizeof key, "rra[%d].pdp_per_row", i);
        const rrd_info_t *ppr = info_get(info, key);
        if (!cf || !rows || !ppr)
            break;
        rra[i] = (sp_store_rra){"?", (long)ppr->value.u_cnt, (long)rows->value.u_cnt};
        for (size_t k = 0; k < sizeof cfs / sizeof cfs[0]; k++)
            if (strcmp(cf->value.u_str, cfs[k]) == 0)
                rra[i].cf = cfs[k];
        *n = i + 1;
    }
out:
    rrd_info_free(info);
    return st;
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

sp_status sp_store_rrd_update_rows(const char *daemon, const char *path, const sp_store_row *rows,
                                   size_t n, char *err, size_t errlen)
{
    if (n == 0)
        return SP_OK;
    char(*lines)[SP_STORE_ROW_TEXT] = calloc(n, sizeof *lines);
    const char **argv = calloc(n, sizeof *argv);
    sp_status st = SP_ENOMEM;
    if (!lines || !argv) {
        snprintf(err, errlen, "out of memory writing %s", path);
        goto out;
    }
    /* the canonical text of a step (rowcheck.c): what is written is what
     * the journal's rows lines hash */
    for (size_t i = 0; i < n; i++) {
        sp_store_row_format(&rows[i], lines[i], sizeof lines[i]);
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

sp_status sp_store_rrd_graph_mem(int argc, const char **argv, sp_store_graph *out, char *err,
                                 size_t errlen)
{
    memset(out, 0, sizeof *out);
    /* rrd_graph_v wants argv[0] to be the command name, like main(), then
     * the file name: "-" keeps the image in the info list. */
    const char **av = calloc((size_t)argc + 3, sizeof *av);
    if (!av) {
        snprintf(err, errlen, "out of memory");
        return SP_ENOMEM;
    }
    av[0] = "graph";
    av[1] = "-";
    for (int i = 0; i < argc; i++)
        av[i + 2] = argv[i];
    rrd_clear_error();
    optind = 0; /* librrd parses with getopt */
    rrd_info_t *info = rrd_graph_v(argc + 2, (char **)av);
    free(av);
    if (!info)
        return rrd_fail(err, errlen, "cannot draw", "a graph");
    sp_status st = SP_OK;
    for (rrd_info_t *i = info; i; i = i->next) {
        if (strcmp(i->key, "image") == 0 && i->type == RD_I_BLO && !out->image) {
            out->image = malloc(i->value.u_blo.size + 1);
            if (!out->image) {
                st = SP_ENOMEM;
                snprintf(err, errlen, "out of memory");
                break;
            }
            memcpy(out->image, i->value.u_blo.ptr, i->value.u_blo.size);
            out->image[i->value.u_blo.size] = '\0';
            out->len = i->value.u_blo.size;
        } else if (strcmp(i->key, "value_min") == 0 && i->type == RD_I_VAL) {
            out->value_min = i->value.u_val;
        } else if (strcmp(i->key, "value_max") == 0 && i->type == RD_I_VAL) {
            out->value_max = i->value.u_val;
        }
    }
    rrd_info_free(info);
    if (st == SP_OK && !out->image) {
        snprintf(err, errlen, "cannot draw a graph: librrd returned no image");
        st = SP_EIO;
    }
    if (st != SP_OK)
        sp_store_graph_free(out);
    return st;
}

void sp_store_graph_free(sp_store_graph *g)
{
    free(g->image);
    memset(g, 0, sizeof *g);
}
