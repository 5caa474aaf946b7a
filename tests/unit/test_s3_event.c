/*
 * test_s3_event.c - unit tests for s3_event.c: every envelope, key
 * decoding, what is ignored and counted, and clean refusals of what is
 * not an event (refs untouched then).
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "error.h"
#include "sources/s3_event.h"

#define KEY "AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/25/" \
            "111122223333_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f67890_" \
            "20240525T1205Z_3f9a2c1e.log.gz"

/* An S3 notification record (AWS's example, trimmed) for key k. */
static char *
s3_record(const char *event, const char *k)
{
    return g_strdup_printf(
        "{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\","
        "\"awsRegion\":\"us-east-1\",\"eventTime\":\"2024-05-25T12:10:03.512Z\","
        "\"eventName\":\"%s\",\"userIdentity\":{\"principalId\":\"AWS:X\"},"
        "\"s3\":{\"s3SchemaVersion\":\"1.0\",\"configurationId\":\"c\","
        "\"bucket\":{\"name\":\"my-flowlog-bucket\",\"arn\":"
        "\"arn:aws:s3:::my-flowlog-bucket\"},\"object\":{\"key\":\"%s\","
        "\"size\":48213,\"eTag\":\"0f343b0931126a20f133d67c2b018a3b\","
        "\"sequencer\":\"0066519F3B7A9C2E41\"}}}", event, k);
}

static char *
s3_event(const char *k)
{
    g_autofree char *r = s3_record("ObjectCreated:Put", k);

    return g_strdup_printf("{\"Records\":[%s]}", r);
}

/* s as a JSON string literal. */
static char *
quote(const char *s)
{
    GString *q = g_string_new("\"");

    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            g_string_append_c(q, '\\');
        g_string_append_c(q, *s);
    }
    g_string_append_c(q, '"');
    return g_string_free(q, FALSE);
}

static char *
sns(const char *inner)
{
    g_autofree char *q = quote(inner);

    return g_strdup_printf("{\"Type\":\"Notification\",\"MessageId\":\"m\","
                           "\"TopicArn\":\"arn:aws:sns:us-east-1:1:t\","
                           "\"Message\":%s,\"Timestamp\":\"x\"}", q);
}

static char *
sqs_lambda(const char *inner)
{
    g_autofree char *q = quote(inner);

    return g_strdup_printf("{\"Records\":[{\"messageId\":\"1\","
                           "\"receiptHandle\":\"r\",\"body\":%s,"
                           "\"attributes\":{},\"messageAttributes\":{},"
                           "\"eventSource\":\"aws:sqs\",\"awsRegion\":"
                           "\"us-east-1\"}]}", q);
}

static char *
eventbridge(const char *type, const char *k)
{
    return g_strdup_printf(
        "{\"version\":\"0\",\"id\":\"17793124\",\"detail-type\":\"%s\","
        "\"source\":\"aws.s3\",\"account\":\"111122223333\",\"time\":"
        "\"2024-05-25T12:10:03Z\",\"region\":\"us-east-1\",\"resources\":[],"
        "\"detail\":{\"version\":\"0\",\"bucket\":{\"name\":\"eb-bucket\"},"
        "\"object\":{\"key\":\"%s\",\"size\":7,\"etag\":\"abc\","
        "\"sequencer\":\"s\"},\"request-id\":\"r\",\"reason\":\"PutObject\"}}",
        type, k);
}

/* Parses s, expecting success; returns the refs. */
static GPtrArray *
ok(const char *s, FlS3EventCounts *c)
{
    GPtrArray *refs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_s3_ref_free);
    GError *err = NULL;

    g_assert_true(fl_s3_event_parse(s, strlen(s), refs, c, &err));
    g_assert_no_error(err);
    return refs;
}

