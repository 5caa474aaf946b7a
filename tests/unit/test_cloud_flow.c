/*
 * test_cloud_flow.c - the Google Cloud and OCI flow-log decoders, and the
 * JSON walk under them, table-driven: each case is a document and what
 * must come out of it, records and bad entries in order, as text.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "error.h"
#include "decoders/base64.h"
#include "decoders/gcp_flow.h"
#include "decoders/oci_flow.h"

typedef struct {
    GString *out;
    guint stop_after;           /* 0: never fail */
    guint n;
} Sink;

static gboolean
on_record(const FlCloudRecord *r, gpointer data, GError **err)
{
    Sink *s = data;
    g_autoptr(GString) dump = g_string_new(NULL);

    fl_record_dump(r->rec, dump);
    g_strdelimit(dump->str, "\n", ' ');
    g_string_append_printf(s->out, "[%s%s] %s\n", r->where,
                           r->sampled ? " sampled" : "", dump->str);
    if (s->stop_after && ++s->n == s->stop_after) {
        g_set_error(err, FL_ERROR, FL_ERROR_STOPPED, "stop");
        return FALSE;
    }
    return TRUE;
}

static void
on_bad(const char *where, FlReject reason, const char *why, gpointer data)
{
    Sink *s = data;

    g_string_append_printf(s->out, "BAD [%s] %s: %s\n", where,
                           fl_reject_name(reason), why);
}

/* ---- Google ---- */

#define ENTRY_HEAD "{\"insertId\":\"x\",\"logName\":\"projects/p1/logs/" \
    "compute.googleapis.com%2Fvpc_flows\",\"resource\":{\"type\":" \
    "\"gce_subnetwork\",\"labels\":{\"project_id\":\"p1\",\"location\":" \
    "\"europe-west1\",\"subnetwork_name\":\"sub1\"}},"
#define CONN "\"connection\":{\"src_ip\":\"10.0.0.2\",\"dest_ip\":" \
    "\"10.0.0.3\",\"src_port\":40000,\"dest_port\":443,\"protocol\":6}"
#define TIMES "\"start_time\":\"2024-05-25T12:00:00.123456789Z\"," \
    "\"end_time\":\"2024-05-25T12:00:05.5Z\""
#define SRC_VM "\"src_instance\":{\"project_id\":\"p1\",\"zone\":" \
    "\"europe-west1-b\",\"region\":\"europe-west1\",\"vm_name\":\"web\"}," \
    "\"src_vpc\":{\"project_id\":\"host\",\"vpc_name\":\"prod\"," \
    "\"subnetwork_name\":\"sub1\"}"
#define DEST_VM "\"dest_instance\":{\"project_id\":\"p2\",\"zone\":" \
    "\"europe-west1-c\",\"region\":\"europe-west1\",\"vm_name\":\"db\"}," \
    "\"dest_vpc\":{\"project_id\":\"host\",\"vpc_name\":\"prod\"," \
    "\"subnetwork_name\":\"sub2\"}"
#define PAYLOAD(rep, extra) "\"jsonPayload\":{" CONN ",\"bytes_sent\":" \
    "\"1234\",\"packets_sent\":\"7\"," TIMES ",\"reporter\":\"" rep "\"," \
    SRC_VM "," DEST_VM extra "}"

static const char *src_entry = ENTRY_HEAD PAYLOAD("SRC", "") "}";
static const char *dest_entry = ENTRY_HEAD PAYLOAD("DEST", "") "}";

#define REC_SRC "account-id=p1 interface-id=gcp:p1/europe-west1-b/web " \
    "srcaddr=10.0.0.2 dstaddr=10.0.0.3 srcport=40000 dstport=443 " \
    "protocol=6 packets=7 bytes=1234 start=1716638400123 " \
    "end=1716638405500 log-status=1 vpc-id=gcp:host/prod subnet-id=sub1 " \
    "instance-id=web region=europe-west1 az-id=europe-west1-b " \
    "flow-direction=1 "
#define REC_DEST "account-id=p2 interface-id=gcp:p2/europe-west1-c/db " \
    "srcaddr=10.0.0.2 dstaddr=10.0.0.3 srcport=40000 dstport=443 " \
    "protocol=6 packets=7 bytes=1234 start=1716638400123 " \
    "end=1716638405500 log-status=1 vpc-id=gcp:host/prod subnet-id=sub2 " \
    "instance-id=db region=europe-west1 az-id=europe-west1-c " \
    "flow-direction=0 "

