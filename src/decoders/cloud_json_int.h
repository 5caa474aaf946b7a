/*
 * cloud_json_int.h - what cloud_json.c (the yajl walk) and cloud_json_scan.c
 * (its fast path) share.  Not for use outside those two files.
 */
#ifndef FL_CLOUD_JSON_INT_H
#define FL_CLOUD_JSON_INT_H

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <yajl/yajl_parse.h>

#include "decoders/cloud_json.h"

#define DEFAULT_MAX_LEN 1024
/* A node's kids by a hash of their names: an entry's every key is looked
 * up, most are not in the schema, and one compare tells. */
#define KID_HASH 64
#define KID_NONE (-1)
#define KID_MANY (-2)               /* several: compare them all */

/*
 * A line's layout, learnt from a line the scanner read (cloud_json_scan.c):
 * the text between its values (keys, punctuation, spaces, literals) and,
 * for each value, how it is read and where it goes.  A later line with
 * the same text around its values is read by comparing that text instead
 * of walking it.
 */
#define FL_CJ_TMPLS 4
#define FL_CJ_TMPL_OPS 192
#define FL_CJ_TMPL_TEXT 4096

typedef struct {
    guint16 off, len;           /* the text before the value */
    gint16 node;                /* a node with a slot, or -1 */
    guint8 kind;                /* cloud_json_scan.c's TK_ */
    gint8 slot;                 /* the node's slot and longest string */
    guint32 max_len;
} FlCjTmplOp;

typedef struct {
    gboolean valid;
    guint next;                 /* the layout of the line after, last time */
    guint n_ops, n_text;
    FlCjTmplOp ops[FL_CJ_TMPL_OPS];
    char text[FL_CJ_TMPL_TEXT];
} FlCjTmpl;

typedef struct {
    const char *name;           /* into the schema's path string */
    gsize len;
    gint slot;                  /* -1: an inner node */
    gsize max_len;
    GArray *kids;               /* guint node indices */
    gint16 hash[KID_HASH];      /* a kid, KID_NONE or KID_MANY */
} Node;

struct FlCjWalker {
    GArray *nodes;              /* Node; 0 is the root */
    guint n_slots;
    yajl_handle h;
    gboolean fast;              /* try cloud_json_scan.c first */
    gboolean hashed;            /* the nodes' hash tables are made */
    /* FL_CJ_TMPLS layouts in the order of tmpl_order, most recently
     * used first, and one more (the last) that the scanner fills */
    FlCjTmpl *tmpl;
    guint tmpl_order[FL_CJ_TMPLS + 1];
    guint tmpl_last;            /* the last line's layout (may be invalid) */
    guint tmpl_misses;          /* lines in a row no layout read */
    /* the walk */
    gint stack[FL_CJ_MAX_DEPTH + 1];
    gboolean is_array[FL_CJ_MAX_DEPTH + 1];
    guint depth, base;
    gint key_node;
    gboolean in_entry, too_deep;
    gboolean yajl_value;        /* yajl has read a whole value */
    gboolean mute;              /* callbacks do nothing (past_a_value) */
    gboolean fed;               /* yajl has had more than spaces */
    guint64 line, entry_line, top_line;
    FlCjValue v[FL_CJ_MAX_SLOTS];
    GString *arena;
    FlCjEntryFunc on_entry;
    FlCjBadFunc on_bad;
    gpointer data;
    GError *stop;
};

/* Inline: the scanner calls these for every key and kept value. */

static inline guint
fl_cj_name_hash(const char *name, gsize len)
{
    if (len == 0)
        return 0;
    return (guint)(len * 7 + (guchar)name[0] * 3 + (guchar)name[len / 2]
                   + (guchar)name[len - 1] * 5) % KID_HASH;
}

/* Names are short: sixteen or eight bytes a go (the last eight
 * overlapping what went before) beat a call to memcmp. */
static inline gboolean
fl_cj_same(const char *a, const char *b, gsize len)
{
    guint64 x, y;
    guint32 i, j;
    guint16 h, k;

#ifdef __SSE2__
    /* A layout's text runs to hundreds of bytes: sixteen a go. */
    for (; len > 16; a += 16, b += 16, len -= 16) {
        __m128i u = _mm_loadu_si128((const __m128i *)(const void *)a);
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);

        if (_mm_movemask_epi8(_mm_cmpeq_epi8(u, v)) != 0xffff)
            return FALSE;
    }
