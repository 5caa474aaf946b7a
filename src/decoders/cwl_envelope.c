/*
 * cwl_envelope.c - flow-log lines out of the envelopes of CloudWatch Logs,
 * Kinesis and Firehose (see cwl_envelope.h).
 *
 * Layers, outside in: the top-level document (one JSON object, JSON
 * objects back to back, or gzip members back to back); in an envelope, a
 * list of records whose data is base64; in the data, gzip; in the gzip, a
 * PAYLOAD or a direct-delivery {"message"} record.  Whatever breaks the
 * top-level document fails the call; whatever breaks one record of a list
 * (an element, a member, an object of a concatenation) skips that record.
 *
 * json-glib parses every JSON text, after fl_json_value_end() has found
 * where the value ends and bounded its nesting.  Two parsers are reused:
 * the outer one keeps the top-level tree alive while the inner one parses
 * the records in it.  Events point into the parsers' strings, except the
 * messages of direct records: each comes in a document of its own, so
 * they are copied into one buffer and a run of them goes out as one
 * payload.  Inflated data goes into one buffer reused for every member,
 * and, with an FlCwlDecoder, for every call (decoder_trim() bounds it).
 */
#include "config.h"

#include <string.h>

#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#define ZLIB_CONST                      /* next_in is const in zlib.h */
#include <zlib.h>
#endif
#include <yajl/yajl_parse.h>

#include "error.h"
#include "json_bounds.h"
#include "decoders/cwl_envelope.h"

typedef enum {
    RES_OK,
    RES_BAD,          /* this record is bad; *err says why */
    RES_STOP          /* the payload callback failed; *err is its error */
} Res;

/* Where a record is; formatted only when a message or a payload needs it. */
typedef struct {
    const char *list;       /* NULL: the top-level document itself */
    gboolean ordinal;       /* "member 2" (counted from 1), not "x[1]" */
    guint index;
    const char *id;         /* a Firehose recordId, or NULL */
} Where;

#define WHERE_MAX 128

typedef struct {
    gsize off;              /* into run_text */
    gsize len;
} RunMsg;

typedef struct {
    FlCwlPayloadFunc on_payload;
    FlCwlBadFunc on_bad;
    gpointer data;
    FlCwlCounts *n;
    JsonParser *outer;      /* the top-level document */
    JsonParser *inner;      /* the record being decoded */
    GArray *events;         /* FlCwlEvent, reused for every payload */
    GArray *events_spare;   /* for a run flushed while events is full */
    GArray *nuls;           /* char *: where the fast path ends strings */
    char *arena;            /* the fast path's strings */
    gsize arena_alloc;
    guint8 *raw;            /* decoded base64 */
    gsize raw_alloc;
    guint8 *plain;          /* one inflated member */
    gsize plain_alloc;
#ifdef HAVE_ISAL
    struct inflate_state *isal;
#else
    z_stream zs;
    gboolean zs_ready;
#endif
    gsize peak[3];          /* the largest arena, raw, plain asked for */
    guint idle[4];          /* calls in a row that needed far less */
    guint events_peak;      /* the most events of a payload in this call */
    guint events_hw;        /* the same since the arrays were made */
    GString *run_text;      /* direct messages, each followed by a NUL */
    GArray *run;            /* RunMsg */
    char run_where[WHERE_MAX];
    gboolean run_where_set;
} Ctx;

/*
 * The size to allocate for n bytes of a buffer kept from call to call: an
 * eighth more, so that the next envelope, a little larger, fits without a
 * new allocation (whose pages the kernel must fault in again).
 */
static gsize
headroom(gsize n)
{
    return MAX(n + n / 8, 4096);
}

/* JSON's whitespace (RFC 8259). */
static gsize
skip_space(const guint8 *s, gsize len, gsize i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                       s[i] == '\r'))
        i++;
    return i;
}

static gboolean
is_gzip(const guint8 *s, gsize len)
{
    return len >= 2 && s[0] == 0x1f && s[1] == 0x8b;
}

static Res
bad(GError **err, FlError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static Res
bad(GError **err, FlError code, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, FL_ERROR, code, msg);
    g_free(msg);
    return RES_BAD;
}

static const char *
where_format(const Where *w, char *buf, gsize size)
{
    g_autofree char *cut = NULL, *esc = NULL;

    if (w == NULL || w->list == NULL)
        return NULL;
    if (w->ordinal) {
        g_snprintf(buf, size, "%s %u", w->list, w->index + 1);
    } else if (w->id != NULL) {
        /* recordId comes from the input: short and printable. */
        cut = g_strndup(w->id, 40);
        esc = g_strescape(cut, NULL);
        g_snprintf(buf, size, "%s[%u] (recordId %s)", w->list, w->index, esc);
    } else {
        g_snprintf(buf, size, "%s[%u]", w->list, w->index);
    }
    return buf;
}

/* A record that is bad on its own: counted, reported, passed over. */
static void
report_bad(Ctx *c, const Where *w, GError *e)
{
    char buf[WHERE_MAX];

    c->n->bad++;
    if (c->on_bad != NULL)
        c->on_bad(where_format(w, buf, sizeof buf), e->message, c->data);
    g_error_free(e);
}

/* ---- members ---------------------------------------------------------- */

