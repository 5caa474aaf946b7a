/*
 * test_cwl_envelope.c - unit tests for cwl_envelope.c: every shape, built
 * here (gzip with zlib, base64 with GLib), records that are bad alone
 * among good ones, and clean refusals of what is no envelope.
 *
 * Outcomes are compared as text: each payload, event and bad record is
 * one line of the transcript a decode leaves.
 *
 * test_cwl_envelope_small builds the same tests with cwl_envelope.c,
 * cwl_fast.c and cwl_gzip.c at FL_CWL_MAX_INPUT 65536 and
 * FL_CWL_MAX_PAYLOAD 4096, for the bounds that would take hundreds of
 * megabytes at their real size.
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <zlib.h>

#include "error.h"
#include "decoders/cwl_envelope.h"

#define SMALL (FL_CWL_MAX_PAYLOAD < 100000)

#define LINE1 "2 111122223333 eni-0a1b2c3d4e5f60718 10.0.1.25 10.0.2.17 " \
              "49731 443 6 12 3981 1716638412 1716638471 ACCEPT OK"
#define LINE2 "2 111122223333 eni-0a1b2c3d4e5f60718 198.51.100.7 10.0.1.25 " \
              "51514 22 6 3 180 1716638415 1716638471 REJECT OK"

/* ---- building envelopes ------------------------------------------------ */

static GBytes *
gz(const void *data, gsize len)
{
    z_stream zs = { 0 };
    gsize cap = len + len / 100 + 64;
    guint8 *out = g_malloc(cap);

    g_assert_cmpint(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9,
                                 Z_DEFAULT_STRATEGY), ==, Z_OK);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    g_assert_cmpint(deflate(&zs, Z_FINISH), ==, Z_STREAM_END);
    deflateEnd(&zs);
    return g_bytes_new_take(out, zs.total_out);
}

static GBytes *
gz_str(const char *s)
{
    return gz(s, strlen(s));
}

static char *
b64(GBytes *b)
{
    gsize n;
    const guint8 *d = g_bytes_get_data(b, &n);

    return g_base64_encode(d, n);
}

/* base64 of gzip of s; frees nothing of the caller's. */
static char *
b64gz(const char *s)
{
    g_autoptr(GBytes) z = gz_str(s);

    return b64(z);
}

static char *
b64plain(const char *s)
{
    return g_base64_encode((const guchar *)s, strlen(s));
}

/* A DATA_MESSAGE payload with two events. */
static char *
data_message(const char *group, const char *stream)
{
    return g_strdup_printf(
        "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"111122223333\","
        "\"logGroup\":\"%s\",\"logStream\":\"%s\","
        "\"subscriptionFilters\":[\"to-ipfix\"],\"logEvents\":["
        "{\"id\":\"3790123456789012345678901234567890\","
        "\"timestamp\":1716638412000,\"message\":\"" LINE1 "\"},"
        "{\"id\":\"3790123456789012345678901234567891\","
        "\"timestamp\":1716638415000,\"message\":\"" LINE2 "\"}]}",
        group, stream);
}

#define CONTROL "{\"messageType\":\"CONTROL_MESSAGE\",\"owner\":" \
    "\"CloudwatchLogs\",\"logGroup\":\"\",\"logStream\":\"\"," \
    "\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"\",\"timestamp\":" \
    "1716638412000,\"message\":\"CWL CONTROL MESSAGE: Checking health of " \
    "destination Firehose.\"}]}"

static char *
direct_record(const char *line)
{
    return g_strdup_printf("{\"message\":\"%s\"}", line);
}

/* ---- decoding into a transcript ----------------------------------------- */

typedef struct {
    GString *t;
    guint fail_at;              /* the callback fails on this payload (1..) */
    guint seen;
} Run;

static gboolean
on_payload(const FlCwlPayload *p, gpointer data, GError **err)
{
    Run *r = data;

    if (++r->seen == r->fail_at) {
        g_set_error_literal(err, FL_ERROR, FL_ERROR_EXPORT, "collector gone");
        return FALSE;
    }
    g_string_append_printf(r->t, "P %s group=%s stream=%s owner=%s n=%u\n",
                           p->where ? p->where : "-",
                           p->log_group ? p->log_group : "-",
                           p->log_stream ? p->log_stream : "-",
                           p->owner ? p->owner : "-", p->n_events);
    for (guint i = 0; i < p->n_events; i++) {
        const FlCwlEvent *e = &p->events[i];

        /* The sentinel decode.h wants. */
        g_assert_cmpint((guchar)e->message[e->message_len], <=, ' ');
        g_string_append_printf(r->t, "E %s %" G_GINT64_FORMAT " [%.*s]\n",
                               e->id ? e->id : "-", e->timestamp,
                               (int)e->message_len, e->message);
    }
    return TRUE;
}

/* why, with json-glib's own words (they vary by version) left out. */
static void
append_why(GString *t, const char *why)
{
    const char *j = strstr(why, "not JSON: ");

    if (j == NULL)
        g_string_append(t, why);
    else
        g_string_append_printf(t, "%.*snot JSON: (json-glib's words)",
                               (int)(j - why), why);
}

