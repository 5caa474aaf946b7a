/*
 * pipeline_worker.c - the workers: chunks of lines into IPFIX records.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "pipeline/pipeline_int.h"



static void
chunk_reject(Pipeline *p, Chunk *c, guint idx, FlReject reason, guint where,
             gboolean is_field, guint n_words, const char *label_id,
             guint label_n)
{
    c->rejects[reason]++;
    if (c->errors->len < p->cfg->max_errors) {
        LineError e = { idx, reason, where, is_field, n_words, NULL, NULL };

        if (label_id)
            e.label = g_strconcat("event ", label_id, NULL);
        else if (label_n)
            e.label = g_strdup_printf("event %u", label_n);
        g_array_append_val(c->errors, e);
    }
}

/* Room for one more record in c: its full form, or, when this worker
 * encodes it, only the IDs the writer needs. */
static void
grow_records(Chunk *c, gboolean encoding)
{
    c->cap_recs = c->cap_recs ? c->cap_recs * 2 : 4096;
    if (encoding)
        c->opt_ids = g_renew(PlOptionIds, c->opt_ids, c->cap_recs);
    else
        c->recs = g_renew(FlIpfixRec, c->recs, c->cap_recs);
    c->variants = g_renew(guint16, c->variants, c->cap_recs);
}

/* w->rec, decoded from line idx of c, mapped into c's records. */
static inline void
map_record(Worker *w, Chunk *c, guint idx, const char *label_id,
           guint label_n)
{
    Pipeline *p = w->p;
    const ObjInfo *o = c->obj;
    FlIpfixRec *out;
    FlReject reason;
    guint col, variant;
    FlMapResult r;

    if (G_UNLIKELY(c->n_recs == c->cap_recs))
        grow_records(c, w->enc != NULL);
    /* Encoded here, a record is needed only until it is encoded. */
    out = w->enc ? &w->scratch : &c->recs[c->n_recs];
    r = fl_map_record(&o->plan, &p->cfg->map, &w->mt, w->rec, out,
                      &variant, &reason, &col);
    switch (r) {
    case FL_MAP_RECORD:
        /* libfixbuf's encoding is the heaviest step of the writer:
         * here it runs in parallel, in the worker. */
        if (w->enc) {
            PlOptionIds *ids = &c->opt_ids[c->n_recs];

            if (c->enc_error == NULL
                && !fl_encoder_append(w->enc, variant, out, &c->enc_error))
                g_prefix_error(&c->enc_error, "encoding: ");
            ids->ingress_if = out->ingressInterface;
            ids->egress_if = out->egressInterface;
            ids->vrf = out->ingressVRFID;
        }
        c->newest_end_ms = MAX(c->newest_end_ms, out->flowEndMilliseconds);
        c->variants[c->n_recs++] = (guint16)variant;
        if (variant & FL_V_IPV6)
            c->v6++;
        else
            c->v4++;
        break;
    case FL_MAP_NODATA:
        c->nodata++;
        break;
    case FL_MAP_SKIPDATA:
        c->skipdata++;
        if (fl_record_has(w->rec, o->plan.if_field)) {
            const FlStr *n = &w->rec->v[o->plan.if_field].s;
            g_ptr_array_add(c->skip_ifaces, g_strndup(n->ptr, n->len));
        }
        break;
    case FL_MAP_REJECT:
        chunk_reject(p, c, idx, reason, col, TRUE, 0, label_id, label_n);
        break;
    }
}

/*
 * The hot loop's body, inlined into pl_worker_process (measured: a call
 * per line costs a few percent of the text path).  s[len] must be
 * readable (a '\n' or NUL): fl_decode_line's sentinel.
 */
static inline void
process_line(Worker *w, Chunk *c, const char *s, gsize ll,
             const char *label_id, guint label_n)
{
    guint idx = c->n_lines++;
    FlReject reason;
    guint col;

    if (ll == 0 || (ll == 1 && s[0] == '\r'))
        return;                         /* blank line: nothing to say */
    if (!fl_decode_line(c->obj->format, s, ll, w->rec, &reason, &col)) {
        /* Only spaces: as blank as an empty line. */
        if (reason != FL_REJECT_FIELD_COUNT || col != 0)
            chunk_reject(w->p, c, idx, reason, col, FALSE, col, label_id,
                         label_n);
        return;
    }
    map_record(w, c, idx, label_id, label_n);
}

