/*
 * credentials.c - the AWS credentials chain (see credentials.h): picks the
 * first configured source once, at start-up, then keeps its keys and
 * renews temporary ones.
 *
 * The sources themselves live in profile.c (shared files),
 * cred_process.c, cred_sts.c (web identity) and cred_remote.c (container,
 * instance metadata); this file decides which one applies and when to ask
 * it again.  One GMutex guards the keys and the FlHttp used to renew
 * them: a thread that finds the keys about to expire renews them while the
 * others wait, so the source is asked once, not once per thread.
 */
#include "config.h"

#include <string.h>

#include "aws/cred_process.h"
#include "aws/cred_remote.h"
#include "aws/cred_sts.h"
#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/keys.h"
#include "aws/profile.h"
#include "error.h"
#include "log.h"

/* Temporary keys are renewed when fewer seconds than this are left. */
#define RENEW_BEFORE_S (5 * 60)

typedef enum {
    KIND_ENV,
    KIND_WEB_IDENTITY,
    KIND_PROFILE,               /* static keys of a profile */
    KIND_PROCESS,               /* credential_process of a profile */
    KIND_CONTAINER,
    KIND_IMDS
} Kind;

/* What a try_*() found. */
typedef enum {
    TRY_NOT_CONFIGURED,         /* go on to the next source */
    TRY_FOUND,                  /* c is set up and has keys */
    TRY_FAILED                  /* configured, but broken: *err is set */
} Try;

struct FlAwsCredentials {
    GMutex lock;
    Kind kind;
    char *source;               /* for fl_aws_credentials_source() */
    char *what;                 /* prefix of error messages */
    FlAwsKeys keys;             /* under lock */
    FlHttp *http;               /* remote kinds only; under lock */
    /* What renewing needs. */
    char *command;              /* credential_process */
    char *url;                  /* STS, container or IMDS endpoint */
    char *token_file;           /* web identity or container token file */
    char *token;                /* container token from the environment */
    char *role_arn;
    char *session_name;
    gboolean imds_reachable;    /* the last instance metadata fetch */
};

static const char *
env(const char *name)
{
    const char *v = g_getenv(name);

    return v != NULL && *v != '\0' ? v : NULL;
}

static void
secret_free(char *s)
{
    if (s != NULL)
        memset(s, 0, strlen(s));
    g_free(s);
}

static void
make_http(FlAwsCredentials *c, const FlAwsCredentialsConfig *cfg,
          guint connect_timeout, guint max_attempts)
{
    FlHttpConfig hc;

    fl_http_config_init(&hc);
    hc.connect_timeout = connect_timeout;
    hc.max_attempts = max_attempts;
    hc.ca_bundle = cfg->ca_bundle;
    hc.stop = cfg->stop;
    c->http = fl_http_new(&hc);
}

/*
 * Asks the source for keys.  Static sources were read at start-up and
 * never get here.  Errors are prefixed with the source.
 */
static gboolean
fetch(FlAwsCredentials *c, FlAwsKeys *out, GError **err)
{
    gboolean ok = FALSE;

    switch (c->kind) {
    case KIND_PROCESS:
        ok = fl_aws_cred_process_run(c->command, out, err);
        break;
    case KIND_WEB_IDENTITY:
        ok = fl_aws_cred_sts_web_identity(c->http, c->url, c->role_arn,
                                          c->session_name, c->token_file,
                                          out, err);
        break;
    case KIND_CONTAINER:
        ok = fl_aws_cred_container_fetch(c->http, c->url, c->token_file,
                                         c->token, out, err);
        break;
    case KIND_IMDS:
        ok = fl_aws_cred_imds_fetch(c->http, c->url, &c->imds_reachable,
                                    out, err);
        break;
    case KIND_ENV:
    case KIND_PROFILE:
        g_assert_not_reached();
    }
    if (!ok)
        g_prefix_error(err, "%s: ", c->what);
    return ok;
}

static char *
time_text(gint64 t)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(t);
    char *s = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ")
                 : g_strdup_printf("%" G_GINT64_FORMAT, t);

    if (dt != NULL)
        g_date_time_unref(dt);
    return s;
}

/* The first fetch of a source that renews; keys that arrive already
 * expired are a broken source, better found now than at the first use. */
static Try
first_fetch(FlAwsCredentials *c, GError **err)
{
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    if (!fetch(c, &c->keys, err))
        return TRY_FAILED;
    if (c->keys.expiration != 0 && c->keys.expiration <= now) {
        char *t = time_text(c->keys.expiration);

        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "%s: the credentials expired at %s", c->what, t);
        g_free(t);
        fl_aws_keys_clear(&c->keys);
        return TRY_FAILED;
    }
    return TRY_FOUND;
}

