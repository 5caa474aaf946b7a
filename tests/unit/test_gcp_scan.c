/*
 * test_gcp_scan.c - the fast scanner (cloud_json_scan.c) against yajl
 * alone, over a generated corpus: Google entries of the shapes Cloud
 * Logging writes, then the same with edits where the two could part
 * (escapes in kept and skipped strings and in keys, UTF-8, control bytes,
 * spaces, numbers of every JSON form and some that are not, literals,
 * nesting, two values on a line, truncation, values spread over lines,
 * Pub/Sub push bodies around them).  Each document goes through
 * fuzz_gcp_flow.c's target, which decodes it both ways and aborts when
 * the records, bad entries, counts or results differ.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const entries[] = {
    "{\"insertId\":\"0001\",\"jsonPayload\":{\"connection\":{\"src_ip\":"
    "\"10.2.4.20\",\"dest_ip\":\"10.2.42.35\",\"src_port\":60480,"
    "\"dest_port\":22,\"protocol\":6},\"bytes_sent\":\"43466\","
    "\"packets_sent\":\"31\",\"start_time\":"
    "\"2024-05-25T12:08:40.123456789Z\","
    "\"end_time\":\"2024-05-25T12:09:35.123456789Z\",\"reporter\":\"SRC\","
    "\"rtt_msec\":\"3\",\"src_instance\":{\"project_id\":\"proj-1\",\"zone\":"
    "\"europe-west1-b\",\"region\":\"europe-west1\",\"vm_name\":\"vm-1\"},"
    "\"src_vpc\":{\"project_id\":\"host\",\"vpc_name\":\"prod\","
    "\"subnetwork_name\":\"sub-0c\"}},\"logName\":\"projects/host/logs/"
    "compute.googleapis.com%2Fvpc_flows\",\"receiveTimestamp\":"
    "\"2024-05-25T12:09:35.123456789Z\",\"resource\":{\"labels\":"
    "{\"location\":\"europe-west1-b\",\"project_id\":\"host\","
    "\"subnetwork_id\":\"1234567890\",\"subnetwork_name\":\"sub-0c\"},"
    "\"type\":\"gce_subnetwork\"},\"timestamp\":"
    "\"2024-05-25T12:09:35.123456789Z\"}",
    "{\"jsonPayload\":{\"reporter\":\"DEST\",\"connection\":{\"src_ip\":"
    "\"2001:db8::1\",\"dest_ip\":\"2001:db8::2\",\"protocol\":58},"
    "\"bytes_sent\":120,\"packets_sent\":2,\"start_time\":"
    "\"2024-05-25T12:00:00Z\",\"end_time\":\"2024-05-25T12:00:05.5+01:00\","
    "\"dest_gateway\":{\"type\":\"VPN_TUNNEL\",\"name\":\"tun-1\","
    "\"project_id\":\"p\",\"location\":\"us-east1\",\"vpc\":{\"vpc_name\":"
    "\"v\"}},\"src_location\":{\"country\":\"usa\",\"asn\":15169},"
    "\"flags\":[1,2.5,-3e2,true,false,null,[],{}]},\"severity\":null}",
    "{\"logName\":\"projects/p/logs/other\",\"textPayload\":\"hello\"}",
    "{\"jsonPayload\":{\"reporter\":\"SRC\",\"connection\":{\"src_ip\":"
    "\"10.0.0.1\"}},\"resource\":{\"labels\":{\"subnetwork_name\":\"s\"}}}",
};

/* Bytes an edit puts in: where the fast path must step aside or agree. */
static const char *const pieces[] = {
    "\\\"", "\\\\", "\\/", "\\n", "\\u0041", "\\u00e9", "\\ud83d\\ude00",
    "\\x", "\\u12", "\xc3\xa9", "\xe2\x82\xac", "\xff", "\x01", "\t", " ",
    "\r", "\n", "\v", "\f", "0", "-0", "01", "1.", ".5", "1e", "1E+2",
    "-", "true", "tru", "null", "nul", "false", "[", "]", "{", "}", ",",
    ":", "\"", "{}", "[]", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
    "{}}}}}}}}}}",
    "\"src_ip\":\"10.9.9.9\",", "\"reporter\":\"DEST\",",
    "\"rep\\u006frter\":",
    "\"bytes_sent\":\"1\\u0030\",", "\"vm_name\":\"a\\tb\",",
};

