/*
 * `slaprobe journal verify -c FILE [--target ID]`: check the hash chain of
 * each target's journal and say where it breaks, then re-read each RRD's
 * one-step archive against the journal's rows and state lines
 * (storage/rowcheck.h) and name every disagreement.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sp_grow.h"
#include "common/sp_time.h"
#include "config/config.h"
#include "evidence/evidence.h"
#include "evidence/tsa.h"
#include "journal/journal.h"
#include "storage/rowcheck.h"
#include "storage/sp_store.h"

/* --- Checkpoints (docs/EVIDENCE.md, "Checkpoints") ------------------------ */

/* journal.c's reader, with errno set as the callers here read it. */
static char *read_all(const char *path, size_t *len)
{
    int oserr = 0;
    char *buf = sp_journal_read_file(path, len, &oserr);
    if (!buf)
        errno = oserr;
    return buf;
}

/* The SHA-256 (hex) of every complete line of the journal, as its chain
 * hashes them: hashes[k] is line k + 1's. */
static char (*line_hashes(const char *path, long *n))[65]
{
    size_t len;
    *n = 0;
    char *buf = read_all(path, &len);
    if (!buf)
        return NULL;
    size_t cap = 0;
    char(*h)[65] = NULL;
    for (size_t pos = 0; pos < len;) {
        char *nl = memchr(buf + pos, '\n', len - pos);
        if (!nl)
            break;
        if (sp_grow((void **)&h, &cap, (size_t)*n + 1, sizeof *h) != SP_OK) {
            free(h);
            h = NULL;
            break;
        }
        sp_journal_sha256_hex(buf + pos, (size_t)(nl - buf - pos), h[(*n)++]);
        pos = (size_t)(nl - buf) + 1;
    }
    free(buf);
    return h;
}

/* Check <id>.checkpoints against the journal: every signature with key,
 * every checkpoint's line still there and the same, every token (with
 * tsa_ca). Prints what it finds; returns false when something fails. */
static bool verify_checkpoints(const sp_cfg *cfg, const sp_evidence_key *key, const char *dir,
                               const char *id, const char *label, const char *jpath)
{
    char path[4096];
    sp_evidence_path(dir, id, path, sizeof path);
    size_t len;
    char *buf = read_all(path, &len);
    if (!buf) {
        if (errno != ENOENT) {
            printf("%s: cannot read %s: %s\n", label, path, strerror(errno));
            return false;
        }
        if (key)
            printf("%s: no checkpoints yet (%s): the whole journal can still be cut\n", label,
                   path);
        return true;
    }
    if (!key) {
        printf("%s: %s is not checked: no evidence.key in the configuration\n", label, path);
        free(buf);
        return true;
    }
    long n_lines = 0;
    char(*hashes)[65] = line_hashes(jpath, &n_lines);
    bool ok = true;
    long lineno = 0, n_cp = 0, n_tok = 0;
    sp_evidence_checkpoint last = {0}, *cps = NULL;
    size_t cps_n = 0, cps_cap = 0;
    char err[512], iso[40];
    for (size_t pos = 0; pos < len;) {
        char *nl = memchr(buf + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - buf - pos) : len - pos;
        lineno++;
        sp_evidence_line l;
        if (!nl) {
            printf("%s: line %ld of %s is incomplete (cut mid-write)\n", label, lineno, path);
            ok = false;
            break;
        }
        if (sp_evidence_line_parse(buf + pos, ll, &l, err, sizeof err) != SP_OK) {
            printf("%s: line %ld of %s: %s\n", label, lineno, path, err);
            ok = false;
        } else if (l.type == SP_EVIDENCE_LINE_CHECKPOINT) {
            n_cp++;
            sp_time_iso_ms(l.cp.t_ms, iso, sizeof iso);
            if (strcmp(l.cp.target, id) != 0) {
                printf("%s: the checkpoint at %s (line %ld of %s) is for another target (%s)\n",
                       label, iso, lineno, path, l.cp.target);
                ok = false;
            } else if (sp_evidence_checkpoint_verify(key, &l.cp, err, sizeof err) != SP_OK) {
                printf("%s: the checkpoint at %s (line %ld of %s): %s\n", label, iso, lineno, path,
                       err);
                ok = false;
            } else if (l.cp.seq > n_lines) {
                printf("%s: journal ends at line %ld but checkpoint at %s covers line %lld: "
                       "lines were cut from the journal\n",
                       label, n_lines, iso, l.cp.seq);
                ok = false;
            } else if (!hashes || strcmp(hashes[l.cp.seq - 1], l.cp.line_sha256) != 0) {
                printf("%s: journal line %lld is not the line the checkpoint at %s signed: "
                       "that line, or one before it, was edited, or lines were deleted\n",
                       label, l.cp.seq, iso);
                ok = false;
            } else {
                if (l.cp.seq >= last.seq)
                    last = l.cp;
                if (sp_grow((void **)&cps, &cps_cap, cps_n + 1, sizeof *cps) == SP_OK)
                    cps[cps_n++] = l.cp;
            }
        } else {
            n_tok++;
            /* a token stamps the message of this file's checkpoint of its seq */
            const sp_evidence_checkpoint *cp = NULL;
            for (size_t k = cps_n; k-- > 0;)
                if (cps[k].seq == l.tok_seq) {
                    cp = &cps[k];
                    break;
                }
            char msg[512], hex[65];
            unsigned char md[32];
            size_t ml = cp ? sp_evidence_message(cp, msg, sizeof msg) : 0;
            if (cp)
                sp_evidence_sha256(msg, ml, md, hex);
            if (!cp) {
                printf("%s: the time-stamp token of line %ld of %s stamps seq %lld, which no "
                       "valid checkpoint before it covers\n",
                       label, lineno, path, l.tok_seq);
                ok = false;
            } else if (strcmp(hex, l.imprint_sha256) != 0) {
                printf("%s: the time-stamp token of line %ld of %s is for another hash than "
                       "checkpoint seq %lld's\n",
                       label, lineno, path, l.tok_seq);
                ok = false;
            } else if (cfg->evidence_tsa_ca &&
                       sp_evidence_tsa_verify(l.token, l.token_len, md, cfg->evidence_tsa_ca, err,
                                              sizeof err) != SP_OK) {
                printf("%s: the time-stamp token of line %ld of %s does not verify: %s\n", label,
                       lineno, path, err);
                ok = false;
            }
            free(l.token);
        }
        pos += ll + 1;
    }
    if (ok && last.seq) {
        sp_time_iso_ms(last.t_ms, iso, sizeof iso);
        printf("%s: %ld checkpoint%s and %ld time-stamp token%s verify; the last (%s) covers "
               "line %lld, sha256 %s\n",
               label, n_cp, n_cp == 1 ? "" : "s", n_tok, n_tok == 1 ? "" : "s", iso, last.seq,
               last.line_sha256);
        if (n_lines > last.seq)
            printf("%s: %lld line%s after the last checkpoint (%s) %s not covered: they can "
                   "still be cut\n",
                   label, n_lines - last.seq, n_lines - last.seq == 1 ? "" : "s", iso,
                   n_lines - last.seq == 1 ? "is" : "are");
    }
    free(cps);
    free(hashes);
    free(buf);
    return ok;
}

