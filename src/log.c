/*
 * log.c - message formatting and the one writer.
 *
 * On standard error a message reads "flowlog2ipfix: [warning: ]message",
 * as it always did; in a --log-file it has a UTC time stamp and the
 * process ID in front; syslog and the journal get the priority instead of
 * a word.  In Lambda mode each message is one JSON object a line on
 * standard error instead (fl_log_init_json).  Libraries calling g_warning
 * (libfixbuf does) land here too, named as the source of the message.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "json_write.h"
#include "log.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "flowlog2ipfix"

struct FlLog {
    FlLogDest dest;
    FlLogLevel level;
    char *path;
    GMutex lock;                /* guards fp against a reopen */
    FILE *fp;
};

void
fl_log_error(const char *fmt, ...)
{
    va_list ap;

    /* CRITICAL, not ERROR: g_log aborts on G_LOG_LEVEL_ERROR. */
    va_start(ap, fmt);
    g_logv(G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, fmt, ap);
    va_end(ap);
}

void
fl_log_warn(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_log(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "%s: %s", msg,
          g_strerror(saved));
    g_free(msg);
}

void
fl_log_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_logv(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, fmt, ap);
    va_end(ap);
}

void
fl_log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_logv(G_LOG_DOMAIN, G_LOG_LEVEL_INFO, fmt, ap);
    va_end(ap);
}

void
fl_log_debug(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_logv(G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, fmt, ap);
    va_end(ap);
}

/* The one piece of state here besides GLib's handler: set and cleared by
 * main() around the pipeline, while it runs alone (see log.h): the
 * progress line, erased before a message on standard error and drawn
 * again after it. */
static struct {
    void (*before)(gpointer);
    void (*after)(gpointer);
    gpointer data;
} sideline;

void
fl_log_set_sideline(void (*before)(gpointer), void (*after)(gpointer),
                    gpointer data)
{
    sideline.before = before;
    sideline.after = after;
    sideline.data = data;
}

/* ---- levels and names ---------------------------------------------- */

static const char *const level_names[] = {
    [FL_LOG_LEVEL_ERROR] = "error", [FL_LOG_LEVEL_WARNING] = "warning",
    [FL_LOG_LEVEL_INFO] = "info", [FL_LOG_LEVEL_DEBUG] = "debug",
};

gboolean
fl_log_parse_level(const char *word, FlLogLevel *level, GError **err)
{
    for (guint i = 0; i < G_N_ELEMENTS(level_names); i++) {
        if (strcmp(word, level_names[i]) == 0) {
            *level = (FlLogLevel)i;
            return TRUE;
        }
    }
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--log-level: '%s' is not "
                "error, warning, info or debug", word);
    return FALSE;
}

gboolean
fl_log_parse_dest(const char *word, FlLogDest *dest, GError **err)
{
    if (strcmp(word, "stderr") == 0)
        *dest = FL_LOG_STDERR;
    else if (strcmp(word, "syslog") == 0)
        *dest = FL_LOG_SYSLOG;
    else if (strcmp(word, "journal") == 0)
        *dest = FL_LOG_JOURNAL;
    else {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--log: '%s' is not "
                    "stderr, syslog or journal (a file: --log-file)", word);
        return FALSE;
    }
    return TRUE;
}

gboolean
fl_log_stderr_is_journal(void)
{
    const char *v = g_getenv("JOURNAL_STREAM");
    guint64 dev, ino;
    struct stat st;
    char *end;

    if (v == NULL || fstat(STDERR_FILENO, &st) != 0)
        return FALSE;
    /* "DEVICE:INODE" of the stream systemd connected; a child whose
     * standard error was redirected inherits the variable, not the
     * stream, hence the comparison. */
    dev = g_ascii_strtoull(v, &end, 10);
    if (*end != ':')
        return FALSE;
    ino = g_ascii_strtoull(end + 1, &end, 10);
    return *end == '\0' && dev == (guint64)st.st_dev
           && ino == (guint64)st.st_ino;
}

FlLogLevel
fl_log_level_of_verbosity(int verbosity)
{
    if (verbosity <= 0)
        return FL_LOG_LEVEL_WARNING;
    return verbosity >= 3 ? FL_LOG_LEVEL_DEBUG : FL_LOG_LEVEL_INFO;
}

static FlLogLevel
level_of(GLogLevelFlags flags)
{
    if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        return FL_LOG_LEVEL_ERROR;
    if (flags & G_LOG_LEVEL_WARNING)
        return FL_LOG_LEVEL_WARNING;
    if (flags & G_LOG_LEVEL_DEBUG)
        return FL_LOG_LEVEL_DEBUG;
    return FL_LOG_LEVEL_INFO;
}

/* ---- the writer ---------------------------------------------------- */

