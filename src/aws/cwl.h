/*
 * cwl.h - CloudWatch Logs FilterLogEvents, in the JSON 1.1 protocol
 * (POST /, X-Amz-Target: Logs_20140328.FilterLogEvents,
 * application/x-amz-json-1.1, SigV4 service "logs").
 *
 * The endpoint comes from fl_aws_service_endpoint(aws, "LOGS", "logs"):
 * AWS_ENDPOINT_URL_LOGS, AWS_ENDPOINT_URL, else
 * https://logs.REGION.amazonaws.com.  An FlCwl is used by one thread at a
 * time.
 */
#ifndef FL_AWS_CWL_H
#define FL_AWS_CWL_H

#include <glib.h>
#include "aws/aws.h"

typedef struct {
    char *stream;               /* logStreamName */
    char *id;                   /* eventId: decimal, too long for 64 bits */
    char *message;
    gint64 timestamp;           /* ms since the epoch */
    gint64 ingestion;           /* ingestionTime, ms; 0 when absent */
} FlCwlLogEvent;

void fl_cwl_log_event_free(FlCwlLogEvent *e);

typedef struct {
    const char *group;          /* a name, or an ARN (sent as
                                   logGroupIdentifier) */
    const char *stream_prefix;  /* NULL: every stream */
    gint64 start_ms, end_ms;    /* [start, end); end 0: no end */
    const char *next_token;     /* NULL on the first page */
    guint limit;                /* events per page, 0: the service's
                                   default (10,000) */
} FlCwlFilter;

typedef struct FlCwl FlCwl;

/* FL_ERROR_CONFIG for a malformed endpoint variable. */
FlCwl *fl_cwl_new(FlAws *aws, GError **err);
void   fl_cwl_free(FlCwl *c);

/* The endpoint requests go to, for messages. */
const char *fl_cwl_endpoint(const FlCwl *c);

/* Largest answer accepted: a page is at most 1 MB of events, which JSON
 * escaping can make a few times larger. */
#define FL_CWL_MAX_BODY (16 * 1024 * 1024)

/*
 * One FilterLogEvents page: appends FlCwlLogEvent* to events (possibly none:
 * a page may be empty while more follow) and sets *next_token to the
 * token of the next page, or NULL after the last one; caller frees it.
 * Throttling is retried by http.c.  FALSE with *err: FL_ERROR_REMOTE
 * with the service's error type and message (ResourceNotFoundException
 * says "log group GROUP does not exist"), FL_ERROR_AUTH for refused
 * credentials, FL_ERROR_CORRUPT for an answer that is not the expected
 * JSON; events appended so far stay.
 */
gboolean fl_cwl_filter(FlCwl *c, const FlCwlFilter *q, GPtrArray *events,
                       char **next_token, GError **err);

/* TRUE when err says the next token expired (24 hours) or is invalid, so
 * the caller should start the query again. */
gboolean fl_cwl_error_is_token(const GError *err);

#endif
