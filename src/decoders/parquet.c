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

struct FlParquetGroup {
    const FlParquet *pq;
    guint rg;
    gint64 rows_left;
    guint batch_n, batch_i;
    FlPqCodecState *codec;
    FlPqColumnReader *readers[FL_PQ_MAX_COLUMNS];   /* per plan */
    FlPqCell *cells;            /* n_plans x FL_PQ_BATCH */
    guint8 *defs;               /* n_plans x FL_PQ_BATCH */
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
fl_parquet_group_new(const FlParquet *pq, guint rg, GError **err)
{
    g_autoptr(FlParquetGroup) g = g_new0(FlParquetGroup, 1);
    const FlPqRowGroup *grp;

    g_return_val_if_fail(rg < pq->meta->n_row_groups, NULL);
    grp = &pq->meta->row_groups[rg];
    g->pq = pq;
    g->rg = rg;
    g->rows_left = grp->num_rows;
    g->codec = fl_pq_codec_new();
    g->cells = g_new(FlPqCell, (gsize)MAX(pq->n_plans, 1) * FL_PQ_BATCH);
    g->defs = g_new(guint8, (gsize)MAX(pq->n_plans, 1) * FL_PQ_BATCH);
    g->scratch = g_malloc((gsize)MAX(pq->n_plans, 1) * sizeof *g->scratch);
    for (guint i = 0; i < pq->n_plans; i++) {
        guint c = pq->plans[i].col;

        g->readers[i] = fl_pq_column_new(g->codec);
        if (!fl_pq_column_start(g->readers[i], pq->data, pq->size,
                                &pq->meta->columns[c], &grp->chunks[c],
                                err)) {
            group_error(g, i, err);
            return NULL;
        }
    }
    return g_steal_pointer(&g);
}

void
fl_parquet_group_free(FlParquetGroup *g)
{
    if (g == NULL)
        return;
    for (guint i = 0; i < FL_PQ_MAX_COLUMNS; i++)
        fl_pq_column_free(g->readers[i]);
    fl_pq_codec_free(g->codec);
    g_free(g->cells);
    g_free(g->defs);
    g_free(g->scratch);
    g_free(g);
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
    for (guint i = 0; i < pq->n_plans; i++) {
        if (!fl_pq_column_read(g->readers[i], n,
                               g->cells + (gsize)i * FL_PQ_BATCH,
                               g->defs + (gsize)i * FL_PQ_BATCH, err)) {
            group_error(g, i, err);
            return FALSE;
        }
    }
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
        const FlPqCell *cell = &g->cells[(gsize)i * FL_PQ_BATCH + j];
        FlValue *v = &rec->v[cp->id];

        if (!g->defs[(gsize)i * FL_PQ_BATCH + j])
            continue;                   /* null: absent */
        if (cp->type != FL_PQ_BYTE_ARRAY) {
            if (!int_value(g, i, cp, cell->i, v, reason))
                goto reject;
        } else {
            const FlStr *s = &cell->s;

            if (s->len == 0 || (s->len == 1 && s->ptr[0] == '-'))
                continue;               /* as "-" in text: absent */
            if (!fl_decode_value(cp->kind, cp->max, s->ptr, s->len, v,
                                 reason))
                goto reject;
        }
        fl_record_set_present(rec, cp->id);
        continue;
    reject:
        *field = cp->id;
        return FL_PQ_REJECT;
    }
    return FL_PQ_ROW;
}
