/*
 * pipeline_writer.c - the writer: chunks out in input order.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "pipeline/pipeline_int.h"


/* "NAME:LINE", or "NAME: LABEL" for objects whose lines have labels
 * (CloudWatch Logs events: log stream and event ID). */
static char *
reject_where(const ObjInfo *o, const LineError *e, guint64 line)
{
    if (e->label)
        return g_strdup_printf("%s: %s", o->name, e->label);
    if (o->labels && line >= 1 && line <= fl_labels_len(o->labels))
        return g_strdup_printf("%s: %s", o->name,
                               fl_labels_get(o->labels, (guint)line - 1));
    return g_strdup_printf("%s:%" G_GUINT64_FORMAT, o->name, line);
}

static void
report_reject(Pipeline *p, const Chunk *c, const LineError *e)
{
    const ObjInfo *o = c->obj;
    g_autofree char *at = reject_where(o, e, p->obj_line_base + e->idx + 1);
    const char *why = fl_reject_name(e->reason);

    if (e->text)
        fl_log_warnx("%s: %s: %s; skipped", at, why, e->text);
    else if (e->reason == FL_REJECT_FIELD_COUNT)
        fl_log_warnx("%s: %s: %u fields, the format has %u", at, why,
                     e->n_words, o->format->n_columns);
    else if (e->reason == FL_REJECT_TOO_LONG)
        fl_log_warnx("%s: %s: line longer than %d bytes", at, why,
                     FL_MAX_LINE);
    else if (e->is_field && e->reason == FL_REJECT_MISSING)
        fl_log_warnx("%s: %s: mandatory field '%s' is '-'", at, why,
                     fl_field_info((FlField)e->where)->name);
    else if (e->is_field)
        fl_log_warnx("%s: %s: field '%s'", at, why,
                     fl_field_info((FlField)e->where)->name);
    else if (e->reason == FL_REJECT_BINARY)
        fl_log_warnx("%s: %s: control or NUL bytes in field %u", at, why,
                     e->where + 1);
    else
        fl_log_warnx("%s: %s: field '%s' (column %u)", at, why,
                     e->where < o->format->n_columns
                     ? o->format->names[e->where] : "?", e->where + 1);
}

/* Chunks finish in order, so every page before the end of this one is
 * done with: drop it from our resident set (the page cache keeps it). */
static void
release_mapped(ObjInfo *o, gsize upto)
{
    gsize page = (gsize)sysconf(_SC_PAGESIZE);
    gsize to = upto / page * page;

    if (to > o->released) {
        (void)madvise((void *)(o->map + o->released), to - o->released,
                      MADV_DONTNEED);
        o->released = to;
    }
}

/* Sends the options record for id unless it went out in this epoch. */
static FlExportResult
ensure_option(Pipeline *p, FlIdKind kind, guint32 id, GError **err)
{
    const char *name, *desc;
    FlExportResult r;

    if (fl_id_registry_sent(p->reg, kind, id))
        return FL_EXPORT_OK;
    if (!fl_id_registry_mark_sent(p->reg, kind, id, &name, &desc))
        return FL_EXPORT_OK;    /* never learned: nothing to describe */
    r = fl_exporter_append_option(p->exp, kind, id, name, desc, err);
    if (r == FL_EXPORT_OK)
        p->stats->options_records++;
    return r;
}

static void
check_generation(Pipeline *p)
{
    guint g = fl_exporter_generation(p->exp);

    if (g != p->generation) {
        p->generation = g;
        fl_id_registry_new_epoch(p->reg);
    }
}

gboolean
pl_writer_tick(Pipeline *p, GError **err)
{
    gint64 now = g_get_monotonic_time();

    /* What a signal asked for (SIGHUP: rotate, reload, reopen). */
    if (p->cfg->on_tick && !p->cfg->on_tick(p->cfg->tick_data, err))
        return FALSE;
    /* --id-map reloaded: its descriptions, and options again. */
    if (p->cfg->map.pins
        && fl_id_registry_apply_pins(p->reg, p->cfg->map.pins))
        fl_id_registry_new_epoch(p->reg);

    if (p->cfg->options_interval
        && now - p->last_options_us
           >= (gint64)p->cfg->options_interval * G_USEC_PER_SEC) {
        p->last_options_us = now;
        fl_id_registry_new_epoch(p->reg);
    }
    if (fl_exporter_tick(p->exp, now, err) == FL_EXPORT_FAILED)
        return FALSE;
    check_generation(p);
    p->stats->reconnects = fl_exporter_reconnects(p->exp);
    if (p->cfg->on_stats)
        p->cfg->on_stats(p->cfg->stats_data, p->stats);
    return TRUE;
}

