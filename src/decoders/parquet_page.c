/*
 * parquet_page.c - page headers, page layouts, and value decoding.
 *
 * Page layout (parquet.thrift, Encodings.md): a data page v1 is
 * compressed whole and holds [repetition levels][definition levels]
 * [values], levels in the hybrid encoding behind a 4-byte length; a data
 * page v2 keeps its levels uncompressed in front (lengths in the header,
 * no length prefix) and compresses only the values.  A flat schema has
 * no repetition levels, and definition levels (width 1) only when the
 * column is OPTIONAL.
 */
#include "config.h"

#include <string.h>

#include "decoders/parquet_encoding.h"
#include "decoders/parquet_page.h"
#include "decoders/thrift_compact.h"
#include "error.h"

/* Unaligned loads: page data sits at any offset (UBSan, the sanitizer
 * run, caught the pointer casts); memcpy compiles to one load on x86. */
static inline guint32
ld32(const guint8 *p)
{
    guint32 v;

    memcpy(&v, p, sizeof v);
    return v;
}

static inline guint64
ld64(const guint8 *p)
{
    guint64 v;

    memcpy(&v, p, sizeof v);
    return v;
}

enum { PAGE_DATA = 0, PAGE_INDEX = 1, PAGE_DICT = 2, PAGE_DATA_V2 = 3 };

typedef struct {
    gint32 type, uncompressed, compressed;
    gint32 num_values, encoding, def_encoding;
    gint32 num_nulls, num_rows, def_len, rep_len;
    gboolean is_compressed;
    gboolean has_data, has_dict, has_v2;
} PageHeader;

struct FlPqColumnReader {
    FlPqCodecState *codec;
    const FlPqColumn *col;
    const FlPqChunk *chunk;
    const guint8 *pos, *end;    /* next page header; end of the chunk */
    guint page_no;              /* pages started, for messages */
    gint64 values_left;         /* in the chunk */
    gboolean seen_data;
    /* buffers */
    guint8 *page_buf;
    gsize page_alloc;
    guint8 *dict_buf;
    gsize dict_alloc;
    FlPqCell *dict;
    guint32 dict_n;
    gboolean has_dict;
    guint dict_gen;             /* bumped per dictionary loaded */
    /* the current data page */
    guint32 page_left;          /* values (nulls included) left */
    gboolean levels;            /* definition levels present */
    gboolean levels_bp;         /* ... in the old BIT_PACKED encoding */
    FlPqRle def;
    const guint8 *bp_levels;
    gsize bp_len;
    guint64 bp_at;
    gint32 encoding;
    const guint8 *vp, *vend;    /* PLAIN values; DELTA_* byte data */
    FlPqRle idx;
    FlPqDelta delta;            /* values, lengths, or prefix lengths */
    FlPqDelta delta2;           /* DELTA_BYTE_ARRAY suffix lengths */
    GByteArray *prev;           /* DELTA_BYTE_ARRAY: the last value */
    GByteArray *arena;          /* DELTA_BYTE_ARRAY: this batch */
    /* scratch */
    guint32 u32[FL_PQ_BATCH];
    gint64 i64[FL_PQ_BATCH];
    gint64 i64b[FL_PQ_BATCH];
    FlPqCell cells[FL_PQ_BATCH];
};

FlPqColumnReader *
fl_pq_column_new(FlPqCodecState *codec)
{
    FlPqColumnReader *r = g_new0(FlPqColumnReader, 1);

    r->codec = codec;
    r->prev = g_byte_array_new();
    r->arena = g_byte_array_new();
    return r;
}

void
fl_pq_column_free(FlPqColumnReader *r)
{
    if (r == NULL)
        return;
    g_free(r->page_buf);
    g_free(r->dict_buf);
    g_free(r->dict);
    g_byte_array_unref(r->prev);
    g_byte_array_unref(r->arena);
    g_free(r);
}

static gboolean G_GNUC_PRINTF(3, 4)
page_bad(FlPqColumnReader *r, GError **err, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *why = NULL;

    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "page %u: %s",
                r->page_no ? r->page_no - 1 : 0, why);
    return FALSE;
}

