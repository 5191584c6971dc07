/*
 * Every librrd call of slaprobe, behind a small blocking API. These run on
 * the writer's worker thread (writer.c) or before the loop starts, never on
 * the loop thread while probes run. rrd_get_error() is thread-local in
 * librrd, so each call turns it into a message at once.
 *
 * daemon: NULL to write the file directly, else an rrdcached address
 * ("unix:/path" or "host:port").
 */
#ifndef SP_STORE_RRD_H
#define SP_STORE_RRD_H

#include <stddef.h>
#include <time.h>

#include "common/sp_status.h"
#include "storage/layout.h"

/* Create path with the layout for step_s unless it exists; when it exists,
 * check its layout and fail (SP_EEXIST, never overwriting) on a mismatch. */
sp_status sp_store_rrd_ensure(const char *path, long step_s, const sp_store_retention *ret,
                              time_t start, char *err, size_t errlen);

/* Apply rows ("T:v1:v2:...", ascending T) in one call. When rrdcached is
 * unusable the rows are written to the file directly and SP_EBUSY says so
 * (err holds why); any other error means the rows were not written. */
sp_status sp_store_rrd_update(const char *daemon, const char *path, int n, const char **rows,
                              char *err, size_t errlen);

/* Make rrdcached write what it holds for path (no-op without a daemon). */
sp_status sp_store_rrd_flush(const char *daemon, const char *path, char *err, size_t errlen);

/* Time of the last update, or 0 on error. */
time_t sp_store_rrd_last(const char *path);

#endif
