/*
 * The daemon's checkpoint rounds: heads from the store (through its
 * journal queue), signatures and appends on the work queue, the latest
 * per target kept here, tokens asked for one at a time with a back-off.
 */
#include "checkpointer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/sp_grow.h"
#include "common/sp_time.h"
#include "evidence/tsa.h"

#define TSA_BACKOFF_MIN_MS 1000
#define TSA_BACKOFF_MAX_MS 300000
#define TSA_STOP_GRACE_MS 2000
#define FIRST_ROUND_MS 10000

typedef struct entry {
    char *id;
    long seq; /* the head last signed */
    char hash[65];
    bool has;
    sp_evidence_checkpoint latest;
} entry;

/* A checkpoint waiting for its token. */
typedef struct pend {
    char *path;
    long long seq;
    unsigned char digest[32];
    char hex[65];
    struct pend *next;
} pend;

struct sp_evidence_ckpt {
    uv_loop_t *loop;
    sp_store *store;
    char *dir;
    sp_evidence_key *key;
    int64_t every_ms;
    uv_timer_t *timer; /* own memory: freed by its close callback */
    json_t *index;     /* id -> index into ents */
    entry *ents;
    size_t n, cap;
    bool busy;         /* a round is between heads and its after-work */
    bool final_wanted; /* stop came during a round */
    bool stopping;
    /* tokens */
    sp_evidence_tsa *tsa;
    pend *head, **tail;
    size_t n_pend;
    bool tsa_inflight;
    bool tsa_failing; /* logged for this episode */
    bool backing_off; /* the back-off timer runs: no request until it fires */
    int64_t backoff_ms;
    uv_timer_t *tsa_timer; /* back-off, then the stop's grace */
    int jobs;              /* token appends in flight */
};

typedef struct round_job {
    uv_work_t w;
    sp_evidence_ckpt *c;
    sp_evidence_checkpoint *cps;
    bool *ok;
    size_t n, unchanged, failed;
    char err[512];
    uint64_t t0_ns;
    bool final;
} round_job;

static void timer_closed(uv_handle_t *h)
{
    free(h);
}

static entry *find(sp_evidence_ckpt *c, const char *id, bool add)
{
    json_t *v = json_object_get(c->index, id);
    if (v)
        return &c->ents[json_integer_value(v)];
    if (!add)
        return NULL;
    if (sp_grow((void **)&c->ents, &c->cap, c->n + 1, sizeof *c->ents) != SP_OK)
        return NULL;
    entry *e = &c->ents[c->n];
    memset(e, 0, sizeof *e);
    if (!(e->id = strdup(id)) ||
        json_object_set_new(c->index, id, json_integer((json_int_t)c->n)) != 0) {
        free(e->id);
        return NULL;
    }
    c->n++;
    return e;
}

/* --- Tokens ---------------------------------------------------------------- */

typedef struct token_job {
    uv_work_t w;
    sp_evidence_ckpt *c;
    char *path, *line;
    char err[512];
    sp_status st;
} token_job;

static void token_work(uv_work_t *w)
{
    token_job *j = w->data;
    j->st = sp_evidence_append(j->path, j->line, strlen(j->line), j->err, sizeof j->err);
}

static void token_after(uv_work_t *w, int status)
{
    (void)status;
    token_job *j = w->data;
    if (j->st != SP_OK && j->st != SP_EBUSY)
        fprintf(stderr, "slaprobe: checkpoints: a time-stamp token is lost: %s\n", j->err);
    j->c->jobs--;
    free(j->path);
    free(j->line);
    free(j);
}

static void pump(sp_evidence_ckpt *c);

static void on_tsa_timer(uv_timer_t *h)
{
    sp_evidence_ckpt *c = h->data;
    c->backing_off = false;
    pump(c);
}

