/*
 * fuzz_parquet.c - libFuzzer target for the Parquet reader.
 *
 * The input is one whole file, as the pipeline maps it: the footer is
 * opened (fl_parquet_open), then every row group is read to its end
 * or its first error, as a worker reads it.  Besides the sanitizers it
 * checks what callers rely on: a failure sets an FL_ERROR error that
 * names what failed, a success sets none; a reject names a field the
 * format has; a record's present fields are fields of the format; no
 * row group gives more rows than its footer says.
 *
 * Build and run: see README.md in this directory (seeds in parquet/).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "decoders/parquet.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_error(GError *err)
{
    if (err == NULL || err->domain != FL_ERROR || err->message[0] == '\0')
        abort();
}

static void
read_group(const FlParquet *pq, guint rg, FlRecord *rec)
{
    const FlFormat *f = fl_parquet_format(pq);
    g_autoptr(FlParquetGroup) g = fl_parquet_group_new();
    GError *err = NULL;
    gint64 rows = 0;

    if (!fl_parquet_group_start(g, pq, rg, &err)) {
        check_error(err);
        g_error_free(err);
        return;
    }
    for (;;) {
        FlReject reason = FL_REJECT_COUNT;
        FlField field = FL_F_UNKNOWN;
        FlPqNext r = fl_parquet_group_next(g, rec, &reason, &field, &err);

        if (r == FL_PQ_END)
            break;
        if (r == FL_PQ_ERROR) {
            check_error(err);
            /* the message names the row group and the column */
            if (strstr(err->message, "row group ") == NULL
                || strstr(err->message, "column '") == NULL)
                abort();
            g_error_free(err);
            break;
        }
        if (err != NULL || ++rows > fl_parquet_group_rows(pq, rg))
            abort();
        if (r == FL_PQ_REJECT) {
            if (reason >= FL_REJECT_COUNT || field == FL_F_UNKNOWN
                || !fl_format_has(f, field))
                abort();
            continue;
        }
        for (guint i = 1; i < FL_F_COUNT; i++) {
            if (fl_record_has(rec, (FlField)i)
                && !fl_format_has(f, (FlField)i))
                abort();
            /* string values must be readable */
            if (fl_record_has(rec, (FlField)i)
                && fl_field_info((FlField)i)->kind == FL_KIND_STRING) {
                volatile char sum = 0;
                const FlStr *s = &rec->v[i].s;

                for (guint32 k = 0; k < s->len; k++)
                    sum ^= s->ptr[k];
                (void)sum;
            }
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(FlParquet) pq = NULL;
    g_autofree FlRecord *rec = g_new0(FlRecord, 1);
    GError *err = NULL;

    pq = fl_parquet_open(data, size, &err);
    if (pq == NULL) {
        check_error(err);
        g_error_free(err);
        return 0;
    }
    if (err != NULL)
        abort();
    for (guint rg = 0; rg < fl_parquet_n_groups(pq); rg++)
        read_group(pq, rg, rec);
    return 0;
}