typedef struct {
    const char *name;
    const char *doc;
    FlGcpKeep keep;
    const char *expect;
    gboolean fails;             /* the walk ends in an error */
} GcpCase;

static char *
join(const char *a, const char *b)
{
    return g_strconcat(a, "\n", b, "\n", NULL);
}

static void
run_gcp(const char *doc, FlGcpKeep keep, GString *out, FlGcpCounts *c,
        GError **err)
{
    FlGcpDecoder *d = fl_gcp_decoder_new(keep);
    Sink s = { out, 0, 0 };

    (void)fl_gcp_decoder_decode(d, doc, strlen(doc), on_record, on_bad, &s,
                                c, err);
    fl_gcp_decoder_free(d);
}

static void
test_gcp_both_reporters(void)
{
    g_autofree char *doc = join(src_entry, dest_entry);
    g_autoptr(GString) out = g_string_new(NULL);
    FlGcpCounts c = { 0 };
    GError *err = NULL;

    run_gcp(doc, FL_GCP_KEEP_ALL, out, &c, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out->str, ==, "[line 1 sampled] " REC_SRC "\n"
                    "[line 2 sampled] " REC_DEST "\n");
    g_assert_cmpuint(c.entries, ==, 2);
    g_assert_cmpuint(c.records, ==, 2);
    g_assert_cmpuint(c.bad, ==, 0);
}

static void
test_gcp_keep_one_side(void)
{
    g_autofree char *doc = join(src_entry, dest_entry);
    g_autoptr(GString) out = g_string_new(NULL);
    FlGcpCounts c = { 0 };
    GError *err = NULL;

    run_gcp(doc, FL_GCP_KEEP_DEST, out, &c, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out->str, ==, "[line 2 sampled] " REC_DEST "\n");
    g_assert_cmpuint(c.other_side, ==, 1);
    g_string_truncate(out, 0);
    run_gcp(doc, FL_GCP_KEEP_SRC, out, NULL, &err);
    g_assert_cmpstr(out->str, ==, "[line 1 sampled] " REC_SRC "\n");
}

static void
test_gcp_array(void)
{
    /* gcloud's pretty-printed array: entries named by their first line */
    g_autofree char *doc = g_strdup_printf("[\n  %s,\n  %s\n]\n",
                                           src_entry, dest_entry);
    g_autoptr(GString) out = g_string_new(NULL);
    GError *err = NULL;

    run_gcp(doc, FL_GCP_KEEP_ALL, out, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out->str, ==, "[line 2 sampled] " REC_SRC "\n"
                    "[line 3 sampled] " REC_DEST "\n");
}

static char *
push_body(const char *entry, const char *id)
{
    g_autofree char *b64 = g_base64_encode((const guchar *)entry,
                                           strlen(entry));

    return g_strdup_printf("{\"message\":{\"attributes\":{\"logging."
                           "googleapis.com/timestamp\":\"2024-05-25T12:00:"
                           "06Z\"},\"data\":\"%s\",\"messageId\":\"%s\","
                           "\"publishTime\":\"2024-05-25T12:00:07Z\"},"
                           "\"subscription\":\"projects/p1/subscriptions/"
                           "flows\"}", b64, id);
}

static void
test_gcp_push(void)
{
    g_autofree char *p1 = push_body(src_entry, "101");
    g_autofree char *p2 = push_body("{\"jsonPayload\":[1]", "102");
    g_autofree char *p3 = push_body(dest_entry, "103");
    g_autofree char *doc = g_strconcat(p1, "\n", p2, "\n", p3, "\n", NULL);
    g_autoptr(GString) out = g_string_new(NULL);
    FlGcpCounts c = { 0 };
    GError *err = NULL;

    g_assert_true(fl_gcp_sniff((const guint8 *)p1, 64));
    run_gcp(doc, FL_GCP_KEEP_ALL, out, &c, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out->str, ==,
                    "[line 1, Pub/Sub message 101 (its line 1) sampled] "
                    REC_SRC "\n"
                    "BAD [line 2, Pub/Sub message 102 (its line 1)] value: "
                    "premature EOF\n"
                    "[line 3, Pub/Sub message 103 (its line 1) sampled] "
                    REC_DEST "\n");
    g_assert_cmpuint(c.messages, ==, 3);
    g_assert_cmpuint(c.bad, ==, 1);
}