static void
write_file(FlLog *l, const char *word, const char *who, const char *message)
{
    GDateTime *now = g_date_time_new_now_utc();
    g_autofree char *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");

    g_date_time_unref(now);
    g_mutex_lock(&l->lock);
    fprintf(l->fp, "%s flowlog2ipfix[%ld]: %s%s%s\n", ts, (long)getpid(),
            word, who, message);
    fflush(l->fp);
    g_mutex_unlock(&l->lock);
}

static void
writer(const gchar *domain, GLogLevelFlags flags, const gchar *message,
       gpointer data)
{
    static const int priority[] = {
        [FL_LOG_LEVEL_ERROR] = LOG_ERR, [FL_LOG_LEVEL_WARNING] = LOG_WARNING,
        [FL_LOG_LEVEL_INFO] = LOG_INFO, [FL_LOG_LEVEL_DEBUG] = LOG_DEBUG,
    };
    FlLog *l = data;
    FlLogLevel lv = level_of(flags);
    const char *word = lv == FL_LOG_LEVEL_ERROR ? "error: "
                       : lv == FL_LOG_LEVEL_WARNING ? "warning: " : "";
    g_autofree char *who = NULL;

    if (lv > l->level)
        return;
    /* Foreign domains (libfixbuf logs without one) are named so that an
     * operator knows whose message it is. */
    if (domain == NULL)
        who = g_strdup("libfixbuf: ");
    else if (strcmp(domain, G_LOG_DOMAIN) != 0)
        who = g_strconcat(domain, ": ", NULL);
    if (sideline.before && (l->dest == FL_LOG_STDERR
                            || l->dest == FL_LOG_JOURNAL))
        sideline.before(sideline.data);
    switch (l->dest) {
    case FL_LOG_FILE:
        write_file(l, word, who ? who : "", message);
        break;
    case FL_LOG_SYSLOG:
        syslog(priority[lv], "%s%s", who ? who : "", message);
        break;
    case FL_LOG_JOURNAL:
        fprintf(stderr, "<%d>%s%s\n", priority[lv], who ? who : "", message);
        break;
    case FL_LOG_STDERR:
    default:
        fprintf(stderr, "flowlog2ipfix: %s%s%s\n", word, who ? who : "",
                message);
        break;
    }
    if (sideline.after && (l->dest == FL_LOG_STDERR
                           || l->dest == FL_LOG_JOURNAL))
        sideline.after(sideline.data);
}

/* ---- life cycle ---------------------------------------------------- */

static FILE *
open_file(const char *path, GError **err)
{
    FILE *fp = fopen(path, "ae");

    if (fp == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--log-file: %s: %s",
                    path, g_strerror(errno));
        return NULL;
    }
    return fp;
}

FlLog *
fl_log_open(FlLogDest dest, const char *path, FlLogLevel level, GError **err)
{
    FlLog *l;
    FILE *fp = NULL;

    if (dest == FL_LOG_FILE && (fp = open_file(path, err)) == NULL)
        return NULL;
    l = g_new0(FlLog, 1);
    l->dest = dest;
    l->level = level;
    l->path = g_strdup(path);
    l->fp = fp;
    g_mutex_init(&l->lock);
    if (dest == FL_LOG_SYSLOG)
        openlog("flowlog2ipfix", LOG_PID, LOG_DAEMON);
    g_log_set_default_handler(writer, l);
    return l;
}

gboolean
fl_log_reopen(FlLog *l, GError **err)
{
    FILE *fp, *old;

    if (l->dest != FL_LOG_FILE)
        return TRUE;
    if ((fp = open_file(l->path, err)) == NULL)
        return FALSE;
    g_mutex_lock(&l->lock);
    old = l->fp;
    l->fp = fp;
    g_mutex_unlock(&l->lock);
    fclose(old);
    return TRUE;
}

gboolean
fl_log_is_stderr(const FlLog *l)
{
    return l == NULL || l->dest == FL_LOG_STDERR
           || l->dest == FL_LOG_JOURNAL;
}

/* Read only: the stderr writer touches neither lock nor fp.  Installed
 * when a writer's state goes away, so that messages at exit (libraries
 * clean up too) still have one. */
static const FlLog fallback = { .dest = FL_LOG_STDERR,
                                .level = FL_LOG_LEVEL_WARNING };

void
fl_log_close(FlLog *l)
{
    if (l == NULL)
        return;
    /* Warnings after this (libraries at exit) still have a writer. */
    g_log_set_default_handler(writer, (gpointer)&fallback);
    if (l->dest == FL_LOG_SYSLOG)
        closelog();
    if (l->fp)
        fclose(l->fp);
    g_mutex_clear(&l->lock);
    g_free(l->path);
    g_free(l);
}