gboolean
fl_pq_column_start(FlPqColumnReader *r, const guint8 *file, gsize size,
                   const FlPqColumn *col, const FlPqChunk *chunk,
                   GError **err)
{
    if (col->type != FL_PQ_INT32 && col->type != FL_PQ_INT64
        && col->type != FL_PQ_BYTE_ARRAY) {
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED, "type %s is not "
                    "read (INT32, INT64 and BYTE_ARRAY are)",
                    fl_pq_type_name(col->type));
        return FALSE;
    }
    if (!fl_pq_codec_check(chunk->codec, err))
        return FALSE;
    g_assert(chunk->start >= 0 && chunk->start + chunk->size <= (gint64)size);
    r->col = col;
    r->chunk = chunk;
    r->pos = file + chunk->start;
    r->end = r->pos + chunk->size;
    r->page_no = 0;
    r->values_left = chunk->num_values;
    r->seen_data = FALSE;
    r->has_dict = FALSE;
    r->dict_n = 0;
    r->page_left = 0;
    return TRUE;
}

/* ---- page headers ---- */

static void
read_data_header(FlThrift *t, PageHeader *h, gboolean v2)
{
    FlThriftType ft;
    gint16 id;

    fl_thrift_struct_begin(t);
    while (fl_thrift_field(t, &ft, &id)) {
        gint32 *dst = NULL;

        if (!v2) {
            dst = id == 1 ? &h->num_values : id == 2 ? &h->encoding
                  : id == 3 ? &h->def_encoding : NULL;
        } else if (id == 7
                   && (ft == FL_THRIFT_TRUE || ft == FL_THRIFT_FALSE)) {
            h->is_compressed = fl_thrift_bool(t, ft);
            continue;
        } else {
            dst = id == 1 ? &h->num_values : id == 2 ? &h->num_nulls
                  : id == 3 ? &h->num_rows : id == 4 ? &h->encoding
                  : id == 5 ? &h->def_len : id == 6 ? &h->rep_len : NULL;
        }
        if (dst != NULL && ft == FL_THRIFT_I32)
            *dst = fl_thrift_i32(t);
        else
            fl_thrift_skip(t, ft);
    }
}

static void
read_dict_header(FlThrift *t, PageHeader *h)
{
    FlThriftType ft;
    gint16 id;

    fl_thrift_struct_begin(t);
    while (fl_thrift_field(t, &ft, &id)) {
        if (id == 1 && ft == FL_THRIFT_I32)
            h->num_values = fl_thrift_i32(t);
        else if (id == 2 && ft == FL_THRIFT_I32)
            h->encoding = fl_thrift_i32(t);
        else
            fl_thrift_skip(t, ft);
    }
}

/* Reads the header at r->pos; FALSE with *err. */
static gboolean
read_page_header(FlPqColumnReader *r, PageHeader *h, gsize *hlen,
                 GError **err)
{
    FlThrift t;
    FlThriftType ft;
    gint16 id;

    memset(h, 0, sizeof *h);
    h->type = h->uncompressed = h->compressed = h->num_values = -1;
    h->encoding = h->def_encoding = -1;
    h->is_compressed = TRUE;
    fl_thrift_init(&t, r->pos, (gsize)(r->end - r->pos));
    fl_thrift_struct_begin(&t);
    while (fl_thrift_field(&t, &ft, &id)) {
        if (id == 1 && ft == FL_THRIFT_I32)
            h->type = fl_thrift_i32(&t);
        else if (id == 2 && ft == FL_THRIFT_I32)
            h->uncompressed = fl_thrift_i32(&t);
        else if (id == 3 && ft == FL_THRIFT_I32)
            h->compressed = fl_thrift_i32(&t);
        else if (id == 5 && ft == FL_THRIFT_STRUCT) {
            h->has_data = TRUE;
            read_data_header(&t, h, FALSE);
        } else if (id == 7 && ft == FL_THRIFT_STRUCT) {
            h->has_dict = TRUE;
            read_dict_header(&t, h);
        } else if (id == 8 && ft == FL_THRIFT_STRUCT) {
            h->has_v2 = TRUE;
            read_data_header(&t, h, TRUE);
        } else {
            fl_thrift_skip(&t, ft);
        }
    }
    if (fl_thrift_failed(&t))
        return page_bad(r, err, "header: %s at byte %" G_GSIZE_FORMAT,
                        t.error, t.error_at);
    *hlen = fl_thrift_pos(&t);
    if (h->uncompressed < 0 || h->compressed < 0)
        return page_bad(r, err, "negative or missing page size");
    if ((gsize)h->compressed > (gsize)(r->end - r->pos) - *hlen)
        return page_bad(r, err, "page of %d bytes runs past the column "
                        "chunk (%" G_GSIZE_FORMAT " bytes left)",
                        h->compressed, (gsize)(r->end - r->pos) - *hlen);
    if (h->uncompressed > FL_PQ_MAX_PAGE)
        return page_bad(r, err, "page of %d bytes uncompressed, more than "
                        "%d MiB", h->uncompressed, FL_PQ_MAX_PAGE >> 20);
    return TRUE;
}

