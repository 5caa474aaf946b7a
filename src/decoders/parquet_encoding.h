/*
 * parquet_encoding.h - Parquet's integer encodings, as resumable cursors.
 *
 * The RLE/bit-packed hybrid (definition levels, dictionary indices) and
 * DELTA_BINARY_PACKED (integers, and the lengths inside
 * DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY), per apache/parquet-format
 * Encodings.md.  Each decoder reads a bounded buffer, can be asked for a
 * few values at a time (a page is decoded in batches, never whole), and
 * fails instead of reading past its end: a FALSE return means the data
 * is damaged, and the decoder must not be used again.
 */
#ifndef FL_PARQUET_ENCODING_H
#define FL_PARQUET_ENCODING_H

#include <glib.h>

/* ---- RLE / bit-packed hybrid ---- */
typedef struct {
    const guint8 *p, *end;
    guint bit_width;            /* 0..32 */
    guint32 rle_left;           /* values left in a repeated run */
    guint32 rle_value;
    guint32 bp_left;            /* values left in a bit-packed run */
    const guint8 *bp;           /* that run's bytes */
    gsize bp_bytes;
    guint64 bp_bit;             /* next value's bit offset in bp */
} FlPqRle;

/* FALSE if bit_width is above 32. */
gboolean fl_pq_rle_init(FlPqRle *r, const guint8 *p, gsize len,
                        guint bit_width);
/* Reads n values; FALSE when the data ends first or is malformed. */
gboolean fl_pq_rle_read(FlPqRle *r, guint32 *out, guint n);

/* ---- DELTA_BINARY_PACKED ---- */
#define FL_PQ_DELTA_MAX_MINI 256    /* miniblocks in a block */

typedef struct {
    const guint8 *p, *end;
    guint bits;                 /* 32 or 64: the physical type */
    guint64 per_mini;           /* values per miniblock */
    guint n_mini;
    guint64 total;              /* values in the whole encoding */
    guint64 left;               /* values not yet returned */
    guint64 last;               /* the previous value (wrapping) */
    gboolean first_done;
    guint64 min_delta;
    guint8 widths[FL_PQ_DELTA_MAX_MINI];
    guint mini;                 /* current miniblock in the block */
    guint64 mini_left;          /* values left in it */
    const guint8 *mini_p;
    guint64 mini_bit;
    gboolean in_block;
} FlPqDelta;

/* Reads the header.  FALSE if it is malformed or claims sizes the spec
 * forbids (block size not a multiple of 128, ...). */
gboolean fl_pq_delta_init(FlPqDelta *d, const guint8 *p, gsize len,
                          guint bits);
/* Reads n values (sign-extended from 32 bits for INT32). */
gboolean fl_pq_delta_read(FlPqDelta *d, gint64 *out, guint n);
/*
 * Where the encoding ends (the byte after its last miniblock), found by
 * walking the block headers without decoding: the byte data of
 * DELTA_LENGTH_BYTE_ARRAY follows there.  NULL if damaged.
 */
const guint8 *fl_pq_delta_end(const FlPqDelta *d);

/* ULEB128 of at most 64 bits; FALSE past end or too long. */
gboolean fl_pq_uleb(const guint8 **pp, const guint8 *end, guint64 *v);

#endif
