/*
 * History from another monitor, as CSV, into a target's RRD (SPEC sections
 * 5 and 9, `slaprobe import`). Also how tests and demos build an exact
 * month.
 *
 * Rows are "timestamp,up[,total_ms[,reason]]": timestamp in Unix seconds
 * or ISO-8601 with an offset, up 0..1 (or true/false, up/down), total_ms
 * optional (may be empty), reason optional, a reason code of SPEC section 3
 * ("tcp_refused"). A row at t, rounded down to the step, is the observation
 * for [t, t + step); a step with no row is unknown. Blank lines, '#'
 * comments and a header line ("timestamp,...") are skipped.
 *
 * Rows must come in ascending time order (equal times are allowed; rows in
 * one step are averaged): that is what lets an import stream its input.
 * An earlier import took any order and held every row and every step in
 * memory, which a long or mistyped span turned into gigabytes.
 *
 * Memory is O(1) in the length of the file and of the span it covers:
 * under 1 MB of buffers (a line of at most SP_IMPORT_LINE_MAX bytes, a
 * batch of SP_IMPORT_BATCH RRD rows, 72 kB, and their text while librrd
 * takes them, 264 kB; a 64 kB copy buffer). Beyond them only two things
 * that do not depend on the CSV's length: the pages librrd maps of the RRD
 * it writes (file-backed, at most the file's size: 27 MB for a 60 s target
 * with the default retention), and the incidents of the journal line,
 * none without a reason column, 24 bytes each while reading and about
 * 0.5 kB each while the line is built: at most SP_IMPORT_MAX_INCIDENTS,
 * about 55 MB at that cap. Measured: a year of one-minute rows (525,600)
 * into a default-layout RRD, 0.8 s and 42 MB peak RSS, of which 16 MB is
 * the program before it reads anything; a month of rows, the same 42 MB.
 *
 * Four parts, used in this order by cli/cmd_import.c:
 *  - the reader: one checked row at a time from a stream;
 *  - the steps: rows to RRD rows and to runs of down steps (pure);
 *  - the incidents: the runs with a reason, for the journal (capped);
 *  - the file: a copy of the RRD beside it that the rows go to, renamed
 *    over the RRD only when every row was read and written, so that an
 *    import is all or nothing, even when killed.
 */
#ifndef SP_STORE_IMPORT_H
#define SP_STORE_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "common/sp_status.h"
#include "storage/layout.h"
#include "storage/steps.h"

/* The longest line read (a row is well under 100 bytes). */
#define SP_IMPORT_LINE_MAX 4096
/* RRD rows given to librrd in one call. */
#define SP_IMPORT_BATCH 1000
/* Incidents one import may carry in its journal line. */
#define SP_IMPORT_MAX_INCIDENTS 100000
/* A Unix time in seconds at or after this (year 5138) is taken for
 * milliseconds, which is what a monitor exporting 13 digits means. */
#define SP_IMPORT_MS_LIMIT INT64_C(100000000000)
/* total_ms above this (a day) is not a response time. */
#define SP_IMPORT_MAX_TOTAL_MS 86400000.0
/* Steps outside 1..this (about 115 days) are taken as their bound. */
#define SP_IMPORT_MAX_STEP_S 10000000L

/* --- Reading ------------------------------------------------------------ */

typedef struct sp_import_row {
    int64_t t;       /* Unix seconds: |t| < SP_IMPORT_MS_LIMIT when written
                      * as a number, years 0000-9999 (|t| < 3e11) in ISO-8601 */
    double up;       /* 0..1 */
    double total_ms; /* NaN when not given; 0..SP_IMPORT_MAX_TOTAL_MS */
    int reason;      /* an sp_reason, -1 when not given */
    long line;       /* where it came from, for messages */
} sp_import_row;

/* What every row is checked against. sp_store_import_limits_none() gives
 * a step of 60 s and no limits; set what applies. */
typedef struct sp_import_limits {
    long step_s;     /* the target's step, >= 1 */
    int64_t now;     /* a row whose step begins after now is in the future */
    int64_t oldest;  /* a row whose step begins before this is refused */
    long keep_days;  /* how far back the RRD reaches, for that message */
    int64_t after;   /* the RRD's last update: every step must end after it */
    const char *rrd; /* the RRD's path, for messages (not copied) */
} sp_import_limits;

sp_import_limits sp_store_import_limits_none(void);

typedef struct sp_import_reader sp_import_reader;

/* Read rows from fp, which stays the caller's (name is used in messages
 * and copied; lim is copied). */
sp_status sp_store_import_reader_create(FILE *fp, const char *name, const sp_import_limits *lim,
                                        sp_import_reader **out);
void sp_store_import_reader_destroy(sp_import_reader *r);

/*
 * The next row. SP_OK: *row is filled. SP_ENOTFOUND: end of input. Else
 * err = "NAME:LINE: what is wrong" and the import must stop:
 *  SP_EPARSE  a line that is not a row (syntax, a field out of range, a
 *             line longer than SP_IMPORT_LINE_MAX, a NUL byte); a
 *             timestamp that looks like milliseconds; a row in the future,
 *             older than lim->oldest, earlier than the row before it, or in
 *             a step that does not end after lim->after
 *  SP_EIO     the stream could not be read
 */
