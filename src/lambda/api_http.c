/*
 * api_http.c - the Runtime API's HTTP/1.1 client (api_http.h).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "lambda/api_http.h"

#define HEAD_MAX (64 * 1024)        /* status line and headers */
#define TICK_MS 200                 /* between looks at the stop flag */
#define CONNECT_ATTEMPTS 3
#define READ_SIZE (64 * 1024)

struct FlApiHttp {
    char *where;                    /* HOST:PORT, for messages */
    char *host;                     /* NULL: host_port was not HOST:PORT */
    char *port;
    const volatile gint *stop;
    int fd;                         /* -1: not connected */
    GByteArray *in;                 /* read and not yet used */
};

/* What read_reply() says when the connection ended before any byte of
 * the answer: a kept-alive connection the API had closed. */
#define CLOSED_EARLY "the connection was closed before the answer"

static gboolean
stopped(const FlApiHttp *h, GError **err)
{
    if (h->stop == NULL || !g_atomic_int_get(h->stop))
        return FALSE;
    g_set_error(err, FL_ERROR, FL_ERROR_STOPPED, "%s: interrupted",
                h->where);
    return TRUE;
}

FlApiHttp *
fl_api_http_new(const char *host_port, const volatile gint *stop)
{
    FlApiHttp *h = g_new0(FlApiHttp, 1);
    const char *colon, *host = host_port, *host_end;

    h->where = g_strdup(host_port);
    h->stop = stop;
    h->fd = -1;
    h->in = g_byte_array_new();
    if (host_port[0] == '[') {              /* [V6]:PORT */
        host++;
        host_end = strchr(host, ']');
        colon = host_end && host_end[1] == ':' ? host_end + 1 : NULL;
    } else {
        colon = strrchr(host_port, ':');
        host_end = colon;
    }
    if (colon && colon[1] != '\0' && host_end > host) {
        h->host = g_strndup(host, host_end - host);
        h->port = g_strdup(colon + 1);
    }
    return h;
}

static void
conn_close(FlApiHttp *h)
{
    if (h->fd >= 0)
        close(h->fd);
    h->fd = -1;
    g_byte_array_set_size(h->in, 0);
}

void
fl_api_http_free(FlApiHttp *h)
{
    if (h == NULL)
        return;
    conn_close(h);
    g_byte_array_unref(h->in);
    g_free(h->where);
    g_free(h->host);
    g_free(h->port);
    g_free(h);
}

void
fl_api_reply_clear(FlApiReply *r)
{
    g_clear_pointer(&r->headers, g_hash_table_unref);
    g_clear_pointer(&r->body, g_bytes_unref);
    r->status = 0;
}

const char *
fl_api_reply_header(const FlApiReply *r, const char *name)
{
    return r->headers ? g_hash_table_lookup(r->headers, name) : NULL;
}

/* One connection attempt to each address of host:port. */
static gboolean
conn_try(FlApiHttp *h, GError **err)
{
    struct addrinfo hints, *res = NULL, *ai;
    int rc, fd = -1, saved = 0, one = 1;

    if (h->host == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s: not HOST:PORT",
                    h->where);
        return FALSE;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if ((rc = getaddrinfo(h->host, h->port, &hints, &res)) != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s: %s", h->where,
                    gai_strerror(rc));
        return FALSE;
    }
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s: cannot connect: "
                    "%s", h->where, g_strerror(saved));
        return FALSE;
    }
    /* Requests are small and each waits for its answer: no Nagle. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    h->fd = fd;
    g_byte_array_set_size(h->in, 0);
    return TRUE;
}

static gboolean
conn_open(FlApiHttp *h, GError **err)
{
    for (guint i = 0;; i++) {
        GError *local = NULL;

        if (stopped(h, err))
            return FALSE;
        if (conn_try(h, &local))
            return TRUE;
        if (i + 1 == CONNECT_ATTEMPTS) {
            g_propagate_error(err, local);
            g_prefix_error(err, "no connection after %u attempts: ",
                           CONNECT_ATTEMPTS);
            return FALSE;
        }
        g_error_free(local);
        g_usleep(50000 << i);           /* 50, 100 ms */
    }
}

