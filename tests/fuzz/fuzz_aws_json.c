/*
 * fuzz_aws_json.c - libFuzzer target for the parsers of credential
 * answers: fl_aws_cred_process_parse() (credential_process output),
 * fl_aws_cred_remote_parse() (container and instance metadata JSON) and
 * fl_aws_cred_sts_parse() (STS XML), all three on every input.
 *
 * Besides the sanitizers it checks what the credential chain relies on:
 *   - FALSE: FL_ERROR_AUTH and *out cleared (all NULL, expiration 0); for
 *     JSON, the message never quotes the SecretAccessKey or the token
 *     (unless the same text is also a member that messages may name:
 *     Code, Message, Expiration, or part of the messages' own words);
 *   - TRUE: an access key ID and a secret, both non-empty; a token NULL
 *     or non-empty; none with a control character (the ID and the token
 *     go into HTTP headers);
 *   - when both JSON parsers accept an input, they agree on the ID, the
 *     secret and the expiration.
 *
 * Build and run: see README.md in this directory (seeds in aws_json/).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "aws/cred_process.h"
#include "aws/cred_remote.h"
#include "aws/cred_sts.h"
#include "aws/keys.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gboolean
has_control(const char *s)
{
    for (const guchar *p = (const guchar *)s; p != NULL && *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            return TRUE;
    return FALSE;
}

static void
check_keys(gboolean ok, const FlAwsKeys *k, const GError *err)
{
    if (ok) {
        if (err != NULL || k->access_key_id == NULL ||
            *k->access_key_id == '\0' || k->secret_access_key == NULL ||
            *k->secret_access_key == '\0' ||
            (k->session_token != NULL && *k->session_token == '\0') ||
            has_control(k->access_key_id) ||
            has_control(k->secret_access_key) ||
            has_control(k->session_token))
            abort();
    } else if (err == NULL || !g_error_matches(err, FL_ERROR, FL_ERROR_AUTH)
               || k->access_key_id != NULL || k->secret_access_key != NULL
               || k->session_token != NULL || k->expiration != 0) {
        abort();
    }
}

/* The fixed words of the parsers' messages: a secret such as "token" or
 * "SecretAccessKey" may be found there without having been quoted. */
static const char vocabulary[] =
    "output is empty|output is not JSON|output is not a JSON object|"
    "output has no integer Version|output has Version , only Version 1 "
    "is known|output: |no AccessKeyId string in the answer|no "
    "SecretAccessKey string in the answer|the access key ID has a control "
    "character|the secret access key has a control character|the session "
    "token has a control character|Expiration '' is not an ISO 8601 time|"
    "the answer is not a JSON object|the answer says : ";

/* The secrets of a JSON object that messages must not quote. */
static void
check_not_quoted(const GError *err, const char *json, gsize len)
{
    static const char *const secret[] = { "SecretAccessKey", "Token",
                                          "SessionToken" };
    static const char *const named[] = { "Code", "Message", "Expiration" };
    JsonParser *parser;
    JsonNode *root;

    if (err == NULL)
        return;
    parser = json_parser_new();
    if (json_parser_load_from_data(parser, json, (gssize)len, NULL) &&
        (root = json_parser_get_root(parser)) != NULL &&
        JSON_NODE_HOLDS_OBJECT(root)) {
        JsonObject *o = json_node_get_object(root);

        for (guint i = 0; i < G_N_ELEMENTS(secret); i++) {
            const char *s = fl_aws_keys_json_string(o, secret[i]);
            gboolean may = FALSE;

            if (s == NULL || strlen(s) < 4 ||
                strstr(err->message, s) == NULL || strstr(vocabulary, s))
                continue;
            for (guint j = 0; j < G_N_ELEMENTS(named); j++) {
                const char *n = fl_aws_keys_json_string(o, named[j]);

                may |= n != NULL && strstr(n, s) != NULL;
            }
            if (!may)
                abort();
        }
    }
    g_object_unref(parser);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    FlAwsKeys process, remote, sts;
    GError *e1 = NULL, *e2 = NULL, *e3 = NULL;
    gboolean ok1, ok2, ok3;

    ok1 = fl_aws_cred_process_parse(text, size, &process, &e1);
    check_keys(ok1, &process, e1);
    check_not_quoted(e1, text, size);
    ok2 = fl_aws_cred_remote_parse(text, size, &remote, &e2);
    check_keys(ok2, &remote, e2);
    check_not_quoted(e2, text, size);
    ok3 = fl_aws_cred_sts_parse(text, size, &sts, &e3);
    check_keys(ok3, &sts, e3);
    if (ok1 && ok2 &&
        (strcmp(process.access_key_id, remote.access_key_id) != 0 ||
         strcmp(process.secret_access_key, remote.secret_access_key) != 0 ||
         process.expiration != remote.expiration))
        abort();
    fl_aws_keys_clear(&process);
    fl_aws_keys_clear(&remote);
    fl_aws_keys_clear(&sts);
    g_clear_error(&e1);
    g_clear_error(&e2);
    g_clear_error(&e3);
    return 0;
}
