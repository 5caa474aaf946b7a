/*
 * test_recover.c - the cut of a leftover rotating file at its last whole
 * IPFIX message: the scanner (recover.c) over every chunking of hand-made
 * messages, and fl_rotator_open() completing a plain and a gzip temporary
 * file whose last message is torn.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "error.h"
#include "log.h"
#include "output/recover.h"
#include "output/rotate.h"

static void
put16(GByteArray *b, guint16 v)
{
    guint8 x[2] = { (guint8)(v >> 8), (guint8)v };

    g_byte_array_append(b, x, 2);
}

static void
put32(GByteArray *b, guint32 v)
{
    put16(b, (guint16)(v >> 16));
    put16(b, (guint16)v);
}

/* A message header; its length is patched by end_msg(). */
static guint
begin_msg(GByteArray *b, guint32 seq)
{
    guint at = b->len;

    put16(b, 10);
    put16(b, 0);
    put32(b, 1700000000);
    put32(b, seq);
    put32(b, 1);
    return at;
}

static void
end_msg(GByteArray *b, guint at)
{
    guint len = b->len - at;

    b->data[at + 2] = (guint8)(len >> 8);
    b->data[at + 3] = (guint8)len;
}

/* Template 256: sourceIPv4Address (8, 4 bytes), packetDeltaCount (2, 8);
 * options template 257 with one scope field, observationDomainId. */
static void
templates(GByteArray *b)
{
    put16(b, 2), put16(b, 4 + 4 + 8);
    put16(b, 256), put16(b, 2), put16(b, 8), put16(b, 4), put16(b, 2),
        put16(b, 8);
    put16(b, 3), put16(b, 4 + 6 + 4);
    put16(b, 257), put16(b, 1), put16(b, 1), put16(b, 149), put16(b, 4);
}

static void
data_set(GByteArray *b, guint16 tid, guint n)
{
    put16(b, tid), put16(b, (guint16)(4 + n * 12));
    for (guint i = 0; i < n; i++)
        put32(b, 0x0a000000 + i), put32(b, 0), put32(b, i);
}

/* templates+options data | flow data | flow data: three whole messages. */
static GByteArray *
three_messages(void)
{
    GByteArray *b = g_byte_array_new();
    guint at = begin_msg(b, 0);

    templates(b);
    put16(b, 257), put16(b, 8), put32(b, 1);
    end_msg(b, at);
    for (guint m = 1; m < 3; m++) {
        at = begin_msg(b, m);
        data_set(b, 256, 5 * m);
        end_msg(b, at);
    }
    return b;
}

static FlIpfixScan *
scan_in_chunks(const guint8 *p, gsize len, gsize chunk)
{
    FlIpfixScan *s = fl_ipfix_scan_new();

    for (gsize off = 0; off < len; off += chunk)
        fl_ipfix_scan_feed(s, p + off, MIN(chunk, len - off));
    return s;
}

static void
test_whole(void)
{
    g_autoptr(GByteArray) b = three_messages();

    for (gsize chunk = 1; chunk <= b->len; chunk++) {
        g_autoptr(FlIpfixScan) s = scan_in_chunks(b->data, b->len, chunk);

        g_assert_cmpuint(fl_ipfix_scan_kept(s), ==, b->len);
        g_assert_cmpuint(fl_ipfix_scan_seen(s), ==, b->len);
        g_assert_cmpuint(fl_ipfix_scan_messages(s), ==, 3);
        g_assert_cmpuint(fl_ipfix_scan_flow_sets(s), ==, 2);
        g_assert_null(fl_ipfix_scan_why(s));
    }
}

/* Every cut of the data keeps exactly the whole messages before it. */
static void
test_torn(void)
{
    g_autoptr(GByteArray) b = three_messages();
    guint ends[3], n = 0;

    for (guint off = 0; off < b->len; n++) {
        off += (guint)((b->data[off + 2] << 8) | b->data[off + 3]);
        ends[n] = off;
    }
    for (guint len = 0; len < b->len; len++) {
        g_autoptr(FlIpfixScan) s = scan_in_chunks(b->data, len, 7);
        guint whole = 0;

        while (whole < 3 && ends[whole] <= len)
            whole++;
        g_assert_cmpuint(fl_ipfix_scan_messages(s), ==, whole);
        g_assert_cmpuint(fl_ipfix_scan_kept(s), ==,
                         whole ? ends[whole - 1] : 0);
        g_assert_cmpuint(fl_ipfix_scan_flow_sets(s), ==,
                         whole > 1 ? whole - 1 : 0);
        if (len == (whole ? ends[whole - 1] : 0))
            g_assert_null(fl_ipfix_scan_why(s));
        else
            g_assert_nonnull(fl_ipfix_scan_why(s));
    }
}

