/*
 * tsa_client: drives evidence/tsa.c against a time-stamping authority for
 * tests/integration/test_tsa.sh.
 *
 *   tsa_client get URL CA_FILE HEX OUT
 *       One token over the 32-byte digest HEX, written to OUT (DER), and
 *       checked again with sp_evidence_tsa_verify; the client is destroyed
 *       from inside the callback. Prints
 *       "ok BYTES MS" or "error SP_NAME: reason"; exit 0 or 1.
 *   tsa_client many URL CA_FILE N OUTDIR
 *       N tokens one after the other (each asked when the last came),
 *       over SHA-256("slaprobe tsa test I"), into OUTDIR/I.der with the
 *       digest in OUTDIR/I.hex; prints the round trip (mean, min, max ms)
 *       and the token sizes. Then one more request is left pending and
 *       the client destroyed: its callback must come, SP_ECANCELED, before
 *       the destroy returns; and no file descriptor may be left open.
 *   tsa_client burst URL CA_FILE N
 *       N requests at once, each over its own digest: every callback must
 *       bring a token for its own digest. Prints the time for all.
 *   tsa_client series URL CA_FILE GAP_MS MAX
 *       One client asking every GAP_MS, each result printed as it comes
 *       ("I ok BYTES" or "I error SP_NAME: reason"); exit 0 as soon as it
 *       has seen a token, then a failure, then a token again (the TSA
 *       stopped and started by the test meanwhile), 1 after MAX requests
 *       without that.
 *   tsa_client verify CA_FILE HEX TOKEN
 *       sp_evidence_tsa_verify on a stored token: "ok" or "error ...".
 *
 * Exit 2 on bad usage or when the client cannot be created (the reason is
 * printed).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "evidence/tsa.h"

typedef struct run {
    uv_loop_t *loop;
    sp_evidence_tsa *tsa;
    const char *ca_file, *out;
    unsigned char digest[32];
    int n, done, failed;
    uint64_t t0;
    double sum_ms, min_ms, max_ms;
    size_t min_len, max_len;
    int canceled; /* calls of the last, canceled request */
    sp_status last;
} run;

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static bool parse_hex(const char *s, unsigned char out[32])
{
    if (strlen(s) != 64)
        return false;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return false;
        out[i] = (unsigned char)v;
    }
    return true;
}

