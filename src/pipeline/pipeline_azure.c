/*
 * pipeline_azure.c - Azure flow log documents (azure_flow.h) as objects a
 * worker decodes whole (pipeline_whole.c).
 *
 * A document is one part, named as the object, whose plan has every
 * field an Azure record may have and describes names as Azure's
 * (plan.cloud).  Records go through the worker's mapping step
 * (pl_worker_record) SUB_EVENTS at a time.  A bad tuple is a rejected
 * line of its reason (pl_worker_reject), which the writer reports as
 * "NAME: record R flow F group G tuple T: REASON: what; skipped" within
 * --max-errors.
 */
#include "config.h"

#include <string.h>

#include "decoders/azure_flow.h"
#include "error.h"
#include "pipeline/pipeline_int.h"

/* Far above the biggest PT1H.json Azure writes (an hour of one NIC). */
#define AZURE_MAX_INPUT (512 * 1024 * 1024)

typedef struct {
    Worker *w;
    Chunk *doc;                 /* the document's chunk */
    ObjInfo *part;
    Chunk *sub;                 /* the open sub-chunk, or NULL */
    gboolean first;             /* no sub-chunk handed on yet */
    guint n;                    /* records so far (their labels) */
} Decoding;

static Chunk *
sub_open(Decoding *d)
{
    if (d->sub == NULL) {
        d->sub = pl_sub_get(d->w->p, d->part);
        d->sub->first_of_object = d->first;
        d->first = FALSE;
        pl_worker_begin(d->w, d->sub);
    }
    return d->sub;
}

static gboolean
sub_close(Decoding *d, gboolean last, GError **err)
{
    Chunk *s = sub_open(d);

    pl_worker_end(d->w, s);
    s->last_of_object = last;
    d->sub = NULL;
    return pl_sub_put(d->w, d->doc, s, err);
}

static gboolean
on_record(const FlRecord *rec, const FlAzureWhere *where, gpointer data,
          GError **err)
{
    Decoding *d = data;
    Chunk *s = sub_open(d);

    (void)rec;                  /* it is the worker's own (w->rec) */
    (void)where;
    pl_worker_record(d->w, s, NULL, ++d->n);
    if (s->n_lines >= SUB_EVENTS)
        return sub_close(d, FALSE, err);
    return TRUE;
}

static void
on_bad(const FlAzureWhere *where, FlReject reason, const char *why,
       gpointer data)
{
    Decoding *d = data;
    Chunk *s = sub_open(d);
    char at[96];

    fl_azure_where_format(where, at, sizeof at);
    pl_worker_reject(d->w, s, reason, at, why);
}

static void
decode_azure(Worker *w, Chunk *c)
{
    Decoding d = { w, c, NULL, NULL, TRUE, 0 };
    g_autoptr(FlFormat) fmt = fl_azure_format_new();
    FlAzureDecoder *dec;
    GError *err = NULL, *stop = NULL;
    gboolean ok;

    d.part = pl_part_new(w->p, c->obj->name, NULL, fmt, &err);
    if (!d.part->plan_ok) {
        /* Cannot happen with a sane mapping config; said all the same. */
        Chunk *s = sub_open(&d);

        s->obj_error = err;
        c->part_failed = TRUE;
        sub_close(&d, TRUE, &stop);
        goto out;
    }
    d.part->plan.cloud = "azure";
    dec = fl_azure_decoder_new(w->rec);
    ok = fl_azure_decode(dec, g_bytes_get_data(c->whole, NULL),
                         g_bytes_get_size(c->whole), on_record, on_bad, &d,
                         NULL, &err);
    fl_azure_decoder_free(dec);
    if (!ok && !g_error_matches(err, FL_ERROR, FL_ERROR_STOPPED)) {
        pl_name_error(&err, c->obj->name);
        c->obj_error = g_steal_pointer(&err);
    }
    if (err == NULL || d.sub != NULL || d.first)
        sub_close(&d, TRUE, &stop);
out:
    g_clear_error(&err);
    g_clear_error(&stop);
    pl_obj_unref(d.part);
}

const PlWholeType pl_whole_azure = {
    .name = "Azure flow log document",
    .input = FL_INPUT_AZURE,
    .what = "an Azure flow log document",
    .sniff = fl_azure_sniff,
    .max_input = AZURE_MAX_INPUT,
    .decode = decode_azure,
};