static JsonNode *
member(JsonObject *o, const char *name)
{
    return o != NULL ? json_object_get_member(o, name) : NULL;
}

static gboolean
holds_string(JsonNode *n)
{
    return n != NULL && JSON_NODE_HOLDS_VALUE(n) &&
           json_node_get_value_type(n) == G_TYPE_STRING;
}

static const char *
get_string(JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);

    return holds_string(n) ? json_node_get_string(n) : NULL;
}

static JsonObject *
get_object(JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);

    return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n)
                                                   : NULL;
}

/* An optional string: absent or null is NULL; any other type is FALSE. */
static gboolean
opt_string(JsonObject *o, const char *name, const char **out)
{
    JsonNode *n = member(o, name);

    *out = NULL;
    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!holds_string(n))
        return FALSE;
    *out = json_node_get_string(n);
    return TRUE;
}

/* An optional whole number: absent or null is 0; any other type FALSE. */
static gboolean
opt_int(JsonObject *o, const char *name, gint64 *out)
{
    JsonNode *n = member(o, name);

    *out = 0;
    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return FALSE;
    *out = json_node_get_int(n);
    return TRUE;
}

/*
 * The length of message m up to its first line break.  A flow-log line
 * has none; text after one is dropped and counted rather than handed out
 * as a line of its own, so that one event is never two records.  Breaks
 * at the very end (a transform Lambda's "\n") are dropped silently.
 */
static gsize
line_length(Ctx *c, const char *m)
{
    gsize n = strcspn(m, "\r\n");

    if (m[n] != '\0' && m[n + strspn(m + n, "\r\n")] != '\0')
        c->n->cut++;
    return n;
}

/* ---- payloads ----------------------------------------------------------- */

static Res
emit(Ctx *c, const FlCwlPayload *p, GError **err)
{
    c->n->payloads++;
    c->n->events += p->n_events;
    c->events_peak = MAX(c->events_peak, p->n_events);
    c->events_hw = MAX(c->events_hw, p->n_events);
    if (c->on_payload(p, c->data, err))
        return RES_OK;
    if (err != NULL && *err == NULL)    /* keep GError's rule for callers */
        g_set_error_literal(err, FL_ERROR, FL_ERROR_EXPORT,
                            "stopped by the payload callback");
    return RES_STOP;
}

/* Hands out the open run of direct records, if any. */
static Res
run_flush(Ctx *c, GError **err)
{
    FlCwlPayload p = { 0 };
    Res r;

    if (c->run->len == 0)
        return RES_OK;
    g_array_set_size(c->events, c->run->len);
    for (guint i = 0; i < c->run->len; i++) {
        const RunMsg *m = &g_array_index(c->run, RunMsg, i);
        FlCwlEvent *e = &g_array_index(c->events, FlCwlEvent, i);

        e->id = NULL;
        e->timestamp = 0;
        e->message = c->run_text->str + m->off;
        e->message_len = m->len;
    }
    p.where = c->run_where_set ? c->run_where : NULL;
    p.events = (const FlCwlEvent *)(void *)c->events->data;
    p.n_events = c->run->len;
    r = emit(c, &p, err);
    /* Only now: truncating writes a NUL over the first message. */
    g_array_set_size(c->run, 0);
    g_string_truncate(c->run_text, 0);
    c->run_where_set = FALSE;
    return r;
}

/* The message of a direct-delivery record joins the open run. */
static Res
direct_message(Ctx *c, const char *m, const Where *w, GError **err)
{
    RunMsg rm;

    if (c->run->len == 0)
        c->run_where_set = where_format(w, c->run_where, WHERE_MAX) != NULL;
    rm.off = c->run_text->len;
    rm.len = line_length(c, m);
    g_string_append_len(c->run_text, m, (gssize)rm.len);
    g_string_append_c(c->run_text, '\0');       /* decode.h's sentinel */
    g_array_append_val(c->run, rm);
    return c->run->len < FL_CWL_MAX_RUN ? RES_OK : run_flush(c, err);
}

/* A direct-delivery record {"message":"LINE"} joins the open run. */
static Res
direct(Ctx *c, JsonObject *o, const Where *w, GError **err)
{
    const char *m = get_string(o, "message");

    if (m == NULL)
        return bad(err, FL_ERROR_CORRUPT, "message is not a string");
    return direct_message(c, m, w, err);
}

static Res
event(Ctx *c, JsonNode *node, guint i, FlCwlEvent *e, GError **err)
{
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node)
                                                 : NULL;

    if (o == NULL)
        return bad(err, FL_ERROR_CORRUPT, "logEvents[%u] is not an object", i);
    if ((e->message = get_string(o, "message")) == NULL)
        return bad(err, FL_ERROR_CORRUPT,
                   "logEvents[%u]: message is not a string", i);
    if (!opt_string(o, "id", &e->id))
        return bad(err, FL_ERROR_CORRUPT, "logEvents[%u]: id is not a string",
                   i);
    if (!opt_int(o, "timestamp", &e->timestamp))
        return bad(err, FL_ERROR_CORRUPT,
                   "logEvents[%u]: timestamp is not a whole number", i);
    e->message_len = line_length(c, e->message);
    return RES_OK;
}

/*
 * A PAYLOAD.  One event of the wrong shape makes the whole payload bad:
 * CloudWatch Logs never writes one, so the payload is not trusted.
 */
