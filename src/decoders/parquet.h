/*
 * parquet.h - Parquet flow logs to FlRecords: the reader the pipeline uses.
 *
 * AWS delivers flow logs as Parquet with one column per field, named as
 * the field with '_' for '-' (account_id), typed INT32 (version, ports,
 * protocol, tcp_flags, traffic_path), INT64 (packets, bytes, start, end)
 * or strings.  fl_parquet_open() reads and checks the footer of a whole
 * file in memory (mapped, or spooled by the caller) and compiles its
 * columns into an FlFormat: known names become fields, unknown ones are
 * opaque columns (never decoded).  A row group is then read by one
 * thread with an FlParquetGroup, one record at a time, producing the
 * records the text decoder gives for the same lines: a null, an empty
 * string or "-" is an absent field.  Inside, a batch of rows is decoded
 * column by column into typed values first (a dictionary's entries once
 * per dictionary), so handing out a record is a copy.
 *
 * Limits and memory: the footer is at most 16 MiB and parsed once; a row
 * group is decoded a batch of 256 rows at a time, so a thread holds one
 * uncompressed page (at most 64 MiB, typically 1 MiB) and the dictionary
 * of each column the format needs, plus 256 values of each.  Unneeded
 * columns are never read.
 *
 * Errors name the row group, column and page ("row group 2, column
 * 'srcport': page 1: ..."); callers put the object's name in front.
 */
#ifndef FL_PARQUET_H
#define FL_PARQUET_H

#include <glib.h>
#include "decoders/decode.h"
#include "record.h"

typedef struct FlParquet FlParquet;
typedef struct FlParquetGroup FlParquetGroup;

/*
 * Opens a Parquet file held whole in memory (data, size bytes), which
 * must outlive the result.  NULL with *err (FL_ERROR_CORRUPT,
 * FL_ERROR_UNSUPPORTED, FL_ERROR_LIMIT; see parquet_meta.h) when the
 * footer is damaged, the schema is not a flat table, a column the format
 * needs has a type that cannot hold its field, or the column names do not
 * make a format.  The result is read-only: any thread may read row groups
 * from it at once.
 */
FlParquet *fl_parquet_open(const guint8 *data, gsize size, GError **err);
void fl_parquet_free(FlParquet *pq);

/* The columns as a format ('_' in names read as '-').  Borrowed. */
const FlFormat *fl_parquet_format(const FlParquet *pq);
guint fl_parquet_n_groups(const FlParquet *pq);
gint64 fl_parquet_group_rows(const FlParquet *pq, guint rg);
/* The file offsets where row group rg's data starts and ends. */
gsize fl_parquet_group_start_offset(const FlParquet *pq, guint rg);
gsize fl_parquet_group_end(const FlParquet *pq, guint rg);
/* "created_by" of the footer, or NULL. */
const char *fl_parquet_created_by(const FlParquet *pq);

typedef enum {
    FL_PQ_ROW,          /* *rec filled */
    FL_PQ_REJECT,       /* the row has a bad value: *reason, *field set */
    FL_PQ_END,          /* no more rows */
    FL_PQ_ERROR         /* the row group is damaged: *err set */
} FlPqNext;

/*
 * A row group reader: one per thread, reused from row group to row group
 * (and file to file) so that its page buffers are too.  Cannot fail.
 */
FlParquetGroup *fl_parquet_group_new(void);

/*
 * Starts decoding row group rg of pq.  FALSE with *err when a column the
 * format needs cannot be read (an unsupported codec, named).  pq must
 * outlive the reading of the group.
 */
gboolean fl_parquet_group_start(FlParquetGroup *g, const FlParquet *pq,
                                guint rg, GError **err);
void fl_parquet_group_free(FlParquetGroup *g);

/*
 * The next row.  String values in *rec point into the file, the page or
 * the group's buffers, valid until the next call.  After FL_PQ_ERROR
 * only _free() is left.
 */
FlPqNext fl_parquet_group_next(FlParquetGroup *g, FlRecord *rec,
                               FlReject *reason, FlField *field,
                               GError **err);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlParquet, fl_parquet_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlParquetGroup, fl_parquet_group_free)

#endif
