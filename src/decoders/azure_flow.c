/*
 * azure_flow.c - the JSON walk of a PT1H.json document (azure_flow.h),
 * with yajl: a streaming parser, so a document of tens of MiB costs no
 * tree, only its records' tuple slices until each record ends.
 *
 * Each open container has a role; a member's key gives the role of its
 * value, and a value of the wrong type for its role fails the document
 * with the record and member named.  Members the shape does not know get
 * the role SKIP, whatever they hold.
 */
#include "config.h"

#include <string.h>

#include <yajl/yajl_parse.h>

#include "decoders/azure_flow_int.h"
#include "error.h"

typedef enum {
    R_NONE,                     /* no value expected: a key comes */
    R_SKIP, R_TOP, R_RECORDS, R_RECORD, R_HOLDER, R_FLOWS, R_FLOW,
    R_GROUPS, R_GROUP, R_TUPLES, R_TUPLE,
    /* strings we keep */
    R_MAC, R_TARGET, R_RESOURCE, R_ACL, R_RULE, R_GROUP_MAC,
} Role;

/* A string of the open record: offset into buf, or into the arena. */
typedef struct {
    gsize off;
    guint32 len;
    gboolean arena;
} Str;

typedef struct {
    Str acl, rule, mac;         /* the flow's, then the group's own */
    guint flow, group;          /* 1-based */
} Group;

typedef struct {
    Str s;
    guint group;                /* index into groups */
    guint tuple;                /* 1-based in its group */
} Tuple;

struct FlAzureDecoder {
    FlRecord *rec;
    FlRecord *own;
    GArray *groups;             /* Group, of the open record */
    GArray *tuples;             /* Tuple, of the open record */
    GString *arena;             /* strings that had escapes */
    GString *names;             /* the context's names, per group */
    AzFlows flows;
};

typedef struct {
    FlAzureDecoder *d;
    const guint8 *buf;
    gsize len;
    AzOut out;
    Role stack[FL_AZURE_MAX_DEPTH];
    guint depth;
    Role pending;               /* the role of the next value */
    const char *key;            /* its member name, for messages */
    gboolean records_seen;
    guint record, flow, group;  /* 1-based numbers of the open ones */
    guint flow_first_group;     /* index of the open flow's first group */
    guint group_tuples;         /* tuples of the open group */
    gboolean nsg, holder_seen;
    Str mac, target, resource;  /* of the open record */
    Str flow_acl, flow_rule;    /* of the open flow */
    GError *error;
} Walk;

void
fl_azure_where_format(const FlAzureWhere *w, char *buf, gsize size)
{
    g_snprintf(buf, size, "record %u flow %u group %u tuple %u", w->record,
               w->flow, w->group, w->tuple);
}

FlAzureDecoder *
fl_azure_decoder_new(FlRecord *rec)
{
    FlAzureDecoder *d = g_new0(FlAzureDecoder, 1);

    d->rec = rec ? rec : (d->own = g_new0(FlRecord, 1));
    d->groups = g_array_new(FALSE, FALSE, sizeof(Group));
    d->tuples = g_array_new(FALSE, FALSE, sizeof(Tuple));
    d->arena = g_string_new(NULL);
    d->names = g_string_new(NULL);
    return d;
}

void
fl_azure_decoder_free(FlAzureDecoder *d)
{
    if (d == NULL)
        return;
    g_array_unref(d->groups);
    g_array_unref(d->tuples);
    g_string_free(d->arena, TRUE);
    g_string_free(d->names, TRUE);
    az_flows_clear(&d->flows);
    g_free(d->own);
    g_free(d);
}

