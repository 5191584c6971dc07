/*
 * The replicator (repl.h): one connection to the central rrdcached, one
 * command at a time, driven by a small state machine on the loop; local
 * rows are read by one job at a time on libuv's work queue.
 *
 * A round walks the targets in order. Per target:
 *   LAST <file>      the central file's last update (missing: see CREATE)
 *   (work queue)     the local one-step archive's steps after it, up to
 *                    batch_rows, already formatted as UPDATE lines
 *   CREATE ... -O    when missing: the local layout, first updated one step
 *                    before the first known local step; then LAST again
 *   BATCH, the UPDATE lines, "."   and the reply's errors
 * A full batch sent without errors is followed at once by the next (a new
 * LAST first), so a long outage is caught up in one round.
 *
 * Why LAST every round rather than remembering what was sent: rrdcached
 * acknowledges an update before it is on disk, and after a kill -9 it may
 * have lost some; asking is what heals that.
 *
 * Every step that waits on the peer has the one I/O timer armed (connect or
 * reply timeout); a timeout or a connection error closes the connection
 * and ends the round, and the next round connects again. A round never
 * connects twice.
 */
#include "replicator/repl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sp_grow.h"
#include "journal/lines.h"
#include "replicator/proto.h"
#include "storage/rowcheck.h"
#include "storage/rrd.h"

#define DEFAULT_BATCH 10000
#define QUIET_MS (3600 * 1000) /* one journal line per target and refusal an hour */
#define N_SAID 4

typedef struct target {
    char *id;
    long step_s;
    char *file; /* the central name: <vantage>/<id>.rrd */
    char *rrd;  /* the local path */
    /* the hours file (docs/STORAGE.md), sent after the rows in each round:
     * its central name <vantage>/<id>.hist.rrd and local path */
    char *hfile, *hrrd;
    bool hours_pass; /* this round is at the hours file now */
    sp_repl_stats st;
    struct {
        char key[128];
        uint64_t at_ms; /* uv_now */
        bool used;
    } said[N_SAID]; /* the last refusals journaled, for the hourly limit */
    size_t said_next;
    unsigned mark; /* == sp_repl's gen: in the newest list */
    bool in_cur;   /* in the list rounds walk (r->t) */
} target;

typedef enum phase {
    P_IDLE,
    P_CONNECT,
    P_LAST,
    P_READ, /* a local read on the work queue: nothing asked of the peer */
    P_CREATE,
    P_LAST2,
    P_BATCH_GO,
    P_BATCH_END,
} phase;

static const char *const phase_cmd[] = {"",       "connect", "LAST",  "",
                                        "CREATE", "LAST",    "BATCH", "BATCH's end"};

/* A local read: in on the loop, out on the worker, read on the loop. */
typedef struct job {
    uv_work_t w;
    sp_repl *r;      /* NULL: the replicator is gone, free the job and go */
    sp_store *store; /* read_begin/end around the reads */
    const char *daemon, *rrd, *file;
    int64_t after; /* the central last update (missing: ignored) */
    bool missing;
    bool hours; /* the hours file: its sources, no per-target stats */
    size_t cap;
    /* out */
    sp_status st;
    char err[512];
    long step;
    int64_t newest, reach; /* the archive's last and oldest step */
    char *text;            /* "UPDATE <file> <row>\n" lines */
    size_t len, n;
    int64_t first, last;      /* the first and last step in text */
    int64_t gap_from, gap_to; /* steps (from, to] out of reach; to 0: none */
} job;

struct sp_repl {
    uv_loop_t *loop;
    char *central, *vantage, *store_dir, *local_rrdcached;
    sp_store *store;
    sp_store_retention retention;
    int64_t every_ms, timeout_ms;
    size_t batch_rows;
    void (*log)(void *, const char *);
    void *log_arg;

    bool is_unix;
    struct sockaddr_storage addr;

    uv_timer_t round_timer, io_timer;
    union {
        uv_handle_t h;
        uv_stream_t s;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } conn;
    bool conn_open; /* initialised and its close callback not yet come */
    bool conn_closing, connected;
    uv_connect_t creq;
    uv_write_t wreq;
    char *wbuf;    /* the write in flight's bytes, freed by its callback */
    char *pending; /* a command waiting for the connection */
    size_t pending_len;
    phase pending_ph;
    sp_repl_reply reply;

    target **t;
    size_t n, cap;
    target **next_t; /* set while a round ran: applied at its end */
    size_t next_n;
    bool has_next;
    unsigned gen;

    phase ph;
    bool busy, tried_connect;
    size_t cur;
    job *job;     /* the read whose rows the current target is sending */
    bool job_out; /* a job on the work queue */
    int64_t create_b;
    uint64_t rounds;
    /* this round, for the summary line */
    uint64_t round_sent, round_refused;
    char round_error[300];
    int64_t logged_lag;
    bool logged_fail, logged_once;

    int open_handles;
    bool destroying;
};

/* --- Small helpers ------------------------------------------------------- */

