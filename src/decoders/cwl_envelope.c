/*
 * cwl_envelope.c - flow-log lines out of the envelopes of CloudWatch Logs,
 * Kinesis and Firehose (see cwl_envelope.h).  Here: the shapes, records,
 * the top level, the json-glib path, sniffing and the public API; the yajl
 * fast path is in cwl_fast.c, the inner gzip in cwl_gzip.c.
 *
 * Layers, outside in: the top-level document (one JSON object, JSON
 * objects back to back, or gzip members back to back); in an envelope, a
 * list of records whose data is base64; in the data, gzip; in the gzip, a
 * PAYLOAD or a direct-delivery {"message"} record.  Whatever breaks the
 * top-level document fails the call; whatever breaks one record of a list
 * (an element, a member, an object of a concatenation) skips that record.
 *
 * json-glib parses every JSON text, after fl_json_value_end() has found
 * where the value ends and bounded its nesting.  Two parsers are reused:
 * the outer one keeps the top-level tree alive while the inner one parses
 * the records in it.  Events point into the parsers' strings, except the
 * messages of direct records: each comes in a document of its own, so
 * they are copied into one buffer and a run of them goes out as one
 * payload.  Inflated data goes into one buffer reused for every member,
 * and, with an FlCwlDecoder, for every call (decoder_trim() bounds it).
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "json_bounds.h"
#include "decoders/base64.h"
#include "decoders/cwl_envelope.h"
#include "decoders/cwl_envelope_int.h"

/*
 * The size to allocate for n bytes of a buffer kept from call to call: an
 * eighth more, so that the next envelope, a little larger, fits without a
 * new allocation (whose pages the kernel must fault in again).
 */
gsize
cwl_headroom(gsize n)
{
    return MAX(n + n / 8, 4096);
}

/* JSON's whitespace (RFC 8259). */
static gsize
skip_space(const guint8 *s, gsize len, gsize i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                       s[i] == '\r'))
        i++;
    return i;
}

static gboolean
is_gzip(const guint8 *s, gsize len)
{
    return len >= 2 && s[0] == 0x1f && s[1] == 0x8b;
}

Res
cwl_bad(GError **err, FlError code, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, FL_ERROR, code, msg);
    g_free(msg);
    return RES_BAD;
}

const char *
cwl_where_format(const Where *w, char *buf, gsize size)
{
    g_autofree char *cut = NULL, *esc = NULL;

    if (w == NULL || w->list == NULL)
        return NULL;
    if (w->ordinal) {
        g_snprintf(buf, size, "%s %u", w->list, w->index + 1);
    } else if (w->id != NULL) {
        /* recordId comes from the input: short and printable. */
        cut = g_strndup(w->id, 40);
        esc = g_strescape(cut, NULL);
        g_snprintf(buf, size, "%s[%u] (recordId %s)", w->list, w->index, esc);
    } else {
        g_snprintf(buf, size, "%s[%u]", w->list, w->index);
    }
    return buf;
}

/* A record that is bad on its own: counted, reported, passed over. */
static void
report_bad(Ctx *c, const Where *w, GError *e)
{
    char buf[WHERE_MAX];

    c->n->bad++;
    if (c->on_bad != NULL)
        c->on_bad(cwl_where_format(w, buf, sizeof buf), e->message, c->data);
    g_error_free(e);
}

/* ---- members ---------------------------------------------------------- */

static JsonNode *
member(JsonObject *o, const char *name)
{
    return o != NULL ? json_object_get_member(o, name) : NULL;
}

static gboolean
holds_string(JsonNode *n)
{
    return n != NULL && JSON_NODE_HOLDS_VALUE(n) &&
           json_node_get_value_type(n) == G_TYPE_STRING;
}

static const char *
get_string(JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);

    return holds_string(n) ? json_node_get_string(n) : NULL;
}

static JsonObject *
get_object(JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);

    return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n)
                                                   : NULL;
}

