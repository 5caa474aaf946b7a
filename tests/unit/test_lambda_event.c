/*
 * test_lambda_event.c - unit tests for src/lambda/lambda_event.c: the
 * kind of every event shape Lambda delivers, clean refusals of the rest,
 * the objects of S3 (direct, SNS, EventBridge) and SQS events, and the
 * JSON strings written by src/json_write.c.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "error.h"
#include "json_write.h"
#include "lambda/lambda_event.h"

#define KIND_ERROR_CORRUPT -1
#define KIND_ERROR_UNSUPPORTED -2

typedef struct {
    const char *name;
    const char *json;
    int kind;                   /* FlEventKind or KIND_ERROR_* */
    const char *words;          /* in the message of an error, or NULL */
} KindCase;

static const KindCase kind_cases[] = {
    { "cwl", "{\"awslogs\":{\"data\":\"H4sI\"}}", FL_EVENT_CWL, NULL },
    { "cwl-spaces", " \n{ \"awslogs\" : { } }", FL_EVENT_CWL, NULL },
    { "bare-payload", "{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[]}",
      FL_EVENT_CWL, NULL },
    { "kinesis", "{\"Records\":[{\"kinesis\":{\"data\":\"eA==\"},"
      "\"eventSource\":\"aws:kinesis\"}]}", FL_EVENT_KINESIS, NULL },
    { "kinesis-source-first", "{\"Records\":[{\"eventSource\":"
      "\"aws:kinesis\",\"eventID\":\"x\"}]}", FL_EVENT_KINESIS, NULL },
    { "s3", "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":"
      "\"aws:s3\",\"s3\":{\"object\":{\"key\":\"k\"}}}]}", FL_EVENT_S3, NULL },
    { "sns", "{\"Records\":[{\"EventSource\":\"aws:sns\",\"Sns\":"
      "{\"Message\":\"{}\"}}]}", FL_EVENT_S3, NULL },
    { "sns-no-source", "{\"Records\":[{\"Sns\":{\"Message\":\"{}\"}}]}",
      FL_EVENT_S3, NULL },
    { "sqs", "{\"Records\":[{\"messageId\":\"m\",\"body\":\"{}\","
      "\"eventSource\":\"aws:sqs\"},{\"messageId\":\"n\"}]}", FL_EVENT_SQS,
      NULL },
    { "eventbridge", "{\"version\":\"0\",\"detail-type\":\"Object Created\","
      "\"source\":\"aws.s3\",\"detail\":{\"bucket\":{\"name\":\"b\"}}}",
      FL_EVENT_S3, NULL },
    { "eventbridge-source-last", "{\"detail\":{\"source\":\"x\"},"
      "\"detail-type\":\"Object Deleted\",\"source\":\"aws.s3\"}",
      FL_EVENT_S3, NULL },
    { "eventbridge-ec2", "{\"detail-type\":\"EC2 Instance State-change "
      "Notification\",\"source\":\"aws.ec2\",\"detail\":{}}",
      KIND_ERROR_UNSUPPORTED, "aws.ec2" },
    { "firehose", "{\"invocationId\":\"i\",\"records\":[]}",
      KIND_ERROR_UNSUPPORTED, "Firehose" },
    { "dynamodb", "{\"Records\":[{\"eventID\":\"1\",\"eventSource\":"
      "\"aws:dynamodb\"}]}", KIND_ERROR_UNSUPPORTED, "aws:dynamodb" },
    { "no-event-source", "{\"Records\":[{\"a\":1}]}",
      KIND_ERROR_UNSUPPORTED, "no eventSource" },
    { "empty-records", "{\"Records\":[]}", KIND_ERROR_UNSUPPORTED,
      "empty Records" },
    { "record-not-object", "{\"Records\":[\"x\"]}", KIND_ERROR_UNSUPPORTED,
      "Records[0] is a string" },
    { "record-array", "{\"Records\":[[1]]}", KIND_ERROR_UNSUPPORTED,
      "Records[0] is an array" },
    { "records-not-array", "{\"Records\":5,\"z\":1}", KIND_ERROR_UNSUPPORTED,
      "\"Records\", \"z\"" },
    { "records-nested", "{\"x\":{\"Records\":[{\"eventSource\":"
      "\"aws:sqs\"}]}}", KIND_ERROR_UNSUPPORTED, "an object with \"x\"" },
    { "many-names", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}",
      KIND_ERROR_UNSUPPORTED, "\"d\", ..." },
    { "empty-object", "{}", KIND_ERROR_UNSUPPORTED, "an empty object" },
    { "array", "[1,2]", KIND_ERROR_UNSUPPORTED, "a JSON array" },
    { "string", "\"awslogs\"", KIND_ERROR_UNSUPPORTED, "a string" },
    { "number", "42", KIND_ERROR_UNSUPPORTED, "a number" },
    { "empty", "", KIND_ERROR_CORRUPT, "not JSON" },
    { "cut", "{\"Records\":[{\"eventSource\"", KIND_ERROR_CORRUPT,
      "not JSON" },
    { "text", "hello, world", KIND_ERROR_CORRUPT, "not JSON" },
    { "key-with-quote", "{\"a\\\"b\":1}", KIND_ERROR_UNSUPPORTED,
      "a\\\"b" },
};

