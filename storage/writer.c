/*
 * The writer: two queues, each drained by at most one job on libuv's work
 * queue (the collectd rrdtool plugin's shape, with libuv's pool instead of
 * a thread of our own). The loop thread only appends under a mutex; a job
 * takes its whole queue at once, so a burst of thousands of updates costs
 * one wake-up.
 *
 * Journal lines and RRD rows have separate queues and jobs because they
 * fail differently: an RRD write can wait on a reader's lock or on a
 * remote rrdcached, and the evidence (state changes, stop markers) must
 * reach the disk meanwhile. Order within each queue is kept, which is what
 * matters (rows of one file in time order; lines of one journal in order).
 *
 * Nothing is dropped in silence (SPEC section 9):
 *  - a row refused because a reader holds the file's lock is retried with
 *    a short back-off;
 *  - rows that still cannot be written are counted, logged once per target
 *    and failure episode, and described by a "store_error" journal line
 *    (the step range and the cause) once the journal takes lines again;
 *    the next row written is preceded by an explicit unknown row, so that
 *    rrdtool cannot stretch a later value over the lost steps;
 *  - a journal line that cannot be appended (ENOSPC, EIO) is kept in memory
 *    and retried (a timer wakes the job while any is waiting), counted, and
 *    logged once per episode; a failed append never leaves a partial line,
 *    so the chain continues unbroken.
 */
#include "sp_store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/sp_strmap.h"
#include "journal/journal.h"
#include "journal/lines.h"
#include "storage/rollup.h"
#include "storage/rrd.h"
#include "storage/rowcheck.h"

/* Journal lines kept for a retry per target, at most; past it the oldest
 * are dropped and counted (a "journal_lost" line says how many). */
#define MAX_HELD_LINES 4096
/* How long a row waits for a reader's lock, in all, before it is lost. */
#define LOCK_WAIT_MS 3000
/* Journal descriptors open at once, at most (the least recently used is
 * closed; its chain head stays in memory): 100,000 targets must run under
 * the shipped unit's LimitNOFILE. A target appends a line or two per step,
 * so reopening costs an open() per line once there are more targets. */
#define JOURNALS_OPEN 256

typedef struct op {
    struct sp_store_target *t;
    sp_store_row *rows; /* rows != NULL: an RRD update */
    size_t n;
    bool create; /* create t's file (sp_store_create_soon) */
    json_t *ev;  /* else a journal event (NULL with rows NULL: a wake-up) */
    bool sync;
    /* heads_cb != NULL: read the journals' heads (sp_store_journal_heads) */
    sp_store_heads_cb heads_cb;
    void *heads_arg;
    sp_store_head *heads;
    size_t n_heads;
    struct op *next;
} op;

typedef struct queue {
    op *head, **tail; /* guarded by the store's mu */
    uv_work_t work;
    bool busy; /* a job is queued or running (loop thread only) */
} queue;

struct sp_store_target {
    char *id;
    char *rrd, *journal_path; /* exact length: 10,000 targets must stay small */
    long step_s;
    int64_t last_update; /* the file's at open; rows must come after it */
    /* RRD state, rows job only */
    bool need_create;   /* no file yet: create before the first update */
    bool create_queued; /* sp_store_create_soon was called (loop thread) */
    bool created_early; /* made by create_file, no rows yet (rows job) */
    int64_t gap_t;      /* > 0: write an unknown row at gap_t before the next */
    int64_t lost_from;  /* lost rows not journaled yet: [lost_from, lost_to) s */
    int64_t lost_to;
    long lost_rows;
    char lost_cause[16];
    char lost_detail[256];
    bool rows_failing;   /* logged for this episode */
    int64_t hist_last;   /* the hours file's last update (0: not read yet) */
    bool rollup_failing; /* logged for this episode */
    /* journal, guarded by jmu (both jobs append: lines and store_error) */
    uv_mutex_t jmu;
    sp_journal *journal;
    json_t *held;      /* array of lines waiting for a retry */
    long held_dropped; /* dropped because held was full */
    bool journal_failing;
    struct sp_store_target *next;
};
typedef sp_store_target store_target;

struct sp_store {
    uv_loop_t *loop;
    char *dir, *rrdcached;
    sp_store_retention ret;
    store_target *targets;
    sp_strmap by_id;           /* targets by id (loop thread) */
    sp_journal_pool *journals; /* their descriptors */
    uv_mutex_t mu;
    uv_rwlock_t rrd_lock; /* write: an RRD update; read: sp_store_read_begin */
    queue rows, lines;
    uv_timer_t *retry_timer; /* wakes the lines job while lines are held; own memory */
    int lock_fd;             /* sp_store_lock_dir */
    bool destroying;
    bool warned_rrdcached; /* rows job only */
    int held_targets;      /* targets with held lines; guarded by mu */
    op *heads_done;        /* heads read, for the loop to hand on; guarded by mu */
    op *heads_fwd;         /* heads asked for, past the rows queue; guarded by mu */
    sp_store_stats stats;  /* guarded by mu */
};

void sp_store_read_begin(sp_store *s)
{
    uv_rwlock_rdlock(&s->rrd_lock);
}