/* ---- 1. environment --------------------------------------------------- */

static Try
try_env(FlAwsCredentials *c, GError **err)
{
    const char *id = env("AWS_ACCESS_KEY_ID");
    const char *secret = env("AWS_SECRET_ACCESS_KEY");

    if (id == NULL && secret == NULL)
        return TRY_NOT_CONFIGURED;
    c->kind = KIND_ENV;
    c->source = g_strdup("environment");
    c->what = g_strdup("environment");
    if (id == NULL || secret == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "environment: %s is set but %s is not",
                    id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                    id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        return TRY_FAILED;
    }
    if (!fl_aws_keys_check_text(id, secret, env("AWS_SESSION_TOKEN"),
                                err)) {
        g_prefix_error(err, "environment: ");
        return TRY_FAILED;
    }
    c->keys.access_key_id = g_strdup(id);
    c->keys.secret_access_key = g_strdup(secret);
    c->keys.session_token = g_strdup(env("AWS_SESSION_TOKEN"));
    return TRY_FOUND;
}

/* ---- 2. web identity -------------------------------------------------- */

static Try
try_web_identity(FlAwsCredentials *c, const FlAwsCredentialsConfig *cfg,
                 GError **err)
{
    const char *file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *role = env("AWS_ROLE_ARN");
    const char *session = env("AWS_ROLE_SESSION_NAME");
    char *region;

    if (file == NULL && role == NULL)
        return TRY_NOT_CONFIGURED;
    c->kind = KIND_WEB_IDENTITY;
    c->source = g_strdup_printf("web identity %s", role ? role : "");
    c->what = g_strdup(c->source);
    if (file == NULL || role == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "web identity: %s is set but %s is not",
                    file ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN",
                    file ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE");
        return TRY_FAILED;
    }
    c->role_arn = g_strdup(role);
    c->token_file = g_strdup(file);
    c->session_name = session
        ? g_strdup(session)
        : g_strdup_printf("flowlog2ipfix-%" G_GINT64_FORMAT,
                          g_get_real_time() / G_USEC_PER_SEC);
    region = fl_aws_region_resolve(cfg->region, cfg->profile);
    c->url = fl_aws_cred_sts_endpoint(region);
    g_free(region);
    make_http(c, cfg, 10, 5);
    return first_fetch(c, err);
}

/* ---- 3. profile ------------------------------------------------------- */

static Try
profile_static(FlAwsCredentials *c, const FlAwsProfile *p, GError **err)
{
    const char *secret = fl_aws_profile_get(p, "aws_secret_access_key");

    c->kind = KIND_PROFILE;
    if (secret == NULL || *secret == '\0') {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "%s (%s): aws_access_key_id without "
                    "aws_secret_access_key", c->what,
                    fl_aws_profile_origin(p, "aws_access_key_id"));
        return TRY_FAILED;
    }
    /* An indented line after a key continues it (profile.h): a '\n'
     * there would split the signed headers. */
    if (!fl_aws_keys_check_text(fl_aws_profile_get(p, "aws_access_key_id"),
                                secret,
                                fl_aws_profile_get(p, "aws_session_token"),
                                err)) {
        g_prefix_error(err, "%s (%s): ", c->what,
                       fl_aws_profile_origin(p, "aws_access_key_id"));
        return TRY_FAILED;
    }
    c->keys.access_key_id =
        g_strdup(fl_aws_profile_get(p, "aws_access_key_id"));
    c->keys.secret_access_key = g_strdup(secret);
    c->keys.session_token =
        g_strdup(fl_aws_profile_get(p, "aws_session_token"));
    if (c->keys.session_token != NULL && *c->keys.session_token == '\0')
        g_clear_pointer(&c->keys.session_token, secret_free);
    return TRY_FOUND;
}

/*
 * The botocore order within a profile: keys of the credentials file, then
 * credential_process, then keys of the config file.
 */