static gboolean
send_all(FlApiHttp *h, const char *p, gsize len, GError **err)
{
    while (len > 0) {
        gssize n = send(h->fd, p, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s: send: %s",
                        h->where, g_strerror(errno));
            return FALSE;
        }
        p += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/*
 * Reads what comes into h->in: > 0 bytes read, 0 at the end of the
 * connection, -1 with *err (stopped, timed out, broken).
 */
static gssize
fill(FlApiHttp *h, guint timeout_ms, GError **err)
{
    gint64 end = timeout_ms ? g_get_monotonic_time()
                              + (gint64)timeout_ms * 1000 : 0;

    for (;;) {
        struct pollfd pfd = { .fd = h->fd, .events = POLLIN, .revents = 0 };
        int rc;

        if (stopped(h, err))
            return -1;
        rc = poll(&pfd, 1, TICK_MS);
        if (rc < 0 && errno != EINTR) {
            g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s: poll: %s",
                        h->where, g_strerror(errno));
            return -1;
        }
        if (rc > 0) {
            gsize old = h->in->len;
            gssize n;

            g_byte_array_set_size(h->in, old + READ_SIZE);
            n = recv(h->fd, h->in->data + old, READ_SIZE, 0);
            g_byte_array_set_size(h->in, old + MAX(n, 0));
            if (n >= 0)
                return n;
            if (errno != EINTR && errno != EAGAIN) {
                g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s: recv: %s",
                            h->where, g_strerror(errno));
                return -1;
            }
        }
        if (end && g_get_monotonic_time() >= end) {
            g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s: no answer in "
                        "%u ms", h->where, timeout_ms);
            return -1;
        }
    }
}

/* Until h->in holds n bytes; the answer ends too early otherwise. */
static gboolean
want(FlApiHttp *h, gsize n, guint timeout_ms, GError **err)
{
    while (h->in->len < n) {
        gssize r = fill(h, timeout_ms, err);

        if (r < 0)
            return FALSE;
        if (r == 0) {
            g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s: the "
                        "connection was closed in the middle of the answer",
                        h->where);
            return FALSE;
        }
    }
    return TRUE;
}

static void
take(FlApiHttp *h, GByteArray *body, gsize n)
{
    g_byte_array_append(body, h->in->data, (guint)n);
    g_byte_array_remove_range(h->in, 0, (guint)n);
}

static gboolean
too_big(const FlApiHttp *h, gsize n, gsize max, GError **err)
{
    if (n <= max)
        return FALSE;
    g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "%s: an answer of more than "
                "%" G_GSIZE_FORMAT " bytes", h->where, max);
    return TRUE;
}

/* Offset of the first CRLF at or after from, or -1. */
static gssize
crlf(const GByteArray *a, gsize from)
{
    for (gsize i = from; i + 1 < a->len; i++)
        if (a->data[i] == '\r' && a->data[i + 1] == '\n')
            return (gssize)i;
    return -1;
}

static gboolean
body_chunked(FlApiHttp *h, GByteArray *body, gsize max, guint timeout_ms,
             GError **err)
{
    for (;;) {
        gssize eol;
        guint64 size;
        g_autofree char *line = NULL;

        while ((eol = crlf(h->in, 0)) < 0) {
            if (h->in->len > 1024) {
                g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "%s: a chunk "
                            "size line of more than 1 KiB", h->where);
                return FALSE;
            }
            if (!want(h, h->in->len + 1, timeout_ms, err))
                return FALSE;
        }
        line = g_strndup((const char *)h->in->data, (gsize)eol);
        g_byte_array_remove_range(h->in, 0, (guint)eol + 2);
        line[strcspn(line, "; \t")] = '\0';   /* chunk extensions */
        if (!g_ascii_string_to_unsigned(line, 16, 0, G_MAXUINT32, &size,
                                        NULL)) {
            g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "%s: a bad chunk "
                        "size", h->where);
            return FALSE;
        }
        if (size == 0)
            break;
        if (too_big(h, body->len + size, max, err)
            || !want(h, size + 2, timeout_ms, err))
            return FALSE;
        take(h, body, size);
        g_byte_array_remove_range(h->in, 0, 2);
    }
    /* Trailers, up to the empty line. */
    for (;;) {
        gssize eol;

        while ((eol = crlf(h->in, 0)) < 0)
            if (h->in->len > HEAD_MAX
                || !want(h, h->in->len + 1, timeout_ms, err))
                return h->in->len > HEAD_MAX
                       ? (g_set_error(err, FL_ERROR, FL_ERROR_REMOTE,
                                      "%s: trailers too long", h->where),
                          FALSE)
                       : FALSE;
        g_byte_array_remove_range(h->in, 0, (guint)eol + 2);
        if (eol == 0)
            return TRUE;
    }
}

/* The status line and headers of head (NUL-terminated, no final CRLF). */
static gboolean
parse_head(FlApiHttp *h, char *head, FlApiReply *out, GError **err)
{
    char **lines = g_strsplit(head, "\r\n", -1);
    guint64 status = 0;
    gboolean ok = FALSE;

    if (g_str_has_prefix(lines[0], "HTTP/1.") && strlen(lines[0]) >= 12
        && lines[0][8] == ' ') {
        char code[4];

        memcpy(code, lines[0] + 9, 3);
        code[3] = '\0';
        ok = g_ascii_string_to_unsigned(code, 10, 100, 999, &status, NULL);
    }
    if (!ok) {
        g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "%s: not an HTTP "
                    "answer", h->where);
        g_strfreev(lines);
        return FALSE;
    }
    out->status = (int)status;
    out->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         g_free);
    for (guint i = 1; lines[i] != NULL; i++) {
        char *colon = strchr(lines[i], ':');

        if (colon == NULL || colon == lines[i])
            continue;
        *colon = '\0';
        g_hash_table_replace(out->headers, g_ascii_strdown(lines[i], -1),
                             g_strstrip(g_strdup(colon + 1)));
    }
    g_strfreev(lines);
    return TRUE;
}

