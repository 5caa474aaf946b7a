/*
 * source_sqs.c - objects announced by S3 event notifications: from a file
 * (--s3-event FILE, - for stdin) or from an SQS queue (--sqs-queue URL).
 *
 * A queue is shared by as many instances as the operator starts: SQS
 * hides a received message from the others for --sqs-visibility seconds.
 * A heartbeat thread extends every message not yet settled each half of
 * that, from its receipt until it is deleted or given up, whether its
 * object is waiting in the window, downloading or still in the pipeline.  A message is
 * deleted only once every object it announced was read and its records
 * flushed to the output; a failed object leaves the message to come back
 * (and, after the queue's maxReceiveCount, go to its dead-letter queue).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aws/sqs.h"
#include "error.h"
#include "log.h"
#include "sources/checkpoint.h"
#include "sources/s3_event.h"
#include "sources/s3_window.h"
#include "sources/source.h"

#define MAX_EVENT_FILE (16 * 1024 * 1024)

/* What other threads (heartbeat, writer) use: under lock. */
typedef struct {
    gint ref;
    GMutex lock;
    GCond cond;
    FlSqs *sqs;
    guint visibility;
    GPtrArray *live;            /* Message * (a reference each), unsettled */
    gboolean quit;              /* the heartbeat ends */
} Shared;

/* One received message, alive until each of its objects is done. */
typedef struct {
    gint ref;
    Shared *shared;
    char *id, *receipt;
    guint pending;              /* objects not yet done (writer thread) */
    gboolean failed;
    gboolean settled;           /* deleted or given up (under lock) */
    gint64 hidden_us;           /* when it was last hidden (under lock) */
} Message;

typedef struct {
    FlS3Ref *ref;
    Message *msg;               /* NULL for --s3-event */
} Pending;

typedef struct {
    const FlSourceConfig *cfg;
    FlSqs *sqs;                 /* the reader's; NULL for --s3-event */
    Shared *shared;
    GQueue pending;             /* Pending * */
    FlS3Window *window;
    gboolean input_done;        /* the event file was read / queue empty */
    GThread *heartbeat;         /* --sqs-queue only */
} EventSource;

static Shared *
shared_ref(Shared *sh)
{
    g_atomic_int_inc(&sh->ref);
    return sh;
}

static void
shared_unref(Shared *sh)
{
    if (sh == NULL || !g_atomic_int_dec_and_test(&sh->ref))
        return;
    fl_sqs_free(sh->sqs);
    g_ptr_array_unref(sh->live);
    g_mutex_clear(&sh->lock);
    g_cond_clear(&sh->cond);
    g_free(sh);
}

static Message *
message_ref(Message *m)
{
    g_atomic_int_inc(&m->ref);
    return m;
}

static void
message_unref(gpointer p)
{
    Message *m = p;

    if (m == NULL || !g_atomic_int_dec_and_test(&m->ref))
        return;
    shared_unref(m->shared);
    g_free(m->id);
    g_free(m->receipt);
    g_free(m);
}

static gboolean
message_delete(Message *m, GError **err)
{
    gboolean ok;

    g_mutex_lock(&m->shared->lock);
    ok = fl_sqs_delete(m->shared->sqs, m->receipt, err);
    g_mutex_unlock(&m->shared->lock);
    if (ok)
        fl_log_debug("SQS message %s deleted", m->id);
    return ok;
}

/* The heartbeat stops extending m. */
static void
message_settle(Message *m)
{
    g_mutex_lock(&m->shared->lock);
    m->settled = TRUE;
    g_mutex_unlock(&m->shared->lock);
}

/* The done hook's second half, on the writer thread. */
static gboolean
message_object_done(gpointer data, gboolean ok, GError **err)
{
    Message *m = data;

    if (!ok)
        m->failed = TRUE;
    if (--m->pending > 0)
        return TRUE;
    message_settle(m);
    if (m->failed) {
        fl_log_info("SQS message %s left in the queue: an object it "
                    "announced failed (it comes back after the visibility "
                    "timeout)", m->id);
        return TRUE;
    }
    return message_delete(m, err);
}

