/*
 * source_pubsub.c - --listen-pubsub ADDR:PORT[/PATH]: Google Pub/Sub push
 * requests as objects, each answered once its records are committed.
 *
 * A push subscription POSTs {"message":{"data":"<base64 LogEntry>",
 * "messageId":"..."},"subscription":"..."} and redelivers until it gets
 * 102, 200, 201, 202 or 204.  Each request body becomes one object
 * ("pubsub:SUBSCRIPTION/MESSAGE-ID"), which the Google decoder reads as a
 * push body; the request waits for the object's done hook:
 *   committed, nothing rejected     204
 *   committed, an entry rejected    400 (bad base64, bad JSON, a bad
 *                                   entry: the decoder said why, naming
 *                                   the message; counted as rejected)
 *   not committed (output failed)   503: Pub/Sub sends it again
 * Refused before decoding (logged, and counted in the line the source
 * logs when it closes): another
 * path 404, not POST 405, a wrong or missing ?token= 403, no
 * Content-Length 411, a body over MAX_BODY 413, a body that is not a push
 * body 400, a client that does not send its request in time 408 (or
 * nothing, when it is gone).
 *
 * Bounds: at most MAX_CONNS requests are served at once, by a pool of
 * threads, and MAX_QUEUED connections wait for one (more are answered
 * 503 at once), so at most MAX_CONNS bodies of MAX_BODY are held here,
 * each once (read into a buffer of its size that the object takes; the
 * pipeline's copy counts against its own bound on whole objects);
 * every read waits IO_TIMEOUT_S at most, a whole request
 * REQUEST_DEADLINE_S.
 * Plain HTTP: TLS is a reverse proxy's (README).
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "error.h"
#include "log.h"
#include "decoders/gcp_flow.h"
#include "metrics/http.h"
#include "sources/source.h"

#define MAX_CONNS 8
#define MAX_QUEUED 64               /* connections waiting for a thread */
#define MAX_TOLD 20                 /* refusals logged before thinning */
#define MAX_HEAD 16384
/* A Pub/Sub message is at most 10 MB: 13.4 MB of base64 in a body. */
#define MAX_BODY (16 * 1024 * 1024)
#define IO_TIMEOUT_S 10
#define REQUEST_DEADLINE_S 60
#define POLL_US (200 * 1000)

/* One request, shared by its handler thread and its object's hook. */
typedef struct {
    gint ref;
    GMutex lock;
    GCond cond;
    guint status;               /* 0 until the object is finished */
    GBytes *body;
    char *name;
} Push;

typedef struct {
    /* The service accepts in its own context, run by its own thread (the
     * reader's thread is busy in next()). */
    GMainContext *context;
    GMainLoop *loop;
    GThread *thread;
    GSocketService *service;
    GThreadPool *pool;          /* of handle(), MAX_CONNS threads */
    GAsyncQueue *queue;         /* Push, for next() */
    char *path, *token;
    const volatile gint *stop;
    gint refused, answered;     /* atomic */
    gint requests;              /* atomic: numbers for unnamed messages */
    gint closing;               /* atomic: handlers stop waiting */
} Ctx;

static void
push_unref(gpointer data)
{
    Push *p = data;

    if (!g_atomic_int_dec_and_test(&p->ref))
        return;
    g_mutex_clear(&p->lock);
    g_cond_clear(&p->cond);
    g_bytes_unref(p->body);
    g_free(p->name);
    g_free(p);
}

static void
push_finish(Push *p, guint status)
{
    g_mutex_lock(&p->lock);
    if (p->status == 0)
        p->status = status;
    g_cond_broadcast(&p->cond);
    g_mutex_unlock(&p->lock);
}

/*
 * The object's done hook.  It is the FlObjectDone itself (its first
 * member), so done() sees the rejected count the pipeline puts there;
 * fl_object_done_finish frees it after release().
 */
typedef struct {
    FlObjectDone hook;
    Push *push;
} Hook;

static gboolean
hook_done(gpointer data, gboolean ok, GError **err)
{
    Hook *h = data;

    (void)err;
    push_finish(h->push, !ok ? 503 : h->hook.rejected ? 400 : 204);
    return TRUE;
}

/* A hook released unfinished (the run stopped): 503. */
static void
hook_release(gpointer data)
{
    Hook *h = data;

    push_finish(h->push, 503);
    push_unref(h->push);
}

static void
answer(GSocket *s, guint status, const char *reason, const char *text)
{
    g_autofree char *msg = g_strdup_printf(
        "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\nContent-Length: %"
        G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n%s", status, reason,
        strlen(text), text);

    (void)fl_http_send_all(s, msg, strlen(msg));
}

