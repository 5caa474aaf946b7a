/*
 * export.h - the IPFIX output: libfixbuf's session, templates and transport.
 *
 * One FlExporter owns one libfixbuf fBuf (and through it the session and
 * the fbExporter).  It is used from one thread only (libfixbuf is not
 * thread-safe).  Files, stdout, TCP and TLS go through a FILE* of ours:
 * libfixbuf encodes templates and options into it, and the workers'
 * ready-made messages are written into the same stream.  TCP and TLS use
 * a socket of ours (stream.h) that keeps every message until the
 * collector's TCP acknowledged it.  UDP is framed by libfixbuf and leaves
 * by a socket of ours (udp.h) that counts the datagrams refused.
 * Its life cycle:
 *   new  -> session with templates and RFC 5610 records, transport opened
 *   append_* / write_message / tick (emit at least once a second on
 *           network outputs, UDP template refresh)
 *   TCP/TLS connection lost: reconnect with backoff, send templates,
 *           RFC 5610 records and every options record sent so far, then
 *           every message not known to be acknowledged (renumbered), then
 *           go on.  Nothing appended is lost and nothing needs appending
 *           again: these outputs never return FL_EXPORT_RETRY.
 *   close -> final emit; TCP/TLS wait until the collector acknowledged
 *           everything.
 *   boundary (dir:// only) -> between messages, a due file is completed
 *           and the next begun with a new session (rotate.h); sync fsyncs
 *           the current file, and a file left by a crash is completed at
 *           the next start
 */
#ifndef FL_EXPORT_H
#define FL_EXPORT_H

#include <glib.h>
#include "mapper.h"
#include "output/rotate.h"

typedef enum {
    FL_OUT_FILE, FL_OUT_TCP, FL_OUT_UDP, FL_OUT_SCTP, FL_OUT_TLS
} FlOutputKind;

typedef struct {
    const char *output;             /* URI from -o */
    const char *infomodel_dir;
    guint32     domain;
    guint       template_refresh;   /* seconds, UDP */
    guint       reconnect_timeout;  /* seconds to keep retrying TCP, and
                                       to wait for acknowledgements */
    gboolean    no_options;
    const volatile gint *stop;      /* set by a signal: give up retrying */
    gsize       replay_buffer;      /* TCP/TLS: bytes kept unacknowledged */
    const char *tls_ca;             /* TLS: CA file (NULL: system store) */
    const char *tls_cert, *tls_key, *tls_key_pass_file;
    gboolean    udp_best_effort;    /* refused datagrams are not an error */
    const FlRotateConfig *rotate;   /* dir:// output (rotating files), or
                                       NULL: output says where */
} FlExportConfig;

/* What the output did, for the statistics (fl_exporter_close). */
typedef struct {
    guint64 bytes_out;              /* size of a regular output file */
    guint64 records_resent;         /* TCP/TLS: flow records sent again
                                       after a reconnection */
    guint64 reconnects;             /* TCP/TLS */
    guint64 datagrams_refused;      /* UDP: ICMP port unreachable */
} FlExportCounts;

typedef struct FlExporter FlExporter;

/* "file, tcp, tls, udp" (and sctp when libfixbuf has it): --version. */
const char *fl_output_transports(void);

/*
 * Parses cfg->output ("PATH", "-", "tcp://H:P", "tls://H:P", "udp://H:P",
 * "sctp://H:P") without opening anything.  FL_ERROR_CONFIG on a malformed URI,
 * FL_ERROR_UNSUPPORTED for sctp:// when libfixbuf lacks SCTP.
 */
gboolean fl_output_parse(const char *uri, FlOutputKind *kind, char **host,
                         char **port, GError **err);

/*
 * Loads the information model, builds the session and opens the output;
 * for TCP and TLS the connection is made here (TLS: certificates checked),
 * so a collector that is down or refused fails at start-up.
 * FL_ERROR_CONFIG/UNSUPPORTED for bad settings (also unreadable TLS
 * files), FL_ERROR_EXPORT when the output cannot be opened.
 */
FlExporter *fl_exporter_new(const FlExportConfig *cfg, GError **err);

typedef enum {
    FL_EXPORT_OK,
    FL_EXPORT_RETRY,    /* the output was rebuilt: the record was NOT
                           appended; send the options it needs again, then
                           append it again.  (No output returns it now:
                           TCP and TLS replay instead; kept for outputs
                           that cannot.) */
    FL_EXPORT_FAILED    /* *err set; give up */
} FlExportResult;

FlExportResult fl_exporter_append_data(FlExporter *e, guint variant,
                                       FlIpfixRec *rec, GError **err);
