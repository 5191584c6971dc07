/*
 * Private part of a probe spec: what sp_probe_spec_finish() compiles once
 * so that probes never redo it.
 */
#ifndef SP_PROBE_SPEC_INT_H
#define SP_PROBE_SPEC_INT_H

#include <regex.h>
#include <stdbool.h>

#define SP_PROBE_MAX_REDIRECTS_LIMIT 20

struct sp_probe_compiled {
    regex_t body_re;
    bool has_body_re;
    regex_t header_re;
    bool has_header_re;
    char *header_name; /* the Name of an expect_header rule */
    regex_t reject_re;
    bool has_reject_re;
};

#endif
