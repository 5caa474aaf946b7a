/*
 * ec2.c - DescribeFlowLogs (ec2.h), its answer read with GMarkup.
 *
 * Only the members flowlog2ipfix uses are kept; the rest of the answer
 * (tags, destination options) is walked past.
 */
#include "config.h"

#include <string.h>

#include "aws/ec2.h"
#include "error.h"
#include "log.h"

void
fl_ec2_flow_log_free(FlEc2FlowLog *fl)
{
    if (fl == NULL)
        return;
    g_free(fl->id);
    g_free(fl->log_format);
    g_free(fl->destination_type);
    g_free(fl->log_group);
    g_free(fl->deliver_error);
    g_free(fl);
}

typedef struct {
    GPtrArray *stack;           /* element names (not owned: GMarkup's) */
    GString *text;
    FlEc2FlowLog *cur;          /* the flowLogSet item being read */
    GPtrArray *items;           /* FlEc2FlowLog * */
    char *err_code, *err_msg;   /* an <Errors><Error> answer */
} Parse;

static const char *
parent(const Parse *ps, guint up)
{
    guint n = ps->stack->len;

    return n > up ? ps->stack->pdata[n - 1 - up] : "";
}

static void
on_start(GMarkupParseContext *ctx, const char *name, const char **an,
         const char **av, gpointer data, GError **err)
{
    Parse *ps = data;

    (void)ctx;
    (void)an;
    (void)av;
    (void)err;
    if (!strcmp(name, "item") && !strcmp(parent(ps, 0), "flowLogSet")) {
        ps->cur = g_new0(FlEc2FlowLog, 1);
        g_ptr_array_add(ps->items, ps->cur);
    }
    g_ptr_array_add(ps->stack, (gpointer)g_intern_string(name));
    g_string_truncate(ps->text, 0);
}

static void
on_end(GMarkupParseContext *ctx, const char *name, gpointer data,
       GError **err)
{
    Parse *ps = data;
    char **slot = NULL;

    (void)ctx;
    (void)err;
    g_ptr_array_remove_index(ps->stack, ps->stack->len - 1);
    /* Members of a flowLogSet item: the item is our parent now. */
    if (ps->cur && !strcmp(parent(ps, 0), "item")
        && !strcmp(parent(ps, 1), "flowLogSet")) {
        if (!strcmp(name, "flowLogId"))
            slot = &ps->cur->id;
        else if (!strcmp(name, "logFormat"))
            slot = &ps->cur->log_format;
        else if (!strcmp(name, "logDestinationType"))
            slot = &ps->cur->destination_type;
        else if (!strcmp(name, "logGroupName"))
            slot = &ps->cur->log_group;
        else if (!strcmp(name, "deliverLogsErrorMessage"))
            slot = &ps->cur->deliver_error;
    } else if (!strcmp(parent(ps, 0), "Error")) {
        if (!strcmp(name, "Code"))
            slot = &ps->err_code;
        else if (!strcmp(name, "Message"))
            slot = &ps->err_msg;
    }
    if (slot) {
        g_free(*slot);
        *slot = g_strdup(ps->text->str);
    }
    if (!strcmp(name, "item") && !strcmp(parent(ps, 0), "flowLogSet"))
        ps->cur = NULL;
    g_string_truncate(ps->text, 0);
}

static void
on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
        GError **err)
{
    Parse *ps = data;

    (void)ctx;
    (void)err;
    g_string_append_len(ps->text, text, (gssize)len);
}

static const GMarkupParser parser = {
    .start_element = on_start,
    .end_element = on_end,
    .text = on_text,
};

static void
parse_clear(Parse *ps)
{
    g_ptr_array_unref(ps->stack);
    g_string_free(ps->text, TRUE);
    g_ptr_array_unref(ps->items);
    g_free(ps->err_code);
    g_free(ps->err_msg);
}

static gboolean
parse(Parse *ps, const char *xml, gsize len, GError **err)
{
    GMarkupParseContext *ctx;
    GError *local = NULL;
    gboolean ok;

    memset(ps, 0, sizeof *ps);
    ps->stack = g_ptr_array_new();
    ps->text = g_string_new(NULL);
    ps->items = g_ptr_array_new_with_free_func(
                    (GDestroyNotify)fl_ec2_flow_log_free);
    ctx = g_markup_parse_context_new(&parser, 0, ps, NULL);
    ok = g_markup_parse_context_parse(ctx, xml, (gssize)len, &local)
         && g_markup_parse_context_end_parse(ctx, &local);
    g_markup_parse_context_free(ctx);
    if (!ok) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "DescribeFlowLogs: the "
                    "answer is not XML (%s)", local->message);
        g_error_free(local);
    }
    return ok;
}

