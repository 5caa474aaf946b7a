/*
 * parquet_meta.c - the footer: FileMetaData read and checked.
 *
 * Field IDs are those of apache/parquet-format's parquet.thrift.  A field
 * of an unexpected wire type is skipped as if unknown; a required field
 * that is then missing is an error.
 */
#include "config.h"

#include <string.h>

#include "decoders/parquet_meta.h"
#include "decoders/thrift_compact.h"
#include "error.h"

#define MAGIC "PAR1"

/* The schema as read, before it is checked. */
typedef struct {
    char *name;
    gint32 type;                /* -1: none (a group) */
    gint32 repetition;          /* -1: none */
    gint32 num_children;        /* -1: none */
    gint32 converted;           /* -1: none */
    gint32 logical;             /* LogicalType field ID, 0: none */
    gint32 logical_unit;        /* TIMESTAMP unit field ID */
    gboolean logical_signed;    /* INTEGER isSigned */
    gint32 type_length;
} Elem;

/* Parse state: the reader and what is known so far. */
typedef struct {
    FlThrift t;
    gsize data_end;             /* where the footer starts */
    GArray *elems;              /* Elem */
    FlPqMeta *m;
    const char *why;            /* a semantic error, static text */
    GError *err;                /* a semantic error with detail */
} Ctx;

gboolean
fl_pq_is_parquet(const guint8 *buf, gsize len)
{
    return len >= 4 && memcmp(buf, MAGIC, 4) == 0;
}

static const char *const codec_names[] = {
    "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD",
    "LZ4_RAW",
};

const char *
fl_pq_codec_name(gint32 codec)
{
    if (codec >= 0 && codec < (gint32)G_N_ELEMENTS(codec_names))
        return codec_names[codec];
    return "unknown";
}

static const char *const type_names[] = {
    "BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
    "FIXED_LEN_BYTE_ARRAY",
};

const char *
fl_pq_type_name(gint32 type)
{
    if (type >= 0 && type < (gint32)G_N_ELEMENTS(type_names))
        return type_names[type];
    return "unknown";
}

static const char *const encoding_names[] = {
    "PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
    "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
    "RLE_DICTIONARY", "BYTE_STREAM_SPLIT", "ALP",
};

const char *
fl_pq_encoding_name(gint32 enc)
{
    if (enc >= 0 && enc < (gint32)G_N_ELEMENTS(encoding_names))
        return encoding_names[enc];
    return "unknown";
}

void
fl_pq_meta_free(FlPqMeta *m)
{
    if (m == NULL)
        return;
    for (guint i = 0; i < m->n_columns; i++)
        g_free(m->columns[i].name);
    g_free(m->columns);
    for (guint i = 0; i < m->n_row_groups; i++)
        g_free(m->row_groups[i].chunks);
    g_free(m->row_groups);
    g_free(m->created_by);
    g_free(m);
}

static void
elem_clear(gpointer p)
{
    g_free(((Elem *)p)->name);
}

/* A field whose wire type is not the one expected is skipped. */
static gboolean
want(Ctx *c, FlThriftType got, FlThriftType expect)
{
    if (got == expect)
        return TRUE;
    fl_thrift_skip(&c->t, got);
    return FALSE;
}

static char *
read_string(Ctx *c)
{
    const guint8 *p;
    guint32 n;

    if (!fl_thrift_binary(&c->t, &p, &n))
        return NULL;
    if (memchr(p, '\0', n) != NULL) {
        fl_thrift_fail(&c->t, "NUL byte in a name");
        return NULL;
    }
    return g_strndup((const char *)p, n);
}

/* TimestampType { 1: bool isAdjustedToUTC, 2: TimeUnit unit }, TimeUnit
 * a union whose field ID is the unit (1 MILLIS, 2 MICROS, 3 NANOS). */
static void
read_timestamp(Ctx *c, Elem *e)
{
    FlThriftType ft, ut;
    gint16 id, uid;

    fl_thrift_struct_begin(&c->t);
    while (fl_thrift_field(&c->t, &ft, &id)) {
        if (id == 2 && want(c, ft, FL_THRIFT_STRUCT)) {
            fl_thrift_struct_begin(&c->t);
            while (fl_thrift_field(&c->t, &ut, &uid)) {
                e->logical_unit = uid;
                fl_thrift_skip(&c->t, ut);
            }
        } else if (id != 2) {
            fl_thrift_skip(&c->t, ft);
        }
    }
}

