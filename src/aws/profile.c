/*
 * profile.c - reads one profile from the AWS shared config and credentials
 * files with a small line parser (see profile.h for the syntax and why
 * not GKeyFile).
 *
 * The whole file is read first, bounded by FL_AWS_PROFILE_FILE_MAX, so a
 * line is never longer than the file.  Every line is checked, not only
 * those of the wanted profile: a broken file is reported wherever it is
 * broken, as the AWS CLI does.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "aws/profile.h"
#include "error.h"

typedef struct {
    const char *path;
    guint line;
    gboolean is_config;
    const char *name;
    gboolean seen_section;
    gboolean in_target;         /* inside a section of the profile */
    gboolean have_property;     /* a property precedes: indents continue */
    char *last_key;             /* in the target section, for continuations */
    GHashTable *values;
    GHashTable *origin;
} Parser;

char *
fl_aws_profile_name(const char *name)
{
    const char *env = g_getenv("AWS_PROFILE");

    if (name != NULL && *name != '\0')
        return g_strdup(name);
    if (env != NULL && *env != '\0')
        return g_strdup(env);
    return g_strdup("default");
}

/* HOME from the environment first: g_get_home_dir() caches its answer, and
 * tests (and users of sudo -E) change HOME. */
static char *
home_path(const char *env_name, const char *file)
{
    const char *v = g_getenv(env_name);
    const char *home = g_getenv("HOME");

    if (home == NULL || *home == '\0')
        home = g_get_home_dir();
    if (v != NULL && *v != '\0') {
        if (v[0] == '~' && v[1] == '/')
            return g_build_filename(home, v + 2, NULL);
        return g_strdup(v);
    }
    return g_build_filename(home, ".aws", file, NULL);
}

char *
fl_aws_profile_config_path(void)
{
    return home_path("AWS_CONFIG_FILE", "config");
}

char *
fl_aws_profile_credentials_path(void)
{
    return home_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
}

/* Cuts a ';' or '#' comment that follows white space (or starts s). */
static void
cut_comment(char *s)
{
    for (char *p = s; *p != '\0'; p++) {
        if ((*p == ';' || *p == '#') &&
            (p == s || g_ascii_isspace(p[-1]))) {
            *p = '\0';
            return;
        }
    }
}

static gboolean
parse_error(Parser *ps, GError **err, const char *what)
{
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "%s:%u: %s", ps->path,
                ps->line, what);
    return FALSE;
}

/* "[default]", "[profile NAME]" (config) or "[NAME]" (credentials). */
static gboolean
parse_section(Parser *ps, char *line, GError **err)
{
    char *end = strchr(line, ']');
    char *name;

    if (end == NULL)
        return parse_error(ps, err, "section header without ']'");
    cut_comment(end + 1);
    if (*g_strstrip(end + 1) != '\0')
        return parse_error(ps, err, "text after the section header");
    *end = '\0';
    name = g_strstrip(line + 1);
    if (*name == '\0')
        return parse_error(ps, err, "empty section name");
    ps->have_property = FALSE;
    g_clear_pointer(&ps->last_key, g_free);
    if (ps->is_config && strcmp(name, "default") != 0) {
        /* Other config sections (sso-session, services) are not
         * profiles, and "[NAME]" without "profile" is ignored there. */
        if (!g_str_has_prefix(name, "profile") ||
            !g_ascii_isspace(name[strlen("profile")])) {
            ps->in_target = FALSE;
            return TRUE;
        }
        name = g_strchug(name + strlen("profile"));
    }
    ps->in_target = strcmp(name, ps->name) == 0;
    return TRUE;
}

static void
add_value(Parser *ps, const char *key, const char *value)
{
    g_hash_table_replace(ps->values, g_strdup(key), g_strdup(value));
    g_hash_table_replace(ps->origin, g_strdup(key), g_strdup(ps->path));
}

/* An indented line after a property: part of its value.  The value keeps
 * the lines apart with '\n' (sub-properties are never used here).  A line
 * that is only white space (" \f": not indentation alone, so parse_line()
 * does not skip it as blank) adds nothing: "region = x" followed by one
 * must stay "x", not "x\n". */
