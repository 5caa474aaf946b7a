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
#include "lambda/api_reply.h"

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

/*
 * One answer, parsed by fl_api_reply_parse() each time as much came in
 * as it asked for.  *early: the connection ended before any byte of it
 * (the caller may send the request again on a new connection).
 */
static gboolean
read_reply(FlApiHttp *h, gsize max, guint timeout_ms, FlApiReply *out,
           gboolean *early, GError **err)
{
    gboolean closed = FALSE;

    *early = FALSE;
    for (;;) {
        GError *local = NULL;
        gboolean reusable = FALSE;
        gsize used = 0;

        switch (fl_api_reply_parse(h->in->data, h->in->len, closed, max,
                                   out, &used, &reusable, &local)) {
        case FL_API_PARSE_DONE:
            g_byte_array_remove_range(h->in, 0, (guint)used);
            if (!reusable)
                conn_close(h);
            return TRUE;
        case FL_API_PARSE_ERROR:
            *early = closed && h->in->len == 0;
            g_propagate_prefixed_error(err, local, "%s: ", h->where);
            return FALSE;
        case FL_API_PARSE_MORE:
            break;
        }
        while (h->in->len < used) {
            gssize r = fill(h, timeout_ms, err);

            if (r < 0)
                return FALSE;
            if (r == 0) {
                closed = TRUE;
                break;
            }
        }
    }
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
