/*
 * source_cwl.c - cwl://LOG-GROUP: flow-log events read from CloudWatch
 * Logs with FilterLogEvents.
 *
 * The location is the log group's name as is (it may hold '/', so
 * cwl:///vpc/flowlogs is the group "/vpc/flowlogs"), or its ARN;
 * --log-stream-prefix narrows it to streams whose names start so.  Every
 * event is one headerless flow-log line; a page of events becomes one
 * object of text in memory, named "cwl://GROUP", each line labelled
 * "STREAM event ID" for messages about rejected lines.
 *
 * Two modes:
 *  - a window (--since/--until): one FilterLogEvents query over
 *    [since, until), page after page while a nextToken comes back (empty
 *    pages included); the same token twice ends it (a known service
 *    quirk).  A token near its 24-hour lifetime, or one the service calls
 *    invalid, is replaced by a new query from the last timestamp seen,
 *    dropping the events of that millisecond already handed out.
 *  - --follow: a poll every --cwl-poll-interval seconds over the window
 *    cwl_follow.c gives (an overlap before the point everything was read
 *    up to, to catch events CloudWatch shows late), dropping events
 *    already handed out by event ID.  With --state the position (that
 *    point and the overlap's IDs) is written after the page's records
 *    were flushed, on the writer thread, so a restart goes on without
 *    gaps or repeats.  An idle group costs one request per poll.
 *
 * It does not decode lines (the text decoder does) nor know formats
 * (--format or --format-from-flow-log, resolved by main).
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "aws/cwl.h"
#include "error.h"
#include "log.h"
#include "sources/checkpoint.h"
#include "sources/cwl_follow.h"
#include "sources/source.h"

/* A token older than this is not used: the service's lifetime is 24 h. */
#define TOKEN_MAX_AGE_US (G_GINT64_CONSTANT(23) * 3600 * G_USEC_PER_SEC)
/* --follow catches up in steps of at most this (or the overlap). */
#define MIN_SPAN_MS (G_GINT64_CONSTANT(15) * 60 * 1000)
/* Room left in a position for the journal's key. */
#define POSITION_ROOM (FL_CHECKPOINT_MAX_POSITION - 64 * 1024)

typedef struct {
    const FlSourceConfig *cfg;
    FlCwl *cwl;
    char *group, *prefix;
    char *name;                 /* "cwl://GROUP" */
    char *state_id;             /* the position's id in --state */
    gboolean follow;
    guint64 requests;
    gboolean any_answer;        /* a request of this run succeeded */
    /* the query under way */
    gboolean in_query;
    gint64 start_ms, end_ms;
    char *token;
    gint64 token_born_us;
    /* window mode */
    gboolean finished;
    gint64 last_ts;             /* newest timestamp handed out */
    GHashTable *last_ids;       /* IDs handed out at last_ts */
    gboolean restarted;         /* a query resumed at last_ts */
    /* follow mode */
    FlCwlFollow *pos;
    gint64 next_poll_us;        /* monotonic */
    guint dropped_warned;
} CwlCtx;

/* ---- the done hook: the position, written after the flush ------------ */

typedef struct {
    FlCheckpoint *cp;
    char *id;
    char *value;
} PosDone;

static gboolean
pos_done(gpointer data, gboolean ok, GError **err)
{
    PosDone *d = data;

    /* A failed page is not committed; the next page's position covers
     * it (its IDs are in there), which is the S3 rule too: a failed
     * object is counted, not retried for ever. */
    if (!ok)
        return TRUE;
    return fl_checkpoint_position_put(d->cp, d->id, d->value, err);
}

static void
pos_done_free(gpointer data)
{
    PosDone *d = data;

    fl_checkpoint_unref(d->cp);
    g_free(d->id);
    g_free(d->value);
    g_free(d);
}

static void
attach_position(CwlCtx *c, FlObject *obj)
{
    PosDone *d;
    guint dropped = 0;

    if (!c->follow || c->cfg->checkpoint == NULL)
        return;
    d = g_new0(PosDone, 1);
    d->cp = fl_checkpoint_ref(c->cfg->checkpoint);
    d->id = g_strdup(c->state_id);
    d->value = fl_cwl_follow_save(c->pos, POSITION_ROOM, &dropped);
    if (dropped && !c->dropped_warned++)
        fl_log_warnx("%s: %u event IDs of the overlap window do not fit in "
                     "the --state file; after a restart those events may "
                     "be exported again (lower --cwl-overlap)", c->name,
                     dropped);
    obj->on_done = g_new0(FlObjectDone, 1);
    obj->on_done->done = pos_done;
    obj->on_done->free = pos_done_free;
    obj->on_done->data = d;
}

/* ---- open/close ------------------------------------------------------ */

