/*
 * cwl_scan.c - the envelopes' fastest path: the two shapes CloudWatch
 * Logs really writes, read by a scanner that knows them, before yajl.
 *
 * yajl reads a byte at a time: it was a third of the envelope path's
 * instructions (callgrind: 3.5 of 10.2 G for the benchmark's 1M events),
 * about twenty a byte.  The payload CloudWatch Logs writes is plain ASCII
 * with no escapes (flow-log lines are), and when a text is that, a string
 * ends at the next quote: memchr finds it, and a record costs a handful
 * of comparisons.  So this path takes a record only when
 *   - every byte is printable ASCII (' ' to DEL) and none is a backslash:
 *     no escapes, no control bytes, no UTF-8, so nothing on which yajl,
 *     json-glib and this scanner could read different strings;
 *   - it is exactly {"awslogs":{"data":"..."}} (top level only), or a
 *     PAYLOAD whose members are messageType, owner, logGroup, logStream
 *     (strings or null), subscriptionFilters (strings) and logEvents
 *     (objects of id: string or null, timestamp: a whole number of at
 *     most 18 digits or null, message: a string), each at most once;
 *   - the text after it is only spaces;
 * A PAYLOAD's strings get their NULs in the text, or in a copy of it when
 * the text is not ours to write (a mapped file).
 * Anything else is FAST_NO before anything is handed out or written, and
 * the yajl path decides as before: what it does with a record this path
 * takes is what this path does (the fuzz target's differential check
 * against json-glib covers both).
 */
#include "config.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "decoders/cwl_envelope_int.h"

#ifndef FL_CWL_NO_FAST

typedef struct {
    const char *p, *end;
} Cur;

typedef struct {
    const char *s;
    gsize len;
} Str;

/* Printable ASCII without a backslash, sixteen bytes a go with SSE2
 * (callgrind: a third of the eight-byte loop's instructions), else eight. */
static gboolean
plain_text(const guint8 *s, gsize len)
{
    const guint64 ones = 0x0101010101010101ULL, high = ones * 0x80;
    gsize i = 0;

#ifdef __SSE2__
    /* Signed bytes: those >= 0x80 are negative, so one "less than ' '"
     * finds them and the control bytes together. */
    const __m128i space = _mm_set1_epi8(' '), bslash = _mm_set1_epi8('\\');

    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                   _mm_cmpeq_epi8(v, bslash));

        if (_mm_movemask_epi8(bad) != 0)
            return FALSE;
    }
#endif
    for (; i + 8 <= len; i += 8) {
        guint64 w, bs;

        memcpy(&w, s + i, 8);
        bs = w ^ (ones * '\\');
        /* a byte >= 0x80, a byte < 0x20, a zero byte of w ^ '\\' */
        if ((w | ((w - ones * 0x20) & ~w) | ((bs - ones) & ~bs)) & high)
            return FALSE;
    }
    for (; i < len; i++)
        if (s[i] < 0x20 || s[i] >= 0x80 || s[i] == '\\')
            return FALSE;
    return TRUE;
}

static inline void
skip_ws(Cur *c)
{
    while (c->p < c->end && *c->p == ' ')
        c->p++;
}

static inline gboolean
eat(Cur *c, char ch)
{
    if (G_LIKELY(c->p < c->end && *c->p == ch)) {
        c->p++;                         /* compact JSON: no space first */
        return TRUE;
    }
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return TRUE;
    }
    return FALSE;
}

/* No escapes in the text: a string ends at the next quote. */
static inline gboolean
string(Cur *c, Str *out)
{
    const char *q;

    skip_ws(c);
    if (c->p >= c->end || *c->p != '"')
        return FALSE;
    q = memchr(c->p + 1, '"', (gsize)(c->end - c->p - 1));
    if (q == NULL)
        return FALSE;
    out->s = c->p + 1;
    out->len = (gsize)(q - out->s);
    c->p = q + 1;
    return TRUE;
}

static gboolean
null(Cur *c)
{
    skip_ws(c);
    if (c->end - c->p >= 4 && memcmp(c->p, "null", 4) == 0) {
        c->p += 4;
        return TRUE;
    }
    return FALSE;
}

