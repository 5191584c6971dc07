/*
 * TLS posture: what an endpoint offers (protocol versions, ciphers, its
 * certificate chain, OCSP stapling, HSTS) and the letter grade those facts
 * earn under the written rules of docs/TLS_GRADING.md.
 *
 * The tls probe kind (kind_tls.c) gathers the facts into an sp_tls_posture;
 * sp_probe_tls_grade() (tls_grade.c) turns facts into a grade and the list
 * of findings that lowered it. Grading is pure: values in, values out, no
 * I/O and no clock, so every rule is unit-tested on its own.
 *
 * Finding codes and grade names appear in JSON, journals and alerts: they
 * are a contract. Add codes, never rename one.
 */
#ifndef SP_TLS_H
#define SP_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/sp_reason.h"

/* --- Protocol versions and OCSP ------------------------------------------ */

typedef enum sp_tls_proto {
    SP_TLS_V10,
    SP_TLS_V11,
    SP_TLS_V12,
    SP_TLS_V13,
    SP_TLS_PROTO_COUNT
} sp_tls_proto;

/* "TLSv1.0" ... "TLSv1.3" (the JSON keys of tls.protocols); "?" otherwise. */
const char *sp_probe_tls_proto_name(sp_tls_proto p);

/* What the server stapled in the handshake. */
typedef enum sp_ocsp_state {
    SP_OCSP_NONE,    /* nothing stapled */
    SP_OCSP_GOOD,    /* a verified response: good */
    SP_OCSP_REVOKED, /* a verified response: revoked */
    SP_OCSP_UNKNOWN, /* a verified response: the responder does not know it */
    SP_OCSP_INVALID  /* stapled, but unparsable, unverifiable or stale */
} sp_ocsp_state;

/* "none", "good", "revoked", "unknown", "invalid". */
const char *sp_probe_ocsp_name(sp_ocsp_state s);

/* --- Grades and findings ------------------------------------------------- */

/* Higher is better, so a cap is a minimum. NONE: not graded. */
typedef enum sp_tls_grade {
    SP_GRADE_NONE,
    SP_GRADE_F,
    SP_GRADE_E,
    SP_GRADE_D,
    SP_GRADE_C,
    SP_GRADE_B,
    SP_GRADE_A_MINUS,
    SP_GRADE_A,
    SP_GRADE_A_PLUS
} sp_tls_grade;

/* "A+", "A", "A-", "B" ... "F"; "" for NONE. */
const char *sp_probe_tls_grade_name(sp_tls_grade g);

typedef enum sp_tls_severity { SP_SEV_INFO, SP_SEV_WARNING, SP_SEV_CRITICAL } sp_tls_severity;

/* "info", "warning", "critical". */
const char *sp_probe_tls_severity_name(sp_tls_severity s);

/* code, stable name, severity, the grade it caps at. Documented one by one
 * in docs/TLS_GRADING.md. */
#define SP_TLS_FINDING_MAP(X)                                                                      \
    X(HANDSHAKE_FAILED, "handshake_failed", CRITICAL, F)                                           \
    X(CERT_EXPIRED, "cert_expired", CRITICAL, F)                                                   \
    X(CERT_NOT_YET_VALID, "cert_not_yet_valid", CRITICAL, F)                                       \
    X(CERT_UNTRUSTED, "cert_untrusted", CRITICAL, F)                                               \
    X(CERT_HOSTNAME, "cert_hostname", CRITICAL, F)                                                 \
    X(CERT_SHA1, "cert_sha1", CRITICAL, F)                                                         \
    X(CERT_WEAK_DIGEST, "cert_weak_digest", CRITICAL, F)                                           \
    X(CHAIN_INCOMPLETE, "chain_incomplete", CRITICAL, F)                                           \
    X(CERT_NO_SAN, "cert_no_san", CRITICAL, F)                                                     \
    X(DH_INSECURE, "dh_insecure", CRITICAL, F)                                                     \
    X(CERT_REVOKED, "cert_revoked", CRITICAL, F)                                                   \
    X(KEY_INSECURE, "key_insecure", CRITICAL, F)                                                   \
    X(CIPHER_INSECURE, "cipher_insecure", CRITICAL, F)                                             \
    X(CIPHER_WEAK, "cipher_weak", WARNING, C)                                                      \
    X(KEY_WEAK, "key_weak", WARNING, B)                                                            \
    X(DH_WEAK, "dh_weak", WARNING, B)                                                              \
    X(ECDH_WEAK, "ecdh_weak", WARNING, B)                                                          \
    X(TLS10_ACCEPTED, "tls10_accepted", WARNING, B)                                                \
    X(TLS11_ACCEPTED, "tls11_accepted", WARNING, B)                                                \
    X(NO_FORWARD_SECRECY, "no_forward_secrecy", WARNING, B)                                        \
    X(OCSP_INVALID, "ocsp_invalid", WARNING, A_MINUS)                                              \
    X(NO_TLS13, "no_tls13", INFO, A_MINUS)                                                         \
    X(HSTS_MISSING, "hsts_missing", INFO, A)                                                       \
    X(HSTS_SHORT, "hsts_short", INFO, A)

