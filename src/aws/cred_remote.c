/*
 * cred_remote.c - container credentials and EC2 instance metadata
 * (IMDSv2 only) over FlHttp, answers parsed with json-glib.
 *
 * A container URI is checked by its literal host, not by resolving it: a
 * name that resolves to loopback today may not tomorrow, and the
 * Authorization token must only ever go to the platform's agent.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <curl/curl.h>
#include <json-glib/json-glib.h>

#include "aws/cred_remote.h"
#include "aws/keys.h"
#include "error.h"

#define IMDS_TOKEN_TTL "21600"
#define IMDS_CREDS_PATH "/latest/meta-data/iam/security-credentials/"
#define REQUEST_TIMEOUT_S 5

char *
fl_aws_cred_url_for_log(const char *url)
{
    return g_strndup(url, strcspn(url, "?#"));
}

static gboolean
host_allowed(const char *host)
{
    guint8 a[16];
    static const guint8 eks6[16] = { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
                                     0, 0, 0, 0, 0, 0, 0, 0x23 };
    static const guint8 loop6[16] = { 0, 0, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0, 0, 0, 0, 0, 1 };

    if (g_ascii_strcasecmp(host, "localhost") == 0)
        return TRUE;
    if (inet_pton(AF_INET, host, a) == 1)
        return a[0] == 127 ||
               (a[0] == 169 && a[1] == 254 && a[2] == 170 &&
                (a[3] == 2 || a[3] == 23));
    if (inet_pton(AF_INET6, host, a) == 1)
        return memcmp(a, loop6, 16) == 0 || memcmp(a, eks6, 16) == 0;
    return FALSE;
}

gboolean
fl_aws_cred_container_check_url(const char *url, GError **err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *shown = fl_aws_cred_url_for_log(url);
    gboolean ok = FALSE;
    gsize n;

    /*
     * No handle: the Lambda bootstrap could not load libcurl
     * (aws/curl_lazy.c, a zip without lib/libcurl.so.4), or a linked
     * libcurl ran out of memory; either way the URL was never looked at.
     */
    if (u == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                    "'%s' cannot be checked: libcurl is not available (%s)",
                    shown, curl_easy_strerror(CURLE_FAILED_INIT));
        goto out;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "'%s' is not a URL",
                    shown);
        goto out;
    }
    if (g_ascii_strcasecmp(scheme, "https") == 0) {
        ok = TRUE;
        goto out;
    }
    if (g_ascii_strcasecmp(scheme, "http") != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "%s: only http and https are allowed", shown);
        goto out;
    }
    n = strlen(host);
    if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    ok = host_allowed(host);
    if (!ok)
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "%s: http is allowed only to a loopback address, "
                    "169.254.170.2, 169.254.170.23 or fd00:ec2::23 (the "
                    "Authorization token would go out in clear text); use "
                    "https", shown);
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    g_free(shown);
    return ok;
}

gboolean
fl_aws_cred_remote_parse(const char *json, gsize len, FlAwsKeys *out,
                         GError **err)
{
    JsonParser *parser = json_parser_new();
    JsonNode *root;
    JsonObject *o;
    const char *code;
    gboolean ok = FALSE;

    memset(out, 0, sizeof(*out));
    if (len > G_MAXSSIZE ||
        !json_parser_load_from_data(parser, json, (gssize)len, NULL) ||
        (root = json_parser_get_root(parser)) == NULL ||
        !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "the answer is not a JSON object");
        goto out;
    }
    o = json_node_get_object(root);
    /* Instance metadata says "Code": "Success" on success. */
    code = fl_aws_keys_json_string(o, "Code");
    if (code != NULL && strcmp(code, "Success") != 0) {
        const char *msg = fl_aws_keys_json_string(o, "Message");

        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "the answer says %s%s%s",
                    code, msg ? ": " : "", msg ? msg : "");
        goto out;
    }
    ok = fl_aws_keys_from_json(o, "Token", out, err);
out:
    g_object_unref(parser);
    return ok;
}

