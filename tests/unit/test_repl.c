/*
 * rrdcached's replies as the replicator reads them (replicator/proto.c):
 * every reply of rrdcached 1.7.2 the replicator meets, split across reads
 * at every byte, and hostile input (an overlong line, a status that is not
 * a number, a count beyond the limit, NUL bytes) refused without a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replicator/proto.h"

/* Feed s in pieces of `piece` bytes; returns the status of the first
 * failure, or SP_OK. *done: the reply is complete; *left: bytes not taken. */
static sp_status feed(sp_repl_reply *r, const char *s, size_t len, size_t piece, bool *done,
                      size_t *left)
{
    char err[200];
    size_t off = 0;
    sp_repl_reply_init(r);
    *done = false;
    while (off < len && !*done) {
        size_t n = len - off < piece ? len - off : piece, used = 0;
        sp_status st = sp_repl_reply_feed(r, s + off, n, &used, done, err, sizeof err);
        if (st != SP_OK)
            return st;
        assert_true(used <= n);
        assert_true(used == n || *done);
        off += used;
    }
    *left = len - off;
    return SP_OK;
}

/* The same reply split at every size gives the same result. */
static void each_split(const char *s, void (*check)(const sp_repl_reply *r, size_t left))
{
    for (size_t piece = 1; piece <= strlen(s); piece++) {
        sp_repl_reply r;
        bool done;
        size_t left;
        assert_int_equal(feed(&r, s, strlen(s), piece, &done, &left), SP_OK);
        assert_true(done);
        check(&r, left);
    }
}

static void check_last(const sp_repl_reply *r, size_t left)
{
    assert_int_equal(r->status, 0);
    assert_string_equal(r->text, "1700000060");
    assert_int_equal(r->lines, 0);
    assert_int_equal(left, 0);
}

static void check_missing(const sp_repl_reply *r, size_t left)
{
    assert_int_equal(r->status, -1);
    assert_string_equal(r->text, "RRD Error: opening '/c/v1/web.rrd': No such file or directory");
    assert_int_equal(left, 0);
}

static void check_batch(const sp_repl_reply *r, size_t left)
{
    assert_int_equal(r->status, 2);
    assert_string_equal(r->text, "errors");
    assert_int_equal(r->lines, 2);
    assert_string_equal(r->first, "2 illegal attempt to update using time 1700000001 when last "
                                  "update time is 1700000005 (minimum one second step)");
    assert_int_equal(r->cmd_lo, 2);
    assert_int_equal(r->cmd_hi, 7);
    assert_int_equal(r->numbered, 2);
    assert_int_equal(left, 0);
}

static void check_go(const sp_repl_reply *r, size_t left)
{
    assert_int_equal(r->status, 0);
    assert_string_equal(r->text, "Go ahead.  End with dot '.' on its own line.");
    assert_int_equal(left, 0);
}

/* rrdcached 1.7.2's replies, whole and split at every byte */
static void test_replies(void **state)
{
    (void)state;
    each_split("0 1700000060\n", check_last);
    each_split("-1 RRD Error: opening '/c/v1/web.rrd': No such file or directory\n", check_missing);
    each_split("0 Go ahead.  End with dot '.' on its own line.\n", check_go);
    each_split("2 errors\n2 illegal attempt to update using time 1700000001 when last update "
               "time is 1700000005 (minimum one second step)\n7 illegal attempt to update using "
               "time 1700000002 when last update time is 1700000005 (minimum one second step)\n",
               check_batch);
    /* CRLF is taken as a line end too */
    each_split("0 1700000060\r\n", check_last);
}

