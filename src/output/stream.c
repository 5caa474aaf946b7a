/*
 * stream.c - IPFIX over TCP/TLS with a replay buffer (see stream.h).
 *
 * The kept messages lie in one buffer, buf[tail, head), in stream order;
 * tail is always the start of a message.  Stream offsets (tail_off, ...)
 * count every byte ever appended, so they stay valid across connections.
 * Each write records a mark (wire bytes written so far on this
 * connection, stream offset reached); the collector's TCP acknowledging
 * that many wire bytes means the stream is acknowledged up to the mark.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "output/stream.h"
#include "output/tcpinfo.h"

#define SEND_BATCH (256 * 1024)     /* unsent bytes before we write */
#define WRITE_MAX (1024 * 1024)     /* bytes per write call */
#define TLS13_REFUSAL_WAIT_MS 1000  /* see fl_stream_connect() */

typedef struct {
    guint64 wire;       /* wire bytes written on this connection */
    guint64 off;        /* stream offset they carry us to */
} Mark;

struct FlStream {
    FlStreamConfig cfg;
    char *host, *port;
    guint8 *buf;
    gsize cap, tail, head;
    guint64 tail_off;           /* stream offset of buf[tail] */
    guint64 acked_off;          /* acknowledged up to here (monotonic) */
    guint64 bytes_sent;
    guint64 sent_max;           /* highest offset ever sent */
    /* the current connection */
    int fd;
    FlTlsConn *tls;
    gboolean prologue;          /* connected, replay not started */
    guint64 sent_off;           /* next stream byte to send */
    guint64 replay_end;         /* below it: message by message */
    guint64 msg_end;            /* end of the message being replayed */
    guint64 wire, ack_base;
    GArray *marks;              /* Mark, oldest first from mark0 */
    guint mark0;
};

static inline guint64
head_off(const FlStream *s)
{
    return s->tail_off + (s->head - s->tail);
}

static inline const guint8 *
at(const FlStream *s, guint64 off)
{
    return s->buf + s->tail + (off - s->tail_off);
}

static inline guint16
be16(const guint8 *p)
{
    return (guint16)(p[0] << 8 | p[1]);
}

static inline guint32
be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8
           | p[3];
}

FlStream *
fl_stream_new(const FlStreamConfig *cfg)
{
    FlStream *s = g_new0(FlStream, 1);

    s->cfg = *cfg;
    s->host = g_strdup(cfg->host);
    s->port = g_strdup(cfg->port);
    s->cfg.host = s->host;
    s->cfg.port = s->port;
    s->fd = -1;
    /* Twice the bound, once: kept bytes are moved to the front only when
     * the free half is used up, so each byte moves at most once (and
     * usually not at all: acknowledged bytes are not moved).  Pages are
     * touched as the buffer is used. */
    s->cap = 2 * cfg->replay_limit;
    s->buf = g_malloc(s->cap);
    s->marks = g_array_new(FALSE, FALSE, sizeof(Mark));
    return s;
}

void
fl_stream_free(FlStream *s)
{
    if (s == NULL)
        return;
    fl_stream_disconnect(s);
    g_array_free(s->marks, TRUE);
    g_free(s->buf);
    g_free(s->host);
    g_free(s->port);
    g_free(s);
}

gboolean
fl_stream_connected(const FlStream *s)
{
    return s->fd >= 0;
}

guint64
fl_stream_bytes_sent(const FlStream *s)
{
    return s->bytes_sent;
}

/* ---- acknowledgements --------------------------------------------- */

/* Drops kept messages that the collector's TCP has acknowledged whole. */
static void
trim(FlStream *s)
{
    while (s->tail < s->head) {
        gsize len = be16(s->buf + s->tail + 2);

        if (s->tail_off + len > s->acked_off)
            break;
        s->tail += len;
        s->tail_off += len;
    }
    if (s->tail == s->head)
        s->tail = s->head = 0;
}

