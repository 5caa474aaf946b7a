/*
 * parquet.c - a Parquet file's columns as flow log records.
 */
#include "config.h"

#include <string.h>

#include "decoders/ipv4.h"
#include "decoders/parquet.h"
#include "decoders/parquet_meta.h"
#include "decoders/parquet_page.h"
#include "error.h"

/* How one needed column becomes one field. */
typedef struct {
    guint col;                  /* index in the file's schema */
    FlField id;
    FlKind kind;
    guint64 max;
    FlPqType type;
    FlPqIntKind int_kind;
} ColPlan;

struct FlParquet {
    const guint8 *data;
    gsize size;
    FlPqMeta *meta;
    FlFormat *format;
    guint n_plans;
    ColPlan plans[FL_PQ_MAX_COLUMNS];
};

/* What one needed column's dictionary entries are as field values,
 * worked out once per dictionary instead of once per row. */
typedef enum { DV_VALUE, DV_ABSENT, DV_REJECT } DictState;

typedef struct {
    guint generation;           /* of the reader's dictionary; 0: none */
    guint32 n;
    FlValue *values;
    guint8 *state;              /* DictState, or DV_REJECT + reason */
    gsize cap;
    gboolean all_values;        /* every entry is DV_VALUE, and n > 0 */
} DictCache;

/*
 * A batch of rows is converted column by column into typed arrays (one
 * loop per column, specialised by how it is stored), then handed out row
 * by row as plain copies: no per-value dispatch in the row step.
 */
struct FlParquetGroup {
    const FlParquet *pq;
    guint rg;
    gint64 rows_left;
    guint batch_n, batch_i;
    FlPqCodecState *codec;
    guint n_alloc;              /* plans the arrays below have room for */
    FlPqColumnReader *readers[FL_PQ_MAX_COLUMNS];   /* per plan */
    FlPqCell *cells;            /* n_alloc x FL_PQ_BATCH */
    guint8 *defs;               /* n_alloc x FL_PQ_BATCH */
    guint32 *idx;               /* n_alloc x FL_PQ_BATCH */
    DictCache dicts[FL_PQ_MAX_COLUMNS];
    /* per plan, for this batch: its dictionary's values when the row step
     * reads them through idx (no copy into vals), else NULL */
    const FlValue *direct[FL_PQ_MAX_COLUMNS];
    /* the batch as values, n_alloc x FL_PQ_BATCH, plan-major */
    FlValue *vals;
    guint8 *state;              /* DictState, or DV_REJECT + reason */
    /* per row of the batch */
    guint64 (*absent)[2];       /* a row's fields without a value... */
    guint64 batch_fields[2];    /* ... out of these, the batch's fields */
    guint8 *bad;                /* 1 + the first plan that rejects; 0 */
    char (*text)[24];           /* an integer as text: per plan and row */
};

/* ------------------------------------------------------------------ */
/* the file                                                            */

/* The format of the columns: "account_id" reads as "account-id"; any
 * byte a format name cannot hold becomes '-' too. */
static FlFormat *
make_format(const FlPqMeta *m, GError **err)
{
    g_autoptr(GString) spec = g_string_new(NULL);

    for (guint i = 0; i < m->n_columns; i++) {
        const char *n = m->columns[i].name;

        if (i)
            g_string_append_c(spec, ' ');
        if (*n == '\0')
            n = "-";
        for (; *n; n++)
            g_string_append_c(spec, g_ascii_isalnum(*n) ? *n : '-');
    }
    return fl_format_parse(spec->str, (gssize)spec->len, err);
}

/* Can values of column c fill field id?  Checked once per file. */
static gboolean
check_plan(const FlPqColumn *c, const ColPlan *cp, GError **err)
{
    const char *why = NULL;

    if (c->type != FL_PQ_INT32 && c->type != FL_PQ_INT64
        && c->type != FL_PQ_BYTE_ARRAY)
        why = "is not INT32, INT64 or BYTE_ARRAY";
    else if (c->type != FL_PQ_BYTE_ARRAY && cp->kind != FL_KIND_UINT
             && cp->kind != FL_KIND_STRING)
        why = "is an integer; the field needs text";
    else if (c->type != FL_PQ_BYTE_ARRAY && c->int_kind == FL_PQ_INT_OTHER)
        why = "is a decimal, date or time; the field needs a count";
    if (why == NULL)
        return TRUE;
    g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED, "column '%s' (%s) %s",
                c->name, fl_pq_type_name(c->type), why);
    return FALSE;
}

