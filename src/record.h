/*
 * record.h - FlRecord, one flow log line as typed fields, for every format.
 *
 * The field table in record.c is the specification: one row per known
 * field name (AWS VPC versions 2-11 and Transit Gateway version 6) with its
 * kind.  The same table drives format compilation, line decoding, the
 * presence mask and test dumps.  A field absent from the format, or "-" in
 * the line, is absent (its presence bit is clear), never zero.
 *
 * The record model is not AWS-specific: addresses, ports and counters are
 * the usual flow fields; cloud names (interface, VPC, account) are strings.
 */
#ifndef FL_RECORD_H
#define FL_RECORD_H

#include <glib.h>
#include <stdint.h>

typedef enum {
    FL_F_UNKNOWN = 0,           /* a name we do not know: opaque string */
    /* version 2 (the default format, in this order) */
    FL_F_VERSION, FL_F_ACCOUNT_ID, FL_F_INTERFACE_ID, FL_F_SRCADDR,
    FL_F_DSTADDR, FL_F_SRCPORT, FL_F_DSTPORT, FL_F_PROTOCOL, FL_F_PACKETS,
    FL_F_BYTES, FL_F_START, FL_F_END, FL_F_ACTION, FL_F_LOG_STATUS,
    /* version 3 */
    FL_F_VPC_ID, FL_F_SUBNET_ID, FL_F_INSTANCE_ID, FL_F_TCP_FLAGS, FL_F_TYPE,
    FL_F_PKT_SRCADDR, FL_F_PKT_DSTADDR,
    /* version 4 */
    FL_F_REGION, FL_F_AZ_ID, FL_F_SUBLOCATION_TYPE, FL_F_SUBLOCATION_ID,
    /* version 5 */
    FL_F_PKT_SRC_AWS_SERVICE, FL_F_PKT_DST_AWS_SERVICE, FL_F_FLOW_DIRECTION,
    FL_F_TRAFFIC_PATH,
    /* version 7: ECS */
    FL_F_ECS_CLUSTER_ARN, FL_F_ECS_CLUSTER_NAME, FL_F_ECS_CONTAINER_INSTANCE_ARN,
    FL_F_ECS_CONTAINER_INSTANCE_ID, FL_F_ECS_CONTAINER_ID,
    FL_F_ECS_SECOND_CONTAINER_ID, FL_F_ECS_SERVICE_NAME,
    FL_F_ECS_TASK_DEFINITION_ARN, FL_F_ECS_TASK_ARN, FL_F_ECS_TASK_ID,
    /* versions 8-11 */
    FL_F_REJECT_REASON, FL_F_RESOURCE_ID, FL_F_ENCRYPTION_STATUS,
    FL_F_INSTANCE_TAG, FL_F_INSTANCE_TAG_2, FL_F_INTERFACE_TAG,
    FL_F_INTERFACE_TAG_2, FL_F_ASG_TAG, FL_F_ASG_TAG_2, FL_F_INTERFACE_TYPE,
    FL_F_NEXT_HOP_INTERFACE_ID, FL_F_NEXT_HOP_SUBNET_ID, FL_F_NEXT_HOP_VPC_ID,
    FL_F_NEXT_HOP_AZ_ID, FL_F_NEXT_HOP_INTERFACE_TYPE,
    /* Transit Gateway (version 6) */
    FL_F_RESOURCE_TYPE, FL_F_TGW_ID, FL_F_TGW_ATTACHMENT_ID,
    FL_F_TGW_SRC_VPC_ACCOUNT_ID, FL_F_TGW_DST_VPC_ACCOUNT_ID,
    FL_F_TGW_SRC_VPC_ID, FL_F_TGW_DST_VPC_ID, FL_F_TGW_SRC_SUBNET_ID,
    FL_F_TGW_DST_SUBNET_ID, FL_F_TGW_SRC_ENI, FL_F_TGW_DST_ENI,
    FL_F_TGW_SRC_AZ_ID, FL_F_TGW_DST_AZ_ID, FL_F_TGW_PAIR_ATTACHMENT_ID,
    FL_F_PACKETS_LOST_NO_ROUTE, FL_F_PACKETS_LOST_BLACKHOLE,
    FL_F_PACKETS_LOST_MTU_EXCEEDED, FL_F_PACKETS_LOST_TTL_EXPIRED,
    /* Not AWS fields (version 0): set by the decoders of other clouds'
     * documents, which have no header line.  flow-end-reason holds an
     * IPFIX flowEndReason (136) value; mac-address, acl-id and rule only
     * describe an interface in its options record. */
    FL_F_FLOW_END_REASON, FL_F_MAC_ADDRESS, FL_F_ACL_ID, FL_F_RULE,
    FL_F_COUNT
} FlField;

