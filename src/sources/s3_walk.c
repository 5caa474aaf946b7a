/*
 * s3_walk.c - which keys of a bucket a backfill reads (see s3_walk.h).
 *
 * The walk is a stack of frames, one per level being descended.  A
 * listing frame holds one page of its listing; keys and common prefixes
 * of a page are merged by strcmp(), and a common prefix is descended into
 * (a child frame pushed) when its turn comes, so keys come out in key
 * order without the bucket ever being held in memory.  The date level is
 * not listed: its frame generates the day prefixes of the range.
 *
 * It does not fetch objects, does not look at their contents and does not
 * know about checkpoints.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "sources/s3_walk.h"
#include "timespec.h"

#define WINDOW 300                      /* seconds in a file's window */
#define HOUR 3600
#define DAY 86400
/* Day prefixes are generated for years 1970 to 9999 only. */
#define T_LAST G_GINT64_CONSTANT(253402300800)

typedef enum {
    LV_FLAT,        /* no range: everything under the prefix, no delimiter */
    LV_CUSTOM,      /* unknown level: descend into every common prefix */
    LV_ACCOUNT,     /* ".../AWSLogs/": common prefixes are accounts */
    LV_REGION,      /* ".../vpcflowlogs/": common prefixes are regions */
    LV_DATE,        /* ".../REGION/": day prefixes generated, not listed */
    LV_DAY,         /* a day: files, or hour prefixes */
    LV_HOUR         /* an hour: files */
} Level;

typedef struct {
    Level level;
    char *prefix;       /* listed; for LV_DATE the region folder */
    gsize dir_len;      /* prefix up to and including its last '/' */
    guint depth;        /* LV_CUSTOM levels the walker went down itself */
    gboolean hive;      /* key=value segments */
    /* listing frames */
    GPtrArray *keys;    /* FlS3Key *, the current page */
    GPtrArray *subs;    /* char *, its common prefixes */
    guint ki, si;
    char *token;        /* for the next page; NULL with listed: the end */
    gboolean listed;
    /* LV_DATE: days left to generate; rem narrows them (user prefix) */
    gint64 day, last_day;
    char *rem;
    /* LV_DAY: the day's first second, to pick hours */
    gint64 day_start;
} Frame;

struct FlS3Walk {
    FlS3ListFunc list;
    gpointer list_data;
    gboolean has_range;
    gboolean all_keys;           /* see FlS3WalkConfig */
    gint64 since, until;
    gint64 first;       /* earliest file window start worth a look */
    GPtrArray *stack;   /* Frame * */
    guint64 skipped, requests;
    gboolean over;
};

void
fl_s3_key_free(FlS3Key *k)
{
    if (k == NULL)
        return;
    g_free(k->key);
    g_free(k->etag);
    g_free(k);
}

static void
frame_free(gpointer p)
{
    Frame *f = p;

    g_free(f->prefix);
    g_clear_pointer(&f->keys, g_ptr_array_unref);
    g_clear_pointer(&f->subs, g_ptr_array_unref);
    g_free(f->token);
    g_free(f->rem);
    g_free(f);
}

/* Pushes a frame for prefix (consumed). */
static Frame *
push(FlS3Walk *w, Level level, char *prefix, gboolean hive, guint depth)
{
    Frame *f = g_new0(Frame, 1);
    const char *slash = strrchr(prefix, '/');

    f->level = level;
    f->prefix = prefix;
    f->dir_len = slash ? (gsize)(slash - prefix) + 1 : 0;
    f->hive = hive;
    f->depth = depth;
    g_ptr_array_add(w->stack, f);
    return f;
}

/* ---- names ------------------------------------------------------------ */

static gboolean
all_digits(const char *s, gsize n)
{
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
    return TRUE;
}

