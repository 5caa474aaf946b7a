/*
 * pipeline.c - starts the reader, workers and writer and joins them
 * (pipeline.h has the picture, pipeline_int.h the parts).
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "pipeline/pipeline_int.h"


static gboolean
run_inline(Pipeline *p, GError **err)
{
    Chunk *c;
    Worker w;
    gboolean ok = TRUE;

    if (!pl_worker_init(&w, p, err)) {
        pl_worker_clear(&w);
        return FALSE;
    }
    c = pl_chunk_new();
    while (pl_reader_fill(p, c)) {
        pl_worker_process(&w, c);
        /* An envelope's sub-chunks were written as they were made. */
        if (w.inline_err) {
            g_propagate_error(err, g_steal_pointer(&w.inline_err));
            ok = FALSE;
            break;
        }
        if (!pl_writer_write_chunk(p, c, err)) {
            ok = FALSE;
            break;
        }
        pl_whole_release(p, c);
        pl_chunk_reset(c);
    }
    pl_worker_clear(&w);
    pl_chunk_free(c);
    return ok;
}

/* After a failure: nothing more is written, and waiting threads (a worker
 * with a full sub-chunk queue, the reader at the envelope bound) wake. */
static void
set_abort(Pipeline *p)
{
    g_mutex_lock(&p->lock);
    g_atomic_int_set(&p->abort, 1);
    g_cond_broadcast(&p->cond);
    g_mutex_unlock(&p->lock);
}

/*
 * Waits for a worker to finish c, writing the sub-chunks of an envelope
 * as they come (the worker waits for room in that queue), and ticking the
 * exporter's timers while waiting.  *ok FALSE: write nothing, just drain.
 */
static void
write_subs_and_wait(Pipeline *p, Chunk *c, gboolean *ok, GError **err)
{
    g_mutex_lock(&p->lock);
    for (;;) {
        Chunk *s = g_queue_pop_head(&c->subs);

        if (s != NULL) {
            p->subs_bytes -= s->queued_bytes;
            g_cond_broadcast(&p->cond);         /* room in the queue */
            g_mutex_unlock(&p->lock);
            if (*ok && !pl_writer_write_chunk(p, s, err)) {
                *ok = FALSE;
                set_abort(p);
            }
            pl_chunk_reset(s);
            g_async_queue_push(p->sub_free_q, s);
            g_mutex_lock(&p->lock);
            continue;
        }
        if (c->done)
            break;
        if (!g_cond_wait_until(&p->cond, &p->lock,
                               g_get_monotonic_time() + 200000)) {
            g_mutex_unlock(&p->lock);
            if (*ok && !pl_writer_tick(p, err)) {
                *ok = FALSE;
                set_abort(p);
            }
            g_mutex_lock(&p->lock);
        }
    }
    g_mutex_unlock(&p->lock);
}

gpointer
pl_reader_thread(gpointer data)
{
    Pipeline *p = data;

    for (;;) {
        Chunk *c = g_async_queue_pop(p->free_q);

        if (!pl_reader_fill(p, c)) {
            c->eos = TRUE;
            g_async_queue_push(p->order_q, c);
            break;
        }
        g_async_queue_push(p->order_q, c);
        g_async_queue_push(p->work_q, c);
    }
    for (guint i = 0; i < p->cfg->threads; i++)
        g_async_queue_push(p->work_q, &p->sentinel);
    return NULL;
}

