/*
 * sharedkey.c - Azure Storage Shared Key signatures (sharedkey.h).
 */
#include "config.h"

#include <string.h>

#include "aws/http.h"
#include "azure/sharedkey.h"
#include "error.h"

/* The standard headers of the string to sign, in its order. */
static const char *const std_headers[] = {
    "content-encoding", "content-language", "content-length", "content-md5",
    "content-type", "date", "if-modified-since", "if-match",
    "if-none-match", "if-unmodified-since", "range",
};

char *
fl_azure_http_date(gint64 now)
{
    static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri",
                                        "Sat", "Sun" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
                                          "Jun", "Jul", "Aug", "Sep", "Oct",
                                          "Nov", "Dec" };
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(now);

    return g_strdup_printf("%s, %02d %s %04d %02d:%02d:%02d GMT",
                           days[g_date_time_get_day_of_week(t) - 1],
                           g_date_time_get_day_of_month(t),
                           months[g_date_time_get_month(t) - 1],
                           g_date_time_get_year(t), g_date_time_get_hour(t),
                           g_date_time_get_minute(t),
                           g_date_time_get_second(t));
}

/* "Name: value" -> lower-case name and trimmed value, or FALSE. */
static gboolean
split_line(const char *line, char **name, char **value)
{
    const char *colon = strchr(line, ':');

    if (colon == NULL)
        return FALSE;
    *name = g_strstrip(g_ascii_strdown(line, colon - line));
    *value = g_strstrip(g_strdup(colon + 1));
    return TRUE;
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The x-ms-* headers as "name:value\n", sorted; the standard ones into
 * std (indexed as std_headers). */
static void
canonical_headers(const GPtrArray *lines, GString *out, char **std)
{
    g_autoptr(GPtrArray) ms = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; lines != NULL && i < lines->len; i++) {
        g_autofree char *name = NULL, *value = NULL;

        if (!split_line(lines->pdata[i], &name, &value))
            continue;
        if (g_str_has_prefix(name, "x-ms-")) {
            g_ptr_array_add(ms, g_strdup_printf("%s:%s", name, value));
            continue;
        }
        for (guint k = 0; k < G_N_ELEMENTS(std_headers); k++)
            if (strcmp(name, std_headers[k]) == 0) {
                g_free(std[k]);
                std[k] = g_steal_pointer(&value);
            }
    }
    g_ptr_array_sort(ms, cmp_str);
    for (guint i = 0; i < ms->len; i++)
        g_string_append_printf(out, "%s\n", (char *)ms->pdata[i]);
}

static gint
cmp_name(gconstpointer a, gconstpointer b, gpointer data)
{
    (void)data;
    return strcmp(a, b);
}

static gboolean
append_param(gpointer key, gpointer value, gpointer data)
{
    GPtrArray *vals = value;
    GString *out = data;

    g_ptr_array_sort(vals, cmp_str);
    g_string_append_printf(out, "\n%s:", (const char *)key);
    for (guint i = 0; i < vals->len; i++)
        g_string_append_printf(out, "%s%s", i ? "," : "",
                               (const char *)vals->pdata[i]);
    return FALSE;
}

/* "/ACCOUNT/path" then "\nname:v1,v2" per query name, sorted. */
static gboolean
canonical_resource(const char *account, const char *url, GString *out,
                   GError **err)
{
    const char *p = strstr(url, "://"), *q;
    g_autoptr(GTree) params = NULL;
    g_auto(GStrv) pairs = NULL;

    if (p == NULL || (p = strchr(p + 3, '/')) == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "not an absolute URL");
        return FALSE;
    }
    q = strchr(p, '?');
    g_string_append_printf(out, "/%s", account);
    g_string_append_len(out, p, q ? q - p : (gssize)strlen(p));
    if (q == NULL)
        return TRUE;
    params = g_tree_new_full(cmp_name, NULL, g_free,
                             (GDestroyNotify)g_ptr_array_unref);
    pairs = g_strsplit(q + 1, "&", -1);
    for (guint i = 0; pairs[i]; i++) {
        const char *eq = strchr(pairs[i], '=');
        g_autofree char *name = NULL, *raw = NULL;
        char *value;
        GPtrArray *vals;

        if (*pairs[i] == '\0')
            continue;
        raw = g_ascii_strdown(pairs[i], eq ? eq - pairs[i] : -1);
        name = fl_uri_decode(raw, FALSE, err);
        value = name ? fl_uri_decode(eq ? eq + 1 : "", FALSE, err) : NULL;
        if (value == NULL)
            return FALSE;
        if ((vals = g_tree_lookup(params, name)) == NULL) {
            vals = g_ptr_array_new_with_free_func(g_free);
            g_tree_insert(params, g_strdup(name), vals);
        }
        g_ptr_array_add(vals, value);
    }
    g_tree_foreach(params, append_param, out);
    return TRUE;
}

char *
fl_azure_sharedkey_string(const char *account, const char *method,
                          const char *url, gsize body_len,
                          const GPtrArray *lines, GError **err)
{
    char *std[G_N_ELEMENTS(std_headers)] = { 0 };
    GString *s = g_string_new(method);
    GString *headers = g_string_new(NULL);

    canonical_headers(lines, headers, std);
    /* The length is the body's; an empty body is an empty line. */
    g_free(std[2]);
    std[2] = body_len ? g_strdup_printf("%" G_GSIZE_FORMAT, body_len) : NULL;
    g_string_append_c(s, '\n');
    for (guint k = 0; k < G_N_ELEMENTS(std_headers); k++) {
        g_string_append_printf(s, "%s\n", std[k] ? std[k] : "");
        g_free(std[k]);
    }
    g_string_append_len(s, headers->str, (gssize)headers->len);
    g_string_free(headers, TRUE);
    if (!canonical_resource(account, url, s, err)) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

gboolean
fl_azure_sharedkey_sign(const char *account, GBytes *key, const char *method,
                        const char *url, gsize body_len, gint64 now,
                        GPtrArray *lines, GError **err)
{
    g_autofree char *date = fl_azure_http_date(now);
    g_autofree char *sts = NULL, *sig = NULL;
    guint8 digest[32];
    gsize dlen = sizeof digest;
    GHmac *mac;

    g_ptr_array_add(lines, g_strdup_printf("x-ms-date: %s", date));
    sts = fl_azure_sharedkey_string(account, method, url, body_len, lines,
                                    err);
    if (sts == NULL)
        return FALSE;
    mac = g_hmac_new(G_CHECKSUM_SHA256, g_bytes_get_data(key, NULL),
                     g_bytes_get_size(key));
    g_hmac_update(mac, (const guchar *)sts, (gssize)strlen(sts));
    g_hmac_get_digest(mac, digest, &dlen);
    g_hmac_unref(mac);
    sig = g_base64_encode(digest, dlen);
    g_ptr_array_add(lines, g_strdup_printf("Authorization: SharedKey %s:%s",
                                           account, sig));
    return TRUE;
}