static void on_token(void *arg, sp_status st, const unsigned char *token, size_t len,
                     const char *err)
{
    sp_evidence_ckpt *c = arg;
    c->tsa_inflight = false;
    if (st == SP_ECANCELED)
        return;
    pend *p = c->head;
    if (!p)
        return;
    if (st != SP_OK) {
        if (!c->tsa_failing)
            fprintf(stderr,
                    "slaprobe: checkpoints: no time-stamp token (%s); %zu waiting, asking "
                    "again later\n",
                    err ? err : sp_strerror(st), c->n_pend);
        c->tsa_failing = true;
        c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : TSA_BACKOFF_MIN_MS;
        if (c->backoff_ms > TSA_BACKOFF_MAX_MS)
            c->backoff_ms = TSA_BACKOFF_MAX_MS;
        if (!c->stopping) {
            c->backing_off = true;
            uv_timer_start(c->tsa_timer, on_tsa_timer, (uint64_t)c->backoff_ms, 0);
        }
        return;
    }
    if (c->tsa_failing)
        fprintf(stderr, "slaprobe: checkpoints: time-stamp tokens again (%zu waiting)\n",
                c->n_pend);
    c->tsa_failing = false;
    c->backoff_ms = 0;
    token_job *j = calloc(1, sizeof *j);
    if (j) {
        j->c = c;
        j->path = strdup(p->path);
        j->line = sp_evidence_token_line(p->seq, p->hex, token, len, sp_time_wall_ms());
        j->w.data = j;
        char *nl = j->line ? realloc(j->line, strlen(j->line) + 2) : NULL;
        if (nl) {
            strcat(nl, "\n");
            j->line = nl;
        }
        if (!nl || !j->path || uv_queue_work(c->loop, &j->w, token_work, token_after) != 0) {
            fprintf(stderr, "slaprobe: checkpoints: a time-stamp token is lost (no memory)\n");
            free(j->path);
            free(nl ? nl : j->line);
            free(j);
        } else {
            c->jobs++;
        }
    }
    c->head = p->next;
    if (!c->head)
        c->tail = &c->head;
    c->n_pend--;
    free(p->path);
    free(p);
    pump(c);
}

/* Ask for the oldest waiting token, unless one is asked for or we wait. */
static void pump(sp_evidence_ckpt *c)
{
    if (!c->tsa || !c->head || c->tsa_inflight || c->backing_off)
        return;
    c->tsa_inflight = true;
    if (sp_evidence_tsa_request(c->tsa, c->head->digest, on_token, c) != SP_OK)
        on_token(c, SP_EIO, NULL, 0, "the request could not be made");
}

static void want_token(sp_evidence_ckpt *c, const sp_evidence_checkpoint *cp)
{
    char msg[512], path[4096];
    size_t n = sp_evidence_message(cp, msg, sizeof msg);
    pend *p = calloc(1, sizeof *p);
    sp_evidence_path(c->dir, cp->target, path, sizeof path);
    if (!p || n >= sizeof msg || !(p->path = strdup(path))) {
        free(p);
        return;
    }
    p->seq = cp->seq;
    sp_evidence_sha256(msg, n, p->digest, p->hex);
    *c->tail = p;
    c->tail = &p->next;
    c->n_pend++;
}

/* --- Rounds ------------------------------------------------------------------ */

static void round_work(uv_work_t *w)
{
    round_job *j = w->data;
    for (size_t i = 0; i < j->n; i++) {
        sp_evidence_checkpoint *cp = &j->cps[i];
        char path[4096], err[512];
        sp_evidence_path(j->c->dir, cp->target, path, sizeof path);
        char *line = NULL;
        sp_status st = sp_evidence_checkpoint_sign(j->c->key, cp);
        if (st == SP_OK && !(line = sp_evidence_checkpoint_line(cp)))
            st = SP_ENOMEM;
        if (st == SP_OK) {
            size_t len = strlen(line);
            char *nl = realloc(line, len + 2);
            if (nl) {
                line = nl;
                memcpy(line + len, "\n", 2);
                st = sp_evidence_append(path, line, len + 1, err, sizeof err);
                if (st == SP_EBUSY) /* written, not known to be on disk */
                    st = SP_OK;
            } else {
                st = SP_ENOMEM;
            }
        } else {
            snprintf(err, sizeof err, "%s: cannot sign: %s", cp->target, sp_strerror(st));
        }
        free(line);
        j->ok[i] = st == SP_OK;
        if (st != SP_OK && !j->failed++)
            snprintf(j->err, sizeof j->err, "%s", err);
    }
}

