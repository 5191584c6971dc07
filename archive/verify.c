/*
 * sp_archive_verify: check an evidence archive from itself alone
 * (docs/EVIDENCE.md, "The evidence archive", "What verify checks" 1-6).
 *
 * The archive is hostile input. It is read with libarchive's reader only
 * (never its disk writer): each member's header is checked (a regular file,
 * a plain relative name under the one top directory, not seen before, its
 * size within archive_int.h's limits, the count and total too) before its
 * bytes are read into memory. Nothing is extracted: the rebuild of step 5
 * writes, into a mkdtemp directory, only files whose names this file makes
 * (config.yaml, tsa-ca.pem, store/<id>.rrd and .journal, the id checked
 * against the configuration's id grammar first).
 *
 * Every failure is one line "<member>: <what>", so a reader (and the
 * integration test) can tell which member did not hold; everything else
 * printed starts with "ok:", "key_id", "note:", "WARNING:" or the summary's
 * words, never with a member's name.
 */
#include "archive/archive.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "archive/archive_int.h"
#include "common/sp_grow.h"
#include "evidence/evidence.h"
#include "evidence/tsa.h"
#include "journal/journal.h"
#include "reports/report.h"
#include "storage/layout.h"
#include "storage/rowcheck.h"
#include "storage/rrd.h"
#include "storage/sp_store.h"

/* At most this many findings are printed per member and kind of check: a
 * journal edited at its first line would otherwise name every line after. */
#define MAX_SAME 5
/* Rows handed to librrd per call. */
#define ROWS_BATCH 512

typedef struct member {
    char *name; /* relative to the top directory */
    unsigned char *data;
    size_t len;
    bool listed; /* in SHA256SUMS */
} member;

/* One target of manifest.json, and what the checks learn of it. */
typedef struct vtarget {
    char id[65];
    bool is_target;
    long step_s;
    long long first_seq, last_seq, anchor_seq;
    char prev_sha256[65];
    int64_t rows_from, rows_to;
    /* the journal run: hashes of lines first_seq.. (as far as they go) */
    char (*hash)[65];
    size_t n_lines, hash_cap;
    bool journal_ok;
} vtarget;

typedef struct vctx {
    FILE *out;
    const char *path;
    long failures, warnings;
    member *m;
    size_t n, cap;
    char top[256];
    char tmp[PATH_MAX]; /* "" until made */
    sp_evidence_key *pinned, *akey;
    const sp_evidence_key *key; /* the one checks use: pinned, else the archive's */
    char key_id[SP_EVIDENCE_KEY_ID_LEN + 1];
    const char *tsa_ca; /* the CA file tokens are checked against, or NULL */
    /* manifest */
    char target[65];
    int year, month;
    int64_t exported_ms;
    vtarget *t;
    size_t nt;
} vctx;

/* Print one line; bytes the archive chose (names, values) may hold control
 * characters, which must not reach a terminal. */
static void vline(vctx *v, const char *prefix, const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    fprintf(v->out, "%s%s\n", prefix, buf);
}

__attribute__((format(printf, 3, 4))) static void fail(vctx *v, const char *who, const char *fmt,
                                                       ...)
{
    char f[256];
    snprintf(f, sizeof f, "%s: ", who);
    va_list ap;
    va_start(ap, fmt);
    vline(v, f, fmt, ap);
    va_end(ap);
    v->failures++;
}

__attribute__((format(printf, 2, 3))) static void warn(vctx *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(v, "WARNING: ", fmt, ap);
    va_end(ap);
    v->warnings++;
}

__attribute__((format(printf, 3, 4))) static void say(vctx *v, const char *prefix, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(v, prefix, fmt, ap);
    va_end(ap);
}

static member *find(vctx *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->m[i].name, name) == 0)
            return &v->m[i];
    return NULL;
}

static bool is_hex64(const char *s, size_t len)
{
    if (len != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* The configuration's id grammar ([a-z0-9_-]+): ids name files in the
 * temporary store, so nothing else may get through. */
static bool is_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return false;
    return true;
}

/* --- 1. The archive itself ------------------------------------------- */

/* A member's name: relative, plain components, under the one top
 * directory. Returns the part after the top directory, or NULL (said). */
static const char *check_name(vctx *v, const char *name)
{
    if (name[0] == '/') {
        fail(v, name, "an absolute name: members are relative to the top directory");
        return NULL;
    }
    const char *slash = strchr(name, '/');
    if (!slash || !slash[1]) {
        fail(v, name, "not under a top directory");
        return NULL;
    }
    for (const char *c = name; *c;) {
        const char *e = strchr(c, '/');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.')) {
            fail(v, name, "not a plain name (an empty, '.' or '..' component)");
            return NULL;
        }
        if (!e)
            break;
        c = e + 1;
    }
    size_t tl = (size_t)(slash - name);
    if (tl >= sizeof v->top) {
        fail(v, name, "a top directory name too long");
        return NULL;
    }
    if (!v->top[0]) {
        memcpy(v->top, name, tl);
        v->top[tl] = '\0';
    } else if (strlen(v->top) != tl || memcmp(v->top, name, tl) != 0) {
        fail(v, name, "a second top directory (the first is %s/)", v->top);
        return NULL;
    }
    return slash + 1;
}

/* Read every member into memory. false: the archive could not be read to
 * its end (said), so nothing in it is checked further. */
