/*
 * metrics.h - the run's statistics for monitoring: Prometheus text on
 * http://ADDR:PORT/metrics (--metrics-listen), the same text in a file
 * (--metrics-file, for node-exporter's textfile collector), and a
 * statistics line in the log every --stats-interval seconds.
 *
 * The statistics are written by the pipeline's writer thread;
 * fl_metrics_update() (called from the writer's tick) copies them under a
 * mutex, and everything here reads that copy, so a scrape sees one
 * consistent moment.  Serving, file writing and the log line run on a
 * thread of their own, so they go on while the pipeline waits for input.
 */
#ifndef FL_METRICS_H
#define FL_METRICS_H

#include <glib.h>
#include "stats.h"

typedef struct {
    const char *listen;         /* "ADDR:PORT", "[V6]:PORT", or NULL */
    const char *file;           /* or NULL */
    guint file_interval;        /* seconds between file writes, >= 1 */
    guint stats_interval;       /* seconds between log lines, 0 = none */
} FlMetricsConfig;

typedef struct FlMetrics FlMetrics;

/*
 * Binds the listening socket (so a port in use fails at start-up) and
 * starts the thread.  FL_ERROR_CONFIG for a malformed address,
 * FL_ERROR_IO naming it when it cannot be bound.  Free with
 * fl_metrics_free().
 */
FlMetrics *fl_metrics_new(const FlMetricsConfig *cfg, GError **err);

/* Takes a copy of st (not its per-interface table).  Cannot fail. */
void fl_metrics_update(FlMetrics *m, const FlStats *st);

/*
 * Stops the thread and writes the file one last time from the latest
 * update.  FALSE with *err (FL_ERROR_IO naming the file) when that write
 * failed.  Always frees m; NULL is fine.
 */
gboolean fl_metrics_free(FlMetrics *m, GError **err);

/* The Prometheus text for st; start_s is the process start (Unix s). */
char *fl_metrics_render(const FlStats *st, double start_s);

#endif
