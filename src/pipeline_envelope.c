/*
 * pipeline_envelope.c - CloudWatch Logs envelopes in the pipeline.
 *
 * Reader: right after an object is opened, its first bytes say whether it
 * is an envelope (cwl_envelope.h).  If so, the reader reads it whole into
 * one chunk (chunk->whole) and goes on to the next object: decoding is
 * the worker's, so envelopes are decoded side by side, like text chunks.
 *
 * Worker: decodes the envelope and runs every event's message through the
 * same line step as text (pl_worker_line), into sub-chunks of at most
 * SUB_EVENTS events, one payload each; each payload is a part object named
 * "NAME: log group G stream S", whose owner stands in for a missing
 * account-id.  A sub-chunk goes to the chunk's queue as soon as it is full,
 * and the worker waits while SUBS_QUEUED are there: the writer, which
 * takes chunks in order, drains the queue of the chunk it waits for, so
 * an envelope's records stream out and never pile up (and the oldest
 * chunk always moves, so waiting cannot deadlock).  With threads == 1 the
 * sub-chunk is written at once instead.
 *
 * Writer: writes the sub-chunks, then the envelope chunk itself: its
 * counts, its error, and its done hook (checkpoint, SQS delete), which
 * runs only if the envelope and all its payloads were decoded.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "log.h"
#include "pipeline_int.h"

#define SNIFF_BYTES 64

/*
 * The object's first bytes, without losing them: a mapped object is
 * looked at in place; otherwise they are read into the carry buffer,
 * where the chunk reader takes them from first.  FALSE with *err when
 * the read failed: a source reports its error once (an S3 object's 403),
 * so it must not be dropped here.
 */
static gboolean
first_bytes(Pipeline *p, const guint8 **buf, gsize *len, GError **err)
{
    if (p->info->map) {
        *buf = (const guint8 *)p->info->map;
        *len = MIN(p->info->map_len, SNIFF_BYTES);
        return TRUE;
    }
    while (p->carry_len < SNIFF_BYTES) {
        gssize n = fl_object_read(p->obj, (guint8 *)p->carry + p->carry_len,
                                  SNIFF_BYTES - p->carry_len, err);
        if (n < 0)
            return FALSE;
        if (n == 0)
            break;
        p->carry_len += (gsize)n;
        /* A pipe gives what it has: do not wait for more just to look. */
        if (p->obj->interactive)
            break;
    }
    *buf = (const guint8 *)p->carry;
    *len = p->carry_len;
    return TRUE;
}

/* The whole object, at most FL_CWL_MAX_INPUT bytes.  NULL with *err. */
static GBytes *
read_whole(Pipeline *p, GError **err)
{
    GByteArray *b;

    if (p->info->map)
        return g_bytes_new_static(p->info->map, p->info->map_len);
    b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *)p->carry, (guint)p->carry_len);
    p->carry_len = 0;
    for (;;) {
        guint old = b->len;
        gssize n;

        g_byte_array_set_size(b, old + 65536);
        n = fl_object_read(p->obj, b->data + old, 65536, err);
        g_byte_array_set_size(b, old + (guint)MAX(n, 0));
        if (n <= 0)
            break;                      /* the end, or *err set */
        if (b->len > FL_CWL_MAX_INPUT) {
            g_set_error(err, FL_ERROR, FL_ERROR_LIMIT, "an envelope larger "
                        "than %d MiB", FL_CWL_MAX_INPUT >> 20);
            break;
        }
    }
    if (err && *err) {
        g_byte_array_unref(b);
        return NULL;
    }
    return g_byte_array_free_to_bytes(b);
}

/*
 * Waits until the envelopes in flight leave room for size more bytes (one
 * is always let through).  Only with worker threads: inline, the envelope
 * is done before the next is read.
 */
static void
wait_for_room(Pipeline *p, gsize size)
{
    if (p->cfg->threads <= 1)
        return;
    g_mutex_lock(&p->lock);
    while (p->envelope_bytes > 0
           && p->envelope_bytes + size > ENVELOPE_BYTES
           && !g_atomic_int_get(&p->abort))
        g_cond_wait(&p->cond, &p->lock);
    p->envelope_bytes += size;
    g_mutex_unlock(&p->lock);
}

/* The writer is done with an envelope chunk: its bytes leave the count. */
void
pl_envelope_release(Pipeline *p, Chunk *c)
{
    if (c->whole == NULL)
        return;
    if (p->cfg->threads > 1) {
        g_mutex_lock(&p->lock);
        p->envelope_bytes -= g_bytes_get_size(c->whole);
        g_cond_broadcast(&p->cond);
        g_mutex_unlock(&p->lock);
    }
    g_clear_pointer(&c->whole, g_bytes_unref);
}

gboolean
pl_reader_try_envelope(Pipeline *p, Chunk *c)
{
    const guint8 *head;
    gsize n;
    GError *err = NULL;
    ObjInfo *o = p->info;

    if (first_bytes(p, &head, &n, &err) && !fl_cwl_envelope_sniff(head, n))
        return FALSE;
    if (err == NULL) {
        c->whole = read_whole(p, &err);
        o->is_envelope = TRUE;
    }
    /* A failed first read ends the object here, whatever it was. */
    if (err)
        pl_name_error(&err, o->name);
    if (c->whole)
        wait_for_room(p, g_bytes_get_size(c->whole));
    c->obj = pl_obj_ref(o);
    c->first_of_object = c->last_of_object = TRUE;
    c->obj_error = err;
    p->obj_first = FALSE;
    pl_reader_close_object(p);
    return TRUE;
}

