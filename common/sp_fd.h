/*
 * sp_fd: no descriptor of the daemon may reach a program it runs (an exec
 * alert, the status page's builder). Every descriptor slaprobe opens itself
 * is close-on-exec from its creation (O_CLOEXEC, SOCK_CLOEXEC, fopen's "e");
 * this is for those it did not open: what the daemon inherited from its
 * parent, libcurl's multi wakeup socketpair, librrd's rrdcached socket and
 * RRD files (made without FD_CLOEXEC by those libraries).
 *
 * Threads: any; it only sets a flag, so it is safe beside threads that
 * open files, but a descriptor opened without O_CLOEXEC by another thread
 * after the call is not covered (see docs/ARCHITECTURE.md, "Descriptors").
 */
#ifndef SP_FD_H
#define SP_FD_H

/* Mark every open descriptor >= lowfd close-on-exec (close_range(2) with
 * CLOSE_RANGE_CLOEXEC, or a walk of /proc/self/fd where that is missing).
 * Returns 0, or -1 with errno set when neither worked. */
int sp_fd_cloexec_from(int lowfd);

#endif
