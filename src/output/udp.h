/*
 * udp.h - the UDP socket of ours that libfixbuf's datagrams leave by.
 *
 * libfixbuf frames UDP messages well (1420 bytes) but swallows send
 * errors: a collector that is not there goes unnoticed.  So libfixbuf
 * sends to a loopback socket of ours instead, and the relay forwards each
 * datagram unchanged on its own socket, connected to the collector, with
 * IP_RECVERR: every ICMP port unreachable (nothing listening) is counted
 * as one datagram refused.  One thread; pump often enough that the
 * loopback queue does not overflow (what overflows is counted too).
 */
#ifndef FL_UDP_H
#define FL_UDP_H

#include <glib.h>

typedef struct FlUdpRelay FlUdpRelay;

/*
 * Connects to host:port and binds the loopback side; *relay_host and
 * *relay_port are where libfixbuf must send.  FL_ERROR_EXPORT.
 */
FlUdpRelay *fl_udp_relay_new(const char *host, const char *port,
                             char **relay_host, char **relay_port,
                             GError **err);
void        fl_udp_relay_free(FlUdpRelay *r);

/* Forwards every datagram waiting, and reads the ICMP errors. */
void    fl_udp_relay_pump(FlUdpRelay *r);
/* Pumps, then waits up to ms for refusals still on their way. */
void    fl_udp_relay_drain(FlUdpRelay *r, guint ms);

guint64 fl_udp_relay_refused(const FlUdpRelay *r);
/* Datagrams lost before they left: loopback queue overflow, send errors
 * other than a refusal. */
guint64 fl_udp_relay_lost(const FlUdpRelay *r);
guint64 fl_udp_relay_sent(const FlUdpRelay *r);

#endif
