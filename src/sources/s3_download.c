/*
 * s3_download.c - an S3 object read ahead by a thread (s3_download.h).
 *
 * The thread and the reader share a queue of pieces under one mutex; the
 * thread waits while FL_S3_DOWNLOAD_BUFFER bytes are queued, the reader
 * while none are.  Both wait with a timeout, so the stop flag is looked
 * at even when nothing moves.
 */
#include "config.h"

#include <string.h>

#include "aws/s3.h"
#include "error.h"
#include "log.h"
#include "sources/checkpoint.h"
#include "sources/s3_download.h"

#define PIECE (256 * 1024)
#define WAIT_US (200 * 1000)

/* The data of an object's on_done hook. */
typedef struct {
    FlS3DoneSpec spec;
    char *bucket, *key;
    char *etag;                 /* filled when the object closes */
    guint64 size;
} S3Done;

struct FlS3Download {
    FlAws *aws;
    S3Done *done;               /* not ours: the object's hook data */
    char *bucket, *key, *etag;
    guint64 size;
    const volatile gint *stop;
    GThread *thread;
    /* shared, under lock */
    GMutex lock;
    GCond cond;
    GQueue pieces;              /* GBytes * */
    gsize buffered;             /* bytes queued, not yet read */
    gsize head_off;             /* read so far of the first piece */
    gboolean eof, cancel;
    GError *error;
    guint resumes;
    /* thread only */
    guint64 received;
};

static gboolean
stopping(FlS3Download *d)
{
    return d->cancel || (d->stop && g_atomic_int_get(d->stop));
}

/* Queues n bytes of buf (taking buf), waiting for room.  FALSE when
 * cancelled. */
static gboolean
push_piece(FlS3Download *d, guint8 *buf, gsize n)
{
    gboolean ok;

    g_mutex_lock(&d->lock);
    while (d->buffered >= FL_S3_DOWNLOAD_BUFFER && !stopping(d)) {
        g_cond_wait_until(&d->cond, &d->lock,
                          g_get_monotonic_time() + WAIT_US);
    }
    ok = !stopping(d);
    if (!ok)
        g_free(buf);
    if (ok) {
        g_queue_push_tail(&d->pieces, g_bytes_new_take(buf, n));
        d->buffered += n;
        g_cond_broadcast(&d->cond);
    }
    g_mutex_unlock(&d->lock);
    return ok;
}

static void
finish(FlS3Download *d, GError *err)
{
    g_mutex_lock(&d->lock);
    d->eof = TRUE;
    d->error = err;
    g_cond_broadcast(&d->cond);
    g_mutex_unlock(&d->lock);
}

/*
 * Reads one response body into the queue.  Returns TRUE at its clean end,
 * FALSE with *err when it broke off (the caller may resume) or with no
 * error when cancelled.
 */
static gboolean
pump(FlS3Download *d, FlHttpStream *st, GError **err)
{
    for (;;) {
        guint8 *buf = g_malloc(PIECE);
        gssize n = fl_http_stream_read(st, buf, PIECE, err);

        if (n <= 0) {
            g_free(buf);
            if (n < 0)
                return FALSE;
            break;
        }
        if (!push_piece(d, buf, (gsize)n))
            return FALSE;
        d->received += (guint64)n;
    }
    if (d->size && d->received < d->size) {
        g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "the body ended after "
                    "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
                    d->received, d->size);
        return FALSE;
    }
    return TRUE;
}

/* Opens the object at d->received; FALSE with *err. */
static FlHttpStream *
open_at(FlS3Download *d, FlS3 *s3, GError **err)
{
    guint64 size = 0;
    char *etag = NULL;
    FlHttpStream *st;

    st = fl_s3_get(s3, d->bucket, d->key, d->received,
                   d->received ? d->etag : NULL, &size, &etag, err);
    if (st == NULL)
        return NULL;
    if (d->received == 0) {
        g_mutex_lock(&d->lock);
        g_free(d->etag);
        d->etag = etag;
        g_mutex_unlock(&d->lock);
        if (size)
            d->size = size;
    } else {
        g_free(etag);
    }
    return st;
}

static void
backoff(FlS3Download *d, guint attempt)
{
    guint ms = MIN(d->aws->http.backoff_base_ms << MIN(attempt, 10),
                   d->aws->http.backoff_max_ms);
    gint64 until = g_get_monotonic_time()
                   + (gint64)g_random_int_range(0, (gint32)ms + 1) * 1000;

    while (!stopping(d) && g_get_monotonic_time() < until)
        g_usleep(MIN(WAIT_US, (gulong)MAX(0, until - g_get_monotonic_time())));
}

