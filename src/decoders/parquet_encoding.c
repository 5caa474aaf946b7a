/*
 * parquet_encoding.c - RLE/bit-packed hybrid and DELTA_BINARY_PACKED.
 *
 * Bit packing in both is least-significant bit first (Encodings.md,
 * "RLE"), so a value is a little-endian load shifted and masked.  Every
 * load is checked against the run's bytes first.
 */
#include "config.h"

#include <string.h>

#include "decoders/parquet_encoding.h"

gboolean
fl_pq_uleb(const guint8 **pp, const guint8 *end, guint64 *v)
{
    const guint8 *p = *pp;
    guint64 x = 0;

    for (guint shift = 0; shift < 64 && p < end; shift += 7) {
        guint8 b = *p++;

        if (shift == 63 && b > 1)
            return FALSE;
        x |= (guint64)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            *pp = p;
            *v = x;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
zigzag(const guint8 **pp, const guint8 *end, guint64 *v)
{
    guint64 z;

    if (!fl_pq_uleb(pp, end, &z))
        return FALSE;
    *v = (z >> 1) ^ -(z & 1);
    return TRUE;
}

/* width (<= 64) bits at bit offset off of b; off + width must lie within
 * nbytes * 8 (callers check). */
static inline guint64
get_bits(const guint8 *b, gsize nbytes, guint64 off, guint width)
{
    gsize at = (gsize)(off >> 3);
    guint shift = (guint)(off & 7);
    guint64 x = 0;

    if (width == 0)
        return 0;
    if (at + 8 <= nbytes) {
        memcpy(&x, b + at, 8);
        x = GUINT64_FROM_LE(x) >> shift;
        if (shift + width > 64)
            x |= (guint64)b[at + 8] << (64 - shift);
    } else {
        for (guint i = 0; at + i < nbytes && i < 9; i++) {
            guint s = i * 8;
            if (s >= shift + 64)
                break;
            if (s >= shift)
                x |= (guint64)b[at + i] << (s - shift);
            else
                x |= (guint64)b[at + i] >> (shift - s);
        }
    }
    return width == 64 ? x : x & ((G_GUINT64_CONSTANT(1) << width) - 1);
}

/* ------------------------------------------------------------------ */
/* RLE / bit-packed hybrid                                             */

gboolean
fl_pq_rle_init(FlPqRle *r, const guint8 *p, gsize len, guint bit_width)
{
    memset(r, 0, sizeof *r);
    r->p = p;
    r->end = p + len;
    r->bit_width = bit_width;
    return bit_width <= 32;
}

/* Reads the next run's header. */
static gboolean
rle_next_run(FlPqRle *r)
{
    guint64 h;

    if (!fl_pq_uleb(&r->p, r->end, &h))
        return FALSE;
    if (h & 1) {
        guint64 groups = h >> 1;
        guint64 bytes = groups * r->bit_width;

        if (groups > G_MAXINT32 / 8)
            return FALSE;
        /* The last run of a page may stop short of its padding; a
         * value past the bytes that are there fails when read. */
        r->bp = r->p;
        r->bp_bytes = (gsize)MIN(bytes, (guint64)(r->end - r->p));
        r->p += r->bp_bytes;
        r->bp_left = (guint32)(groups * 8);
        r->bp_bit = 0;
    } else {
        guint nb = (r->bit_width + 7) / 8;
        guint32 v = 0;

        if (h >> 1 > G_MAXINT32 || (gsize)(r->end - r->p) < nb)
            return FALSE;
        for (guint i = 0; i < nb; i++)
            v |= (guint32)r->p[i] << (8 * i);
        r->p += nb;
        r->rle_left = (guint32)(h >> 1);
        r->rle_value = v;
    }
    return TRUE;
}

gboolean
fl_pq_rle_read(FlPqRle *r, guint32 *out, guint n)
{
    while (n > 0) {
        if (r->rle_left > 0) {
            guint k = MIN(n, r->rle_left);

            for (guint i = 0; i < k; i++)
                out[i] = r->rle_value;
            out += k;
            n -= k;
            r->rle_left -= k;
        } else if (r->bp_left > 0) {
            guint k = MIN(n, r->bp_left);
            guint w = r->bit_width;
            guint i = 0;
            /* Loads may reach past the run into the bytes after it (the
             * next runs): the bits wanted were checked to lie in the run,
             * the rest is masked off.  Short runs load fast too. */
            gsize avail = (gsize)(r->end - r->bp);

            if (r->bp_bit + (guint64)k * w > (guint64)r->bp_bytes * 8)
                return FALSE;
            /* Eight values of up to 8 bits are one 64-bit load from a
             * byte boundary (levels, small dictionaries). */
            for (; w <= 8 && i < k && (r->bp_bit & 7) != 0; i++) {
                out[i] = (guint32)get_bits(r->bp, avail, r->bp_bit, w);
                r->bp_bit += w;
            }
            if (w > 8) {
                /* Wider (dictionaries of thousands): one unaligned 64-bit
                 * load a value, while 8 bytes are there. */
                guint64 mask = (G_GUINT64_CONSTANT(1) << w) - 1;

                for (; i < k && (r->bp_bit >> 3) + 8 <= avail; i++) {
                    guint64 x;

                    memcpy(&x, r->bp + (r->bp_bit >> 3), 8);
                    out[i] = (guint32)((GUINT64_FROM_LE(x)
                                        >> (r->bp_bit & 7)) & mask);
                    r->bp_bit += w;
                }
            } else if (w > 0) {
                guint64 mask = (G_GUINT64_CONSTANT(1) << w) - 1;

                for (; i + 8 <= k
                       && (r->bp_bit >> 3) + 8 <= avail; i += 8) {
                    guint64 x;

                    memcpy(&x, r->bp + (r->bp_bit >> 3), 8);
                    x = GUINT64_FROM_LE(x);
                    for (guint j = 0; j < 8; j++)
                        out[i + j] = (guint32)((x >> (j * w)) & mask);
                    r->bp_bit += 8 * w;
                }
            }
            for (; i < k; i++) {
                out[i] = (guint32)get_bits(r->bp, avail, r->bp_bit, w);
                r->bp_bit += w;
            }
            out += k;
            n -= k;
            r->bp_left -= k;
        } else if (r->p >= r->end || !rle_next_run(r)) {
            return FALSE;
        }
    }
    return TRUE;
}

/* ------------------------------------------------------------------ */
/* DELTA_BINARY_PACKED                                                 */

gboolean
fl_pq_delta_init(FlPqDelta *d, const guint8 *p, gsize len, guint bits)
{
    guint64 block, n_mini, total, first;
    const guint8 *end = p + len;

    memset(d, 0, sizeof *d);
    if (!fl_pq_uleb(&p, end, &block) || !fl_pq_uleb(&p, end, &n_mini)
        || !fl_pq_uleb(&p, end, &total) || !zigzag(&p, end, &first))
        return FALSE;
    if (block == 0 || block % 128 != 0 || block > (1 << 20)
        || n_mini == 0 || n_mini > FL_PQ_DELTA_MAX_MINI
        || block % n_mini != 0 || (block / n_mini) % 32 != 0
        || total > G_MAXINT32)
        return FALSE;
    d->p = p;
    d->end = end;
    d->bits = bits;
    d->per_mini = block / n_mini;
    d->n_mini = (guint)n_mini;
    d->total = d->left = total;
    d->last = first;
    return TRUE;
}

static gboolean
delta_block_header(FlPqDelta *d)
{
    if (!zigzag(&d->p, d->end, &d->min_delta)
        || (gsize)(d->end - d->p) < d->n_mini)
        return FALSE;
    memcpy(d->widths, d->p, d->n_mini);
    d->p += d->n_mini;
    d->in_block = TRUE;
    d->mini = 0;
    return TRUE;
}

/* Moves to the next miniblock (of this block, or of the next one). */
static gboolean
delta_next_mini(FlPqDelta *d)
{
    guint64 bytes;

    if (!d->in_block || d->mini + 1 >= d->n_mini) {
        if (!delta_block_header(d))
            return FALSE;
    } else {
        d->mini++;
    }
    if (d->widths[d->mini] > d->bits)
        return FALSE;
    bytes = d->per_mini * d->widths[d->mini] / 8;
    if (bytes > (guint64)(d->end - d->p))
        return FALSE;
    d->mini_p = d->p;
    d->p += bytes;
    d->mini_left = d->per_mini;
    d->mini_bit = 0;
    return TRUE;
}

gboolean
fl_pq_delta_read(FlPqDelta *d, gint64 *out, guint n)
{
    if (n > d->left)
        return FALSE;
    for (guint i = 0; i < n; i++) {
        guint64 v;

        if (!d->first_done) {
            d->first_done = TRUE;
        } else {
            guint w;

            if (d->mini_left == 0 && !delta_next_mini(d))
                return FALSE;
            w = d->widths[d->mini];
            v = get_bits(d->mini_p, d->per_mini * w / 8, d->mini_bit, w);
            d->mini_bit += w;
            d->mini_left--;
            d->last += d->min_delta + v;        /* wraps, as the spec says */
        }
        if (d->bits == 32)
            d->last = (guint64)(gint64)(gint32)(guint32)d->last;
        out[i] = (gint64)d->last;
    }
    d->left -= n;
    return TRUE;
}

const guint8 *
fl_pq_delta_end(const FlPqDelta *d)
{
    const guint8 *p = d->p;
    guint64 left = d->total > 0 ? d->total - 1 : 0;
    guint64 min;

    g_return_val_if_fail(!d->first_done, NULL);
    while (left > 0) {
        const guint8 *w;

        if (!zigzag(&p, d->end, &min) || (gsize)(d->end - p) < d->n_mini)
            return NULL;
        w = p;
        p += d->n_mini;
        for (guint m = 0; m < d->n_mini && left > 0; m++) {
            guint64 bytes = d->per_mini * w[m] / 8;

            if (w[m] > d->bits || bytes > (guint64)(d->end - p))
                return NULL;
            p += bytes;
            left -= MIN(left, d->per_mini);
        }
    }
    return p;
}
