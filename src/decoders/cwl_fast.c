/*
 * cwl_fast.c - the streaming fast path of cwl_envelope.c: a record's JSON
 * through yajl, without a tree, when json-glib would decide it the same.
 */
#include "config.h"

#include <string.h>

#include <yajl/yajl_parse.h>

#include "decoders/cwl_envelope_int.h"

/*
 * Records are parsed first with yajl, which hands out events as it reads
 * and builds no tree: json-glib costs microseconds per event, yajl a few
 * hundred nanoseconds.  The fast path only takes records that json-glib
 * would take the same way: a PAYLOAD or a direct record whose members all
 * have the expected types, no duplicated member that matters, and text
 * where yajl and json-glib cannot differ.  On anything else (a yajl error,
 * a wrong type, an escape of a NUL or a surrogate, bytes that are not
 * plain ASCII and not valid UTF-8, a timestamp past 18 digits) it hands
 * nothing out and says FAST_NO: the json-glib path then decides the
 * record, with its own messages.  Nesting was bounded by cut_value().
 * tests/fuzz/fuzz_cwl_envelope.c checks both paths give the same results.
 */
#ifndef FL_CWL_NO_FAST

enum { R_OTHER, R_TYPE, R_OWNER, R_GROUP, R_STREAM, R_EVENTS, R_MESSAGE,
       R_AWSLOGS };
enum { E_OTHER, E_MESSAGE, E_ID, E_TS };

typedef struct {
    Ctx *c;
    gboolean top;           /* the top-level document: may be awslogs */
    const char *in;         /* the text, when ours to write NULs into */
    const char *in_end;
    const char *text;       /* the text, ours or not */
    const char *text_end;
    guint depth;            /* containers open */
    gboolean in_events;     /* the logEvents array is open (at depth 2) */
    gboolean in_awslogs;    /* the awslogs object is open (at depth 2) */
    gboolean data_seen;     /* its data member */
    const char *data;       /* awslogs.data, not NUL-terminated */
    gsize data_len;
    int key;                /* the member whose value comes, at depth 1 */
    int ev_key;             /* the same in an event, at depth 3 */
    guint seen;             /* 1 << R_x: members met at depth 1 */
    guint ev_seen;          /* 1 << E_x: members met in the open event */
    const char *str[R_MESSAGE + 1];     /* R_x strings (NULL: null) */
    FlCwlEvent *ev;         /* the open event */
    char *arena_end;        /* c->arena holds the strings, NUL after each */
} Fast;

/*
 * A string, NUL-terminated.  One without escapes is yajl's pointer into
 * the text: when the text is ours, its closing quote becomes the NUL once
 * the record is taken (c->nuls), so that json-glib still gets the text
 * intact if it is not.  Others are copied into the arena, which never
 * grows: it can hold the whole text, and a string decoded is shorter than
 * its token.
 */
static const char *
fast_keep(Fast *f, const unsigned char *s, size_t len, gboolean copy)
{
    char *out = f->arena_end;

    if (!copy && (const char *)s >= f->in && (const char *)s < f->in_end) {
        char *at = (char *)s + len;

        g_array_append_val(f->c->nuls, at);
        return (const char *)s;
    }

    if ((gsize)(f->c->arena + f->c->arena_alloc - out) < len + 1)
        return NULL;
    memcpy(out, s, len);
    out[len] = '\0';
    f->arena_end = out + len + 1;
    return out;
}

static gboolean
key_is(const unsigned char *k, size_t len, const char *name, size_t n)
{
    return len == n && memcmp(k, name, n) == 0;
}

#define KEY_IS(k, len, lit) key_is(k, len, lit, sizeof lit - 1)

