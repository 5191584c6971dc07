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

#include "common/sp_grow.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

struct sp_journal {
    int fd;
    off_t size;          /* end of the last complete line */
    long seq;            /* seq of the last line written */
    char last_hash[65];  /* hash of the last complete line */
    double last_fsync_s; /* NaN: the last append had no fsync */
};

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

sp_status sp_journal_open(const char *path, sp_journal **out, char *err, size_t errlen)
{
    sp_journal *j = calloc(1, sizeof *j);
    if (!j)
        return SP_ENOMEM;
    snprintf(j->last_hash, sizeof j->last_hash, "%s", ZERO_HASH);
    /* 0640: a journal names targets, errors and alert receivers; the
     * group (an operator's) may read it, others may not. */
    j->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (j->fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        free(j);
        return SP_EIO;
    }
    size_t len;
    int oserr;
    char *buf = sp_journal_read_file(path, &len, &oserr);
    if (!buf) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(oserr));
        close(j->fd);
        free(j);
        return SP_EIO;
    }
    /* Find the last complete line; cut a torn tail so appends stay lines. */
    size_t end = len;
    while (end > 0 && buf[end - 1] != '\n')
        end--;
    if (end < len && ftruncate(j->fd, (off_t)end) != 0) {
        snprintf(err, errlen, "cannot cut the torn last line of %s: %s", path, strerror(errno));
        free(buf);
        close(j->fd);
        free(j);
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
    if (lines > 0)
        sp_journal_sha256_hex(buf + last_start, end - 1 - last_start, j->last_hash);
    j->seq = lines;
    j->size = (off_t)end;
    free(buf);
    *out = j;
    return SP_OK;
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
    fsync(j->fd);
    close(j->fd);
    free(j);
}

sp_status sp_journal_append(sp_journal *j, json_t *ev, bool sync, char *err, size_t errlen)
{
    j->last_fsync_s = NAN;
    json_t *o = json_object();
    if (!o)
        return SP_ENOMEM;
    json_object_set_new(o, "seq", json_integer(j->seq + 1));
    json_object_update(o, ev);
    json_object_set_new(o, "prev", json_string(j->last_hash));
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    if (!line)
        return SP_ENOMEM;
    size_t ll = strlen(line);
    line[ll] = '\n'; /* json_dumps' NUL becomes the newline: one write() per line */
    sp_status st = SP_OK;
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
        if (sync && fsync(j->fd) != 0) {
            snprintf(err, errlen, "journal fsync: %s", strerror(errno));
            st = SP_EBUSY; /* written, not known to be on disk */
        }
        if (sync)
            j->last_fsync_s = mono_s() - t0;
    }
    free(line);
    return st;
}
