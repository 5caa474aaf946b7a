/*
 * envelope.c - CloudWatch Logs envelopes into text objects (envelope.h).
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "sources/envelope.h"

typedef struct {
    const char *name;
    GPtrArray *parts;
} Expand;

static char *
part_name(const char *name, const FlCwlPayload *p)
{
    GString *s = g_string_new(name);

    if (p->log_group)
        g_string_append_printf(s, ": log group %s", p->log_group);
    if (p->log_stream)
        g_string_append_printf(s, " stream %s", p->log_stream);
    if (p->where)
        g_string_append_printf(s, " (%s)", p->where);
    return g_string_free(s, FALSE);
}

/* One line per event, '\n' after each, and its label. */
static gboolean
on_payload(const FlCwlPayload *p, gpointer data, GError **err)
{
    Expand *x = data;
    GByteArray *text;
    FlLabels *labels;
    g_autofree char *name = part_name(x->name, p);
    gsize size = 0;

    (void)err;
    /* Sized once: growing by doubling copies and faults in megabytes. */
    for (guint i = 0; i < p->n_events; i++)
        size += p->events[i].message_len + 1;
    text = g_byte_array_sized_new((guint)size);
    /* "event " and a 56-digit ID, in one block for all events. */
    labels = fl_labels_new(p->n_events, (gsize)p->n_events * 64);
    g_byte_array_set_size(text, (guint)size);
    size = 0;
    for (guint i = 0; i < p->n_events; i++) {
        const FlCwlEvent *e = &p->events[i];
        GString *l = fl_labels_next(labels);

        memcpy(text->data + size, e->message, e->message_len);
        size += e->message_len;
        text->data[size++] = '\n';
        g_string_append_len(l, "event ", 6);
        if (e->id != NULL)
            g_string_append(l, e->id);
        else
            g_string_append_printf(l, "%u", i + 1);
    }
    g_ptr_array_add(x->parts,
                    fl_object_new_text(name, g_byte_array_free_to_bytes(text),
                                       labels, p->owner));
    return TRUE;
}

static void
on_bad(const char *where, const char *why, gpointer data)
{
    Expand *x = data;

    fl_log_warnx("%s: %s: %s; skipped", x->name, where, why);
}

gboolean
fl_envelope_expand(FlCwlDecoder *dec, const char *name, const guint8 *buf,
                   gsize len, GPtrArray *parts, FlCwlCounts *counts,
                   GError **err)
{
    g_autoptr(GPtrArray) mine = g_ptr_array_new();
    Expand x = { name, mine };
    gboolean ok = dec != NULL
        ? fl_cwl_decoder_decode(dec, buf, len, on_payload, on_bad, &x,
                                counts, err)
        : fl_cwl_envelope_decode(buf, len, on_payload, on_bad, &x, counts,
                                 err);

    for (guint i = 0; i < mine->len; i++) {
        if (ok)
            g_ptr_array_add(parts, mine->pdata[i]);
        else
            fl_object_free(mine->pdata[i]);
    }
    return ok;
}
