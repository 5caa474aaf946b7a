/*
 * test_s3_walk.c - unit tests for s3_walk.c over a bucket in memory.
 *
 * The bucket is a sorted array of keys and its list function follows
 * ListObjectsV2: prefix, delimiter (common prefixes rolled up, each once),
 * pages of at most 1,000 entries (keys and common prefixes together) and
 * continuation tokens.  Every request is logged, so tests assert which
 * prefixes were listed.  Expected results are worked out by brute force
 * over the whole bucket and compared, in order, with the walk.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "error.h"
#include "sources/s3_walk.h"
#include "timespec.h"

#define PAGE 1000

typedef struct {
    GPtrArray *keys;        /* char *, sorted */
    GHashTable *flow;       /* keys in a flow-log position of the layout */
    gboolean sorted;
    GPtrArray *log;         /* "prefix|delimiter|token" per request */
    guint fail_at;          /* fail this request (1-based); 0: never */
} Bucket;

typedef enum { PLAIN, PLAIN_HOURLY, HIVE, HIVE_HOURLY } Layout;

static Bucket *
bucket_new(void)
{
    Bucket *b = g_new0(Bucket, 1);

    b->keys = g_ptr_array_new_with_free_func(g_free);
    b->flow = g_hash_table_new(g_str_hash, g_str_equal);
    b->log = g_ptr_array_new_with_free_func(g_free);
    return b;
}

static void
bucket_free(Bucket *b)
{
    g_hash_table_unref(b->flow);
    g_ptr_array_unref(b->keys);
    g_ptr_array_unref(b->log);
    g_free(b);
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
bucket_add(Bucket *b, const char *key, gboolean flow)
{
    char *k = g_strdup(key);

    g_ptr_array_add(b->keys, k);
    if (flow)
        g_hash_table_add(b->flow, k);
    b->sorted = FALSE;
}

/* A flow-log key of layout l, under custom (may be ""), window start t. */
static char *
flow_key(Layout l, const char *custom, const char *acct, const char *region,
         const char *flid, gint64 t, const char *ext)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
    g_autofree char *stamp = g_date_time_format(dt, "%Y%m%dT%H%MZ");
    g_autofree char *name = g_strdup_printf(
        "%s_vpcflowlogs_%s_%s_%s_%08x%s", acct, region, flid, stamp,
        g_str_hash(flid) ^ (guint)t, ext);
    g_autofree char *dir = NULL;

    switch (l) {
    case PLAIN:
        dir = g_date_time_format(dt, "%Y/%m/%d/");
        return g_strdup_printf("%sAWSLogs/%s/vpcflowlogs/%s/%s%s", custom,
                               acct, region, dir, name);
    case PLAIN_HOURLY:
        dir = g_date_time_format(dt, "%Y/%m/%d/%H/");
        return g_strdup_printf("%sAWSLogs/%s/vpcflowlogs/%s/%s%s", custom,
                               acct, region, dir, name);
    case HIVE:
        dir = g_date_time_format(dt, "year=%Y/month=%m/day=%d/");
        break;
    case HIVE_HOURLY:
        dir = g_date_time_format(dt, "year=%Y/month=%m/day=%d/hour=%H/");
        break;
    }
    return g_strdup_printf("%sAWSLogs/aws-account-id=%s/aws-service="
                           "vpcflowlogs/aws-region=%s/%s%s", custom, acct,
                           region, dir, name);
}

/* Files every 5 minutes in [from, to) for each flow log ID. */
static void
add_flow_logs(Bucket *b, Layout l, const char *custom, const char *acct,
              const char *region, guint n_ids, gint64 from, gint64 to)
{
    for (gint64 t = from; t < to; t += 300) {
        for (guint i = 0; i < n_ids; i++) {
            g_autofree char *id = g_strdup_printf("fl-%017x", i + 1);
            g_autofree char *k = flow_key(l, custom, acct, region, id, t,
                                          ".log.gz");

            bucket_add(b, k, TRUE);
        }
    }
}

static void
bucket_sort(Bucket *b)
{
    if (!b->sorted)
        g_ptr_array_sort(b->keys, cmp_str);
    b->sorted = TRUE;
}

