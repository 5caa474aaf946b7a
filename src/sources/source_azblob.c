/*
 * source_azblob.c - the "azblob" source: azblob://ACCOUNT/CONTAINER/PREFIX.
 *
 * Blobs come from the walker (azblob_walk.c: the y=/m=/d=/h= layout,
 * --since/--until, only the hours of the range listed) in name order.
 * Each blob is read from where the last read of it stopped: the position
 * "azblob://ACCOUNT/CONTAINER/BLOB" -> "END SIZE BLOCKS ID" (END the byte
 * where the records read so far end, i.e. where the "]}" footer was; SIZE
 * the blob's size then; BLOCKS the committed blocks up to END; ID the
 * block ending at END, or "-" for a blob without blocks) is
 * kept in memory for the run and, with --state, in the state file, put
 * by the object's done hook once its records were flushed.  A blob whose
 * listed size is what it was at the last read is skipped without a
 * request.  A grown one costs a Get Block List (committed), which says
 * where the footer starts now (the last block) and that the blocks read
 * before are still there (the block ending at END has the ID recorded);
 * then only [END, new end) is read (azblob_object.h).  A blob written
 * whole (Put Blob: no committed blocks) has its footer found by reading
 * its last 64 bytes instead.  A blob that was rewritten (the recorded
 * block is gone, or it shrank) is read whole again, with a warning.
 *
 * With --follow the walk is repeated every --cwl-poll-interval seconds
 * once it ends; after the first pass (all of the prefix, or the --since
 * range), a poll lists only the previous and the current hour, which is
 * where Azure still appends.
 *
 * The memory position moves when an object is handed out, so a blob is
 * never read twice in a run even while its records are still on their
 * way; an object that then fails moves it back (its done hook), so the
 * next --follow poll, or the next run, reads those bytes again.
 */
#include "config.h"

#include <string.h>

#include "azure/blob.h"
#include "error.h"
#include "log.h"
#include "sources/azblob_object.h"
#include "sources/azblob_walk.h"
#include "sources/checkpoint.h"
#include "sources/source.h"

#define TAIL_BYTES 64
#define FOLLOW_HOURS 2
#define WAIT_STEP_US (200 * 1000)

typedef struct {
    guint64 end;                /* where the records read end */
    guint64 size;               /* the blob's size then */
    guint blocks;               /* committed blocks up to end */
    char *id;                   /* the block ending at end, or NULL */
    char *etag;                 /* as listed then, or NULL */
} Position;

typedef struct Positions Positions;

typedef struct {
    FlAzure *az;
    FlAzBlob *client;           /* the reader thread's: lists, block lists */
    FlAzPool *pool;             /* the objects' clients */
    char *account, *container, *prefix;
    FlAzWalk *walk;
    FlCheckpoint *checkpoint;
    Positions *positions;       /* this run's */
    const volatile gint *stop;
    gboolean follow;
    guint poll;
    gboolean has_range;
    gint64 since, until;
    gboolean first_pass_done;
    guint64 *list_requests, requests_before;
} AzSource;

static void
position_free(Position *p)
{
    if (p == NULL)
        return;
    g_free(p->id);
    g_free(p->etag);
    g_free(p);
}

/* Frees what p holds, not p. */
static void
position_clear(Position *p)
{
    g_clear_pointer(&p->id, g_free);
    g_clear_pointer(&p->etag, g_free);
}

static char *
position_format(const Position *p)
{
    return g_strdup_printf("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                           " %u %s %s", p->end, p->size, p->blocks,
                           p->id ? p->id : "-", p->etag ? p->etag : "-");
}

/* An ETag fit for the position (no spaces), or NULL. */
static char *
etag_dup(const char *etag)
{
    return etag && *etag && !strpbrk(etag, " \t\n\\") ? g_strdup(etag)
                                                      : NULL;
}

