/*
 * recover.h - what can be kept of an IPFIX file that was cut short.
 *
 * A rotating output (rotate.h) killed while writing leaves a temporary
 * file whose records may already be committed (--state, SQS), so the next
 * start completes it instead of removing it.  This scanner finds how much
 * of it a reader can use: the longest prefix of whole, well-formed IPFIX
 * messages.  Fed the file's (decompressed) bytes in order, it stops at the
 * first message that is torn (its length runs past the end of the data,
 * the last write of a killed run), malformed (version not 10, a length
 * below 16, sets that do not add up to it), or not self-contained (a data
 * set whose template was not defined earlier in the same data).  Bytes
 * after that point are not looked at.  Used by one thread.
 */
#ifndef FL_RECOVER_H
#define FL_RECOVER_H

#include <glib.h>

typedef struct FlIpfixScan FlIpfixScan;

FlIpfixScan *fl_ipfix_scan_new(void);
void fl_ipfix_scan_free(FlIpfixScan *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlIpfixScan, fl_ipfix_scan_free)

/* The next len bytes of the data.  FALSE once the scan stopped (the rest
 * need not be fed).  Cannot fail. */
gboolean fl_ipfix_scan_feed(FlIpfixScan *s, const guint8 *buf, gsize len);

/* Bytes of whole messages from the start: where to cut. */
guint64 fl_ipfix_scan_kept(const FlIpfixScan *s);
/* Bytes fed in all (kept + cut). */
guint64 fl_ipfix_scan_seen(const FlIpfixScan *s);
guint fl_ipfix_scan_messages(const FlIpfixScan *s);
/* Data sets of a (non-options) data template in the kept messages: 0
 * means the kept part holds no flow record (templates and options
 * records only). */
guint fl_ipfix_scan_flow_sets(const FlIpfixScan *s);
/* Why the scan stopped, for the log: NULL when every byte fed so far
 * belongs to a whole message.  A static string. */
const char *fl_ipfix_scan_why(const FlIpfixScan *s);

#endif
