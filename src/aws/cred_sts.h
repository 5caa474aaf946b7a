/*
 * cred_sts.h - web identity (EKS IRSA): STS AssumeRoleWithWebIdentity.
 *
 * An unsigned form POST (the web identity token is the proof):
 *   Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=..
 *   &RoleSessionName=..&WebIdentityToken=..
 * answered in XML: .../Credentials/{AccessKeyId, SecretAccessKey,
 * SessionToken, Expiration}, or ErrorResponse/Error/{Code, Message}.
 */
#ifndef FL_AWS_CRED_STS_H
#define FL_AWS_CRED_STS_H

#include <glib.h>

#include "aws/credentials.h"
#include "aws/http.h"

/*
 * The STS endpoint: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else
 * https://sts.REGION.amazonaws.com, or https://sts.amazonaws.com without
 * a region.  Caller frees.
 */
char *fl_aws_cred_sts_endpoint(const char *region);

/*
 * Reads token_file (now: it rotates) and asks STS at endpoint for the
 * role's keys.  FALSE with FL_ERROR_IO (token file), FL_ERROR_NETWORK (no
 * answer) or FL_ERROR_AUTH (STS refused: its code and message; or a bad
 * answer).
 */
gboolean fl_aws_cred_sts_web_identity(FlHttp *h, const char *endpoint,
                                      const char *role_arn,
                                      const char *session_name,
                                      const char *token_file,
                                      FlAwsKeys *out, GError **err);

/*
 * Parses an STS answer.  On a Credentials element: TRUE with *out.  On an
 * error answer, or anything else: FALSE with FL_ERROR_AUTH ("Code:
 * Message" when present).
 */
gboolean fl_aws_cred_sts_parse(const char *xml, gsize len, FlAwsKeys *out,
                               GError **err);

#endif
