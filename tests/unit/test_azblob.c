/*
 * test_azblob.c - unit tests for the Azure Blob layer without a server:
 * the Shared Key string-to-sign against the layout Microsoft documents
 * (azurite checks whole signatures in tests/integration/azblob.py), the
 * HTTP date, the hour of a blob name, and the walker over a container
 * in memory (which prefixes a time range lists, which blobs it keeps).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "azure/sharedkey.h"
#include "error.h"
#include "sources/azblob_walk.h"

static void
test_string_to_sign(void)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *s = NULL;
    GError *err = NULL;

    g_ptr_array_add(lines, g_strdup("x-ms-version: 2020-10-02"));
    g_ptr_array_add(lines, g_strdup("X-Ms-Range:  bytes=0-9 "));
    g_ptr_array_add(lines, g_strdup("x-ms-date: Wed, 02 Dec 2026 03:45:20 GMT"));
    g_ptr_array_add(lines, g_strdup("Content-Type: text/plain"));
    s = fl_azure_sharedkey_string(
        "devstoreaccount1", "GET",
        "http://127.0.0.1:10000/devstoreaccount1/c/a%3Db.json"
        "?restype=container&comp=list&prefix=r%2Fy%3D2026&Marker=m1",
        0, lines, &err);
    g_assert_no_error(err);
    /* VERB, 11 standard headers (Content-Type the fifth), the x-ms-*
     * headers sorted and lower-case, the account then the path as sent,
     * the query names lower-case and sorted with decoded values. */
    g_assert_cmpstr(s, ==,
                    "GET\n\n\n\n\ntext/plain\n\n\n\n\n\n\n"
                    "x-ms-date:Wed, 02 Dec 2026 03:45:20 GMT\n"
                    "x-ms-range:bytes=0-9\n"
                    "x-ms-version:2020-10-02\n"
                    "/devstoreaccount1/devstoreaccount1/c/a%3Db.json\n"
                    "comp:list\nmarker:m1\nprefix:r/y=2026\n"
                    "restype:container");
}

static void
test_content_length(void)
{
    g_autofree char *put = fl_azure_sharedkey_string(
        "acct", "PUT", "https://acct.blob.core.windows.net/c/b", 12, NULL,
        NULL);

    /* Content-Length is the body's, empty for none. */
    g_assert_cmpstr(put, ==, "PUT\n\n\n12\n\n\n\n\n\n\n\n\n/acct/c/b");
}

static void
test_bad_url(void)
{
    GError *err = NULL;
    char *s = fl_azure_sharedkey_string("a", "GET", "no-scheme", 0, NULL,
                                        &err);

    g_assert_null(s);
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    g_clear_error(&err);
    s = fl_azure_sharedkey_string("a", "GET", "http://h/c?p=%zz", 0, NULL,
                                  &err);
    g_assert_null(s);
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    g_clear_error(&err);
}

static void
test_http_date(void)
{
    g_autofree char *a = fl_azure_http_date(0);
    g_autofree char *b = fl_azure_http_date(1796183120);

    g_assert_cmpstr(a, ==, "Thu, 01 Jan 1970 00:00:00 GMT");
    g_assert_cmpstr(b, ==, "Wed, 02 Dec 2026 03:45:20 GMT");
}

static void
test_blob_hour(void)
{
    g_assert_cmpint(fl_azwalk_blob_hour(
        "resourceId=/SUBSCRIPTIONS/X/y=2026/m=12/d=01/h=10/m=00/"
        "macAddress=00/PT1H.json"), ==, 1796083200 + 10 * 3600);
    g_assert_cmpint(fl_azwalk_blob_hour("y=2026/m=12/d=01/h=24/m=00/x"),
                    ==, -1);
    g_assert_cmpint(fl_azwalk_blob_hour("xy=2026/m=12/d=01/h=10/x"), ==, -1);
    g_assert_cmpint(fl_azwalk_blob_hour("PT1H.json"), ==, -1);
}

/* A container in memory: names sorted; List Blobs semantics. */
typedef struct {
    const char *const *names;
    GPtrArray *asked;           /* "prefix|delimiter" of each request */
    guint page;                 /* items per page */
} Mem;

static gboolean
mem_list(gpointer data, const char *prefix, const char *delimiter,
         const char *marker, FlAzBlobListing *out, GError **err)
{
    Mem *m = data;
    guint start = marker ? (guint)atoi(marker) : 0, n = 0, i;

    g_ptr_array_add(m->asked, g_strdup_printf("%s|%s", prefix,
                                              delimiter ? delimiter : ""));
    for (i = start; m->names[i] && n < m->page; i++) {
        const char *name = m->names[i], *rest, *d;

        if (!g_str_has_prefix(name, prefix))
            continue;
        rest = name + strlen(prefix);
        d = delimiter ? strstr(rest, delimiter) : NULL;
        if (d) {
            char *p = g_strndup(name, (gsize)(d + 1 - name));

            /* A prefix is one item; the marker goes past all of it. */
            while (m->names[i + 1] && g_str_has_prefix(m->names[i + 1], p))
                i++;
            g_ptr_array_add(out->prefixes, p);
        } else {
            FlAzBlobItem *b = g_new0(FlAzBlobItem, 1);

            b->name = g_strdup(name);
            b->size = 1;
            g_ptr_array_add(out->blobs, b);
        }
        n++;
    }
    while (m->names[i] && !g_str_has_prefix(m->names[i], prefix))
        i++;
    out->next_marker = m->names[i] ? g_strdup_printf("%u", i) : NULL;
    return TRUE;
}

