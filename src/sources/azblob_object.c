/*
 * azblob_object.c - a blob's byte range as an FlObject (azblob_object.h).
 */
#include "config.h"

#include <string.h>

#include "azure/blob.h"
#include "error.h"
#include "sources/azblob_object.h"

static const char head[] = "{\"records\":[";
static const char tail[] = "]}";

/* Idle clients kept: as many as objects are read at once, which is one. */
#define POOL_MAX 2

struct FlAzPool {
    FlAzure *az;
    char *account;
    GMutex lock;
    GPtrArray *idle;            /* FlAzBlob * */
    gint ref;
};

FlAzPool *
fl_azpool_new(FlAzure *az, const char *account)
{
    FlAzPool *p = g_new0(FlAzPool, 1);

    p->az = fl_azure_ref(az);
    p->account = g_strdup(account);
    g_mutex_init(&p->lock);
    p->idle = g_ptr_array_new_with_free_func((GDestroyNotify)fl_azblob_free);
    p->ref = 1;
    return p;
}

FlAzPool *
fl_azpool_ref(FlAzPool *pool)
{
    g_atomic_int_inc(&pool->ref);
    return pool;
}

void
fl_azpool_unref(FlAzPool *pool)
{
    if (pool == NULL || !g_atomic_int_dec_and_test(&pool->ref))
        return;
    g_ptr_array_unref(pool->idle);
    g_mutex_clear(&pool->lock);
    fl_azure_unref(pool->az);
    g_free(pool->account);
    g_free(pool);
}

static FlAzBlob *
pool_take(FlAzPool *p)
{
    FlAzBlob *c = NULL;

    g_mutex_lock(&p->lock);
    if (p->idle->len > 0) {
        c = p->idle->pdata[p->idle->len - 1];
        p->idle->pdata[p->idle->len - 1] = NULL;
        g_ptr_array_set_size(p->idle, p->idle->len - 1);
    }
    g_mutex_unlock(&p->lock);
    return c ? c : fl_azblob_new(p->az, p->account);
}

/* A client whose transfer is over (its stream closed). */
static void
pool_give(FlAzPool *p, FlAzBlob *c)
{
    g_mutex_lock(&p->lock);
    if (p->idle->len < POOL_MAX) {
        g_ptr_array_add(p->idle, c);
        c = NULL;
    }
    g_mutex_unlock(&p->lock);
    fl_azblob_free(c);
}

typedef enum { HEAD, BODY, TAIL, END } Phase;

typedef struct {
    FlAzPool *pool;
    FlAzBlob *client;
    FlHttpStream *st;
    char *name;                 /* azblob://ACCOUNT/CONTAINER/BLOB */
    char *container, *blob;
    guint64 from;               /* the range's start */
    guint64 want, got;          /* body bytes */
    guint resumes;              /* in a row without progress */
    gboolean fragment;
    gboolean comma_seen;        /* the leading ',' is dropped */
    Phase phase;
    gsize off;                  /* within head or tail */
} AzObj;

/* Drops the whitespace and the one ',' that start a fragment. */
static gsize
strip_lead(AzObj *o, guint8 *buf, gsize n)
{
    gsize i = 0;

    while (!o->comma_seen && i < n) {
        if (buf[i] == ',') {
            o->comma_seen = TRUE;
            i++;
        } else if (g_ascii_isspace(buf[i])) {
            i++;
        } else {
            o->comma_seen = TRUE;       /* the first record: no comma */
        }
    }
    if (i > 0)
        memmove(buf, buf + i, n - i);
    return n - i;
}

static gssize
copy_const(AzObj *o, const char *s, gsize slen, guint8 *buf, gsize len,
           Phase next)
{
    gsize n = MIN(len, slen - o->off);

    memcpy(buf, s + o->off, n);
    o->off += n;
    if (o->off == slen) {
        o->phase = next;
        o->off = 0;
    }
    return (gssize)n;
}

