/*
 * pipeline_chunk.c - the objects and chunks that pass between the threads.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>

#include "decoders/parquet.h"
#include "pipeline/pipeline_int.h"


ObjInfo *
pl_obj_new(const char *name)
{
    ObjInfo *o = g_new0(ObjInfo, 1);

    o->ref = 1;
    o->name = g_strdup(name);
    return o;
}

ObjInfo *
pl_obj_ref(ObjInfo *o)
{
    g_atomic_int_inc(&o->ref);
    return o;
}

void
pl_obj_unref(ObjInfo *o)
{
    if (o == NULL || !g_atomic_int_dec_and_test(&o->ref))
        return;
    g_free(o->name);
    (void)fl_object_done_finish(g_steal_pointer(&o->done), -1, NULL);
    g_clear_pointer(&o->labels, fl_labels_unref);
    g_free(o->owner);
    if (o->format)
        fl_format_unref(o->format);
    g_clear_pointer(&o->parquet, fl_parquet_free);     /* parquet hook */
    if (o->map)
        munmap((void *)o->map, o->map_len);
    g_free(o);
}

static void
line_error_clear(gpointer data)
{
    g_free(((LineError *)data)->label);
    g_free(((LineError *)data)->text);
}

Chunk *
pl_chunk_new_sub(void)
{
    Chunk *c = g_new0(Chunk, 1);

    c->errors = g_array_new(FALSE, FALSE, sizeof(LineError));
    g_array_set_clear_func(c->errors, line_error_clear);
    c->new_names = g_array_new(FALSE, FALSE, sizeof(FlNewName));
    g_array_set_clear_func(c->new_names, fl_new_name_clear);
    c->skip_ifaces = g_ptr_array_new_with_free_func(g_free);
    c->msgs = g_byte_array_new();
    g_queue_init(&c->subs);
    return c;
}

Chunk *
pl_chunk_new(void)
{
    Chunk *c = pl_chunk_new_sub();

    c->cap = CHUNK_TEXT;
    c->buf = g_malloc(CHUNK_TEXT + 1);      /* +1: a missing last '\n' */
    c->text = c->buf;
    return c;
}

void
pl_chunk_clear_results(Chunk *c)
{
    c->n_recs = c->n_lines = 0;
    c->newest_end_ms = 0;
    c->nodata = c->skipdata = c->v4 = c->v6 = 0;
    memset(c->rejects, 0, sizeof c->rejects);
    g_array_set_size(c->errors, 0);
    g_array_set_size(c->new_names, 0);
    g_ptr_array_set_size(c->skip_ifaces, 0);
    g_byte_array_set_size(c->msgs, 0);
}

void
pl_chunk_reset(Chunk *c)
{
    c->eos = FALSE;
    g_clear_pointer(&c->obj, pl_obj_unref);
    c->first_of_object = c->last_of_object = FALSE;
    c->long_line = c->short_read = FALSE;
    g_clear_error(&c->obj_error);
    c->text = c->buf;
    c->map_end = 0;
    c->pq_group = 0;                    /* parquet hook */
    c->start = c->len = 0;
    pl_chunk_clear_results(c);
    g_clear_error(&c->enc_error);
    g_clear_pointer(&c->whole, g_bytes_unref);
    g_assert(g_queue_is_empty(&c->subs));
    c->queued_bytes = 0;
    c->part_failed = FALSE;
    c->done = 0;
}

void
pl_chunk_free(Chunk *c)
{
    if (c == NULL)
        return;
    pl_chunk_reset(c);
    g_free(c->buf);
    g_free(c->recs);
    g_free(c->opt_ids);
    g_free(c->variants);
    g_array_unref(c->errors);
    g_array_unref(c->new_names);
    g_ptr_array_unref(c->skip_ifaces);
    g_byte_array_unref(c->msgs);
    g_free(c);
}
