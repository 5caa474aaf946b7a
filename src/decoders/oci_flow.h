/*
 * oci_flow.h - Oracle Cloud Infrastructure VCN flow logs into FlRecords.
 *
 * Input: OCI Logging events of type com.oraclecloud.vcn.flowlogs.
 * DataEvent, as JSON lines or a JSON array (Service Connector objects,
 * `oci logging search` output), bare ({"data":{...},"oracle":{...},...})
 * or wrapped as search results wrap them ({"logContent":{...}}).
 *
 * A record (see cloud_json.h for the walk and its errors):
 *   data.sourceAddress/destinationAddress  srcaddr/dstaddr
 *   data.sourcePort/destinationPort        srcport/dstport (absent: 0,
 *                                          as for ICMP)
 *   data.protocol                          protocol
 *   data.packets, data.bytesOut            packets, bytes
 *   data.startTime/endTime                 start/end (Unix seconds; the
 *                                          mapper takes milliseconds too)
 *   data.action ACCEPT/REJECT              action
 *   data.status OK/NODATA/SKIPDATA         log-status (absent: OK)
 *   vnicocid (data. or oracle.)            interface-id "oci:OCID"
 *   vnicsubnetocid (data. or oracle.)      vpc-id "oci:OCID" (Oracle's
 *                                          record names no VCN: the
 *                                          subnet stands in) and subnet-id
 *   oracle.tenantid                        account-id
 * NODATA and SKIPDATA events become records with that log-status only
 * (their other fields are not read), so the mapper counts them as it
 * counts AWS's.
 */
#ifndef FL_OCI_FLOW_H
#define FL_OCI_FLOW_H

#include <glib.h>

#include "decoders/cloud_json.h"

typedef struct {
    guint64 events;             /* flow-log events read */
    guint64 records;            /* handed to on_record (NODATA, SKIPDATA
                                   included) */
    guint64 other;              /* objects without data: other logs */
    guint64 bad;                /* lines and events to on_bad */
} FlOciCounts;

typedef struct FlOciDecoder FlOciDecoder;

FlOciDecoder *fl_oci_decoder_new(void);
void fl_oci_decoder_free(FlOciDecoder *d);

/* As fl_gcp_decoder_decode (gcp_flow.h). */
gboolean fl_oci_decoder_decode(FlOciDecoder *d, const char *buf, gsize len,
                               FlCloudRecordFunc on_record,
                               FlCloudBadFunc on_bad, gpointer data,
                               FlOciCounts *counts, GError **err);

/* TRUE when buf looks like OCI's JSON: an object (or an array of them)
 * whose first member is "datetime", "logContent", "data", "oracle" or
 * "specversion".  Cheap; the decoder decides. */
gboolean fl_oci_sniff(const guint8 *buf, gsize len);

#endif
