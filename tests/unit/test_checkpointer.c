/*
 * The daemon's checkpointer (evidence/checkpointer.c) on a real store and
 * loop, with a fake time-stamping authority in place of evidence/tsa.c
 * (this file defines tsa.h's functions, so the archive's tsa.o is not
 * linked): the authority refuses the first two requests; checkpoints go on
 * meanwhile, the tokens come after the back-off, one per checkpoint, each
 * over the SHA-256 of its checkpoint's message, and nothing is lost at
 * stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "evidence/checkpointer.h"
#include "evidence/tsa.h"

/* --- The fake authority ---------------------------------------------------- */

struct sp_evidence_tsa {
    uv_loop_t *loop;
    uv_timer_t answer; /* replies come later, on the loop, like curl's */
    sp_evidence_tsa_cb cb;
    void *arg;
    unsigned char digest[32];
    bool pending;
};
static int fake_requests, fake_fail_first = 2;

sp_status sp_evidence_tsa_create(uv_loop_t *loop, const char *url, const char *ca_file,
                                 sp_evidence_tsa **out, char *err, size_t errlen)
{
    (void)url, (void)ca_file, (void)err, (void)errlen;
    sp_evidence_tsa *t = calloc(1, sizeof *t);
    t->loop = loop;
    uv_timer_init(loop, &t->answer);
    t->answer.data = t;
    *out = t;
    return SP_OK;
}

static void answer(uv_timer_t *h)
{
    sp_evidence_tsa *t = h->data;
    t->pending = false;
    if (fake_requests <= fake_fail_first) {
        t->cb(t->arg, SP_ECURL, NULL, 0, "connection refused (fake)");
        return;
    }
    unsigned char tok[36] = "FAKE";
    memcpy(tok + 4, t->digest, 32);
    t->cb(t->arg, SP_OK, tok, sizeof tok, NULL);
}

sp_status sp_evidence_tsa_request(sp_evidence_tsa *t, const unsigned char digest[32],
                                  sp_evidence_tsa_cb cb, void *arg)
{
    assert_false(t->pending); /* one at a time */
    fake_requests++;
    t->cb = cb;
    t->arg = arg;
    memcpy(t->digest, digest, 32);
    t->pending = true;
    uv_timer_start(&t->answer, answer, 10, 0);
    return SP_OK;
}

static void closed(uv_handle_t *h)
{
    free(h->data);
}

void sp_evidence_tsa_destroy(sp_evidence_tsa *t)
{
    if (!t)
        return;
    if (t->pending)
        t->cb(t->arg, SP_ECANCELED, NULL, 0, "destroyed");
    uv_close((uv_handle_t *)&t->answer, closed);
}

sp_status sp_evidence_tsa_verify(const unsigned char *token, size_t len,
                                 const unsigned char digest[32], const char *ca_file, char *err,
                                 size_t errlen)
{
    (void)ca_file, (void)err, (void)errlen;
    return len == 36 && memcmp(token + 4, digest, 32) == 0 ? SP_OK : SP_EINVAL;
}

/* --- The test ------------------------------------------------------------------ */

typedef struct lines {
    int checkpoints, tokens;
    bool token_before_second_checkpoint;
} lines;

static void count_lines(const char *path, lines *n, sp_evidence_checkpoint *cps)
{
    memset(n, 0, sizeof *n);
    FILE *fp = fopen(path, "re");
    if (!fp)
        return;
    char buf[8192];
    while (fgets(buf, sizeof buf, fp)) {
        sp_evidence_line l;
        char err[256];
        assert_int_equal(sp_evidence_line_parse(buf, strlen(buf) - 1, &l, err, sizeof err), SP_OK);
        if (l.type == SP_EVIDENCE_LINE_CHECKPOINT) {
            if (cps && n->checkpoints < 8)
                cps[n->checkpoints] = l.cp;
            n->checkpoints++;
            continue;
        }
        if (n->checkpoints < 2)
            n->token_before_second_checkpoint = true;
        /* the token stamps its checkpoint's message */
        const sp_evidence_checkpoint *cp = NULL;
        for (int k = 0; cps && k < n->checkpoints && k < 8; k++)
            if (cps[k].seq == l.tok_seq)
                cp = &cps[k];
        assert_non_null(cp);
        char msg[512], hex[65];
        unsigned char md[32];
        sp_evidence_sha256(msg, sp_evidence_message(cp, msg, sizeof msg), md, hex);
        assert_string_equal(l.imprint_sha256, hex);
        assert_int_equal(sp_evidence_tsa_verify(l.token, l.token_len, md, NULL, err, sizeof err),
                         SP_OK);
        free(l.token);
        n->tokens++;
    }
    fclose(fp);
}

