/*
 * cloud_json.c - the streaming JSON walk of cloud_json.h.
 *
 * A line that is one plain object is read by cloud_json_scan.c instead
 * (the same stores, without yajl); every other line by yajl.
 *
 * The schema is compiled into a small tree of path components; the walk
 * keeps one tree node per open container (-1 inside values nobody asked
 * for), so a key costs a scan of its parent's few children.  The text is
 * handed to yajl one line at a time, which is how every callback knows
 * its line without yajl telling it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "error.h"
#include "timespec.h"
#include "decoders/cloud_json_int.h"

/* The kids' hash tables, once every path is in. */
static void
hash_kids(FlCjWalker *w)
{
    for (guint i = 0; i < w->nodes->len; i++) {
        Node *p = &g_array_index(w->nodes, Node, i);

        for (guint j = 0; j < KID_HASH; j++)
            p->hash[j] = KID_NONE;
        for (guint j = 0; j < p->kids->len; j++) {
            guint k = g_array_index(p->kids, guint, j);
            const Node *n = &g_array_index(w->nodes, Node, k);
            guint h = fl_cj_name_hash(n->name, n->len);

            p->hash[h] = p->hash[h] == KID_NONE ? (gint16)k : KID_MANY;
        }
    }
}

static void
add_path(FlCjWalker *w, const FlCjPath *p)
{
    const char *s = p->path;
    gint cur = 0;

    for (;;) {
        const char *dot = strchr(s, '.');
        gsize len = dot ? (gsize)(dot - s) : strlen(s);
        gint k = fl_cj_kid(w, cur, s, len);

        if (k < 0) {
            Node n = { s, len, -1, 0, g_array_new(FALSE, FALSE,
                                                  sizeof(guint)), { 0 } };
            guint idx = w->nodes->len;

            g_array_append_val(w->nodes, n);
            g_array_append_val(g_array_index(w->nodes, Node, cur).kids, idx);
            k = (gint)idx;
        }
        cur = k;
        if (dot == NULL)
            break;
        s = dot + 1;
    }
    g_assert(p->slot < w->n_slots);
    g_array_index(w->nodes, Node, cur).slot = (gint)p->slot;
    g_array_index(w->nodes, Node, cur).max_len =
        p->max_len ? p->max_len : DEFAULT_MAX_LEN;
}

/* ---- yajl callbacks ---- */

static void
reset_walk(FlCjWalker *w)
{
    w->depth = w->base = 0;
    w->key_node = -1;
    w->in_entry = w->too_deep = w->yajl_value = w->mute = FALSE;
    w->fed = FALSE;
}

/* The tree node of the value that starts now, or -1. */
static gint
value_node(const FlCjWalker *w)
{
    if (w->depth == 0 || w->is_array[w->depth - 1]
        || w->stack[w->depth - 1] < 0)
        return -1;
    return w->key_node;
}

static void
top_level_bad(FlCjWalker *w, const char *what)
{
    g_autofree char *why = g_strdup_printf("%s, not an object", what);

    w->on_bad(w->line, FL_REJECT_VALUE, why, w->data);
}

static int
scalar(FlCjWalker *w, FlCjType type, const char *s, gsize len)
{
    if (w->depth == 0)
        w->yajl_value = TRUE;
    if (w->depth == w->base) {
        top_level_bad(w, fl_cj_type_name(type));
        return 1;
    }
    fl_cj_store(w, value_node(w), type, s, len);
    return 1;
}

static int
cb_null(void *ctx)
{
    return scalar(ctx, FL_CJ_NULL, NULL, 0);
}

static int
cb_bool(void *ctx, int b)
{
    (void)b;
    return scalar(ctx, FL_CJ_BOOL, NULL, 0);
}

static int
cb_number(void *ctx, const char *s, size_t len)
{
    return scalar(ctx, FL_CJ_NUMBER, s, len);
}

