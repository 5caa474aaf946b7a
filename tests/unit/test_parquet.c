/*
 * test_parquet.c - the Thrift compact reader and the Parquet encodings,
 * table-driven from the bytes the specs give (thrift-compact-protocol.md,
 * parquet-format Encodings.md).
 */
#include "config.h"

#include <string.h>

#include "decoders/decode.h"
#include "decoders/parquet_encoding.h"
#include "decoders/parquet_meta.h"
#include "decoders/thrift_compact.h"
#include "error.h"

#define B(s) (const guint8 *)(s), sizeof(s) - 1

/* ---- Thrift ------------------------------------------------------------ */

static void
test_thrift_ints(void)
{
    FlThrift t;
    /* zigzag varints: 0, -1, 1, -2, 150 (300 = 0xac 0x02), i64 max */
    static const guint8 b[] = { 0x00, 0x01, 0x02, 0x03, 0xac, 0x02,
        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };

    fl_thrift_init(&t, b, sizeof b);
    g_assert_cmpint(fl_thrift_i32(&t), ==, 0);
    g_assert_cmpint(fl_thrift_i32(&t), ==, -1);
    g_assert_cmpint(fl_thrift_i32(&t), ==, 1);
    g_assert_cmpint(fl_thrift_i32(&t), ==, -2);
    g_assert_cmpint(fl_thrift_i32(&t), ==, 150);
    g_assert_cmpint(fl_thrift_i64(&t), ==, G_MAXINT64);
    g_assert_false(fl_thrift_failed(&t));
    g_assert_cmpuint(fl_thrift_pos(&t), ==, sizeof b);

    /* an i32 field holding 2^31 is out of range */
    fl_thrift_init(&t, B("\x80\x80\x80\x80\x10"));
    (void)fl_thrift_i32(&t);
    g_assert_true(fl_thrift_failed(&t));

    /* truncated, and eleven bytes long */
    fl_thrift_init(&t, B("\x80\x80"));
    (void)fl_thrift_i64(&t);
    g_assert_cmpstr(t.error, ==, "truncated varint");
    fl_thrift_init(&t, B("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"));
    (void)fl_thrift_i64(&t);
    g_assert_cmpstr(t.error, ==, "varint too long");
}

static void
test_thrift_fields(void)
{
    FlThrift t;
    FlThriftType ft;
    gint16 id;
    const guint8 *p;
    guint32 n;
    /* struct { 1: i32 5, 3: string "ab", 4: bool true,
     *          300: i64 -1 (long form), 301: bool false } */
    static const guint8 b[] = { 0x15, 0x0a, 0x28, 0x02, 'a', 'b', 0x11,
        0x06, 0xd8, 0x04, 0x01, 0x12, 0x00 };

    fl_thrift_init(&t, b, sizeof b);
    g_assert_true(fl_thrift_struct_begin(&t));
    g_assert_true(fl_thrift_field(&t, &ft, &id));
    g_assert_cmpint(id, ==, 1);
    g_assert_cmpint(ft, ==, FL_THRIFT_I32);
    g_assert_cmpint(fl_thrift_i32(&t), ==, 5);
    g_assert_true(fl_thrift_field(&t, &ft, &id));
    g_assert_cmpint(id, ==, 3);
    g_assert_true(fl_thrift_binary(&t, &p, &n));
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpmem(p, 2, "ab", 2);
    g_assert_true(fl_thrift_field(&t, &ft, &id));
    g_assert_cmpint(id, ==, 4);
    g_assert_true(fl_thrift_bool(&t, ft));
    g_assert_true(fl_thrift_field(&t, &ft, &id));
    g_assert_cmpint(id, ==, 300);
    g_assert_cmpint(fl_thrift_i64(&t), ==, -1);
    g_assert_true(fl_thrift_field(&t, &ft, &id));
    g_assert_cmpint(id, ==, 301);                 /* delta from 300 */
    g_assert_false(fl_thrift_bool(&t, ft));
    g_assert_false(fl_thrift_field(&t, &ft, &id));  /* STOP */
    g_assert_false(fl_thrift_failed(&t));
    g_assert_cmpuint(t.depth, ==, 0);
}

static void
test_thrift_lists(void)
{
    FlThrift t;
    FlThriftType elem;
    guint8 big[64];

    /* short form: 3 x i32 */
    fl_thrift_init(&t, B("\x35\x02\x04\x06"));
    g_assert_cmpuint(fl_thrift_list(&t, &elem), ==, 3);
    g_assert_cmpint(elem, ==, FL_THRIFT_I32);
    g_assert_cmpint(fl_thrift_i32(&t), ==, 1);
    /* long form: size 20 follows as a varint */
    memset(big, 0, sizeof big);
    big[0] = 0xf5;
    big[1] = 20;
    fl_thrift_init(&t, big, 22);
    g_assert_cmpuint(fl_thrift_list(&t, &elem), ==, 20);
    /* ... but a list of 20 in 10 bytes is refused before any use */
    fl_thrift_init(&t, big, 12);
    g_assert_cmpuint(fl_thrift_list(&t, &elem), ==, 0);
    g_assert_cmpstr(t.error, ==, "list longer than its bytes");
    /* a binary longer than the buffer */
    {
        const guint8 *p;
        guint32 n;

        fl_thrift_init(&t, B("\x10" "abc"));
        g_assert_false(fl_thrift_binary(&t, &p, &n));
        g_assert_cmpstr(t.error, ==, "binary length past the end");
    }
}

