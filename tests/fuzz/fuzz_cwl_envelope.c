/*
 * fuzz_cwl_envelope.c - libFuzzer target for cwl_envelope.c (and
 * cwl_fast.c, cwl_scan.c, cwl_gzip.c, base64.c).
 *
 * The first byte picks how the rest is handed over, so that the fuzzer
 * reaches the layers under base64 and gzip without having to invent a
 * CRC (its low two bits: '0' to '3' in the seeds):
 *   0: as it is;
 *   1: gzip of it (a bare gzip PAYLOAD);
 *   2: {"awslogs":{"data":"<base64 of gzip of it>"}};
 *   3: {"records":[{"recordId":"r","data":"<base64 of it>"}]}.
 * Besides the sanitizers it checks what callers rely on: success exactly
 * when no error is set, failures only FL_ERROR_CORRUPT or FL_ERROR_LIMIT
 * (or the callback's own error); counts that agree with the callbacks;
 * every message without '\r', '\n' or NUL and followed by a byte <= ' ';
 * no more events than the input could hold.  The callback fails on a
 * payload of exactly 7 events, so that stopping is fuzzed too.
 * Differential: the input is decoded a second time by cwl_envelope_slow.c
 * (json-glib only, without the yajl fast path), and everything handed
 * out (payloads, events, bad records, counts, the error) must be the same.
 * The fast path runs in one FlCwlDecoder kept from input to input, the
 * slow one in a fresh decoder each time.
 *
 * Build and run: see README.md in this directory (seeds in cwl_envelope/).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <zlib.h>

#include "error.h"
#include "decoders/cwl_envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* cwl_envelope_slow.c: the same decoder without its fast path. */
gboolean fl_cwl_envelope_decode_slow(const guint8 *buf, gsize len,
                                     FlCwlPayloadFunc on_payload,
                                     FlCwlBadFunc on_bad, gpointer data,
                                     FlCwlCounts *counts, GError **err);

typedef struct {
    guint64 payloads, events, bad;
    GString *log;               /* all that was handed out, for the diff */
} Seen;

static gboolean
on_payload(const FlCwlPayload *p, gpointer data, GError **err)
{
    Seen *s = data;

    s->payloads++;
    s->events += p->n_events;
    g_string_append_printf(s->log, "P %s|%s|%s|%s|%u\n",
                           p->where ? p->where : "-",
                           p->log_group ? p->log_group : "-",
                           p->log_stream ? p->log_stream : "-",
                           p->owner ? p->owner : "-", p->n_events);
    if (p->n_events > 0 && p->events == NULL)
        abort();
    if (p->where != NULL && *p->where == '\0')
        abort();
    for (guint i = 0; i < p->n_events; i++) {
        const FlCwlEvent *e = &p->events[i];

        if (e->message == NULL ||
            memchr(e->message, '\n', e->message_len) != NULL ||
            memchr(e->message, '\r', e->message_len) != NULL ||
            memchr(e->message, '\0', e->message_len) != NULL ||
            (guchar)e->message[e->message_len] > ' ')
            abort();
        g_string_append_printf(s->log, "E %s|%" G_GINT64_FORMAT "|%"
                               G_GSIZE_FORMAT "|", e->id ? e->id : "-",
                               e->timestamp, e->message_len);
        g_string_append_len(s->log, e->message, (gssize)e->message_len);
        g_string_append_c(s->log, '\n');
    }
    if (p->n_events == 7) {
        g_set_error_literal(err, FL_ERROR, FL_ERROR_EXPORT, "fuzz stop");
        return FALSE;
    }
    return TRUE;
}

static void
on_bad(const char *where, const char *why, gpointer data)
{
    Seen *s = data;

    s->bad++;
    if (where == NULL || *where == '\0' || why == NULL || *why == '\0')
        abort();
    g_string_append_printf(s->log, "B %s|%s\n", where, why);
}

