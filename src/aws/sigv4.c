/*
 * sigv4.c - AWS Signature Version 4 (see sigv4.h).
 *
 * The steps are AWS's: a canonical request (method, URI, query, headers,
 * signed header names, payload hash), a string to sign that carries its
 * hash, a signing key derived from the secret through date, region and
 * service, and the HMAC of the string to sign with that key.
 *
 * Not here: path normalization (dot segments, repeated slashes) that some
 * signers do for non-S3 services; our callers build clean paths.
 */
#include "config.h"

#include <string.h>

#include "aws/http.h"
#include "aws/sigv4.h"
#include "error.h"

#define ALGORITHM "AWS4-HMAC-SHA256"

typedef struct {
    char *authority;    /* host[:port] as sent in Host */
    char *path;         /* never empty: "/" at least */
    char *query;        /* NULL when the URL has none */
} Url;

typedef struct {
    char *name;         /* lower case */
    char *value;        /* trimmed, inner runs of blanks collapsed */
    guint order;        /* keeps repeated headers in their order */
} Header;

typedef struct {
    char *name;         /* encoded */
    char *value;        /* encoded */
} Param;

static void
url_clear(Url *u)
{
    g_free(u->authority);
    g_free(u->path);
    g_free(u->query);
}

/* Drops a port that curl would leave out of Host as well. */
static char *
host_of(const char *scheme, const char *auth, gsize len)
{
    const char *colon = NULL;

    for (gsize i = len; i > 0; i--) {
        if (auth[i - 1] == ']')
            break;                      /* end of an IPv6 literal */
        if (auth[i - 1] == ':') {
            colon = auth + i - 1;
            break;
        }
    }
    if (colon != NULL &&
        ((g_ascii_strcasecmp(scheme, "https") == 0 &&
          strcmp(colon, ":443") == 0) ||
         (g_ascii_strcasecmp(scheme, "http") == 0 &&
          strcmp(colon, ":80") == 0)))
        len = (gsize)(colon - auth);
    return g_strndup(auth, len);
}

static gboolean
url_parse(const char *url, Url *u, GError **err)
{
    const char *sep = strstr(url, "://");
    const char *auth, *end, *q;
    g_autofree char *scheme = NULL;
    g_autofree char *auth_s = NULL;

    memset(u, 0, sizeof(*u));
    if (sep == NULL || sep == url)
        goto bad;
    scheme = g_strndup(url, (gsize)(sep - url));
    auth = sep + 3;
    end = auth + strcspn(auth, "/?#");
    if (end == auth || memchr(auth, '@', (gsize)(end - auth)) != NULL)
        goto bad;                       /* no host, or user info */
    auth_s = g_strndup(auth, (gsize)(end - auth));
    u->authority = host_of(scheme, auth_s, strlen(auth_s));
    q = end + strcspn(end, "?#");
    u->path = q == end ? g_strdup("/") : g_strndup(end, (gsize)(q - end));
    if (*q == '?')
        u->query = g_strndup(q + 1, strcspn(q + 1, "#"));
    return TRUE;

bad:
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                "cannot sign \"%s\": not scheme://host/path", url);
    url_clear(u);
    return FALSE;
}

static gint
param_cmp(gconstpointer a, gconstpointer b)
{
    const Param *pa = *(const Param *const *)a;
    const Param *pb = *(const Param *const *)b;
    int c = strcmp(pa->name, pb->name);

    return c != 0 ? c : strcmp(pa->value, pb->value);
}

static void
param_free(gpointer p)
{
    Param *pa = p;

    g_free(pa->name);
    g_free(pa->value);
    g_free(pa);
}

/* Decoded and encoded again, so that "a%2fb" and "a%2Fb" sign alike and
 * a '+' is the byte '+' (%2B), as AWS reads it. */
static char *
recode(const char *s, gsize len, GError **err)
{
    g_autofree char *raw = g_strndup(s, len);
    g_autofree char *dec = NULL;
    GError *local = NULL;

    if ((dec = fl_uri_decode(raw, FALSE, &local)) == NULL) {
        /* A URL we cannot parse is the caller's mistake: CONFIG. */
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "cannot sign: %s",
                    local->message);
        g_error_free(local);
        return NULL;
    }
    return fl_uri_encode(dec, FALSE);
}

