/*
 * fuzz_decode.c - libFuzzer target for the text decoder and the mapper.
 *
 * The input is one whole object, handled the way pipeline.c handles the
 * lines of a chunk: sniff the decoder type; if the first line is a header
 * line (fl_format_is_header) compile it with fl_format_parse, else use the
 * default format; compile the mapping plan; then split on '\n' and run
 * fl_decode_line and fl_map_record on every line.  As in the pipeline, each
 * line is followed in memory by its '\n' (or a NUL after the last one),
 * the sentinel decode.h asks for, and blank lines are skipped.
 *
 * Besides the sanitizers, it checks what the callers rely on: a rejected
 * line has a valid reason; a number, address, value or missing reject
 * names a column inside the format; a mapper reject names a field ID;
 * generated IDs are in their documented ranges.
 *
 * Build and run: see README.md in this directory.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "decoders/decode.h"
#include "error.h"
#include "idmap.h"
#include "mapper.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Elements outside the record's variant are not exported and may hold
 * anything; the ones inside must be in their documented ranges. */
static void
check_ids(const FlMapPlan *plan, const FlMapperConfig *cfg, guint variant,
          const FlIpfixRec *out)
{
    guint32 id_max = cfg->id_bits == 16 ? 65535 : G_MAXUINT32;

    if ((variant & ~(guint)FL_V_IPV6) & ~plan->variant)
        abort();            /* a line can only drop optional elements */
    if (out->ingressInterface < 16 || out->ingressInterface > id_max)
        abort();
    if ((variant & FL_V_EGRESS) && out->egressInterface != FL_ID_ACCEPT
        && out->egressInterface != FL_ID_REJECT)
        abort();
    if ((variant & FL_V_VRF)
        && (out->ingressVRFID < 1 || out->ingressVRFID > id_max))
        abort();
    if ((variant & FL_V_DIRECTION) && out->flowDirection > 1)
        abort();
    if ((variant & FL_V_TIME_SEC)
        && out->flowStartSeconds != out->flowStartMilliseconds / 1000)
        abort();
}

static void
run_lines(const FlFormat *fmt, const char *s, const char *end,
          const FlMapperConfig *cfg, FlRecord *rec)
{
    FlMapPlan plan;
    FlMapperThread t;
    gboolean plan_ok = fl_map_plan_init(&plan, fmt, cfg, NULL);

    fl_mapper_thread_init(&t, cfg);
    while (s < end) {
        const char *nl = memchr(s, '\n', (gsize)(end - s));
        gsize ll = nl ? (gsize)(nl - s) : (gsize)(end - s);
        FlReject reason = FL_REJECT_COUNT;
        guint column = G_MAXUINT, variant = 0;
        FlIpfixRec out;

        if (ll == 0 || (ll == 1 && s[0] == '\r')) {
            s += ll + 1;
            continue;
        }
        if (!fl_decode_line(fmt, s, ll, rec, &reason, &column)) {
            if (reason >= FL_REJECT_COUNT)
                abort();
            /* A field-count reject gives the word count, a binary one
             * the word's index (which may be past the format's end);
             * the others name a column of the format. */
            if (reason != FL_REJECT_FIELD_COUNT && reason != FL_REJECT_BINARY
                && reason != FL_REJECT_TOO_LONG && column >= fmt->n_columns)
                abort();
            if (reason == FL_REJECT_BINARY && column >= ll)
                abort();
            (void)fl_reject_name(reason);
        } else if (plan_ok) {
            g_autoptr(GString) dump = g_string_new(NULL);

            fl_record_dump(rec, dump);
            switch (fl_map_record(&plan, cfg, &t, rec, &out, &variant,
                                  &reason, &column)) {
            case FL_MAP_RECORD:
                if (variant >= FL_V_COUNT)
                    abort();
                check_ids(&plan, cfg, variant, &out);
                break;
            case FL_MAP_REJECT:
                if (reason >= FL_REJECT_COUNT || column >= FL_F_COUNT)
                    abort();
                break;
            case FL_MAP_NODATA:
            case FL_MAP_SKIPDATA:
                break;
            }
        }
        s += ll + 1;
    }
    fl_mapper_thread_clear(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One copy with a NUL after it: the last line's sentinel. */
    char *buf = g_malloc(size + 1);
    const char *s = buf, *end = buf + size, *nl;
    g_autoptr(FlFormat) fmt = NULL;
    FlRecord *rec = g_new0(FlRecord, 1);
    const FlDecoderType *dt;
    FlMapperConfig cfg;

    memcpy(buf, data, size);
    buf[size] = '\0';

    dt = fl_decoder_sniff(data, size);
    if (strcmp(dt->name, "text") != 0)
        goto out;               /* Parquet: fuzz_parquet.c */

    nl = memchr(s, '\n', size);
    if (nl && fl_format_is_header(s, (gsize)(nl - s))) {
        gsize hl = (gsize)(nl - s);

        if (hl && s[hl - 1] == '\r')
            hl--;
        fmt = fl_format_parse(s, (gssize)hl, NULL);
        if (fmt == NULL)
            goto out;
        if (fmt->n_columns == 0 || fmt->n_columns > FL_MAX_COLUMNS)
            abort();
        {
            /* The header round-trips through its string form. */
            g_autofree char *str = fl_format_to_string(fmt);
            g_autoptr(FlFormat) again = fl_format_parse(str, -1, NULL);
            if (again == NULL || !fl_format_equal(fmt, again))
                abort();
        }
        s = nl + 1;
    } else {
        fmt = fl_format_new_default();
    }

    /* The first byte picks the mapper settings, so all are covered. */
    cfg.time_elements = size ? (FlTimeElements)(data[0] % 3) : FL_TIME_SECONDS;
    cfg.id_bits = size && (data[0] & 4) ? 16 : 32;
    cfg.pkt_addresses = size && (data[0] & 8);
    cfg.pins = NULL;
    run_lines(fmt, s, end, &cfg, rec);

out:
    g_free(rec);
    g_free(buf);
    return 0;
}
