/*
 * The journal's lines, typed: the one place a journal field name is
 * written. Every line slaprobe appends (the daemon's start, stop and
 * reload, state changes, alerts, clock records, TLS postures, ranges not
 * stored, imports) is built from an sp_journal_line by
 * sp_journal_line_to_json, and every reader (the report) turns a parsed
 * line back into one with sp_journal_read_line, so writer and reader
 * cannot drift apart.
 *
 * One tagged struct rather than a struct and a function per type: the
 * reader must hand back "a line of some type", which is a tagged union
 * anyway, and the writer then takes the same value, so a field is
 * declared once for both directions (and the caller's designated
 * initializer names the fields, as a struct per type would).
 *
 * Key order and number formats are those of the journals written before
 * this module existed, byte for byte: hash-chained lines are evidence,
 * and an old reader must find what it found before.
 *
 * Pure apart from the clock (a stamp of 0 is "now"); any thread.
 */
#ifndef SP_JOURNAL_LINES_H
#define SP_JOURNAL_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/sp_reason.h"
#include "common/sp_state.h"
#include "probe/sp_tls.h"

typedef enum sp_journal_type {
    SP_JOURNAL_OTHER, /* reader: no "type", or one this version does not know */
    SP_JOURNAL_START,
    SP_JOURNAL_STOP,
    SP_JOURNAL_RELOAD,
    SP_JOURNAL_REMOVED,
    SP_JOURNAL_STATE,
    SP_JOURNAL_ALERT,
    SP_JOURNAL_CLOCK,
    SP_JOURNAL_CLOCK_JUMP,
    SP_JOURNAL_TLS_POSTURE,
    SP_JOURNAL_STORE_ERROR,
    SP_JOURNAL_JOURNAL_LOST,
    SP_JOURNAL_IMPORT,
    SP_JOURNAL_ROWS,
    SP_JOURNAL_CENTRAL_REFUSED,
} sp_journal_type;

/* The "type" word of a line ("state", "clock_jump", ...); NULL for OTHER. */
const char *sp_journal_type_name(sp_journal_type t);

/* Reader: an integer field that is absent or not an integer. */
#define SP_JOURNAL_NO_MS INT64_MIN

/* "start": the daemon began (one per target). */
typedef struct sp_journal_start {
    const char *version;
    int pid;
    const char *config; /* the configuration file's path */
    /* SPEC section 10; each written only when set (older lines have none):
     * the host name, the SHA-256 of the configuration file's bytes, and
     * the vantage this daemon is (NULL in single-host mode). */
    const char *host;
    const char *config_sha256;
    const char *vantage;
} sp_journal_start;

/* "stop" (the daemon stopped) and "removed" (a reload dropped the target). */
typedef struct sp_journal_stop {
    int64_t settled_ms; /* rows are settled up to here; written only if > 0 */
} sp_journal_stop;

/* "state": a change of the target's state machine. */
typedef struct sp_journal_state {
    sp_state from, to;   /* reader: UNKNOWN for a word it does not know */
    int64_t since_ms;    /* the first probe of the new state */
    const char *since;   /* reader only: its ISO text (the writer formats since_ms) */
    sp_reason reason;    /* reader: SP_REASON_OK when absent or unknown */
    const char *detail;  /* text from a server: made valid UTF-8 when written */
    const char *address; /* NULL or "": not written */
    long http_status;    /* 0: not written */
    double downtime_s;   /* written on DOWN -> UP only */
} sp_journal_state;

/* "alert": the outcome of one alert's delivery. */
typedef struct sp_journal_alert {
    const char *event;   /* the alert's kind ("down", "up", ...: alerts/) */
    const char *target;  /* the target's id */
    const char *channel; /* webhook, smtp, exec */
    const char *name;    /* the channel's name */
    bool sent;
    int64_t since_ms, detected_ms;
    int attempts;
    const char *error; /* NULL or "": null */
} sp_journal_alert;

/* "clock": whether the system clock is synchronised. */
typedef struct sp_journal_clock {
    bool synchronised;
    int64_t maxerror_us;
} sp_journal_clock;

/* "clock_jump": the wall clock stepped against the monotonic one. */
typedef struct sp_journal_clock_jump {
    int64_t jump_ms, before_ms, after_ms;
} sp_journal_clock_jump;

/* Bits of sp_journal_tls_posture.changed, written in this order. */
#define SP_JOURNAL_TLS_GRADE 1u
#define SP_JOURNAL_TLS_PROTOCOLS 2u
#define SP_JOURNAL_TLS_FINGERPRINT 4u
#define SP_JOURNAL_TLS_OCSP 8u

/* "tls_posture": the first posture after start, and every change. */
typedef struct sp_journal_tls_posture {
    bool first;
    unsigned changed;              /* SP_JOURNAL_TLS_* */
    const char *previous_grade;    /* NULL: not written (the first) */
    const char *grade;             /* reader only (the writer takes posture's) */
    const sp_tls_posture *posture; /* writer only: grade, protocols, leaf, OCSP, findings */
    const char *detail;
} sp_journal_tls_posture;

