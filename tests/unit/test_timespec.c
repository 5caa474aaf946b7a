/*
 * test_timespec.c - unit tests for timespec.c: RFC 3339 and relative
 * times, the refusals, and the calendar arithmetic checked against GLib's
 * GDateTime over many days.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "error.h"
#include "timespec.h"

#define NOW G_GINT64_CONSTANT(1716638400)   /* 2024-05-25T12:00:00Z */

typedef struct {
    const char *in;
    gint64 want;
} Good;

static const Good good[] = {
    { "2024-05-25T12:00:00Z", 1716638400 },
    { "2024-05-25t12:00:00z", 1716638400 },
    { "2024-05-25T12:00Z", 1716638400 },
    { "2024-05-25T12:00:00.999Z", 1716638400 },     /* fraction dropped */
    { "2024-05-25T12:00:00.1+00:00", 1716638400 },
    { "2024-05-25T14:00:00+02:00", 1716638400 },
    { "2024-05-25T06:30:00-05:30", 1716638400 },
    { "2024-05-25", 1716595200 },
    { "1970-01-01T00:00:00Z", 0 },
    { "1969-12-31T23:59:59Z", -1 },
    { "2000-02-29T00:00:00Z", 951782400 },          /* leap: 400 rule */
    { "2016-12-31T23:59:60Z", 1483228800 },         /* leap second */
    { "2024-01-01T00:30:00+01:00", 1704065400 },    /* offset crosses a year */
    { "now", NOW },
    { "-6h", NOW - 6 * 3600 },
    { "6h", NOW - 6 * 3600 },
    { "6h ago", NOW - 6 * 3600 },
    { "-30m", NOW - 1800 },
    { "-45s", NOW - 45 },
    { "-2d", NOW - 2 * 86400 },
    { "-1w", NOW - 7 * 86400 },
    { "0s", NOW },
    { "-36500d", NOW - G_GINT64_CONSTANT(36500) * 86400 },
};

static const char *const bad[] = {
    "", " ", "yesterday", "2024-13-01", "2024-00-10", "2024-02-30",
    "2023-02-29", "1900-02-29", "2024-04-31", "2024-05-25T24:00:00Z",
    "2024-05-25T12:60:00Z", "2024-05-25T12:00:61Z", "2024-05-25T12:00:00",
    "2024-05-25T12:00:00+2:00", "2024-05-25T12:00:00+24:00",
    "2024-05-25T12:00:00+02:60", "2024-05-25T12:00:00.Z",
    "2024-05-25T12Z", "2024-5-25", "24-05-25", "2024-05-25 12:00:00Z",
    "2024-05-25T12:00:00Zjunk", "2024-05-25x", "-6", "-h", "6x", "--6h",
    "-6h ago", "6h  ago", "6hago", "+6h", " -6h", "-6h ", "now ", "NOW",
    "-99999999999s", "-36700d", "-1.5h", "2024-05-25T12:00:00\xc3\xa9",
};

static void
test_good(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
        GError *err = NULL;
        gint64 t = 42;

        g_test_message("%s", good[i].in);
        g_assert_true(fl_time_parse(good[i].in, NOW, &t, &err));
        g_assert_no_error(err);
        g_assert_cmpint(t, ==, good[i].want);
    }
}

static void
test_bad(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        gint64 t = 42;

        g_test_message("%s", bad[i]);
        g_assert_false(fl_time_parse(bad[i], NOW, &t, &err));
        g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
        /* The message names what was given. */
        g_assert_nonnull(strstr(err->message, bad[i]));
        g_assert_cmpint(t, ==, 42);
        g_error_free(err);
    }
}

static void
test_format(void)
{
    char *s = fl_time_format(1716638400);

    g_assert_cmpstr(s, ==, "2024-05-25T12:00:00Z");
    g_free(s);
    s = fl_time_format(-1);
    g_assert_cmpstr(s, ==, "1969-12-31T23:59:59Z");
    g_free(s);
    s = fl_time_format(G_MAXINT64);
    g_assert_cmpstr(s, ==, "9999-12-31T23:59:59Z");
    g_free(s);
    s = fl_time_format(G_MININT64);
    g_assert_cmpstr(s, ==, "0001-01-01T00:00:00Z");
    g_free(s);
}

/* Every day from 1600 to 2500 (and random seconds) agrees with GLib. */
static void
test_calendar_against_glib(void)
{
    GRand *r = g_rand_new_with_seed(1);
    gint64 from = G_GINT64_CONSTANT(-11676096000);  /* 1600-01-01 */
    gint64 to = G_GINT64_CONSTANT(16725225600);     /* 2500-01-01 */

    for (gint64 t = from; t < to; t += 86400) {
        gint64 u = t + g_rand_int_range(r, 0, 86400);
        GDateTime *dt = g_date_time_new_from_unix_utc(u);
        char *mine = fl_time_format(u);
        char *theirs = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
        gint64 back = 0;
        int y, mo, d;

        g_assert_cmpstr(mine, ==, theirs);
        g_assert_true(fl_time_parse(mine, NOW, &back, NULL));
        g_assert_cmpint(back, ==, u);
        fl_time_to_utc_date(u, &y, &mo, &d);
        g_assert_cmpint(y, ==, g_date_time_get_year(dt));
        g_assert_cmpint(mo, ==, g_date_time_get_month(dt));
        g_assert_cmpint(d, ==, g_date_time_get_day_of_month(dt));
        g_free(mine);
        g_free(theirs);
        g_date_time_unref(dt);
    }
    g_rand_free(r);
}

static void
test_from_utc(void)
{
    gint64 t = 7;

    g_assert_true(fl_time_from_utc(0, 1, 1, 0, 0, 0, &t));
    g_assert_cmpint(t, ==, G_GINT64_CONSTANT(-62167219200));
    g_assert_true(fl_time_from_utc(9999, 12, 31, 23, 59, 59, &t));
    g_assert_cmpint(t, ==, G_GINT64_CONSTANT(253402300799));
    t = 7;
    g_assert_false(fl_time_from_utc(10000, 1, 1, 0, 0, 0, &t));
    g_assert_false(fl_time_from_utc(-1, 1, 1, 0, 0, 0, &t));
    g_assert_false(fl_time_from_utc(2024, 2, 30, 0, 0, 0, &t));
    g_assert_false(fl_time_from_utc(2024, 1, 1, 0, 0, 61, &t));
    g_assert_cmpint(t, ==, 7);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/timespec/parse/good", test_good);
    g_test_add_func("/timespec/parse/bad", test_bad);
    g_test_add_func("/timespec/format", test_format);
    g_test_add_func("/timespec/from-utc", test_from_utc);
    g_test_add_func("/timespec/calendar-vs-glib", test_calendar_against_glib);
    return g_test_run();
}
