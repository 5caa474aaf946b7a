/*
 * test_snappy: the raw Snappy decoder on hand-made streams (every element
 * kind, overlapping copies) and on damaged ones.  Real streams from two
 * independent writers are decoded by tests/integration/parquet_equiv.py.
 */
#include "config.h"

#include <string.h>

#include "decoders/snappy.h"

/* "abcabcabcabXYXYXabc" as: literal "abc", copy-1 len 8 offset 3 (an
 * overlapping pattern), literal "XY" in the 1-byte length form, then a
 * copy with a 2-byte offset (overlapping) and one with a 4-byte offset. */
static void
test_elements(void)
{
    static const guint8 in[] = {
        19,                             /* length 19 */
        0x08, 'a', 'b', 'c',            /* literal, 3 bytes */
        0x01 | (4 << 2), 3,             /* copy-1: 8 bytes, offset 3 */
        0xf0, 1, 'X', 'Y',              /* literal, length in 1 byte: 2 */
        0x02 | (2 << 2), 2, 0,          /* copy-2: 3 bytes, offset 2 */
        0x03 | (2 << 2), 13, 0, 0, 0,   /* copy-4: 3 bytes, offset 13 */
    };
    const char *want = "abcabcabcabXYXYXabc";
    guint8 out[19];
    gsize n = 0;
    const char *why = NULL;

    g_assert_true(fl_snappy_length(in, sizeof in, &n));
    g_assert_cmpuint(n, ==, 19);
    g_assert_true(fl_snappy_uncompress(in, sizeof in, out, sizeof out, &why));
    g_assert_cmpmem(out, 19, want, 19);
}

static void
test_damaged(void)
{
    static const struct { const char *what; guint8 b[8]; gsize len; } c[] = {
        { "no preamble", { 0x80 }, 1 },
        { "literal past the input", { 4, 0x0c, 'a' }, 3 },
        { "copy before the start", { 4, 0x01, 5 }, 3 },
        { "offset 0", { 4, 0x00, 'a', 0x01, 0 }, 5 },
        { "copy past the output", { 2, 0x04, 'a', 'b', 0x01 | (7 << 2), 1 }, 6 },
        { "short", { 5, 0x04, 'a', 'b' }, 4 },
        { "cut tag", { 4, 0x00, 'a', 0x02, 1 }, 5 },
    };
    guint8 out[16];

    for (guint i = 0; i < G_N_ELEMENTS(c); i++) {
        const char *why = NULL;
        gsize n;

        g_test_message("%s", c[i].what);
        if (!fl_snappy_length(c[i].b, c[i].len, &n) || n > sizeof out)
            continue;                   /* refused at the preamble */
        g_assert_false(fl_snappy_uncompress(c[i].b, c[i].len, out, n, &why));
        g_assert_nonnull(why);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/snappy/elements", test_elements);
    g_test_add_func("/snappy/damaged", test_damaged);
    return g_test_run();
}
