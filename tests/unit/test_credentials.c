/*
 * test_credentials.c - unit tests for the AWS credentials chain parts that
 * need no network: the shared-file parser (comments, spacing, section
 * naming, precedence, refusals), credential_process (good and bad
 * answers, exit status, size limit, renewal and expiry), the STS and
 * container answers, the container URI rule, environment precedence and
 * the region order.
 *
 * Every test runs with HOME in a scratch directory, all AWS_* variables
 * unset and instance metadata disabled, so the developer's ~/.aws and
 * the network are never touched.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "aws/cred_process.h"
#include "aws/cred_remote.h"
#include "aws/cred_sts.h"
#include "aws/credentials.h"
#include "aws/keys.h"
#include "aws/profile.h"
#include "error.h"

typedef struct {
    char *dir;
    char *config;               /* AWS_CONFIG_FILE */
    char *credentials;          /* AWS_SHARED_CREDENTIALS_FILE */
} Fixture;

static void
clear_aws_env(void)
{
    char **envp = g_get_environ();

    for (char **e = envp; *e != NULL; e++) {
        if (g_str_has_prefix(*e, "AWS_")) {
            char *name = g_strndup(*e, strcspn(*e, "="));

            g_unsetenv(name);
            g_free(name);
        }
    }
    g_strfreev(envp);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    GError *err = NULL;

    f->dir = g_dir_make_tmp("fl-creds-XXXXXX", &err);
    g_assert_no_error(err);
    clear_aws_env();
    g_setenv("HOME", f->dir, TRUE);
    g_setenv("AWS_EC2_METADATA_DISABLED", "true", TRUE);
    f->config = g_build_filename(f->dir, "config", NULL);
    f->credentials = g_build_filename(f->dir, "credentials", NULL);
    g_setenv("AWS_CONFIG_FILE", f->config, TRUE);
    g_setenv("AWS_SHARED_CREDENTIALS_FILE", f->credentials, TRUE);
}

static void
remove_tree(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        char *p = g_build_filename(dir, name, NULL);

        g_remove(p);
        g_free(p);
    }
    if (d != NULL)
        g_dir_close(d);
    g_rmdir(dir);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    clear_aws_env();
    remove_tree(f->dir);
    g_free(f->dir);
    g_free(f->config);
    g_free(f->credentials);
}

static void
write_file(const char *path, const char *text)
{
    GError *err = NULL;

    g_file_set_contents(path, text, -1, &err);
    g_assert_no_error(err);
}

/* An executable /bin/sh script in the fixture directory; caller frees. */
static char *
write_script(Fixture *f, const char *name, const char *body)
{
    char *path = g_build_filename(f->dir, name, NULL);
    char *text = g_strconcat("#!/bin/sh\n", body, NULL);

    write_file(path, text);
    g_assert_cmpint(g_chmod(path, 0755), ==, 0);
    g_free(text);
    return path;
}

static char *
iso_time(gint64 t)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(t);
    char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");

    g_date_time_unref(dt);
    return s;
}

static gint64
now_s(void)
{
    return g_get_real_time() / G_USEC_PER_SEC;
}

/* ---- profile files ----------------------------------------------------- */

static FlAwsProfile *
load_ok(const char *name)
{
    GError *err = NULL;
    FlAwsProfile *p = fl_aws_profile_load(name, &err);

    g_assert_no_error(err);
    g_assert_nonnull(p);
    return p;
}

static void
test_profile_syntax(Fixture *f, gconstpointer data)
{
    FlAwsProfile *p;

    write_file(f->config,
               "# a comment\n"
               "; another comment\n"
               "[default]\n"
               "region=eu-west-1\n"
               " \f\n"
               "\n"
               "[profile dev]   ; comment after the header\n"
               "   region   =   us-east-2    # inline comment\n"
               "Output = json\r\n"
               "s3 =\n"
               "    max_concurrent_requests = 20\n"
               "    addressing_style = path\n"
               "cli_pager=less;not-a-comment\n"
               "[dev]\n"
               "region = wrong-because-no-profile-prefix\n"
               "[sso-session corp]\n"
               "region = not-a-profile\n");
    p = load_ok("dev");
    g_assert_true(p->found);
    g_assert_cmpstr(fl_aws_profile_get(p, "region"), ==, "us-east-2");
    /* Keys are case-insensitive, CR of CRLF is dropped. */
    g_assert_cmpstr(fl_aws_profile_get(p, "output"), ==, "json");
    /* Sub-properties stay inside their property. */
    g_assert_null(fl_aws_profile_get(p, "max_concurrent_requests"));
    g_assert_cmpstr(fl_aws_profile_get(p, "s3"), ==,
                    "\nmax_concurrent_requests = 20\naddressing_style = path");
    /* ';' not after white space belongs to the value. */
    g_assert_cmpstr(fl_aws_profile_get(p, "cli_pager"), ==,
                    "less;not-a-comment");
    fl_aws_profile_free(p);

    p = load_ok("default");
    g_assert_true(p->found);
    /* A continuation line of white space adds no empty line. */
    g_assert_cmpstr(fl_aws_profile_get(p, "region"), ==, "eu-west-1");
    g_assert_null(fl_aws_profile_get(p, "output"));
    fl_aws_profile_free(p);

    /* "[corp]" is not in the config file as a profile. */
    p = load_ok("corp");
    g_assert_false(p->found);
    fl_aws_profile_free(p);
}