static void
update_acked(FlStream *s)
{
    guint64 acked;

    if (s->fd < 0 || !fl_tcpinfo_bytes_acked(s->fd, &acked))
        return;
    acked -= MIN(acked, s->ack_base);
    while (s->mark0 < s->marks->len) {
        const Mark *m = &g_array_index(s->marks, Mark, s->mark0);

        if (m->wire > acked) {
            /* Plain TCP: within one write, wire and stream bytes are the
             * same bytes, so a write acknowledged in part counts in part
             * (fewer messages sent again).  TLS records are opaque. */
            if (s->tls == NULL && s->mark0 > 0) {
                const Mark *p = m - 1;
                if (m->off - p->off == m->wire - p->wire)
                    s->acked_off = MAX(s->acked_off,
                                       p->off + (acked - p->wire));
            }
            break;
        }
        s->acked_off = MAX(s->acked_off, m->off);
        s->mark0++;
    }
    if (s->mark0 > 1024 && s->mark0 * 2 > s->marks->len) {
        /* keep the last one passed: the start of the next write */
        g_array_remove_range(s->marks, 0, s->mark0 - 1);
        s->mark0 = 1;
    }
    trim(s);
}

static void
add_mark(FlStream *s)
{
    Mark m = { s->wire, s->sent_off };

    g_array_append_val(s->marks, m);
}

/* ---- the connection ------------------------------------------------- */

void
fl_stream_disconnect(FlStream *s)
{
    if (s->fd < 0)
        return;
    /* TCP_INFO still counts after a reset: the last word on what the
     * collector's TCP took. */
    update_acked(s);
    g_clear_pointer(&s->tls, fl_tls_conn_free);
    close(s->fd);
    s->fd = -1;
    g_array_set_size(s->marks, 0);
    s->mark0 = 0;
}

static FlIo
broken(FlStream *s, GError **err, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static FlIo
broken(FlStream *s, GError **err, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    (void)s;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, FL_ERROR, FL_ERROR_EXPORT, msg);
    return FL_IO_BROKEN;
}

/*
 * Reads what the peer sent: nothing, for an IPFIX collector, until it
 * closes.  A TLS server may also send tickets (dropped) or an alert
 * (FATAL: it refused us, e.g. our certificate under TLS 1.3).
 */
static FlIo
read_peer(FlStream *s, GError **err)
{
    if (s->tls) {
        FlIo r = fl_tls_read(s->tls, err);
        return r == FL_IO_WANT_READ || r == FL_IO_WANT_WRITE ? FL_IO_OK : r;
    }
    for (;;) {
        char sink[4096];
        ssize_t n = recv(s->fd, sink, sizeof sink, MSG_DONTWAIT);

        if (n > 0)
            continue;
        if (n == 0)
            return broken(s, err, "the collector closed the connection");
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return FL_IO_OK;
        return broken(s, err, "%s", g_strerror(errno));
    }
}

/* A write failed: under TLS an alert may be waiting that says why. */
static FlIo
write_failed(FlStream *s, int err_no, GError **err)
{
    if (s->tls) {
        GError *alert = NULL;

        if (fl_tls_read(s->tls, &alert) == FL_IO_FATAL) {
            g_propagate_error(err, alert);
            return FL_IO_FATAL;
        }
        g_clear_error(&alert);
    }
    return broken(s, err, "write: %s", g_strerror(err_no));
}

/*
 * A stop signal ends a wait only once the collector made no progress for
 * STOP_GRACE_US: a healthy collector still gets everything acknowledged
 * (and the inputs committed), a stuck one does not hold the stop up.
 * deadline is the wait's timeout, counted from the last progress.
 */
#define STOP_GRACE_US (2 * G_USEC_PER_SEC)

static gboolean
stopping(const FlStream *s, gint64 deadline)
{
    gint64 since = deadline - (gint64)s->cfg.timeout_s * G_USEC_PER_SEC;

    return s->cfg.stop && g_atomic_int_get(s->cfg.stop)
           && g_get_monotonic_time() - since > STOP_GRACE_US;
}

/*
 * Waits up to us microseconds for events on the socket; the peer's close
 * or alert ends the wait with its status.  ppoll, not poll: the
 * acknowledgement wait needs steps finer than a millisecond.
 */
