/*
 * mapper.c - the mapping table of ../shared/design/mapping.md in code.
 *
 * Only log-status OK lines become records.  A record never carries made-up
 * values: a mandatory field that is "-" rejects the line.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "mapper.h"

static const FlField vpc_mandatory[] = {
    FL_F_SRCADDR, FL_F_DSTADDR, FL_F_SRCPORT, FL_F_DSTPORT, FL_F_PROTOCOL,
    FL_F_PACKETS, FL_F_BYTES, FL_F_START, FL_F_END, FL_F_ACTION,
    FL_F_INTERFACE_ID, FL_F_LOG_STATUS,
};

/* A VPC format of a cloud without verdicts (FlFormat.no_action). */
static const FlField vpc_no_action_mandatory[] = {
    FL_F_SRCADDR, FL_F_DSTADDR, FL_F_SRCPORT, FL_F_DSTPORT, FL_F_PROTOCOL,
    FL_F_PACKETS, FL_F_BYTES, FL_F_START, FL_F_END, FL_F_INTERFACE_ID,
    FL_F_LOG_STATUS,
};

static const FlField tgw_mandatory[] = {
    FL_F_SRCADDR, FL_F_DSTADDR, FL_F_SRCPORT, FL_F_DSTPORT, FL_F_PROTOCOL,
    FL_F_PACKETS, FL_F_BYTES, FL_F_START, FL_F_END, FL_F_TGW_ATTACHMENT_ID,
    FL_F_LOG_STATUS,
};

static const FlField lost_fields[] = {
    FL_F_PACKETS_LOST_NO_ROUTE, FL_F_PACKETS_LOST_BLACKHOLE,
    FL_F_PACKETS_LOST_MTU_EXCEEDED, FL_F_PACKETS_LOST_TTL_EXPIRED,
};

gboolean
fl_map_plan_init(FlMapPlan *plan, const FlFormat *fmt,
                 const FlMapperConfig *cfg, GError **err)
{
    const FlField *need;
    guint n_need;
    gboolean no_action = fmt->no_action && !fl_format_has(fmt, FL_F_ACTION);
    g_autoptr(GString) missing = g_string_new(NULL);

    memset(plan, 0, sizeof *plan);
    if (!fl_format_has(fmt, FL_F_INTERFACE_ID)
        && fl_format_has(fmt, FL_F_TGW_ATTACHMENT_ID)) {
        plan->profile = FL_PROFILE_TGW;
        need = tgw_mandatory;
        n_need = G_N_ELEMENTS(tgw_mandatory);
        plan->if_field = FL_F_TGW_ATTACHMENT_ID;
        plan->vrf_field = fl_format_has(fmt, FL_F_TGW_SRC_VPC_ID)
                          ? FL_F_TGW_SRC_VPC_ID : FL_F_UNKNOWN;
    } else {
        plan->profile = FL_PROFILE_VPC;
        need = no_action ? vpc_no_action_mandatory : vpc_mandatory;
        n_need = no_action ? G_N_ELEMENTS(vpc_no_action_mandatory)
                           : G_N_ELEMENTS(vpc_mandatory);
        plan->if_field = FL_F_INTERFACE_ID;
        plan->vrf_field = fl_format_has(fmt, FL_F_VPC_ID)
                          ? FL_F_VPC_ID : FL_F_UNKNOWN;
    }
    plan->need = need;
    plan->n_need = n_need;
    for (guint i = 0; i < n_need; i++) {
        if (!fl_format_has(fmt, need[i])) {
            if (missing->len)
                g_string_append(missing, ", ");
            g_string_append(missing, fl_field_info(need[i])->name);
        }
    }
    if (cfg->pkt_addresses) {
        /* --address-pair pkt needs the packet-level pair in the format. */
        static const FlField pkt[] = { FL_F_PKT_SRCADDR, FL_F_PKT_DSTADDR };
        for (guint i = 0; i < G_N_ELEMENTS(pkt); i++) {
            if (!fl_format_has(fmt, pkt[i])) {
                if (missing->len)
                    g_string_append(missing, ", ");
                g_string_append(missing, fl_field_info(pkt[i])->name);
            }
        }
        plan->pkt_addresses = TRUE;
    }
    if (missing->len) {
        g_set_error(err, FL_ERROR, FL_ERROR_FORMAT,
                    "format lacks mandatory field(s): %s", missing->str);
        return FALSE;
    }
    if (plan->profile == FL_PROFILE_VPC && !no_action)
        plan->variant |= FL_V_EGRESS;
    if (fl_format_has(fmt, FL_F_TCP_FLAGS))
        plan->variant |= FL_V_TCP_FLAGS;
    if (fl_format_has(fmt, FL_F_FLOW_DIRECTION))
        plan->variant |= FL_V_DIRECTION;
    if (plan->vrf_field != FL_F_UNKNOWN)
        plan->variant |= FL_V_VRF;
    for (guint i = 0; i < G_N_ELEMENTS(lost_fields); i++)
        if (fl_format_has(fmt, lost_fields[i]))
            plan->has_lost = TRUE;
    if (plan->has_lost)
        plan->variant |= FL_V_DROPPED;
    if (fl_format_has(fmt, FL_F_FLOW_END_REASON))
        plan->variant |= FL_V_END_REASON;
    if (cfg->time_elements != FL_TIME_MILLISECONDS)
        plan->variant |= FL_V_TIME_SEC;
    if (cfg->time_elements != FL_TIME_SECONDS)
        plan->variant |= FL_V_TIME_MSEC;
    return TRUE;
}

