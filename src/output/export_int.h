/*
 * export_int.h - the FlExporter, shared by export.c (session, templates,
 * files, UDP) and export_stream.c (TCP and TLS with replay).
 */
#ifndef FL_EXPORT_INT_H
#define FL_EXPORT_INT_H

#include <stdio.h>
#include <fixbuf/public.h>

#include "output/export.h"
#include "output/stream.h"
#include "output/tls.h"
#include "output/udp.h"

/* Strings longer than this are cut so that one options record always fits
 * in a UDP message (1420 bytes); see libfixbuf reference §4.2. */
#define MAX_OPTION_STRING 512

struct FlExporter {
    FlExportConfig cfg;
    char *output;
    char *infomodel_dir;
    char *tls_ca, *tls_cert, *tls_key, *tls_key_pass_file;
    FlOutputKind kind;
    char *host, *port;
    fbInfoModel_t *model;
    fBuf_t *fbuf;               /* owns session and fbExporter */
    fbSession_t *session;       /* borrowed from fbuf */
    guint64 variants_used[FL_V_COUNT / 64];
    guint16 cur_int, cur_ext;
    guint generation;
    gint64 last_emit_us, last_templates_us;
    gboolean dirty;             /* appended since last emit */
    FILE *fp;                   /* file, TCP and TLS outputs: ours;
                                   libfixbuf writes through it */
    /* TCP and TLS (export_stream.c) */
    FlStream *stream;
    FlTls *tls;
    FlIo io;                    /* worst outcome of writes since checked */
    GError *io_err;             /* and why */
    gboolean prologue;          /* libfixbuf's writes go to the socket
                                   directly (a new connection's templates
                                   and options), not to the replay buffer */
    GByteArray *partial;        /* the cookie's unfinished message */
    GHashTable *options;        /* key: kind << 32 | id; value: OptCopy */
    guint64 records_resent, reconnects;
    /* Lambda mode (fl_exporter_begin) */
    gint64 deadline_us;         /* monotonic; 0: none */
    guint connections;          /* sessions built so far */
    gint64 last_templates_real_us;  /* wall clock of the last templates */
    guint batches_since_templates;
    gboolean records_only;      /* fl_exporter_set_records_only() */
    /* dir:// (rotate.c) */
    struct FlRotator *rot;      /* rotating files, else NULL */
    guint64 file_records;       /* data records in the current file */
    /* UDP */
    FlUdpRelay *relay;
    guint appends;              /* records since the relay was pumped */
};

/* export.c */
gboolean fl_exporter_set_templates(FlExporter *e, guint16 int_tid,
                                   guint16 ext_tid, GError **err);
gboolean fl_exporter_append_option_rec(FlExporter *e, FlIdKind kind,
                                       guint32 id, const char *name,
                                       const char *desc, GError **err);

/* export_stream.c: TCP and TLS */
gboolean fl_xstream_open(FlExporter *e, GError **err);
/* Connects and writes the prologue (build(): the first connection). */
gboolean fl_xstream_connect_first(FlExporter *e, GError **err);
/* Settles e->io after writes: OK, reconnected and replayed (OK), or
 * FAILED with *err. */
FlExportResult fl_xstream_check(FlExporter *e, GError **err);
void     fl_xstream_remember_option(FlExporter *e, FlIdKind kind,
                                    guint32 id, const char *name,
                                    const char *desc);
FlExportResult fl_xstream_write(FlExporter *e, const guint8 *msg, gsize len,
                                GError **err);
FlExportResult fl_xstream_flush(FlExporter *e, gboolean sync, GError **err);
FlExportResult fl_xstream_poll(FlExporter *e, GError **err);
gboolean fl_xstream_close(FlExporter *e, GError **err);
void     fl_xstream_free(FlExporter *e);

#endif
