/*
 * keys.c - FlAwsKeys helpers: copy, clear, the credential JSON shape,
 * RFC 3339 times, token files.
 *
 * Secrets pass through here, so no function logs, and error messages name
 * members and files, never values.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/keys.h"
#include "error.h"

/* Overwrites a secret before it is freed, so it does not linger in freed
 * heap memory that a later crash dump might show. */
static void
secret_free(char *s)
{
    if (s == NULL)
        return;
    memset(s, 0, strlen(s));
    g_free(s);
}

void
fl_aws_keys_clear(FlAwsKeys *k)
{
    if (k == NULL)
        return;
    g_clear_pointer(&k->access_key_id, g_free);
    g_clear_pointer(&k->secret_access_key, secret_free);
    g_clear_pointer(&k->session_token, secret_free);
    k->expiration = 0;
}

void
fl_aws_keys_copy(FlAwsKeys *dst, const FlAwsKeys *src)
{
    dst->access_key_id = g_strdup(src->access_key_id);
    dst->secret_access_key = g_strdup(src->secret_access_key);
    dst->session_token = g_strdup(src->session_token);
    dst->expiration = src->expiration;
}

gboolean
fl_aws_keys_parse_time(const char *text, gint64 *out, GError **err)
{
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *dt;

    /* A time without a zone is taken as UTC, as AWS writes them. */
    dt = g_date_time_new_from_iso8601(text, utc);
    g_time_zone_unref(utc);
    if (dt == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "Expiration '%s' is not an ISO 8601 time", text);
        return FALSE;
    }
    *out = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return TRUE;
}

static gboolean
has_control(const char *s)
{
    for (const guchar *p = (const guchar *)s; p != NULL && *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            return TRUE;
    return FALSE;
}

gboolean
fl_aws_keys_check_text(const char *id, const char *secret, const char *token,
                       GError **err)
{
    const char *what = has_control(id) ? "the access key ID"
                       : has_control(secret) ? "the secret access key"
                       : has_control(token) ? "the session token" : NULL;

    if (what == NULL)
        return TRUE;
    g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "%s has a control character",
                what);
    return FALSE;
}

const char *
fl_aws_keys_json_string(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) ||
        json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

gboolean
fl_aws_keys_from_json(JsonObject *o, const char *token_member,
                      FlAwsKeys *out, GError **err)
{
    const char *id = fl_aws_keys_json_string(o, "AccessKeyId");
    const char *secret = fl_aws_keys_json_string(o, "SecretAccessKey");
    const char *token = NULL;
    const char *exp = fl_aws_keys_json_string(o, "Expiration");

    memset(out, 0, sizeof(*out));
    if (id == NULL || *id == '\0' || secret == NULL || *secret == '\0') {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "no %s string in the answer",
                    id == NULL || *id == '\0' ? "AccessKeyId"
                                              : "SecretAccessKey");
        return FALSE;
    }
    if (token_member != NULL) {
        token = fl_aws_keys_json_string(o, token_member);
        if (token != NULL && *token == '\0')
            token = NULL;
    }
    if (!fl_aws_keys_check_text(id, secret, token, err))
        return FALSE;
    if (exp != NULL && !fl_aws_keys_parse_time(exp, &out->expiration, err))
        return FALSE;
    out->access_key_id = g_strdup(id);
    out->secret_access_key = g_strdup(secret);
    out->session_token = g_strdup(token);
    return TRUE;
}

/* Reads at most max + 1 bytes of fd, so that "too long" can be told. */
static gboolean
read_fd_bounded(int fd, const char *path, gsize max, GString *buf,
                GError **err)
{
    char chunk[4096];
    ssize_t n;

    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n == 0)
            return TRUE;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", path,
                        g_strerror(errno));
            return FALSE;
        }
        g_string_append_len(buf, chunk, n);
        if (buf->len > max) {
            g_set_error(err, FL_ERROR, FL_ERROR_LIMIT,
                        "%s: longer than %" G_GSIZE_FORMAT " bytes", path,
                        max);
            return FALSE;
        }
    }
}

gboolean
fl_aws_keys_read_token(const char *path, char **out, GError **err)
{
    GString *buf = g_string_new(NULL);
    gboolean ok = FALSE;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", path,
                    g_strerror(errno));
        goto out;
    }
    ok = read_fd_bounded(fd, path, FL_AWS_TOKEN_MAX, buf, err);
    close(fd);
    if (!ok)
        goto out;
    while (buf->len > 0 && g_ascii_isspace(buf->str[buf->len - 1]))
        g_string_truncate(buf, buf->len - 1);
    ok = FALSE;
    if (buf->len == 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "%s: empty token", path);
        goto out;
    }
    if (strpbrk(buf->str, "\r\n") != NULL || strlen(buf->str) != buf->len) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "%s: token is not a single line of text", path);
        goto out;
    }
    *out = g_string_free(buf, FALSE);
    buf = NULL;
    ok = TRUE;
out:
    if (buf != NULL) {
        memset(buf->str, 0, buf->len);
        g_string_free(buf, TRUE);
    }
    return ok;
}