void sp_store_read_end(sp_store *s)
{
    uv_rwlock_rdunlock(&s->rrd_lock);
}

void sp_store_paths(const char *dir, const char *id, char *rrd, char *journal, size_t n)
{
    snprintf(rrd, n, "%s/%s.rrd", dir, id);
    snprintf(journal, n, "%s/%s.journal", dir, id);
}

sp_store_target *sp_store_find_target(sp_store *s, const char *id)
{
    return sp_strmap_get(&s->by_id, id);
}

int64_t sp_store_target_last(const sp_store_target *t)
{
    return t ? t->last_update : 0;
}

sp_status sp_store_lock_dir(const char *dir, int *fd_out, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/.slaprobe.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640); /* like the store's files */
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return SP_EIO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        if (e == EWOULDBLOCK)
            snprintf(err, errlen,
                     "storage directory %s is in use by another slaprobe process%s%s "
                     "(a daemon or an import); one at a time",
                     dir, *pid ? ", pid " : "", pid);
        else
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
        close(fd);
        return SP_EBUSY;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)len, 0) == len) {
        /* only informative: the lock is the flock, not the content */
    }
    *fd_out = fd;
    return SP_OK;
}

static void retry_timer_cb(uv_timer_t *h);

sp_status sp_store_create(uv_loop_t *loop, const char *dir, const char *rrdcached,
                          const sp_store_retention *ret, sp_store **out, char *err, size_t errlen)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create storage directory %s: %s", dir, strerror(errno));
        return SP_EIO;
    }
    /* One writer per store; and with the lock held, any temporary file in
     * it is a leftover of a process that died (kill -9 while creating a
     * large RRD): remove them, or a crash loop fills the disk. */
    int lock_fd;
    sp_status st = sp_store_lock_dir(dir, &lock_fd, err, errlen);
    if (st != SP_OK)
        return st;
    if ((st = sp_store_clean_stale(dir, err, errlen)) != SP_OK) {
        close(lock_fd);
        return st;
    }
    sp_store *s = calloc(1, sizeof *s);
    if (!s) {
        close(lock_fd);
        return SP_ENOMEM;
    }
    s->lock_fd = lock_fd;
    s->loop = loop;
    s->ret = ret ? *ret : SP_STORE_RETENTION_DEFAULT;
    s->dir = strdup(dir);
    s->rrdcached = rrdcached ? strdup(rrdcached) : NULL;
    s->rows.tail = &s->rows.head;
    s->lines.tail = &s->lines.head;
    uv_mutex_init(&s->mu);
    static const double fsync_le[] = SP_STORE_FSYNC_BOUNDS;
    sp_hist_init(&s->stats.fsync, fsync_le, sizeof fsync_le / sizeof fsync_le[0]);
    uv_rwlock_init(&s->rrd_lock);
    s->retry_timer = malloc(sizeof *s->retry_timer);
    if (!s->retry_timer || !s->dir ||
        sp_journal_pool_create(JOURNALS_OPEN, &s->journals) != SP_OK) {
        sp_journal_pool_destroy(s->journals);
        free(s->retry_timer);
        free(s->dir);
        free(s->rrdcached);
        close(lock_fd);
        free(s);
        return SP_ENOMEM;
    }
    uv_timer_init(loop, s->retry_timer);
    s->retry_timer->data = s;
    uv_timer_start(s->retry_timer, retry_timer_cb, 2000, 2000);
    uv_unref((uv_handle_t *)s->retry_timer); /* never what keeps the loop alive */
    *out = s;
    return SP_OK;
}

static void target_free(store_target *t)
{
    if (!t)
        return;
    uv_mutex_destroy(&t->jmu);
    sp_journal_close(t->journal);
    json_decref(t->held);
    free(t->id);
    free(t->rrd);
    free(t->journal_path);
    free(t);
}

static void enqueue(sp_store *s, queue *q, op *o);
static void recover_rows(sp_store *s, store_target *t);

