/*
 * cwl_follow.c - the --follow window and event-ID bookkeeping (see
 * cwl_follow.h).
 *
 * The IDs live in a hash table from ID to timestamp; pruning walks it
 * once per completed poll, which is cheap next to the HTTP requests that
 * filled it.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "sources/cwl_follow.h"

struct FlCwlFollow {
    gint64 overlap_ms;
    gint64 done_ms;
    gint64 floor_ms;
    GHashTable *ids;            /* char *id -> gint64 * timestamp */
};

FlCwlFollow *
fl_cwl_follow_new(gint64 overlap_ms, gint64 done_ms, gint64 floor_ms)
{
    FlCwlFollow *f = g_new0(FlCwlFollow, 1);

    f->overlap_ms = MAX(overlap_ms, 0);
    f->done_ms = done_ms;
    f->floor_ms = floor_ms;
    f->ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return f;
}

void
fl_cwl_follow_free(FlCwlFollow *f)
{
    if (f == NULL)
        return;
    g_hash_table_unref(f->ids);
    g_free(f);
}

void
fl_cwl_follow_window(const FlCwlFollow *f, gint64 now_ms, gint64 max_span_ms,
                     gint64 *start, gint64 *end)
{
    gint64 s = MAX(f->done_ms - f->overlap_ms, f->floor_ms);
    gint64 e = now_ms;

    if (max_span_ms > 0 && e > f->done_ms + max_span_ms)
        e = f->done_ms + max_span_ms;
    if (e < f->done_ms)
        e = f->done_ms;
    *start = s;
    *end = MAX(e, s);
}

static void
remember(FlCwlFollow *f, const char *id, gint64 ts)
{
    gint64 *v = g_new(gint64, 1);

    *v = ts;
    g_hash_table_replace(f->ids, g_strdup(id), v);
}

gboolean
fl_cwl_follow_add(FlCwlFollow *f, const char *event_id, gint64 ts_ms)
{
    if (g_hash_table_contains(f->ids, event_id))
        return FALSE;
    remember(f, event_id, ts_ms);
    return TRUE;
}

static gboolean
too_old(gpointer key, gpointer value, gpointer data)
{
    (void)key;
    return *(gint64 *)value < *(gint64 *)data;
}

void
fl_cwl_follow_advance(FlCwlFollow *f, gint64 end_ms)
{
    gint64 keep_from;

    if (end_ms > f->done_ms)
        f->done_ms = end_ms;
    keep_from = f->done_ms - f->overlap_ms;
    g_hash_table_foreach_remove(f->ids, too_old, &keep_from);
}

gint64
fl_cwl_follow_done(const FlCwlFollow *f)
{
    return f->done_ms;
}

guint
fl_cwl_follow_n_ids(const FlCwlFollow *f)
{
    return g_hash_table_size(f->ids);
}

typedef struct {
    const char *id;
    gint64 ts;
} IdTs;

/* Newest first; equal timestamps by ID, so the text is deterministic. */
static int
newest_first(gconstpointer a, gconstpointer b)
{
    const IdTs *x = a, *y = b;

    if (x->ts != y->ts)
        return x->ts > y->ts ? -1 : 1;
    return strcmp(x->id, y->id);
}

char *
fl_cwl_follow_save(const FlCwlFollow *f, gsize max_len, guint *dropped)
{
    g_autoptr(GArray) all = g_array_sized_new(FALSE, FALSE, sizeof(IdTs),
                                              g_hash_table_size(f->ids));
    GString *s = g_string_new(NULL);
    GHashTableIter it;
    gpointer k, v;
    guint i;

    g_hash_table_iter_init(&it, f->ids);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        IdTs e = { k, *(gint64 *)v };

        g_array_append_val(all, e);
    }
    g_array_sort(all, newest_first);
    g_string_printf(s, "1 %" G_GINT64_FORMAT, f->done_ms);
    for (i = 0; i < all->len; i++) {
        const IdTs *e = &g_array_index(all, IdTs, i);
        gsize before = s->len;

        g_string_append_printf(s, " %" G_GINT64_FORMAT ":%s", e->ts, e->id);
        if (max_len && s->len > max_len) {
            g_string_truncate(s, before);
            break;
        }
    }
    if (dropped)
        *dropped = all->len - i;
    return g_string_free(s, FALSE);
}

/* A decimal number, possibly negative, followed by stop (or by the end
 * of the text when end_ok). */
static gboolean
read_i64(const char **p, char stop, gboolean end_ok, gint64 *out)
{
    const char *s = *p;
    gboolean neg = FALSE;
    guint64 v = 0;

    if (*s == '-') {
        neg = TRUE;
        s++;
    }
    if (!g_ascii_isdigit(*s))
        return FALSE;
    for (; g_ascii_isdigit(*s); s++) {
        if (v > (guint64)G_MAXINT64 / 10)
            return FALSE;
        v = v * 10 + (guint64)(*s - '0');
        if (v > (guint64)G_MAXINT64)
            return FALSE;
    }
    if (*s != stop && !(end_ok && *s == '\0'))
        return FALSE;
    *out = neg ? -(gint64)v : (gint64)v;
    *p = s;
    return TRUE;
}

gboolean
fl_cwl_follow_load(FlCwlFollow *f, const char *text, GError **err)
{
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) ts = g_array_new(FALSE, FALSE, sizeof(gint64));
    const char *p = text;
    gint64 done;

    if (strncmp(p, "1 ", 2) != 0)
        goto bad;
    p += 2;
    if (!read_i64(&p, ' ', TRUE, &done))
        goto bad;
    while (*p == ' ') {
        const char *id;
        gsize n;
        gint64 t;

        p++;
        if (!read_i64(&p, ':', FALSE, &t))
            goto bad;
        id = ++p;
        n = strcspn(id, " ");
        if (n == 0)
            goto bad;
        g_ptr_array_add(ids, g_strndup(id, n));
        g_array_append_val(ts, t);
        p = id + n;
    }
    if (*p != '\0')
        goto bad;
    if (done > f->done_ms)
        f->done_ms = done;
    for (guint i = 0; i < ids->len; i++)
        remember(f, ids->pdata[i], g_array_index(ts, gint64, i));
    return TRUE;
bad:
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "not a CloudWatch Logs "
                "position (at byte %" G_GSIZE_FORMAT ")", (gsize)(p - text));
    return FALSE;
}
