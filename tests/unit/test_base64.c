/*
 * test_base64: fl_base64_decode against GLib's encoder and decoder, and
 * the strictness GLib's decoder lacks.
 */
#include "config.h"

#include <string.h>

#include "decoders/base64.h"

/* Every length 0..300 of random bytes: encode with GLib, decode with ours. */
static void
test_round_trip(void)
{
    GRand *r = g_rand_new_with_seed(7);

    for (gsize n = 0; n <= 300; n++) {
        guint8 in[300], out[300 + 3];
        g_autofree char *b64 = NULL;
        gsize got = 12345;

        for (gsize i = 0; i < n; i++)
            in[i] = (guint8)g_rand_int_range(r, 0, 256);
        b64 = g_base64_encode(in, n);
        g_assert_true(fl_base64_decode(b64, strlen(b64), out, &got));
        g_assert_cmpuint(got, ==, n);
        g_assert_cmpmem(out, got, in, n);
    }
    g_rand_free(r);
}

/* What GLib would pass over, ours refuses. */
static void
test_refused(void)
{
    static const char *bad[] = {
        "abc", "ab=c", "a===", "====", "ab c", "ab\ncd==", "YW Jj",
        "YWJj\x80YWJj", "-_==", "YWJjZA=", "=YWJ", "YWJjZA==YWJj",
    };
    guint8 out[64];
    gsize n;

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_test_message("input %u: '%s'", i, bad[i]);
        g_assert_false(fl_base64_decode(bad[i], strlen(bad[i]), out, &n));
    }
}

/* Leftover bits in the last character are ignored, like GLib. */
static void
test_like_glib(void)
{
    static const char *ok[] = { "", "YQ==", "YR==", "YWI=", "YWJ=", "YWJj",
                                "+/+/", "AAAA////" };
    guint8 out[64];

    for (guint i = 0; i < G_N_ELEMENTS(ok); i++) {
        gsize n, glen;
        g_autofree guchar *want = g_base64_decode(ok[i], &glen);

        g_assert_true(fl_base64_decode(ok[i], strlen(ok[i]), out, &n));
        g_assert_cmpmem(out, n, want, glen);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/base64/round-trip", test_round_trip);
    g_test_add_func("/base64/refused", test_refused);
    g_test_add_func("/base64/like-glib", test_like_glib);
    return g_test_run();
}
