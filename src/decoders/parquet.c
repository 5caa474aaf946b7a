/*
 * parquet.c - a Parquet file's columns as flow log records.
 */
#include "config.h"

#include <string.h>

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
} DictCache;

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
    gboolean indexed[FL_PQ_MAX_COLUMNS];    /* this batch: idx, not cells */
    const DictCache *batch_dict[FL_PQ_MAX_COLUMNS]; /* when indexed */
    DictCache dicts[FL_PQ_MAX_COLUMNS];
    char (*scratch)[24];        /* per plan: an integer as text */
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
        g->cells = g_renew(FlPqCell, g->cells, (gsize)n * FL_PQ_BATCH);
        g->defs = g_renew(guint8, g->defs, (gsize)n * FL_PQ_BATCH);
        g->idx = g_renew(guint32, g->idx, (gsize)n * FL_PQ_BATCH);
        g->scratch = g_realloc(g->scratch, (gsize)n * sizeof *g->scratch);
        g->n_alloc = n;
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
    g_free(g->scratch);
    g_free(g);
}

static const DictCache *dict_cache(FlParquetGroup *g, guint i);

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
    for (guint i = 0; i < pq->n_plans; i++) {
        /* An integer shown as text needs the per-row scratch: no cache. */
        gboolean cacheable = pq->plans[i].type == FL_PQ_BYTE_ARRAY
                             || pq->plans[i].kind != FL_KIND_STRING;

        if (!fl_pq_column_read(g->readers[i], n,
                               g->cells + (gsize)i * FL_PQ_BATCH,
                               g->defs + (gsize)i * FL_PQ_BATCH,
                               cacheable ? g->idx + (gsize)i * FL_PQ_BATCH
                                         : NULL,
                               &g->indexed[i], err)) {
            group_error(g, i, err);
            return FALSE;
        }
    }
    for (guint i = 0; i < pq->n_plans; i++)
        g->batch_dict[i] = g->indexed[i] ? dict_cache(g, i) : NULL;
    g->batch_n = n;
    g->batch_i = 0;
    g->rows_left -= n;
    return TRUE;
}

/* An integer cell into a field; FALSE with *reason. */
static gboolean
int_value(FlParquetGroup *g, guint i, const ColPlan *cp, gint64 v,
          FlValue *out, FlReject *reason)
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
        int len = g_snprintf(g->scratch[i], sizeof g->scratch[i],
                             "%" G_GUINT64_FORMAT, u);
        out->s.ptr = g->scratch[i];
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
cell_value(FlParquetGroup *g, guint i, const ColPlan *cp,
           const FlPqCell *cell, FlValue *v, FlReject *reason)
{
    if (cp->type != FL_PQ_BYTE_ARRAY)
        return int_value(g, i, cp, cell->i, v, reason) ? DV_VALUE
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
        DictState st = cell_value(g, i, &g->pq->plans[i], &e[k],
                                  &d->values[k], &why);

        d->state[k] = st == DV_REJECT ? (guint8)(DV_REJECT + why)
                                      : (guint8)st;
    }
    d->n = n;
    d->generation = gen;
    return d;
}

FlPqNext
fl_parquet_group_next(FlParquetGroup *g, FlRecord *rec, FlReject *reason,
                      FlField *field, GError **err)
{
    const FlParquet *pq = g->pq;
    guint j;

    if (g->batch_i == g->batch_n) {
        if (g->rows_left == 0)
            return FL_PQ_END;
        if (!next_batch(g, err))
            return FL_PQ_ERROR;
    }
    j = g->batch_i++;
    fl_record_reset(rec);
    for (guint i = 0; i < pq->n_plans; i++) {
        const ColPlan *cp = &pq->plans[i];
        gsize at = (gsize)i * FL_PQ_BATCH + j;
        FlValue *v = &rec->v[cp->id];
        guint st;

        if (!g->defs[at])
            continue;                   /* null: absent */
        if (g->indexed[i]) {
            const DictCache *d = g->batch_dict[i];
            guint32 k = g->idx[at];

            st = d->state[k];
            if (st == DV_VALUE) {
                *v = d->values[k];
            } else if (st >= DV_REJECT) {
                *reason = (FlReject)(st - DV_REJECT);
                st = DV_REJECT;
            }
        } else {
            st = cell_value(g, i, cp, &g->cells[at], v, reason);
        }
        if (st == DV_ABSENT)
            continue;
        if (st != DV_VALUE) {
            *field = cp->id;
            return FL_PQ_REJECT;
        }
        fl_record_set_present(rec, cp->id);
    }
    return FL_PQ_ROW;
}
