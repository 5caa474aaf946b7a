/*
 * azblob_walk.c - listing the blobs of an azblob:// input (azblob_walk.h).
 *
 * A queue of tasks, taken from the front: DESCEND lists one prefix with
 * delimiter "/" (all its pages, then its children go to the front of the
 * queue in name order, so the walk stays in name order), LEAF lists a
 * prefix without delimiter, page by page, handing its blobs out.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "sources/azblob_walk.h"

typedef enum { DESCEND, LEAF } Kind;

typedef struct {
    Kind kind;
    char *prefix;
    guint depth;
} Task;

struct FlAzWalk {
    FlAzWalkConfig cfg;
    char *prefix;
    FlAzWalkListFunc list;
    gpointer data;
    GQueue tasks;               /* Task * */
    Task *leaf;                 /* the LEAF being paged */
    char *marker;               /* its next page, or NULL */
    GPtrArray *page;            /* FlAzBlobItem * of the current page */
    guint page_pos;
    gboolean failed;
    guint64 skipped, requests;
};

static void
task_free(Task *t)
{
    if (t == NULL)
        return;
    g_free(t->prefix);
    g_free(t);
}

static Task *
task_new(Kind kind, const char *prefix, guint depth)
{
    Task *t = g_new0(Task, 1);

    t->kind = kind;
    t->prefix = g_strdup(prefix);
    t->depth = depth;
    return t;
}

FlAzWalk *
fl_azwalk_new(const FlAzWalkConfig *cfg, FlAzWalkListFunc list,
              gpointer data)
{
    FlAzWalk *w = g_new0(FlAzWalk, 1);

    w->cfg = *cfg;
    w->prefix = g_strdup(cfg->prefix ? cfg->prefix : "");
    w->cfg.prefix = w->prefix;
    w->list = list;
    w->data = data;
    g_queue_init(&w->tasks);
    g_queue_push_tail(&w->tasks, task_new(cfg->has_range ? DESCEND : LEAF,
                                          w->prefix, 0));
    w->page = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_azblob_item_free);
    return w;
}

void
fl_azwalk_free(FlAzWalk *w)
{
    Task *t;

    if (w == NULL)
        return;

    while ((t = g_queue_pop_head(&w->tasks)) != NULL)
        task_free(t);
    task_free(w->leaf);
    g_free(w->marker);
    g_ptr_array_unref(w->page);
    g_free(w->prefix);
    g_free(w);
}

guint64
fl_azwalk_skipped(const FlAzWalk *w)
{
    return w->skipped;
}

guint64
fl_azwalk_requests(const FlAzWalk *w)
{
    return w->requests;
}

/* Reads exactly n digits at *p after the literal tag; advances. */
static gboolean
read_part(const char **p, const char *tag, guint n, guint *out)
{
    gsize tl = strlen(tag);
    guint v = 0;

    if (strncmp(*p, tag, tl) != 0)
        return FALSE;
    for (guint i = 0; i < n; i++) {
        char c = (*p)[tl + i];

        if (!g_ascii_isdigit(c))
            return FALSE;
        v = v * 10 + (guint)(c - '0');
    }
    if ((*p)[tl + n] != '/')
        return FALSE;
    *p += tl + n + 1;
    *out = v;
    return TRUE;
}

gint64
fl_azwalk_blob_hour(const char *name)
{
    const char *p = name;

    /* The last "y=" that starts a segment and parses. */
    for (const char *s = name; (s = strstr(s, "y=")) != NULL; s++) {
        guint y, m, d, h;
        g_autoptr(GDateTime) t = NULL;

        if (s != name && s[-1] != '/')
            continue;
        p = s;
        if (!read_part(&p, "y=", 4, &y) || !read_part(&p, "m=", 2, &m)
            || !read_part(&p, "d=", 2, &d) || !read_part(&p, "h=", 2, &h))
            continue;
        if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31 || h > 23)
            continue;
        t = g_date_time_new_utc((gint)y, (gint)m, (gint)d, (gint)h, 0, 0);
        if (t != NULL)
            return g_date_time_to_unix(t);
    }
    return -1;
}

/* The segment before the trailing '/' of a common prefix. */
static const char *
last_segment(const char *prefix, gsize *len)
{
    gsize n = strlen(prefix);
    const char *s;

    if (n > 0 && prefix[n - 1] == '/')
        n--;
    s = g_strrstr_len(prefix, (gssize)n, "/");
    s = s ? s + 1 : prefix;
    *len = (gsize)(prefix + n - s);
    return s;
}