static void logf_(sp_repl *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(sp_repl *r, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (r->log)
        r->log(r->log_arg, line);
    else
        fprintf(stderr, "slaprobe: %s\n", line);
}

/* Copy a text, cut to fit (errors are for reading, not for parsing). */
static void set_text(char *dst, size_t n, const char *src)
{
    size_t k = strnlen(src, n - 1);
    memcpy(dst, src, k);
    dst[k] = '\0';
}

static target *cur_target(sp_repl *r)
{
    return r->cur < r->n ? r->t[r->cur] : NULL;
}

/* The central name of the file the round is at for t. */
static const char *cur_file(const target *t)
{
    return t->hours_pass ? t->hfile : t->file;
}

static void target_free(target *t)
{
    if (!t)
        return;
    free(t->id);
    free(t->file);
    free(t->rrd);
    free(t->hfile);
    free(t->hrrd);
    free(t);
}

static void job_free(job *j)
{
    if (!j)
        return;
    free(j->text);
    free(j);
}

static void maybe_free(sp_repl *r)
{
    if (!r->destroying || r->open_handles > 0 || r->job_out)
        return;
    for (size_t i = 0; i < r->n; i++)
        if (!r->has_next || r->t[i]->mark != r->gen) /* else in next_t too */
            target_free(r->t[i]);
    free(r->t);
    if (r->has_next) {
        for (size_t i = 0; i < r->next_n; i++)
            target_free(r->next_t[i]);
        free(r->next_t);
    }
    job_free(r->job);
    free(r->pending);
    free(r->central);
    free(r->vantage);
    free(r->store_dir);
    free(r->local_rrdcached);
    free(r);
}

static void handle_closed(uv_handle_t *h)
{
    sp_repl *r = h->data;
    r->open_handles--;
    if (h == &r->conn.h) {
        r->conn_open = r->conn_closing = false;
    }
    maybe_free(r);
}

/* Journal a line in t's journal unless the same kind (key) was journaled
 * for t within the hour. */
static void journal_once(sp_repl *r, target *t, const char *key, const char *detail, int64_t from,
                         int64_t to)
{
    uint64_t now = uv_now(r->loop);
    for (size_t i = 0; i < N_SAID; i++)
        if (t->said[i].used && strcmp(t->said[i].key, key) == 0 &&
            now - t->said[i].at_ms < QUIET_MS)
            return;
    size_t k = t->said_next;
    for (size_t i = 0; i < N_SAID; i++) /* the same key's old slot first */
        if (t->said[i].used && strcmp(t->said[i].key, key) == 0)
            k = i;
    if (k == t->said_next)
        t->said_next = (t->said_next + 1) % N_SAID;
    set_text(t->said[k].key, sizeof t->said[k].key, key);
    t->said[k].at_ms = now;
    t->said[k].used = true;
    sp_store_target *st = sp_store_find_target(r->store, t->id);
    sp_journal_line l = {
        .type = SP_JOURNAL_CENTRAL_REFUSED,
        .central_refused = {.central = r->central, .detail = detail, .from = from, .to = to}};
    if (st)
        sp_store_put_event(r->store, st, sp_journal_line_to_json(&l), false);
    logf_(r, "%s: central %s: %s (steps %lld to %lld)", t->id, r->central, detail, (long long)from,
          (long long)to);
}

static void set_lag(target *t)
{
    t->st.lag_s =
        t->st.local_last > 0 && t->st.central_last > 0 ? t->st.local_last - t->st.central_last : -1;
}

/* --- The round ------------------------------------------------------------ */

static void target_begin(sp_repl *r);
static void target_next(sp_repl *r);

/* The pending list replaces the one rounds walk; a target in neither the
 * new list (marked with the generation) goes. */
static void apply_next(sp_repl *r)
{
    if (!r->has_next)
        return;
    for (size_t i = 0; i < r->n; i++) {
        r->t[i]->in_cur = false;
        if (r->t[i]->mark != r->gen)
            target_free(r->t[i]);
    }
    for (size_t i = 0; i < r->next_n; i++)
        r->next_t[i]->in_cur = true;
    free(r->t);
    r->t = r->next_t;
    r->n = r->cap = r->next_n;
    r->next_t = NULL;
    r->next_n = 0;
    r->has_next = false;
}

static void round_end(sp_repl *r)
{
    r->ph = P_IDLE;
    r->busy = false;
    r->rounds++;
    uv_timer_stop(&r->io_timer);
    job_free(r->job);
    r->job = NULL;
    int64_t lag = -1;
    const char *lag_id = "";
    for (size_t i = 0; i < r->n; i++)
        if (r->t[i]->st.lag_s > lag) {
            lag = r->t[i]->st.lag_s;
            lag_id = r->t[i]->id;
        }
    bool failed = r->round_error[0] != '\0';
    /* quiet while nothing changes: a failure, a refusal, a recovery or a
     * different lag is worth a line */
    if (failed || r->round_refused || (!failed && r->logged_fail) || lag != r->logged_lag ||
        !r->logged_once) {
        char lagtxt[200] = "";
        if (lag >= 0)
            snprintf(lagtxt, sizeof lagtxt, ", lag %lld s (%s)", (long long)lag, lag_id);
        logf_(r, "replication to %s: %zu targets, %llu rows sent%s%s%s%s", r->central, r->n,
              (unsigned long long)r->round_sent, lagtxt, r->round_refused ? ", refusals" : "",
              failed ? "; failed: " : "", r->round_error);
        r->logged_lag = lag;
        r->logged_fail = failed;
        r->logged_once = true;
    }
    apply_next(r);
}

static void conn_close(sp_repl *r)
{
    r->connected = false;
    free(r->pending); /* a command that was waiting for the connection */
    r->pending = NULL;
    if (r->conn_open && !r->conn_closing) {
        r->conn_closing = true;
        uv_close(&r->conn.h, handle_closed);
    }
}

/* The connection is unusable: close it and end the round (a local read in
 * flight ends it when it comes back). */
static void conn_fail(sp_repl *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_fail(sp_repl *r, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    conn_close(r);
    uv_timer_stop(&r->io_timer);
    if (!r->busy)
        return;
    if (!r->round_error[0])
        set_text(r->round_error, sizeof r->round_error, msg);
    target *t = cur_target(r);
    if (t)
        set_text(t->st.last_error, sizeof t->st.last_error, msg);
    if (r->ph == P_READ)
        return; /* the job's callback goes on, and finds no connection */
    round_end(r);
}

/* This target failed; the connection is fine: on to the next. */
static void target_fail(sp_repl *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void target_fail(sp_repl *r, const char *fmt, ...)
{
    target *t = cur_target(r);
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (t)
        set_text(t->st.last_error, sizeof t->st.last_error, msg);
    if (!r->round_error[0])
        snprintf(r->round_error, sizeof r->round_error, "%.60s: %.230s", t ? t->id : "?", msg);
    target_next(r);
}

/* --- The connection -------------------------------------------------------- */

static void on_io_timer(uv_timer_t *h)
{
    sp_repl *r = h->data;
    if (r->ph == P_CONNECT)
        conn_fail(r, "no connection to %s within %lld ms", r->central, (long long)r->timeout_ms);
    else
        conn_fail(r, "no reply from %s within %lld ms to %s", r->central, (long long)r->timeout_ms,
                  phase_cmd[r->ph]);
}

static void on_write(uv_write_t *w, int status)
{
    sp_repl *r = w->data;
    free(r->wbuf);
    r->wbuf = NULL;
    if (status < 0 && status != UV_ECANCELED && !r->destroying && r->connected)
        conn_fail(r, "cannot send to %s: %s", r->central, uv_strerror(status));
}

/* Write text (malloc'ed; ours now) and await the reply in phase ph. */
static void write_cmd(sp_repl *r, phase ph, char *text, size_t len)
{
    r->ph = ph;
    sp_repl_reply_init(&r->reply);
    uv_buf_t b = uv_buf_init(text, (unsigned)len);
    r->wbuf = text;
    r->wreq.data = r;
    int rc = uv_write(&r->wreq, &r->conn.s, &b, 1, on_write);
    if (rc < 0) {
        free(text);
        r->wbuf = NULL;
        conn_fail(r, "cannot send to %s: %s", r->central, uv_strerror(rc));
        return;
    }
    uv_timer_start(&r->io_timer, on_io_timer, (uint64_t)r->timeout_ms, 0);
}

static void on_reply(sp_repl *r);

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)h;
    (void)hint;
    static char slab[65536]; /* the loop thread's alone; the parser copies */
    *buf = uv_buf_init(slab, sizeof slab);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    sp_repl *r = s->data;
    if (nread == 0 || r->destroying || !r->connected)
        return;
    if (nread < 0) {
        conn_fail(r, "%s %s", r->central,
                  nread == UV_EOF ? "closed the connection" : uv_strerror((int)nread));
        return;
    }
    bool awaiting = r->ph == P_LAST || r->ph == P_CREATE || r->ph == P_LAST2 ||
                    r->ph == P_BATCH_GO || r->ph == P_BATCH_END;
    if (!awaiting) {
        conn_fail(r, "%s sent %zd bytes nobody asked for", r->central, nread);
        return;
    }
    size_t used = 0;
    bool done = false;
    char err[200];
    if (sp_repl_reply_feed(&r->reply, buf->base, (size_t)nread, &used, &done, err, sizeof err) !=
        SP_OK) {
        conn_fail(r, "%s: %s to %s", r->central, err, phase_cmd[r->ph]);
        return;
    }
    if (done && used < (size_t)nread) {
        conn_fail(r, "%s sent more than its reply to %s", r->central, phase_cmd[r->ph]);
        return;
    }
    if (done) {
        uv_timer_stop(&r->io_timer);
        on_reply(r);
    }
}

static void on_connect(uv_connect_t *c, int status)
{
    sp_repl *r = c->data;
    if (status == UV_ECANCELED || r->destroying || r->ph != P_CONNECT)
        return;
    uv_timer_stop(&r->io_timer);
    if (status < 0) {
        conn_fail(r, "cannot connect to %s: %s", r->central, uv_strerror(status));
        return;
    }
    r->connected = true;
    uv_read_start(&r->conn.s, alloc_cb, on_read);
    char *p = r->pending;
    r->pending = NULL;
    write_cmd(r, r->pending_ph, p, r->pending_len);
}

/* Send a command of phase ph, connecting first when needed (once a round). */
static void send_cmd(sp_repl *r, phase ph, char *text, size_t len)
{
    if (!text) {
        conn_fail(r, "out of memory");
        return;
    }
    if (r->connected) {
        write_cmd(r, ph, text, len);
        return;
    }
    if (r->tried_connect || r->conn_open) {
        free(text);
        conn_fail(r, "not connected to %s (one attempt a round)", r->central);
        return;
    }
    r->tried_connect = true;
    int rc;
    r->conn.h.data = r;
    if (r->is_unix) {
        rc = uv_pipe_init(r->loop, &r->conn.pipe, 0);
    } else {
        rc = uv_tcp_init(r->loop, &r->conn.tcp);
    }
    if (rc < 0) {
        free(text);
        conn_fail(r, "cannot connect to %s: %s", r->central, uv_strerror(rc));
        return;
    }
    r->conn.h.data = r;
    r->conn_open = true;
    r->open_handles++;
    r->creq.data = r;
    r->ph = P_CONNECT;
    r->pending_ph = ph; /* the command goes once connected */
    r->pending = text;
    r->pending_len = len;
    uv_timer_start(&r->io_timer, on_io_timer, (uint64_t)r->timeout_ms, 0);
    if (r->is_unix) {
        uv_pipe_connect(&r->creq, &r->conn.pipe, r->central + 5, on_connect);
    } else if ((rc = uv_tcp_connect(&r->creq, &r->conn.tcp, (const struct sockaddr *)&r->addr,
                                    on_connect)) < 0) {
        r->ph = P_IDLE;
        conn_fail(r, "cannot connect to %s: %s", r->central, uv_strerror(rc));
    }
}

/* A command from a format (a line of text ending in "\n"). */
static void send_fmt(sp_repl *r, phase ph, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void send_fmt(sp_repl *r, phase ph, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    send_cmd(r, ph, s, s ? (size_t)n : 0);
}

/* --- Reading local rows (the work queue) ---------------------------------- */

/* A step of either file, as read: its end and the file's sources in
 * layout order (NaN unknown). */
typedef struct step_vals {
    int64_t t;
    double v[SP_STORE_N_DS];
} step_vals;

static int n_sources(const job *j)
{
    return j->hours ? SP_STORE_HIST_N_DS : SP_STORE_N_DS;
}

/* A step with a measurement: any known value in the rows file; some
 * second UP or DOWN in the hours file (an unknown hour is written too). */
static bool known(const job *j, const step_vals *x)
{
    if (j->hours)
        return (!isnan(x->v[0]) && x->v[0] > 0) || (!isnan(x->v[1]) && x->v[1] > 0);
    for (int k = 0; k < SP_STORE_N_DS; k++)
        if (!isnan(x->v[k]))
            return true;
    return false;
}

/* The one-step archive's steps in (a, b] into out[0..(b-a)/step). */
static sp_status read_steps(job *j, int64_t a, int64_t b, step_vals *out)
{
    sp_store_series ser;
    sp_status st = sp_store_rrd_fetch(j->daemon, j->rrd, "AVERAGE", (time_t)a, (time_t)b, j->step,
                                      &ser, j->err, sizeof j->err);
    if (st != SP_OK)
        return st;
    if ((long)ser.step != j->step) {
        snprintf(j->err, sizeof j->err, "%s: cannot read the one-step archive", j->rrd);
        sp_store_series_free(&ser);
        return SP_EPARSE;
    }
    int nds = n_sources(j), idx[SP_STORE_N_DS];
    const char *const *names = j->hours ? sp_store_hist_ds_names : sp_store_ds_names;
    for (int k = 0; k < nds; k++)
        idx[k] = sp_store_series_ds(&ser, names[k]);
    size_t n = (size_t)((b - a) / j->step);
    for (size_t i = 0; i < n; i++) {
        int64_t end = a + (int64_t)(i + 1) * j->step;
        int64_t row = (end - (int64_t)ser.start) / j->step - 1;
        out[i].t = end;
        for (int k = 0; k < nds; k++)
            out[i].v[k] = idx[k] >= 0 && row >= 0 && (size_t)row < ser.rows
                              ? ser.data[(size_t)row * ser.n_ds + (size_t)idx[k]]
                              : NAN;
    }
    sp_store_series_free(&ser);
    return SP_OK;
}

static sp_status add_line(job *j, const step_vals *x, size_t *cap)
{
    char row[SP_STORE_ROW_TEXT];
    if (j->hours) { /* the rollup's numbers: whole seconds and a mean */
        int len = snprintf(row, sizeof row, "%lld", (long long)x->t);
        for (int k = 0; k < SP_STORE_HIST_N_DS; k++)
            len += isnan(x->v[k]) ? snprintf(row + len, sizeof row - (size_t)len, ":U")
                                  : snprintf(row + len, sizeof row - (size_t)len, ":%.6g", x->v[k]);
    } else { /* the canonical text, as the writer wrote it */
        sp_store_row r = {.t = x->t,
                          .up = x->v[0],
                          .degraded = x->v[1],
                          .total_ms = x->v[2],
                          .dns_ms = x->v[3],
                          .connect_ms = x->v[4],
                          .tls_ms = x->v[5],
                          .ttfb_ms = x->v[6],
                          .cert_days = x->v[7]};
        if (!sp_store_row_format(&r, row, sizeof row))
            return SP_EINVAL;
    }
    size_t need = j->len + strlen(j->file) + strlen(row) + 10;
    if (sp_grow((void **)&j->text, cap, need, 1) != SP_OK)
        return SP_ENOMEM;
    j->len += (size_t)sprintf(j->text + j->len, "UPDATE %s %s\n", j->file, row);
    if (!j->n)
        j->first = x->t;
    j->last = x->t;
    j->n++;
    return SP_OK;
}

static void job_read(job *j);

/* On a worker thread: the rows to send, with the writer held off. */
static void job_run(uv_work_t *w)
{
    job *j = w->data;
    if (access(j->rrd, F_OK) != 0 && errno == ENOENT)
        return; /* the writer has not created it yet: nothing to send */
    sp_store_read_begin(j->store);
    job_read(j);
    sp_store_read_end(j->store);
}

static void job_read(job *j)
{
    long full_rows = 0;
    time_t last = 0;
    step_vals *rows = NULL;
    size_t cap = 0;
    if ((j->st = sp_store_rrd_head(j->daemon, j->rrd, &j->step, &last, &full_rows, j->err,
                                   sizeof j->err)) != SP_OK)
        return;
    int64_t step = j->step;
    j->newest = (int64_t)last - (int64_t)last % step;
    j->reach = j->newest - (int64_t)(full_rows - 1) * step;
    /* the archive's oldest slot is the next one overwritten: leave it */
    int64_t floor = j->reach;
    int64_t after;
    if (j->missing) {
        after = floor;
    } else {
        after = j->after - ((j->after % step) + step) % step;
        if (after < floor) {
            if (after < floor - step) {
                j->gap_from = after;
                j->gap_to = floor - step;
            }
            after = floor;
        }
    }
    if (after >= j->newest)
        return;
    if (!(rows = malloc(j->cap * sizeof *rows))) {
        j->st = SP_ENOMEM;
        return;
    }
    if (j->missing) { /* start at the first known step */
        bool found = false;
        while (!found && after < j->newest) {
            int64_t hi = j->newest - after > (int64_t)j->cap * step ? after + (int64_t)j->cap * step
                                                                    : j->newest;
            if ((j->st = read_steps(j, after, hi, rows)) != SP_OK)
                goto out;
            size_t n = (size_t)((hi - after) / step), i = 0;
            while (i < n && !known(j, &rows[i]))
                i++;
            found = i < n;
            after = found ? rows[i].t - step : hi;
        }
        if (!found)
            goto out;
    } else if (j->gap_to) {
        /* a long interval makes the step after it unknown: one unknown row
         * at the edge, so the first step sent keeps its value */
        step_vals u = {.t = after};
        for (int k = 0; k < SP_STORE_N_DS; k++)
            u.v[k] = NAN;
        if ((j->st = add_line(j, &u, &cap)) != SP_OK)
            goto out;
    }
    size_t room = j->cap - j->n;
    int64_t hi = j->newest - after > (int64_t)room * step ? after + (int64_t)room * step
                                                          : j->newest;
    if ((j->st = read_steps(j, after, hi, rows)) != SP_OK)
        goto out;
    for (size_t i = 0; i < (size_t)((hi - after) / step); i++)
        if ((j->st = add_line(j, &rows[i], &cap)) != SP_OK)
            goto out;
out:
    if (j->st != SP_OK && !j->err[0])
        snprintf(j->err, sizeof j->err, "%s: %s", j->rrd, sp_strerror(j->st));
    free(rows);
}

static void batch_start(sp_repl *r)
{
    send_fmt(r, P_BATCH_GO, "BATCH\n");
}

static void job_done(uv_work_t *w, int status)
{
    job *j = w->data;
    sp_repl *r = j->r;
    (void)status;
    if (!r) {
        job_free(j);
        return;
    }
    r->job_out = false;
    if (r->destroying) {
        job_free(j);
        maybe_free(r);
        return;
    }
    if (!r->busy) { /* the round ended meanwhile (the connection failed) */
        job_free(j);
        return;
    }
    r->job = j;
    r->ph = P_IDLE;
    target *t = cur_target(r);
    if (j->st != SP_OK) {
        target_fail(r, "reading the local rows: %s", j->err);
        return;
    }
    if (j->newest > 0 && !j->hours)
        t->st.local_last = j->newest;
    set_lag(t);
    if (j->gap_to) {
        char d[300];
        snprintf(d, sizeof d,
                 "the central file's last update is older than this vantage's one-step "
                 "archive reaches: steps after %lld up to %lld cannot be sent",
                 (long long)j->gap_from, (long long)j->gap_to);
        t->st.refused += (uint64_t)((j->gap_to - j->gap_from) / j->step);
        journal_once(r, t,
                     j->hours ? "hours: beyond the archive's reach" : "beyond the archive's reach",
                     d, j->gap_from + j->step, j->gap_to);
    }
    if (!j->missing && j->newest > 0 && j->after > j->newest) {
        char d[300];
        snprintf(d, sizeof d,
                 "the central file's last update (%lld) is after this vantage's last row "
                 "(%lld): another writer, or this host's clock went back; the rows up to it "
                 "cannot be sent",
                 (long long)j->after, (long long)j->newest);
        journal_once(r, t, j->hours ? "hours: central ahead" : "central ahead", d,
                     j->newest + j->step, j->after);
    }
    if (j->n == 0) {
        target_next(r);
        return;
    }
    if (!r->connected) {
        conn_fail(r, "not connected to %s", r->central);
        return;
    }
    if (j->missing) {
        sp_store_layout l;
        if (j->hours)
            sp_store_layout_hist(&r->retention, &l);
        else
            sp_store_layout_for(j->step, &r->retention, &l);
        char bufs[SP_STORE_MAX_ARGS][64];
        const char *argv[SP_STORE_MAX_ARGS];
        int argc = sp_store_layout_args(&l, bufs, argv);
        char defs[SP_STORE_MAX_ARGS * 65] = "";
        size_t k = 0;
        for (int i = 0; i < argc; i++)
            k += (size_t)snprintf(defs + k, sizeof defs - k, " %s", argv[i]);
        r->create_b = j->first - j->step;
        send_fmt(r, P_CREATE, "CREATE %s -s %ld -b %lld -O%s\n", cur_file(t), j->step,
                 (long long)r->create_b, defs);
        return;
    }
    batch_start(r);
}

static void read_local(sp_repl *r, bool missing, int64_t after)
{
    target *t = cur_target(r);
    job *j = calloc(1, sizeof *j);
    if (!j) {
        target_fail(r, "out of memory");
        return;
    }
    j->r = r;
    j->store = r->store;
    j->daemon = r->local_rrdcached;
    j->hours = t->hours_pass;
    j->rrd = t->hours_pass ? t->hrrd : t->rrd;
    j->file = cur_file(t);
    j->after = after;
    j->missing = missing;
    j->cap = r->batch_rows;
    j->w.data = j;
    job_free(r->job);
    r->job = NULL;
    r->ph = P_READ;
    if (uv_queue_work(r->loop, &j->w, job_run, job_done) != 0) {
        free(j);
        target_fail(r, "cannot queue the local read");
        return;
    }
    r->job_out = true;
}

/* --- Replies ---------------------------------------------------------------- */

static bool parse_time(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || v < 0)
        return false;
    *out = v;
    return true;
}

static void on_batch_end(sp_repl *r, target *t)
{
    job *j = r->job;
    if (r->reply.status < 0) {
        target_fail(r, "BATCH: %s", r->reply.text);
        return;
    }
    long nerr = r->reply.status;
    uint64_t ok = j->n > (size_t)nerr ? (uint64_t)(j->n - (size_t)nerr) : 0;
    if (!j->hours)
        t->st.rows_sent += ok;
    r->round_sent += ok;
    if (nerr > 0) {
        t->st.refused += (uint64_t)nerr;
        r->round_refused += (uint64_t)nerr;
        /* command numbers count the UPDATE lines from 1 */
        int64_t from = j->first, to = j->last;
        if (r->reply.cmd_lo >= 1 && (size_t)r->reply.cmd_hi <= j->n) {
            from = j->first + (int64_t)(r->reply.cmd_lo - 1) * j->step;
            to = j->first + (int64_t)(r->reply.cmd_hi - 1) * j->step;
        }
        char key[128], d[400];
        sp_repl_error_key(r->reply.first, key, sizeof key);
        snprintf(d, sizeof d, "%ld of %zu rows refused, the first: %s", nerr, j->n, r->reply.first);
        set_text(t->st.last_error, sizeof t->st.last_error, d);
        if (j->hours) { /* a kind of its own: the rows' refusals are not held back by it */
            char hk[160];
            snprintf(hk, sizeof hk, "hours: %s", key);
            journal_once(r, t, hk, d, from, to);
        } else {
            journal_once(r, t, key, d, from, to);
        }
        target_next(r); /* LAST again next round */
        return;
    }
    if (!j->hours) {
        t->st.central_last = j->last;
        set_lag(t);
    }
    if (j->n >= r->batch_rows && j->last < j->newest) {
        target_begin(r); /* more behind it: the next batch now */
        return;
    }
    target_next(r);
}

static void on_reply(sp_repl *r)
{
    target *t = cur_target(r);
    sp_repl_reply *p = &r->reply;
    phase ph = r->ph;
    r->ph = P_IDLE;
    if (!t) {
        conn_fail(r, "a reply without a target");
        return;
    }
    switch (ph) {
    case P_LAST:
    case P_LAST2: {
        int64_t v;
        if (p->status < 0) {
            if (ph == P_LAST && strstr(p->text, "No such file")) {
                if (!t->hours_pass) {
                    t->st.central_last = 0;
                    set_lag(t);
                }
                read_local(r, true, 0);
            } else {
                target_fail(r, "LAST %s: %s", cur_file(t), p->text);
            }
            return;
        }
        if (!parse_time(p->text, &v)) {
            conn_fail(r, "%s: LAST %s: not a time: \"%s\"", r->central, cur_file(t), p->text);
            return;
        }
        if (!t->hours_pass) {
            t->st.central_last = v;
            set_lag(t);
        }
        if (ph == P_LAST) {
            read_local(r, false, v);
        } else if (v == r->create_b) {
            batch_start(r);
        } else {
            target_fail(r, "after CREATE, LAST %s says %lld, not %lld", cur_file(t), (long long)v,
                        (long long)r->create_b);
        }
        return;
    }
    case P_CREATE:
        if (p->status < 0 && !strstr(p->text, "File exists")) {
            target_fail(r, "CREATE %s: %s", cur_file(t), p->text);
            return;
        }
        send_fmt(r, P_LAST2, "LAST %s\n", cur_file(t));
        return;
    case P_BATCH_GO: {
        if (p->status < 0) {
            target_fail(r, "BATCH: %s", p->text);
            return;
        }
        job *j = r->job;
        char *body = malloc(j->len + 3);
        if (!body) {
            conn_fail(r, "out of memory");
            return;
        }
        memcpy(body, j->text, j->len);
        memcpy(body + j->len, ".\n", 3);
        write_cmd(r, P_BATCH_END, body, j->len + 2);
        return;
    }
    case P_BATCH_END:
        on_batch_end(r, t);
        return;
    default:
        conn_fail(r, "a reply nobody waited for");
    }
}

static void target_begin(sp_repl *r)
{
    target *t = cur_target(r);
    if (!t) {
        round_end(r);
        return;
    }
    send_fmt(r, P_LAST, "LAST %s\n", cur_file(t));
}

/* On to the target's hours file after its rows file (whether the rows
 * went or failed: they are independent), then to the next target. */
static void target_next(sp_repl *r)
{
    target *c = cur_target(r);
    if (c && !c->hours_pass) {
        c->hours_pass = true;
        target_begin(r);
        return;
    }
    if (c)
        c->hours_pass = false;
    r->cur++;
    target *t = cur_target(r);
    if (t)
        t->st.last_error[0] = '\0';
    target_begin(r);
}

static void on_round(uv_timer_t *h)
{
    sp_repl *r = h->data;
    if (r->busy || r->destroying)
        return; /* the last round is still going: skipped, never stacked */
    r->busy = true;
    r->tried_connect = false;
    r->round_sent = r->round_refused = 0;
    r->round_error[0] = '\0';
    r->cur = 0;
    for (size_t i = 0; i < r->n; i++) /* a round that failed may have left one there */
        r->t[i]->hours_pass = false;
    if (r->n)
        r->t[0]->st.last_error[0] = '\0';
    target_begin(r);
}

/* --- The API --------------------------------------------------------------- */

sp_status sp_repl_parse_address(const char *a, struct sockaddr_storage *addr, bool *is_unix,
                                char *err, size_t errlen)
{
    *is_unix = false;
    if (strncmp(a, "unix:", 5) == 0 && a[5] == '/') {
        *is_unix = true;
        return SP_OK;
    }
    char host[128];
    const char *colon = strrchr(a, ':');
    long port = colon ? strtol(colon + 1, NULL, 10) : 0;
    size_t hl = colon ? (size_t)(colon - a) : 0;
    if (hl >= 2 && a[0] == '[' && a[hl - 1] == ']') {
        a++;
        hl -= 2;
    }
    if (!colon || hl == 0 || hl >= sizeof host || port < 1 || port > 65535)
        goto bad;
    memcpy(host, a, hl);
    host[hl] = '\0';
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)addr) == 0 ||
        uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)addr) == 0)
        return SP_OK;
