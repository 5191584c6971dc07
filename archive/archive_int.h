/*
 * What export.c writes and verify.c reads: the members' names and the
 * manifest's keys (docs/EVIDENCE.md, "The evidence archive"). Every name is
 * relative to the archive's top directory "<id>-<YYYY-MM>/".
 */
#ifndef SP_ARCHIVE_INT_H
#define SP_ARCHIVE_INT_H

#define SP_ARCHIVE_FORMAT "slaprobe-evidence-v1"

#define SP_ARCHIVE_VERIFY_MD "VERIFY.md"
#define SP_ARCHIVE_SUMS "SHA256SUMS"
#define SP_ARCHIVE_SUMS_SIG "SHA256SUMS.sig"
#define SP_ARCHIVE_PUBKEY "evidence.pub"
#define SP_ARCHIVE_TSA_CA "tsa-ca.pem"
#define SP_ARCHIVE_CONFIG "config.yaml"
#define SP_ARCHIVE_MANIFEST "manifest.json"
#define SP_ARCHIVE_REPORT_JSON "report/report.json"
#define SP_ARCHIVE_REPORT_TEXT "report/report.txt"
#define SP_ARCHIVE_REPORT_HTML "report/report.html" /* one file, graphs inline */

/* Per target (the reported one and each control target):
 * "targets/<id>/" + one of these. */
#define SP_ARCHIVE_TARGETS_DIR "targets/"
#define SP_ARCHIVE_JOURNAL "journal.jsonl"
#define SP_ARCHIVE_ROWS "rows.txt"
#define SP_ARCHIVE_CHECKPOINTS "checkpoints.jsonl"
/* The anchoring checkpoint (the last one included) for the by-hand
 * commands: "checkpoint-<seq>.msg" (the signed message), ".sig" (its 64
 * raw bytes), ".tsr" (its time-stamp token, DER, when there is one). */
#define SP_ARCHIVE_ANCHOR_PREFIX "checkpoint-"

/* Limits verify applies before it reads anything into memory. */
#define SP_ARCHIVE_MAX_MEMBERS 4096
#define SP_ARCHIVE_MAX_MEMBER_BYTES (512LL * 1024 * 1024)
#define SP_ARCHIVE_MAX_TOTAL_BYTES (2LL * 1024 * 1024 * 1024)
/* And to the RRDs it rebuilds (config.yaml's retention and intervals fix
 * their size; a hostile one must not fill the disk): bytes in all. */
#define SP_ARCHIVE_MAX_REBUILD_BYTES (4LL * 1024 * 1024 * 1024)

#endif