/* First index whose key is >= s. */
static guint
lower_bound(Bucket *b, const char *s)
{
    guint lo = 0, hi = b->keys->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;

        if (strcmp(g_ptr_array_index(b->keys, mid), s) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ListObjectsV2, in memory.  The token is the last entry of the page. */
static gboolean
bucket_list(gpointer data, const char *prefix, const char *delimiter,
            const char *token, GPtrArray *keys, GPtrArray *prefixes,
            char **next_token, GError **err)
{
    Bucket *b = data;
    gsize pl = strlen(prefix);
    guint n = 0, i;
    const char *last = NULL;
    char *last_cp = NULL;

    bucket_sort(b);
    g_ptr_array_add(b->log, g_strdup_printf("%s|%s|%s", prefix,
                                            delimiter ? delimiter : "",
                                            token ? "more" : ""));
    if (b->fail_at != 0 && b->log->len == b->fail_at) {
        g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "connection reset");
        return FALSE;
    }
    *next_token = NULL;
    i = lower_bound(b, token && strcmp(token, prefix) > 0 ? token : prefix);
    for (; i < b->keys->len; i++) {
        const char *k = g_ptr_array_index(b->keys, i);
        const char *d;

        if (strncmp(k, prefix, pl) != 0)
            break;
        /* Resuming: skip what the last page ended with. */
        if (token && (strcmp(k, token) <= 0 ||
                      (g_str_has_suffix(token, delimiter ? delimiter : "\1")
                       && g_str_has_prefix(k, token))))
            continue;
        d = delimiter ? strstr(k + pl, delimiter) : NULL;
        if (d != NULL) {
            gsize cl = (gsize)(d - k) + strlen(delimiter);

            if (last_cp && strlen(last_cp) == cl && strncmp(k, last_cp, cl) == 0)
                continue;
            if (n == PAGE) {
                *next_token = g_strdup(last);
                break;
            }
            g_free(last_cp);
            last_cp = g_strndup(k, cl);
            g_ptr_array_add(prefixes, g_strdup(last_cp));
            last = g_ptr_array_index(prefixes, prefixes->len - 1);
        } else {
            FlS3Key *key;

            if (n == PAGE) {
                *next_token = g_strdup(last);
                break;
            }
            key = g_new0(FlS3Key, 1);
            key->key = g_strdup(k);
            key->size = strlen(k);
            key->etag = g_strdup("0123456789abcdef");
            g_ptr_array_add(keys, key);
            last = key->key;
        }
        n++;
    }
    g_free(last_cp);
    return TRUE;
}

/* ---- running a walk ---------------------------------------------------- */

typedef struct {
    GPtrArray *got;         /* char * */
    guint64 skipped, requests;
} Result;

static void
result_clear(Result *r)
{
    g_ptr_array_unref(r->got);
}

static Result
walk_cfg(Bucket *b, const FlS3WalkConfig *cfg)
{
    g_autoptr(FlS3Walk) w = fl_s3_walk_new(cfg, bucket_list, b);
    Result r = { g_ptr_array_new_with_free_func(g_free), 0, 0 };
    GError *err = NULL;
    FlS3Key *k;

    g_ptr_array_set_size(b->log, 0);
    while ((k = fl_s3_walk_next(w, &err)) != NULL) {
        g_assert_nonnull(k->key);
        g_assert_cmpuint(k->size, ==, strlen(k->key));
        g_assert_cmpstr(k->etag, ==, "0123456789abcdef");
        g_ptr_array_add(r.got, g_steal_pointer(&k->key));
        fl_s3_key_free(k);
    }
    g_assert_no_error(err);
    /* The end stays the end. */
    g_assert_null(fl_s3_walk_next(w, &err));
    g_assert_no_error(err);
    r.skipped = fl_s3_walk_skipped(w);
    r.requests = fl_s3_walk_requests(w);
    g_assert_cmpuint(r.requests, ==, b->log->len);
    return r;
}

static Result
walk(Bucket *b, const char *prefix, gboolean has_range, gint64 since,
     gint64 until)
{
    FlS3WalkConfig cfg = { prefix, has_range, since, until, FALSE };

    return walk_cfg(b, &cfg);
}

static gboolean
overlaps(const char *key, gint64 since, gint64 until)
{
    gint64 t = fl_s3_key_time(key);

    return t >= 0 && t < until && t + 300 > since;
}

/* The flow-log keys under prefix whose window overlaps, in key order. */
static GPtrArray *
expected(Bucket *b, const char *prefix, gint64 since, gint64 until)
{
    GPtrArray *e = g_ptr_array_new();

    bucket_sort(b);
    for (guint i = 0; i < b->keys->len; i++) {
        const char *k = g_ptr_array_index(b->keys, i);

        if (g_hash_table_contains(b->flow, k) && g_str_has_prefix(k, prefix)
            && overlaps(k, since, until))
            g_ptr_array_add(e, (gpointer)k);
    }
    return e;
}

static void
assert_same(GPtrArray *got, GPtrArray *want)
{
    for (guint i = 0; i < MIN(got->len, want->len); i++)
        g_assert_cmpstr(g_ptr_array_index(got, i), ==,
                        g_ptr_array_index(want, i));
    g_assert_cmpuint(got->len, ==, want->len);
}

static void
assert_sorted(GPtrArray *a)
{
    for (guint i = 1; i < a->len; i++)
        g_assert_cmpint(strcmp(g_ptr_array_index(a, i - 1),
                               g_ptr_array_index(a, i)), <, 0);
}

static void
check_range(Bucket *b, const char *prefix, gint64 since, gint64 until)
{
    Result r = walk(b, prefix, TRUE, since, until);
    g_autoptr(GPtrArray) want = expected(b, prefix, since, until);

    assert_sorted(r.got);
    assert_same(r.got, want);
    result_clear(&r);
}

static void
assert_log(Bucket *b, const char *const *want)
{
    guint n = g_strv_length((char **)want);

    for (guint i = 0; i < MIN(n, b->log->len); i++)
        g_assert_cmpstr(g_ptr_array_index(b->log, i), ==, want[i]);
    g_assert_cmpuint(b->log->len, ==, n);
}

static gint64
T(const char *s)
{
    gint64 t = 0;

    g_assert_true(fl_time_parse(s, 0, &t, NULL));
    return t;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_key_time(void)
{
    g_assert_cmpint(fl_s3_key_time(
        "AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/"
        "123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_"
        "fe123456.log.gz"), ==, T("2018-06-20T16:20:00Z"));
    g_assert_cmpint(fl_s3_key_time(
        "x_vpcflowlogs_us-gov-west-1_fl-1_20240229T2355Z_ab.log.parquet"), ==,
        T("2024-02-29T23:55:00Z"));
    g_assert_cmpint(fl_s3_key_time("a/b/c.log.gz"), ==, -1);
    g_assert_cmpint(fl_s3_key_time(""), ==, -1);
    g_assert_cmpint(fl_s3_key_time("_20240525T1200Z_"), ==,
                    T("2024-05-25T12:00:00Z"));
    /* In a folder name, not the base name: not a file time. */
    g_assert_cmpint(fl_s3_key_time("_20240525T1200Z_/x.log"), ==, -1);
    /* Out of range fields. */
    g_assert_cmpint(fl_s3_key_time("a_20241325T1200Z_b.log"), ==, -1);
    g_assert_cmpint(fl_s3_key_time("a_20240230T1200Z_b.log"), ==, -1);
    g_assert_cmpint(fl_s3_key_time("a_20240525T2400Z_b.log"), ==, -1);
    g_assert_cmpint(fl_s3_key_time("a_20240525T1260Z_b.log"), ==, -1);
    g_assert_cmpint(fl_s3_key_time("a_2024052xT1200Z_b.log"), ==, -1);
    g_assert_cmpint(fl_s3_key_time("a_20240525T1200Z.log"), ==, -1);
}

/* No range: one flat listing of everything under the prefix, paged. */
static void
test_no_range(void)
{
    Bucket *b = bucket_new();
    Result r;

    add_flow_logs(b, PLAIN, "", "111111111111", "us-east-1", 4,
                  T("2024-05-25T00:00:00Z"), T("2024-05-26T00:00:00Z"));
    add_flow_logs(b, HIVE_HOURLY, "x/", "222222222222", "eu-west-1", 1,
                  T("2024-05-25T00:00:00Z"), T("2024-05-25T06:00:00Z"));
    bucket_add(b, "AWSLogs/111111111111/vpcflowlogs/README.txt", FALSE);
    bucket_add(b, "AWSLogs/111111111111/vpcflowlogs/us-east-1/x.log", FALSE);
    bucket_add(b, "AWSLogs/111111111111/vpcflowlogs/us-east-1/x.log.gz.tmp",
               FALSE);
    bucket_add(b, "AWSLogs/111111111111/elasticloadbalancing/a.log.gz",
               FALSE);

    r = walk(b, "", FALSE, 0, 0);
    assert_sorted(r.got);
    /* 1152 + 72 flow logs, x.log and the ELB .log.gz; two names skipped. */
    g_assert_cmpuint(r.got->len, ==, 1152 + 72 + 2);
    g_assert_cmpuint(r.skipped, ==, 2);
    g_assert_cmpuint(r.requests, ==, 2);        /* 1228 keys: two pages */
    g_assert_cmpstr(g_ptr_array_index(b->log, 0), ==, "||");
    g_assert_cmpstr(g_ptr_array_index(b->log, 1), ==, "||more");
    result_clear(&r);

    r = walk(b, "x/", FALSE, 0, 0);
    g_assert_cmpuint(r.got->len, ==, 72);
    g_assert_cmpuint(r.requests, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(b->log, 0), ==, "x/||");
    result_clear(&r);
    bucket_free(b);
}

/* Each layout: the right keys, and only the day (and hour) prefixes. */
static void
test_layouts(void)
{
    static const char *const plain_log[] = {
        "|/|", "AWSLogs/|/|", "AWSLogs/111111111111/vpcflowlogs/|/|",
        "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/|/|", NULL };
    static const char *const hourly_log[] = {
        "|/|", "AWSLogs/|/|", "AWSLogs/111111111111/vpcflowlogs/|/|",
        "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/|/|",
        "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/12/|/|",
        "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/13/|/|", NULL };
    static const char *const hive_log[] = {
        "|/|", "AWSLogs/|/|",
        "AWSLogs/aws-account-id=111111111111/aws-service=vpcflowlogs/|/|",
        "AWSLogs/aws-account-id=111111111111/aws-service=vpcflowlogs/"
        "aws-region=us-east-1/year=2024/month=05/day=25/|/|", NULL };
    static const char *const hive_hourly_log[] = {
        "|/|", "AWSLogs/|/|",
        "AWSLogs/aws-account-id=111111111111/aws-service=vpcflowlogs/|/|",
        "AWSLogs/aws-account-id=111111111111/aws-service=vpcflowlogs/"
        "aws-region=us-east-1/year=2024/month=05/day=25/|/|",
        "AWSLogs/aws-account-id=111111111111/aws-service=vpcflowlogs/"
        "aws-region=us-east-1/year=2024/month=05/day=25/hour=12/|/|",
        "AWSLogs/aws-account-id=111111111111/aws-service=vpcflowlogs/"
        "aws-region=us-east-1/year=2024/month=05/day=25/hour=13/|/|", NULL };
    const char *const *logs[] = { plain_log, hourly_log, hive_log,
                                  hive_hourly_log };
    gint64 since = T("2024-05-25T12:10:00Z"), until = T("2024-05-25T13:20:00Z");

    for (Layout l = PLAIN; l <= HIVE_HOURLY; l++) {
        Bucket *b = bucket_new();
        Result r;

        add_flow_logs(b, l, "", "111111111111", "us-east-1", 2,
                      T("2024-05-23T00:00:00Z"), T("2024-05-27T00:00:00Z"));
        r = walk(b, "", TRUE, since, until);
        /* 12:10 .. 13:15, 14 windows, two flow logs. */
        g_assert_cmpuint(r.got->len, ==, 28);
        assert_log(b, logs[l]);
        result_clear(&r);
        check_range(b, "", since, until);
        bucket_free(b);
    }
}

/* A window that starts before since but ends after it overlaps. */
static void
test_window_overlap(void)
{
    Bucket *b = bucket_new();
    Result r;

    add_flow_logs(b, PLAIN, "", "111111111111", "us-east-1", 1,
                  T("2024-05-25T00:00:00Z"), T("2024-05-26T00:00:00Z"));
    r = walk(b, "", TRUE, T("2024-05-25T12:04:59Z"),
             T("2024-05-25T12:05:01Z"));
    g_assert_cmpuint(r.got->len, ==, 2);          /* 12:00 and 12:05 */
    /* The rest of the day's 288 files were seen and skipped. */
    g_assert_cmpuint(r.skipped, ==, 286);
    result_clear(&r);
    /* [since, until) is half-open on both sides of the windows. */
    r = walk(b, "", TRUE, T("2024-05-25T12:05:00Z"),
             T("2024-05-25T12:10:00Z"));
    g_assert_cmpuint(r.got->len, ==, 1);
    g_assert_true(g_str_has_suffix(g_ptr_array_index(r.got, 0), ".log.gz"));
    g_assert_cmpint(fl_s3_key_time(g_ptr_array_index(r.got, 0)), ==,
                    T("2024-05-25T12:05:00Z"));
    result_clear(&r);
    bucket_free(b);
}

/* Midnight, month and year boundaries; a range starting at midnight does
 * not list the day before. */
static void
test_boundaries(void)
{
    static const struct { const char *since, *until; guint days; } cases[] = {
        { "2023-12-31T23:00:00Z", "2024-01-01T01:00:00Z", 2 },
        { "2024-02-29T23:50:00Z", "2024-03-01T00:10:00Z", 2 },
        { "2024-04-30T22:00:00Z", "2024-05-02T02:00:00Z", 3 },
        { "2024-05-25T00:00:00Z", "2024-05-26T00:00:00Z", 1 },
        { "2024-05-25T00:02:00Z", "2024-05-25T00:07:00Z", 1 },
        { "2024-05-24T23:57:00Z", "2024-05-25T00:00:01Z", 2 },
    };

    for (Layout l = PLAIN; l <= HIVE_HOURLY; l++) {
        Bucket *b = bucket_new();

        add_flow_logs(b, l, "", "111111111111", "us-east-1", 1,
                      T("2023-12-30T00:00:00Z"), T("2024-01-03T00:00:00Z"));
        add_flow_logs(b, l, "", "111111111111", "us-east-1", 1,
                      T("2024-02-28T00:00:00Z"), T("2024-03-02T00:00:00Z"));
        add_flow_logs(b, l, "", "111111111111", "us-east-1", 1,
                      T("2024-04-29T00:00:00Z"), T("2024-05-27T00:00:00Z"));
        for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
            gint64 s = T(cases[i].since), u = T(cases[i].until);
            Result r = walk(b, "", TRUE, s, u);
            guint days = 0;

            g_test_message("layout %d, %s", l, cases[i].since);
            for (guint j = 0; j < b->log->len; j++)
                if (g_regex_match_simple(
                        "(/[0-9]{4}/[0-9]{2}/[0-9]{2}/|/day=[0-9]{2}/)[|]",
                        g_ptr_array_index(b->log, j), 0, 0))
                    days++;
            g_assert_cmpuint(days, ==, cases[i].days);
            result_clear(&r);
            check_range(b, "", s, u);
        }
        bucket_free(b);
    }
}

/* A day of more than 1,000 files: paged, still in order. */
static void
test_big_day(void)
{
    Bucket *b = bucket_new();
    Result r;

    add_flow_logs(b, PLAIN, "", "111111111111", "us-east-1", 9,
                  T("2024-05-25T00:00:00Z"), T("2024-05-26T00:00:00Z"));
    r = walk(b, "", TRUE, T("2024-05-25T00:00:00Z"),
             T("2024-05-26T00:00:00Z"));
    g_assert_cmpuint(r.got->len, ==, 9 * 288);
    assert_sorted(r.got);
    /* root, AWSLogs/, regions, then the day in three pages */
    g_assert_cmpuint(r.requests, ==, 6);
    g_assert_cmpstr(g_ptr_array_index(b->log, 5), ==,
                    "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/"
                    "|/|more");
    result_clear(&r);
    check_range(b, "", T("2024-05-25T11:00:00Z"), T("2024-05-25T15:00:00Z"));
    bucket_free(b);
}

/* 100,000 keys: a one-hour backfill makes at most six list requests. */
static void
test_request_bound(void)
{
    for (Layout l = PLAIN; l <= HIVE_HOURLY; l++) {
        Bucket *b = bucket_new();
        gint64 since = T("2024-05-20T12:00:00Z");
        Result r;

        /* 35 days of 10 flow logs: 100,800 keys. */
        add_flow_logs(b, l, "", "111111111111", "us-east-1", 10,
                      T("2024-05-01T00:00:00Z"), T("2024-06-05T00:00:00Z"));
        g_assert_cmpuint(b->keys->len, >=, 100000);
        r = walk(b, "", TRUE, since, since + 3600);
        g_assert_cmpuint(r.got->len, ==, 120);
        g_assert_cmpuint(r.requests, <=, 6);
        /* The day listing pages 2,880 keys in three; hours take one. */
        g_assert_cmpuint(r.requests, ==, l == PLAIN || l == HIVE ? 6 : 5);
        result_clear(&r);
        check_range(b, "", since, since + 3600);
        bucket_free(b);
    }
}

/* Accounts, regions and layouts side by side; other services skipped. */
static void
test_many_accounts(void)
{
    Bucket *b = bucket_new();
    gint64 from = T("2024-05-24T22:00:00Z"), to = T("2024-05-25T03:00:00Z");
    gint64 since = T("2024-05-24T23:30:00Z"), until = T("2024-05-25T00:40:00Z");
    Result r;

    add_flow_logs(b, PLAIN, "", "111111111111", "us-east-1", 2, from, to);
    add_flow_logs(b, PLAIN, "", "111111111111", "us-gov-west-1", 1, from, to);
    add_flow_logs(b, PLAIN_HOURLY, "", "222222222222", "eu-west-1", 1, from,
                  to);
    add_flow_logs(b, HIVE, "", "333333333333", "ap-south-1", 1, from, to);
    add_flow_logs(b, HIVE_HOURLY, "", "444444444444", "us-east-1", 1, from,
                  to);
    add_flow_logs(b, HIVE_HOURLY, "", "444444444444", "us-west-2", 1, from,
                  to);
    bucket_add(b, "AWSLogs/111111111111/elasticloadbalancing/us-east-1/2024/"
               "05/25/111111111111_elasticloadbalancing_us-east-1_lb_"
               "20240525T0000Z_1.2.3.4_x.log.gz", FALSE);
    bucket_add(b, "AWSLogs/111111111111/CloudTrail/us-east-1/2024/05/25/"
               "a.json.gz", FALSE);
    bucket_add(b, "AWSLogs/not-an-account/vpcflowlogs/us-east-1/2024/05/25/"
               "x_20240525T0000Z_y.log.gz", FALSE);
    bucket_add(b, "AWSLogs/aws-account-id=444444444444/aws-service=cloudtrail/"
               "aws-region=us-east-1/year=2024/month=05/day=25/"
               "x_20240525T0000Z_y.log.gz", FALSE);

    r = walk(b, "", TRUE, since, until);
    assert_sorted(r.got);
    for (guint i = 0; i < b->log->len; i++) {
        const char *e = g_ptr_array_index(b->log, i);

        g_assert_null(strstr(e, "elasticloadbalancing"));
        g_assert_null(strstr(e, "CloudTrail"));
        g_assert_null(strstr(e, "cloudtrail"));
        g_assert_null(strstr(e, "not-an-account"));
    }
    result_clear(&r);
    check_range(b, "", since, until);
    bucket_free(b);
}

/* A custom prefix before AWSLogs/, found below the depth bound only. */
static void
test_custom_prefix(void)
{
    Bucket *b = bucket_new();
    gint64 from = T("2024-05-25T00:00:00Z"), to = T("2024-05-25T02:00:00Z");
    gint64 since = T("2024-05-25T00:30:00Z"), until = T("2024-05-25T01:00:00Z");
    Result r;
    guint n_deep;

    add_flow_logs(b, PLAIN, "flowlogs/", "111111111111", "us-east-1", 1, from,
                  to);
    add_flow_logs(b, HIVE, "a/b/c/d/", "111111111111", "us-east-1", 1, from,
                  to);
    add_flow_logs(b, PLAIN, "a/b/c/d/e/", "111111111111", "us-east-1", 1,
                  from, to);
    bucket_add(b, "flowlogs/notes.txt", FALSE);

    r = walk(b, "", TRUE, since, until);
    /* a/b/c/d/e/AWSLogs is five levels down: past FL_S3_WALK_MAX_DEPTH. */
    g_assert_cmpuint(r.got->len, ==, 12);
    for (guint i = 0; i < r.got->len; i++)
        g_assert_false(g_str_has_prefix(g_ptr_array_index(r.got, i),
                                        "a/b/c/d/e/"));
    assert_sorted(r.got);
    /* notes.txt, and 2 x 18 files of the two days listed outside the
     * half hour. */
    g_assert_cmpuint(r.skipped, ==, 1 + 2 * 18);
    result_clear(&r);

    /* Named by the user, the custom levels do not count. */
    r = walk(b, "a/b/", TRUE, since, until);
    n_deep = r.got->len;
    g_assert_cmpuint(n_deep, ==, 12);
    result_clear(&r);
    check_range(b, "a/b/c/d/e/", since, until);
    check_range(b, "flowlogs/", since, until);
    check_range(b, "flow", since, until);
    bucket_free(b);
}

/* The user's prefix may stop at any level, or inside one. */
static void
test_prefix_levels(void)
{
    static const char *const prefixes[] = {
        "", "AWS", "AWSLogs", "AWSLogs/", "AWSLogs/1", "AWSLogs/111111111111",
        "AWSLogs/111111111111/", "AWSLogs/111111111111/vpc",
        "AWSLogs/111111111111/vpcflowlogs", "AWSLogs/111111111111/vpcflowlogs/",
        "AWSLogs/111111111111/vpcflowlogs/us-", "AWSLogs/111111111111/"
        "vpcflowlogs/us-east-1/", "AWSLogs/111111111111/vpcflowlogs/"
        "us-east-1/2024/", "AWSLogs/111111111111/vpcflowlogs/us-east-1/"
        "2024/05/2", "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/",
        "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/1",
        "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/12/",
        "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/12/1111",
        "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/26/",
        "AWSLogs/111111111111/CloudTrail/",
        "AWSLogs/aws-account-id=222222222222/aws-service=vpcflowlogs/",
        "AWSLogs/aws-account-id=222222222222/aws-service=vpcflowlogs/"
        "aws-region=eu-west-1/year=2024/month=05/day=25/hour=1",
        "AWSLogs/aws-account-id=222222222222/aws-service=vpcflowlogs/"
        "aws-region=eu-west-1/year=2024/month=05/day=25/hour=12/",
        "nothing/",
    };
    Bucket *b = bucket_new();
    gint64 since = T("2024-05-25T11:50:00Z"), until = T("2024-05-25T13:10:00Z");

    add_flow_logs(b, PLAIN_HOURLY, "", "111111111111", "us-east-1", 1,
                  T("2024-05-24T00:00:00Z"), T("2024-05-27T00:00:00Z"));
    add_flow_logs(b, HIVE_HOURLY, "", "222222222222", "eu-west-1", 1,
                  T("2024-05-24T00:00:00Z"), T("2024-05-27T00:00:00Z"));
    for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        g_test_message("prefix %s", prefixes[i]);
        check_range(b, prefixes[i], since, until);
    }
    /* Prefix at the region: only the day and its hours are listed. */
    {
        static const char *const want[] = {
            "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/|/|",
            "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/11/|/|",
            "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/12/|/|",
            "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/13/|/|",
            NULL };
        Result r = walk(b, "AWSLogs/111111111111/vpcflowlogs/us-east-1/",
                        TRUE, since, until);

        g_assert_cmpuint(r.got->len, ==, 16);
        assert_log(b, want);
        result_clear(&r);
    }
    bucket_free(b);
}