/* The LEAF prefixes of the range below parent, in time order. */
static void
range_leaves(FlAzWalk *w, const char *parent, guint depth, GList **out)
{
    gint64 start = w->cfg.since - (w->cfg.since % 3600 + 3600) % 3600;
    gboolean by_hour = (w->cfg.until - start) <= FL_AZWALK_MAX_HOURS * 3600;
    gint64 step = by_hour ? 3600 : 86400;

    if (w->cfg.until - start > (gint64)FL_AZWALK_MAX_DAYS * 86400) {
        /* A day per request would cost more than listing it all. */
        *out = g_list_prepend(*out, task_new(LEAF, parent, depth));
        return;
    }
    if (!by_hour)
        start -= (start % 86400 + 86400) % 86400;
    for (gint64 t = start; t < w->cfg.until; t += step) {
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
        g_autofree char *p = NULL;

        if (dt == NULL)
            break;
        p = by_hour
            ? g_strdup_printf("%sy=%04d/m=%02d/d=%02d/h=%02d/", parent,
                              g_date_time_get_year(dt),
                              g_date_time_get_month(dt),
                              g_date_time_get_day_of_month(dt),
                              g_date_time_get_hour(dt))
            : g_strdup_printf("%sy=%04d/m=%02d/d=%02d/", parent,
                              g_date_time_get_year(dt),
                              g_date_time_get_month(dt),
                              g_date_time_get_day_of_month(dt));
        *out = g_list_prepend(*out, task_new(LEAF, p, depth));
    }
}

/* Lists t (all pages) and puts its children at the front of the queue. */
static gboolean
descend(FlAzWalk *w, Task *t, GError **err)
{
    g_autoptr(GPtrArray) blobs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)fl_azblob_item_free);
    g_autoptr(GPtrArray) prefixes = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *marker = NULL;
    GList *children = NULL;
    gboolean dated = FALSE;

    do {
        FlAzBlobListing l = { blobs, prefixes, NULL };

        w->requests++;
        if (!w->list(w->data, t->prefix, "/", marker, &l, err)) {
            g_prefix_error(err, "listing '%s': ", t->prefix);
            return FALSE;
        }
        if (l.next_marker && marker && !strcmp(l.next_marker, marker)) {
            g_free(l.next_marker);
            g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "listing '%s': the "
                        "marker did not change", t->prefix);
            return FALSE;
        }
        g_free(marker);
        marker = l.next_marker;
    } while (marker != NULL);
    /* Blobs beside the date folders carry no hour: out of any range. */
    w->skipped += blobs->len;
    for (guint i = 0; i < prefixes->len; i++) {
        const char *p = prefixes->pdata[i];
        gsize n;
        const char *seg = last_segment(p, &n);

        if (!g_str_has_prefix(p, t->prefix)
            || (i > 0 && strcmp(p, prefixes->pdata[i - 1]) == 0))
            continue;                   /* not asked for, or a repeat */
        if (n >= 2 && seg[0] == 'y' && seg[1] == '=') {
            if (!dated) {
                g_autofree char *parent = g_strndup(p, (gsize)(seg - p));

                range_leaves(w, parent, t->depth + 1, &children);
                dated = TRUE;
            }
        } else if (t->depth < FL_AZWALK_MAX_DEPTH) {
            children = g_list_prepend(children,
                                      task_new(DESCEND, p, t->depth + 1));
        }
    }
    /* children is in reverse order: pushing each at the head restores
     * name order. */
    for (GList *l = children; l; l = l->next)
        g_queue_push_head(&w->tasks, l->data);
    g_list_free(children);
    return TRUE;
}

/* Whether a listed blob is handed out. */
static gboolean
keep(FlAzWalk *w, const FlAzBlobItem *b)
{
    gsize n = strlen(b->name);
    gint64 h;

    if (n < 5 || g_ascii_strcasecmp(b->name + n - 5, ".json") != 0)
        return FALSE;
    if (!w->cfg.has_range)
        return TRUE;
    h = fl_azwalk_blob_hour(b->name);
    return h >= 0 && h + 3600 > w->cfg.since && h < w->cfg.until;
}

static gboolean
next_page(FlAzWalk *w, GError **err)
{
    FlAzBlobListing l = { w->page, NULL, NULL };
    g_autoptr(GPtrArray) prefixes = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *was = g_steal_pointer(&w->marker);

    l.prefixes = prefixes;
    g_ptr_array_set_size(w->page, 0);
    w->page_pos = 0;
    w->requests++;
    if (!w->list(w->data, w->leaf->prefix, NULL, was, &l, err)) {
        g_prefix_error(err, "listing '%s': ", w->leaf->prefix);
        return FALSE;
    }
    if (l.next_marker && was && !strcmp(l.next_marker, was)) {
        g_free(l.next_marker);
        g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "listing '%s': the "
                    "marker did not change", w->leaf->prefix);
        return FALSE;
    }
    w->marker = l.next_marker;
    return TRUE;
}

FlAzBlobItem *
fl_azwalk_next(FlAzWalk *w, GError **err)
{
    while (!w->failed) {
        Task *t;

        while (w->page_pos < w->page->len) {
            FlAzBlobItem *b = w->page->pdata[w->page_pos];

            w->page->pdata[w->page_pos++] = NULL;
            if (g_str_has_prefix(b->name, w->leaf->prefix) && keep(w, b))
                return b;
            w->skipped++;
            fl_azblob_item_free(b);
        }
        if (w->leaf && w->marker) {
            if (!next_page(w, err))
                w->failed = TRUE;
            continue;
        }
        g_clear_pointer(&w->leaf, task_free);
        if ((t = g_queue_pop_head(&w->tasks)) == NULL)
            return NULL;
        if (t->kind == DESCEND) {
            gboolean ok = descend(w, t, err);

            task_free(t);
            if (!ok)
                w->failed = TRUE;
            continue;
        }
        w->leaf = t;
        if (!next_page(w, err))
            w->failed = TRUE;
    }
    return NULL;
}