/* A number of exactly n digits. */
static int
num(const char *s, gsize n)
{
    int v = 0;

    for (gsize i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* "YYYYMMDDTHHMMZ" at s (14 bytes readable), or -1. */
static gint64
stamp_time(const char *s)
{
    gint64 t;

    if (!all_digits(s, 8) || s[8] != 'T' || !all_digits(s + 9, 4) ||
        s[13] != 'Z')
        return -1;
    if (!fl_time_from_utc(num(s, 4), num(s + 4, 2), num(s + 6, 2),
                          num(s + 9, 2), num(s + 11, 2), 0, &t))
        return -1;
    return t;
}

gint64
fl_s3_key_time(const char *key)
{
    const char *base = strrchr(key, '/');
    gsize n;

    base = base ? base + 1 : key;
    n = strlen(base);
    /* The last "_YYYYMMDDTHHMMZ_" of the base name: the flow log ID and
     * the region come before it and never look like one. */
    for (gsize i = n >= 16 ? n - 16 + 1 : 0; i-- > 0;) {
        if (base[i] == '_' && base[i + 15] == '_') {
            gint64 t = stamp_time(base + i + 1);

            if (t >= 0)
                return t;
        }
    }
    return -1;
}

static gboolean
is_log_name(const char *key)
{
    return g_str_has_suffix(key, ".log") || g_str_has_suffix(key, ".log.gz") ||
           g_str_has_suffix(key, ".log.parquet");
}

/*
 * Whether a listed key is handed out.  in_day: the key was found in a day
 * or hour prefix of the range, so a name without a time is kept.
 */
static gboolean
keep_key(const FlS3Walk *w, const char *key, gboolean in_day)
{
    gint64 t;

    if (w->all_keys ? g_str_has_suffix(key, "/") : !is_log_name(key))
        return FALSE;
    if (!w->has_range)
        return TRUE;
    if ((t = fl_s3_key_time(key)) < 0)
        return in_day;
    return t < w->until && t + WINDOW > w->since;
}

/* seg (of length n, without its '/') names an account folder. */
static gboolean
account_seg(const char *seg, gsize n, gboolean *hive)
{
    static const char k[] = "aws-account-id=";

    if (n == 12 && all_digits(seg, 12)) {
        *hive = FALSE;
        return TRUE;
    }
    if (n == sizeof k - 1 + 12 && strncmp(seg, k, sizeof k - 1) == 0 &&
        all_digits(seg + sizeof k - 1, 12)) {
        *hive = TRUE;
        return TRUE;
    }
    return FALSE;
}

static const char *
service_seg(gboolean hive)
{
    return hive ? "aws-service=vpcflowlogs/" : "vpcflowlogs/";
}

static gboolean
region_seg(const char *seg, gsize n, gboolean hive)
{
    static const char k[] = "aws-region=";

    if (!hive)
        return n > 0;
    return n > sizeof k - 1 && strncmp(seg, k, sizeof k - 1) == 0;
}

/* "HH" or "hour=HH": the hour, or -1. */
static int
hour_seg(const char *seg, gsize n, gboolean hive)
{
    int h;

    if (hive) {
        if (n != 7 || strncmp(seg, "hour=", 5) != 0)
            return -1;
        seg += 5;
        n = 2;
    }
    if (n != 2 || !all_digits(seg, 2) || (h = num(seg, 2)) > 23)
        return -1;
    return h;
}

/* A frame generating the day prefixes of the range under region. */
static void
push_date(FlS3Walk *w, char *region, char *rem, gboolean hive)
{
    Frame *d = push(w, LV_DATE, region, hive, 0);

    d->rem = rem;
    d->day = w->first / DAY;
    d->last_day = (w->until - 1) / DAY;
}

/* ---- descending ------------------------------------------------------- */

/*
 * A common prefix sub came up in f's listing: push the frame that goes
 * down into it, or do nothing when it is not worth a look.  sub is
 * consumed.
 */
static void
descend(FlS3Walk *w, const Frame *f, char *sub)
{
    const char *seg = sub + f->dir_len;
    gsize n = strlen(seg) - 1;          /* without its '/' */
    gboolean hive = f->hive;
    gint64 hs;
    int h;

    switch (f->level) {
    case LV_CUSTOM:
        if (n == 7 && strncmp(seg, "AWSLogs", 7) == 0) {
            push(w, LV_ACCOUNT, sub, FALSE, 0);
            return;
        }
        if (f->depth < FL_S3_WALK_MAX_DEPTH) {
            push(w, LV_CUSTOM, sub, FALSE, f->depth + 1);
            return;
        }
        break;
    case LV_ACCOUNT:
        /* The service folder is known: going straight to it saves a
         * request per account, and other services are skipped anyway. */
        if (account_seg(seg, n, &hive)) {
            char *p = g_strconcat(sub, service_seg(hive), NULL);

            push(w, LV_REGION, p, hive, 0);
        }
        break;
    case LV_REGION:
        if (region_seg(seg, n, hive)) {
            push_date(w, sub, g_strdup(""), hive);
            return;
        }
        break;
    case LV_DAY:
        /* Only the hours that can hold a window of the range. */
        if ((h = hour_seg(seg, n, hive)) >= 0) {
            hs = f->day_start + (gint64)h * HOUR;
            if (hs < w->until && hs + HOUR > w->first) {
                push(w, LV_HOUR, sub, hive, 0);
                return;
            }
        }
        break;
    case LV_FLAT:
    case LV_DATE:
    case LV_HOUR:
        break;
    }
    g_free(sub);
}

/* The prefix of day number d: "2024/05/25/" or "year=2024/month=05/...". */
static char *
day_prefix(gint64 d, gboolean hive)
{
    int y, mo, dd;

    fl_time_to_utc_date(d * DAY, &y, &mo, &dd);
    if (hive)
        return g_strdup_printf("year=%04d/month=%02d/day=%02d/", y, mo, dd);
    return g_strdup_printf("%04d/%02d/%02d/", y, mo, dd);
}

/*
 * The next day of an LV_DATE frame.  rem is what the user's prefix adds
 * below the region: a day is listed when it starts with rem; when rem goes
 * below the day, rem itself is listed (as the day, or as an hour when it
 * ends below an hour folder).
 */
static void
next_day(FlS3Walk *w, Frame *f)
{
    gint64 d = f->day++;
    g_autofree char *dp = day_prefix(d, f->hive);
    gsize dl = strlen(dp);
    const char *below;
    Frame *c;

    if (g_str_has_prefix(dp, f->rem)) {
        c = push(w, LV_DAY, g_strconcat(f->prefix, dp, NULL), f->hive, 0);
    } else if (g_str_has_prefix(f->rem, dp)) {
        below = f->rem + dl;
        c = push(w, strchr(below, '/') ? LV_HOUR : LV_DAY,
                 g_strconcat(f->prefix, f->rem, NULL), f->hive, 0);
    } else {
        return;
    }
    c->day_start = d * DAY;
}

/* ---- listing ---------------------------------------------------------- */

/*
 * Drops what a listing should not have returned (nothing outside the
 * prefix, no prefix that does not go deeper), so a confused server can
 * neither break the key order nor loop the walk.
 */
static void
sanitize_page(const Frame *f, GPtrArray *keys, GPtrArray *subs)
{
    gsize pl = strlen(f->prefix);

    for (guint i = keys->len; i-- > 0;) {
        FlS3Key *k = g_ptr_array_index(keys, i);

        if (k == NULL || k->key == NULL || !g_str_has_prefix(k->key, f->prefix))
            g_ptr_array_remove_index(keys, i);
    }
    for (guint i = subs->len; i-- > 0;) {
        const char *s = g_ptr_array_index(subs, i);

        if (s == NULL || !g_str_has_prefix(s, f->prefix) ||
            strlen(s) <= MAX(pl, f->dir_len) || !g_str_has_suffix(s, "/") ||
            strchr(s + f->dir_len, '/') != s + strlen(s) - 1)
            g_ptr_array_remove_index(subs, i);
    }
}

static gboolean
list_page(FlS3Walk *w, Frame *f, GError **err)
{
    GPtrArray *keys = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_s3_key_free);
    GPtrArray *subs = g_ptr_array_new_with_free_func(g_free);
    char *next = NULL;
    const char *delim = f->level == LV_FLAT ? NULL : "/";

    w->requests++;
    if (!w->list(w->list_data, f->prefix, delim, f->token, keys, subs, &next,
                 err)) {
        g_ptr_array_unref(keys);
        g_ptr_array_unref(subs);
        g_free(next);
        g_prefix_error(err, "listing %s: ", f->prefix);
        return FALSE;
    }
    /* The same token twice would list the same page for ever. */
    if (next != NULL && g_strcmp0(next, f->token) == 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_REMOTE,
                    "listing %s: the continuation token did not move",
                    f->prefix);
        g_ptr_array_unref(keys);
        g_ptr_array_unref(subs);
        g_free(next);
        return FALSE;
    }
    if (delim == NULL)
        g_ptr_array_set_size(subs, 0);
    sanitize_page(f, keys, subs);
    g_clear_pointer(&f->keys, g_ptr_array_unref);
    g_clear_pointer(&f->subs, g_ptr_array_unref);
    f->keys = keys;
    f->subs = subs;
    f->ki = f->si = 0;
    g_free(f->token);
    f->token = next;
    f->listed = TRUE;
    return TRUE;
}