static void
on_bad(const char *where, const char *why, gpointer data)
{
    Run *r = data;

    g_string_append_printf(r->t, "B %s: ", where ? where : "-");
    append_why(r->t, why);
    g_string_append_c(r->t, '\n');
}

/*
 * Decodes len bytes at buf; returns the transcript and, after a "=" line,
 * the counts and the outcome (ok, or the error code and message).
 */
static char *
decode_n(const void *buf, gsize len, guint fail_at)
{
    Run r = { g_string_new(NULL), fail_at, 0 };
    FlCwlCounts n = { 0 };
    GError *err = NULL;
    gboolean ok;

    ok = fl_cwl_envelope_decode(buf, len, on_payload, on_bad, &r, &n, &err);
    g_assert_true(ok == (err == NULL));
    g_string_append_printf(r.t, "= payloads=%" G_GUINT64_FORMAT
                           " events=%" G_GUINT64_FORMAT
                           " control=%" G_GUINT64_FORMAT
                           " bad=%" G_GUINT64_FORMAT
                           " cut=%" G_GUINT64_FORMAT " ",
                           n.payloads, n.events, n.control, n.bad, n.cut);
    if (ok) {
        g_string_append(r.t, "ok");
    } else {
        g_assert_true(err->domain == FL_ERROR);
        g_string_append_printf(r.t, "%s: ",
                               err->code == FL_ERROR_CORRUPT ? "CORRUPT"
                               : err->code == FL_ERROR_LIMIT ? "LIMIT"
                               : err->code == FL_ERROR_EXPORT ? "EXPORT"
                               : "OTHER");
        append_why(r.t, err->message);
        g_error_free(err);
    }
    return g_string_free(r.t, FALSE);
}

static char *
decode_str(const char *s)
{
    return decode_n(s, strlen(s), 0);
}

static char *
decode_bytes(GBytes *b)
{
    gsize n;
    const void *d = g_bytes_get_data(b, &n);

    return decode_n(d, n, 0);
}

#define EVENTS_1_2 \
    "E 3790123456789012345678901234567890 1716638412000 [" LINE1 "]\n" \
    "E 3790123456789012345678901234567891 1716638415000 [" LINE2 "]\n"

/* ---- the shapes --------------------------------------------------------- */

static void
test_subscription(void)
{
    g_autofree char *pl = data_message("/vpc/flowlogs/prod",
                                       "eni-0a1b2c3d4e5f60718-all");
    g_autofree char *d = b64gz(pl);
    g_autofree char *ev = g_strdup_printf("{\"awslogs\":{\"data\":\"%s\"}}",
                                          d);
    g_autofree char *t = decode_str(ev);

    g_assert_cmpstr(t, ==,
        "P - group=/vpc/flowlogs/prod stream=eni-0a1b2c3d4e5f60718-all "
        "owner=111122223333 n=2\n" EVENTS_1_2
        "= payloads=1 events=2 control=0 bad=0 cut=0 ok");
}

static void
test_bare_payload(void)
{
    g_autofree char *pl = data_message("g", "s");
    g_autoptr(GBytes) z = gz_str(pl);
    g_autofree char *plain = NULL, *zipped = NULL, *spaced = NULL;
    g_autofree char *sp = g_strdup_printf(" \r\n\t%s\n\n", pl);
    const char *expect = "P - group=g stream=s owner=111122223333 n=2\n"
        EVENTS_1_2 "= payloads=1 events=2 control=0 bad=0 cut=0 ok";

    plain = decode_str(pl);
    g_assert_cmpstr(plain, ==, expect);
    zipped = decode_bytes(z);
    g_assert_cmpstr(zipped, ==, expect);
    spaced = decode_str(sp);
    g_assert_cmpstr(spaced, ==, expect);
}

static void
test_kinesis(void)
{
    g_autofree char *p1 = data_message("g1", "s1");
    g_autofree char *p2 = data_message("g2", "s2");
    g_autofree char *d1 = b64gz(p1), *d2 = b64gz(p2), *dc = b64gz(CONTROL);
    g_autofree char *ev = g_strdup_printf(
        "{\"Records\":["
        "{\"kinesis\":{\"kinesisSchemaVersion\":\"1.0\",\"partitionKey\":"
        "\"k\",\"sequenceNumber\":\"1\",\"data\":\"%s\","
        "\"approximateArrivalTimestamp\":1545084650.987},"
        "\"eventSource\":\"aws:kinesis\",\"eventID\":\"shardId-0:1\"},"
        "{\"kinesis\":{\"data\":\"not base64!\"}},"
        "{\"SequenceNumber\":\"2\",\"Data\":\"%s\",\"PartitionKey\":\"k\"},"
        "42,"
        "{\"kinesis\":{\"data\":\"%s\"}},"
        "{\"kinesis\":{}}]}", d1, d2, dc);
    g_autofree char *t = decode_str(ev);

    g_assert_cmpstr(t, ==,
        "P Records[0] group=g1 stream=s1 owner=111122223333 n=2\n" EVENTS_1_2
        "B Records[1]: data is not base64\n"
        "P Records[2] group=g2 stream=s2 owner=111122223333 n=2\n" EVENTS_1_2
        "B Records[3]: not an object\n"
        "B Records[5]: no kinesis.data or Data string\n"
        "= payloads=2 events=4 control=1 bad=3 cut=0 ok");
}

