/*
 * sigv4.h - AWS Signature Version 4, computed with GLib's GHmac/GChecksum.
 *
 * Not libcurl's CURLOPT_AWS_SIGV4: in curl 7.88 it neither adds
 * x-amz-content-sha256 (S3 needs it) nor canonicalizes the query string.
 */
#ifndef FL_AWS_SIGV4_H
#define FL_AWS_SIGV4_H

#include <glib.h>
#include "aws/credentials.h"

typedef struct {
    const char *method;
    const char *url;            /* as sent: scheme://host[:port]/path?q */
    const char *region;
    const char *service;
    gint64 now;                 /* Unix seconds of the signature */
    const guint8 *body;
    gsize body_len;
    /* S3: sign the payload hash and send it as x-amz-content-sha256, and
     * do not encode the path a second time.  Other services: neither. */
    gboolean s3;
} FlSigv4Request;

/*
 * Signs a request.  headers holds "Name: value" strings (g_free'd, as in
 * a GPtrArray made with g_ptr_array_new_with_free_func(g_free)); every one
 * of them is signed, together with host, which is taken from the URL
 * (with its port when the URL has one).  This appends x-amz-date,
 * x-amz-security-token (temporary keys), x-amz-content-sha256 (s3) and
 * Authorization.  The canonical query string is built from the URL's
 * query: each name and value decoded and re-encoded (RFC 3986 unreserved
 * kept), sorted by name then value, "=" kept for empty values; a '+'
 * there is the byte '+' (%2B), not a space.  Host drops a default port
 * (:443 for https, :80 for http) as curl does; a "Host:" line in headers
 * is signed instead of the URL's.  Non-S3 paths are encoded once more
 * but not normalized (no dot segments or repeated slashes are removed).
 * FALSE with FL_ERROR_CONFIG, headers untouched, for a URL that cannot
 * be parsed (no scheme://host, user info, a bad %XX in the query) or a
 * header line without a name.
 */
gboolean fl_sigv4_sign(const FlSigv4Request *req, const FlAwsKeys *keys,
                       GPtrArray *headers, GError **err);

/* The hex SHA-256 of data; for tests and x-amz-content-sha256. */
char *fl_sigv4_sha256_hex(const guint8 *data, gsize len);

#endif
