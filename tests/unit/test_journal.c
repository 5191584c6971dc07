/*
 * The hash-chained journal (journal/journal.c): an intact chain verifies;
 * editing, deleting or reordering one line is reported at the right line;
 * a torn last line is tolerated, reported, and cut on reopen so the chain
 * continues. The typed lines (journal/lines.c): each type's keys in the
 * order journals have always had them, and read back as written.
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
#include "journal/lines.h"

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

/* Reopening reads only the end of a journal: the head (seq from the last
 * line, its hash) is what counting every line gives, with a file far
 * larger than the first window, a last line longer than it, a torn line
 * after it; and a last line with no seq (not written by us) is counted. */
static void test_reopen_reads_tail(void **state)
{
    (void)state;
    char err[256];
    sp_journal *j;
    assert_int_equal(sp_journal_open(path, &j, err, sizeof err), SP_OK);
    for (int i = 0; i < 3000; i++) { /* ~150 KB */
        json_t *ev = json_pack("{s:s, s:i}", "type", "state", "n", i);
        assert_int_equal(sp_journal_append(j, ev, false, err, sizeof err), SP_OK);
        json_decref(ev);
    }
    static char big[200000];
    memset(big, 'x', sizeof big - 1);
    json_t *ev = json_pack("{s:s, s:s}", "type", "note", "text", big); /* one line > 64 KB */
    assert_int_equal(sp_journal_append(j, ev, true, err, sizeof err), SP_OK);
    json_decref(ev);
    sp_journal_close(j);
    FILE *fp = fopen(path, "a");
    fputs("{\"seq\":3002,\"type\":\"sta", fp); /* torn */
    fclose(fp);
    write_events(2);
    sp_journal_report r = verify();
    assert_int_equal(r.lines, 3003);
    assert_int_equal(r.first_bad, 0);
    assert_false(r.torn_tail);

    /* a last line of another writer, without seq: counted, chained */
    long seq;
    char h[65];
    assert_int_equal(sp_journal_open(path, &j, err, sizeof err), SP_OK);
    sp_journal_head(j, &seq, h);
    sp_journal_close(j);
    assert_int_equal(seq, 3003);
    assert_string_equal(h, r.last_hash);
    fp = fopen(path, "a");
    fprintf(fp, "{\"type\":\"other\",\"prev\":\"%s\"}\n", h);
    fclose(fp);
    assert_int_equal(sp_journal_open(path, &j, err, sizeof err), SP_OK);
    sp_journal_head(j, &seq, h);
    sp_journal_close(j);
    assert_int_equal(seq, 3004);
}

static int open_fds(void)
{
    int n = 0;
    char p[64];
    for (int fd = 0; fd < 4096; fd++) {
        snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
        n += access(p, F_OK) == 0;
    }
    return n;
}

/* Pooled journals: more journals than the pool keeps open, appended to in
 * turn, hold no more descriptors than the pool's size, and each chain
 * verifies with every line (the head kept in memory continues it after a
 * reopen); a line another process appended meanwhile is read, not
 * overwritten, and the chain goes on after it. */
static void test_pool_bounded(void **state)
{
    (void)state;
    enum { N = 9, MAX = 3, ROUNDS = 5 };
    char dir[] = "/tmp/sp_jpool_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char paths[N][96];
    sp_journal *j[N];
    sp_journal_pool *pool;
    char err[256];
    int base = open_fds();
    assert_int_equal(sp_journal_pool_create(MAX, &pool), SP_OK);
    for (int i = 0; i < N; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/j%d.journal", dir, i);
        assert_int_equal(sp_journal_open_pooled(paths[i], pool, &j[i], err, sizeof err), SP_OK);
        assert_true(sp_journal_pool_open(pool) <= MAX);
    }
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N; i++) {
            json_t *ev = json_pack("{s:s, s:i}", "type", "state", "n", r);
            assert_int_equal(sp_journal_append(j[i], ev, r % 2 == 0, err, sizeof err), SP_OK);
            json_decref(ev);
            assert_true(sp_journal_pool_open(pool) <= MAX);
            assert_true(open_fds() <= base + MAX);
        }
        if (r == 2) { /* another process appends a chained line to j0 */
            long seq;
            char h[65];
            sp_journal_head(j[0], &seq, h);
            FILE *fp = fopen(paths[0], "a");
            fprintf(fp, "{\"seq\":%ld,\"type\":\"other\",\"prev\":\"%s\"}\n", seq + 1, h);
            fclose(fp);
        }
    }
    for (int i = 0; i < N; i++) {
        long seq;
        char h[65];
        sp_journal_head(j[i], &seq, h);
        sp_journal_close(j[i]);
        sp_journal_report rep;
        assert_int_equal(sp_journal_verify(paths[i], &rep, err, sizeof err), SP_OK);
        assert_int_equal(rep.first_bad, 0);
        assert_int_equal(rep.lines, ROUNDS + (i == 0));
        assert_int_equal(seq, rep.lines);
        assert_string_equal(h, rep.last_hash);
        unlink(paths[i]);
    }
    assert_int_equal(sp_journal_pool_open(pool), 0);
    assert_int_equal(open_fds(), base);
    sp_journal_pool_destroy(pool);
    rmdir(dir);
}