static bool read_members(vctx *v, struct archive *a, sp_status *st)
{
    long long total = 0;
    long count = 0;
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            fail(v, v->path, "not a readable gzip-compressed tar: %s",
                 archive_error_string(a) ? archive_error_string(a) : "unknown error");
            return false;
        }
        if (++count > SP_ARCHIVE_MAX_MEMBERS) {
            fail(v, v->path, "more than %d members: not read further", SP_ARCHIVE_MAX_MEMBERS);
            return false;
        }
        const char *name = archive_entry_pathname(e);
        if (!name || !*name) {
            fail(v, v->path, "member %ld has no name", count);
            continue;
        }
        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) ||
            archive_entry_symlink(e)) {
            fail(v, name, "not a regular file (only regular files belong in the archive)");
            continue;
        }
        const char *rel = check_name(v, name);
        if (!rel)
            continue;
        if (find(v, rel)) {
            fail(v, rel, "in the archive twice");
            continue;
        }
        if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0) {
            fail(v, rel, "a member without a size: not read further");
            return false;
        }
        long long size = archive_entry_size(e);
        if (size > SP_ARCHIVE_MAX_MEMBER_BYTES) {
            fail(v, rel, "%lld bytes, more than the limit of %lld: not read further", size,
                 SP_ARCHIVE_MAX_MEMBER_BYTES);
            return false;
        }
        total += size;
        if (total > SP_ARCHIVE_MAX_TOTAL_BYTES) {
            fail(v, rel, "the members pass the limit of %lld bytes in all: not read further",
                 SP_ARCHIVE_MAX_TOTAL_BYTES);
            return false;
        }
        if (sp_grow((void **)&v->m, &v->cap, v->n + 1, sizeof *v->m) != SP_OK) {
            *st = SP_ENOMEM;
            return false;
        }
        member *m = &v->m[v->n];
        memset(m, 0, sizeof *m);
        m->name = strdup(rel);
        m->data = malloc(size ? (size_t)size : 1);
        if (!m->name || !m->data) {
            free(m->name);
            free(m->data);
            *st = SP_ENOMEM;
            return false;
        }
        v->n++;
        size_t off = 0;
        while (off < (size_t)size) {
            la_ssize_t got = archive_read_data(a, m->data + off, (size_t)size - off);
            if (got < 0) {
                fail(v, rel, "cannot be read: %s",
                     archive_error_string(a) ? archive_error_string(a) : "unknown error");
                return false;
            }
            if (got == 0)
                break;
            off += (size_t)got;
        }
        if (off != (size_t)size) {
            fail(v, rel, "cut short (%zu of %lld bytes)", off, size);
            return false;
        }
        m->len = off;
    }
    if (v->n == 0) {
        fail(v, v->path, "holds no member");
        return false;
    }
    return true;
}

static void check_sums(vctx *v)
{
    member *s = find(v, SP_ARCHIVE_SUMS);
    if (!s) {
        fail(v, SP_ARCHIVE_SUMS, "missing: no member can be checked against it");
        return;
    }
    const char *p = (const char *)s->data, *end = p + s->len;
    long lineno = 0, bad = 0, matched = 0;
    while (p < end) {
        lineno++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t len = (size_t)(le - p);
        char name[PATH_MAX];
        if (len < 67 || !is_hex64(p, 64) || p[64] != ' ' || (p[65] != ' ' && p[65] != '*') ||
            len - 66 >= sizeof name) {
            if (bad++ < MAX_SAME)
                fail(v, SP_ARCHIVE_SUMS, "line %ld is not \"<sha256>  <name>\"", lineno);
            p = le + 1;
            continue;
        }
        memcpy(name, p + 66, len - 66);
        name[len - 66] = '\0';
        member *m = find(v, name);
        if (strlen(name) != len - 66) {
            fail(v, SP_ARCHIVE_SUMS, "line %ld holds a NUL byte", lineno);
        } else if (strcmp(name, SP_ARCHIVE_SUMS) == 0 || strcmp(name, SP_ARCHIVE_SUMS_SIG) == 0) {
            fail(v, SP_ARCHIVE_SUMS, "line %ld lists %s, which it cannot hold", lineno, name);
        } else if (!m) {
            fail(v, name, "listed in SHA256SUMS (line %ld) but not in the archive", lineno);
        } else if (m->listed) {
            fail(v, SP_ARCHIVE_SUMS, "lists %s twice (line %ld)", name, lineno);
        } else {
            m->listed = true;
            char hex[65];
            sp_journal_sha256_hex(m->data, m->len, hex);
            if (memcmp(hex, p, 64) != 0)
                fail(v, name, "its SHA-256 is %s, SHA256SUMS says %.64s: the member was changed",
                     hex, p);
            else
                matched++;
        }
        if (!nl) {
            fail(v, SP_ARCHIVE_SUMS, "does not end in a newline");
            break;
        }
        p = nl + 1;
    }
    for (size_t i = 0; i < v->n; i++)
        if (!v->m[i].listed && strcmp(v->m[i].name, SP_ARCHIVE_SUMS) != 0 &&
            strcmp(v->m[i].name, SP_ARCHIVE_SUMS_SIG) != 0)
            fail(v, v->m[i].name, "not listed in SHA256SUMS: added to the archive");
    say(v, "ok: ", "%ld members match %s", matched, SP_ARCHIVE_SUMS);
}

/* --- 2. The signature ------------------------------------------------- */

/* The whole public key, not only the 64 bits of its key_id. */
static bool same_key(const sp_evidence_key *a, const sp_evidence_key *b)
{
    size_t la = 0, lb = 0;
    char *pa = sp_evidence_key_public_pem(a, &la), *pb = sp_evidence_key_public_pem(b, &lb);
    bool same = pa && pb && la == lb && memcmp(pa, pb, la) == 0;
    free(pa);
    free(pb);
    return same;
}

static void check_signature(vctx *v)
{
    member *pub = find(v, SP_ARCHIVE_PUBKEY), *sig = find(v, SP_ARCHIVE_SUMS_SIG),
           *sums = find(v, SP_ARCHIVE_SUMS);
    char err[512];
    if (pub) {
        if (sp_evidence_key_from_pem((const char *)pub->data, pub->len, &v->akey, err,
                                     sizeof err) != SP_OK) {
            fail(v, SP_ARCHIVE_PUBKEY, "not a usable public key: %s", err);
            v->akey = NULL;
        } else if (sp_evidence_key_is_private(v->akey)) {
            fail(v, SP_ARCHIVE_PUBKEY, "holds a private key, not a public one");
            sp_evidence_key_free(v->akey);
            v->akey = NULL;
        }
    }
    char aid[SP_EVIDENCE_KEY_ID_LEN + 1] = "";
    if (v->akey)
        sp_evidence_key_id(v->akey, aid);
    if (v->pinned) {
        sp_evidence_key_id(v->pinned, v->key_id);
        v->key = v->pinned;
        if (!pub)
            fail(v, SP_ARCHIVE_PUBKEY, "missing, but --key was given: the archive is not signed");
        else if (v->akey && !same_key(v->akey, v->pinned))
            fail(v, SP_ARCHIVE_PUBKEY,
                 "is not the key given with --key (its key_id is %s, --key's is %s)", aid,
                 v->key_id);
    } else if (v->akey) {
        memcpy(v->key_id, aid, sizeof aid);
        v->key = v->akey;
    }
    if (v->key_id[0])
        say(v, "", "key_id %s%s", v->key_id,
            v->pinned ? " (--key)"
                      : " (evidence.pub): compare it with one you hold from elsewhere (an "
                        "alert, status.json)");
    const char *whose = v->pinned ? "--key's key" : SP_ARCHIVE_PUBKEY;
    if (sig) {
        if (!sums)
            ; /* said by check_sums */
        else if (!v->key)
            fail(v, SP_ARCHIVE_SUMS_SIG, "cannot be checked: the archive has no usable %s",
                 SP_ARCHIVE_PUBKEY);
        else if (sp_evidence_verify(v->key, sums->data, sums->len, sig->data, sig->len) != SP_OK)
            fail(v, SP_ARCHIVE_SUMS_SIG,
                 "does not verify with %s (key_id %s): SHA256SUMS was changed, or signed by "
                 "another key",
                 whose, v->key_id);
        else
            say(v, "ok: ", "%s verifies with %s (key_id %s)", SP_ARCHIVE_SUMS_SIG, whose,
                v->key_id);
    } else if (pub || v->pinned) {
        fail(v, SP_ARCHIVE_SUMS_SIG, "missing: SHA256SUMS is not signed");
    } else {
        warn(v, "nothing in this archive is signed (no %s, no %s): anyone could have made it",
             SP_ARCHIVE_PUBKEY, SP_ARCHIVE_SUMS_SIG);
    }
}