FlParquet *
fl_parquet_open(const guint8 *data, gsize size, GError **err)
{
    g_autoptr(FlParquet) pq = g_new0(FlParquet, 1);

    pq->data = data;
    pq->size = size;
    pq->meta = fl_pq_meta_parse(data, size, err);
    if (pq->meta == NULL)
        return NULL;
    pq->format = make_format(pq->meta, err);
    if (pq->format == NULL) {
        g_prefix_error(err, "column names: ");
        return NULL;
    }
    for (guint i = 0; i < pq->meta->n_columns; i++) {
        const FlPqColumn *c = &pq->meta->columns[i];
        ColPlan *cp = &pq->plans[pq->n_plans];
        const FlFieldInfo *fi;

        if (pq->format->column[i] == FL_F_UNKNOWN)
            continue;           /* kept out: never decoded */
        fi = fl_field_info(pq->format->column[i]);
        cp->col = i;
        cp->id = fi->id;
        cp->kind = fi->kind;
        cp->max = fi->max;
        cp->type = c->type;
        cp->int_kind = c->int_kind;
        if (!check_plan(c, cp, err))
            return NULL;
        pq->n_plans++;
    }
    return g_steal_pointer(&pq);
}

void
fl_parquet_free(FlParquet *pq)
{
    if (pq == NULL)
        return;
    fl_pq_meta_free(pq->meta);
    if (pq->format)
        fl_format_unref(pq->format);
    g_free(pq);
}

const FlFormat *
fl_parquet_format(const FlParquet *pq)
{
    return pq->format;
}

guint
fl_parquet_n_groups(const FlParquet *pq)
{
    return pq->meta->n_row_groups;
}

gint64
fl_parquet_group_rows(const FlParquet *pq, guint rg)
{
    g_return_val_if_fail(rg < pq->meta->n_row_groups, 0);
    return pq->meta->row_groups[rg].num_rows;
}

gsize
fl_parquet_group_end(const FlParquet *pq, guint rg)
{
    g_return_val_if_fail(rg < pq->meta->n_row_groups, 0);
    return (gsize)pq->meta->row_groups[rg].end;
}

gsize
fl_parquet_group_start_offset(const FlParquet *pq, guint rg)
{
    const FlPqRowGroup *g;
    gint64 start;

    g_return_val_if_fail(rg < pq->meta->n_row_groups, 0);
    g = &pq->meta->row_groups[rg];
    start = g->end;
    for (guint i = 0; i < pq->meta->n_columns; i++)
        start = MIN(start, g->chunks[i].start);
    return (gsize)start;
}

const char *
fl_parquet_created_by(const FlParquet *pq)
{
    return pq->meta->created_by;
}

/* ------------------------------------------------------------------ */
/* a row group                                                         */

static void
group_error(const FlParquetGroup *g, guint plan, GError **err)
{
    g_prefix_error(err, "row group %u, column '%s': ", g->rg,
                   g->pq->meta->columns[g->pq->plans[plan].col].name);
}

FlParquetGroup *
fl_parquet_group_new(void)
{
    FlParquetGroup *g = g_new0(FlParquetGroup, 1);

    g->codec = fl_pq_codec_new();
    return g;
}

gboolean
fl_parquet_group_start(FlParquetGroup *g, const FlParquet *pq, guint rg,
                       GError **err)
{
    const FlPqRowGroup *grp;
    guint n = MAX(pq->n_plans, 1);

    g_return_val_if_fail(rg < pq->meta->n_row_groups, FALSE);
    grp = &pq->meta->row_groups[rg];
    g->pq = pq;
    g->rg = rg;
    g->rows_left = grp->num_rows;
    g->batch_n = g->batch_i = 0;
    if (n > g->n_alloc) {
        gsize cells = (gsize)n * FL_PQ_BATCH;

        g->cells = g_renew(FlPqCell, g->cells, cells);
        g->defs = g_renew(guint8, g->defs, cells);
        g->idx = g_renew(guint32, g->idx, cells);
        g->vals = g_renew(FlValue, g->vals, cells);
        g->state = g_renew(guint8, g->state, cells);
        g->text = g_realloc(g->text, cells * sizeof *g->text);
        g->n_alloc = n;
    }
    if (g->absent == NULL) {
        g->absent = g_malloc(FL_PQ_BATCH * sizeof *g->absent);
        g->bad = g_malloc(FL_PQ_BATCH);
    }
    for (guint i = 0; i < pq->n_plans; i++) {
        guint c = pq->plans[i].col;

        if (g->readers[i] == NULL)
            g->readers[i] = fl_pq_column_new(g->codec);
        g->dicts[i].generation = 0;
        if (!fl_pq_column_start(g->readers[i], pq->data, pq->size,
                                &pq->meta->columns[c], &grp->chunks[c],
                                err)) {
            group_error(g, i, err);
            return FALSE;
        }
    }
    return TRUE;
}