/* The value of header name (lower case) in head, or NULL. */
static char *
header(const char *head, const char *name)
{
    gsize n = strlen(name);
    const char *l = strchr(head, '\n');

    for (; l != NULL; l = strchr(l, '\n')) {
        l++;
        if (g_ascii_strncasecmp(l, name, n) == 0 && l[n] == ':') {
            const char *v = l + n + 1, *e = v + strcspn(v, "\r\n");

            return g_strstrip(g_strndup(v, (gsize)(e - v)));
        }
    }
    return NULL;
}

/* ?token=... equal to want, compared in time that does not tell where
 * the two differ. */
static gboolean
token_ok(const char *target, const char *want)
{
    const char *q = strchr(target, '?');
    gsize wl = strlen(want);

    for (; q != NULL; q = strchr(q + 1, '&')) {
        const char *v = q + 1;
        gsize vl;
        guint diff;

        if (strncmp(v, "token=", 6) != 0)
            continue;
        v += 6;
        vl = strcspn(v, "&");
        diff = vl != wl;
        for (gsize i = 0; i < wl; i++)
            diff |= (guint)(guchar)want[i] ^ (guint)(guchar)(i < vl ? v[i]
                                                                    : 0);
        return diff == 0;
    }
    return FALSE;
}

/* "pubsub:SUBSCRIPTION/MESSAGE-ID", or NULL when body is not a push body
 * (*why says how). */
static char *
push_name(const char *body, gsize len, guint64 nr, const char **why)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *o, *m;
    const char *id, *sub;

    if (!json_parser_load_from_data(parser, body, (gssize)len, NULL)
        || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        *why = "not a JSON object";
        return NULL;
    }
    o = json_node_get_object(json_parser_get_root(parser));
    if (!json_object_has_member(o, "message")
        || !JSON_NODE_HOLDS_OBJECT(json_object_get_member(o, "message"))) {
        *why = "no message object";
        return NULL;
    }
    m = json_object_get_object_member(o, "message");
    id = json_object_has_member(m, "messageId")
         && JSON_NODE_HOLDS_VALUE(json_object_get_member(m, "messageId"))
         ? json_object_get_string_member(m, "messageId") : NULL;
    sub = json_object_has_member(o, "subscription")
          && JSON_NODE_HOLDS_VALUE(json_object_get_member(o, "subscription"))
          ? json_object_get_string_member(o, "subscription") : NULL;
    if (id != NULL)
        return g_strdup_printf("pubsub:%.200s/%.100s", sub ? sub : "-", id);
    return g_strdup_printf("pubsub:%.200s/request %" G_GUINT64_FORMAT,
                           sub ? sub : "-", nr);
}

/*
 * The body of len bytes, the part read with the head (in req after head
 * bytes) and the rest, in one buffer of its exact size (the object takes
 * it without a copy); NULL when the client is gone or too slow.
 */
static GBytes *
read_body(GSocket *s, const GString *req, gsize head, gsize len,
          gint64 deadline)
{
    g_autofree char *buf = g_malloc(len + 1);
    gsize got = MIN(req->len - head, len);

    memcpy(buf, req->str + head, got);
    while (got < len) {
        gssize n;

        if (g_get_monotonic_time() > deadline)
            return NULL;
        n = g_socket_receive(s, buf + got, MIN(len - got, 65536), NULL,
                             NULL);
        if (n <= 0)
            return NULL;
        got += (gsize)n;
    }
    buf[len] = '\0';
    return g_bytes_new_take(g_steal_pointer(&buf), len);
}

/* Answers status (s NULL: the client is gone) and logs why: the first
 * MAX_TOLD, then every 1000th, so a flood of bad requests cannot flood
 * the log.  FALSE, for serve() to return. */
static gboolean
refuse(Ctx *x, GSocket *s, const char *peer, guint status,
       const char *reason, const char *why)
{
    gint n = g_atomic_int_add(&x->refused, 1) + 1;

    if (n <= MAX_TOLD || n % 1000 == 0)
        fl_log_warnx("pubsub: request from %s: %s; answered %u (%d "
                     "refused so far)", peer, why, status, n);
    if (s)
        answer(s, status, reason, why);
    return FALSE;
}

/* Waits for p's object to be finished (or the run to stop). */
static guint
wait_outcome(Ctx *x, Push *p)
{
    guint st;

    g_mutex_lock(&p->lock);
    while (p->status == 0 && !g_atomic_int_get(&x->closing)
           && !g_atomic_int_get(x->stop))
        g_cond_wait_until(&p->cond, &p->lock,
                          g_get_monotonic_time() + POLL_US);
    st = p->status ? p->status : 503;
    g_mutex_unlock(&p->lock);
    return st;
}

