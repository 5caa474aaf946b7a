/*
 * export.c - libfixbuf session, templates, transport and recovery.
 *
 * What libfixbuf 2.4.1 does not do for us, and this file does (see
 * ../shared/reference/libfixbuf-2.4.1.md §4):
 *  - SCTP/TLS abort the process in Debian's build: SCTP is refused up
 *    front, TLS is ours (tls.c).
 *  - After a TCP failure it would reconnect silently without templates:
 *    TCP and TLS use a socket of ours with a replay buffer
 *    (export_stream.c, stream.c).
 *  - UDP send errors are swallowed: its datagrams leave by a socket of
 *    ours that counts refusals (udp.c).
 *  - No UDP template refresh: we re-export every --template-refresh s.
 *  - Records wait in the buffer until it fills: we emit once a second.
 *  - RFC 5610 records must be enabled before the external templates are
 *    added and before fBufAllocForExport, or collectors see an unknown
 *    element in the first template copy.
 */
/* config.h first (_GNU_SOURCE: fopencookie); safe before libfixbuf's
 * headers because it defines neither HAVE_SPREAD nor HAVE_OPENSSL, the
 * names those headers test (reference §9, item 21). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fixbuf/public.h>
#include <fixbuf/private.h>     /* fbSessionGet/SetSequence: see
                                   fl_exporter_write_message() */

#include "error.h"
#include "output/export.h"
#include "output/infomodel.h"
#include "log.h"
#include "output/stream.h"
#include "output/templates.h"
#include "output/udp.h"
#include "output/rotate.h"

#include "output/export_int.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(fbSession_t, fbSessionFree)

const char *
fl_output_transports(void)
{
#ifdef FL_HAVE_FIXBUF_SCTP
    return "file, tcp, tls, udp, sctp";
#else
    return "file, tcp, tls, udp (no sctp: libfixbuf was built without it)";
#endif
}

static inline gboolean
is_stream(const FlExporter *e)
{
    return e->kind == FL_OUT_TCP || e->kind == FL_OUT_TLS;
}

gboolean
fl_output_parse(const char *uri, FlOutputKind *kind, char **host,
                char **port, GError **err)
{
    static const struct { const char *prefix; FlOutputKind kind; } schemes[] = {
        { "tcp://", FL_OUT_TCP }, { "udp://", FL_OUT_UDP },
        { "sctp://", FL_OUT_SCTP }, { "tls://", FL_OUT_TLS },
    };
    const char *rest = NULL, *colon;

    *host = *port = NULL;
    for (guint i = 0; i < G_N_ELEMENTS(schemes); i++) {
        if (g_str_has_prefix(uri, schemes[i].prefix)) {
            *kind = schemes[i].kind;
            rest = uri + strlen(schemes[i].prefix);
        }
    }
    if (rest == NULL) {
        if (strstr(uri, "://")) {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                        "output '%s': unknown scheme (use a path, -, "
                        "tcp://, tls://, udp:// or sctp://)", uri);
            return FALSE;
        }
        if (*uri == '\0') {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "empty output path");
            return FALSE;
        }
        *kind = FL_OUT_FILE;
        return TRUE;
    }
    if (*rest == '[') {
        const char *close = strchr(rest, ']');
        if (close == NULL || close[1] != ':')
            goto bad;
        *host = g_strndup(rest + 1, (gsize)(close - rest - 1));
        colon = close + 1;
    } else {
        colon = strrchr(rest, ':');
        if (colon == NULL || colon == rest || memchr(rest, ':',
                                                    (gsize)(colon - rest)))
            goto bad;
        *host = g_strndup(rest, (gsize)(colon - rest));
    }
    {
        guint64 p;
        if (!g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &p, NULL))
            goto bad;
        *port = g_strdup(colon + 1);
    }
#ifndef FL_HAVE_FIXBUF_SCTP
    if (*kind == FL_OUT_SCTP) {
        g_clear_pointer(host, g_free);
        g_clear_pointer(port, g_free);
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                    "output '%s': the linked libfixbuf was built without "
                    "SCTP support (Debian's is); use tcp:// or udp://", uri);
        return FALSE;
    }
#endif
    return TRUE;
