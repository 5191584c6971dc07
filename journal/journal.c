/*
 * Hash-chained JSON Lines. The hash covers the exact bytes of the previous
 * line (without its newline), so verification never depends on how JSON
 * is re-serialised.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <uv.h>

#include "common/sp_grow.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

struct sp_journal {
    int fd;              /* -1: closed by its pool (the head stays here) */
    off_t size;          /* end of the last complete line */
    long seq;            /* seq of the last line written */
    char last_hash[65];  /* hash of the last complete line */
    double last_fsync_s; /* NaN: the last append had no fsync */
    /* pooled journals only: fd, pinned and the LRU links are the pool's
     * (under its mutex); the rest is the appender's, as for any journal */
    sp_journal_pool *pool;
    char *path;    /* to open it again */
    bool pinned;   /* an append is using fd: not in the LRU, never closed */
    bool unsynced; /* lines written since the last fsync (close syncs them) */
    struct sp_journal *lru_prev, *lru_next;
};

/* The open descriptors of pooled journals, most recently used first. A
 * journal being appended to is pinned (out of the list) so that another
 * thread's eviction never closes the descriptor under its write. */
struct sp_journal_pool {
    uv_mutex_t mu;
    size_t max_open, open;
    sp_journal *mru, *lru; /* unpinned open journals */
};

sp_status sp_journal_pool_create(size_t max_open, sp_journal_pool **out)
{
    sp_journal_pool *p = calloc(1, sizeof *p);
    if (!p)
        return SP_ENOMEM;
    if (uv_mutex_init(&p->mu) != 0) {
        free(p);
        return SP_ENOMEM;
    }
    p->max_open = max_open ? max_open : 1;
    *out = p;
    return SP_OK;
}

void sp_journal_pool_destroy(sp_journal_pool *p)
{
    if (!p)
        return;
    uv_mutex_destroy(&p->mu);
    free(p);
}

size_t sp_journal_pool_open(sp_journal_pool *p)
{
    uv_mutex_lock(&p->mu);
    size_t n = p->open;
    uv_mutex_unlock(&p->mu);
    return n;
}

/* Caller holds p->mu. */
static void lru_unlink(sp_journal_pool *p, sp_journal *j)
{
    if (j->lru_prev)
        j->lru_prev->lru_next = j->lru_next;
    else if (p->mru == j)
        p->mru = j->lru_next;
    if (j->lru_next)
        j->lru_next->lru_prev = j->lru_prev;
    else if (p->lru == j)
        p->lru = j->lru_prev;
    j->lru_prev = j->lru_next = NULL;
}

/* Caller holds p->mu; j is open and not in the list. */
static void lru_push(sp_journal_pool *p, sp_journal *j)
{
    j->lru_prev = NULL;
    j->lru_next = p->mru;
    if (p->mru)
        p->mru->lru_prev = j;
    p->mru = j;
    if (!p->lru)
        p->lru = j;
}

/* Close the least recently used descriptors past the pool's size. No
 * fsync: what a journal wrote without one stays in the page cache, as it
 * would with its descriptor open; close (sp_journal_close) syncs it. Caller
 * holds p->mu. */
static void evict(sp_journal_pool *p)
{
    while (p->open > p->max_open && p->lru) {
        sp_journal *v = p->lru;
        lru_unlink(p, v);
        close(v->fd);
        v->fd = -1;
        p->open--;
    }
}

static sp_status load_tail(sp_journal *j, const char *path, char *err, size_t errlen);

/* The descriptor of j for one append (pinned until unpin). A pooled
 * journal closed since is opened again; its head is in memory, so the file
 * is not read, unless its size is not the one we left it at (another
 * process wrote to it): then the chain continues from what it holds. */
