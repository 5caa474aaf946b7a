/*
 * source.h - where flow-log bytes come from.
 *
 * A source is opened from a location string (a path, a directory, "-" for
 * stdin, s3://BUCKET/PREFIX, cwl://GROUP, azblob://ACCOUNT/CONTAINER/PREFIX).  It yields a sequence of
 * objects; an object is the unit of work, of failure and of checkpointing:
 * one file, one S3 key, one CloudWatch batch.  Reading an object yields its *decoded* bytes: gzip is removed by a
 * byte filter (inflate.c) chosen by the magic bytes, not by the file name.
 *
 * Sources plug in through a const FlSourceType table.  Callers use the
 * fl_source_* and fl_object_* wrappers, never the function pointers.
 */
#ifndef FL_SOURCE_H
#define FL_SOURCE_H

#include <glib.h>

struct FlAws;
struct FlAzure;
struct FlCheckpoint;
struct FlMemoryInput;

typedef struct FlSource FlSource;
typedef struct FlObject FlObject;
typedef struct FlSourceType FlSourceType;
typedef struct FlObjectType FlObjectType;

/*
 * Line labels: one string per line of an object, all in one block (a
 * payload of 50,000 events is one allocation, not 50,000).  Built in
 * order: fl_labels_next() starts the next label and returns the block,
 * to which the caller appends that label's text.  Reference-counted, read
 * by any thread once built.
 */
typedef struct FlLabels FlLabels;

FlLabels *fl_labels_new(guint n_hint, gsize bytes_hint);
GString *fl_labels_next(FlLabels *l);
guint fl_labels_len(const FlLabels *l);
const char *fl_labels_get(const FlLabels *l, guint i);   /* i < len */
FlLabels *fl_labels_ref(FlLabels *l);
void fl_labels_unref(FlLabels *l);

typedef enum {
    FL_NEXT_OK,     /* *obj was set */
    FL_NEXT_END,    /* no more objects; not an error */
    FL_NEXT_ERROR   /* one object could not be opened; *err set, the
                       source can still be asked for the next one */
} FlNext;

/* --after-processing: what happens to a watched file once its records
 * are out. */
typedef enum {
    FL_AFTER_KEEP,      /* left where it is (the journal remembers it) */
    FL_AFTER_DELETE,
    FL_AFTER_MOVE       /* into a directory, its path below the watched
                           directory kept */
} FlAfterProcessing;

/*
 * What sources may need beyond their location; made by main(), read-only,
 * outlives every source.  Members a source does not use are ignored.
 */
typedef struct {
    struct FlAws *aws;           /* NULL unless an input needs AWS */
    struct FlAzure *azure;       /* NULL unless an input is azblob:// */
    struct FlCheckpoint *checkpoint;  /* --state; NULL: none */
    gboolean has_range;          /* --since/--until given */
    gint64 since, until;         /* Unix seconds, [since, until) */
    guint s3_concurrency;        /* objects downloading at once, >= 1 */
    gboolean s3_all_keys;        /* s3://: every key, not only *.log* */
    guint sqs_wait;              /* long-poll seconds, 0..20 */
    guint sqs_visibility;        /* seconds a received message is hidden */
    gboolean sqs_exit_when_empty;  /* end when a receive finds nothing */
    gboolean has_since;          /* --since given (since is not 0) */
    gboolean cwl_follow;         /* --follow: poll cwl:// (and azblob://)
                                    until stopped */
    guint cwl_poll_interval;     /* seconds between polls, >= 1 */
    guint cwl_overlap;           /* seconds read again on every poll */
    const char *cwl_stream_prefix;  /* --log-stream-prefix, or NULL */
    const volatile gint *stop;   /* SIGINT/SIGTERM */
    struct FlMemoryInput *memory;  /* memory://: the objects of one Lambda
                                      invocation (source_memory.h); NULL
                                      otherwise */
    /* --watch: directories are watched for new files until stopped */
    gboolean watch;
    guint settle;                /* seconds a file found by a scan must
                                    keep its size and time */
    FlAfterProcessing after;     /* watched files, once done */
    const char *after_dir;       /* FL_AFTER_MOVE: where to */
    const char *pubsub_token;    /* --pubsub-token: push requests must
                                    carry ?token=THIS; NULL: any */
} FlSourceConfig;

