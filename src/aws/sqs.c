/*
 * sqs.c - ReceiveMessage, DeleteMessage, ChangeMessageVisibility (sqs.h).
 *
 * Requests are built with json-glib's builder and answers read with its
 * parser; nothing here scans JSON by hand.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "aws/json_error.h"
#include "aws/sqs.h"
#include "error.h"
#include "log.h"

struct FlSqs {
    FlAws *aws;
    FlHttp *http;
    char *queue_url;
    char *endpoint;             /* scheme://host[:port]/ */
    char *region;
    FlHttpSign sign;
};

void
fl_sqs_message_free(FlSqsMessage *m)
{
    if (m == NULL)
        return;
    g_free(m->id);
    g_free(m->receipt);
    g_free(m->body);
    g_free(m);
}

/* "sqs.eu-west-1.amazonaws.com" -> "eu-west-1"; NULL for other hosts. */
static char *
region_of_host(const char *host)
{
    g_auto(GStrv) parts = g_strsplit(host, ".", 0);

    if (g_strv_length(parts) >= 4 && !strcmp(parts[0], "sqs")
        && !strcmp(parts[2], "amazonaws"))
        return g_strdup(parts[1]);
    return NULL;
}

FlSqs *
fl_sqs_new(FlAws *aws, const char *queue_url, GError **err)
{
    const char *rest, *slash;
    g_autofree char *host = NULL;
    FlSqs *q;

    rest = g_str_has_prefix(queue_url, "https://") ? queue_url + 8
           : g_str_has_prefix(queue_url, "http://") ? queue_url + 7 : NULL;
    slash = rest ? strchr(rest, '/') : NULL;
    if (slash == NULL || slash == rest || slash[1] == '\0') {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--sqs-queue: '%s' is "
                    "not a queue URL (https://sqs.REGION.amazonaws.com/"
                    "ACCOUNT/NAME)", queue_url);
        return NULL;
    }
    q = g_new0(FlSqs, 1);
    q->aws = fl_aws_ref(aws);
    q->http = fl_aws_http_new(aws);
    q->queue_url = g_strdup(queue_url);
    q->endpoint = g_strndup(queue_url, (gsize)(slash - queue_url) + 1);
    host = g_strndup(rest, (gsize)(slash - rest));
    q->region = region_of_host(host);
    if (q->region == NULL)
        q->region = g_strdup(aws->region);
    q->sign.creds = aws->creds;
    q->sign.region = q->region;
    q->sign.service = "sqs";
    return q;
}

void
fl_sqs_free(FlSqs *q)
{
    if (q == NULL)
        return;
    fl_http_free(q->http);
    fl_aws_unref(q->aws);
    g_free(q->queue_url);
    g_free(q->endpoint);
    g_free(q->region);
    g_free(q);
}

const char *
fl_sqs_url(const FlSqs *q)
{
    return q->queue_url;
}

/* SQS's JSON error: {"__type":"com.amazonaws.sqs#QueueDoesNotExist",
 * "message":"..."}; the type after '#' is the code. */
static void
set_sqs_error(FlSqs *q, const char *op, const FlHttpResponse *resp,
              GError **err)
{
    g_autoptr(JsonParser) p = json_parser_new();
    const char *type, *msg;
    gboolean auth;

    fl_aws_json_error(resp, p, &type, &msg);
    auth = fl_aws_json_error_is_auth(resp->status, type);
    g_set_error(err, FL_ERROR, auth ? FL_ERROR_AUTH : FL_ERROR_REMOTE,
                "%s %s: HTTP %ld %s%s%s", op, q->queue_url, resp->status,
                type ? type : "", msg ? ": " : "", msg ? msg : "");
}

/* POSTs body as AmazonSQS.op; the answer's JSON root object in *root. */
static gboolean
call(FlSqs *q, const char *op, JsonBuilder *b, JsonParser *parser,
     GError **err)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *body = NULL, *target = NULL;
    const char *headers[3];
    FlHttpRequest req = { .method = "POST", .url = q->endpoint,
                          .sign = &q->sign, .headers = headers };
    FlHttpResponse resp;
    gsize len;
    const char *data;
    gboolean ok = FALSE;

    json_generator_set_root(gen, root);
    body = json_generator_to_data(gen, &len);
    target = g_strdup_printf("X-Amz-Target: AmazonSQS.%s", op);
    headers[0] = "Content-Type: application/x-amz-json-1.0";
    headers[1] = target;
    headers[2] = NULL;
    req.body = (const guint8 *)body;
    req.body_len = len;
    memset(&resp, 0, sizeof resp);
    if (!fl_http_request(q->http, &req, FL_SQS_MAX_BODY, &resp, err)) {
        g_prefix_error(err, "%s %s: ", op, q->queue_url);
        return FALSE;
    }
    if (resp.status != 200) {
        set_sqs_error(q, op, &resp, err);
        goto out;
    }
    data = g_bytes_get_data(resp.body, &len);
    if (len == 0)
        data = "{}", len = 2;
    if (!json_parser_load_from_data(parser, data, (gssize)len, err)
        || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        g_clear_error(err);
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "%s %s: the answer "
                    "is not a JSON object", op, q->queue_url);
        goto out;
    }
    ok = TRUE;
