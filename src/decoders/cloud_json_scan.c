/*
 * cloud_json_scan.c - the JSON walk's fast path: a line that holds one
 * object, read by a byte scanner that knows the schema's tree, before
 * yajl.
 *
 * yajl reads a byte at a time through a lexer and a parser state machine,
 * and calls back for every value and key of an entry, kept or not: it was
 * most of a Google entry's 35,000 instructions.  Cloud Logging writes its
 * entries as compact ASCII JSON, one a line, and a scanner that looks for
 * the next quote, brace or comma does the same walk in a fraction of that.
 *
 * It takes a line only when it can be sure yajl would read the same:
 *   - the line is one object (after spaces) and nothing but spaces after
 *     it, and no value of an earlier line is open;
 *   - every byte is ASCII: no UTF-8 for the two to validate differently;
 *   - a kept string (a schema leaf) and a key inside a kept object have
 *     no backslash: their text is copied as written, which is what yajl
 *     hands out only when there is nothing to unescape;
 *   - the strings, numbers and literals passed over are valid JSON: an
 *     escape is one of JSON's, a number follows JSON's grammar (as yajl's
 *     lexer), a control byte is never inside a string;
 *   - nesting stays below MAX_NEST (yajl's walk refuses FL_CJ_MAX_DEPTH).
 * Anything else, valid or not, is FL_CJ_SCAN_NO before on_entry is
 * called, and yajl reads the line as before: its values go into the
 * slots afresh, so what the scanner stored is forgotten.  What the
 * scanner stores is what the yajl callbacks (cloud_json.c) store, in the
 * same order, through the same fl_cj_store; the fuzz target
 * (tests/fuzz/fuzz_gcp_flow.c) walks every input both ways and requires
 * the same entries.
 *
 * Layouts: the lines of one writer differ in their values, not in the
 * text between them (keys, punctuation, spaces).  A line the scanner
 * walks is learnt as a layout (FlCjTmpl: that text, and how each value
 * is read and where it goes); a later line whose text between values is
 * byte for byte the same is read by comparing it, a few words per key,
 * and reading only its values, with the scanner's own functions and
 * refusals.  Any difference, and the line is walked as before.  A few
 * layouts are kept (Google's SRC and DEST entries have different keys).
 */
#include "config.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "decoders/cloud_json_int.h"

/* The helpers are inlined into value() and object(): called for every
 * token, their calls and out-parameters cost more than their work. */
#define HOT static inline __attribute__((always_inline))

/* Below FL_CJ_MAX_DEPTH, so that the depth error is always yajl's. */
#define MAX_NEST 24

typedef struct {
    FlCjWalker *w;
    const char *p, *end;
    guint depth;
    FlCjTmpl *rec;              /* the layout being learnt, or NULL */
    const char *mark;           /* where its text since the last value began */
} Scan;

/* How a layout's value is read (FlCjTmplOp.kind). */
enum { TK_STRING, TK_NUMBER, TK_OBJECT, TK_ARRAY, TK_BOOL, TK_NULL, TK_END };

/* The bytes a string may hold as they are: printable ASCII but '"' and
 * '\\' (those end the scan; a control byte or a byte >= 0x80 refuses). */
static const guint8 plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(0), R16(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* ' ' .. '/' */
    R16(1), R16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* 'P' .. '_' */
    R16(1), R16(1),
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
#undef R16
};

HOT void
ws(Scan *s)
{
    /* Compact JSON: no space, and the test stops at once. */
    if (G_LIKELY(s->p < s->end && (guchar)*s->p > ' '))
        return;
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
}

HOT gboolean
eat(Scan *s, char c)
{
    ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return TRUE;
    }
    return FALSE;
}

/*
 * A string whose opening quote is at s->p: its text (as written) in *str
 * and *len, *esc when it has escapes.  FALSE when it is not a string yajl
 * takes the same way.
 */
