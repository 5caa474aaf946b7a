/*
 * file_watch.h - a directory tree watched for files that become complete
 * (--watch), for the file source.
 *
 * A file is handed out once it is complete: closed after writing
 * (inotify's IN_CLOSE_WRITE) or renamed into place (IN_MOVED_TO).  A file
 * that no event announced (it was there at start-up, inotify lost events,
 * or there is no inotify) is complete once its size and modification time
 * have not changed for --settle seconds.  A periodic rescan is the safety
 * net for whatever events were missed.  Hidden names (".x", files and
 * directories) and names ending in ".tmp" or ".part" are not inputs: rsync
 * and "aws s3 sync" write those and rename them when done.
 *
 * With --state, a file whose (path, size, modification time) the journal
 * holds is not handed out again (kind "file"); a done hook records it
 * there and then applies --after-processing.  The hook runs on the
 * writer thread; everything else on the reader thread.
 */
#ifndef FL_FILE_WATCH_H
#define FL_FILE_WATCH_H

#include <sys/stat.h>
#include <glib.h>
#include "sources/source.h"

typedef struct FlFileWatch FlFileWatch;

/*
 * Starts watching the directory dir (recursively; symlinked directories
 * are not followed) and scans it once.  n gets skipped_done counts.
 * FL_ERROR_IO naming dir when it cannot be read, FL_ERROR_CONFIG when the
 * --after-processing directory cannot be made.  Free with
 * fl_file_watch_free().
 */
FlFileWatch *fl_file_watch_new(const char *dir, const FlSourceConfig *cfg,
                               FlSourceCounters *n, GError **err);

/*
 * Blocks until a file is complete and returns its path (the caller frees
 * it), or NULL once cfg->stop is set (checked five times a second).
 * Cannot fail: a directory that cannot be read is logged and rescanned
 * later.
 */
char *fl_file_watch_next(FlFileWatch *w);

/*
 * The done hook of a file handed out by fl_file_watch_next(), st being
 * the fstat() of the descriptor it was opened with: on success it
 * records the file in the journal (if any), then deletes or moves it.
 * Always returns a hook: even without a journal or an action, it makes
 * the writer flush the output once the file is out, so that records do
 * not wait in a buffer for the next file.
 */
FlObjectDone *fl_file_watch_hook(FlFileWatch *w, const char *path,
                                 const struct stat *st);

void fl_file_watch_free(FlFileWatch *w);

#endif
