/*
 * test_azure_flow.c - unit tests for azure_flow.c and azure_tuple.c:
 * documents of both shapes built here, each decode written as a
 * transcript (one line per record or bad tuple) and compared as text;
 * hostile documents refused with a message that names the place.
 */
#include "config.h"

#include <string.h>
#include <arpa/inet.h>

#include <glib.h>

#include "error.h"
#include "decoders/azure_flow.h"

#define VNET_ID "/subscriptions/0000-11/resourceGroups/rg1/providers/" \
                "Microsoft.Network/virtualNetworks/vnet1"

static void
addr(GString *t, const FlAddr *a)
{
    char b[INET6_ADDRSTRLEN];

    inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes, b, sizeof b);
    g_string_append(t, b);
}

static void
str(GString *t, const FlRecord *r, FlField f)
{
    if (fl_record_has(r, f))
        g_string_append_len(t, r->v[f].s.ptr, r->v[f].s.len);
    else
        g_string_append_c(t, '-');
}

static gboolean
on_record(const FlRecord *r, const FlAzureWhere *w, gpointer data,
          GError **err)
{
    GString *t = data;

    (void)err;
    g_string_append_printf(t, "%u.%u.%u.%u ", w->record, w->flow, w->group,
                           w->tuple);
    addr(t, &r->v[FL_F_SRCADDR].a);
    g_string_append_printf(t, ":%" G_GUINT64_FORMAT ">", r->v[FL_F_SRCPORT].u);
    addr(t, &r->v[FL_F_DSTADDR].a);
    g_string_append_printf(t, ":%" G_GUINT64_FORMAT " p%" G_GUINT64_FORMAT
                           " %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                           " %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                           " %s %s ", r->v[FL_F_DSTPORT].u,
                           r->v[FL_F_PROTOCOL].u, r->v[FL_F_PACKETS].u,
                           r->v[FL_F_BYTES].u, r->v[FL_F_START].u,
                           r->v[FL_F_END].u,
                           r->v[FL_F_ACTION].u == FL_ACTION_ACCEPT ? "A" : "R",
                           r->v[FL_F_FLOW_DIRECTION].u == FL_DIR_INGRESS
                           ? "in" : "out");
    if (fl_record_has(r, FL_F_FLOW_END_REASON))
        g_string_append_printf(t, "end%" G_GUINT64_FORMAT " ",
                               r->v[FL_F_FLOW_END_REASON].u);
    str(t, r, FL_F_INTERFACE_ID);
    g_string_append_c(t, ' ');
    str(t, r, FL_F_VPC_ID);
    g_string_append_c(t, ' ');
    str(t, r, FL_F_ACCOUNT_ID);
    g_string_append_c(t, ' ');
    str(t, r, FL_F_ACL_ID);
    g_string_append_c(t, ' ');
    str(t, r, FL_F_RULE);
    g_string_append_c(t, '\n');
    return TRUE;
}

static void
on_bad(const FlAzureWhere *w, FlReject reason, const char *why,
       gpointer data)
{
    GString *t = data;
    char where[96];

    fl_azure_where_format(w, where, sizeof where);
    g_string_append_printf(t, "bad %s: %s (%s)\n", where, why,
                           fl_reject_name(reason));
}

/* The transcript of a decode, or "error: MESSAGE". */
static char *
run(const char *doc, FlAzureCounts *n)
{
    FlAzureDecoder *d = fl_azure_decoder_new(NULL);
    GString *t = g_string_new(NULL);
    GError *err = NULL;

    if (!fl_azure_decode(d, (const guint8 *)doc, strlen(doc), on_record,
                         on_bad, t, n, &err)) {
        g_string_append_printf(t, "error: %s\n", err->message);
        g_error_free(err);
    }
    fl_azure_decoder_free(d);
    return g_string_free(t, FALSE);
}

