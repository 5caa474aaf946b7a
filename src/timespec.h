/*
 * timespec.h - points in time given on the command line (--since/--until).
 */
#ifndef FL_TIMESPEC_H
#define FL_TIMESPEC_H

#include <glib.h>

/*
 * Parses s into Unix seconds (UTC):
 *   - RFC 3339: "2024-05-25T12:00:00Z", with fractions (dropped) and
 *     numeric offsets ("+02:00"); "2024-05-25T12:00Z" and a bare date
 *     "2024-05-25" (midnight UTC) too; 't' and 'z' as well as 'T' and
 *     'Z'; second 60 (a leap second) counts as the next second.  A time
 *     without 'Z' or an offset is refused rather than guessed;
 *   - relative to now: "-6h", "-30m", "-45s", "-2d", "-1w", also "6h"
 *     and "6h ago" meaning the same past time; "now".  At most 100 years
 *     back.
 * FALSE with FL_ERROR_CONFIG naming s on anything else (out-of-range
 * fields such as month 13 or February 30 included); *out is then
 * unchanged.
 */
gboolean fl_time_parse(const char *s, gint64 now, gint64 *out, GError **err);

/*
 * "2024-05-25T12:00:00Z"; g_free the result.  Cannot fail: t is clamped
 * to years 0001 to 9999.
 */
char *fl_time_format(gint64 t);

/*
 * Unix seconds of a UTC calendar time (proleptic Gregorian, years 0 to
 * 9999).  FALSE when a field is out of range (month 13, February 30,
 * hour 24, minute 60; sec may be 60).  Cannot fail otherwise.
 */
gboolean fl_time_from_utc(int year, int month, int day, int hour, int min,
                          int sec, gint64 *out);

/* The UTC calendar date of t (the reverse of the above, for days). */
void fl_time_to_utc_date(gint64 t, int *year, int *month, int *day);

#endif