/* ---- the walk --------------------------------------------------------- */

typedef enum {
    AT_CUSTOM,      /* not (yet) in AWS's layout */
    AT_ACCOUNT,     /* after "AWSLogs/" */
    AT_SERVICE,     /* after the account */
    AT_REGION,      /* after "vpcflowlogs/" */
    AT_DATE         /* after the region */
} PrefixEnd;

/*
 * Where the user's prefix ends: its complete segments decide the level,
 * and a part-segment at the end narrows that level's listing
 * ("AWSLogs/1234" lists the accounts starting 1234).  A segment that does
 * not fit the layout makes the rest custom.
 */
static void
start(FlS3Walk *w, const char *prefix)
{
    PrefixEnd at = AT_CUSTOM;
    gboolean hive = FALSE;
    const char *seg = prefix, *slash;

    if (!w->has_range) {
        push(w, LV_FLAT, g_strdup(prefix), FALSE, 0);
        return;
    }
    while (at != AT_DATE && (slash = strchr(seg, '/')) != NULL) {
        gsize n = (gsize)(slash - seg);

        switch (at) {
        case AT_CUSTOM:
            if (n == 7 && strncmp(seg, "AWSLogs", 7) == 0)
                at = AT_ACCOUNT;
            break;
        case AT_ACCOUNT:
            at = account_seg(seg, n, &hive) ? AT_SERVICE : AT_CUSTOM;
            break;
        case AT_SERVICE:
            at = strncmp(seg, service_seg(hive), n + 1) == 0 ? AT_REGION
                                                             : AT_CUSTOM;
            break;
        case AT_REGION:
            at = region_seg(seg, n, hive) ? AT_DATE : AT_CUSTOM;
            break;
        case AT_DATE:
            break;
        }
        seg = slash + 1;
    }
    switch (at) {
    case AT_CUSTOM:
        push(w, LV_CUSTOM, g_strdup(prefix), FALSE, 0);
        break;
    case AT_ACCOUNT:
        push(w, LV_ACCOUNT, g_strdup(prefix), FALSE, 0);
        break;
    case AT_SERVICE:
        /* Ends in (or right before) the service: only ours is walked. */
        if (g_str_has_prefix(service_seg(hive), seg))
            push(w, LV_REGION,
                 g_strconcat(prefix, service_seg(hive) + strlen(seg), NULL),
                 hive, 0);
        break;
    case AT_REGION:
        push(w, LV_REGION, g_strdup(prefix), hive, 0);
        break;
    case AT_DATE:
        push_date(w, g_strndup(prefix, (gsize)(seg - prefix)), g_strdup(seg),
                  hive);
        break;
    }
}