static void finish_stop(sp_evidence_ckpt *c);
static void start_round(sp_evidence_ckpt *c, bool final);

static void round_after(uv_work_t *w, int status)
{
    (void)status;
    round_job *j = w->data;
    sp_evidence_ckpt *c = j->c;
    size_t done = 0;
    for (size_t i = 0; i < j->n; i++) {
        if (!j->ok[i])
            continue;
        done++;
        entry *e = find(c, j->cps[i].target, true);
        if (!e)
            continue;
        e->seq = (long)j->cps[i].seq;
        memcpy(e->hash, j->cps[i].line_sha256, 65);
        e->latest = j->cps[i];
        e->has = true;
        if (c->tsa)
            want_token(c, &j->cps[i]);
    }
    double ms = (double)(uv_hrtime() - j->t0_ns) / 1e6;
    fprintf(stderr,
            "slaprobe: checkpoints%s: %zu signed and written, %zu journals unchanged, in "
            "%.1f ms%s%s\n",
            j->final ? " (stop)" : "", done, j->unchanged, ms, j->failed ? "; failed: " : "",
            j->failed ? j->err : "");
    c->busy = false;
    bool final = j->final;
    free(j->cps);
    free(j->ok);
    free(j);
    pump(c);
    if (final)
        finish_stop(c);
    else if (c->final_wanted)
        start_round(c, true);
}

static void on_heads(void *arg, const sp_store_head *heads, size_t n)
{
    round_job *j = arg;
    sp_evidence_ckpt *c = j->c;
    j->cps = n ? calloc(n, sizeof *j->cps) : NULL;
    j->ok = n ? calloc(n, sizeof *j->ok) : NULL;
    int64_t now = sp_time_wall_ms();
    for (size_t i = 0; j->cps && j->ok && i < n; i++) {
        const sp_store_head *h = &heads[i];
        entry *e = find(c, h->id, false);
        /* an unmoved head needs no new line: the last one still covers it */
        if (h->seq < 1 || (e && e->has && e->seq == h->seq && !strcmp(e->hash, h->sha256))) {
            j->unchanged++;
            continue;
        }
        sp_evidence_checkpoint *cp = &j->cps[j->n++];
        snprintf(cp->target, sizeof cp->target, "%s", h->id);
        cp->seq = h->seq;
        memcpy(cp->line_sha256, h->sha256, 65);
        cp->t_ms = now;
    }
    j->w.data = j;
    if (uv_queue_work(c->loop, &j->w, round_work, round_after) != 0)
        round_after(&j->w, 0); /* nothing signed: say so, and go on */
}

static void start_round(sp_evidence_ckpt *c, bool final)
{
    if (c->busy) {
        if (final)
            c->final_wanted = true;
        return;
    }
    c->final_wanted = false;
    round_job *j = calloc(1, sizeof *j);
    if (!j || sp_store_journal_heads(c->store, on_heads, j) != SP_OK) {
        free(j);
        fprintf(stderr, "slaprobe: checkpoints: out of memory; round skipped\n");
        if (final)
            finish_stop(c);
        return;
    }
    j->c = c;
    j->final = final;
    j->t0_ns = uv_hrtime();
    c->busy = true;
}

static void on_timer(uv_timer_t *h)
{
    sp_evidence_ckpt *c = h->data;
    if (!c->stopping)
        start_round(c, false);
}

/* --- Stop ---------------------------------------------------------------- */

static void on_grace(uv_timer_t *h)
{
    sp_evidence_ckpt *c = h->data;
    if (c->n_pend)
        fprintf(stderr,
                "slaprobe: checkpoints: %zu checkpoint%s left without a time-stamp token "
                "(the TSA did not answer in time); the checkpoints stand without one\n",
                c->n_pend, c->n_pend == 1 ? "" : "s");
    sp_evidence_tsa_destroy(c->tsa);
    c->tsa = NULL;
    uv_close((uv_handle_t *)c->tsa_timer, timer_closed);
    c->tsa_timer = NULL;
}

static void finish_stop(sp_evidence_ckpt *c)
{
    if (!c->tsa_timer)
        return;
    uv_timer_stop(c->tsa_timer);
    c->backing_off = false;
    if (c->tsa && c->n_pend) { /* a short grace for the last tokens */
        pump(c);
        uv_timer_start(c->tsa_timer, on_grace, TSA_STOP_GRACE_MS, 0);
    } else {
        on_grace(c->tsa_timer);
    }
}

