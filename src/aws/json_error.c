/*
 * json_error.c - AWS JSON-protocol error answers (json_error.h).
 */
#include "config.h"

#include <string.h>

#include "aws/json_error.h"

void
fl_aws_json_error(const FlHttpResponse *resp, JsonParser *parser,
                  const char **code, const char **message)
{
    gsize len = 0;
    const char *body = resp->body ? g_bytes_get_data(resp->body, &len) : "";
    const char *hash;
    JsonObject *o;

    *code = *message = NULL;
    if (len == 0 || !json_parser_load_from_data(parser, body, (gssize)len,
                                                NULL)
        || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        return;
    o = json_node_get_object(json_parser_get_root(parser));
    *code = json_object_get_string_member_with_default(o, "__type", NULL);
    *message = json_object_get_string_member_with_default(o, "message",
                                                          NULL);
    if (*message == NULL)
        *message = json_object_get_string_member_with_default(o, "Message",
                                                              NULL);
    if (*code && (hash = strrchr(*code, '#')))
        *code = hash + 1;
}

gboolean
fl_aws_json_error_is_auth(long status, const char *code)
{
    return status == 403
           || (code && (strstr(code, "Signature") || strstr(code, "Token")
                        || strstr(code, "ClientTokenId")
                        || strstr(code, "AccessKey")
                        || strstr(code, "AccessDenied")));
}