static void
test_firehose_cwl(void)
{
    g_autofree char *p1 = data_message("g1", "s1");
    g_autofree char *d1 = b64gz(p1), *bad = b64gz("this is not JSON");
    g_autofree char *ev = g_strdup_printf(
        "{\"invocationId\":\"inv\",\"deliveryStreamArn\":\"arn:x\","
        "\"region\":\"us-east-1\",\"records\":["
        "{\"recordId\":\"r0\",\"approximateArrivalTimestamp\":1,"
        "\"data\":\"%s\"},"
        "{\"recordId\":\"r\\n1\",\"data\":\"%s\"},"
        "{\"data\":\"%s\"}]}", d1, bad, d1);
    g_autofree char *t = decode_str(ev);

    g_assert_cmpstr(t, ==,
        "P records[0] (recordId r0) group=g1 stream=s1 owner=111122223333 "
        "n=2\n" EVENTS_1_2
        "B records[1] (recordId r\\n1): not a JSON object\n"
        "P records[2] group=g1 stream=s1 owner=111122223333 n=2\n" EVENTS_1_2
        "= payloads=2 events=4 control=0 bad=1 cut=0 ok");
}

static void
test_firehose_direct(void)
{
    g_autofree char *m1 = direct_record(LINE1), *m2 = direct_record(LINE2);
    g_autofree char *d1 = b64plain(m1), *d2 = b64plain(m2);
    g_autofree char *pl = data_message("g", "s");
    g_autofree char *dp = b64gz(pl);
    g_autofree char *ev = g_strdup_printf(
        "{\"invocationId\":\"inv\",\"records\":["
        "{\"recordId\":\"a\",\"data\":\"%s\"},"
        "{\"recordId\":\"b\",\"data\":\"%s\"},"
        "{\"recordId\":\"c\",\"data\":\"%s\"},"
        "{\"recordId\":\"d\",\"data\":\"%s\"},"
        "{\"recordId\":\"e\",\"data\":\"e30=\"}]}", d1, d2, dp, d1);
    g_autofree char *t = decode_str(ev);

    /* A payload ends a run; the records around it make two. */
    g_assert_cmpstr(t, ==,
        "P records[0] (recordId a) group=- stream=- owner=- n=2\n"
        "E - 0 [" LINE1 "]\n"
        "E - 0 [" LINE2 "]\n"
        "P records[2] (recordId c) group=g stream=s owner=111122223333 n=2\n"
        EVENTS_1_2
        "B records[4] (recordId e): neither a CloudWatch Logs payload nor "
        "a {\"message\"} record: found an object with no members\n"
        "P records[3] (recordId d) group=- stream=- owner=- n=1\n"
        "E - 0 [" LINE1 "]\n"
        "= payloads=3 events=5 control=0 bad=1 cut=0 ok");
}

static void
test_http_endpoint(void)
{
    g_autofree char *pl = data_message("g", "s");
    g_autofree char *d = b64gz(pl);
    g_autofree char *ev = g_strdup_printf(
        "{\"requestId\":\"ed4acda5\",\"timestamp\":1578090901599,"
        "\"records\":[{\"data\":\"%s\"}]}", d);
    g_autofree char *t = decode_str(ev);

    g_assert_true(fl_cwl_envelope_sniff((const guint8 *)ev, strlen(ev)));
    g_assert_cmpstr(t, ==,
        "P records[0] group=g stream=s owner=111122223333 n=2\n" EVENTS_1_2
        "= payloads=1 events=2 control=0 bad=0 cut=0 ok");
}

static void
test_gzip_members(void)
{
    g_autofree char *p1 = data_message("g1", "s1");
    g_autofree char *p2 = data_message("g2", "s2");
    g_autofree char *m = direct_record(LINE2);
    const char *parts[] = { p1, CONTROL, "[1,2]", "{}", p2, m };
    GByteArray *all = g_byte_array_new();
    g_autofree char *t = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(parts); i++) {
        g_autoptr(GBytes) z = gz_str(parts[i]);

        g_byte_array_append(all, g_bytes_get_data(z, NULL),
                            (guint)g_bytes_get_size(z));
    }
    t = decode_n(all->data, all->len, 0);
    g_assert_cmpstr(t, ==,
        "P member 1 group=g1 stream=s1 owner=111122223333 n=2\n" EVENTS_1_2
        "B member 3: neither a CloudWatch Logs payload nor a {\"message\"} "
        "record: found a JSON array\n"
        "B member 4: neither a CloudWatch Logs payload nor a {\"message\"} "
        "record: found an object with no members\n"
        "P member 5 group=g2 stream=s2 owner=111122223333 n=2\n" EVENTS_1_2
        "P member 6 group=- stream=- owner=- n=1\n"
        "E - 0 [" LINE2 "]\n"
        "= payloads=3 events=5 control=1 bad=2 cut=0 ok");
    g_byte_array_unref(all);
}

