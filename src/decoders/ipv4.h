/*
 * ipv4.h - the dotted-quad reader every decoder shares.
 *
 * Inline because it sits on the per-record path of the text and Parquet
 * decoders.  It accepts what the text decoder always has: four decimal
 * numbers of one to three digits, each at most 255, joined by dots,
 * nothing before or after.
 */
#ifndef FL_IPV4_H
#define FL_IPV4_H

#include <glib.h>

/* The four bytes of s[0..len) into out; FALSE when it is not a dotted
 * quad (out then holds garbage). */
static inline gboolean
fl_ipv4_parse(const char *s, gsize len, guint8 *out)
{
    const guint8 *p = (const guint8 *)s, *end = p + len;

    for (int i = 0; i < 4; i++) {
        guint v, d;

        if (p == end || (v = (guint)*p - '0') > 9)
            return FALSE;
        p++;
        if (p < end && (d = (guint)*p - '0') <= 9) {
            v = v * 10 + d;
            p++;
            if (p < end && (d = (guint)*p - '0') <= 9) {
                v = v * 10 + d;
                p++;
            }
        }
        if (v > 255)
            return FALSE;
        out[i] = (guint8)v;
        if (i < 3) {
            if (p == end || *p != '.')
                return FALSE;
            p++;
        }
    }
    return p == end;
}

#endif
