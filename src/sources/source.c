/*
 * source.c - the scheme registry and the fl_source_* / fl_object_* wrappers.
 *
 * This file picks a source type for a location and stands between callers
 * and the type's function pointers.  It also owns the one thing every
 * object shares whatever its source: gzip is recognised by its magic bytes
 * on the first read and removed by the inflate filter, so a .gz name is
 * neither needed nor trusted.
 *
 * It knows nothing about files, S3 or CloudWatch (source_*.c do), and does
 * not decode lines (decode*.c does).
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "sources/inflate.h"
#include "sources/source.h"

/*
 * Every scheme we know of has a row, built or not, so that a location for
 * a backend left out of this build says "not built in" rather than
 * "unknown".
 */
static const struct {
    const char *scheme;
    const FlSourceType *type;   /* NULL: not built in */
} schemes[] = {
    { "file", &fl_source_type_file },
    { "s3",   &fl_source_type_s3 },
    { "cwl",  &fl_source_type_cwl },
    { "azblob", &fl_source_type_azblob },
    { "memory", &fl_source_type_memory },
};

/*
 * Splits "scheme://rest".  The scheme must look like one (RFC 3986: a
 * letter, then letters, digits, '+', '-' or '.'), so a path that merely
 * contains "://" further on stays a path.  Returns the scheme length, 0 for
 * a plain path.
 */
static gsize
scheme_length(const char *location)
{
    gsize i;

    if (!g_ascii_isalpha(location[0]))
        return 0;
    for (i = 1; location[i] != '\0'; i++) {
        char c = location[i];

        if (c == ':')
            return strncmp(location + i, "://", 3) == 0 ? i : 0;
        if (!g_ascii_isalnum(c) && c != '+' && c != '-' && c != '.')
            return 0;
    }
    return 0;
}

FlSource *
fl_source_open_type(const FlSourceType *type, const char *location,
                    const FlSourceConfig *cfg, GError **err)
{
    FlSource *src = g_new0(FlSource, 1);

    src->type = type;
    src->location = g_strdup(location);
    if (!type->open(src, location, cfg, err)) {
        fl_source_free(src);
        return NULL;
    }
    return src;
}

FlSource *
fl_source_open(const char *location, const FlSourceConfig *cfg, GError **err)
{
    const FlSourceType *type = &fl_source_type_file;
    const char *rest = location;
    FlSource *src;
    gsize n;

    g_return_val_if_fail(location != NULL, NULL);
    g_return_val_if_fail(err == NULL || *err == NULL, NULL);

    if ((n = scheme_length(location)) > 0) {
        gsize i;

        for (i = 0; i < G_N_ELEMENTS(schemes); i++) {
            if (strlen(schemes[i].scheme) == n &&
                g_ascii_strncasecmp(location, schemes[i].scheme, n) == 0)
                break;
        }
        if (i == G_N_ELEMENTS(schemes)) {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                        "unknown input scheme '%.*s'", (int)n, location);
            return NULL;
        }
        if (schemes[i].type == NULL) {
            g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                        "%s: not built in", schemes[i].scheme);
            return NULL;
        }
        type = schemes[i].type;
        rest = location + n + 3;
    }
    if (*rest == '\0') {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "empty input location");
        return NULL;
    }

    src = g_new0(FlSource, 1);
    src->type = type;
    src->location = g_strdup(location);
    if (!type->open(src, rest, cfg, err)) {
        fl_source_free(src);
        return NULL;
    }
    return src;
}

FlNext
fl_source_next(FlSource *src, FlObject **obj, GError **err)
{
    FlNext r;

    g_return_val_if_fail(src != NULL, FL_NEXT_END);
    g_return_val_if_fail(obj != NULL, FL_NEXT_END);
    g_return_val_if_fail(err == NULL || *err == NULL, FL_NEXT_END);

    *obj = NULL;
    r = src->type->next(src, obj, err);
    g_assert((r == FL_NEXT_OK) == (*obj != NULL));
    return r;
}

void
fl_source_free(FlSource *src)
{
    if (src == NULL)
        return;
    if (src->type->close != NULL)
        src->type->close(src);
    g_free(src->location);
    g_free(src);
}

FlObject *
fl_object_new(const FlObjectType *type, const char *name, void *ctx)
{
    FlObject *obj;

    g_return_val_if_fail(type != NULL && type->read != NULL, NULL);
    g_return_val_if_fail(name != NULL, NULL);

    obj = g_new0(FlObject, 1);
    obj->type = type;
    obj->name = g_strdup(name);
    obj->ctx = ctx;
    return obj;
}

/* Every raw byte goes through here, so raw_bytes is exact. */
static gssize
raw_read(FlObject *obj, guint8 *buf, gsize len, GError **err)
{
    gssize n = obj->type->read(obj, buf, len, err);

    if (n > 0)
        obj->raw_bytes += (guint64)n;
    return n;
}

/* The inflate filter's view of the object. */
static gssize
inflate_source(gpointer data, guint8 *buf, gsize len, GError **err)
{
    return raw_read(data, buf, len, err);
}

/*
 * Looks at the first two bytes.  It loops because a pipe may deliver them
 * one at a time; a failed read leaves what was peeked so far in place.
 */
static gboolean
sniff(FlObject *obj, GError **err)
{
    while (obj->n_peek < sizeof obj->peek) {
        gssize n = raw_read(obj, obj->peek + obj->n_peek,
                            sizeof obj->peek - obj->n_peek, err);

        if (n < 0)
            return FALSE;
        if (n == 0)
            break;
        obj->n_peek += (gsize)n;
    }
    if (obj->n_peek == 2 && obj->peek[0] == 0x1f && obj->peek[1] == 0x8b) {
        obj->inflate = fl_inflate_new(inflate_source, obj, obj->peek, 2,
                                      FL_INFLATE_MAX_RATIO, err);
        if (obj->inflate == NULL)
            return FALSE;
        obj->n_peek = 0;                /* the filter has them now */
    }
    obj->sniffed = TRUE;
    return TRUE;
}

