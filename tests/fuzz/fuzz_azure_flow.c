/*
 * fuzz_azure_flow.c - libFuzzer target for the Azure flow log decoder
 * (azure_flow.c, azure_tuple.c) and the mapper behind it.
 *
 * The input is one document.  Besides the sanitizers, it checks what the
 * pipeline relies on: every record handed out has the fields the mapping
 * needs and maps (or is rejected with a field named); a record's start is
 * not after its end; a bad tuple's reason is valid; records plus bad
 * tuples plus B tuples never exceed what the tuples can give (two records
 * a tuple); a failed decode says why in the FL_ERROR domain.
 *
 * Build and run: see README.md in this directory (seeds in azure_flow/).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "decoders/azure_flow.h"
#include "error.h"
#include "mapper.h"

typedef struct {
    FlMapPlan plan;
    FlMapperConfig cfg;
    FlMapperThread t;
} Fuzz;

static gboolean
on_record(const FlRecord *rec, const FlAzureWhere *w, gpointer data,
          GError **err)
{
    Fuzz *f = data;
    FlIpfixRec out;
    guint variant = 0, column = 0;
    FlReject reason = FL_REJECT_COUNT;
    FlMapResult r;

    (void)err;
    if (w->record == 0 || w->tuple == 0)
        abort();
    if (rec->v[FL_F_START].u > rec->v[FL_F_END].u)
        abort();
    r = fl_map_record(&f->plan, &f->cfg, &f->t, rec, &out, &variant,
                      &reason, &column);
    if (r == FL_MAP_REJECT && (reason >= FL_REJECT_COUNT
                               || column >= FL_F_COUNT))
        abort();
    if (r == FL_MAP_NODATA || r == FL_MAP_SKIPDATA)
        abort();
    if (r == FL_MAP_RECORD && (variant >= FL_V_COUNT
                               || out.ingressInterface < 16))
        abort();
    g_array_set_size(f->t.new_names, 0);
    return TRUE;
}

static void
on_bad(const FlAzureWhere *w, FlReject reason, const char *why,
       gpointer data)
{
    (void)data;
    if (reason >= FL_REJECT_COUNT || why == NULL || w->tuple == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fuzz f;
    FlAzureCounts n = { 0 };
    FlFormat *fmt = fl_azure_format_new();
    FlAzureDecoder *d = fl_azure_decoder_new(NULL);
    GError *err = NULL;

    memset(&f, 0, sizeof f);
    f.cfg.time_elements = FL_TIME_BOTH;
    f.cfg.id_bits = 32;
    if (!fl_map_plan_init(&f.plan, fmt, &f.cfg, NULL))
        abort();
    f.plan.cloud = "azure";
    fl_mapper_thread_init(&f.t, &f.cfg);
    if (!fl_azure_decode(d, data, size, on_record, on_bad, &f, &n, &err)) {
        if (err == NULL || err->domain != FL_ERROR || !err->message[0])
            abort();
        g_error_free(err);
    }
    if (n.out + n.bad > 2 * n.tuples || n.begins > n.tuples)
        abort();
    fl_azure_sniff(data, size);
    fl_azure_decoder_free(d);
    fl_mapper_thread_clear(&f.t);
    fl_format_unref(fmt);
    return 0;
}