/* An optional string: absent or null is NULL; any other type is FALSE. */
static gboolean
opt_string(JsonObject *o, const char *name, const char **out)
{
    JsonNode *n = member(o, name);

    *out = NULL;
    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!holds_string(n))
        return FALSE;
    *out = json_node_get_string(n);
    return TRUE;
}

/* An optional whole number: absent or null is 0; any other type FALSE. */
static gboolean
opt_int(JsonObject *o, const char *name, gint64 *out)
{
    JsonNode *n = member(o, name);

    *out = 0;
    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return FALSE;
    *out = json_node_get_int(n);
    return TRUE;
}

/*
 * The length of message m up to its first line break.  A flow-log line
 * has none; text after one is dropped and counted rather than handed out
 * as a line of its own, so that one event is never two records.  Breaks
 * at the very end (a transform Lambda's "\n") are dropped silently.
 */
gsize
cwl_line_length(Ctx *c, const char *m)
{
    gsize n = strcspn(m, "\r\n");

    if (m[n] != '\0' && m[n + strspn(m + n, "\r\n")] != '\0')
        c->n->cut++;
    return n;
}

/* ---- payloads ----------------------------------------------------------- */

/*
 * The fast paths' payload, its events in c->events with their lengths:
 * the open run of direct records goes first (it uses events, so they are
 * kept aside), then the payload.  On failure the messages cut since
 * cut_before are not counted.
 */
Res
cwl_payload_out(Ctx *c, const char *owner, const char *group,
                const char *stream, const Where *w, guint64 cut_before,
                GError **err)
{
    FlCwlPayload p = { 0 };
    char buf[WHERE_MAX];

    if (c->run->len > 0) {
        GArray *mine = c->events;
        GError *local = NULL;
        Res r;

        c->events = c->events_spare;
        r = cwl_run_flush(c, &local);
        c->events_spare = c->events;
        c->events = mine;
        if (r != RES_OK) {
            c->n->cut = cut_before;
            g_propagate_error(err, local);
            return r;
        }
    }
    p.owner = owner;
    p.log_group = group;
    p.log_stream = stream;
    p.where = cwl_where_format(w, buf, sizeof buf);
    p.events = (const FlCwlEvent *)(void *)c->events->data;
    p.n_events = c->events->len;
    return cwl_emit(c, &p, err);
}

Res
cwl_emit(Ctx *c, const FlCwlPayload *p, GError **err)
{
    c->n->payloads++;
    c->n->events += p->n_events;
    c->events_peak = MAX(c->events_peak, p->n_events);
    c->events_hw = MAX(c->events_hw, p->n_events);
    if (c->on_payload(p, c->data, err))
        return RES_OK;
    if (err != NULL && *err == NULL)    /* keep GError's rule for callers */
        g_set_error_literal(err, FL_ERROR, FL_ERROR_EXPORT,
                            "stopped by the payload callback");
    return RES_STOP;
}

/* Hands out the open run of direct records, if any. */
Res
cwl_run_flush(Ctx *c, GError **err)
{
    FlCwlPayload p = { 0 };
    Res r;

    if (c->run->len == 0)
        return RES_OK;
    g_array_set_size(c->events, c->run->len);
    for (guint i = 0; i < c->run->len; i++) {
        const RunMsg *m = &g_array_index(c->run, RunMsg, i);
        FlCwlEvent *e = &g_array_index(c->events, FlCwlEvent, i);

        e->id = NULL;
        e->timestamp = 0;
        e->message = c->run_text->str + m->off;
        e->message_len = m->len;
    }
    p.where = c->run_where_set ? c->run_where : NULL;
    p.events = (const FlCwlEvent *)(void *)c->events->data;
    p.n_events = c->run->len;
    r = cwl_emit(c, &p, err);
    /* Only now: truncating writes a NUL over the first message. */
    g_array_set_size(c->run, 0);
    g_string_truncate(c->run_text, 0);
    c->run_where_set = FALSE;
    return r;
}