void
fl_new_name_clear(gpointer p)
{
    FlNewName *n = p;

    g_free(n->name);
    g_free(n->desc);
}

void
fl_mapper_thread_init(FlMapperThread *t, const FlMapperConfig *cfg)
{
    t->ifaces = fl_name_cache_new(FL_ID_INTERFACE, cfg->id_bits, cfg->pins);
    t->vrfs = fl_name_cache_new(FL_ID_VRF, cfg->id_bits, cfg->pins);
    t->new_names = g_array_new(FALSE, FALSE, sizeof(FlNewName));
    g_array_set_clear_func(t->new_names, fl_new_name_clear);
}

void
fl_mapper_thread_clear(FlMapperThread *t)
{
    g_clear_pointer(&t->ifaces, fl_name_cache_free);
    g_clear_pointer(&t->vrfs, fl_name_cache_free);
    if (t->new_names)
        g_array_unref(g_steal_pointer(&t->new_names));
}

static void
desc_add(GString *d, const FlRecord *rec, FlField f, const char *key)
{
    if (!fl_record_has(rec, f))
        return;
    if (d->len)
        g_string_append_c(d, ' ');
    g_string_append(d, key);
    g_string_append_c(d, '=');
    g_string_append_len(d, rec->v[f].s.ptr, rec->v[f].s.len);
}

/* account=, from the line, else from the payload's owner. */
static void
desc_account(GString *d, const FlMapPlan *plan, const FlRecord *rec,
             FlField f)
{
    if (fl_record_has(rec, f) || plan->owner == NULL) {
        desc_add(d, rec, f, "account");
        return;
    }
    if (d->len)
        g_string_append_c(d, ' ');
    g_string_append_printf(d, "account=%s", plan->owner);
}

/* Another cloud's interface or network: cloud=NAME, then that cloud's
 * keys (account-id holds Azure's subscription, resource-id the flow log's
 * target resource). */
static void
describe_cloud(GString *d, const FlMapPlan *plan, FlIdKind kind,
               const FlRecord *rec)
{
    g_string_append_printf(d, "cloud=%s", plan->cloud);
    desc_add(d, rec, FL_F_ACCOUNT_ID, "subscription");
    if (kind == FL_ID_VRF)
        return;
    desc_add(d, rec, FL_F_MAC_ADDRESS, "mac");
    desc_add(d, rec, FL_F_RESOURCE_ID, "resource");
    desc_add(d, rec, FL_F_ACL_ID, "acl");
    desc_add(d, rec, FL_F_RULE, "rule");
}