static void
pace(Pipeline *p)
{
    gint64 due = p->rate_start_us
                 + (gint64)(p->rate_count * G_USEC_PER_SEC / p->cfg->max_rate);
    gint64 now = g_get_monotonic_time();

    if (due > now)
        g_usleep((gulong)(due - now));
}

/* The options records a data record needs before it goes out. */
static FlExportResult
ensure_options(Pipeline *p, guint variant, const PlOptionIds *ids,
               GError **err)
{
    FlExportResult x;

    if (!fl_exporter_options_enabled(p->exp))
        return FL_EXPORT_OK;
    x = ensure_option(p, FL_ID_INTERFACE, ids->ingress_if, err);
    if (x == FL_EXPORT_OK && (variant & FL_V_EGRESS))
        x = ensure_option(p, FL_ID_INTERFACE, ids->egress_if, err);
    if (x == FL_EXPORT_OK && (variant & FL_V_VRF) && ids->vrf)
        x = ensure_option(p, FL_ID_VRF, ids->vrf, err);
    return x;
}

static gboolean
write_record(Pipeline *p, guint variant, FlIpfixRec *r, GError **err)
{
    PlOptionIds ids = { r->ingressInterface, r->egressInterface,
                        r->ingressVRFID };

    for (;;) {
        FlExportResult x = ensure_options(p, variant, &ids, err);

        if (x == FL_EXPORT_OK)
            x = fl_exporter_append_data(p->exp, variant, r, err);
        if (x == FL_EXPORT_OK)
            return TRUE;
        if (x == FL_EXPORT_FAILED)
            return FALSE;
        check_generation(p);    /* RETRY: a new connection; options again */
    }
}