static sp_status pin(sp_journal *j, char *err, size_t errlen)
{
    sp_journal_pool *p = j->pool;
    if (!p)
        return SP_OK;
    sp_status st = SP_OK;
    uv_mutex_lock(&p->mu);
    if (j->fd >= 0) {
        lru_unlink(p, j);
    } else {
        p->open++; /* its room first: never more than max_open at once */
        evict(p);
        /* no O_CREAT: a journal removed under a running daemon is an error
         * to see, not a new file whose chain would start at seq > 1 */
        int fd = open(j->path, O_RDWR | O_APPEND | O_CLOEXEC);
        struct stat sb;
        if (fd < 0) {
            snprintf(err, errlen, "cannot open %s again: %s", j->path, strerror(errno));
            p->open--;
            st = SP_EIO;
            goto out;
        }
        j->fd = fd;
        if (fstat(fd, &sb) != 0 || sb.st_size != j->size) {
            st = load_tail(j, j->path, err, errlen);
            if (st != SP_OK) {
                close(fd);
                j->fd = -1;
                p->open--;
                goto out;
            }
        }
    }
    j->pinned = true;
    evict(p);
out:
    uv_mutex_unlock(&p->mu);
    return st;
}

static void unpin(sp_journal *j)
{
    sp_journal_pool *p = j->pool;
    if (!p)
        return;
    uv_mutex_lock(&p->mu);
    j->pinned = false;
    lru_push(p, j);
    evict(p);
    uv_mutex_unlock(&p->mu);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double sp_journal_last_fsync_s(const sp_journal *j)
{
    return j->last_fsync_s;
}

void sp_journal_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = '\0';
}

char *sp_journal_read_file(const char *path, size_t *len, int *oserr)
{
    FILE *fp = fopen(path, "rbe");
    if (!fp) {
        *oserr = errno;
        return NULL;
    }
    size_t cap = 0, n = 0;
    char *buf = NULL;
    for (;;) {
        if (sp_grow((void **)&buf, &cap, n + 4096, 1) != SP_OK) {
            free(buf);
            buf = NULL;
            break;
        }
        size_t r = fread(buf + n, 1, cap - n, fp);
        n += r;
        if (n < cap)
            break;
    }
    fclose(fp);
    *len = n;
    *oserr = buf ? 0 : ENOMEM;
    return buf;
}

sp_status sp_journal_verify(const char *path, sp_journal_report *rep, char *err, size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    snprintf(rep->last_hash, sizeof rep->last_hash, "%s", ZERO_HASH);
    size_t len;
    int oserr;
    char *buf = sp_journal_read_file(path, &len, &oserr);
    if (!buf) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(oserr));
        return SP_EIO;
    }
    char prev[65];
    snprintf(prev, sizeof prev, "%s", ZERO_HASH);
    size_t pos = 0;
    while (pos < len) {
        char *nl = memchr(buf + pos, '\n', len - pos);
        if (!nl) { /* no newline: a write cut short by a crash */
            rep->torn_tail = true;
            break;
        }
        size_t ll = (size_t)(nl - (buf + pos));
        rep->lines++;
        if (!rep->first_bad) {
            json_error_t je;
            json_t *o = json_loadb(buf + pos, ll, 0, &je);
            const char *p = o ? json_string_value(json_object_get(o, "prev")) : NULL;
            json_int_t seq = o ? json_integer_value(json_object_get(o, "seq")) : 0;
            if (!o) {
                rep->first_bad = rep->lines;
                snprintf(rep->problem, sizeof rep->problem, "not valid JSON: %s", je.text);
            } else if (!p || strcmp(p, prev) != 0) {
                rep->first_bad = rep->lines;
                snprintf(rep->problem, sizeof rep->problem,
                         "\"prev\" does not match the hash of line %ld: that line was edited, "
                         "or lines were deleted or reordered here",
                         rep->lines - 1);
            } else if (seq != rep->lines) {
                rep->first_bad = rep->lines;
                snprintf(rep->problem, sizeof rep->problem,
                         "\"seq\" is %lld, expected %ld: lines were deleted or reordered",
                         (long long)seq, rep->lines);
            }
            json_decref(o);
        }
        sp_journal_sha256_hex(buf + pos, ll, prev);
        pos += ll + 1;
    }
    snprintf(rep->last_hash, sizeof rep->last_hash, "%s", prev);
    free(buf);
    return SP_OK;
}

