/*
 * pipeline_cloud.c - other clouds' flow-log documents as objects a worker
 * decodes whole (pipeline_whole.c): Oracle Cloud VCN flow logs
 * (oci_flow.h) and Google Cloud VPC flow logs (gcp_flow.h).  Google's
 * records carry no verdict: their format is marked no_action (no
 * egressInterface), and sampled (interface descriptions say so).  Every
 * Google report is kept, each with its reporter as flowDirection, unless
 * --gcp-reporter keeps one side (the other is passed over, not counted).
 *
 * A document is one part, named as the object, whose format lists the
 * fields the decoder fills; its records go through the worker's map step
 * (pl_worker_record) SUB_EVENTS at a time.  A bad entry is a rejected
 * line of the sub-chunk it falls in (pl_worker_reject): the writer logs
 * it with its line, within --max-errors.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "pipeline/pipeline_int.h"
#include "decoders/gcp_flow.h"
#include "decoders/oci_flow.h"

/* The fields oci_flow.c fills (oci_flow.h). */
#define OCI_FIELDS "account-id interface-id srcaddr dstaddr srcport " \
    "dstport protocol packets bytes start end action log-status vpc-id " \
    "subnet-id"

/* The fields gcp_flow.c fills (gcp_flow.h): no action. */
#define GCP_FIELDS "account-id interface-id srcaddr dstaddr srcport " \
    "dstport protocol packets bytes start end log-status vpc-id " \
    "subnet-id instance-id region az-id flow-direction"

typedef struct {
    Worker *w;
    Chunk *c;                   /* the document's chunk */
    ObjInfo *part;
    Chunk *sub;                 /* being filled, or NULL */
    gboolean first;
    GError *plan_err;
} Sink;

static void
sub_open(Sink *k)
{
    if (k->sub)
        return;
    k->sub = pl_sub_get(k->w->p, k->part);
    k->sub->first_of_object = k->first;
    k->first = FALSE;
    if (k->part->plan_ok)
        pl_worker_begin(k->w, k->sub);
}

static gboolean
sub_close(Sink *k, gboolean last, GError **err)
{
    Chunk *s;

    sub_open(k);
    s = k->sub;
    k->sub = NULL;
    s->last_of_object = last;
    if (k->part->plan_ok)
        pl_worker_end(k->w, s);
    else if (s->obj_error == NULL && k->plan_err)
        s->obj_error = g_error_copy(k->plan_err);
    if (s->obj_error)
        k->c->part_failed = TRUE;
    return pl_sub_put(k->w, k->c, s, err);
}

static gboolean
on_record(const FlCloudRecord *r, gpointer data, GError **err)
{
    Sink *k = data;
    FlRecord *rec = k->w->rec;

    sub_open(k);
    if (!k->part->plan_ok) {
        k->sub->n_lines++;
        return TRUE;
    }
    /* The decoder's record into the worker's: only what is set. */
    rec->present[0] = r->rec->present[0];
    rec->present[1] = r->rec->present[1];
    rec->n_unknown = 0;
    memcpy(rec->v, r->rec->v, sizeof rec->v);
    pl_worker_record(k->w, k->sub, r->where, 0);
    if (k->sub->n_lines >= SUB_EVENTS)
        return sub_close(k, FALSE, err);
    return TRUE;
}

static void
on_bad(const char *where, FlReject reason, const char *why, gpointer data)
{
    Sink *k = data;

    sub_open(k);
    pl_worker_reject(k->w, k->sub, reason, where, why);
}

/* A decoder's walk over the document, with the sink's callbacks. */
typedef gboolean (*DecodeFunc)(gpointer dec, const char *buf, gsize len,
                               FlCloudRecordFunc rec_f,
                               FlCloudBadFunc bad_f, gpointer data,
                               GError **err);

/* The document c as one part of format fmt, through decode. */
static void
decode_doc(Worker *w, Chunk *c, FlFormat *fmt, gboolean sampled,
           DecodeFunc decode, gpointer dec)
{
    Sink k = { w, c, NULL, NULL, TRUE, NULL };
    GError *err = NULL;
    gboolean ok;

    k.part = pl_part_new(w->p, c->obj->name, NULL, fmt, &k.plan_err);
    k.part->plan.sampled = sampled;
    ok = decode(dec, g_bytes_get_data(c->whole, NULL),
                g_bytes_get_size(c->whole), on_record, on_bad, &k, &err);
    /* The last sub-chunk, with what was decoded before a failure; when
     * the output stopped, an open one is only given back. */
    if (ok)
        (void)sub_close(&k, TRUE, &err);
    else if (k.sub || !g_error_matches(err, FL_ERROR, FL_ERROR_STOPPED))
        (void)sub_close(&k, TRUE, NULL);
    if (err && !g_error_matches(err, FL_ERROR, FL_ERROR_STOPPED)) {
        pl_name_error(&err, c->obj->name);
        c->obj_error = err;
    } else {
        g_clear_error(&err);
    }
    g_clear_error(&k.plan_err);
    pl_obj_unref(k.part);
}

static gboolean
oci_decode(gpointer dec, const char *buf, gsize len, FlCloudRecordFunc rec_f,
           FlCloudBadFunc bad_f, gpointer data, GError **err)
{
    return fl_oci_decoder_decode(dec, buf, len, rec_f, bad_f, data, NULL, err);
}

static void
decode_oci(Worker *w, Chunk *c)
{
    g_autoptr(FlFormat) fmt = fl_format_parse(OCI_FIELDS, -1, NULL);
    FlOciDecoder *d = fl_oci_decoder_new();

    decode_doc(w, c, fmt, FALSE, oci_decode, d);
    fl_oci_decoder_free(d);
}

static gboolean
gcp_decode(gpointer dec, const char *buf, gsize len, FlCloudRecordFunc rec_f,
           FlCloudBadFunc bad_f, gpointer data, GError **err)
{
    return fl_gcp_decoder_decode(dec, buf, len, rec_f, bad_f, data, NULL, err);
}

static void
decode_gcp(Worker *w, Chunk *c)
{
    g_autoptr(FlFormat) fmt = fl_format_parse(GCP_FIELDS, -1, NULL);
    FlGcpDecoder *d = fl_gcp_decoder_new((FlGcpKeep)w->p->cfg->gcp_keep);

    fmt->no_action = TRUE;
    decode_doc(w, c, fmt, TRUE, gcp_decode, d);
    fl_gcp_decoder_free(d);
}

const PlWholeType pl_whole_oci = {
    .name = "OCI VCN flow log",
    .what = "a document",
    .input = FL_INPUT_OCI,
    .sniff = fl_oci_sniff,
    .max_input = 256 * 1024 * 1024,
    .decode = decode_oci,
};

/* Cloud Logging entries are at most 256 KiB; an export object or a day of
 * push bodies saved one a line is far below this. */
const PlWholeType pl_whole_gcp = {
    .name = "Google Cloud VPC flow log",
    .what = "a document",
    .input = FL_INPUT_GCP,
    .sniff = fl_gcp_sniff,
    .max_input = 256 * 1024 * 1024,
    .decode = decode_gcp,
};