/* The key that checks the checkpoints: evidence.key (the public half of the
 * private key), or NULL when there is none. */
static sp_evidence_key *checkpoint_key(const sp_cfg *cfg)
{
    if (!cfg->evidence_key_pem)
        return NULL;
    sp_evidence_key *k = NULL;
    char err[256];
    if (sp_evidence_key_from_pem(cfg->evidence_key_pem, strlen(cfg->evidence_key_pem), &k, err,
                                 sizeof err) != SP_OK)
        return NULL; /* sp_cfg_load checked it */
    return k;
}

static const char *const kind_words[] = {
    [SP_ROWCHECK_MISMATCH] = "ROWS DIFFER",
    [SP_ROWCHECK_UNCOVERED] = "ROWS UNCOVERED",
    [SP_ROWCHECK_INCIDENT] = "ROWS CONTRADICT THE JOURNAL",
    [SP_ROWCHECK_UNCHECKABLE] = "note",
    [SP_ROWCHECK_RECOVERED] = "note",
    [SP_ROWCHECK_BEFORE] = "note",
};

/* The RRD against the journal's rows lines: 0 agree, 1 a disagreement or
 * the files cannot be read. No RRD yet: nothing to check. */
static int verify_rows(const sp_cfg *cfg, const char *label, const char *rrd, const char *jpath)
{
    if (access(rrd, F_OK) != 0) {
        printf("%s: no RRD file yet: no rows to check\n", label);
        return SP_EXIT_OK;
    }
    char err[1024];
    sp_store_rowcheck c;
    sp_status st = sp_store_rowcheck_run(cfg->rrdcached, rrd, jpath, 0, 0, &c, err, sizeof err);
    if (st != SP_OK) {
        printf("%s: cannot check the rows: %s\n", label, err);
        sp_store_rowcheck_free(&c);
        return SP_EXIT_FAIL;
    }
    for (size_t i = 0; i < c.n; i++)
        printf("%s: %s: %s\n", label, kind_words[c.p[i].kind], c.p[i].text);
    printf("%s: rows: %ld line%s, %ld checked, %ld differ, %ld no longer checkable, %ld "
           "recovered; %ld step%s uncovered, %ld step%s contradict the state lines: %s\n",
           label, c.lines, c.lines == 1 ? "" : "s", c.checked, c.mismatching, c.not_checkable,
           c.recovered, c.uncovered_steps, c.uncovered_steps == 1 ? "" : "s", c.incident_steps,
           c.incident_steps == 1 ? "" : "s",
           sp_store_rowcheck_failed(&c) ? "RRD AND JOURNAL DISAGREE" : "RRD and journal agree");
    int rc = sp_store_rowcheck_failed(&c) ? SP_EXIT_FAIL : SP_EXIT_OK;
    sp_store_rowcheck_free(&c);
    return rc;
}