/* --- manifest.json ------------------------------------------------------ */

static bool get_int(json_t *o, const char *k, long long *out)
{
    json_t *x = json_object_get(o, k);
    if (!json_is_integer(x))
        return false;
    *out = json_integer_value(x);
    return true;
}

static bool read_manifest(vctx *v)
{
    const char *M = SP_ARCHIVE_MANIFEST;
    member *m = find(v, M);
    if (!m) {
        fail(v, M, "missing: nothing more can be checked");
        return false;
    }
    json_error_t je;
    json_t *root = json_loadb((const char *)m->data, m->len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        fail(v, M, "not a JSON object (%s): nothing more can be checked",
             root ? "another value" : je.text);
        json_decref(root);
        return false;
    }
    bool ok = false;
    const char *fmt = json_string_value(json_object_get(root, "format"));
    const char *tgt = json_string_value(json_object_get(root, "target"));
    const char *mon = json_string_value(json_object_get(root, "month"));
    const char *kid = json_string_value(json_object_get(root, "key_id"));
    json_t *arr = json_object_get(root, "targets");
    long long exp = 0, from = 0, to = 0;
    char c;
    if (!fmt || strcmp(fmt, SP_ARCHIVE_FORMAT) != 0) {
        fail(v, M, "format is not %s: nothing more can be checked", SP_ARCHIVE_FORMAT);
    } else if (!tgt || !is_id(tgt)) {
        fail(v, M, "target is not a target id");
    } else if (!mon || strlen(mon) != 7 || sscanf(mon, "%4d-%2d%c", &v->year, &v->month, &c) != 2 ||
               v->year < 1970 || v->month < 1 || v->month > 12) {
        fail(v, M, "month is not YYYY-MM");
    } else if (!get_int(root, "exported_ms", &exp) || exp <= 0 || !get_int(root, "from", &from) ||
               !get_int(root, "to", &to) || from >= to) {
        fail(v, M, "exported_ms, from or to is missing or not a time");
    } else if (!json_is_array(arr) || json_array_size(arr) == 0 ||
               json_array_size(arr) > SP_ARCHIVE_MAX_MEMBERS) {
        fail(v, M, "targets is not a list of targets");
    } else {
        ok = true;
        snprintf(v->target, sizeof v->target, "%s", tgt);
        v->exported_ms = exp;
        v->t = calloc(json_array_size(arr), sizeof *v->t);
        if (!v->t) {
            fail(v, M, "out of memory");
            ok = false;
        }
    }
    size_t i;
    json_t *o;
    int n_target = 0;
    if (ok) {
        json_array_foreach(arr, i, o)
        {
            vtarget *t = &v->t[v->nt];
            const char *id = json_string_value(json_object_get(o, "id"));
            const char *role = json_string_value(json_object_get(o, "role"));
            const char *prev = json_string_value(json_object_get(o, "prev_sha256"));
            long long step = 0, rf = 0, rt = 0;
            if (!id || !is_id(id) || !role ||
                (strcmp(role, "target") != 0 && strcmp(role, "control") != 0)) {
                fail(v, M, "targets[%zu]: id or role is missing or not valid", i);
                ok = false;
                break;
            }
            snprintf(t->id, sizeof t->id, "%s", id);
            t->is_target = strcmp(role, "target") == 0;
            for (size_t k = 0; k < v->nt; k++)
                if (strcmp(v->t[k].id, id) == 0) {
                    fail(v, M, "targets[%zu]: %s is listed twice", i, id);
                    ok = false;
                }
            if (!get_int(o, "step_s", &step) || step < 1 || step > 86400 ||
                !get_int(o, "first_seq", &t->first_seq) || t->first_seq < 1 ||
                !get_int(o, "last_seq", &t->last_seq) || t->last_seq < t->first_seq ||
                !get_int(o, "anchor_seq", &t->anchor_seq) || t->anchor_seq < 0 ||
                (t->anchor_seq && (t->anchor_seq < t->first_seq || t->anchor_seq > t->last_seq)) ||
                !prev || !is_hex64(prev, strlen(prev)) || !get_int(o, "rows_from", &rf) ||
                !get_int(o, "rows_to", &rt) || rf < step || rt < rf || (rt - rf) % step != 0 ||
                rt > INT64_C(1) << 40) {
                fail(v, M,
                     "targets[%zu] (%s): step_s, first_seq, last_seq, anchor_seq, prev_sha256, "
                     "rows_from or rows_to is missing or out of range",
                     i, id);
                ok = false;
                break;
            }
            t->step_s = (long)step;
            memcpy(t->prev_sha256, prev, 65);
            t->rows_from = rf;
            t->rows_to = rt;
            if (t->is_target) {
                n_target++;
                if (strcmp(id, v->target) != 0) {
                    fail(v, M, "targets[%zu] (%s) has role target, but the target is %s", i, id,
                         v->target);
                    ok = false;
                }
            }
            v->nt++;
        }
    }
    if (ok && n_target != 1) {
        fail(v, M, "names %d targets of role target, not one", n_target);
        ok = false;
    }
    if (ok) {
        char want[256];
        snprintf(want, sizeof want, "%s-%s", v->target, mon);
        if (strcmp(want, v->top) != 0)
            fail(v, M, "the archive's top directory is %s/, the manifest's %s/", v->top, want);
        if (kid && v->akey) {
            char aid[SP_EVIDENCE_KEY_ID_LEN + 1];
            sp_evidence_key_id(v->akey, aid);
            if (strcmp(kid, aid) != 0)
                fail(v, M, "key_id %s is not that of %s (%s)", kid, SP_ARCHIVE_PUBKEY, aid);
        } else if (!kid && find(v, SP_ARCHIVE_PUBKEY)) {
            fail(v, M, "key_id is null, but the archive has %s", SP_ARCHIVE_PUBKEY);
        }
    }
    json_decref(root);
    return ok;
}

