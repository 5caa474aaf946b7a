/*
 * deadline.c - the invocation's alarm clock (deadline.h).
 */
#include "config.h"

#include "lambda/deadline.h"

struct FlDeadline {
    GMutex lock;
    GCond cond;
    GThread *thread;
    volatile gint *flag;
    gint64 at_us;               /* 0: off */
    gboolean fired;
    gboolean quit;
};

static gpointer
alarm_thread(gpointer data)
{
    FlDeadline *d = data;

    g_mutex_lock(&d->lock);
    while (!d->quit) {
        if (d->at_us == 0) {
            g_cond_wait(&d->cond, &d->lock);
        } else if (!g_cond_wait_until(&d->cond, &d->lock, d->at_us)
                   && d->at_us != 0 && g_get_monotonic_time() >= d->at_us) {
            g_atomic_int_set(d->flag, 1);
            d->fired = TRUE;
            d->at_us = 0;
        }
    }
    g_mutex_unlock(&d->lock);
    return NULL;
}

FlDeadline *
fl_deadline_new(volatile gint *flag)
{
    FlDeadline *d = g_new0(FlDeadline, 1);

    g_mutex_init(&d->lock);
    g_cond_init(&d->cond);
    d->flag = flag;
    return d;
}

void
fl_deadline_arm(FlDeadline *d, gint64 at_us)
{
    g_mutex_lock(&d->lock);
    if (d->thread == NULL)
        d->thread = g_thread_new("deadline", alarm_thread, d);
    d->at_us = MAX(at_us, 1);
    d->fired = FALSE;
    g_cond_signal(&d->cond);
    g_mutex_unlock(&d->lock);
}

gboolean
fl_deadline_disarm(FlDeadline *d)
{
    gboolean fired;

    g_mutex_lock(&d->lock);
    d->at_us = 0;
    fired = d->fired;
    d->fired = FALSE;
    g_cond_signal(&d->cond);
    g_mutex_unlock(&d->lock);
    return fired;
}

void
fl_deadline_free(FlDeadline *d)
{
    if (d == NULL)
        return;
    if (d->thread) {
        g_mutex_lock(&d->lock);
        d->quit = TRUE;
        g_cond_signal(&d->cond);
        g_mutex_unlock(&d->lock);
        g_thread_join(d->thread);
    }
    g_mutex_clear(&d->lock);
    g_cond_clear(&d->cond);
    g_free(d);
}