static GByteArray *
gzip(const uint8_t *data, size_t size)
{
    GByteArray *out = g_byte_array_sized_new((guint)(size + 64));
    z_stream zs = { 0 };

    if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    g_byte_array_set_size(out, (guint)deflateBound(&zs, size));
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)size;
    zs.next_out = out->data;
    zs.avail_out = out->len;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    g_byte_array_set_size(out, (guint)zs.total_out);
    deflateEnd(&zs);
    return out;
}

/* The input as mode (see the top) says; caller frees. */
static GByteArray *
wrap(const uint8_t *data, size_t size)
{
    guint mode = size > 0 ? data[0] & 3 : 0;
    GByteArray *out, *z;
    char *b, *s;

    if (size > 0) {
        data++;
        size--;
    }
    if (mode == 0) {
        out = g_byte_array_sized_new((guint)size);
        g_byte_array_append(out, data, (guint)size);
        return out;
    }
    if (mode == 1)
        return gzip(data, size);
    if (mode == 2) {
        z = gzip(data, size);
        b = g_base64_encode(z->data, z->len);
        g_byte_array_unref(z);
        s = g_strdup_printf("{\"awslogs\":{\"data\":\"%s\"}}", b);
    } else {
        b = g_base64_encode(data, size);
        s = g_strdup_printf("{\"records\":[{\"recordId\":\"r\","
                            "\"data\":\"%s\"}]}", b);
    }
    g_free(b);
    out = g_byte_array_new_take((guint8 *)s, strlen(s));
    return out;
}

/* What a run gave, whole: the callbacks, the result, the counts. */
static void
summary(Seen *seen, gboolean ok, const GError *err, const FlCwlCounts *n)
{
    g_string_append_printf(seen->log, "R %d %d %s|%" G_GUINT64_FORMAT " %"
                           G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %"
                           G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n", ok,
                           err ? err->code : -1, err ? err->message : "-",
                           n->payloads, n->events, n->control, n->bad,
                           n->cut);
}

static FlCwlDecoder *decoder;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    GByteArray *in = wrap(data, size);
    FlCwlCounts n = { 0 }, n2 = { 0 };
    Seen seen = { 0 }, seen2 = { 0 };
    GError *err = NULL, *err2 = NULL;
    gboolean ok, ok2;

    seen.log = g_string_new(NULL);
    seen2.log = g_string_new(NULL);
    (void)fl_cwl_envelope_sniff(in->data, in->len);
    /* One decoder for all inputs: its buffers go from one to the next, as
     * in the pipeline's reader. */
    if (decoder == NULL)
        decoder = fl_cwl_decoder_new();
    ok = fl_cwl_decoder_decode(decoder, in->data, in->len, on_payload,
                               on_bad, &seen, &n, &err);
    ok2 = fl_cwl_envelope_decode_slow(in->data, in->len, on_payload, on_bad,
                                      &seen2, &n2, &err2);
    summary(&seen, ok, err, &n);
    summary(&seen2, ok2, err2, &n2);
    if (strcmp(seen.log->str, seen2.log->str) != 0) {
        fprintf(stderr, "fast path:\n%s\njson-glib only:\n%s\n",
                seen.log->str, seen2.log->str);
        abort();
    }
    g_string_free(seen.log, TRUE);
    g_string_free(seen2.log, TRUE);
    g_clear_error(&err2);
    if (ok != (err == NULL))
        abort();
    if (!ok && !g_error_matches(err, FL_ERROR, FL_ERROR_CORRUPT) &&
        !g_error_matches(err, FL_ERROR, FL_ERROR_LIMIT) &&
        !g_error_matches(err, FL_ERROR, FL_ERROR_EXPORT))
        abort();
    if (!ok && err->code == FL_ERROR_EXPORT &&
        strcmp(err->message, "fuzz stop") != 0)
        abort();
    if (n.payloads != seen.payloads || n.events != seen.events ||
        n.bad != seen.bad)
        abort();
    /* Every event costs at least a few bytes of (inflated) input. */
    if (n.events > (guint64)in->len * FL_CWL_MAX_RATIO)
        abort();
    g_clear_error(&err);
    g_byte_array_unref(in);
    return 0;
}
