/*
 * lambda_invoke.c - one invocation: its event into the memory source,
 * the pipeline run, and the answer (lambda.h lists them).
 *
 * Order matters for what AWS retries: the exporter is checked first (a
 * collector that went away meanwhile fails the invocation before
 * anything is read), and everything is flushed before the answer.  An
 * invocation whose connection broke on the way answers an error even
 * though the exporter reconnected and sent the rest: records in flight
 * may be lost, and a retry (duplicates) is better than a gap.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "lambda/batch.h"
#include "lambda/lambda_event.h"
#include "lambda/lambda_invoke.h"
#include "log.h"
#include "sources/source_memory.h"

#define E_MALFORMED "MalformedEvent"
#define E_UNKNOWN "UnknownEvent"
#define E_INPUT "InputError"
#define E_OUTPUT "OutputError"
#define E_DEADLINE "DeadlineExceeded"
#define E_INTERRUPTED "Interrupted"

typedef struct {
    FlLambda *l;
    const FlInvocation *inv;
    FlStats *stats;
    FlEventKind kind;
    FlMemoryInput *in;
    FlBatch *batch;
    gint64 alarm_us;            /* monotonic; 0: no deadline */
} Run;

void
fl_outcome_clear(FlOutcome *out)
{
    if (out->body)
        g_string_free(out->body, TRUE);
    g_free(out->error_message);
    memset(out, 0, sizeof *out);
}

static void G_GNUC_PRINTF(3, 4)
fail(FlOutcome *out, const char *type, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_free(out->error_message);
    out->error_message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    out->ok = FALSE;
    out->error_type = type;
}

static const char *
event_bytes(const Run *r, gsize *len)
{
    return g_bytes_get_data(r->inv->event, len);
}

/*
 * The deadline, less the margin, as the alarm time.  FALSE (answered)
 * when that leaves no time at all.
 */
static gboolean
plan_deadline(Run *r, FlOutcome *out)
{
    guint margin = r->l->cfg->deadline_margin_ms;
    gint64 left;

    if (r->inv->deadline_ms == 0)
        return TRUE;            /* no deadline given: no alarm */
    left = r->inv->deadline_ms - g_get_real_time() / 1000;
    if (left < 0) {
        fail(out, E_DEADLINE, "the invocation's deadline had passed %"
             G_GINT64_FORMAT " ms before it arrived: nothing was read",
             -left);
        return FALSE;
    }
    if (left <= (gint64)margin) {
        fail(out, E_DEADLINE, "the invocation arrived %" G_GINT64_FORMAT
             " ms before its deadline, within --lambda-deadline-margin "
             "(%u ms): nothing was read", left, margin);
        return FALSE;
    }
    r->alarm_us = g_get_monotonic_time() + (left - margin) * 1000;
    return TRUE;
}

/* FALSE when there is still time to read; else answered. */
static gboolean
too_late(const Run *r, FlOutcome *out)
{
    if (r->alarm_us == 0 || g_get_monotonic_time() < r->alarm_us)
        return FALSE;
    fail(out, E_DEADLINE, "reading the event took until %u ms before "
         "the deadline (--lambda-deadline-margin): none of its records "
         "were sent", r->l->cfg->deadline_margin_ms);
    return TRUE;
}

/*
 * CloudWatch Logs and Kinesis: the event itself, as one object in
 * memory; the pipeline knows it for an envelope by its first bytes and
 * decodes it (pipeline_envelope.c), with every count and message as for
 * an envelope in a file.  An envelope that cannot be decoded fails that
 * object: judge() makes it MalformedEvent.
 */
static gboolean
gather_envelope(Run *r, FlOutcome *out)
{
    g_autofree char *name = g_strdup_printf("invocation %s",
                                            r->inv->request_id);

    (void)out;
    fl_memory_input_add(r->in, fl_object_new_text(
        name, g_bytes_ref(r->inv->event), NULL, NULL));
    return TRUE;
}

