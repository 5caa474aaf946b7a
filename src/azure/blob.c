/*
 * blob.c - List Blobs, Get Block List and Get Blob (blob.h).
 */
#include "config.h"

#include <string.h>

#include "azure/blob.h"
#include "azure/sharedkey.h"
#include "error.h"

/* A block list of 50,000 blocks with 88-byte IDs. */
#define MAX_BLOCKS_BODY (16 * 1024 * 1024)

struct FlAzBlob {
    FlAzure *az;
    FlHttp *http;
    char *account;
    FlHttpSigner signer;
};

static gboolean
sign(gpointer data, const FlHttpRequest *req, GPtrArray *lines,
     GError **err)
{
    FlAzBlob *c = data;

    return fl_azure_sharedkey_sign(c->account, c->az->key, req->method,
                                   req->url, req->body_len,
                                   g_get_real_time() / G_USEC_PER_SEC,
                                   lines, err);
}

FlAzBlob *
fl_azblob_new(FlAzure *az, const char *account)
{
    FlAzBlob *c = g_new0(FlAzBlob, 1);

    c->az = fl_azure_ref(az);
    c->http = fl_azure_http_new(az);
    c->account = g_strdup(account);
    c->signer.sign = sign;
    c->signer.data = c;
    return c;
}

void
fl_azblob_free(FlAzBlob *c)
{
    if (c == NULL)
        return;
    fl_http_free(c->http);
    fl_azure_unref(c->az);
    g_free(c->account);
    g_free(c);
}

/* ENDPOINT/CONTAINER[/BLOB][?QUERY[&SAS]] */
static char *
make_url(FlAzBlob *c, const char *container, const char *blob,
         const char *query)
{
    GString *u = g_string_new(NULL);
    g_autofree char *cont = fl_uri_encode(container, FALSE);

    if (c->az->endpoint_url)
        g_string_append(u, c->az->endpoint_url);
    else
        g_string_append_printf(u, "https://%s.blob.core.windows.net",
                               c->account);
    g_string_append_printf(u, "/%s", cont);
    if (blob) {
        g_autofree char *b = fl_uri_encode(blob, TRUE);

        g_string_append_printf(u, "/%s", b);
    }
    if (query || c->az->sas)
        g_string_append_c(u, '?');
    if (query)
        g_string_append(u, query);
    if (c->az->sas)
        g_string_append_printf(u, "%s%s", query ? "&" : "", c->az->sas);
    return g_string_free(u, FALSE);
}

static void
fill_request(FlAzBlob *c, FlHttpRequest *req, const char *url,
             const char *const *headers)
{
    memset(req, 0, sizeof *req);
    req->method = "GET";
    req->url = url;
    req->headers = headers;
    req->signer = c->az->key ? &c->signer : NULL;
}

static gboolean
is_auth_code(const char *code)
{
    static const char *const codes[] = {
        "AuthenticationFailed", "AuthorizationFailure",
        "AuthorizationPermissionMismatch", "AuthorizationResourceTypeMismatch",
        "AuthorizationServiceMismatch", "AuthorizationSourceIPMismatch",
        "AuthorizationProtocolMismatch", "InvalidAuthenticationInfo",
        "NoAuthenticationInformation",
    };

    for (gsize i = 0; code && i < G_N_ELEMENTS(codes); i++)
        if (strcmp(code, codes[i]) == 0)
            return TRUE;
    return FALSE;
}

void
fl_azblob_set_error(const FlHttpResponse *resp, const char *account,
                    const char *container, const char *blob, GError **err)
{
    g_autofree char *code = NULL, *message = NULL;
    const char *hcode = fl_http_response_header(resp, "x-ms-error-code");
    gsize len = 0;
    const char *body = resp->body ? g_bytes_get_data(resp->body, &len)
                                  : NULL;
    int kind;

    if (body != NULL && len > 0)
        fl_azblob_xml_error(body, len, &code, &message);
    if (code == NULL && hcode != NULL)
        code = g_strndup(hcode, 64);
    kind = is_auth_code(code) || resp->status == 401 ? FL_ERROR_AUTH
                                                     : FL_ERROR_REMOTE;
    g_set_error(err, FL_ERROR, kind, "azblob://%s/%s%s%s: HTTP %ld %s%s%s",
                account, container, blob ? "/" : "", blob ? blob : "",
                resp->status, code ? code : "(no error code)",
                message ? ": " : "", message ? message : "");
}

/* The service's refusal; for a refused credential, says which one (by
 * its source, never its value). */
static void
refused(FlAzBlob *c, const FlHttpResponse *resp, const char *container,
        const char *blob, GError **err)
{
    fl_azblob_set_error(resp, c->account, container, blob, err);
    if (err && *err && (*err)->code == FL_ERROR_AUTH) {
        char *m = g_strdup_printf("%s (%s from %s)", (*err)->message,
                                  c->az->key ? "Shared Key" : "SAS token",
                                  c->az->cred_source);

        g_free((*err)->message);
        (*err)->message = m;
    }
}

