/*
 * source_memory.h - the "memory" source: objects the program hands over
 * itself rather than ones found at a location.
 *
 * Lambda mode fills one FlMemoryInput per invocation: the parts of a
 * CloudWatch Logs or Kinesis event (text already in memory) and the S3
 * objects an S3, SNS or SQS event announces.  The caller points
 * FlSourceConfig.memory at it and runs the pipeline on the input
 * "memory://NAME"; opening that source takes the items over (a second
 * open finds none).  Items come out in the order they were added; S3
 * objects download ahead, --s3-concurrency at a time, through the same
 * window as the S3 sources, each with its done hook.
 */
#ifndef FL_SOURCE_MEMORY_H
#define FL_SOURCE_MEMORY_H

#include <glib.h>
#include "sources/s3_download.h"
#include "sources/source.h"

typedef struct FlMemoryInput FlMemoryInput;

FlMemoryInput *fl_memory_input_new(void);

/* Adds a ready object; the input owns it from now on.  Cannot fail. */
void fl_memory_input_add(FlMemoryInput *in, FlObject *obj);

/*
 * Adds an S3 object to download (spec and its strings are copied; spec's
 * stop is replaced by the source's).  done (may be NULL) is copied: its
 * then() runs as for the S3 sources, once the object's records are out
 * (ok TRUE) or when it failed (ok FALSE, also when it could not even be
 * started); then_free() runs in every case, also for an item never
 * handed out.  Cannot fail.
 */
void fl_memory_input_add_s3(FlMemoryInput *in, const FlS3DownloadSpec *spec,
                            const FlS3DoneSpec *done);

/* Items not yet taken by a source. */
guint fl_memory_input_length(const FlMemoryInput *in);

/* Frees in and the items still in it (hooks freed, not called); NULL is
 * fine. */
void fl_memory_input_free(FlMemoryInput *in);

#endif