/* "targets/<id>/<what>" */
static void tname(char *buf, size_t n, const vtarget *t, const char *what)
{
    snprintf(buf, n, "%s%s/%s", SP_ARCHIVE_TARGETS_DIR, t->id, what);
}

/* --- 3. The journal runs ---------------------------------------------- */

static sp_status check_journal(vctx *v, vtarget *t)
{
    char name[160];
    tname(name, sizeof name, t, SP_ARCHIVE_JOURNAL);
    member *m = find(v, name);
    if (!m) {
        fail(v, name, "missing (manifest.json names target %s)", t->id);
        return SP_OK;
    }
    long long want = t->last_seq - t->first_seq + 1;
    const char *p = (const char *)m->data, *end = p + m->len;
    long bad_seq = 0, bad_prev = 0, bad_json = 0;
    t->journal_ok = true;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        long long seq_here = t->first_seq + (long long)t->n_lines;
        if (!nl) {
            fail(v, name, "the line after seq %lld does not end in a newline: cut", seq_here - 1);
            t->journal_ok = false;
            break;
        }
        size_t len = (size_t)(nl - p);
        if (sp_grow((void **)&t->hash, &t->hash_cap, t->n_lines + 1, sizeof *t->hash) != SP_OK)
            return SP_ENOMEM;
        json_error_t je;
        json_t *o = json_loadb(p, len, 0, &je);
        json_t *js = json_object_get(o, "seq");
        const char *prev = json_string_value(json_object_get(o, "prev"));
        const char *want_prev = t->n_lines ? t->hash[t->n_lines - 1] : t->prev_sha256;
        if (!json_is_object(o)) {
            if (bad_json++ < MAX_SAME)
                fail(v, name, "line %zu (seq %lld) is not a JSON object", t->n_lines + 1, seq_here);
            t->journal_ok = false;
        } else if (!json_is_integer(js) || json_integer_value(js) != seq_here) {
            if (bad_seq++ < MAX_SAME)
                fail(v, name,
                     "line %zu has seq %s%lld, %lld expected: a line was removed, added or "
                     "reordered",
                     t->n_lines + 1, json_is_integer(js) ? "" : "(none) ",
                     json_is_integer(js) ? (long long)json_integer_value(js) : 0LL, seq_here);
            t->journal_ok = false;
        } else if (!prev || strcmp(prev, want_prev) != 0) {
            if (bad_prev++ < MAX_SAME) {
                if (t->n_lines == 0)
                    fail(v, name,
                         "line 1 (seq %lld): prev is not manifest.json's prev_sha256 %s: the run "
                         "does not continue the line before it",
                         seq_here, t->prev_sha256);
                else
                    fail(v, name,
                         "line %zu (seq %lld): prev is not the SHA-256 of the line before it: "
                         "line seq %lld was edited, or lines removed or reordered",
                         t->n_lines + 1, seq_here, seq_here - 1);
            }
            t->journal_ok = false;
        }
        json_decref(o);
        sp_journal_sha256_hex(p, len, t->hash[t->n_lines]);
        t->n_lines++;
        p = nl + 1;
    }
    if ((long long)t->n_lines != want) {
        fail(v, name, "holds %zu lines, manifest.json says seq %lld..%lld (%lld lines)", t->n_lines,
             t->first_seq, t->last_seq, want);
        t->journal_ok = false;
    }
    if (bad_json + bad_seq + bad_prev > 3 * MAX_SAME)
        fail(v, name, "%ld more lines fail the same checks",
             bad_json + bad_seq + bad_prev - 3 * MAX_SAME);
    if (t->journal_ok)
        say(v, "ok: ", "%s: seq %lld..%lld, the chain holds from prev_sha256 on", name,
            t->first_seq, t->last_seq);
    return SP_OK;
}

/* --- 4. Checkpoints, tokens and the anchor files --------------------- */

typedef struct seen_cp {
    sp_evidence_checkpoint cp;
    long line;
} seen_cp;

static void check_anchor_file(vctx *v, const vtarget *t, const char *ext, const void *want,
                              size_t wlen, bool expected)
{
    char name[200], what[64];
    snprintf(what, sizeof what, "%s%lld%s", SP_ARCHIVE_ANCHOR_PREFIX, t->anchor_seq, ext);
    tname(name, sizeof name, t, what);
    member *m = find(v, name);
    if (!m && expected)
        fail(v, name, "missing: the last checkpoint's file for openssl");
    else if (m && !expected)
        fail(v, name, "there is no time-stamp token for checkpoint seq %lld in checkpoints.jsonl",
             t->anchor_seq);
    else if (m && (m->len != wlen || memcmp(m->data, want, wlen) != 0))
        fail(v, name, "is not the last checkpoint's (seq %lld) %s", t->anchor_seq,
             strcmp(ext, ".msg") == 0   ? "signed message"
             : strcmp(ext, ".sig") == 0 ? "signature"
                                        : "token");
}

