/*
 * snappy.c - raw Snappy decompression (snappy.h).
 *
 * The stream: the uncompressed length as a little-endian base-128
 * varint, then elements, each a tag byte whose low two bits say what it
 * is: 00 a literal (length - 1 in the upper six bits, or, for 60 to 63,
 * in the next 1 to 4 bytes), 01 a copy of 4 to 11 bytes with an 11-bit
 * offset, 10 a copy of 1 to 64 bytes with a 16-bit offset, 11 the same
 * with a 32-bit offset.  A copy reads offset bytes back in the output and
 * may overlap what it writes (offset < length repeats a pattern).
 */
#include "config.h"

#include <string.h>

#include "decoders/snappy.h"

gboolean
fl_snappy_length(const guint8 *in, gsize in_len, gsize *out_len)
{
    guint64 v = 0;

    for (gsize i = 0; i < in_len && i < 5; i++) {
        v |= (guint64)(in[i] & 0x7f) << (7 * i);
        if (!(in[i] & 0x80)) {
            if (v > G_MAXUINT32)
                return FALSE;
            *out_len = (gsize)v;
            return TRUE;
        }
    }
    return FALSE;
}

static inline guint32
le(const guint8 *p, guint n)
{
    guint32 v = 0;

    for (guint i = 0; i < n; i++)
        v |= (guint32)p[i] << (8 * i);
    return v;
}

/*
 * A copy that may overlap its source.  room: bytes of out from at on.
 * With an offset of 8 or more and room to spare, 8 bytes at a time (each
 * 8 bytes read lie wholly before the ones written, so a repeated pattern
 * comes out right), writing up to 7 bytes past the copy that the next
 * elements overwrite: fixed-size copies compile to single moves, where a
 * memcpy of a few bytes is a call.  Else byte by byte.
 */
static inline void
copy_back(guint8 *out, gsize at, gsize offset, gsize len, gsize room)
{
    if (offset >= 8 && room >= len + 8) {
        guint8 *d = out + at;
        const guint8 *s = d - offset;

        for (gsize i = 0; i < len; i += 8)
            memcpy(d + i, s + i, 8);
        return;
    }
    if (offset >= len) {
        memcpy(out + at, out + at - offset, len);
        return;
    }
    for (gsize i = 0; i < len; i++)
        out[at + i] = out[at + i - offset];
}

gboolean
fl_snappy_uncompress(const guint8 *in, gsize in_len, guint8 *out,
                     gsize out_len, const char **why)
{
    const guint8 *p = in, *end = in + in_len;
    gsize want, at = 0;

    if (!fl_snappy_length(in, in_len, &want)) {
        *why = "invalid length preamble";
        return FALSE;
    }
    if (want != out_len) {
        *why = "length differs from the page header";
        return FALSE;
    }
    while (*p & 0x80)
        p++;
    p++;
    /* A hot loop over every byte of a SNAPPY page: kept in one piece. */
    while (p < end) {
        guint tag = *p++;
        gsize len, offset;

        if ((tag & 3) == 0) {
            len = (tag >> 2) + 1;
            if (len > 60) {
                guint n = (guint)len - 60;     /* 1 to 4 length bytes */

                if ((gsize)(end - p) < n)
                    goto truncated;
                len = (gsize)le(p, n) + 1;
                p += n;
            }
            if ((gsize)(end - p) < len || out_len - at < len)
                goto overflow;
            /* Most literals are short: one 16-byte move when both sides
             * have the room (the bytes past len are overwritten next). */
            if (len <= 16 && (gsize)(end - p) >= 16 && out_len - at >= 16)
                memcpy(out + at, p, 16);
            else
                memcpy(out + at, p, len);
            p += len;
            at += len;
            continue;
        }
        if ((tag & 3) == 1) {
            if (end - p < 1)
                goto truncated;
            len = 4 + ((tag >> 2) & 7);
            offset = (gsize)(tag >> 5) << 8 | *p++;
        } else {
            guint n = (tag & 3) == 2 ? 2 : 4;

            if ((gsize)(end - p) < n)
                goto truncated;
            len = (tag >> 2) + 1;
            offset = le(p, n);
            p += n;
        }
        if (offset == 0 || offset > at) {
            *why = "copy from before the start";
            return FALSE;
        }
        if (out_len - at < len)
            goto overflow;
        copy_back(out, at, offset, len, out_len - at);
        at += len;
    }
    if (at != out_len) {
        *why = "shorter than its announced length";
        return FALSE;
    }
    return TRUE;
truncated:
    *why = "cut short";
    return FALSE;
overflow:
    *why = "an element past the end of the input or the output";
    return FALSE;
}