void
fl_parquet_group_free(FlParquetGroup *g)
{
    if (g == NULL)
        return;
    for (guint i = 0; i < FL_PQ_MAX_COLUMNS; i++) {
        fl_pq_column_free(g->readers[i]);
        g_free(g->dicts[i].values);
        g_free(g->dicts[i].state);
    }
    fl_pq_codec_free(g->codec);
    g_free(g->cells);
    g_free(g->defs);
    g_free(g->idx);
    g_free(g->vals);
    g_free(g->state);
    g_free(g->text);
    g_free(g->absent);
    g_free(g->bad);
    g_free(g);
}

/* An integer cell into a field; FALSE with *reason.  text: room for the
 * integer as text, when the field is a string. */
static gboolean
int_value(const ColPlan *cp, gint64 v, char *text, FlValue *out,
          FlReject *reason)
{
    guint64 u;

    if (cp->int_kind == FL_PQ_INT_UNSIGNED) {
        u = cp->type == FL_PQ_INT32 ? (guint64)(guint32)v : (guint64)v;
    } else if (v < 0) {
        *reason = FL_REJECT_NUMBER;
        return FALSE;
    } else {
        u = (guint64)v;
        /* A timestamp column holds time in its unit; fields in seconds. */
        if (cp->int_kind == FL_PQ_INT_MILLIS)
            u /= 1000;
        else if (cp->int_kind == FL_PQ_INT_MICROS)
            u /= 1000000;
        else if (cp->int_kind == FL_PQ_INT_NANOS)
            u /= 1000000000;
    }
    if (cp->kind == FL_KIND_STRING) {
        /* An ID written as a number (account_id as INT64): its text. */
        int len = g_snprintf(text, 24, "%" G_GUINT64_FORMAT, u);

        out->s.ptr = text;
        out->s.len = (guint32)len;
        return TRUE;
    }
    if (u > cp->max) {
        *reason = FL_REJECT_NUMBER;
        return FALSE;
    }
    out->u = u;
    return TRUE;
}

/* One cell into a field: DV_VALUE, DV_ABSENT, or DV_REJECT with
 * *reason. */
static DictState
cell_value(const ColPlan *cp, const FlPqCell *cell, char *text, FlValue *v,
           FlReject *reason)
{
    if (cp->type != FL_PQ_BYTE_ARRAY)
        return int_value(cp, cell->i, text, v, reason) ? DV_VALUE
                                                       : DV_REJECT;
    if (cell->s.len == 0 || (cell->s.len == 1 && cell->s.ptr[0] == '-'))
        return DV_ABSENT;               /* as "-" in text */
    return fl_decode_value(cp->kind, cp->max, cell->s.ptr, cell->s.len, v,
                           reason) ? DV_VALUE : DV_REJECT;
}

/* The dictionary's entries as values, unless they are already. */
static const DictCache *
dict_cache(FlParquetGroup *g, guint i)
{
    DictCache *d = &g->dicts[i];
    guint32 n;
    guint gen;
    const FlPqCell *e = fl_pq_column_dict(g->readers[i], &n, &gen);

    if (d->generation == gen)
        return d;
    if (n > d->cap) {
        d->values = g_renew(FlValue, d->values, n);
        d->state = g_renew(guint8, d->state, n);
        d->cap = n;
    }
    for (guint32 k = 0; k < n; k++) {
        FlReject why = FL_REJECT_COUNT;
        DictState st = cell_value(&g->pq->plans[i], &e[k], NULL,
                                  &d->values[k], &why);

        d->state[k] = st == DV_REJECT ? (guint8)(DV_REJECT + why)
                                      : (guint8)st;
    }
    d->n = n;
    d->generation = gen;
    d->all_values = n > 0;
    for (guint32 k = 0; k < n; k++)
        d->all_values &= d->state[k] == DV_VALUE;
    return d;
}

/*
 * The full IPv6 form AWS writes: eight groups of 1 to 4 hex digits and
 * seven colons, nothing else (no "::", no embedded IPv4), which
 * inet_pton reads the same way.  FALSE for anything else, which goes to
 * fl_decode_value.
 */
