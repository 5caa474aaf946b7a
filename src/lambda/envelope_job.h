/*
 * envelope_job.h - a large event's envelope decoded in a thread of its
 * own, so that the invocation can give up waiting at its deadline.
 *
 * The envelope decoder cannot be stopped in the middle, and a 6 MB
 * Kinesis batch takes seconds on a small function.  The invocation waits
 * for the job until its alarm time; if the job is not done then, the
 * invocation answers at once and the job is left to end on its own: the
 * next job (or the end of the runtime) joins it first.  Internal to
 * src/lambda/.
 */
#ifndef FL_LAMBDA_ENVELOPE_JOB_H
#define FL_LAMBDA_ENVELOPE_JOB_H

#include <glib.h>
#include "decoders/cwl_envelope.h"

typedef struct FlEnvelopeJob FlEnvelopeJob;

/*
 * Starts decoding event (a reference is taken) with dec, which the job
 * owns until fl_envelope_job_finish() gives it back; parts are named
 * after name.  Cannot fail.
 */
FlEnvelopeJob *fl_envelope_job_start(FlCwlDecoder *dec, const char *name,
                                     GBytes *event);

/* TRUE once the job is done; waits until then or until_us (monotonic
 * time; 0: as long as it takes). */
gboolean fl_envelope_job_wait(FlEnvelopeJob *j, gint64 until_us);

/*
 * After a wait that said TRUE: the parts (FlObject *, taken by the
 * caller: the array is given away) and counts, or FALSE with *err as
 * fl_envelope_expand() sets it.
 */
gboolean fl_envelope_job_result(FlEnvelopeJob *j, GPtrArray **parts,
                                FlCwlCounts *counts, GError **err);

/* Waits for the job's end, frees it and what it still holds, and gives
 * the decoder back. */
FlCwlDecoder *fl_envelope_job_finish(FlEnvelopeJob *j);

#endif