bad:
    g_clear_pointer(host, g_free);
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                "output '%s': expected SCHEME://HOST:PORT (IPv6 as "
                "[ADDR]:PORT, port 1-65535)", uri);
    return FALSE;
}

static gboolean
add_data_template(FlExporter *e, fbSession_t *s, guint variant, GError **err)
{
    return fl_template_add(s, FALSE, fl_variant_tid(variant),
                           e->model, FL_TMPL_DATA_EXTERNAL, variant, err);
}

/*
 * UDP: libfixbuf's own UDP exporter (its framing) aimed at our relay;
 * SCTP: libfixbuf's own.  Everything else writes into our FILE*.
 */
static fbExporter_t *
open_transport(FlExporter *e, const char *relay_host, const char *relay_port)
{
    fbConnSpec_t spec = FB_CONNSPEC_INIT;

    if (e->kind == FL_OUT_FILE || is_stream(e))
        return fbExporterAllocFP(e->fp);
    /* FB_CONNSPEC_INIT defaults to SCTP, which aborts in Debian's build:
     * always set the transport explicitly. */
    spec.transport = FB_UDP;
    spec.host = (char *)relay_host;
    spec.svc = (char *)relay_port;
#ifdef FL_HAVE_FIXBUF_SCTP
    if (e->kind == FL_OUT_SCTP) {
        spec.transport = FB_SCTP;
        spec.host = e->host;
        spec.svc = e->port;
    }
#endif
    return fbExporterAllocNet(&spec);
}

/*
 * Files are opened here rather than by libfixbuf, so that encoded messages
 * from the worker threads (fl_exporter_write_message) go into the same
 * stream as libfixbuf's own, in order, through one large buffer.
 */
static gboolean
open_file(FlExporter *e, GError **err)
{
    if (strcmp(e->output, "-") == 0) {
        if (isatty(STDOUT_FILENO)) {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                        "refusing to write IPFIX to a terminal; use -o FILE "
                        "or a pipe");
            return FALSE;
        }
        e->fp = stdout;
    } else {
        e->fp = fopen(e->output, "wb");
        if (e->fp == NULL) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s: %s", e->output,
                        g_strerror(errno));
            return FALSE;
        }
    }
    setvbuf(e->fp, NULL, _IOFBF, 1 << 20);
    return TRUE;
}

/* The session's templates, internal and external (before the fBuf). */
static gboolean
add_templates(FlExporter *e, fbSession_t *s, GError **err)
{
    fbSessionSetDomain(s, e->cfg.domain);
    if (!fl_template_add(s, TRUE, FL_TID_INT_DATA, e->model,
                         FL_TMPL_DATA_INTERNAL, 0, err))
        return FALSE;
    if (!e->cfg.no_options) {
        if (!fl_template_add(s, TRUE, FL_TID_INT_IF_OPTION, e->model,
                             FL_TMPL_IF_OPTION_INTERNAL, 0, err)
            || !fl_template_add(s, TRUE, FL_TID_INT_VRF_OPTION, e->model,
                                FL_TMPL_VRF_OPTION_INTERNAL, 0, err))
            return FALSE;
        if (!fbSessionSetMetadataExportElements(s, TRUE, FL_TID_TYPE_INFO,
                                                err))
            return FALSE;
        if (!fl_template_add(s, FALSE, FL_TID_IF_OPTION, e->model,
                             FL_TMPL_IF_OPTION, 0, err)
            || !fl_template_add(s, FALSE, FL_TID_VRF_OPTION, e->model,
                                FL_TMPL_VRF_OPTION, 0, err))
            return FALSE;
    }
    return TRUE;
}

/* Builds session, templates and transport; sends templates and RFC 5610
 * records.  On failure the fBuf is freed. */
