/*
 * lambda_event.c - telling Lambda events apart (lambda_event.h).
 *
 * The kind comes from a yajl scan that stops as soon as it knows: at the
 * "awslogs" member, or at the end of the first record.  Only a top-level
 * object that is no known shape is scanned to its end (its member names
 * go into the message).  S3 and SQS events are then parsed with
 * json-glib, after a nesting bound (json_bounds.h), and each S3
 * notification in them by s3_event.c.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <yajl/yajl_parse.h>

#include "error.h"
#include "json_bounds.h"
#include "lambda/lambda_event.h"

#define MAX_NESTING 32
#define NAMES_SHOWN 4
#define NAME_CUT 40

enum { K_OTHER, K_RECORDS, K_SOURCE };

typedef struct {
    guint depth;                /* containers open */
    int top_key;                /* the member whose value comes (depth 1) */
    int rec_key;                /* the same in the first record (depth 3) */
    gboolean in_records;        /* the Records array is open (depth 2) */
    gboolean in_first;          /* its first element is open (depth 3) */
    char *rec_source;           /* eventSource of the first record */
    gboolean rec_kinesis, rec_sns, rec_message_id;
    char *top_source;           /* "source" (EventBridge) */
    gboolean detail_type, firehose;
    GString *names;             /* top-level member names, for messages */
    guint n_names;
    /* the verdict */
    gboolean decided;
    FlEventKind kind;
    char *unsupported;          /* what was found, when no kind fits */
} Scan;

static int
decide(Scan *s, FlEventKind kind)
{
    s->decided = TRUE;
    s->kind = kind;
    return 0;                   /* stops yajl */
}

static int G_GNUC_PRINTF(2, 3)
refuse(Scan *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    s->unsupported = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    s->decided = TRUE;
    return 0;
}

/* A name or value from the input, cut and escaped for a message. */
static char *
shown(const unsigned char *v, size_t len)
{
    g_autofree char *cut = g_strndup((const char *)v, MIN(len, NAME_CUT));

    return g_strescape(cut, NULL);
}

/* A scalar at depth 0: the document is no object. */
static int
top_scalar(Scan *s, const char *what)
{
    return refuse(s, "%s", what);
}

/* Every value passes here before its own handling. */
static int
value(Scan *s, const char *what)
{
    if (s->depth == 0)
        return top_scalar(s, what);
    if (s->in_records && s->depth == 2 && !s->in_first)
        return refuse(s, "Records[0] is %s, not an object", what);
    return 1;
}

static int
on_null(void *ctx)
{
    Scan *s = ctx;
    int r = value(s, "null");

    s->top_key = s->depth == 1 ? K_OTHER : s->top_key;
    return r;
}

static int
on_boolean(void *ctx, int b)
{
    Scan *s = ctx;
    int r = value(s, "a boolean");

    (void)b;
    s->top_key = s->depth == 1 ? K_OTHER : s->top_key;
    return r;
}

static int
on_number(void *ctx, const char *n, size_t len)
{
    Scan *s = ctx;
    int r = value(s, "a number");

    (void)n;
    (void)len;
    s->top_key = s->depth == 1 ? K_OTHER : s->top_key;
    return r;
}

static int
on_string(void *ctx, const unsigned char *v, size_t len)
{
    Scan *s = ctx;

    if (!value(s, "a string"))
        return 0;
    if (s->depth == 1 && s->top_key == K_SOURCE && s->top_source == NULL)
        s->top_source = g_strndup((const char *)v, len);
    if (s->depth == 3 && s->in_first && s->rec_key == K_SOURCE
        && s->rec_source == NULL)
        s->rec_source = g_strndup((const char *)v, len);
    if (s->depth == 1)
        s->top_key = K_OTHER;
    if (s->depth == 3)
        s->rec_key = K_OTHER;
    return 1;
}

static gboolean
key_is(const unsigned char *k, size_t len, const char *name)
{
    return len == strlen(name) && memcmp(k, name, len) == 0;
}

