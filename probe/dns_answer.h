/*
 * Facts of a raw DNS answer that c-ares' parsers hide (probe/dns_answer.c).
 * Pure functions: abuf may be NULL (then both are false).
 */
#ifndef SP_PROBE_DNS_ANSWER_H
#define SP_PROBE_DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

/* TC set on the answer c-ares handed back. c-ares retries a truncated UDP
 * answer over TCP itself, so this means no complete answer could be had. */
bool sp_probe__dns_truncated(const unsigned char *abuf, int alen);

/* DNS names equal but for case and a final dot. */
bool sp_probe__dns_same_name(const char *a, const char *b);

#define SP_DNS_MAX_CNAMES 16

/* Whether the CNAME chain from the question's name through the answer
 * section (up to SP_DNS_MAX_CNAMES links) comes back to a name already
 * seen; if so the chain is written to buf ("a -> b -> a", cut to n). False
 * when there is no loop or the message cannot be walked. */
bool sp_probe__dns_cname_loop(const unsigned char *abuf, int alen, char *buf, size_t n);

#endif
