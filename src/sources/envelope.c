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
    GByteArray *text = g_byte_array_new();
    GPtrArray *labels = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *name = part_name(x->name, p);

    (void)err;
    for (guint i = 0; i < p->n_events; i++) {
        const FlCwlEvent *e = &p->events[i];

        g_byte_array_append(text, (const guint8 *)e->message,
                            (guint)e->message_len);
        g_byte_array_append(text, (const guint8 *)"\n", 1);
        g_ptr_array_add(labels, e->id ? g_strdup_printf("event %s", e->id)
                                      : g_strdup_printf("event %u", i + 1));
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
fl_envelope_expand(const char *name, const guint8 *buf, gsize len,
                   GPtrArray *parts, FlCwlCounts *counts, GError **err)
{
    g_autoptr(GPtrArray) mine = g_ptr_array_new();
    Expand x = { name, mine };
    gboolean ok = fl_cwl_envelope_decode(buf, len, on_payload, on_bad, &x,
                                         counts, err);

    for (guint i = 0; i < mine->len; i++) {
        if (ok)
            g_ptr_array_add(parts, mine->pdata[i]);
        else
            fl_object_free(mine->pdata[i]);
    }
    return ok;
}
