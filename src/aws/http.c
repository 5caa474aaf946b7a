/*
 * http.c - HTTP requests for the cloud layers (see http.h).
 *
 * Every transfer, whole or streamed, runs through one curl multi handle
 * that holds the one easy handle of the FlHttp, so both kinds share the
 * connection cache and both wait in curl_multi_poll() with a short
 * timeout, which is where the stop flag is looked at.
 *
 * The body lands in h->body.  A whole request appends to it up to its
 * limit.  A stream keeps it small: the write callback takes a chunk only
 * while fewer than PENDING_MAX bytes wait for the reader and otherwise
 * pauses the transfer; the reader unpauses it when it has drained them.
 */
#include "config.h"

#include <string.h>

#include <curl/curl.h>

#include "aws/http.h"
#include "aws/sigv4.h"
#include "error.h"
#include "log.h"

#define ERROR_BODY_MAX (64 * 1024)  /* what we keep of a non-2xx stream */
/* Stream bytes waiting for the reader, and how many a read waits for.
 * Large, so that an object streams in 256 KiB receives and wake-ups
 * rather than libcurl's default 16 KiB: on loopback that took the S3
 * path from 73 % to ... of the local-file rate (tests/bench/run). */
#define PENDING_MAX (1024 * 1024)
#define PENDING_FILL (256 * 1024)
#define RECV_BUFFER (256 * 1024)
#define POLL_MS 200                 /* how late the stop flag may be seen */
#define SLEEP_STEP_MS 50

typedef enum {
    MODE_WHOLE,         /* body kept whole, up to max_body */
    MODE_STREAM         /* body handed out by fl_http_stream_read() */
} Mode;

struct FlHttp {
    FlHttpConfig cfg;
    char *ca_bundle;            /* cfg.ca_bundle points here */
    CURL *easy;
    CURLM *multi;
    char *unusable;             /* why easy or multi is NULL */
    char errbuf[CURL_ERROR_SIZE];
    /* The transfer in progress. */
    struct curl_slist *slist;
    GHashTable *headers;
    GByteArray *body;
    gsize body_off;             /* stream: bytes of body already read */
    gsize max_body;
    Mode mode;
    gboolean attached;          /* easy is in multi */
    gboolean headers_done;      /* the final response's headers are in */
    gboolean over_limit;
    gboolean paused;
    gboolean done;
    CURLcode result;            /* when done */
};

struct FlHttpStream {
    FlHttp *h;
    char *what;                 /* "METHOD host", for messages */
};

static const char *const throttle_codes[] = {
    "Throttling", "ThrottlingException", "SlowDown", "RequestLimitExceeded",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "RequestThrottled",
};

void
fl_http_config_init(FlHttpConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->connect_timeout = 10;
    cfg->low_speed_time = 30;
    cfg->max_attempts = 5;
    cfg->backoff_base_ms = 200;
    cfg->backoff_max_ms = 20000;
}

static gboolean
stopped(const FlHttp *h)
{
    return h->cfg.stop != NULL && g_atomic_int_get(h->cfg.stop) != 0;
}

FlHttp *
fl_http_new(const FlHttpConfig *cfg)
{
    static gsize once = 0;          /* 1 + the CURLcode of the init */
    FlHttp *h = g_new0(FlHttp, 1);
    CURLcode rc;

    /* curl_global_init is not thread-safe before 7.84; do it once. */
    if (g_once_init_enter(&once))
        g_once_init_leave(&once, 1 + (gsize)curl_global_init(
                                        CURL_GLOBAL_DEFAULT));
    rc = (CURLcode)(once - 1);
    h->cfg = *cfg;
    h->ca_bundle = g_strdup(cfg->ca_bundle);
    h->cfg.ca_bundle = h->ca_bundle;
    if (h->cfg.max_attempts == 0)
        h->cfg.max_attempts = 1;
    /* A failure here (the Lambda bootstrap's libcurl missing from its
     * zip: aws/curl_lazy.c) fails each request, not the program. */
    if (rc == CURLE_OK) {
        h->easy = curl_easy_init();
        h->multi = curl_multi_init();
    }
    if (h->easy == NULL || h->multi == NULL)
        h->unusable = g_strdup(rc != CURLE_OK ? curl_easy_strerror(rc)
                               : "libcurl is out of memory");
    h->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       g_free);
    h->body = g_byte_array_new();
    return h;
}