static void test_zero_errors_and_more(void **state)
{
    (void)state;
    sp_repl_reply r;
    bool done;
    size_t left;
    assert_int_equal(feed(&r, "0 errors\n", 9, 100, &done, &left), SP_OK);
    assert_true(done);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.cmd_lo, -1);
    /* bytes after a complete reply are not taken: the caller's error */
    assert_int_equal(feed(&r, "0 1\n0 2\n", 8, 100, &done, &left), SP_OK);
    assert_true(done);
    assert_int_equal(left, 4);
    /* not complete yet: a status announcing lines not yet there */
    assert_int_equal(feed(&r, "3 Info\na 1\n", 11, 100, &done, &left), SP_OK);
    assert_false(done);
    assert_int_equal(r.lines, 1);
    assert_int_equal(r.numbered, 0); /* "a 1" does not start with a number */
    /* a status without text */
    assert_int_equal(feed(&r, "0\n", 2, 1, &done, &left), SP_OK);
    assert_true(done);
    assert_string_equal(r.text, "");
}

static void refused(const char *s, size_t len, size_t piece)
{
    sp_repl_reply r;
    bool done;
    size_t left;
    assert_int_equal(feed(&r, s, len, piece, &done, &left), SP_EPARSE);
}

static void test_hostile(void **state)
{
    (void)state;
    refused("hello\n", 6, 3);                /* no number */
    refused("OK 1\n", 5, 100);               /* no number */
    refused("\n", 1, 1);                     /* an empty status line */
    refused("-\n", 2, 1);                    /* a sign alone */
    refused("12x errors\n", 11, 100);        /* digits then not a space */
    refused("9999999999 errors\n", 18, 100); /* more than 9 digits */
    refused("100001 errors\n", 14, 100);     /* beyond SP_REPL_LINES_MAX */
    refused("0 a\0b\n", 6, 100);             /* a NUL byte */
    refused("2 errors\n1 ok\n\0\n", 16, 1);  /* a NUL in a later line */
    /* a line longer than SP_REPL_LINE_MAX, with or without a newline */
    size_t n = SP_REPL_LINE_MAX + 10;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, '7', n);
    refused(big, n, 4096);
    refused(big, n, 1000);
    big[0] = '0';
    big[1] = ' ';
    big[n - 1] = '\n';
    refused(big, n, 3);
    /* a line just at the limit is taken (without its newline) */
    big[SP_REPL_LINE_MAX] = '\n';
    sp_repl_reply r;
    bool done;
    size_t left;
    assert_int_equal(feed(&r, big, SP_REPL_LINE_MAX + 1, 512, &done, &left), SP_OK);
    assert_true(done);
    assert_int_equal(strlen(r.text), SP_REPL_TEXT - 1); /* kept cut */
    free(big);
}

/* What is kept is printable: a peer's bytes go into logs and journals. */
static void test_printable(void **state)
{
    (void)state;
    sp_repl_reply r;
    bool done;
    size_t left;
    const char s[] = "-1 bad \x1b[31m\xff byte\n";
    assert_int_equal(feed(&r, s, sizeof s - 1, 100, &done, &left), SP_OK);
    assert_true(done);
    assert_string_equal(r.text, "bad ?[31m? byte");
}

static void test_error_key(void **state)
{
    (void)state;
    char a[128], b[128];
    sp_repl_error_key("2 illegal attempt to update using time 1700000001 when last update time "
                      "is 1700000005 (minimum one second step)",
                      a, sizeof a);
    sp_repl_error_key("9 illegal attempt to update using time 1700000999 when last update time "
                      "is 1700001005 (minimum one second step)",
                      b, sizeof b);
    assert_string_equal(a, b);
    assert_string_equal(a, "illegal attempt to update using time # when last update time is # "
                           "(minimum one second step)");
    sp_repl_error_key("", a, sizeof a);
    assert_string_equal(a, "");
    sp_repl_error_key("123", a, 4);
    assert_string_equal(a, "");
    sp_repl_error_key("1 abcdef", a, 4); /* cut to fit */
    assert_string_equal(a, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replies),   cmocka_unit_test(test_zero_errors_and_more),
        cmocka_unit_test(test_hostile),   cmocka_unit_test(test_printable),
        cmocka_unit_test(test_error_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
