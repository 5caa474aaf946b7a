/*
 * s3_walk.h - which keys of a bucket a backfill reads.
 *
 * Knows AWS's four key layouts for flow logs (under an optional custom
 * prefix):
 *   AWSLogs/ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/[HH/]FILE
 *   AWSLogs/aws-account-id=ACCOUNT/aws-service=vpcflowlogs/
 *       aws-region=REGION/year=YYYY/month=MM/day=DD/[hour=HH/]FILE
 * and the file name ACCOUNT_vpcflowlogs_REGION_FLOWLOGID_YYYYMMDDTHHMMZ_
 * HASH.log.gz, whose timestamp starts the 5-minute window of the records'
 * end times.
 *
 * Without a time range every key under the prefix is listed (no
 * delimiter), in key order.  With one, the walker lists with delimiter
 * "/" down to the region level: "AWSLogs/" for the accounts (12 digits or
 * aws-account-id=), then, for each account, its vpcflowlogs (or
 * aws-service=vpcflowlogs) folder for the regions; the service level is
 * not listed, since other services are skipped anyway.  It then generates
 * the day prefixes of the range (YYYY/MM/DD/ or year=/month=/day=) and
 * lists only those, and inside a day with hour partitions (HH/ or
 * hour=HH/) only the hours of the range.  A one-hour backfill of a bucket
 * of millions of keys thus costs about five list requests (root,
 * AWSLogs/, regions, day, hour), more when a day has over 1,000 files.
 * Window starts are taken to be on AWS's 5-minute grid: the first day
 * and hour listed are those of since rounded down to 5 minutes, so a
 * range starting at midnight does not list the day before.
 * Below a level it does not recognise (a custom prefix), it descends into
 * every common prefix, at most FL_S3_WALK_MAX_DEPTH levels below the
 * given prefix.  The given prefix may end at any level or inside one
 * ("AWSLogs/1234" lists the accounts starting 1234); a segment that does
 * not fit the layout makes what follows custom.
 *
 * Keys are kept when their name ends in .log, .log.gz or .log.parquet
 * (others are counted as skipped) and, with a time range, when the
 * file-name window [T, T+5 min) overlaps [since, until); a name without a
 * timestamp inside a day prefix of the range is kept, elsewhere skipped.
 * Times are clamped to years 1970 to 9999.
 *
 * The walker does no I/O itself: it asks a list function, so that tests
 * can give it a bucket in memory.
 */
#ifndef FL_S3_WALK_H
#define FL_S3_WALK_H

#include <glib.h>

#define FL_S3_WALK_MAX_DEPTH 4

typedef struct {
    char *key;
    guint64 size;
    char *etag;                 /* as listed, quotes removed */
} FlS3Key;

/* NULL is fine. */
void fl_s3_key_free(FlS3Key *k);

/*
 * One ListObjectsV2 page: appends FlS3Key* to keys and char* common
 * prefixes to prefixes; sets *next_token (g_strdup) when the listing is
 * truncated, else NULL.  token is NULL for the first page.  FALSE with
 * *err on failure.
 */
typedef gboolean (*FlS3ListFunc)(gpointer data, const char *prefix,
                                 const char *delimiter, const char *token,
                                 GPtrArray *keys, GPtrArray *prefixes,
                                 char **next_token, GError **err);

typedef struct {
    const char *prefix;         /* from s3://bucket/PREFIX; "" for all */
    gboolean has_range;
    gint64 since, until;        /* Unix seconds, [since, until) */
    gboolean all_keys;          /* every key, whatever its name (but
                                   folder markers, KEY/): Firehose's
                                   objects have no .log suffix */
} FlS3WalkConfig;

typedef struct FlS3Walk FlS3Walk;

FlS3Walk *fl_s3_walk_new(const FlS3WalkConfig *cfg, FlS3ListFunc list,
                         gpointer list_data);

/*
 * The next key to read, in key order within each listed prefix and the
 * prefixes in key order, so the whole walk is in key order.  Returns
 * NULL at the end with *err unset, NULL with *err when a list request
 * failed, prefixed with the prefix listed (the walk is over then, later
 * calls return NULL).  Caller frees with fl_s3_key_free().
 * Memory: one listing page per level being descended (the day or hour
 * page of up to 1,000 keys, and above it pages of pending prefixes).
 * What a listing returns outside the prefix listed is dropped, and a
 * continuation token that does not change is an FL_ERROR_REMOTE error.
 */
FlS3Key *fl_s3_walk_next(FlS3Walk *w, GError **err);

/* Keys seen but not kept (not a flow log name, or outside the range). */
guint64 fl_s3_walk_skipped(const FlS3Walk *w);
/* List requests made so far (for the statistics and the tests). */
guint64 fl_s3_walk_requests(const FlS3Walk *w);

void fl_s3_walk_free(FlS3Walk *w);

/*
 * The window start of a flow-log file name (the "_YYYYMMDDTHHMMZ_" part
 * of the base name), or -1 when the name has none.
 */
gint64 fl_s3_key_time(const char *key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlS3Walk, fl_s3_walk_free)

#endif
