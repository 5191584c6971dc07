/*
 * The TLS posture grade: facts in, a letter and the findings that lowered
 * it out. Modelled on SSL Labs' public rating guide, simplified to caps:
 * every finding caps the grade at a letter, and the grade is the lowest cap,
 * starting from A+. The rules are written out in docs/TLS_GRADING.md; keep
 * the two in step. Pure: no I/O, no clock (days_left is a fact the probe
 * measured), so tests/unit/test_tls_grade.c can try every rule and cap.
 */
#include "sp_tls.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* HSTS max-age that A+ asks for: 180 days, as SSL Labs does. */
#define HSTS_MIN_MAX_AGE (180LL * 86400)

/* --- Names ---------------------------------------------------------------- */

static const char *const proto_names[SP_TLS_PROTO_COUNT] = {"TLSv1.0", "TLSv1.1", "TLSv1.2",
                                                            "TLSv1.3"};

const char *sp_probe_tls_proto_name(sp_tls_proto p)
{
    return (unsigned)p < SP_TLS_PROTO_COUNT ? proto_names[p] : "?";
}

const char *sp_probe_ocsp_name(sp_ocsp_state s)
{
    switch (s) {
    case SP_OCSP_NONE:
        return "none";
    case SP_OCSP_GOOD:
        return "good";
    case SP_OCSP_REVOKED:
        return "revoked";
    case SP_OCSP_UNKNOWN:
        return "unknown";
    case SP_OCSP_INVALID:
        return "invalid";
    }
    return "?";
}

const char *sp_probe_tls_grade_name(sp_tls_grade g)
{
    static const char *const names[] = {"", "F", "E", "D", "C", "B", "A-", "A", "A+"};
    return (unsigned)g < sizeof names / sizeof names[0] ? names[g] : "";
}

const char *sp_probe_tls_severity_name(sp_tls_severity s)
{
    return s == SP_SEV_CRITICAL ? "critical" : s == SP_SEV_WARNING ? "warning" : "info";
}

static const struct {
    const char *name;
    sp_tls_severity sev;
    sp_tls_grade cap;
} findings[SP_TLSF_COUNT] = {
#define SP_TLS_FINDING_ROW(sym, nm, sv, cp) [SP_TLSF_##sym] = {nm, SP_SEV_##sv, SP_GRADE_##cp},
    SP_TLS_FINDING_MAP(SP_TLS_FINDING_ROW)
#undef SP_TLS_FINDING_ROW
};

const char *sp_probe_tls_finding_name(sp_tls_finding_code c)
{
    return (unsigned)c < SP_TLSF_COUNT ? findings[c].name : "?";
}

sp_tls_severity sp_probe_tls_finding_severity(sp_tls_finding_code c)
{
    return (unsigned)c < SP_TLSF_COUNT ? findings[c].sev : SP_SEV_INFO;
}

sp_tls_grade sp_probe_tls_finding_cap(sp_tls_finding_code c)
{
    return (unsigned)c < SP_TLSF_COUNT ? findings[c].cap : SP_GRADE_A_PLUS;
}

/* --- Cipher classes ------------------------------------------------------- */

/* OpenSSL cipher names spell their parts between dashes ("ECDHE-RSA-NULL-SHA",
 * "ADH-AES128-SHA", "EXP-RC4-MD5"); match whole parts so "NULL" never
 * matches inside another word. */
static bool has_part(const char *name, const char *part)
{
    size_t n = strlen(part);
    for (const char *s = name; (s = strstr(s, part)) != NULL; s++) {
        bool start = s == name || s[-1] == '-' || s[-1] == '_';
        bool end = s[n] == '\0' || s[n] == '-' || s[n] == '_';
        if (start && end)
            return true;
    }
    return false;
}

bool sp_probe_tls_cipher_insecure(const char *name)
{
    if (!name || !*name)
        return false;
    /* NULL encryption; anonymous key exchange (ADH, AECDH, IANA "anon");
     * export-grade */
    return has_part(name, "NULL") || strncmp(name, "ADH-", 4) == 0 ||
           strncmp(name, "AECDH-", 6) == 0 || strstr(name, "_anon_") != NULL ||
           strncmp(name, "EXP-", 4) == 0 || strstr(name, "EXPORT") != NULL;
}

bool sp_probe_tls_cipher_weak(const char *name)
{
    if (!name || !*name)
        return false;
    return strstr(name, "DES-CBC3") != NULL || strstr(name, "3DES") != NULL ||
           has_part(name, "RC4") || strstr(name, "DES-CBC-") != NULL ||
           strncmp(name, "DES-CBC", 7) == 0;
}