bad:
    snprintf(err, errlen,
             "central rrdcached '%s': not an address:port or unix:/path (the replicator does "
             "not resolve names: a lookup could block the loop; give the address)",
             a);
    return SP_EINVAL;
}

sp_status sp_repl_create(uv_loop_t *loop, const sp_repl_opts *o, sp_repl **out, char *err,
                         size_t errlen)
{
    *out = NULL;
    if (!o->central || !o->vantage || !o->store_dir || !o->store || o->every_ms <= 0 ||
        o->timeout_ms <= 0) {
        snprintf(err, errlen, "replicator: incomplete options");
        return SP_EINVAL;
    }
    sp_repl *r = calloc(1, sizeof *r);
    if (!r)
        return SP_ENOMEM;
    sp_status st = sp_repl_parse_address(o->central, &r->addr, &r->is_unix, err, errlen);
    if (st != SP_OK) {
        free(r);
        return st;
    }
    r->loop = loop;
    r->central = strdup(o->central);
    r->vantage = strdup(o->vantage);
    r->store_dir = strdup(o->store_dir);
    r->local_rrdcached = o->local_rrdcached ? strdup(o->local_rrdcached) : NULL;
    if (!r->central || !r->vantage || !r->store_dir ||
        (o->local_rrdcached && !r->local_rrdcached)) {
        free(r->central);
        free(r->vantage);
        free(r->store_dir);
        free(r->local_rrdcached);
        free(r);
        return SP_ENOMEM;
    }
    r->store = o->store;
    r->retention = o->retention;
    r->every_ms = o->every_ms;
    r->timeout_ms = o->timeout_ms;
    r->batch_rows = o->batch_rows ? o->batch_rows : DEFAULT_BATCH;
    r->log = o->log;
    r->log_arg = o->log_arg;
    r->logged_lag = -1;
    uv_timer_init(loop, &r->round_timer);
    uv_timer_init(loop, &r->io_timer);
    r->round_timer.data = r->io_timer.data = r;
    r->open_handles = 2;
    uv_timer_start(&r->round_timer, on_round, (uint64_t)r->every_ms, (uint64_t)r->every_ms);
    *out = r;
    return SP_OK;
}

