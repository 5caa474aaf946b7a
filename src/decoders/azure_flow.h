/*
 * azure_flow.h - Azure flow logs (PT1H.json documents) into FlRecords.
 *
 * Two shapes, told apart per record by the member that holds the flows:
 *   - VNet flow logs: {"records":[{"macAddress":"…","targetResourceID":
 *     "…/virtualNetworks/V","flowRecords":{"flows":[{"aclID":"…",
 *     "flowGroups":[{"rule":"…","flowTuples":["T",…]}]}]}},…]}
 *     with tuples "time,src,dst,sport,dport,proto,I|O,B|C|E|D,encryption,
 *     packets,bytes,packets-back,bytes-back" (proto a number);
 *   - NSG flow logs v1/v2: {"records":[{"macAddress":"…","resourceId":
 *     "…","properties":{"Version":2,"flows":[{"rule":"…","flows":[{"mac":
 *     "…","flowTuples":["T",…]}]}]}},…]} with v2 tuples "time,src,dst,
 *     sport,dport,T|U,I|O,A|D,B|C|E,packets,bytes,packets-back,bytes-back"
 *     and v1 tuples ending at the decision.
 * Other members are ignored whatever they hold (within the bounds).
 *
 * What a tuple becomes (README, "Azure"):
 *   - counters are deltas since the previous tuple of the same flow; a
 *     tuple's record spans from that tuple's time (when the document has
 *     it; else the tuple's own time) to its own;
 *   - B (begin) of an allowed flow carries no counters: nothing is
 *     exported, the time is kept as the next record's start;
 *   - C and E: a record per direction with traffic (the reverse one with
 *     addresses and ports swapped and the direction flipped; the forward
 *     one also when neither has any, so that the end is seen), with
 *     flow-end-reason 2 (C, active timeout) or 3 (E, end of flow);
 *   - a denied tuple (VNet state D, NSG decision D): one REJECT record,
 *     its counters or 0 when the tuple has none; NSG v1 tuples (no
 *     counters at all): one record with 0 counters;
 *   - names carry the cloud: interface "azure:MAC", VRF "azure:" and the
 *     virtual network's resource ID (VNet flow logs whose target is a
 *     virtual network or one of its subnets; none otherwise).
 * Times in seconds or milliseconds, told apart per value; start and end
 * are given in milliseconds.
 *
 * Strings of the FlRecord point into buf or into the decoder, valid for
 * the callback's duration.  Every record's tuples are kept (as slices of
 * buf) until the record's object ends, because its members may come in
 * any order; memory is bounded by FL_AZURE_MAX_TUPLES and the input.
 */
#ifndef FL_AZURE_FLOW_H
#define FL_AZURE_FLOW_H

#include <glib.h>
#include "decoders/decode.h"
#include "record.h"

#define FL_AZURE_MAX_DEPTH 12           /* the shape needs 9 */
#define FL_AZURE_MAX_STRING (64 * 1024) /* a tuple, an ID, any string */
#define FL_AZURE_MAX_TUPLES (4 * 1024 * 1024)   /* in one record */

typedef struct {
    guint64 records;            /* records[] elements */
    guint64 tuples;             /* flow tuples read */
    guint64 begins;             /* B tuples: no record */
    guint64 denied;             /* denied tuples */
    guint64 out;                /* FlRecords handed out */
    guint64 bad;                /* tuples rejected (on_bad) */
} FlAzureCounts;

/* Where a tuple is, 1-based, for messages. */
typedef struct {
    guint record, flow, group, tuple;
} FlAzureWhere;

/* "record R flow F group G tuple T" into buf. */
void fl_azure_where_format(const FlAzureWhere *w, char *buf, gsize size);

/* One record out; FALSE with *err stops the decoding (the call fails
 * with that error). */
typedef gboolean (*FlAzureRecordFunc)(const FlRecord *rec,
                                      const FlAzureWhere *where,
                                      gpointer data, GError **err);
/* A tuple rejected: counted, reported, the others go on.  why is a
 * short text naming the field. */
typedef void (*FlAzureBadFunc)(const FlAzureWhere *where, FlReject reason,
                               const char *why, gpointer data);

typedef struct FlAzureDecoder FlAzureDecoder;

/* rec: the record to fill and hand out (the pipeline worker's own, so
 * that nothing is copied), or NULL for one of the decoder's. */
FlAzureDecoder *fl_azure_decoder_new(FlRecord *rec);
void            fl_azure_decoder_free(FlAzureDecoder *d);

/*
 * Decodes one document.  FALSE with *err (FL_ERROR_CORRUPT: not JSON, or
 * not the shape, naming the record and the member; FL_ERROR_LIMIT: a
 * bound passed) when the document cannot be read; records handed out
 * before stay handed out.  counts (may be NULL) is added to.
 */
gboolean fl_azure_decode(FlAzureDecoder *d, const guint8 *buf, gsize len,
                         FlAzureRecordFunc on_record, FlAzureBadFunc on_bad,
                         gpointer data, FlAzureCounts *counts, GError **err);

/* TRUE when the first bytes are {"records":[{"KEY" with KEY a member
 * Azure writes first, or {"records":[] (whitespace allowed). */
gboolean fl_azure_sniff(const guint8 *buf, gsize len);

/* The fields an Azure record may have, as a format for the mapping plan.
 * Cannot fail; caller unrefs. */
FlFormat *fl_azure_format_new(void);

#endif