static void test_sha256(void **state)
{
    (void)state;
    char h[65];
    sp_journal_sha256_hex("abc", 3, h); /* FIPS 180-2 test vector */
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* --- Typed lines ---------------------------------------------------------- */

#define T0 INT64_C(1700000000123) /* 2023-11-14T22:13:20.123Z */

/* The line as the journal writes it (journal.c's dump flags). */
static void assert_line(const sp_journal_line *l, const char *want)
{
    json_t *o = sp_journal_line_to_json(l);
    assert_non_null(o);
    char *got = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    json_decref(o);
}

static void test_lines_daemon(void **state)
{
    (void)state;
    sp_journal_line start = {.type = SP_JOURNAL_START,
                             .t_ms = T0,
                             .start = {.version = "0.1.0", .pid = 42, .config = "/etc/s.yaml"}};
    assert_line(&start, "{\"type\":\"start\",\"version\":\"0.1.0\",\"pid\":42,\"config\":"
                        "\"/etc/s.yaml\",\"time\":\"2023-11-14T22:13:20.123Z\",\"t_ms\":"
                        "1700000000123}");
    /* SPEC section 10's fields, after the older ones */
    start.start.host = "probe-1";
    start.start.config_sha256 = "ab12";
    start.start.vantage = "tokyo-1";
    assert_line(&start, "{\"type\":\"start\",\"version\":\"0.1.0\",\"pid\":42,\"config\":"
                        "\"/etc/s.yaml\",\"host\":\"probe-1\",\"config_sha256\":\"ab12\","
                        "\"vantage\":\"tokyo-1\",\"time\":\"2023-11-14T22:13:20.123Z\","
                        "\"t_ms\":1700000000123}");
    sp_journal_line reload = {.type = SP_JOURNAL_RELOAD, .t_ms = T0};
    assert_line(&reload, "{\"type\":\"reload\",\"time\":\"2023-11-14T22:13:20.123Z\",\"t_ms\":"
                         "1700000000123}");
    sp_journal_line clock = {
        .type = SP_JOURNAL_CLOCK, .t_ms = T0, .clock = {.synchronised = true, .maxerror_us = 1500}};
    assert_line(&clock, "{\"type\":\"clock\",\"synchronised\":true,\"maxerror_us\":1500,\"time\":"
                        "\"2023-11-14T22:13:20.123Z\",\"t_ms\":1700000000123}");
    sp_journal_line stop = {.type = SP_JOURNAL_STOP, .t_ms = T0, .stop = {.settled_ms = T0 - 23}};
    assert_line(&stop, "{\"type\":\"stop\",\"time\":\"2023-11-14T22:13:20.123Z\",\"t_ms\":"
                       "1700000000123,\"settled_ms\":1700000000100}");
    sp_journal_line removed = {.type = SP_JOURNAL_REMOVED, .t_ms = T0};
    assert_line(&removed, "{\"type\":\"removed\",\"time\":\"2023-11-14T22:13:20.123Z\","
                          "\"t_ms\":1700000000123}");
    sp_journal_line jump = {
        .type = SP_JOURNAL_CLOCK_JUMP,
        .t_ms = T0,
        .clock_jump = {.jump_ms = -5000, .before_ms = T0 + 5000, .after_ms = T0}};
    assert_line(&jump, "{\"type\":\"clock_jump\",\"time\":\"2023-11-14T22:13:20.123Z\",\"t_ms\":"
                       "1700000000123,\"jump_ms\":-5000,\"before_ms\":1700000005123,\"after_ms\":"
                       "1700000000123}");
}

static void test_lines_state(void **state)
{
    (void)state;
    sp_journal_line down = {.type = SP_JOURNAL_STATE,
                            .t_ms = T0,
                            .state = {.from = SP_STATE_UP,
                                      .to = SP_STATE_DOWN,
                                      .since_ms = T0 - 1000,
                                      .reason = SP_REASON_HTTP_STATUS,
                                      .detail = "HTTP 503",
                                      .address = "127.0.0.1",
                                      .http_status = 503,
                                      .downtime_s = 99}};
    assert_line(&down, "{\"type\":\"state\",\"time\":\"2023-11-14T22:13:20.123Z\",\"t_ms\":"
                       "1700000000123,\"from\":\"UP\",\"to\":\"DOWN\",\"since\":"
                       "\"2023-11-14T22:13:19.123Z\",\"since_ms\":1699999999123,\"reason\":"
                       "\"http_status\",\"detail\":\"HTTP 503\",\"address\":\"127.0.0.1\","
                       "\"http_status\":503}");
    /* a recovery says how long the outage was; no address, no status */
    sp_journal_line up = {.type = SP_JOURNAL_STATE,
                          .t_ms = T0,
                          .state = {.from = SP_STATE_DOWN,
                                    .to = SP_STATE_UP,
                                    .since_ms = T0,
                                    .reason = SP_REASON_OK,
                                    .detail = "",
                                    .address = "",
                                    .downtime_s = 12.5}};
    assert_line(&up, "{\"type\":\"state\",\"time\":\"2023-11-14T22:13:20.123Z\",\"t_ms\":"
                     "1700000000123,\"from\":\"DOWN\",\"to\":\"UP\",\"since\":"
                     "\"2023-11-14T22:13:20.123Z\",\"since_ms\":1700000000123,\"reason\":\"ok\","
                     "\"detail\":\"\",\"downtime_s\":12.5}");
    /* and back */
    json_t *o = sp_journal_line_to_json(&down);
    sp_journal_line r;
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_STATE);
    assert_int_equal(r.t_ms, T0);
    assert_string_equal(r.time, "2023-11-14T22:13:20.123Z");
    assert_int_equal(r.state.from, SP_STATE_UP);
    assert_int_equal(r.state.to, SP_STATE_DOWN);
    assert_int_equal(r.state.since_ms, T0 - 1000);
    assert_string_equal(r.state.since, "2023-11-14T22:13:19.123Z");
    assert_int_equal(r.state.reason, SP_REASON_HTTP_STATUS);
    assert_string_equal(r.state.detail, "HTTP 503");
    assert_string_equal(r.state.address, "127.0.0.1");
    assert_int_equal(r.state.http_status, 503);
    json_decref(o);
}