static int
top_member(Scan *s, const unsigned char *k, size_t len)
{
    if (s->n_names < NAMES_SHOWN) {
        g_autofree char *n = shown(k, len);

        g_string_append_printf(s->names, "%s\"%s\"",
                               s->n_names ? ", " : "", n);
    }
    s->n_names++;
    s->top_key = K_OTHER;
    if (key_is(k, len, "awslogs") || key_is(k, len, "messageType")
        || key_is(k, len, "logEvents"))
        return decide(s, FL_EVENT_CWL);
    if (key_is(k, len, "Records"))
        s->top_key = K_RECORDS;
    else if (key_is(k, len, "source"))
        s->top_key = K_SOURCE;
    else if (key_is(k, len, "detail-type"))
        s->detail_type = TRUE;
    else if (key_is(k, len, "invocationId") || key_is(k, len, "records"))
        s->firehose = TRUE;
    return 1;
}

static int
on_map_key(void *ctx, const unsigned char *k, size_t len)
{
    Scan *s = ctx;

    if (s->depth == 1)
        return top_member(s, k, len);
    if (s->depth == 3 && s->in_first) {
        s->rec_key = K_OTHER;
        if (key_is(k, len, "kinesis"))
            return decide(s, FL_EVENT_KINESIS);
        if (key_is(k, len, "eventSource") || key_is(k, len, "EventSource"))
            s->rec_key = K_SOURCE;
        else if (key_is(k, len, "Sns"))
            s->rec_sns = TRUE;
        else if (key_is(k, len, "messageId"))
            s->rec_message_id = TRUE;
    }
    return 1;
}

static int
on_start_map(void *ctx)
{
    Scan *s = ctx;

    if (s->in_records && s->depth == 2 && !s->in_first)
        s->in_first = TRUE;
    if (s->depth == 1)
        s->top_key = K_OTHER;
    if (s->depth == 3)
        s->rec_key = K_OTHER;
    s->depth++;
    return 1;
}

/* The first record is complete: its eventSource decides. */
static int
first_record(Scan *s)
{
    const char *src = s->rec_source;

    if (g_strcmp0(src, "aws:kinesis") == 0)
        return decide(s, FL_EVENT_KINESIS);
    if (g_strcmp0(src, "aws:s3") == 0 || g_strcmp0(src, "aws:sns") == 0
        || (src == NULL && s->rec_sns))
        return decide(s, FL_EVENT_S3);
    if (g_strcmp0(src, "aws:sqs") == 0)
        return decide(s, FL_EVENT_SQS);
    if (src == NULL)
        return refuse(s, "a Records list whose first record has no "
                      "eventSource");
    {
        g_autofree char *v = shown((const unsigned char *)src, strlen(src));

        return refuse(s, "a record with eventSource \"%s\"", v);
    }
}

/* The top-level object is complete without a kind. */
static int
top_end(Scan *s)
{
    if (s->detail_type && g_strcmp0(s->top_source, "aws.s3") == 0)
        return decide(s, FL_EVENT_S3);
    if (s->detail_type) {
        g_autofree char *v = s->top_source
            ? shown((const unsigned char *)s->top_source,
                    strlen(s->top_source)) : g_strdup("(none)");

        return refuse(s, "an EventBridge event from \"%s\", not aws.s3", v);
    }
    if (s->firehose)
        return refuse(s, "a Firehose transformation event (not handled: "
                      "let Firehose deliver to S3 and send S3 "
                      "notifications)");
    if (s->n_names == 0)
        return refuse(s, "an empty object");
    return refuse(s, "an object with %s%s", s->names->str,
                  s->n_names > NAMES_SHOWN ? ", ..." : "");
}

static int
on_end_map(void *ctx)
{
    Scan *s = ctx;

    s->depth--;
    if (s->depth == 2 && s->in_first)
        return first_record(s);
    if (s->depth == 0)
        return top_end(s);
    if (s->depth == 1)
        s->top_key = K_OTHER;
    return 1;
}

