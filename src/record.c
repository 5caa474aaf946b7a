/*
 * record.c - the field table: every flow log field name we know and how to
 * parse it.  This table is the specification of the text formats; see
 * ../shared/reference/aws-flow-logs.md for each field's meaning.
 *
 * Limits: ports 0..65535, protocol 0..255, tcp-flags 0..65535 (AWS calls it
 * INT_32, IPFIX tcpControlBits is 16 bits), counters and times 0..2^64-1.
 */
#include "config.h"

#include <string.h>
#include <arpa/inet.h>

#include "record.h"

#define U8  G_GUINT64_CONSTANT(255)
#define U16 G_GUINT64_CONSTANT(65535)
#define U32 G_GUINT64_CONSTANT(4294967295)
#define U64 G_MAXUINT64

#define STR(n, id, ver)      { n, id, FL_KIND_STRING, ver, 0 }
#define UINT(n, id, ver, mx) { n, id, FL_KIND_UINT, ver, mx }
#define ADDR(n, id, ver)     { n, id, FL_KIND_ADDR, ver, 0 }

static const FlFieldInfo field_table[FL_F_COUNT] = {
    [FL_F_UNKNOWN] = STR(NULL, FL_F_UNKNOWN, 0),
    [FL_F_VERSION] = UINT("version", FL_F_VERSION, 2, U8),
    [FL_F_ACCOUNT_ID] = STR("account-id", FL_F_ACCOUNT_ID, 2),
    [FL_F_INTERFACE_ID] = STR("interface-id", FL_F_INTERFACE_ID, 2),
    [FL_F_SRCADDR] = ADDR("srcaddr", FL_F_SRCADDR, 2),
    [FL_F_DSTADDR] = ADDR("dstaddr", FL_F_DSTADDR, 2),
    [FL_F_SRCPORT] = UINT("srcport", FL_F_SRCPORT, 2, U16),
    [FL_F_DSTPORT] = UINT("dstport", FL_F_DSTPORT, 2, U16),
    [FL_F_PROTOCOL] = UINT("protocol", FL_F_PROTOCOL, 2, U8),
    [FL_F_PACKETS] = UINT("packets", FL_F_PACKETS, 2, U64),
    [FL_F_BYTES] = UINT("bytes", FL_F_BYTES, 2, U64),
    [FL_F_START] = UINT("start", FL_F_START, 2, U64),
    [FL_F_END] = UINT("end", FL_F_END, 2, U64),
    [FL_F_ACTION] = { "action", FL_F_ACTION, FL_KIND_ACTION, 2, 0 },
    [FL_F_LOG_STATUS] = { "log-status", FL_F_LOG_STATUS,
                          FL_KIND_LOG_STATUS, 2, 0 },
    [FL_F_VPC_ID] = STR("vpc-id", FL_F_VPC_ID, 3),
    [FL_F_SUBNET_ID] = STR("subnet-id", FL_F_SUBNET_ID, 3),
    [FL_F_INSTANCE_ID] = STR("instance-id", FL_F_INSTANCE_ID, 3),
    [FL_F_TCP_FLAGS] = UINT("tcp-flags", FL_F_TCP_FLAGS, 3, U16),
    [FL_F_TYPE] = STR("type", FL_F_TYPE, 3),
    [FL_F_PKT_SRCADDR] = ADDR("pkt-srcaddr", FL_F_PKT_SRCADDR, 3),
    [FL_F_PKT_DSTADDR] = ADDR("pkt-dstaddr", FL_F_PKT_DSTADDR, 3),
    [FL_F_REGION] = STR("region", FL_F_REGION, 4),
    [FL_F_AZ_ID] = STR("az-id", FL_F_AZ_ID, 4),
    [FL_F_SUBLOCATION_TYPE] = STR("sublocation-type", FL_F_SUBLOCATION_TYPE, 4),
    [FL_F_SUBLOCATION_ID] = STR("sublocation-id", FL_F_SUBLOCATION_ID, 4),
    [FL_F_PKT_SRC_AWS_SERVICE] = STR("pkt-src-aws-service",
                                     FL_F_PKT_SRC_AWS_SERVICE, 5),
    [FL_F_PKT_DST_AWS_SERVICE] = STR("pkt-dst-aws-service",
                                     FL_F_PKT_DST_AWS_SERVICE, 5),
    [FL_F_FLOW_DIRECTION] = { "flow-direction", FL_F_FLOW_DIRECTION,
                              FL_KIND_DIRECTION, 5, 0 },
    [FL_F_TRAFFIC_PATH] = UINT("traffic-path", FL_F_TRAFFIC_PATH, 5, U8),
    [FL_F_ECS_CLUSTER_ARN] = STR("ecs-cluster-arn", FL_F_ECS_CLUSTER_ARN, 7),
    [FL_F_ECS_CLUSTER_NAME] = STR("ecs-cluster-name", FL_F_ECS_CLUSTER_NAME, 7),
    [FL_F_ECS_CONTAINER_INSTANCE_ARN] =
        STR("ecs-container-instance-arn", FL_F_ECS_CONTAINER_INSTANCE_ARN, 7),
    [FL_F_ECS_CONTAINER_INSTANCE_ID] =
        STR("ecs-container-instance-id", FL_F_ECS_CONTAINER_INSTANCE_ID, 7),
    [FL_F_ECS_CONTAINER_ID] = STR("ecs-container-id", FL_F_ECS_CONTAINER_ID, 7),
    [FL_F_ECS_SECOND_CONTAINER_ID] =
        STR("ecs-second-container-id", FL_F_ECS_SECOND_CONTAINER_ID, 7),
    [FL_F_ECS_SERVICE_NAME] = STR("ecs-service-name", FL_F_ECS_SERVICE_NAME, 7),
    [FL_F_ECS_TASK_DEFINITION_ARN] =
        STR("ecs-task-definition-arn", FL_F_ECS_TASK_DEFINITION_ARN, 7),
    [FL_F_ECS_TASK_ARN] = STR("ecs-task-arn", FL_F_ECS_TASK_ARN, 7),
    [FL_F_ECS_TASK_ID] = STR("ecs-task-id", FL_F_ECS_TASK_ID, 7),
    [FL_F_REJECT_REASON] = STR("reject-reason", FL_F_REJECT_REASON, 8),
    [FL_F_RESOURCE_ID] = STR("resource-id", FL_F_RESOURCE_ID, 9),
    /* Values 0-3 are reported; some DDLs call it a string, so a
     * non-number is not worth rejecting the whole flow for. */
    [FL_F_ENCRYPTION_STATUS] = STR("encryption-status",
                                   FL_F_ENCRYPTION_STATUS, 10),
    [FL_F_INSTANCE_TAG] = STR("instance-tag", FL_F_INSTANCE_TAG, 11),
    [FL_F_INSTANCE_TAG_2] = STR("instance-tag-2", FL_F_INSTANCE_TAG_2, 11),
    [FL_F_INTERFACE_TAG] = STR("interface-tag", FL_F_INTERFACE_TAG, 11),
    [FL_F_INTERFACE_TAG_2] = STR("interface-tag-2", FL_F_INTERFACE_TAG_2, 11),
    [FL_F_ASG_TAG] = STR("asg-tag", FL_F_ASG_TAG, 11),
    [FL_F_ASG_TAG_2] = STR("asg-tag-2", FL_F_ASG_TAG_2, 11),
    [FL_F_INTERFACE_TYPE] = STR("interface-type", FL_F_INTERFACE_TYPE, 11),
    [FL_F_NEXT_HOP_INTERFACE_ID] =
        STR("next-hop-interface-id", FL_F_NEXT_HOP_INTERFACE_ID, 11),
    [FL_F_NEXT_HOP_SUBNET_ID] =
        STR("next-hop-subnet-id", FL_F_NEXT_HOP_SUBNET_ID, 11),
    [FL_F_NEXT_HOP_VPC_ID] = STR("next-hop-vpc-id", FL_F_NEXT_HOP_VPC_ID, 11),
    [FL_F_NEXT_HOP_AZ_ID] = STR("next-hop-az-id", FL_F_NEXT_HOP_AZ_ID, 11),
    [FL_F_NEXT_HOP_INTERFACE_TYPE] =
        STR("next-hop-interface-type", FL_F_NEXT_HOP_INTERFACE_TYPE, 11),
    [FL_F_RESOURCE_TYPE] = STR("resource-type", FL_F_RESOURCE_TYPE, 6),
    [FL_F_TGW_ID] = STR("tgw-id", FL_F_TGW_ID, 6),
    [FL_F_TGW_ATTACHMENT_ID] = STR("tgw-attachment-id",
                                   FL_F_TGW_ATTACHMENT_ID, 6),
    [FL_F_TGW_SRC_VPC_ACCOUNT_ID] =
        STR("tgw-src-vpc-account-id", FL_F_TGW_SRC_VPC_ACCOUNT_ID, 6),
    [FL_F_TGW_DST_VPC_ACCOUNT_ID] =
        STR("tgw-dst-vpc-account-id", FL_F_TGW_DST_VPC_ACCOUNT_ID, 6),
    [FL_F_TGW_SRC_VPC_ID] = STR("tgw-src-vpc-id", FL_F_TGW_SRC_VPC_ID, 6),
    [FL_F_TGW_DST_VPC_ID] = STR("tgw-dst-vpc-id", FL_F_TGW_DST_VPC_ID, 6),
    [FL_F_TGW_SRC_SUBNET_ID] = STR("tgw-src-subnet-id",
                                   FL_F_TGW_SRC_SUBNET_ID, 6),
    [FL_F_TGW_DST_SUBNET_ID] = STR("tgw-dst-subnet-id",
                                   FL_F_TGW_DST_SUBNET_ID, 6),
    [FL_F_TGW_SRC_ENI] = STR("tgw-src-eni", FL_F_TGW_SRC_ENI, 6),
    [FL_F_TGW_DST_ENI] = STR("tgw-dst-eni", FL_F_TGW_DST_ENI, 6),
    [FL_F_TGW_SRC_AZ_ID] = STR("tgw-src-az-id", FL_F_TGW_SRC_AZ_ID, 6),
    [FL_F_TGW_DST_AZ_ID] = STR("tgw-dst-az-id", FL_F_TGW_DST_AZ_ID, 6),
    [FL_F_TGW_PAIR_ATTACHMENT_ID] =
        STR("tgw-pair-attachment-id", FL_F_TGW_PAIR_ATTACHMENT_ID, 6),
    [FL_F_PACKETS_LOST_NO_ROUTE] =
        UINT("packets-lost-no-route", FL_F_PACKETS_LOST_NO_ROUTE, 6, U64),
    [FL_F_PACKETS_LOST_BLACKHOLE] =
        UINT("packets-lost-blackhole", FL_F_PACKETS_LOST_BLACKHOLE, 6, U64),
    [FL_F_PACKETS_LOST_MTU_EXCEEDED] =
        UINT("packets-lost-mtu-exceeded", FL_F_PACKETS_LOST_MTU_EXCEEDED, 6,
             U64),
    [FL_F_PACKETS_LOST_TTL_EXPIRED] =
        UINT("packets-lost-ttl-expired", FL_F_PACKETS_LOST_TTL_EXPIRED, 6,
             U64),
    [FL_F_FLOW_END_REASON] = UINT("flow-end-reason", FL_F_FLOW_END_REASON,
                                  0, U8),
    [FL_F_MAC_ADDRESS] = STR("mac-address", FL_F_MAC_ADDRESS, 0),
    [FL_F_ACL_ID] = STR("acl-id", FL_F_ACL_ID, 0),
    [FL_F_RULE] = STR("rule", FL_F_RULE, 0),
};