#endif
    if (len >= 8) {
        for (; len > 8; a += 8, b += 8, len -= 8) {
            memcpy(&x, a, 8);
            memcpy(&y, b, 8);
            if (x != y)
                return FALSE;
        }
        memcpy(&x, a + len - 8, 8);
        memcpy(&y, b + len - 8, 8);
        return x == y;
    }
    if (len >= 4) {
        memcpy(&i, a, 4);
        memcpy(&j, b, 4);
        if (i != j)
            return FALSE;
        memcpy(&i, a + len - 4, 4);
        memcpy(&j, b + len - 4, 4);
        return i == j;
    }
    if (len >= 2) {
        memcpy(&h, a, 2);
        memcpy(&k, b, 2);
        return h == k && a[len - 1] == b[len - 1];
    }
    return len == 0 || *a == *b;
}

/* The child of tree node parent named name, or -1. */
static inline gint
fl_cj_kid(const FlCjWalker *w, gint parent, const char *name, gsize len)
{
    const Node *p = &g_array_index(w->nodes, Node, parent);
    gint16 h = w->hashed ? p->hash[fl_cj_name_hash(name, len)] : KID_MANY;

    if (h == KID_NONE)
        return -1;
    if (h >= 0) {
        const Node *n = &g_array_index(w->nodes, Node, h);

        return n->len == len && fl_cj_same(n->name, name, len) ? h : -1;
    }
    for (guint i = 0; i < p->kids->len; i++) {
        guint k = g_array_index(p->kids, guint, i);
        const Node *n = &g_array_index(w->nodes, Node, k);

        if (n->len == len && memcmp(n->name, name, len) == 0)
            return (gint)k;
    }
    return -1;
}

/*
 * A value of node (may be -1: nothing kept) into its slot; the caller may
 * read up to src_end (at least s + len): a short value is then copied in
 * two fixed moves rather than a call to memcpy.
 */
static inline void
fl_cj_store_from(FlCjWalker *w, gint node, FlCjType type, const char *s,
                 gsize len, const char *src_end)
{
    const Node *n;
    FlCjValue *v;

    if (node < 0)
        return;
    n = &g_array_index(w->nodes, Node, node);
    if (n->slot < 0)
        return;
    v = &w->v[n->slot];
    v->type = type;
    v->off = v->len = 0;
    if (type == FL_CJ_STRING && len > n->max_len) {
        v->type = FL_CJ_TOO_LONG;
        v->full_len = len;
        return;
    }
    if (type == FL_CJ_STRING || type == FL_CJ_NUMBER) {
        GString *a = w->arena;
        gsize at = a->len;

        /* A copy and its NUL, without GString's general insert. */
        if (at + len + 34 > a->allocated_len)
            g_string_set_size(a, at + len + 1);
        else
            a->len = at + len + 1;
        if (len <= 32 && src_end - s >= 32
            && at + 34 <= a->allocated_len) {
            memcpy(a->str + at, s, 16);
            memcpy(a->str + at + 16, s + 16, 16);
        } else {
            memcpy(a->str + at, s, len);
        }
        a->str[at + len] = '\0';
        a->str[a->len] = '\0';
        v->off = (guint32)at;
        v->len = (guint32)len;
    }
}

/* s is NULL for the containers (objects, arrays): no pointer arithmetic
 * on it, not even + 0, which C leaves undefined. */
static inline void
fl_cj_store(FlCjWalker *w, gint node, FlCjType type, const char *s,
            gsize len)
{
    fl_cj_store_from(w, node, type, s, len, s == NULL ? NULL : s + len);
}

typedef enum {
    FL_CJ_SCAN_NO,              /* not taken: yajl reads the line */
    FL_CJ_SCAN_OK,              /* the line's entry went to on_entry */
    FL_CJ_SCAN_STOP             /* on_entry failed: w->stop is set */
} FlCjScan;

/*
 * The line (n bytes at p, its '\n' included) read without yajl, when it
 * is one object alone, with nothing on which yajl could decide otherwise
 * (cloud_json_scan.c says what).  Only when no value is open (depth 0).
 */
FlCjScan fl_cj_scan_line(FlCjWalker *w, const char *p, gsize n);

#endif
