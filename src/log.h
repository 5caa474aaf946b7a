/*
 * log.h - the small logging vocabulary (after OpenNTPD's log.c).
 *
 * Everything goes through g_log with G_LOG_DOMAIN "flowlog2ipfix"; main.c
 * installs the one writer (stderr, with a verbosity threshold), as text
 * lines or, in Lambda mode, as JSON lines.  _warn adds strerror(errno),
 * _warnx does not.
 */
#ifndef FL_LOG_H
#define FL_LOG_H

#include <glib.h>

void fl_log_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fl_log_warnx(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fl_log_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fl_log_debug(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* An error that ends the run (start-up), where main() does not print it
 * itself: "error: " in text, level ERROR in JSON. */
void fl_log_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* 0 = errors and warnings only (-q), 1 = + info (default), 2 = -v (more
 * detail in summaries), 3 = -vv (+ debug). */
void fl_log_init(int verbosity);

/*
 * JSON lines instead (Lambda mode, where each line of stderr is one
 * CloudWatch Logs event): one object per message,
 *   {"timestamp":"2024-05-25T12:00:00.123Z","level":"WARN",
 *    "requestId":"...","message":"..."}
 * with level DEBUG, INFO, WARN or ERROR and requestId only while a
 * request is set.  The context is the writer's state: the caller owns it
 * and keeps it until the process ends (GLib holds a pointer to it); it
 * may be installed again with another verbosity.  Cannot fail.
 */
typedef struct FlLogContext FlLogContext;

FlLogContext *fl_log_context_new(void);
void fl_log_init_json(FlLogContext *ctx, int verbosity);

/*
 * The request that lines are about from now on (copied), or NULL for
 * none.  Setting one forgets the first warning of the one before.
 * Thread-safe, like every function here.
 */
void fl_log_set_request(FlLogContext *ctx, const char *request_id);

/* The first warning or error logged since the request was set, or NULL.
 * Caller frees with g_free(). */
char *fl_log_first_warning(FlLogContext *ctx);

/*
 * One INFO line with extra members after "message": members is the
 * text of JSON members without braces ("\"stats\":{...}"), trusted to be
 * valid JSON.  In text mode only the message is written.
 */
void fl_log_info_with(FlLogContext *ctx, const char *members,
                      const char *fmt, ...) G_GNUC_PRINTF(3, 4);

#endif
