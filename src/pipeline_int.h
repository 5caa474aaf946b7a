/*
 * pipeline_int.h - what the pipeline's threads share (pipeline.h has the
 * picture).  Not for use outside pipeline*.c.
 *
 * One file per thread role: pipeline_reader.c cuts objects into chunks,
 * pipeline_worker.c decodes and maps them, pipeline_writer.c sends them in
 * order; pipeline_chunk.c holds the chunk and object bookkeeping they pass
 * around, pipeline.c starts and joins the threads.
 *
 * Memory is bounded by the chunk pool: a chunk is at most CHUNK_TEXT bytes
 * of complete lines, and the reader blocks when every chunk is in use.  A
 * line longer than a chunk is skipped without being buffered.
 *
 * An envelope (CloudWatch Logs, Kinesis, Firehose) is one chunk holding
 * the whole object: a worker decodes it and hands its records to the
 * writer as sub-chunks of at most SUB_EVENTS events, through the chunk's
 * own queue, while it decodes on (pipeline_envelope.c).  Envelopes in
 * flight hold at most ENVELOPE_BYTES of input between them.
 */
#ifndef FL_PIPELINE_INT_H
#define FL_PIPELINE_INT_H

#include "decoders/cwl_envelope.h"
#include "output/encode.h"
#include "pipeline.h"
#include "sources/source.h"

/* 1 MiB: 256 KiB measured 16 % slower; 2-4 MiB no faster beyond noise
 * and 12-35 MiB more resident memory. */
#define CHUNK_TEXT (1024 * 1024)
#define TICK_EVERY 4096             /* records between clock checks */
/* A sub-chunk's events: about a text chunk's lines. */
#define SUB_EVENTS 8192
/* Sub-chunks an envelope may have ready before its worker waits for the
 * writer: records of an envelope never pile up in memory. */
#define SUBS_QUEUED 4
/* Input bytes of the envelopes in flight (one is always let through). */
#define ENVELOPE_BYTES (256 * 1024 * 1024)

typedef struct {
    gint ref;
    char *name;
    FlFormat *format;
    FlMapPlan plan;
    gboolean plan_ok;
    guint header_lines;
    /* A plain regular file is mapped, not read: chunks point into the
     * mapping, which lives as long as the last chunk that uses it.  The
     * writer gives back pages it has finished with (released), so the
     * resident size stays that of the chunks in flight. */
    const char *map;
    gsize map_len;
    gsize released;
    /* Taken from the object when the reader closes it; the writer runs
     * it after the object's last chunk (checkpoint, SQS delete). */
    FlObjectDone *done;
    FlLabels *labels;           /* the object's line labels, or NULL */
    char *owner;                /* the object's owner (plan.owner), or NULL */
    gboolean is_part;           /* a payload of an envelope (not counted
                                   as an object) */
    gboolean is_envelope;       /* decoded by a worker (chunk->whole) */
    FlCwlCounts envelope;       /* what the envelope held */
} ObjInfo;

typedef struct {
    guint idx;                  /* line within the chunk */
    FlReject reason;
    guint where;                /* column, or field ID when is_field */
    gboolean is_field;
    guint n_words;              /* FL_REJECT_FIELD_COUNT */
    char *label;                /* an envelope's line: "event ID" */
} LineError;

typedef struct {
    gboolean eos;
    ObjInfo *obj;
    gboolean first_of_object, last_of_object;
    gboolean long_line;         /* the chunk is one over-long line */
    gboolean short_read;        /* input is slow: flush after writing */
    GError *obj_error;
    char *buf;                  /* owned, cap + 1 bytes */
    char *text;                 /* buf, or into the object's mapping */
    gsize start, len, cap;
    gsize map_end;              /* mapped: offset of the end of text */
    /* filled by a worker */
    FlIpfixRec *recs;
    guint16 *variants;          /* FL_V_COUNT needs 9 bits */
    guint n_recs, cap_recs;
    guint n_lines;
    guint64 nodata, skipdata, v4, v6, rejects[FL_REJECT_COUNT];
    GArray *errors;             /* LineError, at most max_errors */
    GArray *new_names;          /* FlNewName */
    GPtrArray *skip_ifaces;     /* char *, interfaces with SKIPDATA */
    GByteArray *msgs;           /* the records as IPFIX messages, when
                                   workers encode (file outputs) */
    GError *enc_error;
    /* an envelope: its bytes, and the sub-chunks its worker made, for
     * the writer (under the pipeline's lock) */
    GBytes *whole;
    GQueue subs;
    gboolean part_failed;       /* a payload failed: do not commit */
    gint done;
} Chunk;