/* The whole file: count the lines (a last line without a usable "seq"). */
static sp_status load_all(sp_journal *j, const char *path, char *err, size_t errlen)
{
    size_t len;
    int oserr;
    char *buf = sp_journal_read_file(path, &len, &oserr);
    if (!buf) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(oserr));
        return SP_EIO;
    }
    /* Find the last complete line; cut a torn tail so appends stay lines. */
    size_t end = len;
    while (end > 0 && buf[end - 1] != '\n')
        end--;
    if (end < len && ftruncate(j->fd, (off_t)end) != 0) {
        snprintf(err, errlen, "cannot cut the torn last line of %s: %s", path, strerror(errno));
        free(buf);
        return SP_EIO;
    }
    long lines = 0;
    size_t last_start = 0;
    for (size_t i = 0; i < end; i++) {
        if (buf[i] == '\n') {
            lines++;
            if (i + 1 < end)
                last_start = i + 1;
        }
    }
    snprintf(j->last_hash, sizeof j->last_hash, "%s", ZERO_HASH);
    if (lines > 0)
        sp_journal_sha256_hex(buf + last_start, end - 1 - last_start, j->last_hash);
    j->seq = lines;
    j->size = (off_t)end;
    free(buf);
    return SP_OK;
}

/* Read path's chain head into j (seq, hash of the last line, size); a torn
 * tail is cut first, through j->fd. Only the end of the file is read: the
 * last complete line gives the hash and, by its "seq", the count (a year
 * of rows lines is tens of MB a target, 100,000 targets open at start).
 * A last line without a seq (not one of ours) falls back to counting the
 * lines of the whole file, as every journal was read before. */
static sp_status load_tail(sp_journal *j, const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (fstat(j->fd, &sb) != 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return SP_EIO;
    }
    off_t size = sb.st_size;
    char *buf = NULL;
    sp_status st = SP_OK;
    for (off_t win = 65536;; win *= 4) {
        off_t from = size > win ? size - win : 0;
        size_t len = (size_t)(size - from);
        char *nb = realloc(buf, len ? len : 1);
        if (!nb) {
            st = SP_ENOMEM;
            goto out;
        }
        buf = nb;
        ssize_t r = len ? pread(j->fd, buf, len, from) : 0;
        if (r != (ssize_t)len) { /* changed under us, or unreadable: read it all */
            st = load_all(j, path, err, errlen);
            goto out;
        }
        size_t end = len; /* just past the last complete line (its newline) */
        while (end > 0 && buf[end - 1] != '\n')
            end--;
        if (end == 0 && from > 0)
            continue;                  /* no newline in the window: a wider one */
        size_t ls = end ? end - 1 : 0; /* the last line's start */
        while (ls > 0 && buf[ls - 1] != '\n')
            ls--;
        if (end > 0 && ls == 0 && from > 0)
            continue; /* the last line starts before the window */
        if (end < len && ftruncate(j->fd, from + (off_t)end) != 0) {
            snprintf(err, errlen, "cannot cut the torn last line of %s: %s", path, strerror(errno));
            st = SP_EIO;
            goto out;
        }
        j->size = from + (off_t)end;
        snprintf(j->last_hash, sizeof j->last_hash, "%s", ZERO_HASH);
        j->seq = 0;
        if (end == 0)
            goto out; /* empty (or only a torn line, now cut) */
        json_t *o = json_loadb(buf + ls, end - 1 - ls, 0, NULL);
        json_t *seq = json_object_get(o, "seq");
        if (!json_is_integer(seq) || json_integer_value(seq) < 1) {
            json_decref(o);
            st = load_all(j, path, err, errlen);
            goto out;
        }
        j->seq = (long)json_integer_value(seq);
        json_decref(o);
        sp_journal_sha256_hex(buf + ls, end - 1 - ls, j->last_hash);
        goto out;
    }
out:
    free(buf);
    return st;
}

