/*
 * Ed25519 through OpenSSL's EVP (no digest: Ed25519 hashes the message
 * itself), the checkpoint's message and line, and the .checkpoints file.
 */
#include "evidence.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/sp_time.h"

struct sp_evidence_key {
    EVP_PKEY *pkey;
    bool priv;
};

static sp_status wrap(EVP_PKEY *p, bool priv, sp_evidence_key **out)
{
    sp_evidence_key *k = p ? calloc(1, sizeof *k) : NULL;
    if (!k) {
        EVP_PKEY_free(p);
        return SP_ENOMEM;
    }
    k->pkey = p;
    k->priv = priv;
    *out = k;
    return SP_OK;
}

sp_status sp_evidence_key_generate(sp_evidence_key **out)
{
    EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!p)
        return SP_ETLS;
    return wrap(p, true, out);
}

sp_status sp_evidence_key_from_seed(const unsigned char seed[32], sp_evidence_key **out)
{
    EVP_PKEY *p = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    if (!p)
        return SP_ETLS;
    return wrap(p, true, out);
}

sp_status sp_evidence_key_from_pem(const char *pem, size_t len, sp_evidence_key **out, char *err,
                                   size_t errlen)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    if (!b)
        return SP_ENOMEM;
    bool priv = true;
    EVP_PKEY *p = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    if (!p) {
        priv = false;
        (void)BIO_reset(b);
        p = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    }
    BIO_free(b);
    ERR_clear_error();
    if (!p) {
        snprintf(err, errlen, "not a PEM private key (PKCS#8) or public key");
        return SP_EPARSE;
    }
    if (EVP_PKEY_get_id(p) != EVP_PKEY_ED25519) {
        snprintf(err, errlen, "a %s key, not Ed25519 (make one with 'slaprobe evidence keygen')",
                 EVP_PKEY_get0_type_name(p) ? EVP_PKEY_get0_type_name(p) : "non-Ed25519");
        EVP_PKEY_free(p);
        return SP_EPARSE;
    }
    return wrap(p, priv, out);
}

sp_status sp_evidence_key_load(const char *path, sp_evidence_key **out, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "re");
    if (!fp) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return SP_EIO;
    }
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    char why[256];
    sp_status st = sp_evidence_key_from_pem(buf, n, out, why, sizeof why);
    if (st != SP_OK)
        snprintf(err, errlen, "%s: %s", path, why);
    return st;
}

void sp_evidence_key_free(sp_evidence_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

bool sp_evidence_key_is_private(const sp_evidence_key *k)
{
    return k && k->priv;
}

void sp_evidence_sha256(const void *data, size_t len, unsigned char md[32], char hex[65])
{
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    if (hex) {
        for (unsigned i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
        hex[64] = '\0';
    }
}

void sp_evidence_key_id(const sp_evidence_key *k, char out[SP_EVIDENCE_KEY_ID_LEN + 1])
{
    unsigned char raw[32], md[32];
    size_t n = sizeof raw;
    char hex[65];
    if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &n) != 1)
        n = 0;
    sp_evidence_sha256(raw, n, md, hex);
    memcpy(out, hex, SP_EVIDENCE_KEY_ID_LEN);
    out[SP_EVIDENCE_KEY_ID_LEN] = '\0';
}

char *sp_evidence_key_public_pem(const sp_evidence_key *k, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL, *out = NULL;
    long n = b && PEM_write_bio_PUBKEY(b, k->pkey) ? BIO_get_mem_data(b, &data) : 0;
    if (n > 0 && (out = malloc((size_t)n + 1))) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
        *len = (size_t)n;
    }
    BIO_free(b);
    return out;
}

