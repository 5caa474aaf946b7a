/*
 * lambda.c - the invocation loop (lambda.h): next, invoke, answer, log.
 */
#include "config.h"

#include <malloc.h>
#include <string.h>

#include "error.h"
#include "json_write.h"
#include "lambda/lambda.h"
#include "lambda/lambda_invoke.h"
#include "lambda/runtime_api.h"
#include "log.h"

/* Where AWS's own runtimes put each invocation's Lambda-Runtime-Trace-Id,
 * for the X-Ray SDKs and anything else in the process that traces. */
#define TRACE_VAR "_X_AMZN_TRACE_ID"
#define TRIM_KEEP (32 * 1024 * 1024)

static void
answer(FlRuntimeApi *api, const FlInvocation *inv, const FlOutcome *out)
{
    GError *err = NULL;
    gboolean ok;

    if (out->ok)
        ok = fl_runtime_api_respond(api, inv->request_id, out->body->str,
                                    out->body->len, &err);
    else
        ok = fl_runtime_api_fail(api, inv->request_id, out->error_type,
                                 out->error_message, &err);
    if (!ok) {
        fl_log_warnx("%s", err->message);
        g_error_free(err);
    }
}

/* The invocation's line: what it was, how long it took, its counters. */
static void
log_outcome(const FlLambdaConfig *cfg, const FlOutcome *out,
            const FlStats *stats, double ms)
{
    g_autoptr(GString) m = g_string_sized_new(1024);
    const char *trace;

    if (!out->ok)
        fl_log_warnx("invocation failed: %s: %s", out->error_type,
                     out->error_message);
    if (out->kind) {
        g_string_append(m, "\"event\":");
        fl_json_append_string(m, out->kind, -1);
        g_string_append_c(m, ',');
    }
    g_string_append_printf(m, "\"durationMs\":%.3f,", ms);
    /* Read back from the environment: what a child or a library saw. */
    if ((trace = g_getenv(TRACE_VAR)) != NULL) {
        g_string_append(m, "\"traceId\":");
        fl_json_append_string(m, trace, -1);
        g_string_append_c(m, ',');
    }
    if (!out->ok) {
        g_string_append(m, "\"errorType\":");
        fl_json_append_string(m, out->error_type, -1);
        g_string_append_c(m, ',');
    }
    g_string_append(m, "\"stats\":");
    fl_stats_append_json(stats, m);
    fl_log_info_with(cfg->log, m->str, "invocation %s: %" G_GUINT64_FORMAT
                     " records", out->ok ? "done" : "failed",
                     stats->records_out);
}

static void
serve(FlLambda *l, FlRuntimeApi *api, const FlInvocation *inv)
{
    FlStats stats;
    FlOutcome out;
    gint64 t0 = g_get_monotonic_time();

    if (l->cfg->log)
        fl_log_set_request(l->cfg->log, inv->request_id);
    /* Only this thread runs now (the pipeline's are joined), so the
     * environment can change under nobody's getenv. */
    if (inv->trace_id && *inv->trace_id)
        g_setenv(TRACE_VAR, inv->trace_id, TRUE);
    else
        g_unsetenv(TRACE_VAR);
    fl_stats_init(&stats);
    fl_lambda_invoke(l, inv, &stats, &out);
    answer(api, inv, &out);
    log_outcome(l->cfg, &out, &stats,
                (double)(g_get_monotonic_time() - t0) / 1000.0);
    fl_outcome_clear(&out);
    fl_stats_clear(&stats);
    if (l->cfg->log)
        fl_log_set_request(l->cfg->log, NULL);
}

gboolean
fl_lambda_run(const FlLambdaConfig *cfg, GError **err)
{
    g_autoptr(FlRuntimeApi) api = fl_runtime_api_new(cfg->runtime_api,
                                                     cfg->quit);
    FlLambda l;
    gboolean ok = TRUE;

    memset(&l, 0, sizeof l);
    l.cfg = cfg;
    /* Each invocation frees what it allocated; glibc would hand the top
     * of the heap back to the kernel every time and fault it in (and
     * zero it) again in the next, and, its threshold fixed by the first
     * setting, map and unmap each buffer over 128 KiB: milliseconds of
     * CPU per invocation (perf: memset, sysmalloc, page faults).  Freed
     * memory is kept up to TRIM_KEEP instead, and buffers below it come
     * from the heap; the peak RSS, what a function's memory size must
     * hold, stays the same. */
    (void)mallopt(M_TRIM_THRESHOLD, TRIM_KEEP);
    (void)mallopt(M_MMAP_THRESHOLD, TRIM_KEEP);
    l.alarm = fl_deadline_new(cfg->stop);
    while (!g_atomic_int_get(cfg->quit)) {
        GError *local = NULL;
        FlInvocation *inv = fl_runtime_api_next(api, &local);

        if (inv == NULL) {
            /* SIGTERM while waiting is the normal end. */
            if (g_atomic_int_get(cfg->quit))
                g_clear_error(&local);
            else {
                g_propagate_error(err, local);
                ok = FALSE;
            }
            break;
        }
        serve(&l, api, inv);
        fl_invocation_free(inv);
    }
    fl_lambda_clear(&l);
    return ok;
}

void
fl_lambda_init_error(const char *runtime_api, const char *type,
                     const char *message)
{
    g_autoptr(FlRuntimeApi) api = fl_runtime_api_new(runtime_api, NULL);
    GError *err = NULL;

    if (!fl_runtime_api_init_error(api, type, message, &err)) {
        fl_log_warnx("%s", err->message);
        g_error_free(err);
    }
}
