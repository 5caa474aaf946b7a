/*
 * envelope_job.c - an envelope decoded in a thread (envelope_job.h).
 */
#include "config.h"

#include <string.h>

#include "lambda/envelope_job.h"
#include "sources/envelope.h"
#include "sources/source.h"

struct FlEnvelopeJob {
    GMutex lock;
    GCond cond;
    GThread *thread;
    FlCwlDecoder *dec;
    char *name;
    GBytes *event;
    /* under lock until done */
    gboolean done;
    gboolean ok;
    GPtrArray *parts;           /* FlObject * */
    FlCwlCounts counts;
    GError *error;
};

static gpointer
job_thread(gpointer data)
{
    FlEnvelopeJob *j = data;
    gsize len;
    const guint8 *buf = g_bytes_get_data(j->event, &len);
    GPtrArray *parts = g_ptr_array_new();
    FlCwlCounts counts;
    GError *err = NULL;
    gboolean ok;

    memset(&counts, 0, sizeof counts);
    ok = fl_envelope_expand(j->dec, j->name, buf, len, parts, &counts, &err);
    g_mutex_lock(&j->lock);
    j->ok = ok;
    j->parts = parts;
    j->counts = counts;
    j->error = err;
    j->done = TRUE;
    g_cond_broadcast(&j->cond);
    g_mutex_unlock(&j->lock);
    return NULL;
}

FlEnvelopeJob *
fl_envelope_job_start(FlCwlDecoder *dec, const char *name, GBytes *event)
{
    FlEnvelopeJob *j = g_new0(FlEnvelopeJob, 1);

    g_mutex_init(&j->lock);
    g_cond_init(&j->cond);
    j->dec = dec;
    j->name = g_strdup(name);
    j->event = g_bytes_ref(event);
    j->thread = g_thread_new("envelope", job_thread, j);
    return j;
}

gboolean
fl_envelope_job_wait(FlEnvelopeJob *j, gint64 until_us)
{
    gboolean done;

    g_mutex_lock(&j->lock);
    while (!j->done) {
        if (until_us == 0)
            g_cond_wait(&j->cond, &j->lock);
        else if (!g_cond_wait_until(&j->cond, &j->lock, until_us))
            break;
    }
    done = j->done;
    g_mutex_unlock(&j->lock);
    return done;
}

gboolean
fl_envelope_job_result(FlEnvelopeJob *j, GPtrArray **parts,
                       FlCwlCounts *counts, GError **err)
{
    g_return_val_if_fail(j->done, FALSE);
    *counts = j->counts;
    if (!j->ok) {
        g_propagate_error(err, g_steal_pointer(&j->error));
        return FALSE;
    }
    *parts = g_steal_pointer(&j->parts);
    return TRUE;
}

FlCwlDecoder *
fl_envelope_job_finish(FlEnvelopeJob *j)
{
    FlCwlDecoder *dec;

    g_thread_join(j->thread);
    dec = j->dec;
    if (j->parts) {
        g_ptr_array_set_free_func(j->parts, (GDestroyNotify)fl_object_free);
        g_ptr_array_unref(j->parts);
    }
    g_clear_error(&j->error);
    g_bytes_unref(j->event);
    g_free(j->name);
    g_mutex_clear(&j->lock);
    g_cond_clear(&j->cond);
    g_free(j);
    return dec;
}