static const GcpCase gcp_cases[] = {
    { "other-log", "{\"logName\":\"projects/p/logs/syslog\",\"textPayload\""
      ":\"hello\"}\n", 0, "", FALSE },
    { "port-range", ENTRY_HEAD "\"jsonPayload\":{\"connection\":{\"src_ip\""
      ":\"10.0.0.2\",\"dest_ip\":\"10.0.0.3\",\"src_port\":70000,"
      "\"protocol\":17},\"reporter\":\"SRC\"}}\n", 0,
      "BAD [line 1] number: jsonPayload.connection.src_port: out of range\n",
      FALSE },
    { "bytes-object", ENTRY_HEAD "\"jsonPayload\":{" CONN ",\"bytes_sent\":"
      "{\"a\":1},\"packets_sent\":\"1\"," TIMES ",\"reporter\":\"DEST\"}}\n",
      0, "BAD [line 1] number: jsonPayload.bytes_sent: not a number\n",
      FALSE },
    { "bad-reporter", ENTRY_HEAD PAYLOAD("BOTH", "") "}\n", 0,
      "BAD [line 1] value: jsonPayload.reporter: unknown value \"BOTH\"\n",
      FALSE },
    { "bad-time", ENTRY_HEAD "\"jsonPayload\":{" CONN ",\"bytes_sent\":\"1\""
      ",\"packets_sent\":\"1\",\"start_time\":\"yesterday\",\"end_time\":"
      "\"2024-05-25T12:00:00Z\",\"reporter\":\"SRC\"}}\n", 0,
      "BAD [line 1] number: jsonPayload.start_time: not an RFC 3339 time\n",
      FALSE },
    { "no-side", "{\"jsonPayload\":{" CONN ",\"bytes_sent\":\"1\","
      "\"packets_sent\":\"1\"," TIMES ",\"reporter\":\"SRC\"}}\n", 0,
      "BAD [line 1] missing: no src_instance, src_gateway or resource.labels."
      "subnetwork_name names the reporter\n", FALSE },
    { "icmp-ipv6-subnet", "{\"resource\":{\"labels\":{\"project_id\":\"p\","
      "\"location\":\"us-east1\",\"subnetwork_name\":\"s\"}},"
      "\"jsonPayload\":{\"connection\":{\"src_ip\":\"2001:db8::1\","
      "\"dest_ip\":\"2001:db8::2\",\"protocol\":58},\"bytes_sent\":64,"
      "\"packets_sent\":1,\"start_time\":\"2024-05-25T14:00:00+02:00\","
      "\"end_time\":\"2024-05-25T12:00:00Z\",\"reporter\":\"DEST\"}}\n", 0,
      "[line 1 sampled] account-id=p interface-id=gcp:p/us-east1/"
      "subnetworks/s srcaddr=2001:db8::1 dstaddr=2001:db8::2 srcport=0 "
      "dstport=0 protocol=58 packets=1 bytes=64 start=1716638400000 "
      "end=1716638400000 log-status=1 subnet-id=s region=us-east1 "
      "flow-direction=0 \n", FALSE },
    { "cut-last-line", "{\"jsonPayload\":\n", 0,
      "BAD [line 1] value: premature EOF\n", FALSE },
    { "scalar-lines", "42\n\"x\"\n[1]\n", 0,
      "BAD [line 1] value: a number, not an object\n"
      "BAD [line 2] value: a string, not an object\n"
      "BAD [line 3] value: a number, not an object\n", FALSE },
    { "broken-line-then-good", "{\"a\":tru}\n{\"logName\":\"x\"}\n", 0,
      "BAD [line 1] value: invalid string in json text.\n",
      FALSE },
};

static void
test_gcp_case(gconstpointer p)
{
    const GcpCase *t = p;
    g_autoptr(GString) out = g_string_new(NULL);
    GError *err = NULL;

    run_gcp(t->doc, t->keep, out, NULL, &err);
    if (t->fails) {
        g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
        g_clear_error(&err);
    } else {
        g_assert_no_error(err);
    }
    g_assert_cmpstr(out->str, ==, t->expect);
}