typedef struct ctx {
    sp_store *store;
    sp_store_target *t;
} ctx;

static void second_line(uv_timer_t *h)
{
    ctx *c = h->data;
    sp_store_put_event(c->store, c->t, json_pack("{s:s}", "type", "note"), false);
}

static void tsa_down_then_up(void **state)
{
    (void)state;
    char dir[] = "/tmp/sp_ckpt_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char keypath[128], cpath[128], err[512];
    snprintf(keypath, sizeof keypath, "%s/key.pem", dir);
    sp_evidence_key *k;
    assert_int_equal(sp_evidence_key_generate(&k), SP_OK);
    assert_int_equal(sp_evidence_key_write(k, keypath, err, sizeof err), SP_OK);
    sp_evidence_key_free(k);
    char pem[4096] = "";
    FILE *fp = fopen(keypath, "re");
    pem[fread(pem, 1, sizeof pem - 1, fp)] = '\0';
    fclose(fp);

    uv_loop_t loop;
    uv_loop_init(&loop);
    ctx c = {0};
    sp_store_retention ret = {1, 2, 3};
    assert_int_equal(sp_store_create(&loop, dir, NULL, &ret, &c.store, err, sizeof err), SP_OK);
    assert_int_equal(sp_store_open_target(c.store, "a", 60, &c.t, err, sizeof err), SP_OK);
    sp_store_put_event(c.store, c.t, json_pack("{s:s}", "type", "note"), false);
    sp_evidence_ckpt *ck;
    sp_evidence_ckpt_opts o = {
        .dir = dir, .key_pem = pem, .every_ms = 100, .tsa_url = "fake", .tsa_ca = "fake"};
    assert_int_equal(sp_evidence_ckpt_create(&loop, c.store, &o, &ck, err, sizeof err), SP_OK);
    uv_timer_t later;
    uv_timer_init(&loop, &later);
    later.data = &c;
    uv_timer_start(&later, second_line, 500, 0);
    sp_evidence_path(dir, "a", cpath, sizeof cpath);

    /* the authority fails twice (1 s, then 2 s of back-off): the second
     * checkpoint is written meanwhile, then both tokens come */
    lines n;
    sp_evidence_checkpoint cps[8];
    uint64_t t0 = uv_now(&loop);
    do {
        uv_run(&loop, UV_RUN_ONCE);
        count_lines(cpath, &n, cps);
    } while (n.tokens < 2 && uv_now(&loop) - t0 < 10000);
    assert_int_equal(n.checkpoints, 2);
    assert_int_equal(n.tokens, 2);
    assert_false(n.token_before_second_checkpoint);
    assert_int_equal(fake_requests, 4); /* 2 refused + 2 answered */
    const sp_evidence_checkpoint *latest = sp_evidence_ckpt_latest(ck, "a");
    assert_non_null(latest);
    assert_int_equal(latest->seq, 2);

    /* stop: the last round finds the head unmoved and writes nothing */
    sp_evidence_ckpt_stop(ck);
    uv_close((uv_handle_t *)&later, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    count_lines(cpath, &n, cps);
    assert_int_equal(n.checkpoints, 2);
    sp_evidence_ckpt_destroy(ck);
    sp_store_destroy(c.store);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);

    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(tsa_down_then_up)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