FlEc2FlowLog *
fl_ec2_parse_flow_logs(const char *xml, gsize len, const char *id,
                       GError **err)
{
    FlEc2FlowLog *found = NULL;
    Parse ps;

    if (!parse(&ps, xml, len, err)) {
        parse_clear(&ps);
        return NULL;
    }
    for (guint i = 0; i < ps.items->len; i++) {
        FlEc2FlowLog *fl = ps.items->pdata[i];

        if (fl->id && !strcmp(fl->id, id)) {
            found = fl;
            ps.items->pdata[i] = NULL;  /* the free function skips it */
            break;
        }
    }
    parse_clear(&ps);
    return found;
}

/* A flow log ID is "fl-" and letters and digits: nothing to escape. */
static gboolean
valid_id(const char *id)
{
    if (!g_str_has_prefix(id, "fl-") || id[3] == '\0' || strlen(id) > 64)
        return FALSE;
    for (const char *p = id + 3; *p; p++)
        if (!g_ascii_isalnum(*p))
            return FALSE;
    return TRUE;
}

FlEc2FlowLog *
fl_ec2_describe_flow_log(FlAws *aws, const char *flow_log_id, GError **err)
{
    g_autofree char *endpoint = NULL, *url = NULL, *body = NULL;
    g_autoptr(FlHttp) http = NULL;
    const char *headers[] = {
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
        NULL
    };
    FlHttpSign sign = { aws->creds, aws->region, "ec2" };
    FlHttpRequest req = { .method = "POST", .sign = &sign,
                          .headers = headers, .timeout = 60 };
    FlHttpResponse resp;
    FlEc2FlowLog *fl = NULL;
    const char *data;
    gsize len;

    if (!valid_id(flow_log_id)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "'%s' is not a flow log "
                    "ID (fl- and letters and digits)", flow_log_id);
        return NULL;
    }
    if ((endpoint = fl_aws_service_endpoint(aws, "EC2", "ec2", err)) == NULL)
        return NULL;
    url = g_strconcat(endpoint, "/", NULL);
    body = g_strdup_printf("Action=DescribeFlowLogs&Version=2016-11-15&"
                           "FlowLogId.1=%s", flow_log_id);
    req.url = url;
    req.body = (const guint8 *)body;
    req.body_len = strlen(body);
    http = fl_aws_http_new(aws);
    memset(&resp, 0, sizeof resp);
    if (!fl_http_request(http, &req, FL_EC2_MAX_BODY, &resp, err)) {
        g_prefix_error(err, "DescribeFlowLogs %s: ", flow_log_id);
        return NULL;
    }
    data = resp.body ? g_bytes_get_data(resp.body, &len) : "";
    if (resp.body == NULL)
        len = 0;
    if (resp.status != 200) {
        Parse ps;
        gboolean parsed = parse(&ps, data, len, NULL);
        const char *code = parsed && ps.err_code ? ps.err_code : "";
        gboolean auth = resp.status == 403 || strstr(code, "AuthFailure")
                        || strstr(code, "Signature")
                        || strstr(code, "UnauthorizedOperation");

        if (g_str_has_prefix(code, "InvalidFlowLogId"))
            g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "flow log %s does "
                        "not exist in %s (%s%s%s)", flow_log_id,
                        aws->region, code, ps.err_msg ? ": " : "",
                        ps.err_msg ? ps.err_msg : "");
        else
            g_set_error(err, FL_ERROR, auth ? FL_ERROR_AUTH : FL_ERROR_REMOTE,
                        "DescribeFlowLogs %s: HTTP %ld %s%s%s", flow_log_id,
                        resp.status, code, parsed && ps.err_msg ? ": " : "",
                        parsed && ps.err_msg ? ps.err_msg : "");
        parse_clear(&ps);
        goto out;
    }
    fl = fl_ec2_parse_flow_logs(data, len, flow_log_id, err);
    if (fl == NULL && (err == NULL || *err == NULL))
        g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "flow log %s does not "
                    "exist in %s (DescribeFlowLogs found none)", flow_log_id,
                    aws->region);
out:
    fl_http_response_clear(&resp);
    return fl;
}
