/*
 * What the page's files share (statuspage.c: the HTML and status.json;
 * feed.c: feed.atom and the badges): which targets are public, their
 * current state, the page's overall state, the maintenance ahead.
 */
#ifndef SP_STATUSPAGE_INT_H
#define SP_STATUSPAGE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "reports/report.h"
#include "statuspage.h"

/* Only public targets are on the page (control targets by default not). */
bool sp_statuspage__shown(const sp_report_target *t);
/* A target's state now: maintenance, then the live (or settled) state. */
sp_page_state sp_statuspage__current(const sp_report *r, const sp_report_target *t);
/* The worst current state of the public targets (no data when none has). */
sp_page_state sp_statuspage__overall(const sp_report *r);
/* The same over the public targets of one `group:` (NULL: the ungrouped). */
sp_page_state sp_statuspage__group_state(const sp_report *r, const char *group);
/* The public targets in the order the page lists them: configuration
 * order, each group's members gathered where its first member stands.
 * order: room for r->n_targets indices into r->targets; returns how many
 * it wrote. */
size_t sp_statuspage__order(const sp_report *r, size_t *order);

/* The page's words for a state ("サービス障害") and a post's status
 * ("調査中"), for the feed: one table for page and feed. Static storage. */
const char *sp_statuspage__state_word(sp_page_state s, sp_report_lang lang);
const char *sp_statuspage__post_status_word(int status, sp_report_lang lang);
/* "時刻は Asia/Tokyo、日本時間" / "Times are in UTC": the page's sentence on
 * its times, into buf (returned). */
const char *sp_statuspage__tz_words(const sp_report *r, sp_report_lang lang, char *buf, size_t n);

/* A configured maintenance window under way or within 14 days. */
typedef struct sp_page_planned {
    const sp_cfg_target *t;
    const sp_cfg_window *w;
} sp_page_planned;
/* Those of the public targets, by start: *out malloc'ed (NULL when none),
 * *n its length; false when out of memory. */
bool sp_statuspage__upcoming(const sp_report *r, sp_page_planned **out, size_t *n);

/* feed.c: <dir>/feed.atom (in lang: its titles and summaries, and
 * xml:lang) and <dir>/badge/<id>.svg and .json (the state in lang). */
sp_status sp_statuspage__write_feed(const sp_report *r, sp_report_lang lang, const char *dir,
                                    char *err, size_t errlen);
sp_status sp_statuspage__write_badges(const sp_report *r, sp_report_lang lang, const char *dir,
                                      char *err, size_t errlen);

#endif