static char *
vnet_doc(const char *tuples)
{
    return g_strdup_printf(
        "{\"records\":[{\"time\":\"2024-05-25T12:00:00Z\",\"flowLogVersion\":4,"
        "\"macAddress\":\"00-22-48-71-c2-05\",\"category\":\"FlowLogFlowEvent\","
        "\"targetResourceID\":\"" VNET_ID "\",\"flowRecords\":{\"flows\":["
        "{\"aclID\":\"acl-9\",\"flowGroups\":[{\"rule\":\"AllowWeb\","
        "\"flowTuples\":[%s]}]}]}}]}", tuples);
}

#define IFACE "azure:002248" "71C205"
#define CTX IFACE " azure:" VNET_ID " 0000-11 acl-9 AllowWeb\n"

static void
test_vnet_sequence(void)
{
    g_autofree char *doc = vnet_doc(
        "\"1716638400000,10.0.0.4,10.0.1.5,49731,443,6,O,B,NX,,,,\","
        "\"1716638460000,10.0.0.4,10.0.1.5,49731,443,6,O,C,NX,12,3981,10,9000\","
        "\"1716638520000,10.0.0.4,10.0.1.5,49731,443,6,O,E,NX,2,120,0,0\"");
    FlAzureCounts n = { 0 };
    g_autofree char *got = run(doc, &n);

    g_assert_cmpstr(got, ==,
        "1.1.1.2 10.0.0.4:49731>10.0.1.5:443 p6 12/3981 "
        "1716638400000-1716638460000 A out end2 " CTX
        "1.1.1.2 10.0.1.5:443>10.0.0.4:49731 p6 10/9000 "
        "1716638400000-1716638460000 A in end2 " CTX
        "1.1.1.3 10.0.0.4:49731>10.0.1.5:443 p6 2/120 "
        "1716638460000-1716638520000 A out end3 " CTX);
    g_assert_cmpuint(n.records, ==, 1);
    g_assert_cmpuint(n.tuples, ==, 3);
    g_assert_cmpuint(n.begins, ==, 1);
    g_assert_cmpuint(n.out, ==, 3);
}

static void
test_vnet_seconds_and_zero(void)
{
    /* Seconds become milliseconds; an end with no traffic either way
     * still goes out once (the end must be seen). */
    g_autofree char *doc = vnet_doc(
        "\"1716638520,10.0.0.4,10.0.1.5,1,2,17,I,E,X,0,0,0,0\"");
    g_autofree char *got = run(doc, NULL);

    g_assert_cmpstr(got, ==,
        "1.1.1.1 10.0.0.4:1>10.0.1.5:2 p17 0/0 1716638520000-1716638520000 "
        "A in end3 " CTX);
}

static void
test_vnet_deny_ipv6(void)
{
    g_autofree char *doc = vnet_doc(
        "\"1716638400123,2001:db8::1,2001:db8::2,5000,22,6,I,D,NX,1,60,0,0\","
        "\"1716638400124,2001:db8::1,2001:db8::2,5001,22,6,I,D,NX,,,,\"");
    g_autofree char *got = run(doc, NULL);

    g_assert_cmpstr(got, ==,
        "1.1.1.1 2001:db8::1:5000>2001:db8::2:22 p6 1/60 "
        "1716638400123-1716638400123 R in " CTX
        "1.1.1.2 2001:db8::1:5001>2001:db8::2:22 p6 0/0 "
        "1716638400124-1716638400124 R in " CTX);
}

