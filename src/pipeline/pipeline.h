/*
 * pipeline.h - one run: sources -> decoder -> mapper -> exporter.
 *
 * Threads (with threads > 1):
 *   reader   cuts objects into line-aligned chunks: plain files are
 *            mapped (chunks point into the mapping), gzip is inflated
 *            into the chunk, pipes are read; an envelope (CloudWatch
 *            Logs, Kinesis, Firehose) is read whole into one chunk;
 *   workers  decode and map whole chunks into records (an envelope's
 *            records in sub-chunks, by payload) and, when the output
 *            takes messages (files, stdout, TCP, TLS), encode them into
 *            IPFIX messages with their own libfixbuf session (encode.c),
 *            keeping of each record only the IDs the writer needs;
 *   writer   (the calling thread) takes chunks in input order, sends the
 *            options records and templates the records need before their
 *            first use, then writes the messages or appends the records
 *            to the exporter (UDP, and small Lambda invocations).
 * Output is byte-for-byte the same for every thread count (but for export
 * times), because IDs are a pure function of names, chunk boundaries
 * depend only on the input, and the writer sees chunks in order.
 * With threads == 1 the same steps run inline in the calling thread.
 */
#ifndef FL_PIPELINE_H
#define FL_PIPELINE_H

#include <glib.h>
#include "decoders/decode.h"
#include "output/export.h"
#include "mapper.h"
#include "sources/source.h"
#include "stats.h"

typedef struct {
    char **inputs;              /* NULL-terminated locations */
    const char *s3_event;       /* --s3-event FILE, or NULL */
    const char *sqs_queue;      /* --sqs-queue URL, or NULL */
    const char *listen_pubsub;  /* --listen-pubsub ADDR:PORT[/PATH] */
    const FlSourceConfig *sources;
    FlFormat *format;           /* for inputs without a header line */
    gboolean format_given;      /* it came from --format (say so when a
                                   header line overrides it) */
    FlInputFormat input_format; /* --input-format: AUTO sniffs */
    gint gcp_keep;              /* --gcp-reporter: FlGcpKeep */
    FlMapperConfig map;
    guint threads;
    guint max_errors;
    guint options_interval;     /* seconds; 0 = only on new output */
    guint64 max_rate;           /* records/s, 0 = unlimited */
    const volatile gint *stop;  /* set by SIGINT/SIGTERM */
    /* Called by the writer thread between chunks and, while it waits for
     * input, at least every 200 ms (with threads == 1: between chunks
     * only): where work a signal asked for is done, outside the handler.
     * FALSE with *err ends the run as an output failure.  May be NULL. */
    gboolean (*on_tick)(gpointer data, GError **err);
    /* Called on the writer thread with the statistics so far, at every
     * writer tick: after each chunk, every few thousand records, and five
     * times a second while the writer waits (threads > 1).  It must be
     * quick and keep its own pace.  NULL: none. */
    void (*on_stats)(gpointer data, const FlStats *stats);
    gpointer tick_data;         /* on_tick's */
    gpointer stats_data;        /* on_stats's */
} FlPipelineConfig;

/*
 * Runs every input through to exp: the locations, then --s3-event, then
 * --sqs-queue.  Input problems are logged and counted in stats
 * (objects_failed); the return value is FALSE, with *err set, only when
 * the output failed and the run cannot go on.  An object with a done hook
 * (checkpoint, SQS message) is committed after its last record was
 * written and the output flushed.
 */
gboolean fl_pipeline_run(const FlPipelineConfig *cfg, FlExporter *exp,
                         FlStats *stats, GError **err);

#endif
