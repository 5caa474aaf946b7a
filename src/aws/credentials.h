/*
 * credentials.h - where AWS credentials come from, in the AWS CLI's order.
 *
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for
 *      temporary keys, AWS_SESSION_TOKEN;
 *   2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *      (AWS_ROLE_SESSION_NAME optional) through STS
 *      AssumeRoleWithWebIdentity (EKS);
 *   3. the profile (AWS_PROFILE, else "default") of the shared
 *      credentials file (AWS_SHARED_CREDENTIALS_FILE, else
 *      ~/.aws/credentials) and config file (AWS_CONFIG_FILE, else
 *      ~/.aws/config, sections "[profile NAME]" and "[default]"): static
 *      keys, or credential_process;
 *   4. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 *      (http://169.254.170.2 + it) or AWS_CONTAINER_CREDENTIALS_FULL_URI
 *      (https, or http to a loopback or the ECS/EKS link-local address),
 *      with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN as the Authorization header;
 *   5. EC2 instance metadata, IMDSv2 only (a token PUT first), unless
 *      AWS_EC2_METADATA_DISABLED is "true".
 *
 * The first source that is configured is used; a source that is
 * configured but fails is an error (it is not silently skipped: the user
 * meant it).  "Configured" means: any of its variables is set (one of a
 * pair alone is an error), a profile that has aws_access_key_id or
 * credential_process (a profile with only a region is not a source; a
 * profile named by AWS_PROFILE or cfg->profile that exists in neither
 * file is an error), instance metadata that answers at all.  Profiles
 * with sso_*, role_arn/source_profile, credential_source or
 * web_identity_token_file are refused by name (not supported).  Within a
 * profile, botocore's order: keys of the credentials file, then
 * credential_process (run with /bin/sh -c), then keys of the config file.
 *
 * The endpoints of STS and IMDS follow the SDK variables
 * AWS_ENDPOINT_URL_STS (else AWS_ENDPOINT_URL, else
 * https://sts.REGION.amazonaws.com) and AWS_EC2_METADATA_SERVICE_ENDPOINT
 * (else http://169.254.169.254), so they can be pointed elsewhere.
 *
 * Temporary credentials are renewed when less than 5 minutes remain
 * (credential_process, web identity, container, IMDS), so a long run never
 * signs with an expired token.  Thread-safe: any thread may call
 * fl_aws_credentials_get().
 */
#ifndef FL_AWS_CREDENTIALS_H
#define FL_AWS_CREDENTIALS_H

#include <glib.h>

typedef struct {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;        /* NULL for long-term keys */
    gint64 expiration;          /* Unix seconds; 0 = does not expire */
} FlAwsKeys;

void fl_aws_keys_clear(FlAwsKeys *k);

typedef struct FlAwsCredentials FlAwsCredentials;

typedef struct {
    const char *profile;        /* NULL: AWS_PROFILE, else "default" */
    const char *region;         /* for the STS endpoint */
    const char *ca_bundle;      /* for STS (and https container URIs) */
    const volatile gint *stop;
} FlAwsCredentialsConfig;

/*
 * Finds the first configured source and fetches the first credentials, so
 * that a missing or broken setup fails at start-up.  NULL with *err:
 * FL_ERROR_AUTH "no AWS credentials found (tried environment, web
 * identity, profile 'P' in FILE and FILE, container, instance metadata):
 * WHY" (WHY: why instance metadata gave nothing, e.g. it did not answer
 * or AWS_EC2_METADATA_DISABLED), or a message naming the source that
 * failed and why.  Its code is FL_ERROR_AUTH (refused, bad answer,
 * expired keys), FL_ERROR_UNSUPPORTED (an SSO or role profile),
 * FL_ERROR_CONFIG (a malformed shared file, a container URI that is not
 * allowed, a named profile that does not exist), FL_ERROR_NETWORK (a
 * configured endpoint did not answer), FL_ERROR_IO or FL_ERROR_LIMIT (a
 * file or an answer that cannot be read or is too large).
 */
FlAwsCredentials *fl_aws_credentials_new(const FlAwsCredentialsConfig *cfg,
                                         GError **err);

/*
 * A copy of the current keys in *out (clear with fl_aws_keys_clear()),
 * renewed first when they expire within 5 minutes.  FALSE with
 * FL_ERROR_AUTH when renewal failed and the old keys have expired (keys
 * that still have time left are returned, with a warning, and renewal is
 * tried again on the next call).
 */
gboolean fl_aws_credentials_get(FlAwsCredentials *c, FlAwsKeys *out,
                                GError **err);

/* Which source the keys came from, for messages: "environment",
 * "profile NAME", "web identity ROLE", "container", "instance metadata". */
const char *fl_aws_credentials_source(const FlAwsCredentials *c);

void fl_aws_credentials_free(FlAwsCredentials *c);

/*
 * The region in the CLI's order: explicit (--region), AWS_REGION,
 * AWS_DEFAULT_REGION, "region" of the profile (profile, else AWS_PROFILE,
 * else "default") in the config file.  NULL when none is set (the caller
 * decides on a default); a config file that cannot be read is logged as
 * a warning and gives NULL.
 */
char *fl_aws_region_resolve(const char *explicit_region, const char *profile);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlAwsCredentials, fl_aws_credentials_free)

#endif