/* Write a PEM through a BIO into fd (closed here). */
static sp_status write_pem(int fd, const sp_evidence_key *k, bool priv, const char *path, char *err,
                           size_t errlen)
{
    BIO *b = BIO_new(BIO_s_mem());
    int ok = b && (priv ? PEM_write_bio_PrivateKey(b, k->pkey, NULL, NULL, 0, NULL, NULL)
                        : PEM_write_bio_PUBKEY(b, k->pkey));
    char *data = NULL;
    long n = ok ? BIO_get_mem_data(b, &data) : 0;
    sp_status st = SP_OK;
    if (!ok || n <= 0) {
        snprintf(err, errlen, "cannot encode the key");
        st = SP_ETLS;
    } else if (write(fd, data, (size_t)n) != n || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        st = SP_EIO;
    }
    BIO_free(b);
    if (close(fd) != 0 && st == SP_OK) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        st = SP_EIO;
    }
    return st;
}

sp_status sp_evidence_key_write(const sp_evidence_key *k, const char *path, char *err,
                                size_t errlen)
{
    if (!k->priv) {
        snprintf(err, errlen, "not a private key");
        return SP_EINVAL;
    }
    char pub[4096];
    if ((size_t)snprintf(pub, sizeof pub, "%s.pub", path) >= sizeof pub) {
        snprintf(err, errlen, "%s: path too long", path);
        return SP_EINVAL;
    }
    /* O_EXCL: a key that signed checkpoints must never be replaced by
     * accident, or the old checkpoints could no longer be verified. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "cannot create %s: %s%s", path, strerror(e),
                 e == EEXIST ? " (an existing key is never overwritten)" : "");
        return e == EEXIST ? SP_EEXIST : SP_EIO;
    }
    sp_status st = write_pem(fd, k, true, path, err, errlen);
    if (st != SP_OK) {
        unlink(path);
        return st;
    }
    fd = open(pub, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", pub, strerror(errno));
        return SP_EIO;
    }
    return write_pem(fd, k, false, pub, err, errlen);
}

sp_status sp_evidence_sign(const sp_evidence_key *k, const void *msg, size_t len,
                           unsigned char sig[SP_EVIDENCE_SIG_LEN])
{
    if (!k->priv)
        return SP_EINVAL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t n = SP_EVIDENCE_SIG_LEN;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestSign(ctx, sig, &n, msg, len) == 1 && n == SP_EVIDENCE_SIG_LEN;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok ? SP_OK : SP_ETLS;
}

sp_status sp_evidence_verify(const sp_evidence_key *k, const void *msg, size_t len,
                             const unsigned char *sig, size_t siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok ? SP_OK : SP_EINVAL;
}

size_t sp_evidence_message(const sp_evidence_checkpoint *c, char *buf, size_t n)
{
    int r = snprintf(
        buf, n, "slaprobe checkpoint v1\ntarget=%s\nseq=%lld\nline_sha256=%s\nt_ms=%" PRId64 "\n",
        c->target, c->seq, c->line_sha256, c->t_ms);
    return r < 0 ? n : (size_t)r;
}

sp_status sp_evidence_checkpoint_sign(const sp_evidence_key *k, sp_evidence_checkpoint *c)
{
    char msg[512];
    size_t n = sp_evidence_message(c, msg, sizeof msg);
    if (n >= sizeof msg)
        return SP_EINVAL;
    sp_evidence_key_id(k, c->key_id);
    return sp_evidence_sign(k, msg, n, c->sig);
}

sp_status sp_evidence_checkpoint_verify(const sp_evidence_key *k, const sp_evidence_checkpoint *c,
                                        char *err, size_t errlen)
{
    char id[SP_EVIDENCE_KEY_ID_LEN + 1];
    sp_evidence_key_id(k, id);
    if (strcmp(id, c->key_id) != 0) {
        snprintf(err, errlen, "signed by another key (key_id %s, this key is %s)", c->key_id, id);
        return SP_EINVAL;
    }
    char msg[512];
    size_t n = sp_evidence_message(c, msg, sizeof msg);
    if (n >= sizeof msg || sp_evidence_verify(k, msg, n, c->sig, sizeof c->sig) != SP_OK) {
        snprintf(err, errlen, "the signature does not verify: the checkpoint was altered");
        return SP_EINVAL;
    }
    return SP_OK;
}

char *sp_evidence_base64(const unsigned char *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* Decode base64 into a new buffer; NULL when it is not base64. */
static unsigned char *unbase64(const char *s, size_t *len)
{
    size_t n = strlen(s);
    if (n == 0 || n % 4 != 0 || n > 1 << 24)
        return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out)
        return NULL;
    int r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
    if (r < 0) {
        free(out);
        return NULL;
    }
    size_t pad = (s[n - 1] == '=') + (s[n - 2] == '=');
    *len = (size_t)r - pad;
    return out;
}