static int
cb_string(void *ctx, const unsigned char *s, size_t len)
{
    return scalar(ctx, FL_CJ_STRING, (const char *)s, len);
}

static int
push(FlCjWalker *w, gint node, gboolean array)
{
    if (w->depth >= FL_CJ_MAX_DEPTH) {
        w->too_deep = TRUE;
        return 0;
    }
    if (w->depth == 0)
        w->top_line = w->line;
    w->stack[w->depth] = node;
    w->is_array[w->depth] = array;
    w->depth++;
    w->key_node = -1;
    return 1;
}

static int
cb_start_map(void *ctx)
{
    FlCjWalker *w = ctx;
    gint node;

    if (w->mute)
        return 1;
    if (w->depth == w->base && !w->in_entry) {
        memset(w->v, 0, sizeof(FlCjValue) * w->n_slots);
        g_string_truncate(w->arena, 0);
        w->entry_line = w->line;
        w->in_entry = TRUE;
        return push(w, 0, FALSE);
    }
    node = value_node(w);
    if (node >= 0 && g_array_index(w->nodes, Node, node).slot >= 0) {
        /* A leaf where an object came (a wrong type), or a slot that
         * asks whether its object is there: descend only in the latter. */
        fl_cj_store(w, node, FL_CJ_OBJECT, NULL, 0);
        if (g_array_index(w->nodes, Node, node).kids->len == 0)
            node = -1;
    }
    return push(w, node, FALSE);
}

static int
cb_start_array(void *ctx)
{
    FlCjWalker *w = ctx;

    if (w->depth == 0) {
        w->base = 1;            /* a list of entries */
        return push(w, -1, TRUE);
    }
    if (w->depth == w->base)
        top_level_bad(w, "an array");
    else
        fl_cj_store(w, value_node(w), FL_CJ_ARRAY, NULL, 0);
    return push(w, -1, TRUE);
}

static int
cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
    FlCjWalker *w = ctx;
    gint parent = w->stack[w->depth - 1];

    w->key_node = parent < 0 ? -1 : fl_cj_kid(w, parent, (const char *)s, len);
    return 1;
}

static int
cb_end(void *ctx)
{
    FlCjWalker *w = ctx;

    if (w->mute)
        return 1;
    w->depth--;
    w->key_node = -1;
    if (w->depth == 0) {
        w->base = 0;
        w->yajl_value = TRUE;
    }
    if (w->in_entry && w->depth == w->base) {
        FlCjEntry e = { w->v, w->arena->str, w->entry_line };

        w->in_entry = FALSE;
        if (!w->on_entry(&e, w->data, &w->stop))
            return 0;
    }
    return 1;
}

static const yajl_callbacks callbacks = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string,
    cb_start_map, cb_map_key, cb_end, cb_start_array, cb_end,
};

static void
new_handle(FlCjWalker *w)
{
    if (w->h)
        yajl_free(w->h);
    w->h = yajl_alloc(&callbacks, NULL, w);
    yajl_config(w->h, yajl_allow_multiple_values, 1);
    reset_walk(w);
}

FlCjWalker *
fl_cj_walker_new(const FlCjPath *paths, guint n_paths, guint n_slots)
{
    FlCjWalker *w = g_new0(FlCjWalker, 1);
    Node root = { "", 0, -1, 0, g_array_new(FALSE, FALSE, sizeof(guint)),
                  { 0 } };

    g_assert(n_slots <= FL_CJ_MAX_SLOTS);
    w->n_slots = n_slots;
    w->fast = TRUE;
    w->nodes = g_array_new(FALSE, FALSE, sizeof(Node));
    g_array_append_val(w->nodes, root);
    for (guint i = 0; i < n_paths; i++)
        add_path(w, &paths[i]);
    hash_kids(w);
    w->hashed = TRUE;
    w->arena = g_string_sized_new(4096);
    g_assert(w->nodes->len < G_MAXINT16);
    w->tmpl = g_new0(FlCjTmpl, FL_CJ_TMPLS + 1);
    for (guint i = 0; i <= FL_CJ_TMPLS; i++)
        w->tmpl_order[i] = i;
    return w;
}

