/*
 * cred_remote.h - credentials served over HTTP by the platform: the ECS /
 * EKS Pod Identity container endpoint and EC2 instance metadata (IMDSv2).
 *
 * Both answer JSON {"AccessKeyId", "SecretAccessKey", "Token",
 * "Expiration"}.  Requests go through the caller's FlHttp, unsigned.
 * Messages name the URL without its query string, never a token.
 */
#ifndef FL_AWS_CRED_REMOTE_H
#define FL_AWS_CRED_REMOTE_H

#include <glib.h>

#include "aws/credentials.h"
#include "aws/http.h"

/* The largest credential answer read (real ones are ~1.5 KiB). */
#define FL_AWS_REMOTE_BODY_MAX (64 * 1024)

#define FL_AWS_CONTAINER_HOST "http://169.254.170.2"
#define FL_AWS_IMDS_ENDPOINT "http://169.254.169.254"

/* url up to its query string or fragment, for messages.  Caller frees. */
char *fl_aws_cred_url_for_log(const char *url);

/*
 * Whether a full container credentials URI may be used: https, or http
 * whose literal host is a loopback address (127.0.0.0/8, ::1,
 * "localhost") or the ECS / EKS addresses 169.254.170.2, 169.254.170.23,
 * fd00:ec2::23.  Host names are not resolved.  FALSE with FL_ERROR_CONFIG
 * saying why, or FL_ERROR_UNSUPPORTED when libcurl, which parses the URL,
 * is not available (the Lambda bootstrap could not load it).
 */
gboolean fl_aws_cred_container_check_url(const char *url, GError **err);

/*
 * GETs url with "Authorization: TOKEN" when token_file (read now: it
 * rotates) or token is given.  FALSE with FL_ERROR_NETWORK (no answer),
 * FL_ERROR_IO (token file) or FL_ERROR_AUTH (an error status, naming the
 * code and message of the answer, or a bad answer).
 */
gboolean fl_aws_cred_container_fetch(FlHttp *h, const char *url,
                                     const char *token_file,
                                     const char *token, FlAwsKeys *out,
                                     GError **err);

/*
 * IMDSv2: PUT /latest/api/token, GET the role name, GET its credentials,
 * from endpoint (scheme://host[:port], no trailing path).  *reachable is
 * set FALSE when the token PUT got no answer at all (not on EC2) or was
 * refused with 403 or 404 (metadata turned off, or not a metadata
 * service), TRUE once anything else answered.  FALSE with FL_ERROR_NETWORK or FL_ERROR_AUTH
 * (no role attached, an error status or a bad answer).
 */
gboolean fl_aws_cred_imds_fetch(FlHttp *h, const char *endpoint,
                                gboolean *reachable, FlAwsKeys *out,
                                GError **err);

/* Parses a container or instance metadata answer.  FALSE with
 * FL_ERROR_AUTH. */
gboolean fl_aws_cred_remote_parse(const char *json, gsize len,
                                  FlAwsKeys *out, GError **err);

#endif