/* The message of a direct-delivery record joins the open run. */
Res
cwl_direct_message(Ctx *c, const char *m, const Where *w, GError **err)
{
    RunMsg rm;

    if (c->run->len == 0)
        c->run_where_set = cwl_where_format(w, c->run_where, WHERE_MAX)
                           != NULL;
    rm.off = c->run_text->len;
    rm.len = cwl_line_length(c, m);
    g_string_append_len(c->run_text, m, (gssize)rm.len);
    g_string_append_c(c->run_text, '\0');       /* decode.h's sentinel */
    g_array_append_val(c->run, rm);
    return c->run->len < FL_CWL_MAX_RUN ? RES_OK : cwl_run_flush(c, err);
}

/* A direct-delivery record {"message":"LINE"} joins the open run. */
static Res
direct(Ctx *c, JsonObject *o, const Where *w, GError **err)
{
    const char *m = get_string(o, "message");

    if (m == NULL)
        return cwl_bad(err, FL_ERROR_CORRUPT, "message is not a string");
    return cwl_direct_message(c, m, w, err);
}

static Res
event(Ctx *c, JsonNode *node, guint i, FlCwlEvent *e, GError **err)
{
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node)
                                                 : NULL;

    if (o == NULL)
        return cwl_bad(err, FL_ERROR_CORRUPT, "logEvents[%u] is not an object",
                       i);
    if ((e->message = get_string(o, "message")) == NULL)
        return cwl_bad(err, FL_ERROR_CORRUPT,
                       "logEvents[%u]: message is not a string", i);
    if (!opt_string(o, "id", &e->id))
        return cwl_bad(err, FL_ERROR_CORRUPT,
                       "logEvents[%u]: id is not a string", i);
    if (!opt_int(o, "timestamp", &e->timestamp))
        return cwl_bad(err, FL_ERROR_CORRUPT,
                       "logEvents[%u]: timestamp is not a whole number", i);
    e->message_len = cwl_line_length(c, e->message);
    return RES_OK;
}

/*
 * A PAYLOAD.  One event of the wrong shape makes the whole payload bad:
 * CloudWatch Logs never writes one, so the payload is not trusted.
 */
static Res
payload(Ctx *c, JsonObject *o, const Where *w, GError **err)
{
    FlCwlPayload p = { 0 };
    const char *type;
    JsonNode *evs = member(o, "logEvents");
    JsonArray *a;
    char buf[WHERE_MAX];
    guint n, cut = c->n->cut;
    Res r;

    if (!opt_string(o, "messageType", &type))
        return cwl_bad(err, FL_ERROR_CORRUPT, "messageType is not a string");
    if (g_strcmp0(type, "CONTROL_MESSAGE") == 0) {
        c->n->control++;
        return RES_OK;
    }
    if (type != NULL && strcmp(type, "DATA_MESSAGE") != 0)
        return cwl_bad(err, FL_ERROR_CORRUPT, "messageType is neither "
                       "DATA_MESSAGE nor CONTROL_MESSAGE");
    if (!opt_string(o, "owner", &p.owner) ||
        !opt_string(o, "logGroup", &p.log_group) ||
        !opt_string(o, "logStream", &p.log_stream))
        return cwl_bad(err, FL_ERROR_CORRUPT,
                       "owner, logGroup or logStream is not a string");
    if (evs == NULL || !JSON_NODE_HOLDS_ARRAY(evs))
        return cwl_bad(err, FL_ERROR_CORRUPT, "logEvents is not an array");
    /* The open run goes first: in input order, and events is shared. */
    if ((r = cwl_run_flush(c, err)) != RES_OK)
        return r;
    a = json_node_get_array(evs);
    n = json_array_get_length(a);
    g_array_set_size(c->events, n);
    for (guint i = 0; i < n; i++) {
        if (event(c, json_array_get_element(a, i), i,
                  &g_array_index(c->events, FlCwlEvent, i), err) != RES_OK) {
            c->n->cut = cut;            /* nothing of it was handed out */
            return RES_BAD;
        }
    }
    p.where = cwl_where_format(w, buf, sizeof buf);
    p.events = (const FlCwlEvent *)(void *)c->events->data;
    p.n_events = n;
    return cwl_emit(c, &p, err);
}