/*
 * The object's name once, then where it broke: "s3://B/K: cut at byte N
 * (after R resumes): WHY" or "s3://B/K: resuming at byte N: WHY" when the
 * resume itself was refused (412: the object changed).
 */
static GError *
name_error(FlS3Download *d, GError *err, gboolean resuming)
{
    g_autofree char *name = g_strdup_printf("s3://%s/%s: ", d->bucket,
                                            d->key);
    const char *why = err->message;
    GError *out;

    if (g_str_has_prefix(why, name))
        why += strlen(name);
    if (d->received == 0)
        out = g_error_new(err->domain, err->code, "%s%s", name, why);
    else if (resuming)
        out = g_error_new(err->domain, err->code, "%sresuming at byte %"
                          G_GUINT64_FORMAT ": %s", name, d->received, why);
    else
        out = g_error_new(err->domain, err->code, "%scut at byte %"
                          G_GUINT64_FORMAT " (after %u resumes): %s", name,
                          d->received, d->resumes, why);
    g_error_free(err);
    return out;
}

static gpointer
download_thread(gpointer data)
{
    FlS3Download *d = data;
    g_autoptr(GError) err = NULL;
    FlS3 *s3 = fl_s3_new(d->aws);
    guint cuts = 0;
    gboolean resuming = FALSE;

    while (!stopping(d)) {
        guint64 before = d->received;
        FlHttpStream *st = open_at(d, s3, &err);
        gboolean done;

        resuming = d->received > 0;
        if (st == NULL)
            break;                      /* retried inside already */
        resuming = FALSE;
        done = pump(d, st, &err);
        fl_http_stream_close(st);
        if (done || err == NULL)
            break;
        if (d->received > before)
            cuts = 0;                   /* progress: a fresh budget */
        if (++cuts >= d->aws->http.max_attempts || stopping(d))
            break;
        fl_log_debug("s3://%s/%s: %s; resuming at byte %" G_GUINT64_FORMAT,
                     d->bucket, d->key, err->message, d->received);
        g_clear_error(&err);
        g_atomic_int_inc((gint *)&d->resumes);
        backoff(d, cuts);
    }
    if (stopping(d) && !d->cancel) {
        /* Whatever broke, the signal is why: the object is unfinished, not
         * failed (and must not look complete, or it would be committed). */
        g_clear_error(&err);
        g_set_error(&err, FL_ERROR, FL_ERROR_STOPPED, "s3://%s/%s: stopped "
                    "at byte %" G_GUINT64_FORMAT "; not committed", d->bucket,
                    d->key, d->received);
    } else if (err) {
        err = name_error(d, g_steal_pointer(&err), resuming);
    }
    finish(d, g_steal_pointer(&err));
    fl_s3_free(s3);
    return NULL;
}

FlS3Download *
fl_s3_download_start(FlAws *aws, const FlS3DownloadSpec *spec)
{
    FlS3Download *d = g_new0(FlS3Download, 1);

    d->aws = fl_aws_ref(aws);
    d->bucket = g_strdup(spec->bucket);
    d->key = g_strdup(spec->key);
    d->size = spec->size;
    d->etag = g_strdup(spec->etag);
    d->stop = spec->stop;
    g_mutex_init(&d->lock);
    g_cond_init(&d->cond);
    g_queue_init(&d->pieces);
    d->thread = g_thread_new("s3-download", download_thread, d);
    return d;
}

void
fl_s3_download_free(FlS3Download *d)
{
    if (d == NULL)
        return;
    g_mutex_lock(&d->lock);
    d->cancel = TRUE;
    g_cond_broadcast(&d->cond);
    g_mutex_unlock(&d->lock);
    g_thread_join(d->thread);
    while (!g_queue_is_empty(&d->pieces))     /* GLib 2.56: no clear_full */
        g_bytes_unref(g_queue_pop_head(&d->pieces));
    g_clear_error(&d->error);
    g_mutex_clear(&d->lock);
    g_cond_clear(&d->cond);
    fl_aws_unref(d->aws);
    g_free(d->bucket);
    g_free(d->key);
    g_free(d->etag);
    g_free(d);
}