/*
 * One answer.  *early: the connection ended before any byte of it (the
 * caller may send the request again on a new connection).
 */
static gboolean
read_reply(FlApiHttp *h, gsize max, guint timeout_ms, FlApiReply *out,
           gboolean *early, GError **err)
{
    g_autoptr(GByteArray) body = g_byte_array_new();
    const guint8 *end;
    g_autofree char *head = NULL;
    const char *te, *cl, *conn;
    gsize head_len;

    *early = FALSE;
    while ((end = h->in->len >= 4
                  ? memmem(h->in->data, h->in->len, "\r\n\r\n", 4)
                  : NULL) == NULL) {
        gssize r;

        if (h->in->len > HEAD_MAX) {
            g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "%s: headers of "
                        "more than %u bytes", h->where, HEAD_MAX);
            return FALSE;
        }
        if ((r = fill(h, timeout_ms, err)) < 0)
            return FALSE;
        if (r == 0) {
            *early = h->in->len == 0;
            g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s: %s", h->where,
                        *early ? CLOSED_EARLY : "the connection was closed "
                        "in the middle of the answer");
            return FALSE;
        }
    }
    head_len = (gsize)(end - h->in->data);
    head = g_strndup((const char *)h->in->data, head_len);
    g_byte_array_remove_range(h->in, 0, (guint)head_len + 4);
    if (!parse_head(h, head, out, err))
        return FALSE;
    te = fl_api_reply_header(out, "transfer-encoding");
    cl = fl_api_reply_header(out, "content-length");
    conn = fl_api_reply_header(out, "connection");
    if (te && g_ascii_strcasecmp(te, "identity") != 0) {
        if (!body_chunked(h, body, max, timeout_ms, err))
            return FALSE;
    } else if (cl) {
        guint64 n;

        if (!g_ascii_string_to_unsigned(cl, 10, 0, G_MAXUINT32, &n, NULL)) {
            g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "%s: a bad "
                        "Content-Length", h->where);
            return FALSE;
        }
        if (too_big(h, n, max, err) || !want(h, n, timeout_ms, err))
            return FALSE;
        take(h, body, n);
    } else {
        gssize r;

        while ((r = fill(h, timeout_ms, err)) > 0)
            if (too_big(h, h->in->len, max, err))
                return FALSE;
        if (r < 0)
            return FALSE;
        take(h, body, h->in->len);
        conn_close(h);
    }
    if (conn && g_ascii_strcasecmp(conn, "close") == 0)
        conn_close(h);
    out->body = g_byte_array_free_to_bytes(g_steal_pointer(&body));
    return TRUE;
}

gboolean
fl_api_http_request(FlApiHttp *h, const char *method, const char *path,
                    const char *const *headers, const char *body, gsize len,
                    gsize max_body, guint timeout_ms, FlApiReply *out,
                    GError **err)
{
    g_autoptr(GString) req = g_string_sized_new(256 + len);

    memset(out, 0, sizeof *out);
    g_string_append_printf(req, "%s %s HTTP/1.1\r\nHost: %s\r\n"
                           "User-Agent: flowlog2ipfix/" PACKAGE_VERSION
                           "\r\n", method, path, h->where);
    if (len > 0 || strcmp(method, "GET") != 0)
        g_string_append_printf(req, "Content-Length: %" G_GSIZE_FORMAT
                               "\r\n", len);
    for (guint i = 0; headers && headers[i]; i++)
        g_string_append_printf(req, "%s\r\n", headers[i]);
    g_string_append(req, "\r\n");
    g_string_append_len(req, body ? body : "", (gssize)len);

    for (guint attempt = 0;; attempt++) {
        GError *local = NULL;
        gboolean reused = h->fd >= 0, sent, early = FALSE;

        if (!reused && !conn_open(h, err))
            return FALSE;
        sent = send_all(h, req->str, req->len, &local);
        if (sent && read_reply(h, max_body, timeout_ms, out, &early, &local))
            return TRUE;
        fl_api_reply_clear(out);
        conn_close(h);
        /* A kept-alive connection the API had closed meanwhile: once
         * more on a new one.  Anything else is the answer. */
        if (reused && attempt == 0 && (!sent || early)) {
            g_error_free(local);
            continue;
        }
        g_propagate_error(err, local);
        return FALSE;
    }
}
