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
 * An object that cannot be cut into lines (a CloudWatch Logs envelope) is
 * one chunk holding the whole object: a worker decodes it and hands its
 * records to the writer as sub-chunks of at most SUB_EVENTS records,
 * through the chunk's own queue, while it decodes on (pipeline_whole.c).
 * Such objects in flight hold at most WHOLE_BYTES of input between them.
 * A Parquet row group's chunk hands its records on the same way
 * (pipeline_parquet.c), without input bytes of its own.
 */
#ifndef FL_PIPELINE_INT_H
#define FL_PIPELINE_INT_H

#include "decoders/cwl_envelope.h"
#include "output/encode.h"
#include "pipeline/pipeline.h"
#include "sources/source.h"

/* 1 MiB: 256 KiB measured 16 % slower; 2-4 MiB no faster beyond noise
 * and 12-35 MiB more resident memory. */
#define CHUNK_TEXT (1024 * 1024)
#define TICK_EVERY 4096             /* records between clock checks */
/* A sub-chunk's records: about a text chunk's lines. */
#define SUB_EVENTS 8192
/* Bytes of records the whole objects in flight may have ready (queued
 * sub-chunks, pl_sub_bytes, all objects together) before a worker waits
 * for the writer: records never pile up in memory.  8 MiB holds a DuckDB
 * row group (122,880 rows) as worker-encoded messages (about 62 bytes a
 * row), so the worker that is a row group ahead of the writer seldom
 * waits; 4 sub-chunks per object, the bound before, kept a worker idle
 * for 7 % of its time.  A sub-chunk is let through when its object has
 * none queued, so the object the writer waits for always moves. */
#define SUBS_BYTES (8 * 1024 * 1024)
/* Input bytes of the whole objects in flight (one is always let through). */
#define WHOLE_BYTES (256 * 1024 * 1024)

typedef struct Worker Worker;
typedef struct Chunk Chunk;

/* The IDs a record's options records are keyed by (pipeline_writer.c's
 * ensure_options): all the writer needs of a record it did not encode. */
typedef struct {
    guint32 ingress_if, egress_if, vrf;
} PlOptionIds;

/*
 * An object a worker decodes whole (pipeline_whole.c): recognised by its
 * first bytes (at most 64; fewer when the object is shorter), read whole
 * by the reader (at most max_input bytes), then decode() turns c->whole
 * into records: for each part (pl_part_new), sub-chunks (pl_sub_get) it
 * fills with pl_worker_line or pl_worker_record between pl_worker_begin
 * and pl_worker_end, and hands on (pl_sub_put).  A failure of the whole
 * object goes into c->obj_error; a part that cannot be decoded, into its
 * sub-chunk's obj_error (then the object is not committed).
 */
typedef struct {
    const char *name;
    FlInputFormat input;        /* what --input-format forces it with */
    const char *what;           /* "an envelope": for "... larger than" */
    gboolean (*sniff)(const guint8 *buf, gsize len);
    gsize max_input;
    void (*decode)(Worker *w, Chunk *c);
} PlWholeType;

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
    gboolean is_part;           /* a part of a whole object (not counted
                                   as an object) */
    const PlWholeType *whole;   /* decoded whole by a worker, or NULL */
    FlCwlCounts envelope;       /* what an envelope held */
    struct FlParquet *parquet;  /* parquet hook: the open file, or NULL */
    gboolean failed;            /* parquet hook (writer): a row group failed */
} ObjInfo;

typedef struct {
    guint idx;                  /* line within the chunk */
    FlReject reason;
    guint where;                /* column, or field ID when is_field */
    gboolean is_field;
    guint n_words;              /* FL_REJECT_FIELD_COUNT */
    char *label;                /* an envelope's line: "event ID" */
    char *text;                 /* a decoder's own words for the reject
                                   (pl_worker_reject), or NULL */
} LineError;

struct Chunk {
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
    guint pq_group;             /* parquet hook: row group + 1; 0: text */
    /* filled by a worker: the records, or, when workers encode them,
     * only what the writer still needs of each (its options' IDs); a
     * 112-byte record per row was most of what a queued sub-chunk held */
    FlIpfixRec *recs;           /* writer encodes (UDP; records_only) */
    PlOptionIds *opt_ids;       /* workers encode (p->encode) */
    guint16 *variants;          /* FL_V_COUNT needs 9 bits */
    guint n_recs, cap_recs;
    guint64 newest_end_ms;      /* the latest flowEndMilliseconds */
    guint n_lines;
    guint64 nodata, skipdata, v4, v6, rejects[FL_REJECT_COUNT];
    GArray *errors;             /* LineError, at most max_errors */
    GArray *new_names;          /* FlNewName */
    GPtrArray *skip_ifaces;     /* char *, interfaces with SKIPDATA */
    GByteArray *msgs;           /* the records as IPFIX messages, when
                                   workers encode (p->encode) */
    GError *enc_error;
    /* a whole object: its bytes, and the sub-chunks its worker made,
     * for the writer (under the pipeline's lock) */
    GBytes *whole;
    GQueue subs;
    gsize queued_bytes;         /* a sub-chunk: its pl_sub_bytes */
    gboolean part_failed;       /* a part failed: do not commit */
    gint done;
};

typedef struct {
    const FlPipelineConfig *cfg;
    FlExporter *exp;
    FlStats *stats;
    FlIdRegistry *reg;
    /* threading */
    GAsyncQueue *free_q, *work_q, *order_q;
    GAsyncQueue *sub_free_q;    /* sub-chunks to reuse */
    gsize whole_bytes;          /* of whole objects in flight (lock) */
    gsize subs_bytes;           /* of the sub-chunks queued (lock) */
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
    ObjInfo *pq_info;           /* parquet hook: row groups to hand out */
    guint pq_next;              /* parquet hook: the next row group */
    /* writer state */
    guint64 obj_line_base;
    guint64 obj_rejected;       /* of the object being written, its parts
                                   included: for its done hook */
    guint64 errors_shown;
    guint generation;
    gint64 last_options_us;
    gint64 rate_start_us;
    guint64 rate_count;
} Pipeline;