static void
test_vnet_bad_tuples(void)
{
    /* Each bad tuple is named and skipped; the good one goes through. */
    g_autofree char *doc = vnet_doc(
        "\"1716638460000,10.0.0.4,10.0.1.5,1,2,6,O,C,NX,,,,\","
        "\"1716638460000,10.0.0.4,10.0.1.5,1,2,6,O,C\","
        "\"x,10.0.0.4,10.0.1.5,1,2,6,O,C,NX,1,1,1,1\","
        "\"1716638460000,10.0.0.256,10.0.1.5,1,2,6,O,C,NX,1,1,1,1\","
        "\"1716638460000,10.0.0.4,::1,1,2,6,O,C,NX,1,1,1,1\","
        "\"1716638460000,10.0.0.4,10.0.1.5,70000,2,6,O,C,NX,1,1,1,1\","
        "\"1716638460000,10.0.0.4,10.0.1.5,1,2,X,O,C,NX,1,1,1,1\","
        "\"1716638460000,10.0.0.4,10.0.1.5,1,2,6,Q,C,NX,1,1,1,1\","
        "\"1716638460000,10.0.0.4,10.0.1.5,1,2,6,O,Z,NX,1,1,1,1\","
        "\"1716638460000,10.0.0.4,10.0.1.5,1,2,6,O,C,NX,1,-1,1,1\","
        "\"1716638460000,10.0.0.4,10.0.1.5,1,2,6,O,C,NX,1,2,0,0\"");
    FlAzureCounts n = { 0 };
    g_autofree char *got = run(doc, &n);

    g_assert_cmpstr(got, ==,
        "bad record 1 flow 1 group 1 tuple 1: counters of a C (continuing) "
        "tuple (missing)\n"
        "bad record 1 flow 1 group 1 tuple 2: not 13 fields (field-count)\n"
        "bad record 1 flow 1 group 1 tuple 3: time (number)\n"
        "bad record 1 flow 1 group 1 tuple 4: source address (address)\n"
        "bad record 1 flow 1 group 1 tuple 5: addresses of two families "
        "(address)\n"
        "bad record 1 flow 1 group 1 tuple 6: port (number)\n"
        "bad record 1 flow 1 group 1 tuple 7: protocol (value)\n"
        "bad record 1 flow 1 group 1 tuple 8: direction (not I or O) "
        "(value)\n"
        "bad record 1 flow 1 group 1 tuple 9: state (not B, C, E or D) "
        "(value)\n"
        "bad record 1 flow 1 group 1 tuple 10: counters (number)\n"
        "1.1.1.11 10.0.0.4:1>10.0.1.5:2 p6 1/2 1716638460000-1716638460000 "
        "A out end2 " CTX);
    g_assert_cmpuint(n.bad, ==, 10);
}

#define NSG_ID "/SUBSCRIPTIONS/AAAA/RESOURCEGROUPS/RG/PROVIDERS/" \
               "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG1"

static void
test_nsg_v2_and_v1(void)
{
    const char *doc =
        "{\"records\":[{\"time\":\"2018-11-13T12:00:35.3899262Z\","
        "\"systemId\":\"a0fca5ce\",\"category\":\"NetworkSecurityGroupFlowEvent\","
        "\"resourceId\":\"" NSG_ID "\",\"operationName\":\"NetworkSecurityGroupFlowEvents\","
        "\"properties\":{\"Version\":2,\"flows\":[{\"rule\":\"DefaultRule_DenyAllInBound\","
        "\"flows\":[{\"mac\":\"000D3AF87856\",\"flowTuples\":["
        "\"1542110377,13.67.143.118,10.0.0.4,44931,443,T,I,D,B,,,,\"]}]},"
        "{\"flows\":[{\"flowTuples\":[\"1542110402,10.0.0.4,13.67.143.117,"
        "44931,443,U,O,A,C,37,2260,41,2502\",\"1542110403,10.0.0.4,"
        "13.67.143.117,44932,443,T,O,A\"],\"mac\":\"000d3af87856\"}],"
        "\"rule\":\"DefaultRule_AllowInternetOutBound\"}]}}]}";
    g_autofree char *got = run(doc, NULL);

    g_assert_cmpstr(got, ==,
        "1.1.1.1 13.67.143.118:44931>10.0.0.4:443 p6 0/0 "
        "1542110377000-1542110377000 R in azure:000D3AF87856 - AAAA - "
        "DefaultRule_DenyAllInBound\n"
        "1.2.2.1 10.0.0.4:44931>13.67.143.117:443 p17 37/2260 "
        "1542110402000-1542110402000 A out end2 azure:000D3AF87856 - AAAA - "
        "DefaultRule_AllowInternetOutBound\n"
        "1.2.2.1 13.67.143.117:443>10.0.0.4:44931 p17 41/2502 "
        "1542110402000-1542110402000 A in end2 azure:000D3AF87856 - AAAA - "
        "DefaultRule_AllowInternetOutBound\n"
        "1.2.2.2 10.0.0.4:44932>13.67.143.117:443 p6 0/0 "
        "1542110403000-1542110403000 A out azure:000D3AF87856 - AAAA - "
        "DefaultRule_AllowInternetOutBound\n");
}