static void
transfer_end(FlHttp *h)
{
    if (h->attached)
        curl_multi_remove_handle(h->multi, h->easy);
    h->attached = FALSE;
    g_clear_pointer(&h->slist, curl_slist_free_all);
}

void
fl_http_free(FlHttp *h)
{
    if (h == NULL)
        return;
    transfer_end(h);
    curl_multi_cleanup(h->multi);
    curl_easy_cleanup(h->easy);
    g_hash_table_unref(h->headers);
    g_byte_array_unref(h->body);
    g_free(h->ca_bundle);
    g_free(h->unusable);
    g_free(h);
}

void
fl_http_response_clear(FlHttpResponse *resp)
{
    g_clear_pointer(&resp->body, g_bytes_unref);
    g_clear_pointer(&resp->headers, g_hash_table_unref);
    resp->status = 0;
}

const char *
fl_http_response_header(const FlHttpResponse *resp, const char *name)
{
    return resp->headers != NULL ? g_hash_table_lookup(resp->headers, name)
                                 : NULL;
}

/* The URL for messages: no query string, which may carry tokens. */
static char *
url_for_log(const char *url)
{
    return g_strndup(url, strcspn(url, "?#"));
}

static char *
url_host(const char *url)
{
    const char *p = strstr(url, "://");

    p = p != NULL ? p + 3 : url;
    return g_strndup(p, strcspn(p, "/?#"));
}

/* ---- libcurl callbacks ------------------------------------------------ */

/* Each response's status line (a 100 Continue, then the real one) starts
 * the table afresh; the empty line after the final one ends the headers. */
static size_t
on_header(char *buf, size_t size, size_t n, void *data)
{
    FlHttp *h = data;
    size_t len = size * n;
    const char *colon;
    char *name, *value;
    long code = 0;

    if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
        g_hash_table_remove_all(h->headers);
        return len;
    }
    if ((len == 2 && buf[0] == '\r') || (len == 1 && buf[0] == '\n')) {
        curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200)
            h->headers_done = TRUE;
        return len;
    }
    if ((colon = memchr(buf, ':', len)) == NULL)
        return len;                     /* a folded line: not for us */
    name = g_ascii_strdown(buf, colon - buf);
    value = g_strndup(colon + 1, len - (gsize)(colon + 1 - buf));
    g_hash_table_replace(h->headers, g_strstrip(name), g_strstrip(value));
    return len;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *data)
{
    FlHttp *h = data;
    size_t len = size * n;

    if (h->mode == MODE_WHOLE) {
        if (len > h->max_body - h->body->len) {
            h->over_limit = TRUE;
            return 0;                   /* ends the transfer */
        }
        g_byte_array_append(h->body, (const guint8 *)buf, (guint)len);
        return len;
    }
    if (h->body_off == h->body->len) {
        g_byte_array_set_size(h->body, 0);
        h->body_off = 0;
    }
    /* libcurl hands the same chunk again after the unpause. */
    if (h->body->len > 0 && h->body->len - h->body_off + len > PENDING_MAX) {
        h->paused = TRUE;
        return CURL_WRITEFUNC_PAUSE;
    }
    g_byte_array_append(h->body, (const guint8 *)buf, (guint)len);
    return len;
}

static int
on_progress(void *data, curl_off_t dltotal, curl_off_t dlnow,
            curl_off_t ultotal, curl_off_t ulnow)
{
    return stopped(data) ? 1 : 0;       /* non-zero aborts the transfer */
}

/* ---- one attempt ------------------------------------------------------ */

static gboolean
build_headers(FlHttp *h, const FlHttpRequest *req, GError **err)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    FlAwsKeys keys = { 0 };
    gboolean ok;

    for (guint i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
        g_ptr_array_add(lines, g_strdup(req->headers[i]));
    if (req->signer != NULL && !req->signer->sign(req->signer->data, req,
                                                  lines, err))
        return FALSE;
    if (req->sign != NULL) {
        FlSigv4Request sr = {
            .method = req->method, .url = req->url,
            .region = req->sign->region, .service = req->sign->service,
            .now = g_get_real_time() / G_USEC_PER_SEC,
            .body = req->body, .body_len = req->body_len,
            .s3 = strcmp(req->sign->service, "s3") == 0,
        };

        if (!fl_aws_credentials_get(req->sign->creds, &keys, err))
            return FALSE;
        ok = fl_sigv4_sign(&sr, &keys, lines, err);
        fl_aws_keys_clear(&keys);
        if (!ok)
            return FALSE;
    }
    for (guint i = 0; i < lines->len; i++)
        h->slist = curl_slist_append(h->slist, lines->pdata[i]);
    /* After signing, so that it is not signed: curl must not wait for a
     * 100 Continue that AWS does not send for small bodies. */
    h->slist = curl_slist_append(h->slist, "Expect:");
    return TRUE;
}

