/*
 * fuzz_oci_flow.c - libFuzzer target for oci_flow.c and cloud_json.c.
 *
 * The input is a whole document.  Besides the sanitizers it checks what
 * callers rely on: success exactly when no error is set, failures only
 * FL_ERROR_CORRUPT or the callback's own; counts that agree with the
 * callbacks; every record has a log-status and an interface, and an OK
 * record has the action, both addresses, ports, counters and times.  The
 * callback fails on the 5th record, so that stopping is fuzzed too.
 *
 * Build and run: see README.md in this directory (seeds in oci_flow/).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "error.h"
#include "decoders/oci_flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    guint64 records, bad;
} Seen;

static gboolean
on_record(const FlCloudRecord *r, gpointer data, GError **err)
{
    Seen *s = data;
    static const FlField need[] = {
        FL_F_SRCADDR, FL_F_DSTADDR, FL_F_SRCPORT, FL_F_DSTPORT,
        FL_F_PROTOCOL, FL_F_PACKETS, FL_F_BYTES, FL_F_START, FL_F_END,
        FL_F_ACTION,
    };

    if (!fl_record_has(r->rec, FL_F_LOG_STATUS)
        || !fl_record_has(r->rec, FL_F_INTERFACE_ID) || r->sampled)
        abort();
    if (r->rec->v[FL_F_LOG_STATUS].u == FL_STATUS_OK)
        for (guint i = 0; i < G_N_ELEMENTS(need); i++)
            if (!fl_record_has(r->rec, need[i]))
                abort();
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
    s->bad++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FlOciDecoder *dec;
    Seen s = { 0, 0 };
    FlOciCounts c = { 0 };
    GError *err = NULL;
    gboolean ok;

    if (dec == NULL)
        dec = fl_oci_decoder_new();
    ok = fl_oci_decoder_decode(dec, (const char *)data, size, on_record,
                               on_bad, &s, &c, &err);
    if (ok != (err == NULL))
        abort();
    if (err && !(err->domain == FL_ERROR && (err->code == FL_ERROR_CORRUPT
                                             || err->code
                                                == FL_ERROR_STOPPED)))
        abort();
    if ((err && err->code == FL_ERROR_STOPPED) != (s.records == 5))
        abort();
    if (c.records != s.records || c.bad != s.bad)
        abort();
    g_clear_error(&err);
    return 0;
}
