/*
 * deadline.h - the invocation's alarm clock.
 *
 * The pipeline looks at a stop flag between chunks (and the S3, HTTP and
 * exporter loops while they wait); a thread of its own sets that flag
 * when an invocation's time is up, so that the runtime stops and answers
 * before Lambda kills the process.  Between invocations the alarm is
 * off: a frozen process has no timers, and none is needed.
 */
#ifndef FL_LAMBDA_DEADLINE_H
#define FL_LAMBDA_DEADLINE_H

#include <glib.h>

typedef struct FlDeadline FlDeadline;

/* An alarm that sets *flag to 1; the thread starts with the first arm.
 * Cannot fail. */
FlDeadline *fl_deadline_new(volatile gint *flag);

/* Sets the alarm for at_us (monotonic time); an earlier one is replaced.
 * The flag itself is left alone (the caller clears it). */
void fl_deadline_arm(FlDeadline *d, gint64 at_us);

/* Turns the alarm off; TRUE when it had gone off since it was armed. */
gboolean fl_deadline_disarm(FlDeadline *d);

/* Ends the thread; NULL is fine. */
void fl_deadline_free(FlDeadline *d);

#endif