/* A record's JSON: a PAYLOAD or a direct {"message"} record. */
static Res
record_object(Ctx *c, JsonNode *root, const Where *w, GError **err)
{
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root)
                                                 : NULL;
    g_autofree char *what = NULL;

    if (o != NULL && (json_object_has_member(o, "messageType") ||
                      json_object_has_member(o, "logEvents")))
        return payload(c, o, w, err);
    if (o != NULL && json_object_has_member(o, "message"))
        return direct(c, o, w, err);
    what = fl_json_describe(root);
    return cwl_bad(err, FL_ERROR_CORRUPT, "neither a CloudWatch Logs payload "
                   "nor a {\"message\"} record: found %s", what);
}

/* ---- JSON --------------------------------------------------------------- */

/*
 * Finds the JSON object or array that starts at the first non-space byte
 * at or after *pos: on RES_OK it is [*pos, *end).
 */
static Res
cut_value(const guint8 *s, gsize len, gsize *pos, gsize *end, GError **err)
{
    gsize start = skip_space(s, len, *pos), n;
    guint deepest;

    n = fl_json_value_end((const char *)s + start, len - start,
                          FL_CWL_MAX_DEPTH, &deepest);
    if (n > 0) {
        *pos = start;
        *end = start + n;
        return RES_OK;
    }
    if (deepest > FL_CWL_MAX_DEPTH)
        return cwl_bad(err, FL_ERROR_LIMIT, "JSON nested more than %u deep",
                       FL_CWL_MAX_DEPTH);
    if (start < len && (s[start] == '{' || s[start] == '['))
        return cwl_bad(err, FL_ERROR_CORRUPT, "JSON cut short");
    return cwl_bad(err, FL_ERROR_CORRUPT, "not a JSON object");
}

/* JSON parsers are made when the json-glib path needs one. */
static JsonParser *
parser(JsonParser **p)
{
    /* Not json_parser_new_immutable(): sealing every node made json-glib
     * 1.6 two to three times slower, and nothing here changes a tree. */
    if (*p == NULL)
        *p = json_parser_new();
    return *p;
}

/* Parses the len bytes at s, one JSON value with its nesting bounded. */
static Res
load(JsonParser *parser, const guint8 *s, gsize len, JsonNode **root,
     GError **err)
{
    GError *jerr = NULL;

    if (!json_parser_load_from_data(parser, (const char *)s, (gssize)len,
                                    &jerr)) {
        cwl_bad(err, FL_ERROR_CORRUPT, "not JSON: %s", jerr->message);
        g_error_free(jerr);
        return RES_BAD;
    }
    if ((*root = json_parser_get_root(parser)) == NULL)
        return cwl_bad(err, FL_ERROR_CORRUPT, "not JSON: empty");
    return RES_OK;
}


/* A record's data after base64 and gzip: one JSON object. */
static Res
record_text(Ctx *c, const guint8 *s, gsize len, const Where *w, GError **err)
{
    gsize start = 0, end;
    JsonNode *root;
    Res r;
#ifndef FL_CWL_NO_FAST
    int fr;
#endif

#ifndef FL_CWL_NO_FAST
    /* The scanner and yajl find the end of the value themselves, and
     * bound the nesting. */
    if ((fr = cwl_scan_record(c, s, len, w, FALSE,
                              s == c->plain || s == c->raw, err)) != FAST_NO
        || (fr = cwl_fast_record(c, s, len, w, FALSE,
                                 s == c->plain || s == c->raw, err))
           != FAST_NO)
        return (Res)fr;
#endif
    if ((r = cut_value(s, len, &start, &end, err)) != RES_OK)
        return r;
    if (skip_space(s, len, end) != len)
        return cwl_bad(err, FL_ERROR_CORRUPT, "data after the JSON object");
    if ((r = load(parser(&c->inner), s + start, end - start, &root,
                  err)) != RES_OK)
        return r;
    return record_object(c, root, w, err);
}

/* ---- records ------------------------------------------------------------ */

