/*
 * fuzz_azblob_xml.c - libFuzzer target for src/azure/blob_xml.c.
 *
 * The input is one Blob service answer body.  It goes to
 * fl_azblob_xml_listing() (into arrays that already hold one blob and one
 * prefix, as on a later page), to fl_azblob_xml_blocks() (into an array
 * holding one block) and to fl_azblob_xml_error().  Besides the
 * sanitizers it checks what the callers rely on:
 *   - listing FALSE: FL_ERROR_CORRUPT, the arrays exactly as before and
 *     next_marker NULL; TRUE: every appended blob has a name of 1 to
 *     FL_AZBLOB_MAX_NAME bytes, every prefix is non-NULL and non-empty,
 *     at most FL_AZBLOB_MAX_PAGE items were appended;
 *   - blocks FALSE: FL_ERROR_CORRUPT, the array as before; TRUE: every
 *     block has an ID of at most FL_AZBLOB_MAX_BLOCK_ID bytes, at most
 *     FL_AZBLOB_MAX_BLOCKS were appended;
 *   - error: code and message NULL or UTF-8, the message one line, both
 *     NULL unless the text has "Error" in it.
 *
 * Build and run: see README.md in this directory (seeds in azblob_xml/).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "azure/blob_xml.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_listing(const char *xml, gsize len)
{
    GPtrArray *blobs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_azblob_item_free);
    GPtrArray *prefixes = g_ptr_array_new_with_free_func(g_free);
    FlAzBlobItem *first = g_new0(FlAzBlobItem, 1);
    char *first_prefix = g_strdup("earlier/");
    FlAzBlobListing l = { blobs, prefixes, NULL };
    GError *err = NULL;

    first->name = g_strdup("earlier/PT1H.json");
    g_ptr_array_add(blobs, first);
    g_ptr_array_add(prefixes, first_prefix);
    if (fl_azblob_xml_listing(xml, len, &l, &err)) {
        if (err != NULL ||
            blobs->len + prefixes->len - 2 > FL_AZBLOB_MAX_PAGE)
            abort();
        for (guint i = 1; i < blobs->len; i++) {
            const FlAzBlobItem *b = g_ptr_array_index(blobs, i);

            if (b == NULL || b->name == NULL || *b->name == '\0' ||
                strlen(b->name) > FL_AZBLOB_MAX_NAME)
                abort();
        }
        for (guint i = 1; i < prefixes->len; i++) {
            const char *p = g_ptr_array_index(prefixes, i);

            if (p == NULL || *p == '\0')
                abort();
        }
    } else if (err == NULL ||
               !g_error_matches(err, FL_ERROR, FL_ERROR_CORRUPT) ||
               blobs->len != 1 || prefixes->len != 1 ||
               g_ptr_array_index(blobs, 0) != first ||
               g_ptr_array_index(prefixes, 0) != first_prefix ||
               l.next_marker != NULL) {
        abort();
    }
    g_free(l.next_marker);
    g_clear_error(&err);
    g_ptr_array_unref(blobs);
    g_ptr_array_unref(prefixes);
}

static void
check_blocks(const char *xml, gsize len)
{
    GPtrArray *blocks = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_azblob_block_free);
    FlAzBlock *first = g_new0(FlAzBlock, 1);
    GError *err = NULL;

    first->id = g_strdup("AAAA");
    g_ptr_array_add(blocks, first);
    if (fl_azblob_xml_blocks(xml, len, blocks, &err)) {
        if (err != NULL || blocks->len - 1 > FL_AZBLOB_MAX_BLOCKS)
            abort();
        for (guint i = 1; i < blocks->len; i++) {
            const FlAzBlock *b = g_ptr_array_index(blocks, i);

            if (b == NULL || b->id == NULL ||
                strlen(b->id) > FL_AZBLOB_MAX_BLOCK_ID)
                abort();
        }
    } else if (err == NULL ||
               !g_error_matches(err, FL_ERROR, FL_ERROR_CORRUPT) ||
               blocks->len != 1 || g_ptr_array_index(blocks, 0) != first) {
        abort();
    }
    g_clear_error(&err);
    g_ptr_array_unref(blocks);
}

static void
check_error(const char *xml, gsize len)
{
    char *code = (char *)"unset", *message = (char *)"unset";

    fl_azblob_xml_error(xml, len, &code, &message);
    if ((code != NULL && !g_utf8_validate(code, -1, NULL)) ||
        (message != NULL && (!g_utf8_validate(message, -1, NULL) ||
                             strpbrk(message, "\r\n") != NULL)))
        abort();
    if ((code != NULL || message != NULL) && !memmem(xml, len, "Error", 5))
        abort();
    g_free(code);
    g_free(message);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_listing((const char *)data, size);
    check_blocks((const char *)data, size);
    check_error((const char *)data, size);
    return 0;
}
