/*
 * Proleptic Gregorian dates as day numbers, and the strict digit parsing
 * the date formats of the configuration and the calendar share. Pure: no
 * time zone, no clock (calendar/calendar.c adds zones on top).
 */
#ifndef SP_CIVIL_H
#define SP_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

/* Days since 1970-01-01 of y-m-d (Howard Hinnant's days_from_civil),
 * exact for any year an int64 holds; and back. */
int64_t sp_civil_days(int64_t y, int m, int d);
void sp_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Days in month m (1..12) of year y. */
int sp_civil_month_days(int64_t y, int m);

/* Exactly n decimal digits at p into *out. */
bool sp_civil_digits(const char *p, int n, int *out);

/* "YYYY-MM-DD", nothing before or after, a real date (no 02-30). */
bool sp_civil_parse_date(const char *s, int64_t *days);

#endif