/* LogicalType: a union; the field ID says which type. */
static void
read_logical(Ctx *c, Elem *e)
{
    FlThriftType ft, it;
    gint16 id, iid;

    fl_thrift_struct_begin(&c->t);
    while (fl_thrift_field(&c->t, &ft, &id)) {
        e->logical = id;
        if (id == 8 && ft == FL_THRIFT_STRUCT) {
            read_timestamp(c, e);
        } else if (id == 10 && ft == FL_THRIFT_STRUCT) {
            /* IntType { 1: i8 bitWidth, 2: bool isSigned } */
            e->logical_signed = TRUE;
            fl_thrift_struct_begin(&c->t);
            while (fl_thrift_field(&c->t, &it, &iid)) {
                if (iid == 2 && (it == FL_THRIFT_TRUE
                                 || it == FL_THRIFT_FALSE))
                    e->logical_signed = fl_thrift_bool(&c->t, it);
                else
                    fl_thrift_skip(&c->t, it);
            }
        } else {
            fl_thrift_skip(&c->t, ft);
        }
    }
}

static void
read_schema_element(Ctx *c)
{
    Elem e = { NULL, -1, -1, -1, -1, 0, 0, TRUE, 0 };
    FlThriftType ft;
    gint16 id;

    fl_thrift_struct_begin(&c->t);
    while (fl_thrift_field(&c->t, &ft, &id)) {
        switch (id) {
        case 1:
            if (want(c, ft, FL_THRIFT_I32))
                e.type = fl_thrift_i32(&c->t);
            break;
        case 2:
            if (want(c, ft, FL_THRIFT_I32))
                e.type_length = fl_thrift_i32(&c->t);
            break;
        case 3:
            if (want(c, ft, FL_THRIFT_I32))
                e.repetition = fl_thrift_i32(&c->t);
            break;
        case 4:
            if (want(c, ft, FL_THRIFT_BINARY)) {
                g_free(e.name);
                e.name = read_string(c);
            }
            break;
        case 5:
            if (want(c, ft, FL_THRIFT_I32))
                e.num_children = fl_thrift_i32(&c->t);
            break;
        case 6:
            if (want(c, ft, FL_THRIFT_I32))
                e.converted = fl_thrift_i32(&c->t);
            break;
        case 10:
            if (want(c, ft, FL_THRIFT_STRUCT))
                read_logical(c, &e);
            break;
        default:
            fl_thrift_skip(&c->t, ft);
        }
    }
    if (e.name == NULL && !fl_thrift_failed(&c->t))
        fl_thrift_fail(&c->t, "schema element without a name");
    g_array_append_val(c->elems, e);    /* freed with the array */
}

static void
read_schema(Ctx *c)
{
    FlThriftType elem;
    guint32 n = fl_thrift_list(&c->t, &elem);

    if (n > 0 && elem != FL_THRIFT_STRUCT) {
        fl_thrift_fail(&c->t, "schema is not a list of structs");
        return;
    }
    for (guint32 i = 0; i < n && !fl_thrift_failed(&c->t); i++) {
        if (c->elems->len > FL_PQ_MAX_COLUMNS) {
            c->why = "more than 128 columns";
            fl_thrift_fail(&c->t, c->why);
            return;
        }
        read_schema_element(c);
    }
}

static FlPqIntKind
int_kind(const Elem *e)
{
    switch (e->converted) {
    case 11: case 12: case 13: case 14:         /* UINT_8 .. UINT_64 */
        return FL_PQ_INT_UNSIGNED;
    case 9:                                     /* TIMESTAMP_MILLIS */
        return FL_PQ_INT_MILLIS;
    case 10:                                    /* TIMESTAMP_MICROS */
        return FL_PQ_INT_MICROS;
    case 5: case 6: case 7: case 8: case 21:    /* DECIMAL, DATE, TIME */
        return FL_PQ_INT_OTHER;
    default:
        break;
    }
    switch (e->logical) {
    case 10:
        return e->logical_signed ? FL_PQ_INT_SIGNED : FL_PQ_INT_UNSIGNED;
    case 8:
        return e->logical_unit == 1 ? FL_PQ_INT_MILLIS
               : e->logical_unit == 2 ? FL_PQ_INT_MICROS
               : e->logical_unit == 3 ? FL_PQ_INT_NANOS : FL_PQ_INT_OTHER;
    case 5: case 6: case 7:
        return FL_PQ_INT_OTHER;
    default:
        return FL_PQ_INT_SIGNED;
    }
}

