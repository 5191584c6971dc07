/*
 * Names and messages of sp_status, generated from SP_STATUS_MAP so they can
 * never disagree with the enum.
 */
#include "sp_status.h"

const char *sp_strerror(sp_status st)
{
    switch (st) {
#define SP_STATUS_MSG(name, msg)                                                                   \
    case SP_##name:                                                                                \
        return msg;
        SP_STATUS_MAP(SP_STATUS_MSG)
#undef SP_STATUS_MSG
    default:
        return "unknown status";
    }
}

const char *sp_status_name(sp_status st)
{
    switch (st) {
#define SP_STATUS_NAME(name, msg)                                                                  \
    case SP_##name:                                                                                \
        return "SP_" #name;
        SP_STATUS_MAP(SP_STATUS_NAME)
#undef SP_STATUS_NAME
    default:
        return "SP_UNKNOWN";
    }
}
