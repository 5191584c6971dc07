/*
 * sp_status: the one status enum of slaprobe.
 *
 * Every function that can fail returns an sp_status; results travel back
 * through pointers. Errors of libcurl, c-ares, OpenSSL and librrd are
 * translated into these codes at the module boundary and never leak past it.
 * The X-macro keeps the enum, its names and its messages from drifting apart
 * (the way libuv's UV_ERRNO_MAP does).
 */
#ifndef SP_STATUS_H
#define SP_STATUS_H

#define SP_STATUS_MAP(X)                                                                           \
    X(OK, "success")                                                                               \
    X(ENOMEM, "out of memory")                                                                     \
    X(EINVAL, "invalid argument")                                                                  \
    X(EPARSE, "cannot parse input")                                                                \
    X(EIO, "input/output error")                                                                   \
    X(ENOTFOUND, "not found")                                                                      \
    X(EEXIST, "already exists")                                                                    \
    X(EBUSY, "resource busy")                                                                      \
    X(ECURL, "libcurl error")                                                                      \
    X(EDNS, "c-ares error")                                                                        \
    X(ETLS, "OpenSSL error")                                                                       \
    X(ELOOP, "event loop error")                                                                   \
    X(ECANCELED, "operation canceled")                                                             \
    X(ESTALE, "made by an older version: migrate it")

typedef enum sp_status {
#define SP_STATUS_ENUM(name, msg) SP_##name,
    SP_STATUS_MAP(SP_STATUS_ENUM)
#undef SP_STATUS_ENUM
        SP_STATUS_COUNT
} sp_status;

/* Human message for a status; never NULL, static storage. */
const char *sp_strerror(sp_status st);
/* Symbolic name ("SP_EINVAL"); never NULL, static storage. */
const char *sp_status_name(sp_status st);

#endif