/* The description rules are in doc/internals/CONTRACT.md. */
static char *
describe(const FlMapPlan *plan, FlIdKind kind, const FlRecord *rec)
{
    GString *d = g_string_new(NULL);

    if (plan->cloud) {
        describe_cloud(d, plan, kind, rec);
    } else if (kind == FL_ID_VRF) {
        /* A TGW's source VPC may belong to another account than the
         * log group: no owner stands in for it. */
        if (plan->profile == FL_PROFILE_TGW)
            desc_add(d, rec, FL_F_TGW_SRC_VPC_ACCOUNT_ID, "account");
        else
            desc_account(d, plan, rec, FL_F_ACCOUNT_ID);
        desc_add(d, rec, FL_F_REGION, "region");
    } else if (plan->profile == FL_PROFILE_TGW) {
        desc_account(d, plan, rec, FL_F_ACCOUNT_ID);
        desc_add(d, rec, FL_F_TGW_ID, "tgw");
        desc_add(d, rec, FL_F_TGW_SRC_VPC_ID, "vpc");
        desc_add(d, rec, FL_F_REGION, "region");
    } else {
        desc_account(d, plan, rec, FL_F_ACCOUNT_ID);
        desc_add(d, rec, FL_F_VPC_ID, "vpc");
        desc_add(d, rec, FL_F_SUBNET_ID, "subnet");
        desc_add(d, rec, FL_F_INSTANCE_ID, "instance");
        desc_add(d, rec, FL_F_REGION, "region");
        desc_add(d, rec, FL_F_AZ_ID, "az");
    }
    /* A sampled cloud's rates are unknown (Google gives none): the flag
     * is said where a collector shows it, not as a made-up interval. */
    if (plan->sampled && kind == FL_ID_INTERFACE)
        g_string_append(d, d->len ? " sampled=yes" : "sampled=yes");
    return g_string_free(d, FALSE);
}

static inline guint32
name_id(const FlMapPlan *plan, FlMapperThread *t, FlIdKind kind,
        const FlRecord *rec, FlField f)
{
    FlNameCache *c = kind == FL_ID_VRF ? t->vrfs : t->ifaces;
    const FlStr *s = &rec->v[f].s;
    gboolean is_new;
    guint32 id = fl_name_cache_lookup(c, s->ptr, s->len, &is_new);

    if (G_UNLIKELY(is_new)) {
        FlNewName n = { kind, id, g_strndup(s->ptr, s->len),
                        describe(plan, kind, rec) };
        g_array_append_val(t->new_names, n);
    }
    return id;
}

/* Some readers report start/end in milliseconds: anything past year 5138
 * in seconds is taken as milliseconds. */
#define MS_THRESHOLD G_GUINT64_CONSTANT(100000000000)

static inline guint64
to_msec(guint64 v)
{
    return v >= MS_THRESHOLD ? v : v * 1000;
}

