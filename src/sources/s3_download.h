/*
 * s3_download.h - one S3 object read ahead in a thread of its own.
 *
 * The S3 sources keep up to --s3-concurrency of these going, in key order,
 * so that while the pipeline works on one object the next ones are
 * already coming (S3 latency, not bandwidth, limits runs of small
 * five-minute files).  Each holds at most FL_S3_DOWNLOAD_BUFFER bytes not
 * yet read; the thread waits when that is full, so memory is bounded
 * whatever the object size.  Bytes are the object's raw bytes (gzip is
 * removed later by the source layer, as for files).
 *
 * A transfer cut in the middle (reset, stall, fewer bytes than the
 * object's size) is resumed where it stopped with a Range request and
 * If-Match on the object's ETag, so the bytes that reach the decoder are
 * the object's bytes exactly once, from one version of it.  After
 * max_attempts resumes without progress the read fails with an error
 * naming bucket, key and byte offset; the object then counts as failed
 * and is not checkpointed.
 */
#ifndef FL_S3_DOWNLOAD_H
#define FL_S3_DOWNLOAD_H

#include <glib.h>
#include "aws/aws.h"
#include "sources/source.h"

#define FL_S3_DOWNLOAD_BUFFER (4 * 1024 * 1024)

typedef struct FlS3Download FlS3Download;

typedef struct {
    const char *bucket, *key;
    guint64 size;               /* from the listing or event; 0 unknown */
    const char *etag;           /* idem; NULL unknown */
    const volatile gint *stop;
} FlS3DownloadSpec;

/* Starts the thread.  Cannot fail (errors arrive with the first read). */
FlS3Download *fl_s3_download_start(FlAws *aws, const FlS3DownloadSpec *spec);

/*
 * What finishing the object commits.  With a checkpoint, "s3" BUCKET/KEY
 * "ETAG SIZE" is recorded there (the ETag the object was read with);
 * then then(ok) runs (SQS message bookkeeping).  Both optional.
 */
typedef struct {
    struct FlCheckpoint *checkpoint;
    gboolean (*then)(gpointer data, gboolean ok, GError **err);
    gpointer then_data;
    GDestroyNotify then_free;   /* frees then_data, called or not */
} FlS3DoneSpec;

/*
 * Turns d into an FlObject named "s3://BUCKET/KEY" that owns it (freeing
 * the object stops and joins the thread).  With done (may be NULL) the
 * object gets an on_done hook doing what done says.
 */
FlObject *fl_s3_download_object(FlS3Download *d, const FlS3DoneSpec *done);

/* The checkpoint version of an object: "ETAG SIZE". */
char *fl_s3_checkpoint_version(const char *etag, guint64 size);

/* The ETag the object was read with (NULL before the first answer). */
const char *fl_s3_download_etag(FlS3Download *d);

/* Resumes after cuts so far. */
guint fl_s3_download_resumes(FlS3Download *d);

/* Stops and frees a download never turned into an object. */
void fl_s3_download_free(FlS3Download *d);

#endif
