/*
 * observe.h - who watches a run: the progress line on a terminal and the
 * metrics (endpoint, file, periodic log line), chosen from the settings
 * and fed from the pipeline's tick hook.  Kept out of main.c so that the
 * process file stays about the process.
 */
#ifndef FL_OBSERVE_H
#define FL_OBSERVE_H

#include <glib.h>
#include "conf.h"
#include "pipeline/pipeline.h"
#include "stats.h"

typedef struct FlObservers FlObservers;

/*
 * Starts what conf asks for: a progress line when standard error is a
 * terminal in a batch run (not -q, not --watch, --follow or --sqs-queue,
 * and IPFIX not going to a terminal on standard output); the metrics
 * server, file and --stats-interval line (long runs only).  Sets pc's
 * tick hook.  NULL with *err when the metrics address is bad or taken
 * (FL_ERROR_CONFIG, FL_ERROR_IO); a run with nothing to observe still
 * gets an object.
 */
FlObservers *fl_observers_start(const FlConf *conf, FlPipelineConfig *pc,
                                GError **err);

/* The run is over: the progress line goes before the summary.  */
void fl_observers_end_progress(FlObservers *o);

/*
 * Takes the final statistics (with bytes out), writes the metrics file a
 * last time and stops.  FALSE with *err when that write failed.  Always
 * frees o; NULL is fine.
 */
gboolean fl_observers_finish(FlObservers *o, const FlStats *final,
                             GError **err);

#endif