static void
test_profile_sections(Fixture *f, gconstpointer data)
{
    FlAwsProfile *p;

    /* Credentials file: "[NAME]"; "[profile NAME]" there is another name. */
    write_file(f->credentials,
               "[dev]\naws_access_key_id = AKIDDEV\n"
               "[profile other]\naws_access_key_id = AKIDOTHER\n");
    write_file(f->config, "[profile dev]\nregion = us-west-1\n");
    p = load_ok("dev");
    g_assert_cmpstr(fl_aws_profile_get(p, "aws_access_key_id"), ==,
                    "AKIDDEV");
    g_assert_cmpstr(fl_aws_profile_get(p, "region"), ==, "us-west-1");
    fl_aws_profile_free(p);
    p = load_ok("other");
    g_assert_false(p->found);
    fl_aws_profile_free(p);
}

static void
test_profile_precedence(Fixture *f, gconstpointer data)
{
    FlAwsProfile *p;

    write_file(f->config,
               "[default]\naws_access_key_id = FROMCONFIG\n"
               "aws_secret_access_key = configsecret\nregion = ap-south-1\n");
    write_file(f->credentials,
               "[default]\naws_access_key_id = FROMCREDS\n"
               "aws_secret_access_key = credssecret\n");
    p = load_ok(NULL);
    g_assert_cmpstr(p->name, ==, "default");
    g_assert_cmpstr(fl_aws_profile_get(p, "aws_access_key_id"), ==,
                    "FROMCREDS");
    g_assert_cmpstr(fl_aws_profile_origin(p, "aws_access_key_id"), ==,
                    f->credentials);
    g_assert_cmpstr(fl_aws_profile_get(p, "region"), ==, "ap-south-1");
    g_assert_cmpstr(fl_aws_profile_origin(p, "region"), ==, f->config);
    fl_aws_profile_free(p);

    /* AWS_PROFILE names the profile when none is given. */
    g_setenv("AWS_PROFILE", "nope", TRUE);
    p = load_ok(NULL);
    g_assert_cmpstr(p->name, ==, "nope");
    g_assert_false(p->found);
    fl_aws_profile_free(p);
    p = load_ok("default");
    g_assert_true(p->found);
    fl_aws_profile_free(p);
}

static void
test_profile_default_paths(Fixture *f, gconstpointer data)
{
    char *aws = g_build_filename(f->dir, ".aws", NULL);
    char *cfg = g_build_filename(aws, "config", NULL);
    char *path;

    g_unsetenv("AWS_CONFIG_FILE");
    g_unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    path = fl_aws_profile_config_path();
    g_assert_cmpstr(path, ==, cfg);
    g_free(path);
    path = fl_aws_profile_credentials_path();
    g_assert_true(g_str_has_prefix(path, f->dir));
    g_assert_true(g_str_has_suffix(path, "/.aws/credentials"));
    g_free(path);
    g_setenv("AWS_CONFIG_FILE", "~/elsewhere", TRUE);
    path = fl_aws_profile_config_path();
    g_assert_true(g_str_has_prefix(path, f->dir));
    g_assert_true(g_str_has_suffix(path, "/elsewhere"));
    g_free(path);
    g_free(cfg);
    g_free(aws);
}

typedef struct {
    const char *text;
    const char *where;          /* expected "PATH:LINE" suffix */
} BadIni;

static const BadIni bad_inis[] = {
    { "[default]\njust words\n", ":2: expected 'key = value'" },
    { "key = value\n[default]\n", ":1: property before any section" },
    { "[default\nregion = x\n", ":1: section header without ']'" },
    { "[]\n", ":1: empty section name" },
    { "[default] trailing\n", ":1: text after the section header" },
    { "[default]\n = value\n", ":2: property without a name" },
};

static void
test_profile_malformed(Fixture *f, gconstpointer data)
{
    for (guint i = 0; i < G_N_ELEMENTS(bad_inis); i++) {
        GError *err = NULL;
        FlAwsProfile *p;

        write_file(f->config, bad_inis[i].text);
        p = fl_aws_profile_load("default", &err);
        g_assert_null(p);
        g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
        g_assert_true(g_str_has_prefix(err->message, f->config));
        if (strstr(err->message, bad_inis[i].where) == NULL)
            g_error("case %u: '%s' lacks '%s'", i, err->message,
                    bad_inis[i].where);
        g_error_free(err);
    }
}

typedef struct {
    const char *lines;
    const char *named;          /* "uses NAMED: not supported" */
} Refusal;

static const Refusal refusals[] = {
    { "role_arn = arn:aws:iam::1:role/r\nsource_profile = default\n",
      "role_arn (assume role)" },
    { "source_profile = default\n", "source_profile (assume role)" },
    { "credential_source = Ec2InstanceMetadata\n",
      "credential_source (assume role)" },
    { "sso_session = corp\n", "sso_session (IAM Identity Center)" },
    { "sso_start_url = https://x.awsapps.com/start\n",
      "sso_start_url (IAM Identity Center)" },
    { "sso_account_id = 1\nsso_role_name = r\n", "(IAM Identity Center)" },
    { "web_identity_token_file = /t\n", "web_identity_token_file" },
};