static void
set_method(FlHttp *h, const FlHttpRequest *req)
{
    CURL *e = h->easy;

    if (strcmp(req->method, "GET") == 0 && req->body == NULL) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        return;
    }
    if (req->body != NULL || strcmp(req->method, "POST") == 0 ||
        strcmp(req->method, "PUT") == 0) {
        /* Copied, so the caller's buffer need not outlive the call;
         * the size goes first, which makes the copy binary-safe. */
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)req->body_len);
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS,
                         req->body != NULL ? (const char *)req->body : "");
    }
    if (strcmp(req->method, "POST") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
}

static void
set_options(FlHttp *h, const FlHttpRequest *req)
{
    CURL *e = h->easy;

    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)h->cfg.connect_timeout);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)h->cfg.low_speed_time);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)req->timeout);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->ca_bundle != NULL)
        curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_bundle);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->slist);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, h);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)RECV_BUFFER);
    set_method(h, req);
}

/* Signs and starts one attempt.  FALSE when signing failed or there is
 * no libcurl to make requests with. */
static gboolean
transfer_start(FlHttp *h, const FlHttpRequest *req, Mode mode,
               gsize max_body, GError **err)
{
    if (h->unusable != NULL) {
        g_autofree char *host = url_host(req->url);

        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED, "%s %s: no HTTP "
                    "client: %s", req->method, host, h->unusable);
        return FALSE;
    }
    transfer_end(h);
    curl_easy_reset(h->easy);   /* keeps the connection cache */
    g_hash_table_remove_all(h->headers);
    g_byte_array_set_size(h->body, 0);
    h->body_off = 0;
    h->max_body = max_body;
    h->mode = mode;
    h->headers_done = h->over_limit = h->paused = h->done = FALSE;
    h->result = CURLE_OK;
    h->errbuf[0] = '\0';
    if (!build_headers(h, req, err))
        return FALSE;
    set_options(h, req);
    curl_multi_add_handle(h->multi, h->easy);
    h->attached = TRUE;
    return TRUE;
}

typedef gboolean (*Until)(const FlHttp *h);

static gboolean
until_end(const FlHttp *h)
{
    return FALSE;
}

static gboolean
until_headers(const FlHttp *h)
{
    return h->headers_done;
}

static gboolean
until_data(const FlHttp *h)
{
    return h->body->len - h->body_off >= PENDING_FILL || h->paused;
}

/* Runs the transfer until until() holds or it ends.  FALSE when the stop
 * flag ended the wait. */
static gboolean
transfer_run(FlHttp *h, Until until)
{
    for (;;) {
        CURLMsg *m;
        int running, left;

        curl_multi_perform(h->multi, &running);
        while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
            if (m->msg == CURLMSG_DONE && m->easy_handle == h->easy) {
                h->done = TRUE;
                h->result = m->data.result;
            }
        }
        if (h->done || until(h))
            return TRUE;
        if (stopped(h))
            return FALSE;
        curl_multi_poll(h->multi, NULL, 0, POLL_MS, NULL);
    }
}

/* Why a transfer failed, for messages. */
static char *
transfer_cause(const FlHttp *h)
{
    if (stopped(h))
        return g_strdup("interrupted");
    if (h->errbuf[0] != '\0')
        return g_strdup(h->errbuf);
    return g_strdup(curl_easy_strerror(h->result));
}

