/*
 * gcp_flow.c - Google Cloud VPC Flow Logs entries into FlRecords (see
 * gcp_flow.h for the mapping).  The JSON walk is cloud_json.c's; this file
 * is the schema and what a finished entry becomes.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "decoders/base64.h"
#include "decoders/gcp_flow.h"

/* Pub/Sub messages are at most 10 MB: 13,981,016 bytes of base64. */
#define MAX_DATA (14 * 1024 * 1024)

enum {
    S_LOGNAME, S_RES_PROJECT, S_RES_SUBNET, S_RES_LOCATION,
    S_SRC_IP, S_DEST_IP, S_SRC_PORT, S_DEST_PORT, S_PROTO,
    S_BYTES, S_PACKETS, S_START, S_END, S_REPORTER,
    S_SI_PROJECT, S_SI_ZONE, S_SI_REGION, S_SI_VM,
    S_DI_PROJECT, S_DI_ZONE, S_DI_REGION, S_DI_VM,
    S_SV_PROJECT, S_SV_VPC, S_SV_SUBNET,
    S_DV_PROJECT, S_DV_VPC, S_DV_SUBNET,
    S_SG_PROJECT, S_SG_LOCATION, S_SG_TYPE, S_SG_NAME, S_SG_VPC,
    S_DG_PROJECT, S_DG_LOCATION, S_DG_TYPE, S_DG_NAME, S_DG_VPC,
    S_MSG_DATA, S_MSG_ID,
    N_SLOTS
};

#define JP "jsonPayload."
static const FlCjPath schema[] = {
    { "logName", S_LOGNAME, 0 },
    { "resource.labels.project_id", S_RES_PROJECT, 0 },
    { "resource.labels.subnetwork_name", S_RES_SUBNET, 0 },
    { "resource.labels.location", S_RES_LOCATION, 0 },
    { JP "connection.src_ip", S_SRC_IP, 0 },
    { JP "connection.dest_ip", S_DEST_IP, 0 },
    { JP "connection.src_port", S_SRC_PORT, 0 },
    { JP "connection.dest_port", S_DEST_PORT, 0 },
    { JP "connection.protocol", S_PROTO, 0 },
    { JP "bytes_sent", S_BYTES, 0 },
    { JP "packets_sent", S_PACKETS, 0 },
    { JP "start_time", S_START, 0 },
    { JP "end_time", S_END, 0 },
    { JP "reporter", S_REPORTER, 0 },
    { JP "src_instance.project_id", S_SI_PROJECT, 0 },
    { JP "src_instance.zone", S_SI_ZONE, 0 },
    { JP "src_instance.region", S_SI_REGION, 0 },
    { JP "src_instance.vm_name", S_SI_VM, 0 },
    { JP "dest_instance.project_id", S_DI_PROJECT, 0 },
    { JP "dest_instance.zone", S_DI_ZONE, 0 },
    { JP "dest_instance.region", S_DI_REGION, 0 },
    { JP "dest_instance.vm_name", S_DI_VM, 0 },
    { JP "src_vpc.project_id", S_SV_PROJECT, 0 },
    { JP "src_vpc.vpc_name", S_SV_VPC, 0 },
    { JP "src_vpc.subnetwork_name", S_SV_SUBNET, 0 },
    { JP "dest_vpc.project_id", S_DV_PROJECT, 0 },
    { JP "dest_vpc.vpc_name", S_DV_VPC, 0 },
    { JP "dest_vpc.subnetwork_name", S_DV_SUBNET, 0 },
    { JP "src_gateway.project_id", S_SG_PROJECT, 0 },
    { JP "src_gateway.location", S_SG_LOCATION, 0 },
    { JP "src_gateway.type", S_SG_TYPE, 0 },
    { JP "src_gateway.name", S_SG_NAME, 0 },
    { JP "src_gateway.vpc.vpc_name", S_SG_VPC, 0 },
    { JP "dest_gateway.project_id", S_DG_PROJECT, 0 },
    { JP "dest_gateway.location", S_DG_LOCATION, 0 },
    { JP "dest_gateway.type", S_DG_TYPE, 0 },
    { JP "dest_gateway.name", S_DG_NAME, 0 },
    { JP "dest_gateway.vpc.vpc_name", S_DG_VPC, 0 },
    { "message.data", S_MSG_DATA, MAX_DATA },
    { "message.messageId", S_MSG_ID, 0 },
};

