/*
 * s3_event.c - the objects an S3 event notification announces (see
 * s3_event.h).
 *
 * JSON is parsed by json-glib; this file only recognises shapes.  Before
 * json-glib sees a text, a scan counts its nesting, because json-glib
 * descends recursively and a few megabytes of '[' would otherwise cost
 * the stack.  Envelopes carry the inner message as a JSON string, parsed
 * again (and scanned again) one level down.
 *
 * Nothing is fetched, acknowledged or deleted here.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "error.h"
#include "json_bounds.h"
#include "sources/s3_event.h"

/* Real notifications nest five deep; anything past this is not one. */
#define MAX_NESTING 32
#define MAX_ENVELOPES 3
#define MAX_KEY 1024            /* S3's own limit, in bytes */
#define MAX_BUCKET 255          /* 63 in practice; legacy names were longer */
#define MAX_ETAG 256

typedef struct {
    GPtrArray *refs;
    FlS3EventCounts n;
} Parse;

static gboolean parse_text(Parse *p, const char *json, gsize len,
                           guint envelopes, GError **err);

void
fl_s3_ref_free(FlS3Ref *r)
{
    if (r == NULL)
        return;
    g_free(r->bucket);
    g_free(r->key);
    g_free(r->etag);
    g_free(r);
}

static void
corrupt(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
corrupt(GError **err, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, FL_ERROR, FL_ERROR_CORRUPT, msg);
    g_free(msg);
}

/* ---- members ---------------------------------------------------------- */

static JsonObject *
get_object(JsonObject *o, const char *name)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;

    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static const char *
get_string(JsonObject *o, const char *name)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) ||
        json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

/* A missing size is 0; one that is there must be a whole number >= 0. */
static gboolean
get_size(JsonObject *o, guint64 *size)
{
    JsonNode *n = o ? json_object_get_member(o, "size") : NULL;
    gint64 v;

    *size = 0;
    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return FALSE;
    if ((v = json_node_get_int(n)) < 0)
        return FALSE;
    *size = (guint64)v;
    return TRUE;
}

/* ---- keys ------------------------------------------------------------- */

static int
hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = g_ascii_tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * application/x-www-form-urlencoded: '+' is a space, %XX a byte.  A bad
 * escape, a NUL or bytes that are not UTF-8 make it NULL: S3 keys are
 * UTF-8 and such a key could not be fetched anyway.
 */
static char *
form_decode(const char *s)
{
    gsize n = strlen(s);
    char *out = g_malloc(n + 1), *o = out;

    for (gsize i = 0; i < n; i++) {
        if (s[i] == '+') {
            *o++ = ' ';
        } else if (s[i] != '%') {
            *o++ = s[i];
        } else {
            int hi = i + 2 < n ? hex(s[i + 1]) : -1;
            int lo = hi >= 0 ? hex(s[i + 2]) : -1;

            if (lo < 0 || (hi == 0 && lo == 0)) {
                g_free(out);
                return NULL;
            }
            *o++ = (char)(hi << 4 | lo);
            i += 2;
        }
    }
    *o = '\0';
    if (!g_utf8_validate(out, (gssize)(o - out), NULL)) {
        g_free(out);
        return NULL;
    }
    return out;
}

/*
 * One object created.  where names the record for messages ("Records[2]",
 * "detail").  Bucket and key are required; size and ETag optional.
 */
static gboolean
add_ref(Parse *p, const char *where, JsonObject *bucket, JsonObject *object,
        const char *etag_name, gboolean form, GError **err)
{
    const char *name = get_string(bucket, "name");
    const char *key = get_string(object, "key");
    const char *etag = get_string(object, etag_name);
    FlS3Ref *r;
    char *dec;
    guint64 size;

    if (name == NULL || *name == '\0' || strlen(name) > MAX_BUCKET) {
        corrupt(err, "%s: no bucket name, or one too long", where);
        return FALSE;
    }
    if (key == NULL || *key == '\0' || strlen(key) > 3 * MAX_KEY) {
        corrupt(err, "%s: no object key, or one too long", where);
        return FALSE;
    }
    if (!get_size(object, &size)) {
        corrupt(err, "%s: the object size is not a whole number", where);
        return FALSE;
    }
    if (etag != NULL && strlen(etag) > MAX_ETAG) {
        corrupt(err, "%s: the ETag is too long", where);
        return FALSE;
    }
    dec = form ? form_decode(key) : g_strdup(key);
    if (dec == NULL || strlen(dec) > MAX_KEY || !g_utf8_validate(dec, -1, NULL)) {
        corrupt(err, "%s: the object key is not a valid key", where);
        g_free(dec);
        return FALSE;
    }
    r = g_new0(FlS3Ref, 1);
    r->bucket = g_strdup(name);
    r->key = dec;
    r->size = size;
    r->etag = etag && *etag ? g_strdup(etag) : NULL;
    g_ptr_array_add(p->refs, r);
    return TRUE;
}

/* ---- shapes ----------------------------------------------------------- */

static gboolean
s3_record(Parse *p, guint i, JsonObject *rec, GError **err)
{
    const char *ev = get_string(rec, "eventName");
    JsonObject *s3 = get_object(rec, "s3");
    g_autofree char *where = g_strdup_printf("Records[%u]", i);

    if (ev == NULL || s3 == NULL) {
        corrupt(err, "%s: an aws:s3 record without eventName or s3", where);
        return FALSE;
    }
    if (!g_str_has_prefix(ev, "ObjectCreated:")) {
        p->n.ignored++;
        return TRUE;
    }
    return add_ref(p, where, get_object(s3, "bucket"), get_object(s3, "object"),
                   "eTag", TRUE, err);
}