/* Malformed: stops before the bad message, ignores what follows. */
static void
test_bad(void)
{
    for (guint what = 0; what < 5; what++) {
        g_autoptr(GByteArray) b = three_messages();
        g_autoptr(FlIpfixScan) s = fl_ipfix_scan_new();
        guint keep = b->len, at = begin_msg(b, 9);

        switch (what) {
        case 0:                                 /* unknown template */
            data_set(b, 300, 1);
            break;
        case 1:                                 /* set overruns */
            put16(b, 256), put16(b, 200), put32(b, 0);
            break;
        case 2:                                 /* set length < 4 */
            put16(b, 256), put16(b, 2), put32(b, 0);
            break;
        case 3:                                 /* reserved set ID */
            put16(b, 1), put16(b, 8), put32(b, 0);
            break;
        default:                                /* version 9 */
            data_set(b, 256, 1);
            b->data[at + 1] = 9;
            break;
        }
        end_msg(b, at);
        /* a good message after the bad one is not kept */
        at = begin_msg(b, 10);
        data_set(b, 256, 1);
        end_msg(b, at);
        g_assert_false(fl_ipfix_scan_feed(s, b->data, b->len));
        g_assert_cmpuint(fl_ipfix_scan_kept(s), ==, keep);
        g_assert_cmpuint(fl_ipfix_scan_messages(s), ==, 3);
        g_assert_nonnull(fl_ipfix_scan_why(s));
    }
}

/* ---- fl_rotator_open() on a directory with leftovers ----------------- */

static char *
make_dir(void)
{
    g_autoptr(GError) err = NULL;
    char *d = g_dir_make_tmp("test_recover-XXXXXX", &err);

    g_assert_no_error(err);
    return d;
}

/* Files of dir other than the lock, sorted. */
static GPtrArray *
list_dir(const char *dir)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;

    while ((n = g_dir_read_name(d)) != NULL)
        if (strcmp(n, ".flowlog2ipfix.lock") != 0)
            g_ptr_array_add(a, g_strdup(n));
    g_dir_close(d);
    return a;
}

static void
remove_dir(const char *dir)
{
    g_autoptr(GPtrArray) a = list_dir(dir);
    g_autofree char *lock = g_build_filename(dir, ".flowlog2ipfix.lock",
                                             NULL);

    for (guint i = 0; i < a->len; i++) {
        g_autofree char *p = g_build_filename(dir, a->pdata[i], NULL);
        g_unlink(p);
    }
    g_unlink(lock);
    g_rmdir(dir);
}

/* Opens and closes a rotator on dir (keeping no file of its own). */
static void
open_close(const char *dir, FlRotateCompress compress)
{
    FlRotateConfig cfg = { dir, NULL, 0, 0, compress };
    g_autoptr(GError) err = NULL;
    FlRotator *r = fl_rotator_open(&cfg, &err);
    guint64 bytes;

    g_assert_no_error(err);
    g_assert_nonnull(r);
    g_assert_true(fl_rotator_close(r, FALSE, &bytes, &err));
    g_assert_no_error(err);
}

/* The only file in dir, by the final-name pattern and extension. */
static char *
only_final(const char *dir, const char *ext)
{
    g_autoptr(GPtrArray) a = list_dir(dir);
    g_autofree char *pat = g_strconcat("flowlog2ipfix-*-00000",
                                       ext, NULL);

    g_assert_cmpuint(a->len, ==, 1);
    g_assert_true(g_pattern_match_simple(pat, a->pdata[0]));
    return g_build_filename(dir, a->pdata[0], NULL);
}