/* The slots of one side: instance, VPC and gateway details. */
typedef struct {
    guint project, zone, region, vm;
    guint vpc_project, vpc, subnet;
    guint gw_project, gw_location, gw_type, gw_name, gw_vpc;
} Side;

static const Side src_side = {
    S_SI_PROJECT, S_SI_ZONE, S_SI_REGION, S_SI_VM,
    S_SV_PROJECT, S_SV_VPC, S_SV_SUBNET,
    S_SG_PROJECT, S_SG_LOCATION, S_SG_TYPE, S_SG_NAME, S_SG_VPC,
};
static const Side dest_side = {
    S_DI_PROJECT, S_DI_ZONE, S_DI_REGION, S_DI_VM,
    S_DV_PROJECT, S_DV_VPC, S_DV_SUBNET,
    S_DG_PROJECT, S_DG_LOCATION, S_DG_TYPE, S_DG_NAME, S_DG_VPC,
};

struct FlGcpDecoder {
    FlGcpKeep keep;
    FlCjWalker *outer, *inner;
    GByteArray *data;           /* a push body's decoded message */
    FlRecord *rec;
    GString *ifname, *vpcname, *where;
    /* the call in progress */
    FlCloudRecordFunc on_record;
    FlCloudBadFunc on_bad;
    gpointer cb_data;
    FlGcpCounts *counts;
    guint64 outer_line;         /* inside a push body: its line */
    const char *msg_id;
};

FlGcpDecoder *
fl_gcp_decoder_new(FlGcpKeep keep)
{
    FlGcpDecoder *d = g_new0(FlGcpDecoder, 1);

    d->keep = keep;
    d->outer = fl_cj_walker_new(schema, G_N_ELEMENTS(schema), N_SLOTS);
    d->inner = fl_cj_walker_new(schema, G_N_ELEMENTS(schema), N_SLOTS);
    d->data = g_byte_array_new();
    d->rec = g_new0(FlRecord, 1);
    d->ifname = g_string_new(NULL);
    d->vpcname = g_string_new(NULL);
    d->where = g_string_new(NULL);
    return d;
}

void
fl_gcp_decoder_free(FlGcpDecoder *d)
{
    if (d == NULL)
        return;
    fl_cj_walker_free(d->outer);
    fl_cj_walker_free(d->inner);
    g_byte_array_unref(d->data);
    g_free(d->rec);
    g_string_free(d->ifname, TRUE);
    g_string_free(d->vpcname, TRUE);
    g_string_free(d->where, TRUE);
    g_free(d);
}

/* "line N" without printf: it is made for every record. */
static void
line_where(GString *s, guint64 line)
{
    char digits[24];
    guint n = 0;

    do {
        digits[n++] = (char)('0' + line % 10);
        line /= 10;
    } while (line);
    g_string_set_size(s, 5 + n);
    memcpy(s->str, "line ", 5);
    for (guint i = 0; i < n; i++)
        s->str[5 + i] = digits[n - 1 - i];
}

void
fl_gcp_decoder_set_fast(FlGcpDecoder *d, gboolean fast)
{
    fl_cj_walker_set_fast(d->outer, fast);
    fl_cj_walker_set_fast(d->inner, fast);
}

static const char *
where(FlGcpDecoder *d, guint64 line)
{
    if (d->outer_line == 0)
        line_where(d->where, line);
    else
        g_string_printf(d->where, "line %" G_GUINT64_FORMAT ", Pub/Sub "
                        "message %s (its line %" G_GUINT64_FORMAT ")",
                        d->outer_line, d->msg_id ? d->msg_id : "without ID",
                        line);
    return d->where->str;
}

static void
bad(FlGcpDecoder *d, guint64 line, FlReject reason, const char *why)
{
    if (d->counts)
        d->counts->bad++;
    if (d->on_bad)
        d->on_bad(where(d, line), reason, why, d->cb_data);
}

static void
on_walk_bad(guint64 line, FlReject reason, const char *why, gpointer data)
{
    bad(data, line, reason, why);
}

static gboolean
has(const FlCjEntry *e, guint slot)
{
    return e->v[slot].type == FL_CJ_STRING;
}

/* A string slot into field f (absent or not a string: left absent). */
static void
set_str(FlRecord *r, const FlCjEntry *e, FlField f, guint slot)
{
    if (has(e, slot))
        fl_cloud_set_str(r, f, fl_cj_str(e, slot), e->v[slot].len);
}

/* A string value and its length. */
typedef struct {
    const char *s;
    gsize len;
} Str;