static gboolean
build(FlExporter *e, GError **err)
{
    g_autoptr(fbSession_t) s = fbSessionAlloc(e->model);
    g_autofree char *relay_host = NULL, *relay_port = NULL;
    gboolean ok;

    if (!add_templates(e, s, err))
        return FALSE;
    /* A session built again (the next rotating file) starts with every
     * data template used so far: the workers' messages refer to them. */
    for (guint v = 0; v < FL_V_COUNT; v++)
        if (e->variants_used[v / 64] & (G_GUINT64_CONSTANT(1) << (v % 64)))
            if (!add_data_template(e, s, v, err))
                return FALSE;
    if (e->kind == FL_OUT_UDP) {
        e->relay = fl_udp_relay_new(e->host, e->port, &relay_host,
                                    &relay_port, err);
        if (e->relay == NULL)
            return FALSE;
    }
    /* Create the exporter right before the fBuf takes it: no leak window. */
    e->fbuf = fBufAllocForExport(s, open_transport(e, relay_host,
                                                   relay_port));
    e->session = g_steal_pointer(&s);
    e->cur_int = e->cur_ext = 0;
    if (is_stream(e))
        ok = fl_xstream_connect_first(e, err);
    else
        ok = fbSessionExportTemplates(e->session, err)
             && fBufEmit(e->fbuf, err);
    if (!ok) {
        g_clear_pointer(&e->fbuf, fBufFree);
        e->session = NULL;
        return FALSE;
    }
    if (e->relay)
        fl_udp_relay_pump(e->relay);
    e->generation++;
    e->connections++;
    e->last_emit_us = e->last_templates_us = g_get_monotonic_time();
    e->last_templates_real_us = g_get_real_time();
    e->batches_since_templates = 0;
    e->dirty = FALSE;
    return TRUE;
}

static void
exporter_free(FlExporter *e)
{
    g_clear_pointer(&e->fbuf, fBufFree);
    if (e->rot) {
        guint64 ignored;
        fl_rotator_close(e->rot, FALSE, &ignored, NULL);
    } else if (e->fp && e->fp != stdout) {
        fclose(e->fp);
    }
    fl_xstream_free(e);
    g_clear_pointer(&e->relay, fl_udp_relay_free);
    g_clear_pointer(&e->model, fbInfoModelFree);
    g_free(e->host);
    g_free(e->port);
    g_free(e->output);
    g_free(e->infomodel_dir);
    g_free(e->tls_ca);
    g_free(e->tls_cert);
    g_free(e->tls_key);
    g_free(e->tls_key_pass_file);
    g_free(e);
}

static gboolean
check_tls_settings(const FlExporter *e, GError **err)
{
    if (e->kind != FL_OUT_TLS && (e->tls_ca || e->tls_cert || e->tls_key
                                  || e->tls_key_pass_file)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--tls-* options apply "
                    "to tls:// outputs only");
        return FALSE;
    }
    return TRUE;
}

FlExporter *
fl_exporter_new(const FlExportConfig *cfg, GError **err)
{
    FlExporter *e = g_new0(FlExporter, 1);

    e->cfg = *cfg;
    e->output = g_strdup(cfg->output);
    e->infomodel_dir = g_strdup(cfg->infomodel_dir);
    e->tls_ca = g_strdup(cfg->tls_ca);
    e->tls_cert = g_strdup(cfg->tls_cert);
    e->tls_key = g_strdup(cfg->tls_key);
    e->tls_key_pass_file = g_strdup(cfg->tls_key_pass_file);
    e->cfg.output = e->output;
    e->cfg.infomodel_dir = e->infomodel_dir;
    if (e->cfg.replay_buffer == 0)
        e->cfg.replay_buffer = 8 << 20;
    if (cfg->rotate) {
        e->kind = FL_OUT_FILE;
    } else if (!fl_output_parse(e->output, &e->kind, &e->host, &e->port,
                                err)) {
        goto fail;
    }
    if (!check_tls_settings(e, err))
        goto fail;
    e->model = fl_infomodel_load(e->infomodel_dir, err);
    if (e->model == NULL)
        goto fail;
    if (!fl_template_check_layout(e->model, err))
        goto fail;
    if (cfg->rotate) {
        e->rot = fl_rotator_open(cfg->rotate, err);
        if (e->rot == NULL)
            goto fail;
        e->fp = fl_rotator_fp(e->rot);
    } else if (e->kind == FL_OUT_FILE && !open_file(e, err)) {
        goto fail;
    }
    if (is_stream(e) && !fl_xstream_open(e, err))
        goto fail;

    if (!build(e, err)) {
        g_prefix_error(err, "%s: ", e->output);
        if ((*err)->domain != FL_ERROR) {
            GError *wrapped = g_error_new(FL_ERROR, FL_ERROR_EXPORT, "%s",
                                          (*err)->message);
            g_clear_error(err);
            g_propagate_error(err, wrapped);
        }
        goto fail;
    }
    return e;
fail:
    exporter_free(e);
    return NULL;
}