HOT gboolean
string(Scan *s, const char **str, gsize *len, gboolean *esc)
{
    const guint8 *q = (const guint8 *)s->p + 1, *end = (const guint8 *)s->end;

    *esc = FALSE;
    for (;;) {
#ifdef __SSE2__
        /* Sixteen bytes a go: signed bytes, so one "less than ' '" finds
         * the control bytes and those >= 0x80 together. */
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i bslash = _mm_set1_epi8('\\');
        const __m128i space = _mm_set1_epi8(' ');

        while (end - q >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
            int m = _mm_movemask_epi8(
                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                          _mm_cmpeq_epi8(v, bslash)),
                             _mm_cmplt_epi8(v, space)));

            if (m != 0) {
                q += __builtin_ctz((unsigned)m);
                break;
            }
            q += 16;
        }
#endif
        while (q < end && plain[*q])
            q++;
        if (q >= end)
            return FALSE;
        if (*q == '"')
            break;
        if (*q != '\\')
            return FALSE;       /* a control byte, or not ASCII */
        *esc = TRUE;
        if (q + 1 >= end)
            return FALSE;
        switch (q[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n':
        case 'r': case 't':
            q += 2;
            break;
        case 'u':
            if (end - q < 6 || !g_ascii_isxdigit(q[2])
                || !g_ascii_isxdigit(q[3]) || !g_ascii_isxdigit(q[4])
                || !g_ascii_isxdigit(q[5]))
                return FALSE;
            q += 6;
            break;
        default:
            return FALSE;
        }
    }
    *str = s->p + 1;
    *len = (gsize)((const char *)q - *str);
    s->p = (const char *)q + 1;
    return TRUE;
}

static inline gboolean
digit(const Scan *s, const char *q)
{
    return q < s->end && *q >= '0' && *q <= '9';
}

/* A number in JSON's grammar, as yajl's lexer reads it. */
static gboolean
number(Scan *s, const char **str, gsize *len)
{
    const char *q = s->p;

    if (q < s->end && *q == '-')
        q++;
    if (!digit(s, q))
        return FALSE;
    if (*q++ != '0')
        while (digit(s, q))
            q++;
    if (q < s->end && *q == '.') {
        if (!digit(s, ++q))
            return FALSE;
        while (digit(s, q))
            q++;
    }
    if (q < s->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < s->end && (*q == '+' || *q == '-'))
            q++;
        if (!digit(s, q))
            return FALSE;
        while (digit(s, q))
            q++;
    }
    *str = s->p;
    *len = (gsize)(q - s->p);
    s->p = q;
    return TRUE;
}

/*
 * The common number, digits from 1 to 9 on and nothing of a fraction or
 * exponent after them, without number()'s call; FALSE (nothing read)
 * for every other, which number() then reads.
 */
HOT gboolean
digits_only(Scan *s, const char **str, gsize *len)
{
    const char *q = s->p;

    if (q >= s->end || *q < '1' || *q > '9')
        return FALSE;
    while (++q < s->end && *q >= '0' && *q <= '9')
        ;
    if (q < s->end && (*q == '.' || *q == 'e' || *q == 'E'))
        return FALSE;
    *str = s->p;
    *len = (gsize)(q - s->p);
    s->p = q;
    return TRUE;
}

