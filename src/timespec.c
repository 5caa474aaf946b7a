/*
 * timespec.c - --since/--until: RFC 3339 times and times relative to now.
 *
 * Calendar arithmetic is done here by hand, in UTC only, so nothing
 * depends on TZ or on the range of the platform's time_t.  Parsing uses a
 * cursor that advances only over what it accepted (style.md C7): no
 * sscanf, no strtol, so "2024-5-25" or " 6h" are refused, not guessed.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "timespec.h"

#define DAY 86400
/* Days from 0000-01-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define EPOCH_DAYS 719528
/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define T_MIN G_GINT64_CONSTANT(-62135596800)
#define T_MAX G_GINT64_CONSTANT(253402300799)
/* Relative times reach back at most this far. */
#define REL_MAX (G_GINT64_CONSTANT(100) * 366 * DAY)

static const int month_days[12] = {
    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
};

static gboolean
is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
    return m == 2 && is_leap(y) ? 29 : month_days[m - 1];
}

/* Days from 0000-01-01 to y-01-01, y >= 0. */
static gint64
days_to_year(gint64 y)
{
    /* Leap years in [0, y): year 0 itself, then those in [1, y - 1]. */
    gint64 leaps = y > 0 ? 1 + (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400
                         : 0;

    return 365 * y + leaps;
}

gboolean
fl_time_from_utc(int year, int month, int day, int hour, int min, int sec,
                 gint64 *out)
{
    gint64 days;

    if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month) || hour < 0 || hour > 23 ||
        min < 0 || min > 59 || sec < 0 || sec > 60)
        return FALSE;
    days = days_to_year(year);
    for (int m = 1; m < month; m++)
        days += days_in_month(year, m);
    days += day - 1 - EPOCH_DAYS;
    *out = days * DAY + hour * 3600 + min * 60 + sec;
    return TRUE;
}

void
fl_time_to_utc_date(gint64 t, int *year, int *month, int *day)
{
    gint64 days, y;
    int m;

    t = CLAMP(t, T_MIN, T_MAX);
    /* Floor division: times before 1970 are negative. */
    days = (t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY)) + EPOCH_DAYS;
    /* 146097 days per 400 years: a guess within a year, then corrected. */
    y = days * 400 / 146097;
    while (y > 0 && days_to_year(y) > days)
        y--;
    while (days_to_year(y + 1) <= days)
        y++;
    days -= days_to_year(y);
    for (m = 1; m < 12 && days >= days_in_month((int)y, m); m++)
        days -= days_in_month((int)y, m);
    *year = (int)y;
    *month = m;
    *day = (int)days + 1;
}

char *
fl_time_format(gint64 t)
{
    int y, mo, d;
    gint64 sod;

    t = CLAMP(t, T_MIN, T_MAX);
    fl_time_to_utc_date(t, &y, &mo, &d);
    sod = t % DAY;
    if (sod < 0)
        sod += DAY;
    return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d,
                           (int)(sod / 3600), (int)(sod / 60 % 60),
                           (int)(sod % 60));
}

/* ---- the cursor ------------------------------------------------------- */

/* Exactly n decimal digits. */
static gboolean
get_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!g_ascii_isdigit((*p)[i]))
            return FALSE;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return TRUE;
}

static gboolean
get_char(const char **p, char c)
{
    if (**p != c)
        return FALSE;
    (*p)++;
    return TRUE;
}

/* "Z", "z", "+HH:MM" or "-HH:MM": seconds east of UTC. */
static gboolean
get_offset(const char **p, int *east)
{
    int sign, hh, mm;

    if (get_char(p, 'Z') || get_char(p, 'z')) {
        *east = 0;
        return TRUE;
    }
    if (get_char(p, '+'))
        sign = 1;
    else if (get_char(p, '-'))
        sign = -1;
    else
        return FALSE;
    if (!get_digits(p, 2, &hh) || !get_char(p, ':') ||
        !get_digits(p, 2, &mm) || hh > 23 || mm > 59)
        return FALSE;
    *east = sign * (hh * 3600 + mm * 60);
    return TRUE;
}

/* RFC 3339 (and its date-only and no-seconds forms). */
static gboolean
parse_rfc3339(const char *p, gint64 *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, east = 0;
    gint64 t;

    if (!get_digits(&p, 4, &y) || !get_char(&p, '-') ||
        !get_digits(&p, 2, &mo) || !get_char(&p, '-') ||
        !get_digits(&p, 2, &d))
        return FALSE;
    if (*p != '\0') {
        if (!(get_char(&p, 'T') || get_char(&p, 't')) ||
            !get_digits(&p, 2, &h) || !get_char(&p, ':') ||
            !get_digits(&p, 2, &mi))
            return FALSE;
        if (get_char(&p, ':')) {
            if (!get_digits(&p, 2, &sec))
                return FALSE;
            /* Fractions are dropped, but must be digits. */
            if (get_char(&p, '.')) {
                if (!g_ascii_isdigit(*p))
                    return FALSE;
                while (g_ascii_isdigit(*p))
                    p++;
            }
        }
        if (!get_offset(&p, &east) || *p != '\0')
            return FALSE;
    }
    if (!fl_time_from_utc(y, mo, d, h, mi, sec, &t))
        return FALSE;
    *out = t - east;
    return TRUE;
}

/* "-6h", "6h", "6h ago", "now". */
static gboolean
parse_relative(const char *p, gint64 now, gint64 *out)
{
    gboolean minus = get_char(&p, '-');
    gint64 n = 0, unit;
    int ndigits = 0;

    if (!minus && strcmp(p, "now") == 0) {
        *out = now;
        return TRUE;
    }
    /* Ten digits are more than 100 years of seconds: no overflow below. */
    while (g_ascii_isdigit(*p) && ndigits < 10) {
        n = n * 10 + (*p++ - '0');
        ndigits++;
    }
    if (ndigits == 0)
        return FALSE;
    switch (*p++) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = DAY; break;
    case 'w': unit = 7 * DAY; break;
    default: return FALSE;
    }
    /* "-6h ago" would be a double negative: refused. */
    if (!minus && strcmp(p, " ago") == 0)
        p += 4;
    if (*p != '\0' || n * unit > REL_MAX)
        return FALSE;
    /* now comes from the clock, but keep clear of overflow anyway. */
    if (now < G_MININT64 + REL_MAX)
        return FALSE;
    *out = now - n * unit;
    return TRUE;
}

gboolean
fl_time_parse(const char *s, gint64 now, gint64 *out, GError **err)
{
    g_return_val_if_fail(s != NULL && out != NULL, FALSE);

    /* A date starts with four digits and a '-'; nothing relative does. */
    if (g_ascii_isdigit(s[0]) && strlen(s) >= 5 && s[4] == '-') {
        if (parse_rfc3339(s, out))
            return TRUE;
    } else if (parse_relative(s, now, out)) {
        return TRUE;
    }
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                "%s: not a time (use RFC 3339 such as "
                "2024-05-25T12:00:00Z, a date, or -6h, -30m, -2d, now)", s);
    return FALSE;
}