/* Parses s, expecting FL_ERROR_CORRUPT whose message holds what. */
static void
bad(const char *s, gsize len, const char *what)
{
    GPtrArray *refs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_s3_ref_free);
    FlS3EventCounts c = { 5, 6 };
    GError *err = NULL;
    FlS3Ref *sentinel = g_new0(FlS3Ref, 1);

    g_ptr_array_add(refs, sentinel);
    g_assert_false(fl_s3_event_parse(s, len, refs, &c, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    if (what != NULL && strstr(err->message, what) == NULL)
        g_error("\"%s\" not in \"%s\"", what, err->message);
    /* Untouched on failure. */
    g_assert_cmpuint(refs->len, ==, 1);
    g_assert_true(g_ptr_array_index(refs, 0) == sentinel);
    g_assert_cmpuint(c.test_events, ==, 5);
    g_assert_cmpuint(c.ignored, ==, 6);
    g_error_free(err);
    g_ptr_array_unref(refs);
}

static void
assert_ref(GPtrArray *refs, guint i, const char *bucket, const char *key,
           guint64 size, const char *etag)
{
    FlS3Ref *r = g_ptr_array_index(refs, i);

    g_assert_cmpstr(r->bucket, ==, bucket);
    g_assert_cmpstr(r->key, ==, key);
    g_assert_cmpuint(r->size, ==, size);
    g_assert_cmpstr(r->etag, ==, etag);
}

static void
test_s3(void)
{
    g_autofree char *s = s3_event(KEY);
    FlS3EventCounts c = { 0, 0 };
    GPtrArray *refs = ok(s, &c);

    g_assert_cmpuint(refs->len, ==, 1);
    assert_ref(refs, 0, "my-flowlog-bucket", KEY, 48213,
               "0f343b0931126a20f133d67c2b018a3b");
    g_assert_cmpuint(c.test_events + c.ignored, ==, 0);
    g_ptr_array_unref(refs);
}

/* S3 -> SNS -> SQS -> Lambda, and every envelope alone. */
static void
test_envelopes(void)
{
    g_autofree char *s3 = s3_event(KEY);
    g_autofree char *via_sns = sns(s3);
    g_autofree char *via_sqs = sqs_lambda(s3);
    g_autofree char *via_sns_sqs = sqs_lambda(via_sns);
    g_autofree char *eb = eventbridge("Object Created", "a b+c%3D.log.gz");
    g_autofree char *eb_sqs = sqs_lambda(eb);
    const char *cases[] = { via_sns, via_sqs, via_sns_sqs };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        GPtrArray *refs = ok(cases[i], NULL);

        g_assert_cmpuint(refs->len, ==, 1);
        assert_ref(refs, 0, "my-flowlog-bucket", KEY, 48213,
                   "0f343b0931126a20f133d67c2b018a3b");
        g_ptr_array_unref(refs);
    }
    /* EventBridge keys are taken as they are. */
    for (guint i = 0; i < 2; i++) {
        GPtrArray *refs = ok(i ? eb_sqs : eb, NULL);

        g_assert_cmpuint(refs->len, ==, 1);
        assert_ref(refs, 0, "eb-bucket", "a b+c%3D.log.gz", 7, "abc");
        g_ptr_array_unref(refs);
    }
}

/* An SQS event for Lambda with several messages and several records. */
static void
test_batch(void)
{
    g_autofree char *r1 = s3_record("ObjectCreated:Put", "a.log.gz");
    g_autofree char *r2 = s3_record("ObjectRemoved:Delete", "b.log.gz");
    g_autofree char *r3 = s3_record("ObjectCreated:CompleteMultipartUpload",
                                    "c.log.gz");
    g_autofree char *m1 = g_strdup_printf("{\"Records\":[%s,%s,%s]}", r1, r2,
                                          r3);
    g_autofree char *m2 = s3_event("d.log.gz");
    g_autofree char *q1 = quote(m1);
    g_autofree char *q2 = quote(m2);
    g_autofree char *test = quote("{\"Service\":\"Amazon S3\",\"Event\":"
                                  "\"s3:TestEvent\",\"Time\":\"x\","
                                  "\"Bucket\":\"b\",\"RequestId\":\"r\"}");
    g_autofree char *all = g_strdup_printf(
        "{\"Records\":[{\"eventSource\":\"aws:sqs\",\"body\":%s},"
        "{\"eventSource\":\"aws:sqs\",\"body\":%s},"
        "{\"eventSource\":\"aws:sqs\",\"body\":%s}]}", q1, test, q2);
    FlS3EventCounts c = { 1, 1 };
    GPtrArray *refs = ok(all, &c);

    g_assert_cmpuint(refs->len, ==, 3);
    g_assert_cmpstr(((FlS3Ref *)g_ptr_array_index(refs, 0))->key, ==,
                    "a.log.gz");
    g_assert_cmpstr(((FlS3Ref *)g_ptr_array_index(refs, 1))->key, ==,
                    "c.log.gz");
    g_assert_cmpstr(((FlS3Ref *)g_ptr_array_index(refs, 2))->key, ==,
                    "d.log.gz");
    /* Counts add up. */
    g_assert_cmpuint(c.test_events, ==, 2);
    g_assert_cmpuint(c.ignored, ==, 2);
    g_ptr_array_unref(refs);
}

