/*
 * mapper.h - FlRecord to IPFIX record, per ../shared/design/mapping.md.
 *
 * FlIpfixRec is the C struct behind the single internal data template: it
 * holds every element any variant can export; each external template
 * variant (doc/internals/CONTRACT.md) picks the elements the input format
 * actually has.  The struct and the internal spec array in export.c are
 * checked against each other at start-up.
 *
 * A plan is compiled once per format: profile (VPC or TGW), variant bits,
 * and the mandatory-field check that names what is missing.  A VPC format
 * marked no_action (a cloud whose records carry no verdict) needs no
 * action and gets no egressInterface (the variants without FL_V_EGRESS).
 */
#ifndef FL_MAPPER_H
#define FL_MAPPER_H

#include <glib.h>
#include "record.h"
#include "decoders/decode.h"
#include "idmap.h"

typedef struct {
    guint64 octetDeltaCount;
    guint64 packetDeltaCount;
    guint64 droppedPacketDeltaCount;
    guint64 flowStartMilliseconds;
    guint64 flowEndMilliseconds;
    guint8  sourceIPv6Address[16];
    guint8  destinationIPv6Address[16];
    guint32 sourceIPv4Address;          /* host order (fixbuf swaps) */
    guint32 destinationIPv4Address;
    guint32 flowStartSeconds;
    guint32 flowEndSeconds;
    guint32 ingressInterface;
    guint32 egressInterface;
    guint32 ingressVRFID;
    guint16 sourceTransportPort;
    guint16 destinationTransportPort;
    guint16 tcpControlBits;
    guint8  protocolIdentifier;
    guint8  flowDirection;
    guint8  flowEndReason;              /* FL_V_END_REASON only */
    guint8  padding[3];
} FlIpfixRec;

G_STATIC_ASSERT(sizeof(FlIpfixRec) == 112);

/* Variant bits: external data template ID = fl_variant_tid(variant):
 * FL_TID_DATA_BASE + variant for the first 256 (every AWS variant), and
 * FL_TID_DATA_BASE2 + (variant - 256) for those with flowEndReason, so
 * that the IDs below stay what they were. */
enum {
    FL_V_IPV6 = 1 << 0,
    FL_V_TCP_FLAGS = 1 << 1,
    FL_V_DIRECTION = 1 << 2,
    FL_V_VRF = 1 << 3,
    FL_V_EGRESS = 1 << 4,
    FL_V_DROPPED = 1 << 5,
    FL_V_TIME_SEC = 1 << 6,
    FL_V_TIME_MSEC = 1 << 7,
    FL_V_END_REASON = 1 << 8,   /* flowEndReason (136): other clouds */
    FL_V_COUNT = 512,
    /* spec-array-only bits, never part of a template ID */
    FL_V_IPV4 = 1 << 9,
    FL_V_INTERNAL = 1 << 10
};

#define FL_TID_DATA_BASE 1024
#define FL_TID_DATA_BASE2 1536
#define FL_TID_IF_OPTION 1280
#define FL_TID_VRF_OPTION 1281
#define FL_TID_TYPE_INFO 1282
/* Internal template IDs live in their own table; kept apart for clarity. */
#define FL_TID_INT_DATA 0x7F00
#define FL_TID_INT_IF_OPTION 0x7F01
#define FL_TID_INT_VRF_OPTION 0x7F02

static inline guint16
fl_variant_tid(guint variant)
{
    return (guint16)(variant < 256 ? FL_TID_DATA_BASE + variant
                                   : FL_TID_DATA_BASE2 + variant - 256);
}

typedef enum { FL_TIME_SECONDS, FL_TIME_MILLISECONDS, FL_TIME_BOTH } FlTimeElements;

typedef struct {
    FlTimeElements time_elements;
    int id_bits;                /* 32 or 16 */
    gboolean pkt_addresses;     /* --address-pair pkt */
    const FlIdPins *pins;       /* --id-map, or NULL */
} FlMapperConfig;

typedef enum { FL_PROFILE_VPC, FL_PROFILE_TGW } FlProfile;

typedef struct {
    FlProfile profile;
    guint variant;              /* without FL_V_IPV6 */
    FlField if_field;           /* interface-id or tgw-attachment-id */
    FlField vrf_field;          /* vpc-id, tgw-src-vpc-id, or FL_F_UNKNOWN */
    gboolean pkt_addresses;     /* prefer pkt-srcaddr/pkt-dstaddr */
    gboolean has_lost;          /* TGW packets-lost-* present */
    const FlField *need;        /* the profile's mandatory fields */
    guint n_need;
    gboolean sampled;           /* the counts come from sampled packets
                                   (Google): interface descriptions end
                                   with sampled=yes; set by the caller */
    const char *owner;          /* the account of a CloudWatch Logs
                                   payload: describes interfaces and VPCs
                                   when a line has no account-id; NULL
                                   for none (not owned by the plan) */
    const char *cloud;          /* NULL for AWS; "azure" (a static
                                   string): options descriptions start
                                   with cloud=NAME and use that cloud's
                                   keys (doc/internals/CONTRACT.md) */
} FlMapPlan;

/*
 * Compiles the plan for fmt.  FL_ERROR_FORMAT naming every missing
 * mandatory field when the format cannot be transcoded.
 */
gboolean fl_map_plan_init(FlMapPlan *plan, const FlFormat *fmt,
                          const FlMapperConfig *cfg, GError **err);

typedef enum {
    FL_MAP_RECORD,              /* out is filled */
    FL_MAP_NODATA,
    FL_MAP_SKIPDATA,
    FL_MAP_REJECT               /* *reason and *column set */
} FlMapResult;

/* A name a worker saw for the first time, with its description. */
typedef struct {
    FlIdKind kind;
    guint32  id;
    char    *name;
    char    *desc;
} FlNewName;

typedef struct {
    FlNameCache *ifaces;
    FlNameCache *vrfs;
    GArray      *new_names;     /* of FlNewName, handed to the writer */
} FlMapperThread;

void fl_mapper_thread_init(FlMapperThread *t, const FlMapperConfig *cfg);
void fl_mapper_thread_clear(FlMapperThread *t);

/*
 * Maps one decoded record.  *variant gets the full variant (with
 * FL_V_IPV6 when IPv6).  Thread-safe with one FlMapperThread per thread.
 */
FlMapResult fl_map_record(const FlMapPlan *plan, const FlMapperConfig *cfg,
                          FlMapperThread *t, const FlRecord *rec,
                          FlIpfixRec *out, guint *variant, FlReject *reason,
                          guint *column);

void fl_new_name_clear(gpointer p);

#endif