static char *dump(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

char *sp_evidence_checkpoint_line(const sp_evidence_checkpoint *c)
{
    char iso[40];
    sp_time_iso_ms(c->t_ms, iso, sizeof iso);
    char *sig = sp_evidence_base64(c->sig, sizeof c->sig);
    if (!sig)
        return NULL;
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:s}", "type", "checkpoint",
                          "target", c->target, "seq", (json_int_t)c->seq, "line_sha256",
                          c->line_sha256, "t_ms", (json_int_t)c->t_ms, "time", iso, "key_id",
                          c->key_id, "sig", sig);
    free(sig);
    return dump(o);
}

char *sp_evidence_token_line(long long seq, const char imprint_sha256[65],
                             const unsigned char *token, size_t len, int64_t t_ms)
{
    char iso[40];
    sp_time_iso_ms(t_ms, iso, sizeof iso);
    char *tok = sp_evidence_base64(token, len);
    if (!tok)
        return NULL;
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:I, s:s}", "type", "tsa_token", "seq",
                          (json_int_t)seq, "imprint_sha256", imprint_sha256, "token", tok, "t_ms",
                          (json_int_t)t_ms, "time", iso);
    free(tok);
    return dump(o);
}

static bool is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static sp_status parse_fail(json_t *o, char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    json_decref(o);
    return SP_EPARSE;
}

sp_status sp_evidence_line_parse(const char *line, size_t len, sp_evidence_line *out, char *err,
                                 size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *o = json_loadb(line, len, 0, &je);
    if (!json_is_object(o))
        return parse_fail(o, err, errlen, "not a JSON object");
    const char *type = json_string_value(json_object_get(o, "type"));
    json_t *seq = json_object_get(o, "seq"), *t_ms = json_object_get(o, "t_ms");
    if (!type || !json_is_integer(seq) || json_integer_value(seq) < 1 || !json_is_integer(t_ms))
        return parse_fail(o, err, errlen, "no \"type\", \"seq\" or \"t_ms\"");
    if (strcmp(type, "checkpoint") == 0) {
        sp_evidence_checkpoint *c = &out->cp;
        const char *target = json_string_value(json_object_get(o, "target"));
        const char *h = json_string_value(json_object_get(o, "line_sha256"));
        const char *id = json_string_value(json_object_get(o, "key_id"));
        const char *sig = json_string_value(json_object_get(o, "sig"));
        if (!target || strlen(target) >= sizeof c->target || !is_hex64(h) || !id ||
            strlen(id) != SP_EVIDENCE_KEY_ID_LEN || !sig)
            return parse_fail(o, err, errlen, "a checkpoint without its fields");
        size_t n = 0;
        unsigned char *raw = unbase64(sig, &n);
        if (!raw || n != SP_EVIDENCE_SIG_LEN) {
            free(raw);
            return parse_fail(o, err, errlen, "\"sig\" is not a base64 Ed25519 signature");
        }
        out->type = SP_EVIDENCE_LINE_CHECKPOINT;
        snprintf(c->target, sizeof c->target, "%s", target);
        c->seq = (long long)json_integer_value(seq);
        snprintf(c->line_sha256, sizeof c->line_sha256, "%s", h);
        c->t_ms = (int64_t)json_integer_value(t_ms);
        snprintf(c->key_id, sizeof c->key_id, "%s", id);
        memcpy(c->sig, raw, SP_EVIDENCE_SIG_LEN);
        free(raw);
    } else if (strcmp(type, "tsa_token") == 0) {
        const char *h = json_string_value(json_object_get(o, "imprint_sha256"));
        const char *tok = json_string_value(json_object_get(o, "token"));
        if (!is_hex64(h) || !tok)
            return parse_fail(o, err, errlen, "a tsa_token without its fields");
        out->token = unbase64(tok, &out->token_len);
        if (!out->token)
            return parse_fail(o, err, errlen, "\"token\" is not base64");
        out->type = SP_EVIDENCE_LINE_TOKEN;
        out->tok_seq = (long long)json_integer_value(seq);
        snprintf(out->imprint_sha256, sizeof out->imprint_sha256, "%s", h);
        out->tok_t_ms = (int64_t)json_integer_value(t_ms);
    } else {
        return parse_fail(o, err, errlen, "an unknown \"type\"");
    }
    json_decref(o);
    return SP_OK;
}