/* Decoded data: gzip of a record's JSON, or that JSON itself. */
gboolean
cwl_stopped(const Ctx *c, GError **err)
{
    if (c->stop == NULL || !g_atomic_int_get(c->stop))
        return FALSE;
    g_set_error_literal(err, FL_ERROR, FL_ERROR_STOPPED,
                        "stopped before its end");
    return TRUE;
}

static Res
record_data(Ctx *c, const guint8 *s, gsize len, const Where *w, GError **err)
{
    gsize used, n;
    Res r;

    if (cwl_stopped(c, err))
        return RES_STOP;
    if (!is_gzip(s, len))
        return record_text(c, s, len, w, err);
    if ((r = cwl_inflate_member(c, s, len, &used, &n, err)) != RES_OK)
        return r;
    if (used != len)
        return cwl_bad(err, FL_ERROR_CORRUPT, "data after the gzip member");
    if (cwl_stopped(c, err))
        return RES_STOP;
    return record_text(c, c->plain, n, w, err);
}

/*
 * A record's base64 data, checked as it is decoded (base64.h); its length
 * bounds the decoded size before anything is allocated.
 */
Res
cwl_base64_data(Ctx *c, const char *b64, gsize len, const Where *w,
                GError **err)
{
    gsize n;

    if (len == 0)
        return cwl_bad(err, FL_ERROR_CORRUPT, "data is empty");
    if (len / 4 * 3 > (gsize)FL_CWL_MAX_PAYLOAD + 2)
        return cwl_bad(err, FL_ERROR_LIMIT,
                       "data decodes to more than %u bytes",
                       FL_CWL_MAX_PAYLOAD);
    c->peak[1] = MAX(c->peak[1], len / 4 * 3 + 3);
    if (c->raw_alloc < len / 4 * 3 + 3) {      /* as GLib asks */
        g_free(c->raw);
        c->raw_alloc = cwl_headroom(len / 4 * 3 + 3);
        c->raw = g_malloc(c->raw_alloc);
    }
    if (!fl_base64_decode(b64, len, c->raw, &n))
        return cwl_bad(err, FL_ERROR_CORRUPT, "data is not base64");
    if (n > FL_CWL_MAX_PAYLOAD)
        return cwl_bad(err, FL_ERROR_LIMIT,
                       "data decodes to more than %u bytes",
                       FL_CWL_MAX_PAYLOAD);
    return record_data(c, c->raw, n, w, err);
}

/* Kinesis through Lambda has kinesis.data; GetRecords' answer has Data. */
static const char *
kinesis_data(JsonObject *rec)
{
    const char *d = get_string(get_object(rec, "kinesis"), "data");

    return d != NULL ? d : get_string(rec, "Data");
}