/*
 * A libfixbuf call failed.  With our own transports its writes cannot
 * fail (they go to our FILE* or to the loopback relay), so this is
 * libfixbuf's own error, or a file write error: final either way.
 */
static FlExportResult
fail(FlExporter *e, GError **err)
{
    g_prefix_error(err, "%s: ", e->output);
    return FL_EXPORT_FAILED;
}

/* After libfixbuf may have written: settle the stream, pump the relay. */
static inline FlExportResult
after_write(FlExporter *e, GError **err)
{
    if (is_stream(e))
        return fl_xstream_check(e, err);
    if (e->relay)
        fl_udp_relay_pump(e->relay);
    return FL_EXPORT_OK;
}

gboolean
fl_exporter_set_templates(FlExporter *e, guint16 int_tid, guint16 ext_tid,
                          GError **err)
{
    if (e->cur_int != int_tid) {
        if (!fBufSetInternalTemplate(e->fbuf, int_tid, err))
            return FALSE;
        e->cur_int = int_tid;
    }
    if (e->cur_ext != ext_tid) {
        if (!fBufSetExportTemplate(e->fbuf, ext_tid, err))
            return FALSE;
        e->cur_ext = ext_tid;
    }
    return TRUE;
}

FlExportResult
fl_exporter_append_data(FlExporter *e, guint variant, FlIpfixRec *rec,
                        GError **err)
{
    guint16 tid = fl_variant_tid(variant);

    if (G_UNLIKELY(e->cur_ext != tid || e->cur_int != FL_TID_INT_DATA)) {
        FlExportResult x = fl_exporter_ensure_variant(e, variant, err);

        if (x != FL_EXPORT_OK)
            return x;
        if (!fl_exporter_set_templates(e, FL_TID_INT_DATA, tid, err))
            return fail(e, err);
    }
    if (G_UNLIKELY(!fBufAppend(e->fbuf, (uint8_t *)rec, sizeof *rec, err)))
        return fail(e, err);
    e->dirty = TRUE;
    /* UDP: libfixbuf sends a datagram every ~25 records; forward them
     * before the loopback queue fills. */
    if (G_UNLIKELY(is_stream(e) && e->io != FL_IO_OK)
        || (e->relay && ++e->appends % 64 == 0))
        return after_write(e, err);
    return FL_EXPORT_OK;
}

/* One options record in a message of its own (no caching, no checks). */
gboolean
fl_exporter_append_option_rec(FlExporter *e, FlIdKind kind, guint32 id,
                              const char *name, const char *desc,
                              GError **err)
{
    FlOptionRec r;

    memset(&r, 0, sizeof r);
    r.id = id;
    r.name.buf = (uint8_t *)name;
    r.name.len = MIN(strlen(name), MAX_OPTION_STRING);
    r.desc.buf = (uint8_t *)desc;
    r.desc.len = MIN(strlen(desc), MAX_OPTION_STRING);
    /* An options record has strings, so unlike a data record it may not
     * fit in what is left of the message; libfixbuf 2.4.1 then emits the
     * message with an empty set, which RFC 7011 forbids and tshark flags.
     * Options are rare (first use, refresh), so start each one in a fresh
     * message: it always fits (2 x MAX_OPTION_STRING < UDP's 1420). */
    if (!fBufEmit(e->fbuf, err))
        return FALSE;
    if (kind == FL_ID_INTERFACE) {
        if (!fl_exporter_set_templates(e, FL_TID_INT_IF_OPTION,
                                       FL_TID_IF_OPTION, err))
            return FALSE;
    } else if (!fl_exporter_set_templates(e, FL_TID_INT_VRF_OPTION,
                                          FL_TID_VRF_OPTION, err)) {
        return FALSE;
    }
    if (!fBufAppend(e->fbuf, (uint8_t *)&r, sizeof r, err))
        return FALSE;
    e->dirty = TRUE;
    return TRUE;
}

