/*
 * log.h - the small logging vocabulary (after OpenNTPD's log.c).
 *
 * Everything goes through g_log with G_LOG_DOMAIN "flowlog2ipfix"; main.c
 * installs the one writer: standard error (the default), a file of ours
 * (--log-file, reopened on SIGHUP for logrotate), syslog(3) (--log
 * syslog, facility daemon) or standard error with the journal's "<N>"
 * priority prefixes (--log journal, for systemd).  A level threshold
 * (--log-level, or -q/-v) applies to all of them.  In Lambda mode the
 * writer is standard error as JSON lines (fl_log_init_json).  _warn adds
 * strerror(errno), _warnx does not.
 */
#ifndef FL_LOG_H
#define FL_LOG_H

#include <glib.h>

void fl_log_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fl_log_warn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fl_log_warnx(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fl_log_info(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fl_log_debug(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

typedef enum {
    FL_LOG_STDERR, FL_LOG_FILE, FL_LOG_SYSLOG, FL_LOG_JOURNAL
} FlLogDest;

typedef enum {
    FL_LOG_LEVEL_ERROR, FL_LOG_LEVEL_WARNING, FL_LOG_LEVEL_INFO,
    FL_LOG_LEVEL_DEBUG
} FlLogLevel;

typedef struct FlLog FlLog;

/* "stderr", "syslog", "journal" (FL_LOG_FILE comes with --log-file).
 * FL_ERROR_CONFIG otherwise. */
gboolean fl_log_parse_dest(const char *word, FlLogDest *dest, GError **err);
/* "error", "warning", "info", "debug".  FL_ERROR_CONFIG otherwise. */
gboolean fl_log_parse_level(const char *word, FlLogLevel *level,
                            GError **err);
/* TRUE when standard error is the journal's stream (systemd's
 * JOURNAL_STREAM names it): then journal is the default of --log. */
gboolean fl_log_stderr_is_journal(void);
/* 0 (-q) = warning, 1 and 2 (-v) = info, 3 (-vv) = debug. */
FlLogLevel fl_log_level_of_verbosity(int verbosity);

/*
 * Opens the destination (path: the file, for FL_LOG_FILE) and installs
 * it as the writer of every message from now on.  FL_ERROR_CONFIG when
 * the file cannot be opened; nothing is installed then.  Caller ends it
 * with fl_log_close().
 */
FlLog *fl_log_open(FlLogDest dest, const char *path, FlLogLevel level,
                   GError **err);

/* SIGHUP: the file is opened again by name (logrotate moved it away).
 * On failure the old file stays in use and *err is set.  Other
 * destinations: nothing to do, TRUE. */
gboolean fl_log_reopen(FlLog *log, GError **err);

/* TRUE when messages go to standard error anyway (stderr, journal). */
gboolean fl_log_is_stderr(const FlLog *log);

/* Back to the standard error writer; closes the file or syslog.  NULL is
 * fine. */
void fl_log_close(FlLog *log);

/*
 * Something else that writes on standard error (the progress line) is
 * called around each message written there: before(data) may erase its
 * line and hold its lock, after(data) lets go.  main() sets it while no
 * other thread runs; NULL functions remove it.
 */
void fl_log_set_sideline(void (*before)(gpointer), void (*after)(gpointer),
                         gpointer data);

/* Standard error at the level of verbosity: for the test probes. */
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
/* Frees ctx, standard error (warnings and errors) becoming the writer
 * again if ctx's was installed.  NULL is fine. */
void fl_log_context_free(FlLogContext *ctx);
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
