/*
 * `slaprobe evidence keygen -o FILE`: the Ed25519 key pair that signs the
 * journals' checkpoints (docs/EVIDENCE.md). The private key goes to FILE
 * (0600, never over an existing file: a key that signed checkpoints must
 * not be lost by a typo), the public one to FILE.pub for whoever checks
 * them. Only the key_id is printed, never the key.
 *
 * `slaprobe evidence verify ARCHIVE`: an evidence archive checked from
 * itself alone (archive/verify.c); exit 0 all holds, 1 a failure, 2 bad
 * usage or an unreadable file.
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "archive/archive.h"
#include "calendar/calendar.h"
#include "config/config.h"
#include "evidence/evidence.h"

static const char evidence_usage[] =
    "usage: slaprobe evidence keygen -o FILE\n"
    "       slaprobe evidence export -c FILE --target ID --month YYYY-MM -o FILE.tar.gz\n"
    "       slaprobe evidence verify [--key FILE.pub] [--tsa-ca FILE] ARCHIVE.tar.gz\n"
    "\n"
    "Evidence that survives a dispute (docs/EVIDENCE.md).\n"
    "\n"
    "  keygen -o FILE   make an Ed25519 key pair for signed checkpoints:\n"
    "                   FILE (private, PKCS#8 PEM, mode 0600) and FILE.pub\n"
    "                   (public, for anyone who verifies); prints the key_id.\n"
    "                   An existing FILE is never overwritten (exit 2).\n"
    "  export ...       one target's month as a signed archive a third party\n"
    "                   checks without the store (see export --help).\n"
    "  verify ARCHIVE   check an evidence archive from itself alone: exit 0\n"
    "                   everything holds, 1 something failed (each failure\n"
    "                   names its member), 2 bad usage or unreadable file.\n"
    "  -h, --help       this text\n";

static const char export_usage[] =
    "usage: slaprobe evidence export -c FILE --target ID --month YYYY-MM -o FILE.tar.gz\n"
    "\n"
    "Write one target's month as a tar.gz (docs/EVIDENCE.md, \"The evidence\n"
    "archive\"): the report (JSON, text, HTML), the journal lines with the\n"
    "rows and signed checkpoints behind it, the same for every control target,\n"
    "the configuration they were measured with (secrets left out), the public\n"
    "key, SHA256SUMS signed with evidence.key, and VERIFY.md, the commands that\n"
    "check it by hand. A month not over is exported up to now. Prints one line\n"
    "per member and the warnings (lines no checkpoint covers yet).\n"
    "\n"
    "  -c, --config FILE   the configuration\n"
    "  -t, --target ID     the target (not a control target)\n"
    "  -m, --month YYYY-MM the month, in the configuration's timezone\n"
    "  -o, --output FILE   the archive; an existing FILE is never overwritten\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit: 0 written; 1 failed (nothing is left at FILE); 2 bad usage, a bad\n"
    "configuration, an unknown target, a bad month, or an existing FILE; 3\n"
    "written, but the month's report finds the RRD and the journal disagreeing\n"
    "(as slaprobe report exits 3: the archive shows it).\n";

static const char keygen_usage[] =
    "usage: slaprobe evidence keygen -o FILE\n"
    "\n"
    "Make an Ed25519 key pair: FILE gets the private key (PKCS#8 PEM, mode\n"
    "0600), FILE.pub the public key (SubjectPublicKeyInfo PEM). Prints the\n"
    "key_id (the first 16 hex digits of the SHA-256 of the raw public key)\n"
    "that every checkpoint names. Refuses an existing FILE (exit 2). Point\n"
    "evidence.key at it as file:FILE; keep a copy of FILE.pub elsewhere.\n"
    "\n"
    "  -o, --output FILE   where the private key goes\n"
    "  -h, --help          this text\n";

static int keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'h':
            fputs(keygen_usage, stdout);
            return SP_EXIT_OK;
        default:
            fprintf(stderr,
                    "slaprobe evidence keygen: bad option '%s' (try 'slaprobe evidence keygen "
                    "--help')\n",
                    argv[optind - 1]);
            return SP_EXIT_USAGE;
        }
    }
    if (!out || !*out || optind < argc) {
        fprintf(stderr, "slaprobe evidence keygen: -o FILE is required\n");
        return SP_EXIT_USAGE;
    }
    sp_evidence_key *k = NULL;
    if (sp_evidence_key_generate(&k) != SP_OK) {
        fprintf(stderr, "slaprobe evidence keygen: cannot make a key (OpenSSL)\n");
        return SP_EXIT_FAIL;
    }
    char err[512];
    sp_status st = sp_evidence_key_write(k, out, err, sizeof err);
    if (st != SP_OK) {
        sp_evidence_key_free(k);
        fprintf(stderr, "slaprobe evidence keygen: %s\n", err);
        return st == SP_EEXIST ? SP_EXIT_USAGE : SP_EXIT_FAIL;
    }
    char id[SP_EVIDENCE_KEY_ID_LEN + 1];
    sp_evidence_key_id(k, id);
    sp_evidence_key_free(k);
    printf("key_id %s\nprivate key: %s (keep it secret)\npublic key:  %s.pub\n", id, out, out);
    return SP_EXIT_OK;
}

static int export_cmd(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"target", required_argument, NULL, 't'},
        {"month", required_argument, NULL, 'm'},  {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *id = NULL, *month = NULL, *out = NULL;
    int c, year, mon;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:t:m:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 't':
            id = optarg;
            break;
        case 'm':
            month = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            fputs(export_usage, stdout);
            return SP_EXIT_OK;
        default:
            fprintf(stderr, "slaprobe evidence export: bad option '%s' (try --help)\n",
                    argv[optind - 1]);
            return SP_EXIT_USAGE;
        }
    }
    if (!path || !id || !month || !out || !*out || optind < argc) {
        fprintf(stderr, "slaprobe evidence export: -c FILE, --target ID, --month YYYY-MM and -o "
                        "FILE are required (try --help)\n");
        return SP_EXIT_USAGE;
    }
    if (!sp_cal_parse_month(month, &year, &mon)) {
        fprintf(stderr, "slaprobe evidence export: --month '%s' is not YYYY-MM\n", month);
        return SP_EXIT_USAGE;
    }
    char err[1024];
    sp_cfg *cfg = NULL;
    if (sp_cfg_load(path, &cfg, err, sizeof err) != SP_OK) {
        fprintf(stderr, "slaprobe: %s\n", err);
        return SP_EXIT_USAGE;
    }
    bool disagree = false;
    sp_status st = sp_archive_export(cfg, id, year, mon, (int64_t)time(NULL), out, stdout,
                                     &disagree, err, sizeof err);
    sp_cfg_destroy(cfg);
    if (st != SP_OK) {
        fprintf(stderr, "slaprobe evidence export: %s\n", err);
        return st == SP_EINVAL || st == SP_EEXIST ? SP_EXIT_USAGE : SP_EXIT_FAIL;
    }
    if (disagree) {
        fprintf(stderr, "slaprobe evidence export: the month's RRD and journal disagree (see "
                        "report/report.txt's evidence section)\n");
        return 3;
    }
    return SP_EXIT_OK;
}

static const char verify_usage[] =
    "usage: slaprobe evidence verify [--key FILE.pub] [--tsa-ca FILE] ARCHIVE.tar.gz\n"
    "\n"
    "Check an evidence archive (slaprobe evidence export) from the archive\n"
    "alone, as docs/EVIDENCE.md \"What verify checks\" says: every member\n"
    "against SHA256SUMS and its signature, the journal chain, every checkpoint\n"
    "and time-stamp token, the rows against the journal's rows lines, and the\n"
    "month's figures recomputed and compared with report/report.json.\n"
    "Each failure is one line \"<member>: <what failed>\"; lines after the\n"
    "last checkpoint, or an archive signed by no key, are WARNING lines.\n"
    "\n"
    "  --key FILE.pub   the public key the archive must be signed with (else\n"
    "                   the archive's own evidence.pub is used and its key_id\n"
    "                   printed: compare it with one you hold)\n"
    "  --tsa-ca FILE    the TSA's CA to check tokens with (else the archive's\n"
    "                   tsa-ca.pem)\n"
    "  -h, --help       this text\n"
    "\n"
    "Exit: 0 everything holds, 1 something failed, 2 bad usage or an\n"
    "unreadable file.\n";

static int verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},
        {"tsa-ca", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sp_archive_verify_opts vo = {0};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            vo.key_pub = optarg;
            break;
        case 't':
            vo.tsa_ca = optarg;
            break;
        case 'h':
            fputs(verify_usage, stdout);
            return SP_EXIT_OK;
        default:
            fprintf(stderr,
                    "slaprobe evidence verify: bad option '%s' (try 'slaprobe evidence verify "
                    "--help')\n",
                    argv[optind - 1]);
            return SP_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !*argv[optind]) {
        fprintf(stderr, "slaprobe evidence verify: one ARCHIVE.tar.gz is required (try "
                        "'slaprobe evidence verify --help')\n");
        return SP_EXIT_USAGE;
    }
    char err[1024];
    bool ok = false;
    sp_status st = sp_archive_verify(argv[optind], &vo, stdout, &ok, err, sizeof err);
    fflush(stdout);
    if (st != SP_OK) {
        fprintf(stderr, "slaprobe evidence verify: %s\n", err);
        return SP_EXIT_USAGE;
    }
    return ok ? SP_EXIT_OK : SP_EXIT_FAIL;
}

int sp_cmd_evidence(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(evidence_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? SP_EXIT_USAGE : SP_EXIT_OK;
    }
    if (strcmp(argv[1], "keygen") == 0)
        return keygen(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "export") == 0)
        return export_cmd(argc - 1, argv + 1);
    fprintf(stderr, "slaprobe evidence: unknown command '%s' (try 'slaprobe evidence --help')\n",
            argv[1]);
    return SP_EXIT_USAGE;
}
