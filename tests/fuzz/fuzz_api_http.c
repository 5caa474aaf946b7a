/*
 * fuzz_api_http.c - libFuzzer target for src/lambda/api_reply.c, the
 * answer parser of the Runtime API's HTTP client.
 *
 * The first input byte picks the body limit (bit 0: 64 bytes or 1 MiB)
 * and how many bytes each simulated read brings (the other bits, 1 to
 * 128); the rest is what the connection carries before it closes.  The
 * target feeds it the way api_http.c does: a prefix, then as much more as
 * the parser asked for (at least one read), and the whole with "closed"
 * at the end.  Besides the sanitizers it checks what the client relies
 * on: MORE only while open and always asking for more than it has (or
 * the client would spin); DONE with a status of 200 to 999, headers, a
 * body within the limit, and no more bytes used than given; an error in
 * the FL_ERROR domain, REMOTE or NETWORK, with *out clear; and the same
 * verdict, length used, status and body as one call on the whole input.
 * A GLib critical (a NULL where GLib wants a string) aborts too.
 *
 * Build and run: see README.md in this directory (seeds in api_http/).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "error.h"
#include "lambda/api_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FlApiParse
parse(const guint8 *p, gsize len, gboolean closed, gsize max,
      FlApiReply *out, gsize *used)
{
    GError *err = NULL;
    gboolean reusable = TRUE;
    FlApiParse rc = fl_api_reply_parse(p, len, closed, max, out, used,
                                       &reusable, &err);

    switch (rc) {
    case FL_API_PARSE_DONE:
        if (err != NULL || out->body == NULL || out->headers == NULL
            || out->status < 200 || out->status > 999 || *used > len
            || g_bytes_get_size(out->body) > max)
            abort();
        break;
    case FL_API_PARSE_MORE:
        if (err != NULL || closed || *used <= len || out->body != NULL
            || out->headers != NULL || reusable)
            abort();
        break;
    case FL_API_PARSE_ERROR:
        if (err == NULL || err->domain != FL_ERROR
            || (err->code != FL_ERROR_REMOTE
                && err->code != FL_ERROR_NETWORK)
            || out->body != NULL || out->headers != NULL || reusable)
            abort();
        g_error_free(err);
        break;
    default:
        abort();
    }
    return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FlApiReply step = { 0 }, whole = { 0 };
    gsize max, chunk, len, used = 0, whole_used = 0;
    FlApiParse rc, whole_rc;

    /* A GLib critical is a bug the parser let through: abort on it. */
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
    if (size < 1)
        return 0;
    max = (data[0] & 1) ? 64 : 1 << 20;
    chunk = 1 + (data[0] >> 1);
    data++;
    size--;

    len = MIN(chunk, size);
    for (;;) {
        rc = parse(data, len, len == size, max, &step, &used);
        if (rc != FL_API_PARSE_MORE)
            break;
        len = MIN(size, MAX(used, len + chunk));
    }
    whole_rc = parse(data, size, TRUE, max, &whole, &whole_used);
    if (rc != whole_rc)
        abort();
    if (rc == FL_API_PARSE_DONE
        && (used != whole_used || step.status != whole.status
            || !g_bytes_equal(step.body, whole.body)))
        abort();
    fl_api_reply_clear(&step);
    fl_api_reply_clear(&whole);
    return 0;
}