static void test_lines_store(void **state)
{
    (void)state;
    /* the writer's lines are stamped after their fields, the scheduler's
     * (clock_back) after "type" */
    sp_journal_line lost = {.type = SP_JOURNAL_STORE_ERROR,
                            .t_ms = T0,
                            .stamp_last = true,
                            .store_error = {.from_ms = 1000,
                                            .to_ms = 3000,
                                            .step_s = 1,
                                            .rows = 2,
                                            .cause = "ENOSPC",
                                            .detail = "full"}};
    assert_line(&lost, "{\"type\":\"store_error\",\"from_ms\":1000,\"to_ms\":3000,\"step_s\":1,"
                       "\"rows\":2,\"cause\":\"ENOSPC\",\"detail\":\"full\",\"time\":"
                       "\"2023-11-14T22:13:20.123Z\",\"t_ms\":1700000000123}");
    lost.stamp_last = false;
    lost.store_error.cause = "clock_back";
    assert_line(&lost, "{\"type\":\"store_error\",\"time\":\"2023-11-14T22:13:20.123Z\",\"t_ms\":"
                       "1700000000123,\"from_ms\":1000,\"to_ms\":3000,\"step_s\":1,\"rows\":2,"
                       "\"cause\":\"clock_back\",\"detail\":\"full\"}");
    sp_journal_line held = {.type = SP_JOURNAL_JOURNAL_LOST,
                            .t_ms = T0,
                            .journal_lost = {.lines = 7, .cause = "too many"}};
    assert_line(&held, "{\"type\":\"journal_lost\",\"lines\":7,\"cause\":\"too many\",\"time\":"
                       "\"2023-11-14T22:13:20.123Z\",\"t_ms\":1700000000123}");
    json_t *o = sp_journal_line_to_json(&lost);
    sp_journal_line r;
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_STORE_ERROR);
    assert_int_equal(r.store_error.from_ms, 1000);
    assert_int_equal(r.store_error.to_ms, 3000);
    assert_string_equal(r.store_error.cause, "clock_back");
    assert_string_equal(r.store_error.detail, "full");
    json_decref(o);
}