static Str
str_or(const FlCjEntry *e, guint slot, guint alt)
{
    Str r = { "-", 1 };

    if (has(e, slot) || has(e, alt)) {
        guint k = has(e, slot) ? slot : alt;

        r.s = fl_cj_str(e, k);
        r.len = e->v[k].len;
    }
    return r;
}

static Str
str_of(const FlCjEntry *e, guint slot)
{
    Str r = { fl_cj_str(e, slot), e->v[slot].len };

    return r;
}

static const Str no_str = { NULL, 0 };

/*
 * Why slot cannot be read as a string field, or NULL.  A string that is
 * wrong in itself is the caller's to say.
 */
static const char *
not_string(const FlCjEntry *e, guint slot)
{
    FlCjType t = e->v[slot].type;

    if (t == FL_CJ_STRING)
        return NULL;
    return t == FL_CJ_ABSENT || t == FL_CJ_NULL ? "missing"
           : t == FL_CJ_TOO_LONG ? "a string too long" : "not a string";
}

/* "gcp:A/B/C/D" into s (B and C may be no_str: left out).  Made for
 * every record: one resize and copies, not appends. */
static void
join(GString *s, Str a, Str b, Str c, Str d)
{
    const Str parts[4] = { a, b, c, d };
    gsize n = 4;
    char *p;

    for (guint i = 0; i < 4; i++)
        n += parts[i].s ? parts[i].len + (i < 3) : 0;
    g_string_set_size(s, n);
    p = s->str;
    memcpy(p, "gcp:", 4);
    p += 4;
    for (guint i = 0; i < 4; i++) {
        if (parts[i].s == NULL)
            continue;
        memcpy(p, parts[i].s, parts[i].len);
        p += parts[i].len;
        if (i < 3)
            *p++ = '/';
    }
}

/* Names the reporter's interface and VPC; FALSE when nothing does. */
static gboolean
name_side(FlGcpDecoder *d, const FlCjEntry *e, const Side *s)
{
    FlRecord *r = d->rec;

    g_string_truncate(d->vpcname, 0);
    if (has(e, s->vm)) {
        join(d->ifname, str_or(e, s->project, S_RES_PROJECT),
             str_or(e, s->zone, s->region), no_str, str_of(e, s->vm));
    } else if (has(e, s->gw_name)) {
        join(d->ifname, str_or(e, s->gw_project, S_RES_PROJECT),
             str_or(e, s->gw_location, S_RES_LOCATION),
             str_or(e, s->gw_type, s->gw_type), str_of(e, s->gw_name));
    } else if (has(e, S_RES_SUBNET)) {
        static const Str subnetworks = { "subnetworks", 11 };

        join(d->ifname, str_or(e, S_RES_PROJECT, S_RES_PROJECT),
             str_or(e, S_RES_LOCATION, S_RES_LOCATION), subnetworks,
             str_of(e, S_RES_SUBNET));
    } else {
        return FALSE;
    }
    if (has(e, s->vpc) || has(e, s->gw_vpc))
        join(d->vpcname, str_or(e, s->vpc_project, S_RES_PROJECT), no_str,
             no_str, str_or(e, s->vpc, s->gw_vpc));
    fl_cloud_set_str(r, FL_F_INTERFACE_ID, d->ifname->str, d->ifname->len);
    if (d->vpcname->len)
        fl_cloud_set_str(r, FL_F_VPC_ID, d->vpcname->str, d->vpcname->len);
    if (has(e, s->project))
        set_str(r, e, FL_F_ACCOUNT_ID, s->project);
    else
        set_str(r, e, FL_F_ACCOUNT_ID, S_RES_PROJECT);
    if (has(e, s->subnet))
        set_str(r, e, FL_F_SUBNET_ID, s->subnet);
    else
        set_str(r, e, FL_F_SUBNET_ID, S_RES_SUBNET);
    set_str(r, e, FL_F_INSTANCE_ID, s->vm);
    if (has(e, s->region))
        set_str(r, e, FL_F_REGION, s->region);
    else
        set_str(r, e, FL_F_REGION, S_RES_LOCATION);
    set_str(r, e, FL_F_AZ_ID, s->zone);
    return TRUE;
}

typedef struct {
    guint slot;
    FlField field;
    guint64 max;
    gboolean zero_if_absent;    /* proto3 JSON leaves zeros out */
} Num;

static const Num nums[] = {
    { S_SRC_PORT, FL_F_SRCPORT, 65535, TRUE },
    { S_DEST_PORT, FL_F_DSTPORT, 65535, TRUE },
    { S_PROTO, FL_F_PROTOCOL, 255, FALSE },
    { S_PACKETS, FL_F_PACKETS, G_MAXUINT64, FALSE },
    { S_BYTES, FL_F_BYTES, G_MAXUINT64, FALSE },
};

