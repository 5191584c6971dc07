/*
 * The writer: a queue of operations and at most one job on libuv's work
 * queue that drains it (the collectd rrdtool plugin's shape, with libuv's
 * pool instead of a thread of our own). The loop thread only appends to the
 * queue under a mutex; the job takes the whole queue at once, so a burst of
 * thousands of updates costs one wake-up.
 */
#include "sp_store.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "storage/journal.h"
#include "storage/rrd.h"

struct sp_store_target {
    char *id;
    char *rrd, *journal_path; /* exact length: 10,000 targets must stay small */
    sp_journal *journal;
    struct sp_store_target *next;
};
typedef sp_store_target store_target;

typedef struct op {
    store_target *t;
    sp_store_row *rows; /* rows != NULL: an RRD update */
    size_t n;
    json_t *ev; /* else a journal event */
    bool sync;
    struct op *next;
} op;

struct sp_store {
    uv_loop_t *loop;
    char *dir, *rrdcached;
    sp_store_retention ret;
    store_target *targets;
    uv_mutex_t mu;
    op *head, **tail; /* queue, guarded by mu */
    size_t pending;   /* guarded by mu */
    uv_work_t work;
    bool busy; /* a job is queued or running (loop thread only) */
    bool destroying;
    bool warned_rrdcached; /* worker thread only */
};

void sp_store_paths(const char *dir, const char *id, char *rrd, char *journal, size_t n)
{
    snprintf(rrd, n, "%s/%s.rrd", dir, id);
    snprintf(journal, n, "%s/%s.journal", dir, id);
}

sp_store_target *sp_store_find_target(sp_store *s, const char *id)
{
    for (store_target *t = s->targets; t; t = t->next)
        if (strcmp(t->id, id) == 0)
            return t;
    return NULL;
}

sp_status sp_store_create(uv_loop_t *loop, const char *dir, const char *rrdcached,
                          const sp_store_retention *ret, sp_store **out, char *err,
                          size_t errlen)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create storage directory %s: %s", dir, strerror(errno));
        return SP_EIO;
    }
    sp_store *s = calloc(1, sizeof *s);
    if (!s)
        return SP_ENOMEM;
    s->loop = loop;
    s->ret = ret ? *ret : SP_STORE_RETENTION_DEFAULT;
    s->dir = strdup(dir);
    s->rrdcached = rrdcached ? strdup(rrdcached) : NULL;
    s->tail = &s->head;
    uv_mutex_init(&s->mu);
    *out = s;
    return SP_OK;
}

sp_status sp_store_open_target(sp_store *s, const char *id, long step_s, sp_store_target **out,
                               char *err, size_t errlen)
{
    store_target *t = sp_store_find_target(s, id);
    if (out)
        *out = t;
    if (t)
        return sp_store_rrd_ensure(t->rrd, step_s, &s->ret, time(NULL) - step_s, err, errlen);
    t = calloc(1, sizeof *t);
    char rrd[4096], journal[4096];
    sp_store_paths(s->dir, id, rrd, journal, sizeof rrd);
    if (!t || !(t->id = strdup(id)) || !(t->rrd = strdup(rrd)) ||
        !(t->journal_path = strdup(journal))) {
        if (t) {
            free(t->id);
            free(t->rrd);
        }
        free(t);
        return SP_ENOMEM;
    }
    /* start one step back so the first row (the current step's end) is
     * strictly after the file's last update */
    sp_status st = sp_store_rrd_ensure(t->rrd, step_s, &s->ret, time(NULL) - step_s, err, errlen);
    if (st == SP_OK)
        st = sp_store_journal_open(t->journal_path, &t->journal, err, errlen);
    if (st != SP_OK) {
        free(t->id);
        free(t->rrd);
        free(t->journal_path);
        free(t);
        return st;
    }
    t->next = s->targets;
    s->targets = t;
    if (out)
        *out = t;
    return SP_OK;
}

/* --- The job ------------------------------------------------------------- */

