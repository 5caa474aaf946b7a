/*
 * api_reply.h - parses one HTTP/1.1 answer of the Lambda Runtime API.
 *
 * Kept apart from the socket (api_http.c) so that it can be fed any bytes:
 * the fuzz target tests/fuzz/fuzz_api_http.c does.  The parser is called
 * again on the whole of what was read so far each time more came in; it
 * says how much it needs at least before another try is worth it, so a
 * body of n bytes is not parsed n / 64 KiB times.
 *
 * Understood: a status line "HTTP/1.x NNN ...", headers "Name: value"
 * (names lower-cased, the last of a name wins, lines without a colon
 * skipped), and a body given by Transfer-Encoding: chunked (extensions
 * and trailers skipped), a Content-Length, or the end of the connection;
 * 1xx, 204 and 304 answers have no body.  Limits, each a clear
 * FL_ERROR_REMOTE: FL_API_HEAD_MAX bytes of status line and headers,
 * FL_API_HEADERS_MAX header lines, a chunk size line of 1 KiB, max_body
 * bytes of body, conflicting Content-Lengths.
 */
#ifndef FL_LAMBDA_API_REPLY_H
#define FL_LAMBDA_API_REPLY_H

#include <glib.h>

#include "lambda/api_http.h"

#define FL_API_HEAD_MAX (64 * 1024)
#define FL_API_HEADERS_MAX 100

typedef enum {
    FL_API_PARSE_ERROR = -1,
    FL_API_PARSE_MORE = 0,
    FL_API_PARSE_DONE = 1,
} FlApiParse;

/*
 * One answer at the start of data[0..len); closed: the connection ended
 * after these bytes (nothing more will come).
 * DONE: *out is filled (body never NULL), *used is the bytes it took and
 *   *reusable whether the connection may carry another answer (not when
 *   the body ran to the close or the answer said "Connection: close").
 * MORE: *used is the least total length worth another call (G_MAXSIZE:
 *   only the close ends this answer).  Never returned when closed.
 * ERROR: *err is FL_ERROR_REMOTE (not HTTP, a limit, a bad length) or
 *   FL_ERROR_NETWORK (the connection ended in the middle of the answer);
 *   messages do not name the peer (the caller prefixes it).
 * *out is left clear unless DONE.
 */
FlApiParse fl_api_reply_parse(const guint8 *data, gsize len,
                              gboolean closed, gsize max_body,
                              FlApiReply *out, gsize *used,
                              gboolean *reusable, GError **err);

#endif