void sp_evidence_path(const char *dir, const char *id, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s.checkpoints", dir, id);
}

sp_status sp_evidence_append(const char *path, const char *text, size_t len, char *err,
                             size_t errlen)
{
    /* 0640 like the journal it vouches for; appended, never rewritten */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return SP_EIO;
    }
    struct stat sb;
    off_t before = fstat(fd, &sb) == 0 ? sb.st_size : -1;
    ssize_t w = write(fd, text, len);
    sp_status st = SP_OK;
    if (w != (ssize_t)len) {
        snprintf(err, errlen, "cannot append to %s: %s", path, strerror(w < 0 ? errno : ENOSPC));
        /* never leave half a line: the next append must start a line */
        if (w > 0 && before >= 0 && ftruncate(fd, before) != 0) {
        }
        st = SP_EIO;
    } else if (fsync(fd) != 0) {
        snprintf(err, errlen, "fsync %s: %s", path, strerror(errno));
        st = SP_EBUSY;
    }
    close(fd);
    return st;
}

sp_status sp_evidence_last_checkpoint(const char *dir, const char *id, sp_evidence_checkpoint *out)
{
    char path[4096];
    sp_evidence_path(dir, id, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SP_ENOTFOUND;
    enum { TAIL = 65536 };
    char *buf = malloc(TAIL + 1);
    struct stat sb;
    ssize_t n = -1;
    if (buf && fstat(fd, &sb) == 0) {
        off_t from = sb.st_size > TAIL ? sb.st_size - TAIL : 0;
        n = pread(fd, buf, TAIL, from);
    }
    close(fd);
    sp_status st = SP_ENOTFOUND;
    /* from the end: the last complete line that is a checkpoint */
    size_t end = n > 0 ? (size_t)n : 0;
    while (end > 0 && buf[end - 1] != '\n')
        end--;
    while (end > 0 && st != SP_OK) {
        size_t start = end - 1;
        while (start > 0 && buf[start - 1] != '\n')
            start--;
        sp_evidence_line l;
        char err[128];
        if (sp_evidence_line_parse(buf + start, end - 1 - start, &l, err, sizeof err) == SP_OK) {
            if (l.type == SP_EVIDENCE_LINE_CHECKPOINT) {
                *out = l.cp;
                st = SP_OK;
            }
            free(l.token);
        }
        end = start;
    }
    free(buf);
    return st;
}

json_t *sp_evidence_checkpoint_json(const sp_evidence_checkpoint *c)
{
    char t[40];
    sp_time_iso_ms(c->t_ms, t, sizeof t);
    char *sig = sp_evidence_base64(c->sig, sizeof c->sig);
    json_t *o = sig ? json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "target", c->target, "seq",
                                (json_int_t)c->seq, "line_sha256", c->line_sha256, "time", t,
                                "key_id", c->key_id, "sig", sig)
                    : NULL;
    free(sig);
    return o;
}
