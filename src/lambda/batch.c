/*
 * batch.c - objects and messages of one invocation (batch.h).
 */
#include "config.h"

#include <string.h>

#include "json_write.h"
#include "lambda/batch.h"

typedef struct {
    char *id;                   /* NULL: not an SQS message */
    gboolean failed;            /* cannot succeed */
} Message;

typedef struct {
    guint msg;
    char *name;                 /* s3://BUCKET/KEY */
    int state;                  /* -1 not finished, 0 failed, 1 done */
} Object;

struct FlBatch {
    GArray *msgs;               /* Message */
    GPtrArray *objs;            /* Object *: hooks point at them */
};

FlBatch *
fl_batch_new(void)
{
    FlBatch *b = g_new0(FlBatch, 1);

    b->msgs = g_array_new(FALSE, TRUE, sizeof(Message));
    b->objs = g_ptr_array_new();
    return b;
}

void
fl_batch_free(FlBatch *b)
{
    if (b == NULL)
        return;
    for (guint i = 0; i < b->msgs->len; i++)
        g_free(g_array_index(b->msgs, Message, i).id);
    for (guint i = 0; i < b->objs->len; i++) {
        Object *o = b->objs->pdata[i];
        g_free(o->name);
        g_free(o);
    }
    g_array_unref(b->msgs);
    g_ptr_array_unref(b->objs);
    g_free(b);
}

guint
fl_batch_add_message(FlBatch *b, const char *id, gboolean failed)
{
    Message m = { g_strdup(id), failed };

    g_array_append_val(b->msgs, m);
    return b->msgs->len - 1;
}

/* The object's done hook: runs on the pipeline's writer, our thread. */
static gboolean
object_done(gpointer data, gboolean ok, GError **err)
{
    Object *o = data;

    (void)err;
    o->state = ok ? 1 : 0;
    return TRUE;
}

void
fl_batch_add_object(FlBatch *b, guint msg, const FlS3Ref *ref,
                    FlMemoryInput *in)
{
    Object *o = g_new0(Object, 1);
    FlS3DownloadSpec spec;
    FlS3DoneSpec done;

    g_return_if_fail(msg < b->msgs->len);
    o->msg = msg;
    o->name = g_strdup_printf("s3://%s/%s", ref->bucket, ref->key);
    o->state = -1;
    g_ptr_array_add(b->objs, o);
    memset(&spec, 0, sizeof spec);
    spec.bucket = ref->bucket;
    spec.key = ref->key;
    spec.size = ref->size;
    spec.etag = ref->etag;
    memset(&done, 0, sizeof done);
    done.then = object_done;
    done.then_data = o;
    fl_memory_input_add_s3(in, &spec, &done);
}

guint
fl_batch_objects(const FlBatch *b)
{
    return b->objs->len;
}

guint
fl_batch_objects_failed(const FlBatch *b)
{
    guint n = 0;

    for (guint i = 0; i < b->objs->len; i++)
        n += ((Object *)b->objs->pdata[i])->state != 1;
    return n;
}

const char *
fl_batch_first_failed(const FlBatch *b)
{
    for (guint i = 0; i < b->objs->len; i++) {
        const Object *o = b->objs->pdata[i];
        if (o->state != 1)
            return o->name;
    }
    return NULL;
}

/* Marks in bad[] each message that did not succeed. */
static void
mark_failed(const FlBatch *b, gboolean *bad)
{
    for (guint i = 0; i < b->msgs->len; i++)
        bad[i] = g_array_index(b->msgs, Message, i).failed;
    for (guint i = 0; i < b->objs->len; i++) {
        const Object *o = b->objs->pdata[i];
        if (o->state != 1)
            bad[o->msg] = TRUE;
    }
}

guint
fl_batch_messages_failed(const FlBatch *b)
{
    g_autofree gboolean *bad = g_new0(gboolean, b->msgs->len + 1);
    guint n = 0;

    mark_failed(b, bad);
    for (guint i = 0; i < b->msgs->len; i++)
        n += bad[i] != FALSE;
    return n;
}

void
fl_batch_append_answer(const FlBatch *b, GString *out)
{
    g_autofree gboolean *bad = g_new0(gboolean, b->msgs->len + 1);
    gboolean first = TRUE;

    mark_failed(b, bad);
    g_string_append(out, "{\"batchItemFailures\":[");
    for (guint i = 0; i < b->msgs->len; i++) {
        const Message *m = &g_array_index(b->msgs, Message, i);

        if (!bad[i] || m->id == NULL)
            continue;
        g_string_append(out, first ? "{\"itemIdentifier\":"
                                   : ",{\"itemIdentifier\":");
        fl_json_append_string(out, m->id, -1);
        g_string_append_c(out, '}');
        first = FALSE;
    }
    g_string_append(out, "]}");
}