static void
test_gzip_members_damaged(void)
{
    g_autofree char *p1 = data_message("g1", "s1");
    g_autoptr(GBytes) z = gz_str(p1);
    gsize n;
    const guint8 *d = g_bytes_get_data(z, &n);
    GByteArray *all = g_byte_array_new();
    g_autofree char *trunc = NULL, *garbage = NULL;

    /* The second member cut short: the first is out, the call fails. */
    g_byte_array_append(all, d, (guint)n);
    g_byte_array_append(all, d, (guint)n - 9);
    trunc = decode_n(all->data, all->len, 0);
    g_assert_cmpstr(trunc, ==,
        "P member 1 group=g1 stream=s1 owner=111122223333 n=2\n" EVENTS_1_2
        "= payloads=1 events=2 control=0 bad=0 cut=0 "
        "CORRUPT: member 2: unexpected end of gzip data (truncated?)");

    g_byte_array_set_size(all, (guint)n);
    g_byte_array_append(all, (const guint8 *)"\n", 1);
    garbage = decode_n(all->data, all->len, 0);
    g_assert_cmpstr(garbage, ==,
        "P member 1 group=g1 stream=s1 owner=111122223333 n=2\n" EVENTS_1_2
        "= payloads=1 events=2 control=0 bad=0 cut=0 "
        "CORRUPT: member 2: trailing garbage after gzip data");
    g_byte_array_unref(all);
}

static void
test_concatenated_objects(void)
{
    g_autofree char *pl = data_message("g", "s");
    g_autofree char *s = g_strdup_printf(
        "{\"message\":\"" LINE1 "\"}{\"message\":\"" LINE2 "\"}\n"
        "{\"message\":}"
        "{\"message\":\"{\\\"}\\\\\"}"
        "%s"
        "{\"message\":\"" LINE1 "\"}  ", pl);
    g_autofree char *t = decode_str(s);

    /* The bad object is skipped; the payload ends the run. */
    g_assert_cmpstr(t, ==,
        "B object 3: not JSON: (json-glib's words)\n"
        "P object 1 group=- stream=- owner=- n=3\n"
        "E - 0 [" LINE1 "]\n"
        "E - 0 [" LINE2 "]\n"
        "E - 0 [{\"}\\]\n"
        "P object 5 group=g stream=s owner=111122223333 n=2\n" EVENTS_1_2
        "P object 6 group=- stream=- owner=- n=1\n"
        "E - 0 [" LINE1 "]\n"
        "= payloads=3 events=6 control=0 bad=1 cut=0 ok");
}

static void
test_concatenated_broken(void)
{
    g_autofree char *garbage = decode_str(
        "{\"message\":\"a\"} {\"message\":\"b\"} x {\"message\":\"c\"}");
    g_autofree char *cut = decode_str(
        "{\"message\":\"a\"}{\"message\":\"b");

    /* The open run is dropped with the object. */
    g_assert_cmpstr(garbage, ==, "= payloads=0 events=0 control=0 bad=0 "
                    "cut=0 CORRUPT: object 3: not a JSON object");
    g_assert_cmpstr(cut, ==, "= payloads=0 events=0 control=0 bad=0 "
                    "cut=0 CORRUPT: object 2: JSON cut short");
}

static void
test_direct_single(void)
{
    g_autofree char *t = decode_str("{\"message\":\"" LINE1 "\"}");

    g_assert_cmpstr(t, ==, "P - group=- stream=- owner=- n=1\n"
                    "E - 0 [" LINE1 "]\n"
                    "= payloads=1 events=1 control=0 bad=0 cut=0 ok");
}

static void
test_control(void)
{
    g_autoptr(GBytes) z = gz_str(CONTROL);
    g_autofree char *d = b64(z);
    g_autofree char *ev = g_strdup_printf("{\"awslogs\":{\"data\":\"%s\"}}",
                                          d);
    g_autofree char *t1 = decode_str(CONTROL), *t2 = decode_bytes(z);
    g_autofree char *t3 = decode_str(ev);
    const char *expect = "= payloads=0 events=0 control=1 bad=0 cut=0 ok";

    g_assert_cmpstr(t1, ==, expect);
    g_assert_cmpstr(t2, ==, expect);
    g_assert_cmpstr(t3, ==, expect);
}

static void
test_empty_events(void)
{
    g_autofree char *t = decode_str(
        "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"1\",\"logGroup\":"
        "\"g\",\"logStream\":\"s\",\"logEvents\":[]}");
    g_autofree char *minimal = decode_str(
        "{\"logEvents\":[{\"message\":\"x\"},{\"message\":\"y\","
        "\"id\":null,\"timestamp\":null}]}");

    g_assert_cmpstr(t, ==, "P - group=g stream=s owner=1 n=0\n"
                    "= payloads=1 events=0 control=0 bad=0 cut=0 ok");
    g_assert_cmpstr(minimal, ==, "P - group=- stream=- owner=- n=2\n"
                    "E - 0 [x]\nE - 0 [y]\n"
                    "= payloads=1 events=2 control=0 bad=0 cut=0 ok");
}

