/*
 * s3.c - ListObjectsV2 and GetObject over FlHttp (s3.h).
 */
#include "config.h"

#include <string.h>

#include "aws/s3.h"
#include "aws/s3_xml.h"
#include "error.h"
#include "log.h"

struct FlS3 {
    FlAws *aws;
    FlHttp *http;
    FlHttpSign sign;
};

/* An error body larger than this is cut: we only want its Code. */
#define MAX_ERROR_BODY (64 * 1024)

FlS3 *
fl_s3_new(FlAws *aws)
{
    FlS3 *s3 = g_new0(FlS3, 1);

    s3->aws = fl_aws_ref(aws);
    s3->http = fl_aws_http_new(aws);
    s3->sign.creds = aws->creds;
    s3->sign.region = aws->region;
    s3->sign.service = "s3";
    return s3;
}

void
fl_s3_free(FlS3 *s3)
{
    if (s3 == NULL)
        return;
    fl_http_free(s3->http);
    fl_aws_unref(s3->aws);
    g_free(s3);
}

FlAws *
fl_s3_aws(FlS3 *s3)
{
    return s3->aws;
}

char *
fl_s3_url(const FlAws *aws, const char *bucket, const char *key)
{
    g_autofree char *k = fl_uri_encode(key ? key : "", TRUE);

    if (aws->endpoint_url)
        return g_strdup_printf("%s/%s/%s", aws->endpoint_url, bucket, k);
    if (strchr(bucket, '.'))
        return g_strdup_printf("https://s3.%s.amazonaws.com/%s/%s",
                               aws->region, bucket, k);
    return g_strdup_printf("https://%s.s3.%s.amazonaws.com/%s", bucket,
                           aws->region, k);
}

/* Codes that mean "your credentials", as opposed to "your request". */
static gboolean
is_auth_code(const char *code)
{
    static const char *const codes[] = {
        "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
        "TokenRefreshRequired", "InvalidToken", "AuthorizationHeaderMalformed",
        "RequestTimeTooSkewed",
    };
    for (gsize i = 0; code && i < G_N_ELEMENTS(codes); i++)
        if (!strcmp(code, codes[i]))
            return TRUE;
    return FALSE;
}

void
fl_s3_set_error(const FlHttpResponse *resp, const char *bucket,
                const char *key, GError **err)
{
    g_autofree char *code = NULL, *msg = NULL;
    const char *where_region = fl_http_response_header(resp,
                                                       "x-amz-bucket-region");
    gsize len = 0;
    const char *body = resp->body ? g_bytes_get_data(resp->body, &len) : NULL;

    if (body)
        fl_s3_xml_error(body, len, &code, &msg);
    if (code == NULL && resp->status == 404)
        code = g_strdup(key ? "NoSuchKey" : "NoSuchBucket");
    if (code == NULL && resp->status == 403)
        code = g_strdup("AccessDenied");
    g_set_error(err, FL_ERROR, is_auth_code(code) ? FL_ERROR_AUTH
                                                   : FL_ERROR_REMOTE,
                "s3://%s/%s: HTTP %ld %s%s%s%s%s%s", bucket, key ? key : "",
                resp->status, code ? code : "",
                msg ? ": " : "", msg ? msg : "",
                where_region ? " (the bucket is in region " : "",
                where_region ? where_region : "",
                where_region ? "; see --region)" : "");
}

static char *
list_url(FlS3 *s3, const char *bucket, const char *prefix,
         const char *delimiter, const char *token)
{
    g_autofree char *base = fl_s3_url(s3->aws, bucket, NULL);
    GString *u = g_string_new(base);

    /* Any order will do: SigV4 sorts the query itself. */
    g_string_append(u, "?list-type=2&encoding-type=url");
    if (prefix && *prefix) {
        g_autofree char *p = fl_uri_encode(prefix, FALSE);
        g_string_append_printf(u, "&prefix=%s", p);
    }
    if (delimiter) {
        g_autofree char *d = fl_uri_encode(delimiter, FALSE);
        g_string_append_printf(u, "&delimiter=%s", d);
    }
    if (token) {
        g_autofree char *t = fl_uri_encode(token, FALSE);
        g_string_append_printf(u, "&continuation-token=%s", t);
    }
    return g_string_free(u, FALSE);
}