/* Records (Kinesis) or records (Firehose): each is good or bad alone. */
static gboolean
record_list(Ctx *c, JsonArray *a, const char *name, GError **err)
{
    gboolean kinesis = strcmp(name, "Records") == 0;
    guint n = json_array_get_length(a);

    for (guint i = 0; i < n; i++) {
        JsonNode *node = json_array_get_element(a, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(node)
                        ? json_node_get_object(node) : NULL;
        Where w = { name, FALSE, i, NULL };
        const char *data = NULL;
        GError *local = NULL;
        Res r;

        if (o != NULL) {
            w.id = kinesis ? NULL : get_string(o, "recordId");
            data = kinesis ? kinesis_data(o) : get_string(o, "data");
        }
        if (o == NULL)
            r = cwl_bad(&local, FL_ERROR_CORRUPT, "not an object");
        else if (data == NULL)
            r = cwl_bad(&local, FL_ERROR_CORRUPT, kinesis ? "no kinesis.data "
                        "or Data string" : "no data string");
        else
            r = cwl_base64_data(c, data, strlen(data), &w, &local);
        if (r == RES_STOP) {
            g_propagate_error(err, local);
            return FALSE;
        }
        if (r == RES_BAD)
            report_bad(c, &w, local);
    }
    return TRUE;
}

/* ---- the top level ------------------------------------------------------ */

/* Turns a Res of the top-level document into the call's result. */
static gboolean
top(Res r, GError **err, const char *prefix)
{
    if (r == RES_BAD && prefix != NULL)
        g_prefix_error(err, "%s", prefix);
    return r == RES_OK;
}

/* One JSON document: an envelope, a PAYLOAD or a direct record. */
static gboolean
document(Ctx *c, JsonNode *root, GError **err)
{
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root)
                                                 : NULL;
    JsonNode *list;
    const char *data;
    g_autofree char *what = NULL;

    if (o != NULL && json_object_has_member(o, "awslogs")) {
        if ((data = get_string(get_object(o, "awslogs"), "data")) == NULL) {
            g_set_error_literal(err, FL_ERROR, FL_ERROR_CORRUPT,
                                "awslogs has no data string");
            return FALSE;
        }
        return top(cwl_base64_data(c, data, strlen(data), NULL, err), err,
                   "awslogs.data: ");
    }
    if ((list = member(o, "Records")) != NULL && JSON_NODE_HOLDS_ARRAY(list))
        return record_list(c, json_node_get_array(list), "Records", err);
    if ((list = member(o, "records")) != NULL && JSON_NODE_HOLDS_ARRAY(list))
        return record_list(c, json_node_get_array(list), "records", err);
    if (o != NULL && (json_object_has_member(o, "messageType") ||
                      json_object_has_member(o, "logEvents") ||
                      json_object_has_member(o, "message")))
        return top(record_object(c, root, NULL, err), err, NULL);
    what = fl_json_describe(root);
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "not a CloudWatch Logs, "
                "Kinesis or Firehose envelope: found %s", what);
    return FALSE;
}

/*
 * JSON objects one after the other (Firehose to S3): each is a record of
 * its own, unless there is only one.  An object json-glib refuses is bad
 * alone, as the scan has found where the next one starts; a break in the
 * scan (a cut, or bytes that start no object) ends the call.
 */
static gboolean
objects(Ctx *c, const guint8 *s, gsize len, GError **err)
{
    gsize pos = 0, end;
    JsonNode *root;
    Res r;

#ifndef FL_CWL_NO_FAST
    /* A lone object (a subscription event: megabytes of base64) needs no
     * bracket scan when yajl takes it: yajl refuses a second value. */
    if ((r = (Res)cwl_scan_record(c, s, len, NULL, TRUE, FALSE, err))
        != (Res)FAST_NO
        || (r = (Res)cwl_fast_record(c, s, len, NULL, TRUE, FALSE, err))
           != (Res)FAST_NO)
        return r == RES_OK;
#endif
    if (!top(cut_value(s, len, &pos, &end, err), err, NULL))
        return FALSE;
    if (skip_space(s, len, end) == len) {
        if (!top(load(parser(&c->outer), s + pos, end - pos, &root, err),
                 err, NULL))
            return FALSE;
        return document(c, root, err);
    }
    for (guint i = 0; pos < len; i++) {
        Where w = { "object", TRUE, i, NULL };
        GError *local = NULL;

        if (i > 0 && (r = cut_value(s, len, &pos, &end, err)) != RES_OK) {
            g_prefix_error(err, "object %u: ", i + 1);
            return FALSE;
        }
#ifndef FL_CWL_NO_FAST
        r = (Res)cwl_scan_record(c, s + pos, end - pos, &w, FALSE, FALSE,
                                 &local);
        if (r == (Res)FAST_NO)
            r = (Res)cwl_fast_record(c, s + pos, end - pos, &w, FALSE,
                                     FALSE, &local);
        if (r == (Res)FAST_NO)
#endif
        {
            r = load(parser(&c->inner), s + pos, end - pos, &root, &local);
            if (r == RES_OK)
                r = record_object(c, root, &w, &local);
        }
        if (r == RES_STOP) {
            g_propagate_error(err, local);
            return FALSE;
        }
        if (r == RES_BAD)
            report_bad(c, &w, local);
        pos = skip_space(s, len, end);
    }
    return TRUE;
}

