/*
 * export.c - libfixbuf session, templates, transport and recovery.
 *
 * What libfixbuf 2.4.1 does not do for us, and this file does (see
 * ../shared/reference/libfixbuf-2.4.1.md §4):
 *  - SCTP/TLS abort the process in Debian's build: refused up front.
 *  - After a TCP failure it would reconnect silently without templates:
 *    we free the fBuf and rebuild session, templates and connection.
 *  - No UDP template refresh: we re-export every --template-refresh s.
 *  - Records wait in the buffer until it fills: we emit once a second.
 *  - RFC 5610 records must be enabled before the external templates are
 *    added and before fBufAllocForExport, or collectors see an unknown
 *    element in the first template copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/stat.h>
/* libfixbuf's headers test HAVE_* macros of their own: include them
 * before our config.h (reference §9, item 21). */
#include <fixbuf/public.h>
#include <fixbuf/private.h>     /* fbSessionGet/SetSequence: see
                                   fl_exporter_write_message() */

#include "config.h"
#include "error.h"
#include "output/export.h"
#include "output/infomodel.h"
#include "log.h"
#include "output/templates.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(fbSession_t, fbSessionFree)

/* Strings longer than this are cut so that one options record always fits
 * in a UDP message (1420 bytes); see libfixbuf reference §4.2. */
#define MAX_OPTION_STRING 512

struct FlExporter {
    FlExportConfig cfg;
    char *output;
    char *infomodel_dir;
    FlOutputKind kind;
    char *host, *port;
    fbInfoModel_t *model;
    fBuf_t *fbuf;               /* owns session and fbExporter */
    fbSession_t *session;       /* borrowed from fbuf */
    guint64 variants_used[FL_V_COUNT / 64];
    guint16 cur_int, cur_ext;
    guint generation;
    guint64 reconnects;
    gint64 last_emit_us, last_templates_us;
    gboolean dirty;             /* appended since last emit */
    FILE *fp;                   /* file and TCP outputs: ours; libfixbuf
                                   writes through it and so do we */
    gboolean unflushed;         /* TCP: bytes in fp's buffer */
};

gboolean
fl_output_parse(const char *uri, FlOutputKind *kind, char **host,
                char **port, GError **err)
{
    static const struct { const char *prefix; FlOutputKind kind; } schemes[] = {
        { "tcp://", FL_OUT_TCP }, { "udp://", FL_OUT_UDP },
        { "sctp://", FL_OUT_SCTP },
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
                        "tcp://, udp:// or sctp://)", uri);
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
    return fl_template_add(s, FALSE, (guint16)(FL_TID_DATA_BASE + variant),
                           e->model, FL_TMPL_DATA_EXTERNAL, variant, err);
}

static fbExporter_t *
open_transport(FlExporter *e)
{
    fbConnSpec_t spec = FB_CONNSPEC_INIT;

    if (e->kind == FL_OUT_FILE || e->kind == FL_OUT_TCP)
        return fbExporterAllocFP(e->fp);
    /* FB_CONNSPEC_INIT defaults to SCTP, which aborts in Debian's build:
     * always set the transport explicitly. */
    spec.transport = e->kind == FL_OUT_TCP ? FB_TCP : FB_UDP;
#ifdef FL_HAVE_FIXBUF_SCTP
    if (e->kind == FL_OUT_SCTP)
        spec.transport = FB_SCTP;
#endif
    spec.host = e->host;
    spec.svc = e->port;
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

/* How long a TCP connect may take (libfixbuf's own connect blocks for the
 * kernel's SYN timeout, about two minutes). */
#define CONNECT_TIMEOUT_MS 10000

static int
connect_with_timeout(const struct addrinfo *ai, int *err_no)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC
                    | SOCK_NONBLOCK, ai->ai_protocol);
    struct pollfd pfd;
    socklen_t sl = sizeof *err_no;

    if (fd < 0) {
        *err_no = errno;
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            *err_no = errno;
            close(fd);
            return -1;
        }
        pfd.fd = fd;
        pfd.events = POLLOUT;
        if (poll(&pfd, 1, CONNECT_TIMEOUT_MS) != 1) {
            *err_no = ETIMEDOUT;
            close(fd);
            return -1;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err_no, &sl) != 0
            || *err_no != 0) {
            close(fd);
            return -1;
        }
    }
    /* Blocking from here: the writer waits for a slow collector rather
     * than dropping records (TCP's back-pressure is the point of TCP). */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/*
 * TCP outputs keep their own socket (through a FILE*) instead of
 * libfixbuf's: worker-encoded messages can then go into the same stream,
 * and the connect has a timeout.  FL_ERROR_EXPORT naming host and port.
 */