/* ---- the walk's bounds ---- */

static void
test_deep_nesting(void)
{
    GString *doc = g_string_new(NULL);
    g_autoptr(GString) out = g_string_new(NULL);
    GError *err = NULL;

    for (guint i = 0; i < 100000; i++)
        g_string_append(doc, "{\"a\":[");
    g_string_append(doc, "\n");
    g_string_append(doc, src_entry);
    run_gcp(doc->str, FL_GCP_KEEP_ALL, out, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out->str, ==, "BAD [line 1] value: nesting deeper "
                    "than 32\n[line 2 sampled] " REC_SRC "\n");
    g_string_free(doc, TRUE);
}

static void
test_huge_array_and_string(void)
{
    /* An array of a million numbers and a 4 MiB string, where nobody
     * asked for them: passed over; a 4 MiB reporter: too long. */
    GString *doc = g_string_new("{\"labels\":[");
    g_autoptr(GString) out = g_string_new(NULL);
    GError *err = NULL;

    for (guint i = 0; i < 1000000; i++)
        g_string_append(doc, i ? ",1" : "1");
    g_string_append(doc, "],\"big\":\"");
    for (guint i = 0; i < 4 * 1024 * 1024; i++)
        g_string_append_c(doc, 'x');
    g_string_append(doc, "\"}\n" ENTRY_HEAD "\"jsonPayload\":{\"reporter\":\"");
    for (guint i = 0; i < 4 * 1024 * 1024; i++)
        g_string_append_c(doc, 'S');
    g_string_append(doc, "\"}}\n");
    run_gcp(doc->str, FL_GCP_KEEP_ALL, out, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(out->str, ==, "BAD [line 2] value: jsonPayload.reporter:"
                    " a string too long\n");
    g_string_free(doc, TRUE);
}

static void
test_truncated_array(void)
{
    g_autofree char *doc = g_strdup_printf("[\n  %s,\n  %s", src_entry,
                                           "{\"jsonPayload\":");
    g_autoptr(GString) out = g_string_new(NULL);
    GError *err = NULL;

    run_gcp(doc, FL_GCP_KEEP_ALL, out, NULL, &err);
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    g_assert_nonnull(strstr(err->message, "line 3"));
    g_clear_error(&err);
    g_assert_cmpstr(out->str, ==, "[line 2 sampled] " REC_SRC "\n");
}

static void
test_stop(void)
{
    g_autofree char *doc = join(src_entry, dest_entry);
    g_autoptr(GString) out = g_string_new(NULL);
    FlGcpDecoder *d = fl_gcp_decoder_new(FL_GCP_KEEP_ALL);
    Sink s = { out, 1, 0 };
    GError *err = NULL;

    g_assert_false(fl_gcp_decoder_decode(d, doc, strlen(doc), on_record,
                                         on_bad, &s, NULL, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_STOPPED);
    g_clear_error(&err);
    g_assert_cmpstr(out->str, ==, "[line 1 sampled] " REC_SRC "\n");
    /* the decoder is good for the next document */
    s.stop_after = 0;
    g_string_truncate(out, 0);
    g_assert_true(fl_gcp_decoder_decode(d, dest_entry, strlen(dest_entry),
                                        on_record, on_bad, &s, NULL, &err));
    g_assert_cmpstr(out->str, ==, "[line 1 sampled] " REC_DEST "\n");
    fl_gcp_decoder_free(d);
}

/* ---- Oracle ---- */

#define OCI_DATA(status, extra) "\"data\":{\"action\":\"ACCEPT\"," \
    "\"bytesOut\":4242,\"destinationAddress\":\"10.1.0.5\"," \
    "\"destinationPort\":22,\"endTime\":1689108150,\"flowid\":\"f1\"," \
    "\"packets\":9,\"protocol\":6,\"protocolName\":\"TCP\"," \
    "\"sourceAddress\":\"203.0.113.9\",\"sourcePort\":60830," \
    "\"startTime\":1689108090,\"status\":\"" status "\",\"version\":\"2\"" \
    extra "}"
#define OCI_ORACLE "\"oracle\":{\"compartmentid\":\"ocid1.compartment.oc1..c\"," \
    "\"tenantid\":\"ocid1.tenancy.oc1..t\",\"vnicocid\":" \
    "\"ocid1.vnic.oc1.phx.v\",\"vnicsubnetocid\":\"ocid1.subnet.oc1.phx.s\"}"
#define OCI_TAIL "\"source\":\"-\",\"specversion\":\"1.0\",\"time\":" \
    "\"2023-07-11T20:41:30.000Z\",\"type\":" \
    "\"com.oraclecloud.vcn.flowlogs.DataEvent\""

#define OCI_REC "account-id=ocid1.tenancy.oc1..t interface-id=oci:ocid1.vnic." \
    "oc1.phx.v srcaddr=203.0.113.9 dstaddr=10.1.0.5 srcport=60830 " \
    "dstport=22 protocol=6 packets=9 bytes=4242 start=1689108090 " \
    "end=1689108150 action=1 log-status=1 vpc-id=oci:ocid1.subnet.oc1.phx.s " \
    "subnet-id=ocid1.subnet.oc1.phx.s "

static void
test_oci(void)
{
    const char *doc =
        "{" OCI_DATA("OK", "") ",\"id\":\"1\"," OCI_ORACLE "," OCI_TAIL "}\n"
        "{\"datetime\":1689108144000,\"logContent\":{" OCI_DATA("OK", "")
        "," OCI_ORACLE "," OCI_TAIL "}}\n"
        "{\"data\":{\"status\":\"NODATA\",\"startTime\":1,\"endTime\":2},"
        OCI_ORACLE "}\n"
        "{\"data\":{\"status\":\"SKIPDATA\"}," OCI_ORACLE "}\n"
        "{" OCI_DATA("OK", ",\"sourcePort\":\"x\"") "," OCI_ORACLE "}\n"
        "{\"data\":{\"status\":\"OK\",\"action\":\"DROP\"}," OCI_ORACLE "}\n"
        "{\"data\":{\"status\":\"OK\"}}\n"
        "{\"something\":\"else\"}\n";
    g_autoptr(GString) out = g_string_new(NULL);
    FlOciDecoder *d = fl_oci_decoder_new();
    Sink s = { out, 0, 0 };
    FlOciCounts c = { 0 };
    GError *err = NULL;

    g_assert_true(fl_oci_sniff((const guint8 *)doc, 64));
    g_assert_true(fl_oci_decoder_decode(d, doc, strlen(doc), on_record,
                                        on_bad, &s, &c, &err));
    g_assert_cmpstr(out->str, ==,
        "[line 1] " OCI_REC "\n"
        "[line 2] " OCI_REC "\n"
        "[line 3] account-id=ocid1.tenancy.oc1..t interface-id=oci:ocid1."
        "vnic.oc1.phx.v log-status=2 vpc-id=oci:ocid1.subnet.oc1.phx.s "
        "subnet-id=ocid1.subnet.oc1.phx.s \n"
        "[line 4] account-id=ocid1.tenancy.oc1..t interface-id=oci:ocid1."
        "vnic.oc1.phx.v log-status=3 vpc-id=oci:ocid1.subnet.oc1.phx.s "
        "subnet-id=ocid1.subnet.oc1.phx.s \n"
        "BAD [line 5] number: data.sourcePort: not a whole number in range\n"
        "BAD [line 6] value: data.action: unknown value \"DROP\"\n"
        "BAD [line 7] missing: vnicocid: missing\n");
    g_assert_cmpuint(c.events, ==, 7);
    g_assert_cmpuint(c.records, ==, 4);
    g_assert_cmpuint(c.bad, ==, 3);
    g_assert_cmpuint(c.other, ==, 1);
    fl_oci_decoder_free(d);
}

static void
test_sniff(void)
{
    static const struct { const char *s; gboolean gcp, oci; } t[] = {
        { "{\"insertId\":\"1\"", TRUE, FALSE },
        { "[\n  {\n    \"insertId\": \"1\"", TRUE, FALSE },
        { "{\"message\":{\"data\":\"", TRUE, FALSE },
        { "{\"message\":\"2 123 eni-1", FALSE, FALSE },
        { "{\"subscription\":\"projects/", TRUE, FALSE },
        { "{\"data\":{\"action\":", FALSE, TRUE },
        { "{\"datetime\":1,", FALSE, TRUE },
        { "2 123456789010 eni-1235b8ca", FALSE, FALSE },
        { "{\"messageType\":\"DATA_MESSAGE\"", FALSE, FALSE },
    };

    for (guint i = 0; i < G_N_ELEMENTS(t); i++) {
        gsize n = strlen(t[i].s);

        g_assert_cmpint(fl_gcp_sniff((const guint8 *)t[i].s, n), ==,
                        t[i].gcp);
        g_assert_cmpint(fl_oci_sniff((const guint8 *)t[i].s, n), ==,
                        t[i].oci);
    }
}

/* RFC 3339 times, fixed-layout fast path and general parser alike, against
 * GLib's own calendar: random fields, some out of range, some offsets. */
static void
test_rfc3339(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(3339);
    guint ok = 0;

    for (guint i = 0; i < 200000; i++) {
        int y = g_rand_int_range(r, 1960, 2110);
        int mo = g_rand_int_range(r, 0, 14), d = g_rand_int_range(r, 0, 33);
        int h = g_rand_int_range(r, 0, 25), mi = g_rand_int_range(r, 0, 61);
        int sec = g_rand_int_range(r, 0, 60);
        guint nfrac = g_rand_int_range(r, 0, 10), ms = 0, k;
        int off = g_rand_int_range(r, 0, 4) == 0
                  ? g_rand_int_range(r, -14 * 60, 14 * 60 + 1) : 0;
        g_autoptr(GString) s = g_string_new(NULL);
        g_autoptr(GDateTime) dt = g_date_time_new_utc(y, mo, d, h, mi, sec);
        gboolean want = dt != NULL;
        gint64 want_ms = 0;
        guint64 got = 0;

        g_string_printf(s, "%04d-%02d-%02d%c%02d:%02d:%02d", y, mo, d,
                        i % 7 ? 'T' : 't', h, mi, sec);
        if (nfrac)
            g_string_append_c(s, '.');
        for (k = 0; k < nfrac; k++) {
            guint digit = (guint)g_rand_int_range(r, 0, 10);

            g_string_append_c(s, (char)('0' + digit));
            if (k < 3)
                ms = ms * 10 + digit;
        }
        for (k = nfrac; k < 3; k++)
            ms *= 10;
        if (off == 0 && i % 3)
            g_string_append_c(s, i % 5 ? 'Z' : 'z');
        else
            g_string_append_printf(s, "%c%02d:%02d", off < 0 ? '-' : '+',
                                   ABS(off) / 60, ABS(off) % 60);
        if (want) {
            want_ms = (g_date_time_to_unix(dt) - off * 60) * 1000 + ms;
            want = want_ms >= 0;
        }
        g_assert_cmpint(fl_cj_rfc3339_ms(s->str, s->len, &got), ==, want);
        if (want) {
            g_assert_cmpuint(got, ==, (guint64)want_ms);
            ok++;
        }
    }
    g_test_message("%u valid times of 200000", ok);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cloud/gcp/both-reporters", test_gcp_both_reporters);
    g_test_add_func("/cloud/gcp/keep-one-side", test_gcp_keep_one_side);
    g_test_add_func("/cloud/gcp/array", test_gcp_array);
    g_test_add_func("/cloud/gcp/push", test_gcp_push);
    for (guint i = 0; i < G_N_ELEMENTS(gcp_cases); i++) {
        g_autofree char *path = g_strdup_printf("/cloud/gcp/%s",
                                                gcp_cases[i].name);
        g_test_add_data_func(path, &gcp_cases[i], test_gcp_case);
    }
    g_test_add_func("/cloud/walk/deep-nesting", test_deep_nesting);
    g_test_add_func("/cloud/walk/huge-array-and-string",
                    test_huge_array_and_string);
    g_test_add_func("/cloud/walk/truncated-array", test_truncated_array);
    g_test_add_func("/cloud/walk/stop", test_stop);
    g_test_add_func("/cloud/oci/events", test_oci);
    g_test_add_func("/cloud/sniff", test_sniff);
    g_test_add_func("/cloud/rfc3339", test_rfc3339);
    return g_test_run();
}