static FlIo
wait_fd(FlStream *s, short events, gint64 us, GError **err)
{
    struct pollfd p = { s->fd, (short)(events | POLLIN), 0 };
    struct timespec ts = { (time_t)(us / G_USEC_PER_SEC),
                           (long)(us % G_USEC_PER_SEC) * 1000 };
    int n = ppoll(&p, 1, &ts, NULL);

    if (n < 0 && errno != EINTR)
        return broken(s, err, "poll: %s", g_strerror(errno));
    if (n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)))
        return read_peer(s, err);
    return FL_IO_OK;
}

static int
connect_nb(const struct addrinfo *ai, guint timeout_s, int *err_no)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC
                    | SOCK_NONBLOCK, ai->ai_protocol);
    struct pollfd pfd;
    socklen_t sl = sizeof *err_no;

    if (fd < 0) {
        *err_no = errno;
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            *err_no = errno;
            close(fd);
            return -1;
        }
        pfd.fd = fd;
        pfd.events = POLLOUT;
        if (poll(&pfd, 1, (int)MIN(timeout_s, 60u) * 1000) != 1) {
            *err_no = ETIMEDOUT;
            close(fd);
            return -1;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err_no, &sl) != 0
            || *err_no != 0) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

static FlIo
handshake(FlStream *s, GError **err)
{
    gint64 deadline = g_get_monotonic_time()
                      + (gint64)MIN(s->cfg.timeout_s, 60u) * G_USEC_PER_SEC;
    FlIo r;

    s->tls = fl_tls_conn_new(s->cfg.tls, s->fd, s->host, err);
    if (s->tls == NULL)
        return FL_IO_FATAL;
    while ((r = fl_tls_handshake(s->tls, err)) == FL_IO_WANT_READ
           || r == FL_IO_WANT_WRITE) {
        struct pollfd p = { s->fd, r == FL_IO_WANT_READ ? POLLIN : POLLOUT,
                            0 };
        if (g_get_monotonic_time() > deadline)
            return broken(s, err, "TLS handshake timed out");
        (void)poll(&p, 1, 100);
    }
    if (r != FL_IO_OK)
        return r;
    /* Under TLS 1.3 the server checks our certificate after the client
     * is done: its verdict comes next, as session tickets (accepted) or
     * an alert (refused).  Wait for the first word, briefly, so that a
     * refusal fails the connection here and not after data was sent. */
    if (strcmp(fl_tls_version(s->tls), "TLSv1.3") == 0) {
        struct pollfd p = { s->fd, POLLIN, 0 };

        if (poll(&p, 1, TLS13_REFUSAL_WAIT_MS) == 1)
            return read_peer(s, err);
    }
    return FL_IO_OK;
}

FlIo
fl_stream_connect(FlStream *s, GError **err)
{
    struct addrinfo hints, *res = NULL;
    int rc, err_no = 0;
    FlIo r = FL_IO_OK;

    fl_stream_disconnect(s);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(s->host, s->port, &hints, &res);
    if (rc != 0)
        return broken(s, err, "%s:%s: %s", s->host, s->port,
                      gai_strerror(rc));
    for (struct addrinfo *ai = res; ai && s->fd < 0; ai = ai->ai_next)
        s->fd = connect_nb(ai, s->cfg.timeout_s, &err_no);
    freeaddrinfo(res);
    if (s->fd < 0)
        return broken(s, err, "couldn't connect to %s:%s: %s", s->host,
                      s->port, g_strerror(err_no));
    if (!fl_tcpinfo_bytes_acked(s->fd, &s->ack_base)) {
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED, "TCP_INFO: this "
                    "kernel does not report acknowledged bytes (%s)",
                    g_strerror(errno));
        fl_stream_disconnect(s);
        return FL_IO_FATAL;
    }
    s->wire = 0;
    if (s->cfg.tls)
        r = handshake(s, err);
    if (r != FL_IO_OK) {
        fl_stream_disconnect(s);
        return r;
    }
    s->prologue = TRUE;
    s->sent_off = s->msg_end = s->tail_off;
    s->replay_end = s->tail_off;
    return FL_IO_OK;
}

