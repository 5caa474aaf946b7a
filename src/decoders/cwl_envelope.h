/*
 * cwl_envelope.h - flow-log lines out of the JSON envelopes CloudWatch
 * Logs, Kinesis and Firehose wrap them in.
 *
 * Shapes, told apart by content (no option needed):
 *   - the subscription event a Lambda receives:
 *     {"awslogs":{"data":"<base64 of gzip of PAYLOAD>"}};
 *   - a bare PAYLOAD, gzip or not:
 *     {"messageType":"DATA_MESSAGE","owner":"111122223333",
 *      "logGroup":"...","logStream":"...","subscriptionFilters":[...],
 *      "logEvents":[{"id":"...","timestamp":N,"message":"LINE"},...]}
 *     ("CONTROL_MESSAGE" payloads are counted and carry no lines);
 *   - Kinesis Data Streams events {"Records":[{"kinesis":{"data":
 *     "<base64 of gzip of PAYLOAD>"},"eventID":"..."},...]};
 *   - the Firehose transformation event {"invocationId":"...",
 *     "records":[{"recordId":"...","data":"<base64>"},...]}, each data a
 *     gzip PAYLOAD (CloudWatch Logs through Firehose) or a direct-delivery
 *     record {"message":"LINE"};
 *   - what Firehose writes to S3: gzip members one after the other, each a
 *     PAYLOAD, or {"message":"LINE"} objects one after the other with no
 *     separator (the caller removes an outer gzip layer as for any object;
 *     inner gzip is this module's).
 * JSON is parsed with json-glib; base64 with GLib; gzip with zlib.
 *
 * Every size is bounded before anything is allocated: the input
 * (FL_CWL_MAX_INPUT), each base64 string and its decoded size, each
 * inflated payload (FL_CWL_MAX_PAYLOAD, and at most FL_CWL_MAX_RATIO times
 * its compressed size: a gzip bomb is refused), JSON nesting
 * (FL_CWL_MAX_DEPTH).
 */
#ifndef FL_CWL_ENVELOPE_H
#define FL_CWL_ENVELOPE_H

#include <glib.h>

#define FL_CWL_MAX_INPUT   (256 * 1024 * 1024)
#define FL_CWL_MAX_PAYLOAD (64 * 1024 * 1024)
#define FL_CWL_MAX_RATIO   1000
#define FL_CWL_MAX_DEPTH   32

/* One event of a payload; message is one flow-log line (no newline). */
typedef struct {
    const char *id;             /* the event ID, or NULL (Firehose direct) */
    gint64 timestamp;           /* ms since the epoch, or 0 */
    const char *message;
    gsize message_len;
} FlCwlEvent;

/* One payload: the events of one log stream (or of one Firehose direct
 * record run).  Strings are NULL when the envelope has none. */
typedef struct {
    const char *log_group;
    const char *log_stream;
    const char *owner;          /* the account ID of the log group */
    const char *where;          /* for messages: "Records[3]", "member 2",
                                   "records[0] (recordId abc)"; NULL for a
                                   single payload */
    const FlCwlEvent *events;
    guint n_events;
} FlCwlPayload;

typedef struct {
    guint64 payloads;           /* DATA_MESSAGE payloads (and Firehose
                                   direct runs) handed to the callback */
    guint64 events;
    guint64 control;            /* CONTROL_MESSAGE payloads ignored */
    guint64 bad;                /* records that could not be decoded (bad
                                   base64, gzip, JSON or shape): each
                                   reported through on_bad, the rest goes
                                   on */
} FlCwlCounts;

/*
 * Called for each payload, in input order; the payload and its strings
 * live until the callback returns.  Returning FALSE (with *err) stops the
 * decoding and makes fl_cwl_envelope_decode fail with that error.
 */
typedef gboolean (*FlCwlPayloadFunc)(const FlCwlPayload *p, gpointer data,
                                     GError **err);

/* Called for each record that is skipped as bad: where it is and why. */
typedef void (*FlCwlBadFunc)(const char *where, const char *why,
                             gpointer data);

/*
 * TRUE when buf (the first bytes of an object, after any outer gzip was
 * removed) looks like one of the shapes above: JSON whose first member
 * is one of "awslogs", "messageType", "Records", "invocationId",
 * "records", "owner", "logGroup", "message", or gzip (an inner layer of
 * a Firehose object).  Cheap; the decoder makes the final decision.
 */
gboolean fl_cwl_envelope_sniff(const guint8 *buf, gsize len);

/*
 * Decodes a whole envelope.  FALSE with FL_ERROR_CORRUPT when buf is not
 * any of the shapes (the message says what was found), FL_ERROR_LIMIT
 * when a bound is passed (the message says which); then nothing is handed
 * out for the part that failed.  Records inside a list that are bad on
 * their own (one Kinesis record of ten) are reported through on_bad (may
 * be NULL), counted, and the others are still decoded.
 */
gboolean fl_cwl_envelope_decode(const guint8 *buf, gsize len,
                                FlCwlPayloadFunc on_payload,
                                FlCwlBadFunc on_bad, gpointer data,
                                FlCwlCounts *counts, GError **err);

#endif
