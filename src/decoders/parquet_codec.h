/*
 * parquet_codec.h - a page's bytes uncompressed: GZIP, SNAPPY, ZSTD.
 *
 * One FlPqCodecState per thread (it keeps the inflate state between
 * pages).  A codec this build leaves out, or one this reader does not
 * know (LZO, BROTLI, LZ4...), is an FL_ERROR_UNSUPPORTED error naming it.
 */
#ifndef FL_PARQUET_CODEC_H
#define FL_PARQUET_CODEC_H

#include <glib.h>

typedef struct FlPqCodecState FlPqCodecState;

FlPqCodecState *fl_pq_codec_new(void);
void fl_pq_codec_free(FlPqCodecState *s);

/* FALSE with *err when the codec cannot be read by this build. */
gboolean fl_pq_codec_check(gint32 codec, GError **err);

/*
 * Uncompresses in (in_len bytes) into out, which must come out exactly
 * out_len bytes long.  FALSE with *err (FL_ERROR_CORRUPT: damaged data or
 * a size that differs from the page header's; FL_ERROR_UNSUPPORTED).
 */
gboolean fl_pq_codec_run(FlPqCodecState *s, gint32 codec, const guint8 *in,
                         gsize in_len, guint8 *out, gsize out_len,
                         GError **err);

#endif
