/*
 * http.h - a tiny HTTP/1.0 server for one read-only document.
 *
 * GET (or HEAD) of the one path answers 200 with the text the callback
 * makes; other paths 404, other methods 405.  Every connection is closed
 * after one answer.  Requests are read with a 5 s timeout and at most
 * 8 KiB, so a slow or hostile client costs at most that.  Connections are
 * served one at a time, in the GMainContext that is the thread default
 * when the server is made (the metrics thread's).
 *
 * Built on GIO's GSocketService; nothing else of HTTP is needed, so no
 * HTTP library is.
 */
#ifndef FL_HTTP_SERVER_H
#define FL_HTTP_SERVER_H

#include <glib.h>

typedef struct FlHttpServer FlHttpServer;

/* Makes the body of a 200 answer; the server frees it. */
typedef char *(*FlHttpBody)(gpointer data);

/*
 * Listens on "HOST:PORT" ("[V6]:PORT"; HOST a literal address, or
 * "localhost") for GET path.  FL_ERROR_CONFIG for a malformed address,
 * FL_ERROR_IO when it cannot be bound.
 */
FlHttpServer *fl_http_server_new(const char *addr, const char *path,
                                 const char *content_type, FlHttpBody body,
                                 gpointer data, GError **err);

/* Stops listening and frees srv; NULL is fine. */
void fl_http_server_free(FlHttpServer *srv);

/* For other servers built on GIO (the Pub/Sub push listener): */
typedef struct _GSocket GSocket;
typedef struct _GSocketAddress GSocketAddress;

/* "HOST:PORT" or "[V6]:PORT" into an address; NULL with FL_ERROR_CONFIG. */
GSocketAddress *fl_http_parse_address(const char *addr, GError **err);

/*
 * Reads from s into req until the blank line after the headers: the
 * head's length (req may hold body bytes after it), or -1 when the client
 * closed, timed out (the socket's timeout) or sent more than max bytes
 * without one.
 */
gssize fl_http_read_head(GSocket *s, GString *req, gsize max);

/* All of buf to s; FALSE when the peer is gone or timed out. */
gboolean fl_http_send_all(GSocket *s, const char *buf, gsize len);

#endif