/*
 * A body cut short (reset, stall, fewer bytes than asked): asks again
 * for the rest of the range, up to max_attempts times in a row without a
 * byte in between.  Appending never changes committed bytes before the
 * closing block, so the rest is the same bytes (no If-Match: every
 * commit changes the ETag).  FALSE, *err kept, when out of tries.
 */
static gboolean
resume(AzObj *o, GError **err)
{
    GError *again = NULL;

    g_clear_pointer(&o->st, fl_http_stream_close);
    if (o->resumes++ >= o->pool->az->http.max_attempts)
        return FALSE;
    o->st = fl_azblob_get(o->client, o->container, o->blob,
                          o->from + o->got, o->from + o->want, &again);
    if (o->st == NULL) {
        g_clear_error(err);
        g_propagate_prefixed_error(err, again, "resuming at byte %"
                                   G_GUINT64_FORMAT ": ", o->from + o->got);
        return FALSE;
    }
    g_clear_error(err);
    return TRUE;
}

static gssize
read_body(AzObj *o, guint8 *buf, gsize len, GError **err)
{
    for (;;) {
        gssize n = fl_http_stream_read(o->st, buf, len, err);

        if (n == 0 && o->got < o->want)
            g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "the body ended "
                        "after %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                        " bytes", o->got, o->want);
        if (n < 0 || (n == 0 && o->got < o->want)) {
            if (resume(o, err))
                continue;
            return -1;
        }
        if (n == 0) {
            g_clear_pointer(&o->st, fl_http_stream_close);
            o->phase = o->fragment ? TAIL : END;
            return -2;                  /* go on with the next phase */
        }
        o->got += (guint64)n;
        o->resumes = 0;
        if (o->fragment && !o->comma_seen)
            n = (gssize)strip_lead(o, buf, (gsize)n);
        if (n > 0)
            return n;
    }
}

static gssize
az_read(FlObject *obj, guint8 *buf, gsize len, GError **err)
{
    AzObj *o = obj->ctx;

    for (;;) {
        gssize n;

        switch (o->phase) {
        case HEAD:
            return copy_const(o, head, sizeof head - 1, buf, len, BODY);
        case BODY:
            n = read_body(o, buf, len, err);
            if (n == -2)
                continue;
            return n;
        case TAIL:
            return copy_const(o, tail, sizeof tail - 1, buf, len, END);
        case END:
        default:
            return 0;
        }
    }
}

static void
az_close(FlObject *obj)
{
    AzObj *o = obj->ctx;

    if (o == NULL)
        return;
    g_clear_pointer(&o->st, fl_http_stream_close);
    if (o->client)
        pool_give(o->pool, g_steal_pointer(&o->client));
    fl_azpool_unref(o->pool);
    g_free(o->name);
    g_free(o->container);
    g_free(o->blob);
    g_free(o);
}

static const FlObjectType azblob_object_type = {
    .read = az_read,
    .close = az_close,
    .map_fd = NULL,
};

FlObject *
fl_azblob_object_open(const FlAzObjectSpec *spec, GError **err)
{
    AzObj *o = g_new0(AzObj, 1);
    FlObject *obj;

    g_assert(spec->to > spec->from);
    o->name = g_strdup_printf("azblob://%s/%s/%s", spec->account,
                              spec->container, spec->blob);
    o->pool = fl_azpool_ref(spec->pool);
    o->client = pool_take(o->pool);
    o->container = g_strdup(spec->container);
    o->blob = g_strdup(spec->blob);
    o->from = spec->from;
    o->want = spec->to - spec->from;
    o->fragment = spec->fragment;
    o->phase = spec->fragment ? HEAD : BODY;
    o->st = fl_azblob_get(o->client, spec->container, spec->blob,
                          spec->from, spec->to, err);
    obj = fl_object_new(&azblob_object_type, o->name, o);
    if (o->st == NULL) {
        fl_object_free(obj);
        return NULL;
    }
    return obj;
}
