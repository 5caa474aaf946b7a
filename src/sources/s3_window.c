/*
 * s3_window.c - downloads ahead, handed out first in, first out.
 */
#include "config.h"

#include "sources/s3_window.h"

typedef struct {
    FlS3Download *d;
    FlS3DoneSpec done;
    gboolean has_done;
} Slot;

struct FlS3Window {
    FlAws *aws;
    guint size;
    GQueue slots;               /* Slot * */
};

FlS3Window *
fl_s3_window_new(FlAws *aws, guint size)
{
    FlS3Window *w = g_new0(FlS3Window, 1);

    w->aws = fl_aws_ref(aws);
    w->size = MAX(size, 1);
    g_queue_init(&w->slots);
    return w;
}

gboolean
fl_s3_window_has_room(const FlS3Window *w)
{
    return w->slots.length < w->size;
}

gboolean
fl_s3_window_is_empty(const FlS3Window *w)
{
    return w->slots.length == 0;
}

void
fl_s3_window_push(FlS3Window *w, const FlS3DownloadSpec *spec,
                  const FlS3DoneSpec *done)
{
    Slot *s = g_new0(Slot, 1);

    s->d = fl_s3_download_start(w->aws, spec);
    if (done) {
        s->done = *done;
        s->has_done = TRUE;
    }
    g_queue_push_tail(&w->slots, s);
}

FlObject *
fl_s3_window_pop(FlS3Window *w)
{
    Slot *s = g_queue_pop_head(&w->slots);
    FlObject *obj;

    if (s == NULL)
        return NULL;
    obj = fl_s3_download_object(s->d, s->has_done ? &s->done : NULL);
    g_free(s);
    return obj;
}

static void
slot_free(gpointer p)
{
    Slot *s = p;

    fl_s3_download_free(s->d);
    if (s->has_done && s->done.then_free)
        s->done.then_free(s->done.then_data);
    g_free(s);
}

void
fl_s3_window_free(FlS3Window *w)
{
    if (w == NULL)
        return;
    while (!g_queue_is_empty(&w->slots))      /* GLib 2.56: no clear_full */
        slot_free(g_queue_pop_head(&w->slots));
    fl_aws_unref(w->aws);
    g_free(w);
}