/* One target's files in dir: the chain, the checkpoints, the rows. label
 * names it in every line ("id", or "vantage/id" on the report side). */
static int verify_target(const sp_cfg *cfg, const sp_evidence_key *key, const char *dir,
                         const char *id, const char *label)
{
    char rrd[4096], jpath[4096], err[1024];
    int rc = SP_EXIT_OK;
    sp_store_paths(dir, id, rrd, jpath, sizeof rrd);
    sp_journal_report rep;
    if (sp_journal_verify(jpath, &rep, err, sizeof err) != SP_OK) {
        printf("%s: %s\n", label, err);
        return SP_EXIT_FAIL;
    }
    if (rep.first_bad) {
        printf("%s: BROKEN at line %ld of %s: %s\n", label, rep.first_bad, jpath, rep.problem);
        rc = SP_EXIT_FAIL;
    } else {
        printf("%s: intact, %ld lines, last line sha256 %s\n", label, rep.lines, rep.last_hash);
    }
    if (rep.torn_tail)
        printf("%s: the last line is incomplete (a crash mid-write); it is not part of the "
               "chain and will be cut at the next start\n",
               label);
    if (!verify_checkpoints(cfg, key, dir, id, label, jpath))
        rc = SP_EXIT_FAIL;
    if (verify_rows(cfg, label, rrd, jpath) != SP_EXIT_OK)
        rc = SP_EXIT_FAIL;
    return rc;
}

int sp_cmd_journal(int argc, char **argv)
{
    static const char usage[] =
        "usage: slaprobe journal verify -c FILE [--target ID]\n"
        "Check the hash chain of each target's incident journal, then re-read the\n"
        "full-resolution archive of its RRD against the journal's rows lines (the\n"
        "SHA-256 of the values written) and state lines: a step whose stored values\n"
        "differ, a step holding values no rows line covers, and an incident the RRD\n"
        "contradicts are each named. Rows older than the archive's reach can no\n"
        "longer be checked (said, not an error). With evidence.key, also each\n"
        "<id>.checkpoints: every signature, and that the journal still holds the very\n"
        "line each checkpoint signed (a journal cut or edited before a checkpoint\n"
        "fails); lines after the last checkpoint are named as not covered. Exit 0\n"
        "when every chain is intact, every RRD agrees with its journal and every\n"
        "checkpoint holds, 1 when one does not (each problem named), 2 on bad usage.\n";
    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
            fputs(usage, stdout);
            return SP_EXIT_OK;
        }
        fprintf(stderr, "slaprobe journal: expected 'verify' (try 'slaprobe journal --help')\n");
        return SP_EXIT_USAGE;
    }
    const char *path = NULL, *only = NULL;
    int rc = SP_EXIT_OK;
    char err[1024];
    if (sp_cli_parse_config_args("journal verify", usage, argc - 1, argv + 1, &path, &only, &rc) <
        0)
        return rc;
    sp_cfg *cfg;
    if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe: %s\n", err);
        return SP_EXIT_USAGE;
    }
    if (only && !sp_cfg_find_target(cfg, only)) {
        fprintf(stderr, "slaprobe journal verify: no target '%s' in %s\n", only, path);
        sp_cfg_destroy(cfg);
        return SP_EXIT_USAGE;
    }
    sp_evidence_key *key = checkpoint_key(cfg);
    for (size_t i = 0; i < cfg->n_targets; i++) {
        const sp_cfg_target *t = &cfg->targets[i];
        if (only && strcmp(only, t->id) != 0)
            continue;
        /* The report side of several vantages (SPEC section 10: `vantages`
         * and no `vantage` of its own) holds each vantage's files, the
         * journals mirrored by rsync, in <root>/<vantage>/. */
        if (cfg->vantage || !t->n_vantages) {
            if (verify_target(cfg, key, cfg->storage_dir, t->id, t->id) != SP_EXIT_OK)
                rc = SP_EXIT_FAIL;
            continue;
        }
        for (size_t v = 0; v < t->n_vantages; v++) {
            char dir[4096], label[256];
            sp_cfg_vantage_dir(cfg, t->vantages[v], dir, sizeof dir);
            snprintf(label, sizeof label, "%s/%s", t->vantages[v], t->id);
            if (verify_target(cfg, key, dir, t->id, label) != SP_EXIT_OK)
                rc = SP_EXIT_FAIL;
        }
    }
    sp_evidence_key_free(key);
    sp_cfg_destroy(cfg);
    return rc;
}