void
fl_cj_walker_free(FlCjWalker *w)
{
    if (w == NULL)
        return;
    for (guint i = 0; i < w->nodes->len; i++)
        g_array_unref(g_array_index(w->nodes, Node, i).kids);
    g_array_unref(w->nodes);
    if (w->h)
        yajl_free(w->h);
    g_string_free(w->arena, TRUE);
    g_free(w->tmpl);
    g_free(w);
}

void
fl_cj_walker_set_fast(FlCjWalker *w, gboolean fast)
{
    w->fast = fast;
}

/* yajl's message without its "parse error: " and line break. */
static char *
yajl_why(FlCjWalker *w)
{
    static const char *const prefixes[] = { "parse error: ",
                                            "lexical error: " };
    unsigned char *m;
    char *s;

    if (w->too_deep)
        return g_strdup_printf("nesting deeper than %d", FL_CJ_MAX_DEPTH);
    m = yajl_get_error(w->h, 0, NULL, 0);
    s = g_strstrip(g_strdup((const char *)m));
    yajl_free_error(w->h, m);
    for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++) {
        if (g_str_has_prefix(s, prefixes[i])) {
            char *t = g_strdup(s + strlen(prefixes[i]));

            g_free(s);
            return t;
        }
    }
    return s;
}

/*
 * After a failed line: skipped when the value began on it, else the end
 * of the walk (FALSE with *err).
 */
static gboolean
line_failed(FlCjWalker *w, gboolean open_before, FlReject reason,
            const char *why, GError **err)
{
    if (open_before) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "line %" G_GUINT64_FORMAT
                    ": %s, inside a value begun on an earlier line: the rest "
                    "cannot be read", w->line, why);
        return FALSE;
    }
    w->on_bad(w->line, reason, why, w->data);
    new_handle(w);
    return TRUE;
}