/* "END SIZE BLOCKS ID ETAG"; NULL when it is not one. */
static Position *
position_parse(const char *s)
{
    g_auto(GStrv) f = g_strsplit(s, " ", -1);
    Position p = { 0 };
    guint64 blocks;

    if (g_strv_length(f) != 5
        || !g_ascii_string_to_unsigned(f[0], 10, 0, G_MAXINT64, &p.end, NULL)
        || !g_ascii_string_to_unsigned(f[1], 10, 0, G_MAXINT64, &p.size,
                                       NULL)
        || !g_ascii_string_to_unsigned(f[2], 10, 0, FL_AZBLOB_MAX_BLOCKS,
                                       &blocks, NULL)
        || p.end > p.size)
        return NULL;
    p.blocks = (guint)blocks;
    p.id = strcmp(f[3], "-") ? g_strdup(f[3]) : NULL;
    p.etag = strcmp(f[4], "-") ? g_strdup(f[4]) : NULL;
    return g_memdup(&p, sizeof p);
}

/*
 * This run's positions, shared by the reader (which moves a blob's
 * position when it hands out its object) and the done hooks on the
 * writer thread (which move it back when the object failed, so that a
 * --follow poll reads those bytes again rather than skipping them).
 */
struct Positions {
    GMutex lock;
    GHashTable *table;          /* id -> Position * */
    gint ref;
};

static Positions *
positions_new(void)
{
    Positions *ps = g_new0(Positions, 1);

    g_mutex_init(&ps->lock);
    ps->table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify)position_free);
    ps->ref = 1;
    return ps;
}

static Positions *
positions_ref(Positions *ps)
{
    g_atomic_int_inc(&ps->ref);
    return ps;
}

static void
positions_unref(Positions *ps)
{
    if (ps == NULL || !g_atomic_int_dec_and_test(&ps->ref))
        return;
    g_hash_table_unref(ps->table);
    g_mutex_clear(&ps->lock);
    g_free(ps);
}

static void
position_copy(const Position *from, Position *to)
{
    *to = *from;
    to->id = g_strdup(from->id);
    to->etag = g_strdup(from->etag);
}

/* A copy of id's position in *out (position_clear it), or FALSE. */
static gboolean
positions_get(Positions *ps, const char *id, Position *out)
{
    const Position *p;

    g_mutex_lock(&ps->lock);
    p = g_hash_table_lookup(ps->table, id);
    if (p)
        position_copy(p, out);
    g_mutex_unlock(&ps->lock);
    return p != NULL;
}

/* Sets id's position to a copy of p, or forgets it (p NULL). */
static void
positions_set(Positions *ps, const char *id, const Position *p)
{
    Position *c = NULL;

    if (p) {
        c = g_new0(Position, 1);
        position_copy(p, c);
    }
    g_mutex_lock(&ps->lock);
    if (c)
        g_hash_table_replace(ps->table, g_strdup(id), c);
    else
        g_hash_table_remove(ps->table, id);
    g_mutex_unlock(&ps->lock);
}

static gboolean
list_page(gpointer data, const char *prefix, const char *delimiter,
          const char *marker, FlAzBlobListing *out, GError **err)
{
    AzSource *s = data;

    return fl_azblob_list(s->client, s->container, prefix, delimiter, marker,
                          out, err);
}

/* "ACCOUNT/CONTAINER[/PREFIX]"; FL_ERROR_CONFIG when malformed. */
static gboolean
split_location(AzSource *s, const char *loc, GError **err)
{
    g_auto(GStrv) f = g_strsplit(loc, "/", 3);
    gsize al = f[0] ? strlen(f[0]) : 0, cl = f[0] && f[1] ? strlen(f[1]) : 0;

    if (al < 3 || al > 24 || cl < 3 || cl > 63) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "azblob://%s: not "
                    "azblob://ACCOUNT/CONTAINER/PREFIX (an account name has "
                    "3 to 24 characters, a container 3 to 63)", loc);
        return FALSE;
    }
    s->account = g_strdup(f[0]);
    s->container = g_strdup(f[1]);
    s->prefix = g_strdup(f[2] ? f[2] : "");
    return TRUE;
}

static void
walk_start(AzSource *s)
{
    FlAzWalkConfig wc = { s->prefix, s->has_range, s->since, s->until };

    if (s->first_pass_done) {
        /* Polls: the hours Azure may still append to. */
        gint64 now = g_get_real_time() / G_USEC_PER_SEC;

        wc.has_range = TRUE;
        wc.since = now - FOLLOW_HOURS * 3600;
        wc.until = now + 3600;
    }
    g_clear_pointer(&s->walk, fl_azwalk_free);
    s->walk = fl_azwalk_new(&wc, list_page, s);
}