static long
transfer_status(const FlHttp *h)
{
    long code = 0;

    curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

/* ---- retries ---------------------------------------------------------- */

/* A plain substring search is enough: it only decides on a retry. */
static gboolean
says_throttling(const GByteArray *body)
{
    g_autofree char *s = g_strndup((const char *)body->data, body->len);

    for (guint i = 0; i < G_N_ELEMENTS(throttle_codes); i++) {
        g_autofree char *xml = g_strdup_printf("<Code>%s</Code>",
                                               throttle_codes[i]);
        g_autofree char *json = g_strdup_printf("%s\"", throttle_codes[i]);
        const char *p = strstr(s, json);

        /* JSON "__type": "Name" or "prefix#Name", or "code": "Name". */
        if (strstr(s, xml) != NULL ||
            (p != NULL && p > s && (p[-1] == '"' || p[-1] == '#')))
            return TRUE;
    }
    return FALSE;
}

static gboolean
status_retryable(long status, const GByteArray *body)
{
    switch (status) {
    case 429: case 500: case 502: case 503: case 504:
        return TRUE;
    case 400:
        return says_throttling(body);
    default:
        return FALSE;
    }
}

/* Full jitter: a uniform wait in [0, min(max, base * 2^n)].  FALSE when
 * the stop flag cut it short. */
static gboolean
backoff(const FlHttp *h, guint n)
{
    guint64 cap = (guint64)h->cfg.backoff_base_ms << MIN(n, 30u);
    gint64 end;

    cap = MIN(cap, (guint64)h->cfg.backoff_max_ms);
    end = g_get_monotonic_time() +
          (gint64)g_random_double_range(0, (gdouble)cap + 1) * 1000;
    while (g_get_monotonic_time() < end) {
        if (stopped(h))
            return FALSE;
        g_usleep(MIN(end - g_get_monotonic_time(),
                     SLEEP_STEP_MS * 1000));
    }
    return !stopped(h);
}

static void
take_response(FlHttp *h, FlHttpResponse *resp, gboolean with_body)
{
    resp->status = transfer_status(h);
    resp->headers = h->headers;
    h->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       g_free);
    if (with_body) {
        resp->body = g_byte_array_free_to_bytes(h->body);
        h->body = g_byte_array_new();
    }
}

static void
log_attempt(const FlHttpRequest *req, const FlHttp *h, guint attempt,
            const char *cause)
{
    g_autofree char *url = url_for_log(req->url);

    if (cause != NULL)
        fl_log_debug("%s %s: %s (attempt %u of %u)", req->method, url, cause,
                     attempt + 1, h->cfg.max_attempts);
    else
        fl_log_debug("%s %s: status %ld (attempt %u of %u)", req->method,
                     url, transfer_status(h), attempt + 1,
                     h->cfg.max_attempts);
}

/*
 * Failures that the next attempt cannot change: the server's certificate
 * is not trusted or not for this host, our CA file or client certificate
 * is unusable, the URL is wrong.  Retrying them only delays the message.
 */
static gboolean
result_is_final(CURLcode rc)
{
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return TRUE;
    default:
        return FALSE;
    }
}

static void
set_no_answer(const FlHttpRequest *req, const char *cause, guint attempts,
              gboolean final, GError **err)
{
    g_autofree char *host = url_host(req->url);

    if (final)
        g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s %s: %s (not "
                    "retried)", req->method, host, cause);
    else
        g_set_error(err, FL_ERROR, FL_ERROR_NETWORK,
                    "%s %s: no answer after %u attempt%s: %s", req->method,
                    host, attempts, attempts == 1 ? "" : "s", cause);
}

gboolean
fl_http_request(FlHttp *h, const FlHttpRequest *req, gsize max_body,
                FlHttpResponse *resp, GError **err)
{
    g_autofree char *cause = NULL;
    guint attempt;

    memset(resp, 0, sizeof(*resp));
    for (attempt = 0; attempt < h->cfg.max_attempts; attempt++) {
        if (attempt > 0 && !backoff(h, attempt - 1))
            break;
        if (!transfer_start(h, req, MODE_WHOLE, max_body, err))
            return FALSE;
        transfer_run(h, until_end);
        transfer_end(h);
        if (h->over_limit) {
            g_autofree char *url = url_for_log(req->url);

            g_set_error(err, FL_ERROR, FL_ERROR_LIMIT,
                        "%s %s: body longer than %" G_GSIZE_FORMAT " bytes",
                        req->method, url, max_body);
            return FALSE;
        }
        if (!h->done || h->result != CURLE_OK) {
            g_free(cause);
            cause = transfer_cause(h);
            log_attempt(req, h, attempt, cause);
            if (h->done && result_is_final(h->result)) {
                set_no_answer(req, cause, attempt + 1, TRUE, err);
                return FALSE;
            }
            continue;
        }
        log_attempt(req, h, attempt, NULL);
        if (status_retryable(transfer_status(h), h->body) &&
            attempt + 1 < h->cfg.max_attempts)
            continue;
        take_response(h, resp, TRUE);
        return TRUE;
    }
    set_no_answer(req, cause != NULL ? cause : "interrupted", attempt, FALSE,
                  err);
    return FALSE;
}