static gboolean
blank(const char *p, gsize n)
{
    for (gsize i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
            return FALSE;
    return TRUE;
}

/* yajl, which has read no value yet, made to have read one (an object
 * nobody sees): the state it would be in had it read a scanned line. */
static void
past_a_value(FlCjWalker *w)
{
    w->mute = TRUE;
    (void)yajl_parse(w->h, (const unsigned char *)"{}", 2);
    w->mute = FALSE;
    w->yajl_value = w->fed = TRUE;
}

gboolean
fl_cj_walk(FlCjWalker *w, const char *buf, gsize len, FlCjEntryFunc on_entry,
           FlCjBadFunc on_bad, gpointer data, GError **err)
{
    const char *p = buf, *end = buf + len;
    yajl_status st;
    FlCjScan scan;
    gboolean ok = TRUE;

    w->on_entry = on_entry;
    w->on_bad = on_bad;
    w->data = data;
    w->line = 0;
    new_handle(w);
    while (ok && p < end) {
        const char *nl = memchr(p, '\n', (gsize)(end - p));
        gsize n = nl ? (gsize)(nl - p) + 1 : (gsize)(end - p);
        gboolean open_before = w->depth > 0;

        w->line++;
        if (n > FL_CJ_MAX_LINE) {
            g_autofree char *why = g_strdup_printf(
                "a line longer than %d MiB", FL_CJ_MAX_LINE >> 20);
            ok = line_failed(w, open_before, FL_REJECT_TOO_LONG, why, err);
        } else if (w->fast && w->depth == 0
                   && (scan = fl_cj_scan_line(w, p, n)) != FL_CJ_SCAN_NO) {
            /* Had yajl read the line, it would be past a value, and what
             * it makes of the next line's bytes may depend on that. */
            if (!w->yajl_value)
                past_a_value(w);
            if (scan == FL_CJ_SCAN_STOP) {
                g_propagate_error(err, g_steal_pointer(&w->stop));
                ok = FALSE;
            }
        } else {
            if (!w->fed && !blank(p, n))
                w->fed = TRUE;
            st = yajl_parse(w->h, (const unsigned char *)p, n);
            if (st == yajl_status_client_canceled && w->stop) {
                g_propagate_error(err, g_steal_pointer(&w->stop));
                ok = FALSE;
            } else if (st != yajl_status_ok) {
                g_autofree char *why = yajl_why(w);

                ok = line_failed(w, open_before, FL_REJECT_VALUE, why, err);
            }
        }
        p += n;
    }
    if (ok) {
        gboolean open_before = w->depth > 0 && w->top_line < w->line;

        /* A yajl given nothing since its last error has nothing to end
         * (it would call that a premature end: a second error for a
         * broken last line, or one for an empty document). */
        st = w->fed ? yajl_complete_parse(w->h) : yajl_status_ok;
        if (st == yajl_status_client_canceled && w->stop) {
            g_propagate_error(err, g_steal_pointer(&w->stop));
            ok = FALSE;
        } else if (st != yajl_status_ok) {
            g_autofree char *why = yajl_why(w);

            ok = line_failed(w, open_before, FL_REJECT_VALUE, why, err);
        }
    }
    g_clear_error(&w->stop);
    new_handle(w);              /* nothing of this document stays */
    return ok;
}

const char *
fl_cj_type_name(FlCjType t)
{
    switch (t) {
    case FL_CJ_ABSENT: return "absent";
    case FL_CJ_NULL: return "null";
    case FL_CJ_BOOL: return "a boolean";
    case FL_CJ_NUMBER: return "a number";
    case FL_CJ_STRING: return "a string";
    case FL_CJ_OBJECT: return "an object";
    case FL_CJ_ARRAY: return "an array";
    case FL_CJ_TOO_LONG: return "a string too long";
    }
    return "?";
}

gboolean
fl_cj_uint(const FlCjEntry *e, guint slot, guint64 max, guint64 *out,
           const char **why)
{
    const FlCjValue *v = &e->v[slot];
    const char *s = e->text + v->off;
    guint64 n = 0;

    if (v->type != FL_CJ_NUMBER && v->type != FL_CJ_STRING) {
        *why = "not a number";
        return FALSE;
    }
    if (v->len == 0 || v->len > 20) {
        *why = "not a whole number in range";
        return FALSE;
    }
    for (guint i = 0; i < v->len; i++) {
        guint d = (guint)(s[i] - '0');

        if (d > 9) {
            *why = "not a whole number in range";
            return FALSE;
        }
        /* Nineteen digits cannot overflow: only then the division. */
        if (i >= 19 && n > (G_MAXUINT64 - d) / 10) {
            *why = "out of range";
            return FALSE;
        }
        n = n * 10 + d;
    }
    if (n > max) {
        *why = "out of range";
        return FALSE;
    }
    *out = n;
    return TRUE;
}

/* A dotted quad by inet_pton's rules (four decimal parts of 0 to 255,
 * none with a leading zero), without its call and its strchr a digit. */
static gboolean
ipv4(const char *s, gsize len, guint8 out[4])
{
    guint part = 0, val = 0;
    gboolean digit = FALSE;

    for (gsize i = 0; i < len; i++) {
        guint d = (guint)(s[i] - '0');

        if (d <= 9) {
            if (digit && val == 0)
                return FALSE;
            val = val * 10 + d;
            if (val > 255)
                return FALSE;
            digit = TRUE;
        } else if (s[i] == '.' && digit && part < 3) {
            out[part++] = (guint8)val;
            val = 0;
            digit = FALSE;
        } else {
            return FALSE;
        }
    }
    if (!digit || part != 3)
        return FALSE;
    out[3] = (guint8)val;
    return TRUE;
}

gboolean
fl_cj_addr(const char *s, gsize len, guint8 *family, guint8 bytes[16])
{
    char buf[INET6_ADDRSTRLEN + 1];

    if (len == 0 || len >= sizeof buf)
        return FALSE;
    /* A dotted quad has no ':', so trying it first is the same answer
     * as looking for one first, without the look for most addresses. */
    *family = 4;
    memset(bytes, 0, 16);
    if (ipv4(s, len, bytes))
        return TRUE;
    if (memchr(s, ':', len) == NULL)
        return FALSE;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *family = 6;
    return inet_pton(AF_INET6, buf, bytes) == 1;
}

static gboolean
digits(const char **p, const char *end, guint n, int *out)
{
    int v = 0;

    if ((gsize)(end - *p) < n)
        return FALSE;
    for (guint i = 0; i < n; i++) {
        guint d = (guint)((*p)[i] - '0');

        if (d > 9)
            return FALSE;
        v = v * 10 + (int)d;
    }
    *p += n;
    *out = v;
    return TRUE;
}

static gboolean
expect(const char **p, const char *end, char c1, char c2)
{
    if (*p >= end || (**p != c1 && **p != c2))
        return FALSE;
    (*p)++;
    return TRUE;
}

/* Every time of a Google entry: the general parser below. */
static gboolean
rfc3339_ms(const char *s, gsize len, guint64 *out)
{
    const char *p = s, *end = s + len;
    int y, mo, d, h, mi, sec, ms = 0, oh = 0, om = 0, sign = 0;
    gint64 t;

    if (!digits(&p, end, 4, &y) || !expect(&p, end, '-', '-')
        || !digits(&p, end, 2, &mo) || !expect(&p, end, '-', '-')
        || !digits(&p, end, 2, &d) || !expect(&p, end, 'T', 't')
        || !digits(&p, end, 2, &h) || !expect(&p, end, ':', ':')
        || !digits(&p, end, 2, &mi) || !expect(&p, end, ':', ':')
        || !digits(&p, end, 2, &sec))
        return FALSE;
    if (p < end && *p == '.') {
        guint n = 0;

        for (p++; p < end && *p >= '0' && *p <= '9'; p++, n++)
            if (n < 3)
                ms = ms * 10 + (*p - '0');
        if (n == 0)
            return FALSE;
        for (; n < 3; n++)
            ms *= 10;
    }
    if (p < end && (*p == 'Z' || *p == 'z')) {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        sign = *p++ == '-' ? -1 : 1;
        if (!digits(&p, end, 2, &oh) || !expect(&p, end, ':', ':')
            || !digits(&p, end, 2, &om) || oh > 23 || om > 59)
            return FALSE;
    } else {
        return FALSE;
    }
    if (p != end || !fl_time_from_utc(y, mo, d, h, mi, sec, &t))
        return FALSE;
    t -= sign * (oh * 3600 + om * 60);
    if (t < 0)
        return FALSE;
    *out = (guint64)t * 1000 + (guint64)ms;
    return TRUE;
}

/* Two digits at s, or -1. */
static inline int
two(const char *s)
{
    guint a = (guint)(s[0] - '0'), b = (guint)(s[1] - '0');

    return a <= 9 && b <= 9 ? (int)(a * 10 + b) : -1;
}

/*
 * The layout Cloud Logging writes ("2024-05-25T12:08:40.123456789Z", a
 * UTC time from 1970 on): every field at its place, the days by table
 * rather than fl_time_from_utc's month loop.  Anything else (an offset,
 * another width) goes to rfc3339_ms, whose answers these are.
 */
gboolean
fl_cj_rfc3339_ms(const char *s, gsize len, guint64 *out)
{
    static const guint16 before[12] = { 0, 31, 59, 90, 120, 151, 181, 212,
                                        243, 273, 304, 334 };
    static const guint8 month_days[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
                                           30, 31, 30, 31 };
    int c, y, mo, d, h, mi, sec;
    guint ms = 0;
    gsize i = 19;
    gint64 days, yy;
    gboolean leap;

    if (len < 20 || (s[len - 1] != 'Z' && s[len - 1] != 'z')
        || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't')
        || s[13] != ':' || s[16] != ':')
        return rfc3339_ms(s, len, out);
    c = two(s);
    y = two(s + 2);
    mo = two(s + 5);
    d = two(s + 8);
    h = two(s + 11);
    mi = two(s + 14);
    sec = two(s + 17);
    if (c < 0 || y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23
        || mi < 0 || mi > 59 || sec < 0 || sec > 60)
        return rfc3339_ms(s, len, out);
    y += c * 100;
    leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    if (y < 1970 || d > month_days[mo - 1] || (mo == 2 && d == 29 && !leap))
        return rfc3339_ms(s, len, out);
    if (s[i] == '.') {
        guint n = 0;

        for (i++; i < len - 1 && (guint)(s[i] - '0') <= 9; i++, n++)
            if (n < 3)
                ms = ms * 10 + (guint)(s[i] - '0');
        if (n == 0)
            return rfc3339_ms(s, len, out);
        for (; n < 3; n++)
            ms *= 10;
    }
    if (i != len - 1)
        return rfc3339_ms(s, len, out);
    yy = y - 1;
    days = 365 * yy + yy / 4 - yy / 100 + yy / 400 - 719162
           + before[mo - 1] + (mo > 2 && leap) + d - 1;
    *out = (guint64)((days * 86400 + h * 3600 + mi * 60 + sec) * 1000) + ms;
    return TRUE;
}