static int
fast_map_key(void *ctx, const unsigned char *k, size_t len)
{
    Fast *f = ctx;
    int key;

    if (f->depth == 1) {
        key = KEY_IS(k, len, "messageType") ? R_TYPE :
              KEY_IS(k, len, "owner") ? R_OWNER :
              KEY_IS(k, len, "logGroup") ? R_GROUP :
              KEY_IS(k, len, "logStream") ? R_STREAM :
              KEY_IS(k, len, "logEvents") ? R_EVENTS :
              KEY_IS(k, len, "message") ? R_MESSAGE : R_OTHER;
        /* At the top, these make an envelope of the document: the fast
         * path takes awslogs; document() decides Kinesis and Firehose. */
        if (f->top && KEY_IS(k, len, "awslogs"))
            key = R_AWSLOGS;
        else if (f->top && (KEY_IS(k, len, "Records") ||
                            KEY_IS(k, len, "records")))
            return 0;
        if (key != R_OTHER && (f->seen & (1u << key)))
            return 0;                   /* json-glib keeps the last one */
        f->seen |= 1u << key;
        f->key = key;
    } else if (f->depth == 2 && f->in_awslogs) {
        f->key = KEY_IS(k, len, "data") ? R_AWSLOGS : R_OTHER;
        if (f->key == R_AWSLOGS && f->data_seen)
            return 0;
        f->data_seen |= f->key == R_AWSLOGS;
    } else if (f->depth == 3 && f->in_events) {
        key = KEY_IS(k, len, "message") ? E_MESSAGE :
              KEY_IS(k, len, "id") ? E_ID :
              KEY_IS(k, len, "timestamp") ? E_TS : E_OTHER;
        if (key != E_OTHER && (f->ev_seen & (1u << key)))
            return 0;
        f->ev_seen |= 1u << key;
        f->ev_key = key;
    }
    return 1;
}

/* A container or a scalar other than a string: only null is taken where
 * a member that matters is (an optional id or string member). */
static int
fast_other(Fast *f, gboolean is_null)
{
    if (f->depth == 1)
        return f->key == R_OTHER ||
               (is_null && f->key != R_EVENTS && f->key != R_MESSAGE);
    if (f->depth == 2 && f->in_events)
        return 0;                       /* an event that is no object */
    if (f->depth == 2 && f->in_awslogs)
        return f->key == R_OTHER;
    if (f->depth == 3 && f->in_events)
        return f->ev_key == E_OTHER || (is_null && f->ev_key != E_MESSAGE);
    return 1;
}

static int
fast_null(void *ctx)
{
    return fast_other(ctx, TRUE);
}

static int
fast_boolean(void *ctx, int v)
{
    (void)v;
    return fast_other(ctx, FALSE);
}