static void
cwl_close(FlSource *src)
{
    CwlCtx *c = src->ctx;

    if (c == NULL)
        return;
    fl_cwl_free(c->cwl);
    g_free(c->group);
    g_free(c->prefix);
    g_free(c->name);
    g_free(c->state_id);
    g_free(c->token);
    g_clear_pointer(&c->last_ids, g_hash_table_unref);
    fl_cwl_follow_free(c->pos);
    g_free(c);
    src->ctx = NULL;
}

static gboolean
cwl_open(FlSource *src, const char *location, const FlSourceConfig *cfg,
         GError **err)
{
    CwlCtx *c;
    gint64 now_ms = g_get_real_time() / 1000;

    if (cfg == NULL || cfg->aws == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "cwl://%s: AWS access "
                    "is not set up", location);
        return FALSE;
    }
    if (!cfg->cwl_follow && !cfg->has_range) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "cwl://%s: give "
                    "--since (and --until) to read a time window, or "
                    "--follow", location);
        return FALSE;
    }
    c = g_new0(CwlCtx, 1);
    src->ctx = c;
    c->cfg = cfg;
    c->group = g_strdup(location);
    c->prefix = cfg->cwl_stream_prefix && *cfg->cwl_stream_prefix
                ? g_strdup(cfg->cwl_stream_prefix) : NULL;
    c->name = g_strconcat("cwl://", location, NULL);
    c->state_id = g_strdup_printf("cwl %s %s", location,
                                  c->prefix ? c->prefix : "");
    c->follow = cfg->cwl_follow;
    c->last_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        NULL);
    if ((c->cwl = fl_cwl_new(cfg->aws, err)) == NULL)
        return FALSE;
    if (c->follow) {
        gint64 overlap = (gint64)cfg->cwl_overlap * 1000;
        gint64 since = cfg->has_since ? cfg->since * 1000 : 0;
        g_autofree char *saved = NULL;

        c->pos = fl_cwl_follow_new(overlap, cfg->has_since ? since : now_ms,
                                   since);
        if (cfg->checkpoint
            && (saved = fl_checkpoint_position_get(cfg->checkpoint,
                                                   c->state_id)) != NULL) {
            if (!fl_cwl_follow_load(c->pos, saved, err)) {
                g_prefix_error(err, "%s: --state: ", c->name);
                return FALSE;
            }
            fl_log_info("%s: resuming at %" G_GINT64_FORMAT " ms (%u event "
                        "IDs of the overlap remembered)", c->name,
                        fl_cwl_follow_done(c->pos),
                        fl_cwl_follow_n_ids(c->pos));
        }
    } else {
        c->start_ms = cfg->since * 1000;
        c->end_ms = cfg->until * 1000;
    }
    fl_log_debug("%s: CloudWatch Logs at %s", c->name,
                 fl_cwl_endpoint(c->cwl));
    return TRUE;
}

/* ---- reading --------------------------------------------------------- */

static gboolean
stopped(const CwlCtx *c)
{
    return c->cfg->stop && g_atomic_int_get(c->cfg->stop);
}

/* Waits until the next poll is due; FALSE when a stop came first. */
static gboolean
wait_poll(CwlCtx *c)
{
    for (;;) {
        gint64 left = c->next_poll_us - g_get_monotonic_time();

        if (stopped(c))
            return FALSE;
        if (left <= 0)
            return TRUE;
        g_usleep((gulong)MIN(left, 100 * 1000));
    }
}

/*
 * One line per event.  A flow-log line has no line break, and one event
 * must never become two records: a message is cut at its first '\r' or
 * '\n', as envelopes are (cwl_envelope.h); text after the break is
 * dropped and counted.
 */
static void
append_line(FlSource *src, GString *text, const char *msg)
{
    gsize n = strcspn(msg, "\r\n");

    g_string_append_len(text, msg, (gssize)n);
    g_string_append_c(text, '\n');
    if (msg[n] != '\0' && msg[n + strspn(msg + n, "\r\n")] != '\0')
        src->n.messages_cut++;
}

/* Is this event new?  Follow: by the overlap's IDs; window: only after a
 * resumed query, by the IDs of the millisecond it resumed at. */
static gboolean
take_event(CwlCtx *c, const FlCwlLogEvent *e)
{
    if (c->follow)
        return fl_cwl_follow_add(c->pos, e->id, e->timestamp);
    if (c->restarted && e->timestamp == c->last_ts
        && g_hash_table_contains(c->last_ids, e->id))
        return FALSE;
    if (e->timestamp != c->last_ts) {
        g_hash_table_remove_all(c->last_ids);
        c->last_ts = e->timestamp;
    }
    g_hash_table_add(c->last_ids, g_strdup(e->id));
    return TRUE;
}

/* Starts the query again from the last timestamp handed out (window) or
 * from the poll's start (follow: the IDs drop what was seen). */
static void
restart_query(CwlCtx *c, const char *why)
{
    fl_log_info("%s: %s; querying again from %" G_GINT64_FORMAT " ms",
                c->name, why, c->follow ? c->start_ms
                : MAX(c->start_ms, c->last_ts));
    if (!c->follow && c->last_ts > c->start_ms) {
        c->start_ms = c->last_ts;
        c->restarted = TRUE;
    }
    g_clear_pointer(&c->token, g_free);
}