static gboolean
records(Parse *p, JsonArray *recs, guint envelopes, GError **err)
{
    guint n = json_array_get_length(recs);

    for (guint i = 0; i < n; i++) {
        JsonNode *node = json_array_get_element(recs, i);
        JsonObject *rec;
        const char *src, *body;

        if (!JSON_NODE_HOLDS_OBJECT(node)) {
            corrupt(err, "Records[%u] is not an object", i);
            return FALSE;
        }
        rec = json_node_get_object(node);
        src = get_string(rec, "eventSource");
        if (g_strcmp0(src, "aws:s3") == 0) {
            if (!s3_record(p, i, rec, err))
                return FALSE;
        } else if (g_strcmp0(src, "aws:sqs") == 0) {
            if ((body = get_string(rec, "body")) == NULL) {
                corrupt(err, "Records[%u]: an aws:sqs record without body", i);
                return FALSE;
            }
            if (!parse_text(p, body, strlen(body), envelopes + 1, err)) {
                g_prefix_error(err, "Records[%u].body: ", i);
                return FALSE;
            }
        } else {
            g_autofree char *cut = g_strndup(src ? src : "(none)", 40);
            g_autofree char *esc = g_strescape(cut, NULL);

            corrupt(err, "Records[%u]: eventSource \"%s\" is neither aws:s3 "
                    "nor aws:sqs", i, esc);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
eventbridge(Parse *p, JsonObject *o, GError **err)
{
    JsonObject *detail = get_object(o, "detail");

    if (g_strcmp0(get_string(o, "source"), "aws.s3") != 0 || detail == NULL) {
        corrupt(err, "an EventBridge event that is not from aws.s3, or has "
                "no detail");
        return FALSE;
    }
    if (g_strcmp0(get_string(o, "detail-type"), "Object Created") != 0) {
        p->n.ignored++;
        return TRUE;
    }
    /* EventBridge keys are not form-encoded. */
    return add_ref(p, "detail", get_object(detail, "bucket"),
                   get_object(detail, "object"), "etag", FALSE, err);
}

static gboolean
dispatch(Parse *p, JsonNode *root, guint envelopes, GError **err)
{
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root)
                                                 : NULL;
    JsonNode *recs = o ? json_object_get_member(o, "Records") : NULL;
    const char *type = get_string(o, "Type"), *msg = get_string(o, "Message");
    g_autofree char *what = NULL;

    if (recs != NULL && JSON_NODE_HOLDS_ARRAY(recs))
        return records(p, json_node_get_array(recs), envelopes, err);
    if (type != NULL && msg != NULL) {
        /* SNS: only notifications carry events; a subscription
         * confirmation or the like is counted and passed over. */
        if (strcmp(type, "Notification") != 0) {
            p->n.ignored++;
            return TRUE;
        }
        if (!parse_text(p, msg, strlen(msg), envelopes + 1, err)) {
            g_prefix_error(err, "SNS Message: ");
            return FALSE;
        }
        return TRUE;
    }
    if (o != NULL && json_object_has_member(o, "detail-type"))
        return eventbridge(p, o, err);
    if (g_strcmp0(get_string(o, "Event"), "s3:TestEvent") == 0) {
        p->n.test_events++;
        return TRUE;
    }
    what = fl_json_describe(root);
    corrupt(err, "not an S3 event notification: found %s", what);
    return FALSE;
}

static gboolean
parse_text(Parse *p, const char *json, gsize len, guint envelopes,
           GError **err)
{
    g_autoptr(JsonParser) parser = NULL;
    GError *jerr = NULL;

    if (envelopes > MAX_ENVELOPES) {
        corrupt(err, "more than %u envelopes deep", MAX_ENVELOPES);
        return FALSE;
    }
    if (len > G_MAXSSIZE) {
        corrupt(err, "too long");
        return FALSE;
    }
    if (fl_json_nesting(json, len, MAX_NESTING) > MAX_NESTING) {
        corrupt(err, "JSON nested more than %u deep", MAX_NESTING);
        return FALSE;
    }
    parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, json, (gssize)len, &jerr)) {
        corrupt(err, "not JSON: %s", jerr->message);
        g_error_free(jerr);
        return FALSE;
    }
    if (json_parser_get_root(parser) == NULL) {
        corrupt(err, "not JSON: empty");
        return FALSE;
    }
    return dispatch(p, json_parser_get_root(parser), envelopes, err);
}

gboolean
fl_s3_event_parse(const char *json, gsize len, GPtrArray *refs,
                  FlS3EventCounts *counts, GError **err)
{
    Parse p = { 0 };

    g_return_val_if_fail(json != NULL || len == 0, FALSE);
    g_return_val_if_fail(refs != NULL, FALSE);

    p.refs = g_ptr_array_new_with_free_func((GDestroyNotify)fl_s3_ref_free);
    if (!parse_text(&p, json ? json : "", len, 0, err)) {
        g_ptr_array_unref(p.refs);
        return FALSE;
    }
    /* All or nothing: refs and counts change only on success. */
    for (guint i = 0; i < p.refs->len; i++)
        g_ptr_array_add(refs, g_steal_pointer(&p.refs->pdata[i]));
    g_ptr_array_unref(p.refs);
    if (counts != NULL) {
        counts->test_events += p.n.test_events;
        counts->ignored += p.n.ignored;
    }
    return TRUE;
}