sp_status sp_store_open_target(sp_store *s, const char *id, long step_s, sp_store_target **out,
                               char *err, size_t errlen)
{
    store_target *t = sp_store_find_target(s, id);
    if (out)
        *out = t;
    if (t) { /* a reload: the file must still fit the (maybe changed) step */
        if (t->step_s == step_s)
            return SP_OK;
        sp_status st = sp_store_rrd_check(t->rrd, step_s, &s->ret, NULL, err, errlen);
        if (st == SP_ENOTFOUND) {
            snprintf(err, errlen,
                     "%s: the target's step changed while its RRD file is still "
                     "being created; reload again in a moment",
                     t->rrd);
            st = SP_EBUSY;
        }
        if (st == SP_OK)
            t->step_s = step_s;
        return st;
    }
    t = calloc(1, sizeof *t);
    char rrd[4096], journal[4096];
    sp_store_paths(s->dir, id, rrd, journal, sizeof rrd);
    if (!t || !(t->id = strdup(id)) || !(t->rrd = strdup(rrd)) ||
        !(t->journal_path = strdup(journal)) || !(t->held = json_array())) {
        if (t) {
            free(t->id);
            free(t->rrd);
            free(t->journal_path);
        }
        free(t);
        return SP_ENOMEM;
    }
    uv_mutex_init(&t->jmu);
    t->step_s = step_s;
    /* An existing file is checked now (a reader of the header: cheap), so a
     * file of another layout stops the start or the reload. A missing one is
     * created by the rows job before its first row: a file of 70 days at a
     * 1 s step takes seconds to write, and the probes of the targets that
     * have their files must not wait for it. It starts one step back, so
     * the first row (the current step's end) is after its last update. */
    time_t last = 0;
    sp_status st = sp_store_rrd_check(t->rrd, step_s, &s->ret, &last, err, errlen);
    if (st == SP_ENOTFOUND) {
        st = SP_OK;
        t->need_create = true;
        last = time(NULL) - step_s;
    }
    t->last_update = (int64_t)last;
    if (st == SP_OK)
        st = sp_journal_open_pooled(t->journal_path, s->journals, &t->journal, err, errlen);
    if (st == SP_OK && sp_strmap_put(&s->by_id, t->id, t) != SP_OK)
        st = SP_ENOMEM;
    if (st != SP_OK) {
        target_free(t);
        return st;
    }
    if (!t->need_create)
        recover_rows(s, t);
    t->next = s->targets;
    s->targets = t;
    if (out)
        *out = t;
    return SP_OK;
}

/* --- Journal lines (both jobs) ------------------------------------------- */

static void count(sp_store *s, uint64_t *field, uint64_t n)
{
    uv_mutex_lock(&s->mu);
    *field += n;
    uv_mutex_unlock(&s->mu);
}

/* Append ev to t's journal, after any held lines; keep it if that fails.
 * Steals ev. Caller holds t->jmu. */
static void append_locked(sp_store *s, store_target *t, json_t *ev, bool sync)
{
    char err[512];
    if (ev) {
        if (json_array_size(t->held) >= MAX_HELD_LINES) {
            json_array_remove(t->held, 0);
            t->held_dropped++;
            count(s, &s->stats.journal_dropped, 1);
        }
        json_array_append_new(t->held, json_pack("[o, b]", ev, sync));
    }
    size_t done = 0;
    bool was_held = t->journal_failing;
    if (!t->journal) {
        snprintf(err, sizeof err, "journal not open");
        goto failed;
    }
    if (t->held_dropped > 0) { /* say what could not be kept, first */
        sp_journal_line l = {.type = SP_JOURNAL_JOURNAL_LOST,
                             .journal_lost = {.lines = t->held_dropped,
                                              .cause = "lines held in memory while the journal "
                                                       "could not be written were dropped (too "
                                                       "many)"}};
        json_t *gap = sp_journal_line_to_json(&l); /* stamped now: when it is written */
        if (gap && sp_journal_append(t->journal, gap, true, err, sizeof err) == SP_OK)
            t->held_dropped = 0;
        json_decref(gap);
        if (t->held_dropped > 0)
            goto failed;
    }
    for (; done < json_array_size(t->held); done++) {
        json_t *e = json_array_get(t->held, done);
        sp_status st = sp_journal_append(t->journal, json_array_get(e, 0),
                                         json_is_true(json_array_get(e, 1)), err, sizeof err);
        double fs = sp_journal_last_fsync_s(t->journal);
        if (!isnan(fs)) {
            uv_mutex_lock(&s->mu);
            sp_hist_add(&s->stats.fsync, fs);
            uv_mutex_unlock(&s->mu);
        }
        if (st == SP_EBUSY) /* written; the disk did not confirm it */
            fprintf(stderr, "slaprobe: %s: %s\n", t->journal_path, err);
        else if (st != SP_OK)
            goto failed;
    }
    json_array_clear(t->held);
    if (was_held) {
        fprintf(stderr, "slaprobe: %s: journal writable again; %zu held line%s written\n",
                t->journal_path, done, done == 1 ? "" : "s");
        t->journal_failing = false;
        uv_mutex_lock(&s->mu);
        s->held_targets--;
        uv_mutex_unlock(&s->mu);
    }
    return;
failed:
    for (size_t i = 0; i < done; i++)
        json_array_remove(t->held, 0);
    count(s, &s->stats.journal_failures, 1);
    if (!t->journal_failing) {
        fprintf(stderr,
                "slaprobe: %s: cannot append (%s); keeping the lines in memory and "
                "retrying\n",
                t->journal_path, err);
        t->journal_failing = true;
        uv_mutex_lock(&s->mu);
        s->held_targets++;
        uv_mutex_unlock(&s->mu);
    }
}

static void append(sp_store *s, store_target *t, json_t *ev, bool sync)
{
    uv_mutex_lock(&t->jmu);
    append_locked(s, t, ev, sync);
    uv_mutex_unlock(&t->jmu);
}

/* --- RRD rows (rows job) -------------------------------------------------- */

