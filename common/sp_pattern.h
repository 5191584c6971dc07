/*
 * sp_pattern: the service patterns of the Japanese MIC guideline for
 * information security of ASP/SaaS providers (2008), SPEC section 1. The
 * one table of the project: the availability target of each pattern, its
 * confidentiality/integrity/availability levels, the guideline's reference
 * values for monitoring, and the example services the guideline lists.
 *
 * The table is data and the functions are pure. A configuration may
 * override any value per pattern (config.c copies the table and applies
 * its `patterns:` entries); this file holds only the guideline's defaults.
 */
#ifndef SP_PATTERN_H
#define SP_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

#define SP_PATTERN_COUNT 6

typedef enum sp_level { SP_LEVEL_LOW, SP_LEVEL_MEDIUM, SP_LEVEL_HIGH } sp_level;

typedef struct sp_pattern {
    int id; /* 1..6 */
    sp_level c, i, a;
    double availability_pct; /* monthly service availability target */
    /* Monitoring reference values (guideline III.1.1.1-III.1.1.3), ms. */
    int64_t alive_interval_ms; /* alive check at least this often (10 min) */
    int64_t notify_within_ms;  /* users told within this after a stop (60 min) */
    int64_t fault_interval_ms; /* "works correctly" check this often (30 min) */
    int64_t perf_interval_ms;  /* response time measured this often (30 min, recommended) */
    const char *examples_en;
    const char *examples_ja;
} sp_pattern;

/* The guideline's table, by id; NULL when id is not 1..6. Static storage. */
const sp_pattern *sp_pattern_get(int id);

/* "high" / "medium" / "low", or 高 / 中 / 低 when ja. */
const char *sp_level_name(sp_level l, bool ja);

/* One finding of a conformance check (see sp_pattern_conformance). */
typedef enum sp_conform_item {
    SP_CONFORM_ALIVE,  /* probe interval vs alive_interval */
    SP_CONFORM_FAULT,  /* probe interval vs fault_interval */
    SP_CONFORM_PERF,   /* probe interval vs perf_interval */
    SP_CONFORM_NOTIFY, /* worst-case detection + alert path vs notify_within */
    SP_CONFORM_N
} sp_conform_item;

typedef struct sp_conform_input {
    int64_t interval_ms, retry_ms, timeout_ms;
    int confirm;
    bool has_alert_path; /* some alert would tell a person */
} sp_conform_input;

typedef struct sp_conform_result {
    bool ok[SP_CONFORM_N];
    /* Worst-case time from the start of an outage to its confirmation: a
     * stop just after a good probe is seen at the next probe (interval),
     * then confirm - 1 retries (retry_interval each), and the last one may
     * take its whole timeout. */
    int64_t detect_worst_ms;
} sp_conform_result;

/* Pure check of one target's monitoring against a pattern's values. */
void sp_pattern_conformance(const sp_pattern *p, const sp_conform_input *in,
                            sp_conform_result *out);

#endif
