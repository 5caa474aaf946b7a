/*
 * s3.h - the S3 REST calls we need: ListObjectsV2 and GetObject.
 *
 * Addressing: with --endpoint-url (an S3-compatible store, or a test
 * server) path-style, ENDPOINT/BUCKET/KEY; on AWS virtual-hosted,
 * https://BUCKET.s3.REGION.amazonaws.com/KEY, except for bucket names
 * with dots, which break the TLS wildcard certificate: those go
 * path-style to https://s3.REGION.amazonaws.com/BUCKET/KEY.
 *
 * Errors name the bucket and key and carry S3's error code and message:
 * FL_ERROR_AUTH for refused credentials (InvalidAccessKeyId,
 * SignatureDoesNotMatch, ExpiredToken, ...), FL_ERROR_REMOTE for every
 * other refusal (AccessDenied, NoSuchBucket, NoSuchKey, a bucket in
 * another region: the message names that region), FL_ERROR_CORRUPT for an
 * answer that is not the XML it should be.
 *
 * An FlS3 is used by one thread at a time (it holds one FlHttp).
 */
#ifndef FL_AWS_S3_H
#define FL_AWS_S3_H

#include <glib.h>
#include "aws/aws.h"
#include "sources/s3_walk.h"

typedef struct FlS3 FlS3;

FlS3 *fl_s3_new(FlAws *aws);
void  fl_s3_free(FlS3 *s3);

/* Largest listing page we accept (AWS sends at most 1,000 keys of at
 * most 1 KiB: about 1.5 MiB of XML). */
#define FL_S3_MAX_LIST_BODY (16 * 1024 * 1024)

/*
 * One ListObjectsV2 page of bucket, in the shape of FlS3ListFunc
 * (s3_walk.h).  Keys longer than 1,024 bytes (S3's own limit) or a page
 * that is not ListBucketResult XML are FL_ERROR_CORRUPT.
 */
gboolean fl_s3_list(FlS3 *s3, const char *bucket, const char *prefix,
                    const char *delimiter, const char *token,
                    GPtrArray *keys, GPtrArray *prefixes, char **next_token,
                    GError **err);

/*
 * Starts reading bucket/key from byte offset (0: all; else a Range
 * request).  if_match (an ETag, or NULL) makes S3 refuse with 412 when
 * the object changed since, so a resumed read never splices two versions.
 * On success *size is the whole object's size when known (else 0) and
 * *etag its ETag without quotes (g_free; NULL when absent).
 */
FlHttpStream *fl_s3_get(FlS3 *s3, const char *bucket, const char *key,
                        guint64 offset, const char *if_match, guint64 *size,
                        char **etag, GError **err);

/* The URL of an object or of a bucket (key NULL), query not included. */
char *fl_s3_url(const FlAws *aws, const char *bucket, const char *key);

/* The run's FlAws of s3. */
FlAws *fl_s3_aws(FlS3 *s3);

/* Sets *err from an S3 error answer (any non-2xx status). */
void fl_s3_set_error(const FlHttpResponse *resp, const char *bucket,
                     const char *key, GError **err);

#endif
