/*
 * sqs.h - the three SQS calls a queue consumer needs, in SQS's JSON
 * protocol (POST /, X-Amz-Target: AmazonSQS.*, application/x-amz-json-1.0).
 *
 * The endpoint is the queue URL's scheme and host; the signing region is
 * taken from an AWS host name (sqs.REGION.amazonaws.com), else the run's
 * region.  An FlSqs is used by one thread at a time; make one per thread.
 */
#ifndef FL_AWS_SQS_H
#define FL_AWS_SQS_H

#include <glib.h>
#include "aws/aws.h"

typedef struct {
    char *id;                   /* MessageId */
    char *receipt;              /* ReceiptHandle */
    char *body;
    guint receive_count;        /* ApproximateReceiveCount, 0 unknown */
} FlSqsMessage;

void fl_sqs_message_free(FlSqsMessage *m);

typedef struct FlSqs FlSqs;

/* FL_ERROR_CONFIG when queue_url is not an http(s) URL with a path. */
FlSqs *fl_sqs_new(FlAws *aws, const char *queue_url, GError **err);
void   fl_sqs_free(FlSqs *q);

/* Largest ReceiveMessage answer we accept: 10 messages of 256 KiB. */
#define FL_SQS_MAX_BODY (4 * 1024 * 1024)

/*
 * ReceiveMessage: up to max (1..10) messages, waiting up to wait seconds
 * (0..20) for the first; each invisible to others for visibility seconds.
 * Appends FlSqsMessage* to out (none when the queue stayed empty).
 * FALSE with *err: FL_ERROR_REMOTE with SQS's error type and message,
 * FL_ERROR_AUTH for refused credentials, FL_ERROR_CORRUPT for an answer
 * that is not the expected JSON.
 */
gboolean fl_sqs_receive(FlSqs *q, guint max, guint wait, guint visibility,
                        GPtrArray *out, GError **err);

gboolean fl_sqs_delete(FlSqs *q, const char *receipt, GError **err);

gboolean fl_sqs_change_visibility(FlSqs *q, const char *receipt,
                                  guint seconds, GError **err);

const char *fl_sqs_url(const FlSqs *q);

#endif