/* Turns the schema elements into columns: a root and leaves only. */
static gboolean
check_schema(Ctx *c, GError **err)
{
    Elem *el = (Elem *)(void *)c->elems->data;
    guint n = c->elems->len;
    FlPqMeta *m = c->m;

    if (n < 2) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                    "schema has no columns");
        return FALSE;
    }
    if (el[0].num_children != (gint32)(n - 1)) {
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                    "nested schema (the root has %d children, the schema "
                    "%u leaves): only flat tables are read",
                    el[0].num_children, n - 1);
        return FALSE;
    }
    m->columns = g_new0(FlPqColumn, n - 1);
    for (guint i = 1; i < n; i++) {
        Elem *e = &el[i];
        FlPqColumn *col = &m->columns[m->n_columns];

        if (e->num_children > 0 || e->type < 0) {
            g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                        "nested schema (group '%s'): only flat tables are "
                        "read", e->name);
            return FALSE;
        }
        if (e->repetition == 2) {
            g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                        "repeated column '%s': only flat tables are read",
                        e->name);
            return FALSE;
        }
        if (e->type > FL_PQ_FIXED_LEN_BYTE_ARRAY) {
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "column '%s' has unknown type %d", e->name, e->type);
            return FALSE;
        }
        col->name = g_steal_pointer(&e->name);
        col->type = (FlPqType)e->type;
        col->optional = e->repetition != 0;
        col->int_kind = int_kind(e);
        col->type_length = e->type_length;
        m->n_columns++;
    }
    return TRUE;
}

/* ColumnMetaData: what reading the chunk needs. */
static void
read_column_meta(Ctx *c, FlPqChunk *ch, gint32 *type, gint64 *data_off,
                 gint64 *dict_off, guint *n_path)
{
    FlThriftType ft, elem;
    gint16 id;

    fl_thrift_struct_begin(&c->t);
    while (fl_thrift_field(&c->t, &ft, &id)) {
        if (id == 1 && want(c, ft, FL_THRIFT_I32)) {
            *type = fl_thrift_i32(&c->t);
        } else if (id == 3 && want(c, ft, FL_THRIFT_LIST)) {
            guint32 n = fl_thrift_list(&c->t, &elem);

            *n_path = n;
            for (guint32 i = 0; i < n && !fl_thrift_failed(&c->t); i++)
                fl_thrift_skip(&c->t, elem);
        } else if (id == 4 && want(c, ft, FL_THRIFT_I32)) {
            ch->codec = (FlPqCodec)fl_thrift_i32(&c->t);
        } else if (id == 5 && want(c, ft, FL_THRIFT_I64)) {
            ch->num_values = fl_thrift_i64(&c->t);
        } else if (id == 6 && want(c, ft, FL_THRIFT_I64)) {
            ch->uncompressed = fl_thrift_i64(&c->t);
        } else if (id == 7 && want(c, ft, FL_THRIFT_I64)) {
            ch->size = fl_thrift_i64(&c->t);
        } else if (id == 9 && want(c, ft, FL_THRIFT_I64)) {
            *data_off = fl_thrift_i64(&c->t);
        } else if (id == 11 && want(c, ft, FL_THRIFT_I64)) {
            *dict_off = fl_thrift_i64(&c->t);
        } else if (id < 1 || id > 11 || id == 2 || id == 8 || id == 10) {
            fl_thrift_skip(&c->t, ft);
        }
    }
}

/* "row group R, column 'C': ..." for a chunk that cannot be read. */
static gboolean G_GNUC_PRINTF(4, 5)
chunk_bad(GError **err, guint rg, const char *col, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *why = NULL;

    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "row group %u, column '%s': "
                "%s", rg, col, why);
    return FALSE;
}

