/*
 * sp_report: the monthly SLA report of every target (SPEC sections 4-5),
 * built from storage and configuration only: the daemon need not run.
 *
 * sp_report_build reads, per target, its RRD (through rrdcached when one is
 * configured: flushed first, so nothing it holds is missed) at the finest
 * archive that covers the month, turns the rows back into a timeline
 * (timeline.c), takes reasons and evidence from the journal, and hands it
 * all to the pure arithmetic (sla.c). The journal also corrects the rows:
 * a stop's settled_ms ends the row it falls in, store_error ranges are
 * forced to unknown, and an import's incidents give imported outages their
 * reasons. The renderers (render_*.c) only
 * format a built report.
 *
 * With several vantages (a configuration with `vantages` and no `vantage`,
 * SPEC section 10) each target is read once per vantage from
 * <root>/<vantage>/, each view masked by that vantage's own control
 * targets and given its own figures and evidence, and the target's figures
 * are those of the quorum of the views (sla/quorum.h); docs/VANTAGES.md
 * "The report". Without, nothing of this applies.
 *
 * Single-threaded (calendar.c sets TZ while it works; rrd_graph uses
 * getopt). Ownership: the report borrows cfg, which must outlive it.
 */
#ifndef SP_REPORT_H
#define SP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/sp_status.h"
#include "config/config.h"
#include "sla/quorum.h"
#include "sla/sla.h"

/* One local calendar day of the live view (status page). */
typedef struct sp_report_day {
    int64_t start, end; /* [start, end); today ends at the build time */
    char date[16];      /* local "YYYY-MM-DD" */
    sp_sla_result sla;  /* the arithmetic for that day */
    long checks;        /* grid steps measured that day */
} sp_report_day;

/* A range the daemon measured but could not store (a journal store_error
 * line, SPEC section 9), clipped to the report period. Its seconds are
 * unknown in the figures, whatever the RRD holds there. */
typedef struct sp_report_not_stored {
    int64_t start, end; /* Unix seconds, [start, end) */
    char cause[32];     /* ENOSPC, EACCES, EIO, locked, rrdcached, clock_back, other */
    char *detail;       /* the daemon's sentence (owned); NULL when it gave none */
} sp_report_not_stored;

/* A wall-clock jump the daemon saw between two ticks (journal clock_jump). */
typedef struct sp_report_clock_jump {
    int64_t at_ms;   /* the wall time it read after the jump (Unix ms) */
    int64_t jump_ms; /* positive forward, negative backward */
} sp_report_clock_jump;

/* One finding of the rows check (storage/rowcheck.h): a disagreement
 * between RRD and journal, or a note (rows no longer checkable, recovered
 * at a start, older than the first rows line). */
typedef struct sp_report_rows_problem {
    bool note;
    char *text; /* owned */
} sp_report_rows_problem;

typedef struct sp_report_target sp_report_target;

/* The slowest measured step of the period: its total_ms and the start of
 * its step (ms NaN when none was measured). */
typedef struct sp_report_peak {
    double ms;
    int64_t t;
} sp_report_peak;

/* A quorum incident's detail (report side with vantages, SPEC section 10):
 * the vantages DOWN during it, each with its back-dated outage start, the
 * reason of its first DOWN segment and its DOWN seconds inside the
 * incident. */
typedef struct sp_report_qincident {
    int64_t start;          /* the q-th vantage's outage start (sla incident's start) */
    int64_t run_start, end; /* the combined timeline's DOWN run */
    size_t quorum_vantage;  /* index into the target's vantages */
    sp_quorum_down *downs;  /* owned, n_downs */
    size_t n_downs;
} sp_report_qincident;

