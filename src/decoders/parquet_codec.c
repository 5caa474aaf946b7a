/*
 * parquet_codec.c - GZIP (ISA-L or zlib), SNAPPY, ZSTD for Parquet pages.
 *
 * Parquet's GZIP is a gzip stream (RFC 1952); SNAPPY is a raw snappy
 * block (no framing); ZSTD is one or more zstd frames.  The page header
 * gives the uncompressed size, so the output buffer is exact and a
 * stream that wants more, or gives less, is damaged.
 */
#include "config.h"

#include <string.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include "decoders/snappy.h"
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif

#include "decoders/parquet_codec.h"
#include "decoders/parquet_meta.h"
#include "error.h"

struct FlPqCodecState {
#ifdef HAVE_ISAL
    struct inflate_state isal;
    gboolean isal_ready;
#else
    z_stream zs;
    gboolean zs_ready;
#endif
#ifdef HAVE_ZSTD
    ZSTD_DCtx *zstd;
#endif
};

FlPqCodecState *
fl_pq_codec_new(void)
{
    return g_new0(FlPqCodecState, 1);
}

void
fl_pq_codec_free(FlPqCodecState *s)
{
    if (s == NULL)
        return;
#ifndef HAVE_ISAL
    if (s->zs_ready)
        inflateEnd(&s->zs);
#endif
#ifdef HAVE_ZSTD
    if (s->zstd)
        ZSTD_freeDCtx(s->zstd);
#endif
    g_free(s);
}

gboolean
fl_pq_codec_check(gint32 codec, GError **err)
{
    switch (codec) {
    case FL_PQ_UNCOMPRESSED:
    case FL_PQ_GZIP:
        return TRUE;
    case FL_PQ_SNAPPY:
        return TRUE;
    case FL_PQ_ZSTD:
#ifdef HAVE_ZSTD
        return TRUE;
#else
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED, "codec ZSTD: not "
                    "built in (configure found no libzstd)");
        return FALSE;
#endif
    default:
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED, "codec %s (%d) is "
                    "not supported (UNCOMPRESSED, GZIP, SNAPPY and ZSTD are)",
                    fl_pq_codec_name(codec), codec);
        return FALSE;
    }
}

static gboolean
corrupt(GError **err, const char *codec, const char *what)
{
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "corrupt %s data: %s",
                codec, what);
    return FALSE;
}

#ifdef HAVE_ISAL
static gboolean
gunzip(FlPqCodecState *s, const guint8 *in, gsize in_len, guint8 *out,
       gsize out_len, GError **err)
{
    struct inflate_state *st = &s->isal;
    int rc;

    if (in_len > G_MAXUINT32 || out_len > G_MAXUINT32)
        return corrupt(err, "GZIP", "page too large");
    if (!s->isal_ready) {
        isal_inflate_init(st);
        s->isal_ready = TRUE;
    } else {
        isal_inflate_reset(st);
    }
    st->crc_flag = ISAL_GZIP;
    st->next_in = (guint8 *)in;     /* never written through */
    st->avail_in = (guint32)in_len;
    st->next_out = out;
    st->avail_out = (guint32)out_len;
    rc = isal_inflate(st);
    if (rc != ISAL_DECOMP_OK)
        return corrupt(err, "GZIP", "invalid deflate data or header");
    if (st->block_state != ISAL_BLOCK_FINISH || st->avail_out != 0)
        return corrupt(err, "GZIP", "size differs from the page header");
    return TRUE;
}
#else
static gboolean
gunzip(FlPqCodecState *s, const guint8 *in, gsize in_len, guint8 *out,
       gsize out_len, GError **err)
{
    int rc;

    if (in_len > G_MAXUINT32 || out_len > G_MAXUINT32)
        return corrupt(err, "GZIP", "page too large");
    if (!s->zs_ready) {
        if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK) {
            g_set_error(err, FL_ERROR, FL_ERROR_LIMIT,
                        "out of memory while inflating");
            return FALSE;
        }
        s->zs_ready = TRUE;
    } else {
        (void)inflateReset(&s->zs);
    }
    s->zs.next_in = (Bytef *)in;
    s->zs.avail_in = (uInt)in_len;
    s->zs.next_out = out;
    s->zs.avail_out = (uInt)out_len;
    rc = inflate(&s->zs, Z_FINISH);
    if (rc == Z_STREAM_END && s->zs.avail_out == 0)
        return TRUE;
    if (rc == Z_STREAM_END || rc == Z_BUF_ERROR)
        return corrupt(err, "GZIP", "size differs from the page header");
    return corrupt(err, "GZIP", "invalid deflate data or header");
}
#endif

gboolean
fl_pq_codec_run(FlPqCodecState *s, gint32 codec, const guint8 *in,
                gsize in_len, guint8 *out, gsize out_len, GError **err)
{
    if (!fl_pq_codec_check(codec, err))
        return FALSE;
    switch (codec) {
    case FL_PQ_UNCOMPRESSED:
        if (in_len != out_len)
            return corrupt(err, "UNCOMPRESSED", "compressed and "
                           "uncompressed sizes differ");
        memcpy(out, in, in_len);
        return TRUE;
    case FL_PQ_GZIP:
        return gunzip(s, in, in_len, out, out_len, err);
    case FL_PQ_SNAPPY: {
        const char *why = NULL;

        if (!fl_snappy_uncompress(in, in_len, out, out_len, &why))
            return corrupt(err, "SNAPPY", why);
        return TRUE;
    }
#ifdef HAVE_ZSTD
    case FL_PQ_ZSTD: {
        size_t n;

        if (s->zstd == NULL && (s->zstd = ZSTD_createDCtx()) == NULL) {
            g_set_error(err, FL_ERROR, FL_ERROR_LIMIT,
                        "out of memory for zstd");
            return FALSE;
        }
        n = ZSTD_decompressDCtx(s->zstd, out, out_len, in, in_len);
        if (ZSTD_isError(n))
            return corrupt(err, "ZSTD", ZSTD_getErrorName(n));
        if (n != out_len)
            return corrupt(err, "ZSTD", "size differs from the page header");
        return TRUE;
    }
#endif
    default:
        g_assert_not_reached();
    }
}
