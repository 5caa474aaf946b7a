/*
 * aws.h - what every AWS source shares for one run: credentials, region,
 * endpoint and HTTP settings.
 *
 * Made once by main() when an input needs AWS (s3://, --s3-event,
 * --sqs-queue), so that missing credentials fail at start-up, not at the
 * first object.  Read-only after fl_aws_new(); the credentials inside are
 * thread-safe, so any thread may use it.  Each thread makes its own FlHttp
 * with fl_aws_http_new().
 */
#ifndef FL_AWS_H
#define FL_AWS_H

#include <glib.h>
#include "aws/credentials.h"
#include "aws/http.h"

typedef struct {
    const char *region;         /* --region; NULL: environment, profile */
    const char *profile;        /* --profile; NULL: AWS_PROFILE, default */
    const char *endpoint_url;   /* --endpoint-url: an S3-compatible store,
                                   addressed path-style */
    const char *ca_bundle;      /* --ca-bundle */
    guint connect_timeout;      /* 0: the FlHttpConfig default */
    guint low_speed_time;       /* 0: the FlHttpConfig default */
    guint max_attempts;         /* 0: the FlHttpConfig default */
    const volatile gint *stop;
} FlAwsConfig;

typedef struct FlAws {
    FlAwsCredentials *creds;
    char *region;               /* resolved; "us-east-1" when none is set */
    gboolean region_guessed;    /* nothing set it: messages say so */
    char *endpoint_url;         /* without a trailing '/'; NULL: AWS */
    FlHttpConfig http;
    char *ca_bundle;
    gint ref;
} FlAws;

/*
 * Resolves region and credentials (see credentials.h).  NULL with *err
 * (FL_ERROR_AUTH, FL_ERROR_CONFIG for a malformed --endpoint-url).
 */
FlAws *fl_aws_new(const FlAwsConfig *cfg, GError **err);
FlAws *fl_aws_ref(FlAws *aws);
void   fl_aws_unref(FlAws *aws);

/*
 * The endpoint of a service other than S3, without a trailing '/':
 * AWS_ENDPOINT_URL_<ID> (ID as the SDKs spell it: LOGS, EC2), else
 * AWS_ENDPOINT_URL, else https://<prefix>.<region>.amazonaws.com (.com.cn
 * for cn- regions).  --endpoint-url is S3's alone and is not used here.
 * NULL with FL_ERROR_CONFIG when a variable is not an http(s) URL.
 */
char *fl_aws_service_endpoint(const FlAws *aws, const char *id,
                              const char *prefix, GError **err);

/* An FlHttp with the run's HTTP settings.  Cannot fail. */
FlHttp *fl_aws_http_new(const FlAws *aws);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlAws, fl_aws_unref)

#endif
