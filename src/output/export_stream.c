/*
 * export_stream.c - the exporter's TCP and TLS outputs: libfixbuf writes
 * into a FILE* whose cookie hands each message to the stream (stream.h),
 * which keeps it until the collector's TCP acknowledged it.
 *
 * A broken connection is noticed by the stream and settled here, at the
 * end of the exporter call that noticed it (fl_xstream_check): reconnect
 * with backoff; with libfixbuf's writes switched to "direct", export the
 * templates and RFC 5610 records and every options record sent so far,
 * so the new connection starts with them; then replay what was not
 * acknowledged.  The session and its fBuf live on, so nothing appended
 * is lost and the writer never has to append anything again.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <fixbuf/public.h>
#include <fixbuf/private.h>     /* fbSessionGet/SetSequence */

#include "error.h"
#include "log.h"
#include "output/export_int.h"

typedef struct {
    FlIdKind kind;
    guint32 id;
    char *name, *desc;
} OptCopy;

static void
opt_free(gpointer p)
{
    OptCopy *o = p;

    g_free(o->name);
    g_free(o->desc);
    g_free(o);
}

/* Keeps the worst outcome (FATAL over BROKEN over OK) and its reason. */
static void
note_io(FlExporter *e, FlIo r, GError *why)
{
    if (r > e->io) {
        e->io = r;
        g_clear_error(&e->io_err);
        e->io_err = why;
    } else if (why) {
        g_error_free(why);
    }
}

static void
deliver(FlExporter *e, const guint8 *msg, gsize len)
{
    GError *why = NULL;
    FlIo r = e->prologue ? fl_stream_write_direct(e->stream, msg, len, &why)
                         : fl_stream_append(e->stream, msg, len, &why);

    note_io(e, r, why);
}

/*
 * libfixbuf writes each message with one fwrite(), which reaches us as
 * one call on an unbuffered stream; anything else is put together here.
 * Never fails: a broken connection is settled after libfixbuf returns.
 */
static ssize_t
cookie_write(void *cookie, const char *buf, size_t len)
{
    FlExporter *e = cookie;
    const guint8 *b = (const guint8 *)buf;

    if (e->partial->len == 0 && len >= 16 && (gsize)(b[2] << 8 | b[3]) == len) {
        deliver(e, b, len);
        return (ssize_t)len;
    }
    g_byte_array_append(e->partial, b, (guint)len);
    while (e->partial->len >= 4) {
        guint8 *m = e->partial->data;
        gsize mlen = (gsize)(m[2] << 8 | m[3]);

        if (mlen < 16) {
            note_io(e, FL_IO_FATAL, g_error_new(FL_ERROR, FL_ERROR_EXPORT,
                    "libfixbuf wrote a message of %zu bytes", mlen));
            g_byte_array_set_size(e->partial, 0);
            break;
        }
        if (e->partial->len < mlen)
            break;
        deliver(e, m, mlen);
        g_byte_array_remove_range(e->partial, 0, (guint)mlen);
    }
    return (ssize_t)len;
}

gboolean
fl_xstream_open(FlExporter *e, GError **err)
{
    cookie_io_functions_t io = { NULL, cookie_write, NULL, NULL };
    FlStreamConfig sc;

    if (e->kind == FL_OUT_TLS) {
        FlTlsConfig tc = { e->tls_ca, e->tls_cert, e->tls_key,
                           e->tls_key_pass_file };
        e->tls = fl_tls_new(&tc, err);
        if (e->tls == NULL)
            return FALSE;
    }
    memset(&sc, 0, sizeof sc);
    sc.host = e->host;
    sc.port = e->port;
    sc.tls = e->tls;
    sc.replay_limit = e->cfg.replay_buffer;
    sc.timeout_s = MAX(e->cfg.reconnect_timeout, 1u);
    sc.stop = e->cfg.stop;
    e->stream = fl_stream_new(&sc);
    e->partial = g_byte_array_new();
    e->options = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                       opt_free);
    e->fp = fopencookie(e, "w", io);
    if (e->fp == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "fopencookie: %s",
                    g_strerror(errno));
        return FALSE;
    }
    setvbuf(e->fp, NULL, _IONBF, 0);
    return TRUE;
}