/* Journal the lost range held for t, if any (rows job). */
static void journal_lost(sp_store *s, store_target *t)
{
    if (!t->lost_rows)
        return;
    sp_journal_line l = {.type = SP_JOURNAL_STORE_ERROR,
                         .stamp_last = true, /* stamped when written, as it always was */
                         .store_error = {.from_ms = t->lost_from * 1000,
                                         .to_ms = t->lost_to * 1000,
                                         .step_s = t->step_s,
                                         .rows = t->lost_rows,
                                         .cause = t->lost_cause,
                                         .detail = t->lost_detail}};
    json_t *ev = sp_journal_line_to_json(&l);
    if (ev)
        append(s, t, ev, true);
    t->lost_rows = 0;
}

/* Rows [rows, rows + n) could not be stored: remember the range (one
 * store_error line per contiguous range and cause), log once. */
static void lose(sp_store *s, store_target *t, const sp_store_row *rows, size_t n, const char *why)
{
    if (!n)
        return;
    const char *cause = sp_store_cause_of(why);
    int64_t from = rows[0].t - t->step_s, to = rows[n - 1].t;
    if (t->lost_rows && (from != t->lost_to || strcmp(cause, t->lost_cause) != 0))
        journal_lost(s, t); /* another range or cause: its own line */
    if (!t->lost_rows) {
        t->lost_from = from;
        snprintf(t->lost_cause, sizeof t->lost_cause, "%s", cause);
        snprintf(t->lost_detail, sizeof t->lost_detail, "%s", why);
    }
    t->lost_to = to;
    t->lost_rows += (long)n;
    if (to > t->gap_t)
        t->gap_t = to;
    count(s, &s->stats.rows_lost, n);
    if (!t->rows_failing) {
        fprintf(stderr,
                "slaprobe: %s: rows not stored (%s): %s; the range goes to the "
                "journal as store_error\n",
                t->id, cause, why);
        t->rows_failing = true;
    }
}

/* --- Rows lines: the journal covers the RRD (SPEC section 11) ------------ */

/* Journal steps[0..n) (as stored in the one-step archive) as one "rows"
 * line. Appended without fsync: a line per write would cost a disk flush
 * per target and step; what a crash loses here is journaled again, marked
 * recovered, at the next start (recover_rows). */
static void journal_steps(sp_store *s, store_target *t, const sp_store_row *steps, size_t n,
                          bool recovered)
{
    if (!n)
        return;
    char hex[65];
    sp_store_rows_sha256(steps, n, hex);
    sp_journal_line l = {.type = SP_JOURNAL_ROWS,
                         .rows = {.from = steps[0].t,
                                  .to = steps[n - 1].t,
                                  .step_s = t->step_s,
                                  .count = (int64_t)n,
                                  .sha256 = hex,
                                  .recovered = recovered}};
    json_t *ev = sp_journal_line_to_json(&l);
    if (ev)
        append(s, t, ev, false);
}

/* rows[0..n) were stored in t's file, last updated at `before` until then
 * (rows job). */
static void journal_rows(sp_store *s, store_target *t, int64_t before, const sp_store_row *rows,
                         size_t n)
{
    sp_store_row *steps = NULL;
    size_t ns = 0;
    sp_status st = sp_store_rows_expand(before, t->step_s, rows, n, &steps, &ns);
    if (st != SP_OK)
        fprintf(stderr, "slaprobe: %s: no rows line for %zu stored rows: %s\n", t->id, n,
                sp_strerror(st));
    else
        journal_steps(s, t, steps, ns, false);
    free(steps);
}

/* The "to" of the last rows line of a journal (0: none): normally among
 * its last lines. */
static bool on_rows_line(void *arg, const char *line, size_t len)
{
    int64_t *found = arg;
    if (!memmem(line, len, "\"type\":\"rows\"", 13))
        return true;
    json_t *o = json_loadb(line, len, 0, NULL);
    sp_journal_line l;
    if (o && sp_journal_read_line(o, &l) == SP_JOURNAL_ROWS && l.rows.to != SP_JOURNAL_NO_MS)
        *found = l.rows.to;
    json_decref(o);
    return *found == 0;
}

static int64_t last_rows_to(const char *path)
{
    int64_t found = 0;
    sp_store_journal_tail(path, on_rows_line, &found);
    return found;
}

/* A crash between an RRD write and its rows line leaves steps no line
 * covers: at open, journal the file's steps after the journal's last rows
 * line as one line marked recovered (their values are what the file holds
 * now, not what was written: docs/EVIDENCE.md says what that means). A
 * journal without any rows line (written before they existed) is left so. */
typedef struct emit_to {
    sp_store *s;
    store_target *t;
    long steps;
} emit_to;

static void emit_append(void *arg, json_t *ev)
{
    emit_to *e = arg;
    e->steps += (long)json_integer_value(json_object_get(ev, "count"));
    append(e->s, e->t, ev, true);
}