void sp_evidence_ckpt_stop(sp_evidence_ckpt *c)
{
    if (!c || c->stopping)
        return;
    c->stopping = true;
    uv_close((uv_handle_t *)c->timer, timer_closed);
    c->timer = NULL;
    start_round(c, true);
}

/* --- Life -------------------------------------------------------------------- */

sp_status sp_evidence_ckpt_create(uv_loop_t *loop, sp_store *store, const sp_evidence_ckpt_opts *o,
                                  sp_evidence_ckpt **out, char *err, size_t errlen)
{
    sp_evidence_key *k = NULL;
    sp_status st = sp_evidence_key_from_pem(o->key_pem, strlen(o->key_pem), &k, err, errlen);
    if (st != SP_OK)
        return st;
    if (!sp_evidence_key_is_private(k)) {
        sp_evidence_key_free(k);
        snprintf(err, errlen, "evidence.key: not a private key");
        return SP_EPARSE;
    }
    sp_evidence_ckpt *c = calloc(1, sizeof *c);
    if (!c || !(c->dir = strdup(o->dir)) || !(c->index = json_object()) ||
        !(c->timer = malloc(sizeof *c->timer)) || !(c->tsa_timer = malloc(sizeof *c->tsa_timer))) {
        if (c) {
            free(c->dir);
            json_decref(c->index);
            free(c->timer);
        }
        free(c);
        sp_evidence_key_free(k);
        return SP_ENOMEM;
    }
    c->loop = loop;
    c->store = store;
    c->key = k;
    c->every_ms = o->every_ms;
    c->tail = &c->head;
    uv_timer_init(loop, c->timer);
    c->timer->data = c;
    /* The first round soon after the start, not an hour later: it anchors
     * the start lines, and alerts carry a checkpoint from then on. */
    uint64_t first = o->every_ms < FIRST_ROUND_MS ? (uint64_t)o->every_ms : FIRST_ROUND_MS;
    uv_timer_start(c->timer, on_timer, first, (uint64_t)o->every_ms);
    uv_timer_init(loop, c->tsa_timer);
    c->tsa_timer->data = c;
    if (o->tsa_url) {
        char why[512];
        if (sp_evidence_tsa_create(loop, o->tsa_url, o->tsa_ca, &c->tsa, why, sizeof why) !=
            SP_OK) {
            fprintf(stderr,
                    "slaprobe: checkpoints: no time-stamp tokens from %s: %s; checkpoints are "
                    "signed without them\n",
                    o->tsa_url, why);
            c->tsa = NULL;
        }
    }
    char id[SP_EVIDENCE_KEY_ID_LEN + 1];
    sp_evidence_key_id(k, id);
    fprintf(stderr, "slaprobe: checkpoints every %lld s, key_id %s%s%s\n",
            (long long)(o->every_ms / 1000), id, c->tsa ? ", tokens from " : "",
            c->tsa ? o->tsa_url : "");
    *out = c;
    return SP_OK;
}

const sp_evidence_checkpoint *sp_evidence_ckpt_latest(const sp_evidence_ckpt *c, const char *id)
{
    if (!c || !id)
        return NULL;
    entry *e = find((sp_evidence_ckpt *)c, id, false);
    return e && e->has ? &e->latest : NULL;
}

void sp_evidence_ckpt_destroy(sp_evidence_ckpt *c)
{
    if (!c)
        return;
    if (c->timer)
        uv_close((uv_handle_t *)c->timer, timer_closed);
    if (c->tsa_timer)
        uv_close((uv_handle_t *)c->tsa_timer, timer_closed);
    sp_evidence_tsa_destroy(c->tsa);
    for (pend *p = c->head, *next; p; p = next) {
        next = p->next;
        free(p->path);
        free(p);
    }
    for (size_t i = 0; i < c->n; i++)
        free(c->ents[i].id);
    free(c->ents);
    json_decref(c->index);
    free(c->dir);
    sp_evidence_key_free(c->key);
    free(c);
}