static int
on_start_array(void *ctx)
{
    Scan *s = ctx;

    if (s->depth == 0)
        return top_scalar(s, "a JSON array");
    if (s->in_records && s->depth == 2 && !s->in_first)
        return refuse(s, "Records[0] is an array, not an object");
    if (s->depth == 1 && s->top_key == K_RECORDS)
        s->in_records = TRUE;
    if (s->depth == 1)
        s->top_key = K_OTHER;
    s->depth++;
    return 1;
}

static int
on_end_array(void *ctx)
{
    Scan *s = ctx;

    s->depth--;
    if (s->depth == 1 && s->in_records && !s->in_first)
        return refuse(s, "an empty Records list");
    return 1;
}

static const yajl_callbacks scan_callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_end_map,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end_array,
};

const char *
fl_event_kind_name(FlEventKind kind)
{
    switch (kind) {
    case FL_EVENT_CWL: return "CloudWatch Logs";
    case FL_EVENT_KINESIS: return "Kinesis";
    case FL_EVENT_S3: return "S3";
    case FL_EVENT_SQS: return "SQS";
    }
    return "?";
}

/* yajl's complaint, on one line, and where. */
static void
set_not_json(yajl_handle h, const char *json, gsize len, GError **err)
{
    unsigned char *e = yajl_get_error(h, 0, (const unsigned char *)json,
                                      len);
    g_autofree char *msg = g_strstrip(g_strdup((const char *)e));

    yajl_free_error(h, e);
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "the event is not JSON: "
                "%s (near byte %zu)", msg, yajl_get_bytes_consumed(h));
}

gboolean
fl_event_kind(const char *json, gsize len, FlEventKind *kind, GError **err)
{
    Scan s;
    yajl_handle h;
    yajl_status st;
    gboolean ok = FALSE;

    memset(&s, 0, sizeof s);
    s.names = g_string_new(NULL);
    h = yajl_alloc(&scan_callbacks, NULL, &s);
    st = yajl_parse(h, (const unsigned char *)json, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    if (s.decided && s.unsupported == NULL) {
        *kind = s.kind;
        ok = TRUE;
    } else if (s.decided) {
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED, "not an event "
                    "flowlog2ipfix handles (CloudWatch Logs subscription, "
                    "Kinesis, S3 notification, SNS, SQS, EventBridge): "
                    "found %s", s.unsupported);
    } else if (st == yajl_status_error) {
        set_not_json(h, json, len, err);
    } else {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "the event is not "
                    "JSON: empty");
    }
    yajl_free(h);
    g_string_free(s.names, TRUE);
    g_free(s.rec_source);
    g_free(s.top_source);
    g_free(s.unsupported);
    return ok;
}

/* ---- S3 and SQS events ------------------------------------------------ */

/* The parsed event; NULL with FL_ERROR_CORRUPT. */
static JsonParser *
parse(const char *json, gsize len, GError **err)
{
    JsonParser *p;
    GError *jerr = NULL;

    if (len > G_MAXSSIZE
        || fl_json_nesting(json, len, MAX_NESTING) > MAX_NESTING) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "the event is nested "
                    "more than %d deep", MAX_NESTING);
        return NULL;
    }
    p = json_parser_new_immutable();
    if (!json_parser_load_from_data(p, json, (gssize)len, &jerr)
        || json_parser_get_root(p) == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "the event is not "
                    "JSON: %s", jerr ? jerr->message : "empty");
        g_clear_error(&jerr);
        g_object_unref(p);
        return NULL;
    }
    return p;
}

static JsonObject *
member_object(JsonObject *o, const char *name)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;

    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static const char *
member_string(JsonObject *o, const char *name)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n)
        || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

static JsonArray *
records_of(JsonParser *p)
{
    JsonNode *root = json_parser_get_root(p);
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root)
                                                 : NULL;
    JsonNode *r = o ? json_object_get_member(o, "Records") : NULL;

    return r && JSON_NODE_HOLDS_ARRAY(r) ? json_node_get_array(r) : NULL;
}

