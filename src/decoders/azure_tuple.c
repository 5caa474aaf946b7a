/*
 * azure_tuple.c - one Azure flow tuple (a CSV string) into records; the
 * rules are in azure_flow.h.
 */
#include "config.h"

#include <string.h>
#include <arpa/inet.h>

#include "decoders/azure_flow_int.h"

/* Times below this are seconds, at or above it milliseconds (the
 * mapper's threshold: year 5138 in seconds, 1973 in milliseconds). */
#define MS_THRESHOLD G_GUINT64_CONSTANT(100000000000)

enum { T_TIME, T_SRC, T_DST, T_SPORT, T_DPORT, T_PROTO, T_DIR, T_STATE,
       T_X8, T_P1, T_B1, T_P2, T_B2, T_MAX };

#define V1_FIELDS 8

typedef struct {
    const char *p[T_MAX];
    guint32 l[T_MAX];
    guint n;
} Cols;

static gboolean
split(const char *s, gsize len, Cols *c)
{
    const char *end = s + len;

    c->n = 0;
    for (;;) {
        const char *comma = memchr(s, ',', (gsize)(end - s));
        const char *stop = comma ? comma : end;

        if (c->n == T_MAX)
            return FALSE;
        c->p[c->n] = s;
        c->l[c->n++] = (guint32)(stop - s);
        if (comma == NULL)
            return TRUE;
        s = comma + 1;
    }
}

static gboolean
parse_uint(const char *p, gsize len, guint64 max, guint64 *out)
{
    guint64 v = 0;

    if (len == 0 || len > 20)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        guint d = (guint)(p[i] - '0');

        if (d > 9 || v > (G_MAXUINT64 - d) / 10)
            return FALSE;
        v = v * 10 + d;
    }
    if (v > max)
        return FALSE;
    *out = v;
    return TRUE;
}

static gboolean
parse_addr(const char *p, gsize len, FlAddr *a)
{
    char buf[INET6_ADDRSTRLEN + 1];

    if (len == 0 || len >= sizeof buf)
        return FALSE;
    memcpy(buf, p, len);
    buf[len] = '\0';
    memset(a->bytes, 0, sizeof a->bytes);
    if (memchr(p, ':', len)) {
        a->family = 6;
        return inet_pton(AF_INET6, buf, a->bytes) == 1;
    }
    a->family = 4;
    return inet_pton(AF_INET, buf, a->bytes) == 1;
}

static gboolean
one_char(const Cols *c, guint i, char *out)
{
    if (c->l[i] != 1)
        return FALSE;
    *out = c->p[i][0];
    return TRUE;
}

static inline void
set_str(FlRecord *r, FlField f, const FlStr *s)
{
    if (s->len) {
        r->v[f].s = *s;
        fl_record_set_present(r, f);
    }
}

static inline void
set_uint(FlRecord *r, FlField f, guint64 v)
{
    r->v[f].u = v;
    fl_record_set_present(r, f);
}

/* ---- the start-time table ---- */

static guint64
flow_key(const AzCtx *ctx, const Cols *c)
{
    /* FNV-1a 64 over the interface and "src,dst,sport,dport,proto"
     * (contiguous in the tuple). */
    const char *k = c->p[T_SRC];
    gsize kl = (gsize)(c->p[T_PROTO] + c->l[T_PROTO] - k);
    guint64 h = G_GUINT64_CONSTANT(14695981039346656037);

    for (guint32 i = 0; i < ctx->iface.len; i++)
        h = (h ^ (guint8)ctx->iface.ptr[i]) * G_GUINT64_CONSTANT(1099511628211);
    h = (h ^ 0xff) * G_GUINT64_CONSTANT(1099511628211);
    for (gsize i = 0; i < kl; i++)
        h = (h ^ (guint8)k[i]) * G_GUINT64_CONSTANT(1099511628211);
    return h ? h : 1;
}

static void
flows_grow(AzFlows *f)
{
    gsize old = f->size;
    guint64 *ok = f->keys, *ot = f->times;

    f->size = old ? old * 2 : 1024;
    f->keys = g_new0(guint64, f->size);
    f->times = g_new(guint64, f->size);
    f->used = 0;
    for (gsize i = 0; i < old; i++) {
        if (ok[i]) {
            gsize j = ok[i] & (f->size - 1);

            while (f->keys[j])
                j = (j + 1) & (f->size - 1);
            f->keys[j] = ok[i];
            f->times[j] = ot[i];
            f->used++;
        }
    }
    g_free(ok);
    g_free(ot);
}

/* The previous time of key (0 if none), which becomes t. */
static guint64
flows_swap(AzFlows *f, guint64 key, guint64 t)
{
    gsize j;
    guint64 prev;

    if (f->used * 2 >= f->size)
        flows_grow(f);
    j = key & (f->size - 1);
    while (f->keys[j] && f->keys[j] != key)
        j = (j + 1) & (f->size - 1);
    if (f->keys[j] == 0) {
        f->keys[j] = key;
        f->used++;
        prev = 0;
    } else {
        prev = f->times[j];
    }
    f->times[j] = t;
    return prev;
}