void
fl_xstream_free(FlExporter *e)
{
    g_clear_pointer(&e->stream, fl_stream_free);
    g_clear_pointer(&e->tls, fl_tls_free);
    if (e->partial)
        g_byte_array_free(e->partial, TRUE);
    e->partial = NULL;
    g_clear_pointer(&e->options, g_hash_table_destroy);
    g_clear_error(&e->io_err);
}

void
fl_xstream_remember_option(FlExporter *e, FlIdKind kind, guint32 id,
                           const char *name, const char *desc)
{
    gint64 *key = g_new(gint64, 1);
    OptCopy *o = g_new0(OptCopy, 1);

    *key = (gint64)kind << 32 | id;
    o->kind = kind;
    o->id = id;
    o->name = g_strndup(name, MAX_OPTION_STRING);
    o->desc = g_strndup(desc, MAX_OPTION_STRING);
    g_hash_table_replace(e->options, key, o);
}

/* Templates, RFC 5610 records and every options record known, written
 * straight to the new connection (e->prologue). */
static gboolean
write_prologue(FlExporter *e, GError **err)
{
    GHashTableIter it;
    gpointer v;

    if (!fbSessionExportTemplates(e->session, err) || !fBufEmit(e->fbuf, err))
        return FALSE;
    e->cur_int = e->cur_ext = 0;
    g_hash_table_iter_init(&it, e->options);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        OptCopy *o = v;

        if (!fl_exporter_append_option_rec(e, o->kind, o->id, o->name,
                                           o->desc, err))
            return FALSE;
    }
    return fBufEmit(e->fbuf, err);
}

/* Takes e->io's reason into *err and clears it. */
static FlIo
take_io(FlExporter *e, GError **err)
{
    FlIo r = e->io;

    if (e->io_err)
        g_propagate_error(err, e->io_err);
    else if (r != FL_IO_OK)
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "connection lost");
    e->io_err = NULL;
    e->io = FL_IO_OK;
    return r;
}

/*
 * One connection attempt: connect, prologue, replay.  *seq_end: the
 * sequence number after the last kept message (moves with the replay's
 * renumbering).
 */
static FlIo
try_connect(FlExporter *e, guint32 *seq_end, GError **err)
{
    guint64 resent = 0;
    guint32 seq;
    gboolean ok;
    FlIo r = fl_stream_connect(e->stream, err);

    if (r != FL_IO_OK)
        return r;
    /* The new connection numbers on from the oldest kept message. */
    fbSessionSetSequence(e->session,
                         fl_stream_first_seq(e->stream, *seq_end));
    e->prologue = TRUE;
    ok = write_prologue(e, err);
    e->prologue = FALSE;
    if (!ok)
        return FL_IO_FATAL;         /* libfixbuf's own error */
    if (e->io != FL_IO_OK) {
        r = take_io(e, err);
        fl_stream_disconnect(e->stream);
        return r;
    }
    seq = fbSessionGetSequence(e->session);
    r = fl_stream_replay(e->stream, &seq, *seq_end, &resent, err);
    fbSessionSetSequence(e->session, seq);
    *seq_end = seq;
    e->records_resent += resent;
    if (r != FL_IO_OK)
        fl_stream_disconnect(e->stream);
    return r;
}

gboolean
fl_xstream_connect_first(FlExporter *e, GError **err)
{
    guint32 seq_end = fbSessionGetSequence(e->session);
    FlIo r = try_connect(e, &seq_end, err);

    if (r == FL_IO_OK)
        fl_log_debug("%s: connected%s%s", e->output,
                     e->kind == FL_OUT_TLS ? " with " : "",
                     e->kind == FL_OUT_TLS ? "TLS" : "");
    return r == FL_IO_OK;
}