gboolean
fl_s3_list(FlS3 *s3, const char *bucket, const char *prefix,
           const char *delimiter, const char *token, GPtrArray *keys,
           GPtrArray *prefixes, char **next_token, GError **err)
{
    g_autofree char *url = list_url(s3, bucket, prefix, delimiter, token);
    FlHttpRequest req = { .method = "GET", .url = url, .sign = &s3->sign };
    FlHttpResponse resp;
    FlS3Listing l = { .keys = keys, .prefixes = prefixes };
    gboolean ok;
    gsize len;
    const char *body;

    *next_token = NULL;
    memset(&resp, 0, sizeof resp);
    if (!fl_http_request(s3->http, &req, FL_S3_MAX_LIST_BODY, &resp, err)) {
        g_prefix_error(err, "listing s3://%s/%s: ", bucket, prefix);
        return FALSE;
    }
    if (resp.status != 200) {
        fl_s3_set_error(&resp, bucket, prefix, err);
        fl_http_response_clear(&resp);
        return FALSE;
    }
    body = g_bytes_get_data(resp.body, &len);
    ok = fl_s3_xml_listing(body, len, &l, err);
    fl_http_response_clear(&resp);
    if (!ok) {
        g_prefix_error(err, "s3://%s/%s: ", bucket, prefix);
        return FALSE;
    }
    if (l.truncated && l.next_token == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "s3://%s/%s: a "
                    "truncated listing without NextContinuationToken",
                    bucket, prefix);
        return FALSE;
    }
    if (l.truncated)
        *next_token = l.next_token;
    else
        g_free(l.next_token);
    return TRUE;
}

static void
read_object_meta(const FlHttpResponse *resp, guint64 offset, guint64 *size,
                 char **etag)
{
    const char *cr = fl_http_response_header(resp, "content-range");
    const char *cl = fl_http_response_header(resp, "content-length");
    const char *et = fl_http_response_header(resp, "etag");
    const char *slash = cr ? strrchr(cr, '/') : NULL;

    *size = 0;
    /* "bytes 100-199/4000": the whole size is after the slash. */
    if (slash && !g_ascii_string_to_unsigned(slash + 1, 10, 0, G_MAXUINT64,
                                             size, NULL))
        *size = 0;
    if (!slash && cl && g_ascii_string_to_unsigned(cl, 10, 0, G_MAXUINT64,
                                                   size, NULL))
        *size += offset;
    *etag = et ? g_strstrip(g_strdelimit(g_strdup(et), "\"", ' ')) : NULL;
}

FlHttpStream *
fl_s3_get(FlS3 *s3, const char *bucket, const char *key, guint64 offset,
          const char *if_match, guint64 *size, char **etag, GError **err)
{
    g_autofree char *url = fl_s3_url(s3->aws, bucket, key);
    g_autofree char *range = NULL, *match = NULL;
    const char *headers[3] = { NULL, NULL, NULL };
    FlHttpRequest req = { .method = "GET", .url = url, .sign = &s3->sign,
                          .headers = headers };
    FlHttpResponse resp;
    FlHttpStream *st;
    guint n = 0;

    memset(&resp, 0, sizeof resp);     /* cleared whatever happens */
    if (offset) {
        range = g_strdup_printf("Range: bytes=%" G_GUINT64_FORMAT "-", offset);
        headers[n++] = range;
    }
    if (if_match) {
        match = g_strdup_printf("If-Match: \"%s\"", if_match);
        headers[n++] = match;
    }
    st = fl_http_stream_open(s3->http, &req, &resp, err);
    if (st == NULL && (err == NULL || *err == NULL))
        fl_s3_set_error(&resp, bucket, key, err);
    else if (st == NULL)
        g_prefix_error(err, "s3://%s/%s: ", bucket, key);
    else
        read_object_meta(&resp, offset, size, etag);
    fl_http_response_clear(&resp);
    return st;
}