static void
test_members_any_order(void)
{
    /* Context after the tuples, escapes in strings, unknown members of
     * every type skipped. */
    const char *doc =
        "{\"x\":[1,{\"y\":null}],\"records\":[{\"flowRecords\":{\"flows\":[{"
        "\"flowGroups\":[{\"flowTuples\":[\"1716638400000,10.0.0.4,10.0.1.5,"
        "1,2,6,O,D,NX,0,0,0,0\"],\"rule\":\"R\\u0031\"}],\"aclID\":\"A\"}],"
        "\"z\":true},\"macAddress\":\"aa\\u002dbb\",\"targetResourceID\":"
        "\"/subscriptions/S/virtualNetworks/v/subnets/s1\"}]}";
    g_autofree char *got = run(doc, NULL);

    g_assert_cmpstr(got, ==,
        "1.1.1.1 10.0.0.4:1>10.0.1.5:2 p6 0/0 1716638400000-1716638400000 "
        "R out azure:AABB azure:/subscriptions/S/virtualNetworks/v S A R1\n");
}

static void
test_refused(gconstpointer data)
{
    const char *const *c = data;
    g_autofree char *got = run(c[0], NULL);

    g_assert_cmpstr(got, ==, c[1]);
}

static const char *const refused[][2] = {
    { "", "error: not JSON: parse error: premature EOF (at byte 0)\n" },
    { "{\"records\":[}", "error: not JSON: parse error: unallowed token at "
      "this point in JSON text (at byte 13)\n" },
    { "[]", "error: the document is an array, not an object\n" },
    { "{}", "error: no \"records\" array: not an Azure flow log document\n" },
    { "{\"records\":{}}", "error: \"records\" is an object, not an array\n" },
    { "{\"records\":[1]}", "error: a records element is a number, not an "
      "object\n" },
    { "{\"records\":[{\"flowRecords\":{\"flows\":[{\"flowGroups\":[{"
      "\"flowTuples\":[7]}]}]}}]}",
      "error: record 1: a flowTuples element is a number, not a string\n" },
    { "{\"records\":[{\"flowRecords\":{\"flows\":[{\"flowGroups\":[{"
      "\"flowTuples\":\"x\"}]}]}}]}",
      "error: record 1: \"flowTuples\" is a string, not an array\n" },
    { "{\"records\":[{\"macAddress\":5}]}",
      "error: record 1: \"macAddress\" is a number, not a string\n" },
    { "{\"records\":[{\"flowRecords\":{},\"properties\":{}}]}",
      "error: record 1: more than one of flowRecords and properties\n" },
    { "{\"records\":[{\"x\":[[[[[[[[[[[]]]]]]]]]]]}]}",
      "error: record 1: nested deeper than 12\n" },
    { "{\"records\":[{\"flowRecords\":{\"flows\":[{\"flowGroups\":[{"
      "\"flowTuples\":[\"1,1.1.1.1,1.1.1.1,1,1,6,O,B,NX,,,,\"]}]}]}}]",
      "bad record 1 flow 1 group 1 tuple 1: no MAC address for the "
      "interface (missing)\n"
      "error: not JSON: parse error: premature EOF (at byte 111)\n" },
};