static int
fast_number(void *ctx, const char *s, size_t len)
{
    Fast *f = ctx;
    gint64 v = 0;

    if (f->depth != 3 || !f->in_events || f->ev_key != E_TS)
        return fast_other(f, FALSE);
    /* json-glib's whole numbers; the rest (a fraction, an exponent, a
     * number past 18 digits) goes to json-glib. */
    if (len == 0 || len > 19 || memchr(s, '.', len) != NULL ||
        memchr(s, 'e', len) != NULL || memchr(s, 'E', len) != NULL)
        return 0;
    for (size_t i = s[0] == '-' ? 1 : 0; i < len; i++) {
        if (!g_ascii_isdigit(s[i]) || i >= 18 + (s[0] == '-'))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    f->ev->timestamp = s[0] == '-' ? -v : v;
    return 1;
}

static int
fast_string(void *ctx, const unsigned char *s, size_t len)
{
    Fast *f = ctx;
    const char *kept;

    if (f->depth == 2 && f->in_awslogs) {
        if (f->key == R_AWSLOGS) {
            f->data = (const char *)s;  /* base64: no NUL needed */
            f->data_len = len;
            if ((const char *)s < f->text || (const char *)s >= f->text_end)
                f->data = fast_keep(f, s, len, TRUE);
            return f->data != NULL;
        }
        return 1;
    }
    if (f->depth == 1) {
        if (f->key == R_OTHER)
            return 1;
        /* messageType is copied: it decides before the NULs are set. */
        if (f->key == R_EVENTS || f->key == R_AWSLOGS ||
            (kept = fast_keep(f, s, len, f->key == R_TYPE)) == NULL)
            return 0;
        f->str[f->key] = kept;
        return 1;
    }
    if (f->depth == 2 && f->in_events)
        return 0;
    if (f->depth == 3 && f->in_events) {
        if (f->ev_key == E_OTHER)
            return 1;
        if (f->ev_key == E_TS || (kept = fast_keep(f, s, len, FALSE)) == NULL)
            return 0;
        if (f->ev_key == E_MESSAGE)
            f->ev->message = kept;
        else
            f->ev->id = kept;
    }
    return 1;
}

static int
fast_start_map(void *ctx)
{
    Fast *f = ctx;

    if (f->depth == 2 && f->in_events) {
        g_array_set_size(f->c->events, f->c->events->len + 1);
        f->ev = &g_array_index(f->c->events, FlCwlEvent,
                               f->c->events->len - 1);
        memset(f->ev, 0, sizeof *f->ev);
        f->ev_seen = 0;
        f->ev_key = E_OTHER;
    } else if (f->depth == 1 && f->key == R_AWSLOGS) {
        f->in_awslogs = TRUE;
    } else if (f->depth > 0 && !fast_other(f, FALSE)) {
        return 0;
    }
    if (f->depth == FL_CWL_MAX_DEPTH)
        return 0;                       /* cut_value() words the error */
    f->depth++;
    return 1;
}

static int
fast_start_array(void *ctx)
{
    Fast *f = ctx;

    if (f->depth == 0)
        return 0;
    if (f->depth == 1 && f->key == R_EVENTS) {
        f->in_events = TRUE;
    } else if (!fast_other(f, FALSE)) {
        return 0;
    }
    if (f->depth == FL_CWL_MAX_DEPTH)
        return 0;
    f->depth++;
    return 1;
}

static int
fast_end(void *ctx)
{
    Fast *f = ctx;

    f->depth--;
    if (f->depth == 2 && f->in_events && f->ev->message == NULL)
        return 0;                       /* an event without a message */
    if (f->depth == 1) {
        f->in_events = FALSE;
        f->in_awslogs = FALSE;
    }
    return 1;
}

static const yajl_callbacks fast_callbacks = {
    fast_null, fast_boolean, NULL, NULL, fast_number, fast_string,
    fast_start_map, fast_map_key, fast_end, fast_start_array, fast_end,
};

/*
 * TRUE when the text holds nothing on which yajl and json-glib could
 * disagree, as far as it can be seen without parsing: json-glib refuses
 * text that is not UTF-8 (yajl is laxer: overlong forms, surrogates), and
 * ends a string at "\u0000" and judges surrogate escapes its own way;
 * yajl takes '\v' and '\f' for white space, and the scan of cut_value()
 * does not.  Other control bytes are left to json-glib too.
 */
static gboolean
fast_text_ok(const guint8 *s, gsize len)
{
    const guint8 *p = s, *end = s + len;
    gboolean utf8 = FALSE;
    gsize i = 0;

    /* Plain ASCII from ' ' up needs no further look, eight bytes a go. */
    for (; i + 8 <= len; i += 8) {
        guint64 w;

        memcpy(&w, s + i, 8);
        if ((w | ((w - 0x2020202020202020ULL) & ~w)) & 0x8080808080808080ULL)
            break;
    }
    for (; i < len; i++) {
        if (s[i] < ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return FALSE;
        if (s[i] >= 0x80 && !utf8) {
            if (!g_utf8_validate((const char *)s, (gssize)len, NULL))
                return FALSE;
            utf8 = TRUE;
        }
    }
    while ((p = memchr(p, '\\', (gsize)(end - p))) != NULL) {
        guint v = 0;

        if (end - p < 2)
            break;
        if (p[1] == 'u') {
            if (end - p < 6)
                return FALSE;
            for (int k = 2; k < 6; k++) {
                if (!g_ascii_isxdigit(p[k]))
                    return FALSE;
                v = v << 4 | (guint)g_ascii_xdigit_value(p[k]);
            }
            if (v == 0 || (v >= 0xd800 && v <= 0xdfff))
                return FALSE;
        }
        p += 2;                         /* "\\u0000" is no escape of NUL */
    }
    return TRUE;
}

/*
 * TRUE when the text after the value yajl took is only white space.  yajl
 * says nothing of a token cut short after the value: its lexer waits for
 * the rest, and complete_parse lets it go ({"a":1}"abc is taken).  Any
 * other trailing token fails in yajl, and the only one that can end in
 * '}' is a string left open, which leaves an odd number of quotes that
 * no backslash escapes.
 */
static gboolean
fast_ends_clean(const guint8 *s, gsize len)
{
    const guint8 *p = s, *end = s + len;
    gsize quotes = 0;

    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
                       s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    if (len == 0 || s[len - 1] != '}')
        return FALSE;
    while ((p = memchr(p, '"', (gsize)(end - p))) != NULL) {
        gsize bs = 0;

        while (p - bs > s && p[-1 - (gssize)bs] == '\\')
            bs++;
        quotes += bs % 2 == 0;
        p++;
    }
    return quotes % 2 == 0;
}

/* The record is taken: the strings in the text get their NULs.  Not
 * before: json-glib must find the text intact when it is not. */
static void
fast_take(Ctx *c)
{
    for (guint i = 0; i < c->nuls->len; i++)
        *g_array_index(c->nuls, char *, i) = '\0';
}

/* A record's JSON object through the fast path: a Res, or FAST_NO. */
int
cwl_fast_record(Ctx *c, const guint8 *s, gsize len, const Where *w,
                gboolean top, gboolean ours, GError **err)
{
    Fast f = { 0 };
    yajl_handle h;
    yajl_status st;
    guint64 cut = c->n->cut;
    Res r;

    if (!fast_text_ok(s, len))
        return FAST_NO;
    c->peak[0] = MAX(c->peak[0], len + 1);
    if (c->arena_alloc < len + 1) {
        g_free(c->arena);
        c->arena_alloc = cwl_headroom(len + 1);
        c->arena = g_malloc(c->arena_alloc);
    }
    f.c = c;
    f.top = top;
    if (ours) {
        f.in = (const char *)s;
        f.in_end = (const char *)s + len;
    }
    f.text = (const char *)s;
    f.text_end = (const char *)s + len;
    f.arena_end = c->arena;
    g_array_set_size(c->events, 0);
    g_array_set_size(c->nuls, 0);
    if ((h = yajl_alloc(&fast_callbacks, NULL, &f)) == NULL)
        return FAST_NO;
    st = yajl_parse(h, s, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    yajl_free(h);
    if (st != yajl_status_ok || !fast_ends_clean(s, len))
        return FAST_NO;

    if (f.seen & (1u << R_AWSLOGS)) {
        if (f.data == NULL)
            return FAST_NO;
        r = cwl_base64_data(c, f.data, f.data_len, NULL, err);
        if (r == RES_BAD)
            g_prefix_error(err, "awslogs.data: ");
        return r;
    }
    if (f.seen & (1u << R_TYPE | 1u << R_EVENTS)) {
        const char *type = f.str[R_TYPE];

        if (g_strcmp0(type, "CONTROL_MESSAGE") == 0) {
            c->n->control++;
            return RES_OK;
        }
        if ((type != NULL && strcmp(type, "DATA_MESSAGE") != 0) ||
            !(f.seen & (1u << R_EVENTS)))
            return FAST_NO;
        fast_take(c);
        for (guint i = 0; i < c->events->len; i++) {
            FlCwlEvent *e = &g_array_index(c->events, FlCwlEvent, i);

            e->message_len = cwl_line_length(c, e->message);
        }
        return cwl_payload_out(c, f.str[R_OWNER], f.str[R_GROUP],
                               f.str[R_STREAM], w, cut, err);
    }
    if (f.str[R_MESSAGE] == NULL)
        return FAST_NO;
    fast_take(c);
    return cwl_direct_message(c, f.str[R_MESSAGE], w, err);
}

#endif /* FL_CWL_NO_FAST */