void
az_flows_clear(AzFlows *f)
{
    g_clear_pointer(&f->keys, g_free);
    g_clear_pointer(&f->times, g_free);
    f->size = f->used = 0;
}

/* ---- one tuple ---- */

static void
bad(AzOut *out, const FlAzureWhere *w, FlReject r, const char *why)
{
    out->n->bad++;
    if (out->on_bad)
        out->on_bad(w, r, why, out->data);
}

/* A counter pair (packets, bytes) at i; *have FALSE when both are empty
 * (the tuple has none). */
static gboolean
counters(const Cols *c, guint i, guint64 *pk, guint64 *by, gboolean *have)
{
    *pk = *by = 0;
    *have = c->l[i] != 0 || c->l[i + 1] != 0;
    if (!*have)
        return TRUE;
    return parse_uint(c->p[i], c->l[i], G_MAXUINT64, pk)
           && parse_uint(c->p[i + 1], c->l[i + 1], G_MAXUINT64, by);
}

static gboolean
emit(AzOut *out, const FlAzureWhere *w, GError **err)
{
    out->n->out++;
    return out->on_record(out->rec, w, out->data, err);
}

/* The reverse of the record in out->rec: addresses, ports, direction. */
static void
reverse(FlRecord *r, guint64 pk, guint64 by)
{
    FlAddr a = r->v[FL_F_SRCADDR].a;
    guint64 port = r->v[FL_F_SRCPORT].u;

    r->v[FL_F_SRCADDR].a = r->v[FL_F_DSTADDR].a;
    r->v[FL_F_DSTADDR].a = a;
    r->v[FL_F_SRCPORT].u = r->v[FL_F_DSTPORT].u;
    r->v[FL_F_DSTPORT].u = port;
    r->v[FL_F_FLOW_DIRECTION].u = r->v[FL_F_FLOW_DIRECTION].u == FL_DIR_INGRESS
                                  ? FL_DIR_EGRESS : FL_DIR_INGRESS;
    r->v[FL_F_PACKETS].u = pk;
    r->v[FL_F_BYTES].u = by;
}

/* The common fields; FALSE after reporting a bad field. */
static gboolean
fill(const AzCtx *ctx, const Cols *c, const FlAzureWhere *w, AzOut *out,
     guint64 *t_ms)
{
    FlRecord *r = out->rec;
    guint64 v;
    char ch;

    fl_record_reset(r);
    if (!parse_uint(c->p[T_TIME], c->l[T_TIME], G_MAXUINT64, &v)) {
        bad(out, w, FL_REJECT_NUMBER, "time");
        return FALSE;
    }
    if (v < MS_THRESHOLD) {
        if (v > G_MAXUINT64 / 1000) {
            bad(out, w, FL_REJECT_NUMBER, "time");
            return FALSE;
        }
        v *= 1000;
    }
    *t_ms = v;
    if (!parse_addr(c->p[T_SRC], c->l[T_SRC], &r->v[FL_F_SRCADDR].a)) {
        bad(out, w, FL_REJECT_ADDRESS, "source address");
        return FALSE;
    }
    if (!parse_addr(c->p[T_DST], c->l[T_DST], &r->v[FL_F_DSTADDR].a)) {
        bad(out, w, FL_REJECT_ADDRESS, "destination address");
        return FALSE;
    }
    if (r->v[FL_F_SRCADDR].a.family != r->v[FL_F_DSTADDR].a.family) {
        bad(out, w, FL_REJECT_ADDRESS, "addresses of two families");
        return FALSE;
    }
    if (!parse_uint(c->p[T_SPORT], c->l[T_SPORT], 65535,
                    &r->v[FL_F_SRCPORT].u)
        || !parse_uint(c->p[T_DPORT], c->l[T_DPORT], 65535,
                       &r->v[FL_F_DSTPORT].u)) {
        bad(out, w, FL_REJECT_NUMBER, "port");
        return FALSE;
    }
    /* T/U in NSG flow logs, the IANA number in VNet flow logs. */
    if (one_char(c, T_PROTO, &ch) && (ch == 'T' || ch == 'U'))
        v = ch == 'T' ? 6 : 17;
    else if (!parse_uint(c->p[T_PROTO], c->l[T_PROTO], 255, &v)) {
        bad(out, w, FL_REJECT_VALUE, "protocol");
        return FALSE;
    }
    set_uint(r, FL_F_PROTOCOL, v);
    if (!one_char(c, T_DIR, &ch) || (ch != 'I' && ch != 'O')) {
        bad(out, w, FL_REJECT_VALUE, "direction (not I or O)");
        return FALSE;
    }
    set_uint(r, FL_F_FLOW_DIRECTION, ch == 'I' ? FL_DIR_INGRESS
                                               : FL_DIR_EGRESS);
    fl_record_set_present(r, FL_F_SRCADDR);
    fl_record_set_present(r, FL_F_DSTADDR);
    fl_record_set_present(r, FL_F_SRCPORT);
    fl_record_set_present(r, FL_F_DSTPORT);
    set_uint(r, FL_F_LOG_STATUS, FL_STATUS_OK);
    set_str(r, FL_F_INTERFACE_ID, &ctx->iface);
    set_str(r, FL_F_VPC_ID, &ctx->vrf);
    set_str(r, FL_F_ACCOUNT_ID, &ctx->account);
    set_str(r, FL_F_RESOURCE_ID, &ctx->resource);
    set_str(r, FL_F_MAC_ADDRESS, &ctx->mac);
    set_str(r, FL_F_ACL_ID, &ctx->acl);
    set_str(r, FL_F_RULE, &ctx->rule);
    return TRUE;
}