FlExportResult
fl_exporter_append_option(FlExporter *e, FlIdKind kind, guint32 id,
                          const char *name, const char *desc, GError **err)
{
    if (e->cfg.no_options)
        return FL_EXPORT_OK;
    /* A new TCP/TLS connection gets every options record again first. */
    if (is_stream(e))
        fl_xstream_remember_option(e, kind, id, name, desc);
    if (!fl_exporter_append_option_rec(e, kind, id, name, desc, err))
        return fail(e, err);
    return after_write(e, err);
}

static FlExportResult rotating_tick(FlExporter *e, gint64 now_us,
                                    GError **err);

FlExportResult
fl_exporter_tick(FlExporter *e, gint64 now_us, GError **err)
{
    FlExportResult x;

    if (e->kind == FL_OUT_FILE)
        return e->rot ? rotating_tick(e, now_us, err) : FL_EXPORT_OK;
    if (e->kind == FL_OUT_UDP && e->cfg.template_refresh > 0
        && now_us - e->last_templates_us
           >= (gint64)e->cfg.template_refresh * G_USEC_PER_SEC) {
        /* Templates always start a new message; this emits pending data
         * first.  Options are due again too (generation). */
        if (!fbSessionExportTemplates(e->session, err))
            return fail(e, err);
        e->cur_int = e->cur_ext = 0;
        e->last_templates_us = now_us;
        e->last_templates_real_us = g_get_real_time();
        e->batches_since_templates = 0;
        e->generation++;
        e->dirty = TRUE;
    }
    if (now_us - e->last_emit_us < G_USEC_PER_SEC)
        return after_write(e, err);
    if (e->dirty && !fBufEmit(e->fbuf, err))
        return fail(e, err);
    e->last_emit_us = now_us;
    e->dirty = FALSE;
    if (!is_stream(e))
        return after_write(e, err);
    /* Once a second: send what waits, and look at the collector (a
     * closed connection is rebuilt now, not at the next write). */
    x = fl_xstream_flush(e, FALSE, err);
    return x == FL_EXPORT_OK ? fl_xstream_poll(e, err) : x;
}

gboolean
fl_exporter_takes_messages(const FlExporter *e)
{
    return !e->records_only && (e->kind == FL_OUT_FILE || is_stream(e));
}

void
fl_exporter_set_records_only(FlExporter *e, gboolean records_only)
{
    e->records_only = records_only;
}

FlExportResult
fl_exporter_ensure_variant(FlExporter *e, guint variant, GError **err)
{
    guint64 bit = G_GUINT64_CONSTANT(1) << (variant % 64);

    if (e->variants_used[variant / 64] & bit)
        return FL_EXPORT_OK;
    e->variants_used[variant / 64] |= bit;
    if (!add_data_template(e, e->session, variant, err))
        return fail(e, err);
    e->dirty = TRUE;
    return after_write(e, err);
}

FlExportResult
fl_exporter_write_message(FlExporter *e, guint8 *msg, gsize len,
                          guint32 n_records, GError **err)
{
    guint32 seq;

    g_return_val_if_fail(e->fp != NULL && len >= 16, FL_EXPORT_FAILED);
    /* Templates and options waiting in libfixbuf's buffer go first. */
    if (!fBufEmit(e->fbuf, err))
        return fail(e, err);
    e->dirty = FALSE;
    /* One sequence for the domain (RFC 7011): data records before this
     * message, counting libfixbuf's options records and ours.  libfixbuf
     * 2.4.1 keeps the counter but offers no public setter. */
    seq = fbSessionGetSequence(e->session);
    msg[8] = (guint8)(seq >> 24);
    msg[9] = (guint8)(seq >> 16);
    msg[10] = (guint8)(seq >> 8);
    msg[11] = (guint8)seq;
    /* Counted before the write: a reconnection inside it renumbers the
     * kept messages up to here. */
    fbSessionSetSequence(e->session, seq + n_records);
    e->file_records += n_records;
    if (is_stream(e))
        return fl_xstream_write(e, msg, len, err);
    if (fwrite(msg, 1, len, e->fp) != len) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s: write: %s",
                    e->output, g_strerror(errno));
        return FL_EXPORT_FAILED;
    }
    return FL_EXPORT_OK;
}

void
fl_exporter_encoder_settings(const FlExporter *e, const char **infomodel_dir,
                             guint32 *domain)
{
    *infomodel_dir = e->infomodel_dir;
    *domain = e->cfg.domain;
}