/* An SNS event for Lambda: the notification in each Sns.Message. */
static gboolean
sns_refs(JsonArray *recs, GPtrArray *refs, FlS3EventCounts *counts,
         GError **err)
{
    for (guint i = 0; i < json_array_get_length(recs); i++) {
        JsonNode *n = json_array_get_element(recs, i);
        JsonObject *sns = JSON_NODE_HOLDS_OBJECT(n)
            ? member_object(json_node_get_object(n), "Sns") : NULL;
        const char *msg = member_string(sns, "Message");

        if (msg == NULL) {
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "Records[%u]: an "
                        "SNS record without Sns.Message", i);
            return FALSE;
        }
        if (!fl_s3_event_parse(msg, strlen(msg), refs, counts, err)) {
            g_prefix_error(err, "Records[%u].Sns.Message: ", i);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean
fl_event_s3_refs(const char *json, gsize len, GPtrArray *refs,
                 FlS3EventCounts *counts, GError **err)
{
    g_autoptr(JsonParser) p = parse(json, len, err);
    g_autoptr(GPtrArray) mine = NULL;
    FlS3EventCounts c = { 0, 0 };
    JsonArray *recs;
    JsonNode *first;

    if (p == NULL)
        return FALSE;
    recs = records_of(p);
    first = recs && json_array_get_length(recs)
            ? json_array_get_element(recs, 0) : NULL;
    if (first == NULL || !JSON_NODE_HOLDS_OBJECT(first)
        || member_object(json_node_get_object(first), "Sns") == NULL)
        return fl_s3_event_parse(json, len, refs, counts, err);
    /* All or nothing, as fl_s3_event_parse. */
    mine = g_ptr_array_new_with_free_func((GDestroyNotify)fl_s3_ref_free);
    if (!sns_refs(recs, mine, &c, err))
        return FALSE;
    for (guint i = 0; i < mine->len; i++)
        g_ptr_array_add(refs, g_steal_pointer(&mine->pdata[i]));
    if (counts) {
        counts->test_events += c.test_events;
        counts->ignored += c.ignored;
    }
    return TRUE;
}

void
fl_event_message_free(FlEventMessage *m)
{
    if (m == NULL)
        return;
    g_free(m->id);
    g_ptr_array_unref(m->refs);
    g_clear_error(&m->error);
    g_free(m);
}

/* One record of an SQS event; NULL with *err when it has no messageId. */
static FlEventMessage *
sqs_message(JsonNode *n, guint i, GError **err)
{
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n)
                                              : NULL;
    const char *id = member_string(o, "messageId");
    const char *body = member_string(o, "body");
    FlEventMessage *m;

    if (id == NULL || *id == '\0') {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "Records[%u]: an SQS "
                    "record without messageId", i);
        return NULL;
    }
    m = g_new0(FlEventMessage, 1);
    m->id = g_strdup(id);
    m->refs = g_ptr_array_new_with_free_func((GDestroyNotify)fl_s3_ref_free);
    if (g_strcmp0(member_string(o, "eventSource"), "aws:sqs") != 0)
        g_set_error(&m->error, FL_ERROR, FL_ERROR_CORRUPT, "SQS message %s "
                    "(Records[%u]): eventSource is not aws:sqs", id, i);
    else if (body == NULL)
        g_set_error(&m->error, FL_ERROR, FL_ERROR_CORRUPT, "SQS message %s "
                    "(Records[%u]): no body", id, i);
    else if (!fl_s3_event_parse(body, strlen(body), m->refs, &m->counts,
                                &m->error))
        g_prefix_error(&m->error, "SQS message %s (Records[%u]): ", id, i);
    return m;
}

GPtrArray *
fl_event_sqs_messages(const char *json, gsize len, GError **err)
{
    g_autoptr(JsonParser) p = parse(json, len, err);
    GPtrArray *msgs;
    JsonArray *recs;

    if (p == NULL)
        return NULL;
    if ((recs = records_of(p)) == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "an SQS event without "
                    "a Records list");
        return NULL;
    }
    msgs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_event_message_free);
    for (guint i = 0; i < json_array_get_length(recs); i++) {
        FlEventMessage *m = sqs_message(json_array_get_element(recs, i), i,
                                        err);
        if (m == NULL) {
            g_ptr_array_unref(msgs);
            return NULL;
        }
        g_ptr_array_add(msgs, m);
    }
    return msgs;
}
