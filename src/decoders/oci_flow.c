/*
 * oci_flow.c - OCI VCN flow-log events into FlRecords (see oci_flow.h for
 * the mapping).  The JSON walk is cloud_json.c's; this file is the schema
 * and what a finished event becomes.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "decoders/oci_flow.h"

enum {
    S_ACTION, S_BYTES, S_DST, S_DPORT, S_END, S_PACKETS, S_PROTO, S_SRC,
    S_SPORT, S_START, S_STATUS, S_VNIC, S_SUBNET, S_TENANT, S_ANY_DATA,
    N_SLOTS
};

/* Each field with and without the search results' "logContent." and in
 * both the places Oracle's pages show the VNIC and subnet. */
#define ROW(p, s) { p, s, 0 }, { "logContent." p, s, 0 }
static const FlCjPath schema[] = {
    ROW("data.action", S_ACTION),
    ROW("data.bytesOut", S_BYTES),
    ROW("data.destinationAddress", S_DST),
    ROW("data.destinationPort", S_DPORT),
    ROW("data.endTime", S_END),
    ROW("data.packets", S_PACKETS),
    ROW("data.protocol", S_PROTO),
    ROW("data.sourceAddress", S_SRC),
    ROW("data.sourcePort", S_SPORT),
    ROW("data.startTime", S_START),
    ROW("data.status", S_STATUS),
    ROW("data.vnicocid", S_VNIC),
    ROW("oracle.vnicocid", S_VNIC),
    ROW("data.vnicsubnetocid", S_SUBNET),
    ROW("oracle.vnicsubnetocid", S_SUBNET),
    ROW("oracle.tenantid", S_TENANT),
    ROW("data", S_ANY_DATA),
};

struct FlOciDecoder {
    FlCjWalker *walker;
    FlRecord *rec;
    GString *ifname, *vrfname, *where;
    FlCloudRecordFunc on_record;
    FlCloudBadFunc on_bad;
    gpointer cb_data;
    FlOciCounts *counts;
};

FlOciDecoder *
fl_oci_decoder_new(void)
{
    FlOciDecoder *d = g_new0(FlOciDecoder, 1);

    d->walker = fl_cj_walker_new(schema, G_N_ELEMENTS(schema), N_SLOTS);
    d->rec = g_new0(FlRecord, 1);
    d->ifname = g_string_new(NULL);
    d->vrfname = g_string_new(NULL);
    d->where = g_string_new(NULL);
    return d;
}

void
fl_oci_decoder_free(FlOciDecoder *d)
{
    if (d == NULL)
        return;
    fl_cj_walker_free(d->walker);
    g_free(d->rec);
    g_string_free(d->ifname, TRUE);
    g_string_free(d->vrfname, TRUE);
    g_string_free(d->where, TRUE);
    g_free(d);
}

