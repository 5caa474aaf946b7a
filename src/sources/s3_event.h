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
 * ObjectCreated:* are ignored and counted, as are EventBridge events other
 * than "Object Created" and SNS messages whose Type is not "Notification"
 * (a subscription confirmation); the test message S3 sends when a
 * notification is configured ("Event":"s3:TestEvent") is ignored and
 * counted apart.
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

/* NULL is fine. */
void fl_s3_ref_free(FlS3Ref *r);

typedef struct {
    guint test_events;          /* s3:TestEvent messages */
    guint ignored;              /* records that are not ObjectCreated */
} FlS3EventCounts;

/*
 * Appends an FlS3Ref* (free with fl_s3_ref_free) to refs for every object
 * created, in the order of the message; adds to *counts (may be NULL).
 * FALSE with FL_ERROR_CORRUPT when json is not JSON or has none of the
 * shapes above (the message says what was found and where), or when a
 * record of an object created lacks its bucket name or key, has a key
 * that does not decode to 1 to 1,024 bytes of UTF-8 without NUL, or a
 * size that is not a whole number >= 0; refs and counts are then
 * unchanged (one bad record fails the whole message).  Only len bytes of
 * json are read.  Input is bounded by the caller; nesting is at most 3
 * envelopes deep, and JSON nested deeper than 32 is refused before it is
 * parsed.
 */
gboolean fl_s3_event_parse(const char *json, gsize len, GPtrArray *refs,
                           FlS3EventCounts *counts, GError **err);

#endif
