/*
 * stream.h - IPFIX over TCP or TLS, at least once.
 *
 * IPFIX has no acknowledgement of its own, so the stream uses TCP's: it
 * keeps every message appended since the oldest byte the collector's TCP
 * has not acknowledged (TCP_INFO's tcpi_bytes_acked; for TLS, mapped back
 * through the bytes each TLS write put on the wire).  When the connection
 * breaks, the caller connects again, writes templates and options
 * "directly" (fl_stream_write_direct: not kept, a new prologue is written
 * on every connection), then fl_stream_replay() sends every kept message
 * again, renumbered, and the stream goes on.
 *
 * The kept bytes are bounded by cfg->replay_limit: fl_stream_append()
 * waits for acknowledgements rather than drop (the input then waits too).
 * A wait that sees no progress for cfg->timeout_s ends in FL_IO_FATAL.
 *
 * Every call returns FL_IO_OK, FL_IO_BROKEN (the connection is gone; what
 * was appended is kept; reconnect and replay) or FL_IO_FATAL (*err: a
 * certificate refused, a collector that stopped acknowledging, a stop
 * signal).  Messages must be whole IPFIX messages.  One thread only.
 */
#ifndef FL_STREAM_H
#define FL_STREAM_H

#include <glib.h>
#include "output/tls.h"

typedef struct {
    const char *host, *port;
    FlTls *tls;                 /* NULL: plain TCP (borrowed) */
    gsize replay_limit;         /* bytes kept before append waits */
    guint timeout_s;            /* connect, and waits without progress */
    const volatile gint *stop;  /* set by a signal: stop waiting */
} FlStreamConfig;

typedef struct FlStream FlStream;

FlStream *fl_stream_new(const FlStreamConfig *cfg);
/* Closes without waiting; kept messages are dropped. */
void      fl_stream_free(FlStream *s);

/*
 * Connects (and for TLS shakes hands, then gives a TLS 1.3 server a
 * moment to refuse our certificate).  Until fl_stream_replay() appended
 * messages are only kept.  BROKEN: try again later.
 */
FlIo fl_stream_connect(FlStream *s, GError **err);
gboolean fl_stream_connected(const FlStream *s);

/* The prologue of a connection: written now, never kept. */
FlIo fl_stream_write_direct(FlStream *s, const guint8 *buf, gsize len,
                            GError **err);

/* Sequence number of the oldest kept message; seq_end if none. */
guint32 fl_stream_first_seq(const FlStream *s, guint32 seq_end);

/*
 * Ends the prologue: every kept message is sent again, its sequence
 * number rewritten to run on from *seq (which gets the next free one).
 * seq_end is the sequence number that followed the last kept message.
 * Messages of templates only are skipped (the prologue had them).
 * *flow_records: the data records of template IDs >= 1024 and < 1280
 * (flow records) among them.
 */
FlIo fl_stream_replay(FlStream *s, guint32 *seq, guint32 seq_end,
                      guint64 *flow_records, GError **err);

/* Keeps msg (always, even on BROKEN) and sends it in its time. */
FlIo fl_stream_append(FlStream *s, const guint8 *msg, gsize len,
                      GError **err);
/* Sends what the socket takes now of the bytes not yet sent (no wait). */
FlIo fl_stream_flush(FlStream *s, GError **err);
/* Flushes, then waits until the collector's TCP acknowledged it all. */
FlIo fl_stream_sync(FlStream *s, GError **err);
/* Without waiting: acknowledgements, and whether the peer went away. */
FlIo fl_stream_poll(FlStream *s, GError **err);

/* Drops the connection (after a last look at what was acknowledged). */
void fl_stream_disconnect(FlStream *s);
/*
 * The end of a synced stream: TLS sends close_notify and reads until the
 * server closes (briefly), so that a refusal sent late is still seen.
 */
FlIo fl_stream_close(FlStream *s, GError **err);

/* Bytes sent on all connections (replays included). */
guint64 fl_stream_bytes_sent(const FlStream *s);

#endif