/*
 * The record of a flow-log entry, or a message (static, or in *why_buf)
 * saying why there is none; *reason then set.
 */
static const char *
build(FlGcpDecoder *d, const FlCjEntry *e, FlReject *reason,
      char **why_buf)
{
    FlRecord *r = d->rec;
    const char *rep, *why;
    gboolean src;
    guint8 fam;

    fl_record_reset(r);
    *reason = FL_REJECT_VALUE;
    if ((why = not_string(e, S_REPORTER)))
        return *why_buf = g_strdup_printf(JP "reporter: %s", why);
    rep = fl_cj_str(e, S_REPORTER);
    if (g_str_equal(rep, "SRC") || g_str_equal(rep, "SRC_GATEWAY"))
        src = TRUE;
    else if (g_str_equal(rep, "DEST") || g_str_equal(rep, "DEST_GATEWAY"))
        src = FALSE;
    else
        return *why_buf = g_strdup_printf(JP "reporter: unknown value "
                                          "\"%.40s\"", rep);
    if ((why = not_string(e, S_SRC_IP))
        || !fl_cj_addr(fl_cj_str(e, S_SRC_IP), e->v[S_SRC_IP].len, &fam,
                       r->v[FL_F_SRCADDR].a.bytes)) {
        *reason = why && *why == 'm' ? FL_REJECT_MISSING : FL_REJECT_ADDRESS;
        return *why_buf = g_strdup_printf(JP "connection.src_ip: %s",
                                          why ? why : "not an IP address");
    }
    r->v[FL_F_SRCADDR].a.family = fam;
    fl_record_set_present(r, FL_F_SRCADDR);
    if ((why = not_string(e, S_DEST_IP))
        || !fl_cj_addr(fl_cj_str(e, S_DEST_IP), e->v[S_DEST_IP].len, &fam,
                       r->v[FL_F_DSTADDR].a.bytes)) {
        *reason = why && *why == 'm' ? FL_REJECT_MISSING : FL_REJECT_ADDRESS;
        return *why_buf = g_strdup_printf(JP "connection.dest_ip: %s",
                                          why ? why : "not an IP address");
    }
    r->v[FL_F_DSTADDR].a.family = fam;
    fl_record_set_present(r, FL_F_DSTADDR);
    for (guint i = 0; i < G_N_ELEMENTS(nums); i++) {
        const Num *n = &nums[i];

        if (!fl_cj_set_num(e, n->slot, r, n->field, n->max,
                           n->zero_if_absent, reason, &why))
            return *why_buf = g_strdup_printf(JP "%s: %s",
                                              schema[n->slot].path
                                              + strlen(JP), why);
    }
    for (guint i = 0; i < 2; i++) {
        guint slot = i ? S_END : S_START;
        guint64 ms;

        if ((why = not_string(e, slot))
            || !fl_cj_rfc3339_ms(fl_cj_str(e, slot), e->v[slot].len, &ms)) {
            *reason = why && *why == 'm' ? FL_REJECT_MISSING
                                         : FL_REJECT_NUMBER;
            return *why_buf = g_strdup_printf(JP "%s: %s", i ? "end_time"
                                              : "start_time", why ? why
                                              : "not an RFC 3339 time");
        }
        fl_cloud_set_uint(r, i ? FL_F_END : FL_F_START, ms);
    }
    if (!name_side(d, e, src ? &src_side : &dest_side)) {
        *reason = FL_REJECT_MISSING;
        return *why_buf = g_strdup_printf("no %s_instance, %s_gateway or "
                                          "resource.labels.subnetwork_name "
                                          "names the reporter",
                                          src ? "src" : "dest",
                                          src ? "src" : "dest");
    }
    fl_cloud_set_uint(r, FL_F_FLOW_DIRECTION, src ? FL_DIR_EGRESS
                                                  : FL_DIR_INGRESS);
    fl_cloud_set_uint(r, FL_F_LOG_STATUS, FL_STATUS_OK);
    return NULL;
}

static gboolean on_entry(const FlCjEntry *e, gpointer data, GError **err);