static void fail(Walk *k, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* The first error wins; inside a record it names the record. */
static void
fail(Walk *k, int code, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    if (k->error)
        return;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (k->record && k->depth > 2)
        g_set_error(&k->error, FL_ERROR, code, "record %u: %s", k->record,
                    msg);
    else
        g_set_error_literal(&k->error, FL_ERROR, code, msg);
}

static const char *
str_ptr(const Walk *k, const Str *s)
{
    return s->arena ? k->d->arena->str + s->off
                    : (const char *)k->buf + s->off;
}

/* Keeps a string: a slice of buf when yajl handed one (it had no
 * escapes), else a copy in the arena. */
static Str
keep(Walk *k, const unsigned char *s, size_t len)
{
    Str r = { 0, (guint32)len, FALSE };

    if (s >= k->buf && s + len <= k->buf + k->len) {
        r.off = (gsize)(s - k->buf);
    } else {
        r.arena = TRUE;
        r.off = k->d->arena->len;
        g_string_append_len(k->d->arena, (const char *)s, (gssize)len);
    }
    return r;
}

static const char *
role_name(Role r)
{
    switch (r) {
    case R_RECORD: return "a records element";
    case R_FLOW: return "a flows element";
    case R_GROUP: return "a flowGroups element";
    case R_TUPLE: return "a flowTuples element";
    default: return "the document";
    }
}

/* A value of the wrong type for its role: the document fails. */
static int
wrong(Walk *k, const char *what, const char *want)
{
    if (k->key)
        fail(k, FL_ERROR_CORRUPT, "\"%s\" is %s, not %s", k->key, what,
             want);
    else
        fail(k, FL_ERROR_CORRUPT, "%s is %s, not %s",
             role_name(k->pending), what, want);
    return 0;
}

static Role
top(const Walk *k)
{
    return k->depth ? k->stack[k->depth - 1] : R_NONE;
}

/* After a value, the role of the next: an array's next element, or, in
 * an object, none until its key. */
static void
next_value(Walk *k)
{
    Role t = top(k);

    k->key = NULL;
    k->pending = t == R_RECORDS ? R_RECORD : t == R_FLOWS ? R_FLOW
                 : t == R_GROUPS ? R_GROUP : t == R_TUPLES ? R_TUPLE
                 : t == R_SKIP ? R_SKIP : R_NONE;
}

static int
scalar(Walk *k, const char *what)
{
    if (k->depth == 0)
        return wrong(k, what, "an object");
    if (k->pending != R_SKIP)
        return wrong(k, what, k->pending >= R_TUPLE ? "a string"
                     : k->pending == R_RECORDS || k->pending == R_FLOWS
                       || k->pending == R_GROUPS || k->pending == R_TUPLES
                     ? "an array" : "an object");
    next_value(k);
    return 1;
}

static int
on_null(void *ctx)
{
    return scalar(ctx, "null");
}

static int
on_boolean(void *ctx, int b)
{
    (void)b;
    return scalar(ctx, "a boolean");
}

static int
on_number(void *ctx, const char *s, size_t len)
{
    (void)s;
    (void)len;
    return scalar(ctx, "a number");
}

static gboolean
push(Walk *k, Role r)
{
    if (k->depth == FL_AZURE_MAX_DEPTH) {
        fail(k, FL_ERROR_LIMIT, "nested deeper than %d",
             FL_AZURE_MAX_DEPTH);
        return FALSE;
    }
    k->stack[k->depth++] = r;
    return TRUE;
}

static void
record_begin(Walk *k)
{
    FlAzureDecoder *d = k->d;

    k->record++;
    k->flow = k->group = 0;
    k->holder_seen = k->nsg = FALSE;
    memset(&k->mac, 0, sizeof k->mac);
    k->target = k->resource = k->mac;
    g_array_set_size(d->groups, 0);
    g_array_set_size(d->tuples, 0);
    g_string_truncate(d->arena, 0);
    k->out.n->records++;
}

static int
on_start_map(void *ctx)
{
    Walk *k = ctx;
    Role r = k->depth == 0 ? R_TOP : k->pending;

    if (r == R_NONE || (r != R_TOP && r != R_SKIP && r != R_RECORD
                        && r != R_HOLDER && r != R_FLOW && r != R_GROUP))
        return wrong(k, "an object", r >= R_TUPLE ? "a string"
                                                  : "an array");
    if (!push(k, r))
        return 0;
    if (r == R_RECORD) {
        record_begin(k);
    } else if (r == R_FLOW) {
        k->flow++;
        k->flow_first_group = k->d->groups->len;
        memset(&k->flow_acl, 0, sizeof k->flow_acl);
        k->flow_rule = k->flow_acl;
    } else if (r == R_GROUP) {
        Group g = { { 0 }, { 0 }, { 0 }, k->flow, ++k->group };

        g_array_append_val(k->d->groups, g);
        k->group_tuples = 0;
    }
    k->pending = r == R_SKIP ? R_SKIP : R_NONE;
    k->key = NULL;
    return 1;
}

#define KEY(lit) (len == sizeof lit - 1 && memcmp(s, lit, len) == 0)

static int
on_map_key(void *ctx, const unsigned char *s, size_t len)
{
    Walk *k = ctx;
    Role t = top(k), r = R_SKIP;

    if (len > FL_AZURE_MAX_STRING) {
        fail(k, FL_ERROR_LIMIT, "a member name longer than %d bytes",
             FL_AZURE_MAX_STRING);
        return 0;
    }
    switch (t) {
    case R_TOP:
        r = KEY("records") ? R_RECORDS : R_SKIP;
        k->key = "records";
        break;
    case R_RECORD:
        if (KEY("macAddress"))
            r = R_MAC, k->key = "macAddress";
        else if (KEY("targetResourceID"))
            r = R_TARGET, k->key = "targetResourceID";
        else if (KEY("resourceId"))
            r = R_RESOURCE, k->key = "resourceId";
        else if (KEY("flowRecords") || KEY("properties")) {
            if (k->holder_seen) {
                fail(k, FL_ERROR_CORRUPT, "more than one of flowRecords "
                     "and properties");
                return 0;
            }
            k->holder_seen = TRUE;
            k->nsg = KEY("properties");
            r = R_HOLDER;
            k->key = k->nsg ? "properties" : "flowRecords";
        }
        break;
    case R_HOLDER:
        r = KEY("flows") ? R_FLOWS : R_SKIP;
        k->key = "flows";
        break;
    case R_FLOW:
        if (!k->nsg && KEY("aclID"))
            r = R_ACL, k->key = "aclID";
        else if (k->nsg && KEY("rule"))
            r = R_RULE, k->key = "rule";
        else if (k->nsg ? KEY("flows") : KEY("flowGroups"))
            r = R_GROUPS, k->key = k->nsg ? "flows" : "flowGroups";
        break;
    case R_GROUP:
        if (!k->nsg && KEY("rule"))
            r = R_RULE, k->key = "rule";
        else if (k->nsg && KEY("mac"))
            r = R_GROUP_MAC, k->key = "mac";
        else if (KEY("flowTuples"))
            r = R_TUPLES, k->key = "flowTuples";
        break;
    default:
        break;
    }
    if (r == R_SKIP)
        k->key = NULL;
    k->pending = r;
    return 1;
}

static int
on_start_array(void *ctx)
{
    Walk *k = ctx;
    Role r = k->pending;

    if (k->depth == 0)
        return wrong(k, "an array", "an object");
    if (r != R_SKIP && r != R_RECORDS && r != R_FLOWS && r != R_GROUPS
        && r != R_TUPLES)
        return wrong(k, "an array", r >= R_TUPLE ? "a string"
                                                 : "an object");
    if (!push(k, r))
        return 0;
    if (r == R_RECORDS)
        k->records_seen = TRUE;
    next_value(k);
    return 1;
}

static Group *
cur_group(Walk *k)
{
    return &g_array_index(k->d->groups, Group, k->d->groups->len - 1);
}

static int
on_string(void *ctx, const unsigned char *s, size_t len)
{
    Walk *k = ctx;
    Role r = k->pending;
    Str v;

    if (k->depth == 0)
        return wrong(k, "a string", "an object");
    if (len > FL_AZURE_MAX_STRING) {
        fail(k, FL_ERROR_LIMIT, "a string of more than %d bytes",
             FL_AZURE_MAX_STRING);
        return 0;
    }
    if (r == R_SKIP) {
        next_value(k);
        return 1;
    }
    if (r < R_TUPLE)
        return wrong(k, "a string", r == R_RECORDS || r == R_FLOWS
                     || r == R_GROUPS || r == R_TUPLES ? "an array"
                                                       : "an object");
    v = keep(k, s, len);
    switch (r) {
    case R_TUPLE: {
        Tuple t = { v, k->d->groups->len - 1, ++k->group_tuples };

        if (k->d->tuples->len >= FL_AZURE_MAX_TUPLES) {
            fail(k, FL_ERROR_LIMIT, "more than %d tuples",
                 FL_AZURE_MAX_TUPLES);
            return 0;
        }
        g_array_append_val(k->d->tuples, t);
        break;
    }
    case R_MAC: k->mac = v; break;
    case R_TARGET: k->target = v; break;
    case R_RESOURCE: k->resource = v; break;
    case R_ACL: k->flow_acl = v; break;
    case R_RULE:
        if (top(k) == R_GROUP)
            cur_group(k)->rule = v;
        else
            k->flow_rule = v;
        break;
    case R_GROUP_MAC: cur_group(k)->mac = v; break;
    default: break;
    }
    next_value(k);
    return 1;
}

/* ---- a record's tuples out, once the record has ended ---- */

/* Case-insensitive search of a resource ID's segment, e.g.
 * "/virtualnetworks/": the offset after it, or -1. */
static gssize
find_segment(const char *s, gsize len, const char *seg)
{
    gsize n = strlen(seg);

    for (gsize i = 0; i + n <= len; i++)
        if (g_ascii_strncasecmp(s + i, seg, n) == 0)
            return (gssize)(i + n);
    return -1;
}

static gsize
segment_end(const char *s, gsize len, gsize from)
{
    const char *slash = memchr(s + from, '/', len - from);

    return slash ? (gsize)(slash - s) : len;
}

static FlStr
name_add(GString *names, const char *prefix, const char *s, gsize len)
{
    gsize at = names->len;

    g_string_append(names, prefix);
    g_string_append_len(names, s, (gssize)len);
    return (FlStr){ (const char *)(gsize)at, (guint32)(names->len - at) };
}

static FlStr
slice(const Walk *k, const Str *s)
{
    return (FlStr){ s->len ? str_ptr(k, s) : NULL, s->len };
}

/* The context of group g: names built in d->names (offsets made
 * pointers once every name is in). */
static void
group_ctx(Walk *k, const Group *g, AzCtx *c)
{
    GString *names = k->d->names;
    const Str *mac = g->mac.len ? &g->mac : &k->mac;
    const Str *res = k->nsg ? &k->resource : &k->target;
    const char *r = res->len ? str_ptr(k, res) : "";
    FlStr *own[3] = { &c->iface, &c->vrf, &c->mac };
    gssize at;

    memset(c, 0, sizeof *c);
    c->nsg = k->nsg;
    g_string_truncate(names, 0);
    if (mac->len) {
        const char *m = str_ptr(k, mac);
        gsize at0 = names->len;

        /* One spelling for one NIC: "00-0D-3A-F8-78-56" and
         * "000d3af87856" are the same interface. */
        g_string_append(names, "azure:");
        for (guint32 i = 0; i < mac->len; i++)
            if (m[i] != '-' && m[i] != ':')
                g_string_append_c(names, g_ascii_toupper(m[i]));
        c->iface = (FlStr){ (const char *)at0,
                            (guint32)(names->len - at0) };
        c->mac = (FlStr){ (const char *)(at0 + 6), c->iface.len - 6 };
    }
    if (!k->nsg && (at = find_segment(r, res->len, "/virtualnetworks/")) > 0)
        c->vrf = name_add(names, "azure:", r,
                          segment_end(r, res->len, (gsize)at));
    for (guint i = 0; i < G_N_ELEMENTS(own); i++)
        if (own[i]->len)
            own[i]->ptr = names->str + (gsize)own[i]->ptr;
    if ((at = find_segment(r, res->len, "/subscriptions/")) > 0)
        c->account = (FlStr){ r + at, (guint32)(segment_end(r, res->len,
                                                           (gsize)at)
                                                - (gsize)at) };
    c->resource = slice(k, res);
    c->acl = slice(k, &g->acl);
    c->rule = slice(k, &g->rule);
}

static gboolean
record_end(Walk *k)
{
    FlAzureDecoder *d = k->d;
    AzCtx ctx;
    guint cur = G_MAXUINT;

    for (guint i = 0; i < d->tuples->len; i++) {
        const Tuple *t = &g_array_index(d->tuples, Tuple, i);
        const Group *g = &g_array_index(d->groups, Group, t->group);
        FlAzureWhere w = { k->record, g->flow, g->group, t->tuple };

        if (t->group != cur) {
            group_ctx(k, g, &ctx);
            cur = t->group;
        }
        if (!az_tuple(&ctx, str_ptr(k, &t->s), t->s.len, &w, &k->out,
                      &k->error))
            return FALSE;
    }
    return TRUE;
}

static int
on_end(void *ctx)
{
    Walk *k = ctx;
    Role r = k->stack[--k->depth];

    if (r == R_FLOW) {
        /* The flow's ACL and (NSG) rule, wherever they came. */
        for (guint i = k->flow_first_group; i < k->d->groups->len; i++) {
            Group *g = &g_array_index(k->d->groups, Group, i);

            g->acl = k->flow_acl;
            if (g->rule.len == 0)
                g->rule = k->flow_rule;
        }
    } else if (r == R_RECORD && !record_end(k)) {
        return 0;
    }
    next_value(k);
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null, on_boolean, NULL, NULL, on_number, on_string,
    on_start_map, on_map_key, on_end, on_start_array, on_end,
};

gboolean
fl_azure_decode(FlAzureDecoder *d, const guint8 *buf, gsize len,
                FlAzureRecordFunc on_record, FlAzureBadFunc on_bad,
                gpointer data, FlAzureCounts *counts, GError **err)
{
    FlAzureCounts local = { 0 };
    Walk k = { 0 };
    yajl_handle h;
    yajl_status st;
    gsize pos;

    k.d = d;
    k.buf = buf;
    k.len = len;
    k.out.on_record = on_record;
    k.out.on_bad = on_bad;
    k.out.data = data;
    k.out.n = counts ? counts : &local;
    k.out.rec = d->rec;
    k.out.flows = &d->flows;
    k.pending = R_NONE;
    h = yajl_alloc(&callbacks, NULL, &k);
    st = yajl_parse(h, buf, len);
    pos = yajl_get_bytes_consumed(h);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
        pos = len;
    }
    if (st != yajl_status_ok && k.error == NULL) {
        unsigned char *m = yajl_get_error(h, 0, buf, len);
        g_autofree char *msg = g_strstrip(g_strdup((const char *)m));

        yajl_free_error(h, m);
        fail(&k, FL_ERROR_CORRUPT, "not JSON: %s (at byte %" G_GSIZE_FORMAT
             ")", msg, pos);
    }
    yajl_free(h);
    if (k.error == NULL && !k.records_seen)
        fail(&k, FL_ERROR_CORRUPT, "no \"records\" array: not an Azure "
             "flow log document");
    /* The next document starts afresh: no start time crosses over, and a
     * big one's memory is not kept. */
    az_flows_clear(&d->flows);
    g_array_set_size(d->tuples, 0);
    if (d->arena->allocated_len > 1024 * 1024) {
        g_string_free(d->arena, TRUE);
        d->arena = g_string_new(NULL);
    }
    if (k.error) {
        g_propagate_error(err, k.error);
        return FALSE;
    }
    return TRUE;
}