/* ---- writing -------------------------------------------------------- */

static void
count_wire(FlStream *s, gsize n)
{
    s->wire = s->tls ? fl_tls_wire_written(s->tls) : s->wire + n;
    s->bytes_sent += n;
}

/* One write of up to len bytes: *n taken, or WANT_* / BROKEN / FATAL. */
static FlIo
write_some(FlStream *s, const guint8 *p, gsize len, gsize *n, GError **err)
{
    if (s->tls) {
        FlIo r = fl_tls_write(s->tls, p, len, n, err);

        if (r == FL_IO_BROKEN) {
            GError *alert = NULL;
            if (fl_tls_read(s->tls, &alert) == FL_IO_FATAL) {
                g_clear_error(err);
                g_propagate_error(err, alert);
                return FL_IO_FATAL;
            }
            g_clear_error(&alert);
        }
        return r;
    }
    for (;;) {
        ssize_t w = send(s->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (w >= 0) {
            *n = (gsize)w;
            return FL_IO_OK;
        }
        if (errno == EINTR)
            continue;
        *n = 0;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return FL_IO_WANT_WRITE;
        return write_failed(s, errno, err);
    }
}

/* A message of template sets only (IDs 2 and 3). */
static gboolean
templates_only(const guint8 *m, gsize len)
{
    gsize o = 16;

    while (o + 4 <= len) {
        guint16 id = be16(m + o), sl = be16(m + o + 2);

        if (id != 2 && id != 3)
            return FALSE;
        if (sl < 4)
            break;
        o += sl;
    }
    return TRUE;
}

/*
 * The next range to write from sent_off: while replaying, one message at
 * a time (template messages are skipped: the prologue had them).
 */
static gsize
next_chunk(FlStream *s)
{
    guint64 end = head_off(s);

    /* The rest of a message partly written (TCP or TLS wrote less). */
    if (s->sent_off < s->msg_end)
        return (gsize)(s->msg_end - s->sent_off);
    while (s->sent_off < s->replay_end) {
        const guint8 *m = at(s, s->sent_off);
        gsize len = be16(m + 2);

        if (!templates_only(m, len)) {
            s->msg_end = s->sent_off + len;
            return len;
        }
        s->sent_off += len;
        add_mark(s);
    }
    return (gsize)MIN(end - s->sent_off, (guint64)WRITE_MAX);
}

/*
 * Writes unsent bytes.  block: until none is left (waiting at most
 * timeout_s without progress); otherwise until the socket is full.
 */
static FlIo
send_pending(FlStream *s, gboolean block, GError **err)
{
    gint64 deadline = 0;

    if (s->fd < 0)
        return broken(s, err, "not connected");
    if (s->prologue)
        return FL_IO_OK;
    while (s->sent_off < head_off(s)) {
        gsize len = next_chunk(s), n = 0;
        FlIo r;

        if (len == 0)
            break;
        r = write_some(s, at(s, s->sent_off), len, &n, err);
        if (r == FL_IO_OK) {
            s->sent_off += n;
            s->sent_max = MAX(s->sent_max, s->sent_off);
            count_wire(s, n);
            add_mark(s);
            deadline = 0;
            continue;
        }
        if (r != FL_IO_WANT_READ && r != FL_IO_WANT_WRITE)
            return r;
        if (!block)
            return FL_IO_OK;
        if (deadline == 0)
            deadline = g_get_monotonic_time()
                       + (gint64)s->cfg.timeout_s * G_USEC_PER_SEC;
        else if (g_get_monotonic_time() > deadline) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "the collector "
                        "has taken no data for %u s", s->cfg.timeout_s);
            return FL_IO_FATAL;
        }
        if (stopping(s, deadline)) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "stopped while "
                        "the collector took no data");
            return FL_IO_FATAL;
        }
        r = wait_fd(s, r == FL_IO_WANT_READ ? POLLIN : POLLOUT, 100000, err);
        if (r != FL_IO_OK)
            return r;
    }
    return FL_IO_OK;
}

