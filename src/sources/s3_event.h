/*
 * s3_event.h - the objects an S3 event notification announces.
 *
 * Accepts, by their shape (json-glib, no hand-written parser):
 *   - the S3 notification {"Records":[{"eventSource":"aws:s3",
 *     "s3":{"bucket":{"name"},"object":{"key","size","eTag"}}}]};
 *   - the same wrapped by SNS: {"Type":"Notification","Message":"<json>"};
 *   - an SQS message or an SQS event for Lambda, {"Records":[{
 *     "eventSource":"aws:sqs","body":"<one of these>"}]};
 *   - EventBridge: {"detail-type":"Object Created","source":"aws.s3",
 *     "detail":{"bucket":{"name"},"object":{"key","size","etag"}}}.
 * Keys of S3 notifications are form-URL-decoded ('+' is a space, %XX);
 * EventBridge keys are taken as they are.  Records whose eventName is not
 * ObjectCreated:* are ignored and counted; the test message S3 sends when
 * a notification is configured ("Event":"s3:TestEvent") is ignored.
 */
#ifndef FL_S3_EVENT_H
#define FL_S3_EVENT_H

#include <glib.h>

typedef struct {
    char *bucket;
    char *key;                  /* decoded */
    guint64 size;               /* 0 when the event has none */
    char *etag;                 /* NULL when the event has none */
} FlS3Ref;

void fl_s3_ref_free(FlS3Ref *r);

typedef struct {
    guint test_events;          /* s3:TestEvent messages */
    guint ignored;              /* records that are not ObjectCreated */
} FlS3EventCounts;

/*
 * Appends an FlS3Ref* to refs for every object created.  FALSE with
 * FL_ERROR_CORRUPT when json is not JSON or has none of the shapes
 * above (the message says what was found); refs is then unchanged.
 * Input is bounded by the caller; nesting is at most 3 envelopes deep.
 */
gboolean fl_s3_event_parse(const char *json, gsize len, GPtrArray *refs,
                           FlS3EventCounts *counts, GError **err);

#endif