typedef struct {
    const FlPipelineConfig *cfg;
    FlExporter *exp;
    FlStats *stats;
    FlIdRegistry *reg;
    /* threading */
    GAsyncQueue *free_q, *work_q, *order_q;
    GAsyncQueue *sub_free_q;    /* sub-chunks to reuse */
    gsize envelope_bytes;       /* in flight (lock) */
    GMutex lock;
    GCond cond;
    gint abort;                 /* writer failed: stop reading */
    gboolean encode;            /* workers encode records into messages */
    Chunk sentinel;
    /* reader state (reader thread only) */
    guint next_input;
    guint next_extra;           /* --s3-event, then --sqs-queue */
    FlSourceCounters src_total; /* of the sources closed so far */
    FlSource *src;
    FlObject *obj;
    ObjInfo *info;
    gboolean obj_first;
    gboolean skipping;
    char *carry;
    gsize carry_len;
    gsize map_pos;              /* mapped object: next byte to hand out */
    /* writer state */
    guint64 obj_line_base;
    guint64 errors_shown;
    guint generation;
    gint64 last_options_us;
    gint64 rate_start_us;
    guint64 rate_count;
} Pipeline;

typedef struct {
    Pipeline *p;
    FlRecord *rec;
    FlMapperThread mt;
    FlEncoder *enc;             /* when p->encode */
    FlCwlDecoder *cwl;          /* envelopes' decoder, made on first use */
    GError *inline_err;         /* threads == 1: the writer failed while
                                   this worker handed it a sub-chunk */
} Worker;

/* pipeline_chunk.c */
ObjInfo *pl_obj_new(const char *name);
ObjInfo *pl_obj_ref(ObjInfo *o);
void     pl_obj_unref(ObjInfo *o);
Chunk   *pl_chunk_new(void);
Chunk   *pl_chunk_new_sub(void);      /* no buffer: text is elsewhere */
void     pl_chunk_reset(Chunk *c);
void     pl_chunk_free(Chunk *c);

/* pipeline_reader.c: the reader's fields of Pipeline are its alone. */
gboolean pl_reader_fill(Pipeline *p, Chunk *c);
void     pl_reader_close_object(Pipeline *p);
void     pl_reader_close_source(Pipeline *p);
/* Puts "NAME: " before an object's error unless the source said it. */
void     pl_name_error(GError **err, const char *name);
gpointer pl_reader_thread(gpointer data);

/* pipeline_envelope.c: the reader's part (try_envelope) and the
 * worker's (envelope); the writer takes sub-chunks with pl_sub_pop. */
gboolean pl_reader_try_envelope(Pipeline *p, Chunk *c);
void     pl_worker_envelope(Worker *w, Chunk *c);
void     pl_envelope_release(Pipeline *p, Chunk *c);

/* pipeline_worker.c: a worker touches only its Worker and its chunk. */
gboolean pl_worker_init(Worker *w, Pipeline *p, GError **err);
void     pl_worker_clear(Worker *w);
void     pl_worker_process(Worker *w, Chunk *c);
/* One line (or envelope event) of c into a record; label names it in
 * messages when it is not "NAME:LINE" (NULL: line number). */
void     pl_worker_line(Worker *w, Chunk *c, const char *s, gsize len,
                        const char *label_id, guint label_n);
/* Around the lines of a chunk that is not pl_worker_process's. */
void     pl_worker_begin(Worker *w, Chunk *c);
void     pl_worker_end(Worker *w, Chunk *c);
gpointer pl_worker_thread(gpointer data);

/* pipeline_writer.c: runs in the calling thread; owns the exporter. */
gboolean pl_writer_write_chunk(Pipeline *p, Chunk *c, GError **err);
gboolean pl_writer_tick(Pipeline *p, GError **err);

#endif