const char *
fl_s3_download_etag(FlS3Download *d)
{
    return d->etag;
}

guint
fl_s3_download_resumes(FlS3Download *d)
{
    return (guint)g_atomic_int_get((gint *)&d->resumes);
}

/* Under lock: copies what is queued into buf. */
static gsize
take_queued(FlS3Download *d, guint8 *buf, gsize len)
{
    gsize done = 0;

    while (done < len && !g_queue_is_empty(&d->pieces)) {
        GBytes *b = g_queue_peek_head(&d->pieces);
        gsize blen;
        const guint8 *p = g_bytes_get_data(b, &blen);
        gsize n = MIN(len - done, blen - d->head_off);

        memcpy(buf + done, p + d->head_off, n);
        done += n;
        d->head_off += n;
        if (d->head_off == blen) {
            g_bytes_unref(g_queue_pop_head(&d->pieces));
            d->head_off = 0;
        }
    }
    d->buffered -= done;
    return done;
}

static gssize
download_read(FlObject *obj, guint8 *buf, gsize len, GError **err)
{
    FlS3Download *d = obj->ctx;
    gssize r = 0;

    g_mutex_lock(&d->lock);
    while (g_queue_is_empty(&d->pieces) && !d->eof)
        g_cond_wait_until(&d->cond, &d->lock,
                          g_get_monotonic_time() + WAIT_US);
    if (!g_queue_is_empty(&d->pieces)) {
        r = (gssize)take_queued(d, buf, len);
        g_cond_broadcast(&d->cond);
    } else if (d->error) {
        g_propagate_error(err, g_steal_pointer(&d->error));
        r = -1;
    }
    g_mutex_unlock(&d->lock);
    return r;
}

/* The read is over (the pipeline closes objects at their end, before
 * their hook runs): tell the hook which version was read. */
static void
download_close(FlObject *obj)
{
    FlS3Download *d = obj->ctx;

    if (d->done) {
        d->done->etag = g_strdup(d->etag);
        d->done->size = d->size ? d->size : d->received;
    }
    fl_s3_download_free(d);
}

static const FlObjectType download_type = {
    .read = download_read,
    .close = download_close,
};

char *
fl_s3_checkpoint_version(const char *etag, guint64 size)
{
    return g_strdup_printf("%s %" G_GUINT64_FORMAT, etag ? etag : "-", size);
}

static gboolean
s3_done(gpointer data, gboolean ok, GError **err)
{
    S3Done *sd = data;
    gboolean r = TRUE;

    if (ok && sd->spec.checkpoint) {
        g_autofree char *id = g_strdup_printf("%s/%s", sd->bucket, sd->key);
        g_autofree char *v = fl_s3_checkpoint_version(sd->etag, sd->size);

        r = fl_checkpoint_record(sd->spec.checkpoint, "s3", id, v, err);
    }
    if (sd->spec.then) {
        GError *local = NULL;
        /* A checkpoint that failed still lets the message go: the records
         * are out, and the rerun's duplicate is the lesser harm. */
        if (!sd->spec.then(sd->spec.then_data, ok, r ? err : &local))
            r = FALSE;
        g_clear_error(&local);
    }
    return r;
}

static void
s3_done_free(gpointer data)
{
    S3Done *sd = data;

    if (sd->spec.then_free)
        sd->spec.then_free(sd->spec.then_data);
    g_clear_pointer(&sd->spec.checkpoint, fl_checkpoint_unref);
    g_free(sd->bucket);
    g_free(sd->key);
    g_free(sd->etag);
    g_free(sd);
}

FlObject *
fl_s3_download_object(FlS3Download *d, const FlS3DoneSpec *done)
{
    g_autofree char *name = g_strdup_printf("s3://%s/%s", d->bucket, d->key);
    FlObject *obj = fl_object_new(&download_type, name, d);
    S3Done *sd;

    if (done == NULL || (done->checkpoint == NULL && done->then == NULL))
        return obj;
    sd = g_new0(S3Done, 1);
    sd->spec = *done;
    if (sd->spec.checkpoint)
        fl_checkpoint_ref(sd->spec.checkpoint);
    sd->bucket = g_strdup(d->bucket);
    sd->key = g_strdup(d->key);
    d->done = sd;
    obj->on_done = g_new0(FlObjectDone, 1);
    obj->on_done->done = s3_done;
    obj->on_done->free = s3_done_free;
    obj->on_done->data = sd;
    return obj;
}