/* Per-source counters, added to the run's statistics by the pipeline. */
typedef struct {
    guint64 skipped_done;        /* in the --state file already */
    guint64 skipped_keys;        /* not flow-log names, or out of range */
    guint64 list_requests;       /* S3 ListObjectsV2 calls */
    guint64 messages;            /* SQS messages received */
    guint64 messages_cut;        /* CloudWatch Logs events with text after
                                    a line break, cut there */
} FlSourceCounters;

/*
 * open() gets the location without its "scheme://" prefix and sets
 * src->ctx; close() is called after a failed open() too, so it must cope
 * with a NULL or half-built ctx.  next() hands out objects made with
 * fl_object_new().
 */
struct FlSourceType {
    const char *scheme;          /* "file" */
    gboolean (*open)(FlSource *src, const char *location,
                     const FlSourceConfig *cfg, GError **err);
    FlNext   (*next)(FlSource *src, FlObject **obj, GError **err);
    void     (*close)(FlSource *src);
};

/*
 * Raw (still compressed) byte access of one object.  close() releases ctx
 * only; fl_object_free() frees the name and the object itself.
 */
struct FlObjectType {
    /* Returns bytes read, 0 at end of object, -1 with *err set. */
    gssize (*read)(FlObject *obj, guint8 *buf, gsize len, GError **err);
    void   (*close)(FlObject *obj);
    /* Optional: a descriptor of a regular file that can be mapped, or -1.
     * Valid until close(). */
    int    (*map_fd)(FlObject *obj);
};

struct FlSource {
    const FlSourceType *type;
    char *location;
    void *ctx;                   /* the type's private state */
    FlSourceCounters n;          /* updated by the reader thread only */
};

/*
 * What to do when an object is finished: write its checkpoint, delete its
 * SQS message.  The pipeline calls done() on the writer thread, once,
 * after the object's last record was written and the output flushed (ok
 * TRUE), or when the object failed (ok FALSE: nothing is committed, an SQS
 * message is left for redelivery).  An object the run never finished
 * (stopped by a signal) gets no call, only free().  done() may fail (the
 * records are out, the checkpoint is not): it says why in *err.
 */
typedef struct FlObjectDone {
    gboolean (*done)(gpointer data, gboolean ok, GError **err);
    GDestroyNotify free;
    gpointer data;
    guint64 rejected;            /* set by the pipeline before done(): the
                                    object's rejected lines and entries */
} FlObjectDone;

struct FlObject {
    const FlObjectType *type;
    char *name;                  /* for messages: the path, "-" = "(stdin)" */
    void *ctx;                   /* the type's private state */
    struct FlInflate *inflate;   /* gzip filter, NULL for plain text */
    gboolean sniffed;            /* magic bytes looked at */
    guint8 peek[2];              /* bytes read while sniffing */
    gsize  n_peek;
    guint64 raw_bytes;           /* compressed bytes consumed, for stats */
    guint64 bytes;               /* decoded bytes delivered */
    const volatile gint *stop;   /* set: an interactive read that waits
                                    gives up (as end of object) once this
                                    is non-zero, checked 5 times a second */
    gboolean interactive;        /* a pipe, socket or tty: a short read
                                    means the writer is slow, so readers
                                    hand on what they have instead of
                                    waiting for a full buffer */
    FlObjectDone *on_done;       /* NULL: nothing to commit */
    FlLabels *labels;            /* one per line, or NULL: what messages
                                    about a line name instead of its
                                    number ("STREAM event ID") */
    char *owner;                 /* the account of a CloudWatch Logs
                                    payload, or NULL */
};

/*
 * Opens a source for location: "-" is stdin, a directory is walked
 * recursively in byte-wise sorted order of path names (regular files only,
 * hidden entries included, symlinks to files followed, symlinked
 * directories not followed), anything else is a file.  The location is
 * checked here (it must exist), so a typo fails at start-up.
 * "scheme://rest" picks a source type from the registry ("file://PATH" is
 * the same as PATH).
 * Returns NULL with *err set on failure: FL_ERROR_IO naming the path,
 * FL_ERROR_CONFIG for an unknown scheme, FL_ERROR_UNSUPPORTED for a scheme
 * this build leaves out, or what the source type says (an S3 location
 * without AWS set up is FL_ERROR_CONFIG).  Caller frees with
 * fl_source_free().
 */
