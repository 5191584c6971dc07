/*
 * The hash-chained journal (journal/journal.c): an intact chain verifies;
 * editing, deleting or reordering one line is reported at the right line;
 * a torn last line is tolerated, reported, and cut on reopen so the chain
 * continues.
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

#include "journal/journal.h"

static char path[64];

static void write_events(int n)
{
    sp_journal *j;
    char err[256];
    assert_int_equal(sp_journal_open(path, &j, err, sizeof err), SP_OK);
    for (int i = 0; i < n; i++) {
        json_t *ev = json_pack("{s:s, s:i}", "type", "state", "n", i);
        assert_int_equal(sp_journal_append(j, ev, i % 2 == 0, err, sizeof err), SP_OK);
        json_decref(ev);
    }
    sp_journal_close(j);
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/sp_journal_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

/* Rewrite the file with the lines in a new order; -1 drops a line. */
static void rewrite(const int *order, int n, const char *edit_line3)
{
    char lines[16][512];
    int count = 0;
    FILE *fp = fopen(path, "r");
    while (count < 16 && fgets(lines[count], sizeof lines[0], fp))
        count++;
    fclose(fp);
    fp = fopen(path, "w");
    for (int i = 0; i < n; i++) {
        if (order[i] < 0)
            continue;
        if (edit_line3 && order[i] == 2)
            fputs(edit_line3, fp);
        else
            fputs(lines[order[i]], fp);
    }
    fclose(fp);
}

static sp_journal_report verify(void)
{
    sp_journal_report r;
    char err[256];
    assert_int_equal(sp_journal_verify(path, &r, err, sizeof err), SP_OK);
    return r;
}

static void test_intact(void **state)
{
    (void)state;
    write_events(5);
    sp_journal_report r = verify();
    assert_int_equal(r.lines, 5);
    assert_int_equal(r.first_bad, 0);
    assert_false(r.torn_tail);
    assert_int_equal(strlen(r.last_hash), 64);
    /* appending later continues the same chain */
    write_events(2);
    r = verify();
    assert_int_equal(r.lines, 7);
    assert_int_equal(r.first_bad, 0);
}

static void test_edit_detected_at_next_line(void **state)
{
    (void)state;
    write_events(5);
    /* same structure, one value changed: still valid JSON, chain broken */
    FILE *fp = fopen(path, "r");
    char l[3][512];
    for (int i = 0; i < 3; i++)
        assert_non_null(fgets(l[i], sizeof l[i], fp));
    fclose(fp);
    char *n = strstr(l[2], "\"n\":2");
    assert_non_null(n);
    n[4] = '9';
    const int order[] = {0, 1, 2, 3, 4};
    rewrite(order, 5, l[2]);
    sp_journal_report r = verify();
    assert_int_equal(r.first_bad, 4);
    assert_non_null(strstr(r.problem, "line 3"));
}

static void test_delete_detected(void **state)
{
    (void)state;
    write_events(5);
    const int order[] = {0, -1, 2, 3, 4};
    rewrite(order, 5, NULL);
    sp_journal_report r = verify();
    assert_int_equal(r.lines, 4);
    assert_int_equal(r.first_bad, 2);
}

static void test_reorder_detected(void **state)
{
    (void)state;
    write_events(5);
    const int order[] = {0, 2, 1, 3, 4};
    rewrite(order, 5, NULL);
    sp_journal_report r = verify();
    assert_int_equal(r.first_bad, 2);
}

static void test_delete_first_line_detected(void **state)
{
    (void)state;
    write_events(3);
    const int order[] = {-1, 1, 2};
    rewrite(order, 3, NULL);
    sp_journal_report r = verify();
    assert_int_equal(r.first_bad, 1);
}

static void test_torn_tail(void **state)
{
    (void)state;
    write_events(3);
    FILE *fp = fopen(path, "a");
    fputs("{\"seq\":4,\"type\":\"sta", fp); /* crash mid-write */
    fclose(fp);
    sp_journal_report r = verify();
    assert_int_equal(r.lines, 3);
    assert_int_equal(r.first_bad, 0);
    assert_true(r.torn_tail);
    /* reopening cuts the torn line; the chain continues intact */
    write_events(2);
    r = verify();
    assert_int_equal(r.lines, 5);
    assert_int_equal(r.first_bad, 0);
    assert_false(r.torn_tail);
}

static void test_sha256(void **state)
{
    (void)state;
    char h[65];
    sp_journal_sha256_hex("abc", 3, h); /* FIPS 180-2 test vector */
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_intact),         T(test_edit_detected_at_next_line),
        T(test_delete_detected), T(test_reorder_detected),
        T(test_delete_first_line_detected), T(test_torn_tail),
        T(test_sha256),
    };
    return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
