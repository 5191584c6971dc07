/*
 * The guideline's pattern table as data (see sp_pattern.h). The example
 * services are the guideline's own lists, shortened.
 */
#include "sp_pattern.h"

#include <stddef.h>

#define MIN (60 * 1000LL)

/* The monitoring values are the same for every pattern in the guideline's
 * reference table; they sit in each row so a configuration can override
 * them per pattern. */
#define MONITORING 10 * MIN, 60 * MIN, 30 * MIN, 30 * MIN

static const sp_pattern table[SP_PATTERN_COUNT] = {
    {1, SP_LEVEL_HIGH, SP_LEVEL_HIGH, SP_LEVEL_HIGH, 99.5, MONITORING,
     "order/EDI, payroll, ERP, EC outsourcing, payments, e-tendering, electronic medical records",
     "受発注・EDI、給与計算、ERP、EC 業務代行、決済、電子入札、電子カルテ"},
    {2, SP_LEVEL_HIGH, SP_LEVEL_HIGH, SP_LEVEL_MEDIUM, 99.0, MONITORING,
     "sales and inventory management, groupware, address book, e-application",
     "販売・在庫管理、グループウェア、アドレス帳、電子申請"},
    {3, SP_LEVEL_HIGH, SP_LEVEL_HIGH, SP_LEVEL_LOW, 95.0, MONITORING,
     "CRM, procurement, recruiting, e-learning with personal data, mail delivery",
     "CRM、調達、採用、個人情報を含む e ラーニング、メール配信"},
    {4, SP_LEVEL_LOW, SP_LEVEL_HIGH, SP_LEVEL_HIGH, 99.5, MONITORING, "network monitoring",
     "ネットワーク監視"},
    {5, SP_LEVEL_LOW, SP_LEVEL_HIGH, SP_LEVEL_MEDIUM, 99.0, MONITORING,
     "document management without personal data", "個人情報を含まない文書管理"},
    {6, SP_LEVEL_LOW, SP_LEVEL_HIGH, SP_LEVEL_LOW, 95.0, MONITORING,
     "advertising, web conferencing, route search, maps, property search",
     "広告、Web 会議、経路検索、地図、物件検索"},
};

const sp_pattern *sp_pattern_get(int id)
{
    return id >= 1 && id <= SP_PATTERN_COUNT ? &table[id - 1] : NULL;
}

const char *sp_level_name(sp_level l, bool ja)
{
    static const char *const en[] = {"low", "medium", "high"};
    static const char *const jp[] = {"低", "中", "高"};
    return (ja ? jp : en)[l];
}

void sp_pattern_conformance(const sp_pattern *p, const sp_conform_input *in, sp_conform_result *out)
{
    out->detect_worst_ms =
        in->interval_ms + (int64_t)(in->confirm - 1) * in->retry_ms + in->timeout_ms;
    out->ok[SP_CONFORM_ALIVE] = in->interval_ms <= p->alive_interval_ms;
    out->ok[SP_CONFORM_FAULT] = in->interval_ms <= p->fault_interval_ms;
    out->ok[SP_CONFORM_PERF] = in->interval_ms <= p->perf_interval_ms;
    out->ok[SP_CONFORM_NOTIFY] = in->has_alert_path && out->detect_worst_ms <= p->notify_within_ms;
}