static const char *
body_data(const FlHttpResponse *resp, gsize *len)
{
    *len = 0;
    return resp->body != NULL ? g_bytes_get_data(resp->body, len) : NULL;
}

/* fl_http_response_clear() is for answers that came; this copes with a
 * request that failed and left *resp zeroed. */
static void
clear_response(FlHttpResponse *resp)
{
    if (resp->body != NULL || resp->headers != NULL)
        fl_http_response_clear(resp);
}

/* "code: message" of an error answer ({"code","message"} from the
 * container agents), or an empty string. */
static char *
error_detail(const FlHttpResponse *resp)
{
    JsonParser *parser = json_parser_new();
    gsize len;
    const char *data = body_data(resp, &len);
    char *s = g_strdup("");
    JsonNode *root;

    if (data != NULL && len > 0 && len < G_MAXSSIZE &&
        json_parser_load_from_data(parser, data, (gssize)len, NULL) &&
        (root = json_parser_get_root(parser)) != NULL &&
        JSON_NODE_HOLDS_OBJECT(root)) {
        JsonObject *o = json_node_get_object(root);
        const char *code = fl_aws_keys_json_string(o, "code");
        const char *msg = fl_aws_keys_json_string(o, "message");

        g_free(s);
        s = g_strdup_printf("%s%s%s%s", code || msg ? ": " : "",
                            code ? code : "", code && msg ? ": " : "",
                            msg ? msg : "");
    }
    g_object_unref(parser);
    return s;
}

/* One unsigned request; any status is returned.  Errors name the URL. */
static gboolean
request(FlHttp *h, const char *method, const char *url,
        const char *const *headers, FlHttpResponse *resp, GError **err)
{
    FlHttpRequest req = { .method = method, .url = url, .headers = headers,
                          .timeout = REQUEST_TIMEOUT_S };

    memset(resp, 0, sizeof(*resp));
    if (fl_http_request(h, &req, FL_AWS_REMOTE_BODY_MAX, resp, err))
        return TRUE;
    {
        char *shown = fl_aws_cred_url_for_log(url);

        g_prefix_error(err, "%s %s: ", method, shown);
        g_free(shown);
    }
    return FALSE;
}

static gboolean
status_error(const char *method, const char *url, FlHttpResponse *resp,
             GError **err)
{
    char *shown = fl_aws_cred_url_for_log(url);
    char *detail = error_detail(resp);

    g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "%s %s: HTTP %ld%s", method,
                shown, resp->status, detail);
    g_free(detail);
    g_free(shown);
    return FALSE;
}

static gboolean
parse_body(const char *url, FlHttpResponse *resp, FlAwsKeys *out,
           GError **err)
{
    gsize len;
    const char *data = body_data(resp, &len);

    if (fl_aws_cred_remote_parse(data ? data : "", len, out, err))
        return TRUE;
    {
        char *shown = fl_aws_cred_url_for_log(url);

        g_prefix_error(err, "%s: ", shown);
        g_free(shown);
    }
    return FALSE;
}

gboolean
fl_aws_cred_container_fetch(FlHttp *h, const char *url,
                            const char *token_file, const char *token,
                            FlAwsKeys *out, GError **err)
{
    FlHttpResponse resp = { 0 };
    char *file_token = NULL, *auth = NULL;
    const char *headers[3] = { "Accept: application/json", NULL, NULL };
    gboolean ok = FALSE;

    memset(out, 0, sizeof(*out));
    if (token_file != NULL) {
        if (!fl_aws_keys_read_token(token_file, &file_token, err))
            goto out;
        token = file_token;
    }
    if (token != NULL && strpbrk(token, "\r\n") != NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN is not one line");
        goto out;
    }
    if (token != NULL) {
        auth = g_strconcat("Authorization: ", token, NULL);
        headers[1] = auth;
    }
    if (!request(h, "GET", url, headers, &resp, err))
        goto out;
    if (resp.status != 200) {
        status_error("GET", url, &resp, err);
        goto out;
    }
    ok = parse_body(url, &resp, out, err);
out:
    clear_response(&resp);
    if (auth != NULL)
        memset(auth, 0, strlen(auth));
    g_free(auth);
    if (file_token != NULL)
        memset(file_token, 0, strlen(file_token));
    g_free(file_token);
    return ok;
}

