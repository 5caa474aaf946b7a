/*
 * observe.c - the progress line and the metrics, wired to a run
 * (observe.h).
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "metrics/metrics.h"
#include "observe.h"
#include "progress.h"
#include "sources/source.h"

#define METRICS_FILE_INTERVAL 5     /* seconds */

struct FlObservers {
    FlProgress *progress;       /* writer thread; NULL: none */
    FlMetrics *metrics;         /* NULL: none */
};

static gboolean
long_running(const FlConf *c)
{
    return c->watch || c->follow || c->sqs_queue != NULL;
}

/* Objects of a run of local inputs, -1 when any input is not local. */
static gint64
count_objects(const FlConf *c)
{
    gint64 total = 0;

    if (c->s3_event || c->sqs_queue)
        return -1;
    for (guint i = 0; c->inputs && c->inputs[i]; i++) {
        gint64 n = fl_source_count_local(c->inputs[i]);

        if (n < 0)
            return -1;
        total += n;
    }
    return total;
}

static gboolean
wants_progress(const FlConf *c)
{
    return c->verbosity > 0 && !long_running(c) && isatty(STDERR_FILENO)
           && !(strcmp(c->output, "-") == 0 && isatty(STDOUT_FILENO));
}

static void
on_stats(gpointer data, const FlStats *st)
{
    FlObservers *o = data;

    if (o->progress)
        fl_progress_update(o->progress, st);
    if (o->metrics)
        fl_metrics_update(o->metrics, st);
}

FlObservers *
fl_observers_start(const FlConf *conf, FlPipelineConfig *pc, GError **err)
{
    FlObservers *o = g_new0(FlObservers, 1);
    guint interval = long_running(conf) ? (guint)conf->stats_interval : 0;

    if (conf->metrics_listen || conf->metrics_file || interval) {
        FlMetricsConfig mc = {
            .listen = conf->metrics_listen,
            .file = conf->metrics_file,
            .file_interval = METRICS_FILE_INTERVAL,
            .stats_interval = interval,
        };

        o->metrics = fl_metrics_new(&mc, err);
        if (o->metrics == NULL) {
            g_free(o);
            return NULL;
        }
    }
    if (wants_progress(conf))
        o->progress = fl_progress_new(count_objects(conf));
    if (o->metrics || o->progress) {
        pc->on_stats = on_stats;
        pc->stats_data = o;
    }
    return o;
}

void
fl_observers_end_progress(FlObservers *o)
{
    if (o)
        g_clear_pointer(&o->progress, fl_progress_free);
}

gboolean
fl_observers_finish(FlObservers *o, const FlStats *final, GError **err)
{
    gboolean ok = TRUE;

    if (o == NULL)
        return TRUE;
    fl_observers_end_progress(o);
    if (o->metrics) {
        fl_metrics_update(o->metrics, final);
        ok = fl_metrics_free(o->metrics, err);
    }
    g_free(o);
    return ok;
}
