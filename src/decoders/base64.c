/*
 * base64.c - strict one-pass base64 decoding (base64.h).
 */
#include "config.h"

#include "decoders/base64.h"

/* A character's 6 bits, or -1 outside the alphabet (padding included). */
static const gint8 sextet[256] = {
#define X -1
#define X16 X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X
    X16, X16,
    X, X, X, X, X, X, X, X, X, X, X, 62, X, X, X, 63,          /* + / */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,  /* 0-9 */
    X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,       /* A-O */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, X, /* P-Z */
    X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
    X16, X16, X16, X16, X16, X16, X16, X16
#undef X16
#undef X
};

gboolean
fl_base64_decode(const char *s, gsize len, guint8 *out, gsize *out_len)
{
    const guint8 *u = (const guint8 *)s;
    gsize pad, i, o = 0;
    gint32 a, b, c, d;

    if (len % 4 != 0)
        return FALSE;
    if (len == 0) {
        *out_len = 0;
        return TRUE;
    }
    pad = u[len - 1] == '=' ? (u[len - 2] == '=' ? 2 : 1) : 0;
    /* Every quantum but the last: a negative sextet marks a bad byte. */
    for (i = 0; i + 4 < len; i += 4) {
        a = sextet[u[i]];
        b = sextet[u[i + 1]];
        c = sextet[u[i + 2]];
        d = sextet[u[i + 3]];
        if ((a | b | c | d) < 0)
            return FALSE;
        a = a << 18 | b << 12 | c << 6 | d;
        out[o] = (guint8)(a >> 16);
        out[o + 1] = (guint8)(a >> 8);
        out[o + 2] = (guint8)a;
        o += 3;
    }
    /* The last quantum, with its padding in place of sextets. */
    a = sextet[u[i]];
    b = sextet[u[i + 1]];
    c = pad >= 2 ? 0 : sextet[u[i + 2]];
    d = pad >= 1 ? 0 : sextet[u[i + 3]];
    if ((a | b | c | d) < 0)
        return FALSE;
    a = a << 18 | b << 12 | c << 6 | d;
    out[o++] = (guint8)(a >> 16);
    if (pad < 2)
        out[o++] = (guint8)(a >> 8);
    if (pad < 1)
        out[o++] = (guint8)a;
    *out_len = o;
    return TRUE;
}
