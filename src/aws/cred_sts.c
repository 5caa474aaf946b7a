/*
 * cred_sts.c - STS AssumeRoleWithWebIdentity: the form POST and its XML
 * answer, read with GMarkup (only the handful of elements we need, by
 * name and parent; everything else is passed over).
 */
#include "config.h"

#include <string.h>

#include "aws/cred_remote.h"
#include "aws/cred_sts.h"
#include "aws/keys.h"
#include "error.h"

#define STS_BODY_MAX (64 * 1024)
#define STS_TIMEOUT_S 30

/* The elements read, each under its parent. */
enum { F_KEY_ID, F_SECRET, F_TOKEN, F_EXPIRATION, F_CODE, F_MESSAGE, F_N };

static const struct {
    const char *parent, *name;
} fields[F_N] = {
    [F_KEY_ID] = { "Credentials", "AccessKeyId" },
    [F_SECRET] = { "Credentials", "SecretAccessKey" },
    [F_TOKEN] = { "Credentials", "SessionToken" },
    [F_EXPIRATION] = { "Credentials", "Expiration" },
    [F_CODE] = { "Error", "Code" },
    [F_MESSAGE] = { "Error", "Message" },
};

typedef struct {
    GPtrArray *stack;           /* element names, outermost first */
    GString *text[F_N];
    int current;                /* the field being read, or -1 */
} StsParse;

static void
on_start(GMarkupParseContext *ctx, const char *name, const char **an,
         const char **av, gpointer data, GError **err)
{
    StsParse *sp = data;
    const char *parent = sp->stack->len > 0
        ? g_ptr_array_index(sp->stack, sp->stack->len - 1) : "";

    sp->current = -1;
    for (int i = 0; i < F_N; i++) {
        if (strcmp(name, fields[i].name) == 0 &&
            strcmp(parent, fields[i].parent) == 0) {
            sp->current = i;
            if (sp->text[i] == NULL)
                sp->text[i] = g_string_new(NULL);
        }
    }
    g_ptr_array_add(sp->stack, g_strdup(name));
}

static void
on_end(GMarkupParseContext *ctx, const char *name, gpointer data,
       GError **err)
{
    StsParse *sp = data;

    sp->current = -1;
    if (sp->stack->len > 0)
        g_ptr_array_remove_index(sp->stack, sp->stack->len - 1);
}

static void
on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
        GError **err)
{
    StsParse *sp = data;

    if (sp->current >= 0)
        g_string_append_len(sp->text[sp->current], text, len);
}

static const GMarkupParser sts_parser = {
    .start_element = on_start, .end_element = on_end, .text = on_text,
};

static const char *
field(StsParse *sp, int i)
{
    if (sp->text[i] == NULL)
        return NULL;
    g_strstrip(sp->text[i]->str);
    sp->text[i]->len = strlen(sp->text[i]->str);
    return sp->text[i]->len > 0 ? sp->text[i]->str : NULL;
}

/* Builds the keys from the fields read; FALSE with *err otherwise. */
static gboolean
sts_keys(StsParse *sp, FlAwsKeys *out, GError **err)
{
    const char *id = field(sp, F_KEY_ID), *secret = field(sp, F_SECRET);
    const char *exp = field(sp, F_EXPIRATION);
    const char *code = field(sp, F_CODE), *msg = field(sp, F_MESSAGE);

    if (code != NULL || msg != NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "%s%s%s",
                    code ? code : "", code && msg ? ": " : "",
                    msg ? msg : "");
        return FALSE;
    }
    if (id == NULL || secret == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "no %s in the answer",
                    id == NULL ? "Credentials/AccessKeyId"
                               : "Credentials/SecretAccessKey");
        return FALSE;
    }
    if (!fl_aws_keys_check_text(id, secret, field(sp, F_TOKEN), err))
        return FALSE;
    if (exp != NULL && !fl_aws_keys_parse_time(exp, &out->expiration, err))
        return FALSE;
    out->access_key_id = g_strdup(id);
    out->secret_access_key = g_strdup(secret);
    out->session_token = g_strdup(field(sp, F_TOKEN));
    return TRUE;
}