out:
    fl_http_response_clear(&resp);
    return ok;
}

static JsonBuilder *
request_start(FlSqs *q)
{
    JsonBuilder *b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "QueueUrl");
    json_builder_add_string_value(b, q->queue_url);
    return b;
}

static void
add_int(JsonBuilder *b, const char *name, gint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, v);
}

/* One element of "Messages"; FALSE when a member is missing. */
static gboolean
take_message(JsonNode *n, GPtrArray *out)
{
    JsonObject *o, *attrs;
    const char *id, *rh, *body, *count;
    FlSqsMessage *m;

    if (!JSON_NODE_HOLDS_OBJECT(n))
        return FALSE;
    o = json_node_get_object(n);
    id = json_object_get_string_member_with_default(o, "MessageId", NULL);
    rh = json_object_get_string_member_with_default(o, "ReceiptHandle", NULL);
    body = json_object_get_string_member_with_default(o, "Body", NULL);
    if (id == NULL || rh == NULL || body == NULL)
        return FALSE;
    m = g_new0(FlSqsMessage, 1);
    m->id = g_strdup(id);
    m->receipt = g_strdup(rh);
    m->body = g_strdup(body);
    attrs = json_object_has_member(o, "Attributes")
            && JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "Attributes"))
            ? json_object_get_object_member(o, "Attributes") : NULL;
    count = attrs ? json_object_get_string_member_with_default(
                        attrs, "ApproximateReceiveCount", NULL) : NULL;
    if (count)
        m->receive_count = (guint)g_ascii_strtoull(count, NULL, 10);
    g_ptr_array_add(out, m);
    return TRUE;
}

gboolean
fl_sqs_receive(FlSqs *q, guint max, guint wait, guint visibility,
               GPtrArray *out, GError **err)
{
    g_autoptr(JsonBuilder) b = request_start(q);
    g_autoptr(JsonParser) p = json_parser_new();
    JsonObject *root;
    JsonArray *msgs;
    guint bad = 0;

    add_int(b, "MaxNumberOfMessages", CLAMP(max, 1, 10));
    add_int(b, "WaitTimeSeconds", MIN(wait, 20));
    add_int(b, "VisibilityTimeout", visibility);
    json_builder_set_member_name(b, "AttributeNames");
    json_builder_begin_array(b);
    json_builder_add_string_value(b, "ApproximateReceiveCount");
    json_builder_end_array(b);
    json_builder_end_object(b);
    if (!call(q, "ReceiveMessage", b, p, err))
        return FALSE;
    root = json_node_get_object(json_parser_get_root(p));
    if (!json_object_has_member(root, "Messages"))
        return TRUE;                    /* the queue stayed empty */
    if (!JSON_NODE_HOLDS_ARRAY(json_object_get_member(root, "Messages"))) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "ReceiveMessage %s: "
                    "\"Messages\" is not an array", q->queue_url);
        return FALSE;
    }
    msgs = json_object_get_array_member(root, "Messages");
    for (guint i = 0; i < json_array_get_length(msgs); i++)
        if (!take_message(json_array_get_element(msgs, i), out))
            bad++;
    if (bad)
        fl_log_warnx("ReceiveMessage %s: %u message(s) without MessageId, "
                     "ReceiptHandle or Body ignored", q->queue_url, bad);
    return TRUE;
}

gboolean
fl_sqs_delete(FlSqs *q, const char *receipt, GError **err)
{
    g_autoptr(JsonBuilder) b = request_start(q);
    g_autoptr(JsonParser) p = json_parser_new();

    json_builder_set_member_name(b, "ReceiptHandle");
    json_builder_add_string_value(b, receipt);
    json_builder_end_object(b);
    return call(q, "DeleteMessage", b, p, err);
}

gboolean
fl_sqs_change_visibility(FlSqs *q, const char *receipt, guint seconds,
                         GError **err)
{
    g_autoptr(JsonBuilder) b = request_start(q);
    g_autoptr(JsonParser) p = json_parser_new();

    json_builder_set_member_name(b, "ReceiptHandle");
    json_builder_add_string_value(b, receipt);
    add_int(b, "VisibilityTimeout", seconds);
    json_builder_end_object(b);
    return call(q, "ChangeMessageVisibility", b, p, err);
}