/* ---- streams ---------------------------------------------------------- */

/* A non-2xx answer: its body, as much as ERROR_BODY_MAX holds, read whole
 * on the spot; what the stream had pending is its start. */
static void
read_error_body(FlHttp *h)
{
    h->mode = MODE_WHOLE;
    h->max_body = ERROR_BODY_MAX;
    if (h->body->len > ERROR_BODY_MAX)
        g_byte_array_set_size(h->body, ERROR_BODY_MAX);
    if (h->paused) {
        h->paused = FALSE;
        curl_easy_pause(h->easy, CURLPAUSE_CONT);
    }
    transfer_run(h, until_end);
}

FlHttpStream *
fl_http_stream_open(FlHttp *h, const FlHttpRequest *req,
                    FlHttpResponse *resp, GError **err)
{
    g_autofree char *cause = NULL;
    FlHttpStream *s;
    guint attempt;
    long status;

    memset(resp, 0, sizeof(*resp));
    for (attempt = 0; attempt < h->cfg.max_attempts; attempt++) {
        if (attempt > 0 && !backoff(h, attempt - 1))
            break;
        if (!transfer_start(h, req, MODE_STREAM, 0, err))
            return NULL;
        if (!transfer_run(h, until_headers) || !h->headers_done) {
            /* No answer: nothing of the body was handed out yet. */
            gboolean final;

            g_free(cause);
            cause = transfer_cause(h);
            final = h->done && result_is_final(h->result);
            transfer_end(h);
            log_attempt(req, h, attempt, cause);
            if (final) {
                set_no_answer(req, cause, attempt + 1, TRUE, err);
                return NULL;
            }
            continue;
        }
        log_attempt(req, h, attempt, NULL);
        status = transfer_status(h);
        if (status >= 200 && status < 300) {
            g_autofree char *host = url_host(req->url);

            take_response(h, resp, FALSE);
            s = g_new0(FlHttpStream, 1);
            s->h = h;
            s->what = g_strdup_printf("%s %s", req->method, host);
            return s;
        }
        read_error_body(h);
        transfer_end(h);
        if (status_retryable(status, h->body) &&
            attempt + 1 < h->cfg.max_attempts)
            continue;
        take_response(h, resp, TRUE);
        return NULL;
    }
    set_no_answer(req, cause != NULL ? cause : "interrupted", attempt, FALSE,
                  err);
    return NULL;
}

gssize
fl_http_stream_read(FlHttpStream *s, guint8 *buf, gsize len, GError **err)
{
    FlHttp *h = s->h;

    for (;;) {
        gsize avail = h->body->len - h->body_off;
        g_autofree char *cause = NULL;

        if (avail > 0) {
            gsize n = MIN(avail, len);

            memcpy(buf, h->body->data + h->body_off, n);
            h->body_off += n;
            return (gssize)n;
        }
        if (h->done && h->result == CURLE_OK)
            return 0;
        if (h->paused) {
            /* libcurl may hand the held chunk over right here. */
            h->paused = FALSE;
            curl_easy_pause(h->easy, CURLPAUSE_CONT);
            continue;
        }
        if (!h->done && transfer_run(h, until_data))
            continue;
        cause = transfer_cause(h);
        g_set_error(err, FL_ERROR, FL_ERROR_NETWORK,
                    "%s: body cut short: %s", s->what, cause);
        return -1;
    }
}

void
fl_http_stream_close(FlHttpStream *s)
{
    if (s == NULL)
        return;
    transfer_end(s->h);         /* a transfer not done is abandoned */
    g_byte_array_set_size(s->h->body, 0);
    s->h->body_off = 0;
    g_free(s->what);
    g_free(s);
}
