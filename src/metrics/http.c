/*
 * http.c - the tiny HTTP/1.0 server of http.h.
 *
 * The address parser, the head reader and the sender are shared with the
 * Pub/Sub push listener (sources/source_pubsub.c).
 *
 * A request is read until its blank line; only the request line is
 * looked at ("METHOD TARGET HTTP/x.y"), headers are skipped, a query
 * string is ignored.  The answer is HTTP/1.0 with Content-Length and
 * "Connection: close".
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "error.h"
#include "log.h"
#include "metrics/http.h"

#define MAX_REQUEST 8192
#define IO_TIMEOUT_S 5

struct FlHttpServer {
    GSocketService *service;
    char *path, *content_type;
    FlHttpBody body;
    gpointer data;
};

GSocketAddress *
fl_http_parse_address(const char *addr, GError **err)
{
    g_autofree char *host = NULL;
    g_autoptr(GInetAddress) ia = NULL;
    const char *colon;
    guint64 port;

    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');

        if (close == NULL || close[1] != ':')
            goto bad;
        host = g_strndup(addr + 1, (gsize)(close - addr - 1));
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (colon == NULL)
            goto bad;
        host = g_strndup(addr, (gsize)(colon - addr));
    }
    if (!g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &port, NULL))
        goto bad;
    if (strcmp(host, "localhost") == 0)
        ia = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    else
        ia = g_inet_address_new_from_string(host);
    if (ia == NULL)
        goto bad;
    return g_inet_socket_address_new(ia, (guint16)port);
bad:
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "'%s' is not ADDRESS:PORT "
                "(a literal IPv4 address, [IPv6] or localhost)", addr);
    return NULL;
}

gboolean
fl_http_send_all(GSocket *s, const char *buf, gsize len)
{
    while (len > 0) {
        gssize n = g_socket_send(s, buf, len, NULL, NULL);

        if (n <= 0)
            return FALSE;
        buf += n;
        len -= (gsize)n;
    }
    return TRUE;
}

static void
answer(GSocket *s, const char *status, const char *type, const char *body,
       gboolean head)
{
    g_autofree char *hdr = g_strdup_printf(
        "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %" G_GSIZE_FORMAT
        "\r\nConnection: close\r\n\r\n", status, type, strlen(body));

    if (fl_http_send_all(s, hdr, strlen(hdr)) && !head)
        (void)fl_http_send_all(s, body, strlen(body));
}

gssize
fl_http_read_head(GSocket *s, GString *req, gsize max)
{
    char buf[1024];

    for (;;) {
        const char *crlf = strstr(req->str, "\r\n\r\n");
        const char *lf = strstr(req->str, "\n\n");
        gssize n;

        if (crlf && (lf == NULL || crlf < lf))
            return crlf + 4 - req->str;
        if (lf)
            return lf + 2 - req->str;
        n = g_socket_receive(s, buf, MIN(sizeof buf, max + 1 - req->len),
                             NULL, NULL);
        if (n <= 0 || req->len + (gsize)n > max)
            return -1;
        g_string_append_len(req, buf, n);
    }
}

static void
serve(FlHttpServer *srv, GSocket *s)
{
    g_autoptr(GString) req = g_string_new(NULL);
    g_auto(GStrv) words = NULL;
    gboolean head;
    gsize plen;

    if (fl_http_read_head(s, req, MAX_REQUEST) < 0)
        return;
    req->str[strcspn(req->str, "\r\n")] = '\0';
    words = g_strsplit(req->str, " ", 4);
    if (g_strv_length(words) != 3 || !g_str_has_prefix(words[2], "HTTP/")) {
        answer(s, "400 Bad Request", "text/plain", "bad request\n", FALSE);
        return;
    }
    head = strcmp(words[0], "HEAD") == 0;
    if (!head && strcmp(words[0], "GET") != 0) {
        answer(s, "405 Method Not Allowed", "text/plain", "GET only\n",
               FALSE);
        return;
    }
    plen = strlen(srv->path);
    if (strncmp(words[1], srv->path, plen) != 0
        || (words[1][plen] != '\0' && words[1][plen] != '?')) {
        answer(s, "404 Not Found", "text/plain", "not found\n", head);
        return;
    }
    {
        g_autofree char *body = srv->body(srv->data);

        answer(s, "200 OK", srv->content_type, body, head);
    }
}

static gboolean
on_incoming(GSocketService *service, GSocketConnection *conn,
            GObject *source, gpointer data)
{
    GSocket *s = g_socket_connection_get_socket(conn);

    g_socket_set_blocking(s, TRUE);
    g_socket_set_timeout(s, IO_TIMEOUT_S);
    serve(data, s);
    (void)g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
    return TRUE;
}

FlHttpServer *
fl_http_server_new(const char *addr, const char *path,
                   const char *content_type, FlHttpBody body, gpointer data,
                   GError **err)
{
    g_autoptr(GSocketAddress) sa = fl_http_parse_address(addr, err);
    g_autoptr(GSocketAddress) bound = NULL;
    g_autoptr(GError) local = NULL;
    FlHttpServer *srv;

    if (sa == NULL)
        return NULL;
    srv = g_new0(FlHttpServer, 1);
    srv->service = g_socket_service_new();
    srv->path = g_strdup(path);
    srv->content_type = g_strdup(content_type);
    srv->body = body;
    srv->data = data;
    if (!g_socket_listener_add_address(G_SOCKET_LISTENER(srv->service), sa,
                                       G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                       &local)) {
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", addr,
                    local->message);
        fl_http_server_free(srv);
        return NULL;
    }
    g_signal_connect(srv->service, "incoming", G_CALLBACK(on_incoming), srv);
    g_socket_service_start(srv->service);
    {
        GInetSocketAddress *in = G_INET_SOCKET_ADDRESS(bound);
        g_autofree char *host = g_inet_address_to_string(
            g_inet_socket_address_get_address(in));

        fl_log_debug("metrics on http://%s:%u%s", host,
                     g_inet_socket_address_get_port(in), path);
    }
    return srv;
}

void
fl_http_server_free(FlHttpServer *srv)
{
    if (srv == NULL)
        return;
    g_socket_service_stop(srv->service);
    g_socket_listener_close(G_SOCKET_LISTENER(srv->service));
    g_object_unref(srv->service);
    g_free(srv->path);
    g_free(srv->content_type);
    g_free(srv);
}
