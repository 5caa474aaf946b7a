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
 * JSON is parsed with yajl first (a streaming parser: no tree, a few
 * hundred ns an event), which only takes a record json-glib would take
 * the same way; whatever it does not take (damage, a wrong type, a
 * duplicated member, text where the two parsers could differ) is decided
 * by json-glib, so results and messages are json-glib's either way (the
 * fuzz target checks both paths agree).  base64 with GLib; gzip with
 * ISA-L when configure found it, else zlib (the error words are ours,
 * the same with both).  JSON objects written back to back are cut apart
 * by a bracket scan (json_bounds.h), which is not a parser: the parsers
 * judge each slice (a lone top-level object yajl takes needs no scan).
 *
 * What fails the call and what is skipped: the top-level document is buf
 * itself, a single gzip member, or a single JSON object; when it is none
 * of the shapes, or damaged, the call fails.  A list is made of records:
 * the elements of Records or records, and, when there are several, the
 * gzip members or JSON objects written back to back.  A record that is
 * bad on its own, for any reason (base64, gzip, JSON, shape, a bound
 * passed inside it, such as a gzip bomb), is reported through on_bad and
 * the others are still decoded.  gzip damaged between members, or a JSON
 * object cut short in a concatenation, fails the call all the same: the
 * next record cannot be found.
 *
 * An event whose message is not a string, whose id is not a string or
 * whose timestamp is not a whole number makes its whole payload bad:
 * CloudWatch Logs never writes one.
 *
 * Line breaks: a flow-log line has none, and one event must never become
 * two records.  A message is therefore cut at its first '\r' or '\n'.
 * Breaks at the very end (a transform Lambda's "\n") go silently; when
 * text follows a break, it is dropped and counted in FlCwlCounts.cut.
 * A message with a NUL ("\u0000") ends there.
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

/* Tests build cwl_envelope.c, cwl_fast.c and cwl_gzip.c with smaller
 * bounds (tests/tests.mk). */
#ifndef FL_CWL_MAX_INPUT
#define FL_CWL_MAX_INPUT   (256 * 1024 * 1024)
#endif
#ifndef FL_CWL_MAX_PAYLOAD
#define FL_CWL_MAX_PAYLOAD (64 * 1024 * 1024)   /* decoded and inflated */
#endif
#define FL_CWL_MAX_RATIO   1000
#define FL_CWL_MAX_DEPTH   32
/* Direct-delivery records in a row go out as one payload of at most this
 * many events; longer runs are cut into several. */
#define FL_CWL_MAX_RUN     4096

/*
 * One event of a payload; message is one flow-log line (no newline, see
 * above).  message[message_len] is readable and is a NUL or the line break
 * where the message was cut: the sentinel fl_decode_line() wants.
 */
typedef struct {
    const char *id;             /* the event ID, or NULL (Firehose direct) */
    gint64 timestamp;           /* ms since the epoch, or 0 */
    const char *message;
    gsize message_len;
} FlCwlEvent;

/* One payload: the events of one log stream (or of one Firehose direct
 * record run).  Strings are NULL when the envelope has none.  n_events
 * may be 0 (an empty logEvents). */
typedef struct {
    const char *log_group;
    const char *log_stream;
    const char *owner;          /* the account ID of the log group */
    const char *where;          /* for messages: "Records[3]", "member 2",
                                   "object 5", "records[0] (recordId
                                   abc)" (a run: where it starts); NULL
                                   for a single payload */
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
    guint64 cut;                /* messages with text after a line break,
                                   cut there */
} FlCwlCounts;

/*
 * Called for each payload, in input order; the payload and its strings
 * live until the callback returns.  Returning FALSE (with *err) stops the
 * decoding and makes fl_cwl_envelope_decode fail with that error.
 */
typedef gboolean (*FlCwlPayloadFunc)(const FlCwlPayload *p, gpointer data,
                                     GError **err);

/* Called for each record that is skipped as bad: where it is (as in
 * FlCwlPayload.where) and why. */
typedef void (*FlCwlBadFunc)(const char *where, const char *why,
                             gpointer data);

/*
 * TRUE when buf (the first bytes of an object, after any outer gzip was
 * removed) looks like one of the shapes above: JSON whose first member
 * is one of "awslogs", "messageType", "Records", "invocationId",
 * "records", "requestId" (Firehose to an HTTP endpoint), "owner",
 * "logGroup", "message", or gzip (an inner layer of a Firehose object).  Cheap; the decoder makes the final decision.
 */
gboolean fl_cwl_envelope_sniff(const guint8 *buf, gsize len);

/*
 * Decodes a whole envelope.  FALSE with FL_ERROR_CORRUPT when buf is not
 * any of the shapes (the message says what was found), FL_ERROR_LIMIT
 * when a bound is passed (the message says which); then nothing is handed
 * out for the part that failed.  Records inside a list that are bad on
 * their own (one Kinesis record of ten) are reported through on_bad (may
 * be NULL), counted, and the others are still decoded.  Payloads handed
 * out before a failure stay handed out.  counts (may be NULL) is added
 * to, not reset, as far as the decoding went.
 */
gboolean fl_cwl_envelope_decode(const guint8 *buf, gsize len,
                                FlCwlPayloadFunc on_payload,
                                FlCwlBadFunc on_bad, gpointer data,
                                FlCwlCounts *counts, GError **err);

/*
 * The same with buffers kept from one call to the next (inflated data,
 * decoded base64, event arrays: megabytes for a large envelope), for a
 * caller that decodes envelope after envelope in one thread.  A buffer
 * much larger than the last calls needed is released.  Not thread-safe:
 * one decoder per thread.
 */
typedef struct FlCwlDecoder FlCwlDecoder;

FlCwlDecoder *fl_cwl_decoder_new(void);
void fl_cwl_decoder_free(FlCwlDecoder *d);
/* While *stop (may be NULL) is set, a call ends soon (between megabytes
 * inflated, before and after each record's data) with FL_ERROR_STOPPED:
 * a Lambda deadline or SIGTERM in the middle of one large envelope. */
void fl_cwl_decoder_set_stop(FlCwlDecoder *d, const volatile gint *stop);
gboolean fl_cwl_decoder_decode(FlCwlDecoder *d, const guint8 *buf, gsize len,
                               FlCwlPayloadFunc on_payload,
                               FlCwlBadFunc on_bad, gpointer data,
                               FlCwlCounts *counts, GError **err);

#endif
