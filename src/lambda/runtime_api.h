/*
 * runtime_api.h - the HTTP client of the Lambda Runtime API (2018-06-01).
 *
 * A custom runtime asks http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/
 * runtime/invocation/next for work (the call blocks until an event
 * comes; Lambda freezes the process meanwhile), then answers that
 * invocation at /invocation/ID/response or /invocation/ID/error; a
 * failure before the first "next" goes to /init/error.  Plain HTTP on a
 * local address, through the small client of api_http.h (not libcurl).
 *
 * Error answers carry {"errorMessage":"...","errorType":"..."} and the
 * header Lambda-Runtime-Function-Error-Type.
 */
#ifndef FL_LAMBDA_RUNTIME_API_H
#define FL_LAMBDA_RUNTIME_API_H

#include <glib.h>

/* Largest event accepted (Lambda's own limit is 6 MB for synchronous
 * calls and 1 MB for asynchronous ones). */
#define FL_LAMBDA_MAX_EVENT (16 * 1024 * 1024)

typedef struct FlRuntimeApi FlRuntimeApi;

/* One invocation, as "next" handed it out. */
typedef struct {
    char *request_id;           /* Lambda-Runtime-Aws-Request-Id */
    gint64 deadline_ms;         /* Lambda-Runtime-Deadline-Ms: Unix time
                                   in ms; 0 when absent */
    char *function_arn;         /* Lambda-Runtime-Invoked-Function-Arn, or
                                   NULL */
    char *trace_id;             /* Lambda-Runtime-Trace-Id, or NULL */
    GBytes *event;              /* the body */
} FlInvocation;

void fl_invocation_free(FlInvocation *inv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlInvocation, fl_invocation_free)

/*
 * A client of the API at host_port (the value of AWS_LAMBDA_RUNTIME_API).
 * stop (may be NULL) ends a waiting "next" within a fraction of a second
 * (SIGTERM).  Cannot fail (a bad address fails at the first request).
 */
FlRuntimeApi *fl_runtime_api_new(const char *host_port,
                                 const volatile gint *stop);
void fl_runtime_api_free(FlRuntimeApi *api);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlRuntimeApi, fl_runtime_api_free)

/*
 * Waits for the next invocation.  NULL with *err: FL_ERROR_NETWORK when
 * the API cannot be reached (after a few tries), FL_ERROR_REMOTE for an
 * answer that is not an invocation (a status other than 200, no request
 * ID, a body over FL_LAMBDA_MAX_EVENT); either way the runtime should
 * end.  Caller frees with fl_invocation_free().
 */
FlInvocation *fl_runtime_api_next(FlRuntimeApi *api, GError **err);

/* The invocation's answer (any bytes; JSON for Lambda's callers).
 * FALSE with *err when the API did not accept it (status not 202). */
gboolean fl_runtime_api_respond(FlRuntimeApi *api, const char *request_id,
                                const char *body, gsize len, GError **err);

/* The invocation failed: type and message as above. */
gboolean fl_runtime_api_fail(FlRuntimeApi *api, const char *request_id,
                             const char *type, const char *message,
                             GError **err);

/* The runtime could not start: type and message as above.  The caller
 * then exits. */
gboolean fl_runtime_api_init_error(FlRuntimeApi *api, const char *type,
                                   const char *message, GError **err);

#endif
