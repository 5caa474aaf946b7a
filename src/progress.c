/*
 * progress.c - the status line of batch runs on a terminal (progress.h).
 *
 * "\r" and the ANSI "erase to end of line" redraw it in place; it is cut
 * to the terminal's width so that it never wraps (a wrapped line cannot
 * be redrawn with "\r").  Log messages erase it first (log.h's
 * sideline).  ETA is estimated from the objects done, as the
 * only quantity known in advance is how many there are.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"

#define REDRAW_US (G_USEC_PER_SEC / 4)
#define ERASE "\r\033[K"

struct FlProgress {
    GMutex lock;                /* the line and stderr */
    gint64 total;
    gint64 start_us, drawn_us;
    gboolean shown;             /* a line is on the terminal now */
};

static void
human_bytes(GString *s, guint64 b)
{
    static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double v = (double)b;
    guint u = 0;

    while (v >= 1024 && u + 1 < G_N_ELEMENTS(unit)) {
        v /= 1024;
        u++;
    }
    g_string_append_printf(s, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void
duration(GString *s, double sec)
{
    guint64 t = (guint64)(sec + 0.5);

    if (t >= 3600)
        g_string_append_printf(s, "%" G_GUINT64_FORMAT ":", t / 3600);
    g_string_append_printf(s, t >= 3600 ? "%02u:%02u" : "%u:%02u",
                           (guint)(t / 60 % 60), (guint)(t % 60));
}

char *
fl_progress_format(const FlStats *st, gint64 objects_total, double elapsed_s,
                   guint cols)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "%" G_GUINT64_FORMAT, st->objects_done);
    if (objects_total >= 0)
        g_string_append_printf(s, "/%" G_GINT64_FORMAT, objects_total);
    g_string_append(s, " objects, ");
    human_bytes(s, st->bytes_in);
    g_string_append_printf(s, ", %" G_GUINT64_FORMAT " records, %.0f/s",
                           st->records_out,
                           elapsed_s > 0 ? st->records_out / elapsed_s : 0.0);
    if (objects_total > 0 && st->objects_done > 0
        && st->objects_done < (guint64)objects_total) {
        g_string_append(s, ", ETA ");
        duration(s, elapsed_s * (double)((guint64)objects_total
                                         - st->objects_done)
                    / (double)st->objects_done);
    }
    if (cols > 1 && s->len > cols - 1)
        g_string_truncate(s, cols - 1);
    return g_string_free(s, FALSE);
}

static guint
term_cols(void)
{
    struct winsize ws;

    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* Around a log message: the line is erased first, and not drawn again
 * until the message is out (the next update draws it). */
static void
before_log(gpointer data)
{
    FlProgress *p = data;

    g_mutex_lock(&p->lock);
    if (p->shown) {
        fputs(ERASE, stderr);
        p->shown = FALSE;
    }
}

static void
after_log(gpointer data)
{
    FlProgress *p = data;

    g_mutex_unlock(&p->lock);
}

FlProgress *
fl_progress_new(gint64 objects_total)
{
    FlProgress *p = g_new0(FlProgress, 1);

    g_mutex_init(&p->lock);
    p->total = objects_total;
    p->start_us = g_get_monotonic_time();
    /* The first line after a quarter of a second: a run that short needs
     * none. */
    p->drawn_us = p->start_us;
    fl_log_set_sideline(before_log, after_log, p);
    return p;
}

void
fl_progress_update(FlProgress *p, const FlStats *st)
{
    gint64 now = g_get_monotonic_time();
    g_autofree char *line = NULL;

    if (now - p->drawn_us < REDRAW_US)
        return;
    p->drawn_us = now;
    line = fl_progress_format(st, p->total, (double)(now - p->start_us) / 1e6,
                              term_cols());
    g_mutex_lock(&p->lock);
    fprintf(stderr, ERASE "%s", line);
    fflush(stderr);
    p->shown = TRUE;
    g_mutex_unlock(&p->lock);
}

void
fl_progress_free(FlProgress *p)
{
    if (p == NULL)
        return;
    g_mutex_lock(&p->lock);
    if (p->shown) {
        fputs(ERASE, stderr);
        fflush(stderr);
    }
    g_mutex_unlock(&p->lock);
    fl_log_set_sideline(NULL, NULL, NULL);
    g_mutex_clear(&p->lock);
    g_free(p);
}