static char *
canonical_query(const char *query, GError **err)
{
    g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func(param_free);
    g_auto(GStrv) pairs = NULL;
    GString *out;

    if (query == NULL)
        return g_strdup("");
    pairs = g_strsplit(query, "&", -1);
    for (char **p = pairs; *p != NULL; p++) {
        const char *eq = strchr(*p, '=');
        gsize nlen = eq != NULL ? (gsize)(eq - *p) : strlen(*p);
        Param *pa;

        if (**p == '\0')
            continue;                   /* "a=1&&b=2" */
        pa = g_new0(Param, 1);
        g_ptr_array_add(params, pa);
        pa->name = recode(*p, nlen, err);
        pa->value = pa->name == NULL ? NULL :
                    recode(eq != NULL ? eq + 1 : "", eq != NULL ?
                           strlen(eq + 1) : 0, err);
        if (pa->value == NULL)
            return NULL;
    }
    g_ptr_array_sort(params, param_cmp);
    out = g_string_new(NULL);
    for (guint i = 0; i < params->len; i++) {
        const Param *pa = params->pdata[i];

        g_string_append_printf(out, "%s%s=%s", i > 0 ? "&" : "", pa->name,
                               pa->value);
    }
    return g_string_free(out, FALSE);
}

static void
header_free(gpointer p)
{
    Header *h = p;

    g_free(h->name);
    g_free(h->value);
    g_free(h);
}

static gint
header_cmp(gconstpointer a, gconstpointer b)
{
    const Header *ha = *(const Header *const *)a;
    const Header *hb = *(const Header *const *)b;
    int c = strcmp(ha->name, hb->name);

    if (c != 0)
        return c;
    return ha->order < hb->order ? -1 : ha->order > hb->order;
}

/* Trimall: no blanks at either end, runs of blanks inside become one. */
static char *
trim_all(const char *v)
{
    GString *out = g_string_new(NULL);
    gboolean blank = FALSE;

    for (; *v != '\0'; v++) {
        if (*v == ' ' || *v == '\t') {
            blank = TRUE;
            continue;
        }
        if (blank && out->len > 0)
            g_string_append_c(out, ' ');
        blank = FALSE;
        g_string_append_c(out, *v);
    }
    return g_string_free(out, FALSE);
}

static gboolean
add_header(GPtrArray *list, const char *line, GError **err)
{
    const char *colon = strchr(line, ':');
    Header *h;

    if (colon == NULL || colon == line) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "cannot sign header \"%.*s\": no name", 40, line);
        return FALSE;
    }
    h = g_new0(Header, 1);
    h->name = g_ascii_strdown(line, colon - line);
    g_strstrip(h->name);
    h->value = trim_all(colon + 1);
    h->order = list->len;
    g_ptr_array_add(list, h);
    return TRUE;
}

/* "name:v1,v2\n..." and "name;name2" from a sorted list. */
static void
canonical_headers(GPtrArray *list, GString *canon, GString *signed_names)
{
    for (guint i = 0; i < list->len; i++) {
        const Header *h = list->pdata[i];
        const Header *prev = i > 0 ? list->pdata[i - 1] : NULL;

        if (prev != NULL && strcmp(prev->name, h->name) == 0) {
            g_string_append_printf(canon, ",%s", h->value);
            continue;
        }
        if (prev != NULL)
            g_string_append_c(canon, '\n');
        g_string_append_printf(canon, "%s:%s", h->name, h->value);
        g_string_append_printf(signed_names, "%s%s", i > 0 ? ";" : "",
                               h->name);
    }
    g_string_append_c(canon, '\n');
}

char *
fl_sigv4_sha256_hex(const guint8 *data, gsize len)
{
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                       data != NULL ? data : (const guint8 *)"",
                                       len);
}

static void
hmac(const guint8 *key, gsize key_len, const char *msg, guint8 out[32])
{
    GHmac *m = g_hmac_new(G_CHECKSUM_SHA256, key, key_len);
    gsize len = 32;

    g_hmac_update(m, (const guchar *)msg, -1);
    g_hmac_get_digest(m, out, &len);
    g_hmac_unref(m);
}

/* HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request"), then the hex HMAC of the string to sign. */
static char *
signature(const char *secret, const char *date, const char *region,
          const char *service, const char *string_to_sign)
{
    g_autofree char *k0 = g_strconcat("AWS4", secret, NULL);
    guint8 k[32], sig[32];
    char hex[65];

    hmac((const guint8 *)k0, strlen(k0), date, k);
    hmac(k, sizeof(k), region, k);
    hmac(k, sizeof(k), service, k);
    hmac(k, sizeof(k), "aws4_request", k);
    hmac(k, sizeof(k), string_to_sign, sig);
    for (int i = 0; i < 32; i++)
        g_snprintf(hex + 2 * i, 3, "%02x", sig[i]);
    memset(k, 0, sizeof(k));
    memset(k0, 0, strlen(k0));          /* the secret, in a heap copy */
    return g_strdup(hex);
}

static gboolean
sign_url(const FlSigv4Request *req, const FlAwsKeys *keys, GPtrArray *headers,
         Url *u, GError **err)
{
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(header_free);
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(req->now);
    g_autofree char *amz_date = g_date_time_format(t, "%Y%m%dT%H%M%SZ");
    g_autofree char *day = g_strndup(amz_date, 8);
    g_autofree char *payload = fl_sigv4_sha256_hex(req->body, req->body_len);
    g_autofree char *query = NULL, *path = NULL, *creq_hash = NULL;
    g_autofree char *sts = NULL, *sig = NULL, *scope = NULL;
    GString *canon, *names, *creq;
    gboolean have_host = FALSE;

    if ((query = canonical_query(u->query, err)) == NULL)
        return FALSE;
    for (guint i = 0; i < headers->len; i++) {
        if (!add_header(list, headers->pdata[i], err))
            return FALSE;
        have_host |= strcmp(((Header *)list->pdata[i])->name, "host") == 0;
    }
    g_ptr_array_add(headers, g_strconcat("X-Amz-Date: ", amz_date, NULL));
    if (keys->session_token != NULL)
        g_ptr_array_add(headers, g_strconcat("X-Amz-Security-Token: ",
                                             keys->session_token, NULL));
    if (req->s3)
        g_ptr_array_add(headers, g_strconcat("X-Amz-Content-Sha256: ",
                                             payload, NULL));
    for (guint i = list->len; i < headers->len; i++)
        add_header(list, headers->pdata[i], NULL);  /* ours: well formed */
    if (!have_host) {
        g_autofree char *line = g_strconcat("host:", u->authority, NULL);

        add_header(list, line, NULL);
    }
    g_ptr_array_sort(list, header_cmp);

    /* S3 signs the path as sent; the others encode it once more. */
    path = req->s3 ? g_strdup(u->path) : fl_uri_encode(u->path, TRUE);
    canon = g_string_new(NULL);
    names = g_string_new(NULL);
    canonical_headers(list, canon, names);
    creq = g_string_new(NULL);
    g_string_printf(creq, "%s\n%s\n%s\n%s\n%s\n%s", req->method, path, query,
                    canon->str, names->str, payload);
    creq_hash = fl_sigv4_sha256_hex((const guint8 *)creq->str, creq->len);
    scope = g_strdup_printf("%s/%s/%s/aws4_request", day, req->region,
                            req->service);
    sts = g_strdup_printf(ALGORITHM "\n%s\n%s\n%s", amz_date, scope,
                          creq_hash);
    sig = signature(keys->secret_access_key, day, req->region, req->service,
                    sts);
    g_ptr_array_add(headers, g_strdup_printf(
        "Authorization: " ALGORITHM " Credential=%s/%s, SignedHeaders=%s, "
        "Signature=%s", keys->access_key_id, scope, names->str, sig));
    g_string_free(canon, TRUE);
    g_string_free(names, TRUE);
    g_string_free(creq, TRUE);
    return TRUE;
}

gboolean
fl_sigv4_sign(const FlSigv4Request *req, const FlAwsKeys *keys,
              GPtrArray *headers, GError **err)
{
    Url u;
    gboolean ok;

    g_return_val_if_fail(req != NULL && keys != NULL && headers != NULL,
                         FALSE);
    if (!url_parse(req->url, &u, err))
        return FALSE;
    ok = sign_url(req, keys, headers, &u, err);
    url_clear(&u);
    return ok;
}