static gboolean
run_threaded(Pipeline *p, GError **err)
{
    guint n_chunks = p->cfg->threads * 2 + 2;
    GThread *reader, **workers;
    Worker *ws;
    gboolean ok = TRUE;

    ws = g_new0(Worker, p->cfg->threads);
    for (guint i = 0; i < p->cfg->threads; i++) {
        if (!pl_worker_init(&ws[i], p, err)) {
            for (guint k = 0; k <= i; k++)
                pl_worker_clear(&ws[k]);
            g_free(ws);
            return FALSE;
        }
    }
    p->free_q = g_async_queue_new();
    p->work_q = g_async_queue_new();
    p->order_q = g_async_queue_new();
    for (guint i = 0; i < n_chunks; i++)
        g_async_queue_push(p->free_q, pl_chunk_new());

    workers = g_new0(GThread *, p->cfg->threads);
    for (guint i = 0; i < p->cfg->threads; i++)
        workers[i] = g_thread_new("worker", pl_worker_thread, &ws[i]);
    reader = g_thread_new("reader", pl_reader_thread, p);

    for (;;) {
        Chunk *c = g_async_queue_timeout_pop(p->order_q, 200000);

        if (c == NULL) {
            if (ok && !pl_writer_tick(p, err))
                ok = FALSE;
            if (!ok)
                set_abort(p);
            continue;
        }
        if (c->eos) {
            pl_chunk_free(c);
            break;
        }
        write_subs_and_wait(p, c, &ok, err);
        if (ok && !pl_writer_write_chunk(p, c, err))
            ok = FALSE;
        if (!ok)
            set_abort(p);               /* drain, write nothing */
        pl_whole_release(p, c);
        pl_chunk_reset(c);
        g_async_queue_push(p->free_q, c);
    }
    g_thread_join(reader);
    for (guint i = 0; i < p->cfg->threads; i++) {
        g_thread_join(workers[i]);
        pl_worker_clear(&ws[i]);
    }
    g_free(workers);
    g_free(ws);
    {
        Chunk *c;
        while ((c = g_async_queue_try_pop(p->free_q)))
            pl_chunk_free(c);
    }
    g_async_queue_unref(p->free_q);
    g_async_queue_unref(p->work_q);
    g_async_queue_unref(p->order_q);
    return ok;
}

gboolean
fl_pipeline_run(const FlPipelineConfig *cfg, FlExporter *exp,
                FlStats *stats, GError **err)
{
    Pipeline p;
    gboolean ok;
    gint64 t0 = g_get_monotonic_time();

    memset(&p, 0, sizeof p);
    p.cfg = cfg;
    p.exp = exp;
    p.stats = stats;
    p.reg = fl_id_registry_new();
    p.carry = g_malloc(CHUNK_TEXT);
    p.sub_free_q = g_async_queue_new_full((GDestroyNotify)pl_chunk_free);
    g_mutex_init(&p.lock);
    g_cond_init(&p.cond);
    p.generation = fl_exporter_generation(exp);
    p.encode = fl_exporter_takes_messages(exp);
    p.last_options_us = p.rate_start_us = t0;
    if (cfg->map.pins)
        fl_id_registry_apply_pins(p.reg, cfg->map.pins);
    fl_id_registry_pin(p.reg, FL_ID_INTERFACE, FL_ID_ACCEPT, "ACCEPT",
                       "flow log action ACCEPT");
    fl_id_registry_pin(p.reg, FL_ID_INTERFACE, FL_ID_REJECT, "REJECT",
                       "flow log action REJECT");

    ok = cfg->threads <= 1 ? run_inline(&p, err) : run_threaded(&p, err);

    if (stats->rejected > p.errors_shown)
        fl_log_warnx("%" G_GUINT64_FORMAT " more rejected line(s) not shown "
                     "(--max-errors %u)", stats->rejected - p.errors_shown,
                     cfg->max_errors);
    if (fl_id_registry_untracked(p.reg))
        fl_log_warnx("more than %d distinct interface or VPC names: %"
                     G_GUINT64_FORMAT " name(s) exported without options "
                     "records", FL_ID_MAX_NAMES,
                     fl_id_registry_untracked(p.reg));
    /* Stopped by a signal in the middle of an object: it was not
     * finished, so nothing commits it (no checkpoint, no SQS delete). */
    if (p.obj)
        fl_log_info("%s: stopped before its end%s", p.obj->name,
                    p.obj->on_done ? "; not committed" : "");
    pl_reader_close_object(&p);
    pl_reader_drop_parquet(&p);         /* parquet hook */
    pl_reader_close_source(&p);
    stats->objects_skipped += p.src_total.skipped_done;
    stats->keys_skipped += p.src_total.skipped_keys;
    stats->list_requests += p.src_total.list_requests;
    stats->sqs_messages += p.src_total.messages;
    stats->messages_cut += p.src_total.messages_cut;
    g_free(p.carry);
    g_async_queue_unref(p.sub_free_q);
    g_mutex_clear(&p.lock);
    g_cond_clear(&p.cond);
    fl_id_registry_free(p.reg);
    stats->elapsed_s = (double)(g_get_monotonic_time() - t0) / 1e6;
    return ok;
}