static void
test_plain_leftover(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *tmp = g_build_filename(
        dir, ".flowlog2ipfix-20240101000000-00003.ipfix.tmp", NULL);
    g_autoptr(GByteArray) b = three_messages();
    g_autofree char *path = NULL;
    g_autofree gchar *got = NULL;
    gsize whole = b->len, len;

    /* a torn fourth message: its header says more than is there */
    put16(b, 10), put16(b, 100), put32(b, 0), put32(b, 3), put32(b, 1);
    put16(b, 256), put16(b, 84);
    g_assert_true(g_file_set_contents(tmp, (char *)b->data, b->len, NULL));
    g_test_expect_message("flowlog2ipfix", G_LOG_LEVEL_WARNING,
                          "*00003.ipfix.tmp: completed*kept 3 message(s) / "
                          "274 bytes, cut 20 bytes: the last message is cut "
                          "short");
    open_close(dir, FL_ROTATE_PLAIN);
    g_test_assert_expected_messages();
    path = only_final(dir, ".ipfix");
    g_assert_true(g_file_get_contents(path, &got, &len, NULL));
    g_assert_cmpmem(got, len, b->data, whole);
    remove_dir(dir);
}

static void
test_templates_only(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *tmp = g_build_filename(
        dir, ".flowlog2ipfix-20240101000000-00000.ipfix.tmp", NULL);
    g_autoptr(GByteArray) b = three_messages();
    g_autoptr(GPtrArray) a = NULL;
    guint first = (guint)((b->data[2] << 8) | b->data[3]);

    /* the first message and half of the second */
    g_assert_true(g_file_set_contents(tmp, (char *)b->data, first + 20,
                                      NULL));
    g_test_expect_message("flowlog2ipfix", G_LOG_LEVEL_WARNING,
                          "*: removed an incomplete file*no flow record in "
                          "its 1 whole message(s)*");
    open_close(dir, FL_ROTATE_PLAIN);
    g_test_assert_expected_messages();
    a = list_dir(dir);
    g_assert_cmpuint(a->len, ==, 0);
    remove_dir(dir);
}

/* gzip as the writer leaves it: sync-flushed, no trailer, cut short. */
static void
test_gzip_leftover(void)
{
    g_autofree char *dir = make_dir();
    g_autofree char *tmp = g_build_filename(
        dir, ".flowlog2ipfix-20240101000000-00000.ipfix.gz.tmp", NULL);
    g_autoptr(GByteArray) b = three_messages();
    g_autofree char *path = NULL;
    guint8 out[4096], got[4096];
    z_stream z = { 0 };
    gsize whole = b->len, zlen;
    gzFile gz;
    int n;

    put16(b, 10), put16(b, 100), put32(b, 0);   /* torn */
    g_assert_cmpint(deflateInit2(&z, 3, Z_DEFLATED, 15 + 16, 8,
                                 Z_DEFAULT_STRATEGY), ==, Z_OK);
    z.next_in = b->data;
    z.avail_in = b->len;
    z.next_out = out;
    z.avail_out = sizeof out;
    g_assert_cmpint(deflate(&z, Z_SYNC_FLUSH), ==, Z_OK);
    zlen = sizeof out - z.avail_out;
    deflateEnd(&z);
    g_assert_true(g_file_set_contents(tmp, (char *)out, (gssize)zlen, NULL));
    /* today's options say plain: the file says gzip */
    g_test_expect_message("flowlog2ipfix", G_LOG_LEVEL_WARNING,
                          "*.gz.tmp: completed*.ipfix.gz: kept 3 message(s) "
                          "/ 274 bytes uncompressed, cut 8 bytes*");
    open_close(dir, FL_ROTATE_PLAIN);
    g_test_assert_expected_messages();
    path = only_final(dir, ".ipfix.gz");
    gz = gzopen(path, "rb");
    g_assert_nonnull(gz);
    n = gzread(gz, got, sizeof got);
    g_assert_cmpint(gzclose(gz), ==, Z_OK);     /* a complete stream */
    g_assert_cmpint(n, ==, (int)whole);
    g_assert_cmpmem(got, n, b->data, whole);
    remove_dir(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/recover/whole", test_whole);
    g_test_add_func("/recover/torn", test_torn);
    g_test_add_func("/recover/bad", test_bad);
    g_test_add_func("/recover/plain-leftover", test_plain_leftover);
    g_test_add_func("/recover/templates-only", test_templates_only);
    g_test_add_func("/recover/gzip-leftover", test_gzip_leftover);
    return g_test_run();
}