/* The query is over: follow moves on and schedules the next poll. */
static void
end_query(CwlCtx *c)
{
    c->in_query = FALSE;
    g_clear_pointer(&c->token, g_free);
    if (!c->follow) {
        c->finished = TRUE;
        return;
    }
    fl_cwl_follow_advance(c->pos, c->end_ms);
    /* Behind (after a pause, or a first poll from --since): go on at
     * once; else wait for the next poll. */
    if (c->end_ms < g_get_real_time() / 1000 - 1000)
        c->next_poll_us = g_get_monotonic_time();
    else
        c->next_poll_us = g_get_monotonic_time()
                          + (gint64)c->cfg->cwl_poll_interval
                            * G_USEC_PER_SEC;
}

static void
start_query(CwlCtx *c)
{
    if (c->follow) {
        gint64 span = MAX((gint64)c->cfg->cwl_overlap * 1000, MIN_SPAN_MS);

        fl_cwl_follow_window(c->pos, g_get_real_time() / 1000, span,
                             &c->start_ms, &c->end_ms);
        fl_log_debug("%s: poll [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                     ") ms, %u IDs remembered", c->name, c->start_ms,
                     c->end_ms, fl_cwl_follow_n_ids(c->pos));
    }
    c->in_query = TRUE;
    g_clear_pointer(&c->token, g_free);
}

static FlNext
cwl_next(FlSource *src, FlObject **obj, GError **err)
{
    CwlCtx *c = src->ctx;

    for (;;) {
        g_autoptr(GPtrArray) events = NULL;
        g_autoptr(GString) text = NULL;
        FlLabels *labels;
        FlCwlFilter q;
        char *next = NULL;
        GError *local = NULL;
        gboolean last;

        if (stopped(c))
            return FL_NEXT_END;
        if (!c->in_query) {
            if (!c->follow && c->finished)
                return FL_NEXT_END;
            if (c->follow && !wait_poll(c))
                return FL_NEXT_END;
            start_query(c);
        }
        if (c->token && g_get_monotonic_time() - c->token_born_us
                        > TOKEN_MAX_AGE_US)
            restart_query(c, "the next token is near its 24-hour lifetime");

        memset(&q, 0, sizeof q);
        q.group = c->group;
        q.stream_prefix = c->prefix;
        q.start_ms = c->start_ms;
        q.end_ms = c->end_ms;
        q.next_token = c->token;
        events = g_ptr_array_new_with_free_func(
                     (GDestroyNotify)fl_cwl_log_event_free);
        c->requests++;
        if (!fl_cwl_filter(c->cwl, &q, events, &next, &local)) {
            if (stopped(c)) {
                g_error_free(local);
                return FL_NEXT_END;
            }
            if (c->token && fl_cwl_error_is_token(local)) {
                restart_query(c, local->message);
                g_error_free(local);
                continue;
            }
            g_propagate_prefixed_error(err, local, "%s: ", c->name);
            /* Nothing ever worked (no such group, no permission): the
             * run ends; later failures wait for the next poll. */
            if (!c->follow || !c->any_answer) {
                c->finished = TRUE;
                c->follow = FALSE;
                c->in_query = FALSE;
            } else {
                c->in_query = FALSE;
                c->next_poll_us = g_get_monotonic_time()
                                  + (gint64)c->cfg->cwl_poll_interval
                                    * G_USEC_PER_SEC;
            }
            return FL_NEXT_ERROR;
        }
        c->any_answer = TRUE;
        /* No token, or the one we sent back again: the query is done. */
        last = next == NULL || (c->token && strcmp(next, c->token) == 0);
        g_free(c->token);
        c->token = NULL;
        if (last)
            g_free(next);
        else {
            c->token = next;
            c->token_born_us = g_get_monotonic_time();
        }

        text = g_string_new(NULL);
        labels = fl_labels_new(events->len, 0);
        for (guint i = 0; i < events->len; i++) {
            const FlCwlLogEvent *e = events->pdata[i];

            if (!take_event(c, e))
                continue;
            append_line(src, text, e->message);
            g_string_append_printf(fl_labels_next(labels), "%s event %s",
                                   e->stream, e->id);
        }
        if (last)
            end_query(c);
        if (fl_labels_len(labels) == 0) {
            fl_labels_unref(labels);
            continue;                   /* an empty page: on to the next */
        }
        *obj = fl_object_new_text(c->name,
                                  g_string_free_to_bytes(
                                      g_steal_pointer(&text)),
                                  labels, NULL);
        attach_position(c, *obj);
        return FL_NEXT_OK;
    }
}

const FlSourceType fl_source_type_cwl = {
    .scheme = "cwl",
    .open = cwl_open,
    .next = cwl_next,
    .close = cwl_close,
};