static void
test_line_breaks(void)
{
    g_autofree char *t = decode_str(
        "{\"logEvents\":["
        "{\"id\":\"1\",\"message\":\"a b\\n\"},"
        "{\"id\":\"2\",\"message\":\"c d\\r\\n\"},"
        "{\"id\":\"3\",\"message\":\"e f\\ng h\"},"
        "{\"id\":\"4\",\"message\":\"\\ni j\"},"
        "{\"id\":\"5\",\"message\":\"k\\u0000l\\nm\"}]}");
    g_autofree char *direct = decode_str(
        "{\"message\":\"x\\r\\ny\"}{\"message\":\"z\\n\"}");

    g_assert_cmpstr(t, ==, "P - group=- stream=- owner=- n=5\n"
                    "E 1 0 [a b]\nE 2 0 [c d]\nE 3 0 [e f]\nE 4 0 []\n"
                    "E 5 0 [k]\n"
                    "= payloads=1 events=5 control=0 bad=0 cut=2 ok");
    g_assert_cmpstr(direct, ==, "P object 1 group=- stream=- owner=- n=2\n"
                    "E - 0 [x]\nE - 0 [z]\n"
                    "= payloads=1 events=2 control=0 bad=0 cut=1 ok");
}

static void
test_long_run(void)
{
    GString *s = g_string_new(NULL);
    g_autofree char *t = NULL;
    g_autofree char *expect = NULL;

    for (guint i = 0; i < FL_CWL_MAX_RUN + 1; i++)
        g_string_append(s, "{\"message\":\"x\"}");
    t = decode_n(s->str, s->len, 0);
    /* Only the ends of the transcript: n= lines. */
    g_assert_true(g_str_has_prefix(t, "P object 1 group=- stream=- owner=- "
                                   "n=4096\n"));
    expect = g_strdup_printf("P object %u group=- stream=- owner=- n=1\n"
                             "E - 0 [x]\n= payloads=2 events=%u control=0 "
                             "bad=0 cut=0 ok", FL_CWL_MAX_RUN + 1,
                             FL_CWL_MAX_RUN + 1);
    g_assert_true(g_str_has_suffix(t, expect));
    g_string_free(s, TRUE);
}

static void
test_callback_stops(void)
{
    g_autofree char *p1 = data_message("g1", "s1");
    g_autofree char *d1 = b64gz(p1);
    g_autofree char *ev = g_strdup_printf(
        "{\"Records\":[{\"kinesis\":{\"data\":\"%s\"}},"
        "{\"kinesis\":{\"data\":\"%s\"}}]}", d1, d1);
    g_autofree char *t = decode_n(ev, strlen(ev), 1);
    g_autofree char *t2 = decode_n(ev, strlen(ev), 2);

    g_assert_cmpstr(t, ==, "= payloads=1 events=2 control=0 bad=0 cut=0 "
                    "EXPORT: collector gone");
    g_assert_cmpstr(t2, ==,
        "P Records[0] group=g1 stream=s1 owner=111122223333 n=2\n" EVENTS_1_2
        "= payloads=2 events=4 control=0 bad=0 cut=0 EXPORT: collector gone");
}

/* ---- bad input ---------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *input;
    const char *expect;         /* the transcript */
} Case;

#define NONE "= payloads=0 events=0 control=0 bad=0 cut=0 "
#define BAD1 "= payloads=0 events=0 control=0 bad=1 cut=0 ok"