typedef enum sp_tls_finding_code {
#define SP_TLS_FINDING_ENUM(sym, name, sev, cap) SP_TLSF_##sym,
    SP_TLS_FINDING_MAP(SP_TLS_FINDING_ENUM)
#undef SP_TLS_FINDING_ENUM
        SP_TLSF_COUNT
} sp_tls_finding_code;

/* Stable name ("tls10_accepted"); "?" for an unknown code. */
const char *sp_probe_tls_finding_name(sp_tls_finding_code c);
sp_tls_severity sp_probe_tls_finding_severity(sp_tls_finding_code c);
/* The grade a finding caps the result at. */
sp_tls_grade sp_probe_tls_finding_cap(sp_tls_finding_code c);

typedef struct sp_tls_finding {
    sp_tls_finding_code code;
    char detail[160]; /* why, in words, with the numbers that made it fire */
} sp_tls_finding;

/* Every code can fire at most once, so this bounds the list. */
#define SP_TLS_MAX_FINDINGS SP_TLSF_COUNT

/* --- The facts ------------------------------------------------------------ */

#define SP_TLS_MAX_INTERMEDIATES 4

/* The leaf certificate and its chain, as the default handshake saw them.
 * Verification is done by the probe itself, after the handshake, at
 * OpenSSL security level 1 (docs/TLS_GRADING.md says why). */
typedef struct sp_tls_cert_facts {
    bool present;      /* the server sent a certificate */
    char subject[256]; /* RFC 2253 */
    char issuer[256];
    char not_before[32]; /* ISO-8601 UTC */
    char not_after[32];
    int days_left;     /* whole days until notAfter, floored (negative: expired) */
    char key_type[16]; /* "RSA", "EC", "Ed25519", "Ed448", "DSA" */
    int key_bits;
    char sig_alg[64];       /* leaf's signature algorithm, OpenSSL long name */
    bool sha1_leaf;         /* the leaf is signed with SHA-1 */
    bool sha1_intermediate; /* an intermediate the server sent is (roots do not count) */
    /* MD5, MD4 or MD2 (SHA-1 has the two flags above): the weakest such
     * digest's name ("MD5"), empty when none; where it was found */
    char weak_digest[8];
    bool weak_digest_leaf, weak_digest_intermediate;
    bool no_san; /* the leaf has no DNS or IP subjectAltName: only its CN names it */
    /* the chain stops at a certificate whose issuer was neither sent nor
     * trusted (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT[_LOCALLY]) */
    bool chain_incomplete;
    char missing_issuer[256]; /* that issuer's name, RFC 2253 */
    /* the certificates the server sent after the leaf, in order (a root
     * sent along included; only the first SP_TLS_MAX_INTERMEDIATES) */
    size_t n_intermediates;
    struct {
        char subject[128];
        char sig_alg[48];
    } intermediates[SP_TLS_MAX_INTERMEDIATES];
    bool chain_valid;            /* verification found no error at all */
    bool expired, not_yet_valid; /* what verification found ... */
    bool untrusted;              /* ... any other chain error (self-signed, bad signature, ...) */
    long verify_error;           /* first X509_V_ERR_*, 0 when valid */
    char verify_error_text[96];  /* OpenSSL's words for it */
    bool hostname_match;
    char fingerprint_sha256[65]; /* lower-case hex of the leaf's DER */
} sp_tls_cert_facts;

typedef struct sp_tls_hsts {
    bool checked; /* an HTTP response header block was read */
    int http_status;
    bool present;      /* a Strict-Transport-Security header with max-age */
    long long max_age; /* seconds */
    bool include_subdomains;
    bool preload;
} sp_tls_hsts;