static void test_lines_alert(void **state)
{
    (void)state;
    sp_journal_line a = {.type = SP_JOURNAL_ALERT,
                         .t_ms = T0,
                         .alert = {.event = "down",
                                   .target = "web",
                                   .channel = "webhook",
                                   .name = "ops",
                                   .sent = true,
                                   .since_ms = 1000,
                                   .detected_ms = 2000,
                                   .attempts = 1,
                                   .error = ""}};
    assert_line(&a, "{\"type\":\"alert\",\"event\":\"down\",\"target\":\"web\",\"channel\":"
                    "\"webhook\",\"name\":\"ops\",\"sent\":true,\"time\":"
                    "\"2023-11-14T22:13:20.123Z\",\"t_ms\":1700000000123,\"since_ms\":1000,"
                    "\"detected_ms\":2000,\"attempts\":1,\"error\":null}");
    a.alert.error = "HTTP 500";
    a.alert.sent = false;
    json_t *o = sp_journal_line_to_json(&a);
    assert_string_equal(json_string_value(json_object_get(o, "error")), "HTTP 500");
    sp_journal_line r;
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_ALERT);
    assert_false(r.alert.sent);
    assert_string_equal(r.alert.event, "down");
    assert_int_equal(r.alert.since_ms, 1000);
    assert_int_equal(r.t_ms, T0);
    json_decref(o);
}

static void test_lines_import(void **state)
{
    (void)state;
    const sp_journal_incident inc[] = {{100, 200, SP_REASON_TCP_REFUSED}, {200, 260, SP_REASON_OK}};
    sp_journal_line im = {.type = SP_JOURNAL_IMPORT,
                          .t_ms = T0,
                          .import = {.from_ms = 0,
                                     .to_ms = 3600000,
                                     .rows = 10,
                                     .steps = 12,
                                     .unknown_steps = 2,
                                     .source = "h.csv",
                                     .incidents = inc,
                                     .n_incidents = 2}};
    assert_line(&im, "{\"type\":\"import\",\"time\":\"2023-11-14T22:13:20.123Z\",\"t_ms\":"
                     "1700000000123,\"from\":\"1970-01-01T00:00:00.000Z\",\"to\":"
                     "\"1970-01-01T01:00:00.000Z\",\"rows\":10,\"steps\":12,\"unknown_steps\":2,"
                     "\"source\":\"h.csv\",\"incidents\":[{\"from\":100,\"to\":200,\"reason\":"
                     "\"tcp_refused\"},{\"from\":200,\"to\":260,\"reason\":\"ok\"}]}");
    json_t *o = sp_journal_line_to_json(&im);
    sp_journal_line r;
    sp_journal_incident x;
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_IMPORT);
    assert_string_equal(r.import.from, "1970-01-01T00:00:00.000Z");
    assert_int_equal(r.import.n_incidents, 2);
    sp_journal_import_incident(&r, 0, &x);
    assert_int_equal(x.from, 100);
    assert_int_equal(x.to, 200);
    assert_int_equal(x.reason, SP_REASON_TCP_REFUSED);
    json_decref(o);
}

/* Outside input: what is missing or of the wrong kind reads as absent. */
static void test_lines_rows(void **state)
{
    (void)state;
    const char *h = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    sp_journal_line rows = {
        .type = SP_JOURNAL_ROWS,
        .t_ms = T0,
        .rows = {.from = 1700000040, .to = 1700000160, .step_s = 60, .count = 3, .sha256 = h}};
    assert_line(&rows, "{\"type\":\"rows\",\"from\":1700000040,\"to\":1700000160,\"step_s\":60,"
                       "\"count\":3,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd1"
                       "5d6c15b0f00a08\",\"time\":\"2023-11-14T22:13:20.123Z\",\"t_ms\":"
                       "1700000000123}");
    rows.rows.recovered = true;
    assert_line(&rows, "{\"type\":\"rows\",\"from\":1700000040,\"to\":1700000160,\"step_s\":60,"
                       "\"count\":3,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd1"
                       "5d6c15b0f00a08\",\"recovered\":true,\"time\":\"2023-11-14T22:13:20.123Z\","
                       "\"t_ms\":1700000000123}");
    json_t *o = sp_journal_line_to_json(&rows);
    sp_journal_line r;
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_ROWS);
    assert_int_equal(r.rows.from, 1700000040);
    assert_int_equal(r.rows.to, 1700000160);
    assert_int_equal(r.rows.step_s, 60);
    assert_int_equal(r.rows.count, 3);
    assert_string_equal(r.rows.sha256, h);
    assert_true(r.rows.recovered);
    json_decref(o);
    rows.rows.sha256 = NULL; /* a line that would say nothing */
    assert_null(sp_journal_line_to_json(&rows));
    o = json_loads("{\"type\":\"rows\",\"from\":\"x\",\"sha256\":5}", 0, NULL);
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_ROWS);
    assert_int_equal(r.rows.from, SP_JOURNAL_NO_MS);
    assert_int_equal(r.rows.count, SP_JOURNAL_NO_MS);
    assert_null(r.rows.sha256);
    assert_false(r.rows.recovered);
    json_decref(o);
}