static void
test_big_string(void)
{
    GString *doc = g_string_new("{\"records\":[{\"macAddress\":\"");
    g_autofree char *got = NULL;

    for (int i = 0; i <= FL_AZURE_MAX_STRING; i++)
        g_string_append_c(doc, 'a');
    g_string_append(doc, "\"}]}");
    got = run(doc->str, NULL);
    g_assert_cmpstr(got, ==, "error: record 1: a string of more than 65536 "
                    "bytes\n");
    g_string_free(doc, TRUE);
}

static gboolean
refuse(const FlRecord *r, const FlAzureWhere *w, gpointer data, GError **err)
{
    (void)r;
    (void)w;
    (*(guint *)data)++;
    g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "output failed");
    return FALSE;
}

static void
test_stop(void)
{
    /* A failing callback stops the decoding with its error. */
    g_autofree char *doc = vnet_doc(
        "\"1716638400000,10.0.0.4,10.0.1.5,1,2,6,O,D,NX,0,0,0,0\","
        "\"1716638400000,10.0.0.4,10.0.1.5,1,3,6,O,D,NX,0,0,0,0\"");
    FlAzureDecoder *d = fl_azure_decoder_new(NULL);
    GError *err = NULL;
    guint calls = 0;

    g_assert_false(fl_azure_decode(d, (const guint8 *)doc, strlen(doc),
                                   refuse, NULL, &calls, NULL, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_EXPORT);
    g_assert_cmpuint(calls, ==, 1);
    g_clear_error(&err);
    fl_azure_decoder_free(d);
}

static void
test_sniff(void)
{
    static const struct { const char *s; gboolean yes; } c[] = {
        { "{\"records\":[{\"time\":\"2024", TRUE },
        { "{\r\n  \"records\": [\r\n    {\r\n      \"time\": \"", TRUE },
        { "{\"records\":[{\"category\":\"N", TRUE },
        { "{\"records\":[]}", TRUE },
        { "{\"records\":[{\"recordId\":\"1\",\"data\":\"", FALSE },
        { "{\"Records\":[{\"time\":", FALSE },
        { "{\"records\":[{\"ti", FALSE },
        { "2 123456789012 eni-1 10.0.0.1", FALSE },
        { "", FALSE },
    };

    for (guint i = 0; i < G_N_ELEMENTS(c); i++)
        g_assert_cmpint(fl_azure_sniff((const guint8 *)c[i].s,
                                       strlen(c[i].s)), ==, c[i].yes);
}

static void
test_format(void)
{
    FlFormat *f = fl_azure_format_new();

    g_assert_true(fl_format_has(f, FL_F_FLOW_END_REASON));
    g_assert_true(fl_format_has(f, FL_F_INTERFACE_ID));
    g_assert_true(fl_format_has(f, FL_F_VPC_ID));
    fl_format_unref(f);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/azure/vnet/b-c-e", test_vnet_sequence);
    g_test_add_func("/azure/vnet/seconds-and-zero", test_vnet_seconds_and_zero);
    g_test_add_func("/azure/vnet/deny-ipv6", test_vnet_deny_ipv6);
    g_test_add_func("/azure/vnet/bad-tuples", test_vnet_bad_tuples);
    g_test_add_func("/azure/nsg/v2-and-v1", test_nsg_v2_and_v1);
    g_test_add_func("/azure/members-any-order", test_members_any_order);
    for (guint i = 0; i < G_N_ELEMENTS(refused); i++) {
        g_autofree char *name = g_strdup_printf("/azure/refused/%u", i);

        g_test_add_data_func(name, refused[i], test_refused);
    }
    g_test_add_func("/azure/refused/big-string", test_big_string);
    g_test_add_func("/azure/stop", test_stop);
    g_test_add_func("/azure/sniff", test_sniff);
    g_test_add_func("/azure/format", test_format);
    return g_test_run();
}