/* Names: only .log, .log.gz, .log.parquet; no time inside a day: kept. */
static void
test_names(void)
{
    static const char *const day = "AWSLogs/111111111111/vpcflowlogs/"
                                   "us-east-1/2024/05/25/";
    static const char *const names[] = {
        "a.log", "b.log.gz", "c.log.parquet", "d.log.gz.tmp", "e.txt",
        "f.LOG.GZ", "g.gz", "h_20240525T1200Z_x.log.gz",
        "i_20240525T0000Z_x.log.gz", "j_20240525T1200Z_x.parquet",
    };
    Bucket *b = bucket_new();
    Result r;

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *k = g_strconcat(day, names[i], NULL);

        bucket_add(b, k, FALSE);
    }
    r = walk(b, "", TRUE, T("2024-05-25T12:00:00Z"),
             T("2024-05-25T13:00:00Z"));
    g_assert_cmpuint(r.got->len, ==, 4);
    g_assert_true(g_str_has_suffix(g_ptr_array_index(r.got, 0), "/a.log"));
    g_assert_true(g_str_has_suffix(g_ptr_array_index(r.got, 1), "/b.log.gz"));
    g_assert_true(g_str_has_suffix(g_ptr_array_index(r.got, 2),
                                   "/c.log.parquet"));
    g_assert_true(g_str_has_suffix(g_ptr_array_index(r.got, 3),
                                   "/h_20240525T1200Z_x.log.gz"));
    g_assert_cmpuint(r.skipped, ==, 6);
    result_clear(&r);
    bucket_free(b);
}