/* The replicator's refusals (replicator/repl.h): exact bytes, read back,
 * and a central's text that is not UTF-8 made valid rather than lost. */
static void test_lines_central_refused(void **state)
{
    (void)state;
    sp_journal_line l = {.type = SP_JOURNAL_CENTRAL_REFUSED,
                         .t_ms = T0,
                         .central_refused = {.central = "10.8.0.1:42217",
                                             .detail = "2 illegal attempt to update",
                                             .from = 1700000001,
                                             .to = 1700000060}};
    assert_line(&l, "{\"type\":\"central_refused\",\"central\":\"10.8.0.1:42217\",\"detail\":"
                    "\"2 illegal attempt to update\",\"from\":1700000001,\"to\":1700000060,"
                    "\"time\":\"2023-11-14T22:13:20.123Z\",\"t_ms\":1700000000123}");
    json_t *o = sp_journal_line_to_json(&l);
    sp_journal_line r;
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_CENTRAL_REFUSED);
    assert_string_equal(r.central_refused.central, "10.8.0.1:42217");
    assert_string_equal(r.central_refused.detail, "2 illegal attempt to update");
    assert_int_equal(r.central_refused.from, 1700000001);
    assert_int_equal(r.central_refused.to, 1700000060);
    json_decref(o);
    l.central_refused.detail = "bad \xff byte";
    o = sp_journal_line_to_json(&l);
    assert_non_null(o);
    assert_true(json_is_string(json_object_get(o, "detail")));
    json_decref(o);
    l.central_refused.central = NULL; /* a line that would say nothing */
    assert_null(sp_journal_line_to_json(&l));
    o = json_loads("{\"type\":\"central_refused\",\"from\":\"x\"}", 0, NULL);
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_CENTRAL_REFUSED);
    assert_int_equal(r.central_refused.from, SP_JOURNAL_NO_MS);
    assert_null(r.central_refused.central);
    json_decref(o);
}

static void test_lines_read_hostile(void **state)
{
    (void)state;
    sp_journal_line r;
    json_t *o = json_loads("{\"type\":\"state\",\"to\":\"down\",\"since_ms\":\"1\",\"reason\":7,"
                           "\"t_ms\":1.5}",
                           0, NULL);
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_STATE);
    assert_int_equal(r.state.to, SP_STATE_UNKNOWN); /* upper case only */
    assert_int_equal(r.state.since_ms, SP_JOURNAL_NO_MS);
    assert_null(r.state.since);
    assert_int_equal(r.state.reason, SP_REASON_OK);
    assert_int_equal(r.t_ms, SP_JOURNAL_NO_MS);
    json_decref(o);
    o = json_loads("{\"type\":\"nonsense\"}", 0, NULL);
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_OTHER);
    json_decref(o);
    o = json_loads("[1]", 0, NULL);
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_OTHER);
    json_decref(o);
    o = json_loads("{\"type\":\"import\",\"incidents\":[5,{\"from\":1}]}", 0, NULL);
    assert_int_equal(sp_journal_read_line(o, &r), SP_JOURNAL_IMPORT);
    assert_int_equal(r.import.n_incidents, 2);
    sp_journal_incident x;
    sp_journal_import_incident(&r, 0, &x);
    assert_int_equal(x.from, SP_JOURNAL_NO_MS);
    sp_journal_import_incident(&r, 1, &x);
    assert_int_equal(x.from, 1);
    assert_int_equal(x.to, SP_JOURNAL_NO_MS);
    json_decref(o);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_intact),
        T(test_edit_detected_at_next_line),
        T(test_delete_detected),
        T(test_reorder_detected),
        T(test_delete_first_line_detected),
        T(test_torn_tail),
        T(test_sha256),
        cmocka_unit_test(test_pool_bounded),
        T(test_reopen_reads_tail),
        cmocka_unit_test(test_lines_daemon),
        cmocka_unit_test(test_lines_state),
        cmocka_unit_test(test_lines_store),
        cmocka_unit_test(test_lines_alert),
        cmocka_unit_test(test_lines_import),
        cmocka_unit_test(test_lines_rows),
        cmocka_unit_test(test_lines_central_refused),
        cmocka_unit_test(test_lines_read_hostile),
    };
    return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
