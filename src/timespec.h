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
 *     "2024-05-25" (midnight UTC) too;
 *   - relative to now: "-6h", "-30m", "-45s", "-2d", "-1w", also "6h"
 *     and "6h ago" meaning the same past time; "now".
 * FALSE with FL_ERROR_CONFIG naming s on anything else (out-of-range
 * fields such as month 13 included).
 */
gboolean fl_time_parse(const char *s, gint64 now, gint64 *out, GError **err);

/* "2024-05-25T12:00:00Z"; g_free the result.  Cannot fail. */
char *fl_time_format(gint64 t);

#endif