/* Uncompresses n_in bytes into a buffer of out_len bytes (*buf grown as
 * needed); *data gets where the bytes are (no copy when uncompressed). */
static gboolean
uncompress(FlPqColumnReader *r, const guint8 *in, gsize n_in, gsize out_len,
           gboolean compressed, guint8 **buf, gsize *alloc,
           const guint8 **data, GError **err)
{
    if (!compressed || r->chunk->codec == FL_PQ_UNCOMPRESSED) {
        if (n_in != out_len)
            return page_bad(r, err, "%" G_GSIZE_FORMAT " bytes stored, %"
                            G_GSIZE_FORMAT " uncompressed", n_in, out_len);
        *data = in;
        return TRUE;
    }
    if (*alloc < out_len || *buf == NULL) {
        /* Kept from page to page and row group to row group, with room
         * to spare: fresh pages cost a fault each. */
        g_free(*buf);
        *alloc = MAX(out_len + out_len / 4, 64 * 1024);
        *buf = g_malloc(*alloc);
    }
    if (!fl_pq_codec_run(r->codec, r->chunk->codec, in, n_in, *buf, out_len,
                         err)) {
        g_prefix_error(err, "page %u: ", r->page_no - 1);
        return FALSE;
    }
    *data = *buf;
    return TRUE;
}

/* ---- the dictionary page ---- */

static gboolean
load_dictionary(FlPqColumnReader *r, const PageHeader *h, const guint8 *raw,
                GError **err)
{
    const guint8 *d, *p, *end;
    guint32 n = (guint32)MAX(h->num_values, 0);
    guint width = r->col->type == FL_PQ_INT32 ? 4 : 8;

    if (r->seen_data || r->has_dict)
        return page_bad(r, err, "a dictionary page after the first page");
    if (h->num_values < 0)
        return page_bad(r, err, "negative dictionary size");
    if (h->encoding != FL_PQ_PLAIN && h->encoding != FL_PQ_PLAIN_DICTIONARY)
        return page_bad(r, err, "dictionary in encoding %s",
                        fl_pq_encoding_name(h->encoding));
    if (n > FL_PQ_MAX_DICT) {
        g_set_error(err, FL_ERROR, FL_ERROR_LIMIT, "page %u: dictionary of "
                    "%u entries, more than %d", r->page_no - 1, n,
                    FL_PQ_MAX_DICT);
        return FALSE;
    }
    if (!uncompress(r, raw, (gsize)h->compressed, (gsize)h->uncompressed,
                    TRUE, &r->dict_buf, &r->dict_alloc, &d, err))
        return FALSE;
    p = d;
    end = d + h->uncompressed;
    /* Every entry takes at least 4 bytes: check before allocating. */
    if ((gsize)n * 4 > (gsize)(end - p))
        return page_bad(r, err, "%u dictionary entries in %d bytes", n,
                        h->uncompressed);
    r->dict = g_renew(FlPqCell, r->dict, MAX(n, 1));
    for (guint32 i = 0; i < n; i++) {
        if (r->col->type == FL_PQ_BYTE_ARRAY) {
            guint32 len;

            if (end - p < 4)
                return page_bad(r, err, "dictionary entry %u truncated", i);
            len = GUINT32_FROM_LE(ld32(p));
            p += 4;
            if (len > (gsize)(end - p))
                return page_bad(r, err, "dictionary entry %u of %u bytes "
                                "past the page", i, len);
            r->dict[i].s.ptr = (const char *)p;
            r->dict[i].s.len = len;
            p += len;
        } else {
            if ((gsize)(end - p) < width)
                return page_bad(r, err, "dictionary entry %u truncated", i);
            if (width == 4)
                r->dict[i].i = (gint32)GUINT32_FROM_LE(
                    ld32(p));
            else
                r->dict[i].i = (gint64)GUINT64_FROM_LE(
                    ld64(p));
            p += width;
        }
    }
    r->dict_n = n;
    r->has_dict = TRUE;
    r->dict_gen++;
    return TRUE;
}

