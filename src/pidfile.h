/*
 * pidfile.h - --pidfile: one running process per file.
 *
 * The file holds the process ID and a newline.  It is written under a
 * temporary name and linked into place, so that it never exists half
 * written and two processes starting at once cannot both take it.
 */
#ifndef FL_PIDFILE_H
#define FL_PIDFILE_H

#include <glib.h>

/*
 * Writes our process ID to path.  A file that names a live process is
 * FL_ERROR_CONFIG ("already running"); one that names a dead process, or
 * holds no process ID, is stale and replaced (with a warning).
 * FL_ERROR_IO when the file cannot be written.
 */
gboolean fl_pidfile_create(const char *path, GError **err);

/* Removes path if it still holds our process ID.  Cannot fail. */
void fl_pidfile_remove(const char *path);

#endif