struct sp_report_target {
    const sp_cfg_target *cfg; /* borrowed */
    /* Report side of several vantages (cfg->vantages set, no cfg->vantage):
     * vantage is NULL for the target itself, whose figures (sla) come from
     * the quorum of its vantages' timelines; vantages[k] (n_vantages =
     * cfg->n_vantages, in the target's order) is the view from
     * cfg->vantages[k] alone, built from <root>/<vantage>/<id>.* exactly as
     * a single host's target is (its own control targets applied), with
     * its own evidence. NULL and 0 in single-host mode. */
    const char *vantage; /* borrowed from cfg; set on a vantage's view */
    sp_report_target *vantages;
    size_t n_vantages;
    unsigned quorum; /* q of the rule; 0 in single-host mode */
    /* A vantage's view: the last step its RRD holds and how far that is
     * behind the report's until (replication lag, seconds, >= 0); -1 both
     * when it has no file. */
    int64_t last_update, lag_s;
    /* The target with vantages: per sla incident (same index), its quorum
     * detail (qincidents[k].n_downs == 0 when none matched), and the
     * periods of a DOWN minority in the period ("partial": listed, never
     * counted). */
    sp_report_qincident *qincidents;
    sp_quorum_partial *partial;
    size_t n_partial;
    /* Live view with vantages: a DOWN minority at the build time (the
     * largest d of the partial period still going on; 0: none). The
     * state above is the quorum's, so this is shown beside it. */
    unsigned partial_down_now;
    sp_sla_result sla;
    /* The period's seconds by class (up, counted downtime, unknown,
     * maintenance, outside hours, control outage) on the same input as
     * sla, for the graphs; owned, freed by sp_report_destroy. Monthly
     * report only: the live view (rebuilt every minute) leaves it empty. */
    sp_sla_bands bands;
    sp_report_peak rt_peak; /* the response graph's scale and spike mark */
    bool has_rrd;
    long resolution_s; /* the coarsest step the figures come from; 0: none */
    /* The parts read from different archives: the full-resolution one
     * from fine_from on (step fine_s), a coarser one before (coarse_s;
     * 0 when the whole period came from the full-resolution archive). */
    int64_t fine_from;
    long fine_s, coarse_s;
    char *rrd_path, *journal_path;
    /* Evidence: can the figures be trusted as they stand? */
    bool journal_present;
    long journal_lines;
    long journal_bad_line; /* 0: the hash chain is intact */
    char journal_problem[512];
    int clock_synced; /* 1 synchronised in every record, 0 not in some, -1 no record */
    size_t n_imports; /* journal records of imported history in the period */
    /* Storage: the ranges not stored in the period, in journal order, and
     * the seconds of the period they cover (overlaps counted once). */
    sp_report_not_stored *not_stored;
    size_t n_not_stored;
    int64_t not_stored_s;
    /* The RRD's one-step archive against the journal's rows and state lines
     * over the period (monthly report only; rows_checked false without an
     * RRD or for the live view). Steps the figures took from a consolidated
     * archive (before fine_from when coarse_s > 0) cannot be checked. */
    bool rows_checked;
    bool rows_disagree;
    long rows_lines, rows_ok, rows_differ, rows_not_checkable, rows_recovered;
    long rows_uncovered_steps, rows_contradicting_steps;
    char rows_error[256]; /* the check could not read the files ("" when it could) */
    sp_report_rows_problem *rows_problems;
    size_t n_rows_problems;
    /* Wall-clock jumps seen in the period, in journal order. */
    sp_report_clock_jump *clock_jumps;
    size_t n_clock_jumps;
    /* Per incident (same index as sla.incidents): when the first DOWN alert
     * was delivered (Unix ms; 0: none was) and how long that was after the
     * incident's first failed probe, in seconds (NaN: none). Against the
     * guideline's "users told within 60 minutes of a detected stop". */
    int64_t *notified_ms;
    double *notify_delay_s;
    /* Live view only (sp_report_build_live): the last days, oldest first,
     * and the state at the build time from the timeline's end (UNKNOWN
     * when nothing was measured in the last two steps). */
    sp_report_day *days;
    size_t n_days;
    sp_sla_result window; /* the arithmetic over all those days: their incidents */
    sp_state state;
    int64_t state_since;
};

typedef struct sp_report {
    const sp_cfg *cfg; /* borrowed */
    int year, month;
    int64_t start, end; /* the month, [start, end), in cfg->timezone */
    int64_t until;      /* end, or the build time when the month is not over */
    int64_t generated;  /* when the report was built */
    sp_report_target *targets;
    size_t n_targets;
} sp_report;

/* Build the report of year-month for every target (or only the one with
 * id only). now: the current Unix time (a month not over yet is reported
 * up to now). Errors: SP_EINVAL (bad month, unknown timezone, no such
 * target, bad service hours) and SP_EIO (an RRD that cannot be read), with
 * err saying which. A target without an RRD is reported as "no data". */
sp_status sp_report_build(const sp_cfg *cfg, int year, int month, const char *only, int64_t now,
                          sp_report **out, char *err, size_t errlen);
/* The live view for the status page: the month containing now, so far
 * (as sp_report_build), and per target the last n_days local days (today
 * up to now) and its current state. */
sp_status sp_report_build_live(const sp_cfg *cfg, int64_t now, int n_days, sp_report **out,
                               char *err, size_t errlen);

void sp_report_destroy(sp_report *r);

/* True when every target has data and met its target. */
bool sp_report_all_met(const sp_report *r);

/* True when a target's RRD and journal disagree (or could not be
 * compared): its figures are not evidence as they stand. */
bool sp_report_rows_disagree(const sp_report *r);

/* --- Renderers (render_*.c) ------------------------------------------- */

typedef enum sp_report_lang { SP_LANG_EN, SP_LANG_JA } sp_report_lang;

sp_status sp_report_render_text(const sp_report *r, sp_report_lang lang, FILE *fp);
/* SP_LANG_EN: SPEC's field names as headers and true/false, byte for byte
 * what scripts read. SP_LANG_JA: the same columns in the same order under
 * Japanese headers, word cells in Japanese (render_csv.c says which). */
sp_status sp_report_render_csv(const sp_report *r, sp_report_lang lang, FILE *fp);
/* The same for Excel: a UTF-8 byte order mark first (without it Japanese
 * Excel reads UTF-8 as Shift_JIS: mojibake) and CRLF line ends (RFC 4180's). */
sp_status sp_report_render_csv_excel(const sp_report *r, sp_report_lang lang, FILE *fp);
sp_status sp_report_render_json(const sp_report *r, FILE *fp);
/* One self-contained HTML page: graphs inline as SVG, one inline style
 * sheet (screen, narrow screen, print on A4), no scripts, nothing loaded
 * from elsewhere, well-formed XML; it survives being mailed alone.
 * _fp writes it to fp (what it wrote stays there on error); the other
 * writes path atomically (path.tmp renamed over it when complete; nothing
 * left on error). err says why it failed (a graph librrd cannot draw, a
 * write). */
sp_status sp_report_render_html_fp(const sp_report *r, sp_report_lang lang, FILE *fp, char *err,
                                   size_t errlen);
sp_status sp_report_render_html(const sp_report *r, sp_report_lang lang, const char *path,
                                char *err, size_t errlen);

#endif