/* ---- data pages ---- */

/* Sets up the value decoder for [p, end) in encoding enc. */
static gboolean
start_values(FlPqColumnReader *r, gint32 enc, const guint8 *p,
             const guint8 *end, guint32 n_values, GError **err)
{
    FlPqType type = r->col->type;
    guint bits = type == FL_PQ_INT32 ? 32 : 64;
    const guint8 *q;

    r->encoding = enc;
    r->vp = p;
    r->vend = end;
    switch (enc) {
    case FL_PQ_PLAIN:
        return TRUE;
    case FL_PQ_PLAIN_DICTIONARY:
    case FL_PQ_RLE_DICTIONARY:
        if (!r->has_dict)
            return page_bad(r, err, "dictionary-encoded page without a "
                            "dictionary page");
        if (p >= end) {
            if (n_values == 0)
                return TRUE;
            return page_bad(r, err, "no dictionary index data");
        }
        if (!fl_pq_rle_init(&r->idx, p + 1, (gsize)(end - p - 1), p[0]))
            return page_bad(r, err, "dictionary index width %u", p[0]);
        return TRUE;
    case FL_PQ_DELTA_BINARY_PACKED:
        if (type == FL_PQ_BYTE_ARRAY)
            break;
        if (!fl_pq_delta_init(&r->delta, p, (gsize)(end - p), bits))
            return page_bad(r, err, "malformed DELTA_BINARY_PACKED header");
        return TRUE;
    case FL_PQ_DELTA_LENGTH_BYTE_ARRAY:
        if (type != FL_PQ_BYTE_ARRAY)
            break;
        if (!fl_pq_delta_init(&r->delta, p, (gsize)(end - p), 32)
            || (q = fl_pq_delta_end(&r->delta)) == NULL)
            return page_bad(r, err, "malformed DELTA_LENGTH_BYTE_ARRAY "
                            "lengths");
        r->vp = q;
        return TRUE;
    case FL_PQ_DELTA_BYTE_ARRAY:
        if (type != FL_PQ_BYTE_ARRAY)
            break;
        if (!fl_pq_delta_init(&r->delta, p, (gsize)(end - p), 32)
            || (q = fl_pq_delta_end(&r->delta)) == NULL
            || !fl_pq_delta_init(&r->delta2, q, (gsize)(end - q), 32)
            || (q = fl_pq_delta_end(&r->delta2)) == NULL
            || r->delta.total != r->delta2.total)
            return page_bad(r, err, "malformed DELTA_BYTE_ARRAY lengths");
        r->vp = q;
        g_byte_array_set_size(r->prev, 0);
        return TRUE;
    default:
        break;
    }
    g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED, "page %u: encoding %s "
                "(%d) is not read for %s", r->page_no - 1,
                fl_pq_encoding_name(enc), enc, fl_pq_type_name(type));
    return FALSE;
}

/* The definition levels of a v1 page at *p (moved past them). */
static gboolean
start_levels_v1(FlPqColumnReader *r, const PageHeader *h, const guint8 **p,
                const guint8 *end, GError **err)
{
    r->levels = r->col->optional;
    r->levels_bp = FALSE;
    if (!r->levels)
        return TRUE;
    if (h->def_encoding == FL_PQ_RLE) {
        guint32 len;

        if (end - *p < 4)
            return page_bad(r, err, "definition levels truncated");
        len = GUINT32_FROM_LE(ld32(*p));
        *p += 4;
        if (len > (gsize)(end - *p))
            return page_bad(r, err, "definition levels of %u bytes past the "
                            "page", len);
        fl_pq_rle_init(&r->def, *p, len, 1);
        *p += len;
        return TRUE;
    }
    if (h->def_encoding == FL_PQ_BIT_PACKED) {
        gsize len = ((gsize)h->num_values + 7) / 8;

        if (len > (gsize)(end - *p))
            return page_bad(r, err, "definition levels past the page");
        r->levels_bp = TRUE;
        r->bp_levels = *p;
        r->bp_len = len;
        r->bp_at = 0;
        *p += len;
        return TRUE;
    }
    return page_bad(r, err, "definition levels in encoding %s",
                    fl_pq_encoding_name(h->def_encoding));
}

