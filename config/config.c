/*
 * Loading the YAML configuration: the entry points of config.h. Two passes
 * over one read of the file:
 *  1. a libyaml event walk (lines.c) maps key paths to lines, and says
 *     where a text is not YAML at all;
 *  2. libcyaml loads it against the schema (schema.c: structure, types,
 *     unknown or repeated keys); its log is captured and turned into one
 *     line naming file, line and key.
 * Then the raw values are checked and resolved into an sp_cfg with every
 * default applied (resolve.c, check.c). Printing is print.c.
 */
#include "config_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/sp_grow.h"
#include "journal/journal.h"

/* --- libcyaml's errors -------------------------------------------------- */

static void log_to_buffer(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    sp_cfg_loader *ld = ctx;
    (void)level;
    if (ld->log_len < sizeof ld->log - 1) {
        int n = vsnprintf(ld->log + ld->log_len, sizeof ld->log - ld->log_len, fmt, args);
        if (n > 0)
            ld->log_len += (size_t)n;
        if (ld->log_len >= sizeof ld->log)
            ld->log_len = sizeof ld->log - 1;
    }
}

/* One step of libcyaml's backtrace. */
typedef struct trace_seg {
    char text[132]; /* ".key" or "[index]" */
    int line;
    bool field; /* a mapping field; else a sequence entry */
} trace_seg;

/* What a libcyaml "Expecting X, got event: Y" was about, in words. */
static const char *node_words(sp_cfg_node n, const char *event)
{
    switch (n) {
    case SP_CFG_NODE_NULL:
        return "nothing";
    case SP_CFG_NODE_SCALAR:
        return "a single value";
    case SP_CFG_NODE_SEQUENCE:
        return "a list";
    case SP_CFG_NODE_MAPPING:
        return "a mapping";
    default:
        return strncmp(event, "SEQ", 3) == 0   ? "a list"
               : strncmp(event, "MAP", 3) == 0 ? "a mapping"
                                               : "a single value";
    }
}

/* Turn libcyaml's log ("Load: <message>" then "Backtrace:" lines, innermost
 * first) into one line naming file, line and key path, in our words where
 * libcyaml's would puzzle a reader. */
