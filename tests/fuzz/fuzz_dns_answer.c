/*
 * Fuzz the dns probe's reading of a resolver's answer: our own walk of the
 * raw message (probe/dns_answer.c: the TC bit, CNAME loops, at every size
 * of the chain buffer), and what kind_dns.c does with the records c-ares
 * parses (sp_probe__dns_parse_answer: the answer list, MX and TXT
 * formatting, the expected value's comparison). The first input byte picks the record
 * type and whether an expected value is set; the rest is the DNS message
 * as it came off the wire.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "probe/dns_answer.h"
#include "probe/engine_int.h"

static const struct {
    const char *target;
    const char *expect;
} specs_src[] = {
    {"dns://example.com?type=A", NULL},
    {"dns://example.com?type=AAAA", NULL},
    {"dns://example.com?type=CNAME", NULL},
    {"dns://example.com?type=MX", NULL},
    {"dns://example.com?type=TXT", NULL},
    {"dns://example.com?type=A", "192.0.2.1"},
    {"dns://example.com?type=AAAA", "2001:db8::1"},
    {"dns://www.example.com?type=CNAME", "example.com."},
    {"dns://example.com?type=MX", "10 mail.example.com"},
    {"dns://example.com?type=TXT", "v=spf1 -all"},
};
#define N_SPECS (sizeof specs_src / sizeof specs_src[0])
static sp_probe_spec specs[N_SPECS];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        char err[256];
        for (size_t i = 0; i < N_SPECS; i++) {
            sp_probe_spec_init(&specs[i]);
            if (sp_probe_spec_set_target(&specs[i], specs_src[i].target, err, sizeof err) !=
                    SP_OK ||
                (specs_src[i].expect && !(specs[i].dns_expect = strdup(specs_src[i].expect))) ||
                sp_probe_spec_finish(&specs[i], err, sizeof err) != SP_OK)
                abort();
        }
        ready = true;
    }
    if (size < 1 || size > 65536)
        return 0;
    /* the message in a buffer of its own size: ASan sees any read past it */
    size_t alen = size - 1;
    unsigned char *abuf = malloc(alen ? alen : 1);
    if (!abuf)
        abort();
    memcpy(abuf, data + 1, alen);
    sp_probe__dns_truncated(abuf, (int)alen);
    /* the chain buffer at a size the first byte picks, exactly that big */
    size_t cn = (size_t)data[0] % 64;
    char *chain = malloc(cn ? cn : 1);
    if (!chain)
        abort();
    if (sp_probe__dns_cname_loop(abuf, (int)alen, chain, cn) && cn && !memchr(chain, '\0', cn))
        abort(); /* the chain is cut to fit, NUL included */
    free(chain);
    sp_probe p;
    memset(&p, 0, sizeof p);
    p.spec = &specs[data[0] % N_SPECS];
    bool match = false;
    sp_probe__dns_parse_answer(&p, abuf, (int)alen, &match);
    if (memchr(p.res.answer, '\0', sizeof p.res.answer) == NULL)
        abort(); /* the answer list always ends inside its buffer */
    free(abuf);
    return 0;
}