static sp_status check_checkpoints(vctx *v, vtarget *t)
{
    char name[160], jname[160];
    tname(name, sizeof name, t, SP_ARCHIVE_CHECKPOINTS);
    tname(jname, sizeof jname, t, SP_ARCHIVE_JOURNAL);
    member *m = find(v, name);
    seen_cp *cps = NULL;
    size_t ncp = 0, cap = 0;
    long lineno = 0, bad = 0, ntok = 0, tok_ok = 0;
    bool no_ca_said = false;
    unsigned char *anchor_tok = NULL;
    size_t anchor_tok_len = 0;
    sp_status st = SP_OK;
    const char *p = m ? (const char *)m->data : NULL, *end = m ? p + m->len : NULL;
    while (p && p < end) {
        lineno++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            fail(v, name, "line %ld does not end in a newline: cut", lineno);
            break;
        }
        sp_evidence_line ln;
        char err[512];
        if (sp_evidence_line_parse(p, (size_t)(nl - p), &ln, err, sizeof err) != SP_OK) {
            if (bad++ < MAX_SAME)
                fail(v, name, "line %ld: %s", lineno, err);
            p = nl + 1;
            continue;
        }
        p = nl + 1;
        if (ln.type == SP_EVIDENCE_LINE_CHECKPOINT) {
            const sp_evidence_checkpoint *c = &ln.cp;
            if (strcmp(c->target, t->id) != 0) {
                fail(v, name, "line %ld: a checkpoint of target %s, not %s", lineno, c->target,
                     t->id);
            } else if (c->seq < t->first_seq || c->seq > t->last_seq) {
                fail(v, name, "line %ld: checkpoint seq %lld is outside the journal run %lld..%lld",
                     lineno, c->seq, t->first_seq, t->last_seq);
            } else if ((size_t)(c->seq - t->first_seq) >= t->n_lines) {
                fail(v, jname, "has no line seq %lld, which checkpoints.jsonl line %ld signed",
                     c->seq, lineno);
            } else if (strcmp(t->hash[c->seq - t->first_seq], c->line_sha256) != 0) {
                fail(v, jname,
                     "line seq %lld is not the line checkpoints.jsonl line %ld signed: it was "
                     "edited",
                     c->seq, lineno);
            }
            if (v->key && sp_evidence_checkpoint_verify(v->key, c, err, sizeof err) != SP_OK)
                fail(v, name, "line %ld (checkpoint seq %lld): %s", lineno, c->seq, err);
            if (sp_grow((void **)&cps, &cap, ncp + 1, sizeof *cps) != SP_OK) {
                st = SP_ENOMEM;
                break;
            }
            cps[ncp].cp = *c;
            cps[ncp].line = lineno;
            ncp++;
            free(anchor_tok); /* a token belongs to the checkpoint before it */
            anchor_tok = NULL;
            continue;
        }
        /* a token: for the latest checkpoint of its seq before it */
        ntok++;
        const seen_cp *c = NULL;
        for (size_t k = ncp; k-- > 0;)
            if (cps[k].cp.seq == ln.tok_seq) {
                c = &cps[k];
                break;
            }
        char msg[512];
        unsigned char md[32];
        char hex[65];
        if (!c) {
            fail(v, name, "line %ld: a token for seq %lld, which no checkpoint before it has",
                 lineno, ln.tok_seq);
        } else {
            size_t ml = sp_evidence_message(&c->cp, msg, sizeof msg);
            sp_evidence_sha256(msg, ml < sizeof msg ? ml : 0, md, hex);
            if (strcmp(hex, ln.imprint_sha256) != 0) {
                fail(v, name,
                     "line %ld: the token's imprint_sha256 is not the SHA-256 of checkpoint seq "
                     "%lld's message",
                     lineno, ln.tok_seq);
            } else if (!v->tsa_ca) {
                if (!no_ca_said)
                    fail(v, name,
                         "line %ld: the token cannot be checked: no %s in the archive and no "
                         "--tsa-ca",
                         lineno, SP_ARCHIVE_TSA_CA);
                no_ca_said = true;
            } else if (sp_evidence_tsa_verify(ln.token, ln.token_len, md, v->tsa_ca, err,
                                              sizeof err) != SP_OK) {
                fail(v, name, "line %ld: the token for checkpoint seq %lld does not verify: %s",
                     lineno, ln.tok_seq, err);
            } else {
                tok_ok++;
            }
            if (c == &cps[ncp - 1]) {
                free(anchor_tok);
                anchor_tok = ln.token;
                anchor_tok_len = ln.token_len;
                ln.token = NULL;
            }
        }
        free(ln.token);
    }
    if (bad > MAX_SAME)
        fail(v, name, "%ld more lines are not checkpoint or token lines", bad - MAX_SAME);
    if (st == SP_OK) {
        long long last = ncp ? cps[ncp - 1].cp.seq : 0;
        if (!m && t->anchor_seq)
            fail(v, name, "missing, but manifest.json's anchor_seq is %lld", t->anchor_seq);
        else if (last != t->anchor_seq)
            fail(v, SP_ARCHIVE_MANIFEST,
                 "%s's anchor_seq is %lld, the last checkpoint in %s is seq %lld", t->id,
                 t->anchor_seq, name, last);
        if (ncp && last == t->anchor_seq) {
            char msg[512];
            size_t ml = sp_evidence_message(&cps[ncp - 1].cp, msg, sizeof msg);
            check_anchor_file(v, t, ".msg", msg, ml < sizeof msg ? ml : 0, true);
            check_anchor_file(v, t, ".sig", cps[ncp - 1].cp.sig, SP_EVIDENCE_SIG_LEN, true);
            check_anchor_file(v, t, ".tsr", anchor_tok, anchor_tok_len, anchor_tok != NULL);
        }
        /* anchor files of another seq */
        char pre[160];
        tname(pre, sizeof pre, t, SP_ARCHIVE_ANCHOR_PREFIX);
        for (size_t i = 0; i < v->n; i++) {
            const char *nm = v->m[i].name;
            if (strncmp(nm, pre, strlen(pre)) != 0)
                continue;
            char *e;
            long long s = strtoll(nm + strlen(pre), &e, 10);
            if (s != t->anchor_seq || !ncp ||
                (strcmp(e, ".msg") != 0 && strcmp(e, ".sig") != 0 && strcmp(e, ".tsr") != 0))
                fail(v, nm, "not a file of the anchoring checkpoint (seq %lld)", t->anchor_seq);
        }
        if (ncp)
            say(v, "ok: ", "%s: %zu checkpoints%s, %ld of %ld tokens verify", name, ncp,
                v->key ? " checked" : " (not checked: no key)", tok_ok, ntok);
        if (t->last_seq > last)
            warn(v,
                 "%s: %lld line%s (seq %lld..%lld) after the last checkpoint%s: nothing "
                 "signed covers them, they can still be cut",
                 jname, t->last_seq - last, t->last_seq - last == 1 ? "" : "s", last + 1,
                 t->last_seq, ncp ? "" : " (there is none)");
    }
    free(anchor_tok);
    free(cps);
    return st;
}

/* --- 5. The rows, in a rebuilt store ---------------------------------- */