static void describe_cyaml_error(sp_cfg_loader *ld, cyaml_err_t e)
{
    char msg[256] = "", path[512] = "", words[320] = "";
    trace_seg segs[16];
    int nseg = 0, map_line = 0;
    char *save = NULL;
    for (char *l = strtok_r(ld->log, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char name[128];
        int ln, col;
        if (strncmp(l, "Load: ", 6) == 0 && !msg[0] && strcmp(l + 6, "Backtrace:") != 0) {
            snprintf(msg, sizeof msg, "%s", l + 6);
        } else if (sscanf(l, " in mapping field '%127[^']' (line: %d, column: %d)", name, &ln,
                          &col) == 3) {
            if (nseg < 16) {
                segs[nseg] = (trace_seg){.line = ln, .field = true};
                snprintf(segs[nseg++].text, sizeof segs[0].text, ".%s", name);
            }
        } else if (sscanf(l, " in sequence entry '%127[^']' (line: %d, column: %d)", name, &ln,
                          &col) == 3) {
            if (nseg < 16) { /* libcyaml counts from 1; our paths from 0 */
                segs[nseg] = (trace_seg){.line = ln, .field = false};
                snprintf(segs[nseg++].text, sizeof segs[0].text, "[%d]", atoi(name) - 1);
            }
        } else if (sscanf(l, " in mapping (line: %d, column: %d)", &ln, &col) == 2) {
            if (!map_line)
                map_line = ln;
        }
    }
    /* Errors found at the end of a container carry a stale innermost step:
     * a missing field is reported "in" the field read last (or the first
     * of the schema), a short or long list "in" the entry after its last. */
    char missing[128] = "";
    unsigned have = 0, min = 0, max = 0;
    bool too_few = sscanf(msg, "Insufficient entries (%u of %u min)", &have, &min) == 2;
    bool too_many = sscanf(msg, "Excessive entries (%u max)", &max) == 1;
    int first = 0;
    if (sscanf(msg, "Missing required mapping field: %127s", missing) == 1 && nseg && segs[0].field)
        first = 1;
    if ((too_few || too_many) && nseg && !segs[0].field)
        first = 1;
    int line = first < nseg ? segs[first].line : map_line;
    size_t used = 0;
    for (int i = nseg - 1; i >= first && used < sizeof path; i--) {
        const char *s = segs[i].text;
        if (used == 0 && s[0] == '.')
            s++;
        used += (size_t)snprintf(path + used, sizeof path - used, "%s", s);
    }
    /* libcyaml places a step at the line of its value, which for a block
     * is the line after the key: the index knows the key's own. */
    int key_line = sp_cfg_lines_find(ld->lines, path);
    if (key_line && path[0])
        line = key_line;
    if (missing[0]) {
        size_t n = strlen(path);
        snprintf(path + n, sizeof path - n, "%s%s", n ? "." : "", missing);
        line = first < nseg ? line : 0; /* the key is nowhere in the file */
    }
    /* An unknown key is reported at its mapping; find the key's own line. */
    const char *unk = strstr(msg, "Unexpected key: ");
    if (unk) {
        char full[700];
        snprintf(full, sizeof full, "%s%s%s", path, path[0] ? "." : "", unk + 16);
        int kl = sp_cfg_lines_find(ld->lines, full);
        snprintf(ld->err, ld->errlen, "%s:%d: %s: unknown key", ld->path, kl ? kl : line, full);
        return;
    }
    sp_cfg_node node = sp_cfg_lines_node(ld->lines, path);
    char want[16] = "", got[32] = "";
    bool expecting = sscanf(msg, "Expecting %15[A-Z], got event: %31s", want, got) == 2;
    const char *want_words = strcmp(want, "SEQUENCE") == 0 ? "a list (- entry lines, or [a, b])"
                                                           : "a mapping (key: value lines)";
    if (strcmp(path, "targets") == 0 &&
        (missing[0] || too_few || (expecting && node == SP_CFG_NODE_NULL))) {
        snprintf(words, sizeof words, "at least one target is required");
    } else if (expecting && !path[0]) {
        /* The document itself: a lone value, a list, or nothing (`---`, ~). */
        line = sp_cfg_lines_find(ld->lines, "");
        snprintf(words, sizeof words,
                 "the file must be a mapping of keys (targets:, storage:, ...), not %s",
                 node == SP_CFG_NODE_NULL ? "an empty document" : node_words(node, got));
    } else if (expecting && node == SP_CFG_NODE_NULL) {
        snprintf(words, sizeof words, "no value; expected %s", want_words);
    } else if (expecting) {
        snprintf(words, sizeof words, "expected %s, not %s", want_words, node_words(node, got));
    } else if (missing[0]) {
        snprintf(words, sizeof words, "required, but missing");
    } else if (too_few) {
        snprintf(words, sizeof words, "needs at least %u entr%s (has %u)", min,
                 min == 1 ? "y" : "ies", have);
    } else if (too_many) {
        snprintf(words, sizeof words, "has more than the %u entries allowed", max);
    } else if (node == SP_CFG_NODE_NULL) {
        snprintf(words, sizeof words, "no value");
    } else {
        snprintf(words, sizeof words, "%s", msg[0] ? msg : cyaml_strerror(e));
    }
    if (line)
        snprintf(ld->err, ld->errlen, "%s:%d: %s%s%s", ld->path, line, path, path[0] ? ": " : "",
                 words);
    else
        snprintf(ld->err, ld->errlen, "%s: %s%s%s", ld->path, path, path[0] ? ": " : "", words);
}

/* --- Public ------------------------------------------------------------- */

/* The whole file, read once so that both passes see the same text (also
 * from a pipe), and at most SP_CFG_MAX_BYTES of it, so that a wrong file
 * (a log, a disk image, /dev/zero) is refused instead of parsed. */
static sp_status read_text(const char *path, unsigned char **out, size_t *outlen, char *err,
                           size_t errlen)
{
    sp_status st = SP_OK;
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    FILE *fp = fopen(path, "rbe");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return SP_EIO;
    }
    while (!feof(fp) && !ferror(fp)) {
        if (len > SP_CFG_MAX_BYTES)
            break; /* one byte over is enough to know */
        if (sp_grow((void **)&buf, &cap, len + 64 * 1024, 1) != SP_OK) {
            snprintf(err, errlen, "%s: out of memory", path);
            st = SP_ENOMEM;
            goto out;
        }
        size_t room = cap - len;
        if (room > SP_CFG_MAX_BYTES + 1 - len)
            room = SP_CFG_MAX_BYTES + 1 - len;
        len += fread(buf + len, 1, room, fp);
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        st = SP_EIO;
    } else if (len > SP_CFG_MAX_BYTES) {
        snprintf(err, errlen, "%s: larger than %d MiB, too large for a configuration file", path,
                 SP_CFG_MAX_BYTES >> 20);
        st = SP_EPARSE;
    }
out:
    fclose(fp);
    if (st != SP_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *outlen = len;
    return SP_OK;
}

/* libcyaml's settings: its messages into ld's buffer (see above). */
static cyaml_config_t cyaml_config(sp_cfg_loader *ld)
{
    return (cyaml_config_t){
        .log_fn = log_to_buffer,
        .log_ctx = ld,
        .mem_fn = cyaml_mem,
        .log_level = CYAML_LOG_WARNING,
    };
}

/* Read and check one YAML document against schema: the whole file, the
 * key index (ld->lines, the caller destroys it), not-YAML and second
 * documents refused, libcyaml's load, and no key left without a value.
 * *text (the bytes read) and *raw (libcyaml's, freed with cyaml_free on
 * schema) are the caller's; on error ld->err holds the line. empty: what
 * to say of a file with no document at all. */
static sp_status load_doc(sp_cfg_loader *ld, const cyaml_schema_value_t *schema, const char *empty,
                          const cyaml_config_t *cc, unsigned char **text, size_t *len, void **raw)
{
    const char *path = ld->path;
    char *err = ld->err;
    size_t errlen = ld->errlen;
    *raw = NULL;
    sp_status st = read_text(path, text, len, err, errlen);
    if (st != SP_OK)
        return st;
    ld->lines = sp_cfg_lines_create(*text, *len);
    /* Not YAML at all: libcyaml would say why but not where. */
    int line;
    const char *why = sp_cfg_lines_error(ld->lines, &line);
    if (why) {
        snprintf(err, errlen, "%s:%d: %s", path, line, why);
        return SP_EPARSE;
    }
    if ((line = sp_cfg_lines_second_document(ld->lines)) > 0) {
        snprintf(err, errlen,
                 "%s:%d: a second YAML document (---); a configuration is one, and the rest "
                 "would be ignored",
                 path, line);
        return SP_EPARSE;
    }
    cyaml_err_t e = cyaml_load_data(*text, *len, cc, schema, (cyaml_data_t **)raw, NULL);
    if (e != CYAML_OK) {
        describe_cyaml_error(ld, e);
        return SP_EPARSE;
    }
    /* A stream with no document at all (an empty file, blank lines,
     * comments) is not an error to libcyaml: it returns CYAML_OK and no
     * data. */
    if (!*raw) {
        snprintf(err, errlen, "%s: the file is empty (nothing but blank lines or comments); %s",
                 path, empty);
        return SP_EPARSE;
    }
    /* libcyaml has refused a null where a mapping, list or number belongs;
     * a string key with no value it reads as "", and so `name:`, `dir:` or
     * `ca_file:` left unfinished passed as an empty name or path. Nothing
     * in the schema takes null for a value. */
    const char *nul = sp_cfg_lines_first_null(ld->lines, &line);
    if (nul) {
        snprintf(err, errlen, "%s:%d: %s: no value (give one, or leave the key out)", path, line,
                 nul);
        return SP_EPARSE;
    }
    return SP_OK;
}

sp_status sp_cfg_load(const char *path, sp_cfg **out, char *err, size_t errlen)
{
    sp_cfg_loader ld = {.path = path, .err = err, .errlen = errlen};
    raw_cfg *raw = NULL;
    sp_cfg *c = NULL;
    unsigned char *text = NULL;
    size_t len = 0;
    cyaml_config_t cc = cyaml_config(&ld);
    *out = NULL;
    sp_status st = load_doc(&ld, &sp_cfg_schema, "targets: at least one target is required", &cc,
                            &text, &len, (void **)&raw);
    if (st != SP_OK)
        goto out;
    if (!(c = calloc(1, sizeof *c)) || !(c->path = strdup(path))) {
        st = SP_ENOMEM;
    } else {
        sp_journal_sha256_hex(text, len, c->config_sha256);
        st = sp_cfg_resolve(&ld, raw, c);
    }
    if (st == SP_ENOMEM)
        snprintf(err, errlen, "%s: out of memory", path);
    if (st != SP_OK) {
        sp_cfg_destroy(c);
        c = NULL;
    }
    *out = c;
out:
    cyaml_free(&cc, &sp_cfg_schema, raw, 0);
    sp_cfg_lines_destroy(ld.lines);
    free(text);
    return st;
}

sp_status sp_cfg__load_file(const sp_cfg_loader *parent, const char *file,
                            const cyaml_schema_value_t *schema, void **raw,
                            sp_status (*use)(sp_cfg_loader *ld, void *raw, void *arg), void *arg)
{
    sp_cfg_loader ld = {.path = file, .err = parent->err, .errlen = parent->errlen};
    unsigned char *text = NULL;
    size_t len = 0;
    cyaml_config_t cc = cyaml_config(&ld);
    sp_status st =
        load_doc(&ld, schema, "a post needs a title, services and updates", &cc, &text, &len, raw);
    if (st == SP_OK)
        st = use(&ld, *raw, arg);
    cyaml_free(&cc, schema, *raw, 0);
    *raw = NULL;
    sp_cfg_lines_destroy(ld.lines);
    free(text);
    return st;
}

sp_status sp_cfg_set_storage(sp_cfg *cfg, const char *dir)
{
    char *d = strdup(dir), *root = strdup(dir);
    if (!d || !root) {
        free(d);
        free(root);
        return SP_ENOMEM;
    }
    free(cfg->storage_dir);
    cfg->storage_dir = d;
    free(cfg->storage_root); /* the whole store, vantage or not */
    cfg->storage_root = root;
    free(cfg->rrdcached);
    cfg->rrdcached = NULL;
    return SP_OK;
}

void sp_cfg_destroy(sp_cfg *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_targets; i++) {
        sp_cfg_target *t = &c->targets[i];
        free(t->id);
        free(t->name);
        free(t->group);
        sp_probe_spec_free(&t->spec);
        sp_probe_spec_free(&t->tls_spec);
        free(t->service_hours);
        for (size_t k = 0; k < t->n_holidays; k++)
            free(t->holidays[k]);
        free(t->holidays);
        free(t->credits);
        for (size_t k = 0; k < t->n_maintenance; k++)
            free(t->maintenance[k].reason);
        free(t->maintenance);
        free(t->auth_ref);
        for (size_t k = 0; t->own_vantages && k < t->n_vantages; k++)
            free(t->vantages[k]);
        if (t->own_vantages)
            free(t->vantages);
    }
    free(c->targets);
    free(c->path);
    free(c->timezone);
    free(c->storage_dir);
    free(c->storage_root);
    free(c->rrdcached);
    free(c->central_rrdcached);
    free(c->metrics_listen);
    free(c->metrics_modules);
    free(c->vantage);
    for (size_t i = 0; i < c->n_vantages; i++)
        free(c->vantages[i]);
    free(c->vantages);
    free(c->dns_servers);
    free(c->status_dir);
    free(c->status_lang);
    free(c->status_title);
    free(c->status_url);
    free(c->status_logo);
    free(c->status_footer);
    sp_cfg__free_posts(c);
    for (size_t i = 0; i < c->n_alerts; i++) {
        sp_cfg_alert *a = &c->alerts[i];
        char **lists[] = {a->to, a->argv, a->targets, a->pass_env};
        for (size_t l = 0; l < 4; l++) {
            for (char **v = lists[l]; v && *v; v++)
                free(*v);
            free(lists[l]);
        }
        free(a->name);
        free(a->url);
        free(a->auth_header);
        free(a->auth_ref);
        free(a->ca_file);
        free(a->from);
        free(a->username);
        free(a->password);
        free(a->password_ref);
        free(a->lang);
        free(a->url_ref);
    }
    free(c->alerts);
    free(c->report_url);
    if (c->evidence_key_pem) /* a secret: not left in freed memory */
        OPENSSL_cleanse(c->evidence_key_pem, strlen(c->evidence_key_pem));
    free(c->evidence_key_pem);
    free(c->evidence_key_ref);
    free(c->evidence_tsa_url);
    free(c->evidence_tsa_ca);
    free(c);
}

bool sp_cfg_alert_wants(const sp_cfg_alert *a, unsigned kind, const char *id)
{
    if (!(a->events & kind))
        return false;
    if (!a->n_targets)
        return true;
    for (size_t k = 0; k < a->n_targets; k++)
        if (strcmp(a->targets[k], id) == 0)
            return true;
    return false;
}

int sp_cfg_vantage_dir(const sp_cfg *cfg, const char *v, char *buf, size_t n)
{
    return snprintf(buf, n, "%s/%s", cfg->storage_root, v);
}

const sp_cfg_target *sp_cfg_find_target(const sp_cfg *c, const char *id)
{
    for (size_t i = 0; i < c->n_targets; i++)
        if (c->targets[i].id && strcmp(c->targets[i].id, id) == 0)
            return &c->targets[i];
    return NULL;
}
