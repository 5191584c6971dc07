/*
 * The journal covers the RRD (SPEC section 11): the canonical text of the
 * steps a write stores in the full-resolution archive, its SHA-256 (the
 * writer's "rows" journal lines), and the check that re-reads that archive
 * against a journal's "rows" lines and its state lines (journal verify, the
 * report's evidence section). The text is defined in docs/EVIDENCE.md,
 * "Rows"; this file and that section must say the same.
 *
 * sp_store_row_format, sp_store_rows_expand and sp_store_rows_sha256 are
 * pure (any thread). sp_store_rowcheck_run reads files (blocking).
 */
#ifndef SP_STORE_ROWCHECK_H
#define SP_STORE_ROWCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/sp_status.h"
#include "storage/steps.h"

/* Room for one canonical line: the timestamp and eight %.6g values. */
#define SP_STORE_ROW_TEXT 256

/* One step's canonical line, without its newline: "T:v1:...:v8", T the
 * step's end in Unix seconds, each value in data-source order printed
 * "%.6g", or "U" for unknown (NaN). The same text rrd.c hands to librrd.
 * Returns its length (0 when n is too small). */
size_t sp_store_row_format(const sp_store_row *r, char *buf, size_t n);

/*
 * The steps that writing rows[0..n) (ascending step ends) into a file last
 * updated at `last` stores in its one-step archive, as rrdtool computes them
 * for GAUGE sources with heartbeat 2 x step: each step takes the value of
 * the first row at or after its end; an interval between two updates longer
 * than the heartbeat is unknown throughout (so the first row after a long
 * gap is stored unknown); a value outside its source's range (up and
 * degraded 0..1, times >= 0) is stored unknown. From the first step the
 * write stores (the step after `last`, or rows[0] after a gap longer than
 * the heartbeat) to rows[n-1]. *out is malloc'ed (the caller frees), *nout
 * its length (0 when n is 0). SP_ENOMEM, SP_EINVAL (rows not after last).
 */
sp_status sp_store_rows_expand(int64_t last, long step_s, const sp_store_row *rows, size_t n,
                               sp_store_row **out, size_t *nout);

/* SHA-256 (64 hex + NUL) of the canonical text of steps[0..n): each
 * step's sp_store_row_format line followed by "\n". */
void sp_store_rows_sha256(const sp_store_row *steps, size_t n, char hex[65]);

/* Called with each rows line (a new reference the callee owns). */
typedef void (*sp_store_rows_emit)(void *arg, json_t *line);

/*
 * Rows lines for the steps of rrd's one-step archive in (after, upto], as
 * the file holds them now (through rrdcached when daemon is set): for rows
 * written by other means than the writer (an import, under the store's
 * lock) or not journaled when written (recovered: "recovered":true). Steps
 * older than the archive's reach are left out; one line per 86,400 steps
 * at most, so memory stays bounded. Blocking.
 */
sp_status sp_store_rows_lines_from_file(const char *daemon, const char *rrd, int64_t after,
                                        int64_t upto, bool recovered, sp_store_rows_emit emit,
                                        void *arg, char *err, size_t errlen);

/* Called with each run of steps read (the callee copies what it keeps);
 * a status other than SP_OK stops the read and is returned. */
typedef sp_status (*sp_store_steps_emit)(void *arg, const sp_store_row *steps, size_t n);

/*
 * The steps of rrd's one-step archive (step s, the file's) ending in
 * (after, upto], both multiples of step, as the file holds them now
 * (through rrdcached when daemon is set), unknown where it holds none:
 * handed to emit in runs of at most 86,400 steps, so memory stays bounded.
 * The caller clips the range to the archive's reach (sp_store_rrd_head).
 * Blocking.
 */
sp_status sp_store_rows_read(const char *daemon, const char *rrd, long step, int64_t after,
                             int64_t upto, sp_store_steps_emit emit, void *arg, char *err,
                             size_t errlen);

/* --- The check --------------------------------------------------------- */

typedef enum sp_store_rowcheck_kind {
    SP_ROWCHECK_MISMATCH,    /* a rows line whose steps no longer hash the same */
    SP_ROWCHECK_UNCOVERED,   /* known values in the RRD no rows line covers */
    SP_ROWCHECK_INCIDENT,    /* RRD rows and journal state lines disagree */
    SP_ROWCHECK_UNCHECKABLE, /* a rows line beyond the archive's reach (note) */
    SP_ROWCHECK_RECOVERED,   /* a rows line written at a start, not at the write (note) */
    SP_ROWCHECK_BEFORE,      /* known steps older than the first rows line (note) */
} sp_store_rowcheck_kind;

/* Notes (UNCHECKABLE, RECOVERED, BEFORE) are not disagreements. */
typedef struct sp_store_rowcheck_problem {
    sp_store_rowcheck_kind kind;
    int64_t step; /* the first step concerned (Unix s, its end) */
    char text[640];
} sp_store_rowcheck_problem;

typedef struct sp_store_rowcheck {
    long lines;            /* rows lines in the range */
    long checked;          /* ... re-read and hashing the same */
    long mismatching;      /* ... re-read and hashing differently */
    long not_checkable;    /* ... beyond the one-step archive's reach */
    long recovered;        /* ... journaled at a start ("recovered") */
    long uncovered_steps;  /* steps with a known value no rows line covers */
    long incident_steps;   /* steps whose up disagrees with the state lines */
    int64_t checked_steps; /* steps re-read and hashed */
    int64_t reach_from;    /* the oldest step the one-step archive holds */
    sp_store_rowcheck_problem *p;
    size_t n, cap;
} sp_store_rowcheck;

/* true when the check found a disagreement (not only notes). */
bool sp_store_rowcheck_failed(const sp_store_rowcheck *c);

/*
 * Re-read the one-step AVERAGE archive of rrd (through rrdcached when
 * daemon is set) against the "rows" and state lines of journal, for steps
 * ending in (from, to] (0, 0: everything): each rows line's hash, the
 * known steps no rows line covers, and each step whose `up` contradicts the
 * journal's state (a step wholly inside a DOWN period stored with up > 0, or
 * wholly inside an UP period with up < 1). Every finding is a problem of
 * its own in out->p, in time order per kind. SP_OK when the files could be
 * read (findings or not); free out with sp_store_rowcheck_free either way.
 */
sp_status sp_store_rowcheck_run(const char *daemon, const char *rrd, const char *journal,
                                int64_t from, int64_t to, sp_store_rowcheck *out, char *err,
                                size_t errlen);
void sp_store_rowcheck_free(sp_store_rowcheck *c);

#endif
