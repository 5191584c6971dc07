/*
 * sp_expo: the Prometheus text exposition format, version 0.0.4
 * (what `promtool check metrics` checks): families with their HELP and
 * TYPE lines, samples with escaped label values, histograms with
 * cumulative buckets ending in +Inf. Pure: it only appends to a buffer, so
 * the HTTP thread renders a snapshot with it and the unit tests check it
 * byte for byte. Here in common because two layers write the format:
 * metrics/ (the daemon's /metrics) and blackbox/ (a /probe answer).
 *
 * Ownership: the buffer is the caller's (sp_expo_free). An
 * allocation failure sets oom and makes every later call a no-op; the
 * caller checks oom once at the end. Threads: none of its own.
 */
#ifndef SP_EXPO_H
#define SP_EXPO_H

#include <stdbool.h>
#include <stddef.h>

#include "common/sp_hist.h"

typedef struct sp_expo {
    char *buf; /* NUL-terminated text so far (NULL before the first byte) */
    size_t len, cap;
    bool oom;
} sp_expo;

void sp_expo_free(sp_expo *e);

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram,
 * info is written as gauge); help's backslashes and newlines escaped. */
void sp_expo_family(sp_expo *e, const char *name, const char *type, const char *help);

/* One sample: name{l1="v1",...} value. labels: n_labels pairs of name,
 * value (values escaped: backslash, double quote, newline); value written
 * as Prometheus reads it (NaN, +Inf, -Inf, shortest exact decimal). */
void sp_expo_sample(sp_expo *e, const char *name, const char *const *labels, size_t n_labels,
                    double value);

/* A histogram's samples: name_bucket{...,le="b"} cumulative for every
 * bound and le="+Inf" (= the count), then name_sum and name_count. */
void sp_expo_histogram(sp_expo *e, const char *name, const char *const *labels, size_t n_labels,
                       const sp_hist *h);

/* Append one label value escaped as the format wants (for tests). */
void sp_expo_label_value(sp_expo *e, const char *v);

#endif