static void recover_rows(sp_store *s, store_target *t)
{
    int64_t covered = last_rows_to(t->journal_path);
    int64_t newest = t->last_update - t->last_update % t->step_s;
    if (!covered || covered >= newest)
        return;
    char err[512];
    emit_to e = {s, t, 0};
    if (sp_store_rows_lines_from_file(s->rrdcached, t->rrd, covered, newest, true, emit_append, &e,
                                      err, sizeof err) != SP_OK)
        fprintf(stderr, "slaprobe: %s: cannot journal the rows after step %lld: %s\n", t->id,
                (long long)covered, err);
    if (e.steps)
        fprintf(stderr,
                "slaprobe: %s: %ld step%s stored after the journal's last rows line (a crash "
                "before it was written); journaled now as recovered\n",
                t->id, e.steps, e.steps == 1 ? "" : "s");
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Roll up the hours the rows file is now written past (rollup.h): once an
 * hour per target, so the check in front is all a write costs otherwise.
 * A failure is logged once per episode and tried again at the next write:
 * the steps stay in the rows file for its whole reach. */
static void roll_up(sp_store *s, store_target *t)
{
    const int64_t H = SP_STORE_HIST_STEP;
    int64_t end = t->last_update - ((t->last_update % H) + H) % H;
    if (t->hist_last > 0 && end <= t->hist_last)
        return;
    char err[512];
    sp_status st = SP_OK;
    if (t->hist_last <= 0) {
        /* a rows file without its hours file (made before them, or the
         * hours file removed): made now, from as far back as the rows go */
        sp_store_layout l;
        sp_store_layout_for(t->step_s, &s->ret, &l);
        st = sp_store_rrd_ensure_hist(
            t->rrd, &s->ret, (time_t)(t->last_update - l.rra[0].rows * t->step_s), err, sizeof err);
    }
    int64_t *stops = NULL;
    size_t n_stops = 0;
    if (st == SP_OK) {
        int64_t after = t->hist_last;
        if (after <= 0) {
            char hist[4200];
            after = sp_store_hist_path(t->rrd, hist, sizeof hist) ? (int64_t)sp_store_rrd_last(hist)
                                                                  : 0;
        }
        t->hist_last = after;
        if (after > 0 && after >= end)
            return;
        if (after <= 0) { /* not the whole journal's stops for nothing */
            snprintf(err, sizeof err, "cannot read the last update of its hours file");
            st = SP_EIO;
        } else if ((st = sp_store_journal_stops(t->journal_path, after, &stops, &n_stops)) != SP_OK)
            snprintf(err, sizeof err, "%s: cannot read its stops: %s", t->journal_path,
                     sp_strerror(st));
    }
    if (st == SP_OK) {
        /* held like a rows update: the replicator reads the hours file
         * under sp_store_read_begin (librrd moves the header first) */
        uv_rwlock_wrlock(&s->rrd_lock);
        st = sp_store_rollup(s->rrdcached, t->rrd, t->step_s, stops, n_stops, t->last_update,
                             &t->hist_last, err, sizeof err);
        uv_rwlock_wrunlock(&s->rrd_lock);
    }
    free(stops);
    if (st != SP_OK && !t->rollup_failing) {
        fprintf(stderr,
                "slaprobe: %s: cannot roll the steps up into hours (retried at the next "
                "write): %s\n",
                t->id, err);
        t->rollup_failing = true;
    } else if (st == SP_OK && t->rollup_failing) {
        fprintf(stderr, "slaprobe: %s: hours rolled up again\n", t->id);
        t->rollup_failing = false;
    }
}

/* Write rows (ascending) to t's file, retrying a lock held by a reader;
 * what cannot be written is lost() with its cause. */
static void write_rows(sp_store *s, store_target *t, sp_store_row *rows, size_t n)
{
    char err[512];
    /* a row at or before the file's last update is refused by rrdtool: say
     * so for those steps instead of failing the whole batch */
    size_t skip = 0;
    while (skip < n && rows[skip].t <= t->last_update)
        skip++;
    if (skip) {
        snprintf(err, sizeof err,
                 "%s: %zu row%s at or before the file's last update "
                 "(illegal attempt to update at %lld, last update %lld)",
                 t->rrd, skip, skip == 1 ? "" : "s", (long long)rows[0].t,
                 (long long)t->last_update);
        lose(s, t, rows, skip, err);
    }
    rows += skip;
    n -= skip;
    if (!n)
        return;
    if (t->need_create) {
        sp_status st = sp_store_rrd_create(t->rrd, t->step_s, &s->ret,
                                           (time_t)(rows[0].t - t->step_s), err, sizeof err);
        if (st != SP_OK) {
            lose(s, t, rows, n, err);
            return;
        }
        t->need_create = false;
        t->last_update = rows[0].t - t->step_s;
        fprintf(stderr, "slaprobe: created %s\n", t->rrd);
    }
    /* A file made before its first rows: the steps until then are unknown,
     * and an unknown row one step before the first keeps rrdtool from
     * storing that first row unknown too (an update more than the
     * heartbeat after the last is unknown throughout). */
    if (t->created_early) {
        t->created_early = false;
        if (rows[0].t - t->step_s > t->last_update && rows[0].t - t->step_s > t->gap_t)
            t->gap_t = rows[0].t - t->step_s;
    }
    /* After lost rows, an explicit unknown row first: rrdtool would
     * otherwise give the next value to the lost steps (heartbeat 2 x step). */
    int64_t before = t->last_update; /* for the rows line */
    sp_store_row *batch = rows;
    size_t nb = n;
    sp_store_row *with_gap = NULL;
    if (t->gap_t > t->last_update && t->gap_t < rows[0].t) {
        with_gap = malloc((n + 1) * sizeof *rows);
        if (with_gap) {
            with_gap[0] = sp_store_row_unknown(t->gap_t);
            memcpy(with_gap + 1, rows, n * sizeof *rows);
            batch = with_gap;
            nb = n + 1;
        }
    }
    const sp_store_row *all = batch; /* batch moves on in a partial write */
    size_t nall = nb;
    long waited = 0, delay = 10;
    sp_status st;
    for (;;) {
        uv_rwlock_wrlock(&s->rrd_lock);
        st = sp_store_rrd_update_rows(s->rrdcached, t->rrd, batch, nb, err, sizeof err);
        uv_rwlock_wrunlock(&s->rrd_lock);
        if (st == SP_OK || st == SP_EBUSY)
            break;
        const char *cause = sp_store_cause_of(err);
        /* a reader's lock is brief; the disk filling up may pass too, but
         * the job must not sit on it: one more try, then the rows are lost */
        long budget = strcmp(cause, "locked") == 0 ? LOCK_WAIT_MS : 200;
        if (waited >= budget || strcmp(cause, "refused") == 0)
            break;
        count(s, &s->stats.retries, 1);
        sleep_ms(delay);
        waited += delay;
        delay = delay * 2 > 500 ? 500 : delay * 2;
        /* a partial batch (librrd stops at the first row it refuses) is
         * seen through the file's new last update */
        time_t last = sp_store_rrd_last(t->rrd);
        while (nb && batch[0].t <= (int64_t)last) {
            batch++;
            nb--;
        }
        if (!nb) {
            st = SP_OK;
            break;
        }
    }
    if (st == SP_EBUSY) {
        if (!s->warned_rrdcached) /* once, not once per row */
            fprintf(stderr, "slaprobe: %s (and for every target until it is back)\n", err);
        s->warned_rrdcached = true;
    } else if (st == SP_OK) {
        s->warned_rrdcached = false;
    }
    if (st == SP_OK || st == SP_EBUSY) {
        count(s, &s->stats.rows_written, n);
        journal_rows(s, t, before, all, nall);
        t->last_update = rows[n - 1].t;
        t->gap_t = 0;
        if (t->rows_failing) {
            fprintf(stderr, "slaprobe: %s: rows stored again\n", t->id);
            t->rows_failing = false;
        }
        journal_lost(s, t); /* the range is closed: say what is missing */
        roll_up(s, t);
    } else {
        /* what librrd took before it stopped is in the file */
        time_t last = sp_store_rrd_last(t->rrd);
        size_t k = 0;
        while (k < n && rows[k].t <= (int64_t)last)
            k++;
        if (k) {
            count(s, &s->stats.rows_written, k);
            size_t kall = 0; /* with the unknown row before them, if any */
            while (kall < nall && all[kall].t <= (int64_t)last)
                kall++;
            journal_rows(s, t, before, all, kall);
            t->last_update = rows[k - 1].t;
        }
        lose(s, t, rows + k, n - k, err);
    }
    free(with_gap);
}

/* --- The jobs -------------------------------------------------------------- */

static op *take_all(sp_store *s, queue *q)
{
    uv_mutex_lock(&s->mu);
    op *list = q->head;
    q->head = NULL;
    q->tail = &q->head;
    uv_mutex_unlock(&s->mu);
    return list;
}

/* One op of a queue done (or passed on): the queue is one shorter. */
static void dequeued(sp_store *s, uint64_t *depth)
{
    uv_mutex_lock(&s->mu);
    (*depth)--;
    uv_mutex_unlock(&s->mu);
}

/* A target's file before its first rows (sp_store_create_soon). It starts
 * where the rows must come after (last_update, set at open), so rows
 * queued meanwhile all fit in it. A failure is said once here; the first
 * rows try again and, failing, are lost with the cause (write_rows). */
static void create_file(sp_store *s, store_target *t)
{
    if (!t->need_create)
        return;
    char err[512];
    /* on a step boundary, as rrdtool keeps steps (and the rows lines say) */
    int64_t start = t->last_update - t->last_update % t->step_s;
    if (sp_store_rrd_create(t->rrd, t->step_s, &s->ret, (time_t)start, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe: %s: %s; tried again with its first rows\n", t->id, err);
        return;
    }
    t->need_create = false;
    t->created_early = true;
    t->last_update = start;
    fprintf(stderr, "slaprobe: created %s\n", t->rrd);
}

/* at_exit: the daemon is stopping; files not created yet are left to the
 * next start (their target may have no rows at all) */
static void drain_rows(sp_store *s, bool at_exit)
{
    for (op *o = take_all(s, &s->rows), *next; o; o = next) {
        next = o->next;
        dequeued(s, &s->stats.queued_rows); /* a row's op counts until it is taken up */
        if (o->create) {
            if (!at_exit)
                create_file(s, o->t);
            free(o);
            continue;
        }
        if (o->heads_cb) { /* every row before it written: on to the lines queue */
            uv_mutex_lock(&s->mu);
            op **end = &s->heads_fwd;
            while (*end)
                end = &(*end)->next;
            o->next = NULL;
            *end = o;
            uv_mutex_unlock(&s->mu);
            continue;
        }
        write_rows(s, o->t, o->rows, o->n);
        free(o->rows);
        free(o);
    }
}

static void retry_held(sp_store *s)
{
    for (store_target *t = s->targets; t; t = t->next) {
        uv_mutex_lock(&t->jmu);
        if (t->journal_failing)
            append_locked(s, t, NULL, false);
        uv_mutex_unlock(&t->jmu);
    }
}

/* --- Journal heads (lines job, then the loop) ----------------------------- */

/* Read every journal's head into o, in order with the lines before it, and
 * leave o for the loop (deliver_heads). */
static void read_heads(sp_store *s, op *o)
{
    size_t n = 0;
    for (store_target *t = s->targets; t; t = t->next)
        n++;
    o->heads = n ? calloc(n, sizeof *o->heads) : NULL;
    o->n_heads = 0;
    if (o->heads) {
        for (store_target *t = s->targets; t; t = t->next) {
            sp_store_head *h = &o->heads[o->n_heads++];
            h->id = t->id;
            uv_mutex_lock(&t->jmu);
            if (t->journal)
                sp_journal_head(t->journal, &h->seq, h->sha256);
            uv_mutex_unlock(&t->jmu);
        }
    }
    uv_mutex_lock(&s->mu);
    o->next = s->heads_done;
    s->heads_done = o;
    uv_mutex_unlock(&s->mu);
}

/* Hand the heads read to their callers (loop thread). */
static void deliver_heads(sp_store *s)
{
    uv_mutex_lock(&s->mu);
    op *list = s->heads_done;
    s->heads_done = NULL;
    uv_mutex_unlock(&s->mu);
    for (op *o = list, *next; o; o = next) {
        next = o->next;
        o->heads_cb(o->heads_arg, o->heads, o->n_heads);
        free(o->heads);
        free(o);
    }
}

sp_status sp_store_journal_heads(sp_store *s, sp_store_heads_cb cb, void *arg)
{
    op *o = calloc(1, sizeof *o);
    if (!o)
        return SP_ENOMEM;
    o->heads_cb = cb;
    o->heads_arg = arg;
    /* Through the rows queue first, then the lines queue (rows_after): the
     * rows queued before this call are written and their rows lines
     * appended, and so are the lines queued before it, so the heads cover
     * both (the stop's checkpoint covers the last rows lines). */
    enqueue(s, &s->rows, o);
    return SP_OK;
}

static void drain_lines(sp_store *s)
{
    bool held;
    uv_mutex_lock(&s->mu);
    held = s->held_targets > 0;
    uv_mutex_unlock(&s->mu);
    if (held) /* lines that failed before go first, before newer ones */
        retry_held(s);
    for (op *o = take_all(s, &s->lines), *next; o; o = next) {
        next = o->next;
        dequeued(s, &s->stats.queued_lines);
        if (o->heads_cb) {
            read_heads(s, o);
            continue;
        }
        if (o->ev)
            append(s, o->t, o->ev, o->sync);
        free(o);
    }
}

static void rows_work(uv_work_t *w)
{
    drain_rows(w->data, false);
}

static void lines_work(uv_work_t *w)
{
    drain_lines(w->data);
}

static void kick(sp_store *s, queue *q);

static void rows_after(uv_work_t *w, int status)
{
    (void)status;
    sp_store *s = w->data;
    s->rows.busy = false;
    uv_mutex_lock(&s->mu);
    op *fwd = s->heads_fwd;
    s->heads_fwd = NULL;
    uv_mutex_unlock(&s->mu);
    for (op *next; fwd; fwd = next) {
        next = fwd->next;
        fwd->next = NULL;
        enqueue(s, &s->lines, fwd);
    }
    if (!s->destroying)
        kick(s, &s->rows);
}

static void lines_after(uv_work_t *w, int status)
{
    (void)status;
    sp_store *s = w->data;
    s->lines.busy = false;
    deliver_heads(s);
    if (!s->destroying)
        kick(s, &s->lines);
}

static void kick(sp_store *s, queue *q)
{
    uv_mutex_lock(&s->mu);
    bool empty = q->head == NULL;
    uv_mutex_unlock(&s->mu);
    if (q->busy || empty)
        return;
    q->work.data = s;
    int rc = q == &s->rows ? uv_queue_work(s->loop, &q->work, rows_work, rows_after)
                           : uv_queue_work(s->loop, &q->work, lines_work, lines_after);
    if (rc == 0)
        q->busy = true;
}

static void enqueue(sp_store *s, queue *q, op *o)
{
    uv_mutex_lock(&s->mu);
    (*(q == &s->rows ? &s->stats.queued_rows : &s->stats.queued_lines))++;
    *q->tail = o;
    q->tail = &o->next;
    uv_mutex_unlock(&s->mu);
    kick(s, q);
}

/* While lines are held, wake the lines job now and then even if nothing
 * new comes: space may be back. */
static void retry_timer_cb(uv_timer_t *h)
{
    sp_store *s = h->data;
    uv_mutex_lock(&s->mu);
    bool held = s->held_targets > 0;
    uv_mutex_unlock(&s->mu);
    if (!held || s->lines.busy || s->destroying)
        return;
    op *o = calloc(1, sizeof *o); /* an empty op: the job retries held lines first */
    if (o)
        enqueue(s, &s->lines, o);
}

void sp_store_put_rows(sp_store *s, sp_store_target *t, const sp_store_row *rows, size_t n)
{
    if (!n || !t)
        return;
    op *o = calloc(1, sizeof *o);
    if (o && !(o->rows = malloc(n * sizeof *rows))) {
        free(o);
        o = NULL;
    }
    if (!o) { /* out of memory: still never silent */
        fprintf(stderr, "slaprobe: %s: out of memory queueing %zu rows; they are lost\n", t->id, n);
        count(s, &s->stats.rows_lost, n);
        return;
    }
    memcpy(o->rows, rows, n * sizeof *rows);
    o->n = n;
    o->t = t;
    enqueue(s, &s->rows, o);
}

void sp_store_create_soon(sp_store *s, sp_store_target *t)
{
    if (!t || !t->need_create || t->create_queued)
        return;
    op *o = calloc(1, sizeof *o);
    if (!o) /* its first rows create it */
        return;
    o->create = true;
    o->t = t;
    t->create_queued = true;
    enqueue(s, &s->rows, o);
}

void sp_store_put_event(sp_store *s, sp_store_target *t, json_t *ev, bool sync)
{
    op *o = t && ev ? calloc(1, sizeof *o) : NULL;
    if (!o) {
        if (t && ev)
            fprintf(stderr, "slaprobe: %s: out of memory queueing a journal line\n", t->id);
        json_decref(ev);
        return;
    }
    o->ev = ev;
    o->sync = sync;
    o->t = t;
    enqueue(s, &s->lines, o);
}

void sp_store_get_stats(const sp_store *s, sp_store_stats *out)
{
    uv_mutex_lock((uv_mutex_t *)&s->mu);
    *out = s->stats;
    out->held_lines = 0;
    uv_mutex_unlock((uv_mutex_t *)&s->mu);
    for (store_target *t = s->targets; t; t = t->next) {
        uv_mutex_lock(&t->jmu);
        out->held_lines += json_array_size(t->held);
        uv_mutex_unlock(&t->jmu);
    }
}

/* The timer's memory is its own: the store is gone when libuv calls this. */
static void retry_timer_closed(uv_handle_t *h)
{
    free(h);
}

void sp_store_destroy(sp_store *s)
{
    if (!s)
        return;
    s->destroying = true;
    uv_close((uv_handle_t *)s->retry_timer, retry_timer_closed);
    /* let in-flight jobs finish (their after_work runs on the loop) */
    while (s->rows.busy || s->lines.busy)
        uv_run(s->loop, UV_RUN_ONCE);
    drain_lines(s); /* the evidence first: stop markers must not wait on rows */
    deliver_heads(s);
    drain_rows(s, true);
    /* heads asked for behind those rows: read now, after them */
    uv_mutex_lock(&s->mu);
    op *fwd = s->heads_fwd;
    s->heads_fwd = NULL;
    uv_mutex_unlock(&s->mu);
    for (op *next; fwd; fwd = next) {
        next = fwd->next;
        read_heads(s, fwd);
    }
    deliver_heads(s);
    /* the last rows' lost ranges, and lines still held: a few more tries */
    for (int i = 0; i < 3; i++) {
        for (store_target *t = s->targets; t; t = t->next)
            journal_lost(s, t);
        retry_held(s);
        uv_mutex_lock(&s->mu);
        bool held = s->held_targets > 0;
        uv_mutex_unlock(&s->mu);
        if (!held)
            break;
        sleep_ms(500);
    }
    sp_store_stats st;
    sp_store_get_stats(s, &st);
    fprintf(stderr,
            "slaprobe: store: %llu rows written, %llu not stored%s, %llu writes retried, "
            "%llu failed journal appends, %zu journal lines not written\n",
            (unsigned long long)st.rows_written, (unsigned long long)st.rows_lost,
            st.rows_lost ? " (journaled as store_error)" : "", (unsigned long long)st.retries,
            (unsigned long long)st.journal_failures, st.held_lines);
    char err[256];
    for (store_target *t = s->targets, *next; t; t = next) {
        next = t->next;
        if (s->rrdcached && !t->need_create)
            sp_store_rrd_flush(s->rrdcached, t->rrd, err, sizeof err);
        size_t held = json_array_size(t->held);
        if (held) /* nothing else can be done: say it where it is seen */
            fprintf(stderr,
                    "slaprobe: %s: %zu journal line%s could not be written and are "
                    "lost (the last: %s)\n",
                    t->journal_path, held, held == 1 ? "" : "s",
                    json_string_value(json_object_get(json_array_get(t->held, held - 1), "type"))
                        ?: "?");
        target_free(t);
    }
    sp_journal_pool_destroy(s->journals);
    sp_strmap_free(&s->by_id);
    uv_mutex_destroy(&s->mu);
    uv_rwlock_destroy(&s->rrd_lock);
    close(s->lock_fd);
    free(s->dir);
    free(s->rrdcached);
    free(s);
}
