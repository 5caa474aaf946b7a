/*
 * cwl.c - FilterLogEvents (cwl.h).
 *
 * Requests are built with json-glib's builder and answers read with its
 * parser, as in sqs.c.  An event without the members we need is skipped
 * and counted in a warning, not a failure of the page.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "aws/cwl.h"
#include "aws/json_error.h"
#include "error.h"
#include "log.h"

struct FlCwl {
    FlAws *aws;
    FlHttp *http;
    char *endpoint;             /* scheme://host[:port] */
    char *url;                  /* endpoint + "/" */
    FlHttpSign sign;
};

void
fl_cwl_log_event_free(FlCwlLogEvent *e)
{
    if (e == NULL)
        return;
    g_free(e->stream);
    g_free(e->id);
    g_free(e->message);
    g_free(e);
}

FlCwl *
fl_cwl_new(FlAws *aws, GError **err)
{
    char *endpoint = fl_aws_service_endpoint(aws, "LOGS", "logs", err);
    FlCwl *c;

    if (endpoint == NULL)
        return NULL;
    c = g_new0(FlCwl, 1);
    c->aws = fl_aws_ref(aws);
    c->http = fl_aws_http_new(aws);
    c->endpoint = endpoint;
    c->url = g_strconcat(endpoint, "/", NULL);
    c->sign.creds = aws->creds;
    c->sign.region = aws->region;
    c->sign.service = "logs";
    return c;
}

void
fl_cwl_free(FlCwl *c)
{
    if (c == NULL)
        return;
    fl_http_free(c->http);
    fl_aws_unref(c->aws);
    g_free(c->endpoint);
    g_free(c->url);
    g_free(c);
}

const char *
fl_cwl_endpoint(const FlCwl *c)
{
    return c->endpoint;
}

/* {"__type":"ResourceNotFoundException","message":"..."}; the type may
 * carry a "prefix#". */
static void
set_cwl_error(const FlCwlFilter *q, const FlHttpResponse *resp, GError **err)
{
    g_autoptr(JsonParser) p = json_parser_new();
    const char *type, *msg;
    gboolean auth;

    fl_aws_json_error(resp, p, &type, &msg);
    if (type && !strcmp(type, "ResourceNotFoundException")) {
        g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "FilterLogEvents: log "
                    "group %s does not exist (%s%s%s)", q->group, type,
                    msg ? ": " : "", msg ? msg : "");
        return;
    }
    auth = fl_aws_json_error_is_auth(resp->status, type);
    g_set_error(err, FL_ERROR, auth ? FL_ERROR_AUTH : FL_ERROR_REMOTE,
                "FilterLogEvents %s: HTTP %ld %s%s%s", q->group,
                resp->status, type ? type : "", msg ? ": " : "",
                msg ? msg : "");
}

gboolean
fl_cwl_error_is_token(const GError *err)
{
    return err != NULL && err->domain == FL_ERROR
           && err->code == FL_ERROR_REMOTE
           && strstr(err->message, "InvalidParameterException") != NULL
           && (strstr(err->message, "oken") != NULL);
}

static char *
request_body(const FlCwlFilter *q, gsize *len)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, g_str_has_prefix(q->group, "arn:")
                                    ? "logGroupIdentifier" : "logGroupName");
    json_builder_add_string_value(b, q->group);
    if (q->stream_prefix && *q->stream_prefix) {
        json_builder_set_member_name(b, "logStreamNamePrefix");
        json_builder_add_string_value(b, q->stream_prefix);
    }
    json_builder_set_member_name(b, "startTime");
    json_builder_add_int_value(b, MAX(q->start_ms, 0));
    if (q->end_ms > 0) {
        json_builder_set_member_name(b, "endTime");
        /* endTime is inclusive in the service; ours is not. */
        json_builder_add_int_value(b, q->end_ms - 1);
    }
    if (q->next_token) {
        json_builder_set_member_name(b, "nextToken");
        json_builder_add_string_value(b, q->next_token);
    }
    if (q->limit) {
        json_builder_set_member_name(b, "limit");
        json_builder_add_int_value(b, CLAMP(q->limit, 1, 10000));
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, len);
}