static bool write_file(const char *path, const void *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(p, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    return ok;
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    return buf;
}

static bool check_token(run *r, const unsigned char *tok, size_t len)
{
    char err[256];
    sp_status st = sp_evidence_tsa_verify(tok, len, r->digest, r->ca_file, err, sizeof err);
    if (st != SP_OK)
        printf("error: a token the client accepted does not verify: %s\n", err);
    return st == SP_OK;
}

/* --- get ------------------------------------------------------------------- */

static void on_get(void *arg, sp_status st, const unsigned char *tok, size_t len, const char *err)
{
    run *r = arg;
    double ms = (double)(uv_hrtime() - r->t0) / 1e6;
    r->last = st;
    r->done++;
    /* tsa.h allows it: the client goes from inside its own callback (the
     * token stays valid until we return). */
    sp_evidence_tsa_destroy(r->tsa);
    r->tsa = NULL;
    if (st != SP_OK) {
        printf("error %s: %s\n", sp_status_name(st), err ? err : "(no reason)");
        r->failed++;
        return;
    }
    if (!check_token(r, tok, len) || !write_file(r->out, tok, len)) {
        r->failed++;
        return;
    }
    printf("ok %zu %.1f\n", len, ms);
}

/* --- many ------------------------------------------------------------------ */

static void digest_of(int i, unsigned char out[32])
{
    char text[64];
    snprintf(text, sizeof text, "slaprobe tsa test %d", i);
    EVP_Digest(text, strlen(text), out, NULL, EVP_sha256(), NULL);
}

static void on_many(void *arg, sp_status st, const unsigned char *tok, size_t len, const char *err);

static void ask_next(run *r)
{
    digest_of(r->done, r->digest);
    r->t0 = uv_hrtime();
    sp_status st = sp_evidence_tsa_request(r->tsa, r->digest, on_many, r);
    if (st != SP_OK) {
        printf("error: request %d refused: %s\n", r->done, sp_strerror(st));
        r->failed++;
    }
}

static void on_many(void *arg, sp_status st, const unsigned char *tok, size_t len, const char *err)
{
    run *r = arg;
    double ms = (double)(uv_hrtime() - r->t0) / 1e6;
    int i = r->done++;
    if (st != SP_OK) {
        printf("error %d %s: %s\n", i, sp_status_name(st), err ? err : "(no reason)");
        r->failed++;
    } else if (check_token(r, tok, len)) {
        char path[4096], hex[65];
        snprintf(path, sizeof path, "%s/%d.der", r->out, i);
        for (int k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", r->digest[k]);
        bool ok = write_file(path, tok, len);
        snprintf(path, sizeof path, "%s/%d.hex", r->out, i);
        ok = ok && write_file(path, hex, 64);
        if (!ok)
            r->failed++;
        r->sum_ms += ms;
        if (!r->min_len || ms < r->min_ms)
            r->min_ms = ms;
        if (ms > r->max_ms)
            r->max_ms = ms;
        if (!r->min_len || len < r->min_len)
            r->min_len = len;
        if (len > r->max_len)
            r->max_len = len;
    } else {
        r->failed++;
    }
    if (r->done < r->n)
        ask_next(r);
}

static void on_canceled(void *arg, sp_status st, const unsigned char *tok, size_t len,
                        const char *err)
{
    run *r = arg;
    r->canceled++;
    if (st != SP_ECANCELED || tok || len || !err) {
        printf("error: the pending request at destroy got %s, not SP_ECANCELED\n",
               sp_status_name(st));
        r->failed++;
    }
}

/* --- burst ----------------------------------------------------------------- */

typedef struct one {
    run *r;
    int i;
    unsigned char digest[32];
} one;

static void on_burst(void *arg, sp_status st, const unsigned char *tok, size_t len, const char *err)
{
    one *o = arg;
    run *r = o->r;
    char e[256];
    r->done++;
    if (st != SP_OK) {
        printf("error %d %s: %s\n", o->i, sp_status_name(st), err ? err : "(no reason)");
        r->failed++;
    } else if (sp_evidence_tsa_verify(tok, len, o->digest, r->ca_file, e, sizeof e) != SP_OK) {
        printf("error %d: the token is not for this request's digest: %s\n", o->i, e);
        r->failed++;
    }
    if (r->done == r->n)
        printf("burst %d: all answered in %.1f ms\n", r->n, (double)(uv_hrtime() - r->t0) / 1e6);
}

/* --- series ---------------------------------------------------------------- */

typedef struct series {
    run *r;
    uv_timer_t timer;
    int asked, max, gap_ms;
    int phase; /* 0 want a token, 1 want a failure, 2 want a token, 3 done */
} series;

static void on_series(void *arg, sp_status st, const unsigned char *tok, size_t len,
                      const char *err);

static void series_tick(uv_timer_t *t)
{
    series *s = t->data;
    digest_of(s->asked++, s->r->digest);
    if (sp_evidence_tsa_request(s->r->tsa, s->r->digest, on_series, s) != SP_OK) {
        printf("error: request refused\n");
        s->r->failed++;
        uv_close((uv_handle_t *)&s->timer, NULL);
    }
}

static void on_series(void *arg, sp_status st, const unsigned char *tok, size_t len,
                      const char *err)
{
    series *s = arg;
    s->r->done++;
    if (st == SP_OK && check_token(s->r, tok, len)) {
        printf("%d ok %zu\n", s->asked - 1, len);
        if (s->phase == 0 || s->phase == 2)
            s->phase++;
    } else {
        printf("%d error %s: %s\n", s->asked - 1, sp_status_name(st), err ? err : "(no reason)");
        if (s->phase == 1)
            s->phase = 2;
    }
    fflush(stdout);
    if (s->phase == 3 || s->asked >= s->max) {
        if (s->phase != 3)
            s->r->failed++;
        uv_close((uv_handle_t *)&s->timer, NULL);
        return;
    }
    uv_timer_start(&s->timer, series_tick, (uint64_t)s->gap_ms, 0);
}

/* --- main ------------------------------------------------------------------ */

static int usage(void)
{
    fprintf(stderr, "usage: tsa_client get URL CA_FILE HEX OUT\n"
                    "       tsa_client many URL CA_FILE N OUTDIR\n"
                    "       tsa_client burst URL CA_FILE N\n"
                    "       tsa_client series URL CA_FILE GAP_MS MAX\n"
                    "       tsa_client verify CA_FILE HEX TOKEN\n");
    return 2;
}

int main(int argc, char **argv)
{
    char err[256];
    run r = {0};
    if (argc == 5 && strcmp(argv[1], "verify") == 0) {
        size_t len = 0;
        unsigned char *tok = read_file(argv[4], &len);
        if (!parse_hex(argv[3], r.digest) || !tok) {
            free(tok);
            return usage();
        }
        sp_status st = sp_evidence_tsa_verify(tok, len, r.digest, argv[2], err, sizeof err);
        free(tok);
        if (st != SP_OK) {
            printf("error %s: %s\n", sp_status_name(st), err);
            return 1;
        }
        printf("ok\n");
        return 0;
    }
    const char *mode = argc > 1 ? argv[1] : "";
    bool many = strcmp(mode, "many") == 0, burst = strcmp(mode, "burst") == 0;
    bool get = strcmp(mode, "get") == 0, ser = strcmp(mode, "series") == 0;
    if (!(argc == 6 && (get || many || ser)) && !(argc == 5 && burst))
        return usage();
    r.ca_file = argv[3];
    r.out = argc > 5 ? argv[5] : NULL;
    series s = {.r = &r};
    if (get ? !parse_hex(argv[4], r.digest) : (r.n = atoi(argv[4])) < 1)
        return usage();
    if (ser && ((s.gap_ms = r.n) < 1 || (s.max = atoi(argv[5])) < 3))
        return usage();
    one *ones = NULL;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    uv_loop_t loop;
    uv_loop_init(&loop);
    /* Counted with the loop's own descriptors open (libuv also keeps a
     * process-wide pipe from the first loop on): the client's only. */
    int fds0 = count_fds();
    sp_status st = sp_evidence_tsa_create(&loop, argv[2], argv[3], &r.tsa, err, sizeof err);
    if (st != SP_OK) {
        printf("create: %s: %s\n", sp_status_name(st), err);
        uv_loop_close(&loop);
        curl_global_cleanup();
        return 2;
    }
    if (many) {
        ask_next(&r);
    } else if (burst) {
        if (!(ones = calloc((size_t)r.n, sizeof *ones)))
            return 2;
        r.t0 = uv_hrtime();
        for (int i = 0; i < r.n; i++) {
            ones[i].r = &r;
            ones[i].i = i;
            digest_of(1000 + i, ones[i].digest);
            if (sp_evidence_tsa_request(r.tsa, ones[i].digest, on_burst, &ones[i]) != SP_OK) {
                printf("error: request %d refused\n", i);
                r.failed++;
                r.done++;
            }
        }
    } else if (ser) {
        r.n = 0; /* counted as they come */
        uv_timer_init(&loop, &s.timer);
        s.timer.data = &s;
        uv_timer_start(&s.timer, series_tick, 0, 0);
    } else {
        r.n = 1;
        r.t0 = uv_hrtime();
        st = sp_evidence_tsa_request(r.tsa, r.digest, on_get, &r);
        if (st != SP_OK) {
            printf("error: request refused: %s\n", sp_strerror(st));
            r.failed++;
            r.done = 1;
        }
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    if (ser)
        r.n = r.done;
    if (r.done != r.n) {
        printf("error: %d of %d callbacks\n", r.done, r.n);
        r.failed++;
    }
    if (many) {
        int ok = r.n - r.failed;
        if (ok > 0)
            printf("tokens %d, round trip mean %.1f ms (min %.1f, max %.1f), size %zu..%zu "
                   "bytes\n",
                   ok, r.sum_ms / ok, r.min_ms, r.max_ms, r.min_len, r.max_len);
        /* One left pending: the destroy must call it back, canceled. */
        unsigned char d[32] = {1};
        if (sp_evidence_tsa_request(r.tsa, d, on_canceled, &r) != SP_OK) {
            printf("error: the last request was refused\n");
            r.failed++;
        }
    }
    sp_evidence_tsa_destroy(r.tsa);
    free(ones);
    if (many && r.canceled != 1) {
        printf("error: the pending request was called back %d times at destroy\n", r.canceled);
        r.failed++;
    }
    uv_run(&loop, UV_RUN_DEFAULT); /* the closes */
    int fds1 = count_fds();
    if (uv_loop_close(&loop) != 0) {
        printf("error: libuv handles left open\n");
        r.failed++;
    }
    curl_global_cleanup();
    if (fds1 != fds0) {
        printf("error: %d file descriptors before, %d after\n", fds0, fds1);
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        while (d && (de = readdir(d))) {
            char p[300], to[256] = "";
            snprintf(p, sizeof p, "/proc/self/fd/%s", de->d_name);
            ssize_t n = readlink(p, to, sizeof to - 1);
            if (n > 0)
                to[n] = '\0';
            printf("  fd %s -> %s\n", de->d_name, to);
        }
        if (d)
            closedir(d);
        r.failed++;
    }
    return r.failed ? 1 : 0;
}