FlIo
fl_stream_write_direct(FlStream *s, const guint8 *buf, gsize len,
                       GError **err)
{
    gint64 deadline = g_get_monotonic_time()
                      + (gint64)s->cfg.timeout_s * G_USEC_PER_SEC;

    if (s->fd < 0)
        return broken(s, err, "not connected");
    while (len > 0) {
        gsize n = 0;
        FlIo r = write_some(s, buf, len, &n, err);

        if (r == FL_IO_OK) {
            buf += n;
            len -= n;
            count_wire(s, n);
            continue;
        }
        if (r != FL_IO_WANT_READ && r != FL_IO_WANT_WRITE)
            return r;
        if (g_get_monotonic_time() > deadline) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "the collector "
                        "has taken no data for %u s", s->cfg.timeout_s);
            return FL_IO_FATAL;
        }
        r = wait_fd(s, r == FL_IO_WANT_READ ? POLLIN : POLLOUT, 100000, err);
        if (r != FL_IO_OK)
            return r;
    }
    return FL_IO_OK;
}

/*
 * Waits until the collector's TCP acknowledged the stream up to target
 * (kept messages drop as it does), sending what is unsent meanwhile.
 * Acknowledgements wake no poll, so this polls with sleeps that start at
 * 25 us and double up to 20 ms: on a LAN or loopback the ack comes back
 * in tens of microseconds, and a first sleep of a whole millisecond was
 * most of a Lambda invocation's fixed cost.  The timeout counts from the
 * last progress.
 */
static FlIo
wait_acked(FlStream *s, guint64 target, GError **err)
{
    gint64 deadline = g_get_monotonic_time()
                      + (gint64)s->cfg.timeout_s * G_USEC_PER_SEC;
    guint64 last = s->acked_off;
    gint64 us = 25;

    for (;;) {
        FlIo r = send_pending(s, FALSE, err);

        if (r != FL_IO_OK)
            return r;
        update_acked(s);
        if (s->acked_off >= target)
            return FL_IO_OK;
        if (s->acked_off != last) {
            last = s->acked_off;
            deadline = g_get_monotonic_time()
                       + (gint64)s->cfg.timeout_s * G_USEC_PER_SEC;
            us = 25;
        } else if (g_get_monotonic_time() > deadline) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "the collector "
                        "acknowledged nothing for %u s (%" G_GUINT64_FORMAT
                        " bytes waiting)", s->cfg.timeout_s,
                        head_off(s) - s->acked_off);
            return FL_IO_FATAL;
        }
        if (stopping(s, deadline)) {
            g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "stopped while "
                        "waiting for the collector to acknowledge %"
                        G_GUINT64_FORMAT " bytes", head_off(s) - s->acked_off);
            return FL_IO_FATAL;
        }
        r = wait_fd(s, s->sent_off < head_off(s) ? POLLOUT : 0, us, err);
        if (r != FL_IO_OK)
            return r;
        us = MIN(us * 2, 20000);
    }
}

/* Room for len more bytes in buf (the bound is enforced by the caller;
 * past it, while the connection is down, the buffer grows). */
static void
make_room(FlStream *s, gsize len)
{
    gsize used = s->head - s->tail;

    if (s->head + len <= s->cap)
        return;
    if (used + len > s->cap / 2) {
        gsize cap = MAX(s->cap * 2, used + len);
        guint8 *nb = g_malloc(cap);

        memcpy(nb, s->buf + s->tail, used);
        g_free(s->buf);
        s->buf = nb;
        s->cap = cap;
    } else {
        memmove(s->buf, s->buf + s->tail, used);
    }
    s->tail = 0;
    s->head = used;
}