void
pl_worker_record(Worker *w, Chunk *c, const char *label_id, guint label_n)
{
    map_record(w, c, c->n_lines++, label_id, label_n);
}

void
pl_worker_reject(Worker *w, Chunk *c, FlReject reason, const char *where,
                 const char *why)
{
    guint idx = c->n_lines++;

    c->rejects[reason]++;
    if (c->errors->len < w->p->cfg->max_errors) {
        LineError e = { idx, reason, 0, FALSE, 0, g_strdup(where),
                        g_strdup(why) };

        g_array_append_val(c->errors, e);
    }
}

void
pl_worker_line(Worker *w, Chunk *c, const char *s, gsize len,
               const char *label_id, guint label_n)
{
    process_line(w, c, s, len, label_id, label_n);
}

void
pl_worker_begin(Worker *w, Chunk *c)
{
    w->mt.new_names = c->new_names;
    if (w->enc)
        fl_encoder_begin(w->enc, c->msgs);
}

void
pl_worker_end(Worker *w, Chunk *c)
{
    w->mt.new_names = NULL;
    if (w->enc && !fl_encoder_end(w->enc, c->enc_error ? NULL
                                                        : &c->enc_error))
        g_prefix_error(&c->enc_error, "encoding: ");
}

void
pl_worker_process(Worker *w, Chunk *c)
{
    const char *s = c->text + c->start, *end = c->text + c->len;

    if (c->pq_group) {                  /* parquet hook */
        pl_parquet_process(w, c);
        return;
    }
    if (c->obj->whole) {
        pl_worker_whole(w, c);
        return;
    }
    if (c->long_line) {
        c->n_lines = 1;
        chunk_reject(w->p, c, 0, FL_REJECT_TOO_LONG, 0, FALSE, 0, NULL, 0);
        return;
    }
    if (!c->obj->plan_ok)
        return;
    pl_worker_begin(w, c);
    while (s < end) {
        const char *nl = memchr(s, '\n', (gsize)(end - s));

        process_line(w, c, s, (gsize)(nl - s), NULL, 0);
        s = nl + 1;
    }
    pl_worker_end(w, c);
}

/* Runs in the calling thread: an encoder that cannot be made is a
 * start-up error, reported before any thread exists. */
gboolean
pl_worker_init(Worker *w, Pipeline *p, GError **err)
{
    memset(w, 0, sizeof *w);
    w->p = p;
    if (p->encode) {
        const char *dir;
        guint32 domain;

        fl_exporter_encoder_settings(p->exp, &dir, &domain);
        w->enc = fl_encoder_new(dir, domain, err);
        if (w->enc == NULL)
            return FALSE;
    }
    w->rec = g_new0(FlRecord, 1);
    fl_mapper_thread_init(&w->mt, &p->cfg->map);
    /* Chunks bring their own array; this one is never used. */
    g_clear_pointer(&w->mt.new_names, g_array_unref);
    return TRUE;
}

void
pl_worker_clear(Worker *w)
{
    g_free(w->rec);
    pl_parquet_worker_clear(w);         /* parquet hook */
    fl_mapper_thread_clear(&w->mt);
    g_clear_pointer(&w->enc, fl_encoder_free);
    g_clear_pointer(&w->cwl, fl_cwl_decoder_free);
    g_clear_error(&w->inline_err);
}

gpointer
pl_worker_thread(gpointer data)
{
    Worker *w = data;
    Pipeline *p = w->p;

    for (;;) {
        Chunk *c = g_async_queue_pop(p->work_q);

        if (c == &p->sentinel)
            break;
        pl_worker_process(w, c);
        g_mutex_lock(&p->lock);
        c->done = 1;
        g_cond_broadcast(&p->cond);
        g_mutex_unlock(&p->lock);
    }
    return NULL;
}