/* One ColumnChunk of row group rg, column ci: read and checked. */
static gboolean
read_chunk(Ctx *c, guint rg, guint ci, FlPqChunk *ch, GError **err)
{
    FlThriftType ft;
    gint16 id;
    gboolean has_meta = FALSE, other_file = FALSE;
    gint32 type = -1;
    gint64 data_off = -1, dict_off = -1;
    guint n_path = 0;
    const FlPqColumn *col = &c->m->columns[ci];

    ch->num_values = ch->size = ch->uncompressed = -1;
    ch->codec = (FlPqCodec)-1;
    fl_thrift_struct_begin(&c->t);
    while (fl_thrift_field(&c->t, &ft, &id)) {
        if (id == 1)
            other_file = TRUE;
        if (id == 3 && want(c, ft, FL_THRIFT_STRUCT)) {
            has_meta = TRUE;
            read_column_meta(c, ch, &type, &data_off, &dict_off, &n_path);
        } else if (id != 3) {
            fl_thrift_skip(&c->t, ft);
        }
    }
    if (fl_thrift_failed(&c->t))
        return TRUE;            /* reported with its offset */
    if (other_file || !has_meta) {
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                    "row group %u, column '%s': %s", rg, col->name,
                    other_file ? "data in another file"
                               : "no metadata (encrypted?)");
        return FALSE;
    }
    if (type != (gint32)col->type)
        return chunk_bad(err, rg, col->name, "chunk type %s, schema type %s",
                         fl_pq_type_name(type), fl_pq_type_name(col->type));
    if (n_path != 1)
        return chunk_bad(err, rg, col->name, "path of %u names in a flat "
                         "schema", n_path);
    if (ch->num_values < 0 || ch->size < 0 || ch->uncompressed < 0
        || data_off < 0)
        return chunk_bad(err, rg, col->name, "negative or missing count, "
                         "size or offset");
    /* A dictionary page comes first; 0 is what some writers put for
     * "none". */
    ch->start = dict_off > 0 && dict_off < data_off ? dict_off : data_off;
    if (ch->start < 4 || ch->size > (gint64)c->data_end
        || ch->start > (gint64)c->data_end - ch->size)
        return chunk_bad(err, rg, col->name, "chunk of %" G_GINT64_FORMAT
                         " bytes at %" G_GINT64_FORMAT " is outside the "
                         "data (%" G_GSIZE_FORMAT " bytes)", ch->size,
                         ch->start, c->data_end);
    if (data_off >= ch->start + ch->size && ch->size > 0)
        return chunk_bad(err, rg, col->name, "first data page at %"
                         G_GINT64_FORMAT " is past the chunk", data_off);
    return TRUE;
}

static void
read_row_group(Ctx *c, GArray *rgs, GError **err)
{
    FlThriftType ft, elem;
    gint16 id;
    FlPqRowGroup g = { -1, NULL, 0 };
    guint rg = rgs->len, n_chunks = 0;
    gboolean have_columns = FALSE;

    fl_thrift_struct_begin(&c->t);
    while (fl_thrift_field(&c->t, &ft, &id)) {
        if (id == 1 && want(c, ft, FL_THRIFT_LIST)) {
            guint32 n = fl_thrift_list(&c->t, &elem);

            if (fl_thrift_failed(&c->t))
                break;
            have_columns = TRUE;
            if (n != c->m->n_columns || (n && elem != FL_THRIFT_STRUCT)) {
                g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                            "row group %u has %u column chunks, the schema "
                            "%u columns", rg, n, c->m->n_columns);
                break;
            }
            g_free(g.chunks);
            g.chunks = g_new0(FlPqChunk, n);
            for (n_chunks = 0; n_chunks < n; n_chunks++)
                if (!read_chunk(c, rg, n_chunks, &g.chunks[n_chunks], err)
                    || fl_thrift_failed(&c->t))
                    break;
            if (*err || fl_thrift_failed(&c->t))
                break;
        } else if (id == 3 && want(c, ft, FL_THRIFT_I64)) {
            g.num_rows = fl_thrift_i64(&c->t);
        } else if (id != 1 && id != 3) {
            fl_thrift_skip(&c->t, ft);
        }
    }
    if (*err == NULL && !fl_thrift_failed(&c->t)) {
        if (!have_columns || g.num_rows < 0)
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "row group %u: no "
                        "columns or a negative row count", rg);
        else if (g.num_rows > FL_PQ_MAX_GROUP_ROWS)
            g_set_error(err, FL_ERROR, FL_ERROR_LIMIT, "row group %u has %"
                        G_GINT64_FORMAT " rows, more than the %d read as "
                        "one unit", rg, g.num_rows, FL_PQ_MAX_GROUP_ROWS);
        for (guint i = 0; *err == NULL && i < c->m->n_columns; i++) {
            if (g.chunks[i].num_values != g.num_rows)
                g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "row group %u, "
                            "column '%s': %" G_GINT64_FORMAT " values in %"
                            G_GINT64_FORMAT " rows", rg,
                            c->m->columns[i].name, g.chunks[i].num_values,
                            g.num_rows);
            g.end = MAX(g.end, g.chunks[i].start + g.chunks[i].size);
        }
    }
    g_array_append_val(rgs, g);         /* freed with the metadata */
}

static void
read_row_groups(Ctx *c, GError **err)
{
    FlThriftType elem;
    guint32 n = fl_thrift_list(&c->t, &elem);
    GArray *rgs = g_array_new(FALSE, FALSE, sizeof(FlPqRowGroup));

    if (c->m->columns == NULL) {
        /* Writers put the schema (field 2) before the row groups (4). */
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                    "row groups before the schema");
        n = 0;
    }
    if (n > 0 && elem != FL_THRIFT_STRUCT)
        fl_thrift_fail(&c->t, "row groups are not a list of structs");
    for (guint32 i = 0; i < n && *err == NULL && !fl_thrift_failed(&c->t);
         i++)
        read_row_group(c, rgs, err);
    c->m->n_row_groups = rgs->len;
    c->m->row_groups = (FlPqRowGroup *)(void *)g_array_free(rgs, FALSE);
}