static void
test_thrift_skip(void)
{
    FlThrift t;
    FlThriftType ft;
    gint16 id;
    /* struct { 1: struct { 1: list<binary> ["x"], 2: map<i32,i32> {1: 2},
     *          3: double }, 2: i32 7 } */
    static const guint8 b[] = { 0x1c, 0x19, 0x18, 0x01, 'x', 0x1b, 0x01,
        0x55, 0x02, 0x04, 0x17, 1, 2, 3, 4, 5, 6, 7, 8, 0x00, 0x15, 0x0e,
        0x00 };

    fl_thrift_init(&t, b, sizeof b);
    fl_thrift_struct_begin(&t);
    g_assert_true(fl_thrift_field(&t, &ft, &id));
    g_assert_true(fl_thrift_skip(&t, ft));
    g_assert_true(fl_thrift_field(&t, &ft, &id));
    g_assert_cmpint(id, ==, 2);
    g_assert_cmpint(fl_thrift_i32(&t), ==, 7);
    g_assert_false(fl_thrift_field(&t, &ft, &id));
    g_assert_false(fl_thrift_failed(&t));
}

static void
test_thrift_deep(void)
{
    /* 10,000 nested structs: refused at the depth limit, no recursion
     * past it (this would overflow the stack otherwise). */
    gsize depth = 10000, n = 2 * depth + 1;
    g_autofree guint8 *b = g_malloc(n);
    FlThrift t;

    for (gsize i = 0; i < depth; i++)
        b[i] = 0x1c;                   /* field 1, struct */
    memset(b + depth, 0, n - depth);
    fl_thrift_init(&t, b, n);
    g_assert_false(fl_thrift_skip(&t, FL_THRIFT_STRUCT));
    g_assert_cmpstr(t.error, ==, "structures nested too deep");
    /* and lists of lists */
    memset(b, 0x19, depth);            /* list of one list, ... */
    fl_thrift_init(&t, b, n);
    g_assert_false(fl_thrift_skip(&t, FL_THRIFT_LIST));
    g_assert_nonnull(t.error);
}

/* ---- RLE / bit-packed hybrid -------------------------------------------- */

static void
test_rle(void)
{
    FlPqRle r;
    guint32 v[16];
    /* Encodings.md: 0..7 in width 3, bit-packed: header (1 group << 1 |
     * 1) then 10001000 11000110 11111010; then a run of 5 x 4. */
    static const guint8 b[] = { 0x03, 0x88, 0xc6, 0xfa, 0x0a, 0x04 };

    g_assert_true(fl_pq_rle_init(&r, b, sizeof b, 3));
    g_assert_true(fl_pq_rle_read(&r, v, 3));
    g_assert_true(fl_pq_rle_read(&r, v + 3, 10));  /* across the runs */
    for (guint i = 0; i < 8; i++)
        g_assert_cmpuint(v[i], ==, i);
    for (guint i = 8; i < 13; i++)
        g_assert_cmpuint(v[i], ==, 4);
    g_assert_false(fl_pq_rle_read(&r, v, 1));      /* no more data */

    /* a bit-packed run that claims more bytes than there are */
    g_assert_true(fl_pq_rle_init(&r, B("\x05\xff"), 8));
    g_assert_true(fl_pq_rle_read(&r, v, 1));
    g_assert_false(fl_pq_rle_read(&r, v, 1));
    /* widths above 32 are refused */
    g_assert_false(fl_pq_rle_init(&r, B("\x02\x01"), 33));
}

/* ---- DELTA_BINARY_PACKED ----------------------------------------------- */

