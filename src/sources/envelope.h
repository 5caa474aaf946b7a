/*
 * envelope.h - an object that holds CloudWatch Logs envelopes (a
 * subscription event, Kinesis or Firehose records, Firehose's S3 objects)
 * turned into text objects, one per payload.
 *
 * The pipeline reads the envelope object whole (at most FL_CWL_MAX_INPUT
 * bytes), then reads its parts as it reads any text: each part's lines
 * are the payload's event messages, headerless, in the --format format.
 * A part is named "NAME: log group GROUP stream STREAM" (plus where the
 * payload sat, for lists: "Records[3]"), its lines are labelled with their
 * event IDs ("event 3790...") for messages about rejected lines, and its
 * owner stands in for a missing account-id (mapper.h).
 */
#ifndef FL_ENVELOPE_H
#define FL_ENVELOPE_H

#include <glib.h>
#include "decoders/cwl_envelope.h"
#include "sources/source.h"

/*
 * Appends the parts of the envelope in buf (FlObject *, in input order)
 * to parts, decoded with dec (its buffers kept for the next envelope) or,
 * when dec is NULL, a decoder of its own.  Records that are bad alone are logged as warnings naming
 * the object and where, and counted in counts->bad.  FALSE with *err when
 * the envelope as a whole cannot be decoded; parts is then unchanged.
 */
gboolean fl_envelope_expand(FlCwlDecoder *dec, const char *name,
                            const guint8 *buf, gsize len, GPtrArray *parts,
                            FlCwlCounts *counts, GError **err);

#endif