/* One request: FALSE when it was refused. */
static gboolean
serve(Ctx *x, GSocket *s, const char *peer)
{
    g_autoptr(GString) req = g_string_new(NULL);
    g_autofree char *len_s = NULL, *name = NULL, *te = NULL;
    g_auto(GStrv) words = NULL;
    g_autoptr(GBytes) body = NULL;
    gint64 deadline = g_get_monotonic_time()
                      + (gint64)REQUEST_DEADLINE_S * G_USEC_PER_SEC;
    const char *why = NULL;
    gssize head;
    guint64 len;
    gsize plen = strlen(x->path);
    Push *p;
    guint st;

    head = fl_http_read_head(s, req, MAX_HEAD);
    if (head < 0)
        return refuse(x, NULL, peer, 408, NULL, "no complete request head "
                      "(slow, cut or too long)");
    {
        g_autofree char *line = g_strndup(req->str, strcspn(req->str,
                                                            "\r\n"));

        words = g_strsplit(line, " ", 4);
    }
    if (g_strv_length(words) != 3 || !g_str_has_prefix(words[2], "HTTP/"))
        return refuse(x, s, peer, 400, "Bad Request", "not HTTP");
    if (strncmp(words[1], x->path, plen) != 0
        || (words[1][plen] != '\0' && words[1][plen] != '?'))
        return refuse(x, s, peer, 404, "Not Found", "another path");
    if (strcmp(words[0], "POST") != 0)
        return refuse(x, s, peer, 405, "Method Not Allowed", "not POST");
    if (x->token && !token_ok(words[1], x->token))
        return refuse(x, s, peer, 403, "Forbidden", "wrong or no token");
    te = header(req->str, "transfer-encoding");
    len_s = header(req->str, "content-length");
    if (te != NULL || len_s == NULL)
        return refuse(x, s, peer, 411, "Length Required",
                      "no Content-Length");
    if (!g_ascii_string_to_unsigned(len_s, 10, 0, G_MAXUINT64, &len, NULL))
        return refuse(x, s, peer, 400, "Bad Request", "bad Content-Length");
    if (len > MAX_BODY)
        return refuse(x, s, peer, 413, "Payload Too Large",
                      "body larger than 16 MiB");
    body = read_body(s, req, (gsize)head, (gsize)len, deadline);
    if (body == NULL)
        return refuse(x, s, peer, 408, "Request Timeout",
                      "body not sent in time");
    name = push_name(g_bytes_get_data(body, NULL), (gsize)len,
                     (guint64)g_atomic_int_add(&x->requests, 1) + 1, &why);
    if (name == NULL)
        return refuse(x, s, peer, 400, "Bad Request", why);

    p = g_new0(Push, 1);
    p->ref = 2;                 /* this thread's, the queue's */
    g_mutex_init(&p->lock);
    g_cond_init(&p->cond);
    p->name = g_steal_pointer(&name);
    p->body = g_steal_pointer(&body);
    g_async_queue_push(x->queue, p);
    st = wait_outcome(x, p);
    g_atomic_int_inc(&x->answered);
    if (st == 204)
        answer(s, 204, "No Content", "");
    else if (st == 400)
        answer(s, 400, "Bad Request", "rejected: see the program's log\n");
    else
        answer(s, 503, "Service Unavailable", "not committed; send again\n");
    fl_log_debug("%s: answered %u", p->name, st);
    push_unref(p);
    return TRUE;
}

/* A pool thread: one connection, served and closed. */
static void
handle(gpointer item, gpointer data)
{
    GSocketConnection *conn = item;
    GSocket *s = g_socket_connection_get_socket(conn);
    g_autoptr(GSocketAddress) sa = g_socket_get_remote_address(s, NULL);
    g_autofree char *peer = NULL;

    if (sa && G_IS_INET_SOCKET_ADDRESS(sa))
        peer = g_inet_address_to_string(g_inet_socket_address_get_address(
                                            G_INET_SOCKET_ADDRESS(sa)));
    g_socket_set_blocking(s, TRUE);
    g_socket_set_timeout(s, IO_TIMEOUT_S);
    (void)serve(data, s, peer ? peer : "?");
    (void)g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
    g_object_unref(conn);
}

/*
 * The accept thread: a connection goes to the pool, or, when MAX_QUEUED
 * wait there already, is answered 503 at once.  (GIO's threaded service
 * stops accepting when its threads are busy and starts again from a pool
 * thread, whose context nobody runs: it would never accept again.)
 */
static gboolean
on_incoming(GSocketService *service, GSocketConnection *conn,
            GObject *source, gpointer data)
{
    Ctx *x = data;

    (void)service;
    (void)source;
    if (g_thread_pool_unprocessed(x->pool) >= MAX_QUEUED) {
        GSocket *s = g_socket_connection_get_socket(conn);

        g_socket_set_blocking(s, FALSE);
        refuse(x, s, "a client", 503, "Service Unavailable",
               "too many requests waiting");
        return TRUE;
    }
    g_thread_pool_push(x->pool, g_object_ref(conn), NULL);
    return TRUE;
}