/* all_keys: Firehose's names (no .log suffix) too, folder markers not. */
static void
test_all_keys(void)
{
    static const char *const keys[] = {
        "fh/2024/05/25/12/",
        "fh/2024/05/25/12/flows-1-2024-05-25-12-00-00-0a1b",
        "fh/2024/05/25/12/flows-1-2024-05-25-12-05-00-2c3d.gz",
    };
    FlS3WalkConfig cfg = { "fh/2024/05/25/12/", FALSE, 0, 0, FALSE };
    Bucket *b = bucket_new();
    Result r;

    for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
        bucket_add(b, keys[i], FALSE);
    r = walk_cfg(b, &cfg);
    g_assert_cmpuint(r.got->len, ==, 0);
    g_assert_cmpuint(r.skipped, ==, 3);
    result_clear(&r);
    cfg.all_keys = TRUE;
    r = walk_cfg(b, &cfg);
    g_assert_cmpuint(r.got->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(r.got, 0), ==, keys[1]);
    g_assert_cmpstr(g_ptr_array_index(r.got, 1), ==, keys[2]);
    g_assert_cmpuint(r.skipped, ==, 1);
    result_clear(&r);
    bucket_free(b);
}

/* Keys and prefixes interleave inside a listing: still key order. */
static void
test_mixed_order(void)
{
    Bucket *b = bucket_new();
    const char *day = "AWSLogs/111111111111/vpcflowlogs/us-east-1/2024/05/25/";
    static const char *const rest[] = {
        "0.log", "11/x_20240525T1155Z_a.log", "12.log", "12/a.log",
        "12/b.log", "12a.log", "13/c.log", "zz.log",
    };
    Result r;

    for (guint i = 0; i < G_N_ELEMENTS(rest); i++) {
        g_autofree char *k = g_strconcat(day, rest[i], NULL);

        bucket_add(b, k, FALSE);
    }
    r = walk(b, "", TRUE, T("2024-05-25T12:00:00Z"),
             T("2024-05-25T12:30:00Z"));
    /* 11/ holds nothing of the range (its last window ends at 12:00) and
     * is not listed; 13/ is not listed either. */
    g_assert_cmpuint(r.got->len, ==, 6);
    assert_sorted(r.got);
    for (guint i = 0; i < b->log->len; i++) {
        g_assert_null(strstr(g_ptr_array_index(b->log, i), "/11/"));
        g_assert_null(strstr(g_ptr_array_index(b->log, i), "/13/"));
    }
    result_clear(&r);
    bucket_free(b);
}

