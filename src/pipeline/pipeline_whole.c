/*
 * pipeline_whole.c - objects a worker decodes whole (PlWholeType in
 * pipeline_int.h): CloudWatch Logs envelopes today (pipeline_envelope.c),
 * and whatever else cannot be cut into lines by the reader.
 *
 * Reader: right after an object is opened, its first bytes are offered to
 * each type's sniff.  On a match the reader reads the object whole into
 * one chunk (chunk->whole, at most the type's max_input bytes) and goes
 * on to the next object: decoding is the worker's, so such objects are
 * decoded side by side, like text chunks.
 *
 * Worker: the type's decode turns the bytes into records, in sub-chunks
 * (pl_sub_get, fill, pl_sub_put) of parts (pl_part_new: one per payload,
 * log stream, document...).  A sub-chunk goes to the chunk's queue as soon
 * as it is full, and the worker waits while the sub-chunks queued for
 * all objects hold SUBS_BYTES (unless its object has none there): the
 * writer, which takes chunks in order, drains the queue of the chunk it
 * waits for, so the records stream out and never pile up (and the oldest
 * chunk always moves, so waiting cannot deadlock).  With threads == 1 the
 * sub-chunk is written at once instead.
 *
 * Writer: writes the sub-chunks, then the chunk itself: its counts, its
 * error, and its done hook (checkpoint, SQS delete), which runs only if
 * the object and all its parts were decoded.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "log.h"
#include "pipeline/pipeline_int.h"

/* The types, tried in this order; text is what matches none. */
static const PlWholeType *const whole_types[] = {
    &pl_whole_azure,            /* before cwl: {"records":[ is both's */
    &pl_whole_gcp,              /* before cwl: {"message": starts a push
                                   body and a Firehose record */
    &pl_whole_cwl,
    &pl_whole_oci,
};

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

/* The whole object, at most max bytes.  NULL with *err. */
static GBytes *
read_whole(Pipeline *p, gsize max, const char *what, GError **err)
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
        if (b->len > max) {
            g_set_error(err, FL_ERROR, FL_ERROR_LIMIT, "%s larger than %"
                        G_GSIZE_FORMAT " MiB", what, max >> 20);
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
 * Waits until the whole objects in flight leave room for size more bytes
 * (one is always let through).  Only with worker threads: inline, the
 * object is done before the next is read.
 */
static void
wait_for_room(Pipeline *p, gsize size)
{
    if (p->cfg->threads <= 1)
        return;
    g_mutex_lock(&p->lock);
    while (p->whole_bytes > 0
           && p->whole_bytes + size > WHOLE_BYTES
           && !g_atomic_int_get(&p->abort))
        g_cond_wait(&p->cond, &p->lock);
    p->whole_bytes += size;
    g_mutex_unlock(&p->lock);
}

/* The writer is done with a whole object's chunk: its bytes leave the
 * count. */
void
pl_whole_release(Pipeline *p, Chunk *c)
{
    if (c->whole == NULL)
        return;
    if (p->cfg->threads > 1) {
        g_mutex_lock(&p->lock);
        p->whole_bytes -= g_bytes_get_size(c->whole);
        g_cond_broadcast(&p->cond);
        g_mutex_unlock(&p->lock);
    }
    g_clear_pointer(&c->whole, g_bytes_unref);
}

/* The type whose sniff takes the first bytes, or NULL; with
 * --input-format, the type it names whatever the bytes (NULL: text). */
static const PlWholeType *
whole_type(const Pipeline *p, const guint8 *head, gsize n)
{
    FlInputFormat forced = p->cfg->input_format;

    for (guint i = 0; i < G_N_ELEMENTS(whole_types); i++)
        if (forced != FL_INPUT_AUTO ? whole_types[i]->input == forced
                                    : whole_types[i]->sniff(head, n))
            return whole_types[i];
    return NULL;
}

gboolean
pl_reader_try_whole(Pipeline *p, Chunk *c)
{
    const guint8 *head;
    gsize n;
    GError *err = NULL;
    ObjInfo *o = p->info;

    if (first_bytes(p, &head, &n, &err)
        && (o->whole = whole_type(p, head, n)) == NULL)
        return FALSE;
    if (err == NULL)
        c->whole = read_whole(p, o->whole->max_input, o->whole->what, &err);
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

ObjInfo *
pl_part_new(Pipeline *p, const char *name, const char *owner,
            FlFormat *format, GError **err)
{
    ObjInfo *o = pl_obj_new(name);

    o->is_part = TRUE;
    o->owner = g_strdup(owner);
    o->format = fl_format_ref(format);
    if (fl_map_plan_init(&o->plan, o->format, &p->cfg->map, err)) {
        o->plan.owner = o->owner;
        o->plan_ok = TRUE;
    } else {
        g_prefix_error(err, "%s: ", name);
    }
    return o;
}

Chunk *
pl_sub_get(Pipeline *p, ObjInfo *o)
{
    Chunk *s = g_async_queue_try_pop(p->sub_free_q);

    if (s == NULL)
        s = pl_chunk_new_sub();
    s->obj = pl_obj_ref(o);
    return s;
}

gsize
pl_sub_bytes(const Chunk *s)
{
    gsize per_rec = sizeof *s->variants
                    + (s->recs ? sizeof *s->recs : sizeof *s->opt_ids);

    return s->msgs->len + (gsize)s->n_recs * per_rec;
}

gboolean
pl_sub_put(Worker *w, Chunk *env, Chunk *s, GError **err)
{
    Pipeline *p = w->p;
    gboolean ok = TRUE;
    /* One large object (a Lambda event of megabytes is one envelope) must
     * not outlast a stop: the Lambda deadline, SIGTERM.  This sub-chunk
     * is still written; the rest of the object is left. */
    gboolean stopped = p->cfg->stop && g_atomic_int_get(p->cfg->stop);

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
        s->queued_bytes = pl_sub_bytes(s);
        while (env->subs.length > 0
               && p->subs_bytes + s->queued_bytes > SUBS_BYTES
               && !g_atomic_int_get(&p->abort))
            g_cond_wait(&p->cond, &p->lock);
        ok = !g_atomic_int_get(&p->abort);
        if (ok) {
            g_queue_push_tail(&env->subs, s);
            p->subs_bytes += s->queued_bytes;
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
    else if (stopped) {
        g_set_error(err, FL_ERROR, FL_ERROR_STOPPED, "stopped before its "
                    "end");
        ok = FALSE;
    }
    return ok;
}

void
pl_worker_whole(Worker *w, Chunk *c)
{
    if (c->whole != NULL)       /* else it could not be read: obj_error */
        c->obj->whole->decode(w, c);
}
