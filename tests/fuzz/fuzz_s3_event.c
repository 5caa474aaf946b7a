/*
 * fuzz_s3_event.c - libFuzzer target for s3_event.c.
 *
 * The input is one message, as an SQS body or a Lambda event would bring
 * it.  Besides the sanitizers it checks what callers rely on: a failure
 * is FL_ERROR_CORRUPT and leaves refs alone; every ref has a bucket name
 * and a key of 1 to 1,024 bytes of UTF-8.
 *
 * Build and run: see README.md in this directory (seeds in s3_event/).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "error.h"
#include "sources/s3_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GPtrArray *refs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_s3_ref_free);
    FlS3EventCounts c = { 0, 0 };
    GError *err = NULL;

    if (fl_s3_event_parse((const char *)data, size, refs, &c, &err)) {
        if (err != NULL)
            abort();
        for (guint i = 0; i < refs->len; i++) {
            const FlS3Ref *r = g_ptr_array_index(refs, i);
            gsize n = r->key ? strlen(r->key) : 0;

            if (r->bucket == NULL || *r->bucket == '\0' || n == 0 ||
                n > 1024 || !g_utf8_validate(r->key, (gssize)n, NULL))
                abort();
        }
    } else if (err == NULL || !g_error_matches(err, FL_ERROR,
                                               FL_ERROR_CORRUPT) ||
               refs->len != 0 || c.test_events != 0 || c.ignored != 0) {
        abort();
    }
    g_clear_error(&err);
    g_ptr_array_unref(refs);
    return 0;
}
