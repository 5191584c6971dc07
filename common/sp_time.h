/*
 * sp_time: the one place a time becomes text. Every ISO 8601 / RFC 3339
 * stamp slaprobe writes (journal lines, result JSON, certificate dates,
 * alert messages) goes through here, so they all read the same: UTC, 'Z'.
 *
 * Pure (gmtime_r only); any thread.
 */
#ifndef SP_TIME_H
#define SP_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Enough for "YYYY-MM-DDTHH:MM:SS.mmmZ" and a NUL, for any year < 10000. */
#define SP_TIME_ISO_LEN 32

/* Unix milliseconds -> "2026-11-30T12:00:00.123Z" (milliseconds always
 * present: the journal and the result JSON compare at that resolution). */
void sp_time_iso_ms(int64_t unix_ms, char *buf, size_t n);

/* A broken-down UTC time -> "2026-11-30T12:00:00Z" (whole seconds: a
 * certificate's validity, which has no finer resolution). */
void sp_time_iso_tm(const struct tm *tm, char *buf, size_t n);

/* Unix milliseconds now, from CLOCK_REALTIME. */
int64_t sp_time_wall_ms(void);

#endif
