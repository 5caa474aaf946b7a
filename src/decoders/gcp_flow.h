/*
 * gcp_flow.h - Google Cloud VPC Flow Logs into FlRecords.
 *
 * Input: Cloud Logging LogEntry objects (logName ".../logs/compute.
 * googleapis.com%2Fvpc_flows", the record in jsonPayload) as JSON lines
 * (Cloud Storage export objects are the same), a JSON array of them
 * (gcloud logging read --format=json), or Pub/Sub push request bodies
 * {"message":{"data":"<base64 of a LogEntry>","messageId":"..."},
 * "subscription":"..."}, one a line, as a push endpoint receives them.
 *
 * A record (see cloud_json.h for the walk and its errors):
 *   connection.src_ip/dest_ip        srcaddr/dstaddr
 *   connection.src_port/dest_port    srcport/dstport (absent: 0, as
 *                                    proto3 JSON leaves out zeros: ICMP)
 *   connection.protocol              protocol
 *   packets_sent/bytes_sent          packets/bytes (strings or numbers)
 *   start_time/end_time              start/end, RFC 3339 to milliseconds
 *   reporter SRC / DEST              flow-direction egress / ingress
 *                                    (SRC_GATEWAY, DEST_GATEWAY alike)
 *   the reporter's side:             interface-id "gcp:PROJECT/ZONE/VM"
 *     src_instance or dest_instance  (a gateway: "gcp:PROJECT/LOCATION/
 *     (src_gateway, dest_gateway)    TYPE/NAME"; neither: the subnetwork
 *                                    of resource.labels, "gcp:PROJECT/
 *                                    LOCATION/subnetworks/NAME")
 *     src_vpc or dest_vpc            vpc-id "gcp:PROJECT/VPC"
 *     project, region, zone, subnet  account-id, region, az-id, subnet-id
 * Google's records carry no accept/reject verdict: action stays absent.
 * Every record is sampled (Google samples packets, then flows).
 *
 * Both VMs of a flow may report it (reporter SRC and DEST): by default
 * every report becomes a record, told apart by its direction and
 * interface; FL_GCP_KEEP_SRC or _DEST keeps one side (the other is
 * counted in other_side).
 *
 * Entries of other logs (no jsonPayload.connection, no reporter) are
 * counted in other and passed over without a message.
 */
#ifndef FL_GCP_FLOW_H
#define FL_GCP_FLOW_H

#include <glib.h>

#include "decoders/cloud_json.h"

typedef enum {
    FL_GCP_KEEP_ALL,
    FL_GCP_KEEP_SRC,
    FL_GCP_KEEP_DEST
} FlGcpKeep;

typedef struct {
    guint64 entries;            /* flow-log entries read */
    guint64 records;            /* handed to on_record */
    guint64 messages;           /* Pub/Sub push bodies */
    guint64 other;              /* entries of other logs */
    guint64 other_side;         /* reports of the side not kept */
    guint64 bad;                /* lines, entries, messages to on_bad */
} FlGcpCounts;

typedef struct FlGcpDecoder FlGcpDecoder;

/* One per thread (buffers are kept from call to call).  Cannot fail. */
FlGcpDecoder *fl_gcp_decoder_new(FlGcpKeep keep);
void fl_gcp_decoder_free(FlGcpDecoder *d);

/* Whether plain lines go through the fast scanner (the default; see
 * fl_cj_walker_set_fast: the results are the same, for tests to check). */
void fl_gcp_decoder_set_fast(FlGcpDecoder *d, gboolean fast);

/*
 * Decodes a whole document.  Bad lines, entries and push bodies go to
 * on_bad (may be NULL) and are counted; the others are still decoded.
 * FALSE with *err (FL_ERROR_CORRUPT naming the line) when the rest of the
 * document cannot be read, or with on_record's error; records handed out
 * before stay handed out.  counts (may be NULL) is added to.
 */
gboolean fl_gcp_decoder_decode(FlGcpDecoder *d, const char *buf, gsize len,
                               FlCloudRecordFunc on_record,
                               FlCloudBadFunc on_bad, gpointer data,
                               FlGcpCounts *counts, GError **err);

/*
 * TRUE when buf (an object's first bytes) looks like Google's JSON: an
 * object (or an array of them) whose first member is one of "insertId",
 * "logName", "jsonPayload", "resource", "message", "subscription",
 * "timestamp", "receiveTimestamp", "severity".  Cheap; the decoder
 * decides.
 */
gboolean fl_gcp_sniff(const guint8 *buf, gsize len);

#endif