gboolean
fl_azblob_list(FlAzBlob *c, const char *container, const char *prefix,
               const char *delimiter, const char *marker,
               FlAzBlobListing *out, GError **err)
{
    static const char *const headers[] = {
        "x-ms-version: " FL_AZBLOB_VERSION, NULL };
    GString *q = g_string_new("restype=container&comp=list");
    g_autofree char *url = NULL;
    FlHttpRequest req;
    FlHttpResponse resp;
    gboolean ok = FALSE;
    gsize len;
    const char *body;

    if (prefix && *prefix) {
        g_autofree char *e = fl_uri_encode(prefix, FALSE);
        g_string_append_printf(q, "&prefix=%s", e);
    }
    if (delimiter && *delimiter) {
        g_autofree char *e = fl_uri_encode(delimiter, FALSE);
        g_string_append_printf(q, "&delimiter=%s", e);
    }
    if (marker && *marker) {
        g_autofree char *e = fl_uri_encode(marker, FALSE);
        g_string_append_printf(q, "&marker=%s", e);
    }
    url = make_url(c, container, NULL, q->str);
    g_string_free(q, TRUE);
    fill_request(c, &req, url, headers);
    if (!fl_http_request(c->http, &req, FL_AZBLOB_MAX_LIST_BODY, &resp,
                         err)) {
        g_prefix_error(err, "azblob://%s/%s: ", c->account, container);
        return FALSE;
    }
    if (resp.status != 200) {
        refused(c, &resp, container, NULL, err);
        goto out;
    }
    body = g_bytes_get_data(resp.body, &len);
    ok = fl_azblob_xml_listing(body, len, out, err);
    if (!ok)
        g_prefix_error(err, "azblob://%s/%s: ", c->account, container);
    else if (out->next_marker && *out->next_marker == '\0')
        g_clear_pointer(&out->next_marker, g_free);
out:
    fl_http_response_clear(&resp);
    return ok;
}

GPtrArray *
fl_azblob_blocks(FlAzBlob *c, const char *container, const char *blob,
                 GError **err)
{
    static const char *const headers[] = {
        "x-ms-version: " FL_AZBLOB_VERSION, NULL };
    g_autofree char *url = make_url(c, container, blob,
                                    "comp=blocklist&blocklisttype=committed");
    g_autoptr(GPtrArray) blocks = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_azblob_block_free);
    FlHttpRequest req;
    FlHttpResponse resp;
    gboolean ok = FALSE;
    gsize len;
    const char *body;

    fill_request(c, &req, url, headers);
    if (!fl_http_request(c->http, &req, MAX_BLOCKS_BODY, &resp, err)) {
        g_prefix_error(err, "azblob://%s/%s/%s: ", c->account, container,
                       blob);
        return NULL;
    }
    if (resp.status != 200) {
        refused(c, &resp, container, blob, err);
        goto out;
    }
    body = g_bytes_get_data(resp.body, &len);
    ok = fl_azblob_xml_blocks(body, len, blocks, err);
    if (!ok)
        g_prefix_error(err, "azblob://%s/%s/%s: ", c->account, container,
                       blob);
out:
    fl_http_response_clear(&resp);
    return ok ? g_steal_pointer(&blocks) : NULL;
}

FlHttpStream *
fl_azblob_get(FlAzBlob *c, const char *container, const char *blob,
              guint64 from, guint64 to, GError **err)
{
    g_autofree char *url = make_url(c, container, blob, NULL);
    g_autofree char *range = NULL;
    const char *headers[3] = { "x-ms-version: " FL_AZBLOB_VERSION, NULL,
                               NULL };
    FlHttpRequest req;
    FlHttpResponse resp;
    FlHttpStream *st;

    if (from > 0 || to > 0) {
        /* x-ms-range, not Range: it is signed among the x-ms-* headers. */
        range = to > 0 ? g_strdup_printf("x-ms-range: bytes=%" G_GUINT64_FORMAT
                                         "-%" G_GUINT64_FORMAT, from, to - 1)
                       : g_strdup_printf("x-ms-range: bytes=%"
                                         G_GUINT64_FORMAT "-", from);
        headers[1] = range;
    }
    fill_request(c, &req, url, headers);
    st = fl_http_stream_open(c->http, &req, &resp, err);
    if (st == NULL && (err == NULL || *err == NULL))
        refused(c, &resp, container, blob, err);
    else if (st == NULL)
        g_prefix_error(err, "azblob://%s/%s/%s: ", c->account, container,
                       blob);
    fl_http_response_clear(&resp);
    return st;
}