static void run_op(sp_store *s, op *o)
{
    char err[512];
    if (o->rows) {
        sp_status st =
            sp_store_rrd_update_rows(s->rrdcached, o->t->rrd, o->rows, o->n, err, sizeof err);
        if (st == SP_EBUSY) {
            if (!s->warned_rrdcached) /* once, not once per row */
                fprintf(stderr, "slaprobe: %s (and for every target until it is back)\n", err);
            s->warned_rrdcached = true;
        } else if (st != SP_OK) {
            fprintf(stderr, "slaprobe: %s\n", err);
        } else {
            s->warned_rrdcached = false;
        }
    } else if (o->t->journal) {
        if (sp_store_journal_append(o->t->journal, o->ev, o->sync, err, sizeof err) != SP_OK)
            fprintf(stderr, "slaprobe: %s: %s\n", o->t->journal_path, err);
    }
}

static void free_op(op *o)
{
    free(o->rows);
    json_decref(o->ev);
    free(o);
}

static size_t drain(sp_store *s)
{
    uv_mutex_lock(&s->mu);
    op *list = s->head;
    s->head = NULL;
    s->tail = &s->head;
    uv_mutex_unlock(&s->mu);
    size_t n = 0;
    while (list) {
        op *next = list->next;
        run_op(s, list);
        free_op(list);
        list = next;
        n++;
    }
    uv_mutex_lock(&s->mu);
    s->pending -= n;
    uv_mutex_unlock(&s->mu);
    return n;
}

static void work_cb(uv_work_t *w)
{
    drain(w->data);
}

static void kick(sp_store *s);

static void after_work_cb(uv_work_t *w, int status)
{
    (void)status;
    sp_store *s = w->data;
    s->busy = false;
    if (!s->destroying)
        kick(s);
}

static void kick(sp_store *s)
{
    if (s->busy || !s->head)
        return;
    s->work.data = s;
    if (uv_queue_work(s->loop, &s->work, work_cb, after_work_cb) == 0)
        s->busy = true;
}

static void enqueue(sp_store *s, op *o)
{
    uv_mutex_lock(&s->mu);
    *s->tail = o;
    s->tail = &o->next;
    s->pending++;
    uv_mutex_unlock(&s->mu);
    kick(s);
}

void sp_store_put_rows(sp_store *s, sp_store_target *t, const sp_store_row *rows, size_t n)
{
    op *o = n && t ? calloc(1, sizeof *o) : NULL;
    if (!o)
        return;
    o->rows = malloc(n * sizeof *rows);
    if (!o->rows) {
        free(o);
        return;
    }
    memcpy(o->rows, rows, n * sizeof *rows);
    o->n = n;
    o->t = t;
    enqueue(s, o);
}

void sp_store_put_event(sp_store *s, sp_store_target *t, json_t *ev, bool sync)
{
    op *o = t ? calloc(1, sizeof *o) : NULL;
    if (!o) {
        json_decref(ev);
        return;
    }
    o->ev = ev;
    o->sync = sync;
    o->t = t;
    enqueue(s, o);
}

size_t sp_store_pending(const sp_store *s)
{
    uv_mutex_lock((uv_mutex_t *)&s->mu);
    size_t n = s->pending;
    uv_mutex_unlock((uv_mutex_t *)&s->mu);
    return n;
}

void sp_store_destroy(sp_store *s)
{
    if (!s)
        return;
    s->destroying = true;
    /* let an in-flight job finish (its after_work runs on the loop) */
    while (s->busy)
        uv_run(s->loop, UV_RUN_ONCE);
    drain(s);
    char err[256];
    for (store_target *t = s->targets, *next; t; t = next) {
        next = t->next;
        if (s->rrdcached)
            sp_store_rrd_flush(s->rrdcached, t->rrd, err, sizeof err);
        sp_store_journal_close(t->journal);
        free(t->id);
        free(t->rrd);
        free(t->journal_path);
        free(t);
    }
    uv_mutex_destroy(&s->mu);
    free(s->dir);
    free(s->rrdcached);
    free(s);
}
