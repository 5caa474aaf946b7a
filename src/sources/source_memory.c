/*
 * source_memory.c - the "memory" source (source_memory.h).
 *
 * Holds no bytes of its own: ready objects are passed on as they are,
 * and S3 items become downloads in an FlS3Window.  The window keeps the
 * order, so an item is handed out only after every item added before it.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "sources/s3_window.h"
#include "sources/source_memory.h"

typedef struct {
    FlObject *obj;              /* a ready object, or NULL for S3: */
    char *bucket, *key, *etag;
    guint64 size;
    FlS3DoneSpec done;
} Item;

struct FlMemoryInput {
    GQueue items;               /* Item * */
};

typedef struct {
    GQueue items;               /* Item *, taken from the input */
    FlAws *aws;                 /* borrowed from the config; NULL: none */
    guint concurrency;
    const volatile gint *stop;
    FlS3Window *window;         /* made with the first S3 item */
} MemorySource;

static void
item_free(Item *it)
{
    fl_object_free(it->obj);
    if (it->done.then_free)
        it->done.then_free(it->done.then_data);
    g_free(it->bucket);
    g_free(it->key);
    g_free(it->etag);
    g_free(it);
}

FlMemoryInput *
fl_memory_input_new(void)
{
    FlMemoryInput *in = g_new0(FlMemoryInput, 1);

    g_queue_init(&in->items);
    return in;
}

void
fl_memory_input_add(FlMemoryInput *in, FlObject *obj)
{
    Item *it = g_new0(Item, 1);

    it->obj = obj;
    g_queue_push_tail(&in->items, it);
}

void
fl_memory_input_add_s3(FlMemoryInput *in, const FlS3DownloadSpec *spec,
                       const FlS3DoneSpec *done)
{
    Item *it = g_new0(Item, 1);

    it->bucket = g_strdup(spec->bucket);
    it->key = g_strdup(spec->key);
    it->etag = g_strdup(spec->etag);
    it->size = spec->size;
    if (done)
        it->done = *done;
    g_queue_push_tail(&in->items, it);
}

guint
fl_memory_input_length(const FlMemoryInput *in)
{
    return in->items.length;
}

void
fl_memory_input_free(FlMemoryInput *in)
{
    if (in == NULL)
        return;
    while (!g_queue_is_empty(&in->items))
        item_free(g_queue_pop_head(&in->items));
    g_free(in);
}

static gboolean
memory_open(FlSource *src, const char *location, const FlSourceConfig *cfg,
            GError **err)
{
    MemorySource *m;

    if (cfg == NULL || cfg->memory == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "memory://%s: an "
                    "input of Lambda mode only (objects of an invocation), "
                    "not a location", location);
        return FALSE;
    }
    m = g_new0(MemorySource, 1);
    g_queue_init(&m->items);
    /* Taken over whole: the input is empty from now on. */
    m->items = cfg->memory->items;
    g_queue_init(&cfg->memory->items);
    m->aws = cfg->aws;
    m->concurrency = MAX(cfg->s3_concurrency, 1);
    m->stop = cfg->stop;
    src->ctx = m;
    return TRUE;
}

/*
 * Starts the download of the S3 item at the head.  FALSE with *err (the
 * item's hook told) when there is no AWS context to download with.
 */
static gboolean
start_download(MemorySource *m, GError **err)
{
    Item *it = g_queue_pop_head(&m->items);
    FlS3DownloadSpec spec;

    if (m->aws == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "s3://%s/%s: AWS access "
                    "is not set up", it->bucket, it->key);
        if (it->done.then)
            (void)it->done.then(it->done.then_data, FALSE, NULL);
        item_free(it);
        return FALSE;
    }
    if (m->window == NULL)
        m->window = fl_s3_window_new(m->aws, m->concurrency);
    memset(&spec, 0, sizeof spec);
    spec.bucket = it->bucket;
    spec.key = it->key;
    spec.size = it->size;
    spec.etag = it->etag;
    spec.stop = m->stop;
    /* The window owns the hook now. */
    fl_s3_window_push(m->window, &spec, &it->done);
    memset(&it->done, 0, sizeof it->done);
    item_free(it);
    return TRUE;
}

static FlNext
memory_next(FlSource *src, FlObject **obj, GError **err)
{
    MemorySource *m = src->ctx;
    Item *head;

    while ((head = g_queue_peek_head(&m->items)) != NULL && head->obj == NULL
           && (m->window == NULL || fl_s3_window_has_room(m->window))) {
        if (!start_download(m, err))
            return FL_NEXT_ERROR;
    }
    if (m->window && (*obj = fl_s3_window_pop(m->window)) != NULL)
        return FL_NEXT_OK;
    if (head == NULL)
        return FL_NEXT_END;
    /* The window is empty, so the head is a ready object. */
    head = g_queue_pop_head(&m->items);
    *obj = g_steal_pointer(&head->obj);
    item_free(head);
    return FL_NEXT_OK;
}

static void
memory_close(FlSource *src)
{
    MemorySource *m = src->ctx;

    if (m == NULL)
        return;
    g_clear_pointer(&m->window, fl_s3_window_free);
    while (!g_queue_is_empty(&m->items))
        item_free(g_queue_pop_head(&m->items));
    g_free(m);
}

const FlSourceType fl_source_type_memory = {
    .scheme = "memory",
    .open = memory_open,
    .next = memory_next,
    .close = memory_close,
};
