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

typedef enum { HEAD, BODY, TAIL, END } Phase;

typedef struct {
    FlAzBlob *client;
    FlHttpStream *st;
    char *name;                 /* azblob://ACCOUNT/CONTAINER/BLOB */
    guint64 want, got;          /* body bytes */
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

static gssize
read_body(AzObj *o, guint8 *buf, gsize len, GError **err)
{
    for (;;) {
        gssize n = fl_http_stream_read(o->st, buf, len, err);

        if (n < 0)
            return -1;
        if (n == 0) {
            if (o->got < o->want) {
                g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "the body "
                            "ended after %" G_GUINT64_FORMAT " of %"
                            G_GUINT64_FORMAT " bytes", o->got, o->want);
                return -1;
            }
            g_clear_pointer(&o->st, fl_http_stream_close);
            o->phase = o->fragment ? TAIL : END;
            return -2;                  /* go on with the next phase */
        }
        o->got += (guint64)n;
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
    g_clear_pointer(&o->client, fl_azblob_free);
    g_free(o->name);
    g_free(o);
}

static const FlObjectType azblob_object_type = {
    .read = az_read,
    .close = az_close,
    .map_fd = NULL,
};

FlObject *
fl_azblob_object_open(FlAzure *az, const FlAzObjectSpec *spec, GError **err)
{
    AzObj *o = g_new0(AzObj, 1);
    FlObject *obj;

    g_assert(spec->to > spec->from);
    o->name = g_strdup_printf("azblob://%s/%s/%s", spec->account,
                              spec->container, spec->blob);
    o->client = fl_azblob_new(az, spec->account);
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
