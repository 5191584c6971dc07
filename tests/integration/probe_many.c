/*
 * probe_many: start N probes of one URL at once on one loop, check that
 * every one completes with the expected reason, then destroy the engine and
 * check that no file descriptor and no libuv handle was left behind.
 *
 *   probe_many URL N EXPECTED_REASON [CA_FILE]
 *
 * PROBE_AUTH in the environment, when set, is the probe's secret header
 * ("Name: value"), as a configuration's `auth:` would give it.
 *
 * One more probe is started just before the engine is destroyed: the
 * destroy cancels it, and its result must say so (canceled set, probe_error
 * "canceled"), as the scheduler relies on at a stop.
 *
 * Exit 0 when all is well; prints what went wrong otherwise. Driven by
 * tests/integration/test_concurrency.sh against a local nginx.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sp_reason.h"
#include "probe/sp_probe.h"

typedef struct tally {
    int done, matched, max_inflight;
    int by_reason[SP_REASON_COUNT];
    sp_probe_engine *eng;
    sp_reason want;
} tally;

/* Print what each descriptor is, to say what leaked. */
static void list_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char p[300], target[256] = "";
        snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(p, target, sizeof target - 1);
        if (n > 0)
            target[n] = '\0';
        fprintf(stderr, "  fd %s -> %s\n", e->d_name, target);
    }
    if (d)
        closedir(d);
}

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

static void on_result(const sp_probe_result *r, void *arg)
{
    tally *t = arg;
    t->done++;
    t->by_reason[r->reason]++;
    /* an HTTP probe that is up must have seen 200; others have no status */
    if (r->reason == t->want && !r->canceled && (r->http_status == 0 || r->http_status == 200))
        t->matched++;
    else if (t->done - t->matched <= 3)
        fprintf(stderr, "unexpected: %s %s\n", sp_reason_name(r->reason), r->detail);
}

/* The probe the engine's destroy cancels. */
typedef struct cancel_check {
    int calls;
    bool ok;
} cancel_check;

static void on_canceled(const sp_probe_result *r, void *arg)
{
    cancel_check *c = arg;
    c->calls++;
    c->ok = r->canceled && r->reason == SP_REASON_PROBE_ERROR && strcmp(r->detail, "canceled") == 0;
    if (!c->ok)
        fprintf(stderr, "canceled probe: canceled %d, %s %s\n", (int)r->canceled,
                sp_reason_name(r->reason), r->detail);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: probe_many URL N EXPECTED_REASON [CA_FILE]\n");
        return 2;
    }
    int n = atoi(argv[2]);
    tally t = {0};
    if (n < 1 || !sp_reason_from_name(argv[3], &t.want)) {
        fprintf(stderr, "probe_many: bad N or reason\n");
        return 2;
    }
    char err[256];
    sp_probe_spec spec;
    sp_probe_spec_init(&spec);
    if (sp_probe_global_init() != SP_OK ||
        sp_probe_spec_set_target(&spec, argv[1], err, sizeof err) != SP_OK) {
        fprintf(stderr, "probe_many: %s\n", err);
        return 2;
    }
    if (argc > 4)
        spec.ca_file = strdup(argv[4]);
    if (getenv("PROBE_AUTH"))
        spec.auth_header = strdup(getenv("PROBE_AUTH"));
    spec.timeout_ms = 30000;
    if (sp_probe_spec_finish(&spec, err, sizeof err) != SP_OK) {
        fprintf(stderr, "probe_many: %s\n", err);
        return 2;
    }

    /* Count after uv_loop_init and after one stream existed in the loop:
     * the first loop opens libuv's process-wide signal pipe, and the first
     * stream opens the loop's reserve descriptor (/dev/null, libuv's EMFILE
     * trick), which uv_loop_close releases. Neither is the engine's. */
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_tcp_t warm;
    uv_tcp_init(&loop, &warm);
    uv_close((uv_handle_t *)&warm, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    int fds_before = count_fds();
    if (sp_probe_engine_create(&loop, NULL, &t.eng, err, sizeof err) != SP_OK) {
        fprintf(stderr, "probe_many: %s\n", err);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        if (sp_probe_start(t.eng, &spec, on_result, &t, NULL) != SP_OK) {
            fprintf(stderr, "probe_many: start %d failed\n", i);
            return 1;
        }
    }
    size_t inflight = sp_probe_engine_inflight(t.eng);
    uv_run(&loop, UV_RUN_DEFAULT);
    cancel_check cc = {0};
    if (sp_probe_start(t.eng, &spec, on_canceled, &cc, NULL) != SP_OK) {
        fprintf(stderr, "probe_many: start of the probe to cancel failed\n");
        return 1;
    }
    sp_probe_engine_destroy(t.eng);
    uv_run(&loop, UV_RUN_DEFAULT);
    int fds_after = count_fds();
    if (fds_after != fds_before)
        list_fds();
    int close_rc = uv_loop_close(&loop);
    sp_probe_global_cleanup();
    sp_probe_spec_free(&spec);

    printf("probes started %d (in flight at once: %zu), completed %d, as expected %d\n", n,
           inflight, t.done, t.matched);
    for (int i = 0; i < SP_REASON_COUNT; i++)
        if (t.by_reason[i])
            printf("  %s: %d\n", sp_reason_name((sp_reason)i), t.by_reason[i]);
    printf("fds before %d, after %d; uv_loop_close %s\n", fds_before, fds_after,
           close_rc == 0 ? "ok" : "BUSY (handles left open)");
    printf("canceled by the engine's destroy: %s\n",
           cc.calls == 1 && cc.ok ? "reported as canceled" : "NOT reported as canceled");
    int bad = (t.done != n) + (t.matched != n) + (fds_after != fds_before) + (close_rc != 0) +
              (inflight != (size_t)n) + !(cc.calls == 1 && cc.ok);
    return bad ? 1 : 0;
}
