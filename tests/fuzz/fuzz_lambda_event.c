/*
 * fuzz_lambda_event.c - libFuzzer target for src/lambda/lambda_event.c.
 *
 * The input is one Lambda event, as the Runtime API hands it over.  The
 * kind scan runs on it, and then what the runtime would run for that
 * kind: the S3 objects of an S3 event, the messages of an SQS event.
 * Besides the sanitizers it checks what callers rely on: a refused event
 * is FL_ERROR_CORRUPT (not JSON) or FL_ERROR_UNSUPPORTED (no known kind);
 * a refused S3 event leaves refs alone; every message of an SQS event
 * has an ID, and refs only when it has no error; every ref has a bucket
 * and a key of 1 to 1,024 bytes of UTF-8.
 *
 * Build and run: see README.md in this directory (seeds in lambda_event/).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "error.h"
#include "lambda/lambda_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_refs(const GPtrArray *refs)
{
    for (guint i = 0; i < refs->len; i++) {
        const FlS3Ref *r = g_ptr_array_index(refs, i);
        gsize n = r->key ? strlen(r->key) : 0;

        if (r->bucket == NULL || *r->bucket == '\0' || n == 0 || n > 1024
            || !g_utf8_validate(r->key, (gssize)n, NULL))
            abort();
    }
}

static void
s3(const char *json, size_t size)
{
    GPtrArray *refs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_s3_ref_free);
    GError *err = NULL;

    if (fl_event_s3_refs(json, size, refs, NULL, &err)) {
        if (err != NULL)
            abort();
        check_refs(refs);
    } else if (!g_error_matches(err, FL_ERROR, FL_ERROR_CORRUPT)
               || refs->len != 0) {
        abort();
    }
    g_clear_error(&err);
    g_ptr_array_unref(refs);
}

static void
sqs(const char *json, size_t size)
{
    GError *err = NULL;
    GPtrArray *msgs = fl_event_sqs_messages(json, size, &err);

    if (msgs == NULL) {
        if (!g_error_matches(err, FL_ERROR, FL_ERROR_CORRUPT))
            abort();
        g_clear_error(&err);
        return;
    }
    if (err != NULL)
        abort();
    for (guint i = 0; i < msgs->len; i++) {
        const FlEventMessage *m = g_ptr_array_index(msgs, i);

        if (m->id == NULL || *m->id == '\0'
            || (m->error != NULL && m->refs->len != 0))
            abort();
        check_refs(m->refs);
    }
    g_ptr_array_unref(msgs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    FlEventKind kind;
    GError *err = NULL;

    if (!fl_event_kind(json, size, &kind, &err)) {
        if (err == NULL || err->domain != FL_ERROR
            || (err->code != FL_ERROR_CORRUPT
                && err->code != FL_ERROR_UNSUPPORTED))
            abort();
        g_error_free(err);
        return 0;
    }
    if (err != NULL)
        abort();
    if (kind == FL_EVENT_S3)
        s3(json, size);
    else if (kind == FL_EVENT_SQS)
        sqs(json, size);
    return 0;
}