static const Case bad_cases[] = {
    { "empty", " \n ", NONE "CORRUPT: an empty envelope" },
    { "text", LINE1, NONE "CORRUPT: not a JSON object" },
    { "array", "[1,2]", NONE "CORRUPT: not a CloudWatch Logs, Kinesis or "
      "Firehose envelope: found a JSON array" },
    { "not-an-event", "{\"foo\":1,\"bar\":[]}", NONE "CORRUPT: not a "
      "CloudWatch Logs, Kinesis or Firehose envelope: found an object with "
      "\"foo\", \"bar\"" },
    { "cut", "{\"awslogs\":{\"data\":\"H4sI", NONE "CORRUPT: JSON cut short" },
    { "garbage-after", "{\"message\":\"a\"}]", NONE "CORRUPT: object 2: not "
      "a JSON object" },
    { "not-json", "{\"message\" \"a\"}", NONE
      "CORRUPT: not JSON: (json-glib's words)" },
    { "awslogs-no-data", "{\"awslogs\":{\"data\":7}}", NONE "CORRUPT: "
      "awslogs has no data string" },
    { "base64-charset", "{\"awslogs\":{\"data\":\"H4sI-AAA\"}}", NONE
      "CORRUPT: awslogs.data: data is not base64" },
    { "base64-length", "{\"awslogs\":{\"data\":\"H4sIAAA\"}}", NONE
      "CORRUPT: awslogs.data: data is not base64" },
    { "base64-inner-pad", "{\"awslogs\":{\"data\":\"H4=IAAAA\"}}", NONE
      "CORRUPT: awslogs.data: data is not base64" },
    { "base64-empty", "{\"awslogs\":{\"data\":\"\"}}", NONE
      "CORRUPT: awslogs.data: data is empty" },
    { "base64-not-json", "{\"awslogs\":{\"data\":\"aGVsbG8=\"}}", NONE
      "CORRUPT: awslogs.data: not a JSON object" },
    { "message-type", "{\"messageType\":\"DATA\",\"logEvents\":[]}", NONE
      "CORRUPT: messageType is neither DATA_MESSAGE nor CONTROL_MESSAGE" },
    { "message-type-type", "{\"messageType\":1,\"logEvents\":[]}", NONE
      "CORRUPT: messageType is not a string" },
    { "no-events", "{\"messageType\":\"DATA_MESSAGE\"}", NONE
      "CORRUPT: logEvents is not an array" },
    { "events-object", "{\"logEvents\":{}}", NONE
      "CORRUPT: logEvents is not an array" },
    { "group-type", "{\"logGroup\":5,\"logEvents\":[]}", NONE
      "CORRUPT: owner, logGroup or logStream is not a string" },
    { "event-not-object", "{\"logEvents\":[{\"message\":\"a\"},[]]}", NONE
      "CORRUPT: logEvents[1] is not an object" },
    { "message-type-number", "{\"logEvents\":[{\"message\":5}]}", NONE
      "CORRUPT: logEvents[0]: message is not a string" },
    { "message-missing", "{\"logEvents\":[{\"id\":\"1\"}]}", NONE
      "CORRUPT: logEvents[0]: message is not a string" },
    { "id-type", "{\"logEvents\":[{\"message\":\"a\",\"id\":1}]}", NONE
      "CORRUPT: logEvents[0]: id is not a string" },
    { "timestamp-string", "{\"logEvents\":[{\"message\":\"a\","
      "\"timestamp\":\"1\"}]}", NONE
      "CORRUPT: logEvents[0]: timestamp is not a whole number" },
    { "timestamp-float", "{\"logEvents\":[{\"message\":\"a\","
      "\"timestamp\":1.5}]}", NONE
      "CORRUPT: logEvents[0]: timestamp is not a whole number" },
    { "direct-type", "{\"message\":[\"a\"]}", NONE
      "CORRUPT: message is not a string" },
    { "records-data-type", "{\"records\":[{\"recordId\":\"x\",\"data\":1}]}",
      "B records[0] (recordId x): no data string\n" BAD1 },
    { "records-base64", "{\"records\":[{\"data\":\"####\"}]}",
      "B records[0]: data is not base64\n" BAD1 },
    { "records-gzip-cut", "{\"records\":[{\"data\":\"H4sIAAAAAAAAAw==\"}]}",
      "B records[0]: unexpected end of gzip data (truncated?)\n" BAD1 },
    { "records-not-payload", "{\"records\":[{\"data\":\"eyJhIjoxfQ==\"}]}",
      "B records[0]: neither a CloudWatch Logs payload nor a {\"message\"} "
      "record: found an object with \"a\"\n" BAD1 },
    { "two-bad-objects", "{\"a\":1} {\"logEvents\":7}{\"message\":\"x\"}",
      "B object 1: neither a CloudWatch Logs payload nor a {\"message\"} "
      "record: found an object with \"a\"\n"
      "B object 2: logEvents is not an array\n"
      "P object 3 group=- stream=- owner=- n=1\nE - 0 [x]\n"
      "= payloads=1 events=1 control=0 bad=2 cut=0 ok" },
    { "records-empty", "{\"records\":[]}",
      "= payloads=0 events=0 control=0 bad=0 cut=0 ok" },
    { "bad-event-among-good", "{\"message\":\"a\"}{\"logEvents\":["
      "{\"message\":\"a\\nb\"},{\"message\":2}]}",
      "P object 1 group=- stream=- owner=- n=1\nE - 0 [a]\n"
      "B object 2: logEvents[1]: message is not a string\n"
      "= payloads=1 events=1 control=0 bad=1 cut=0 ok" },
};

static void
test_bad_case(gconstpointer data)
{
    const Case *c = data;
    g_autofree char *t = decode_str(c->input);

    g_assert_cmpstr(t, ==, c->expect);
}