/* --- Grading -------------------------------------------------------------- */

static void add(sp_tls_posture *p, sp_tls_finding_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(sp_tls_posture *p, sp_tls_finding_code code, const char *fmt, ...)
{
    if (p->n_findings >= SP_TLS_MAX_FINDINGS)
        return;
    sp_tls_finding *f = &p->findings[p->n_findings++];
    f->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
}

static bool is_rsa_like(const char *key_type)
{
    return strcmp(key_type, "RSA") == 0 || strcmp(key_type, "RSA-PSS") == 0 ||
           strcmp(key_type, "DSA") == 0;
}

static void grade_cert(sp_tls_posture *p)
{
    const sp_tls_cert_facts *c = &p->cert;
    if (!c->present) {
        add(p, SP_TLSF_CERT_UNTRUSTED, "the server sent no certificate");
        return;
    }
    if (c->expired)
        add(p, SP_TLSF_CERT_EXPIRED, "certificate expired on %s (%d days ago)", c->not_after,
            -c->days_left);
    if (c->not_yet_valid)
        add(p, SP_TLSF_CERT_NOT_YET_VALID, "certificate not valid before %s", c->not_before);
    if (c->chain_incomplete)
        add(p, SP_TLSF_CHAIN_INCOMPLETE,
            "chain incomplete: the server did not send the certificate of its issuer %.100s",
            c->missing_issuer);
    if (c->untrusted)
        add(p, SP_TLSF_CERT_UNTRUSTED, "chain does not verify (X509 error %ld: %.80s)",
            c->verify_error, c->verify_error_text);
    if (!c->hostname_match)
        add(p, SP_TLSF_CERT_HOSTNAME, "certificate (%.100s) does not match the host name",
            c->subject);
    else if (c->no_san)
        add(p, SP_TLSF_CERT_NO_SAN,
            "no subjectAltName: only the common name matches, which browsers ignore since 2017");
    if (c->sha1_leaf || c->sha1_intermediate)
        add(p, SP_TLSF_CERT_SHA1, "%s signed with SHA-1",
            c->sha1_leaf ? (c->sha1_intermediate ? "leaf and intermediate" : "leaf")
                         : "intermediate");
    if (c->weak_digest_leaf || c->weak_digest_intermediate)
        add(p, SP_TLSF_CERT_WEAK_DIGEST, "%s signed with %s",
            c->weak_digest_leaf ? (c->weak_digest_intermediate ? "leaf and intermediate" : "leaf")
                                : "intermediate",
            c->weak_digest);
    if (p->ocsp == SP_OCSP_REVOKED)
        add(p, SP_TLSF_CERT_REVOKED, "stapled OCSP response says the certificate is revoked");
    else if (p->ocsp == SP_OCSP_INVALID)
        add(p, SP_TLSF_OCSP_INVALID, "stapled OCSP response does not verify or is stale");

    if (is_rsa_like(c->key_type)) {
        if (c->key_bits < 1024)
            add(p, SP_TLSF_KEY_INSECURE, "%s key of %d bits (under 1024)", c->key_type,
                c->key_bits);
        else if (c->key_bits < SP_TLS_MIN_RSA_BITS)
            add(p, SP_TLSF_KEY_WEAK, "%s key of %d bits (under 2048)", c->key_type, c->key_bits);
    } else if (strcmp(c->key_type, "EC") == 0) {
        if (c->key_bits < 160)
            add(p, SP_TLSF_KEY_INSECURE, "EC key of %d bits (under 160)", c->key_bits);
        else if (c->key_bits < SP_TLS_MIN_EC_BITS)
            add(p, SP_TLSF_KEY_WEAK, "EC key of %d bits (under 224)", c->key_bits);
    }
}

/* SSL Labs (Logjam amendment, 2015): DH under 1024 bits is F, 1024 bits
 * caps at B. We cap everything under 2048 at B, the size browsers and
 * OpenSSL's level 2 ask for. The smallest group seen counts: the default
 * handshake's, or the one a DHE-only handshake got. */
static void grade_kex(sp_tls_posture *p)
{
    int dh = 0;
    if (strcmp(p->kex.type, "DHE") == 0 && p->kex.bits > 0)
        dh = p->kex.bits;
    if (p->dhe_tested && p->dhe_accepted && p->dhe_bits > 0 && (dh == 0 || p->dhe_bits < dh))
        dh = p->dhe_bits;
    if (dh > 0 && dh < 1024)
        add(p, SP_TLSF_DH_INSECURE, "DH group of %d bits (under 1024)", dh);
    else if (dh > 0 && dh < SP_TLS_MIN_DH_BITS)
        add(p, SP_TLSF_DH_WEAK, "DH group of %d bits (under 2048, Logjam)", dh);
    /* the curve's size is its strength: under 224 bits is what a
     * certificate key under 2048 bits RSA would be */
    if (strcmp(p->kex.type, "ECDHE") == 0 && p->kex.bits > 0 && p->kex.bits < SP_TLS_MIN_EC_BITS)
        add(p, SP_TLSF_ECDH_WEAK, "ECDHE curve %s of %d bits (under 224)", p->kex.group,
            p->kex.bits);
}

/* What the server accepts, whether or not the default handshake worked:
 * a server that only takes NULL suites still says so through the pinned
 * and weak handshakes. */
static void grade_protocols(sp_tls_posture *p)
{
    if (p->proto_tested[SP_TLS_V10] && p->proto_accepted[SP_TLS_V10])
        add(p, SP_TLSF_TLS10_ACCEPTED, "TLS 1.0 accepted");
    if (p->proto_tested[SP_TLS_V11] && p->proto_accepted[SP_TLS_V11])
        add(p, SP_TLSF_TLS11_ACCEPTED, "TLS 1.1 accepted");
    if (p->weak_tested && p->weak_accepted) {
        if (sp_probe_tls_cipher_insecure(p->weak_cipher))
            add(p, SP_TLSF_CIPHER_INSECURE, "insecure cipher %s accepted", p->weak_cipher);
        else
            add(p, SP_TLSF_CIPHER_WEAK, "weak cipher %s accepted", p->weak_cipher);
    }
    if (p->handshake_ok && !p->forward_secrecy)
        add(p, SP_TLSF_NO_FORWARD_SECRECY, "default handshake (%s) has no forward secrecy",
            p->cipher);
    /* only when TLS 1.3 was really tried: an untested version proves
     * nothing; and not on a server no browser can reach at all, where it
     * would only be noise beside handshake_failed */
    if (p->handshake_ok && p->proto_tested[SP_TLS_V13] && !p->proto_accepted[SP_TLS_V13])
        add(p, SP_TLSF_NO_TLS13, "TLS 1.3 not accepted");
}

static void grade_hsts(sp_tls_posture *p)
{
    const sp_tls_hsts *h = &p->hsts;
    if (!h->present)
        add(p, SP_TLSF_HSTS_MISSING, "%s",
            h->checked ? "no Strict-Transport-Security header" : "no HTTP response to check HSTS");
    else if (h->max_age < HSTS_MIN_MAX_AGE)
        add(p, SP_TLSF_HSTS_SHORT, "HSTS max-age %lld s is under 180 days (%lld s)", h->max_age,
            HSTS_MIN_MAX_AGE);
}

void sp_probe_tls_grade(sp_tls_posture *p)
{
    p->n_findings = 0;
    memset(p->findings, 0, sizeof p->findings);
    if (!p->present) {
        p->grade = SP_GRADE_NONE;
        return;
    }
    if (!p->handshake_ok) {
        /* no certificate, no HTTP to look at; what the other handshakes
         * found the server accepts is still worth saying */
        add(p, SP_TLSF_HANDSHAKE_FAILED, "the default handshake failed: %.120s",
            p->fail_detail[0] ? p->fail_detail : "no reason given");
        grade_protocols(p);
        grade_kex(p);
    } else {
        grade_cert(p);
        grade_protocols(p);
        grade_kex(p);
        grade_hsts(p);
    }
    sp_tls_grade g = SP_GRADE_A_PLUS;
    for (size_t i = 0; i < p->n_findings; i++) {
        sp_tls_grade cap = sp_probe_tls_finding_cap(p->findings[i].code);
        if (cap < g)
            g = cap;
    }
    p->grade = g;
}

/* --- Availability ---------------------------------------------------------- */

static bool refuses_without_cert(int status)
{
    /* nginx: 400 "No required SSL certificate was sent" (its 496 shown
     * as 400); 495/496 where they are passed on; 403 from servers that
     * refuse at the authorization step */
    return status == 400 || status == 403 || status == 495 || status == 496;
}

sp_reason sp_probe_tls_availability(const sp_tls_posture *p, const sp_tls_policy *pol, char *d,
                                    size_t n)
{
    const sp_tls_cert_facts *c = &p->cert;
    d[0] = '\0';
    if (!p->handshake_ok) {
        if (p->fail == SP_TLS_FAIL_CLIENT_CERT)
            snprintf(d, n, "server requires a client certificate");
        else if (p->fail == SP_TLS_FAIL_CERT_LIST_MAX)
            snprintf(d, n,
                     "the server's certificate list is larger than this client's limit of %ld "
                     "bytes (a client-side limit)",
                     SP_TLS_MAX_CERT_LIST);
        else
            snprintf(d, n, "TLS handshake failed: %.180s",
                     p->fail_detail[0] ? p->fail_detail : "no reason given");
        return SP_REASON_TLS_HANDSHAKE;
    }
    if (strcmp(p->version, "TLSv1.2") != 0 && strcmp(p->version, "TLSv1.3") != 0) {
        snprintf(d, n, "server offers only %s; browsers require TLS 1.2 or later", p->version);
        return SP_REASON_TLS_HANDSHAKE;
    }
    if (strcmp(p->kex.type, "DHE") == 0 && p->kex.bits > 0 && p->kex.bits < SP_TLS_MIN_DH_BITS) {
        snprintf(d, n, "DH group of %d bits (Logjam); browsers require %d", p->kex.bits,
                 SP_TLS_MIN_DH_BITS);
        return SP_REASON_TLS_HANDSHAKE;
    }
    if (!pol->insecure) {
        if (!c->present) {
            snprintf(d, n, "the server sent no certificate");
            return SP_REASON_TLS_CERT_UNTRUSTED;
        }
        if (c->expired) {
            snprintf(d, n, "certificate expired on %s", c->not_after);
            return SP_REASON_TLS_CERT_EXPIRED;
        }
        if (c->not_yet_valid) {
            snprintf(d, n, "certificate not valid before %s", c->not_before);
            return SP_REASON_TLS_CERT_EXPIRED;
        }
        if (c->chain_incomplete) {
            snprintf(d, n,
                     "chain incomplete: the server did not send the certificate of its issuer "
                     "%.150s, and it is not trusted",
                     c->missing_issuer);
            return SP_REASON_TLS_CERT_UNTRUSTED;
        }
        if (c->weak_digest_leaf || c->weak_digest_intermediate || c->sha1_leaf ||
            c->sha1_intermediate) {
            bool leaf = c->weak_digest_leaf || c->sha1_leaf;
            const char *dg = c->weak_digest_leaf || (!c->sha1_leaf && c->weak_digest[0])
                                 ? c->weak_digest
                                 : "SHA-1";
            snprintf(d, n, "%s signed with %s; browsers reject MD5, MD4, MD2 and SHA-1 signatures",
                     leaf ? "certificate" : "intermediate certificate", dg);
            return SP_REASON_TLS_CERT_UNTRUSTED;
        }
        bool ec = strcmp(c->key_type, "EC") == 0;
        if ((is_rsa_like(c->key_type) && c->key_bits < SP_TLS_MIN_RSA_BITS) ||
            (ec && c->key_bits < SP_TLS_MIN_EC_BITS)) {
            snprintf(d, n, "%s key of %d bits; browsers require %d", c->key_type, c->key_bits,
                     ec ? SP_TLS_MIN_EC_BITS : SP_TLS_MIN_RSA_BITS);
            return SP_REASON_TLS_CERT_UNTRUSTED;
        }
        if (c->untrusted || !c->chain_valid) {
            snprintf(d, n, "%s",
                     c->verify_error_text[0] ? c->verify_error_text
                                             : "certificate chain does not verify");
            return SP_REASON_TLS_CERT_UNTRUSTED;
        }
        if (p->ocsp == SP_OCSP_REVOKED) {
            snprintf(d, n, "certificate revoked (stapled OCSP response)");
            return SP_REASON_TLS_CERT_REVOKED;
        }
        if (!c->hostname_match) {
            snprintf(d, n, "certificate does not match %.150s", pol->host ? pol->host : "the name");
            return SP_REASON_TLS_CERT_HOSTNAME;
        }
        if (c->no_san && !pol->cn_fallback) {
            snprintf(d, n,
                     "certificate has no subjectAltName; browsers stopped falling back to the "
                     "common name in 2017 (tls_cn_fallback: true accepts it)");
            return SP_REASON_TLS_CERT_HOSTNAME;
        }
    }
    if (p->client_cert_requested && !p->client_cert_sent &&
        refuses_without_cert(p->hsts.http_status)) {
        snprintf(d, n, "server requires a client certificate (HTTP %d)", p->hsts.http_status);
        return SP_REASON_TLS_HANDSHAKE;
    }
    return SP_REASON_OK;
}
