/*
 * What a raw DNS answer says beyond c-ares' parsers (probe/dns_answer.c):
 * truncation and CNAME loops, on hand-made messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probe/dns_answer.h"

/* A message being built: header, one question, answers. */
typedef struct msg {
    unsigned char b[512];
    size_t n;
} msg;

static void put_name(msg *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        m->b[m->n++] = (unsigned char)l;
        memcpy(m->b + m->n, name, l);
        m->n += l;
        name += l + (dot ? 1 : 0);
    }
    m->b[m->n++] = 0;
}

static void start(msg *m, const char *qname, int flags2, int ancount)
{
    memset(m, 0, sizeof *m);
    m->b[0] = 0x12;
    m->b[2] = (unsigned char)(0x80 | flags2);
    m->b[3] = 0x80;
    m->b[5] = 1;
    m->b[7] = (unsigned char)ancount;
    m->n = 12;
    put_name(m, qname);
    m->b[m->n + 1] = 1; /* A */
    m->b[m->n + 3] = 1; /* IN */
    m->n += 4;
}

static void cname(msg *m, const char *owner, const char *target)
{
    put_name(m, owner);
    unsigned char fixed[10] = {0, 5, 0, 1, 0, 0, 0, 60, 0, 0};
    msg t = {.n = 0};
    put_name(&t, target);
    fixed[9] = (unsigned char)t.n;
    memcpy(m->b + m->n, fixed, 10);
    m->n += 10;
    memcpy(m->b + m->n, t.b, t.n);
    m->n += t.n;
}

static void test_truncated(void **state)
{
    (void)state;
    msg m;
    start(&m, "tc.test", 0x02, 0);
    assert_true(sp_probe__dns_truncated(m.b, (int)m.n));
    start(&m, "ok.test", 0x00, 0);
    assert_false(sp_probe__dns_truncated(m.b, (int)m.n));
    assert_false(sp_probe__dns_truncated(NULL, 0));
    assert_false(sp_probe__dns_truncated(m.b, 3));
}

static void test_cname_loop(void **state)
{
    (void)state;
    msg m;
    char buf[256];
    start(&m, "a.test", 0, 2);
    cname(&m, "a.test", "b.test");
    cname(&m, "B.test.", "a.test"); /* case and a final dot do not matter */
    assert_true(sp_probe__dns_cname_loop(m.b, (int)m.n, buf, sizeof buf));
    assert_string_equal(buf, "a.test -> b.test -> a.test");
    /* a loop that does not start at the question's name */
    start(&m, "x.test", 0, 3);
    cname(&m, "x.test", "a.test");
    cname(&m, "a.test", "b.test");
    cname(&m, "b.test", "a.test");
    assert_true(sp_probe__dns_cname_loop(m.b, (int)m.n, buf, sizeof buf));
    assert_string_equal(buf, "x.test -> a.test -> b.test -> a.test");
    /* an alias to itself */
    start(&m, "self.test", 0, 1);
    cname(&m, "self.test", "self.test");
    assert_true(sp_probe__dns_cname_loop(m.b, (int)m.n, buf, sizeof buf));
    assert_string_equal(buf, "self.test -> self.test");
    /* a plain chain is no loop */
    start(&m, "alias.test", 0, 1);
    cname(&m, "alias.test", "ok.test");
    assert_false(sp_probe__dns_cname_loop(m.b, (int)m.n, buf, sizeof buf));
    /* a loop among names the question does not lead to is not ours */
    start(&m, "q.test", 0, 2);
    cname(&m, "a.test", "b.test");
    cname(&m, "b.test", "a.test");
    assert_false(sp_probe__dns_cname_loop(m.b, (int)m.n, buf, sizeof buf));
    /* cut off in the middle of a record: no claim */
    start(&m, "a.test", 0, 2);
    cname(&m, "a.test", "b.test");
    cname(&m, "b.test", "a.test");
    assert_false(sp_probe__dns_cname_loop(m.b, (int)m.n - 5, buf, sizeof buf));
    assert_false(sp_probe__dns_cname_loop(NULL, 0, buf, sizeof buf));
    /* a short buffer gets a cut chain, never an overflow */
    start(&m, "a.test", 0, 2);
    cname(&m, "a.test", "b.test");
    cname(&m, "b.test", "a.test");
    assert_true(sp_probe__dns_cname_loop(m.b, (int)m.n, buf, 8));
    assert_string_equal(buf, "a.test ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_cname_loop),
    };
    return cmocka_run_group_tests_name("dns_answer", tests, NULL, NULL);
}