static gboolean
open_tcp(FlExporter *e, GError **err)
{
    struct addrinfo hints, *res = NULL;
    int rc, fd = -1, err_no = 0;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(e->host, e->port, &hints, &res);
    if (rc != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s:%s: %s", e->host,
                    e->port, gai_strerror(rc));
        return FALSE;
    }
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
        fd = connect_with_timeout(ai, &err_no);
    freeaddrinfo(res);
    if (fd < 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT,
                    "couldn't connect to %s:%s: %s", e->host, e->port,
                    g_strerror(err_no));
        return FALSE;
    }
    e->fp = fdopen(fd, "w");
    if (e->fp == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "fdopen: %s",
                    g_strerror(errno));
        close(fd);
        return FALSE;
    }
    setvbuf(e->fp, NULL, _IOFBF, 256 * 1024);
    e->unflushed = FALSE;
    return TRUE;
}

/* Pushes fp's buffer to the socket (TCP).  FALSE with *err. */
static gboolean
flush_fp(FlExporter *e, GError **err)
{
    if (e->kind != FL_OUT_TCP || !e->unflushed)
        return TRUE;
    if (fflush(e->fp) != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "write: %s",
                    g_strerror(errno));
        return FALSE;
    }
    e->unflushed = FALSE;
    return TRUE;
}

static void
close_tcp(FlExporter *e)
{
    if (e->kind == FL_OUT_TCP && e->fp) {
        /* A dead peer: nothing to flush that could arrive. */
        fclose(e->fp);
        e->fp = NULL;
    }
}

/* Builds session, templates and transport; sends templates and RFC 5610
 * records.  On failure nothing is left allocated. */
static gboolean
build(FlExporter *e, GError **err)
{
    g_autoptr(fbSession_t) s = fbSessionAlloc(e->model);
    fbExporter_t *x;
    fBuf_t *fbuf;

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
    for (guint v = 0; v < FL_V_COUNT; v++)
        if (e->variants_used[v / 64] & (G_GUINT64_CONSTANT(1) << (v % 64)))
            if (!add_data_template(e, s, v, err))
                return FALSE;

    if (e->kind == FL_OUT_TCP && !open_tcp(e, err))
        return FALSE;
    /* Create the exporter right before the fBuf takes it: no leak window. */
    x = open_transport(e);
    fbuf = fBufAllocForExport(s, x);
    e->session = g_steal_pointer(&s);
    e->fbuf = fbuf;
    e->cur_int = e->cur_ext = 0;
    e->unflushed = TRUE;
    if (!fbSessionExportTemplates(e->session, err) || !fBufEmit(e->fbuf, err)
        || !flush_fp(e, err)) {
        g_clear_pointer(&e->fbuf, fBufFree);
        e->session = NULL;
        close_tcp(e);
        return FALSE;
    }
    e->generation++;
    e->last_emit_us = e->last_templates_us = g_get_monotonic_time();
    e->dirty = FALSE;
    return TRUE;
}

FlExporter *
fl_exporter_new(const FlExportConfig *cfg, GError **err)
{
    FlExporter *e = g_new0(FlExporter, 1);

    e->cfg = *cfg;
    e->output = g_strdup(cfg->output);
    e->infomodel_dir = g_strdup(cfg->infomodel_dir);
    e->cfg.output = e->output;
    e->cfg.infomodel_dir = e->infomodel_dir;
    if (!fl_output_parse(e->output, &e->kind, &e->host, &e->port, err))
        goto fail;
    e->model = fl_infomodel_load(e->infomodel_dir, err);
    if (e->model == NULL)
        goto fail;
    if (!fl_template_check_layout(e->model, err))
        goto fail;
    if (e->kind == FL_OUT_FILE && !open_file(e, err))
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
    if (e->fp && e->fp != stdout)
        fclose(e->fp);
    if (e->model)
        fbInfoModelFree(e->model);
    g_free(e->host);
    g_free(e->port);
    g_free(e->output);
    g_free(e->infomodel_dir);
    g_free(e);
    return NULL;
}

