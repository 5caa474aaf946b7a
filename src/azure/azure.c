/*
 * azure.c - the run's Azure context: credential, endpoint, HTTP settings
 * (azure.h).
 */
#include "config.h"

#include <string.h>

#include "azure/azure.h"
#include "error.h"
#include "log.h"

/* A key or token file is a line or two, never megabytes. */
#define MAX_SECRET_FILE (64 * 1024)

/* The file's text, trimmed; NULL with FL_ERROR_IO naming the file. */
static char *
read_secret(const char *path, const char *option, GError **err)
{
    g_autofree char *text = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &text, &len, err)) {
        g_prefix_error(err, "%s: ", option);
        if ((*err)->domain != FL_ERROR) {
            (*err)->domain = FL_ERROR;
            (*err)->code = FL_ERROR_IO;
        }
        return NULL;
    }
    if (len > MAX_SECRET_FILE || memchr(text, '\0', len) != NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s is not a key or "
                    "token file (binary, or over 64 KiB)", option, path);
        return NULL;
    }
    return g_strstrip(g_steal_pointer(&text));
}

/* A Shared Key: base64 of at least 16 bytes.  The text is not repeated
 * in the message, only where it came from. */
static gboolean
set_key(FlAzure *az, const char *b64, const char *source, GError **err)
{
    gsize n = strlen(b64), len = 0;
    guchar *raw;

    for (gsize i = 0; i < n; i++) {
        char c = b64[i];

        if (!g_ascii_isalnum(c) && c != '+' && c != '/' && c != '=') {
            g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "%s: the storage "
                        "account key is not base64", source);
            return FALSE;
        }
    }
    raw = g_base64_decode(b64, &len);
    if (len < 16 || n % 4 != 0) {
        g_free(raw);
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "%s: the storage account "
                    "key is not base64 of an account key", source);
        return FALSE;
    }
    az->key = g_bytes_new_take(raw, len);
    az->cred_source = g_strdup(source);
    return TRUE;
}

static gboolean
set_sas(FlAzure *az, const char *token, const char *source, GError **err)
{
    if (*token == '?')
        token++;
    if (*token == '\0' || strpbrk(token, " \t\r\n#") != NULL
        || strstr(token, "sig=") == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "%s: not a SAS token "
                    "(the query string with sv=...&sig=...)", source);
        return FALSE;
    }
    az->sas = g_strdup(token);
    az->cred_source = g_strdup(source);
    return TRUE;
}

static gboolean
find_credential(FlAzure *az, const FlAzureConfig *cfg, GError **err)
{
    const char *v;

    if (cfg->key_file && cfg->sas_file) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--azure-key-file and "
                    "--azure-sas-file: give one of them");
        return FALSE;
    }
    if (cfg->key_file || cfg->sas_file) {
        const char *opt = cfg->key_file ? "--azure-key-file"
                                        : "--azure-sas-file";
        g_autofree char *text = read_secret(cfg->key_file ? cfg->key_file
                                                          : cfg->sas_file,
                                            opt, err);

        if (text == NULL)
            return FALSE;
        return cfg->key_file ? set_key(az, text, opt, err)
                             : set_sas(az, text, opt, err);
    }
    if ((v = g_getenv("AZURE_STORAGE_KEY")) != NULL && *v) {
        g_autofree char *t = g_strstrip(g_strdup(v));

        return set_key(az, t, "AZURE_STORAGE_KEY", err);
    }
    if ((v = g_getenv("AZURE_STORAGE_SAS_TOKEN")) != NULL && *v) {
        g_autofree char *t = g_strstrip(g_strdup(v));

        return set_sas(az, t, "AZURE_STORAGE_SAS_TOKEN", err);
    }
    g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "azblob:// inputs need a "
                "credential: AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, "
                "or --azure-key-file or --azure-sas-file");
    return FALSE;
}

static gboolean
set_endpoint(FlAzure *az, const char *url, GError **err)
{
    gsize n;

    if (url == NULL)
        return TRUE;
    if ((!g_str_has_prefix(url, "http://") &&
         !g_str_has_prefix(url, "https://")) || strpbrk(url, "?# ") != NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--endpoint-url %s: not "
                    "an http:// or https:// URL without query", url);
        return FALSE;
    }
    n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    az->endpoint_url = g_strndup(url, n);
    return TRUE;
}

FlAzure *
fl_azure_new(const FlAzureConfig *cfg, GError **err)
{
    g_autoptr(FlAzure) az = g_new0(FlAzure, 1);

    az->ref = 1;
    fl_http_config_init(&az->http);
    if (cfg->low_speed_time)
        az->http.low_speed_time = cfg->low_speed_time;
    if (cfg->max_attempts)
        az->http.max_attempts = cfg->max_attempts;
    az->ca_bundle = g_strdup(cfg->ca_bundle);
    az->http.ca_bundle = az->ca_bundle;
    az->http.stop = cfg->stop;
    if (!set_endpoint(az, cfg->endpoint_url, err)
        || !find_credential(az, cfg, err))
        return NULL;
    fl_log_debug("Azure: %s from %s", az->key ? "Shared Key" : "SAS token",
                 az->cred_source);
    return g_steal_pointer(&az);
}

FlAzure *
fl_azure_ref(FlAzure *az)
{
    g_atomic_int_inc(&az->ref);
    return az;
}

void
fl_azure_unref(FlAzure *az)
{
    if (az == NULL || !g_atomic_int_dec_and_test(&az->ref))
        return;
    g_clear_pointer(&az->key, g_bytes_unref);
    if (az->sas != NULL)
        memset(az->sas, 0, strlen(az->sas));
    g_free(az->sas);
    g_free(az->endpoint_url);
    g_free(az->cred_source);
    g_free(az->ca_bundle);
    g_free(az);
}

FlHttp *
fl_azure_http_new(const FlAzure *az)
{
    return fl_http_new(&az->http);
}