/* The key exchange of one handshake: the server's ephemeral key. */
typedef struct sp_tls_kex {
    char type[8];   /* "ECDHE", "DHE", "RSA" (static: no ephemeral key); "" unknown */
    char group[32]; /* "X25519", "prime256v1", "ffdhe2048" or "" (a custom DH group) */
    int bits;       /* DH prime size, EC field size; 0 for RSA */
} sp_tls_kex;

/* What the server's refusal of the default handshake looked like. */
typedef enum sp_tls_fail {
    SP_TLS_FAIL_NONE,
    SP_TLS_FAIL_HANDSHAKE,     /* an alert, a reset, no shared parameters */
    SP_TLS_FAIL_CLIENT_CERT,   /* the server asked for a client certificate we do not have */
    SP_TLS_FAIL_CERT_LIST_MAX, /* the certificate list is over our client's limit */
} sp_tls_fail;

typedef struct sp_tls_posture {
    bool present;      /* a posture check ran (tls kind) */
    bool handshake_ok; /* the default handshake completed */
    sp_tls_fail fail;  /* why it did not, when it did not */
    char fail_detail[128];
    char version[16]; /* negotiated by the default handshake */
    char cipher[64];
    bool forward_secrecy; /* the default handshake's key exchange is ephemeral */
    sp_tls_kex kex;       /* the default handshake's key exchange */
    /* a handshake offering only DHE suites (TLS 1.0-1.2): its group */
    bool dhe_tested, dhe_accepted;
    int dhe_bits;
    /* the server sent a CertificateRequest; whether we had one to send */
    bool client_cert_requested, client_cert_sent;
    /* which versions a handshake pinned to that version completed with;
     * tested false when the attempt could not be made (e.g. connection lost) */
    bool proto_tested[SP_TLS_PROTO_COUNT];
    bool proto_accepted[SP_TLS_PROTO_COUNT];
    bool weak_tested; /* a handshake offering only weak ciphers was tried */
    bool weak_accepted;
    char weak_cipher[64]; /* the weak cipher the server picked */
    sp_tls_cert_facts cert;
    sp_ocsp_state ocsp;
    sp_tls_hsts hsts;

    /* Filled by sp_probe_tls_grade(). */
    sp_tls_grade grade;
    size_t n_findings;
    sp_tls_finding findings[SP_TLS_MAX_FINDINGS];
} sp_tls_posture;

/*
 * Grade the facts in p and write p->grade and p->findings (replacing any
 * earlier ones). Pure: reads nothing but p. The rules, in words, are in
 * docs/TLS_GRADING.md; a posture with present false gets SP_GRADE_NONE and
 * no findings.
 */
void sp_probe_tls_grade(sp_tls_posture *p);

/* --- Availability: one policy for check and check --tls ---------------- */

/* Browser-class limits (docs/REASONS.md, "TLS: one availability policy"). */
#define SP_TLS_MIN_RSA_BITS 2048
#define SP_TLS_MIN_EC_BITS 224
#define SP_TLS_MIN_DH_BITS 2048
/* The certificate list a client takes: OpenSSL's default is 100 KiB, a
 * library default; browsers take certificates with thousands of names. */
#define SP_TLS_MAX_CERT_LIST (1024L * 1024L)

typedef struct sp_tls_policy {
    const char *host; /* the name probed, for the words of a mismatch */
    bool insecure;    /* certificate problems do not make it down */
    bool cn_fallback; /* a certificate without subjectAltName may match by CN */
} sp_tls_policy;

/*
 * Whether a browser-class client gets a working, trusted connection, from
 * the facts of one handshake (p->handshake_ok, fail, version, kex, cert,
 * ocsp, client_cert_*, hsts.http_status). Returns SP_REASON_OK or the
 * reason of the first rule that failed, with its detail in detail[0..n)
 * (empty for OK). Pure. Used by both the https kind and the tls kind, so
 * that they can never disagree.
 */
sp_reason sp_probe_tls_availability(const sp_tls_posture *p, const sp_tls_policy *pol, char *detail,
                                    size_t n);

/* True when an OpenSSL cipher name is one the grading calls insecure
 * (NULL encryption, anonymous, export) or weak (3DES, RC4, single DES). */
bool sp_probe_tls_cipher_insecure(const char *name);
bool sp_probe_tls_cipher_weak(const char *name);

#endif