static void
read_file_meta(Ctx *c, GError **err)
{
    FlThriftType ft;
    gint16 id;
    gboolean have_rows = FALSE;

    fl_thrift_struct_begin(&c->t);
    while (*err == NULL && fl_thrift_field(&c->t, &ft, &id)) {
        if (id == 2 && want(c, ft, FL_THRIFT_LIST)) {
            read_schema(c);
            if (!fl_thrift_failed(&c->t) && c->m->columns == NULL)
                check_schema(c, err);
        } else if (id == 3 && want(c, ft, FL_THRIFT_I64)) {
            c->m->num_rows = fl_thrift_i64(&c->t);
            have_rows = TRUE;
        } else if (id == 4 && want(c, ft, FL_THRIFT_LIST)) {
            read_row_groups(c, err);
        } else if (id == 6 && want(c, ft, FL_THRIFT_BINARY)) {
            g_free(c->m->created_by);
            c->m->created_by = read_string(c);
        } else if (id == 8) {
            g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                        "encrypted columns are not read");
        } else if (id != 2 && id != 3 && id != 4 && id != 6) {
            fl_thrift_skip(&c->t, ft);
        }
    }
    if (*err || fl_thrift_failed(&c->t))
        return;
    if (c->m->columns == NULL || !have_rows || c->m->num_rows < 0)
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                    "footer without a schema or a row count");
}

static gboolean
check_rows(const FlPqMeta *m, GError **err)
{
    gint64 sum = 0;

    for (guint i = 0; i < m->n_row_groups; i++)
        sum += m->row_groups[i].num_rows;   /* each <= 4 Mi: no overflow */
    if (sum != m->num_rows) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "the row groups hold %"
                    G_GINT64_FORMAT " rows, the footer says %"
                    G_GINT64_FORMAT, sum, m->num_rows);
        return FALSE;
    }
    return TRUE;
}

FlPqMeta *
fl_pq_meta_parse(const guint8 *file, gsize size, GError **err)
{
    Ctx c;
    guint32 flen;
    GError *local = NULL;
    FlPqMeta *m;

    if (size < 12 || !fl_pq_is_parquet(file, size)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "not a Parquet file%s",
                    size < 12 ? " (shorter than 12 bytes)"
                              : " (no PAR1 at the start)");
        return NULL;
    }
    if (memcmp(file + size - 4, "PARE", 4) == 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                    "encrypted Parquet footer: not read");
        return NULL;
    }
    if (memcmp(file + size - 4, MAGIC, 4) != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                    "no PAR1 at the end (truncated file?)");
        return NULL;
    }
    /* Byte by byte: the footer length is at no particular alignment. */
    flen = (guint32)file[size - 8] | (guint32)file[size - 7] << 8
           | (guint32)file[size - 6] << 16 | (guint32)file[size - 5] << 24;
    if ((gsize)flen > size - 12) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                    "footer length %u past the start of the file "
                    "(%" G_GSIZE_FORMAT " bytes)", flen, size);
        return NULL;
    }
    if (flen > FL_PQ_MAX_FOOTER) {
        g_set_error(err, FL_ERROR, FL_ERROR_LIMIT, "footer of %u bytes, "
                    "more than %d MiB", flen, FL_PQ_MAX_FOOTER >> 20);
        return NULL;
    }
    memset(&c, 0, sizeof c);
    c.data_end = size - 8 - flen;
    fl_thrift_init(&c.t, file + c.data_end, flen);
    c.elems = g_array_new(FALSE, TRUE, sizeof(Elem));
    g_array_set_clear_func(c.elems, elem_clear);
    c.m = m = g_new0(FlPqMeta, 1);
    read_file_meta(&c, &local);
    g_array_unref(c.elems);
    if (local == NULL && fl_thrift_failed(&c.t))
        g_set_error(&local, FL_ERROR, FL_ERROR_CORRUPT,
                    "%s at byte %" G_GSIZE_FORMAT " of the footer",
                    c.t.error, c.t.error_at);
    if (local == NULL)
        check_rows(m, &local);
    if (local != NULL) {
        g_propagate_prefixed_error(err, local, "footer: ");
        fl_pq_meta_free(m);
        return NULL;
    }
    return m;
}
