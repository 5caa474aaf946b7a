/*
 * json_error.h - the error answers of AWS's JSON protocols (SQS, CloudWatch
 * Logs): {"__type":"namespace#Code","message":"..."}.
 */
#ifndef FL_AWS_JSON_ERROR_H
#define FL_AWS_JSON_ERROR_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include "aws/http.h"

/*
 * The error code (after any "namespace#") and message of resp's body, or
 * NULL for each that is missing or when the body is no JSON object.
 * The strings live as long as parser.  Cannot fail.
 */
void fl_aws_json_error(const FlHttpResponse *resp, JsonParser *parser,
                       const char **code, const char **message);

/* TRUE when the answer says the credentials were refused (403, or a code
 * about signatures, tokens, access keys or access). */
gboolean fl_aws_json_error_is_auth(long status, const char *code);

#endif
