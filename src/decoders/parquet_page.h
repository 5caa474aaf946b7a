/*
 * parquet_page.h - one column chunk read page by page, in batches.
 *
 * A column reader walks the pages of one column chunk: the dictionary
 * page (if any), then data pages v1 or v2, each uncompressed into a
 * buffer of its own and decoded a batch of values at a time.  Encodings:
 * PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY, DELTA_BINARY_PACKED,
 * DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY; definition levels in the
 * RLE/bit-packed hybrid (or the old BIT_PACKED).  Physical types INT32,
 * INT64 and BYTE_ARRAY.
 *
 * Memory: one uncompressed data page (at most FL_PQ_MAX_PAGE bytes), the
 * dictionary page and its index (at most FL_PQ_MAX_DICT entries), and
 * batch scratch.  Everything read from a page header is checked against
 * the chunk and these limits before anything is allocated.
 *
 * Values handed out are valid until the next fl_pq_column_ready() call
 * that loads a page or the next fl_pq_column_read(): strings point into
 * the page, the dictionary, or (DELTA_BYTE_ARRAY) a per-batch arena.
 *
 * Errors name the page ("page 3: ..."; the dictionary page is page 0);
 * the caller adds the row group and column.
 */
#ifndef FL_PARQUET_PAGE_H
#define FL_PARQUET_PAGE_H

#include <glib.h>
#include "decoders/parquet_codec.h"
#include "decoders/parquet_meta.h"
#include "record.h"

#define FL_PQ_MAX_PAGE (64 * 1024 * 1024)
#define FL_PQ_MAX_DICT (1024 * 1024)
#define FL_PQ_BATCH 256                /* values per fl_pq_column_read() */
#define FL_PQ_MAX_VALUE 65536           /* bytes in a DELTA_BYTE_ARRAY value */

typedef union {
    gint64 i;                   /* INT32 (sign-extended) and INT64 */
    FlStr s;                    /* BYTE_ARRAY */
} FlPqCell;

typedef struct FlPqColumnReader FlPqColumnReader;

/* codec: the thread's state, used by this reader until freed. */
FlPqColumnReader *fl_pq_column_new(FlPqCodecState *codec);
void fl_pq_column_free(FlPqColumnReader *r);

/*
 * Starts reading a chunk of file (size bytes; the chunk was checked to
 * lie inside it by fl_pq_meta_parse).  FALSE with *err for a physical
 * type or codec this reader does not read.
 */
gboolean fl_pq_column_start(FlPqColumnReader *r, const guint8 *file,
                            gsize size, const FlPqColumn *col,
                            const FlPqChunk *chunk, GError **err);

/*
 * Values (nulls included) that can be read before another page is
 * needed, loading the next page when the current one is spent.  0 at the
 * end of the chunk, -1 with *err when a page is damaged.
 */
gint64 fl_pq_column_ready(FlPqColumnReader *r, GError **err);

/*
 * Reads n values (n <= FL_PQ_BATCH and <= what _ready() said): out[i]
 * and def[i] (FALSE for a null).  When idx is not NULL and the page is
 * dictionary-encoded, the entries' indices go to idx[i] instead of their
 * values to out[i], and *indexed is TRUE (the caller looks the entries up
 * with fl_pq_column_dict()).  FALSE with *err when damaged.
 */
gboolean fl_pq_column_read(FlPqColumnReader *r, guint n, FlPqCell *out,
                           guint8 *def, guint32 *idx, gboolean *indexed,
                           GError **err);

/*
 * The dictionary of the chunk (NULL when it has none): *n entries, and a
 * *generation that changes whenever another dictionary is loaded, so that
 * a caller can keep what it derived from the entries.
 */
const FlPqCell *fl_pq_column_dict(const FlPqColumnReader *r, guint32 *n,
                                  guint *generation);

#endif