/* A target of list v[0..n) with this id and step, trying index i first
 * (a reload usually keeps the order). */
static target *find(target **v, size_t n, size_t i, const sp_repl_target *want)
{
    if (i < n && strcmp(v[i]->id, want->id) == 0 && v[i]->step_s == want->step_s)
        return v[i];
    for (size_t k = 0; k < n; k++)
        if (strcmp(v[k]->id, want->id) == 0 && v[k]->step_s == want->step_s)
            return v[k];
    return NULL;
}

static target *target_new(sp_repl *r, const sp_repl_target *want)
{
    target *t = calloc(1, sizeof *t);
    char rrd[4096], journal[4096];
    sp_store_paths(r->store_dir, want->id, rrd, journal, sizeof rrd);
    char hrrd[4200];
    size_t flen = strlen(r->vantage) + strlen(want->id) + 16;
    if (!t || !(t->id = strdup(want->id)) || !(t->rrd = strdup(rrd)) || !(t->file = malloc(flen)) ||
        !(t->hfile = malloc(flen)) || !sp_store_hist_path(rrd, hrrd, sizeof hrrd) ||
        !(t->hrrd = strdup(hrrd))) {
        target_free(t);
        return NULL;
    }
    snprintf(t->file, flen, "%s/%s.rrd", r->vantage, want->id);
    snprintf(t->hfile, flen, "%s/%s.hist.rrd", r->vantage, want->id);
    t->step_s = want->step_s;
    t->st.lag_s = -1;
    return t;
}

