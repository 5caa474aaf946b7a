/*
 * source_s3.c - the "s3" source: s3://BUCKET/PREFIX, read like a directory.
 *
 * Keys come from the walker (s3_walk.c: the key layouts, --since/--until,
 * only the prefixes of the range listed) in key order; objects already in
 * the --state file with the same ETag and size are skipped; the rest
 * download ahead through a window of --s3-concurrency objects and are
 * handed out in key order.  Each finished object is checkpointed by its
 * done hook, after its records were flushed.
 */
#include "config.h"

#include <string.h>

#include "aws/s3.h"
#include "error.h"
#include "log.h"
#include "sources/checkpoint.h"
#include "sources/s3_walk.h"
#include "sources/s3_window.h"
#include "sources/source.h"

typedef struct {
    FlS3 *s3;                   /* the reader thread's, for listing */
    char *bucket;
    FlS3Walk *walk;
    FlS3Window *window;
    FlCheckpoint *checkpoint;
    const volatile gint *stop;
    GError *walk_error;         /* the walk failed: reported once */
    gboolean walk_done;
    guint64 *list_requests;
} S3Source;

static gboolean
list_page(gpointer data, const char *prefix, const char *delimiter,
          const char *token, GPtrArray *keys, GPtrArray *prefixes,
          char **next_token, GError **err)
{
    S3Source *s = data;

    (*s->list_requests)++;
    return fl_s3_list(s->s3, s->bucket, prefix, delimiter, token, keys,
                      prefixes, next_token, err);
}

/* "BUCKET/PREFIX" -> bucket and prefix; FL_ERROR_CONFIG when malformed. */
static gboolean
split_location(const char *loc, char **bucket, char **prefix, GError **err)
{
    const char *slash = strchr(loc, '/');
    gsize blen = slash ? (gsize)(slash - loc) : strlen(loc);

    if (blen < 3 || blen > 63) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "s3://%s: not "
                    "s3://BUCKET/PREFIX (a bucket name has 3 to 63 "
                    "characters)", loc);
        return FALSE;
    }
    *bucket = g_strndup(loc, blen);
    *prefix = g_strdup(slash ? slash + 1 : "");
    return TRUE;
}

static gboolean
s3_open(FlSource *src, const char *location, const FlSourceConfig *cfg,
        GError **err)
{
    S3Source *s;
    g_autofree char *prefix = NULL;
    FlS3WalkConfig wc;

    if (cfg == NULL || cfg->aws == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "s3://%s: AWS access is not set up", location);
        return FALSE;
    }
    s = g_new0(S3Source, 1);
    src->ctx = s;
    if (!split_location(location, &s->bucket, &prefix, err))
        return FALSE;
    s->s3 = fl_s3_new(cfg->aws);
    s->window = fl_s3_window_new(cfg->aws, cfg->s3_concurrency);
    s->checkpoint = cfg->checkpoint ? fl_checkpoint_ref(cfg->checkpoint)
                                    : NULL;
    s->stop = cfg->stop;
    s->list_requests = &src->n.list_requests;
    memset(&wc, 0, sizeof wc);
    wc.prefix = prefix;
    wc.has_range = cfg->has_range;
    wc.since = cfg->since;
    wc.until = cfg->until;
    wc.all_keys = cfg->s3_all_keys;
    s->walk = fl_s3_walk_new(&wc, list_page, s);
    return TRUE;
}

static gboolean
already_done(S3Source *s, const FlS3Key *k)
{
    g_autofree char *id = NULL, *v = NULL;

    if (s->checkpoint == NULL)
        return FALSE;
    id = g_strdup_printf("%s/%s", s->bucket, k->key);
    v = fl_s3_checkpoint_version(k->etag, k->size);
    return fl_checkpoint_done(s->checkpoint, "s3", id, v);
}

/* Starts downloads until the window is full or the walk ends. */
static void
fill_window(FlSource *src, S3Source *s)
{
    while (!s->walk_done && fl_s3_window_has_room(s->window)
           && !(s->stop && g_atomic_int_get(s->stop))) {
        FlS3Key *k = fl_s3_walk_next(s->walk, &s->walk_error);
        FlS3DownloadSpec spec;
        FlS3DoneSpec done = { .checkpoint = s->checkpoint };

        if (k == NULL) {
            s->walk_done = TRUE;
            break;
        }
        if (already_done(s, k)) {
            fl_log_debug("s3://%s/%s: done in the state file; skipped",
                         s->bucket, k->key);
            src->n.skipped_done++;
            fl_s3_key_free(k);
            continue;
        }
        memset(&spec, 0, sizeof spec);
        spec.bucket = s->bucket;
        spec.key = k->key;
        spec.size = k->size;
        spec.etag = k->etag;
        spec.stop = s->stop;
        fl_s3_window_push(s->window, &spec, &done);
        fl_s3_key_free(k);
    }
}

static FlNext
s3_next(FlSource *src, FlObject **obj, GError **err)
{
    S3Source *s = src->ctx;

    fill_window(src, s);
    *obj = fl_s3_window_pop(s->window);
    if (*obj) {
        fill_window(src, s);    /* keep the window full meanwhile */
        return FL_NEXT_OK;
    }
    src->n.skipped_keys = fl_s3_walk_skipped(s->walk);
    if (s->walk_error) {
        /* Every object listed before went out; the rest is unknown. */
        g_propagate_error(err, g_steal_pointer(&s->walk_error));
        return FL_NEXT_ERROR;
    }
    return FL_NEXT_END;
}

static void
s3_close(FlSource *src)
{
    S3Source *s = src->ctx;

    if (s == NULL)
        return;
    /* Downloads first: their threads use the AWS context. */
    g_clear_pointer(&s->window, fl_s3_window_free);
    g_clear_pointer(&s->walk, fl_s3_walk_free);
    g_clear_pointer(&s->s3, fl_s3_free);
    g_clear_pointer(&s->checkpoint, fl_checkpoint_unref);
    g_clear_error(&s->walk_error);
    g_free(s->bucket);
    g_free(s);
}

const FlSourceType fl_source_type_s3 = {
    .scheme = "s3",
    .open = s3_open,
    .next = s3_next,
    .close = s3_close,
};
