/*
 * lambda.h - the program as an AWS Lambda custom runtime
 * (provided.al2023): the invocation loop.
 *
 * main() sets up what every invocation shares (settings, AWS context,
 * the exporter and its connection) and calls fl_lambda_run(), which asks
 * the Runtime API for one event after the other and runs each through
 * the pipeline (lambda_invoke.c).  Between invocations the exporter stays
 * open; before each it is checked (a TCP connection the collector closed
 * is rebuilt, UDP templates sent again when due by count or time), and
 * after each everything is flushed before the answer, since Lambda
 * freezes the process as soon as it has answered.
 *
 * Answers (errorType of an error answer in parentheses):
 *   CloudWatch Logs, S3 event    the invocation's statistics as JSON;
 *   Kinesis, SQS                 {"batchItemFailures":[...]}: for SQS
 *                                the messages whose objects could not
 *                                all be read, so only they come back;
 *   not JSON, or a record of the event damaged as a whole (MalformedEvent);
 *   JSON of no known kind (UnknownEvent);
 *   an S3 object that could not be read (InputError);
 *   the collector could not be reached or the connection broke, so
 *   records may be lost (OutputError): AWS retries the event;
 *   the deadline came within --lambda-deadline-margin ms (DeadlineExceeded);
 *   stopped by SIGTERM/SIGINT (Interrupted).
 * Each invocation logs one JSON line with its request ID and statistics.
 * While an invocation runs, its Lambda-Runtime-Trace-Id is in the
 * environment as _X_AMZN_TRACE_ID (as AWS's runtimes do; unset when the
 * invocation has none), and its log line has it as traceId.
 */
#ifndef FL_LAMBDA_H
#define FL_LAMBDA_H

#include <glib.h>
#include "log.h"
#include "output/export.h"
#include "pipeline/pipeline.h"

typedef struct {
    const char *runtime_api;        /* AWS_LAMBDA_RUNTIME_API: host:port */
    FlExporter *exp;                /* lives across invocations */
    /* What every invocation's pipeline run starts from; inputs, s3_event,
     * sqs_queue and sources->memory are set per invocation. */
    const FlPipelineConfig *pipeline;
    const FlSourceConfig *sources;
    volatile gint *stop;            /* the flag pipeline, sources and
                                       exporter were given: cleared before
                                       each invocation, set at its
                                       deadline */
    const volatile gint *quit;      /* SIGTERM/SIGINT: no more invocations
                                       (stop is set too) */
    guint deadline_margin_ms;       /* answer this long before the deadline */
    guint template_invocations;     /* UDP: templates every N invocations */
    FlLogContext *log;              /* JSON lines: the request ID is set */
} FlLambdaConfig;

/*
 * Serves invocations until quit is set (TRUE) or the Runtime API cannot
 * be reached or answers nonsense (FALSE with *err: the runtime should
 * end; Lambda starts another).  Failed invocations are answered and
 * logged, never returned.
 */
gboolean fl_lambda_run(const FlLambdaConfig *cfg, GError **err);

/*
 * Reports a start-up failure (bad configuration, output unreachable) to
 * the Runtime API at runtime_api, as errorType type; a failure to report
 * it is logged.  The caller then exits.
 */
void fl_lambda_init_error(const char *runtime_api, const char *type,
                          const char *message);

#endif