/*
 * gzip members one after the other (Firehose to S3, or one bare PAYLOAD):
 * each is a record of its own, unless there is only one.  Damaged gzip
 * ends the call, as the next member cannot be found.
 */
static gboolean
members(Ctx *c, const guint8 *s, gsize len, GError **err)
{
    gsize pos = 0, used, n;
    Res r;

    for (guint i = 0; pos < len; i++) {
        Where w = { "member", TRUE, i, NULL };
        GError *local = NULL;

        if (!is_gzip(s + pos, len - pos)) {
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "member %u: trailing garbage after gzip data", i + 1);
            return FALSE;
        }
        if ((r = cwl_inflate_member(c, s + pos, len - pos, &used, &n, err))
            != RES_OK) {
            g_prefix_error(err, "member %u: ", i + 1);
            return FALSE;
        }
        pos += used;
        if (i == 0 && pos == len)       /* a single PAYLOAD */
            return top(record_text(c, c->plain, n, NULL, err), err, NULL);
        r = record_text(c, c->plain, n, &w, &local);
        if (r == RES_STOP) {
            g_propagate_error(err, local);
            return FALSE;
        }
        if (r == RES_BAD)
            report_bad(c, &w, local);
    }
    return TRUE;
}

struct FlCwlDecoder {
    Ctx c;
};

void
fl_cwl_decoder_set_stop(FlCwlDecoder *d, const volatile gint *stop)
{
    d->c.stop = stop;
}

FlCwlDecoder *
fl_cwl_decoder_new(void)
{
    FlCwlDecoder *d = g_new0(FlCwlDecoder, 1);
    Ctx *c = &d->c;

    c->events = g_array_new(FALSE, FALSE, sizeof(FlCwlEvent));
    c->events_spare = g_array_new(FALSE, FALSE, sizeof(FlCwlEvent));
    c->nuls = g_array_new(FALSE, FALSE, sizeof(char *));
    c->run = g_array_new(FALSE, FALSE, sizeof(RunMsg));
    c->run_text = g_string_new(NULL);
    return d;
}

void
fl_cwl_decoder_free(FlCwlDecoder *d)
{
    Ctx *c;

    if (d == NULL)
        return;
    c = &d->c;
    g_clear_object(&c->outer);
    g_clear_object(&c->inner);
    g_array_unref(c->events);
    g_array_unref(c->events_spare);
    g_array_unref(c->nuls);
    g_free(c->arena);
    g_array_unref(c->run);
    g_string_free(c->run_text, TRUE);
    g_free(c->raw);
    g_free(c->plain);
#ifdef HAVE_ISAL
    g_free(c->isal);
#else
    if (c->zs_ready)
        (void)inflateEnd(&c->zs);
#endif
    g_free(d);
}

/*
 * A buffer kept for the next call, unless it is large and the calls have
 * needed less than a quarter of it DECODER_IDLE times in a row: one large
 * envelope among small ones does not hold its memory for long.
 */
#define DECODER_KEEP (1024 * 1024)
#define DECODER_IDLE 8

static void
trim(gpointer *buf, gsize *alloc, gsize *peak, guint *idle)
{
    if (*alloc > DECODER_KEEP && *peak < *alloc / 4) {
        if (++*idle >= DECODER_IDLE) {
            g_clear_pointer(buf, g_free);
            *alloc = 0;
            *idle = 0;
        }
    } else {
        *idle = 0;
    }
    *peak = 0;
}

