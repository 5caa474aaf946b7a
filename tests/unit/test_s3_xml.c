/*
 * test_s3_xml.c - unit tests for src/aws/s3_xml.c beyond what the fuzz
 * target's seeds replay: what the parser keeps of the names it meets, and
 * the error codes it promises.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "aws/s3_xml.h"
#include "error.h"
#include "sources/s3_walk.h"

/* Element names come from the answer: interning them (quarks are never
 * freed) grew the process by every new name a server sent. */
static void
test_names_not_kept(void)
{
    static const char listing[] =
        "<ListBucketResult><Fl2ipfixUnheardOfName1>x"
        "</Fl2ipfixUnheardOfName1><Contents><Key>a</Key>"
        "<Fl2ipfixUnheardOfName2/></Contents></ListBucketResult>";
    static const char error[] =
        "<Error><Code>SlowDown</Code><Fl2ipfixUnheardOfName3/></Error>";
    GPtrArray *keys = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_s3_key_free);
    GPtrArray *prefixes = g_ptr_array_new_with_free_func(g_free);
    FlS3Listing l = { .keys = keys, .prefixes = prefixes };
    GError *err = NULL;
    char *code, *message;

    g_assert_true(fl_s3_xml_listing(listing, strlen(listing), &l, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(keys->len, ==, 1);
    fl_s3_xml_error(error, strlen(error), &code, &message);
    g_assert_cmpstr(code, ==, "SlowDown");
    g_assert_null(message);
    g_assert_cmpuint(g_quark_try_string("Fl2ipfixUnheardOfName1"), ==, 0);
    g_assert_cmpuint(g_quark_try_string("Fl2ipfixUnheardOfName2"), ==, 0);
    g_assert_cmpuint(g_quark_try_string("Fl2ipfixUnheardOfName3"), ==, 0);
    g_free(code);
    g_free(l.next_token);
    g_ptr_array_unref(keys);
    g_ptr_array_unref(prefixes);
}

typedef struct {
    const char *name;
    const char *xml;
    const char *says;
} BadCase;

/* Every refusal is FL_ERROR_CORRUPT, GMarkup's own ones included. */
static const BadCase bad_cases[] = {
    { "empty", "", "bad listing: " },
    { "not-xml", "HTTP/1.1 200 OK", "bad listing: " },
    { "unclosed", "<ListBucketResult><Contents>", "bad listing: " },
    { "error-document", "<Error><Code>AccessDenied</Code></Error>",
      "not a ListBucketResult" },
    { "empty-key", "<ListBucketResult><Contents><Key></Key></Contents>"
      "</ListBucketResult>", "empty or longer than 1024" },
    { "bad-size", "<ListBucketResult><Contents><Key>k</Key><Size>-1</Size>"
      "</Contents></ListBucketResult>", "is not a number" },
};

static void
test_bad(gconstpointer data)
{
    const BadCase *c = data;
    GPtrArray *keys = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_s3_key_free);
    GPtrArray *prefixes = g_ptr_array_new_with_free_func(g_free);
    FlS3Listing l = { .keys = keys, .prefixes = prefixes };
    GError *err = NULL;

    g_assert_false(fl_s3_xml_listing(c->xml, strlen(c->xml), &l, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
    g_assert_nonnull(strstr(err->message, c->says));
    g_assert_cmpuint(keys->len, ==, 0);
    g_assert_null(l.next_token);
    g_error_free(err);
    g_ptr_array_unref(keys);
    g_ptr_array_unref(prefixes);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/s3_xml/names-not-kept", test_names_not_kept);
    for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        char *path = g_strdup_printf("/s3_xml/bad/%s", bad_cases[i].name);

        g_test_add_data_func(path, &bad_cases[i], test_bad);
        g_free(path);
    }
    return g_test_run();
}