static void
test_key_decoding(void)
{
    static const struct { const char *in, *out; } cases[] = {
        { "red+flower.jpg", "red flower.jpg" },
        { "AWSLogs/aws-account-id%3D111122223333/aws-service%3Dvpcflowlogs/x",
          "AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/x" },
        { "a%2Bb", "a+b" },
        { "100%25", "100%" },
        { "%e4%b8%ad%E6%96%87/%C3%A9t%C3%A9.log", "\xe4\xb8\xad\xe6\x96\x87/"
          "\xc3\xa9t\xc3\xa9.log" },
        /* Unicode as it is, as json \u escapes too. */
        { "\xc3\xa9t\xc3\xa9 \\u00e9.log", "\xc3\xa9t\xc3\xa9 \xc3\xa9.log" },
        { "a/b/c", "a/b/c" },
    };
    static const char *const refused[] = {
        "a%", "a%4", "a%G0", "a%00b", "a%ff", "%C3", "%c3%28",
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *s = s3_event(cases[i].in);
        GPtrArray *refs = ok(s, NULL);

        g_assert_cmpstr(((FlS3Ref *)g_ptr_array_index(refs, 0))->key, ==,
                        cases[i].out);
        g_ptr_array_unref(refs);
    }
    for (guint i = 0; i < G_N_ELEMENTS(refused); i++) {
        g_autofree char *s = s3_event(refused[i]);

        bad(s, strlen(s), "Records[0]: the object key is not a valid key");
    }
}

/* TestEvent, deletions, other EventBridge types, SNS confirmations. */
static void
test_ignored(void)
{
    static const char test_ev[] =
        "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":"
        "\"2024-05-25T12:00:00.000Z\",\"Bucket\":\"b\",\"RequestId\":\"r\","
        "\"HostId\":\"h\"}";
    g_autofree char *del = s3_record("ObjectRemoved:Delete", KEY);
    g_autofree char *restore = s3_record("ObjectRestore:Completed", KEY);
    g_autofree char *two = g_strdup_printf("{\"Records\":[%s,%s]}", del,
                                           restore);
    g_autofree char *eb = eventbridge("Object Deleted", KEY);
    g_autofree char *test_sns = sns(test_ev);
    FlS3EventCounts c = { 0, 0 };
    GPtrArray *refs;

    refs = ok(test_ev, &c);
    g_assert_cmpuint(refs->len, ==, 0);
    g_assert_cmpuint(c.test_events, ==, 1);
    g_ptr_array_unref(refs);
    refs = ok(test_sns, &c);
    g_assert_cmpuint(c.test_events, ==, 2);
    g_ptr_array_unref(refs);
    refs = ok(two, &c);
    g_assert_cmpuint(refs->len, ==, 0);
    g_assert_cmpuint(c.ignored, ==, 2);
    g_ptr_array_unref(refs);
    refs = ok(eb, &c);
    g_assert_cmpuint(c.ignored, ==, 3);
    g_ptr_array_unref(refs);
    refs = ok("{\"Type\":\"SubscriptionConfirmation\",\"Message\":\"hi\"}",
              &c);
    g_assert_cmpuint(c.ignored, ==, 4);
    g_ptr_array_unref(refs);
    refs = ok("{\"Records\":[]}", &c);
    g_assert_cmpuint(refs->len, ==, 0);
    g_ptr_array_unref(refs);
    g_assert_cmpuint(c.test_events, ==, 2);
    g_assert_cmpuint(c.ignored, ==, 4);
}