static gsize
skip_ws(const guint8 *b, gsize len, gsize i)
{
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n'
                       || b[i] == '\r'))
        i++;
    return i;
}

gboolean
fl_cj_first_member(const guint8 *buf, gsize len, const char **name,
                   gsize *name_len, guint8 *value_start)
{
    gsize i = skip_ws(buf, len, 0), start;

    if (i < len && buf[i] == '[')
        i = skip_ws(buf, len, i + 1);
    if (i >= len || buf[i] != '{')
        return FALSE;
    i = skip_ws(buf, len, i + 1);
    if (i >= len || buf[i] != '"')
        return FALSE;
    start = ++i;
    while (i < len && buf[i] != '"' && buf[i] != '\\')
        i++;
    if (i >= len || buf[i] != '"')
        return FALSE;
    *name = (const char *)buf + start;
    *name_len = i - start;
    i = skip_ws(buf, len, i + 1);
    if (i < len && buf[i] == ':')
        i = skip_ws(buf, len, i + 1);
    *value_start = i < len ? buf[i] : 0;
    return TRUE;
}

gboolean
fl_cj_sniff_names(const guint8 *buf, gsize len, const char *const *names)
{
    const char *n;
    gsize nl;
    guint8 v;

    if (!fl_cj_first_member(buf, len, &n, &nl, &v))
        return FALSE;
    for (; *names; names++)
        if (strlen(*names) == nl && memcmp(*names, n, nl) == 0)
            return TRUE;
    return FALSE;
}

gboolean
fl_cj_set_num(const FlCjEntry *e, guint slot, FlRecord *r, FlField f,
              guint64 max, gboolean zero_if_absent, FlReject *reason,
              const char **why)
{
    FlCjType t = e->v[slot].type;
    guint64 v = 0;

    if (t == FL_CJ_ABSENT || t == FL_CJ_NULL) {
        if (zero_if_absent) {
            fl_cloud_set_uint(r, f, 0);
            return TRUE;
        }
        *reason = FL_REJECT_MISSING;
        *why = "missing";
        return FALSE;
    }
    if (!fl_cj_uint(e, slot, max, &v, why)) {
        *reason = FL_REJECT_NUMBER;
        return FALSE;
    }
    fl_cloud_set_uint(r, f, v);
    return TRUE;
}
