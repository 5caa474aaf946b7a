/*
 * export.h - the IPFIX output: libfixbuf's session, templates and transport.
 *
 * One FlExporter owns one libfixbuf fBuf (and through it the session and
 * the fbExporter).  It is used from one thread only (libfixbuf is not
 * thread-safe).  Files, stdout and TCP go through a FILE* of ours (for TCP
 * over a socket we connected, with a timeout): libfixbuf encodes templates
 * and options into it, and the workers' ready-made messages are written
 * into the same stream.  UDP stays libfixbuf's own transport.
 * Its life cycle:
 *   new  -> session with templates and RFC 5610 records, transport opened
 *   append_* / write_message / tick (emit at least once a second on
 *           network outputs, UDP template refresh)
 *   on a TCP write failure: the fBuf and the socket are freed and rebuilt
 *           with backoff (libfixbuf would otherwise reconnect silently
 *           without templates); the failed call returns FL_EXPORT_RETRY
 *           and the caller learns it from fl_exporter_generation()
 *   close -> final emit.
 */
#ifndef FL_EXPORT_H
#define FL_EXPORT_H

#include <glib.h>
#include "mapper.h"

typedef enum {
    FL_OUT_FILE, FL_OUT_TCP, FL_OUT_UDP, FL_OUT_SCTP
} FlOutputKind;

typedef struct {
    const char *output;             /* URI from -o */
    const char *infomodel_dir;
    guint32     domain;
    guint       template_refresh;   /* seconds, UDP */
    guint       reconnect_timeout;  /* seconds to keep retrying TCP */
    gboolean    no_options;
    const volatile gint *stop;      /* set by a signal: give up retrying */
} FlExportConfig;

typedef struct FlExporter FlExporter;

/*
 * Parses cfg->output ("PATH", "-", "tcp://H:P", "udp://H:P", "sctp://H:P")
 * without opening anything.  FL_ERROR_CONFIG on a malformed URI,
 * FL_ERROR_UNSUPPORTED for sctp:// when libfixbuf lacks SCTP.
 */
gboolean fl_output_parse(const char *uri, FlOutputKind *kind, char **host,
                         char **port, GError **err);

/*
 * Loads the information model, builds the session and opens the output;
 * for TCP the connection is made here, so a collector that is down fails
 * at start-up.  FL_ERROR_CONFIG/UNSUPPORTED for bad settings,
 * FL_ERROR_EXPORT when the output cannot be opened.
 */
FlExporter *fl_exporter_new(const FlExportConfig *cfg, GError **err);

typedef enum {
    FL_EXPORT_OK,
    FL_EXPORT_RETRY,    /* the output was rebuilt (new connection): the
                           record was NOT appended; send the options it
                           needs again, then append it again */
    FL_EXPORT_FAILED    /* *err set; give up */
} FlExportResult;

FlExportResult fl_exporter_append_data(FlExporter *e, guint variant,
                                       FlIpfixRec *rec, GError **err);
FlExportResult fl_exporter_append_option(FlExporter *e, FlIdKind kind,
                                         guint32 id, const char *name,
                                         const char *desc, GError **err);

/*
 * TRUE when the output accepts complete messages encoded elsewhere (by an
 * FlEncoder per worker thread): files, stdout and TCP.  UDP keeps every
 * record in libfixbuf's own fBuf, because each datagram must be one
 * message no larger than the path allows.
 */
gboolean fl_exporter_takes_messages(const FlExporter *e);

/* Announces the data template of variant (if not yet) before a message
 * that uses it. */
FlExportResult fl_exporter_ensure_variant(FlExporter *e, guint variant,
                                          GError **err);

/*
 * Writes one message made by an FlEncoder holding n_records data records:
 * first whatever libfixbuf has buffered (templates, options), then msg
 * with its sequence number rewritten.  Only when takes_messages().
 */
FlExportResult fl_exporter_write_message(FlExporter *e, guint8 *msg,
                                         gsize len, guint32 n_records,
                                         GError **err);

/* What an FlEncoder needs to match this exporter.  Cannot fail. */
void fl_exporter_encoder_settings(const FlExporter *e,
                                  const char **infomodel_dir,
                                  guint32 *domain);

/* Emits buffered records now (slow input: do not let them wait). */
FlExportResult fl_exporter_flush(FlExporter *e, GError **err);

/*
 * Flushes, and for files also hands libc's buffer to the kernel: what was
 * appended so far has left the process.  Checkpoints and SQS deletes wait
 * for this.  FL_EXPORT_RETRY: the TCP connection broke and was rebuilt,
 * so what was in flight may be lost: do not commit.
 */
FlExportResult fl_exporter_sync(FlExporter *e, GError **err);

/* Periodic work; call at least once a second with g_get_monotonic_time(). */
FlExportResult fl_exporter_tick(FlExporter *e, gint64 now_us, GError **err);

/* How many times a broken TCP connection was made again.  Cannot fail. */
guint64 fl_exporter_reconnects(const FlExporter *e);

/* Incremented on every rebuilt session and UDP template refresh: options
 * records are due again when it changes. */
guint fl_exporter_generation(const FlExporter *e);

gboolean fl_exporter_options_enabled(const FlExporter *e);
FlOutputKind fl_exporter_kind(const FlExporter *e);

/* Emits what is buffered and closes the output.  Always frees e. */
gboolean fl_exporter_close(FlExporter *e, guint64 *bytes_out, GError **err);

#endif
