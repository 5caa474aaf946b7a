/*
 * checkpoint.h - the --state file: which objects are done.
 *
 * An object is done when its records were written and flushed to the
 * output.  The file is a journal of one tab-separated line per finished
 * object, "KIND\tID\tVERSION\n" (for S3: kind "s3", id "BUCKET/KEY",
 * version "ETAG SIZE"), appended with one write(2) and fdatasync'd, so a
 * crash loses at most the line being written, and a torn last line is
 * ignored when the file is read.  On open the journal is compacted: the
 * entries are rewritten to a temporary file that is renamed over the old
 * one (atomic), so the file does not grow without end across runs.
 * Values are escaped (\t, \n, \\) so any key is safe.
 *
 * The program never deletes or moves the customer's objects; this file is
 * how a rerun skips what is done.  Thread-safe (a mutex): the reader asks,
 * the writer records.
 */
#ifndef FL_CHECKPOINT_H
#define FL_CHECKPOINT_H

#include <glib.h>

typedef struct FlCheckpoint FlCheckpoint;

/*
 * Opens (creating it if missing) and compacts path.  FL_ERROR_IO naming
 * path when it cannot be read or written (or is not a regular file, or
 * its directory does not allow the temporary file "PATH.XXXXXX");
 * FL_ERROR_CORRUPT naming path and line when it is not a state file (a
 * complete line that does not parse, or one over 16 KiB that is not a
 * position, see below).  The file's
 * permissions are kept; a new one gets 0644 less the umask.
 * At most FL_CHECKPOINT_MAX_ENTRIES entries are kept (the oldest record
 * goes first; recording a key again makes it the newest).  The caller
 * frees with fl_checkpoint_unref().
 */
#ifndef FL_CHECKPOINT_MAX_ENTRIES       /* tests build with a small one */
#define FL_CHECKPOINT_MAX_ENTRIES 10000000
#endif
FlCheckpoint *fl_checkpoint_open(const char *path, GError **err);

/* TRUE when (kind, id) was recorded with this version. */
gboolean fl_checkpoint_done(FlCheckpoint *cp, const char *kind,
                            const char *id, const char *version);

/*
 * Records (kind, id, version) as done: one line appended and
 * fdatasync'd before it returns.  Recording what is already recorded with
 * the same version writes nothing.  kind and id must not be empty.
 * FL_ERROR_IO naming the file (a part line written is cut off again);
 * FL_ERROR_LIMIT when the escaped line would be over 16 KiB.
 */
gboolean fl_checkpoint_record(FlCheckpoint *cp, const char *kind,
                              const char *id, const char *version,
                              GError **err);

/*
 * Positions: one value per id that is replaced as a run goes on (where a
 * CloudWatch Logs --follow has got to), kept in the same journal as lines
 * of kind "position" (so fl_checkpoint_record() refuses that kind).  A
 * position may be long, up to FL_CHECKPOINT_MAX_POSITION bytes escaped.
 *
 * fl_checkpoint_position_get: the last value put for id, or NULL; the
 * caller frees it.  Cannot fail.
 *
 * fl_checkpoint_position_put: appends the new value and fdatasyncs it
 * before it returns, as fl_checkpoint_record() does (a crash keeps the old
 * or the new value, never a mix).  Because each put appends, the journal
 * is compacted (rewritten to a temporary file, renamed over) once it is
 * more than 4 times the size of its live entries plus 1 MiB.
 * FL_ERROR_LIMIT when the value is too long, FL_ERROR_IO naming the file.
 */
#define FL_CHECKPOINT_MAX_POSITION (8 * 1024 * 1024)
char *fl_checkpoint_position_get(FlCheckpoint *cp, const char *id);
gboolean fl_checkpoint_position_put(FlCheckpoint *cp, const char *id,
                                    const char *value, GError **err);

guint fl_checkpoint_size(FlCheckpoint *cp);

FlCheckpoint *fl_checkpoint_ref(FlCheckpoint *cp);
void fl_checkpoint_unref(FlCheckpoint *cp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlCheckpoint, fl_checkpoint_unref)

#endif