static gboolean
az_open(FlSource *src, const char *location, const FlSourceConfig *cfg,
        GError **err)
{
    AzSource *s;

    if (cfg == NULL || cfg->azure == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "azblob://%s: Azure access is not set up", location);
        return FALSE;
    }
    s = g_new0(AzSource, 1);
    src->ctx = s;
    if (!split_location(s, location, err))
        return FALSE;
    s->az = fl_azure_ref(cfg->azure);
    s->client = fl_azblob_new(s->az, s->account);
    s->pool = fl_azpool_new(s->az, s->account);
    s->checkpoint = cfg->checkpoint ? fl_checkpoint_ref(cfg->checkpoint)
                                    : NULL;
    s->positions = positions_new();
    s->stop = cfg->stop;
    s->follow = cfg->cwl_follow;
    s->poll = MAX(cfg->cwl_poll_interval, 1u);
    s->has_range = cfg->has_range;
    s->since = cfg->since;
    s->until = cfg->until;      /* now, when --since came alone */
    s->list_requests = &src->n.list_requests;
    walk_start(s);
    return TRUE;
}

static gboolean
stopping(const AzSource *s)
{
    return s->stop && g_atomic_int_get(s->stop);
}

/* The last position of id (this run's, else the state file's) copied to
 * *out, or FALSE. */
static gboolean
position_lookup(AzSource *s, const char *id, Position *out)
{
    g_autofree char *saved = NULL;
    Position *p;

    if (positions_get(s->positions, id, out))
        return TRUE;
    if (s->checkpoint == NULL
        || (saved = fl_checkpoint_position_get(s->checkpoint, id)) == NULL)
        return FALSE;
    if ((p = position_parse(saved)) == NULL) {
        fl_log_warnx("%s: the position in the state file is not one; "
                     "read whole", id);
        return FALSE;
    }
    positions_set(s->positions, id, p);
    *out = *p;                  /* takes p's strings */
    g_free(p);
    return TRUE;
}

/* Where the footer of a blob without blocks starts: its last bytes end in
 * "]" "}" (whitespace around allowed).  FALSE with *err. */
static gboolean
footer_by_tail(AzSource *s, const char *blob, guint64 size, guint64 *end,
               GError **err)
{
    guint64 from = size > TAIL_BYTES ? size - TAIL_BYTES : 0;
    guint8 buf[TAIL_BYTES];
    gsize n = 0;
    FlHttpStream *st;
    gssize r;
    gsize i;

    if (size == 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "azblob://%s/%s/%s: "
                    "empty", s->account, s->container, blob);
        return FALSE;
    }
    st = fl_azblob_get(s->client, s->container, blob, from, size, err);
    if (st == NULL)
        return FALSE;
    while (n < sizeof buf && (r = fl_http_stream_read(st, buf + n,
                                                      sizeof buf - n,
                                                      err)) > 0)
        n += (gsize)r;
    fl_http_stream_close(st);
    if (err && *err) {
        g_prefix_error(err, "azblob://%s/%s/%s: ", s->account, s->container,
                       blob);
        return FALSE;
    }
    i = n;
    while (i > 0 && g_ascii_isspace(buf[i - 1]))
        i--;
    if (i > 0 && buf[i - 1] == '}') {
        i--;
        while (i > 0 && g_ascii_isspace(buf[i - 1]))
            i--;
        if (i > 0 && buf[i - 1] == ']') {
            *end = from + i - 1;
            return TRUE;
        }
    }
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "azblob://%s/%s/%s: does "
                "not end in ]} (not a flow log document)", s->account,
                s->container, blob);
    return FALSE;
}

typedef enum { PLAN_SKIP, PLAN_READ, PLAN_ERROR } Plan;

/*
 * What to read of blob b: the range and the position after it.  With
 * blocks the footer is the last block, and the recorded block must still
 * end at the recorded byte.
 */
