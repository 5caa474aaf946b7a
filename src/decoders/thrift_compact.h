/*
 * thrift_compact.h - a bounded reader of the Thrift compact protocol.
 *
 * Parquet keeps its metadata (the footer's FileMetaData, every page
 * header) in Thrift's compact protocol.  This reader is a cursor over one
 * buffer: nothing it reads can move it past the end, every length and
 * count is checked against the bytes left before a caller could allocate
 * for it, and structures nest at most FL_THRIFT_MAX_DEPTH deep (skipping
 * an unknown field recurses, so a hostile file could otherwise nest
 * 10,000 structs and exhaust the stack).
 *
 * Errors are sticky: the first failure records a reason and the offset,
 * and every later call returns zero values and FALSE.  Callers read a
 * whole structure and check fl_thrift_failed() (or a FALSE return) where
 * it matters; nothing is allocated from a value read after a failure,
 * because such values are zero.
 */
#ifndef FL_THRIFT_COMPACT_H
#define FL_THRIFT_COMPACT_H

#include <glib.h>

/* Deep enough for Parquet's metadata (FileMetaData > RowGroup >
 * ColumnChunk > ColumnMetaData > Statistics is five levels). */
#define FL_THRIFT_MAX_DEPTH 32

/* Compact protocol type codes (the low nibble of a field header). */
typedef enum {
    FL_THRIFT_STOP = 0,
    FL_THRIFT_TRUE = 1,         /* a bool field whose value is true */
    FL_THRIFT_FALSE = 2,        /* a bool field (or list element type) */
    FL_THRIFT_I8 = 3,
    FL_THRIFT_I16 = 4,
    FL_THRIFT_I32 = 5,
    FL_THRIFT_I64 = 6,
    FL_THRIFT_DOUBLE = 7,
    FL_THRIFT_BINARY = 8,
    FL_THRIFT_LIST = 9,
    FL_THRIFT_SET = 10,
    FL_THRIFT_MAP = 11,
    FL_THRIFT_STRUCT = 12
} FlThriftType;

typedef struct {
    const guint8 *start, *p, *end;
    guint depth;                            /* structs open */
    gint16 last_id[FL_THRIFT_MAX_DEPTH];    /* per open struct */
    gboolean bool_value;                    /* of the last bool field */
    const char *error;                      /* static text, or NULL */
    gsize error_at;                         /* offset of the failure */
} FlThrift;

void fl_thrift_init(FlThrift *t, const guint8 *buf, gsize len);

static inline gboolean
fl_thrift_failed(const FlThrift *t)
{
    return t->error != NULL;
}

/* Bytes consumed so far. */
static inline gsize
fl_thrift_pos(const FlThrift *t)
{
    return (gsize)(t->p - t->start);
}

/* Enters a struct (the top-level one included).  FALSE past the depth
 * limit. */
gboolean fl_thrift_struct_begin(FlThrift *t);
/*
 * The next field of the open struct: TRUE with *type and *id set, FALSE
 * at its STOP byte (the struct is then closed) or on an error.  A bool
 * field's value is in the header: read it with fl_thrift_bool().
 */
gboolean fl_thrift_field(FlThrift *t, FlThriftType *type, gint16 *id);

gint32   fl_thrift_i32(FlThrift *t);
gint64   fl_thrift_i64(FlThrift *t);
gboolean fl_thrift_bool(FlThrift *t, FlThriftType type);
/* A binary or string: pointer into the buffer and its length. */
gboolean fl_thrift_binary(FlThrift *t, const guint8 **ptr, guint32 *len);
/*
 * A list (or set) header: the element count, checked to fit in the bytes
 * left (every element takes at least one byte), and *elem its type.
 * 0 on error (check fl_thrift_failed()).
 */
guint32  fl_thrift_list(FlThrift *t, FlThriftType *elem);
/* Reads one list element of type elem that is a bool. */
gboolean fl_thrift_list_bool(FlThrift *t);

/* Skips a value of the given type (a whole struct, list, map...). */
gboolean fl_thrift_skip(FlThrift *t, FlThriftType type);

/* Marks the reader failed with a reason of the caller's (static text):
 * for values that are well-formed Thrift but wrong for the schema. */
void fl_thrift_fail(FlThrift *t, const char *why);

#endif
