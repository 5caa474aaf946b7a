/*
 * encode.h - data records to complete IPFIX messages in memory.
 *
 * One FlEncoder per worker thread: its own libfixbuf session (libfixbuf is
 * not thread-safe) with the internal data template and every external
 * data variant, writing messages into a byte array instead of a
 * transport.  The messages hold data sets only; templates, options and
 * RFC 5610 records stay with the exporter, which writes these messages
 * in input order and rewrites their sequence numbers (RFC 7011: data
 * records sent before the message in this observation domain).
 *
 * Within one encoded batch, each message header's sequence number is the
 * index of its first record in the batch, so the writer knows which
 * records each message carries.
 */
#ifndef FL_ENCODE_H
#define FL_ENCODE_H

#include <glib.h>
#include "mapper.h"

typedef struct FlEncoder FlEncoder;

/* FL_ERROR_CONFIG for a bad information model directory. */
FlEncoder *fl_encoder_new(const char *infomodel_dir, guint32 domain,
                          GError **err);
void       fl_encoder_free(FlEncoder *enc);

/* Starts a batch whose messages are appended to out (not owned). */
void     fl_encoder_begin(FlEncoder *enc, GByteArray *out);
gboolean fl_encoder_append(FlEncoder *enc, guint variant, FlIpfixRec *rec,
                           GError **err);
/* Ends the batch: the last message is in out.  FALSE with *err set. */
gboolean fl_encoder_end(FlEncoder *enc, GError **err);

#endif
