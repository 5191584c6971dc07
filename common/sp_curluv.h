/*
 * sp_curluv: one libcurl multi handle driven by a libuv loop through the
 * multi-socket API. libcurl says which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION) and when to call it back
 * (CURLMOPT_TIMERFUNCTION); each watched socket gets a uv_poll_t and the
 * multi handle one uv_timer_t. This is the shape of curl's multi-uv example.
 *
 * It is shared by the probe engine and the alerter so the glue exists once.
 * Each keeps its own multi handle (its own connection policy: a probe never
 * reuses a connection, an alert may), on the same loop.
 *
 * Ownership and threads: loop thread only. Easy handles stay the caller's;
 * remove them (sp_curluv_remove) before cleaning them up. sp_curluv_destroy
 * may be called with handles still added (curl_multi_cleanup detaches
 * them); the memory goes once the last libuv handle has closed.
 */
#ifndef SP_CURLUV_H
#define SP_CURLUV_H

#include <stdbool.h>

#include <curl/curl.h>
#include <uv.h>

#include "common/sp_status.h"

typedef struct sp_curluv sp_curluv;

/* Called once per finished transfer, from the loop. The callback may
 * remove and clean up the easy handle. */
typedef void (*sp_curluv_done_cb)(CURL *easy, CURLcode code, void *arg);

/* SP_ENOMEM or SP_ECURL on failure. */
sp_status sp_curluv_create(uv_loop_t *loop, sp_curluv_done_cb done, void *arg, sp_curluv **out);

/* The multi handle, for curl_multi_setopt (not the socket or timer
 * options, which are ours). */
CURLM *sp_curluv_multi(sp_curluv *c);

/* Start a transfer; SP_ECURL if curl refuses it. Sets the handle's
 * CURLOPT_OPENSOCKETFUNCTION (its sockets are made close-on-exec): the
 * caller must not set its own. */
sp_status sp_curluv_add(sp_curluv *c, CURL *easy);

/* Stop a transfer (its done callback will not run). */
void sp_curluv_remove(sp_curluv *c, CURL *easy);

void sp_curluv_destroy(sp_curluv *c);

#endif