static void
test_profile_refusals(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { .profile = "x" };

    for (guint i = 0; i < G_N_ELEMENTS(refusals); i++) {
        char *text = g_strconcat("[profile x]\n", refusals[i].lines,
                                 "aws_access_key_id = AKID\n"
                                 "aws_secret_access_key = s\n", NULL);
        const char *want = refusals[i].named;
        GError *err = NULL;
        FlAwsCredentials *c;

        write_file(f->config, text);
        c = fl_aws_credentials_new(&cfg, &err);
        g_assert_null(c);
        g_assert_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED);
        if (!g_str_has_prefix(err->message, "profile 'x' uses ") ||
            strstr(err->message, want) == NULL ||
            strstr(err->message, "not supported") == NULL)
            g_error("case %u: '%s' does not say '%s'", i, err->message,
                    want);
        g_error_free(err);
        g_free(text);
    }
}

/* ---- credential_process ------------------------------------------------ */

static void
test_process_good(Fixture *f, gconstpointer data)
{
    char *script = write_script(f, "good.sh",
        "cat <<'EOF'\n"
        "{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\",\n"
        " \"SecretAccessKey\": \"procsecret\", \"SessionToken\": \"tok\",\n"
        " \"Expiration\": \"2030-01-02T03:04:05Z\"}\n"
        "EOF\n");
    GError *err = NULL;
    FlAwsKeys k;

    g_assert_true(fl_aws_cred_process_run(script, &k, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(k.access_key_id, ==, "AKIDPROC");
    g_assert_cmpstr(k.secret_access_key, ==, "procsecret");
    g_assert_cmpstr(k.session_token, ==, "tok");
    g_assert_cmpint(k.expiration, ==, G_GINT64_CONSTANT(1893553445));
    fl_aws_keys_clear(&k);
    g_assert_null(k.access_key_id);
    g_assert_cmpint(k.expiration, ==, 0);
    g_free(script);
}

typedef struct {
    const char *name;
    const char *body;           /* the script after #!/bin/sh */
    FlError code;
    const char *says;           /* part of the message */
} ProcessCase;

static const ProcessCase process_cases[] = {
    { "not-json", "echo 'this is { not json'\n", FL_ERROR_AUTH,
      "not JSON" },
    { "array", "echo '[1, 2]'\n", FL_ERROR_AUTH, "not a JSON object" },
    { "empty", "echo\n", FL_ERROR_AUTH, "output is empty" },
    { "exit-3", "echo '{\"Version\":1,\"AccessKeyId\":\"A\","
      "\"SecretAccessKey\":\"S\"}'\nexit 3\n", FL_ERROR_AUTH,
      "exited with status 3" },
    { "version-2", "echo '{\"Version\":2,\"AccessKeyId\":\"A\","
      "\"SecretAccessKey\":\"S\"}'\n", FL_ERROR_AUTH, "Version 2" },
    { "version-string", "echo '{\"Version\":\"1\",\"AccessKeyId\":\"A\","
      "\"SecretAccessKey\":\"S\"}'\n", FL_ERROR_AUTH, "no integer Version" },
    { "no-version", "echo '{\"AccessKeyId\":\"A\","
      "\"SecretAccessKey\":\"S\"}'\n", FL_ERROR_AUTH, "no integer Version" },
    { "no-secret", "echo '{\"Version\":1,\"AccessKeyId\":\"A\"}'\n",
      FL_ERROR_AUTH, "no SecretAccessKey" },
    { "bad-expiration", "echo '{\"Version\":1,\"AccessKeyId\":\"A\","
      "\"SecretAccessKey\":\"S\",\"Expiration\":\"tomorrow\"}'\n",
      FL_ERROR_AUTH, "Expiration 'tomorrow'" },
    /* 1 MB of output: refused at the limit, the writer killed. */
    { "huge", "head -c 1000000 /dev/zero | tr '\\000' a\n", FL_ERROR_LIMIT,
      "longer than 65536 bytes" },
    { "missing", "exec /nonexistent/credential-helper\n", FL_ERROR_AUTH,
      "exited with status 127" },
};

static void
test_process_bad(Fixture *f, gconstpointer data)
{
    for (guint i = 0; i < G_N_ELEMENTS(process_cases); i++) {
        const ProcessCase *pc = &process_cases[i];
        char *script = write_script(f, "bad.sh", pc->body);
        GError *err = NULL;
        FlAwsKeys k = { 0 };
        gboolean ok;

        ok = fl_aws_cred_process_run(script, &k, &err);
        if (ok || err == NULL || err->code != (gint)pc->code ||
            strstr(err->message, pc->says) == NULL)
            g_error("%s: ok=%d, error '%s' (code %d), wanted code %d "
                    "saying '%s'", pc->name, ok,
                    err ? err->message : "(none)", err ? err->code : -1,
                    pc->code, pc->says);
        g_assert_null(k.access_key_id);
        g_assert_null(k.secret_access_key);
        /* No message quotes the secret "S". */
        g_assert_null(strstr(err->message, "\"S\""));
        g_error_free(err);
        g_free(script);
    }
}

static void
test_process_signal(Fixture *f, gconstpointer data)
{
    GError *err = NULL;
    FlAwsKeys k = { 0 };

    /* The command line itself, so that the shell is the one killed. */
    g_assert_false(fl_aws_cred_process_run("kill -9 $$", &k, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_cmpstr(err->message, ==, "killed by signal 9");
    g_error_free(err);
}

/* A credential_process profile whose script counts its runs (lines of
 * DIR/count) and fails while DIR/fail exists. */
static char *
counting_process(Fixture *f, gint64 expiration)
{
    char *exp = iso_time(expiration);
    char *body = g_strdup_printf(
        "[ -e '%s/fail' ] && exit 7\n"
        "echo run >> '%s/count'\n"
        "n=$(wc -l < '%s/count')\n"
        "printf '{\"Version\":1,\"AccessKeyId\":\"AKID%%s\","
        "\"SecretAccessKey\":\"sec\",\"SessionToken\":\"tok\","
        "\"Expiration\":\"%s\"}' $n\n", f->dir, f->dir, f->dir, exp);
    char *script = write_script(f, "count.sh", body);
    char *ini = g_strdup_printf("[profile proc]\ncredential_process = %s\n",
                                script);

    write_file(f->config, ini);
    g_free(ini);
    g_free(exp);
    g_free(body);
    return script;
}

static void
get_ok(FlAwsCredentials *c, const char *want_id)
{
    GError *err = NULL;
    FlAwsKeys k = { 0 };

    g_assert_true(fl_aws_credentials_get(c, &k, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(k.access_key_id, ==, want_id);
    g_assert_cmpstr(k.secret_access_key, ==, "sec");
    g_assert_cmpstr(k.session_token, ==, "tok");
    fl_aws_keys_clear(&k);
}

static void
test_process_cached(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { .profile = "proc" };
    char *script = counting_process(f, now_s() + 3600);
    GError *err = NULL;
    FlAwsCredentials *c = fl_aws_credentials_new(&cfg, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(fl_aws_credentials_source(c), ==, "profile proc");
    /* An hour left: the first answer is kept, the process not rerun. */
    get_ok(c, "AKID1");
    get_ok(c, "AKID1");
    fl_aws_credentials_free(c);
    g_free(script);
}

static void
test_process_renewed(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { .profile = "proc" };
    char *script = counting_process(f, now_s() + 240);
    GError *err = NULL;
    FlAwsCredentials *c = fl_aws_credentials_new(&cfg, &err);

    g_assert_no_error(err);
    /* 4 minutes left (< 5): every get runs the process again. */
    get_ok(c, "AKID2");
    get_ok(c, "AKID3");
    fl_aws_credentials_free(c);
    g_free(script);
}

static void
test_process_renewal_fails(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { .profile = "proc" };
    gint64 exp = now_s() + 3;
    char *script = counting_process(f, exp);
    char *fail = g_build_filename(f->dir, "fail", NULL);
    GError *err = NULL;
    FlAwsCredentials *c = fl_aws_credentials_new(&cfg, &err);
    FlAwsKeys k = { 0 };

    g_assert_no_error(err);
    write_file(fail, "");
    /* Still valid: a warning and the old keys. */
    g_test_expect_message("flowlog2ipfix", G_LOG_LEVEL_WARNING,
                          "*renewal failed*exited with status 7*");
    get_ok(c, "AKID1");
    g_test_assert_expected_messages();
    /* Expired: an error.  Waiting is the condition here (bounded). */
    while (now_s() < exp)
        g_usleep(50 * 1000);
    g_assert_false(fl_aws_credentials_get(c, &k, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_nonnull(strstr(err->message, "expired"));
    g_assert_nonnull(strstr(err->message, "profile proc"));
    g_assert_null(k.access_key_id);
    g_clear_error(&err);
    fl_aws_credentials_free(c);
    g_free(fail);
    g_free(script);
}

static void
test_process_in_profile_fails(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { .profile = "proc" };
    char *script = counting_process(f, now_s() + 3600);
    char *fail = g_build_filename(f->dir, "fail", NULL);
    GError *err = NULL;

    write_file(fail, "");
    /* A configured source that fails is an error naming it, not a skip. */
    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_true(g_str_has_prefix(err->message,
                                   "profile 'proc': credential_process ("));
    g_assert_nonnull(strstr(err->message, f->config));
    g_assert_nonnull(strstr(err->message, "exited with status 7"));
    g_error_free(err);
    g_free(fail);
    g_free(script);
}

static void
test_process_already_expired(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { .profile = "proc" };
    char *script = counting_process(f, now_s() - 60);
    GError *err = NULL;

    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_nonnull(strstr(err->message, "expired at"));
    g_error_free(err);
    g_free(script);
}

/* ---- the chain: environment and profile -------------------------------- */

static FlAwsCredentials *
new_ok(const FlAwsCredentialsConfig *cfg, const char *source)
{
    GError *err = NULL;
    FlAwsCredentials *c = fl_aws_credentials_new(cfg, &err);

    g_assert_no_error(err);
    g_assert_nonnull(c);
    g_assert_cmpstr(fl_aws_credentials_source(c), ==, source);
    return c;
}

static void
assert_keys(FlAwsCredentials *c, const char *id, const char *secret,
            const char *token)
{
    GError *err = NULL;
    FlAwsKeys k = { 0 };

    g_assert_true(fl_aws_credentials_get(c, &k, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(k.access_key_id, ==, id);
    g_assert_cmpstr(k.secret_access_key, ==, secret);
    g_assert_cmpstr(k.session_token, ==, token);
    g_assert_cmpint(k.expiration, ==, 0);
    fl_aws_keys_clear(&k);
}

static void
test_chain_env_first(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { 0 };
    FlAwsCredentials *c;

    write_file(f->credentials, "[default]\naws_access_key_id = AKIDFILE\n"
               "aws_secret_access_key = filesecret\n");
    c = new_ok(&cfg, "profile default");
    assert_keys(c, "AKIDFILE", "filesecret", NULL);
    fl_aws_credentials_free(c);

    g_setenv("AWS_ACCESS_KEY_ID", "AKIDENV", TRUE);
    g_setenv("AWS_SECRET_ACCESS_KEY", "envsecret", TRUE);
    c = new_ok(&cfg, "environment");
    assert_keys(c, "AKIDENV", "envsecret", NULL);
    fl_aws_credentials_free(c);

    g_setenv("AWS_SESSION_TOKEN", "envtoken", TRUE);
    c = new_ok(&cfg, "environment");
    assert_keys(c, "AKIDENV", "envsecret", "envtoken");
    fl_aws_credentials_free(c);
}

static void
test_chain_env_partial(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { 0 };
    GError *err = NULL;

    write_file(f->credentials, "[default]\naws_access_key_id = AKIDFILE\n"
               "aws_secret_access_key = filesecret\n");
    g_setenv("AWS_ACCESS_KEY_ID", "AKIDENV", TRUE);
    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_cmpstr(err->message, ==, "environment: AWS_ACCESS_KEY_ID is "
                    "set but AWS_SECRET_ACCESS_KEY is not");
    g_clear_error(&err);

    /* Web identity half set: an error too, not a silent fall-through. */
    g_unsetenv("AWS_ACCESS_KEY_ID");
    g_setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", TRUE);
    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_nonnull(strstr(err->message, "AWS_WEB_IDENTITY_TOKEN_FILE"));
    g_clear_error(&err);
}

static void
test_chain_profile(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { .profile = "dev" };
    FlAwsCredentials *c;
    GError *err = NULL;

    /* Config-file keys, then the credentials file's win. */
    write_file(f->config, "[profile dev]\naws_access_key_id = AKIDCFG\n"
               "aws_secret_access_key = cfgsecret\n"
               "aws_session_token = cfgtoken\n");
    c = new_ok(&cfg, "profile dev");
    assert_keys(c, "AKIDCFG", "cfgsecret", "cfgtoken");
    fl_aws_credentials_free(c);
    write_file(f->credentials, "[dev]\naws_access_key_id = AKIDCRED\n"
               "aws_secret_access_key = credsecret\n");
    c = new_ok(&cfg, "profile dev");
    /* Keys merge by name: the session token of the config stays. */
    assert_keys(c, "AKIDCRED", "credsecret", "cfgtoken");
    fl_aws_credentials_free(c);

    /* AWS_PROFILE when the caller names none. */
    g_setenv("AWS_PROFILE", "dev", TRUE);
    cfg.profile = NULL;
    c = new_ok(&cfg, "profile dev");
    fl_aws_credentials_free(c);

    /* A named profile that does not exist is a mistake. */
    g_setenv("AWS_PROFILE", "typo", TRUE);
    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
    g_assert_nonnull(strstr(err->message, "profile 'typo' not found in"));
    g_clear_error(&err);

    /* The key id without its secret. */
    g_unsetenv("AWS_PROFILE");
    write_file(f->credentials, "[default]\naws_access_key_id = AKID\n");
    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_nonnull(strstr(err->message, "profile 'default'"));
    g_assert_nonnull(strstr(err->message, "without aws_secret_access_key"));
    g_clear_error(&err);
}

/* Static keys in the credentials file beat credential_process; the
 * process beats static keys of the config file (botocore's order). */
static void
test_chain_profile_process_order(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { .profile = "proc" };
    char *script = counting_process(f, now_s() + 3600);
    char *ini;
    FlAwsCredentials *c;

    ini = g_strdup_printf("[profile proc]\ncredential_process = %s\n"
                          "aws_access_key_id = AKIDCFG\n"
                          "aws_secret_access_key = sec\n", script);
    write_file(f->config, ini);
    c = new_ok(&cfg, "profile proc");
    get_ok(c, "AKID1");
    fl_aws_credentials_free(c);
    write_file(f->credentials, "[proc]\naws_access_key_id = AKIDCRED\n"
               "aws_secret_access_key = sec\n");
    c = new_ok(&cfg, "profile proc");
    assert_keys(c, "AKIDCRED", "sec", NULL);
    fl_aws_credentials_free(c);
    g_free(ini);
    g_free(script);
}

static void
test_chain_nothing(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { 0 };
    GError *err = NULL;
    char *want;

    /* A profile with a region only is not a credentials source. */
    write_file(f->config, "[default]\nregion = eu-north-1\n");
    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    want = g_strdup_printf("no AWS credentials found (tried environment, "
                           "web identity, profile 'default' in %s and %s, "
                           "container, instance metadata): instance "
                           "metadata disabled by AWS_EC2_METADATA_DISABLED",
                           f->credentials, f->config);
    g_assert_cmpstr(err->message, ==, want);
    g_clear_error(&err);
    g_free(want);
}

static void
test_chain_container_refused(Fixture *f, gconstpointer data)
{
    FlAwsCredentialsConfig cfg = { 0 };
    GError *err = NULL;

    g_setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI",
             "http://example.com/creds?secret=1", TRUE);
    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
    g_assert_true(g_str_has_prefix(err->message, "container credentials"));
    g_assert_nonnull(strstr(err->message, "http://example.com/creds"));
    g_assert_null(strstr(err->message, "secret=1"));
    g_clear_error(&err);
    g_setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "no-slash", TRUE);
    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
    g_assert_nonnull(strstr(err->message, "RELATIVE_URI"));
    g_clear_error(&err);
}

/* ---- region ------------------------------------------------------------ */

static void
test_region_order(Fixture *f, gconstpointer data)
{
    char *r;

    g_assert_null(fl_aws_region_resolve(NULL, NULL));
    /* The credentials file is not a place for the region. */
    write_file(f->credentials, "[default]\nregion = from-credentials\n");
    g_assert_null(fl_aws_region_resolve(NULL, NULL));
    write_file(f->config, "[default]\nregion = from-default\n"
               "[profile dev]\nregion = from-dev\n");
    r = fl_aws_region_resolve(NULL, NULL);
    g_assert_cmpstr(r, ==, "from-default");
    g_free(r);
    r = fl_aws_region_resolve(NULL, "dev");
    g_assert_cmpstr(r, ==, "from-dev");
    g_free(r);
    g_setenv("AWS_PROFILE", "dev", TRUE);
    r = fl_aws_region_resolve(NULL, NULL);
    g_assert_cmpstr(r, ==, "from-dev");
    g_free(r);
    g_setenv("AWS_DEFAULT_REGION", "from-default-region", TRUE);
    r = fl_aws_region_resolve(NULL, "dev");
    g_assert_cmpstr(r, ==, "from-default-region");
    g_free(r);
    g_setenv("AWS_REGION", "from-region", TRUE);
    r = fl_aws_region_resolve(NULL, "dev");
    g_assert_cmpstr(r, ==, "from-region");
    g_free(r);
    r = fl_aws_region_resolve("explicit", "dev");
    g_assert_cmpstr(r, ==, "explicit");
    g_free(r);
    /* A broken config file does not matter while the environment has
     * the answer, and is a warning (no region) when it does not. */
    write_file(f->config, "[default\n");
    r = fl_aws_region_resolve(NULL, NULL);
    g_assert_cmpstr(r, ==, "from-region");
    g_free(r);
    g_unsetenv("AWS_REGION");
    g_unsetenv("AWS_DEFAULT_REGION");
    g_test_expect_message("flowlog2ipfix", G_LOG_LEVEL_WARNING,
                          "region: *:1: section header without ']'");
    g_assert_null(fl_aws_region_resolve(NULL, NULL));
    g_test_assert_expected_messages();
}

/* ---- answers of the remote sources -------------------------------------- */

static void
test_sts_parse(Fixture *f, gconstpointer data)
{
    static const char ok_xml[] =
        "<AssumeRoleWithWebIdentityResponse "
        "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
        "  <AssumeRoleWithWebIdentityResult>\n"
        "    <SubjectFromWebIdentityToken>sub</SubjectFromWebIdentityToken>\n"
        "    <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId>"
        "<Arn>arn:aws:sts::1:assumed-role/r/s</Arn></AssumedRoleUser>\n"
        "    <Credentials>\n"
        "      <SessionToken>tok&amp;en</SessionToken>\n"
        "      <SecretAccessKey>stssecret</SecretAccessKey>\n"
        "      <Expiration>2030-01-02T03:04:05Z</Expiration>\n"
        "      <AccessKeyId>ASIASTS</AccessKeyId>\n"
        "    </Credentials>\n"
        "  </AssumeRoleWithWebIdentityResult>\n"
        "</AssumeRoleWithWebIdentityResponse>\n";
    static const char err_xml[] =
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
        "<Message>No OpenIDConnect provider found</Message></Error>"
        "<RequestId>r</RequestId></ErrorResponse>";
    GError *err = NULL;
    FlAwsKeys k;

    g_assert_true(fl_aws_cred_sts_parse(ok_xml, strlen(ok_xml), &k, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(k.access_key_id, ==, "ASIASTS");
    g_assert_cmpstr(k.secret_access_key, ==, "stssecret");
    g_assert_cmpstr(k.session_token, ==, "tok&en");
    g_assert_cmpint(k.expiration, ==, G_GINT64_CONSTANT(1893553445));
    fl_aws_keys_clear(&k);

    g_assert_false(fl_aws_cred_sts_parse(err_xml, strlen(err_xml), &k,
                                         &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_cmpstr(err->message, ==, "InvalidIdentityToken: No "
                    "OpenIDConnect provider found");
    g_clear_error(&err);

    g_assert_false(fl_aws_cred_sts_parse("<a><b></a>", 10, &k, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_nonnull(strstr(err->message, "not XML"));
    g_clear_error(&err);

    /* Well-formed, but no Credentials where they belong. */
    g_assert_false(fl_aws_cred_sts_parse(
        "<X><AccessKeyId>A</AccessKeyId></X>", 35, &k, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_nonnull(strstr(err->message, "Credentials/AccessKeyId"));
    g_clear_error(&err);
}

static void
test_remote_parse(Fixture *f, gconstpointer data)
{
    static const char ok_json[] =
        "{\"Code\":\"Success\",\"LastUpdated\":\"2024-05-25T11:00:00Z\","
        "\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\","
        "\"SecretAccessKey\":\"imdssecret\",\"Token\":\"imdstoken\","
        "\"Expiration\":\"2024-05-25T12:00:00Z\"}";
    static const char fail_json[] =
        "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"denied\"}";
    GError *err = NULL;
    FlAwsKeys k;

    g_assert_true(fl_aws_cred_remote_parse(ok_json, strlen(ok_json), &k,
                                           &err));
    g_assert_no_error(err);
    g_assert_cmpstr(k.access_key_id, ==, "ASIAIMDS");
    g_assert_cmpstr(k.session_token, ==, "imdstoken");
    g_assert_cmpint(k.expiration, ==, G_GINT64_CONSTANT(1716638400));
    fl_aws_keys_clear(&k);
    g_assert_false(fl_aws_cred_remote_parse(fail_json, strlen(fail_json),
                                            &k, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_nonnull(strstr(err->message, "AssumeRoleUnauthorizedAccess"));
    g_clear_error(&err);
    g_assert_false(fl_aws_cred_remote_parse("nope", 4, &k, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_clear_error(&err);
}

typedef struct {
    const char *url;
    gboolean allowed;
} UrlCase;

static const UrlCase url_cases[] = {
    { "https://anything.example.com/creds", TRUE },
    { "http://127.0.0.1:8080/creds", TRUE },
    { "http://127.1.2.3/creds", TRUE },
    { "http://localhost/creds", TRUE },
    { "http://[::1]:9/creds", TRUE },
    { "http://169.254.170.2/v2/credentials/x", TRUE },
    { "http://169.254.170.23/v1/credentials", TRUE },
    { "http://[fd00:ec2::23]/v1/credentials", TRUE },
    { "http://169.254.170.3/creds", FALSE },
    { "http://10.0.0.1/creds", FALSE },
    { "http://example.com/creds", FALSE },
    /* The literal host counts, not a user name in front of it. */
    { "http://127.0.0.1@example.com/creds", FALSE },
    { "http://[fd00:ec2::24]/creds", FALSE },
    { "ftp://127.0.0.1/creds", FALSE },
    { "not a url", FALSE },
};

static void
test_container_url(Fixture *f, gconstpointer data)
{
    for (guint i = 0; i < G_N_ELEMENTS(url_cases); i++) {
        GError *err = NULL;
        gboolean ok = fl_aws_cred_container_check_url(url_cases[i].url, &err);

        if (ok != url_cases[i].allowed)
            g_error("%s: %s, expected %s (%s)", url_cases[i].url,
                    ok ? "allowed" : "refused",
                    url_cases[i].allowed ? "allowed" : "refused",
                    err ? err->message : "");
        if (!ok)
            g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
        g_clear_error(&err);
    }
}

static void
test_keys_time(Fixture *f, gconstpointer data)
{
    GError *err = NULL;
    gint64 t = 0;

    g_assert_true(fl_aws_keys_parse_time("2024-05-25T12:00:00Z", &t, &err));
    g_assert_cmpint(t, ==, G_GINT64_CONSTANT(1716638400));
    g_assert_true(fl_aws_keys_parse_time("2024-05-25T14:00:00+02:00", &t,
                                         &err));
    g_assert_cmpint(t, ==, G_GINT64_CONSTANT(1716638400));
    g_assert_true(fl_aws_keys_parse_time("2024-05-25T12:00:00.123Z", &t,
                                         &err));
    g_assert_cmpint(t, ==, G_GINT64_CONSTANT(1716638400));
    g_assert_no_error(err);
    g_assert_false(fl_aws_keys_parse_time("May 25 2024", &t, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_clear_error(&err);
}

static void
test_token_file(Fixture *f, gconstpointer data)
{
    char *path = g_build_filename(f->dir, "token", NULL);
    GError *err = NULL;
    char *tok = NULL;
    GString *big = g_string_new(NULL);

    write_file(path, "eyJhbGciOi.token.sig\n");
    g_assert_true(fl_aws_keys_read_token(path, &tok, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(tok, ==, "eyJhbGciOi.token.sig");
    g_free(tok);
    write_file(path, "two\nlines\n");
    g_assert_false(fl_aws_keys_read_token(path, &tok, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_clear_error(&err);
    write_file(path, " \n");
    g_assert_false(fl_aws_keys_read_token(path, &tok, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_clear_error(&err);
    g_string_set_size(big, FL_AWS_TOKEN_MAX + 1);
    memset(big->str, 'a', big->len);
    write_file(path, big->str);
    g_assert_false(fl_aws_keys_read_token(path, &tok, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_LIMIT);
    g_clear_error(&err);
    g_remove(path);
    g_assert_false(fl_aws_keys_read_token(path, &tok, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_IO);
    g_assert_nonnull(strstr(err->message, path));
    g_clear_error(&err);
    g_string_free(big, TRUE);
    g_free(path);
}

/* CR, LF or another control character in a key would split the signed
 * HTTP headers: every source refuses it, naming the part, not quoting
 * it.  Found by tests/fuzz/fuzz_aws_json.c. */
static void
test_keys_control(Fixture *f, gconstpointer data)
{
    static const char remote[] =
        "{\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":\"s3cr3t\","
        "\"Token\":\"tok\\r\\nX-Injected: 1\"}";
    static const char process[] =
        "{\"Version\":1,\"AccessKeyId\":\"AS\\nIA\","
        "\"SecretAccessKey\":\"s3cr3t\"}";
    static const char sts[] =
        "<R><Credentials><AccessKeyId>ASIA1</AccessKeyId>"
        "<SecretAccessKey>s3&#1;cr3t</SecretAccessKey></Credentials></R>";
    FlAwsCredentialsConfig cfg = { .profile = NULL };
    GError *err = NULL;
    FlAwsKeys k;

    g_assert_false(fl_aws_cred_remote_parse(remote, strlen(remote), &k,
                                            &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_cmpstr(err->message, ==, "the session token has a control "
                    "character");
    g_assert_null(k.access_key_id);
    g_clear_error(&err);
    g_assert_false(fl_aws_cred_process_parse(process, strlen(process), &k,
                                             &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_nonnull(strstr(err->message, "the access key ID has a control"));
    g_clear_error(&err);
    g_assert_false(fl_aws_cred_sts_parse(sts, strlen(sts), &k, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_cmpstr(err->message, ==, "the secret access key has a control "
                    "character");
    g_clear_error(&err);

    /* A profile key continued on an indented line holds a '\n'. */
    write_file(f->credentials, "[default]\naws_access_key_id = AKID\n"
               "  MORE\naws_secret_access_key = s3cr3t\n");
    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_nonnull(strstr(err->message, f->credentials));
    g_assert_nonnull(strstr(err->message, "the access key ID has a "
                            "control character"));
    g_clear_error(&err);

    g_setenv("AWS_ACCESS_KEY_ID", "AKID", TRUE);
    g_setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t", TRUE);
    g_setenv("AWS_SESSION_TOKEN", "tok\r\n", TRUE);
    g_assert_null(fl_aws_credentials_new(&cfg, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_cmpstr(err->message, ==, "environment: the session token has "
                    "a control character");
    g_clear_error(&err);
}

/* The output is a length, not a C string: blanks up to len are empty
 * even when more blanks follow in memory. */
static void
test_process_parse_bounded(Fixture *f, gconstpointer data)
{
    GError *err = NULL;
    FlAwsKeys k;

    g_assert_false(fl_aws_cred_process_parse(" \n  ", 2, &k, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_AUTH);
    g_assert_cmpstr(err->message, ==, "output is empty");
    g_clear_error(&err);
}

int
main(int argc, char **argv)
{
    static const struct {
        const char *path;
        void (*fn)(Fixture *, gconstpointer);
    } tests[] = {
        { "/aws/profile/syntax", test_profile_syntax },
        { "/aws/profile/sections", test_profile_sections },
        { "/aws/profile/precedence", test_profile_precedence },
        { "/aws/profile/default-paths", test_profile_default_paths },
        { "/aws/profile/malformed", test_profile_malformed },
        { "/aws/profile/refusals", test_profile_refusals },
        { "/aws/process/good", test_process_good },
        { "/aws/process/bad", test_process_bad },
        { "/aws/process/signal", test_process_signal },
        { "/aws/process/cached", test_process_cached },
        { "/aws/process/renewed", test_process_renewed },
        { "/aws/process/renewal-fails", test_process_renewal_fails },
        { "/aws/process/fails-at-start", test_process_in_profile_fails },
        { "/aws/process/already-expired", test_process_already_expired },
        { "/aws/chain/env-first", test_chain_env_first },
        { "/aws/chain/env-partial", test_chain_env_partial },
        { "/aws/chain/profile", test_chain_profile },
        { "/aws/chain/profile-process-order",
          test_chain_profile_process_order },
        { "/aws/chain/nothing-found", test_chain_nothing },
        { "/aws/chain/container-refused", test_chain_container_refused },
        { "/aws/region/order", test_region_order },
        { "/aws/sts/parse", test_sts_parse },
        { "/aws/remote/parse", test_remote_parse },
        { "/aws/container/url", test_container_url },
        { "/aws/keys/time", test_keys_time },
        { "/aws/keys/token-file", test_token_file },
        { "/aws/keys/control", test_keys_control },
        { "/aws/process/parse-bounded", test_process_parse_bounded },
    };

    g_test_init(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(tests); i++)
        g_test_add(tests[i].path, Fixture, NULL, fixture_setup, tests[i].fn,
                   fixture_teardown);
    return g_test_run();
}
