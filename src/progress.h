/*
 * progress.h - one refreshing status line on a terminal for batch runs.
 *
 * main() decides whether there is one (standard error is a terminal, not
 * -q, not a run that never ends, IPFIX not going to that terminal); the
 * pipeline's tick hook feeds it from the writer thread.  The line is
 * redrawn at most four times a second.  While it is shown, log messages
 * erase it first (through log.h's sideline), so the two never share a
 * line.
 */
#ifndef FL_PROGRESS_H
#define FL_PROGRESS_H

#include <glib.h>
#include "stats.h"

typedef struct FlProgress FlProgress;

/*
 * Starts a progress line on standard error for a run of objects_total
 * objects (-1: unknown, then no ETA).  Cannot fail.  Free with
 * fl_progress_free().
 */
FlProgress *fl_progress_new(gint64 objects_total);

/* Redraws the line from st unless it was drawn less than 250 ms ago. */
void fl_progress_update(FlProgress *p, const FlStats *st);

/* Erases the line and gives the log handler back; NULL is fine. */
void fl_progress_free(FlProgress *p);

/* The line itself, width at most cols - 1 (for tests and the above). */
char *fl_progress_format(const FlStats *st, gint64 objects_total,
                         double elapsed_s, guint cols);

#endif
