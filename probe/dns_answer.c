/*
 * What a raw DNS answer says beyond what c-ares' parsers report. They call
 * both a truncated answer and a CNAME loop "no data", which would tell the
 * user the name has no record of the type: false. No I/O: a message in,
 * a fact out. Used by the dns kind on its answers and by the engine to
 * explain an ARES_ENODATA of a name lookup.
 */
#include "dns_answer.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ares.h>

bool sp_probe__dns_same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* c-ares retries a truncated (TC) UDP answer over TCP and hands back what
 * TCP gave; TC still set there means no complete answer could be had. */
bool sp_probe__dns_truncated(const unsigned char *abuf, int alen)
{
    return abuf && alen >= 12 && (abuf[2] & 0x02);
}

/* Follow the CNAME chain from the question's name through the answer
 * section. c-ares' parsers walk it once and report a loop as "no data";
 * here a name seen twice is named: "a -> b -> a" in buf. False when there
 * is no loop (or the message cannot be walked; the parsers will say so). */
bool sp_probe__dns_cname_loop(const unsigned char *abuf, int alen, char *buf, size_t n)
{
    char *owner[SP_DNS_MAX_CNAMES] = {0}, *target[SP_DNS_MAX_CNAMES] = {0}, *qname = NULL;
    const char *chain[SP_DNS_MAX_CNAMES + 1];
    int npairs = 0, nchain = 0;
    bool loop = false;
    long len;
    if (!abuf || alen < 12 || (abuf[4] << 8 | abuf[5]) < 1)
        return false;
    int ancount = abuf[6] << 8 | abuf[7];
    const unsigned char *q = abuf + 12, *end = abuf + alen;
    if (ares_expand_name(q, abuf, alen, &qname, &len) != ARES_SUCCESS)
        return false;
    q += len + 4;
    /* only the first question counts; a query has one */
    for (int qd = abuf[4] << 8 | abuf[5]; qd > 1 && q < end; qd--) {
        char *skip = NULL;
        if (ares_expand_name(q, abuf, alen, &skip, &len) != ARES_SUCCESS)
            goto out;
        ares_free_string(skip);
        q += len + 4;
    }
    for (int i = 0; i < ancount && q < end && npairs < SP_DNS_MAX_CNAMES; i++) {
        char *name = NULL;
        if (ares_expand_name(q, abuf, alen, &name, &len) != ARES_SUCCESS)
            goto out;
        q += len;
        if (end - q < 10) {
            ares_free_string(name);
            goto out;
        }
        int rtype = q[0] << 8 | q[1], rdlen = q[8] << 8 | q[9];
        q += 10;
        if (end - q < rdlen) {
            ares_free_string(name);
            goto out;
        }
        char *to = NULL;
        if (rtype == 5 /* CNAME */ && ares_expand_name(q, abuf, alen, &to, &len) == ARES_SUCCESS) {
            owner[npairs] = name;
            target[npairs++] = to;
        } else {
            ares_free_string(name);
        }
        q += rdlen;
    }
    chain[nchain++] = qname;
    while (!loop && nchain <= SP_DNS_MAX_CNAMES) {
        const char *cur = chain[nchain - 1], *next = NULL;
        for (int i = 0; i < npairs && !next; i++)
            if (sp_probe__dns_same_name(owner[i], cur))
                next = target[i];
        if (!next)
            break;
        for (int i = 0; i < nchain && !loop; i++)
            loop = sp_probe__dns_same_name(chain[i], next);
        chain[nchain++] = next;
    }
    if (loop) {
        size_t used = 0;
        buf[0] = '\0';
        for (int i = 0; i < nchain && used < n; i++)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? " -> " : "", chain[i]);
    }
out:
    for (int i = 0; i < npairs; i++) {
        ares_free_string(owner[i]);
        ares_free_string(target[i]);
    }
    ares_free_string(qname);
    return loop;
}
