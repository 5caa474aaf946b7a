/*
 * cwl_envelope_slow.c - cwl_envelope.c (with cwl_fast.c, cwl_scan.c and
 * cwl_gzip.c) once more, without its fast paths (json-glib only) and with
 * GLib's base64 decoder instead of base64.c, under other names:
 * fuzz_cwl_envelope.c decodes every input both ways and requires the same
 * results.
 */
#include "config.h"

#include "decoders/cwl_envelope.h"

#define FL_CWL_NO_FAST 1
#define fl_cwl_envelope_decode fl_cwl_envelope_decode_slow
#define fl_cwl_envelope_sniff fl_cwl_envelope_sniff_slow
#define FlCwlDecoder FlCwlDecoderSlow
#define fl_cwl_decoder_new fl_cwl_decoder_new_slow
#define fl_cwl_decoder_free fl_cwl_decoder_free_slow
#define fl_cwl_decoder_decode fl_cwl_decoder_decode_slow
#define fl_cwl_decoder_set_stop fl_cwl_decoder_set_stop_slow
#define cwl_stopped cwl_stopped_slow
/* The three files' shared functions (cwl_envelope_int.h). */
#define cwl_headroom cwl_headroom_slow
#define cwl_bad cwl_bad_slow
#define cwl_where_format cwl_where_format_slow
#define cwl_line_length cwl_line_length_slow
#define cwl_emit cwl_emit_slow
#define cwl_run_flush cwl_run_flush_slow
#define cwl_direct_message cwl_direct_message_slow
#define cwl_base64_data cwl_base64_data_slow
#define cwl_fast_record cwl_fast_record_slow
#define cwl_scan_record cwl_scan_record_slow
#define cwl_payload_out cwl_payload_out_slow
#define fl_base64_decode fl_base64_decode_glib
#define cwl_inflate_member cwl_inflate_member_slow

gboolean fl_cwl_envelope_sniff(const guint8 *buf, gsize len);
gboolean fl_cwl_envelope_decode(const guint8 *buf, gsize len,
                                FlCwlPayloadFunc on_payload,
                                FlCwlBadFunc on_bad, gpointer data,
                                FlCwlCounts *counts, GError **err);
typedef struct FlCwlDecoder FlCwlDecoder;
FlCwlDecoder *fl_cwl_decoder_new(void);
void fl_cwl_decoder_free(FlCwlDecoder *d);
gboolean fl_cwl_decoder_decode(FlCwlDecoder *d, const guint8 *buf, gsize len,
                               FlCwlPayloadFunc on_payload,
                               FlCwlBadFunc on_bad, gpointer data,
                               FlCwlCounts *counts, GError **err);
void fl_cwl_decoder_set_stop(FlCwlDecoder *d, const volatile gint *stop);

#include "decoders/base64.h"

/* base64.h's contract the way the decoder used to meet it: check the
 * alphabet and the padding first, then GLib's decoder. */
gboolean
fl_base64_decode_glib(const char *s, gsize len, guint8 *out, gsize *out_len)
{
    gsize pad = len > 0 && s[len - 1] == '='
                ? len > 1 && s[len - 2] == '=' ? 2 : 1 : 0;
    gint state = 0;
    guint save = 0;

    if (len % 4 != 0)
        return FALSE;
    for (gsize i = 0; i < len - pad; i++)
        if (!g_ascii_isalnum(s[i]) && s[i] != '+' && s[i] != '/')
            return FALSE;
    *out_len = g_base64_decode_step(s, len, out, &state, &save);
    return TRUE;
}

#include "decoders/cwl_envelope.c"
#include "decoders/cwl_fast.c"             /* empty with FL_CWL_NO_FAST */
#include "decoders/cwl_scan.c"             /* the same */
#include "decoders/cwl_gzip.c"
