/*
 * parquet_meta.h - a Parquet file's footer: schema, row groups, chunks.
 *
 * A Parquet file is "PAR1", the column data, the FileMetaData (Thrift
 * compact protocol), its length as 4 bytes little-endian, and "PAR1"
 * again (apache/parquet-format, parquet.thrift).  fl_pq_meta_parse()
 * reads and checks the footer of a whole file in memory; nothing else in
 * the file is touched.  Only what a flat table of flow logs needs is
 * kept: a schema of leaf columns under the root (a nested schema, a
 * repeated column, an encrypted footer or a column chunk in another file
 * is an error), and per row group and column the chunk's place, codec,
 * value count and sizes.
 *
 * Every offset and size is checked against the file before it is kept:
 * a column chunk must lie between the leading magic and the footer, and
 * the value counts must agree with the row counts.  Memory is bounded by
 * the footer, itself at most FL_PQ_MAX_FOOTER bytes.
 */
#ifndef FL_PARQUET_META_H
#define FL_PARQUET_META_H

#include <glib.h>

#define FL_PQ_MAX_FOOTER (16 * 1024 * 1024)
#define FL_PQ_MAX_COLUMNS 128           /* FL_MAX_COLUMNS */
/* Rows in one row group: a row group is decoded as one unit of work
 * (its records stream to the writer a few thousand at a time). */
#define FL_PQ_MAX_GROUP_ROWS (4 * 1024 * 1024)

/* parquet.thrift enum Type */
typedef enum {
    FL_PQ_BOOLEAN = 0, FL_PQ_INT32 = 1, FL_PQ_INT64 = 2, FL_PQ_INT96 = 3,
    FL_PQ_FLOAT = 4, FL_PQ_DOUBLE = 5, FL_PQ_BYTE_ARRAY = 6,
    FL_PQ_FIXED_LEN_BYTE_ARRAY = 7
} FlPqType;

/* enum CompressionCodec */
typedef enum {
    FL_PQ_UNCOMPRESSED = 0, FL_PQ_SNAPPY = 1, FL_PQ_GZIP = 2, FL_PQ_LZO = 3,
    FL_PQ_BROTLI = 4, FL_PQ_LZ4 = 5, FL_PQ_ZSTD = 6, FL_PQ_LZ4_RAW = 7
} FlPqCodec;

/* enum Encoding */
typedef enum {
    FL_PQ_PLAIN = 0, FL_PQ_PLAIN_DICTIONARY = 2, FL_PQ_RLE = 3,
    FL_PQ_BIT_PACKED = 4, FL_PQ_DELTA_BINARY_PACKED = 5,
    FL_PQ_DELTA_LENGTH_BYTE_ARRAY = 6, FL_PQ_DELTA_BYTE_ARRAY = 7,
    FL_PQ_RLE_DICTIONARY = 8, FL_PQ_BYTE_STREAM_SPLIT = 9
} FlPqEncoding;

/* How integer values read: the logical or converted type, reduced. */
typedef enum {
    FL_PQ_INT_SIGNED = 0,       /* plain INT32/INT64, INT_*, INTEGER signed */
    FL_PQ_INT_UNSIGNED,         /* UINT_*, INTEGER(isSigned = false) */
    FL_PQ_INT_MILLIS,           /* TIMESTAMP_MILLIS, TIMESTAMP(MILLIS) */
    FL_PQ_INT_MICROS,
    FL_PQ_INT_NANOS,
    FL_PQ_INT_OTHER             /* DATE, TIME, DECIMAL: not a count */
} FlPqIntKind;

typedef struct {
    char *name;                 /* as in the file */
    FlPqType type;
    gboolean optional;          /* OPTIONAL (else REQUIRED) */
    FlPqIntKind int_kind;
    gint32 type_length;
} FlPqColumn;

typedef struct {
    FlPqCodec codec;
    gint64 num_values;
    gint64 start;               /* the dictionary page, or first data page */
    gint64 size;                /* total_compressed_size */
    gint64 uncompressed;        /* total_uncompressed_size */
} FlPqChunk;

typedef struct {
    gint64 num_rows;
    FlPqChunk *chunks;          /* n_columns, in schema order */
    gint64 end;                 /* where its last chunk ends */
} FlPqRowGroup;

typedef struct {
    guint n_columns;
    FlPqColumn *columns;
    gint64 num_rows;
    guint n_row_groups;
    FlPqRowGroup *row_groups;
    char *created_by;           /* or NULL */
} FlPqMeta;

/* TRUE if buf starts with the magic "PAR1". */
gboolean fl_pq_is_parquet(const guint8 *buf, gsize len);

/*
 * Parses the footer of a whole file (file, size bytes).  Returns the
 * metadata (free with fl_pq_meta_free), or NULL with *err:
 * FL_ERROR_CORRUPT for a file that is not Parquet or is damaged (the
 * message says what and where), FL_ERROR_UNSUPPORTED for Parquet this
 * reader leaves out (nested schema, encryption, chunks in other files),
 * FL_ERROR_LIMIT past the limits above.
 */
FlPqMeta *fl_pq_meta_parse(const guint8 *file, gsize size, GError **err);
void fl_pq_meta_free(FlPqMeta *m);

const char *fl_pq_codec_name(gint32 codec);
const char *fl_pq_type_name(gint32 type);
const char *fl_pq_encoding_name(gint32 enc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlPqMeta, fl_pq_meta_free)

#endif
