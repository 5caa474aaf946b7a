/*
 * runtime_api.c - the Lambda Runtime API client (runtime_api.h).
 *
 * One connection to the API, kept open between calls, through the small
 * client of api_http.h rather than libcurl: a cold start need not load
 * libcurl's libraries before its first "next".  "next" waits without a
 * time limit (it sends nothing for as long as no event comes, and a
 * process thawed after minutes must not take the clock jump for a
 * stalled transfer); answers get ANSWER_TIMEOUT_MS.
 */
#include "config.h"

#include <string.h>

#include "aws/http.h"           /* fl_uri_encode() */
#include "error.h"
#include "lambda/api_http.h"
#include "json_write.h"
#include "lambda/runtime_api.h"

#define API_VERSION "2018-06-01"
#define ANSWER_MAX (64 * 1024)      /* what we keep of the API's answers */
#define ANSWER_TIMEOUT_MS 30000

struct FlRuntimeApi {
    FlApiHttp *http;
    const char *base;           /* the paths' common start */
};

void
fl_invocation_free(FlInvocation *inv)
{
    if (inv == NULL)
        return;
    g_free(inv->request_id);
    g_free(inv->function_arn);
    g_free(inv->trace_id);
    g_clear_pointer(&inv->event, g_bytes_unref);
    g_free(inv);
}

FlRuntimeApi *
fl_runtime_api_new(const char *host_port, const volatile gint *stop)
{
    FlRuntimeApi *api = g_new0(FlRuntimeApi, 1);

    api->http = fl_api_http_new(host_port, stop);
    api->base = "/" API_VERSION "/runtime";
    return api;
}

void
fl_runtime_api_free(FlRuntimeApi *api)
{
    if (api == NULL)
        return;
    fl_api_http_free(api->http);
    g_free(api);
}

/* What the API said, for a message: its status and the start of its
 * body (its errorMessage, usually). */
static void
set_refused(GError **err, const char *what, const FlApiReply *r)
{
    gsize n = 0;
    const char *b = r->body ? g_bytes_get_data(r->body, &n) : NULL;
    g_autofree char *text = g_strndup(b ? b : "", MIN(n, 300));

    g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "Runtime API %s: status "
                "%d%s%s", what, r->status, *text ? ": " : "", text);
}

FlInvocation *
fl_runtime_api_next(FlRuntimeApi *api, GError **err)
{
    g_autofree char *url = g_strconcat(api->base, "/invocation/next", NULL);
    FlApiReply r;
    FlInvocation *inv;
    const char *id, *deadline;

    if (!fl_api_http_request(api->http, "GET", url, NULL, NULL, 0,
                             FL_LAMBDA_MAX_EVENT, 0, &r, err)) {
        g_prefix_error(err, "Runtime API next: ");
        return NULL;
    }
    id = fl_api_reply_header(&r, "lambda-runtime-aws-request-id");
    if (r.status != 200 || id == NULL || *id == '\0') {
        set_refused(err, r.status != 200 ? "next"
                         : "next: no Lambda-Runtime-Aws-Request-Id,", &r);
        fl_api_reply_clear(&r);
        return NULL;
    }
    inv = g_new0(FlInvocation, 1);
    inv->request_id = g_strdup(id);
    deadline = fl_api_reply_header(&r, "lambda-runtime-deadline-ms");
    if (deadline == NULL
        || !g_ascii_string_to_signed(deadline, 10, 0, G_MAXINT64,
                                     &inv->deadline_ms, NULL))
        inv->deadline_ms = 0;
    inv->function_arn = g_strdup(fl_api_reply_header(
        &r, "lambda-runtime-invoked-function-arn"));
    inv->trace_id = g_strdup(fl_api_reply_header(
        &r, "lambda-runtime-trace-id"));
    inv->event = g_steal_pointer(&r.body);
    fl_api_reply_clear(&r);
    return inv;
}

/* POSTs body to base + path; FALSE with *err unless the API says 202. */
static gboolean
post(FlRuntimeApi *api, const char *path, const char *const *headers,
     const char *body, gsize len, const char *what, GError **err)
{
    g_autofree char *url = g_strconcat(api->base, path, NULL);
    FlApiReply r;
    gboolean ok;

    if (!fl_api_http_request(api->http, "POST", url, headers, body, len,
                             ANSWER_MAX, ANSWER_TIMEOUT_MS, &r, err)) {
        g_prefix_error(err, "Runtime API %s: ", what);
        return FALSE;
    }
    ok = r.status == 202;
    if (!ok)
        set_refused(err, what, &r);
    fl_api_reply_clear(&r);
    return ok;
}

gboolean
fl_runtime_api_respond(FlRuntimeApi *api, const char *request_id,
                       const char *body, gsize len, GError **err)
{
    g_autofree char *id = fl_uri_encode(request_id, FALSE);
    g_autofree char *path = g_strdup_printf("/invocation/%s/response", id);

    return post(api, path, NULL, body, len, "response", err);
}

/* An error document, and its type as a header too. */
static gboolean
post_error(FlRuntimeApi *api, const char *path, const char *what,
           const char *type, const char *message, GError **err)
{
    g_autoptr(GString) j = g_string_new("{\"errorMessage\":");
    g_autofree char *header = NULL;
    const char *headers[3] = { "Content-Type: application/json", NULL, NULL };
    gsize n = strcspn(type, "\r\n");

    fl_json_append_string(j, message, -1);
    g_string_append(j, ",\"errorType\":");
    fl_json_append_string(j, type, -1);
    g_string_append(j, "}");
    header = g_strdup_printf("Lambda-Runtime-Function-Error-Type: %.*s",
                             (int)n, type);
    headers[1] = header;
    return post(api, path, headers, j->str, j->len, what, err);
}

gboolean
fl_runtime_api_fail(FlRuntimeApi *api, const char *request_id,
                    const char *type, const char *message, GError **err)
{
    g_autofree char *id = fl_uri_encode(request_id, FALSE);
    g_autofree char *path = g_strdup_printf("/invocation/%s/error", id);

    return post_error(api, path, "error", type, message, err);
}

gboolean
fl_runtime_api_init_error(FlRuntimeApi *api, const char *type,
                          const char *message, GError **err)
{
    return post_error(api, "/init/error", "init/error", type, message, err);
}