FlS3Walk *
fl_s3_walk_new(const FlS3WalkConfig *cfg, FlS3ListFunc list,
               gpointer list_data)
{
    FlS3Walk *w;

    g_return_val_if_fail(cfg != NULL && list != NULL, NULL);

    w = g_new0(FlS3Walk, 1);
    w->list = list;
    w->list_data = list_data;
    w->stack = g_ptr_array_new_with_free_func(frame_free);
    w->has_range = cfg->has_range;
    w->all_keys = cfg->all_keys;
    if (w->has_range) {
        w->since = CLAMP(cfg->since, 0, T_LAST);
        w->until = CLAMP(cfg->until, 0, T_LAST);
        /* AWS names windows on the 5-minute grid, so the earliest window
         * that overlaps the range starts at since rounded down to it. */
        w->first = w->since - w->since % WINDOW;
        if (w->until <= w->since) {
            w->over = TRUE;
            return w;
        }
    }
    start(w, cfg->prefix ? cfg->prefix : "");
    return w;
}

static void
pop(FlS3Walk *w)
{
    g_ptr_array_remove_index(w->stack, w->stack->len - 1);
}

FlS3Key *
fl_s3_walk_next(FlS3Walk *w, GError **err)
{
    g_return_val_if_fail(w != NULL, NULL);

    while (!w->over && w->stack->len > 0) {
        Frame *f = g_ptr_array_index(w->stack, w->stack->len - 1);
        FlS3Key *k;
        const char *s;

        if (f->level == LV_DATE) {
            if (f->day > f->last_day)
                pop(w);
            else
                next_day(w, f);
            continue;
        }
        if (!f->listed || (f->ki == f->keys->len && f->si == f->subs->len)) {
            if (f->listed && f->token == NULL) {
                pop(w);
            } else if (!list_page(w, f, err)) {
                w->over = TRUE;
                break;
            }
            continue;
        }
        k = f->ki < f->keys->len ? g_ptr_array_index(f->keys, f->ki) : NULL;
        s = f->si < f->subs->len ? g_ptr_array_index(f->subs, f->si) : NULL;
        if (k != NULL && (s == NULL || strcmp(k->key, s) < 0)) {
            f->ki++;
            if (keep_key(w, k->key,
                         f->level == LV_DAY || f->level == LV_HOUR)) {
                f->keys->pdata[f->ki - 1] = NULL;
                return k;
            }
            w->skipped++;
            continue;
        }
        f->subs->pdata[f->si++] = NULL;
        descend(w, f, (char *)s);
    }
    /* Over: the pages still held are of no more use. */
    g_ptr_array_set_size(w->stack, 0);
    return NULL;
}

guint64
fl_s3_walk_skipped(const FlS3Walk *w)
{
    return w->skipped;
}

guint64
fl_s3_walk_requests(const FlS3Walk *w)
{
    return w->requests;
}

void
fl_s3_walk_free(FlS3Walk *w)
{
    if (w == NULL)
        return;
    g_ptr_array_unref(w->stack);
    g_free(w);
}