static gboolean
literal(Scan *s, const char *word, gsize n)
{
    if ((gsize)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return FALSE;
    s->p += n;
    return TRUE;
}

/*
 * Learning the line's layout: the text since the last value, then how
 * the value at s->p is read and the node it goes to (-1: read, not kept).
 * A line too big to learn is read all the same.
 */
HOT void
rec_op(Scan *s, guint kind, gint node)
{
    FlCjTmpl *t = s->rec;
    gsize len;

    if (t == NULL)
        return;
    len = (gsize)(s->p - s->mark);
    if (t->n_ops >= FL_CJ_TMPL_OPS || len > FL_CJ_TMPL_TEXT - t->n_text) {
        s->rec = NULL;
        return;
    }
    memcpy(t->text + t->n_text, s->mark, len);
    t->ops[t->n_ops].off = (guint16)t->n_text;
    t->ops[t->n_ops].len = (guint16)len;
    t->ops[t->n_ops].node = (gint16)node;
    t->ops[t->n_ops].kind = (guint8)kind;
    t->ops[t->n_ops].slot = -1;
    if (node >= 0) {
        const Node *n = &g_array_index(s->w->nodes, Node, node);

        t->ops[t->n_ops].slot = (gint8)n->slot;
        t->ops[t->n_ops].max_len = (guint32)MIN(n->max_len, G_MAXUINT32);
    }
    t->n_ops++;
    t->n_text += len;
    s->mark = s->p;
}

static gboolean object(Scan *s, gint node);
static gboolean array(Scan *s);

/*
 * A value of tree node node (-1: nobody asked for it) at s->p, stored as
 * cb_string, cb_number, cb_start_map and the others of cloud_json.c store
 * it.
 */
static gboolean
value(Scan *s, gint node)
{
    const Node *n = node >= 0 ? &g_array_index(s->w->nodes, Node, node)
                              : NULL;
    gint kept = n != NULL && n->slot >= 0 ? node : -1;
    const char *str;
    gsize len;
    gboolean esc;

    ws(s);
    if (s->p >= s->end)
        return FALSE;
    switch (*s->p) {
    case '"':
        rec_op(s, TK_STRING, kept);
        if (!string(s, &str, &len, &esc))
            return FALSE;
        s->mark = s->p;
        if (kept >= 0) {
            if (esc)
                return FALSE;   /* yajl would unescape it */
            fl_cj_store_from(s->w, node, FL_CJ_STRING, str, len, s->end);
        }
        return TRUE;
    case '{':
        if (kept >= 0) {
            rec_op(s, TK_OBJECT, kept);
            fl_cj_store(s->w, node, FL_CJ_OBJECT, NULL, 0);
            if (n->kids->len == 0)
                node = -1;
        }
        s->p++;
        return object(s, node);
    case '[':
        if (kept >= 0)
            rec_op(s, TK_ARRAY, kept);
        s->p++;
        fl_cj_store(s->w, node, FL_CJ_ARRAY, NULL, 0);
        return array(s);
    case 't':
    case 'f':
        if (kept >= 0)
            rec_op(s, TK_BOOL, kept);
        if (!(*s->p == 't' ? literal(s, "true", 4) : literal(s, "false", 5)))
            return FALSE;
        fl_cj_store(s->w, node, FL_CJ_BOOL, NULL, 0);
        return TRUE;
    case 'n':
        if (kept >= 0)
            rec_op(s, TK_NULL, kept);
        if (!literal(s, "null", 4))
            return FALSE;
        fl_cj_store(s->w, node, FL_CJ_NULL, NULL, 0);
        return TRUE;
    default:
        rec_op(s, TK_NUMBER, kept);
        if (!number(s, &str, &len))
            return FALSE;
        s->mark = s->p;
        fl_cj_store_from(s->w, node, FL_CJ_NUMBER, str, len, s->end);
        return TRUE;
    }
}

/* The members of an object of tree node node, its '{' read. */
static gboolean
object(Scan *s, gint node)
{
    if (++s->depth >= MAX_NEST)
        return FALSE;
    if (eat(s, '}'))
        goto done;
    do {
        const char *key;
        gsize len;
        gboolean esc;
        gint kid = -1;

        ws(s);
        if (s->p >= s->end || *s->p != '"' || !string(s, &key, &len, &esc))
            return FALSE;
        if (node >= 0) {
            if (esc)
                return FALSE;   /* its name is the unescaped one */
            kid = fl_cj_kid(s->w, node, key, len);
        }
        if (!eat(s, ':') || !value(s, kid))
            return FALSE;
    } while (eat(s, ','));
    if (!eat(s, '}'))
        return FALSE;
done:
    s->depth--;
    return TRUE;
}

/* The elements of an array (nothing in one is kept), its '[' read. */
static gboolean
array(Scan *s)
{
    if (++s->depth >= MAX_NEST)
        return FALSE;
    if (eat(s, ']'))
        goto done;
    do {
        if (!value(s, -1))
            return FALSE;
    } while (eat(s, ','));
    if (!eat(s, ']'))
        return FALSE;
done:
    s->depth--;
    return TRUE;
}

/*
 * A string or number of a layout into its slot, as fl_cj_store puts it;
 * by_layout has made the arena large enough for every value of the line
 * and 32 bytes more, so there is no check and a short value is two moves.
 */
HOT void
tmpl_store(FlCjWalker *w, const FlCjTmplOp *op, FlCjType type,
           const char *s, gsize len, const char *end)
{
    FlCjValue *v = &w->v[op->slot];
    GString *a = w->arena;
    gsize at = a->len;

    v->type = type;
    if (type == FL_CJ_STRING && len > op->max_len) {
        v->type = FL_CJ_TOO_LONG;
        v->off = v->len = 0;
        v->full_len = len;
        return;
    }
    if (len <= 32 && end - s >= 32) {
        memcpy(a->str + at, s, 16);
        memcpy(a->str + at + 16, s + 16, 16);
    } else {
        memcpy(a->str + at, s, len);
    }
    a->str[at + len] = '\0';
    a->len = at + len + 1;
    a->str[a->len] = '\0';
    v->off = (guint32)at;
    v->len = (guint32)len;
}

/*
 * The line read by layout t: its text compared with the layout's, its
 * values read as the scanner read the values where t was learnt.  When
 * all of the text is the same, the scanner would take every byte between
 * the values as it did then, reach the same nodes and make the same
 * stores: the values are read by the same functions, with the same
 * refusals.  FALSE at the first difference (the slots then hold junk).
 */
static gboolean
tmpl_match(FlCjWalker *w, const FlCjTmpl *t, const char *p, const char *end)
{
    Scan s = { w, p, end, 0, NULL, NULL };

    for (guint i = 0; i < t->n_ops; i++) {
        const FlCjTmplOp *op = &t->ops[i];
        const char *str;
        gsize len;
        gboolean esc;

        if ((gsize)(end - s.p) < op->len
            || !fl_cj_same(s.p, t->text + op->off, op->len))
            return FALSE;
        s.p += op->len;
        switch (op->kind) {
        case TK_STRING:
            if (s.p >= end || *s.p != '"' || !string(&s, &str, &len, &esc))
                return FALSE;
            if (op->slot >= 0) {
                if (esc)
                    return FALSE;
                tmpl_store(w, op, FL_CJ_STRING, str, len, end);
            }
            break;
        case TK_NUMBER:
            if (!digits_only(&s, &str, &len) && !number(&s, &str, &len))
                return FALSE;
            if (op->slot >= 0)
                tmpl_store(w, op, FL_CJ_NUMBER, str, len, end);
            break;
        case TK_OBJECT:
            fl_cj_store(w, op->node, FL_CJ_OBJECT, NULL, 0);
            break;
        case TK_ARRAY:
            fl_cj_store(w, op->node, FL_CJ_ARRAY, NULL, 0);
            break;
        case TK_BOOL:
            fl_cj_store(w, op->node, FL_CJ_BOOL, NULL, 0);
            break;
        case TK_NULL:
            fl_cj_store(w, op->node, FL_CJ_NULL, NULL, 0);
            break;
        default:
            return s.p == end;
        }
    }
    return FALSE;
}

static void
reset_entry(FlCjWalker *w)
{
    memset(w->v, 0, sizeof(FlCjValue) * w->n_slots);
    g_string_truncate(w->arena, 0);
}

/* Layout at position k of tmpl_order to the front. */
static void
tmpl_to_front(FlCjWalker *w, guint k)
{
    guint t = w->tmpl_order[k];

    memmove(w->tmpl_order + 1, w->tmpl_order, k * sizeof(guint));
    w->tmpl_order[0] = t;
}

/* Layout t matched a line. */
static void
tmpl_hit(FlCjWalker *w, guint t)
{
    for (guint k = 0; k <= FL_CJ_TMPLS; k++) {
        if (w->tmpl_order[k] == t) {
            if (k > 0)
                tmpl_to_front(w, k);
            break;
        }
    }
    w->tmpl[w->tmpl_last].next = t;
    w->tmpl_last = t;
}

/*
 * The line read by a known layout: first the one that followed the last
 * line's layout last time (reporters SRC and DEST take turns, each with
 * its own keys), then the others, most recently used first.
 */
static gboolean
by_layout(FlCjWalker *w, const char *p, const char *end)
{
    guint guess = w->tmpl[w->tmpl_last].next;
    /* Every value, its NUL and tmpl_store's 32 bytes fit in this. */
    gsize need = (gsize)(end - p) + FL_CJ_TMPL_OPS + 64;

    if (w->arena->allocated_len < need) {
        g_string_set_size(w->arena, need);
        g_string_truncate(w->arena, 0);
    }
    if (w->tmpl[guess].valid) {
        reset_entry(w);
        if (tmpl_match(w, &w->tmpl[guess], p, end)) {
            tmpl_hit(w, guess);
            return TRUE;
        }
    }
    for (guint k = 0; k < FL_CJ_TMPLS; k++) {
        guint t = w->tmpl_order[k];

        if (!w->tmpl[t].valid)
            return FALSE;
        if (t == guess)
            continue;
        reset_entry(w);
        if (tmpl_match(w, &w->tmpl[t], p, end)) {
            tmpl_hit(w, t);
            return TRUE;
        }
    }
    return FALSE;
}

/* The line read by walking it, its layout learnt on the way if learn. */
static gboolean
by_walk(FlCjWalker *w, const char *p, const char *end, gboolean learn)
{
    FlCjTmpl *t = &w->tmpl[w->tmpl_order[FL_CJ_TMPLS]];
    Scan s = { w, p, end, 0, learn ? t : NULL, p };

    if (learn) {
        t->valid = FALSE;
        t->n_ops = t->n_text = 0;
    }
    /* A blank line too is yajl's: it may end a value of its own. */
    if (!eat(&s, '{'))
        return FALSE;
    reset_entry(w);
    if (!object(&s, 0))
        return FALSE;
    ws(&s);
    if (s.p != s.end)
        return FALSE;
    rec_op(&s, TK_END, -1);
    if (s.rec != NULL) {
        t->valid = TRUE;
        tmpl_hit(w, w->tmpl_order[FL_CJ_TMPLS]);
    }
    return TRUE;
}

FlCjScan
fl_cj_scan_line(FlCjWalker *w, const char *p, gsize n)
{
    const char *end = p + n;
    gboolean try_layouts;

    if (n > 0 && p[n - 1] == '\n')
        end--;
    /* Lines of more layouts than are kept, taking turns, would each be
     * compared with every layout, then walked: after a few lines that no
     * layout read, layouts are tried (and learnt) on every 64th line
     * only, and those lines cost a walk, as before layouts. */
    try_layouts = w->tmpl_misses < 8 || w->tmpl_misses % 64 == 0;
    if (try_layouts && by_layout(w, p, end)) {
        w->tmpl_misses = 0;
    } else if (by_walk(w, p, end, try_layouts)) {
        w->tmpl_misses++;
    } else {
        return FL_CJ_SCAN_NO;
    }
    {
        FlCjEntry e = { w->v, w->arena->str, w->line };

        w->entry_line = w->line;
        if (!w->on_entry(&e, w->data, &w->stop))
            return FL_CJ_SCAN_STOP;
    }
    return FL_CJ_SCAN_OK;
}
