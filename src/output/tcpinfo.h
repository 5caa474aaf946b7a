/*
 * tcpinfo.h - how much of what we sent the peer's TCP has acknowledged.
 *
 * glibc's struct tcp_info (netinet/tcp.h, 2.36) stops before
 * tcpi_bytes_acked; the kernel's (linux/tcp.h, since 4.1) has it.  The
 * two headers cannot be included together, so this one file includes the
 * kernel's and nothing else needs to.
 */
#ifndef FL_TCPINFO_H
#define FL_TCPINFO_H

#include <glib.h>

/*
 * *acked: bytes of the connection on fd that the peer acknowledged,
 * counting the SYN (1 right after connect).  The counter survives a reset
 * (unlike SIOCOUTQ, which reads 0 once the kernel dropped its queue), so
 * it stays right after the peer is gone.  FALSE with errno set when the
 * kernel does not report it.
 */
gboolean fl_tcpinfo_bytes_acked(int fd, guint64 *acked);

#endif