FlSource *fl_source_open(const char *location, const FlSourceConfig *cfg,
                         GError **err);

/*
 * Opens a source of a given type, for inputs that come from options
 * rather than locations (--s3-event FILE, --sqs-queue URL).
 */
FlSource *fl_source_open_type(const FlSourceType *type, const char *location,
                              const FlSourceConfig *cfg, GError **err);

/*
 * Hands out the next object.  An object that cannot be opened (permission,
 * vanished) gives FL_NEXT_ERROR with *err naming it; the caller logs it,
 * counts it and asks again.  Caller frees each object with fl_object_free().
 */
FlNext fl_source_next(FlSource *src, FlObject **obj, GError **err);

/* Frees src and the state its type keeps; NULL is fine. */
void fl_source_free(FlSource *src);

/*
 * Reads up to len decoded bytes: plain text as is, gzip (detected by the
 * magic bytes 1f 8b) inflated, multi-member gzip as one stream.  Returns the
 * count, 0 at the clean end of the object, or -1 with *err set:
 * FL_ERROR_CORRUPT for a damaged or truncated gzip stream ("unexpected end
 * of gzip data"), FL_ERROR_LIMIT when the decoded size passes max_ratio
 * times the compressed size plus 1 MiB (a zip bomb), FL_ERROR_IO for read
 * errors.  Bytes decoded before damage is found are delivered first; the
 * error comes with the next call.  After -1 only fl_object_free() is left.
 * Messages do not include the object name; callers prefix it.
 */
gssize fl_object_read(FlObject *obj, guint8 *buf, gsize len, GError **err);

/* Decoded-to-compressed ratio past which fl_object_read() gives up. */
#define FL_INFLATE_MAX_RATIO 1000

/* Closes obj and frees it with its filter; NULL is fine.  An on_done
 * still attached is freed without being called. */
void fl_object_free(FlObject *obj);

/* Takes the object's done hook (NULL when it has none); the caller then
 * owns it and ends it with fl_object_done_finish(). */
FlObjectDone *fl_object_steal_done(FlObject *obj);

/*
 * Calls hook->done(ok) unless ok is -1 (never finished), then frees the
 * hook.  FALSE with *err when done() failed.  NULL hook: TRUE.
 */
gboolean fl_object_done_finish(FlObjectDone *hook, int ok, GError **err);

/*
 * A descriptor for mmap(2) when the object is a regular file not yet read
 * from, else -1.  The caller maps it itself (and may close the object
 * while the mapping lives on).  Cannot fail.
 */
int fl_object_map_fd(FlObject *obj);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlSource, fl_source_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlObject, fl_object_free)

/* For FlSourceType implementations only. */

/*
 * Makes an object of the given type; name is copied, ctx is owned by the
 * object from now on and released by type->close().  Cannot fail.
 */
FlObject *fl_object_new(const FlObjectType *type, const char *name,
                        void *ctx);

/*
 * An object whose bytes are text in memory already: the lines of one
 * CloudWatch Logs payload or page, '\n' after each.  Takes text and
 * labels (may be NULL; one per line, see FlObject); owner is copied (may
 * be NULL).  Cannot fail.
 */
FlObject *fl_object_new_text(const char *name, GBytes *text,
                             FlLabels *labels, const char *owner);

/*
 * How many objects the local location (a file, a directory, "-") holds,
 * walked as fl_source_open() would; -1 when it is not local or cannot be
 * read.  For the progress line of batch runs.
 */
gint64 fl_source_count_local(const char *location);

/* The built-in source types, listed in the scheme registry in source.c. */
extern const FlSourceType fl_source_type_file;
extern const FlSourceType fl_source_type_s3;
extern const FlSourceType fl_source_type_cwl;
extern const FlSourceType fl_source_type_azblob;
/* memory://NAME: objects the program hands over itself (Lambda). */
extern const FlSourceType fl_source_type_memory;
/* Not reachable by a scheme: --s3-event FILE and --sqs-queue URL. */
extern const FlSourceType fl_source_type_s3_event;
extern const FlSourceType fl_source_type_sqs;
/* --listen-pubsub ADDR:PORT[/PATH]: Google Pub/Sub push requests. */
extern const FlSourceType fl_source_type_pubsub;

#endif