/* ---- sniffing and the format ---- */

static gsize
skip_ws(const guint8 *b, gsize len, gsize i)
{
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n'
                       || b[i] == '\r'))
        i++;
    return i;
}

static gboolean
lit(const guint8 *b, gsize len, gsize *i, const char *s)
{
    gsize n = strlen(s);

    *i = skip_ws(b, len, *i);
    if (len - *i < n || memcmp(b + *i, s, n) != 0)
        return FALSE;
    *i += n;
    return TRUE;
}

/* Members Azure writes first in a record (VNet and NSG flow logs). */
static const char *const first_keys[] = {
    "\"time\"", "\"flowLogVersion\"", "\"flowLogGUID\"", "\"macAddress\"",
    "\"category\"", "\"systemId\"", "\"resourceId\"", "\"operationName\"",
    "\"properties\"", "\"flowLogResourceID\"", "\"targetResourceID\"",
    "\"flowRecords\"",
};

gboolean
fl_azure_sniff(const guint8 *buf, gsize len)
{
    gsize i = 0;

    if (!lit(buf, len, &i, "{") || !lit(buf, len, &i, "\"records\"")
        || !lit(buf, len, &i, ":") || !lit(buf, len, &i, "["))
        return FALSE;
    if (lit(buf, len, &i, "]"))
        return TRUE;
    if (!lit(buf, len, &i, "{"))
        return FALSE;
    for (guint k = 0; k < G_N_ELEMENTS(first_keys); k++) {
        gsize j = i;

        if (lit(buf, len, &j, first_keys[k]))
            return TRUE;
    }
    return FALSE;
}

FlFormat *
fl_azure_format_new(void)
{
    FlFormat *f = fl_format_parse("interface-id srcaddr dstaddr srcport "
                                  "dstport protocol packets bytes start end "
                                  "action log-status flow-direction vpc-id "
                                  "flow-end-reason account-id resource-id "
                                  "mac-address acl-id rule", -1, NULL);

    g_assert(f != NULL);
    return f;
}
