/*
 * source.h - where flow-log bytes come from.
 *
 * A source is opened from a location string (a path, a directory, "-" for
 * stdin; later s3://, cwl://).  It yields a sequence of objects; an object
 * is the unit of work and of failure: one file, one S3 key, one CloudWatch
 * batch.  Reading an object yields its *decoded* bytes: gzip is removed by a
 * byte filter (inflate.c) chosen by the magic bytes, not by the file name.
 *
 * Sources plug in through a const FlSourceType table.  Callers use the
 * fl_source_* and fl_object_* wrappers, never the function pointers.
 */
#ifndef FL_SOURCE_H
#define FL_SOURCE_H

#include <glib.h>

typedef struct FlSource FlSource;
typedef struct FlObject FlObject;
typedef struct FlSourceType FlSourceType;
typedef struct FlObjectType FlObjectType;

typedef enum {
    FL_NEXT_OK,     /* *obj was set */
    FL_NEXT_END,    /* no more objects; not an error */
    FL_NEXT_ERROR   /* one object could not be opened; *err set, the
                       source can still be asked for the next one */
} FlNext;

struct FlSourceType {
    const char *scheme;          /* "file" */
    gboolean (*open)(FlSource *src, const char *location, GError **err);
    FlNext   (*next)(FlSource *src, FlObject **obj, GError **err);
    void     (*close)(FlSource *src);
};

/* Raw (still compressed) byte access of one object. */
struct FlObjectType {
    /* Returns bytes read, 0 at end of object, -1 with *err set. */
    gssize (*read)(FlObject *obj, guint8 *buf, gsize len, GError **err);
    void   (*close)(FlObject *obj);
};

struct FlSource {
    const FlSourceType *type;
    char *location;
    void *ctx;                   /* the type's private state */
};

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
};

/*
 * Opens a source for location: "-" is stdin, a directory is walked
 * recursively in byte-wise sorted order of path names (regular files only,
 * hidden entries included, symlinks to files followed, symlinked
 * directories not followed), anything else is a file.  The location is
 * checked here (it must exist), so a typo fails at start-up.
 * Returns NULL with *err set (FL_ERROR_IO naming the path) on failure.
 * Caller frees with fl_source_free().
 */
FlSource *fl_source_open(const char *location, GError **err);

/*
 * Hands out the next object.  An object that cannot be opened (permission,
 * vanished) gives FL_NEXT_ERROR with *err naming it; the caller logs it,
 * counts it and asks again.  Caller frees each object with fl_object_free().
 */
FlNext fl_source_next(FlSource *src, FlObject **obj, GError **err);

void fl_source_free(FlSource *src);

/*
 * Reads up to len decoded bytes: plain text as is, gzip (detected by the
 * magic bytes 1f 8b) inflated, multi-member gzip as one stream.  Returns the
 * count, 0 at the clean end of the object, or -1 with *err set:
 * FL_ERROR_CORRUPT for a damaged or truncated gzip stream ("unexpected end
 * of gzip data"), FL_ERROR_LIMIT when the decoded size passes max_ratio
 * times the compressed size plus 1 MiB (a zip bomb), FL_ERROR_IO for read
 * errors.  Messages do not include the object name; callers prefix it.
 */
gssize fl_object_read(FlObject *obj, guint8 *buf, gsize len, GError **err);

/* Decoded-to-compressed ratio past which fl_object_read() gives up. */
#define FL_INFLATE_MAX_RATIO 1000

void fl_object_free(FlObject *obj);

#endif
