/*
 * api_http.h - the little HTTP/1.1 client the Lambda Runtime API needs.
 *
 * The Runtime API is plain HTTP on a local address (127.0.0.1:9001 on
 * AWS): one connection kept open, one request at a time, answers with a
 * Content-Length (or chunked, or up to the close).  This client speaks
 * just that over a socket, so that a runtime asks for its first event
 * without loading libcurl and its dozens of libraries (the bootstrap of
 * the Lambda zip loads libcurl only when an S3 object is to be read:
 * aws/curl_lazy.c).
 *
 * What an answer may be, and its limits, is api_reply.h's: the parsing
 * is there, apart from the socket, so that it can be fuzzed.
 *
 * A request whose connection turns out closed before any answer byte
 * (the API closed an idle keep-alive connection) is sent again on a new
 * one; a connection that cannot be made is tried up to three times.
 * While it waits, the client looks at *stop (may be NULL) every 200 ms
 * and fails with FL_ERROR_STOPPED once it is set.
 */
#ifndef FL_LAMBDA_API_HTTP_H
#define FL_LAMBDA_API_HTTP_H

#include <glib.h>

typedef struct FlApiHttp FlApiHttp;

typedef struct {
    int status;
    GHashTable *headers;        /* lower-case name -> value (last wins) */
    GBytes *body;               /* never NULL after success */
} FlApiReply;

/* A client of host_port ("HOST:PORT", "[V6]:PORT").  Cannot fail: a bad
 * address fails the first request. */
FlApiHttp *fl_api_http_new(const char *host_port, const volatile gint *stop);
void fl_api_http_free(FlApiHttp *h);

/*
 * method path HTTP/1.1 with headers ("Name: value", NULL-terminated; may
 * be NULL) and body (len bytes; a Content-Length is always sent).
 * timeout_ms bounds each wait for the answer (0: none, for "next", which
 * blocks until an event comes).  FALSE with *err: FL_ERROR_NETWORK (no
 * connection, broken, timed out), FL_ERROR_REMOTE (not HTTP, an answer
 * over max_body or another limit of api_reply.h), FL_ERROR_STOPPED.  The caller clears *out.
 */
gboolean fl_api_http_request(FlApiHttp *h, const char *method,
                             const char *path, const char *const *headers,
                             const char *body, gsize len, gsize max_body,
                             guint timeout_ms, FlApiReply *out,
                             GError **err);

void fl_api_reply_clear(FlApiReply *r);

/* A header of the answer by its lower-case name, or NULL. */
const char *fl_api_reply_header(const FlApiReply *r, const char *name);

#endif
