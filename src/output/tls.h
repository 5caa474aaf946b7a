/*
 * tls.h - TLS over a TCP socket of ours, with OpenSSL.
 *
 * The exporter owns its TCP socket (see stream.h); TLS is a layer on it
 * rather than libfixbuf's, whose Debian build has none.  TLS 1.2 and 1.3;
 * the server's certificate is verified against the system store or
 * cfg->ca_file and must name the host of the output URI (DNS name or IP
 * address); a client certificate is sent when the server asks for one
 * and cfg->cert_file is set.
 *
 * Everything here works on non-blocking sockets: the caller polls for
 * what FL_IO_WANT_READ / FL_IO_WANT_WRITE ask for.  Passwords are never
 * logged or kept after the key is loaded.
 */
#ifndef FL_TLS_H
#define FL_TLS_H

#include <glib.h>

typedef struct {
    const char *ca_file;        /* NULL: the system's CA store */
    const char *cert_file;      /* client certificate chain (PEM), or NULL */
    const char *key_file;       /* its key (PEM); default cert_file */
    const char *key_pass_file;  /* first line: the key's pass phrase */
} FlTlsConfig;

typedef enum {
    FL_IO_OK,
    FL_IO_WANT_READ,
    FL_IO_WANT_WRITE,
    FL_IO_BROKEN,       /* the connection is gone: reconnect (*err says why) */
    FL_IO_FATAL         /* retrying cannot help: a certificate was refused,
                           by us or by the collector (*err says which) */
} FlIo;

typedef struct FlTls FlTls;         /* settings shared by connections */
typedef struct FlTlsConn FlTlsConn; /* one TLS session on one socket */

/* Loads CA, certificate and key.  FL_ERROR_CONFIG naming the file. */
FlTls  *fl_tls_new(const FlTlsConfig *cfg, GError **err);
void    fl_tls_free(FlTls *t);
/* "OpenSSL 3.0.x": for --version. */
const char *fl_tls_library(void);

/* A client session on connected socket fd for host (name or address). */
FlTlsConn *fl_tls_conn_new(FlTls *t, int fd, const char *host,
                           GError **err);
void       fl_tls_conn_free(FlTlsConn *c);

/* One step of the handshake.  FATAL: verification failed or the server
 * refused us (an alert). */
FlIo fl_tls_handshake(FlTlsConn *c, GError **err);
/* Writes up to len bytes; *done = bytes taken (whole TLS records).  After
 * WANT_*, call again with the same or more data. */
FlIo fl_tls_write(FlTlsConn *c, const guint8 *buf, gsize len, gsize *done,
                  GError **err);
/* Reads whatever the server sent and drops it (an IPFIX collector sends
 * no data: session tickets, key updates, alerts).  FL_IO_WANT_READ: nothing
 * more now; BROKEN: closed; FATAL: the server sent a fatal alert. */
FlIo fl_tls_read(FlTlsConn *c, GError **err);
/* Sends close_notify (once; non-blocking, best effort). */
void fl_tls_shutdown(FlTlsConn *c);
/* Bytes this session wrote to the socket (records and handshake). */
guint64 fl_tls_wire_written(const FlTlsConn *c);
/* "TLSv1.3" after the handshake. */
const char *fl_tls_version(const FlTlsConn *c);

#endif