static gboolean
load_data_v1(FlPqColumnReader *r, const PageHeader *h, const guint8 *raw,
             GError **err)
{
    const guint8 *d, *p, *end;

    if (!uncompress(r, raw, (gsize)h->compressed, (gsize)h->uncompressed,
                    TRUE, &r->page_buf, &r->page_alloc, &d, err))
        return FALSE;
    p = d;
    end = d + h->uncompressed;
    if (!start_levels_v1(r, h, &p, end, err))
        return FALSE;
    return start_values(r, h->encoding, p, end, (guint32)h->num_values, err);
}

static gboolean
load_data_v2(FlPqColumnReader *r, const PageHeader *h, const guint8 *raw,
             GError **err)
{
    const guint8 *vals;
    gsize lv;

    if (h->def_len < 0 || h->rep_len < 0 || h->num_nulls < 0
        || h->num_nulls > h->num_values || h->num_rows != h->num_values)
        return page_bad(r, err, "inconsistent v2 page header (values %d, "
                        "nulls %d, rows %d, levels %d+%d bytes)",
                        h->num_values, h->num_nulls, h->num_rows,
                        h->rep_len, h->def_len);
    lv = (gsize)h->def_len + (gsize)h->rep_len;
    if (lv > (gsize)h->compressed || lv > (gsize)h->uncompressed)
        return page_bad(r, err, "levels of %" G_GSIZE_FORMAT " bytes in a "
                        "page of %d", lv, h->compressed);
    if (h->rep_len != 0)
        return page_bad(r, err, "repetition levels in a flat column");
    r->levels = r->col->optional;
    r->levels_bp = FALSE;
    if (r->levels)
        fl_pq_rle_init(&r->def, raw + h->rep_len, (gsize)h->def_len, 1);
    else if (h->def_len != 0 || h->num_nulls != 0)
        return page_bad(r, err, "nulls in a REQUIRED column");
    if (!uncompress(r, raw + lv, (gsize)h->compressed - lv,
                    (gsize)h->uncompressed - lv, h->is_compressed,
                    &r->page_buf, &r->page_alloc, &vals, err))
        return FALSE;
    return start_values(r, h->encoding, vals,
                        vals + ((gsize)h->uncompressed - lv),
                        (guint32)(h->num_values - h->num_nulls), err);
}

/* Reads the next page; dictionary and index pages are consumed here. */
static gboolean
next_page(FlPqColumnReader *r, GError **err)
{
    for (;;) {
        PageHeader h;
        gsize hlen = 0;
        const guint8 *raw;

        if (r->pos >= r->end) {
            r->page_no++;
            return page_bad(r, err, "column chunk ends with %" G_GINT64_FORMAT
                            " values still to come", r->values_left);
        }
        r->page_no++;
        if (!read_page_header(r, &h, &hlen, err))
            return FALSE;
        raw = r->pos + hlen;
        r->pos = raw + h.compressed;
        switch (h.type) {
        case PAGE_DICT:
            if (!h.has_dict)
                return page_bad(r, err, "dictionary page without its header");
            if (!load_dictionary(r, &h, raw, err))
                return FALSE;
            continue;
        case PAGE_INDEX:
            continue;
        case PAGE_DATA:
        case PAGE_DATA_V2:
            if (!(h.type == PAGE_DATA ? h.has_data : h.has_v2))
                return page_bad(r, err, "data page without its header");
            if (h.num_values < 0 || h.num_values > r->values_left)
                return page_bad(r, err, "%d values, %" G_GINT64_FORMAT " left "
                                "in the column chunk", h.num_values,
                                r->values_left);
            r->seen_data = TRUE;
            if (!(h.type == PAGE_DATA ? load_data_v1(r, &h, raw, err)
                                      : load_data_v2(r, &h, raw, err)))
                return FALSE;
            r->page_left = (guint32)h.num_values;
            if (r->page_left == 0)
                continue;
            return TRUE;
        default:
            return page_bad(r, err, "unknown page type %d", h.type);
        }
    }
}

gint64
fl_pq_column_ready(FlPqColumnReader *r, GError **err)
{
    if (r->page_left > 0)
        return r->page_left;
    if (r->values_left == 0)
        return 0;
    if (!next_page(r, err))
        return -1;
    return r->page_left;
}

/* ---- values ---- */