sp_status sp_repl_set_targets(sp_repl *r, const sp_repl_target *tt, size_t n)
{
    target **v = calloc(n ? n : 1, sizeof *v);
    bool *fresh = calloc(n ? n : 1, sizeof *fresh);
    if (!v || !fresh) {
        free(v);
        free(fresh);
        return SP_ENOMEM;
    }
    /* kept by id from the newest list there is (the pending one, if any) */
    target **old = r->has_next ? r->next_t : r->t;
    size_t nold = r->has_next ? r->next_n : r->n;
    unsigned g = r->gen + 1;
    for (size_t i = 0; i < n; i++) {
        target *t = find(old, nold, i, &tt[i]);
        if (t && t->mark == g)
            t = NULL; /* the same id twice: the second is its own */
        if (!t) {
            if (!(t = target_new(r, &tt[i]))) {
                for (size_t k = 0; k < i; k++) {
                    if (fresh[k])
                        target_free(v[k]);
                    else
                        v[k]->mark = r->gen;
                }
                free(v);
                free(fresh);
                return SP_ENOMEM;
            }
            fresh[i] = true;
        }
        t->mark = g;
        t->st.id = t->id;
        v[i] = t;
    }
    free(fresh);
    r->gen = g;
    if (r->has_next) { /* a list that never ran: what only it held goes */
        for (size_t i = 0; i < r->next_n; i++)
            if (r->next_t[i]->mark != g && !r->next_t[i]->in_cur)
                target_free(r->next_t[i]);
        free(r->next_t);
    }
    r->next_t = v;
    r->next_n = n;
    r->has_next = true;
    if (!r->busy) /* a round walks r->t: the new list waits for its end */
        apply_next(r);
    return SP_OK;
}

size_t sp_repl_get_stats(const sp_repl *r, sp_repl_stats *out, size_t max)
{
    for (size_t i = 0; i < r->n && i < max; i++)
        if (r->t[i])
            out[i] = r->t[i]->st;
    return r->n;
}

uint64_t sp_repl_rounds(const sp_repl *r)
{
    return r->rounds;
}

void sp_repl_destroy(sp_repl *r)
{
    if (!r)
        return;
    r->destroying = true;
    uv_timer_stop(&r->round_timer);
    uv_timer_stop(&r->io_timer);
    uv_close((uv_handle_t *)&r->round_timer, handle_closed);
    uv_close((uv_handle_t *)&r->io_timer, handle_closed);
    conn_close(r);
    maybe_free(r);
}