static void
test_delta(void)
{
    FlPqDelta d;
    gint64 v[8];
    /* 1, 2, 3, 4, 5: block 128, 4 miniblocks, 5 values, first 1; one
     * block: min delta 1, widths 0 0 0 0 */
    static const guint8 ex1[] = { 0x80, 0x01, 0x04, 0x05, 0x02, 0x02,
        0, 0, 0, 0 };
    /* 7, 5, 3, 1, 2, 3, 4, 5: min delta -2, width 2 for the first
     * miniblock (32 values x 2 bits = 8 bytes), relative deltas
     * 0 0 0 3 3 3 3 */
    static const guint8 ex2[] = { 0x80, 0x01, 0x04, 0x08, 0x0e, 0x03,
        2, 0, 0, 0, 0xc0, 0xff, 0, 0, 0, 0, 0, 0, 0xaa };

    g_assert_true(fl_pq_delta_init(&d, ex1, sizeof ex1, 64));
    g_assert_true(fl_pq_delta_end(&d) == ex1 + sizeof ex1);
    g_assert_true(fl_pq_delta_read(&d, v, 2));
    g_assert_true(fl_pq_delta_read(&d, v + 2, 3));
    for (guint i = 0; i < 5; i++)
        g_assert_cmpint(v[i], ==, i + 1);
    g_assert_false(fl_pq_delta_read(&d, v, 1));

    g_assert_true(fl_pq_delta_init(&d, ex2, sizeof ex2, 32));
    g_assert_true(fl_pq_delta_end(&d) == ex2 + sizeof ex2 - 1);
    g_assert_true(fl_pq_delta_read(&d, v, 8));
    {
        static const gint64 want[] = { 7, 5, 3, 1, 2, 3, 4, 5 };
        for (guint i = 0; i < 8; i++)
            g_assert_cmpint(v[i], ==, want[i]);
    }
    /* a miniblock cut short, and a block size that is not 128 x k */
    g_assert_true(fl_pq_delta_init(&d, ex2, 12, 32));
    g_assert_null(fl_pq_delta_end(&d));
    g_assert_false(fl_pq_delta_read(&d, v, 8));
    g_assert_false(fl_pq_delta_init(&d, B("\x08\x01\x05\x02"), 64));
    /* a width above the type's bits */
    {
        static const guint8 wide[] = { 0x80, 0x01, 0x04, 0x02, 0x00, 0x00,
            33, 0, 0, 0 };
        g_assert_true(fl_pq_delta_init(&d, wide, sizeof wide, 32));
        g_assert_true(fl_pq_delta_read(&d, v, 1));
        g_assert_false(fl_pq_delta_read(&d, v, 1));
    }
}

/* ---- values from strings ----------------------------------------------- */

static void
test_decode_value(void)
{
    FlValue v;
    FlReject why;

    g_assert_true(fl_decode_value(FL_KIND_UINT, 65535, "443", 3, &v, &why));
    g_assert_cmpuint(v.u, ==, 443);
    g_assert_false(fl_decode_value(FL_KIND_UINT, 65535, "65536", 5, &v,
                                   &why));
    g_assert_cmpint(why, ==, FL_REJECT_NUMBER);
    g_assert_false(fl_decode_value(FL_KIND_UINT, 65535, "4x", 2, &v, &why));
    g_assert_true(fl_decode_value(FL_KIND_ADDR, 0, "2001:db8::1", 11, &v,
                                  &why));
    g_assert_cmpuint(v.a.family, ==, 6);
    g_assert_false(fl_decode_value(FL_KIND_ADDR, 0, "10.0.0", 6, &v, &why));
    g_assert_cmpint(why, ==, FL_REJECT_ADDRESS);
    g_assert_true(fl_decode_value(FL_KIND_ACTION, 0, "REJECT", 6, &v, &why));
    g_assert_cmpuint(v.u, ==, FL_ACTION_REJECT);
    g_assert_false(fl_decode_value(FL_KIND_LOG_STATUS, 0, "ok", 2, &v,
                                   &why));
    g_assert_cmpint(why, ==, FL_REJECT_VALUE);
    g_assert_false(fl_decode_value(FL_KIND_STRING, 0, "a\001b", 3, &v,
                                   &why));
    g_assert_cmpint(why, ==, FL_REJECT_BINARY);
}

/* ---- the footer -------------------------------------------------------- */

static void
test_meta_bounds(void)
{
    GError *err = NULL;
    /* footer length 0x7fffffff in a 16-byte file */
    static const guint8 f[] = "PAR1\0\0\0\0\xff\xff\xff\x7fPAR1";

    g_assert_null(fl_pq_meta_parse(f, sizeof f - 1, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    g_assert_nonnull(strstr(err->message, "past the start of the file"));
    g_clear_error(&err);
    g_assert_null(fl_pq_meta_parse((const guint8 *)"PAR1", 4, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    g_clear_error(&err);
    /* an empty footer struct: no schema */
    {
        static const guint8 e[] = "PAR1\x00\x01\0\0\0PAR1";
        g_assert_null(fl_pq_meta_parse(e, sizeof e - 1, &err));
        g_assert_nonnull(strstr(err->message, "without a schema"));
        g_clear_error(&err);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/thrift/ints", test_thrift_ints);
    g_test_add_func("/thrift/fields", test_thrift_fields);
    g_test_add_func("/thrift/lists", test_thrift_lists);
    g_test_add_func("/thrift/skip", test_thrift_skip);
    g_test_add_func("/thrift/deep", test_thrift_deep);
    g_test_add_func("/parquet/rle", test_rle);
    g_test_add_func("/parquet/delta", test_delta);
    g_test_add_func("/parquet/decode_value", test_decode_value);
    g_test_add_func("/parquet/meta_bounds", test_meta_bounds);
    return g_test_run();
}
