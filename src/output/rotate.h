/*
 * rotate.h - rotating IPFIX files in a directory (-o dir://DIR).
 *
 * The hand-off that directory pollers expect (SiLK's rwflowpack,
 * super_mediator, an archive job): a file is written under a hidden
 * temporary name, ".NAME.tmp" in the same directory, and renamed to NAME
 * only once it is complete and fsynced.  Pollers skip names starting with
 * a dot, so they never see half a file.  NAME is
 *
 *     PREFIX-YYYYMMDDhhmmss-SEQ.ipfix[.gz]
 *
 * the time (UTC) the file was begun and a five-digit sequence number of
 * this run (YAF's --rotate names, with .ipfix for .yaf).  A name already
 * taken (a restart in the same second) gets the next sequence number:
 * nothing is ever overwritten.
 *
 * This file knows files, not IPFIX: export.c decides when a message
 * boundary is reached and rebuilds its libfixbuf session on each new
 * file, so that every file starts with its templates.  Used by one thread.
 *
 * A lock file ".PREFIX.lock" in the directory keeps a second process from
 * writing there with the same prefix; with the lock held, temporary files
 * of that prefix are leftovers of a run that did not finish.  Their
 * records may be committed already (fl_rotator_sync), so when the rotator
 * starts each is completed, not removed: cut to its longest prefix of
 * whole IPFIX messages (recover.h: a torn last write is dropped), fsynced
 * and renamed to a final name with the file's last-modified time and a
 * fresh sequence number.  A gzip leftover is inflated as far as it goes
 * and its whole messages compressed again into a new file (.ipfix.gz);
 * the extension follows what the file holds, not today's options.  A
 * leftover whose whole messages hold no flow record (templates and
 * options records only) is removed.  Each is logged (a warning: messages
 * and bytes kept, bytes cut and why).  One that cannot be completed (a
 * read or write error) stays for the next start.  The kept prefix is
 * self-contained: a data set whose template is not before it ends it.
 */
#ifndef FL_ROTATE_H
#define FL_ROTATE_H

#include <stdio.h>
#include <glib.h>

typedef enum { FL_ROTATE_PLAIN, FL_ROTATE_GZIP } FlRotateCompress;

typedef struct {
    const char *dir;
    const char *prefix;         /* NULL: "flowlog2ipfix" */
    guint seconds;              /* begin a new file after this; 0 = never */
    guint64 bytes;              /* ... or at this many IPFIX bytes; 0 = no */
    FlRotateCompress compress;
} FlRotateConfig;

typedef struct FlRotator FlRotator;

/* TRUE when uri is a dir:// output; *dir is then the directory (may be
 * relative; caller frees).  FALSE, *dir NULL, for any other output. */
gboolean fl_rotate_parse_uri(const char *uri, char **dir);

/*
 * Takes the directory's lock, completes leftover temporary files and begins
 * the first file.  FL_ERROR_CONFIG when the directory is missing, not a
 * directory, or locked by another process; FL_ERROR_EXPORT when a file
 * cannot be made.  Caller ends it with fl_rotator_close().
 */
FlRotator *fl_rotator_open(const FlRotateConfig *cfg, GError **err);

/* The current file's stream (owned by the rotator; it changes on every
 * fl_rotator_next()).  Cannot fail. */
FILE *fl_rotator_fp(FlRotator *r);

/* TRUE when the current file is due to be completed: its time is up, it
 * holds cfg->bytes IPFIX bytes (before compression), or a rotation was
 * requested.  Cannot fail. */
gboolean fl_rotator_due(FlRotator *r, gint64 now_us);

/* Asks for a rotation at the next fl_rotator_due() (SIGHUP).  Cannot
 * fail. */
void fl_rotator_request(FlRotator *r);

/*
 * Makes what was written to the current file durable before a commit:
 * flushes the stream (and, for gzip, zlib with Z_SYNC_FLUSH, so the data
 * inflates from the file alone) and fsyncs it.  A leftover completed at
 * the next start then holds it.  FALSE with *err (FL_ERROR_EXPORT).
 */
gboolean fl_rotator_sync(FlRotator *r, GError **err);

/*
 * Completes the current file (flush, fsync, rename to its final name) and
 * begins the next one.  keep FALSE: the current file held no data records
 * and is removed instead (no empty files for the pollers).  The caller
 * has written out everything that belongs in the old file.  FALSE with
 * *err (FL_ERROR_EXPORT): the rotator then has no current file and only
 * fl_rotator_close() may follow.
 */
gboolean fl_rotator_next(FlRotator *r, gboolean keep, GError **err);

/*
 * Completes (or, keep FALSE, removes) the current file, releases the lock
 * and frees r.  *bytes_out: the bytes of every file completed in this run,
 * as stored (compressed for gzip).  FALSE with *err when the last file
 * could not be completed; r is freed either way.
 */
gboolean fl_rotator_close(FlRotator *r, gboolean keep, guint64 *bytes_out,
                          GError **err);

#endif