/* An S3 notification (direct, SNS, EventBridge): its objects. */
static gboolean
gather_s3(Run *r, FlOutcome *out)
{
    g_autoptr(GPtrArray) refs =
        g_ptr_array_new_with_free_func((GDestroyNotify)fl_s3_ref_free);
    FlS3EventCounts counts = { 0, 0 };
    GError *err = NULL;
    const char *json;
    gsize len;
    guint msg;

    json = event_bytes(r, &len);
    if (!fl_event_s3_refs(json, len, refs, &counts, &err)) {
        fail(out, E_MALFORMED, "S3 event: %s", err->message);
        g_error_free(err);
        return FALSE;
    }
    if (counts.test_events)
        fl_log_info("s3:TestEvent ignored");
    msg = fl_batch_add_message(r->batch, NULL, FALSE);
    for (guint i = 0; i < refs->len; i++)
        fl_batch_add_object(r->batch, msg, refs->pdata[i], r->in);
    return TRUE;
}

/* An SQS batch: each message's objects, attributed to it. */
static gboolean
gather_sqs(Run *r, FlOutcome *out)
{
    g_autoptr(GPtrArray) msgs = NULL;
    GError *err = NULL;
    const char *json;
    gsize len;

    json = event_bytes(r, &len);
    if ((msgs = fl_event_sqs_messages(json, len, &err)) == NULL) {
        fail(out, E_MALFORMED, "SQS event: %s", err->message);
        g_error_free(err);
        return FALSE;
    }
    r->stats->sqs_messages += msgs->len;
    for (guint i = 0; i < msgs->len; i++) {
        const FlEventMessage *m = msgs->pdata[i];
        guint k = fl_batch_add_message(r->batch, m->id, m->error != NULL);

        if (m->error) {
            r->stats->objects_failed++;
            fl_log_warnx("%s; the message is reported as failed",
                         m->error->message);
        }
        if (m->counts.test_events)
            fl_log_info("SQS message %s: s3:TestEvent ignored", m->id);
        for (guint j = 0; j < m->refs->len; j++)
            fl_batch_add_object(r->batch, k, m->refs->pdata[j], r->in);
    }
    return TRUE;
}

static gboolean
gather(Run *r, FlOutcome *out)
{
    switch (r->kind) {
    case FL_EVENT_CWL:
    case FL_EVENT_KINESIS:
        return gather_envelope(r, out);
    case FL_EVENT_S3:
        return gather_s3(r, out);
    case FL_EVENT_SQS:
        return gather_sqs(r, out);
    }
    g_assert_not_reached();
}

/*
 * The pipeline over the memory input, then a flush.  FALSE with *err
 * when the output failed; *sync says whether the flush had to reconnect.
 */
static gboolean
run_pipeline(Run *r, FlExportResult *sync, GError **err)
{
    const FlLambdaConfig *cfg = r->l->cfg;
    FlPipelineConfig pc = *cfg->pipeline;
    FlSourceConfig sc = *cfg->sources;
    g_autofree char *loc = g_strconcat("memory://", r->inv->request_id,
                                       NULL);
    char *inputs[2] = { loc, NULL };

    sc.memory = r->in;
    pc.sources = &sc;
    pc.inputs = inputs;
    pc.s3_event = NULL;
    pc.sqs_queue = NULL;
    /* An event's lines are in memory and few: starting threads, their
     * chunk buffers and their encoders would cost more than it saves. */
    if (r->kind == FL_EVENT_CWL || r->kind == FL_EVENT_KINESIS)
        pc.threads = 1;
    fl_exporter_set_records_only(cfg->exp, pc.threads == 1);
    if (!fl_pipeline_run(&pc, cfg->exp, r->stats, err))
        return FALSE;
    *sync = fl_exporter_sync(cfg->exp, err);
    return *sync != FL_EXPORT_FAILED;
}

