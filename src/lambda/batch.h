/*
 * batch.h - which S3 objects an invocation reads for which message, and
 * how each ended: the bookkeeping behind an SQS partial-batch answer
 * ({"batchItemFailures":[{"itemIdentifier":"MESSAGE-ID"},...]}) and
 * behind the answer to an S3 event.
 *
 * Each object goes into the memory input with a done hook (FlS3DoneSpec
 * then) that records how it ended; the pipeline calls it once the
 * object's records are out and the output flushed, or when the object
 * failed.  A message succeeded when its body was an S3 notification and
 * every object it announced ended well; an object the run never finished
 * (stopped at the deadline) counts as failed.  Used by the thread that
 * runs the pipeline only.
 */
#ifndef FL_LAMBDA_BATCH_H
#define FL_LAMBDA_BATCH_H

#include <glib.h>
#include "sources/s3_event.h"
#include "sources/source_memory.h"

typedef struct FlBatch FlBatch;

FlBatch *fl_batch_new(void);

/* Frees b; only after the pipeline run and the memory input are gone
 * (the hooks point into b).  NULL is fine. */
void fl_batch_free(FlBatch *b);

/* A message (id NULL for the one S3 event of a direct notification);
 * failed TRUE when it cannot succeed whatever is read (its body is not a
 * notification).  Returns its index.  Cannot fail. */
guint fl_batch_add_message(FlBatch *b, const char *id, gboolean failed);

/* An object of message msg, added to in with the hook that reports to b.
 * Cannot fail. */
void fl_batch_add_object(FlBatch *b, guint msg, const FlS3Ref *ref,
                         FlMemoryInput *in);

guint fl_batch_objects(const FlBatch *b);

/* Objects that failed or were never finished. */
guint fl_batch_objects_failed(const FlBatch *b);

/* "s3://BUCKET/KEY" of the first of those, or NULL. */
const char *fl_batch_first_failed(const FlBatch *b);

/* Messages that did not succeed. */
guint fl_batch_messages_failed(const FlBatch *b);

/* Appends {"batchItemFailures":[...]} with each message that did not
 * succeed, in order. */
void fl_batch_append_answer(const FlBatch *b, GString *out);

#endif
