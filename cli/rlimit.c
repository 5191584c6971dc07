/*
 * Process limits the probing commands (check, run) need before they open
 * their first socket.
 */
#include "cli.h"

#include <sys/resource.h>

void sp_cli_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}