static inline guint32
be32(const guint8 *b)
{
    return (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8
           | b[3];
}

/*
 * Writes the messages a worker encoded.  Each message header's sequence
 * number is, as the encoder left it, the index of its first record in the
 * chunk: the options records and data templates those records need go out
 * first, then the message with its real sequence number.
 */
static gboolean
write_messages(Pipeline *p, Chunk *c, GError **err)
{
    guint8 *m = c->msgs->data, *end;

    /* No records, no buffer: NULL + 0 is undefined (UBSan says so). */
    if (c->msgs->len == 0)
        return TRUE;
    end = m + c->msgs->len;
    while (m < end) {
        gsize len = (gsize)m[2] << 8 | m[3];
        guint8 *next = m + len;
        guint32 first = be32(m + 8);
        guint32 last = next < end ? be32(next + 8) : c->n_recs;
        FlExportResult x;

        g_assert(len >= 16 && next <= end && first <= last
                 && last <= c->n_recs);
        /* A rotating file may end here: the next one needs its own
         * options records (a new generation). */
        if (fl_exporter_boundary(p->exp, err) == FL_EXPORT_FAILED)
            return FALSE;
        check_generation(p);
        do {
            x = FL_EXPORT_OK;
            for (guint32 i = first; x == FL_EXPORT_OK && i < last; i++) {
                x = ensure_options(p, c->variants[i], &c->opt_ids[i], err);
                if (x == FL_EXPORT_OK)
                    x = fl_exporter_ensure_variant(p->exp, c->variants[i],
                                                   err);
            }
            if (x == FL_EXPORT_OK)
                x = fl_exporter_write_message(p->exp, m, len, last - first,
                                              err);
            if (x == FL_EXPORT_FAILED)
                return FALSE;
            /* RETRY: a new TCP connection.  Its options and templates
             * first, then this message again. */
            if (x == FL_EXPORT_RETRY)
                check_generation(p);
        } while (x == FL_EXPORT_RETRY);
        if (G_UNLIKELY(p->cfg->max_rate)) {
            p->rate_count += last - first;
            pace(p);
        }
        m = next;
    }
    return TRUE;
}

/*
 * An object's last chunk is out: commit it (checkpoint, SQS delete) once
 * the output has it, or tell its hook it failed.  A commit that fails is
 * counted and logged, not fatal: the records are out, and the object will
 * be read again (a duplicate, never a gap).
 */
static gboolean
commit_object(Pipeline *p, ObjInfo *o, gboolean ok, GError **err)
{
    FlObjectDone *done = g_steal_pointer(&o->done);
    GError *local = NULL;
    FlExportResult x;

    if (done == NULL)
        return TRUE;
    done->rejected = p->obj_rejected;
    if (ok) {
        x = fl_exporter_sync(p->exp, err);
        if (x == FL_EXPORT_FAILED) {
            (void)fl_object_done_finish(done, -1, NULL);
            return FALSE;
        }
        /* RETRY: a new connection; what was in flight may be lost. */
        ok = x == FL_EXPORT_OK;
        check_generation(p);
    }
    if (fl_object_done_finish(done, ok, &local)) {
        if (ok)
            p->stats->objects_committed++;
    } else {
        p->stats->commit_failures++;
        fl_log_warnx("%s: records written, but not committed: %s", o->name,
                     local->message);
        g_clear_error(&local);
    }
    return TRUE;
}

gboolean
pl_writer_write_chunk(Pipeline *p, Chunk *c, GError **err)
{
    FlStats *st = p->stats;
    const ObjInfo *o = c->obj;

    pl_writer_parquet_filter(p, c);     /* parquet hook */
    if (c->first_of_object) {
        if (!o->is_part)                /* an envelope's payloads: no */
            st->objects++;
        p->obj_line_base = o->header_lines;
        st->lines_read += o->header_lines;
        st->envelope_payloads += o->envelope.payloads;
        st->envelope_control += o->envelope.control;
        st->envelope_bad += o->envelope.bad;
        st->messages_cut += o->envelope.cut;
    }
    for (guint i = 0; i < c->new_names->len; i++) {
        FlNewName *n = &g_array_index(c->new_names, FlNewName, i);
        const char *first = NULL;

        if (fl_id_registry_learn(p->reg, n->kind, n->id, n->name,
                                 strlen(n->name), n->desc, &first)) {
            /* Counted always, told ten times: --id-bits 16 with many
             * ENIs collides often. */
            if (++st->id_collisions > 10)
                continue;
            fl_log_warnx("%s: generated %s ID %u of '%s' is also the ID of "
                         "'%s'; both are exported with it (see --id-bits)",
                         o->name, n->kind == FL_ID_VRF ? "VRF" : "interface",
                         n->id, n->name, first);
        }
    }
    for (guint i = 0; i < c->errors->len; i++) {
        if (p->errors_shown >= p->cfg->max_errors)
            break;
        report_reject(p, c, &g_array_index(c->errors, LineError, i));
        p->errors_shown++;
    }
    for (guint i = 0; i < c->skip_ifaces->len; i++) {
        char *name = g_ptr_array_index(c->skip_ifaces, i);
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(
                      st->skipdata_by_interface, name));
        g_hash_table_insert(st->skipdata_by_interface, g_strdup(name),
                            GUINT_TO_POINTER(n + 1));
    }
    st->lines_read += c->n_lines;
    st->nodata += c->nodata;
    st->skipdata += c->skipdata;
    for (int i = 0; i < FL_REJECT_COUNT; i++) {
        st->rejected_by[i] += c->rejects[i];
        st->rejected += c->rejects[i];
        p->obj_rejected += c->rejects[i];
    }
    p->obj_line_base += c->n_lines;

    if (c->enc_error) {
        g_propagate_prefixed_error(err, g_steal_pointer(&c->enc_error),
                                   "%s: ", o->name);
        return FALSE;
    }
    if (p->encode && !write_messages(p, c, err))
        return FALSE;
    for (guint i = 0; !p->encode && i < c->n_recs; i++) {
        if (!write_record(p, c->variants[i], &c->recs[i], err))
            return FALSE;
        if (G_UNLIKELY(p->cfg->max_rate)) {
            p->rate_count++;
            if ((p->rate_count & 63) == 0)
                pace(p);
        }
        if (G_UNLIKELY((i & (TICK_EVERY - 1)) == TICK_EVERY - 1)
            && !pl_writer_tick(p, err))
            return FALSE;
    }
    st->records_out += c->n_recs;
    st->records_ipv4 += c->v4;
    st->records_ipv6 += c->v6;
    st->bytes_in += c->len;
    st->newest_flow_end_ms = MAX(st->newest_flow_end_ms,
                                 c->newest_end_ms);
    if (g_error_matches(c->obj_error, FL_ERROR, FL_ERROR_STOPPED))
        fl_log_info("%s", c->obj_error->message);
    else if (c->obj_error) {
        st->objects_failed++;
        fl_log_warnx("%s", c->obj_error->message);
    }
    if (!pl_writer_tick(p, err))
        return FALSE;
    if (c->short_read && fl_exporter_flush(p->exp, err) == FL_EXPORT_FAILED)
        return FALSE;
    if (c->map_end)
        release_mapped(c->obj, c->map_end);
    check_generation(p);
    if (c->last_of_object
        && !commit_object(p, c->obj,
                          c->obj_error == NULL && !c->part_failed
                          && !o->failed,      /* parquet hook */
                          err))
        return FALSE;
    /* After its commit, so that a snapshot never has it done but not
     * committed. */
    if (c->last_of_object && !o->is_part) {
        st->objects_done++;
        p->obj_rejected = 0;
    }
    return TRUE;
}