static sp_status write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wbx");
    if (!fp)
        return SP_EIO;
    bool ok = fwrite(data, 1, len, fp) == len;
    ok = (fclose(fp) == 0) && ok;
    return ok ? SP_OK : SP_EIO;
}

/* One canonical row line: "T:v1:...:v8" (docs/EVIDENCE.md, "Rows"). */
static bool parse_row(const char *s, size_t len, sp_store_row *r)
{
    char buf[SP_STORE_ROW_TEXT];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *p = buf, *e;
    errno = 0;
    long long t = strtoll(p, &e, 10);
    if (e == p || *e != ':' || errno)
        return false;
    r->t = t;
    double *vals[] = {&r->up,         &r->degraded, &r->total_ms, &r->dns_ms,
                      &r->connect_ms, &r->tls_ms,   &r->ttfb_ms,  &r->cert_days};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        p = e + 1;
        if (p[0] == 'U' && (p[1] == ':' || p[1] == '\0')) {
            *vals[i] = NAN;
            e = p + 1;
        } else {
            *vals[i] = strtod(p, &e);
            if (e == p || !isfinite(*vals[i]))
                return false;
        }
        if (*e != (i + 1 < sizeof vals / sizeof vals[0] ? ':' : '\0'))
            return false;
    }
    char again[SP_STORE_ROW_TEXT];
    size_t n = sp_store_row_format(r, again, sizeof again);
    return n == len && memcmp(again, buf, len) == 0;
}

static sp_status rebuild_target(vctx *v, const sp_cfg *cfg, const vtarget *t, const char *store)
{
    char rname[160], jname[160], err[1024];
    tname(rname, sizeof rname, t, SP_ARCHIVE_ROWS);
    tname(jname, sizeof jname, t, SP_ARCHIVE_JOURNAL);
    const sp_cfg_target *ct = sp_cfg_find_target(cfg, t->id);
    if (!ct) {
        fail(v, SP_ARCHIVE_CONFIG, "has no target %s, which manifest.json names", t->id);
        return SP_OK;
    }
    if (ct->interval_ms != (int64_t)t->step_s * 1000) {
        fail(v, SP_ARCHIVE_CONFIG,
             "target %s's interval is %" PRId64 " ms, manifest.json's step_s is %ld", t->id,
             ct->interval_ms, t->step_s);
        return SP_OK;
    }
    member *rows = find(v, rname), *jm = find(v, jname);
    if (!rows) {
        fail(v, rname, "missing: the rows cannot be checked");
        return SP_OK;
    }
    if (!jm)
        return SP_OK; /* said by check_journal */
    int64_t want = (t->rows_to - t->rows_from) / t->step_s + 1;
    char rrd[PATH_MAX], jpath[PATH_MAX];
    sp_store_paths(store, t->id, rrd, jpath, sizeof rrd);
    if (sp_store_rrd_create(rrd, t->step_s, &cfg->retention, (time_t)(t->rows_from - t->step_s),
                            err, sizeof err) != SP_OK) {
        fail(v, rname, "cannot be rebuilt into an RRD: %s", err);
        return SP_OK;
    }
    /* the lines, checked, NUL-terminated in a copy, handed to librrd in
     * batches */
    char *text = malloc(rows->len + 1);
    const char **batch = malloc(ROWS_BATCH * sizeof *batch);
    if (!text || !batch) {
        free(text);
        free(batch);
        return SP_ENOMEM;
    }
    memcpy(text, rows->data, rows->len);
    text[rows->len] = '\0';
    int64_t i = 0;
    int nb = 0;
    bool ok = true;
    char *p = text, *end = text + rows->len;
    while (p < end && ok) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            fail(v, rname, "line %" PRId64 " does not end in a newline: cut", i + 1);
            ok = false;
            break;
        }
        *nl = '\0';
        sp_store_row r;
        int64_t t_want = t->rows_from + i * t->step_s;
        if (i >= want) {
            fail(v, rname, "holds more than the %" PRId64 " steps from rows_from to rows_to", want);
            ok = false;
        } else if (!parse_row(p, (size_t)(nl - p), &r)) {
            fail(v, rname, "line %" PRId64 " is not a canonical row (\"T:v1:...:v8\", %%.6g or U)",
                 i + 1);
            ok = false;
        } else if (r.t != t_want) {
            fail(v, rname, "line %" PRId64 " is step %" PRId64 ", step %" PRId64 " expected", i + 1,
                 r.t, t_want);
            ok = false;
        } else {
            batch[nb++] = p;
        }
        if (ok && (nb == ROWS_BATCH || nl + 1 >= end) && nb) {
            if (sp_store_rrd_update(NULL, rrd, nb, batch, err, sizeof err) != SP_OK) {
                fail(v, rname, "cannot be written into the rebuilt RRD: %s", err);
                ok = false;
            }
            nb = 0;
        }
        i++;
        p = nl + 1;
    }
    if (ok && i != want) {
        fail(v, rname, "holds %" PRId64 " steps, rows_from..rows_to in manifest.json are %" PRId64,
             i, want);
        ok = false;
    }
    free(batch);
    free(text);
    if (!ok)
        return SP_OK;
    if (write_file(jpath, jm->data, jm->len) != SP_OK) {
        fail(v, jname, "cannot be written into the temporary store");
        return SP_OK;
    }
    sp_store_rowcheck rc = {0};
    if (sp_store_rowcheck_run(NULL, rrd, jpath, t->rows_from - t->step_s, t->rows_to, &rc, err,
                              sizeof err) != SP_OK) {
        fail(v, rname, "cannot be checked against %s: %s", jname, err);
    } else {
        for (size_t k = 0; k < rc.n; k++) {
            const sp_store_rowcheck_problem *pr = &rc.p[k];
            bool note = pr->kind == SP_ROWCHECK_UNCHECKABLE || pr->kind == SP_ROWCHECK_RECOVERED ||
                        pr->kind == SP_ROWCHECK_BEFORE;
            if (note)
                say(v, "note: ", "%s: %s", rname, pr->text);
            else
                fail(v, rname, "%s (against %s)", pr->text, jname);
        }
        if (!sp_store_rowcheck_failed(&rc))
            say(v, "ok: ", "%s: %" PRId64 " steps; %ld of %ld rows lines hash the same", rname,
                want, rc.checked, rc.lines);
    }
    sp_store_rowcheck_free(&rc);
    return SP_OK;
}

/* --- 6. The figures ---------------------------------------------------- */

