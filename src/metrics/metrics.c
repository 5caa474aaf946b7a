/*
 * metrics.c - statistics for monitoring (metrics.h).
 *
 * The names follow Prometheus' conventions (a "flowlog2ipfix_" prefix,
 * counters end in "_total", times in seconds) and are a contract like the
 * --stats-json keys: dashboards and alerts use them.  Every reject
 * reason is always present, zero or not, so that a rate() over it never
 * starts from nothing.
 *
 * The thread runs a GMainLoop of its own: the HTTP server's connections,
 * the file and the log line are sources in that loop.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "log.h"
#include "metrics/http.h"
#include "metrics/metrics.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct FlMetrics {
    char *file;
    guint stats_interval;
    GMutex lock;
    FlStats snap;               /* under lock */
    double start_s;
    GMainContext *ctx;
    GMainLoop *loop;
    GThread *thread;
    FlHttpServer *http;         /* used in the thread only, once started */
    /* the log line's previous values (thread only) */
    guint64 prev_records;
    gint64 prev_us;
};

static void
counter(GString *s, const char *name, const char *help, guint64 v)
{
    g_string_append_printf(s, "# HELP flowlog2ipfix_%s %s\n"
                           "# TYPE flowlog2ipfix_%s counter\n"
                           "flowlog2ipfix_%s %" G_GUINT64_FORMAT "\n",
                           name, help, name, name, v);
}

static void
gauge(GString *s, const char *name, const char *help, double v)
{
    g_string_append_printf(s, "# HELP flowlog2ipfix_%s %s\n"
                           "# TYPE flowlog2ipfix_%s gauge\n"
                           "flowlog2ipfix_%s %.3f\n", name, help, name, name,
                           v);
}

char *
fl_metrics_render(const FlStats *st, double start_s)
{
    GString *s = g_string_new(NULL);

    counter(s, "objects_total", "Objects started (files, S3 objects, "
            "CloudWatch Logs batches).", st->objects);
    counter(s, "objects_done_total", "Objects whose records are all out.",
            st->objects_done);
    counter(s, "objects_failed_total", "Objects that could not be read "
            "whole.", st->objects_failed);
    counter(s, "objects_skipped_total", "Objects skipped as done in the "
            "--state file.", st->objects_skipped);
    counter(s, "objects_committed_total", "Objects recorded in --state, "
            "deleted from SQS, or acted on by --after-processing.",
            st->objects_committed);
    counter(s, "commit_failures_total", "Objects whose records are out but "
            "whose commit failed.", st->commit_failures);
    counter(s, "input_bytes_total", "Flow log text read (after gzip).",
            st->bytes_in);
    counter(s, "lines_read_total", "Flow log lines read (records in).",
            st->lines_read);
    g_string_append(s, "# HELP flowlog2ipfix_records_out_total IPFIX data "
                    "records exported, by address family.\n"
                    "# TYPE flowlog2ipfix_records_out_total counter\n");
    g_string_append_printf(s, "flowlog2ipfix_records_out_total{family="
                           "\"ipv4\"} %" G_GUINT64_FORMAT "\n"
                           "flowlog2ipfix_records_out_total{family="
                           "\"ipv6\"} %" G_GUINT64_FORMAT "\n",
                           st->records_ipv4, st->records_ipv6);
    g_string_append(s, "# HELP flowlog2ipfix_records_rejected_total Lines "
                    "rejected, by reason.\n"
                    "# TYPE flowlog2ipfix_records_rejected_total counter\n");
    for (int i = 0; i < FL_REJECT_COUNT; i++)
        g_string_append_printf(s, "flowlog2ipfix_records_rejected_total"
                               "{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                               fl_reject_name((FlReject)i),
                               st->rejected_by[i]);
    counter(s, "nodata_total", "NODATA lines (no traffic in the interval).",
            st->nodata);
    counter(s, "skipdata_total", "SKIPDATA lines (records AWS lost).",
            st->skipdata);
    counter(s, "options_records_total", "Interface and VRF options records "
            "exported.", st->options_records);
    counter(s, "output_reconnects_total", "TCP connections to the collector "
            "made again after a failure.", st->reconnects);
    if (st->bytes_out_known)
        counter(s, "output_bytes_total", "Bytes of IPFIX written (file "
                "outputs, at the end of the run).", st->bytes_out);
    counter(s, "sqs_messages_total", "SQS messages received.",
            st->sqs_messages);
    if (st->newest_flow_end_ms)
        gauge(s, "newest_flow_end_seconds", "End time of the newest flow "
              "exported (Unix time): time() minus this is the lag.",
              (double)st->newest_flow_end_ms / 1000.0);
    gauge(s, "start_time_seconds", "Start time of the process (Unix time).",
          start_s);
    return g_string_free(s, FALSE);
}

void
fl_metrics_update(FlMetrics *m, const FlStats *st)
{
    g_mutex_lock(&m->lock);
    m->snap = *st;
    m->snap.skipdata_by_interface = NULL;       /* not ours to read */
    g_mutex_unlock(&m->lock);
}

static FlStats
snapshot(FlMetrics *m)
{
    FlStats s;

    g_mutex_lock(&m->lock);
    s = m->snap;
    g_mutex_unlock(&m->lock);
    return s;
}