/* Under lock: hides m for another visibility timeout (the lock is held
 * across the request, so a delete of m cannot cross it). */
static void
message_extend(Message *m, gint64 now)
{
    GError *err = NULL;

    m->hidden_us = now;
    if (!fl_sqs_change_visibility(m->shared->sqs, m->receipt,
                                  m->shared->visibility, &err)) {
        fl_log_warnx("SQS message %s: %s", m->id, err->message);
        g_clear_error(&err);
    } else {
        fl_log_debug("SQS message %s hidden for %u s more", m->id,
                     m->shared->visibility);
    }
}

/* Extends each unsettled message every half visibility timeout, and
 * lets settled ones go. */
static gpointer
heartbeat_thread(gpointer data)
{
    Shared *sh = data;
    gint64 half = (gint64)sh->visibility * G_USEC_PER_SEC / 2;

    g_mutex_lock(&sh->lock);
    while (!sh->quit) {
        gint64 now = g_get_monotonic_time();

        for (guint i = 0; i < sh->live->len;) {
            Message *m = g_ptr_array_index(sh->live, i);

            if (m->settled) {
                g_ptr_array_remove_index(sh->live, i);
                continue;
            }
            if (now - m->hidden_us >= half)
                message_extend(m, now);
            i++;
        }
        /* Looked at four times per visibility timeout (at most once a
         * second): an extension comes between 1/2 and 3/4 of it. */
        g_cond_wait_until(&sh->cond, &sh->lock,
                          g_get_monotonic_time()
                          + MIN(half / 2, G_USEC_PER_SEC));
    }
    g_mutex_unlock(&sh->lock);
    return NULL;
}

static void
pending_free(gpointer p)
{
    Pending *pe = p;

    fl_s3_ref_free(pe->ref);
    if (pe->msg)
        message_unref(pe->msg);
    g_free(pe);
}

static gboolean
is_done(EventSource *s, const FlS3Ref *r)
{
    g_autofree char *id = NULL, *v = NULL;

    if (s->cfg->checkpoint == NULL || r->etag == NULL || r->size == 0)
        return FALSE;
    id = g_strdup_printf("%s/%s", r->bucket, r->key);
    v = fl_s3_checkpoint_version(r->etag, r->size);
    return fl_checkpoint_done(s->cfg->checkpoint, "s3", id, v);
}

/*
 * Queues the objects of one event document; m (may be NULL) is the
 * message it came in.  Returns how many were queued; FALSE with *err when
 * the document is not an S3 event.
 */
static gboolean
queue_event(FlSource *src, EventSource *s, const char *json, gsize len,
            Message *m, guint *queued, GError **err)
{
    g_autoptr(GPtrArray) refs =
        g_ptr_array_new_with_free_func((GDestroyNotify)fl_s3_ref_free);
    FlS3EventCounts counts = { 0, 0 };

    *queued = 0;
    if (!fl_s3_event_parse(json, len, refs, &counts, err))
        return FALSE;
    if (counts.test_events)
        fl_log_info("%s: s3:TestEvent ignored", m ? m->id : src->location);
    for (guint i = 0; i < refs->len; i++) {
        FlS3Ref *r = g_ptr_array_index(refs, i);
        Pending *pe;

        if (is_done(s, r)) {
            src->n.skipped_done++;
            continue;
        }
        pe = g_new0(Pending, 1);
        pe->ref = g_steal_pointer(&refs->pdata[i]);
        pe->msg = m ? message_ref(m) : NULL;
        g_queue_push_tail(&s->pending, pe);
        (*queued)++;
    }
    return TRUE;
}