struct Worker {
    Pipeline *p;
    FlRecord *rec;
    FlMapperThread mt;
    FlEncoder *enc;             /* when p->encode */
    FlIpfixRec scratch;         /* when p->encode: the record being
                                   encoded */
    FlCwlDecoder *cwl;          /* envelopes' decoder, made on first use */
    GError *inline_err;         /* threads == 1: the writer failed while
                                   this worker handed it a sub-chunk */
    struct FlParquetGroup *pq;  /* parquet hook: reused decode state */
};

/* pipeline_chunk.c */
ObjInfo *pl_obj_new(const char *name);
ObjInfo *pl_obj_ref(ObjInfo *o);
void     pl_obj_unref(ObjInfo *o);
Chunk   *pl_chunk_new(void);
Chunk   *pl_chunk_new_sub(void);      /* no buffer: text is elsewhere */
void     pl_chunk_reset(Chunk *c);
/* What a worker filled in (records, counts, errors, messages) emptied. */
void     pl_chunk_clear_results(Chunk *c);
void     pl_chunk_free(Chunk *c);

/* pipeline_reader.c: the reader's fields of Pipeline are its alone. */
gboolean pl_reader_fill(Pipeline *p, Chunk *c);
void     pl_reader_close_object(Pipeline *p);
void     pl_reader_close_source(Pipeline *p);
/* Puts "NAME: " before an object's error unless the source said it. */
void     pl_name_error(GError **err, const char *name);
gpointer pl_reader_thread(gpointer data);

/* pipeline_whole.c: the reader's part (try_whole: FALSE when the object
 * is not of a whole type), the worker's (whole, parts and sub-chunks), and
 * the writer's (release, once it wrote the chunk). */
gboolean pl_reader_try_whole(Pipeline *p, Chunk *c);
void     pl_worker_whole(Worker *w, Chunk *c);
void     pl_whole_release(Pipeline *p, Chunk *c);
/* A part named name: owner stands in for a missing account-id; format
 * says which fields its records have.  Its plan failing is no error here:
 * plan_ok is FALSE and *err says why (the caller reports it on a
 * sub-chunk). */
ObjInfo *pl_part_new(Pipeline *p, const char *name, const char *owner,
                     FlFormat *format, GError **err);
Chunk   *pl_sub_get(Pipeline *p, ObjInfo *part);
/* What a filled sub-chunk holds in memory for the writer, in bytes. */
gsize    pl_sub_bytes(const Chunk *sub);
/* Hands a full sub-chunk of c on: to c's queue (waiting while it is full),
 * or, inline, straight to the writer.  FALSE with *err when the run is
 * stopping (the writer failed: FL_ERROR_STOPPED "output failed"; the
 * stop flag set: FL_ERROR_STOPPED "stopped before its end", after this
 * sub-chunk went on): the decoding ends there. */
gboolean pl_sub_put(Worker *w, Chunk *c, Chunk *sub, GError **err);

/* pipeline_envelope.c */
extern const PlWholeType pl_whole_cwl;
/* pipeline_azure.c */
extern const PlWholeType pl_whole_azure;

/* pipeline_parquet.c: a chunk per row group of a Parquet object. */
gboolean pl_reader_try_parquet(Pipeline *p, Chunk *c);
gboolean pl_reader_next_group(Pipeline *p, Chunk *c);
void     pl_reader_drop_parquet(Pipeline *p);
void     pl_parquet_process(Worker *w, Chunk *c);
void     pl_parquet_worker_clear(Worker *w);
void     pl_writer_parquet_filter(Pipeline *p, Chunk *c);

/* pipeline_cloud.c */
extern const PlWholeType pl_whole_oci;
extern const PlWholeType pl_whole_gcp;

/* pipeline_worker.c: a worker touches only its Worker and its chunk. */
gboolean pl_worker_init(Worker *w, Pipeline *p, GError **err);
void     pl_worker_clear(Worker *w);
void     pl_worker_process(Worker *w, Chunk *c);
/* One line (or envelope event) of c into a record; a rejected line is
 * named "NAME: event LABEL_ID" (or "event LABEL_N") when label_id is not
 * NULL or label_n not 0, else "NAME:LINE". */
void     pl_worker_line(Worker *w, Chunk *c, const char *s, gsize len,
                        const char *label_id, guint label_n);
/* The same for a record a whole-object decoder put into w->rec (reset
 * with fl_record_reset, then filled). */
void     pl_worker_record(Worker *w, Chunk *c, const char *label_id,
                          guint label_n);
/* An entry a whole-object decoder rejected, as a line of c: counted
 * under reason, and told by the writer as "NAME: WHERE: REASON: WHY;
 * skipped" while --max-errors allows (so once, and never also in the
 * "more rejected" sum). */
void     pl_worker_reject(Worker *w, Chunk *c, FlReject reason,
                          const char *where, const char *why);
/* Around the lines of a chunk that is not pl_worker_process's. */
void     pl_worker_begin(Worker *w, Chunk *c);
void     pl_worker_end(Worker *w, Chunk *c);
gpointer pl_worker_thread(gpointer data);

/* pipeline_writer.c: runs in the calling thread; owns the exporter. */
gboolean pl_writer_write_chunk(Pipeline *p, Chunk *c, GError **err);
gboolean pl_writer_tick(Pipeline *p, GError **err);

#endif