/* Optional fields: no size, no eTag. */
static void
test_missing_optional(void)
{
    static const char s[] =
        "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":"
        "\"ObjectCreated:Copy\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
        "\"object\":{\"key\":\"k.log\"}}}]}";
    GPtrArray *refs = ok(s, NULL);

    assert_ref(refs, 0, "b", "k.log", 0, NULL);
    g_ptr_array_unref(refs);
}

static void
test_malformed(void)
{
    static const struct { const char *in, *what; } cases[] = {
        { "", "not JSON" },
        { "   ", "not JSON" },
        { "{", "not JSON" },
        { "{\"Records\":[}", "not JSON" },
        { "nul", "not JSON" },
        { "[]", "found a JSON array" },
        { "42", "found a JSON value" },
        { "null", "found a JSON null" },
        { "{}", "found an object with no members" },
        { "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5}",
          "found an object with \"a\", \"b\", \"c\", \"d\", ..." },
        { "{\"Records\":{}}", "found an object with \"Records\"" },
        { "{\"Records\":[1]}", "Records[0] is not an object" },
        { "{\"Records\":[{}]}", "eventSource \"(none)\"" },
        { "{\"Records\":[{\"eventSource\":\"aws:sns\"}]}",
          "eventSource \"aws:sns\"" },
        { "{\"Records\":[{\"eventSource\":\"aws:s3\"}]}",
          "without eventName or s3" },
        { "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":"
          "\"ObjectCreated:Put\",\"s3\":{\"object\":{\"key\":\"k\"}}}]}",
          "Records[0]: no bucket name" },
        { "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":"
          "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"}}}]}",
          "Records[0]: no object key" },
        { "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":"
          "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
          "\"object\":{\"key\":\"\"}}}]}", "no object key" },
        { "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":"
          "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":7},"
          "\"object\":{\"key\":\"k\"}}}]}", "no bucket name" },
        { "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":"
          "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
          "\"object\":{\"key\":\"k\",\"size\":\"12\"}}}]}", "size" },
        { "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":"
          "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
          "\"object\":{\"key\":\"k\",\"size\":-1}}}]}", "size" },
        { "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":"
          "\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},"
          "\"object\":{\"key\":\"k\",\"size\":1.5}}}]}", "size" },
        { "{\"Records\":[{\"eventSource\":\"aws:sqs\"}]}", "without body" },
        { "{\"Records\":[{\"eventSource\":\"aws:sqs\",\"body\":\"x\"}]}",
          "Records[0].body: not JSON" },
        { "{\"Records\":[{\"eventSource\":\"aws:sqs\",\"body\":\"{}\"}]}",
          "Records[0].body: not an S3 event" },
        { "{\"Type\":\"Notification\",\"Message\":\"[\"}",
          "SNS Message: not JSON" },
        { "{\"detail-type\":\"Object Created\",\"source\":\"aws.ec2\","
          "\"detail\":{}}", "not from aws.s3" },
        { "{\"detail-type\":\"Object Created\",\"source\":\"aws.s3\"}",
          "no detail" },
        { "{\"detail-type\":\"Object Created\",\"source\":\"aws.s3\","
          "\"detail\":{\"bucket\":{\"name\":\"b\"}}}", "detail: no object key" },
        { "{\"Event\":\"s3:SomethingElse\"}", "found an object with \"Event\"" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("%s", cases[i].in);
        bad(cases[i].in, strlen(cases[i].in), cases[i].what);
    }
    /* Only len bytes count: the same text cut short. */
    {
        g_autofree char *s = s3_event(KEY);

        bad(s, strlen(s) - 1, "not JSON");
    }
    /* A NUL inside. */
    bad("{\"Records\":[]}\0junk", 19, NULL);
}