/* A failed request ends the walk with the error, once. */
static void
test_list_error(void)
{
    Bucket *b = bucket_new();
    FlS3WalkConfig cfg = { "", TRUE, T("2024-05-25T00:00:00Z"),
                           T("2024-05-26T00:00:00Z"), FALSE };
    g_autoptr(FlS3Walk) w = NULL;
    GError *err = NULL;
    FlS3Key *k;
    guint n = 0;

    add_flow_logs(b, PLAIN, "", "111111111111", "us-east-1", 5,
                  T("2024-05-25T00:00:00Z"), T("2024-05-26T00:00:00Z"));
    b->fail_at = 5;                     /* the day's second page */
    w = fl_s3_walk_new(&cfg, bucket_list, b);
    while ((k = fl_s3_walk_next(w, &err)) != NULL) {
        fl_s3_key_free(k);
        n++;
    }
    g_assert_cmpuint(n, ==, 1000);
    g_assert_error(err, FL_ERROR, FL_ERROR_NETWORK);
    g_assert_nonnull(strstr(err->message, "2024/05/25/"));
    g_clear_error(&err);
    g_assert_null(fl_s3_walk_next(w, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(fl_s3_walk_requests(w), ==, 5);
    bucket_free(b);
}

/* An empty or reversed range lists nothing. */
static void
test_empty_range(void)
{
    Bucket *b = bucket_new();
    Result r;

    add_flow_logs(b, PLAIN, "", "111111111111", "us-east-1", 1,
                  T("2024-05-25T00:00:00Z"), T("2024-05-26T00:00:00Z"));
    r = walk(b, "", TRUE, T("2024-05-25T12:00:00Z"), T("2024-05-25T12:00:00Z"));
    g_assert_cmpuint(r.got->len, ==, 0);
    g_assert_cmpuint(r.requests, ==, 0);
    result_clear(&r);
    r = walk(b, "", TRUE, T("2024-05-26T12:00:00Z"), T("2024-05-25T12:00:00Z"));
    g_assert_cmpuint(r.requests, ==, 0);
    result_clear(&r);
    bucket_free(b);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/s3-walk/key-time", test_key_time);
    g_test_add_func("/s3-walk/no-range", test_no_range);
    g_test_add_func("/s3-walk/layouts", test_layouts);
    g_test_add_func("/s3-walk/window-overlap", test_window_overlap);
    g_test_add_func("/s3-walk/boundaries", test_boundaries);
    g_test_add_func("/s3-walk/big-day", test_big_day);
    g_test_add_func("/s3-walk/request-bound", test_request_bound);
    g_test_add_func("/s3-walk/many-accounts", test_many_accounts);
    g_test_add_func("/s3-walk/custom-prefix", test_custom_prefix);
    g_test_add_func("/s3-walk/prefix-levels", test_prefix_levels);
    g_test_add_func("/s3-walk/names", test_names);
    g_test_add_func("/s3-walk/all-keys", test_all_keys);
    g_test_add_func("/s3-walk/mixed-order", test_mixed_order);
    g_test_add_func("/s3-walk/list-error", test_list_error);
    g_test_add_func("/s3-walk/empty-range", test_empty_range);
    return g_test_run();
}