static gboolean
read_event_file(const char *path, char **data, gsize *len, GError **err)
{
    GByteArray *b = g_byte_array_new();
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    guint8 buf[65536];
    size_t n;

    if (fp == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", path,
                    g_strerror(errno));
        g_byte_array_unref(b);
        return FALSE;
    }
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0 && b->len <= MAX_EVENT_FILE)
        g_byte_array_append(b, buf, (guint)n);
    if (fp != stdin)
        fclose(fp);
    if (b->len > MAX_EVENT_FILE) {
        g_set_error(err, FL_ERROR, FL_ERROR_LIMIT, "%s: an event larger "
                    "than %d MiB", path, MAX_EVENT_FILE >> 20);
        g_byte_array_unref(b);
        return FALSE;
    }
    *len = b->len;
    *data = (char *)g_byte_array_free(b, FALSE);
    return TRUE;
}

/* One SQS message: its objects queued, or deleted at once when it
 * announces none.  FALSE with *err naming it when it is not an event. */
static gboolean
take_message(FlSource *src, EventSource *s, FlSqsMessage *sm, GError **err)
{
    Message *m = g_new0(Message, 1);
    guint queued = 0;
    gboolean ok;

    m->ref = 1;
    m->shared = shared_ref(s->shared);
    m->id = g_strdup(sm->id);
    m->receipt = g_strdup(sm->receipt);
    m->hidden_us = g_get_monotonic_time();      /* received: hidden now */
    src->n.messages++;
    ok = queue_event(src, s, sm->body, strlen(sm->body), m, &queued, err);
    if (!ok) {
        g_prefix_error(err, "SQS message %s (received %u times): ", sm->id,
                       sm->receive_count);
    } else {
        m->pending = queued;
        if (queued == 0)
            ok = message_delete(m, err);
    }
    if (ok && queued > 0) {
        g_mutex_lock(&s->shared->lock);
        g_ptr_array_add(s->shared->live, message_ref(m));
        g_mutex_unlock(&s->shared->lock);
    }
    message_unref(m);
    return ok;
}

/*
 * Receives one batch.  wait is 0 while objects are in flight (they must
 * not wait for a long poll), else the configured long poll.  FALSE with
 * *err on a failed request or a message that is not an event (the other
 * messages of the batch are kept).
 */
static gboolean
receive(FlSource *src, EventSource *s, guint wait, GError **err)
{
    g_autoptr(GPtrArray) msgs =
        g_ptr_array_new_with_free_func((GDestroyNotify)fl_sqs_message_free);
    GError *first = NULL;

    if (!fl_sqs_receive(s->sqs, 10, wait, s->cfg->sqs_visibility, msgs, err))
        return FALSE;
    if (msgs->len == 0 && wait > 0 && s->cfg->sqs_exit_when_empty)
        s->input_done = TRUE;
    for (guint i = 0; i < msgs->len; i++) {
        GError *e = NULL;

        if (!take_message(src, s, g_ptr_array_index(msgs, i), &e)) {
            if (first == NULL)
                first = e;
            else {
                fl_log_warnx("%s", e->message);
                g_error_free(e);
            }
        }
    }
    if (first) {
        g_propagate_error(err, first);
        return FALSE;
    }
    return TRUE;
}

static void
start_download(EventSource *s, Pending *pe)
{
    FlS3DownloadSpec spec;
    FlS3DoneSpec done = { .checkpoint = s->cfg->checkpoint };

    memset(&spec, 0, sizeof spec);
    spec.bucket = pe->ref->bucket;
    spec.key = pe->ref->key;
    spec.size = pe->ref->size;
    spec.etag = pe->ref->etag;
    spec.stop = s->cfg->stop;
    if (pe->msg) {
        done.then = message_object_done;
        done.then_data = message_ref(pe->msg);
        done.then_free = message_unref;
    }
    fl_s3_window_push(s->window, &spec, &done);
}

static gboolean
stopping(const EventSource *s)
{
    return s->cfg->stop && g_atomic_int_get(s->cfg->stop);
}

