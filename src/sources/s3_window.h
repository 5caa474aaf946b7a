/*
 * s3_window.h - the S3 objects downloading ahead, in the order they will
 * be handed out (--s3-concurrency of them at most).
 */
#ifndef FL_S3_WINDOW_H
#define FL_S3_WINDOW_H

#include <glib.h>
#include "sources/s3_download.h"

typedef struct FlS3Window FlS3Window;

FlS3Window *fl_s3_window_new(FlAws *aws, guint size);

/* TRUE when another download may start. */
gboolean fl_s3_window_has_room(const FlS3Window *w);
gboolean fl_s3_window_is_empty(const FlS3Window *w);

/* Starts a download at the back; done (may be NULL) is copied. */
void fl_s3_window_push(FlS3Window *w, const FlS3DownloadSpec *spec,
                       const FlS3DoneSpec *done);

/* The front download as an object (see fl_s3_download_object), or NULL
 * when empty. */
FlObject *fl_s3_window_pop(FlS3Window *w);

/* Stops every download still in the window (their hooks are freed
 * without being called). */
void fl_s3_window_free(FlS3Window *w);

#endif