static Res
payload(Ctx *c, JsonObject *o, const Where *w, GError **err)
{
    FlCwlPayload p = { 0 };
    const char *type;
    JsonNode *evs = member(o, "logEvents");
    JsonArray *a;
    char buf[WHERE_MAX];
    guint n, cut = c->n->cut;
    Res r;

    if (!opt_string(o, "messageType", &type))
        return bad(err, FL_ERROR_CORRUPT, "messageType is not a string");
    if (g_strcmp0(type, "CONTROL_MESSAGE") == 0) {
        c->n->control++;
        return RES_OK;
    }
    if (type != NULL && strcmp(type, "DATA_MESSAGE") != 0)
        return bad(err, FL_ERROR_CORRUPT, "messageType is neither "
                   "DATA_MESSAGE nor CONTROL_MESSAGE");
    if (!opt_string(o, "owner", &p.owner) ||
        !opt_string(o, "logGroup", &p.log_group) ||
        !opt_string(o, "logStream", &p.log_stream))
        return bad(err, FL_ERROR_CORRUPT,
                   "owner, logGroup or logStream is not a string");
    if (evs == NULL || !JSON_NODE_HOLDS_ARRAY(evs))
        return bad(err, FL_ERROR_CORRUPT, "logEvents is not an array");
    /* The open run goes first: in input order, and events is shared. */
    if ((r = run_flush(c, err)) != RES_OK)
        return r;
    a = json_node_get_array(evs);
    n = json_array_get_length(a);
    g_array_set_size(c->events, n);
    for (guint i = 0; i < n; i++) {
        if (event(c, json_array_get_element(a, i), i,
                  &g_array_index(c->events, FlCwlEvent, i), err) != RES_OK) {
            c->n->cut = cut;            /* nothing of it was handed out */
            return RES_BAD;
        }
    }
    p.where = where_format(w, buf, sizeof buf);
    p.events = (const FlCwlEvent *)(void *)c->events->data;
    p.n_events = n;
    return emit(c, &p, err);
}

/* A record's JSON: a PAYLOAD or a direct {"message"} record. */
static Res
record_object(Ctx *c, JsonNode *root, const Where *w, GError **err)
{
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root)
                                                 : NULL;
    g_autofree char *what = NULL;

    if (o != NULL && (json_object_has_member(o, "messageType") ||
                      json_object_has_member(o, "logEvents")))
        return payload(c, o, w, err);
    if (o != NULL && json_object_has_member(o, "message"))
        return direct(c, o, w, err);
    what = fl_json_describe(root);
    return bad(err, FL_ERROR_CORRUPT, "neither a CloudWatch Logs payload nor "
               "a {\"message\"} record: found %s", what);
}

/* ---- JSON --------------------------------------------------------------- */

/*
 * Finds the JSON object or array that starts at the first non-space byte
 * at or after *pos: on RES_OK it is [*pos, *end).
 */
static Res
cut_value(const guint8 *s, gsize len, gsize *pos, gsize *end, GError **err)
{
    gsize start = skip_space(s, len, *pos), n;
    guint deepest;

    n = fl_json_value_end((const char *)s + start, len - start,
                          FL_CWL_MAX_DEPTH, &deepest);
    if (n > 0) {
        *pos = start;
        *end = start + n;
        return RES_OK;
    }
    if (deepest > FL_CWL_MAX_DEPTH)
        return bad(err, FL_ERROR_LIMIT, "JSON nested more than %u deep",
                   FL_CWL_MAX_DEPTH);
    if (start < len && (s[start] == '{' || s[start] == '['))
        return bad(err, FL_ERROR_CORRUPT, "JSON cut short");
    return bad(err, FL_ERROR_CORRUPT, "not a JSON object");
}

/* JSON parsers are made when the json-glib path needs one. */
static JsonParser *
parser(JsonParser **p)
{
    /* Not json_parser_new_immutable(): sealing every node made json-glib
     * 1.6 two to three times slower, and nothing here changes a tree. */
    if (*p == NULL)
        *p = json_parser_new();
    return *p;
}

/* Parses the len bytes at s, one JSON value with its nesting bounded. */
static Res
load(JsonParser *parser, const guint8 *s, gsize len, JsonNode **root,
     GError **err)
{
    GError *jerr = NULL;

    if (!json_parser_load_from_data(parser, (const char *)s, (gssize)len,
                                    &jerr)) {
        bad(err, FL_ERROR_CORRUPT, "not JSON: %s", jerr->message);
        g_error_free(jerr);
        return RES_BAD;
    }
    if ((*root = json_parser_get_root(parser)) == NULL)
        return bad(err, FL_ERROR_CORRUPT, "not JSON: empty");
    return RES_OK;
}

/* ---- the streaming fast path -------------------------------------------- */

static Res base64_data(Ctx *c, const char *b64, gsize len, const Where *w,
                       GError **err);

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

typedef enum { FAST_NO = RES_STOP + 1 } FastRes;

/* The record is taken: the strings in the text get their NULs.  Not
 * before: json-glib must find the text intact when it is not. */
static void
fast_take(Ctx *c)
{
    for (guint i = 0; i < c->nuls->len; i++)
        *g_array_index(c->nuls, char *, i) = '\0';
}