void
fl_log_init(int verbosity)
{
    GError *err = NULL;

    /* Cannot fail for standard error.  The FlLog stays installed (and
     * reachable through GLib) until the probe exits. */
    (void)fl_log_open(FL_LOG_STDERR, NULL,
                      fl_log_level_of_verbosity(verbosity), &err);
}

/* ---- JSON lines ------------------------------------------------------ */

struct FlLogContext {
    GMutex lock;
    int verbosity;
    char *request_id;
    char *first_warning;
};

FlLogContext *
fl_log_context_new(void)
{
    FlLogContext *ctx = g_new0(FlLogContext, 1);

    g_mutex_init(&ctx->lock);
    ctx->verbosity = 1;
    return ctx;
}

void
fl_log_context_free(FlLogContext *ctx)
{
    if (ctx == NULL)
        return;
    /* GLib may still hold ctx as the JSON writer's data. */
    g_log_set_default_handler(writer, (gpointer)&fallback);
    g_mutex_clear(&ctx->lock);
    g_free(ctx->request_id);
    g_free(ctx->first_warning);
    g_free(ctx);
}

static const char *
level_name(GLogLevelFlags level)
{
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        return "ERROR";
    if (level & G_LOG_LEVEL_WARNING)
        return "WARN";
    if (level & G_LOG_LEVEL_DEBUG)
        return "DEBUG";
    return "INFO";
}

/*
 * Writes one line under ctx->lock.  One write(2), so that lines of
 * several threads never interleave; a short write to stderr has nowhere
 * to be reported.
 */
static void
json_line(FlLogContext *ctx, const char *level, const char *prefix,
          const char *message, const char *members)
{
    g_autoptr(GString) j = g_string_sized_new(256);
    gint64 now = g_get_real_time();
    time_t secs = (time_t)(now / G_USEC_PER_SEC);
    struct tm tm;
    char stamp[32];
    ssize_t n;

    gmtime_r(&secs, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    g_string_append_printf(j, "{\"timestamp\":\"%s.%03dZ\",\"level\":\"%s\"",
                           stamp, (int)(now / 1000 % 1000), level);
    if (ctx->request_id) {
        g_string_append(j, ",\"requestId\":");
        fl_json_append_string(j, ctx->request_id, -1);
    }
    g_string_append(j, ",\"message\":");
    if (*prefix) {
        g_autofree char *m = g_strconcat(prefix, message, NULL);
        fl_json_append_string(j, m, -1);
    } else {
        fl_json_append_string(j, message, -1);
    }
    if (members && *members) {
        g_string_append_c(j, ',');
        g_string_append(j, members);
    }
    g_string_append(j, "}\n");
    n = write(STDERR_FILENO, j->str, j->len);
    (void)n;
}

static void
json_writer(const gchar *domain, GLogLevelFlags level, const gchar *message,
            gpointer user_data)
{
    FlLogContext *ctx = user_data;
    const char *prefix = "";

    if ((level & G_LOG_LEVEL_DEBUG) && ctx->verbosity < 3)
        return;
    if ((level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE))
        && ctx->verbosity < 1)
        return;
    if (domain == NULL)
        prefix = "libfixbuf: ";
    g_mutex_lock(&ctx->lock);
    if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL
                  | G_LOG_LEVEL_WARNING)) && ctx->first_warning == NULL)
        ctx->first_warning = g_strconcat(prefix, message, NULL);
    if (domain && strcmp(domain, G_LOG_DOMAIN) != 0) {
        g_autofree char *p = g_strconcat(domain, ": ", NULL);
        json_line(ctx, level_name(level), p, message, NULL);
    } else {
        json_line(ctx, level_name(level), prefix, message, NULL);
    }
    g_mutex_unlock(&ctx->lock);
}

void
fl_log_init_json(FlLogContext *ctx, int verbosity)
{
    g_mutex_lock(&ctx->lock);
    ctx->verbosity = verbosity;
    g_mutex_unlock(&ctx->lock);
    g_log_set_default_handler(json_writer, ctx);
}

void
fl_log_set_request(FlLogContext *ctx, const char *request_id)
{
    g_mutex_lock(&ctx->lock);
    g_free(ctx->request_id);
    ctx->request_id = g_strdup(request_id);
    g_clear_pointer(&ctx->first_warning, g_free);
    g_mutex_unlock(&ctx->lock);
}

char *
fl_log_first_warning(FlLogContext *ctx)
{
    char *w;

    g_mutex_lock(&ctx->lock);
    w = g_strdup(ctx->first_warning);
    g_mutex_unlock(&ctx->lock);
    return w;
}

void
fl_log_info_with(FlLogContext *ctx, const char *members, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (ctx == NULL) {
        fl_log_info("%s", msg);
        return;
    }
    g_mutex_lock(&ctx->lock);
    if (ctx->verbosity >= 1)
        json_line(ctx, "INFO", "", msg, members);
    g_mutex_unlock(&ctx->lock);
}