/* Envelopes more than three deep; JSON nested too deep. */
static void
test_depth(void)
{
    char *s = s3_event("k.log");
    GString *deep = g_string_new(NULL);
    GPtrArray *refs;

    /* Three envelopes are fine, four are not. */
    for (guint i = 0; i < 3; i++) {
        char *t = i % 2 ? sns(s) : sqs_lambda(s);

        g_free(s);
        s = t;
    }
    refs = ok(s, NULL);
    g_assert_cmpuint(refs->len, ==, 1);
    g_ptr_array_unref(refs);
    {
        g_autofree char *t = sns(s);

        bad(t, strlen(t), "more than 3 envelopes deep");
    }
    g_free(s);

    /* A million brackets are refused before json-glib recurses. */
    for (guint i = 0; i < 1000000; i++)
        g_string_append_c(deep, '[');
    bad(deep->str, deep->len, "nested more than");
    g_string_truncate(deep, 0);
    g_string_append(deep, "{\"Records\":[{\"eventSource\":\"aws:s3\","
                    "\"eventName\":\"ObjectCreated:Put\",\"x\":");
    for (guint i = 0; i < 40; i++)
        g_string_append(deep, "{\"a\":");
    g_string_append(deep, "1");
    for (guint i = 0; i < 40; i++)
        g_string_append_c(deep, '}');
    g_string_append(deep, "}]}");
    bad(deep->str, deep->len, "nested more than");
    /* Brackets inside strings do not count. */
    g_string_truncate(deep, 0);
    g_string_append(deep, "{\"Event\":\"s3:TestEvent\",\"x\":\"");
    for (guint i = 0; i < 1000; i++)
        g_string_append(deep, "[{\\\"");
    g_string_append(deep, "\"}");
    refs = ok(deep->str, NULL);
    g_ptr_array_unref(refs);
    g_string_free(deep, TRUE);
}

/* Huge strings: refused where they matter, harmless elsewhere. */
static void
test_huge(void)
{
    GString *k = g_string_new(NULL);
    char *s;
    GPtrArray *refs;

    for (guint i = 0; i < 1024; i++)
        g_string_append_c(k, 'k');
    s = s3_event(k->str);
    refs = ok(s, NULL);                 /* 1,024 bytes: S3's maximum */
    g_assert_cmpuint(strlen(((FlS3Ref *)refs->pdata[0])->key), ==, 1024);
    g_ptr_array_unref(refs);
    g_free(s);
    g_string_append_c(k, 'k');
    s = s3_event(k->str);
    bad(s, strlen(s), "not a valid key");
    g_free(s);
    /* 1,024 bytes once decoded is fine. */
    g_string_truncate(k, 0);
    for (guint i = 0; i < 1024; i++)
        g_string_append(k, "%41");
    s = s3_event(k->str);
    refs = ok(s, NULL);
    g_ptr_array_unref(refs);
    g_free(s);
    /* A ten-megabyte key. */
    g_string_truncate(k, 0);
    for (guint i = 0; i < 10 * 1024 * 1024; i++)
        g_string_append_c(k, 'a');
    s = s3_event(k->str);
    bad(s, strlen(s), "or one too long");
    g_free(s);
    g_string_free(k, TRUE);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/s3-event/s3", test_s3);
    g_test_add_func("/s3-event/envelopes", test_envelopes);
    g_test_add_func("/s3-event/batch", test_batch);
    g_test_add_func("/s3-event/key-decoding", test_key_decoding);
    g_test_add_func("/s3-event/ignored", test_ignored);
    g_test_add_func("/s3-event/missing-optional", test_missing_optional);
    g_test_add_func("/s3-event/malformed", test_malformed);
    g_test_add_func("/s3-event/depth", test_depth);
    g_test_add_func("/s3-event/huge", test_huge);
    return g_test_run();
}