sp_status sp_store_import_next(sp_import_reader *r, sp_import_row *row, char *err, size_t errlen);

/* --- Steps (pure) ---------------------------------------------------------- */

/* A run of consecutive steps with up < 1 whose rows name one reason:
 * [from, to) in Unix seconds. */
typedef struct sp_import_incident {
    int64_t from, to;
    int reason; /* an sp_reason */
    long line;  /* the CSV line that began it */
} sp_import_incident;

/* What one call of _add or _end produced, in this order: RRD rows (at most
 * 2: an all-unknown row at the start of a step that follows a hole, which
 * makes every step of the hole unknown at once, then the finished step's
 * row at its end) and incidents that ended (at most 2). */
typedef struct sp_import_out {
    sp_store_row rows[2];
    size_t nrows;
    sp_import_incident inc[2];
    size_t ninc;
} sp_import_out;

/* Plain value; fields are private except the totals at the end. */
typedef struct sp_import_steps {
    long step_s;
    double slow_ms;
    int64_t written; /* time of the last RRD row, or the file's last update */
    /* the step being gathered */
    bool open;
    int64_t k; /* its index: start = k * step_s */
    double up, degraded, total_ms;
    uint64_t n, n_ms;
    int reason; /* of its first down row that names one, or -1 */
    long line;  /* its first row's line */
    /* the run of down steps with one reason not yet ended */
    bool run;
    int64_t run_from, run_to; /* step indexes, inclusive */
    int run_reason;
    long run_line;
    /* totals */
    uint64_t with_rows;  /* steps that had a row */
    uint64_t rows;       /* rows added */
    uint64_t steps;      /* steps from the first row's to the last row's */
    uint64_t unknown;    /* of these, steps without a row */
    int64_t first, last; /* start of the first step, end of the last */
} sp_import_steps;

/* after: the RRD's last update (a fresh RRD's start); a hole between it
 * and the first step is written as unknown. step_s >= 1. */
void sp_store_import_steps_init(sp_import_steps *s, long step_s, double slow_ms, int64_t after);

/* Add a row (in the order the reader checks: ascending, and after the
 * `after` given to init). A step's row is written at its end once a row of
 * a later step arrives: rows in the same step are averaged, degraded is up
 * when total_ms > slow_ms. */
void sp_store_import_steps_add(sp_import_steps *s, const sp_import_row *row, sp_import_out *out);

/* No more rows: the last step and the open incident. */
void sp_store_import_steps_end(sp_import_steps *s, sp_import_out *out);

/* --- Incidents ------------------------------------------------------------- */

/* A growable list, capped at SP_IMPORT_MAX_INCIDENTS. Zero-initialise. */
typedef struct sp_import_incidents {
    sp_import_incident *v;
    size_t n, cap;
} sp_import_incidents;

/* SP_EBUSY when the list is full (err names the incident's line), SP_ENOMEM. */
sp_status sp_store_import_incidents_add(sp_import_incidents *l, const sp_import_incident *inc,
                                        const char *name, char *err, size_t errlen);
void sp_store_import_incidents_free(sp_import_incidents *l);

/* --- The file ------------------------------------------------------------- */

typedef struct sp_import_file sp_import_file;

/* "<dir>/.sp-import.<id>.rrd.<pid>": where an import builds the new RRD
 * (`.sp-` is slaprobe's prefix for temporary files). */
void sp_store_import_tmp_path(const char *dir, const char *id, long pid, char *buf, size_t n);


/*
 * Start building a new version of rrd at tmp: a copy of rrd when it
 * exists (its layout checked against step_s and ret first), else a fresh
 * RRD of that layout whose last update is start; the same for its hours
 * file (layout.h), which the writes roll up into (rollup.h) with the stop
 * markers of journal (NULL: none) after its last hour. The copies are
 * fsync'ed. tmp must not exist. On error nothing is left behind.
 */
sp_status sp_store_import_file_begin(const char *rrd, const char *tmp, const char *journal,
                                     long step_s, const sp_store_retention *ret, time_t start,
                                     sp_import_file **out, char *err, size_t errlen);

/* Write RRD rows (ascending, after everything written before) into tmp,
 * directly with librrd (never through rrdcached), and roll the hours they
 * complete up into the hours file's copy. */
sp_status sp_store_import_file_write(sp_import_file *f, const sp_store_row *rows, size_t n,
                                     char *err, size_t errlen);

/*
 * fsync tmp, check that rrd is still the file it was at begin (unchanged,
 * or still absent: a daemon writing it or another import would otherwise
 * lose its rows), rename tmp over rrd, then the hours file's copy over
 * the hours file, and fsync the directory. SP_EBUSY
 * when rrd changed; any error leaves rrd as it was. SP_OK means rrd is the
 * new file; err is then empty, or says that the directory could not be
 * fsync'ed (the new name may not survive a power loss). Clear err first.
 */
sp_status sp_store_import_file_commit(sp_import_file *f, char *err, size_t errlen);

/* Remove tmp unless committed, and free. NULL is fine. */
void sp_store_import_file_destroy(sp_import_file *f);

#endif
