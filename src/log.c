/*
 * log.c - message formatting and the stderr writers.
 *
 * Warnings and info go to stderr as "flowlog2ipfix: message", or as one
 * JSON object a line in Lambda mode.  The writer is installed by main();
 * libraries calling g_warning (libfixbuf does) land here too.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json_write.h"
#include "log.h"

#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN "flowlog2ipfix"

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

void
fl_log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_logv(G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, fmt, ap);
    va_end(ap);
}

static void
stderr_writer(const gchar *domain, GLogLevelFlags level, const gchar *message,
              gpointer user_data)
{
    int verbosity = GPOINTER_TO_INT(user_data);
    const char *prefix = "";

    if ((level & G_LOG_LEVEL_DEBUG) && verbosity < 3)
        return;
    if ((level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE)) && verbosity < 1)
        return;
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        prefix = "error: ";
    else if (level & G_LOG_LEVEL_WARNING)
        prefix = "warning: ";
    /* Foreign domains (libfixbuf logs without one) are named so that an
     * operator knows whose message it is. */
    if (domain && strcmp(domain, G_LOG_DOMAIN) != 0)
        fprintf(stderr, "flowlog2ipfix: %s%s: %s\n", prefix, domain, message);
    else if (domain == NULL)
        fprintf(stderr, "flowlog2ipfix: %slibfixbuf: %s\n", prefix, message);
    else
        fprintf(stderr, "flowlog2ipfix: %s%s\n", prefix, message);
}

void
fl_log_init(int verbosity)
{
    g_log_set_default_handler(stderr_writer, GINT_TO_POINTER(verbosity));
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