/* A push body: its message decoded and walked as a document. */
static gboolean
push_body(FlGcpDecoder *d, const FlCjEntry *e, GError **err)
{
    const FlCjValue *v = &e->v[S_MSG_DATA];
    gsize n;
    GError *walk_err = NULL;
    gboolean ok;

    if (d->counts)
        d->counts->messages++;
    if (d->outer_line) {
        bad(d, e->line, FL_REJECT_VALUE, "a push body inside a push body");
        return TRUE;
    }
    if (v->type != FL_CJ_STRING) {
        g_autofree char *why = g_strdup_printf("message.data: %s, not "
                                               "base64 text",
                                               fl_cj_type_name(v->type));
        bad(d, e->line, v->type == FL_CJ_TOO_LONG ? FL_REJECT_TOO_LONG
                                                  : FL_REJECT_VALUE, why);
        return TRUE;
    }
    g_byte_array_set_size(d->data, v->len / 4 * 3 + 1);
    if (!fl_base64_decode(fl_cj_str(e, S_MSG_DATA), v->len, d->data->data,
                          &n)) {
        bad(d, e->line, FL_REJECT_VALUE, "message.data: not base64");
        return TRUE;
    }
    d->outer_line = e->line;
    d->msg_id = has(e, S_MSG_ID) ? fl_cj_str(e, S_MSG_ID) : NULL;
    /* The outer entry's strings stay valid: the inner walk has its own
     * walker and arena. */
    ok = fl_cj_walk(d->inner, (const char *)d->data->data, n, on_entry,
                    on_walk_bad, d, &walk_err);
    if (!ok && walk_err->domain == FL_ERROR
        && walk_err->code == FL_ERROR_CORRUPT) {
        bad(d, 1, FL_REJECT_VALUE, walk_err->message);
        g_clear_error(&walk_err);
        ok = TRUE;
    }
    d->outer_line = 0;
    d->msg_id = NULL;
    if (!ok)
        g_propagate_error(err, walk_err);
    /* A large message's buffer is not kept for the next one. */
    if (d->data->len > 1024 * 1024)
        g_byte_array_set_size(d->data, 0);
    return ok;
}

static gboolean
on_entry(const FlCjEntry *e, gpointer data, GError **err)
{
    FlGcpDecoder *d = data;
    g_autofree char *why = NULL;
    FlReject reason;
    const char *rep;

    if (e->v[S_MSG_DATA].type != FL_CJ_ABSENT)
        return push_body(d, e, err);
    if (e->v[S_REPORTER].type == FL_CJ_ABSENT
        && e->v[S_SRC_IP].type == FL_CJ_ABSENT
        && e->v[S_DEST_IP].type == FL_CJ_ABSENT) {
        if (d->counts)
            d->counts->other++;
        return TRUE;
    }
    if (d->counts)
        d->counts->entries++;
    if (d->keep != FL_GCP_KEEP_ALL && has(e, S_REPORTER)) {
        rep = fl_cj_str(e, S_REPORTER);
        if ((d->keep == FL_GCP_KEEP_SRC) != g_str_has_prefix(rep, "SRC")) {
            if (d->counts)
                d->counts->other_side++;
            return TRUE;
        }
    }
    if (build(d, e, &reason, &why) != NULL) {
        bad(d, e->line, reason, why);
        return TRUE;
    }
    {
        FlCloudRecord cr = { d->rec, where(d, e->line), TRUE };

        if (d->counts)
            d->counts->records++;
        return d->on_record(&cr, d->cb_data, err);
    }
}

gboolean
fl_gcp_decoder_decode(FlGcpDecoder *d, const char *buf, gsize len,
                      FlCloudRecordFunc on_record, FlCloudBadFunc on_bad,
                      gpointer data, FlGcpCounts *counts, GError **err)
{
    gboolean ok;

    d->on_record = on_record;
    d->on_bad = on_bad;
    d->cb_data = data;
    d->counts = counts;
    d->outer_line = 0;
    ok = fl_cj_walk(d->outer, buf, len, on_entry, on_walk_bad, d, err);
    d->counts = NULL;
    return ok;
}

gboolean
fl_gcp_sniff(const guint8 *buf, gsize len)
{
    static const char *const names[] = {
        "insertId", "logName", "jsonPayload", "resource", "subscription",
        "timestamp", "receiveTimestamp", "severity", "httpRequest",
        "labels", NULL
    };
    const char *n;
    gsize nl;
    guint8 v;

    if (!fl_cj_first_member(buf, len, &n, &nl, &v))
        return FALSE;
    /* {"message":"LINE"} is Firehose's; a push body's message is an
     * object. */
    if (nl == 7 && memcmp(n, "message", 7) == 0)
        return v == '{';
    return fl_cj_sniff_names(buf, len, names);
}