static gboolean
is_transport_error(const GError *err)
{
    return (err->domain == FB_ERROR_DOMAIN
            && (err->code == FB_ERROR_NLWRITE || err->code == FB_ERROR_IO
                || err->code == FB_ERROR_CONN))
           || (err->domain == FL_ERROR && err->code == FL_ERROR_EXPORT);
}

/*
 * After a failed write: drop the fBuf (and with it the stale message and
 * the half-dead socket), then rebuild with exponential backoff until the
 * collector is back, the reconnect timeout passes, or a signal asks us to
 * stop.  Only TCP gets here: files and UDP failures are final or silent.
 */
static FlExportResult
recover(FlExporter *e, GError **err)
{
    gint64 deadline;
    gulong delay_ms = 100;

    if (e->kind != FL_OUT_TCP || !is_transport_error(*err)) {
        g_prefix_error(err, "%s: ", e->output);
        return FL_EXPORT_FAILED;
    }
    fl_log_warnx("%s: %s; reconnecting (records in the failed message are "
                 "lost)", e->output, (*err)->message);
    g_clear_error(err);
    g_clear_pointer(&e->fbuf, fBufFree);
    e->session = NULL;
    close_tcp(e);
    deadline = g_get_monotonic_time()
               + (gint64)e->cfg.reconnect_timeout * G_USEC_PER_SEC;
    for (;;) {
        GError *local = NULL;

        if (e->cfg.stop && g_atomic_int_get(e->cfg.stop)) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT,
                        "%s: stopped while reconnecting", e->output);
            return FL_EXPORT_FAILED;
        }
        if (build(e, &local)) {
            fl_log_info("%s: reconnected", e->output);
            e->reconnects++;
            return FL_EXPORT_RETRY;
        }
        if (g_get_monotonic_time() > deadline) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT,
                        "%s: collector unreachable for %u s: %s", e->output,
                        e->cfg.reconnect_timeout, local->message);
            g_clear_error(&local);
            return FL_EXPORT_FAILED;
        }
        fl_log_debug("%s: reconnect failed: %s", e->output, local->message);
        g_clear_error(&local);
        g_usleep(delay_ms * 1000);
        delay_ms = MIN(delay_ms * 2, 5000);
    }
}

static inline gboolean
set_templates(FlExporter *e, guint16 int_tid, guint16 ext_tid, GError **err)
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
    guint16 tid = (guint16)(FL_TID_DATA_BASE + variant);

    if (G_UNLIKELY(e->cur_ext != tid || e->cur_int != FL_TID_INT_DATA)) {
        FlExportResult x = fl_exporter_ensure_variant(e, variant, err);

        if (x != FL_EXPORT_OK)
            return x;
        if (!set_templates(e, FL_TID_INT_DATA, tid, err))
            return recover(e, err);
    }
    if (G_UNLIKELY(!fBufAppend(e->fbuf, (uint8_t *)rec, sizeof *rec, err)))
        return recover(e, err);
    e->dirty = TRUE;
    return FL_EXPORT_OK;
}

FlExportResult
fl_exporter_append_option(FlExporter *e, FlIdKind kind, guint32 id,
                          const char *name, const char *desc, GError **err)
{
    FlOptionRec r;

    if (e->cfg.no_options)
        return FL_EXPORT_OK;
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
        return recover(e, err);
    if (kind == FL_ID_INTERFACE) {
        if (!set_templates(e, FL_TID_INT_IF_OPTION, FL_TID_IF_OPTION, err))
            return recover(e, err);
    } else if (!set_templates(e, FL_TID_INT_VRF_OPTION, FL_TID_VRF_OPTION,
                              err)) {
        return recover(e, err);
    }
    if (!fBufAppend(e->fbuf, (uint8_t *)&r, sizeof r, err))
        return recover(e, err);
    e->dirty = TRUE;
    return FL_EXPORT_OK;
}