static FlExportResult
reconnect(FlExporter *e, GError **err)
{
    gint64 deadline = g_get_monotonic_time()
                      + (gint64)e->cfg.reconnect_timeout * G_USEC_PER_SEC;
    gboolean by_deadline = FALSE;
    gulong delay_ms = 100;
    guint64 resent0 = e->records_resent;
    guint32 seq_end;
    GError *why = NULL;

    take_io(e, &why);
    fl_log_warnx("%s: %s; reconnecting (what the collector did not "
                 "acknowledge will be sent again)", e->output,
                 why ? why->message : "connection lost");
    g_clear_error(&why);
    fl_stream_disconnect(e->stream);
    /* What libfixbuf still holds joins the kept messages. */
    if (!fBufEmit(e->fbuf, err)) {
        g_prefix_error(err, "%s: ", e->output);
        return FL_EXPORT_FAILED;
    }
    take_io(e, &why);
    g_clear_error(&why);
    seq_end = fbSessionGetSequence(e->session);
    /* A Lambda invocation's deadline comes first (set_deadline). */
    if (e->deadline_us && e->deadline_us < deadline) {
        deadline = e->deadline_us;
        by_deadline = TRUE;
    }
    for (;;) {
        GError *local = NULL;
        FlIo r;

        if (e->cfg.stop && g_atomic_int_get(e->cfg.stop)) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT,
                        "%s: stopped while reconnecting", e->output);
            return FL_EXPORT_FAILED;
        }
        r = try_connect(e, &seq_end, &local);
        if (r == FL_IO_OK) {
            e->reconnects++;
            fl_log_info("%s: reconnected; %" G_GUINT64_FORMAT " flow "
                        "records sent again", e->output,
                        e->records_resent - resent0);
            return FL_EXPORT_OK;
        }
        if (r == FL_IO_FATAL) {
            g_propagate_prefixed_error(err, local, "%s: ", e->output);
            return FL_EXPORT_FAILED;
        }
        if (g_get_monotonic_time() > deadline) {
            if (by_deadline)
                g_set_error(err, FL_ERROR, FL_ERROR_EXPORT,
                            "%s: collector unreachable until the "
                            "invocation's deadline: %s", e->output,
                            local->message);
            else
                g_set_error(err, FL_ERROR, FL_ERROR_EXPORT,
                            "%s: collector unreachable for %u s: %s",
                            e->output, e->cfg.reconnect_timeout,
                            local->message);
            g_clear_error(&local);
            return FL_EXPORT_FAILED;
        }
        fl_log_debug("%s: reconnect failed: %s", e->output, local->message);
        g_clear_error(&local);
        g_usleep((gulong)MIN((gint64)delay_ms * 1000,
                             MAX(deadline - g_get_monotonic_time(), 0)));
        delay_ms = MIN(delay_ms * 2, 2000);
    }
}

FlExportResult
fl_xstream_check(FlExporter *e, GError **err)
{
    if (e->io == FL_IO_OK)
        return FL_EXPORT_OK;
    if (e->io == FL_IO_FATAL) {
        take_io(e, err);
        g_prefix_error(err, "%s: ", e->output);
        return FL_EXPORT_FAILED;
    }
    return reconnect(e, err);
}

FlExportResult
fl_xstream_write(FlExporter *e, const guint8 *msg, gsize len, GError **err)
{
    GError *why = NULL;
    FlIo r = fl_stream_append(e->stream, msg, len, &why);

    note_io(e, r, why);
    return fl_xstream_check(e, err);
}

FlExportResult
fl_xstream_flush(FlExporter *e, gboolean sync, GError **err)
{
    for (;;) {
        GError *why = NULL;
        FlIo r;
        FlExportResult x = fl_xstream_check(e, err);

        if (x != FL_EXPORT_OK)
            return x;
        r = sync ? fl_stream_sync(e->stream, &why)
                 : fl_stream_flush(e->stream, &why);
        if (r == FL_IO_OK)
            return FL_EXPORT_OK;
        /* Broken: reconnect and replay (the check above), then again. */
        note_io(e, r, why);
    }
}

FlExportResult
fl_xstream_poll(FlExporter *e, GError **err)
{
    GError *why = NULL;
    FlIo r = fl_stream_poll(e->stream, &why);

    note_io(e, r, why);
    return fl_xstream_check(e, err);
}

gboolean
fl_xstream_close(FlExporter *e, GError **err)
{
    GError *why = NULL;

    if (fl_xstream_flush(e, TRUE, err) != FL_EXPORT_OK)
        return FALSE;
    if (fl_stream_close(e->stream, &why) != FL_IO_OK) {
        g_propagate_prefixed_error(err, why, "%s: ", e->output);
        return FALSE;
    }
    return TRUE;
}
