/*
 * aws_http_probe.c - performs one request through src/aws/http.c, for
 * tests/integration/sigv4_botocore.py.
 *
 *   aws_http_probe [OPTION...] METHOD URL
 *
 * Keys come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN through the test-only stand-in of credentials.c.
 * stdout: "status N\n" then the body.  With --stream the body is read in
 * --read-size pieces through fl_http_stream_read().
 *
 * Exit status: 0 an answer came (any status), 1 no answer (the error on
 * stderr as "error: CODE: message", CODE the FlError number), 2 a stream
 * broke after its headers ("error: CODE: message" and "read N" with the
 * body bytes read before).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/http.h"
#include "error.h"
#include "log.h"
#include "unit/creds_static.h"

static gboolean opt_stream;
static char *opt_body;
static char *opt_service;
static char *opt_region = (char *)"us-east-1";
static char **opt_headers;
static gint opt_attempts = 5;
static gint opt_low_speed = 30;
static gint opt_backoff = 200;
static gint opt_timeout;
static gint opt_read_size = 4096;
static gint64 opt_max_body = 16 * 1024 * 1024;
static gboolean opt_debug;

static const GOptionEntry entries[] = {
    { "stream", 0, 0, G_OPTION_ARG_NONE, &opt_stream, "stream the body", NULL },
    { "body", 0, 0, G_OPTION_ARG_STRING, &opt_body, "request body", "S" },
    { "sign", 0, 0, G_OPTION_ARG_STRING, &opt_service, "sign for", "SVC" },
    { "region", 0, 0, G_OPTION_ARG_STRING, &opt_region, "region", "R" },
    { "header", 'H', 0, G_OPTION_ARG_STRING_ARRAY, &opt_headers,
      "a request header", "'N: V'" },
    { "attempts", 0, 0, G_OPTION_ARG_INT, &opt_attempts, "tries", "N" },
    { "low-speed-time", 0, 0, G_OPTION_ARG_INT, &opt_low_speed, "s", "N" },
    { "backoff-ms", 0, 0, G_OPTION_ARG_INT, &opt_backoff, "base", "MS" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout, "whole limit", "S" },
    { "read-size", 0, 0, G_OPTION_ARG_INT, &opt_read_size, "stream", "N" },
    { "max-body", 0, 0, G_OPTION_ARG_INT64, &opt_max_body, "limit", "N" },
    { "debug", 'd', 0, G_OPTION_ARG_NONE, &opt_debug, "debug log", NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
};

static void
print_status(const FlHttpResponse *resp)
{
    printf("status %ld\n", resp->status);
    if (resp->body != NULL)
        fwrite(g_bytes_get_data(resp->body, NULL), 1,
               g_bytes_get_size(resp->body), stdout);
}

/* Prints and frees *err. */
static int
fail(GError **err, int code)
{
    fprintf(stderr, "error: %d: %s\n", (*err)->code, (*err)->message);
    g_clear_error(err);
    return code;
}

static int
run_stream(FlHttp *h, const FlHttpRequest *req)
{
    g_autofree guint8 *buf = g_malloc(opt_read_size);
    FlHttpResponse resp;
    FlHttpStream *s;
    GError *err = NULL;
    guint64 total = 0;
    gssize n;

    if ((s = fl_http_stream_open(h, req, &resp, &err)) == NULL) {
        if (err != NULL)
            return fail(&err, 1);
        print_status(&resp);
        fl_http_response_clear(&resp);
        return 0;
    }
    print_status(&resp);
    while ((n = fl_http_stream_read(s, buf, opt_read_size, &err)) > 0) {
        fwrite(buf, 1, n, stdout);
        total += n;
    }
    fflush(stdout);
    fl_http_stream_close(s);
    fl_http_response_clear(&resp);
    if (n < 0) {
        fprintf(stderr, "read %" G_GUINT64_FORMAT "\n", total);
        return fail(&err, 2);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("METHOD URL");
    g_autoptr(FlHttp) h = NULL;
    FlAwsCredentials *creds = NULL;
    FlHttpConfig cfg;
    FlHttpSign sign;
    FlHttpRequest req = { 0 };
    FlHttpResponse resp;
    GError *err = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 3) {
        fprintf(stderr, "usage: aws_http_probe [OPTION...] METHOD URL\n");
        return 64;
    }
    fl_log_init(opt_debug ? 3 : 0);
    fl_http_config_init(&cfg);
    cfg.max_attempts = opt_attempts;
    cfg.low_speed_time = opt_low_speed;
    cfg.backoff_base_ms = opt_backoff;
    h = fl_http_new(&cfg);
    req.method = argv[1];
    req.url = argv[2];
    req.headers = (const char *const *)opt_headers;
    req.body = (const guint8 *)opt_body;
    req.body_len = opt_body != NULL ? strlen(opt_body) : 0;
    req.timeout = opt_timeout;
    if (opt_service != NULL) {
        creds = fl_test_credentials_new(g_getenv("AWS_ACCESS_KEY_ID"),
                                        g_getenv("AWS_SECRET_ACCESS_KEY"),
                                        g_getenv("AWS_SESSION_TOKEN"));
        sign.creds = creds;
        sign.region = opt_region;
        sign.service = opt_service;
        req.sign = &sign;
    }
    if (opt_stream) {
        rc = run_stream(h, &req);
    } else if (fl_http_request(h, &req, (gsize)opt_max_body, &resp, &err)) {
        print_status(&resp);
        fl_http_response_clear(&resp);
        rc = 0;
    } else {
        rc = fail(&err, 1);
    }
    g_clear_error(&err);
    fl_aws_credentials_free(creds);
    return rc;
}