FlExportResult fl_exporter_append_option(FlExporter *e, FlIdKind kind,
                                         guint32 id, const char *name,
                                         const char *desc, GError **err);

/*
 * TRUE when the output accepts complete messages encoded elsewhere (by an
 * FlEncoder per worker thread): files, stdout, TCP and TLS.  UDP keeps every
 * record in libfixbuf's own fBuf, because each datagram must be one
 * message no larger than the path allows.
 */
gboolean fl_exporter_takes_messages(const FlExporter *e);

/*
 * With TRUE, takes_messages() says FALSE whatever the output: records are
 * appended one by one, for a unit of work too small to pay for the
 * encoders (each loads an information model and builds every template:
 * milliseconds, more than a Lambda invocation of a few thousand lines
 * takes to convert).  Takes effect at the next pipeline run.
 */
void fl_exporter_set_records_only(FlExporter *e, gboolean records_only);

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
 * Returns when what was appended so far is safe: for files, handed to the
 * kernel; for dir:// outputs, also fsynced into the temporary file (one
 * fsync per call), which the next start completes after a crash
 * (rotate.h); for TCP and TLS, acknowledged by the collector's TCP (a broken
 * connection is rebuilt and replayed inside, as often as needed).  For
 * UDP and SCTP, only sent.  Checkpoints and SQS deletes wait for this.
 * FL_EXPORT_FAILED when the collector acknowledged nothing for
 * --reconnect-timeout seconds, stayed unreachable that long, refused our
 * TLS certificate, or a stop signal came while waiting: do not commit.
 */
FlExportResult fl_exporter_sync(FlExporter *e, GError **err);

/* Periodic work; call at least once a second with g_get_monotonic_time(). */
FlExportResult fl_exporter_tick(FlExporter *e, gint64 now_us, GError **err);

/*
 * Before a unit of work that follows a pause (a Lambda invocation: in
 * between, the process may have been frozen, with no timers running):
 *  - TCP/TLS: a connection the collector closed meanwhile is rebuilt now
 *    (templates, options, then what it had not acknowledged), before new
 *    records go into it; FL_EXPORT_FAILED with *err when the collector
 *    cannot be reached (with retries as after a write failure);
 *  - UDP: templates are sent again when every_n calls (0: not counted)
 *    or --template-refresh seconds passed since the last time, by the
 *    wall clock as well as the monotonic one (which may stand still
 *    while the process is frozen).
 */
FlExportResult fl_exporter_begin(FlExporter *e, guint every_n, GError **err);

/*
 * Reconnecting (and a TCP connect) gives up at until_us (monotonic
 * time) if that comes before --reconnect-timeout; 0: no such limit.
 * Cannot fail.
 */
void fl_exporter_set_deadline(FlExporter *e, gint64 until_us);

/* How many times a session was built (1 after fl_exporter_new, one more
 * for each reconnection): a change means records may have been lost. */
guint fl_exporter_connections(const FlExporter *e);

/* How many times a broken TCP connection was made again.  Cannot fail. */
guint64 fl_exporter_reconnects(const FlExporter *e);

/* Incremented on every rebuilt session and UDP template refresh: options
 * records are due again when it changes. */
guint fl_exporter_generation(const FlExporter *e);

gboolean fl_exporter_options_enabled(const FlExporter *e);
FlOutputKind fl_exporter_kind(const FlExporter *e);

/*
 * Rotating files (cfg->rotate): called between two messages (the writer
 * does, and tick does).  When the current file is due it is completed and
 * a new one begun with its own templates; the generation changes, so the
 * options records are sent again into the new file.  FL_EXPORT_FAILED
 * with *err when a file cannot be completed or begun.  For other outputs
 * it does nothing.
 */
FlExportResult fl_exporter_boundary(FlExporter *e, GError **err);

/* SIGHUP: the current rotating file is completed at the next boundary (a
 * file without data records is not kept).  No-op for other outputs. */
void fl_exporter_request_rotate(FlExporter *e);
/* TRUE for a dir:// output.  Cannot fail. */
gboolean fl_exporter_rotates(const FlExporter *e);

/*
 * Emits what is buffered and closes the output: TCP/TLS after everything
 * was acknowledged (as fl_exporter_sync); UDP fails when datagrams were
 * refused, unless udp_best_effort; a rotating output's last file is
 * completed and renamed.  Fills *counts.  Always frees e.
 */
gboolean fl_exporter_close(FlExporter *e, FlExportCounts *counts,
                           GError **err);

#endif
