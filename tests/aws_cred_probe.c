/*
 * aws_cred_probe.c - resolves AWS credentials through src/aws/credentials.c
 * with the process's environment, for tests/integration/aws_credentials.py.
 *
 *   aws_cred_probe [--profile P] [--region R] [--gets N] [-v N]
 *
 * stdout: "source NAME", then "key ACCESS_KEY_ID" for each of the N
 * fl_aws_credentials_get() calls (default 1).  The secret and the token
 * are never printed; "token yes" or "token no" says whether there was one.
 * -v sets fl_log_init() verbosity (3 is the program's -vv: debug lines).
 *
 * Exit status: 0 ok, 1 an error, on stderr as "error: CODE: message" with
 * CODE the FlError number.
 */
#include "config.h"

#include <stdio.h>

#include "aws/credentials.h"
#include "error.h"
#include "log.h"

static char *opt_profile;
static char *opt_region;
static gint opt_gets = 1;
static gint opt_verbosity = 1;

static const GOptionEntry entries[] = {
    { "profile", 0, 0, G_OPTION_ARG_STRING, &opt_profile, "profile", "P" },
    { "region", 0, 0, G_OPTION_ARG_STRING, &opt_region, "region", "R" },
    { "gets", 0, 0, G_OPTION_ARG_INT, &opt_gets, "get calls", "N" },
    { "verbosity", 'v', 0, G_OPTION_ARG_INT, &opt_verbosity,
      "fl_log_init level", "N" },
    { NULL, 0, 0, 0, NULL, NULL, NULL }
};

static int
fail(GError *err)
{
    fprintf(stderr, "error: %d: %s\n", err->code, err->message);
    g_error_free(err);
    return 1;
}

int
main(int argc, char **argv)
{
    GOptionContext *ctx = g_option_context_new(NULL);
    FlAwsCredentialsConfig cfg = { 0 };
    FlAwsCredentials *c;
    GError *err = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        g_option_context_free(ctx);
        return fail(err);
    }
    g_option_context_free(ctx);
    fl_log_init(opt_verbosity);
    cfg.profile = opt_profile;
    cfg.region = opt_region;
    if ((c = fl_aws_credentials_new(&cfg, &err)) == NULL)
        return fail(err);
    printf("source %s\n", fl_aws_credentials_source(c));
    fflush(stdout);
    for (gint i = 0; i < opt_gets; i++) {
        FlAwsKeys k = { 0 };

        if (!fl_aws_credentials_get(c, &k, &err)) {
            fl_aws_credentials_free(c);
            return fail(err);
        }
        printf("key %s\ntoken %s\n", k.access_key_id,
               k.session_token ? "yes" : "no");
        fflush(stdout);
        fl_aws_keys_clear(&k);
    }
    fl_aws_credentials_free(c);
    return 0;
}
