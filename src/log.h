/*
 * log.h - the small logging vocabulary (after OpenNTPD's log.c).
 *
 * Everything goes through g_log with G_LOG_DOMAIN "flowlog2ipfix"; main.c
 * installs the one writer (stderr, with a verbosity threshold).  _warn adds
 * strerror(errno), _warnx does not.
 */
#ifndef FL_LOG_H
#define FL_LOG_H

#include <glib.h>

void fl_log_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fl_log_warnx(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fl_log_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fl_log_debug(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/*
 * Something else that writes on standard error (the progress line) is
 * called around each message written there: before(data) may erase its
 * line and hold its lock, after(data) lets go.  main() sets it while no
 * other thread runs; NULL functions remove it.
 */
void fl_log_set_sideline(void (*before)(gpointer), void (*after)(gpointer),
                         gpointer data);

/* 0 = errors and warnings only (-q), 1 = + info (default), 2 = -v (more
 * detail in summaries), 3 = -vv (+ debug). */
void fl_log_init(int verbosity);

#endif