/* A string, or null (out->s NULL). */
static gboolean
string_or_null(Cur *c, Str *out)
{
    out->s = NULL;
    out->len = 0;
    return null(c) || string(c, out);
}

static gboolean
key_is(const Str *k, const char *name)
{
    gsize n = strlen(name);

    return k->len == n && memcmp(k->s, name, n) == 0;
}

/* A JSON whole number of at most 18 digits, or null (0): what yajl's path
 * takes; a fraction or an exponent leaves a byte the caller refuses. */
static gboolean
timestamp(Cur *c, gint64 *v)
{
    gboolean neg;
    const char *d;

    *v = 0;
    if (null(c))
        return TRUE;
    neg = c->p < c->end && *c->p == '-';
    d = c->p + neg;
    c->p = d;
    while (c->p < c->end && g_ascii_isdigit(*c->p) && c->p - d <= 18)
        *v = *v * 10 + (*c->p++ - '0');
    if (c->p == d || c->p - d > 18 || (*d == '0' && c->p - d > 1))
        return FALSE;
    if (neg)
        *v = -*v;
    return TRUE;
}

/* One event of logEvents.  Its strings get their NULs once all is read. */
static gboolean
event(Cur *c, FlCwlEvent *e, Str *msg, Str *id)
{
    guint seen = 0;

    memset(e, 0, sizeof *e);
    id->s = msg->s = NULL;
    if (!eat(c, '{'))
        return FALSE;
    do {
        Str k;
        guint bit;

        if (!string(c, &k) || !eat(c, ':'))
            return FALSE;
        if (key_is(&k, "message"))
            bit = 1;
        else if (key_is(&k, "id"))
            bit = 2;
        else if (key_is(&k, "timestamp"))
            bit = 4;
        else
            return FALSE;
        if (seen & bit)
            return FALSE;
        seen |= bit;
        if ((bit == 1 && !string(c, msg)) ||
            (bit == 2 && !string_or_null(c, id)) ||
            (bit == 4 && !timestamp(c, &e->timestamp)))
            return FALSE;
    } while (eat(c, ','));
    return eat(c, '}') && (seen & 1);
}

typedef struct {
    Str type, owner, group, stream;
    GArray *strs;               /* Str of events: message, id, message.. */
} Payload;

/* Events scanned between two looks at the stop flag. */
#define STOP_EVERY 16384

static gboolean
events(Cur *c, Ctx *ctx, Payload *pl)
{
    if (!eat(c, '['))
        return FALSE;
    if (eat(c, ']'))
        return TRUE;
    do {
        FlCwlEvent e;
        Str two[2];

        if (!event(c, &e, &two[0], &two[1]))
            return FALSE;
        /* A stop ends the scan; cwl_scan_record() tells it from damage. */
        if ((ctx->events->len & (STOP_EVERY - 1)) == STOP_EVERY - 1
            && ctx->stop && g_atomic_int_get(ctx->stop))
            return FALSE;
        g_array_append_val(ctx->events, e);
        g_array_append_vals(pl->strs, two, 2);
    } while (eat(c, ','));
    return eat(c, ']');
}

static gboolean
string_list(Cur *c)
{
    Str s;

    if (!eat(c, '['))
        return FALSE;
    if (eat(c, ']'))
        return TRUE;
    do {
        if (!string(c, &s))
            return FALSE;
    } while (eat(c, ','));
    return eat(c, ']');
}

/* The members of a PAYLOAD, its opening brace read. */
static gboolean
payload_members(Cur *c, Ctx *ctx, Payload *pl)
{
    static const char *const names[] = { "messageType", "owner", "logGroup",
                                          "logStream", "subscriptionFilters",
                                          "logEvents" };
    Str *strs[] = { &pl->type, &pl->owner, &pl->group, &pl->stream };
    guint seen = 0;

    do {
        Str k;
        guint i;

        if (!string(c, &k) || !eat(c, ':'))
            return FALSE;
        for (i = 0; i < G_N_ELEMENTS(names) && !key_is(&k, names[i]); i++)
            ;
        if (i == G_N_ELEMENTS(names) || (seen & (1u << i)))
            return FALSE;
        seen |= 1u << i;
        if ((i < 4 && !string_or_null(c, strs[i])) ||
            (i == 4 && !string_list(c)) ||
            (i == 5 && !events(c, ctx, pl)))
            return FALSE;
    } while (eat(c, ','));
    return eat(c, '}') && (seen & (1u << 5));
}