static gboolean
read_plain(FlPqColumnReader *r, guint k, FlPqCell *out, GError **err)
{
    const guint8 *p = r->vp, *end = r->vend;

    switch (r->col->type) {
    case FL_PQ_INT32:
        if ((gsize)(end - p) < (gsize)k * 4)
            return page_bad(r, err, "PLAIN values past the page");
        for (guint i = 0; i < k; i++, p += 4)
            out[i].i = (gint32)GUINT32_FROM_LE(
                ld32(p));
        break;
    case FL_PQ_INT64:
        if ((gsize)(end - p) < (gsize)k * 8)
            return page_bad(r, err, "PLAIN values past the page");
        for (guint i = 0; i < k; i++, p += 8)
            out[i].i = (gint64)GUINT64_FROM_LE(
                ld64(p));
        break;
    default:
        for (guint i = 0; i < k; i++) {
            guint32 len;

            if (end - p < 4)
                return page_bad(r, err, "PLAIN value truncated");
            len = GUINT32_FROM_LE(ld32(p));
            p += 4;
            if (len > (gsize)(end - p))
                return page_bad(r, err, "PLAIN value of %u bytes past the "
                                "page", len);
            out[i].s.ptr = (const char *)p;
            out[i].s.len = len;
            p += len;
        }
    }
    r->vp = p;
    return TRUE;
}

static gboolean
read_dict(FlPqColumnReader *r, guint k, FlPqCell *out, GError **err)
{
    if (!fl_pq_rle_read(&r->idx, r->u32, k))
        return page_bad(r, err, "dictionary indices truncated or malformed");
    for (guint i = 0; i < k; i++) {
        if (G_UNLIKELY(r->u32[i] >= r->dict_n))
            return page_bad(r, err, "dictionary index %u out of range (%u "
                            "entries)", r->u32[i], r->dict_n);
        out[i] = r->dict[r->u32[i]];
    }
    return TRUE;
}

/* Lengths from r->delta, bytes from r->vp: DELTA_LENGTH_BYTE_ARRAY. */
static gboolean
read_delta_length(FlPqColumnReader *r, guint k, FlPqCell *out, GError **err)
{
    if (!fl_pq_delta_read(&r->delta, r->i64, k))
        return page_bad(r, err, "DELTA_LENGTH_BYTE_ARRAY lengths truncated");
    for (guint i = 0; i < k; i++) {
        if (r->i64[i] < 0 || r->i64[i] > r->vend - r->vp)
            return page_bad(r, err, "value length %" G_GINT64_FORMAT " past "
                            "the page", r->i64[i]);
        out[i].s.ptr = (const char *)r->vp;
        out[i].s.len = (guint32)r->i64[i];
        r->vp += r->i64[i];
    }
    return TRUE;
}

/* Prefix of the last value + suffix: DELTA_BYTE_ARRAY.  Values are built
 * in the batch arena; lengths are capped so the arena is too. */
static gboolean
read_delta_bytes(FlPqColumnReader *r, guint k, FlPqCell *out, GError **err)
{
    GByteArray *a = r->arena;

    if (!fl_pq_delta_read(&r->delta, r->i64, k)
        || !fl_pq_delta_read(&r->delta2, r->i64b, k))
        return page_bad(r, err, "DELTA_BYTE_ARRAY lengths truncated");
    g_byte_array_set_size(a, 0);
    for (guint i = 0; i < k; i++) {
        gint64 pre = r->i64[i], suf = r->i64b[i];

        if (pre < 0 || pre > (gint64)r->prev->len || suf < 0
            || suf > r->vend - r->vp || pre + suf > FL_PQ_MAX_VALUE)
            return page_bad(r, err, "DELTA_BYTE_ARRAY prefix %"
                            G_GINT64_FORMAT " / suffix %" G_GINT64_FORMAT
                            " out of range", pre, suf);
        g_byte_array_set_size(r->prev, (guint)pre);
        g_byte_array_append(r->prev, r->vp, (guint)suf);
        r->vp += suf;
        out[i].s.ptr = (const char *)(gsize)a->len;    /* offset for now */
        out[i].s.len = r->prev->len;
        g_byte_array_append(a, r->prev->data, r->prev->len);
    }
    for (guint i = 0; i < k; i++)
        out[i].s.ptr = (const char *)a->data + (gsize)out[i].s.ptr;
    return TRUE;
}