#define RES "resourceId=/SUBSCRIPTIONS/S/NSG/"
#define MAC "/m=00/macAddress=M/PT1H.json"

static const char *const container[] = {
    "README.txt",
    RES "y=2026/m=11/d=30/h=23" MAC,
    RES "y=2026/m=12/d=01/h=09" MAC,
    RES "y=2026/m=12/d=01/h=10" MAC,
    RES "y=2026/m=12/d=01/h=10/m=00/macAddress=N/PT1H.json",
    RES "y=2026/m=12/d=01/h=10/m=00/macAddress=N/notes.txt",
    RES "y=2026/m=12/d=01/h=11" MAC,
    RES "y=2026/m=12/d=02/h=10" MAC,
    NULL
};

static GPtrArray *
walk_all(const FlAzWalkConfig *wc, Mem *m)
{
    g_autoptr(FlAzWalk) w = fl_azwalk_new(wc, mem_list, m);
    GPtrArray *got = g_ptr_array_new_with_free_func(g_free);
    FlAzBlobItem *b;
    GError *err = NULL;

    while ((b = fl_azwalk_next(w, &err)) != NULL) {
        g_ptr_array_add(got, g_strdup(b->name));
        fl_azblob_item_free(b);
    }
    g_assert_no_error(err);
    return got;
}

static void
test_walk_hour(void)
{
    Mem m = { container, g_ptr_array_new_with_free_func(g_free), 2 };
    FlAzWalkConfig wc = { "", TRUE, 1796083200 + 10 * 3600 + 600,
                          1796083200 + 11 * 3600 };
    g_autoptr(GPtrArray) got = walk_all(&wc, &m);

    g_assert_cmpuint(got->len, ==, 2);
    g_assert_cmpstr(got->pdata[0], ==, container[3]);
    g_assert_cmpstr(got->pdata[1], ==, container[4]);
    /* Down the resource levels with "/", then the one hour without. */
    for (guint i = 0; i < m.asked->len; i++) {
        const char *a = m.asked->pdata[i];

        g_assert_null(strstr(a, "h=09"));
        g_assert_null(strstr(a, "h=11"));
        g_assert_null(strstr(a, "d=02"));
    }
    g_assert_cmpstr(g_ptr_array_index(m.asked, m.asked->len - 1), ==,
                    RES "y=2026/m=12/d=01/h=10/|");
    g_ptr_array_unref(m.asked);
}

static void
test_walk_days(void)
{
    Mem m = { container, g_ptr_array_new_with_free_func(g_free), 1000 };
    /* Three days: listed a day at a time, filtered by hour. */
    FlAzWalkConfig wc = { RES, TRUE, 1796083200 - 3600,
                          1796083200 + 2 * 86400 };
    g_autoptr(GPtrArray) got = walk_all(&wc, &m);
    gboolean day_prefix = FALSE;

    g_assert_cmpuint(got->len, ==, 6);
    for (guint i = 0; i < m.asked->len; i++)
        if (g_str_has_suffix(m.asked->pdata[i], "d=01/|"))
            day_prefix = TRUE;
    g_assert_true(day_prefix);
    g_ptr_array_unref(m.asked);
}

static void
test_walk_long(void)
{
    Mem m = { container, g_ptr_array_new_with_free_func(g_free), 1000 };
    /* --until alone: from 1970, so the folder is listed whole. */
    FlAzWalkConfig wc = { "", TRUE, 0, 1796083200 + 10 * 3600 };
    g_autoptr(GPtrArray) got = walk_all(&wc, &m);

    g_assert_cmpuint(got->len, ==, 2);      /* 11-30 h=23, 12-01 h=09 */
    g_assert_cmpuint(m.asked->len, <=, 8);
    g_assert_cmpstr(g_ptr_array_index(m.asked, m.asked->len - 1), ==,
                    RES "|");
    g_ptr_array_unref(m.asked);
}

static void
test_walk_all(void)
{
    Mem m = { container, g_ptr_array_new_with_free_func(g_free), 3 };
    FlAzWalkConfig wc = { "", FALSE, 0, 0 };
    g_autoptr(GPtrArray) got = walk_all(&wc, &m);

    /* Everything ending in .json, in name order, over pages. */
    g_assert_cmpuint(got->len, ==, 6);
    g_assert_cmpstr(got->pdata[0], ==, container[1]);
    g_assert_cmpstr(got->pdata[5], ==, container[7]);
    g_assert_cmpuint(m.asked->len, >=, 3);
    g_ptr_array_unref(m.asked);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/azblob/string-to-sign", test_string_to_sign);
    g_test_add_func("/azblob/content-length", test_content_length);
    g_test_add_func("/azblob/bad-url", test_bad_url);
    g_test_add_func("/azblob/http-date", test_http_date);
    g_test_add_func("/azblob/blob-hour", test_blob_hour);
    g_test_add_func("/azblob/walk-hour", test_walk_hour);
    g_test_add_func("/azblob/walk-days", test_walk_days);
    g_test_add_func("/azblob/walk-long", test_walk_long);
    g_test_add_func("/azblob/walk-all", test_walk_all);
    return g_test_run();
}