static void
pubsub_close(FlSource *src)
{
    Ctx *x = src->ctx;
    Push *p;

    if (x == NULL)
        return;
    g_atomic_int_set(&x->closing, 1);
    if (x->service) {
        g_socket_service_stop(x->service);
        g_socket_listener_close(G_SOCKET_LISTENER(x->service));
    }
    if (x->thread) {
        g_main_loop_quit(x->loop);
        g_thread_join(x->thread);
    }
    /* Handlers waiting for their object see closing and answer 503;
     * connections still queued are dropped unread (their senders send
     * again). */
    if (x->pool)
        g_thread_pool_free(x->pool, TRUE, TRUE);
    /* Requests not handed out: their senders get 503 and send again. */
    while (x->queue && (p = g_async_queue_try_pop(x->queue)) != NULL) {
        push_finish(p, 503);
        push_unref(p);
    }
    if (x->refused || x->answered)
        fl_log_info("pubsub: %d request(s) answered after decoding, %d "
                    "refused before", g_atomic_int_get(&x->answered),
                    g_atomic_int_get(&x->refused));
    /* The service's threads hold no reference to x past their request:
     * they are waited for by dropping the service (GIO joins its pool). */
    g_clear_object(&x->service);
    g_clear_pointer(&x->loop, g_main_loop_unref);
    g_clear_pointer(&x->context, g_main_context_unref);
    g_clear_pointer(&x->queue, g_async_queue_unref);
    g_free(x->path);
    g_free(x->token);
    g_free(x);
    src->ctx = NULL;
}

static gpointer
accept_thread(gpointer data)
{
    Ctx *x = data;

    g_main_context_push_thread_default(x->context);
    g_main_loop_run(x->loop);
    g_main_context_pop_thread_default(x->context);
    return NULL;
}

static gboolean
pubsub_open(FlSource *src, const char *location, const FlSourceConfig *cfg,
            GError **err)
{
    g_autofree char *addr = NULL;
    g_autoptr(GSocketAddress) sa = NULL, bound = NULL;
    const char *slash = strchr(location, '/');
    Ctx *x = g_new0(Ctx, 1);
    gboolean ok;

    src->ctx = x;
    x->stop = cfg->stop;
    x->token = g_strdup(cfg->pubsub_token);
    x->path = g_strdup(slash ? slash : "/");
    addr = slash ? g_strndup(location, (gsize)(slash - location))
                 : g_strdup(location);
    sa = fl_http_parse_address(addr, err);
    if (sa == NULL) {
        g_prefix_error(err, "--listen-pubsub: ");
        return FALSE;
    }
    x->queue = g_async_queue_new();
    x->context = g_main_context_new();
    x->loop = g_main_loop_new(x->context, FALSE);
    /* Made with our context as the thread's default: its accepts are
     * dispatched there. */
    g_main_context_push_thread_default(x->context);
    x->pool = g_thread_pool_new(handle, x, MAX_CONNS, FALSE, NULL);
    x->service = g_socket_service_new();
    ok = g_socket_listener_add_address(G_SOCKET_LISTENER(x->service), sa,
                                       G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                       err);
    if (ok) {
        g_signal_connect(x->service, "incoming", G_CALLBACK(on_incoming),
                         x);
        g_socket_service_start(x->service);
    }
    g_main_context_pop_thread_default(x->context);
    if (!ok) {
        g_prefix_error(err, "--listen-pubsub %s: ", location);
        return FALSE;
    }
    x->thread = g_thread_new("pubsub", accept_thread, x);
    {
        GInetSocketAddress *in = G_INET_SOCKET_ADDRESS(bound);
        g_autofree char *host = g_inet_address_to_string(
            g_inet_socket_address_get_address(in));

        fl_log_info("pubsub: listening on http://%s:%u%s", host,
                    g_inet_socket_address_get_port(in), x->path);
    }
    return TRUE;
}

static FlNext
pubsub_next(FlSource *src, FlObject **obj, GError **err)
{
    Ctx *x = src->ctx;
    Push *p = NULL;
    Hook *h;

    (void)err;
    while (p == NULL) {
        if (g_atomic_int_get(x->stop))
            return FL_NEXT_END;
        p = g_async_queue_timeout_pop(x->queue, POLL_US);
    }
    *obj = fl_object_new_text(p->name, g_bytes_ref(p->body), NULL, NULL);
    h = g_new0(Hook, 1);
    h->push = p;                /* the queue's reference, now the hook's */
    h->hook.done = hook_done;
    h->hook.data = h;
    h->hook.free = hook_release;
    (*obj)->on_done = &h->hook;
    return FL_NEXT_OK;
}

const FlSourceType fl_source_type_pubsub = {
    .scheme = "pubsub",
    .open = pubsub_open,
    .next = pubsub_next,
    .close = pubsub_close,
};