gboolean
fl_aws_cred_sts_parse(const char *xml, gsize len, FlAwsKeys *out,
                      GError **err)
{
    StsParse sp = { .stack = g_ptr_array_new_with_free_func(g_free),
                    .current = -1 };
    GMarkupParseContext *ctx;
    GError *e = NULL;
    gboolean ok;

    memset(out, 0, sizeof(*out));
    ctx = g_markup_parse_context_new(&sts_parser, 0, &sp, NULL);
    ok = g_markup_parse_context_parse(ctx, xml, len, &e) &&
         g_markup_parse_context_end_parse(ctx, &e);
    g_markup_parse_context_free(ctx);
    if (!ok) {
        /* GMarkup's message may quote the text, which holds secrets. */
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "the answer is not XML (%s)",
                    g_error_matches(e, G_MARKUP_ERROR, G_MARKUP_ERROR_EMPTY)
                    ? "empty" : "malformed");
        g_error_free(e);
    } else {
        ok = sts_keys(&sp, out, err);
    }
    for (int i = 0; i < F_N; i++) {
        if (sp.text[i] != NULL) {
            memset(sp.text[i]->str, 0, sp.text[i]->allocated_len);
            g_string_free(sp.text[i], TRUE);
        }
    }
    g_ptr_array_free(sp.stack, TRUE);
    return ok;
}

char *
fl_aws_cred_sts_endpoint(const char *region)
{
    const char *v = g_getenv("AWS_ENDPOINT_URL_STS");

    if (v == NULL || *v == '\0')
        v = g_getenv("AWS_ENDPOINT_URL");
    if (v != NULL && *v != '\0')
        return g_strdup(v);
    if (region != NULL && *region != '\0')
        return g_strdup_printf("https://sts.%s.amazonaws.com", region);
    return g_strdup("https://sts.amazonaws.com");
}

static char *
form_body(const char *role_arn, const char *session, const char *token)
{
    char *r = fl_uri_encode(role_arn, FALSE);
    char *s = fl_uri_encode(session, FALSE);
    char *t = fl_uri_encode(token, FALSE);
    char *body = g_strconcat("Action=AssumeRoleWithWebIdentity"
                             "&Version=2011-06-15&RoleArn=", r,
                             "&RoleSessionName=", s,
                             "&WebIdentityToken=", t, NULL);

    memset(t, 0, strlen(t));
    g_free(r);
    g_free(s);
    g_free(t);
    return body;
}

/* The endpoint with a path: STS is POSTed to "/". */
static char *
post_url(const char *endpoint)
{
    const char *p = strstr(endpoint, "://");

    p = p != NULL ? p + 3 : endpoint;
    if (strchr(p, '/') != NULL)
        return g_strdup(endpoint);
    return g_strconcat(endpoint, "/", NULL);
}

static gboolean
sts_answer(const char *shown, const FlHttpResponse *resp, FlAwsKeys *out,
           GError **err)
{
    gsize len = 0;
    const char *data = resp->body ? g_bytes_get_data(resp->body, &len) : NULL;

    if (fl_aws_cred_sts_parse(data ? data : "", len, out, err)) {
        if (resp->status == 200)
            return TRUE;
        fl_aws_keys_clear(out);
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "POST %s: HTTP %ld",
                    shown, resp->status);
        return FALSE;
    }
    if (resp->status != 200)
        g_prefix_error(err, "POST %s: HTTP %ld: ", shown, resp->status);
    else
        g_prefix_error(err, "POST %s: ", shown);
    return FALSE;
}

gboolean
fl_aws_cred_sts_web_identity(FlHttp *h, const char *endpoint,
                             const char *role_arn, const char *session_name,
                             const char *token_file, FlAwsKeys *out,
                             GError **err)
{
    static const char *const headers[] = {
        "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
        "Accept: text/xml", NULL
    };
    FlHttpRequest req = { .method = "POST", .headers = headers,
                          .timeout = STS_TIMEOUT_S };
    FlHttpResponse resp = { 0 };
    char *token = NULL, *body = NULL;
    char *url = post_url(endpoint), *shown = fl_aws_cred_url_for_log(url);
    gboolean ok = FALSE;

    memset(out, 0, sizeof(*out));
    if (!fl_aws_keys_read_token(token_file, &token, err))
        goto out;
    body = form_body(role_arn, session_name, token);
    req.url = url;
    req.body = (const guint8 *)body;
    req.body_len = strlen(body);
    if (!fl_http_request(h, &req, STS_BODY_MAX, &resp, err)) {
        g_prefix_error(err, "POST %s: ", shown);
        goto out;
    }
    ok = sts_answer(shown, &resp, out, err);
    fl_http_response_clear(&resp);
out:
    if (token != NULL)
        memset(token, 0, strlen(token));
    if (body != NULL)
        memset(body, 0, strlen(body));
    g_free(token);
    g_free(body);
    g_free(url);
    g_free(shown);
    return ok;
}