static Try
try_profile(FlAwsCredentials *c, const FlAwsProfile *p, gboolean named,
            GError **err)
{
    const char *id = fl_aws_profile_get(p, "aws_access_key_id");
    const char *process = fl_aws_profile_get(p, "credential_process");
    gboolean id_in_credentials = id != NULL &&
        strcmp(fl_aws_profile_origin(p, "aws_access_key_id"),
               p->credentials_path) == 0;

    if (!p->found && named) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "profile '%s' not found in %s or %s", p->name,
                    p->credentials_path, p->config_path);
        return TRY_FAILED;
    }
    if (!fl_aws_profile_check_supported(p, err))
        return TRY_FAILED;
    if (id != NULL && *id == '\0')
        id = NULL;
    if (process != NULL && *process == '\0')
        process = NULL;
    if (id == NULL && process == NULL)
        return TRY_NOT_CONFIGURED;
    c->source = g_strdup_printf("profile %s", p->name);
    if (id_in_credentials || process == NULL) {
        c->what = g_strdup_printf("profile '%s'", p->name);
        return profile_static(c, p, err);
    }
    c->kind = KIND_PROCESS;
    c->what = g_strdup_printf("profile '%s': credential_process (%s)",
                              p->name,
                              fl_aws_profile_origin(p, "credential_process"));
    c->command = g_strdup(process);
    return first_fetch(c, err);
}

/* ---- 4. container ----------------------------------------------------- */

static Try
try_container(FlAwsCredentials *c, const FlAwsCredentialsConfig *cfg,
              GError **err)
{
    const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");

    if (rel == NULL && full == NULL)
        return TRY_NOT_CONFIGURED;
    c->kind = KIND_CONTAINER;
    c->source = g_strdup("container");
    c->what = g_strdup("container credentials");
    if (rel != NULL) {
        if (rel[0] != '/') {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                        "container credentials: "
                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI does not "
                        "start with '/'");
            return TRY_FAILED;
        }
        c->url = g_strconcat(FL_AWS_CONTAINER_HOST, rel, NULL);
    } else {
        if (!fl_aws_cred_container_check_url(full, err)) {
            g_prefix_error(err, "container credentials: "
                           "AWS_CONTAINER_CREDENTIALS_FULL_URI ");
            return TRY_FAILED;
        }
        c->url = g_strdup(full);
    }
    c->token_file = g_strdup(env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
    if (c->token_file == NULL)
        c->token = g_strdup(env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    make_http(c, cfg, 2, 3);
    return first_fetch(c, err);
}

/* ---- 5. instance metadata --------------------------------------------- */

/*
 * Not configured when disabled or when nothing answers (not on EC2): *why
 * says which, for the "nothing found" message.
 */
static Try
try_imds(FlAwsCredentials *c, const FlAwsCredentialsConfig *cfg,
         char **why, GError **err)
{
    const char *disabled = env("AWS_EC2_METADATA_DISABLED");
    const char *endpoint = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    GError *e = NULL;
    Try r;
    gsize n;

    if (disabled != NULL && g_ascii_strcasecmp(disabled, "true") == 0) {
        *why = g_strdup("instance metadata disabled by "
                        "AWS_EC2_METADATA_DISABLED");
        return TRY_NOT_CONFIGURED;
    }
    c->kind = KIND_IMDS;
    c->source = g_strdup("instance metadata");
    c->what = g_strdup("instance metadata");
    c->url = g_strdup(endpoint ? endpoint : FL_AWS_IMDS_ENDPOINT);
    n = strlen(c->url);
    while (n > 0 && c->url[n - 1] == '/')
        c->url[--n] = '\0';
    /* A host that is not on EC2 must fail fast: 1 s to connect, one
     * retry. */
    make_http(c, cfg, 1, 2);
    if ((r = first_fetch(c, &e)) == TRY_FOUND)
        return r;
    if (!c->imds_reachable) {
        *why = g_strdup(e->message);
        g_error_free(e);
        return TRY_NOT_CONFIGURED;
    }
    g_propagate_error(err, e);
    return TRY_FAILED;
}

/* ---- the chain -------------------------------------------------------- */

/* Forgets what a source that was not configured left behind. */
static void
reset(FlAwsCredentials *c)
{
    fl_aws_keys_clear(&c->keys);
    g_clear_pointer(&c->http, fl_http_free);
    g_clear_pointer(&c->source, g_free);
    g_clear_pointer(&c->what, g_free);
    g_clear_pointer(&c->command, secret_free);
    g_clear_pointer(&c->url, g_free);
    g_clear_pointer(&c->token_file, g_free);
    g_clear_pointer(&c->token, secret_free);
    g_clear_pointer(&c->role_arn, g_free);
    g_clear_pointer(&c->session_name, g_free);
}

static Try
try_sources(FlAwsCredentials *c, const FlAwsCredentialsConfig *cfg,
            char **files, char **imds_why, GError **err)
{
    gboolean named = (cfg->profile != NULL && *cfg->profile != '\0') ||
                     env("AWS_PROFILE") != NULL;
    FlAwsProfile *p;
    Try r;

    if ((r = try_env(c, err)) != TRY_NOT_CONFIGURED)
        return r;
    if ((r = try_web_identity(c, cfg, err)) != TRY_NOT_CONFIGURED)
        return r;
    if ((p = fl_aws_profile_load(cfg->profile, err)) == NULL)
        return TRY_FAILED;
    r = try_profile(c, p, named, err);
    *files = g_strdup_printf("profile '%s' in %s and %s", p->name,
                             p->credentials_path, p->config_path);
    fl_aws_profile_free(p);
    if (r != TRY_NOT_CONFIGURED)
        return r;
    reset(c);
    if ((r = try_container(c, cfg, err)) != TRY_NOT_CONFIGURED)
        return r;
    r = try_imds(c, cfg, imds_why, err);
    if (r == TRY_NOT_CONFIGURED)
        reset(c);
    return r;
}

FlAwsCredentials *
fl_aws_credentials_new(const FlAwsCredentialsConfig *cfg, GError **err)
{
    FlAwsCredentials *c = g_new0(FlAwsCredentials, 1);
    char *files = NULL, *imds_why = NULL;
    Try r;

    g_mutex_init(&c->lock);
    r = try_sources(c, cfg, &files, &imds_why, err);
    if (r == TRY_NOT_CONFIGURED)
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "no AWS credentials found (tried environment, web "
                    "identity, %s, container, instance metadata): %s",
                    files, imds_why);
    g_free(files);
    g_free(imds_why);
    if (r != TRY_FOUND) {
        fl_aws_credentials_free(c);
        return NULL;
    }
    fl_log_debug("AWS credentials from %s%s", c->source,
                 c->keys.expiration ? " (temporary)" : "");
    return c;
}