FlIo
fl_stream_append(FlStream *s, const guint8 *msg, gsize len, GError **err)
{
    FlIo r = FL_IO_OK;

    g_return_val_if_fail(len >= 16 && be16(msg + 2) == len, FL_IO_FATAL);
    if (s->fd >= 0 && !s->prologue
        && (s->head - s->tail) + len > s->cfg.replay_limit) {
        /* Full: wait for the collector rather than drop.  Messages go
         * whole, so wait for a little more than the bare need. */
        r = wait_acked(s, head_off(s) + len - s->cfg.replay_limit
                          + MIN(s->cfg.replay_limit / 4, (gsize)1 << 20),
                       err);
        while (r == FL_IO_OK
               && (s->head - s->tail) + len > s->cfg.replay_limit)
            r = wait_acked(s, s->acked_off + 1, err);
    }
    /* Kept even when broken: the replay sends it. */
    make_room(s, len);
    memcpy(s->buf + s->head, msg, len);
    s->head += len;
    if (r == FL_IO_OK && s->fd >= 0 && !s->prologue
        && head_off(s) - s->sent_off >= SEND_BATCH)
        r = send_pending(s, FALSE, err);
    return r;
}

FlIo
fl_stream_flush(FlStream *s, GError **err)
{
    /* What the socket takes now: waiting here would only stall the
     * writer (the kernel sends on by itself; sync and a full buffer
     * wait). */
    FlIo r = send_pending(s, FALSE, err);

    if (r == FL_IO_OK)
        update_acked(s);
    return r;
}

FlIo
fl_stream_sync(FlStream *s, GError **err)
{
    FlIo r = send_pending(s, TRUE, err);

    return r == FL_IO_OK ? wait_acked(s, head_off(s), err) : r;
}

FlIo
fl_stream_poll(FlStream *s, GError **err)
{
    FlIo r;

    if (s->fd < 0)
        return broken(s, err, "not connected");
    r = wait_fd(s, 0, 0, err);
    if (r == FL_IO_OK)
        update_acked(s);
    return r;
}

guint32
fl_stream_first_seq(const FlStream *s, guint32 seq_end)
{
    return s->tail < s->head ? be32(s->buf + s->tail + 8) : seq_end;
}

static inline void
put32(guint8 *p, guint32 v)
{
    p[0] = (guint8)(v >> 24);
    p[1] = (guint8)(v >> 16);
    p[2] = (guint8)(v >> 8);
    p[3] = (guint8)v;
}

FlIo
fl_stream_replay(FlStream *s, guint32 *seq, guint32 seq_end,
                 guint64 *flow_records, GError **err)
{
    gsize o = s->tail;

    *flow_records = 0;
    /* Records per message come from the old numbering (each message's
     * sequence number counts the data records before it), so read the
     * next message's old number before rewriting this one's. */
    while (o < s->head) {
        guint8 *m = s->buf + o;
        gsize len = be16(m + 2);
        guint32 next = o + len < s->head ? be32(m + len + 8) : seq_end;
        guint32 n = next - be32(m + 8);
        guint16 set = len >= 20 ? be16(m + 16) : 0;

        put32(m + 8, *seq);
        *seq += n;
        /* Re-sent, not merely late: it had left before. */
        if (set >= 1024 && set < 1280
            && s->tail_off + (o - s->tail) < s->sent_max)
            *flow_records += n;
        o += len;
    }
    s->prologue = FALSE;
    s->sent_off = s->msg_end = s->tail_off;
    s->replay_end = head_off(s);
    add_mark(s);                /* where this connection's stream begins */
    return send_pending(s, FALSE, err);
}

FlIo
fl_stream_close(FlStream *s, GError **err)
{
    gint64 deadline;

    if (s->fd < 0 || s->tls == NULL)
        return FL_IO_OK;
    fl_tls_shutdown(s->tls);
    /* A server that refused us says so before it closes; one that
     * accepted closes (or answers close_notify).  Either ends the wait. */
    deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < deadline) {
        GError *local = NULL;
        FlIo r = wait_fd(s, 0, 100000, &local);

        if (r == FL_IO_FATAL) {
            g_propagate_error(err, local);
            return r;
        }
        if (r == FL_IO_BROKEN) {
            g_clear_error(&local);
            break;
        }
    }
    return FL_IO_OK;
}
