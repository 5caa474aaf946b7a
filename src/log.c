/*
 * log.c - message formatting and the stderr writer.
 *
 * Warnings and info go to stderr as "flowlog2ipfix: message".  The writer
 * is installed once by main(); libraries calling g_warning (libfixbuf does)
 * land here too.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

/* The one piece of state here besides GLib's handler: set and cleared by
 * main() around the pipeline, while it runs alone (see log.h). */
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
    if (sideline.before)
        sideline.before(sideline.data);
    /* Foreign domains (libfixbuf logs without one) are named so that an
     * operator knows whose message it is. */
    if (domain && strcmp(domain, G_LOG_DOMAIN) != 0)
        fprintf(stderr, "flowlog2ipfix: %s%s: %s\n", prefix, domain, message);
    else if (domain == NULL)
        fprintf(stderr, "flowlog2ipfix: %slibfixbuf: %s\n", prefix, message);
    else
        fprintf(stderr, "flowlog2ipfix: %s%s\n", prefix, message);
    if (sideline.after)
        sideline.after(sideline.data);
}

void
fl_log_init(int verbosity)
{
    g_log_set_default_handler(stderr_writer, GINT_TO_POINTER(verbosity));
}
