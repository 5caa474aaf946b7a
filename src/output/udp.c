/*
 * udp.c - forwards libfixbuf's datagrams and counts refusals (udp.h).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "error.h"
#include "log.h"
#include "output/udp.h"

struct FlUdpRelay {
    int in;                     /* loopback: libfixbuf sends here */
    int out;                    /* connected to the collector */
    gboolean in_connected;      /* to libfixbuf's address */
    guint64 refused, lost, sent;
    guint32 overflow;           /* SO_RXQ_OVFL: drops on `in` so far */
    gboolean warned;
};

static void
set_buf(int fd, int opt, int bytes)
{
    (void)setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

static int
open_out(const char *host, const char *port, GError **err)
{
    struct addrinfo hints, *res = NULL;
    int rc, fd = -1, err_no = 0, on = 1;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s:%s: %s", host, port,
                    gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            err_no = errno;
            close(fd);
            fd = -1;
        } else if (fd >= 0) {
            /* Every ICMP error on its own queue, not just the last. */
            if (ai->ai_family == AF_INET6)
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on,
                                 sizeof on);
            else
                (void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
        } else {
            err_no = errno;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "udp socket to %s:%s: %s",
                    host, port, g_strerror(err_no));
    else {
        set_buf(fd, SO_SNDBUF, 4 << 20);
        set_buf(fd, SO_RCVBUF, 1 << 20);
    }
    return fd;
}

FlUdpRelay *
fl_udp_relay_new(const char *host, const char *port, char **relay_host,
                 char **relay_port, GError **err)
{
    FlUdpRelay *r = g_new0(FlUdpRelay, 1);
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int on = 1;

    r->in = -1;
    r->out = open_out(host, port, err);
    if (r->out < 0)
        goto fail;
    r->in = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (r->in < 0 || bind(r->in, (struct sockaddr *)&a, sizeof a) != 0
        || getsockname(r->in, (struct sockaddr *)&a, &al) != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "loopback udp socket: "
                    "%s", g_strerror(errno));
        goto fail;
    }
    set_buf(r->in, SO_RCVBUF, 4 << 20);
    (void)setsockopt(r->in, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
    *relay_host = g_strdup("127.0.0.1");
    *relay_port = g_strdup_printf("%u", ntohs(a.sin_port));
    return r;
fail:
    fl_udp_relay_free(r);
    return NULL;
}

void
fl_udp_relay_free(FlUdpRelay *r)
{
    if (r == NULL)
        return;
    if (r->in >= 0)
        close(r->in);
    if (r->out >= 0)
        close(r->out);
    g_free(r);
}

/* Reads the ICMP errors queued on the collector side. */
static void
read_errors(FlUdpRelay *r)
{
    for (;;) {
        char data[64], ctl[512];
        struct iovec iov = { data, sizeof data };
        struct msghdr mh;
        struct cmsghdr *c;

        memset(&mh, 0, sizeof mh);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl;
        mh.msg_controllen = sizeof ctl;
        if (recvmsg(r->out, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
            return;
        for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            struct sock_extended_err ee;

            if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR)
                  || (c->cmsg_level == IPPROTO_IPV6
                      && c->cmsg_type == IPV6_RECVERR)))
                continue;
            memcpy(&ee, CMSG_DATA(c), sizeof ee);
            if (ee.ee_errno == ECONNREFUSED)
                r->refused++;
        }
    }
}

static void
forward(FlUdpRelay *r, const guint8 *buf, gsize len)
{
    for (int tries = 0; tries < 3; tries++) {
        if (send(r->out, buf, len, 0) == (ssize_t)len) {
            r->sent++;
            return;
        }
        /* A refusal of an earlier datagram is reported on this send (and
         * queued for read_errors): send this one again. */
        if (errno != ECONNREFUSED && errno != EINTR)
            break;
    }
    r->lost++;
}

static void
note_overflow(FlUdpRelay *r, const struct msghdr *mh)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c;
         c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
            guint32 n;
            memcpy(&n, CMSG_DATA(c), sizeof n);
            if (n > r->overflow) {
                r->lost += n - r->overflow;
                r->overflow = n;
            }
        }
    }
}

void
fl_udp_relay_pump(FlUdpRelay *r)
{
    guint8 buf[65536];

    for (;;) {
        char ctl[64];
        struct sockaddr_storage from;
        struct iovec iov = { buf, sizeof buf };
        struct msghdr mh;
        ssize_t n;

        memset(&mh, 0, sizeof mh);
        mh.msg_name = &from;
        mh.msg_namelen = sizeof from;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl;
        mh.msg_controllen = sizeof ctl;
        n = recvmsg(r->in, &mh, MSG_DONTWAIT);
        if (n < 0)
            break;
        note_overflow(r, &mh);
        /* From now on only libfixbuf's socket may send here. */
        if (!r->in_connected) {
            (void)connect(r->in, (struct sockaddr *)&from, mh.msg_namelen);
            r->in_connected = TRUE;
        }
        forward(r, buf, (gsize)n);
    }
    read_errors(r);
    if (r->refused && !r->warned) {
        r->warned = TRUE;
        fl_log_warnx("udp: the collector's host refuses datagrams (ICMP "
                     "port unreachable: nothing listens there); counting "
                     "them");
    }
}

void
fl_udp_relay_drain(FlUdpRelay *r, guint ms)
{
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

    fl_udp_relay_pump(r);
    while (g_get_monotonic_time() < end) {
        struct pollfd p = { r->out, 0, 0 };

        /* POLLERR: an ICMP error arrived; quiet for the rest: done. */
        if (poll(&p, 1, (int)MAX(1, (end - g_get_monotonic_time()) / 1000))
            != 1)
            break;
        fl_udp_relay_pump(r);
    }
}

guint64
fl_udp_relay_refused(const FlUdpRelay *r)
{
    return r->refused;
}

guint64
fl_udp_relay_lost(const FlUdpRelay *r)
{
    return r->lost;
}

guint64
fl_udp_relay_sent(const FlUdpRelay *r)
{
    return r->sent;
}