static FlNext
event_next(FlSource *src, FlObject **obj, GError **err)
{
    EventSource *s = src->ctx;

    for (;;) {
        while (fl_s3_window_has_room(s->window)
               && !g_queue_is_empty(&s->pending)) {
            Pending *pe = g_queue_pop_head(&s->pending);
            start_download(s, pe);
            pending_free(pe);
        }
        if (stopping(s))
            return FL_NEXT_END;
        if (s->sqs && !s->input_done && fl_s3_window_has_room(s->window)
            && !receive(src, s, fl_s3_window_is_empty(s->window)
                                ? s->cfg->sqs_wait : 0, err))
            return FL_NEXT_ERROR;
        if (!g_queue_is_empty(&s->pending)
            && fl_s3_window_has_room(s->window))
            continue;
        if ((*obj = fl_s3_window_pop(s->window)) != NULL)
            return FL_NEXT_OK;
        if (s->input_done && g_queue_is_empty(&s->pending))
            return FL_NEXT_END;
    }
}

static EventSource *
event_source_new(FlSource *src, const FlSourceConfig *cfg, GError **err)
{
    EventSource *s;

    if (cfg == NULL || cfg->aws == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "%s: AWS access is not set up", src->location);
        return NULL;
    }
    s = g_new0(EventSource, 1);
    s->cfg = cfg;
    g_queue_init(&s->pending);
    s->window = fl_s3_window_new(cfg->aws, cfg->s3_concurrency);
    src->ctx = s;
    return s;
}

static gboolean
file_open(FlSource *src, const char *location, const FlSourceConfig *cfg,
          GError **err)
{
    EventSource *s = event_source_new(src, cfg, err);
    g_autofree char *data = NULL;
    gsize len = 0;
    guint queued;

    if (s == NULL)
        return FALSE;
    s->input_done = TRUE;
    if (!read_event_file(location, &data, &len, err)
        || !queue_event(src, s, data, len, NULL, &queued, err)) {
        g_prefix_error(err, "--s3-event %s: ", location);
        return FALSE;
    }
    return TRUE;
}

static gboolean
sqs_open(FlSource *src, const char *location, const FlSourceConfig *cfg,
         GError **err)
{
    EventSource *s = event_source_new(src, cfg, err);

    if (s == NULL)
        return FALSE;
    s->sqs = fl_sqs_new(cfg->aws, location, err);
    if (s->sqs == NULL)
        return FALSE;
    s->shared = g_new0(Shared, 1);
    s->shared->ref = 1;
    g_mutex_init(&s->shared->lock);
    g_cond_init(&s->shared->cond);
    s->shared->sqs = fl_sqs_new(cfg->aws, location, NULL);
    s->shared->visibility = cfg->sqs_visibility;
    s->shared->live = g_ptr_array_new_with_free_func(message_unref);
    s->heartbeat = g_thread_new("sqs-heartbeat", heartbeat_thread,
                                s->shared);
    return TRUE;
}

static void
event_close(FlSource *src)
{
    EventSource *s = src->ctx;

    if (s == NULL)
        return;
    g_clear_pointer(&s->window, fl_s3_window_free);
    while (!g_queue_is_empty(&s->pending))    /* GLib 2.56: no clear_full */
        pending_free(g_queue_pop_head(&s->pending));
    if (s->heartbeat) {
        /* Messages still in the pipeline are no longer extended: what is
         * left is at most a few chunks, written in well under a second. */
        g_mutex_lock(&s->shared->lock);
        s->shared->quit = TRUE;
        g_cond_broadcast(&s->shared->cond);
        g_mutex_unlock(&s->shared->lock);
        g_thread_join(s->heartbeat);
        g_mutex_lock(&s->shared->lock);
        g_ptr_array_set_size(s->shared->live, 0);
        g_mutex_unlock(&s->shared->lock);
    }
    g_clear_pointer(&s->sqs, fl_sqs_free);
    g_clear_pointer(&s->shared, shared_unref);
    g_free(s);
}

const FlSourceType fl_source_type_s3_event = {
    .scheme = "s3-event",
    .open = file_open,
    .next = event_next,
    .close = event_close,
};

const FlSourceType fl_source_type_sqs = {
    .scheme = "sqs",
    .open = sqs_open,
    .next = event_next,
    .close = event_close,
};
