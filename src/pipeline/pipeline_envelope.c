/*
 * pipeline_envelope.c - CloudWatch Logs envelopes (cwl_envelope.h) as an
 * object a worker decodes whole (pipeline_whole.c).
 *
 * Each payload is a part named "NAME: log group G stream S", in the
 * --format format (events have no header line), whose owner stands in for
 * a missing account-id; every event's message goes through the same line
 * step as text, SUB_EVENTS at a time, and a rejected line is named by its
 * event ID.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "log.h"
#include "pipeline/pipeline_int.h"

/* ---- worker ---- */

typedef struct {
    Worker *w;
    Chunk *env;                 /* the envelope's chunk */
} Decoding;

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

/* One payload: its events through the line step, SUB_EVENTS at a time. */
static gboolean
on_payload(const FlCwlPayload *pl, gpointer data, GError **err)
{
    Decoding *d = data;
    Worker *w = d->w;
    GError *plan_err = NULL;
    g_autofree char *name = part_name(d->env->obj->name, pl);
    ObjInfo *o = pl_part_new(w->p, name, pl->owner, w->p->cfg->format,
                             &plan_err);
    guint i = 0;
    gboolean ok = TRUE;

    do {
        Chunk *s = pl_sub_get(w->p, o);
        guint end = MIN(pl->n_events, i + SUB_EVENTS);

        s->first_of_object = i == 0;
        s->last_of_object = end == pl->n_events;
        if (o->plan_ok) {
            pl_worker_begin(w, s);
            for (; i < end; i++) {
                const FlCwlEvent *e = &pl->events[i];

                pl_worker_line(w, s, e->message, e->message_len, e->id,
                               i + 1);
            }
            pl_worker_end(w, s);
        } else {
            s->obj_error = g_steal_pointer(&plan_err);
            s->last_of_object = TRUE;
            i = pl->n_events;
        }
        if (s->obj_error)
            d->env->part_failed = TRUE;
        ok = pl_sub_put(w, d->env, s, err);
    } while (ok && i < pl->n_events);
    g_clear_error(&plan_err);
    pl_obj_unref(o);
    return ok;
}

static void
on_bad(const char *where, const char *why, gpointer data)
{
    Decoding *d = data;

    fl_log_warnx("%s: %s: %s; skipped", d->env->obj->name, where, why);
}

static void
decode_envelope(Worker *w, Chunk *c)
{
    Decoding d = { w, c };
    GError *err = NULL;

    if (w->cwl == NULL) {
        w->cwl = fl_cwl_decoder_new();
        fl_cwl_decoder_set_stop(w->cwl, w->p->cfg->stop);
    }
    if (!fl_cwl_decoder_decode(w->cwl, g_bytes_get_data(c->whole, NULL),
                               g_bytes_get_size(c->whole), on_payload,
                               on_bad, &d, &c->obj->envelope, &err)) {
        pl_name_error(&err, c->obj->name);
        c->obj_error = err;
    }
}

const PlWholeType pl_whole_cwl = {
    .name = "CloudWatch Logs envelope",
    .input = FL_INPUT_CWL,
    .what = "an envelope",
    .sniff = fl_cwl_envelope_sniff,
    .max_input = FL_CWL_MAX_INPUT,
    .decode = decode_envelope,
};