static inline gboolean
eight_groups(const char *s, guint32 len, guint8 *out)
{
    const guint8 *p = (const guint8 *)s, *end = p + len;

    if (len < 15 || len > 39)
        return FALSE;
    for (int i = 0; i < 8; i++) {
        guint v = 0, nd = 0;

        for (; p < end && nd < 5; p++, nd++) {
            guint c = *p, d;

            if (c - '0' <= 9)
                d = c - '0';
            else if ((c | 0x20) - 'a' <= 5)
                d = (c | 0x20) - 'a' + 10;
            else
                break;
            v = v << 4 | d;
        }
        if (nd == 0 || nd > 4)
            return FALSE;
        out[2 * i] = (guint8)(v >> 8);
        out[2 * i + 1] = (guint8)v;
        if (i < 7) {
            if (p == end || *p != ':')
                return FALSE;
            p++;
        }
    }
    return p == end;
}

/* ---- one column of a batch into values ----
 * Each fills vals[j] and st[j] (DictState, or DV_REJECT + reason) for the
 * n rows of the batch; def[j] is FALSE for a null. */

static void
conv_indexed(const DictCache *d, const guint32 *idx, const guint8 *def,
             guint n, FlValue *vals, guint8 *st)
{
    for (guint j = 0; j < n; j++) {
        if (G_LIKELY(def[j])) {
            guint32 k = idx[j];

            vals[j] = d->values[k];
            st[j] = d->state[k];
        } else {
            st[j] = DV_ABSENT;
        }
    }
}

/* A count from an INT32 or INT64 column (no timestamp unit). */
static void
conv_count(const ColPlan *cp, const FlPqCell *cells, const guint8 *def,
           guint n, FlValue *vals, guint8 *st)
{
    gboolean uns = cp->int_kind == FL_PQ_INT_UNSIGNED;
    gboolean i32 = cp->type == FL_PQ_INT32;
    guint64 max = cp->max;

    for (guint j = 0; j < n; j++) {
        gint64 v = cells[j].i;
        guint64 u = uns && i32 ? (guint64)(guint32)v : (guint64)v;

        if (G_UNLIKELY(!def[j]))
            st[j] = DV_ABSENT;
        else if (G_UNLIKELY((!uns && v < 0) || u > max))
            st[j] = DV_REJECT + FL_REJECT_NUMBER;
        else {
            vals[j].u = u;
            st[j] = DV_VALUE;
        }
    }
}

static void
conv_addr(const ColPlan *cp, const FlPqCell *cells, const guint8 *def,
          guint n, FlValue *vals, guint8 *st)
{
    for (guint j = 0; j < n; j++) {
        if (G_UNLIKELY(!def[j])) {
            st[j] = DV_ABSENT;
        } else if (G_LIKELY(fl_ipv4_parse(cells[j].s.ptr, cells[j].s.len,
                                        vals[j].a.bytes))) {
            vals[j].a.family = 4;
            st[j] = DV_VALUE;
        } else if (eight_groups(cells[j].s.ptr, cells[j].s.len,
                                vals[j].a.bytes)) {
            vals[j].a.family = 6;
            st[j] = DV_VALUE;
        } else {
            FlReject why = FL_REJECT_COUNT;
            DictState r = cell_value(cp, &cells[j], NULL, &vals[j], &why);

            st[j] = r == DV_REJECT ? (guint8)(DV_REJECT + why) : (guint8)r;
        }
    }
}

static void
conv_any(const ColPlan *cp, const FlPqCell *cells, const guint8 *def,
         guint n, char (*text)[24], FlValue *vals, guint8 *st)
{
    for (guint j = 0; j < n; j++) {
        FlReject why = FL_REJECT_COUNT;
        DictState r;

        if (!def[j]) {
            st[j] = DV_ABSENT;
            continue;
        }
        r = cell_value(cp, &cells[j], text[j], &vals[j], &why);
        st[j] = r == DV_REJECT ? (guint8)(DV_REJECT + why) : (guint8)r;
    }
}

/* Plan i's column of the batch (n rows) into values, and its fields into
 * the rows' presence masks and first rejects. */