/* Fields of a target's report object that describe the original store,
 * not the month's figures: the whole journal's line count and chain, and
 * the rows check of the original files (step 5 makes its own). */
static bool store_field(const char *path)
{
    static const char *const skip[] = {"journal_present", "journal_intact",
                                       "journal_first_bad_line", "journal_lines", "rows"};
    const char *dot = strrchr(path, '.');
    if (!dot || !strstr(path, ".evidence."))
        return false;
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (strcmp(dot + 1, skip[i]) == 0)
            return true;
    return false;
}

static void show(const json_t *x, char *buf, size_t n)
{
    char *s = json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(10));
    snprintf(buf, n, "%s", s ? s : "(nothing)");
    if (strlen(buf) == n - 1 && n > 4)
        memcpy(buf + n - 4, "...", 4);
    free(s);
}

/* Compare the archive's a with the recomputed b under path; each
 * difference is a failure of report/report.json (at most MAX_SAME). */
static void compare(vctx *v, const json_t *a, const json_t *b, const char *path, long *diffs)
{
    if (store_field(path))
        return;
    char sa[200], sb[200], sub[512];
    if (!a) {
        if ((*diffs)++ < MAX_SAME)
            fail(v, SP_ARCHIVE_REPORT_JSON, "%s is missing", path);
        return;
    }
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)b, k, x)
        {
            snprintf(sub, sizeof sub, "%s.%s", path, k);
            if (store_field(sub))
                continue;
            json_t *y = json_object_get(a, k);
            if (!y) {
                if ((*diffs)++ < MAX_SAME)
                    fail(v, SP_ARCHIVE_REPORT_JSON, "%s is missing", sub);
            } else {
                compare(v, y, x, sub, diffs);
            }
        }
        json_object_foreach((json_t *)a, k, x)
        {
            snprintf(sub, sizeof sub, "%s.%s", path, k);
            if (!json_object_get(b, k) && !store_field(sub) && (*diffs)++ < MAX_SAME)
                fail(v, SP_ARCHIVE_REPORT_JSON, "%s is not in the report the archive gives", sub);
        }
        return;
    }
    if (json_is_array(a) && json_is_array(b)) {
        if (json_array_size(a) != json_array_size(b)) {
            if ((*diffs)++ < MAX_SAME)
                fail(v, SP_ARCHIVE_REPORT_JSON, "%s has %zu entries, the archive's rows give %zu",
                     path, json_array_size(a), json_array_size(b));
            return;
        }
        for (size_t i = 0; i < json_array_size(a); i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            compare(v, json_array_get(a, i), json_array_get(b, i), sub, diffs);
        }
        return;
    }
    if (!json_equal((json_t *)a, (json_t *)b)) {
        /* integers and reals print alike in the renderer: 60 and 60.0 */
        if (json_is_number(a) && json_is_number(b) && json_number_value(a) == json_number_value(b))
            return;
        show(a, sa, sizeof sa);
        show(b, sb, sizeof sb);
        if ((*diffs)++ < MAX_SAME)
            fail(v, SP_ARCHIVE_REPORT_JSON, "%s says %s, the archive's rows give %s", path, sa, sb);
    }
}

static sp_status check_figures(vctx *v, const sp_cfg *cfg)
{
    member *m = find(v, SP_ARCHIVE_REPORT_JSON);
    if (!m) {
        fail(v, SP_ARCHIVE_REPORT_JSON, "missing: the figures cannot be compared");
        return SP_OK;
    }
    char err[1024];
    sp_report *r = NULL;
    if (sp_report_build(cfg, v->year, v->month, v->target, v->exported_ms / 1000, &r, err,
                        sizeof err) != SP_OK) {
        fail(v, SP_ARCHIVE_REPORT_JSON, "the month's figures cannot be recomputed: %s", err);
        return SP_OK;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    if (!mf) {
        sp_report_destroy(r);
        return SP_ENOMEM;
    }
    sp_status st = sp_report_render_json(r, mf);
    fclose(mf);
    sp_report_destroy(r);
    if (st != SP_OK) {
        free(buf);
        return SP_ENOMEM;
    }
    json_error_t je;
    json_t *b = json_loadb(buf, len, 0, &je);
    free(buf);
    json_t *a = json_loadb((const char *)m->data, m->len, 0, &je);
    if (!json_is_object(a)) {
        fail(v, SP_ARCHIVE_REPORT_JSON, "not a JSON object: %s", a ? "another value" : je.text);
    } else if (!b) {
        json_decref(a);
        return SP_ENOMEM;
    } else {
        long diffs = 0;
        static const char *const top[] = {"month", "timezone", "start",  "end",
                                          "until", "complete", "all_met"};
        for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
            compare(v, json_object_get(a, top[i]), json_object_get(b, top[i]), top[i], &diffs);
        compare(v, json_object_get(a, "targets"), json_object_get(b, "targets"), "targets", &diffs);
        if (diffs > MAX_SAME)
            fail(v, SP_ARCHIVE_REPORT_JSON, "%ld more fields differ", diffs - MAX_SAME);
        if (!diffs)
            say(v, "ok: ", "%s: the figures recomputed from the rows and journal agree",
                SP_ARCHIVE_REPORT_JSON);
    }
    json_decref(a);
    json_decref(b);
    return SP_OK;
}

static sp_status rebuild(vctx *v)
{
    char path[PATH_MAX + 32], err[1024], store[PATH_MAX + 32];
    member *c = find(v, SP_ARCHIVE_CONFIG);
    if (!c) {
        fail(v, SP_ARCHIVE_CONFIG, "missing: the rows and figures cannot be checked");
        return SP_OK;
    }
    snprintf(path, sizeof path, "%s/config.yaml", v->tmp);
    snprintf(store, sizeof store, "%s/store", v->tmp);
    if (write_file(path, c->data, c->len) != SP_OK || mkdir(store, 0700) != 0)
        return SP_EIO;
    sp_cfg *cfg = NULL;
    if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
        /* the message names the temporary copy: name the member instead */
        const char *e = strncmp(err, path, strlen(path)) == 0 ? err + strlen(path) : err;
        fail(v, SP_ARCHIVE_CONFIG, "not a configuration verify can load%s%s",
             e[0] == ':' ? "" : ": ", e);
        return SP_OK;
    }
    /* what the RRDs will take on disk, before any is made */
    long double bytes = 0;
    for (size_t i = 0; i < v->nt; i++) {
        const sp_cfg_target *ct = sp_cfg_find_target(cfg, v->t[i].id);
        sp_store_layout l;
        sp_store_layout_for(ct && ct->interval_ms >= 1000 ? (long)(ct->interval_ms / 1000) : 1,
                            &cfg->retention, &l);
        sp_store_layout h;
        sp_store_layout_hist(&cfg->retention, &h);
        bytes += (long double)sp_store_layout_bytes(&l) + (long double)sp_store_layout_bytes(&h);
    }
    if (bytes > SP_ARCHIVE_MAX_REBUILD_BYTES) {
        fail(v, SP_ARCHIVE_CONFIG,
             "its retention and intervals make RRDs of %.0Lf bytes, more than the %lld verify "
             "rebuilds: the rows and figures are not checked",
             bytes, SP_ARCHIVE_MAX_REBUILD_BYTES);
        sp_cfg_destroy(cfg);
        return SP_OK;
    }
    sp_status st = sp_cfg_set_storage(cfg, store);
    for (size_t i = 0; st == SP_OK && i < v->nt; i++)
        st = rebuild_target(v, cfg, &v->t[i], store);
    if (st == SP_OK)
        st = check_figures(v, cfg);
    sp_cfg_destroy(cfg);
    return st;
}