/* A record's JSON object through the fast path: a Res, or FAST_NO. */
static int
fast_record(Ctx *c, const guint8 *s, gsize len, const Where *w,
            gboolean top, gboolean ours, GError **err)
{
    Fast f = { 0 };
    yajl_handle h;
    yajl_status st;
    FlCwlPayload p = { 0 };
    char buf[WHERE_MAX];
    guint64 cut = c->n->cut;
    Res r;

    if (!fast_text_ok(s, len))
        return FAST_NO;
    c->peak[0] = MAX(c->peak[0], len + 1);
    if (c->arena_alloc < len + 1) {
        g_free(c->arena);
        c->arena_alloc = headroom(len + 1);
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
    if (st != yajl_status_ok)
        return FAST_NO;

    if (f.seen & (1u << R_AWSLOGS)) {
        if (f.data == NULL)
            return FAST_NO;
        r = base64_data(c, f.data, f.data_len, NULL, err);
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

            e->message_len = line_length(c, e->message);
        }
        /* The open run goes first; it uses events, so they are kept. */
        if (c->run->len > 0) {
            GArray *mine = c->events;
            GError *local = NULL;

            c->events = c->events_spare;
            r = run_flush(c, &local);
            c->events_spare = c->events;
            c->events = mine;
            if (r != RES_OK) {
                c->n->cut = cut;
                g_propagate_error(err, local);
                return r;
            }
        }
        p.owner = f.str[R_OWNER];
        p.log_group = f.str[R_GROUP];
        p.log_stream = f.str[R_STREAM];
        p.where = where_format(w, buf, sizeof buf);
        p.events = (const FlCwlEvent *)(void *)c->events->data;
        p.n_events = c->events->len;
        return emit(c, &p, err);
    }
    if (f.str[R_MESSAGE] == NULL)
        return FAST_NO;
    fast_take(c);
    return direct_message(c, f.str[R_MESSAGE], w, err);
}

#endif /* FL_CWL_NO_FAST */

/* A record's data after base64 and gzip: one JSON object. */
static Res
record_text(Ctx *c, const guint8 *s, gsize len, const Where *w, GError **err)
{
    gsize start = 0, end;
    JsonNode *root;
    Res r;
#ifndef FL_CWL_NO_FAST
    int fr;
#endif

#ifndef FL_CWL_NO_FAST
    /* yajl finds the end of the value itself, and bounds the nesting. */
    if ((fr = fast_record(c, s, len, w, FALSE,
                          s == c->plain || s == c->raw, err)) != FAST_NO)
        return (Res)fr;
#endif
    if ((r = cut_value(s, len, &start, &end, err)) != RES_OK)
        return r;
    if (skip_space(s, len, end) != len)
        return bad(err, FL_ERROR_CORRUPT, "data after the JSON object");
    if ((r = load(parser(&c->inner), s + start, end - start, &root,
                  err)) != RES_OK)
        return r;
    return record_object(c, root, w, err);
}

/* ---- gzip --------------------------------------------------------------- */

/* Makes room for at least one more byte of output, up to cap + 1. */
static void
plain_grow(Ctx *c, gsize cap)
{
    gsize want = MIN(MAX(c->plain_alloc * 2, 64 * 1024), cap + 1);

    c->plain = g_realloc(c->plain, want);
    c->plain_alloc = want;
}

/*
 * The words of gzip errors are ours, the same with either library: the
 * kind of damage, not the library's detail.
 */
static Res
gzip_corrupt(GError **err, const char *what)
{
    return bad(err, FL_ERROR_CORRUPT, "corrupt gzip data: %s", what);
}

#define GZ_HEADER   "invalid gzip header"
#define GZ_METHOD   "unknown compression method"
#define GZ_DEFLATE  "invalid deflate data"
#define GZ_CHECK    "incorrect data or length check"
#define GZ_TRUNC    "unexpected end of gzip data (truncated?)"

#ifdef HAVE_ISAL
static const char *
isal_words(int rc)
{
    switch (rc) {
    case ISAL_INVALID_WRAPPER:
        return GZ_HEADER;
    case ISAL_UNSUPPORTED_METHOD:
        return GZ_METHOD;
    case ISAL_INCORRECT_CHECKSUM:
        return GZ_CHECK;
    default:
        return GZ_DEFLATE;
    }
}

