/*
 * rrdcached's text protocol, the part the replicator speaks: replies read
 * incrementally (a reply may arrive split over any number of reads) and
 * checked, because the central host is outside input. Pure: no I/O, any
 * thread; bounded memory whatever the peer sends.
 *
 * A reply is a status line "<N> <text>\n". N < 0 is an error (the text
 * says why); N >= 0 announces N more lines (INFO's fields, the "<cmdno>
 * <message>" lines of a BATCH's errors); most commands answer N = 0.
 * rrdcached's own sources and docs/VANTAGES.md, "Replication", describe
 * the commands.
 */
#ifndef SP_REPL_PROTO_H
#define SP_REPL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sp_status.h"

/* The longest line taken from the peer (rrdcached's own limit on a
 * command is 4 kB; its replies are shorter). */
#define SP_REPL_LINE_MAX 4096
/* The most lines after the status line: a BATCH of the replicator's size
 * cannot have more errors than commands. */
#define SP_REPL_LINES_MAX 100000L
/* Room kept for a text (cut beyond, made printable). */
#define SP_REPL_TEXT 256

/* One reply being read; a plain value the caller embeds. */
typedef struct sp_repl_reply {
    long status;              /* the status line's number */
    char text[SP_REPL_TEXT];  /* the status line's text after the number */
    long lines;               /* lines after the status line read so far */
    char first[SP_REPL_TEXT]; /* the first of them ("" when none) */
    long cmd_lo, cmd_hi;      /* BATCH: the smallest and largest command
                                   number those lines start with (-1: none) */
    long numbered;            /* how many of them start with a number */
    /* the parser's state */
    bool have_status;
    size_t len;
    char buf[SP_REPL_LINE_MAX];
} sp_repl_reply;

/* Ready for a new reply. */
void sp_repl_reply_init(sp_repl_reply *r);

/*
 * Take bytes data[0..n). *used: how many were taken; when the reply is
 * complete, *done is set and the rest is not taken (rrdcached sends
 * nothing unasked: bytes left over are the caller's protocol error).
 * SP_EPARSE with err set for a line longer than SP_REPL_LINE_MAX, a status
 * line that does not start with a number, a count beyond
 * SP_REPL_LINES_MAX, or a NUL byte; the reply is then unusable.
 */
sp_status sp_repl_reply_feed(sp_repl_reply *r, const char *data, size_t n, size_t *used, bool *done,
                             char *err, size_t errlen);

/* A BATCH reply's error lines are "<cmdno> <message>": the message of the
 * first, with every run of digits replaced by "#", so that two refusals
 * that differ only in times compare equal (for rate-limited journaling). */
void sp_repl_error_key(const char *line, char *key, size_t n);

#endif