/* One random edit of s: a piece in, a stretch out, or a cut. */
static void
mutate(GRand *r, GString *s)
{
    guint at = g_rand_int_range(r, 0, (gint32)s->len + 1);
    guint n = g_rand_int_range(r, 1, 6);

    switch (g_rand_int_range(r, 0, 4)) {
    case 0:
    case 1:
        g_string_insert(s, at, pieces[g_rand_int_range(
                                          r, 0, G_N_ELEMENTS(pieces))]);
        break;
    case 2:
        g_string_erase(s, at, MIN(n, s->len - at));
        break;
    default:
        if (at < s->len)
            s->str[at] = "{}[],:\"\\ 0a"[g_rand_int_range(r, 0, 11)];
        break;
    }
}

/* The document as the target takes it: the first byte says how. */
static void
check(guint8 mode, const GString *doc)
{
    g_autofree guint8 *in = g_malloc(doc->len + 1);

    in[0] = mode;
    memcpy(in + 1, doc->str, doc->len);
    LLVMFuzzerTestOneInput(in, doc->len + 1);
}

static void
test_plain(void)
{
    /* Unedited: the fast path's own cases, one a line and many. */
    g_autoptr(GString) doc = g_string_new(NULL);

    for (guint i = 0; i < G_N_ELEMENTS(entries); i++) {
        g_autoptr(GString) one = g_string_new(entries[i]);

        for (guint8 mode = 0; mode < 4; mode++)
            check(mode, one);
        g_string_append(doc, entries[i]);
        g_string_append_c(doc, '\n');
    }
    for (guint8 mode = 0; mode < 4; mode++)
        check(mode, doc);
}

static void
test_edited(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(20);
    guint n = 0;

    for (guint round = 0; round < 20000; round++) {
        g_autoptr(GString) doc = g_string_new(NULL);
        guint lines = g_rand_int_range(r, 1, 4);

        for (guint l = 0; l < lines; l++) {
            g_autoptr(GString) e = g_string_new(
                entries[g_rand_int_range(r, 0, G_N_ELEMENTS(entries))]);
            guint edits = g_rand_int_range(r, 0, 4);

            for (guint k = 0; k < edits; k++)
                mutate(r, e);
            g_string_append_len(doc, e->str, (gssize)e->len);
            if (g_rand_boolean(r) || l + 1 < lines)
                g_string_append_c(doc, '\n');
        }
        check((guint8)g_rand_int_range(r, 0, 4), doc);
        n++;
    }
    g_test_message("%u edited documents decoded both ways", n);
}

static void
test_layout(void)
{
    /* An entry, then edited copies of it: the scanner has learnt the
     * first line's layout and compares each copy with it, so every edit
     * lands somewhere in that comparison (between values or in one). */
    g_autoptr(GRand) r = g_rand_new_with_seed(2020);

    for (guint round = 0; round < 20000; round++) {
        guint k = g_rand_int_range(r, 0, G_N_ELEMENTS(entries));
        g_autoptr(GString) doc = g_string_new(entries[k]);
        g_autoptr(GString) e = g_string_new(entries[k]);
        guint edits = g_rand_int_range(r, 1, 3);

        for (guint i = 0; i < edits; i++)
            mutate(r, e);
        g_string_append_c(doc, '\n');
        g_string_append_len(doc, e->str, (gssize)e->len);
        g_string_append_c(doc, '\n');
        g_string_append(doc, entries[k]);
        check((guint8)g_rand_int_range(r, 0, 4), doc);
    }
}

static void
test_many_layouts(void)
{
    /* More layouts than the scanner keeps, taking turns (a key renamed
     * seven ways), so that it stops trying them but for every 64th line;
     * then the first layout again, which it must read as before; edits
     * among them. */
    g_autoptr(GRand) r = g_rand_new_with_seed(64);
    g_autoptr(GString) doc = g_string_new(NULL);

    for (guint i = 0; i < 400; i++) {
        g_autoptr(GString) e = g_string_new(entries[0]);
        char *at = strstr(e->str, "\"timestamp\"");

        if (i < 300)
            g_string_insert_c(e, at - e->str + 10, (char)('0' + i % 7));
        if (g_rand_int_range(r, 0, 20) == 0)
            mutate(r, e);
        g_string_append_len(doc, e->str, (gssize)e->len);
        g_string_append_c(doc, '\n');
    }
    for (guint8 mode = 0; mode < 4; mode++)
        check(mode, doc);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/gcp_scan/plain", test_plain);
    g_test_add_func("/gcp_scan/edited", test_edited);
    g_test_add_func("/gcp_scan/layout", test_layout);
    g_test_add_func("/gcp_scan/many-layouts", test_many_layouts);
    return g_test_run();
}