/* After a call: what only that call needed goes. */
static void
decoder_trim(Ctx *c)
{
    /* A parser holds its last tree, strings and all. */
    g_clear_object(&c->outer);
    g_clear_object(&c->inner);
    trim((gpointer *)&c->arena, &c->arena_alloc, &c->peak[0], &c->idle[0]);
    trim((gpointer *)&c->raw, &c->raw_alloc, &c->peak[1], &c->idle[1]);
    trim((gpointer *)&c->plain, &c->plain_alloc, &c->peak[2], &c->idle[2]);
    if (c->run_text->allocated_len > DECODER_KEEP) {
        g_string_free(c->run_text, TRUE);
        c->run_text = g_string_new(NULL);
    }
    /* Event arrays: by the most events a payload of this call had. */
    if (c->events_hw > 65536 && c->events_peak < c->events_hw / 4) {
        if (++c->idle[3] >= DECODER_IDLE) {
            g_array_unref(c->events);
            g_array_unref(c->events_spare);
            c->events = g_array_new(FALSE, FALSE, sizeof(FlCwlEvent));
            c->events_spare = g_array_new(FALSE, FALSE, sizeof(FlCwlEvent));
            c->events_hw = c->idle[3] = 0;
        }
    } else {
        c->idle[3] = 0;
    }
    c->events_peak = 0;
    g_array_set_size(c->events, 0);
    g_array_set_size(c->nuls, 0);
}

gboolean
fl_cwl_decoder_decode(FlCwlDecoder *d, const guint8 *buf, gsize len,
                      FlCwlPayloadFunc on_payload, FlCwlBadFunc on_bad,
                      gpointer data, FlCwlCounts *counts, GError **err)
{
    FlCwlCounts local = { 0 };
    Ctx *c;
    gsize start;
    gboolean ok;

    g_return_val_if_fail(d != NULL, FALSE);
    g_return_val_if_fail(buf != NULL || len == 0, FALSE);
    g_return_val_if_fail(on_payload != NULL, FALSE);
    g_return_val_if_fail(err == NULL || *err == NULL, FALSE);

    if (len > FL_CWL_MAX_INPUT) {
        g_set_error(err, FL_ERROR, FL_ERROR_LIMIT, "an envelope of more than "
                    "%u bytes", FL_CWL_MAX_INPUT);
        return FALSE;
    }
    start = skip_space(buf, len, 0);
    if (start == len) {
        g_set_error_literal(err, FL_ERROR, FL_ERROR_CORRUPT,
                            "an empty envelope");
        return FALSE;
    }
    c = &d->c;
    c->on_payload = on_payload;
    c->on_bad = on_bad;
    c->data = data;
    c->n = counts != NULL ? counts : &local;
    if (is_gzip(buf, len))
        ok = members(c, buf, len, err);
    else
        ok = objects(c, buf, len, err);
    /* A direct run left open at a failure is dropped: the object failed. */
    if (ok && cwl_run_flush(c, err) != RES_OK)
        ok = FALSE;
    g_array_set_size(c->run, 0);
    g_string_truncate(c->run_text, 0);
    c->run_where_set = FALSE;
    decoder_trim(c);
    return ok;
}

gboolean
fl_cwl_envelope_decode(const guint8 *buf, gsize len,
                       FlCwlPayloadFunc on_payload, FlCwlBadFunc on_bad,
                       gpointer data, FlCwlCounts *counts, GError **err)
{
    FlCwlDecoder *d = fl_cwl_decoder_new();
    gboolean ok = fl_cwl_decoder_decode(d, buf, len, on_payload, on_bad,
                                        data, counts, err);

    fl_cwl_decoder_free(d);
    return ok;
}

/* ---- sniffing ----------------------------------------------------------- */

/* Sniffed first members; a PAYLOAD re-serialised may start with owner. */
static const char *const first_members[] = {
    "awslogs", "messageType", "Records", "invocationId", "records",
    "requestId", "owner", "logGroup", "message",
};

gboolean
fl_cwl_envelope_sniff(const guint8 *buf, gsize len)
{
    gsize i, n;

    if (is_gzip(buf, len))
        return TRUE;
    i = skip_space(buf, len, 0);
    if (i == len || buf[i] != '{')
        return FALSE;
    i = skip_space(buf, len, i + 1);
    if (i == len || buf[i] != '"')
        return FALSE;
    i++;
    for (guint k = 0; k < G_N_ELEMENTS(first_members); k++) {
        n = strlen(first_members[k]);
        if (len - i > n && memcmp(buf + i, first_members[k], n) == 0 &&
            buf[i + n] == '"')
            return TRUE;
    }
    return FALSE;
}
