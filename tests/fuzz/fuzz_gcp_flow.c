/*
 * fuzz_gcp_flow.c - libFuzzer target for gcp_flow.c and cloud_json.c.
 *
 * The first byte picks how the rest is handed over (its low two bits):
 * bit 0 keeps only the DEST reports (else all), bit 1 wraps the rest as
 * the message of a Pub/Sub push body, so the inner walk is reached
 * without the fuzzer inventing base64.  Besides the sanitizers it checks
 * what callers rely on: success exactly when no error is set, failures
 * only FL_ERROR_CORRUPT or the callback's own; counts that agree with the
 * callbacks; every record OK with both addresses, ports and times; no
 * DEST-only run handing out an egress record.  The callback fails on the
 * 5th record, so that stopping is fuzzed too.  One decoder is kept from
 * input to input, as a worker keeps it.
 *
 * Differential: every input is decoded a second time by a decoder whose
 * walk never takes the fast scanner (cloud_json_scan.c), only yajl; the
 * two must hand out the same records (fl_record_dump), the same bad
 * entries (where, reason, why), the same counts and the same result.
 *
 * Build and run: see README.md in this directory (seeds in gcp_flow/).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "error.h"
#include "decoders/gcp_flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    guint64 records, bad;
    gboolean dest_only;
    GString *log;               /* everything handed out, for the diff */
} Seen;

static gboolean
on_record(const FlCloudRecord *r, gpointer data, GError **err)
{
    Seen *s = data;
    static const FlField need[] = {
        FL_F_SRCADDR, FL_F_DSTADDR, FL_F_SRCPORT, FL_F_DSTPORT,
        FL_F_PROTOCOL, FL_F_PACKETS, FL_F_BYTES, FL_F_START, FL_F_END,
        FL_F_INTERFACE_ID, FL_F_LOG_STATUS, FL_F_FLOW_DIRECTION,
    };

    for (guint i = 0; i < G_N_ELEMENTS(need); i++)
        if (!fl_record_has(r->rec, need[i]))
            abort();
    if (r->rec->v[FL_F_LOG_STATUS].u != FL_STATUS_OK || !r->sampled
        || r->rec->v[FL_F_SRCPORT].u > 65535
        || r->rec->v[FL_F_PROTOCOL].u > 255
        || (s->dest_only
            && r->rec->v[FL_F_FLOW_DIRECTION].u != FL_DIR_INGRESS))
        abort();
    g_string_append_printf(s->log, "record %s%s: ", r->where,
                           r->sampled ? " sampled" : "");
    fl_record_dump(r->rec, s->log);
    g_string_append_c(s->log, '\n');
    if (++s->records == 5) {
        g_set_error(err, FL_ERROR, FL_ERROR_STOPPED, "stop");
        return FALSE;
    }
    return TRUE;
}

static void
on_bad(const char *where, FlReject reason, const char *why, gpointer data)
{
    Seen *s = data;

    if (where == NULL || why == NULL || reason >= FL_REJECT_COUNT)
        abort();
    g_string_append_printf(s->log, "bad %s: %d: %s\n", where, (int)reason,
                           why);
    s->bad++;
}

/* One decoding of doc, checked; what it handed out into s->log. */
static void
run(FlGcpDecoder *dec, const char *doc, gsize len, Seen *s)
{
    FlGcpCounts c = { 0 };
    GError *err = NULL;
    gboolean ok;

    ok = fl_gcp_decoder_decode(dec, doc, len, on_record, on_bad, s, &c,
                               &err);
    if (ok != (err == NULL))
        abort();
    if (err && !(err->domain == FL_ERROR && (err->code == FL_ERROR_CORRUPT
                                             || err->code
                                                == FL_ERROR_STOPPED)))
        abort();
    if ((err && err->code == FL_ERROR_STOPPED) != (s->records == 5))
        abort();
    if (c.records != s->records || c.bad != s->bad)
        abort();
    g_string_append_printf(s->log, "counts %" G_GUINT64_FORMAT " %"
                           G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %"
                           G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %"
                           G_GUINT64_FORMAT "\nresult %s\n", c.entries,
                           c.records, c.messages, c.other, c.other_side,
                           c.bad, err ? err->message : "ok");
    g_clear_error(&err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* [side][fast] */
    static FlGcpDecoder *dec[2][2];
    Seen fast = { 0, 0, FALSE, NULL }, slow = { 0, 0, FALSE, NULL };
    g_autofree char *doc = NULL;
    gsize len;
    guint side;

    if (size == 0)
        return 0;
    side = data[0] & 1;
    if (dec[side][0] == NULL) {
        for (guint f = 0; f < 2; f++) {
            dec[side][f] = fl_gcp_decoder_new(side ? FL_GCP_KEEP_DEST
                                                   : FL_GCP_KEEP_ALL);
            fl_gcp_decoder_set_fast(dec[side][f], f == 1);
        }
    }
    if (data[0] & 2) {
        g_autofree char *b64 = g_base64_encode(data + 1, size - 1);

        doc = g_strdup_printf("{\"message\":{\"data\":\"%s\"}}", b64);
    } else {
        doc = g_malloc(size);
        memcpy(doc, data + 1, size - 1);
    }
    len = data[0] & 2 ? strlen(doc) : size - 1;
    fast.dest_only = slow.dest_only = side;
    fast.log = g_string_new(NULL);
    slow.log = g_string_new(NULL);
    run(dec[side][1], doc, len, &fast);
    run(dec[side][0], doc, len, &slow);
    if (!g_str_equal(fast.log->str, slow.log->str)) {
        fprintf(stderr, "fast scanner:\n%s\nyajl only:\n%s\n",
                fast.log->str, slow.log->str);
        abort();
    }
    g_string_free(fast.log, TRUE);
    g_string_free(slow.log, TRUE);
    return 0;
}