/* Under c->lock.  FALSE with *err only when the keys have expired. */
static gboolean
renew(FlAwsCredentials *c, GError **err)
{
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    FlAwsKeys fresh;
    GError *e = NULL;

    if (c->keys.expiration == 0 ||
        c->keys.expiration - now >= RENEW_BEFORE_S)
        return TRUE;
    if (fetch(c, &fresh, &e)) {
        fl_aws_keys_clear(&c->keys);
        c->keys = fresh;
        fl_log_debug("AWS credentials from %s renewed", c->source);
        return TRUE;
    }
    if (now < c->keys.expiration) {
        fl_log_warnx("AWS credentials: renewal failed, the current keys "
                     "(%" G_GINT64_FORMAT " s left) are used: %s",
                     c->keys.expiration - now, e->message);
        g_error_free(e);
        return TRUE;
    }
    {
        char *t = time_text(c->keys.expiration);

        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "AWS credentials from %s "
                    "expired at %s and could not be renewed: %s", c->source,
                    t, e->message);
        g_free(t);
        g_error_free(e);
    }
    return FALSE;
}

gboolean
fl_aws_credentials_get(FlAwsCredentials *c, FlAwsKeys *out, GError **err)
{
    gboolean ok;

    g_return_val_if_fail(c != NULL && out != NULL, FALSE);
    g_mutex_lock(&c->lock);
    ok = renew(c, err);
    if (ok)
        fl_aws_keys_copy(out, &c->keys);
    g_mutex_unlock(&c->lock);
    return ok;
}

const char *
fl_aws_credentials_source(const FlAwsCredentials *c)
{
    return c->source;
}

void
fl_aws_credentials_free(FlAwsCredentials *c)
{
    if (c == NULL)
        return;
    reset(c);
    g_mutex_clear(&c->lock);
    g_free(c);
}

char *
fl_aws_region_resolve(const char *explicit_region, const char *profile)
{
    GError *e = NULL;
    FlAwsProfile *p;
    const char *v;
    char *region = NULL;

    if (explicit_region != NULL && *explicit_region != '\0')
        return g_strdup(explicit_region);
    if ((v = env("AWS_REGION")) != NULL ||
        (v = env("AWS_DEFAULT_REGION")) != NULL)
        return g_strdup(v);
    /* Without an error to return, a broken file is a warning: the
     * credentials chain will report it in full. */
    if ((p = fl_aws_profile_load_config(profile, &e)) == NULL) {
        fl_log_warnx("region: %s", e->message);
        g_error_free(e);
        return NULL;
    }
    v = fl_aws_profile_get(p, "region");
    if (v != NULL && *v != '\0')
        region = g_strdup(v);
    fl_aws_profile_free(p);
    return region;
}