static const char *
ended(Str *s)
{
    if (s->s == NULL)
        return NULL;
    ((char *)s->s)[s->len] = '\0';      /* the closing quote */
    return s->s;
}

/* A PAYLOAD read whole: the strings end in place, then out it goes. */
static Res
payload_out(Ctx *ctx, Payload *pl, const Where *w, GError **err)
{
    Str *s = (Str *)(void *)pl->strs->data;

    if (pl->type.s != NULL && pl->type.len == 15
        && memcmp(pl->type.s, "CONTROL_MESSAGE", 15) == 0) {
        ctx->n->control++;
        return RES_OK;
    }
    for (guint i = 0; i < ctx->events->len; i++) {
        FlCwlEvent *e = &g_array_index(ctx->events, FlCwlEvent, i);

        /* No line breaks or NULs in plain text: no cut to count. */
        e->message_len = s[2 * i].len;
        e->message = ended(&s[2 * i]);
        e->id = ended(&s[2 * i + 1]);
    }
    return cwl_payload_out(ctx, ended(&pl->owner), ended(&pl->group),
                           ended(&pl->stream), w, ctx->n->cut, err);
}

int
cwl_scan_record(Ctx *ctx, const guint8 *s, gsize len, const Where *w,
                gboolean top, gboolean ours, GError **err)
{
    Cur c = { (const char *)s, (const char *)s + len };
    Cur at;
    Payload pl;
    Str k, data;
    int r = FAST_NO;

    if (!plain_text(s, len) || !eat(&c, '{'))
        return FAST_NO;
    at = c;
    if (top && string(&at, &k) && key_is(&k, "awslogs")) {
        /* {"awslogs":{"data":"..."}}: base64 needs no NUL. */
        if (eat(&at, ':') && eat(&at, '{') && string(&at, &k)
            && key_is(&k, "data") && eat(&at, ':') && string(&at, &data)
            && eat(&at, '}') && eat(&at, '}') && (skip_ws(&at), 1)
            && at.p == at.end) {
            r = cwl_base64_data(ctx, data.s, data.len, NULL, err);
            if (r == RES_BAD)
                g_prefix_error(err, "awslogs.data: ");
        }
        return r;
    }
    if (!ours) {
        /* A mapped file is read-only: its strings end in a copy. */
        ctx->peak[0] = MAX(ctx->peak[0], len + 1);
        if (ctx->arena_alloc < len + 1) {
            g_free(ctx->arena);
            ctx->arena_alloc = cwl_headroom(len + 1);
            ctx->arena = g_malloc(ctx->arena_alloc);
        }
        memcpy(ctx->arena, s, len);
        c.p = ctx->arena + (c.p - (const char *)s);
        c.end = ctx->arena + len;
    }
    memset(&pl, 0, sizeof pl);
    pl.strs = g_array_new(FALSE, FALSE, sizeof(Str));
    g_array_set_size(ctx->events, 0);
    if (payload_members(&c, ctx, &pl) && (skip_ws(&c), c.p == c.end)
        && (pl.type.s == NULL || (pl.type.len == 12
                                  && memcmp(pl.type.s, "DATA_MESSAGE", 12) == 0)
            || (pl.type.len == 15
                && memcmp(pl.type.s, "CONTROL_MESSAGE", 15) == 0)))
        r = payload_out(ctx, &pl, w, err);
    else if (cwl_stopped(ctx, err))
        r = RES_STOP;           /* not FAST_NO: no slower path after it */
    g_array_unref(pl.strs);
    return r;
}

#endif /* FL_CWL_NO_FAST */