const FlFieldInfo *
fl_field_info(FlField id)
{
    g_return_val_if_fail(id < FL_F_COUNT, &field_table[0]);
    return &field_table[id];
}

FlField
fl_field_lookup(const char *name, gsize len)
{
    /* Linear scan: this runs once per column per object, never per line. */
    for (guint i = 1; i < FL_F_COUNT; i++) {
        const char *n = field_table[i].name;
        gsize k;

        for (k = 0; k < len && n[k]; k++) {
            char c = name[k] == '_' ? '-' : name[k];
            if (c != n[k])
                break;
        }
        if (k == len && n[k] == '\0')
            return (FlField)i;
    }
    return FL_F_UNKNOWN;
}

void
fl_record_dump(const FlRecord *r, GString *out)
{
    for (guint i = 1; i < FL_F_COUNT; i++) {
        const FlFieldInfo *fi = &field_table[i];
        const FlValue *v = &r->v[i];
        char buf[INET6_ADDRSTRLEN];

        if (!fl_record_has(r, (FlField)i))
            continue;
        g_string_append_printf(out, "%s=", fi->name);
        switch (fi->kind) {
        case FL_KIND_STRING:
            g_string_append_len(out, v->s.ptr, v->s.len);
            break;
        case FL_KIND_ADDR:
            inet_ntop(v->a.family == 4 ? AF_INET : AF_INET6, v->a.bytes,
                      buf, sizeof buf);
            g_string_append(out, buf);
            break;
        default:
            g_string_append_printf(out, "%" G_GUINT64_FORMAT, v->u);
            break;
        }
        g_string_append_c(out, '\n');
    }
    for (guint i = 0; i < r->n_unknown; i++) {
        g_string_append(out, "?=");
        g_string_append_len(out, r->unknown[i].ptr, r->unknown[i].len);
        g_string_append_c(out, '\n');
    }
}