static void
convert_column(FlParquetGroup *g, guint i, gboolean indexed, guint n)
{
    const ColPlan *cp = &g->pq->plans[i];
    gsize at = (gsize)i * FL_PQ_BATCH;
    const FlPqCell *cells = g->cells + at;
    const guint8 *def = g->defs + at;
    FlValue *vals = g->vals + at;
    guint8 *st = g->state + at;
    guint w = cp->id >> 6;
    guint64 bit = G_GUINT64_CONSTANT(1) << (cp->id & 63);

    g->direct[i] = NULL;
    if (indexed) {
        const DictCache *d = dict_cache(g, i);

        if (d->all_values) {
            /* The row step reads the entry itself; only nulls to mark. */
            g->direct[i] = d->values;
            g->batch_fields[w] |= bit;
            for (guint j = 0; j < n; j++)
                if (G_UNLIKELY(!def[j]))
                    g->absent[j][w] |= bit;
            return;
        }
        conv_indexed(d, g->idx + at, def, n, vals, st);
    } else if (cp->type != FL_PQ_BYTE_ARRAY && cp->kind == FL_KIND_UINT
             && (cp->int_kind == FL_PQ_INT_SIGNED
                 || cp->int_kind == FL_PQ_INT_UNSIGNED))
        conv_count(cp, cells, def, n, vals, st);
    else if (cp->type == FL_PQ_BYTE_ARRAY && cp->kind == FL_KIND_ADDR)
        conv_addr(cp, cells, def, n, vals, st);
    else
        conv_any(cp, cells, def, n, g->text + at, vals, st);
    /* Mostly every row has the field: only the rows without it are
     * touched (a NODATA row is in most batches, so a per-row mask for
     * the whole batch cost more). */
    g->batch_fields[w] |= bit;
    for (guint j = 0; j < n; j++) {
        if (G_LIKELY(st[j] == DV_VALUE))
            continue;
        g->absent[j][w] |= bit;
        if (st[j] >= DV_REJECT && g->bad[j] == 0)
            g->bad[j] = (guint8)(i + 1);
    }
}

/* Decodes the next batch of rows of every needed column. */
static gboolean
next_batch(FlParquetGroup *g, GError **err)
{
    const FlParquet *pq = g->pq;
    guint n = (guint)MIN(g->rows_left, FL_PQ_BATCH);

    for (guint i = 0; i < pq->n_plans; i++) {
        gint64 a = fl_pq_column_ready(g->readers[i], err);

        if (a == 0)
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "values end with %"
                        G_GINT64_FORMAT " rows of the row group to come",
                        g->rows_left);
        if (a <= 0) {
            group_error(g, i, err);
            return FALSE;
        }
        n = (guint)MIN((gint64)n, a);
    }
    memset(g->absent, 0, n * sizeof *g->absent);
    g->batch_fields[0] = g->batch_fields[1] = 0;
    memset(g->bad, 0, n);
    for (guint i = 0; i < pq->n_plans; i++) {
        /* An integer shown as text needs the per-row text: no cache. */
        gboolean cacheable = pq->plans[i].type == FL_PQ_BYTE_ARRAY
                             || pq->plans[i].kind != FL_KIND_STRING;
        gboolean indexed = FALSE;

        if (!fl_pq_column_read(g->readers[i], n,
                               g->cells + (gsize)i * FL_PQ_BATCH,
                               g->defs + (gsize)i * FL_PQ_BATCH,
                               cacheable ? g->idx + (gsize)i * FL_PQ_BATCH
                                         : NULL,
                               &indexed, err)) {
            group_error(g, i, err);
            return FALSE;
        }
        convert_column(g, i, indexed, n);
    }
    g->batch_n = n;
    g->batch_i = 0;
    g->rows_left -= n;
    return TRUE;
}

FlPqNext
fl_parquet_group_next(FlParquetGroup *g, FlRecord *rec, FlReject *reason,
                      FlField *field, GError **err)
{
    const FlParquet *pq = g->pq;
    const FlValue *v;
    const guint32 *ix;
    guint j;

    if (g->batch_i == g->batch_n) {
        if (g->rows_left == 0)
            return FL_PQ_END;
        if (!next_batch(g, err))
            return FL_PQ_ERROR;
    }
    j = g->batch_i++;
    if (G_UNLIKELY(g->bad[j])) {
        guint i = g->bad[j] - 1u;

        *reason = (FlReject)(g->state[(gsize)i * FL_PQ_BATCH + j]
                             - DV_REJECT);
        *field = pq->plans[i].id;
        return FL_PQ_REJECT;
    }
    rec->present[0] = g->batch_fields[0] & ~g->absent[j][0];
    rec->present[1] = g->batch_fields[1] & ~g->absent[j][1];
    rec->n_unknown = 0;
    /* Absent fields are copied too: their presence bit is clear (a null
     * row's idx is 0, a valid entry). */
    v = g->vals + j;
    ix = g->idx + j;
    for (guint i = 0; i < pq->n_plans; i++, v += FL_PQ_BATCH,
         ix += FL_PQ_BATCH)
        rec->v[pq->plans[i].id] = g->direct[i] ? g->direct[i][*ix] : *v;
    return FL_PQ_ROW;
}