gboolean
az_tuple(const AzCtx *ctx, const char *s, gsize len, const FlAzureWhere *w,
         AzOut *out, GError **err)
{
    FlRecord *r = out->rec;
    Cols c;
    guint64 t, prev, p1, b1, p2, b2;
    gboolean have1, have2, denied;
    char state = 0, decision = 'A';

    out->n->tuples++;
    if (!split(s, len, &c) || (c.n != T_MAX && !(ctx->nsg
                                                  && c.n == V1_FIELDS))) {
        bad(out, w, FL_REJECT_FIELD_COUNT, ctx->nsg
            ? "not 8 (version 1) or 13 (version 2) fields"
            : "not 13 fields");
        return TRUE;
    }
    if (ctx->iface.len == 0) {
        bad(out, w, FL_REJECT_MISSING, "no MAC address for the interface");
        return TRUE;
    }
    if (!fill(ctx, &c, w, out, &t))
        return TRUE;
    if (ctx->nsg) {
        /* A/D, then (version 2) B/C/E */
        if (!one_char(&c, T_STATE, &decision)
            || (decision != 'A' && decision != 'D')) {
            bad(out, w, FL_REJECT_VALUE, "decision (not A or D)");
            return TRUE;
        }
        if (c.n == T_MAX && (!one_char(&c, T_X8, &state)
                             || !strchr("BCE", state))) {
            bad(out, w, FL_REJECT_VALUE, "state (not B, C or E)");
            return TRUE;
        }
    } else if (!one_char(&c, T_STATE, &state) || !strchr("BCED", state)) {
        bad(out, w, FL_REJECT_VALUE, "state (not B, C, E or D)");
        return TRUE;
    }
    have1 = have2 = FALSE;
    p1 = b1 = p2 = b2 = 0;
    if (c.n == T_MAX && (!counters(&c, T_P1, &p1, &b1, &have1)
                         || !counters(&c, T_P2, &p2, &b2, &have2))) {
        bad(out, w, FL_REJECT_NUMBER, "counters");
        return TRUE;
    }
    denied = decision == 'D' || state == 'D';
    prev = c.n == T_MAX ? flows_swap(out->flows, flow_key(ctx, &c), t) : 0;
    set_uint(r, FL_F_END, t);
    set_uint(r, FL_F_START, prev && prev <= t ? prev : t);
    set_uint(r, FL_F_ACTION, denied ? FL_ACTION_REJECT : FL_ACTION_ACCEPT);
    if (denied) {
        /* Azure counts no traffic for a flow it denies (or gives 0): the
         * record says the flow was denied, with what it has. */
        out->n->denied++;
        set_uint(r, FL_F_PACKETS, p1);
        set_uint(r, FL_F_BYTES, b1);
        return emit(out, w, err);
    }
    if (c.n == V1_FIELDS) {
        set_uint(r, FL_F_PACKETS, 0);
        set_uint(r, FL_F_BYTES, 0);
        return emit(out, w, err);
    }
    if (state == 'B') {
        out->n->begins++;
        return TRUE;
    }
    if (!have1 || !have2) {
        bad(out, w, FL_REJECT_MISSING, state == 'C'
            ? "counters of a C (continuing) tuple"
            : "counters of an E (end) tuple");
        return TRUE;
    }
    set_uint(r, FL_F_FLOW_END_REASON, state == 'C' ? 2 : 3);
    set_uint(r, FL_F_PACKETS, p1);
    set_uint(r, FL_F_BYTES, b1);
    if ((p1 || b1 || !(p2 || b2)) && !emit(out, w, err))
        return FALSE;
    if (p2 || b2) {
        reverse(r, p2, b2);
        return emit(out, w, err);
    }
    return TRUE;
}
