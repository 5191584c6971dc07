/*
 * sp_cal: calendar time for SLA reports. A report month is a calendar month
 * in the configured timezone (DST included, so a month can have 743 or 745
 * hours), and service hours ("Mon-Fri 09:00-18:00") are local wall-clock
 * ranges. This module turns both into plain spans of Unix seconds, which is
 * all the pure SLA arithmetic (sla/sla.h) ever sees.
 *
 * Timezones come from the system's tzdata (/usr/share/zoneinfo) through the
 * C library: the functions that take a tz set TZ for the duration of the
 * call and restore it after. So they are deterministic (no clock is read)
 * but not thread-safe: call them from one thread (the report command).
 *
 * Service-hours grammar (case-insensitive, whitespace-tolerant):
 *   hours   := "24x7" | range ("," range)*
 *   range   := days " " HH:MM "-" HH:MM
 *   days    := day | day "-" day | days "+" days     (Mon Tue Wed Thu Fri Sat Sun)
 *   HH:MM   := 00:00 .. 24:00; an end at or before the start runs past
 *              midnight into the next day ("Mon-Fri 22:00-06:00")
 * Holidays are local dates ("2026-11-03") on which no service hours apply.
 */
#ifndef SP_CAL_CALENDAR_H
#define SP_CAL_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sp_status.h"
#include "sla/sla.h"

/* True when tz names a zone the system knows ("Asia/Tokyo", "UTC"). */
bool sp_cal_tz_valid(const char *tz);

/* [*start, *end) in Unix seconds of local calendar month year-month in tz
 * (month 1..12). SP_EINVAL for a bad month or an unknown zone. */
sp_status sp_cal_month_bounds(const char *tz, int year, int month, int64_t *start, int64_t *end);

/* [*start, *end) of the local calendar day that is `back` days before the
 * day containing t (back 0: that day), in tz. 23 or 25 hours on DST days. */
sp_status sp_cal_day_bounds(const char *tz, int64_t t, int back, int64_t *start, int64_t *end);

/* "YYYY-MM" -> year, month. false when malformed. */
bool sp_cal_parse_month(const char *text, int *year, int *month);

/* Local date "YYYY-MM-DD" of Unix time t in tz, into buf (>= 11 bytes). */
sp_status sp_cal_local_date(const char *tz, int64_t t, char *buf, size_t n);

/* Local "YYYY-MM-DD HH:MM:SS" of Unix time t in tz, into buf (>= 20 bytes). */
sp_status sp_cal_local_time(const char *tz, int64_t t, char *buf, size_t n);

/* Parsed service hours; opaque, create/destroy. */
typedef struct sp_cal_hours sp_cal_hours;

/* Parse text (NULL or "24x7": all hours) and holidays (n local dates
 * "YYYY-MM-DD", may be NULL). On error SP_EPARSE and err says what is
 * wrong with which part ("'Mon-Fro': unknown day 'Fro'"). */
sp_status sp_cal_hours_parse(const char *text, const char *const *holidays, size_t n_holidays,
                             sp_cal_hours **out, char *err, size_t errlen);
void sp_cal_hours_destroy(sp_cal_hours *h);

/* True when h is all hours of every day with no holidays. */
bool sp_cal_hours_always(const sp_cal_hours *h);

/* The service spans of h inside [from, to), in tz: sorted, disjoint,
 * merged where they touch. *out is malloc'ed (caller frees), *n its count
 * (0 spans is a valid answer: no service hours in the range). */
sp_status sp_cal_hours_spans(const sp_cal_hours *h, const char *tz, int64_t from, int64_t to,
                             sp_sla_span **out, size_t *n);

#endif
