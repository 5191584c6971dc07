/*
 * Marking descriptors close-on-exec after the fact; see sp_fd.h for why.
 */
#include "sp_fd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int sp_fd_cloexec_from(int lowfd)
{
    /* One system call on Linux 5.11+ (glibc 2.34 has the wrapper). */
    if (close_range((unsigned)lowfd, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return 0;
    DIR *d = opendir("/proc/self/fd"); /* O_CLOEXEC itself */
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end || end == e->d_name || fd < lowfd || fd == dirfd(d))
            continue;
        int fl = fcntl((int)fd, F_GETFD);
        if (fl >= 0 && !(fl & FD_CLOEXEC))
            fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC);
    }
    closedir(d);
    return 0;
}