FlExportResult
fl_exporter_flush(FlExporter *e, GError **err)
{
    if (e->dirty) {
        if (!fBufEmit(e->fbuf, err))
            return fail(e, err);
        e->last_emit_us = g_get_monotonic_time();
        e->dirty = FALSE;
    }
    if (is_stream(e))
        return fl_xstream_flush(e, FALSE, err);
    return after_write(e, err);
}

FlExportResult
fl_exporter_sync(FlExporter *e, GError **err)
{
    FlExportResult r = fl_exporter_flush(e, err);

    if (r != FL_EXPORT_OK)
        return r;
    if (is_stream(e))
        return fl_xstream_flush(e, TRUE, err);
    if (e->rot) {
        if (!fl_rotator_sync(e->rot, err)) {
            g_prefix_error(err, "%s: ", e->output);
            return FL_EXPORT_FAILED;
        }
        return FL_EXPORT_OK;
    }
    if (e->kind == FL_OUT_FILE && e->fp && fflush(e->fp) != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s: %s", e->cfg.output,
                    g_strerror(errno));
        return FL_EXPORT_FAILED;
    }
    return FL_EXPORT_OK;
}

guint64
fl_exporter_reconnects(const FlExporter *e)
{
    return e->reconnects;
}

guint
fl_exporter_generation(const FlExporter *e)
{
    return e->generation;
}

gboolean
fl_exporter_options_enabled(const FlExporter *e)
{
    return !e->cfg.no_options;
}

FlOutputKind
fl_exporter_kind(const FlExporter *e)
{
    return e->kind;
}

/* UDP at the end: were datagrams refused? */
static gboolean
close_udp(FlExporter *e, FlExportCounts *counts, GError **err)
{
    guint64 refused, lost;

    /* ICMP errors come back a moment after the datagram. */
    fl_udp_relay_drain(e->relay, 200);
    refused = fl_udp_relay_refused(e->relay);
    lost = fl_udp_relay_lost(e->relay);
    counts->datagrams_refused = refused;
    if (lost)
        fl_log_warnx("%s: %" G_GUINT64_FORMAT " datagram(s) could not be "
                     "sent", e->output, lost);
    if (refused == 0)
        return TRUE;
    if (e->cfg.udp_best_effort) {
        fl_log_warnx("%s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                     " datagram(s) refused by the collector's host (ICMP "
                     "port unreachable); --udp-best-effort: not an error",
                     e->output, refused, fl_udp_relay_sent(e->relay));
        return TRUE;
    }
    g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s: %" G_GUINT64_FORMAT
                " of %" G_GUINT64_FORMAT " datagram(s) refused by the "
                "collector's host (ICMP port unreachable: nothing listened "
                "there); their records are lost (--udp-best-effort accepts "
                "this)", e->output, refused, fl_udp_relay_sent(e->relay));
    return FALSE;
}

gboolean
fl_exporter_close(FlExporter *e, FlExportCounts *counts, GError **err)
{
    gboolean ok = TRUE;
    struct stat st;

    memset(counts, 0, sizeof *counts);
    if (e->fbuf) {
        if (!fBufEmit(e->fbuf, err)) {
            g_prefix_error(err, "%s: ", e->output);
            ok = FALSE;
        }
        if (ok && is_stream(e))
            ok = fl_xstream_close(e, err);
        if (ok && e->relay)
            ok = close_udp(e, counts, err);
        /* fBufFree closes libfixbuf's sockets and frees the session; a
         * FILE* of ours it leaves alone. */
        g_clear_pointer(&e->fbuf, fBufFree);
    }
    if (e->rot) {
        /* The last file is completed (renamed) even after an error, if
         * it has records: they are whole messages. */
        if (!fl_rotator_close(e->rot, e->file_records > 0,
                              &counts->bytes_out, ok ? err : NULL))
            ok = FALSE;
        e->rot = NULL;
        e->fp = NULL;
    } else if (e->fp) {
        int rc = e->fp == stdout ? fflush(e->fp) : fclose(e->fp);
        if (rc != 0 && ok) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s: %s", e->output,
                        g_strerror(errno));
            ok = FALSE;
        }
        e->fp = NULL;
    }
    if (e->kind == FL_OUT_FILE && counts->bytes_out == 0) {
        if (strcmp(e->output, "-") == 0 ? fstat(1, &st) == 0
                                        : stat(e->output, &st) == 0)
            if (S_ISREG(st.st_mode))
                counts->bytes_out = (guint64)st.st_size;
    }
    counts->records_resent = e->records_resent;
    counts->reconnects = e->reconnects;
    exporter_free(e);
    return ok;
}
/* ---- Lambda: between invocations (fl_exporter_begin) ----------------- */