static void
parse_continuation(Parser *ps, char *line)
{
    const char *old;
    char *joined;

    if (!ps->in_target || ps->last_key == NULL)
        return;
    cut_comment(line);
    if (*g_strstrip(line) == '\0')
        return;
    old = g_hash_table_lookup(ps->values, ps->last_key);
    joined = g_strconcat(old ? old : "", "\n", line, NULL);
    add_value(ps, ps->last_key, joined);
    g_free(joined);
}

static gboolean
parse_property(Parser *ps, char *line, GError **err)
{
    char *eq = strchr(line, '=');
    char *key, *value;

    if (eq == NULL)
        return parse_error(ps, err, "expected 'key = value'");
    *eq = '\0';
    key = g_strstrip(line);
    if (*key == '\0')
        return parse_error(ps, err, "property without a name");
    value = eq + 1;
    cut_comment(value);
    value = g_strstrip(value);
    ps->have_property = TRUE;
    if (!ps->in_target)
        return TRUE;
    g_free(ps->last_key);
    ps->last_key = g_ascii_strdown(key, -1);
    add_value(ps, ps->last_key, value);
    return TRUE;
}

static gboolean
parse_line(Parser *ps, char *line, GError **err)
{
    gsize n = strlen(line);
    char *p = line;

    if (n > 0 && line[n - 1] == '\r')
        line[n - 1] = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '#' || *p == ';')
        return TRUE;
    if (p != line && ps->have_property) {
        parse_continuation(ps, p);
        return TRUE;
    }
    if (*p == '[') {
        ps->seen_section = TRUE;
        return parse_section(ps, p, err);
    }
    if (!ps->seen_section)
        return parse_error(ps, err, "property before any section");
    return parse_property(ps, p, err);
}

gboolean
fl_aws_profile_parse(const char *text, gsize len, const char *path,
                     gboolean is_config, const char *name,
                     GHashTable *values, GHashTable *origin,
                     gboolean *found, GError **err)
{
    Parser ps = { .path = path, .is_config = is_config, .name = name,
                  .values = values, .origin = origin };
    char *copy, *line, *next;
    gboolean ok = TRUE;

    if (memchr(text, '\0', len) != NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "%s: a NUL byte: not a text file", path);
        return FALSE;
    }
    copy = g_strndup(text, len);
    for (line = copy; ok && line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        ps.line++;
        ok = parse_line(&ps, line, err);
        if (ps.in_target)
            *found = TRUE;
    }
    g_free(ps.last_key);
    g_free(copy);
    return ok;
}

/* Reads path whole, bounded.  A missing file is empty (*text NULL). */
static gboolean
read_file(const char *path, char **text, gsize *len, GError **err)
{
    GError *e = NULL;
    GStatBuf st;

    *text = NULL;
    *len = 0;
    if (g_stat(path, &st) == -1) {
        if (errno == ENOENT || errno == ENOTDIR)
            return TRUE;
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", path,
                    g_strerror(errno));
        return FALSE;
    }
    if (st.st_size > FL_AWS_PROFILE_FILE_MAX) {
        g_set_error(err, FL_ERROR, FL_ERROR_LIMIT,
                    "%s: larger than %d bytes", path, FL_AWS_PROFILE_FILE_MAX);
        return FALSE;
    }
    if (!g_file_get_contents(path, text, len, &e)) {
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s", e->message);
        g_error_free(e);
        return FALSE;
    }
    /* It may have grown since the stat(). */
    if (*len > FL_AWS_PROFILE_FILE_MAX) {
        g_clear_pointer(text, g_free);
        g_set_error(err, FL_ERROR, FL_ERROR_LIMIT,
                    "%s: larger than %d bytes", path, FL_AWS_PROFILE_FILE_MAX);
        return FALSE;
    }
    return TRUE;
}