G_STATIC_ASSERT(FL_F_COUNT <= 128);

/* How a field's text is parsed and stored. */
typedef enum {
    FL_KIND_STRING,     /* kept as a slice of the line */
    FL_KIND_UINT,       /* decimal, 0..max (max in the table) */
    FL_KIND_ADDR,       /* IPv4 dotted quad or IPv6 text */
    FL_KIND_ACTION,     /* ACCEPT | REJECT */
    FL_KIND_LOG_STATUS, /* OK | NODATA | SKIPDATA */
    FL_KIND_DIRECTION   /* ingress | egress */
} FlKind;

enum { FL_ACTION_ACCEPT = 1, FL_ACTION_REJECT = 2 };
enum { FL_STATUS_OK = 1, FL_STATUS_NODATA = 2, FL_STATUS_SKIPDATA = 3 };
enum { FL_DIR_INGRESS = 0, FL_DIR_EGRESS = 1 };   /* IPFIX flowDirection */

typedef struct {
    const char *name;   /* exact AWS spelling, as in ${name} */
    FlField     id;
    FlKind      kind;
    guint8      version;/* AWS version that introduced it (6 = TGW; 0 =
                           not an AWS field) */
    guint64     max;    /* FL_KIND_UINT only */
} FlFieldInfo;

/* The table, indexed by FlField (row 0 is the unknown field). */
const FlFieldInfo *fl_field_info(FlField id);

/* Field for an AWS name (hyphenated; Parquet's underscores accepted too);
 * FL_F_UNKNOWN when the name is not known.  Cannot fail. */
FlField fl_field_lookup(const char *name, gsize len);

typedef struct {
    const char *ptr;    /* into the line; not NUL-terminated */
    guint32     len;
} FlStr;

typedef struct {
    guint8 family;      /* 4 or 6 */
    guint8 bytes[16];   /* network order; IPv4 uses bytes[0..3] */
} FlAddr;

typedef union {
    guint64 u;          /* FL_KIND_UINT and the enum kinds */
    FlStr   s;          /* FL_KIND_STRING */
    FlAddr  a;          /* FL_KIND_ADDR */
} FlValue;

#define FL_MAX_COLUMNS 128

typedef struct {
    guint64 present[2];             /* bit per FlField */
    FlValue v[FL_F_COUNT];
    guint   n_unknown;              /* opaque values of unknown columns */
    FlStr   unknown[FL_MAX_COLUMNS];
} FlRecord;

static inline gboolean
fl_record_has(const FlRecord *r, FlField f)
{
    return (r->present[f >> 6] >> (f & 63)) & 1;
}

static inline void
fl_record_set_present(FlRecord *r, FlField f)
{
    r->present[f >> 6] |= G_GUINT64_CONSTANT(1) << (f & 63);
}

static inline void
fl_record_reset(FlRecord *r)
{
    r->present[0] = r->present[1] = 0;
    r->n_unknown = 0;
}

/* Appends "name=value" lines for every present field (test dumps). */
void fl_record_dump(const FlRecord *r, GString *out);

#endif
