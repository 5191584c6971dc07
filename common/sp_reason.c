/*
 * Tables behind sp_reason, generated from SP_REASON_MAP.
 */
#include "sp_reason.h"

#include <string.h>

static const struct {
    const char *name;
    const char *msg;
    sp_reason_class cls;
} reasons[SP_REASON_COUNT] = {
#define SP_REASON_ROW(sym, name, cls, msg) [SP_REASON_##sym] = {name, msg, SP_RCLASS_##cls},
    SP_REASON_MAP(SP_REASON_ROW)
#undef SP_REASON_ROW
};

const char *sp_reason_name(sp_reason r)
{
    return (unsigned)r < SP_REASON_COUNT ? reasons[r].name : "probe_error";
}

const char *sp_reason_message(sp_reason r)
{
    return (unsigned)r < SP_REASON_COUNT ? reasons[r].msg : "unknown reason";
}

sp_reason_class sp_reason_class_of(sp_reason r)
{
    return (unsigned)r < SP_REASON_COUNT ? reasons[r].cls : SP_RCLASS_PROBE;
}

const char *sp_reason_class_name(sp_reason_class c)
{
    static const char *const names[] = {"none", "dns", "network", "tls", "http", "probe"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "probe";
}

bool sp_reason_from_name(const char *name, sp_reason *out)
{
    for (int i = 0; i < SP_REASON_COUNT; i++) {
        if (strcmp(reasons[i].name, name) == 0) {
            *out = (sp_reason)i;
            return true;
        }
    }
    return false;
}