/* "store_error": RRD rows that could not be stored, [from_ms, to_ms). */
typedef struct sp_journal_store_error {
    int64_t from_ms, to_ms;
    int64_t step_s, rows;
    const char *cause; /* a token: ENOSPC, EACCES, locked, clock_back, ... */
    const char *detail;
} sp_journal_store_error;

/* "journal_lost": lines held in memory that had to be dropped. */
typedef struct sp_journal_journal_lost {
    int64_t lines;
    const char *cause;
} sp_journal_journal_lost;

/* One imported incident: a run of down steps, [from, to) in Unix seconds. */
typedef struct sp_journal_incident {
    int64_t from, to; /* reader: SP_JOURNAL_NO_MS when not an integer */
    sp_reason reason; /* reader: SP_REASON_OK when absent or unknown */
} sp_journal_incident;

/* "import": history imported from a CSV. */
typedef struct sp_journal_import {
    int64_t from_ms, to_ms; /* writer: the first and last step */
    const char *from, *to;  /* reader only: their ISO text */
    int64_t rows, steps, unknown_steps;
    const char *source;                   /* the CSV's file name */
    const sp_journal_incident *incidents; /* writer only */
    size_t n_incidents;                   /* writer and reader */
    const json_t *incidents_json;         /* reader only: see sp_journal_import_incident */
} sp_journal_import;

/* "rows": a run of RRD steps the writer stored, covered by the SHA-256 of
 * their canonical text (storage/rowcheck.h, docs/EVIDENCE.md "Rows"). */
typedef struct sp_journal_rows {
    int64_t from, to;   /* Unix s: the first and last step (step ends) */
    int64_t step_s;     /* reader: SP_JOURNAL_NO_MS when absent */
    int64_t count;      /* steps from..to */
    const char *sha256; /* 64 hex */
    bool recovered;     /* journaled at the next start, not when written */
} sp_journal_rows;

/* "central_refused": rows of the one-step archive, steps (from, to] in
 * Unix s, that the central rrdcached refused (its message in detail) or
 * that could not be sent (older than the archive's reach, or behind a
 * central file that is ahead of this vantage): replicator/repl.h. */
typedef struct sp_journal_central_refused {
    const char *central; /* the central rrdcached's address */
    const char *detail;
    int64_t from, to;
} sp_journal_central_refused;

typedef struct sp_journal_line {
    sp_journal_type type;
    /* The stamp every line carries ("time" ISO text + "t_ms"): when the
     * event happened (a state change: its probe's start), or, 0 for the
     * writer, now. */
    int64_t t_ms;     /* reader: SP_JOURNAL_NO_MS when not an integer */
    const char *time; /* reader only: the stamp's text, NULL when absent */
    /* store_error only: the writer thread's lines (rows that failed)
     * carry the stamp after their fields, the scheduler's (clock_back)
     * right after "type", as they always did. */
    bool stamp_last;
    union {
        sp_journal_start start;                     /* START */
        sp_journal_stop stop;                       /* STOP, REMOVED */
        sp_journal_state state;                     /* STATE */
        sp_journal_alert alert;                     /* ALERT */
        sp_journal_clock clock;                     /* CLOCK */
        sp_journal_clock_jump clock_jump;           /* CLOCK_JUMP */
        sp_journal_tls_posture tls_posture;         /* TLS_POSTURE */
        sp_journal_store_error store_error;         /* STORE_ERROR */
        sp_journal_journal_lost journal_lost;       /* JOURNAL_LOST */
        sp_journal_import import;                   /* IMPORT */
        sp_journal_rows rows;                       /* ROWS */
        sp_journal_central_refused central_refused; /* CENTRAL_REFUSED */
    };
} sp_journal_line;

/* The JSON of a line, ready for sp_journal_append (or the writer's queue).
 * New reference owned by the caller; NULL on out of memory, for OTHER, or
 * when a string the line needs is NULL (the line would say nothing). */
json_t *sp_journal_line_to_json(const sp_journal_line *l);

/* Read a parsed line: out->type (OTHER when there is none or it is
 * unknown) and the fields of that type, typed; a field absent or of the
 * wrong kind reads as NULL, SP_JOURNAL_NO_MS, false, 0, UNKNOWN or
 * SP_REASON_OK. Strings are borrowed from ev: valid while it lives.
 * Returns out->type. Never fails: a journal is outside input, and a line
 * the reader cannot use is one the report skips. */
sp_journal_type sp_journal_read_line(const json_t *ev, sp_journal_line *out);

/* The i-th incident of an import line read by sp_journal_read_line
 * (i < n_incidents). */
void sp_journal_import_incident(const sp_journal_line *l, size_t i, sp_journal_incident *out);

/* Add the stamp ("time", "t_ms", in that order, after the fields already
 * there) to ev unless it has a "time" already. t_ms 0: now. */
void sp_journal_stamp(json_t *ev, int64_t t_ms);

#endif
