/*
 * aws.c - the run's shared AWS context (aws.h).
 */
#include "config.h"

#include <string.h>

#include "aws/aws.h"
#include "error.h"
#include "log.h"

static gboolean
check_endpoint(const char *url, GError **err)
{
    if (g_str_has_prefix(url, "http://") || g_str_has_prefix(url, "https://"))
        return TRUE;
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                "--endpoint-url: '%s' is not an http:// or https:// URL", url);
    return FALSE;
}

FlAws *
fl_aws_new(const FlAwsConfig *cfg, GError **err)
{
    FlAws *aws;
    FlAwsCredentialsConfig cc;

    if (cfg->endpoint_url && !check_endpoint(cfg->endpoint_url, err))
        return NULL;
    /* Every request would fail on it, one object at a time: say it once. */
    if (cfg->ca_bundle && !g_file_test(cfg->ca_bundle, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--ca-bundle: '%s' is "
                    "not a readable file", cfg->ca_bundle);
        return NULL;
    }
    aws = g_new0(FlAws, 1);
    aws->ref = 1;
    aws->region = fl_aws_region_resolve(cfg->region, cfg->profile);
    if (aws->region == NULL) {
        aws->region = g_strdup("us-east-1");
        aws->region_guessed = TRUE;
    }
    if (cfg->endpoint_url) {
        gsize n = strlen(cfg->endpoint_url);
        while (n > 0 && cfg->endpoint_url[n - 1] == '/')
            n--;
        aws->endpoint_url = g_strndup(cfg->endpoint_url, n);
    }
    aws->ca_bundle = g_strdup(cfg->ca_bundle);
    fl_http_config_init(&aws->http);
    if (cfg->connect_timeout)
        aws->http.connect_timeout = cfg->connect_timeout;
    if (cfg->low_speed_time)
        aws->http.low_speed_time = cfg->low_speed_time;
    if (cfg->max_attempts)
        aws->http.max_attempts = cfg->max_attempts;
    aws->http.ca_bundle = aws->ca_bundle;
    aws->http.stop = cfg->stop;

    memset(&cc, 0, sizeof cc);
    cc.profile = cfg->profile;
    cc.region = aws->region;
    cc.ca_bundle = aws->ca_bundle;
    cc.stop = cfg->stop;
    aws->creds = fl_aws_credentials_new(&cc, err);
    if (aws->creds == NULL) {
        fl_aws_unref(aws);
        return NULL;
    }
    fl_log_debug("AWS: region %s%s, credentials from %s", aws->region,
                 aws->region_guessed ? " (none set: the default)" : "",
                 fl_aws_credentials_source(aws->creds));
    return aws;
}

FlAws *
fl_aws_ref(FlAws *aws)
{
    g_atomic_int_inc(&aws->ref);
    return aws;
}

void
fl_aws_unref(FlAws *aws)
{
    if (aws == NULL || !g_atomic_int_dec_and_test(&aws->ref))
        return;
    g_clear_pointer(&aws->creds, fl_aws_credentials_free);
    g_free(aws->region);
    g_free(aws->endpoint_url);
    g_free(aws->ca_bundle);
    g_free(aws);
}

FlHttp *
fl_aws_http_new(const FlAws *aws)
{
    return fl_http_new(&aws->http);
}

char *
fl_aws_service_endpoint(const FlAws *aws, const char *id, const char *prefix,
                        GError **err)
{
    g_autofree char *var = g_strconcat("AWS_ENDPOINT_URL_", id, NULL);
    const char *name = var, *url = g_getenv(var);
    gsize n;

    if (url == NULL || *url == '\0') {
        name = "AWS_ENDPOINT_URL";
        url = g_getenv(name);
    }
    if (url == NULL || *url == '\0')
        return g_strdup_printf("https://%s.%s.amazonaws.com%s", prefix,
                               aws->region,
                               g_str_has_prefix(aws->region, "cn-")
                               ? ".cn" : "");
    if (!g_str_has_prefix(url, "http://") && !g_str_has_prefix(url, "https://")) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "%s: '%s' is not an http:// or https:// URL", name, url);
        return NULL;
    }
    n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    return g_strndup(url, n);
}