static Plan
plan(AzSource *s, const FlAzBlobItem *b, const Position *old,
     FlAzObjectSpec *spec, Position *next, GError **err)
{
    g_autoptr(GPtrArray) blocks = NULL;
    guint64 sum = 0;
    gboolean same = FALSE;

    memset(next, 0, sizeof *next);
    blocks = fl_azblob_blocks(s->client, s->container, b->name, err);
    if (blocks == NULL)
        return PLAN_ERROR;
    for (guint i = 0; i < blocks->len; i++) {
        const FlAzBlock *k = blocks->pdata[i];

        sum += k->size;
        if (i + 1 < blocks->len) {
            next->end = sum;
            next->blocks = i + 1;
            next->id = k->id;       /* borrowed until the end of next() */
        }
        if (old && old->id && sum == old->end && i + 1 == old->blocks
            && strcmp(k->id, old->id) == 0)
            same = TRUE;
    }
    next->etag = etag_dup(b->etag);
    if (blocks->len >= 2) {
        next->size = sum;
        next->id = g_strdup(next->id);
    } else {
        next->id = NULL;
        next->blocks = 0;
        next->size = blocks->len ? sum : b->size;
        if (!footer_by_tail(s, b->name, next->size, &next->end, err))
            return PLAN_ERROR;
        /* Without blocks only the growth itself says it is the same. */
        same = old && old->id == NULL && old->end <= next->end
               && old->size <= next->size;
    }
    if (old && !same)
        fl_log_warnx("azblob://%s/%s/%s: rewritten since it was last read "
                     "(the blocks read before are gone); read whole again",
                     s->account, s->container, b->name);
    memset(spec, 0, sizeof *spec);
    spec->pool = s->pool;
    spec->account = s->account;
    spec->container = s->container;
    spec->blob = b->name;
    if (old && same) {
        if (next->end <= old->end)
            return PLAN_SKIP;
        spec->from = old->end;
        spec->to = next->end;
        spec->fragment = TRUE;
    } else {
        spec->from = 0;
        spec->to = next->size;
    }
    return PLAN_READ;
}

/* ---- the done hook: the position, written after the flush ------------ */

typedef struct {
    Positions *ps;
    FlCheckpoint *cp;           /* NULL without --state */
    char *id, *value;
    gboolean had_before;
    Position before;            /* the position before this object */
} AzDone;

/* Done: the new position goes to the state file.  Failed: this run's
 * position goes back to where it was, so the next --follow poll reads
 * the bytes again (a newer object of the blob handed out meanwhile is
 * read again too: at least once, never a hole). */
static gboolean
az_done(gpointer data, gboolean ok, GError **err)
{
    AzDone *d = data;

    if (!ok) {
        positions_set(d->ps, d->id, d->had_before ? &d->before : NULL);
        return TRUE;
    }
    return d->cp == NULL
           || fl_checkpoint_position_put(d->cp, d->id, d->value, err);
}

static void
az_done_free(gpointer data)
{
    AzDone *d = data;

    positions_unref(d->ps);
    if (d->cp)
        fl_checkpoint_unref(d->cp);
    position_clear(&d->before);
    g_free(d->id);
    g_free(d->value);
    g_free(d);
}

static void
attach_done(AzSource *s, FlObject *obj, const char *id, const Position *old,
            const Position *p)
{
    AzDone *d;

    d = g_new0(AzDone, 1);
    d->ps = positions_ref(s->positions);
    d->cp = s->checkpoint ? fl_checkpoint_ref(s->checkpoint) : NULL;
    d->id = g_strdup(id);
    d->value = position_format(p);
    if (old) {
        d->had_before = TRUE;
        position_copy(old, &d->before);
    }
    obj->on_done = g_new0(FlObjectDone, 1);
    obj->on_done->done = az_done;
    obj->on_done->free = az_done_free;
    obj->on_done->data = d;
}