static void
test_gzip_bad(void)
{
    g_autoptr(GBytes) z = gz_str("this is not JSON");
    g_autoptr(GBytes) zp = NULL;
    g_autofree char *pl = data_message("g", "s");
    g_autofree char *t1 = decode_bytes(z), *t2 = NULL, *t3 = NULL;
    gsize n;
    const guint8 *d;
    GByteArray *corrupt = g_byte_array_new();

    g_assert_cmpstr(t1, ==, NONE "CORRUPT: not a JSON object");

    zp = gz_str(pl);
    d = g_bytes_get_data(zp, &n);
    t2 = decode_n(d, n / 2, 0);
    g_assert_cmpstr(t2, ==, NONE "CORRUPT: member 1: unexpected end of gzip "
                    "data (truncated?)");

    /* A flipped byte in the deflate data or the CRC. */
    g_byte_array_append(corrupt, d, (guint)n);
    corrupt->data[n - 6] ^= 0x55;
    t3 = decode_n(corrupt->data, corrupt->len, 0);
    g_assert_cmpstr(t3, ==, NONE "CORRUPT: member 1: corrupt gzip data: "
                    "incorrect data or length check");
    g_byte_array_unref(corrupt);
}

/* 4 MiB of zeros inflate about 1,030 times their compressed size. */
static GBytes *
bomb(void)
{
    gsize n = 4 * 1024 * 1024;
    g_autofree guint8 *zeros = g_malloc0(n);
    GBytes *z = gz(zeros, n);

    g_assert_cmpuint(g_bytes_get_size(z) * FL_CWL_MAX_RATIO, <, n);
    return z;
}

static void
test_bomb(void)
{
    g_autoptr(GBytes) z = bomb();
    g_autofree char *d = b64(z);
    g_autofree char *pl = data_message("g", "s");
    g_autofree char *dp = b64gz(pl);
    g_autofree char *ev = g_strdup_printf("{\"awslogs\":{\"data\":\"%s\"}}",
                                          d);
    g_autofree char *kin = g_strdup_printf(
        "{\"Records\":[{\"Data\":\"%s\"},{\"Data\":\"%s\"}]}", d, dp);
    g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *e = NULL;

    if (SMALL) {
        /* The payload bound comes first with a small one. */
        e = g_strdup_printf("a payload inflates to more than %u bytes",
                            FL_CWL_MAX_PAYLOAD);
    } else {
        e = g_strdup_printf("gzip data expands more than %u times "
                            "(zip bomb?)", FL_CWL_MAX_RATIO);
    }
    t1 = decode_bytes(z);
    g_assert_cmpstr(strstr(t1, "LIMIT: member 1: "), ==, strstr(t1, "LIMIT"));
    g_assert_nonnull(strstr(t1, e));
    if (!SMALL) {
        t2 = decode_str(ev);
        g_assert_true(g_str_has_prefix(t2, NONE "LIMIT: awslogs.data: "));
        g_assert_nonnull(strstr(t2, e));
    }
    if (!SMALL) {
        g_autofree char *expect = g_strdup_printf(
            "B Records[0]: %s\n"
            "P Records[1] group=g stream=s owner=111122223333 n=2\n"
            EVENTS_1_2 "= payloads=1 events=2 control=0 bad=1 cut=0 ok", e);

        t3 = decode_str(kin);
        g_assert_cmpstr(t3, ==, expect);
    }
}

static void
test_depth(void)
{
    GString *s = g_string_new("{\"logEvents\":");
    g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *ev = NULL, *d = NULL;
    g_autofree char *expect = NULL;

    for (guint i = 0; i < FL_CWL_MAX_DEPTH; i++)
        g_string_append_c(s, '[');
    for (guint i = 0; i < FL_CWL_MAX_DEPTH; i++)
        g_string_append_c(s, ']');
    g_string_append_c(s, '}');
    t1 = decode_n(s->str, s->len, 0);
    expect = g_strdup_printf(NONE "LIMIT: JSON nested more than %u deep",
                             FL_CWL_MAX_DEPTH);
    g_assert_cmpstr(t1, ==, expect);

    /* One level less is parsed (and refused for its shape). */
    g_string_erase(s, strlen("{\"logEvents\":"), 1);
    g_string_erase(s, s->len - 2, 1);
    t2 = decode_n(s->str, s->len, 0);
    g_assert_cmpstr(t2, ==, NONE "CORRUPT: logEvents[0] is not an object");

    /* Too deep inside a record: that record alone. */
    g_string_insert_c(s, strlen("{\"logEvents\":"), '[');
    g_string_insert_c(s, s->len - 1, ']');
    d = g_base64_encode((const guchar *)s->str, s->len);
    ev = g_strdup_printf("{\"records\":[{\"data\":\"%s\"}]}", d);
    t3 = decode_str(ev);
    g_free(expect);
    expect = g_strdup_printf("B records[0]: JSON nested more than %u deep\n"
                             BAD1, FL_CWL_MAX_DEPTH);
    g_assert_cmpstr(t3, ==, expect);
    g_string_free(s, TRUE);
}

/* The input bound is checked before a byte is read. */
static void
test_input_bound(void)
{
    static const char small[] = "{\"message\":\"a\"}";
    g_autofree char *t = decode_n(small, (gsize)FL_CWL_MAX_INPUT + 1, 0);
    g_autofree char *expect = g_strdup_printf(NONE "LIMIT: an envelope of "
                                              "more than %u bytes",
                                              FL_CWL_MAX_INPUT);

    g_assert_cmpstr(t, ==, expect);
}