/* ---- worker ---- */

typedef struct {
    Worker *w;
    Chunk *env;                 /* the envelope's chunk */
} Decoding;

static char *
part_name(const char *name, const FlCwlPayload *p)
{
    GString *s = g_string_new(name);

    if (p->log_group)
        g_string_append_printf(s, ": log group %s", p->log_group);
    if (p->log_stream)
        g_string_append_printf(s, " stream %s", p->log_stream);
    if (p->where)
        g_string_append_printf(s, " (%s)", p->where);
    return g_string_free(s, FALSE);
}

/* A payload's object: the --format format (events have no header line),
 * the payload's owner for a missing account-id.  NULL with *err when the
 * format cannot be mapped. */
static ObjInfo *
part_new(Pipeline *p, const char *env_name, const FlCwlPayload *pl,
         GError **err)
{
    g_autofree char *name = part_name(env_name, pl);
    ObjInfo *o = pl_obj_new(name);

    o->is_part = TRUE;
    o->owner = g_strdup(pl->owner);
    o->format = fl_format_ref(p->cfg->format);
    if (fl_map_plan_init(&o->plan, o->format, &p->cfg->map, err)) {
        o->plan.owner = o->owner;
        o->plan_ok = TRUE;
    } else {
        g_prefix_error(err, "%s: ", name);
    }
    return o;
}

static Chunk *
sub_get(Pipeline *p, ObjInfo *o)
{
    Chunk *s = g_async_queue_try_pop(p->sub_free_q);

    if (s == NULL)
        s = pl_chunk_new_sub();
    s->obj = pl_obj_ref(o);
    return s;
}

/*
 * Hands a full sub-chunk on: to the envelope's queue (waiting while it is
 * full), or, inline, straight to the writer.  FALSE with *err when the
 * run is stopping (the writer failed): the decoding ends there.
 */
static gboolean
sub_put(Worker *w, Chunk *env, Chunk *s, GError **err)
{
    Pipeline *p = w->p;
    gboolean ok = TRUE;

    s->done = 1;
    if (p->cfg->threads <= 1) {
        if (w->inline_err == NULL)
            ok = pl_writer_write_chunk(p, s, &w->inline_err);
        else
            ok = FALSE;
        pl_chunk_reset(s);
        g_async_queue_push(p->sub_free_q, s);
    } else {
        g_mutex_lock(&p->lock);
        while (env->subs.length >= SUBS_QUEUED
               && !g_atomic_int_get(&p->abort))
            g_cond_wait(&p->cond, &p->lock);
        ok = !g_atomic_int_get(&p->abort);
        if (ok) {
            g_queue_push_tail(&env->subs, s);
            g_cond_broadcast(&p->cond);
        }
        g_mutex_unlock(&p->lock);
        if (!ok) {
            pl_chunk_reset(s);
            g_async_queue_push(p->sub_free_q, s);
        }
    }
    if (!ok)
        g_set_error(err, FL_ERROR, FL_ERROR_STOPPED, "output failed");
    return ok;
}

/* One payload: its events through the line step, SUB_EVENTS at a time. */
static gboolean
on_payload(const FlCwlPayload *pl, gpointer data, GError **err)
{
    Decoding *d = data;
    Worker *w = d->w;
    GError *plan_err = NULL;
    ObjInfo *o = part_new(w->p, d->env->obj->name, pl, &plan_err);
    guint i = 0;
    gboolean ok = TRUE;

    do {
        Chunk *s = sub_get(w->p, o);
        guint end = MIN(pl->n_events, i + SUB_EVENTS);

        s->first_of_object = i == 0;
        s->last_of_object = end == pl->n_events;
        if (o->plan_ok) {
            pl_worker_begin(w, s);
            for (; i < end; i++) {
                const FlCwlEvent *e = &pl->events[i];

                pl_worker_line(w, s, e->message, e->message_len, e->id,
                               i + 1);
            }
            pl_worker_end(w, s);
        } else {
            s->obj_error = g_steal_pointer(&plan_err);
            s->last_of_object = TRUE;
            i = pl->n_events;
        }
        if (s->obj_error)
            d->env->part_failed = TRUE;
        ok = sub_put(w, d->env, s, err);
    } while (ok && i < pl->n_events);
    g_clear_error(&plan_err);
    pl_obj_unref(o);
    return ok;
}

static void
on_bad(const char *where, const char *why, gpointer data)
{
    Decoding *d = data;

    fl_log_warnx("%s: %s: %s; skipped", d->env->obj->name, where, why);
}

void
pl_worker_envelope(Worker *w, Chunk *c)
{
    Decoding d = { w, c };
    GError *err = NULL;

    if (c->whole == NULL)
        return;                 /* it could not be read: c->obj_error */
    if (w->cwl == NULL)
        w->cwl = fl_cwl_decoder_new();
    if (!fl_cwl_decoder_decode(w->cwl, g_bytes_get_data(c->whole, NULL),
                               g_bytes_get_size(c->whole), on_payload,
                               on_bad, &d, &c->obj->envelope, &err)) {
        pl_name_error(&err, c->obj->name);
        c->obj_error = err;
    }
}
