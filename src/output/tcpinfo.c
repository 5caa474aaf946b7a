/*
 * tcpinfo.c - TCP_INFO's tcpi_bytes_acked (see tcpinfo.h for why alone).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/tcp.h>

#include "output/tcpinfo.h"

gboolean
fl_tcpinfo_bytes_acked(int fd, guint64 *acked)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;

    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return FALSE;
    /* An older kernel fills less of the struct than we know of. */
    if (len < offsetof(struct tcp_info, tcpi_bytes_acked)
              + sizeof ti.tcpi_bytes_acked) {
        errno = ENOSYS;
        return FALSE;
    }
    *acked = ti.tcpi_bytes_acked;
    return TRUE;
}
