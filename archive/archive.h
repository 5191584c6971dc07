/*
 * sp_archive: the evidence archive of one target's month (SPEC section 11;
 * the format is docs/EVIDENCE.md, "The evidence archive", and
 * archive_int.h's names: a shared format, add to it, never change it).
 *
 * sp_archive_export writes, from the store and the configuration, one
 * tar.gz holding the month's report (JSON, text, HTML), the journal lines
 * of the month with the hash of the line before them, the full-resolution
 * rows, the checkpoints and time-stamp tokens covering them, the public
 * key, the configuration (the target and the control targets, secrets
 * masked), SHA256SUMS signed with the evidence key, and VERIFY.md.
 *
 * sp_archive_verify checks such an archive from itself alone: every
 * member against SHA256SUMS and its signature, the chain over the included
 * lines, every checkpoint and token, the rows against their rows lines,
 * and the month's figures recomputed (a store rebuilt from the archive in
 * a temporary directory, reported on, compared with report.json).
 *
 * Blocking, single-threaded (the report sets TZ). Ownership: nothing is
 * kept; cfg is borrowed.
 */
#ifndef SP_ARCHIVE_H
#define SP_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/sp_status.h"
#include "config/config.h"

/*
 * Write the archive of target id for year-month to out_path (never over an
 * existing file: SP_EEXIST). now: the export time (a month not over is
 * exported up to now). log gets one line per member written and the
 * warnings (lines no checkpoint covers yet; no evidence key). *rows_disagree
 * is set when the month's report finds RRD and journal disagreeing (the
 * archive is written all the same: it shows it). Errors, with err saying
 * which: SP_EINVAL (no such target, a control target, a bad month, a month
 * whose full-resolution rows the store no longer holds), SP_EIO, SP_ENOMEM.
 * A failed export leaves no file at out_path.
 */
sp_status sp_archive_export(const sp_cfg *cfg, const char *id, int year, int month, int64_t now,
                            const char *out_path, FILE *log, bool *rows_disagree, char *err,
                            size_t errlen);

typedef struct sp_archive_verify_opts {
    const char *key_pub; /* a public key PEM file the archive's must be; NULL: any */
    const char *tsa_ca;  /* the TSA's CA to trust; NULL: the archive's tsa-ca.pem */
} sp_archive_verify_opts;

/*
 * Check the archive at path. Every finding is printed to out as one line
 * naming the member ("<member>: <what failed>"), then a summary. SP_OK when
 * the check ran; *ok says whether everything held (warnings, such as lines
 * after the last checkpoint, do not make it false). Errors (the file
 * cannot be read at all, no memory, no temporary directory): SP_EIO,
 * SP_ENOMEM, with err.
 */
sp_status sp_archive_verify(const char *path, const sp_archive_verify_opts *opts, FILE *out,
                            bool *ok, char *err, size_t errlen);

#endif