static void
bad(FlOciDecoder *d, guint64 line, FlReject reason, const char *why)
{
    if (d->counts)
        d->counts->bad++;
    if (d->on_bad == NULL)
        return;
    g_string_printf(d->where, "line %" G_GUINT64_FORMAT, line);
    d->on_bad(d->where->str, reason, why, d->cb_data);
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

static const char *
not_string(const FlCjEntry *e, guint slot)
{
    FlCjType t = e->v[slot].type;

    if (t == FL_CJ_STRING)
        return NULL;
    return t == FL_CJ_ABSENT || t == FL_CJ_NULL ? "missing"
           : t == FL_CJ_TOO_LONG ? "a string too long" : "not a string";
}

typedef struct {
    guint slot;
    const char *name;
    FlField field;
    guint64 max;
    gboolean zero_if_absent;
} Num;

static const Num nums[] = {
    { S_SPORT, "sourcePort", FL_F_SRCPORT, 65535, TRUE },
    { S_DPORT, "destinationPort", FL_F_DSTPORT, 65535, TRUE },
    { S_PROTO, "protocol", FL_F_PROTOCOL, 255, FALSE },
    { S_PACKETS, "packets", FL_F_PACKETS, G_MAXUINT64, FALSE },
    { S_BYTES, "bytesOut", FL_F_BYTES, G_MAXUINT64, FALSE },
    { S_START, "startTime", FL_F_START, G_MAXUINT64, FALSE },
    { S_END, "endTime", FL_F_END, G_MAXUINT64, FALSE },
};

/* The interface, VRF and account names; FALSE without a VNIC. */
static const char *
names(FlOciDecoder *d, const FlCjEntry *e)
{
    FlRecord *r = d->rec;
    const char *why = not_string(e, S_VNIC);

    if (why)
        return why;
    g_string_printf(d->ifname, "oci:%s", fl_cj_str(e, S_VNIC));
    fl_cloud_set_str(r, FL_F_INTERFACE_ID, d->ifname->str, d->ifname->len);
    if (has(e, S_SUBNET)) {
        g_string_printf(d->vrfname, "oci:%s", fl_cj_str(e, S_SUBNET));
        fl_cloud_set_str(r, FL_F_VPC_ID, d->vrfname->str, d->vrfname->len);
        fl_cloud_set_str(r, FL_F_SUBNET_ID, fl_cj_str(e, S_SUBNET),
                         e->v[S_SUBNET].len);
    }
    if (has(e, S_TENANT))
        fl_cloud_set_str(r, FL_F_ACCOUNT_ID, fl_cj_str(e, S_TENANT),
                         e->v[S_TENANT].len);
    return NULL;
}

static const char *
build(FlOciDecoder *d, const FlCjEntry *e, FlReject *reason, char **why_buf)
{
    FlRecord *r = d->rec;
    const char *why, *s;
    guint64 status = FL_STATUS_OK;
    guint8 fam;

    fl_record_reset(r);
    *reason = FL_REJECT_VALUE;
    if (e->v[S_STATUS].type != FL_CJ_ABSENT) {
        if ((why = not_string(e, S_STATUS)))
            return *why_buf = g_strdup_printf("data.status: %s", why);
        s = fl_cj_str(e, S_STATUS);
        if (g_str_equal(s, "NODATA"))
            status = FL_STATUS_NODATA;
        else if (g_str_equal(s, "SKIPDATA"))
            status = FL_STATUS_SKIPDATA;
        else if (!g_str_equal(s, "OK"))
            return *why_buf = g_strdup_printf("data.status: unknown value "
                                              "\"%.40s\"", s);
    }
    fl_cloud_set_uint(r, FL_F_LOG_STATUS, status);
    if ((why = names(d, e)) != NULL) {
        *reason = FL_REJECT_MISSING;
        return *why_buf = g_strdup_printf("vnicocid: %s", why);
    }
    if (status != FL_STATUS_OK)
        return NULL;            /* counted by the mapper, nothing else */
    if ((why = not_string(e, S_ACTION)))
        return *why_buf = g_strdup_printf("data.action: %s", why);
    s = fl_cj_str(e, S_ACTION);
    if (g_str_equal(s, "ACCEPT"))
        fl_cloud_set_uint(r, FL_F_ACTION, FL_ACTION_ACCEPT);
    else if (g_str_equal(s, "REJECT"))
        fl_cloud_set_uint(r, FL_F_ACTION, FL_ACTION_REJECT);
    else
        return *why_buf = g_strdup_printf("data.action: unknown value "
                                          "\"%.40s\"", s);
    for (guint i = 0; i < 2; i++) {
        guint slot = i ? S_DST : S_SRC;
        FlField f = i ? FL_F_DSTADDR : FL_F_SRCADDR;

        if ((why = not_string(e, slot))
            || !fl_cj_addr(fl_cj_str(e, slot), e->v[slot].len, &fam,
                           r->v[f].a.bytes)) {
            *reason = why && *why == 'm' ? FL_REJECT_MISSING
                                         : FL_REJECT_ADDRESS;
            return *why_buf = g_strdup_printf("data.%s: %s", i
                                              ? "destinationAddress"
                                              : "sourceAddress",
                                              why ? why : "not an IP "
                                              "address");
        }
        r->v[f].a.family = fam;
        fl_record_set_present(r, f);
    }
    for (guint i = 0; i < G_N_ELEMENTS(nums); i++) {
        const Num *n = &nums[i];

        if (!fl_cj_set_num(e, n->slot, r, n->field, n->max,
                           n->zero_if_absent, reason, &why))
            return *why_buf = g_strdup_printf("data.%s: %s", n->name, why);
    }
    return NULL;
}

static gboolean
on_entry(const FlCjEntry *e, gpointer data, GError **err)
{
    FlOciDecoder *d = data;
    g_autofree char *why = NULL;
    FlReject reason;

    if (e->v[S_ANY_DATA].type != FL_CJ_OBJECT) {
        if (d->counts)
            d->counts->other++;
        return TRUE;
    }
    if (d->counts)
        d->counts->events++;
    if (build(d, e, &reason, &why) != NULL) {
        bad(d, e->line, reason, why);
        return TRUE;
    }
    g_string_printf(d->where, "line %" G_GUINT64_FORMAT, e->line);
    {
        FlCloudRecord cr = { d->rec, d->where->str, FALSE };

        if (d->counts)
            d->counts->records++;
        return d->on_record(&cr, d->cb_data, err);
    }
}

gboolean
fl_oci_decoder_decode(FlOciDecoder *d, const char *buf, gsize len,
                      FlCloudRecordFunc on_record, FlCloudBadFunc on_bad,
                      gpointer data, FlOciCounts *counts, GError **err)
{
    gboolean ok;

    d->on_record = on_record;
    d->on_bad = on_bad;
    d->cb_data = data;
    d->counts = counts;
    ok = fl_cj_walk(d->walker, buf, len, on_entry, on_walk_bad, d, err);
    d->counts = NULL;
    return ok;
}

gboolean
fl_oci_sniff(const guint8 *buf, gsize len)
{
    static const char *const names[] = {
        "datetime", "logContent", "data", "oracle", "specversion", NULL
    };

    return fl_cj_sniff_names(buf, len, names);
}