static char *
body(gpointer data)
{
    FlMetrics *m = data;
    FlStats s = snapshot(m);

    return fl_metrics_render(&s, m->start_s);
}

/* Written to a temporary name and renamed (g_file_set_contents): the
 * collector never reads half a file. */
static gboolean
write_file(FlMetrics *m, GError **err)
{
    g_autofree char *text = body(m);
    g_autoptr(GError) local = NULL;

    if (g_file_set_contents(m->file, text, -1, &local))
        return TRUE;
    g_set_error(err, FL_ERROR, FL_ERROR_IO, "--metrics-file: %s",
                local->message);
    return FALSE;
}

static gboolean
on_file_timer(gpointer data)
{
    GError *err = NULL;

    if (!write_file(data, &err)) {
        fl_log_warnx("%s", err->message);
        g_error_free(err);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean
on_stats_timer(gpointer data)
{
    FlMetrics *m = data;
    FlStats s = snapshot(m);
    gint64 now = g_get_monotonic_time();
    double dt = (double)(now - m->prev_us) / 1e6;

    fl_log_info("stats: %" G_GUINT64_FORMAT " object(s) (%" G_GUINT64_FORMAT
                " failed, %" G_GUINT64_FORMAT " skipped), %" G_GUINT64_FORMAT
                " lines, %" G_GUINT64_FORMAT " records (%" G_GUINT64_FORMAT
                " IPv4, %" G_GUINT64_FORMAT " IPv6), %" G_GUINT64_FORMAT
                " rejected, %" G_GUINT64_FORMAT " NODATA, %" G_GUINT64_FORMAT
                " SKIPDATA, %" G_GUINT64_FORMAT " reconnect(s); %.0f "
                "records/s over the last %.0f s", s.objects, s.objects_failed,
                s.objects_skipped, s.lines_read, s.records_out,
                s.records_ipv4, s.records_ipv6, s.rejected, s.nodata,
                s.skipdata, s.reconnects,
                dt > 0 ? (double)(s.records_out - m->prev_records) / dt : 0.0,
                dt);
    m->prev_records = s.records_out;
    m->prev_us = now;
    return G_SOURCE_CONTINUE;
}

static gboolean
on_quit(gpointer data)
{
    FlMetrics *m = data;

    g_clear_pointer(&m->http, fl_http_server_free);
    g_main_loop_quit(m->loop);
    return G_SOURCE_REMOVE;
}

static gpointer
metrics_thread(gpointer data)
{
    FlMetrics *m = data;

    g_main_context_push_thread_default(m->ctx);
    g_main_loop_run(m->loop);
    /* Let the server's cancelled accept finish, so nothing is left. */
    while (g_main_context_iteration(m->ctx, FALSE))
        ;
    g_main_context_pop_thread_default(m->ctx);
    return NULL;
}

static void
add_timer(FlMetrics *m, guint seconds, GSourceFunc fn)
{
    GSource *t = g_timeout_source_new_seconds(seconds);

    g_source_set_callback(t, fn, m, NULL);
    g_source_attach(t, m->ctx);
    g_source_unref(t);
}

FlMetrics *
fl_metrics_new(const FlMetricsConfig *cfg, GError **err)
{
    FlMetrics *m = g_new0(FlMetrics, 1);

    g_mutex_init(&m->lock);
    fl_stats_init(&m->snap);
    g_clear_pointer(&m->snap.skipdata_by_interface, g_hash_table_destroy);
    m->start_s = (double)g_get_real_time() / 1e6;
    m->prev_us = g_get_monotonic_time();
    m->file = g_strdup(cfg->file);
    m->ctx = g_main_context_new();
    m->loop = g_main_loop_new(m->ctx, FALSE);
    if (cfg->listen) {
        /* The server's sources belong to the thread's context. */
        g_main_context_push_thread_default(m->ctx);
        m->http = fl_http_server_new(cfg->listen, "/metrics", CONTENT_TYPE,
                                     body, m, err);
        g_main_context_pop_thread_default(m->ctx);
        if (m->http == NULL) {
            g_prefix_error(err, "--metrics-listen ");
            (void)fl_metrics_free(m, NULL);
            return NULL;
        }
    }
    if (m->file)
        add_timer(m, MAX(cfg->file_interval, 1), on_file_timer);
    if (cfg->stats_interval)
        add_timer(m, cfg->stats_interval, on_stats_timer);
    m->thread = g_thread_new("metrics", metrics_thread, m);
    return m;
}

gboolean
fl_metrics_free(FlMetrics *m, GError **err)
{
    gboolean ok = TRUE;

    if (m == NULL)
        return TRUE;
    if (m->thread) {
        g_main_context_invoke(m->ctx, on_quit, m);
        g_thread_join(m->thread);
    } else {
        g_clear_pointer(&m->http, fl_http_server_free);
    }
    if (m->file && m->thread)
        ok = write_file(m, err);
    g_main_loop_unref(m->loop);
    g_main_context_unref(m->ctx);
    g_mutex_clear(&m->lock);
    g_free(m->file);
    g_free(m);
    return ok;
}
