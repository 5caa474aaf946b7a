/*
 * creds_static.c - fixed keys for tests (see creds_static.h).  Defines
 * the functions of credentials.h that the HTTP layer calls, so that the
 * real credentials.o is never pulled from libflowlog.a into a test.
 */
#include "config.h"

#include "creds_static.h"
#include "error.h"

struct FlAwsCredentials {
    FlAwsKeys keys;
    guint calls;
};

FlAwsCredentials *
fl_test_credentials_new(const char *access_key_id,
                        const char *secret_access_key,
                        const char *session_token)
{
    FlAwsCredentials *c = g_new0(FlAwsCredentials, 1);

    c->keys.access_key_id = g_strdup(access_key_id);
    c->keys.secret_access_key = g_strdup(secret_access_key);
    c->keys.session_token = g_strdup(session_token);
    return c;
}

guint
fl_test_credentials_calls(const FlAwsCredentials *c)
{
    return c->calls;
}

gboolean
fl_aws_credentials_get(FlAwsCredentials *c, FlAwsKeys *out, GError **err)
{
    c->calls++;
    if (c->keys.access_key_id == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "no AWS credentials found "
                    "(test stand-in)");
        return FALSE;
    }
    out->access_key_id = g_strdup(c->keys.access_key_id);
    out->secret_access_key = g_strdup(c->keys.secret_access_key);
    out->session_token = g_strdup(c->keys.session_token);
    out->expiration = 0;
    return TRUE;
}

const char *
fl_aws_credentials_source(const FlAwsCredentials *c)
{
    return "static (test)";
}

void
fl_aws_keys_clear(FlAwsKeys *k)
{
    g_free(k->access_key_id);
    g_free(k->secret_access_key);
    g_free(k->session_token);
    k->access_key_id = k->secret_access_key = k->session_token = NULL;
}

void
fl_aws_credentials_free(FlAwsCredentials *c)
{
    if (c == NULL)
        return;
    fl_aws_keys_clear(&c->keys);
    g_free(c);
}
