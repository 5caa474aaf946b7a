/*
 * http.h - HTTP requests for the cloud layers: libcurl, retries, signing
 * (SigV4 for AWS, or a caller's own scheme: Azure Shared Key).
 *
 * One FlHttp keeps one libcurl easy handle, so connections are reused
 * between requests to the same host.  An FlHttp is used by one thread at a
 * time; make one per thread.
 *
 * Every request is bounded: a connect timeout, a low-speed limit (a
 * server that sends less than 1 byte/s for low_speed_time seconds is a
 * stalled server), and at most max_attempts tries.  Retried, after an
 * exponential backoff with full jitter (base 200 ms, capped at 20 s):
 * transport failures (refused, reset, timeout, cut short), HTTP 500, 502,
 * 503, 504, 429, and 400 answers whose error code says throttling
 * (Throttling, ThrottlingException, SlowDown, RequestLimitExceeded,
 * TooManyRequestsException, ProvisionedThroughputExceededException,
 * RequestThrottled).  Every other answer is returned to the caller as is.
 *
 * TLS peer and host verification are always on; ca_bundle replaces the
 * system store.  Secrets, signatures and tokens are never logged, not even
 * with -vv: debug lines name the method, the URL without its query string,
 * the status and the attempt.
 */
#ifndef FL_AWS_HTTP_H
#define FL_AWS_HTTP_H

#include <glib.h>
#include "aws/credentials.h"

typedef struct {
    guint connect_timeout;      /* seconds; default 10 */
    guint low_speed_time;       /* seconds below 1 byte/s; default 30 */
    guint max_attempts;         /* default 5; 1 = no retry */
    guint backoff_base_ms;      /* default 200 */
    guint backoff_max_ms;       /* default 20000 */
    const char *ca_bundle;      /* NULL: the system store */
    const volatile gint *stop;  /* non-zero: stop retrying, fail now */
} FlHttpConfig;

/* A zeroed FlHttpConfig with the defaults above filled in. */
void fl_http_config_init(FlHttpConfig *cfg);

/*
 * How to sign a request.  creds is asked for fresh credentials before
 * every attempt (it refreshes temporary ones); the signature uses the time
 * of that attempt.  For service "s3" the x-amz-content-sha256 header is
 * added (hash of the body; the empty hash for GET).
 */
typedef struct {
    FlAwsCredentials *creds;
    const char *region;
    const char *service;        /* "s3", "sqs", "sts", "logs", "ec2" */
} FlHttpSign;

/*
 * Another signing scheme than SigV4 (Azure's Shared Key): called before
 * every attempt, so that a date header is that attempt's, with the
 * request and the header lines the caller gave ("Name: value", g_free'd
 * strings); it appends its own.  FALSE with *err fails the request (not
 * retried).  What it adds is never logged.
 */
typedef struct FlHttpRequest FlHttpRequest;
typedef struct {
    gboolean (*sign)(gpointer data, const FlHttpRequest *req,
                     GPtrArray *lines, GError **err);
    gpointer data;
} FlHttpSigner;

struct FlHttpRequest {
    const char *method;         /* "GET", "PUT", "POST", "DELETE" */
    const char *url;            /* scheme://host[:port]/path?query, path
                                   and query already percent-encoded (see
                                   fl_uri_encode) */
    const char *const *headers; /* "Name: value", NULL-terminated; NULL ok */
    const guint8 *body;         /* NULL for none; copied, so it need
                                   not outlive the call */
    gsize body_len;
    const FlHttpSign *sign;     /* NULL: not signed (IMDS, ECS, Lambda) */
    const FlHttpSigner *signer; /* instead of sign: another scheme */
    guint timeout;              /* whole-request limit in seconds; 0: none
                                   (the low-speed limit still applies) */
};

typedef struct {
    long status;                /* HTTP status */
    GBytes *body;               /* the whole body */
    GHashTable *headers;        /* lower-case name -> value (last wins) */
} FlHttpResponse;

typedef struct FlHttp FlHttp;

/* Cannot fail (libcurl's global init is done once, thread-safely); if
 * libcurl cannot be initialised or loaded (aws/curl_lazy.c), each request
 * and stream fails with FL_ERROR_UNSUPPORTED saying why. */
FlHttp *fl_http_new(const FlHttpConfig *cfg);
void    fl_http_free(FlHttp *h);

/*
 * Performs req with retries and fills *resp with the final answer, any
 * status.  The body is read whole, but no more than max_body bytes: a
 * longer one is FL_ERROR_LIMIT.  FALSE with *err when no answer came
 * after the last attempt (FL_ERROR_NETWORK, naming host and the last
 * cause) or signing failed (FL_ERROR_AUTH from the credentials).  On TRUE
 * the caller clears *resp with fl_http_response_clear().
 */
gboolean fl_http_request(FlHttp *h, const FlHttpRequest *req, gsize max_body,
                         FlHttpResponse *resp, GError **err);

void fl_http_response_clear(FlHttpResponse *resp);

/* The value of a response header (name lower-case), or NULL. */
const char *fl_http_response_header(const FlHttpResponse *resp,
                                    const char *name);

/*
 * Streaming a large body (an S3 object): the body is pulled in pieces as
 * the caller reads, never held whole; libcurl's transfer is paused while
 * the caller's buffer is full, so memory is bounded by libcurl's own
 * buffer (CURL_MAX_WRITE_SIZE) plus ours.
 *
 * fl_http_stream_open performs req (with the retries above) up to the
 * response headers.  When the status is not 2xx the (bounded) error body
 * is read and returned in *resp as by fl_http_request, and the result is
 * NULL with no error set.  On 2xx the stream is returned, *resp has the
 * status and headers (no body).  NULL with *err when no answer came.
 * Retryable statuses are retried here too (their bodies are read to
 * tell throttling apart), but only until the first body byte of a 2xx
 * answer has been delivered.  While a stream is open its FlHttp serves
 * no other request.
 */
typedef struct FlHttpStream FlHttpStream;

FlHttpStream *fl_http_stream_open(FlHttp *h, const FlHttpRequest *req,
                                  FlHttpResponse *resp, GError **err);

/*
 * Up to len body bytes; 0 at the end of the body, -1 with *err when the
 * transfer broke (FL_ERROR_NETWORK: reset, stall, fewer bytes than
 * Content-Length).  Not retried here: the caller knows how to resume
 * (a Range request).  The stop flag of the FlHttpConfig ends a waiting
 * read with FL_ERROR_NETWORK "interrupted".
 */
gssize fl_http_stream_read(FlHttpStream *s, guint8 *buf, gsize len,
                           GError **err);

/* Ends the transfer (early or not); the FlHttp can be used again. */
void fl_http_stream_close(FlHttpStream *s);

/*
 * (fl_uri_encode and fl_uri_decode live in uri.c, so that sigv4.c can
 * use them without libcurl.)
 *
 * Percent-encodes s for a URL and for SigV4 (RFC 3986 unreserved bytes
 * A-Z a-z 0-9 - . _ ~ kept, everything else %XX upper-case), keeping '/'
 * when keep_slash (S3 object keys in a path).  Cannot fail.
 */
char *fl_uri_encode(const char *s, gboolean keep_slash);

/*
 * Decodes %XX (and '+' as a space when form is TRUE, as in S3 event
 * notifications).  NULL with FL_ERROR_CORRUPT on a bad escape or an
 * embedded NUL.
 */
char *fl_uri_decode(const char *s, gboolean form, GError **err);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlHttp, fl_http_free)

#endif