/* The answer once the pipeline ran well and the output held. */
static void
judge(Run *r, gboolean fired, FlOutcome *out)
{
    const FlLambdaConfig *cfg = r->l->cfg;
    guint failed = fl_batch_objects_failed(r->batch);
    gboolean stopped = fired || g_atomic_int_get(cfg->quit);

    if (stopped && r->kind != FL_EVENT_SQS) {
        if (fired)
            fail(out, E_DEADLINE, "stopped %u ms before the deadline "
                 "(--lambda-deadline-margin) with %" G_GUINT64_FORMAT
                 " records sent: the event may not have been read whole, "
                 "so it is answered as failed", cfg->deadline_margin_ms,
                 r->stats->records_out);
        else
            fail(out, E_INTERRUPTED, "stopped by a signal with %"
                 G_GUINT64_FORMAT " records sent: the event may not have "
                 "been read whole", r->stats->records_out);
        return;
    }
    if (stopped)
        fl_log_warnx("%s before the deadline: %u of %u objects not "
                     "finished; their messages are reported as failed",
                     fired ? "stopped" : "stopped by a signal", failed,
                     fl_batch_objects(r->batch));
    if (r->kind == FL_EVENT_S3 && failed) {
        g_autofree char *why = fl_log_first_warning(cfg->log);

        fail(out, E_INPUT, "%u of %u objects failed (%s)%s%s", failed,
             fl_batch_objects(r->batch), fl_batch_first_failed(r->batch),
             why ? ": " : "", why ? why : "");
        return;
    }
    if ((r->kind == FL_EVENT_CWL || r->kind == FL_EVENT_KINESIS)
        && r->stats->objects_failed) {
        g_autofree char *why = fl_log_first_warning(cfg->log);

        fail(out, E_MALFORMED, "%s event: %s", fl_event_kind_name(r->kind),
             why ? why : "it could not be decoded");
        return;
    }
    out->ok = TRUE;
    out->body = g_string_sized_new(256);
    if (r->kind == FL_EVENT_SQS || r->kind == FL_EVENT_KINESIS)
        fl_batch_append_answer(r->batch, out->body);
    else
        fl_stats_append_json(r->stats, out->body);
}

/* Exporter check, pipeline, flush, verdict. */
static void
process(Run *r, FlOutcome *out)
{
    const FlLambdaConfig *cfg = r->l->cfg;
    FlExportResult x = FL_EXPORT_OK;
    GError *err = NULL;
    guint conns;
    gboolean ok, fired;

    if (r->alarm_us) {
        fl_deadline_arm(r->l->alarm, r->alarm_us);
        fl_exporter_set_deadline(cfg->exp, r->alarm_us);
    }
    ok = fl_exporter_begin(cfg->exp, cfg->template_invocations, &err)
         != FL_EXPORT_FAILED;
    conns = fl_exporter_connections(cfg->exp);
    if (ok)
        ok = run_pipeline(r, &x, &err);
    fired = fl_deadline_disarm(r->l->alarm);
    fl_exporter_set_deadline(cfg->exp, 0);
    if (!ok) {
        fail(out, E_OUTPUT, "%s", err->message);
        g_error_free(err);
    } else if (x == FL_EXPORT_RETRY
               || conns != fl_exporter_connections(cfg->exp)) {
        fail(out, E_OUTPUT, "the connection to the collector broke during "
             "the invocation and was made again: records may be lost, so "
             "the event is to be sent again");
    } else {
        judge(r, fired, out);
    }
}

void
fl_lambda_invoke(FlLambda *l, const FlInvocation *inv, FlStats *stats,
                 FlOutcome *out)
{
    Run r;
    GError *err = NULL;
    const char *json;
    gsize len;

    memset(&r, 0, sizeof r);
    memset(out, 0, sizeof *out);
    r.l = l;
    r.inv = inv;
    r.stats = stats;
    if (!g_atomic_int_get(l->cfg->quit))
        g_atomic_int_set(l->cfg->stop, 0);
    if (!plan_deadline(&r, out))
        return;
    json = g_bytes_get_data(inv->event, &len);
    if (!fl_event_kind(json, len, &r.kind, &err)) {
        fail(out, g_error_matches(err, FL_ERROR, FL_ERROR_UNSUPPORTED)
                  ? E_UNKNOWN : E_MALFORMED, "%s", err->message);
        g_error_free(err);
        return;
    }
    out->kind = fl_event_kind_name(r.kind);
    r.in = fl_memory_input_new();
    r.batch = fl_batch_new();
    if (gather(&r, out) && !too_late(&r, out))
        process(&r, out);
    /* The input first: its hooks point into the batch. */
    fl_memory_input_free(r.in);
    fl_batch_free(r.batch);
}

void
fl_lambda_clear(FlLambda *l)
{
    g_clear_pointer(&l->alarm, fl_deadline_free);
}