/* The object for blob b, or NULL: nothing new (*err unset) or failed. */
static FlObject *
open_blob(FlSource *src, AzSource *s, const FlAzBlobItem *b, GError **err)
{
    g_autofree char *id = g_strdup_printf("azblob://%s/%s/%s", s->account,
                                          s->container, b->name);
    Position oldv = { 0 }, next = { 0 };
    const Position *old = position_lookup(s, id, &oldv) ? &oldv : NULL;
    FlAzObjectSpec spec;
    FlObject *obj = NULL;

    /* Unchanged since: the same size and, when both are known, the
     * same ETag (every commit changes it). */
    if (old && old->size == b->size
        && (old->etag == NULL || b->etag == NULL
            || strcmp(old->etag, b->etag) == 0)) {
        src->n.skipped_done++;
        goto out;
    }
    switch (plan(s, b, old, &spec, &next, err)) {
    case PLAN_ERROR:
        goto out;
    case PLAN_SKIP:
        /* Only the closing block changed: remember the new size, so the
         * next poll does not ask for the block list again. */
        src->n.skipped_done++;
        next.end = old->end;
        next.blocks = old->blocks;
        g_free(next.id);
        next.id = g_strdup(old->id);
        positions_set(s->positions, id, &next);
        goto out;
    case PLAN_READ:
    default:
        break;
    }
    fl_log_debug("%s: bytes %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                 "%s", id, spec.from, spec.to,
                 spec.fragment ? " (new records)" : "");
    obj = fl_azblob_object_open(&spec, err);
    if (obj == NULL)
        goto out;
    attach_done(s, obj, id, old, &next);
    positions_set(s->positions, id, &next);
out:
    position_clear(&oldv);
    position_clear(&next);
    return obj;
}

/* Sleeps until the next poll; FALSE when stopped. */
static gboolean
wait_poll(AzSource *s)
{
    gint64 end = g_get_monotonic_time() + (gint64)s->poll * G_USEC_PER_SEC;

    while (g_get_monotonic_time() < end) {
        if (stopping(s))
            return FALSE;
        g_usleep(WAIT_STEP_US);
    }
    return !stopping(s);
}

static FlNext
az_next(FlSource *src, FlObject **obj, GError **err)
{
    AzSource *s = src->ctx;

    *obj = NULL;
    while (!stopping(s)) {
        g_autoptr(FlAzBlobItem) b = NULL;
        GError *local = NULL;

        if (s->walk == NULL)
            break;
        b = fl_azwalk_next(s->walk, &local);
        *s->list_requests = s->requests_before + fl_azwalk_requests(s->walk);
        if (local && stopping(s)) {
            /* A request cut by the signal: not the container's fault. */
            g_clear_error(&local);
            break;
        }
        if (b == NULL) {
            s->requests_before += fl_azwalk_requests(s->walk);
            src->n.skipped_keys += fl_azwalk_skipped(s->walk);
            if (!s->follow) {
                g_clear_pointer(&s->walk, fl_azwalk_free);
                if (local) {
                    g_propagate_error(err, local);
                    return FL_NEXT_ERROR;
                }
                return FL_NEXT_END;
            }
            s->first_pass_done = TRUE;
            walk_start(s);
            if (local) {
                g_propagate_error(err, local);
                return FL_NEXT_ERROR;
            }
            if (!wait_poll(s))
                break;
            continue;
        }
        *obj = open_blob(src, s, b, &local);
        if (*obj)
            return FL_NEXT_OK;
        if (local && stopping(s)) {
            g_clear_error(&local);
            break;
        }
        if (local) {
            g_propagate_error(err, local);
            return FL_NEXT_ERROR;
        }
    }
    return FL_NEXT_END;
}

static void
az_close(FlSource *src)
{
    AzSource *s = src->ctx;

    if (s == NULL)
        return;
    g_clear_pointer(&s->walk, fl_azwalk_free);
    g_clear_pointer(&s->client, fl_azblob_free);
    g_clear_pointer(&s->pool, fl_azpool_unref);
    g_clear_pointer(&s->az, fl_azure_unref);
    g_clear_pointer(&s->checkpoint, fl_checkpoint_unref);
    g_clear_pointer(&s->positions, positions_unref);
    g_free(s->account);
    g_free(s->container);
    g_free(s->prefix);
    g_free(s);
}

const FlSourceType fl_source_type_azblob = {
    .scheme = "azblob",
    .open = az_open,
    .next = az_next,
    .close = az_close,
};
