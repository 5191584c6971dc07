/*
 * evidence/evidence.c: the Ed25519 known answer (RFC 8032 test vector 1),
 * the signed message's exact bytes, the checkpoint line's field order and
 * its round trip, and the refusals: an altered checkpoint, another key's,
 * a hostile line, a non-Ed25519 PEM, a key file never overwritten.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "evidence/evidence.h"

/* RFC 8032, 7.1, TEST 1 */
static const char *SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *SIG = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065"
                         "224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static void unhex(const char *h, unsigned char *out)
{
    for (size_t i = 0; h[2 * i]; i++)
        sscanf(h + 2 * i, "%2hhx", &out[i]);
}

static sp_evidence_key *rfc_key(void)
{
    unsigned char seed[32];
    unhex(SEED, seed);
    sp_evidence_key *k = NULL;
    assert_int_equal(sp_evidence_key_from_seed(seed, &k), SP_OK);
    return k;
}

static void known_answer(void **state)
{
    (void)state;
    sp_evidence_key *k = rfc_key();
    unsigned char sig[64], want[64];
    unhex(SIG, want);
    assert_int_equal(sp_evidence_sign(k, "", 0, sig), SP_OK);
    assert_memory_equal(sig, want, 64);
    assert_int_equal(sp_evidence_verify(k, "", 0, sig, 64), SP_OK);
    sig[0] ^= 1;
    assert_int_equal(sp_evidence_verify(k, "", 0, sig, 64), SP_EINVAL);
    char id[17];
    sp_evidence_key_id(k, id); /* SHA-256 of d75a9801...511a, first 16 hex */
    assert_string_equal(id, "21fe31dfa154a261");
    sp_evidence_key_free(k);
}

static sp_evidence_checkpoint sample(void)
{
    sp_evidence_checkpoint c = {.seq = 42, .t_ms = 1764505200123};
    snprintf(c.target, sizeof c.target, "web-1");
    memset(c.line_sha256, 'a', 64);
    c.line_sha256[64] = '\0';
    return c;
}

static void message_bytes(void **state)
{
    (void)state;
    sp_evidence_checkpoint c = sample();
    char buf[512];
    size_t n = sp_evidence_message(&c, buf, sizeof buf);
    const char *want = "slaprobe checkpoint v1\ntarget=web-1\nseq=42\nline_sha256="
                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
                       "t_ms=1764505200123\n";
    assert_int_equal(n, strlen(want));
    assert_string_equal(buf, want);
}

static void line_round_trip(void **state)
{
    (void)state;
    sp_evidence_key *k = rfc_key();
    sp_evidence_checkpoint c = sample();
    assert_int_equal(sp_evidence_checkpoint_sign(k, &c), SP_OK);
    char *line = sp_evidence_checkpoint_line(&c);
    assert_non_null(line);
    /* the field order is the shared format */
    assert_non_null(strstr(line, "{\"type\":\"checkpoint\",\"target\":\"web-1\",\"seq\":42,"
                                 "\"line_sha256\":\"aaaa"));
    assert_non_null(strstr(line, "\"t_ms\":1764505200123,\"time\":\"2025-11-30T12:20:00.123Z\","
                                 "\"key_id\":\"21fe31dfa154a261\",\"sig\":\""));
    sp_evidence_line l;
    char err[256];
    assert_int_equal(sp_evidence_line_parse(line, strlen(line), &l, err, sizeof err), SP_OK);
    assert_int_equal(l.type, SP_EVIDENCE_LINE_CHECKPOINT);
    assert_memory_equal(&l.cp, &c, sizeof c);
    assert_int_equal(sp_evidence_checkpoint_verify(k, &l.cp, err, sizeof err), SP_OK);
    /* altered: the seq moved */
    l.cp.seq = 41;
    assert_int_equal(sp_evidence_checkpoint_verify(k, &l.cp, err, sizeof err), SP_EINVAL);
    assert_non_null(strstr(err, "does not verify"));
    /* another key */
    sp_evidence_key *other = NULL;
    assert_int_equal(sp_evidence_key_generate(&other), SP_OK);
    assert_int_equal(sp_evidence_checkpoint_verify(other, &c, err, sizeof err), SP_EINVAL);
    assert_non_null(strstr(err, "another key"));
    sp_evidence_key_free(other);
    free(line);
    sp_evidence_key_free(k);
}