static void
check_kind(gconstpointer data)
{
    const KindCase *c = data;
    FlEventKind kind = FL_EVENT_SQS;
    GError *err = NULL;
    gboolean ok = fl_event_kind(c->json, strlen(c->json), &kind, &err);
    int code;

    if (c->kind >= 0) {
        g_assert_no_error(err);
        g_assert_true(ok);
        g_assert_cmpint(kind, ==, c->kind);
        return;
    }
    g_assert_false(ok);
    code = c->kind == KIND_ERROR_CORRUPT ? FL_ERROR_CORRUPT
                                         : FL_ERROR_UNSUPPORTED;
    g_assert_error(err, FL_ERROR, code);
    if (strstr(err->message, c->words) == NULL)
        g_error("%s: \"%s\" not in \"%s\"", c->name, c->words, err->message);
    g_error_free(err);
}

/* An S3 notification of one object, as a JSON text. */
static char *
notification(const char *key)
{
    return g_strdup_printf("{\"Records\":[{\"eventSource\":\"aws:s3\","
                           "\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
                           "\"bucket\":{\"name\":\"b\"},\"object\":{"
                           "\"key\":\"%s\",\"size\":7}}}]}", key);
}

/* s as a JSON string, quotes included. */
static char *
json_string(const char *s)
{
    GString *j = g_string_new(NULL);

    fl_json_append_string(j, s, -1);
    return g_string_free(j, FALSE);
}