static gboolean
read_values(FlPqColumnReader *r, guint k, FlPqCell *out, GError **err)
{
    if (k == 0)
        return TRUE;
    switch (r->encoding) {
    case FL_PQ_PLAIN:
        return read_plain(r, k, out, err);
    case FL_PQ_PLAIN_DICTIONARY:
    case FL_PQ_RLE_DICTIONARY:
        return read_dict(r, k, out, err);
    case FL_PQ_DELTA_BINARY_PACKED:
        if (!fl_pq_delta_read(&r->delta, r->i64, k))
            return page_bad(r, err, "DELTA_BINARY_PACKED values truncated "
                            "or malformed");
        for (guint i = 0; i < k; i++)
            out[i].i = r->i64[i];
        return TRUE;
    case FL_PQ_DELTA_LENGTH_BYTE_ARRAY:
        return read_delta_length(r, k, out, err);
    case FL_PQ_DELTA_BYTE_ARRAY:
        return read_delta_bytes(r, k, out, err);
    default:
        g_assert_not_reached();
    }
}

static gboolean
read_levels(FlPqColumnReader *r, guint n, guint8 *def, guint *defined,
            GError **err)
{
    guint k = 0;

    if (!r->levels) {
        memset(def, 1, n);
        *defined = n;
        return TRUE;
    }
    if (r->levels_bp) {
        for (guint i = 0; i < n; i++, r->bp_at++) {
            /* the old encoding packs from the most significant bit */
            def[i] = (r->bp_levels[r->bp_at >> 3] >> (7 - (r->bp_at & 7))) & 1;
            k += def[i];
        }
        *defined = k;
        return TRUE;
    }
    /* A column without nulls: its levels are one long run of 1s. */
    if (r->def.rle_left >= n && r->def.rle_value == 1) {
        r->def.rle_left -= n;
        memset(def, 1, n);
        *defined = n;
        return TRUE;
    }
    if (!fl_pq_rle_read(&r->def, r->u32, n))
        return page_bad(r, err, "definition levels truncated or malformed");
    for (guint i = 0; i < n; i++) {
        if (r->u32[i] > 1)
            return page_bad(r, err, "definition level %u in a flat column",
                            r->u32[i]);
        def[i] = (guint8)r->u32[i];
        k += def[i];
    }
    *defined = k;
    return TRUE;
}

const FlPqCell *
fl_pq_column_dict(const FlPqColumnReader *r, guint32 *n, guint *generation)
{
    *n = r->dict_n;
    *generation = r->dict_gen;
    return r->has_dict ? r->dict : NULL;
}

/* The indices of k dictionary entries, checked, scattered by def. */
static gboolean
read_indices(FlPqColumnReader *r, guint n, guint k, const guint8 *def,
             guint32 *idx, GError **err)
{
    guint32 *tmp = k == n ? idx : r->u32;

    if (k > 0 && !fl_pq_rle_read(&r->idx, tmp, k))
        return page_bad(r, err, "dictionary indices truncated or malformed");
    for (guint i = 0; i < k; i++)
        if (G_UNLIKELY(tmp[i] >= r->dict_n))
            return page_bad(r, err, "dictionary index %u out of range (%u "
                            "entries)", tmp[i], r->dict_n);
    if (k != n) {
        guint j = k;

        /* backwards, so that tmp may be idx itself: never here */
        for (guint i = n; i-- > 0;)
            idx[i] = def[i] ? tmp[--j] : 0;
    }
    return TRUE;
}

gboolean
fl_pq_column_read(FlPqColumnReader *r, guint n, FlPqCell *out, guint8 *def,
                  guint32 *idx, gboolean *indexed, GError **err)
{
    guint k = 0;

    g_return_val_if_fail(n <= FL_PQ_BATCH && n <= r->page_left, FALSE);
    if (!read_levels(r, n, def, &k, err))
        return FALSE;
    *indexed = idx != NULL && (r->encoding == FL_PQ_PLAIN_DICTIONARY
                               || r->encoding == FL_PQ_RLE_DICTIONARY);
    if (*indexed) {
        if (!read_indices(r, n, k, def, idx, err))
            return FALSE;
    } else if (k == n) {
        if (!read_values(r, n, out, err))
            return FALSE;
    } else {
        guint j = 0;

        if (!read_values(r, k, r->cells, err))
            return FALSE;
        for (guint i = 0; i < n; i++)
            if (def[i])
                out[i] = r->cells[j++];
    }
    r->page_left -= n;
    r->values_left -= n;
    return TRUE;
}