static gboolean
load_one(FlAwsProfile *p, const char *path, gboolean is_config, GError **err)
{
    char *text;
    gsize len;
    gboolean ok;

    if (!read_file(path, &text, &len, err))
        return FALSE;
    if (text == NULL)
        return TRUE;
    ok = fl_aws_profile_parse(text, len, path, is_config, p->name, p->values,
                              p->origin, &p->found, err);
    /* The credentials file holds secrets. */
    memset(text, 0, len);
    g_free(text);
    return ok;
}

static FlAwsProfile *
profile_load(const char *name, gboolean with_credentials, GError **err)
{
    FlAwsProfile *p = g_new0(FlAwsProfile, 1);

    p->name = fl_aws_profile_name(name);
    p->config_path = fl_aws_profile_config_path();
    p->credentials_path = fl_aws_profile_credentials_path();
    p->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      g_free);
    p->origin = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      g_free);
    /* Config first, so that the credentials file replaces its keys. */
    if (!load_one(p, p->config_path, TRUE, err) ||
        (with_credentials &&
         !load_one(p, p->credentials_path, FALSE, err))) {
        fl_aws_profile_free(p);
        return NULL;
    }
    return p;
}

FlAwsProfile *
fl_aws_profile_load(const char *name, GError **err)
{
    return profile_load(name, TRUE, err);
}

FlAwsProfile *
fl_aws_profile_load_config(const char *name, GError **err)
{
    return profile_load(name, FALSE, err);
}

const char *
fl_aws_profile_get(const FlAwsProfile *p, const char *key)
{
    return g_hash_table_lookup(p->values, key);
}

const char *
fl_aws_profile_origin(const FlAwsProfile *p, const char *key)
{
    const char *o = g_hash_table_lookup(p->origin, key);

    return o != NULL ? o : p->config_path;
}

typedef struct {
    const char *key;
    const char *what;
} Unsupported;

/* In the order the AWS CLI gives them precedence. */
static const Unsupported unsupported[] = {
    { "role_arn", "role_arn (assume role)" },
    { "source_profile", "source_profile (assume role)" },
    { "credential_source", "credential_source (assume role)" },
    { "web_identity_token_file", "web_identity_token_file (web identity "
      "in a profile; set AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN "
      "instead)" },
    { "sso_session", "sso_session (IAM Identity Center)" },
    { "sso_start_url", "sso_start_url (IAM Identity Center)" },
};

static void
refuse(const FlAwsProfile *p, const char *key, const char *what,
       GError **err)
{
    g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                "profile '%s' uses %s: not supported (%s); give the keys "
                "through credential_process (for example 'aws configure "
                "export-credentials --profile %s --format process') or the "
                "environment", p->name, what, fl_aws_profile_origin(p, key),
                p->name);
}

gboolean
fl_aws_profile_check_supported(const FlAwsProfile *p, GError **err)
{
    GHashTableIter it;
    gpointer key;

    for (guint i = 0; i < G_N_ELEMENTS(unsupported); i++) {
        if (fl_aws_profile_get(p, unsupported[i].key) != NULL) {
            refuse(p, unsupported[i].key, unsupported[i].what, err);
            return FALSE;
        }
    }
    /* Any other sso_* key (sso_account_id, sso_role_name, ...). */
    g_hash_table_iter_init(&it, p->values);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (g_str_has_prefix(key, "sso_")) {
            char *what = g_strdup_printf("%s (IAM Identity Center)",
                                         (const char *)key);

            refuse(p, key, what, err);
            g_free(what);
            return FALSE;
        }
    }
    return TRUE;
}

void
fl_aws_profile_free(FlAwsProfile *p)
{
    if (p == NULL)
        return;
    g_free(p->name);
    g_free(p->config_path);
    g_free(p->credentials_path);
    if (p->values != NULL) {
        GHashTableIter it;
        gpointer v;

        /* Secret keys were among the values. */
        g_hash_table_iter_init(&it, p->values);
        while (g_hash_table_iter_next(&it, NULL, &v))
            memset(v, 0, strlen(v));
        g_hash_table_destroy(p->values);
    }
    if (p->origin != NULL)
        g_hash_table_destroy(p->origin);
    g_free(p);
}
