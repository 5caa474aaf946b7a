/*
 * fuzz_s3_xml.c - libFuzzer target for s3_xml.c.
 *
 * The input is one S3 answer body.  It goes to fl_s3_xml_listing() (into
 * arrays that already hold one key and one prefix, as on a later page)
 * and to fl_s3_xml_error().  Besides the sanitizers it checks what the
 * callers rely on:
 *   - listing FALSE: FL_ERROR_CORRUPT, the arrays exactly as before (same
 *     length, same first element) and next_token NULL;
 *   - listing TRUE: no error, every appended key non-NULL with 1 to
 *     1,024 bytes, every prefix non-NULL; a truncated listing without a
 *     NextContinuationToken is allowed here (fl_s3_list() refuses it),
 *     but a token, when present, came from the document;
 *   - error: code and message NULL or UTF-8, both NULL unless the text
 *     has an "Error" element name in it.
 *
 * Build and run: see README.md in this directory (seeds in s3_xml/).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "aws/s3_xml.h"
#include "error.h"
#include "sources/s3_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_listing(const char *xml, gsize len)
{
    GPtrArray *keys = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_s3_key_free);
    GPtrArray *prefixes = g_ptr_array_new_with_free_func(g_free);
    FlS3Key *first = g_new0(FlS3Key, 1);
    char *first_prefix = g_strdup("earlier/");
    FlS3Listing l = { .keys = keys, .prefixes = prefixes };
    GError *err = NULL;

    first->key = g_strdup("earlier/page");
    g_ptr_array_add(keys, first);
    g_ptr_array_add(prefixes, first_prefix);
    if (fl_s3_xml_listing(xml, len, &l, &err)) {
        if (err != NULL)
            abort();
        for (guint i = 1; i < keys->len; i++) {
            const FlS3Key *k = g_ptr_array_index(keys, i);

            if (k == NULL || k->key == NULL || *k->key == '\0' ||
                strlen(k->key) > 1024)
                abort();
        }
        for (guint i = 1; i < prefixes->len; i++)
            if (g_ptr_array_index(prefixes, i) == NULL)
                abort();
        if (l.next_token != NULL &&
            !memmem(xml, len, "NextContinuationToken", 21))
            abort();
    } else if (err == NULL ||
               !g_error_matches(err, FL_ERROR, FL_ERROR_CORRUPT) ||
               keys->len != 1 || prefixes->len != 1 ||
               g_ptr_array_index(keys, 0) != first ||
               g_ptr_array_index(prefixes, 0) != first_prefix ||
               l.next_token != NULL) {
        abort();
    }
    g_free(l.next_token);
    g_clear_error(&err);
    g_ptr_array_unref(keys);
    g_ptr_array_unref(prefixes);
}

static void
check_error(const char *xml, gsize len)
{
    char *code = (char *)"unset", *message = (char *)"unset";

    fl_s3_xml_error(xml, len, &code, &message);
    if ((code != NULL && !g_utf8_validate(code, -1, NULL)) ||
        (message != NULL && !g_utf8_validate(message, -1, NULL)))
        abort();
    if ((code != NULL || message != NULL) &&
        !memmem(xml, len, "Error", 5))
        abort();
    g_free(code);
    g_free(message);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_listing((const char *)data, size);
    check_error((const char *)data, size);
    return 0;
}