/* --- The whole ---------------------------------------------------------- */

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static void cleanup(vctx *v)
{
    if (v->tmp[0])
        nftw(v->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < v->n; i++) {
        free(v->m[i].name);
        free(v->m[i].data);
    }
    free(v->m);
    for (size_t i = 0; i < v->nt; i++)
        free(v->t[i].hash);
    free(v->t);
    sp_evidence_key_free(v->pinned);
    sp_evidence_key_free(v->akey);
}

static sp_status run(vctx *v, const sp_archive_verify_opts *opts, char *err, size_t errlen)
{
    struct archive *a = archive_read_new();
    if (!a)
        return SP_ENOMEM;
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    sp_status st = SP_OK;
    bool readable;
    if (archive_read_open_filename(a, v->path, 65536) != ARCHIVE_OK) {
        fail(v, v->path, "not a gzip-compressed tar: %s",
             archive_error_string(a) ? archive_error_string(a) : "unknown error");
        readable = false;
    } else {
        readable = read_members(v, a, &st);
    }
    archive_read_free(a);
    if (st != SP_OK || !readable) {
        if (st == SP_ENOMEM)
            snprintf(err, errlen, "%s: out of memory", v->path);
        return st;
    }
    check_sums(v);
    check_signature(v);
    if (!read_manifest(v))
        return SP_OK;
    const char *tmpdir = getenv("TMPDIR");
    snprintf(v->tmp, sizeof v->tmp, "%s/slaprobe-verify-XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(v->tmp)) {
        snprintf(err, errlen, "cannot make a temporary directory under %s: %s",
                 tmpdir && *tmpdir ? tmpdir : "/tmp", strerror(errno));
        v->tmp[0] = '\0';
        return SP_EIO;
    }
    char ca[PATH_MAX + 32];
    member *cam = find(v, SP_ARCHIVE_TSA_CA);
    if (opts && opts->tsa_ca) {
        v->tsa_ca = opts->tsa_ca;
    } else if (cam) {
        snprintf(ca, sizeof ca, "%s/tsa-ca.pem", v->tmp);
        if (write_file(ca, cam->data, cam->len) != SP_OK) {
            snprintf(err, errlen, "cannot write into the temporary directory %s", v->tmp);
            return SP_EIO;
        }
        v->tsa_ca = ca;
    }
    for (size_t i = 0; st == SP_OK && i < v->nt; i++) {
        st = check_journal(v, &v->t[i]);
        if (st == SP_OK)
            st = check_checkpoints(v, &v->t[i]);
    }
    /* members of targets the manifest does not name */
    for (size_t i = 0; i < v->n; i++) {
        const char *nm = v->m[i].name;
        if (strncmp(nm, SP_ARCHIVE_TARGETS_DIR, strlen(SP_ARCHIVE_TARGETS_DIR)) != 0)
            continue;
        const char *id = nm + strlen(SP_ARCHIVE_TARGETS_DIR), *sl = strchr(id, '/');
        bool known = false;
        for (size_t k = 0; sl && k < v->nt; k++)
            known |= strlen(v->t[k].id) == (size_t)(sl - id) &&
                     memcmp(v->t[k].id, id, (size_t)(sl - id)) == 0;
        if (!known)
            fail(v, nm, "belongs to no target manifest.json names");
    }
    if (st == SP_OK)
        st = rebuild(v);
    if (st == SP_EIO)
        snprintf(err, errlen, "cannot write into the temporary directory %s", v->tmp);
    else if (st == SP_ENOMEM)
        snprintf(err, errlen, "out of memory");
    return st;
}

sp_status sp_archive_verify(const char *path, const sp_archive_verify_opts *opts, FILE *out,
                            bool *ok, char *err, size_t errlen)
{
    vctx v = {.out = out, .path = path};
    *ok = false;
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: cannot read the archive: %s", path,
                 errno ? strerror(errno) : "not a regular file");
        return SP_EIO;
    }
    if (opts && opts->key_pub) {
        if (sp_evidence_key_load(opts->key_pub, &v.pinned, err, errlen) != SP_OK)
            return SP_EIO;
        if (sp_evidence_key_is_private(v.pinned)) {
            snprintf(err, errlen, "%s: a private key; --key takes the public one (FILE.pub)",
                     opts->key_pub);
            sp_evidence_key_free(v.pinned);
            return SP_EIO;
        }
    }
    if (opts && opts->tsa_ca && access(opts->tsa_ca, R_OK) != 0) {
        snprintf(err, errlen, "%s: cannot read the TSA's CA file: %s", opts->tsa_ca,
                 strerror(errno));
        sp_evidence_key_free(v.pinned);
        return SP_EIO;
    }
    sp_status st = run(&v, opts, err, errlen);
    cleanup(&v);
    if (st != SP_OK)
        return st;
    *ok = v.failures == 0;
    if (*ok)
        fprintf(out, "everything holds: %zu members, %zu targets%s%s%s\n", v.n, v.nt,
                v.key_id[0] ? ", signed by key_id " : ", nothing signed", v.key_id,
                v.warnings ? " (see the warnings)" : "");
    else
        fprintf(out, "FAILED: %ld finding%s (each names its member)\n", v.failures,
                v.failures == 1 ? "" : "s");
    return SP_OK;
}