/* ISA-L (two to three times faster than zlib): see inflate_member(). */
static Res
inflate_run(Ctx *c, const guint8 *in, gsize len, gsize cap, gsize *used,
            gsize *out_len, GError **err)
{
    struct inflate_state *st;
    gsize out = 0;
    int rc;

    if (c->isal == NULL) {
        c->isal = g_new0(struct inflate_state, 1);
        isal_inflate_init(c->isal);
    } else {
        isal_inflate_reset(c->isal);    /* clears crc_flag too */
    }
    st = c->isal;
    st->crc_flag = ISAL_GZIP;           /* the wrapper, and check the CRC */
    /* ISA-L's next_in is not const, but it never writes through it. */
    st->next_in = (guint8 *)in;
    st->avail_in = (guint32)len;
    for (;;) {
        guint32 in_before = st->avail_in;
        gsize out_before = out;

        if (out == c->plain_alloc) {
            if (out > cap)
                break;
            plain_grow(c, cap);
        }
        st->next_out = c->plain + out;
        st->avail_out = (guint32)(c->plain_alloc - out);
        rc = isal_inflate(st);
        out = c->plain_alloc - st->avail_out;
        if (rc < 0 || rc == ISAL_NEED_DICT)
            return gzip_corrupt(err, isal_words(rc));
        if (st->block_state == ISAL_BLOCK_FINISH || out > cap)
            break;
        /* Room for output left and nothing moved: the input is spent. */
        if (st->avail_out > 0 && st->avail_in == in_before &&
            out == out_before)
            return bad(err, FL_ERROR_CORRUPT, GZ_TRUNC);
    }
    *used = len - st->avail_in;
    *out_len = out;
    return RES_OK;
}
#else
static const char *
zlib_words(Ctx *c, int rc)
{
    const char *m = c->zs.msg;

    if (rc == Z_DATA_ERROR && m != NULL) {
        if (strcmp(m, "unknown compression method") == 0)
            return GZ_METHOD;
        if (strstr(m, "header") != NULL)
            return GZ_HEADER;
        if (strcmp(m, "incorrect data check") == 0 ||
            strcmp(m, "incorrect length check") == 0)
            return GZ_CHECK;
    }
    return GZ_DEFLATE;
}

/* zlib, when ISA-L is absent: see inflate_member(). */
static Res
inflate_run(Ctx *c, const guint8 *in, gsize len, gsize cap, gsize *used,
            gsize *out_len, GError **err)
{
    gsize out = 0;
    int rc;

    if (!c->zs_ready) {
        /* 16 + MAX_WBITS: the gzip wrapper only, as in inflate.c. */
        if ((rc = inflateInit2(&c->zs, 16 + MAX_WBITS)) != Z_OK)
            return bad(err, FL_ERROR_LIMIT, "out of memory while inflating");
        c->zs_ready = TRUE;
    } else {
        (void)inflateReset(&c->zs);     /* fails only if never set up */
    }
    c->zs.next_in = in;
    c->zs.avail_in = (uInt)len;
    do {
        if (out == c->plain_alloc) {
            if (out > cap)
                break;
            plain_grow(c, cap);
        }
        c->zs.next_out = c->plain + out;
        c->zs.avail_out = (uInt)(c->plain_alloc - out);
        rc = inflate(&c->zs, Z_NO_FLUSH);
        out = c->plain_alloc - c->zs.avail_out;
        /* There was room for output, so no progress means no input. */
        if (rc == Z_BUF_ERROR)
            return bad(err, FL_ERROR_CORRUPT, GZ_TRUNC);
        if (rc == Z_MEM_ERROR)
            return bad(err, FL_ERROR_LIMIT, "out of memory while inflating");
        if (rc != Z_OK && rc != Z_STREAM_END)
            return gzip_corrupt(err, zlib_words(c, rc));
    } while (rc != Z_STREAM_END && out <= cap);
    *used = len - c->zs.avail_in;
    *out_len = out;
    return RES_OK;
}
#endif

/*
 * Inflates the gzip member at the start of the len bytes at in into
 * c->plain; *used gets its compressed length, *out_len the inflated one.
 * The output is bounded by FL_CWL_MAX_PAYLOAD and, while the member's end
 * is unknown, by FL_CWL_MAX_RATIO times all the input left, then checked
 * against FL_CWL_MAX_RATIO times the member itself.  When the input ends
 * with a plausible size in a gzip trailer (a lone member: a record's
 * data), the buffer is sized for it at once.
 */
static Res
inflate_member(Ctx *c, const guint8 *in, gsize len, gsize *used,
               gsize *out_len, GError **err)
{
    guint64 cap = MIN((guint64)FL_CWL_MAX_PAYLOAD,
                      (guint64)FL_CWL_MAX_RATIO * len);
    gsize want = 0;
    Res r;

    G_STATIC_ASSERT(FL_CWL_MAX_INPUT < G_MAXUINT32 && FL_CWL_MAX_PAYLOAD <
                    G_MAXUINT32);
    if (len >= 18) {
        guint32 isize;

        memcpy(&isize, in + len - 4, 4);
        isize = GUINT32_FROM_LE(isize);
        /* Trusted only as far as a real compression ratio goes. */
        if (isize < cap && isize <= 64 * (guint64)len)
            want = (gsize)isize + 1;
    }
    c->peak[2] = MAX(c->peak[2], want);
    if (c->plain_alloc < want) {
        g_free(c->plain);               /* nothing in it to keep */
        c->plain_alloc = MIN(headroom(want), (gsize)cap + 1);
        c->plain = g_malloc(c->plain_alloc);
    }
    r = inflate_run(c, in, len, (gsize)cap, used, out_len, err);
    if (r != RES_OK)
        return r;
    c->peak[2] = MAX(c->peak[2], *out_len + 1);
    if (*out_len > (guint64)FL_CWL_MAX_RATIO * *used)
        return bad(err, FL_ERROR_LIMIT, "gzip data expands more than %u "
                   "times (zip bomb?)", FL_CWL_MAX_RATIO);
    if (*out_len > FL_CWL_MAX_PAYLOAD)
        return bad(err, FL_ERROR_LIMIT, "a payload inflates to more than "
                   "%u bytes", FL_CWL_MAX_PAYLOAD);
    return RES_OK;
}