FlMapResult
fl_map_record(const FlMapPlan *plan, const FlMapperConfig *cfg,
              FlMapperThread *t, const FlRecord *rec, FlIpfixRec *out,
              guint *variant, FlReject *reason, guint *column)
{
    const FlField *need = plan->need;
    guint n_need = plan->n_need;
    guint v = plan->variant;
    guint64 start_ms, end_ms;
    FlField src_f = FL_F_SRCADDR, dst_f = FL_F_DSTADDR;

    (void)cfg;
    if (!fl_record_has(rec, FL_F_LOG_STATUS)) {
        *reason = FL_REJECT_MISSING;
        *column = FL_F_LOG_STATUS;
        return FL_MAP_REJECT;
    }
    if (rec->v[FL_F_LOG_STATUS].u != FL_STATUS_OK)
        return rec->v[FL_F_LOG_STATUS].u == FL_STATUS_NODATA
               ? FL_MAP_NODATA : FL_MAP_SKIPDATA;

    /* Mandatory fields are few; checking the presence mask against a
     * precomputed mask would be faster, but this keeps the message exact. */
    for (guint i = 0; i < n_need; i++) {
        if (G_UNLIKELY(!fl_record_has(rec, need[i]))) {
            *reason = FL_REJECT_MISSING;
            *column = need[i];      /* a field ID, not a column: see caller */
            return FL_MAP_REJECT;
        }
    }
    /* --address-pair pkt: the packet's own addresses where the line has
     * both, else the interface's view (srcaddr/dstaddr), which every OK
     * line has. */
    if (plan->pkt_addresses && fl_record_has(rec, FL_F_PKT_SRCADDR)
        && fl_record_has(rec, FL_F_PKT_DSTADDR)) {
        src_f = FL_F_PKT_SRCADDR;
        dst_f = FL_F_PKT_DSTADDR;
    }
    if (G_UNLIKELY(rec->v[src_f].a.family != rec->v[dst_f].a.family)) {
        *reason = FL_REJECT_ADDRESS;
        *column = dst_f;
        return FL_MAP_REJECT;
    }

    if (rec->v[src_f].a.family == 6) {
        v |= FL_V_IPV6;
        memcpy(out->sourceIPv6Address, rec->v[src_f].a.bytes, 16);
        memcpy(out->destinationIPv6Address, rec->v[dst_f].a.bytes, 16);
        out->sourceIPv4Address = out->destinationIPv4Address = 0;
    } else {
        const guint8 *s = rec->v[src_f].a.bytes;
        const guint8 *d = rec->v[dst_f].a.bytes;
        out->sourceIPv4Address = (guint32)s[0] << 24 | (guint32)s[1] << 16
                                 | (guint32)s[2] << 8 | s[3];
        out->destinationIPv4Address = (guint32)d[0] << 24 | (guint32)d[1] << 16
                                      | (guint32)d[2] << 8 | d[3];
    }
    out->sourceTransportPort = (guint16)rec->v[FL_F_SRCPORT].u;
    out->destinationTransportPort = (guint16)rec->v[FL_F_DSTPORT].u;
    out->protocolIdentifier = (guint8)rec->v[FL_F_PROTOCOL].u;
    out->packetDeltaCount = rec->v[FL_F_PACKETS].u;
    out->octetDeltaCount = rec->v[FL_F_BYTES].u;

    start_ms = to_msec(rec->v[FL_F_START].u);
    end_ms = to_msec(rec->v[FL_F_END].u);
    out->flowStartMilliseconds = start_ms;
    out->flowEndMilliseconds = end_ms;
    /* dateTimeSeconds is 32 bits on the wire: a time past 2106 cannot be
     * expressed and is a bad value, not something to wrap silently. */
    if (G_UNLIKELY(start_ms / 1000 > G_MAXUINT32
                   || end_ms / 1000 > G_MAXUINT32)) {
        *reason = FL_REJECT_NUMBER;
        *column = start_ms / 1000 > G_MAXUINT32 ? FL_F_START : FL_F_END;
        return FL_MAP_REJECT;
    }
    out->flowStartSeconds = (guint32)(start_ms / 1000);
    out->flowEndSeconds = (guint32)(end_ms / 1000);

    out->ingressInterface = name_id(plan, t, FL_ID_INTERFACE, rec,
                                    plan->if_field);
    if (v & FL_V_EGRESS)
        out->egressInterface = rec->v[FL_F_ACTION].u == FL_ACTION_ACCEPT
                               ? FL_ID_ACCEPT : FL_ID_REJECT;
    else
        out->egressInterface = 0;
    /* An optional field that is "-" on this line is left out of this
     * record (the variant without that element), never sent as 0: 0 would
     * claim "no flags", "ingress" or "VRF 0". */
    if (v & FL_V_TCP_FLAGS) {
        if (fl_record_has(rec, FL_F_TCP_FLAGS))
            out->tcpControlBits = (guint16)rec->v[FL_F_TCP_FLAGS].u;
        else
            v &= ~(guint)FL_V_TCP_FLAGS;
    }
    if (v & FL_V_DIRECTION) {
        if (fl_record_has(rec, FL_F_FLOW_DIRECTION))
            out->flowDirection = (guint8)rec->v[FL_F_FLOW_DIRECTION].u;
        else
            v &= ~(guint)FL_V_DIRECTION;
    }
    if (v & FL_V_VRF) {
        if (fl_record_has(rec, plan->vrf_field))
            out->ingressVRFID = name_id(plan, t, FL_ID_VRF, rec,
                                        plan->vrf_field);
        else
            v &= ~(guint)FL_V_VRF;
    }
    if (v & FL_V_DROPPED) {
        gboolean any = FALSE;

        out->droppedPacketDeltaCount = 0;
        for (guint i = 0; i < G_N_ELEMENTS(lost_fields); i++) {
            if (fl_record_has(rec, lost_fields[i])) {
                guint64 add = rec->v[lost_fields[i]].u;
                /* Saturate rather than wrap: a huge sum is still huge. */
                out->droppedPacketDeltaCount =
                    add > G_MAXUINT64 - out->droppedPacketDeltaCount
                    ? G_MAXUINT64 : out->droppedPacketDeltaCount + add;
                any = TRUE;
            }
        }
        if (!any)
            v &= ~(guint)FL_V_DROPPED;
    }
    if (v & FL_V_END_REASON) {
        if (fl_record_has(rec, FL_F_FLOW_END_REASON))
            out->flowEndReason = (guint8)rec->v[FL_F_FLOW_END_REASON].u;
        else
            v &= ~(guint)FL_V_END_REASON;
    }
    *variant = v;
    return FL_MAP_RECORD;
}