/* The answer's body as a string: one line, without white space around it
 * (a token, a role name).  FALSE with FL_ERROR_AUTH when empty. */
static gboolean
body_line(const char *url, FlHttpResponse *resp, char **out, GError **err)
{
    gsize len;
    const char *data = body_data(resp, &len);
    char *s = g_strndup(data ? data : "", len);

    s[strcspn(s, "\r\n")] = '\0';
    g_strstrip(s);
    if (*s == '\0') {
        char *shown = fl_aws_cred_url_for_log(url);

        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "%s: empty answer", shown);
        g_free(shown);
        g_free(s);
        return FALSE;
    }
    *out = s;
    return TRUE;
}

static gboolean
imds_token(FlHttp *h, const char *endpoint, gboolean *reachable,
           char **token, GError **err)
{
    static const char *const headers[] = {
        "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL, NULL
    };
    FlHttpResponse resp = { 0 };
    char *url = g_strconcat(endpoint, "/latest/api/token", NULL);
    gboolean ok = FALSE;

    if (!request(h, "PUT", url, headers, &resp, err)) {
        *reachable = !g_error_matches(*err, FL_ERROR, FL_ERROR_NETWORK);
        goto out;
    }
    /* 403 is what EC2 answers when instance metadata is turned off, and
     * what a proxy that is no metadata service may say: no source here,
     * rather than a broken one ("no AWS credentials found"). */
    *reachable = resp.status != 403 && resp.status != 404;
    if (resp.status != 200) {
        status_error("PUT", url, &resp, err);
        goto out;
    }
    ok = body_line(url, &resp, token, err);
out:
    clear_response(&resp);
    g_free(url);
    return ok;
}

/* The first line of the role list; the role name goes into a URL path. */
static gboolean
imds_role(FlHttp *h, const char *endpoint, const char *token_header,
          char **role, GError **err)
{
    const char *headers[] = { token_header, NULL };
    FlHttpResponse resp = { 0 };
    char *url = g_strconcat(endpoint, IMDS_CREDS_PATH, NULL);
    gboolean ok = FALSE;

    if (!request(h, "GET", url, headers, &resp, err))
        goto out;
    if (resp.status == 404) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "no IAM role is attached "
                    "to this instance (GET %s: HTTP 404)", url);
        goto out;
    }
    if (resp.status != 200) {
        status_error("GET", url, &resp, err);
        goto out;
    }
    ok = body_line(url, &resp, role, err);
out:
    clear_response(&resp);
    g_free(url);
    return ok;
}

gboolean
fl_aws_cred_imds_fetch(FlHttp *h, const char *endpoint, gboolean *reachable,
                       FlAwsKeys *out, GError **err)
{
    FlHttpResponse resp = { 0 };
    char *token = NULL, *token_header = NULL, *role = NULL, *url = NULL;
    char *enc;
    const char *headers[2] = { NULL, NULL };
    gboolean ok = FALSE;

    memset(out, 0, sizeof(*out));
    *reachable = FALSE;
    if (!imds_token(h, endpoint, reachable, &token, err))
        goto out;
    token_header = g_strconcat("X-aws-ec2-metadata-token: ", token, NULL);
    headers[0] = token_header;
    if (!imds_role(h, endpoint, token_header, &role, err))
        goto out;
    enc = fl_uri_encode(role, FALSE);
    url = g_strconcat(endpoint, IMDS_CREDS_PATH, enc, NULL);
    g_free(enc);
    if (!request(h, "GET", url, headers, &resp, err))
        goto out;
    if (resp.status != 200) {
        status_error("GET", url, &resp, err);
        goto out;
    }
    ok = parse_body(url, &resp, out, err);
out:
    clear_response(&resp);
    if (token != NULL)
        memset(token, 0, strlen(token));
    if (token_header != NULL)
        memset(token_header, 0, strlen(token_header));
    g_free(token);
    g_free(token_header);
    g_free(role);
    g_free(url);
    return ok;
}