/* ---- records ------------------------------------------------------------ */

/* Decoded data: gzip of a record's JSON, or that JSON itself. */
static Res
record_data(Ctx *c, const guint8 *s, gsize len, const Where *w, GError **err)
{
    gsize used, n;
    Res r;

    if (!is_gzip(s, len))
        return record_text(c, s, len, w, err);
    if ((r = inflate_member(c, s, len, &used, &n, err)) != RES_OK)
        return r;
    if (used != len)
        return bad(err, FL_ERROR_CORRUPT, "data after the gzip member");
    return record_text(c, c->plain, n, w, err);
}

static gboolean
is_base64(const char *s, gsize len)
{
    gsize pad = len > 0 && s[len - 1] == '=' ? len > 1 && s[len - 2] == '='
                                               ? 2 : 1 : 0;

    for (gsize i = 0; i < len - pad; i++) {
        char ch = s[i];

        if (!g_ascii_isalnum(ch) && ch != '+' && ch != '/')
            return FALSE;
    }
    return TRUE;
}

/*
 * A record's base64 data.  GLib's decoder passes over bytes outside the
 * alphabet, so the text is checked first; its length bounds the decoded
 * size before anything is allocated.
 */
static Res
base64_data(Ctx *c, const char *b64, gsize len, const Where *w, GError **err)
{
    gsize n;
    gint state = 0;
    guint save = 0;

    if (len == 0)
        return bad(err, FL_ERROR_CORRUPT, "data is empty");
    if (len / 4 * 3 > (gsize)FL_CWL_MAX_PAYLOAD + 2)
        return bad(err, FL_ERROR_LIMIT, "data decodes to more than %u bytes",
                   FL_CWL_MAX_PAYLOAD);
    if (len % 4 != 0 || !is_base64(b64, len))
        return bad(err, FL_ERROR_CORRUPT, "data is not base64");
    c->peak[1] = MAX(c->peak[1], len / 4 * 3 + 3);
    if (c->raw_alloc < len / 4 * 3 + 3) {      /* as GLib asks */
        g_free(c->raw);
        c->raw_alloc = headroom(len / 4 * 3 + 3);
        c->raw = g_malloc(c->raw_alloc);
    }
    n = g_base64_decode_step(b64, len, c->raw, &state, &save);
    if (n > FL_CWL_MAX_PAYLOAD)
        return bad(err, FL_ERROR_LIMIT, "data decodes to more than %u bytes",
                   FL_CWL_MAX_PAYLOAD);
    return record_data(c, c->raw, n, w, err);
}

/* Kinesis through Lambda has kinesis.data; GetRecords' answer has Data. */
static const char *
kinesis_data(JsonObject *rec)
{
    const char *d = get_string(get_object(rec, "kinesis"), "data");

    return d != NULL ? d : get_string(rec, "Data");
}

/* Records (Kinesis) or records (Firehose): each is good or bad alone. */
static gboolean
record_list(Ctx *c, JsonArray *a, const char *name, GError **err)
{
    gboolean kinesis = strcmp(name, "Records") == 0;
    guint n = json_array_get_length(a);

    for (guint i = 0; i < n; i++) {
        JsonNode *node = json_array_get_element(a, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(node)
                        ? json_node_get_object(node) : NULL;
        Where w = { name, FALSE, i, NULL };
        const char *data = NULL;
        GError *local = NULL;
        Res r;

        if (o != NULL) {
            w.id = kinesis ? NULL : get_string(o, "recordId");
            data = kinesis ? kinesis_data(o) : get_string(o, "data");
        }
        if (o == NULL)
            r = bad(&local, FL_ERROR_CORRUPT, "not an object");
        else if (data == NULL)
            r = bad(&local, FL_ERROR_CORRUPT, kinesis ? "no kinesis.data "
                    "or Data string" : "no data string");
        else
            r = base64_data(c, data, strlen(data), &w, &local);
        if (r == RES_STOP) {
            g_propagate_error(err, local);
            return FALSE;
        }
        if (r == RES_BAD)
            report_bad(c, &w, local);
    }
    return TRUE;
}

/* ---- the top level ------------------------------------------------------ */

/* Turns a Res of the top-level document into the call's result. */
static gboolean
top(Res r, GError **err, const char *prefix)
{
    if (r == RES_BAD && prefix != NULL)
        g_prefix_error(err, "%s", prefix);
    return r == RES_OK;
}

/* One JSON document: an envelope, a PAYLOAD or a direct record. */
static gboolean
document(Ctx *c, JsonNode *root, GError **err)
{
    JsonObject *o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root)
                                                 : NULL;
    JsonNode *list;
    const char *data;
    g_autofree char *what = NULL;

    if (o != NULL && json_object_has_member(o, "awslogs")) {
        if ((data = get_string(get_object(o, "awslogs"), "data")) == NULL) {
            g_set_error_literal(err, FL_ERROR, FL_ERROR_CORRUPT,
                                "awslogs has no data string");
            return FALSE;
        }
        return top(base64_data(c, data, strlen(data), NULL, err), err,
                   "awslogs.data: ");
    }
    if ((list = member(o, "Records")) != NULL && JSON_NODE_HOLDS_ARRAY(list))
        return record_list(c, json_node_get_array(list), "Records", err);
    if ((list = member(o, "records")) != NULL && JSON_NODE_HOLDS_ARRAY(list))
        return record_list(c, json_node_get_array(list), "records", err);
    if (o != NULL && (json_object_has_member(o, "messageType") ||
                      json_object_has_member(o, "logEvents") ||
                      json_object_has_member(o, "message")))
        return top(record_object(c, root, NULL, err), err, NULL);
    what = fl_json_describe(root);
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "not a CloudWatch Logs, "
                "Kinesis or Firehose envelope: found %s", what);
    return FALSE;
}