static void token_line(void **state)
{
    (void)state;
    char hex[65];
    unsigned char md[32];
    sp_evidence_sha256("x", 1, md, hex);
    const unsigned char tok[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    char *line = sp_evidence_token_line(7, hex, tok, sizeof tok, 1000);
    assert_non_null(line);
    assert_non_null(strstr(line, "{\"type\":\"tsa_token\",\"seq\":7,\"imprint_sha256\":\""));
    assert_non_null(strstr(line, "\"token\":\"MAMCAQU=\",\"t_ms\":1000,\"time\":"));
    sp_evidence_line l;
    char err[256];
    assert_int_equal(sp_evidence_line_parse(line, strlen(line), &l, err, sizeof err), SP_OK);
    assert_int_equal(l.type, SP_EVIDENCE_LINE_TOKEN);
    assert_int_equal(l.token_len, sizeof tok);
    assert_memory_equal(l.token, tok, sizeof tok);
    free(l.token);
    free(line);
}

static void hostile_lines(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "[]",
        "{\"type\":\"checkpoint\"}",
        "{\"type\":\"checkpoint\",\"target\":\"a\",\"seq\":1,\"line_sha256\":\"zz\",\"t_ms\":1,"
        "\"key_id\":\"0123456789abcdef\",\"sig\":\"AA==\"}",
        "{\"type\":\"checkpoint\",\"target\":\"a\",\"seq\":1,\"line_sha256\":"
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"t_ms\":1,"
        "\"key_id\":\"0123456789abcdef\",\"sig\":\"!!!!\"}",
        "{\"type\":\"tsa_token\",\"seq\":0,\"t_ms\":1}",
        "{\"type\":\"other\",\"seq\":1,\"t_ms\":1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sp_evidence_line l;
        char err[256] = "";
        assert_int_equal(sp_evidence_line_parse(bad[i], strlen(bad[i]), &l, err, sizeof err),
                         SP_EPARSE);
        assert_true(err[0] != '\0');
    }
}

static void keys_on_disk(void **state)
{
    (void)state;
    char dir[] = "/tmp/sp_evidence_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], pub[140];
    snprintf(path, sizeof path, "%s/k.pem", dir);
    snprintf(pub, sizeof pub, "%s.pub", path);
    sp_evidence_key *k = rfc_key(), *r = NULL;
    char err[512];
    assert_int_equal(sp_evidence_key_write(k, path, err, sizeof err), SP_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sp_evidence_key_write(k, path, err, sizeof err), SP_EEXIST);
    assert_int_equal(sp_evidence_key_load(path, &r, err, sizeof err), SP_OK);
    assert_true(sp_evidence_key_is_private(r));
    sp_evidence_key_free(r);
    assert_int_equal(sp_evidence_key_load(pub, &r, err, sizeof err), SP_OK);
    assert_false(sp_evidence_key_is_private(r));
    char id[17];
    sp_evidence_key_id(r, id);
    assert_string_equal(id, "21fe31dfa154a261");
    unsigned char sig[64];
    assert_int_equal(sp_evidence_sign(r, "x", 1, sig), SP_EINVAL); /* public: cannot sign */
    sp_evidence_key_free(r);
    const char *notkey = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assert_int_equal(sp_evidence_key_from_pem(notkey, strlen(notkey), &r, err, sizeof err),
                     SP_EPARSE);
    sp_evidence_key_free(k);
    unlink(path);
    unlink(pub);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answer),    cmocka_unit_test(message_bytes),
        cmocka_unit_test(line_round_trip), cmocka_unit_test(token_line),
        cmocka_unit_test(hostile_lines),   cmocka_unit_test(keys_on_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