static sp_status open_in(const char *path, sp_journal_pool *pool, sp_journal **out, char *err,
                         size_t errlen)
{
    sp_journal *j = calloc(1, sizeof *j);
    if (!j || (pool && !(j->path = strdup(path)))) {
        free(j);
        return SP_ENOMEM;
    }
    snprintf(j->last_hash, sizeof j->last_hash, "%s", ZERO_HASH);
    if (pool) { /* its room in the pool first: never more than max_open */
        uv_mutex_lock(&pool->mu);
        pool->open++;
        evict(pool);
        uv_mutex_unlock(&pool->mu);
    }
    /* 0640: a journal names targets, errors and alert receivers; the
     * group (an operator's) may read it, others may not. */
    j->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    sp_status st = SP_OK;
    if (j->fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        st = SP_EIO;
    } else if ((st = load_tail(j, path, err, errlen)) != SP_OK) {
        close(j->fd);
    }
    if (pool) { /* the pool takes the descriptor: it may close it from now on */
        uv_mutex_lock(&pool->mu);
        if (st != SP_OK) {
            pool->open--;
        } else {
            j->pool = pool;
            lru_push(pool, j);
        }
        uv_mutex_unlock(&pool->mu);
    }
    if (st != SP_OK) {
        free(j->path);
        free(j);
        return st;
    }
    *out = j;
    return SP_OK;
}

sp_status sp_journal_open(const char *path, sp_journal **out, char *err, size_t errlen)
{
    return open_in(path, NULL, out, err, errlen);
}

sp_status sp_journal_open_pooled(const char *path, sp_journal_pool *pool, sp_journal **out,
                                 char *err, size_t errlen)
{
    return open_in(path, pool, out, err, errlen);
}

void sp_journal_head(const sp_journal *j, long *seq, char hash[65])
{
    *seq = j->seq;
    memcpy(hash, j->last_hash, 65);
}

void sp_journal_close(sp_journal *j)
{
    if (!j)
        return;
    sp_journal_pool *p = j->pool;
    if (p) {
        uv_mutex_lock(&p->mu);
        if (j->fd >= 0) {
            lru_unlink(p, j);
            p->open--;
        }
        uv_mutex_unlock(&p->mu);
    }
    /* lines written without an fsync reach the disk now, as they always
     * did at close: a journal its pool closed is opened for that */
    if (j->fd < 0 && j->unsynced)
        j->fd = open(j->path, O_RDWR | O_APPEND | O_CLOEXEC);
    if (j->fd >= 0) {
        if (!p || j->unsynced)
            fsync(j->fd);
        close(j->fd);
    }
    free(j->path);
    free(j);
}

sp_status sp_journal_append(sp_journal *j, json_t *ev, bool sync, char *err, size_t errlen)
{
    j->last_fsync_s = NAN;
    /* the descriptor first: opening it again may find the head moved */
    sp_status st = pin(j, err, errlen);
    if (st != SP_OK)
        return st;
    json_t *o = json_object();
    char *line = NULL;
    if (o) {
        json_object_set_new(o, "seq", json_integer(j->seq + 1));
        json_object_update(o, ev);
        json_object_set_new(o, "prev", json_string(j->last_hash));
        line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        json_decref(o);
    }
    if (!line) {
        unpin(j);
        return SP_ENOMEM;
    }
    size_t ll = strlen(line);
    line[ll] = '\n'; /* json_dumps' NUL becomes the newline: one write() per line */
    ssize_t w = write(j->fd, line, ll + 1);
    if (w != (ssize_t)(ll + 1)) {
        int e = w < 0 ? errno : ENOSPC; /* a short write is a full disk */
        /* Cut what part of the line did get out: the next append must start
         * a line of its own, or the chain would break at a torn line. */
        if (w > 0 && ftruncate(j->fd, j->size) != 0)
            snprintf(err, errlen, "journal write: %s (and cannot cut the partial line: %s)",
                     strerror(e), strerror(errno));
        else
            snprintf(err, errlen, "journal write: %s", strerror(e));
        st = SP_EIO;
    } else {
        sp_journal_sha256_hex(line, ll, j->last_hash);
        j->seq++;
        j->size += (off_t)(ll + 1);
        double t0 = sync ? mono_s() : 0;
        j->unsynced = true;
        if (sync && fsync(j->fd) != 0) {
            snprintf(err, errlen, "journal fsync: %s", strerror(errno));
            st = SP_EBUSY; /* written, not known to be on disk */
        } else if (sync) {
            j->unsynced = false;
        }
        if (sync)
            j->last_fsync_s = mono_s() - t0;
    }
    unpin(j);
    free(line);
    return st;
}