static void
test_s3_refs(void)
{
    g_autofree char *direct = notification("a/one.log.gz");
    g_autofree char *inner = notification("a/two+x.log.gz");
    g_autofree char *msg = json_string(inner);
    g_autofree char *sns = g_strdup_printf(
        "{\"Records\":[{\"EventSource\":\"aws:sns\",\"Sns\":{\"Type\":"
        "\"Notification\",\"Message\":%s}}]}", msg);
    g_autoptr(GPtrArray) refs =
        g_ptr_array_new_with_free_func((GDestroyNotify)fl_s3_ref_free);
    GError *err = NULL;
    const FlS3Ref *r;

    g_assert_true(fl_event_s3_refs(direct, strlen(direct), refs, NULL,
                                   &err));
    g_assert_no_error(err);
    g_assert_true(fl_event_s3_refs(sns, strlen(sns), refs, NULL, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(refs->len, ==, 2);
    r = refs->pdata[0];
    g_assert_cmpstr(r->key, ==, "a/one.log.gz");
    r = refs->pdata[1];
    g_assert_cmpstr(r->bucket, ==, "b");
    g_assert_cmpstr(r->key, ==, "a/two x.log.gz");
    g_assert_cmpuint(r->size, ==, 7);

    /* An SNS record without a message: refused, refs untouched. */
    g_assert_false(fl_event_s3_refs(
        "{\"Records\":[{\"Sns\":{}}]}", 24, refs, NULL, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    g_assert_nonnull(strstr(err->message, "Records[0]"));
    g_clear_error(&err);
    g_assert_cmpuint(refs->len, ==, 2);
}

static void
test_sqs_messages(void)
{
    g_autofree char *good = notification("k1.log.gz");
    g_autofree char *body = json_string(good);
    g_autofree char *ev = g_strdup_printf(
        "{\"Records\":["
        "{\"messageId\":\"m1\",\"body\":%s,\"eventSource\":\"aws:sqs\"},"
        "{\"messageId\":\"m2\",\"body\":\"not an event\","
        "\"eventSource\":\"aws:sqs\"},"
        "{\"messageId\":\"m3\",\"eventSource\":\"aws:sqs\"},"
        "{\"messageId\":\"m4\",\"body\":%s,\"eventSource\":\"aws:s3\"}]}",
        body, body);
    g_autoptr(GPtrArray) msgs = NULL;
    const FlEventMessage *m;
    GError *err = NULL;

    msgs = fl_event_sqs_messages(ev, strlen(ev), &err);
    g_assert_no_error(err);
    g_assert_cmpuint(msgs->len, ==, 4);
    m = msgs->pdata[0];
    g_assert_cmpstr(m->id, ==, "m1");
    g_assert_null(m->error);
    g_assert_cmpuint(m->refs->len, ==, 1);
    m = msgs->pdata[1];
    g_assert_error(m->error, FL_ERROR, FL_ERROR_CORRUPT);
    g_assert_nonnull(strstr(m->error->message, "SQS message m2"));
    g_assert_cmpuint(m->refs->len, ==, 0);
    m = msgs->pdata[2];
    g_assert_nonnull(strstr(m->error->message, "no body"));
    m = msgs->pdata[3];
    g_assert_nonnull(strstr(m->error->message, "not aws:sqs"));

    /* Without a messageId a failure could not be reported: the event is
     * refused. */
    g_assert_null(fl_event_sqs_messages(
        "{\"Records\":[{\"body\":\"x\"}]}", 26, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    g_clear_error(&err);
    g_assert_null(fl_event_sqs_messages("[[[", 3, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    g_clear_error(&err);
}

static void
test_json_string(void)
{
    static const struct {
        const char *in;
        gssize len;
        const char *out;
    } cases[] = {
        { "plain", -1, "\"plain\"" },
        { "q\"b\\s/", -1, "\"q\\\"b\\\\s/\"" },
        { "\n\r\t\x01\x1f", -1, "\"\\n\\r\\t\\u0001\\u001f\"" },
        { "caf\xc3\xa9 \xe2\x82\xac", -1, "\"caf\xc3\xa9 \xe2\x82\xac\"" },
        { "bad \xff\xc3 end", -1, "\"bad \\ufffd\\ufffd end\"" },
        { "nul\0after", 9, "\"nul\\u0000after\"" },
        { "", -1, "\"\"" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GString) j = g_string_new(NULL);

        fl_json_append_string(j, cases[i].in, cases[i].len);
        g_assert_cmpstr(j->str, ==, cases[i].out);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(kind_cases); i++) {
        g_autofree char *path = g_strdup_printf("/lambda_event/kind/%s",
                                                kind_cases[i].name);
        g_test_add_data_func(path, &kind_cases[i], check_kind);
    }
    g_test_add_func("/lambda_event/s3_refs", test_s3_refs);
    g_test_add_func("/lambda_event/sqs_messages", test_sqs_messages);
    g_test_add_func("/json_write/string", test_json_string);
    return g_test_run();
}