/*
 * JSON objects one after the other (Firehose to S3): each is a record of
 * its own, unless there is only one.  An object json-glib refuses is bad
 * alone, as the scan has found where the next one starts; a break in the
 * scan (a cut, or bytes that start no object) ends the call.
 */
static gboolean
objects(Ctx *c, const guint8 *s, gsize len, GError **err)
{
    gsize pos = 0, end;
    JsonNode *root;
    Res r;

#ifndef FL_CWL_NO_FAST
    /* A lone object (a subscription event: megabytes of base64) needs no
     * bracket scan when yajl takes it: yajl refuses a second value. */
    if ((r = (Res)fast_record(c, s, len, NULL, TRUE, FALSE, err))
        != (Res)FAST_NO)
        return r == RES_OK;
#endif
    if (!top(cut_value(s, len, &pos, &end, err), err, NULL))
        return FALSE;
    if (skip_space(s, len, end) == len) {
        if (!top(load(parser(&c->outer), s + pos, end - pos, &root, err),
                 err, NULL))
            return FALSE;
        return document(c, root, err);
    }
    for (guint i = 0; pos < len; i++) {
        Where w = { "object", TRUE, i, NULL };
        GError *local = NULL;

        if (i > 0 && (r = cut_value(s, len, &pos, &end, err)) != RES_OK) {
            g_prefix_error(err, "object %u: ", i + 1);
            return FALSE;
        }
#ifndef FL_CWL_NO_FAST
        r = (Res)fast_record(c, s + pos, end - pos, &w, FALSE, FALSE,
                                &local);
        if (r == (Res)FAST_NO)
#endif
        {
            r = load(parser(&c->inner), s + pos, end - pos, &root, &local);
            if (r == RES_OK)
                r = record_object(c, root, &w, &local);
        }
        if (r == RES_STOP) {
            g_propagate_error(err, local);
            return FALSE;
        }
        if (r == RES_BAD)
            report_bad(c, &w, local);
        pos = skip_space(s, len, end);
    }
    return TRUE;
}

/*
 * gzip members one after the other (Firehose to S3, or one bare PAYLOAD):
 * each is a record of its own, unless there is only one.  Damaged gzip
 * ends the call, as the next member cannot be found.
 */
static gboolean
members(Ctx *c, const guint8 *s, gsize len, GError **err)
{
    gsize pos = 0, used, n;
    Res r;

    for (guint i = 0; pos < len; i++) {
        Where w = { "member", TRUE, i, NULL };
        GError *local = NULL;

        if (!is_gzip(s + pos, len - pos)) {
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "member %u: trailing garbage after gzip data", i + 1);
            return FALSE;
        }
        if ((r = inflate_member(c, s + pos, len - pos, &used, &n, err))
            != RES_OK) {
            g_prefix_error(err, "member %u: ", i + 1);
            return FALSE;
        }
        pos += used;
        if (i == 0 && pos == len)       /* a single PAYLOAD */
            return top(record_text(c, c->plain, n, NULL, err), err, NULL);
        r = record_text(c, c->plain, n, &w, &local);
        if (r == RES_STOP) {
            g_propagate_error(err, local);
            return FALSE;
        }
        if (r == RES_BAD)
            report_bad(c, &w, local);
    }
    return TRUE;
}

struct FlCwlDecoder {
    Ctx c;
};

FlCwlDecoder *
fl_cwl_decoder_new(void)
{
    FlCwlDecoder *d = g_new0(FlCwlDecoder, 1);
    Ctx *c = &d->c;

    c->events = g_array_new(FALSE, FALSE, sizeof(FlCwlEvent));
    c->events_spare = g_array_new(FALSE, FALSE, sizeof(FlCwlEvent));
    c->nuls = g_array_new(FALSE, FALSE, sizeof(char *));
    c->run = g_array_new(FALSE, FALSE, sizeof(RunMsg));
    c->run_text = g_string_new(NULL);
    return d;
}

void
fl_cwl_decoder_free(FlCwlDecoder *d)
{
    Ctx *c;

    if (d == NULL)
        return;
    c = &d->c;
    g_clear_object(&c->outer);
    g_clear_object(&c->inner);
    g_array_unref(c->events);
    g_array_unref(c->events_spare);
    g_array_unref(c->nuls);
    g_free(c->arena);
    g_array_unref(c->run);
    g_string_free(c->run_text, TRUE);
    g_free(c->raw);
    g_free(c->plain);
#ifdef HAVE_ISAL
    g_free(c->isal);
#else
    if (c->zs_ready)
        (void)inflateEnd(&c->zs);
#endif
    g_free(d);
}