static gboolean
int_member(JsonObject *o, const char *name, gint64 *out)
{
    JsonNode *n = json_object_get_member(o, name);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n)
        || json_node_get_value_type(n) != G_TYPE_INT64)
        return FALSE;
    *out = json_node_get_int(n);
    return TRUE;
}

/* One element of "events"; FALSE when a member is missing. */
static gboolean
take_event(JsonNode *n, GPtrArray *out)
{
    JsonObject *o;
    const char *stream, *id, *msg;
    gint64 ts, ing = 0;
    FlCwlLogEvent *e;

    if (!JSON_NODE_HOLDS_OBJECT(n))
        return FALSE;
    o = json_node_get_object(n);
    stream = json_object_get_string_member_with_default(o, "logStreamName",
                                                         NULL);
    id = json_object_get_string_member_with_default(o, "eventId", NULL);
    msg = json_object_get_string_member_with_default(o, "message", NULL);
    if (stream == NULL || id == NULL || *id == '\0' || msg == NULL
        || !int_member(o, "timestamp", &ts))
        return FALSE;
    (void)int_member(o, "ingestionTime", &ing);
    e = g_new0(FlCwlLogEvent, 1);
    e->stream = g_strdup(stream);
    e->id = g_strdup(id);
    e->message = g_strdup(msg);
    e->timestamp = ts;
    e->ingestion = ing;
    g_ptr_array_add(out, e);
    return TRUE;
}

static gboolean
parse_page(const FlCwlFilter *q, GBytes *body, GPtrArray *events,
           char **next_token, GError **err)
{
    g_autoptr(JsonParser) p = json_parser_new();
    gsize len;
    const char *data = g_bytes_get_data(body, &len);
    JsonObject *root;
    JsonNode *evn;
    guint bad = 0;

    if (len == 0 || !json_parser_load_from_data(p, data, (gssize)len, NULL)
        || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "FilterLogEvents %s: "
                    "the answer is not a JSON object", q->group);
        return FALSE;
    }
    root = json_node_get_object(json_parser_get_root(p));
    evn = json_object_get_member(root, "events");
    if (evn != NULL && !JSON_NODE_HOLDS_NULL(evn)) {
        JsonArray *a;

        if (!JSON_NODE_HOLDS_ARRAY(evn)) {
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "FilterLogEvents "
                        "%s: \"events\" is not an array", q->group);
            return FALSE;
        }
        a = json_node_get_array(evn);
        for (guint i = 0; i < json_array_get_length(a); i++)
            if (!take_event(json_array_get_element(a, i), events))
                bad++;
    }
    if (bad)
        fl_log_warnx("FilterLogEvents %s: %u event(s) without logStreamName, "
                     "eventId, message or timestamp ignored", q->group, bad);
    *next_token = g_strdup(json_object_get_string_member_with_default(
                               root, "nextToken", NULL));
    if (*next_token && **next_token == '\0')
        g_clear_pointer(next_token, g_free);
    return TRUE;
}

gboolean
fl_cwl_filter(FlCwl *c, const FlCwlFilter *q, GPtrArray *events,
              char **next_token, GError **err)
{
    g_autofree char *body = NULL;
    const char *headers[] = {
        "Content-Type: application/x-amz-json-1.1",
        "X-Amz-Target: Logs_20140328.FilterLogEvents",
        NULL
    };
    FlHttpRequest req = { .method = "POST", .url = c->url,
                          .sign = &c->sign, .headers = headers,
                          .timeout = 300 };
    FlHttpResponse resp;
    gsize len;
    gboolean ok = FALSE;

    *next_token = NULL;
    body = request_body(q, &len);
    req.body = (const guint8 *)body;
    req.body_len = len;
    memset(&resp, 0, sizeof resp);
    if (!fl_http_request(c->http, &req, FL_CWL_MAX_BODY, &resp, err)) {
        g_prefix_error(err, "FilterLogEvents %s: ", q->group);
        return FALSE;
    }
    if (resp.status != 200)
        set_cwl_error(q, &resp, err);
    else
        ok = parse_page(q, resp.body, events, next_token, err);
    fl_http_response_clear(&resp);
    return ok;
}