/* UDP: templates again when due by count or by either clock (the
 * monotonic one stands still while Lambda freezes the process). */
static gboolean
templates_due(const FlExporter *e, guint every_n)
{
    gint64 refresh = (gint64)e->cfg.template_refresh * G_USEC_PER_SEC;

    if (every_n > 0 && e->batches_since_templates >= every_n)
        return TRUE;
    if (refresh == 0)
        return FALSE;
    return g_get_monotonic_time() - e->last_templates_us >= refresh
           || g_get_real_time() - e->last_templates_real_us >= refresh;
}

FlExportResult
fl_exporter_begin(FlExporter *e, guint every_n, GError **err)
{
    /* TCP/TLS: a connection the collector closed while the process was
     * frozen is rebuilt now (templates, options, then what it had not
     * acknowledged), before new records go into it. */
    if (is_stream(e))
        return fl_xstream_poll(e, err);
    if (e->fbuf == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s: the output "
                    "failed before", e->output);
        return FL_EXPORT_FAILED;
    }
    e->batches_since_templates++;
    if (e->kind == FL_OUT_UDP && templates_due(e, every_n)) {
        if (!fbSessionExportTemplates(e->session, err))
            return fail(e, err);
        e->cur_int = e->cur_ext = 0;
        e->last_templates_us = g_get_monotonic_time();
        e->last_templates_real_us = g_get_real_time();
        e->batches_since_templates = 0;
        e->generation++;
        e->dirty = TRUE;
    }
    return FL_EXPORT_OK;
}

void
fl_exporter_set_deadline(FlExporter *e, gint64 until_us)
{
    e->deadline_us = until_us;
}

guint
fl_exporter_connections(const FlExporter *e)
{
    return e->connections + (guint)e->reconnects;
}

/* ---- rotating files (-o dir://, rotate.c) ---------------------------- */

/*
 * Between two messages: completes the current file when it is due and
 * begins the next, with a new session, so that it starts with its
 * templates; the new generation tells the writer that options records are
 * due again.  A file without data records is removed, not completed.
 */
FlExportResult
fl_exporter_boundary(FlExporter *e, GError **err)
{
    if (e->rot == NULL || !fl_rotator_due(e->rot, g_get_monotonic_time()))
        return FL_EXPORT_OK;
    if (!fBufEmit(e->fbuf, err))
        goto fail;
    /* fBufFree frees the session; our FILE* it leaves alone. */
    g_clear_pointer(&e->fbuf, fBufFree);
    e->session = NULL;
    e->fp = NULL;
    if (!fl_rotator_next(e->rot, e->file_records > 0, err))
        goto fail;
    e->file_records = 0;
    e->fp = fl_rotator_fp(e->rot);
    if (!build(e, err))
        goto fail;
    return FL_EXPORT_OK;
fail:
    g_prefix_error(err, "%s: ", e->output);
    return FL_EXPORT_FAILED;
}

/* The temporary file is flushed once a second: its size shows how far
 * the run got (pollers skip it).  Durability is fl_exporter_sync's job:
 * after a crash the next start completes the file up to its last whole
 * message. */
static FlExportResult
rotating_tick(FlExporter *e, gint64 now_us, GError **err)
{
    if (now_us - e->last_emit_us >= G_USEC_PER_SEC) {
        if (fflush(e->fp) != 0) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s: %s", e->output,
                        g_strerror(errno));
            return FL_EXPORT_FAILED;
        }
        e->last_emit_us = now_us;
    }
    return fl_exporter_boundary(e, err);
}

void
fl_exporter_request_rotate(FlExporter *e)
{
    if (e->rot)
        fl_rotator_request(e->rot);
}

gboolean
fl_exporter_rotates(const FlExporter *e)
{
    return e->rot != NULL;
}