/* Only with the small bounds: base64 and payloads past them. */
static void
test_small_bounds(void)
{
    GString *s = g_string_new("{\"records\":[{\"recordId\":\"big\",\"data\":\"");
    GString *msg = g_string_new("{\"message\":\"");
    g_autofree char *t1 = NULL, *t2 = NULL, *d = NULL, *ev = NULL;
    g_autofree char *e1 = NULL, *e2 = NULL;

    /* Refused by its length, before decoding: even '#' is not looked at. */
    for (guint i = 0; i < FL_CWL_MAX_PAYLOAD / 3 * 4 + 8; i++)
        g_string_append_c(s, i == 100 ? '#' : 'A');
    g_string_append(s, "\"}]}");
    t1 = decode_n(s->str, s->len, 0);
    e1 = g_strdup_printf("B records[0] (recordId big): data decodes to more "
                         "than %u bytes\n" BAD1, FL_CWL_MAX_PAYLOAD);
    g_assert_cmpstr(t1, ==, e1);

    /* A payload that inflates past the bound, at a modest ratio. */
    for (guint i = 0; msg->len <= FL_CWL_MAX_PAYLOAD; i++)
        g_string_append_printf(msg, "%u ", g_random_int());
    g_string_append(msg, "\"}");
    d = b64gz(msg->str);
    ev = g_strdup_printf("{\"awslogs\":{\"data\":\"%s\"}}", d);
    t2 = decode_str(ev);
    e2 = g_strdup_printf(NONE "LIMIT: awslogs.data: a payload inflates to "
                         "more than %u bytes", FL_CWL_MAX_PAYLOAD);
    g_assert_cmpstr(t2, ==, e2);
    g_string_free(s, TRUE);
    g_string_free(msg, TRUE);
}

/* ---- sniffing ----------------------------------------------------------- */

static void
test_sniff(void)
{
    static const struct {
        const char *s;
        gboolean yes;
    } cases[] = {
        { "{\"awslogs\":{", TRUE },
        { "  {\n \"messageType\":", TRUE },
        { "{\"Records\":[", TRUE },
        { "{\"invocationId\":\"", TRUE },
        { "{\"records\":", TRUE },
        { "{\"requestId\":", TRUE },
        { "{\"owner\":", TRUE },
        { "{\"logGroup\":", TRUE },
        { "{\"message\":\"2 1", TRUE },
        { "\x1f\x8b\x08", TRUE },
        { "{\"messages\":", FALSE },
        { "{\"message", FALSE },
        { "{\"Type\":\"Notification\"", FALSE },
        { "{}", FALSE },
        { "[{\"message\":", FALSE },
        { "version account-id", FALSE },
        { "PAR1", FALSE },
        { "\x1f", FALSE },
        { "", FALSE },
        { "   ", FALSE },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *s = cases[i].s;

        g_assert_true(fl_cwl_envelope_sniff((const guint8 *)s, strlen(s)) ==
                      cases[i].yes);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cwl-envelope/subscription", test_subscription);
    g_test_add_func("/cwl-envelope/bare-payload", test_bare_payload);
    g_test_add_func("/cwl-envelope/kinesis", test_kinesis);
    g_test_add_func("/cwl-envelope/firehose-cwl", test_firehose_cwl);
    g_test_add_func("/cwl-envelope/firehose-direct", test_firehose_direct);
    g_test_add_func("/cwl-envelope/http-endpoint", test_http_endpoint);
    g_test_add_func("/cwl-envelope/gzip-members", test_gzip_members);
    g_test_add_func("/cwl-envelope/gzip-members-damaged",
                    test_gzip_members_damaged);
    g_test_add_func("/cwl-envelope/concatenated", test_concatenated_objects);
    g_test_add_func("/cwl-envelope/concatenated-broken",
                    test_concatenated_broken);
    g_test_add_func("/cwl-envelope/direct-single", test_direct_single);
    g_test_add_func("/cwl-envelope/control", test_control);
    g_test_add_func("/cwl-envelope/empty-events", test_empty_events);
    g_test_add_func("/cwl-envelope/line-breaks", test_line_breaks);
    g_test_add_func("/cwl-envelope/long-run", test_long_run);
    g_test_add_func("/cwl-envelope/callback-stops", test_callback_stops);
    for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/cwl-envelope/bad/%s",
                                                bad_cases[i].name);

        g_test_add_data_func(path, &bad_cases[i], test_bad_case);
    }
    g_test_add_func("/cwl-envelope/gzip-bad", test_gzip_bad);
    g_test_add_func("/cwl-envelope/bomb", test_bomb);
    g_test_add_func("/cwl-envelope/depth", test_depth);
    g_test_add_func("/cwl-envelope/input-bound", test_input_bound);
    if (SMALL)
        g_test_add_func("/cwl-envelope/small-bounds", test_small_bounds);
    g_test_add_func("/cwl-envelope/sniff", test_sniff);
    return g_test_run();
}