/*
 * A buffer kept for the next call, unless it is large and the calls have
 * needed less than a quarter of it DECODER_IDLE times in a row: one large
 * envelope among small ones does not hold its memory for long.
 */
#define DECODER_KEEP (1024 * 1024)
#define DECODER_IDLE 8

static void
trim(gpointer *buf, gsize *alloc, gsize *peak, guint *idle)
{
    if (*alloc > DECODER_KEEP && *peak < *alloc / 4) {
        if (++*idle >= DECODER_IDLE) {
            g_clear_pointer(buf, g_free);
            *alloc = 0;
            *idle = 0;
        }
    } else {
        *idle = 0;
    }
    *peak = 0;
}

/* After a call: what only that call needed goes. */
static void
decoder_trim(Ctx *c)
{
    /* A parser holds its last tree, strings and all. */
    g_clear_object(&c->outer);
    g_clear_object(&c->inner);
    trim((gpointer *)&c->arena, &c->arena_alloc, &c->peak[0], &c->idle[0]);
    trim((gpointer *)&c->raw, &c->raw_alloc, &c->peak[1], &c->idle[1]);
    trim((gpointer *)&c->plain, &c->plain_alloc, &c->peak[2], &c->idle[2]);
    if (c->run_text->allocated_len > DECODER_KEEP) {
        g_string_free(c->run_text, TRUE);
        c->run_text = g_string_new(NULL);
    }
    /* Event arrays: by the most events a payload of this call had. */
    if (c->events_hw > 65536 && c->events_peak < c->events_hw / 4) {
        if (++c->idle[3] >= DECODER_IDLE) {
            g_array_unref(c->events);
            g_array_unref(c->events_spare);
            c->events = g_array_new(FALSE, FALSE, sizeof(FlCwlEvent));
            c->events_spare = g_array_new(FALSE, FALSE, sizeof(FlCwlEvent));
            c->events_hw = c->idle[3] = 0;
        }
    } else {
        c->idle[3] = 0;
    }
    c->events_peak = 0;
    g_array_set_size(c->events, 0);
    g_array_set_size(c->nuls, 0);
}

gboolean
fl_cwl_decoder_decode(FlCwlDecoder *d, const guint8 *buf, gsize len,
                      FlCwlPayloadFunc on_payload, FlCwlBadFunc on_bad,
                      gpointer data, FlCwlCounts *counts, GError **err)
{
    FlCwlCounts local = { 0 };
    Ctx *c;
    gsize start;
    gboolean ok;

    g_return_val_if_fail(d != NULL, FALSE);
    g_return_val_if_fail(buf != NULL || len == 0, FALSE);
    g_return_val_if_fail(on_payload != NULL, FALSE);
    g_return_val_if_fail(err == NULL || *err == NULL, FALSE);

    if (len > FL_CWL_MAX_INPUT) {
        g_set_error(err, FL_ERROR, FL_ERROR_LIMIT, "an envelope of more than "
                    "%u bytes", FL_CWL_MAX_INPUT);
        return FALSE;
    }
    start = skip_space(buf, len, 0);
    if (start == len) {
        g_set_error_literal(err, FL_ERROR, FL_ERROR_CORRUPT,
                            "an empty envelope");
        return FALSE;
    }
    c = &d->c;
    c->on_payload = on_payload;
    c->on_bad = on_bad;
    c->data = data;
    c->n = counts != NULL ? counts : &local;
    if (is_gzip(buf, len))
        ok = members(c, buf, len, err);
    else
        ok = objects(c, buf, len, err);
    /* A direct run left open at a failure is dropped: the object failed. */
    if (ok && run_flush(c, err) != RES_OK)
        ok = FALSE;
    g_array_set_size(c->run, 0);
    g_string_truncate(c->run_text, 0);
    c->run_where_set = FALSE;
    decoder_trim(c);
    return ok;
}

gboolean
fl_cwl_envelope_decode(const guint8 *buf, gsize len,
                       FlCwlPayloadFunc on_payload, FlCwlBadFunc on_bad,
                       gpointer data, FlCwlCounts *counts, GError **err)
{
    FlCwlDecoder *d = fl_cwl_decoder_new();
    gboolean ok = fl_cwl_decoder_decode(d, buf, len, on_payload, on_bad,
                                        data, counts, err);

    fl_cwl_decoder_free(d);
    return ok;
}

/* ---- sniffing ----------------------------------------------------------- */

/* Sniffed first members; a PAYLOAD re-serialised may start with owner. */
static const char *const first_members[] = {
    "awslogs", "messageType", "Records", "invocationId", "records",
    "requestId", "owner", "logGroup", "message",
};

gboolean
fl_cwl_envelope_sniff(const guint8 *buf, gsize len)
{
    gsize i, n;

    if (is_gzip(buf, len))
        return TRUE;
    i = skip_space(buf, len, 0);
    if (i == len || buf[i] != '{')
        return FALSE;
    i = skip_space(buf, len, i + 1);
    if (i == len || buf[i] != '"')
        return FALSE;
    i++;
    for (guint k = 0; k < G_N_ELEMENTS(first_members); k++) {
        n = strlen(first_members[k]);
        if (len - i > n && memcmp(buf + i, first_members[k], n) == 0 &&
            buf[i + n] == '"')
            return TRUE;
    }
    return FALSE;
}
