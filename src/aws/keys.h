/*
 * keys.h - FlAwsKeys helpers shared by the credential sources: copies,
 * the JSON shape every credential endpoint answers with, RFC 3339 times
 * and small secret files (tokens).
 *
 * Nothing here logs: values read through these are secrets.
 */
#ifndef FL_AWS_KEYS_H
#define FL_AWS_KEYS_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "aws/credentials.h"

/* The largest token file read (EKS tokens are about 1 KiB). */
#define FL_AWS_TOKEN_MAX (64 * 1024)

/* A deep copy of src into *dst (which is overwritten, not cleared).
 * Cannot fail. */
void fl_aws_keys_copy(FlAwsKeys *dst, const FlAwsKeys *src);

/*
 * Parses an RFC 3339 / ISO 8601 time with a zone ("2024-05-25T12:00:00Z")
 * into Unix seconds.  FALSE with FL_ERROR_AUTH when it is not one.
 */
gboolean fl_aws_keys_parse_time(const char *text, gint64 *out, GError **err);

/*
 * Checks that the access key ID, secret and token (either may be NULL)
 * hold no control character: the ID and the token go into HTTP headers,
 * where a CR or LF would end the header and start another.  FALSE with
 * FL_ERROR_AUTH naming what (never quoting it).  Cannot fail otherwise.
 */
gboolean fl_aws_keys_check_text(const char *id, const char *secret,
                                const char *token, GError **err);

/*
 * Fills *out from a JSON object with string members AccessKeyId,
 * SecretAccessKey, token_member (optional: "Token" for container and
 * instance metadata, "SessionToken" for credential_process) and
 * Expiration (optional).  FALSE with FL_ERROR_AUTH naming the missing or
 * malformed member (one with a control character is malformed, see
 * fl_aws_keys_check_text()); *out is then left cleared.
 */
gboolean fl_aws_keys_from_json(JsonObject *o, const char *token_member,
                               FlAwsKeys *out, GError **err);

/*
 * The string member name of o, or NULL when it is absent, null or not a
 * string.  Cannot fail.
 */
const char *fl_aws_keys_json_string(JsonObject *o, const char *name);

/*
 * Reads a small secret file (a web identity or container authorization
 * token) whole, without the trailing white space.  The token ends up in
 * an HTTP header or form, so it must be one line.  FALSE with FL_ERROR_IO
 * (cannot read, naming the path), FL_ERROR_LIMIT (over FL_AWS_TOKEN_MAX)
 * or FL_ERROR_AUTH (empty, or more than one line).  Caller frees *out.
 */
gboolean fl_aws_keys_read_token(const char *path, char **out, GError **err);

#endif