FlExportResult
fl_exporter_tick(FlExporter *e, gint64 now_us, GError **err)
{
    if (e->kind == FL_OUT_FILE)
        return FL_EXPORT_OK;
    if (e->kind == FL_OUT_UDP && e->cfg.template_refresh > 0
        && now_us - e->last_templates_us
           >= (gint64)e->cfg.template_refresh * G_USEC_PER_SEC) {
        /* Templates always start a new message; this emits pending data
         * first.  Options are due again too (generation). */
        if (!fbSessionExportTemplates(e->session, err))
            return recover(e, err);
        e->cur_int = e->cur_ext = 0;
        e->last_templates_us = now_us;
        e->generation++;
        e->dirty = TRUE;
    }
    if ((e->dirty || e->unflushed)
        && now_us - e->last_emit_us >= G_USEC_PER_SEC) {
        if (!fBufEmit(e->fbuf, err))
            return recover(e, err);
        e->unflushed = TRUE;
        if (!flush_fp(e, err))
            return recover(e, err);
        e->last_emit_us = now_us;
        e->dirty = FALSE;
    }
    return FL_EXPORT_OK;
}

gboolean
fl_exporter_takes_messages(const FlExporter *e)
{
    return e->kind == FL_OUT_FILE || e->kind == FL_OUT_TCP;
}

FlExportResult
fl_exporter_ensure_variant(FlExporter *e, guint variant, GError **err)
{
    guint64 bit = G_GUINT64_CONSTANT(1) << (variant % 64);

    if (e->variants_used[variant / 64] & bit)
        return FL_EXPORT_OK;
    e->variants_used[variant / 64] |= bit;
    if (!add_data_template(e, e->session, variant, err))
        return recover(e, err);
    e->dirty = TRUE;
    return FL_EXPORT_OK;
}

FlExportResult
fl_exporter_write_message(FlExporter *e, guint8 *msg, gsize len,
                          guint32 n_records, GError **err)
{
    guint32 seq;

    g_return_val_if_fail(e->fp != NULL && len >= 16, FL_EXPORT_FAILED);
    /* Templates and options waiting in libfixbuf's buffer go first. */
    if (!fBufEmit(e->fbuf, err))
        return recover(e, err);
    e->dirty = FALSE;
    e->unflushed = TRUE;
    /* One sequence for the domain (RFC 7011): data records before this
     * message, counting libfixbuf's options records and ours.  libfixbuf
     * 2.4.1 keeps the counter but offers no public setter. */
    seq = fbSessionGetSequence(e->session);
    msg[8] = (guint8)(seq >> 24);
    msg[9] = (guint8)(seq >> 16);
    msg[10] = (guint8)(seq >> 8);
    msg[11] = (guint8)seq;
    if (fwrite(msg, 1, len, e->fp) != len) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "write: %s",
                    g_strerror(errno));
        /* TCP: rebuild and tell the writer to send this message again. */
        return recover(e, err);
    }
    fbSessionSetSequence(e->session, seq + n_records);
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
    if (!e->dirty && !e->unflushed)
        return FL_EXPORT_OK;
    if (!fBufEmit(e->fbuf, err))
        return recover(e, err);
    e->unflushed = TRUE;
    if (!flush_fp(e, err))
        return recover(e, err);
    e->last_emit_us = g_get_monotonic_time();
    e->dirty = FALSE;
    return FL_EXPORT_OK;
}

FlExportResult
fl_exporter_sync(FlExporter *e, GError **err)
{
    FlExportResult r = fl_exporter_flush(e, err);

    if (r != FL_EXPORT_OK)
        return r;
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

gboolean
fl_exporter_close(FlExporter *e, guint64 *bytes_out, GError **err)
{
    gboolean ok = TRUE;
    struct stat st;

    *bytes_out = 0;
    if (e->fbuf) {
        if (!fBufEmit(e->fbuf, err)) {
            g_prefix_error(err, "%s: ", e->output);
            ok = FALSE;
        }
        /* fBufFree closes the socket and frees the session; a FILE* of
         * ours it leaves alone. */
        g_clear_pointer(&e->fbuf, fBufFree);
    }
    if (e->fp) {
        int rc = e->fp == stdout ? fflush(e->fp) : fclose(e->fp);
        if (rc != 0 && ok) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s: %s", e->output,
                        g_strerror(errno));
            ok = FALSE;
        }
        e->fp = NULL;
    }
    if (e->kind == FL_OUT_FILE) {
        if (strcmp(e->output, "-") == 0 ? fstat(1, &st) == 0
                                        : stat(e->output, &st) == 0)
            if (S_ISREG(st.st_mode))
                *bytes_out = (guint64)st.st_size;
    }
    g_clear_pointer(&e->model, fbInfoModelFree);
    g_free(e->host);
    g_free(e->port);
    g_free(e->output);
    g_free(e->infomodel_dir);
    g_free(e);
    return ok;
}
