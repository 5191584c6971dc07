/*
 * sp_statuspage: the public trust status page (SPEC section 6), as static
 * files any web server can publish: index.html (no JavaScript; English,
 * Japanese, or both as index.html + index.ja.html linked to each other)
 * and status.json with the same data for machines.
 *
 * The data is the live view of reports/report.c (sp_report_build_live):
 * each service's current state, its availability this month so far against
 * its target, one row a day for the last days (checks run, average response
 * time, and per service available / performance issues / service
 * disruption / maintenance / no data), and recent incidents.
 *
 * Publishing never shows a half-written page: the files go into a new
 * directory beside DIR, and DIR, a symbolic link, is switched to it with
 * one rename(2). A web server resolving DIR per request sees the old page
 * or the new one, nothing in between.
 *
 * Single-threaded (it builds reports, which set TZ); the daemon runs it in
 * a child process (`slaprobe status-page`), never on its loop.
 */
#ifndef SP_STATUSPAGE_H
#define SP_STATUSPAGE_H

#include <stdint.h>

#include <jansson.h>

#include "common/sp_status.h"
#include "config/config.h"
#include "reports/report.h"

/* What a service's day (or its current state) is called on the page. */
typedef enum sp_page_state {
    SP_PAGE_AVAILABLE,
    SP_PAGE_PERFORMANCE,
    SP_PAGE_DISRUPTION,
    SP_PAGE_MAINTENANCE,
    SP_PAGE_NO_DATA,
    SP_PAGE_N
} sp_page_state;

/* A day's state from its arithmetic. Pure: downtime beats maintenance
 * beats no data beats slowness. */
sp_page_state sp_statuspage_day_state(const sp_sla_result *day);

/* Stable code of a state ("available", "performance_issues",
 * "service_disruption", "maintenance", "no_data"), used in status.json
 * and as CSS class. */
const char *sp_statuspage_state_code(sp_page_state s);

/* Write index.html (and index.ja.html), status.json into dir (existing).
 * lang: "en", "ja" or "both". */
sp_status sp_statuspage_render(const sp_report *live, const char *lang, const char *dir, char *err,
                               size_t errlen);

/* Build the live view at now and publish it at dir (see above). dir must
 * be a symbolic link made by an earlier publish, or not exist, or be an
 * empty directory. n_days: rows of the grid (30). */
/* The daemon's live state (see statuspage.c, "The daemon's live state"):
 * <dir>/status-live.json, written atomically by the running daemon on
 * every state change (targets: sp_sched_live()'s object, borrowed) and
 * removed at its stop; publish takes the current states from it while
 * that daemon lives. */
#define SP_STATUSPAGE_LIVE_FILE "status-live.json"
sp_status sp_statuspage_write_live(const char *dir, json_t *targets, char *err, size_t errlen);
void sp_statuspage_remove_live(const char *dir);

sp_status sp_statuspage_publish(const sp_cfg *cfg, const char *dir, const char *lang, int n_days,
                                int64_t now, char *err, size_t errlen);

#endif
