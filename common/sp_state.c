/* sp_state: see sp_state.h. */
#include "common/sp_state.h"

#include <string.h>

const char *sp_state_name(sp_state s)
{
    switch (s) {
    case SP_STATE_UP:
        return "UP";
    case SP_STATE_DOWN:
        return "DOWN";
    default:
        return "UNKNOWN";
    }
}

bool sp_state_parse(const char *name, sp_state *out)
{
    if (!name)
        return false;
    for (int s = 0; s < SP_STATE_COUNT; s++) {
        if (strcmp(name, sp_state_name((sp_state)s)) == 0) {
            *out = (sp_state)s;
            return true;
        }
    }
    return false;
}
