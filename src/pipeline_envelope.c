/*
 * pipeline_envelope.c - the reader's part in CloudWatch Logs envelopes.
 *
 * Right after an object is opened, its first bytes say whether it is an
 * envelope (cwl_envelope.h).  If so, the reader reads it whole, turns it
 * into text objects (one per payload, envelope.c), and hands out one empty
 * chunk for the envelope itself (so it is counted, and its failure
 * reported), then the parts as if the source had given them.  The
 * envelope's done hook (checkpoint, SQS message) moves to its last part:
 * it runs once every part is written, and only if none failed.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "pipeline_int.h"
#include "sources/envelope.h"

#define SNIFF_BYTES 64

PlGroup *
pl_group_ref(PlGroup *g)
{
    g_atomic_int_inc(&g->ref);
    return g;
}

void
pl_group_unref(PlGroup *g)
{
    if (g != NULL && g_atomic_int_dec_and_test(&g->ref))
        g_free(g);
}

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

/* Queues the parts, each in the group, the last with the done hook. */
static void
queue_parts(Pipeline *p, GPtrArray *parts)
{
    PlGroup *g = g_new0(PlGroup, 1);

    g->ref = 1;
    for (guint i = 0; i < parts->len; i++) {
        PlPart *part = g_new0(PlPart, 1);

        part->obj = parts->pdata[i];
        part->group = pl_group_ref(g);
        if (i + 1 == parts->len)
            part->obj->on_done = fl_object_steal_done(p->obj);
        g_queue_push_tail(&p->parts, part);
    }
    pl_group_unref(g);
}

gboolean
pl_reader_try_envelope(Pipeline *p, Chunk *c)
{
    const guint8 *head;
    gsize n;
    g_autoptr(GBytes) whole = NULL;
    g_autoptr(GPtrArray) parts = g_ptr_array_new();
    GError *err = NULL;
    ObjInfo *o = p->info;

    if (first_bytes(p, &head, &n, &err) && !fl_cwl_envelope_sniff(head, n))
        return FALSE;
    if (err == NULL) {
        whole = read_whole(p, &err);
        if (whole && p->cwl == NULL)
            p->cwl = fl_cwl_decoder_new();
        if (whole && !fl_envelope_expand(p->cwl, o->name,
                                         g_bytes_get_data(whole, NULL),
                                         g_bytes_get_size(whole), parts,
                                         &o->envelope, &err))
            g_clear_pointer(&whole, g_bytes_unref);
        o->is_envelope = TRUE;
    }
    /* A failed first read ends the object here, whatever it was. */
    if (err)
        pl_name_error(&err, o->name);
    else
        queue_parts(p, parts);
    c->obj = pl_obj_ref(o);
    c->first_of_object = c->last_of_object = TRUE;
    c->obj_error = err;
    p->obj_first = FALSE;
    pl_reader_close_object(p);
    return TRUE;
}

/* The next queued part as the current object, or FALSE. */
gboolean
pl_reader_next_part(Pipeline *p)
{
    PlPart *part = g_queue_pop_head(&p->parts);

    if (part == NULL)
        return FALSE;
    p->obj = part->obj;
    p->info = pl_obj_new(part->obj->name);
    p->info->group = part->group;
    g_free(part);
    return TRUE;
}

void
pl_reader_drop_parts(Pipeline *p)
{
    PlPart *part;

    while ((part = g_queue_pop_head(&p->parts)) != NULL) {
        fl_object_free(part->obj);
        pl_group_unref(part->group);
        g_free(part);
    }
}