/* Plain text: the peeked bytes first, then straight from the source. */
static gssize
plain_read(FlObject *obj, guint8 *buf, gsize len, GError **err)
{
    gsize done = 0;
    gssize n;

    if (obj->n_peek > 0) {
        done = MIN(len, obj->n_peek);
        memcpy(buf, obj->peek, done);
        obj->n_peek -= done;
        memmove(obj->peek, obj->peek + done, obj->n_peek);
        if (done == len)
            return (gssize)done;
    }
    /*
     * Top up the buffer so the first read is not a 2-byte one.  If that
     * fails the peeked bytes are lost with the rest of the object, which
     * has failed anyway.
     */
    if ((n = raw_read(obj, buf + done, len - done, err)) < 0)
        return -1;
    return (gssize)done + n;
}

gssize
fl_object_read(FlObject *obj, guint8 *buf, gsize len, GError **err)
{
    gssize n;

    g_return_val_if_fail(obj != NULL, -1);
    g_return_val_if_fail(buf != NULL && len > 0, -1);
    g_return_val_if_fail(err == NULL || *err == NULL, -1);

    len = MIN(len, (gsize)G_MAXSSIZE);
    if (!obj->sniffed && !sniff(obj, err))
        return -1;
    if (obj->inflate != NULL)
        n = fl_inflate_read(obj->inflate, buf, len, err);
    else
        n = plain_read(obj, buf, len, err);
    if (n > 0)
        obj->bytes += (guint64)n;
    return n;
}

void
fl_object_free(FlObject *obj)
{
    if (obj == NULL)
        return;
    g_clear_pointer(&obj->inflate, fl_inflate_free);
    /* close() first: it may tell the hook what was read. */
    if (obj->type->close != NULL)
        obj->type->close(obj);
    (void)fl_object_done_finish(g_steal_pointer(&obj->on_done), -1, NULL);
    g_clear_pointer(&obj->labels, fl_labels_unref);
    g_free(obj->owner);
    g_free(obj->name);
    g_free(obj);
}

int
fl_object_map_fd(FlObject *obj)
{
    g_return_val_if_fail(obj != NULL, -1);
    if (obj->sniffed || obj->type->map_fd == NULL)
        return -1;
    return obj->type->map_fd(obj);
}

FlObjectDone *
fl_object_steal_done(FlObject *obj)
{
    return g_steal_pointer(&obj->on_done);
}

gboolean
fl_object_done_finish(FlObjectDone *hook, int ok, GError **err)
{
    gboolean r = TRUE;

    if (hook == NULL)
        return TRUE;
    if (ok != -1)
        r = hook->done(hook->data, ok != 0, err);
    if (hook->free)
        hook->free(hook->data);
    g_free(hook);
    return r;
}

/* ---- text in memory ----------------------------------------------------- */

typedef struct {
    GBytes *text;
    gsize pos;
} TextObject;

static gssize
text_read(FlObject *obj, guint8 *buf, gsize len, GError **err)
{
    TextObject *t = obj->ctx;
    gsize size;
    const guint8 *p = g_bytes_get_data(t->text, &size);
    gsize n = MIN(len, size - t->pos);

    memcpy(buf, p + t->pos, n);
    t->pos += n;
    return (gssize)n;
}

static void
text_close(FlObject *obj)
{
    TextObject *t = obj->ctx;

    g_bytes_unref(t->text);
    g_free(t);
}

static const FlObjectType text_type = {
    .read = text_read,
    .close = text_close,
};

struct FlLabels {
    gint ref;
    GString *text;              /* the labels, a NUL after each */
    GArray *off;                /* gsize: where each starts in text */
};

FlLabels *
fl_labels_new(guint n_hint, gsize bytes_hint)
{
    FlLabels *l = g_new(FlLabels, 1);

    l->ref = 1;
    l->text = g_string_sized_new(bytes_hint);
    l->off = g_array_sized_new(FALSE, FALSE, sizeof(gsize), n_hint);
    return l;
}

GString *
fl_labels_next(FlLabels *l)
{
    gsize at;

    /* The GString's own NUL ends the last label. */
    if (l->off->len > 0)
        g_string_append_c(l->text, '\0');
    at = l->text->len;
    g_array_append_val(l->off, at);
    return l->text;
}

guint
fl_labels_len(const FlLabels *l)
{
    return l->off->len;
}

const char *
fl_labels_get(const FlLabels *l, guint i)
{
    g_return_val_if_fail(i < l->off->len, NULL);
    return l->text->str + g_array_index(l->off, gsize, i);
}

FlLabels *
fl_labels_ref(FlLabels *l)
{
    g_atomic_int_inc(&l->ref);
    return l;
}

void
fl_labels_unref(FlLabels *l)
{
    if (l != NULL && g_atomic_int_dec_and_test(&l->ref)) {
        g_string_free(l->text, TRUE);
        g_array_unref(l->off);
        g_free(l);
    }
}

FlObject *
fl_object_new_text(const char *name, GBytes *text, FlLabels *labels,
                   const char *owner)
{
    TextObject *t = g_new0(TextObject, 1);
    FlObject *obj;

    t->text = text;
    obj = fl_object_new(&text_type, name, t);
    obj->labels = labels;
    obj->owner = g_strdup(owner);
    return obj;
}
