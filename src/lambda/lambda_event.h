/*
 * lambda_event.h - telling Lambda events apart, and what S3 and SQS
 * events ask to read.
 *
 * Kinds, by shape:
 *   CWL      a CloudWatch Logs subscription event {"awslogs":{"data":..}}
 *            (or a bare payload {"messageType":..,"logEvents":..});
 *   KINESIS  {"Records":[{"kinesis":{"data":..},"eventSource":
 *            "aws:kinesis",..}]} (CloudWatch Logs through Kinesis);
 *   S3       an S3 notification {"Records":[{"eventSource":"aws:s3",..}]},
 *            the SNS event that carries one {"Records":[{"EventSource":
 *            "aws:sns","Sns":{"Message":"<notification>"}}]}, or
 *            EventBridge's {"source":"aws.s3","detail-type":..};
 *   SQS      {"Records":[{"messageId":..,"body":..,"eventSource":
 *            "aws:sqs"}]}, each body an S3 notification (direct, SNS-
 *            wrapped or EventBridge).
 * The kind is read from the top-level members and the first record only,
 * with a streaming parser: an event of megabytes is not parsed whole
 * here (the envelope decoder reads CWL and Kinesis events).  The lines of
 * CWL and Kinesis events go through the envelope decoder
 * (sources/envelope.h); S3 and SQS events are small and parsed with
 * json-glib (sources/s3_event.h reads each notification).
 */
#ifndef FL_LAMBDA_EVENT_H
#define FL_LAMBDA_EVENT_H

#include <glib.h>
#include "sources/s3_event.h"

typedef enum {
    FL_EVENT_CWL,
    FL_EVENT_KINESIS,
    FL_EVENT_S3,
    FL_EVENT_SQS
} FlEventKind;

/* "CloudWatch Logs", "Kinesis", "S3", "SQS": for messages. */
const char *fl_event_kind_name(FlEventKind kind);

/*
 * The kind of the event in json (len bytes).  FALSE with *err:
 * FL_ERROR_CORRUPT when the text is not JSON as far as it was read
 * (naming where), FL_ERROR_UNSUPPORTED when it is JSON of no kind above
 * (saying what it found: "a Firehose transformation event", "an object
 * with \"a\", \"b\"", "a record with eventSource \"aws:dynamodb\"").
 */
gboolean fl_event_kind(const char *json, gsize len, FlEventKind *kind,
                       GError **err);

/*
 * The objects an S3-kind event announces: FlS3Ref * appended to refs
 * (free with fl_s3_ref_free), in order; counts (may be NULL) added to.
 * FALSE with FL_ERROR_CORRUPT naming the record when the event or one of
 * its notifications is not what its kind says; refs is then unchanged.
 */
gboolean fl_event_s3_refs(const char *json, gsize len, GPtrArray *refs,
                          FlS3EventCounts *counts, GError **err);

/* One message of an SQS event. */
typedef struct {
    char *id;                   /* messageId */
    GPtrArray *refs;            /* FlS3Ref *: the objects it announces */
    FlS3EventCounts counts;
    GError *error;              /* its body is not an S3 notification
                                   (refs is then empty), or NULL */
} FlEventMessage;

void fl_event_message_free(FlEventMessage *m);

/*
 * The messages of an SQS event, in order (free the array with
 * g_ptr_array_unref).  A message whose body is not an S3 notification is
 * one with its error set, not a failure of the call; the call fails
 * (FL_ERROR_CORRUPT) only when the event is not JSON or a record has no
 * messageId (its failure could not be reported).
 */
GPtrArray *fl_event_sqs_messages(const char *json, gsize len, GError **err);

#endif
